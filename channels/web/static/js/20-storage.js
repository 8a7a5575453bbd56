// What the browser keeps (localStorage of the page that shows the widget, never a cookie):
// a random sender id and the conversation as message data (not HTML), capped in size.
function makeStore(prefix) {
  let ls = null;
  try {
    ls = window.localStorage;
    ls.setItem(prefix + 'probe', '1');
    ls.removeItem(prefix + 'probe');
  } catch (e) {
    ls = null;   // storage disabled (private mode, policy): the conversation lasts for this page only
  }
  const memory = {};
  return {
    persistent: !!ls,
    get: function (key) {
      try {
        return ls ? ls.getItem(prefix + key) : (key in memory ? memory[key] : null);
      } catch (e) {
        return null;
      }
    },
    set: function (key, value) {
      try {
        if (ls) ls.setItem(prefix + key, value);
        else memory[key] = value;
        return true;
      } catch (e) {
        return false;   // quota exceeded
      }
    },
    remove: function (key) {
      try {
        if (ls) ls.removeItem(prefix + key);
      } catch (e) { /* nothing to forget */ }
      delete memory[key];
    },
  };
}

function newSenderId() {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);   // available on http pages too, unlike crypto.randomUUID
  return 'web-' + Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join('');
}

function loadSender(store) {
  let id = store.get('sender');
  if (!id || !/^[A-Za-z0-9_-]{8,128}$/.test(id)) {
    id = newSenderId();
    store.set('sender', id);
  }
  return id;
}

function validEntry(e) {
  if (!e || typeof e !== 'object') return false;
  if (e.role === 'user') return typeof e.text === 'string';
  return e.role === 'bot' && Array.isArray(e.messages);
}

function loadHistory(store) {
  try {
    const data = JSON.parse(store.get('history') || 'null');
    return data && data.v === 1 && Array.isArray(data.entries) ? data.entries.filter(validEntry) : [];
  } catch (e) {
    return [];
  }
}

function saveHistory(store, entries) {
  let list = entries.slice(-HISTORY_LIMIT);
  while (list.length) {
    if (store.set('history', JSON.stringify({ v: 1, entries: list }))) return true;
    list = list.slice(Math.ceil(list.length / 4));   // full: drop the oldest quarter and try again
  }
  store.remove('history');
  return false;
}
