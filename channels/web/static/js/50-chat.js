// The conversation: state, sending, retry, feedback, forgetting. The view only draws.
function Chat(options, store, view) {
  this.options = options;
  this.store = store;
  this.view = view;
  this.sender = loadSender(store);
  this.entries = loadHistory(store);
  this.busy = false;
  this.failed = null;          // {text, display, el}: the last message that did not get through
  this.cancel = new AbortController();
  this.started = false;
}

Chat.prototype.url = function (path) {
  return new URL(path, this.options.service).href;
};

Chat.prototype.metadata = function () {
  return this.options.region ? { region: this.options.region } : {};
};

// First open: the stored conversation, or the welcome (disclaimer, privacy notice, quick replies).
Chat.prototype.start = function () {
  if (this.started) return;
  this.started = true;
  if (this.entries.length) this.view.restore(this.entries);
  else this.send('/greet', null);
};

Chat.prototype.save = function () {
  saveHistory(this.store, this.entries);
};

// Sends `text`; `display` is what the user sees in their bubble (null: nothing, for /greet).
// Resolves to true when an answer arrived.
Chat.prototype.send = async function (text, display) {
  if (this.busy || !text || !text.trim()) return false;
  if (this.failed) {
    this.view.dropFailed(this.failed.el);
    this.failed = null;
  }
  this.view.hideError();
  const userEl = display === null ? null : this.view.addUser(display);
  this.busy = true;
  this.view.setBusy(true);
  const cancel = this.cancel;
  try {
    const data = await postJSON(this.url('api/chat'),
      { sender: this.sender, text: text, metadata: this.metadata() }, this.options.timeoutMs, cancel.signal);
    if (!data || !Array.isArray(data.messages)) throw new ApiError(MESSAGES.bad, 'bad');
    const entry = { role: 'bot', turn_id: str(data.turn_id), messages: data.messages, vote: 0 };
    if (display !== null) this.entries.push({ role: 'user', text: display });
    this.entries.push(entry);
    this.save();
    this.view.addBot(entry);
    return true;
  } catch (e) {
    if (cancel.signal.aborted || e.kind === 'cancelled') return false;   // the conversation was cleared
    this.failed = { text: text, display: display, el: userEl };
    this.view.markFailed(userEl);
    this.view.showError(e.message || MESSAGES.server);
    return false;
  } finally {
    if (cancel === this.cancel) {
      this.busy = false;
      this.view.setBusy(false);
    }
  }
};

Chat.prototype.retry = function () {
  if (!this.failed) return Promise.resolve(false);
  const f = this.failed;
  return this.send(f.text, f.display);
};

Chat.prototype.vote = async function (entry, rating, fb) {
  const before = entry.vote || 0;
  fb.set(rating, '正在提交…');
  try {
    await postJSON(this.url('api/feedback'), { sender: this.sender, turn_id: entry.turn_id, rating: rating },
      this.options.timeoutMs);
    entry.vote = rating;
    this.save();
    fb.set(rating, rating === 1 ? '已记录：有帮助。谢谢！可以随时改选。' : '已记录：没帮助。谢谢，我们会改进。可以随时改选。');
  } catch (e) {
    fb.set(before, '反馈没有提交成功：' + (e.message || MESSAGES.server));
  }
};

// 清除对话: forget everything this browser holds, start over with a new sender id.
Chat.prototype.clear = function () {
  this.cancel.abort();
  this.cancel = new AbortController();
  this.busy = false;
  this.failed = null;
  this.store.remove('history');
  this.store.remove('sender');
  this.entries = [];
  this.sender = loadSender(this.store);
  this.view.reset();
  this.send('/greet', null);
};
