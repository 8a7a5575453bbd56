/* The dashboard: filters → GET /api/analytics/summary → a table per figure (text nodes only, never
   HTML from the server). Filters live in the address (?from=&to=&channel=&region=&by=) so a view can
   be reloaded or sent to a colleague. Uses the desk's helpers (staff.js: XfStaff.el / api). */
(function () {
  'use strict';

  const X = window.XfStaff;
  const $ = X.$;
  const TABLE_ORDER = ['volume', 'channels', 'answers', 'routes', 'articles', 'gaps', 'feedback'];
  const WIDE = new Set(['volume', 'gaps']);
  const NUMERIC = new Set(['count', 'senders', 'up', 'down', 'rate']);
  const LOGIN = '/staff/login?next=' + encodeURIComponent('/analytics');

  function showError(message) {
    const node = $('#a-error');
    node.textContent = message || '';
    node.hidden = !message;
  }

  async function call(path) {
    try {
      return await X.api(path, { noRedirect: true });
    } catch (e) {
      if (e.status === 401) window.location.assign(LOGIN);
      throw e;
    }
  }

  function isoDay(date) {
    const pad = (n) => String(n).padStart(2, '0');
    return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
  }

  function lastDays(days) {
    const end = new Date();
    end.setDate(end.getDate() + 1);
    const start = new Date(end);
    start.setDate(start.getDate() - days);
    return { from: isoDay(start), to: isoDay(end) };
  }

  function current() {
    return { from: $('#f-from').value, to: $('#f-to').value, channel: $('#f-channel').value,
      region: $('#f-region').value, by: $('#f-by').value };
  }

  function query(params, extra) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries({ ...params, ...(extra || {}) })) if (v) q.set(k, v);
    return q.toString();
  }

  function fillSelect(select, items, value, text) {
    for (const item of items) select.append(X.el('option', { value: value(item), text: text(item) }));
  }

  function number(v) {
    return v === null || v === undefined ? '—' : Number(v).toLocaleString('zh-CN');
  }

  function cellText(key, v) {
    if (key === 'rate') return v === null || v === undefined ? '—' : `${(v * 100).toFixed(1)}%`;
    if (NUMERIC.has(key)) return number(v);
    return v === null || v === undefined ? '' : String(v);
  }

  function bar(value, max) {
    const tenth = max > 0 && value ? Math.max(1, Math.round((value / max) * 10)) : 0;
    return X.el('span', { class: 'a-bar', 'aria-hidden': 'true' }, X.el('span', { class: `w-${tenth}` }));
  }

  function row(table, r, kind, max) {
    const tr = X.el('tr', { class: kind ? `a-${kind}` : null });
    for (const c of table.columns) {
      if (c.key === 'examples') {
        const list = (r.examples || []).map((t) => X.el('li', { text: t }));
        tr.append(X.el('td', {}, list.length ? X.el('ul', { class: 'a-examples' }, list) : ''));
        continue;
      }
      const td = X.el('td', { class: NUMERIC.has(c.key) ? 'num' : null, text: cellText(c.key, r[c.key]) });
      if (c.key === 'label' && !kind && max) td.append(bar(r.count, max));
      tr.append(td);
    }
    return tr;
  }

  function card(table, filters) {
    const href = '/api/analytics/export.csv?' + query(filters, { table: table.name });
    const head = X.el('header', {}, X.el('h2', { text: table.title }),
      X.el('a', { class: 'a-export', href, download: '', text: '导出 CSV' }));
    const box = X.el('section', { class: `a-card${WIDE.has(table.name) ? ' wide' : ''}`, 'aria-label': table.title }, head);
    if (table.withheld) {
      box.append(X.el('p', { class: 'a-withheld', text: '所选范围内人数太少，不予显示。' }));
      return box;
    }
    if (!table.rows.length && !table.other) {
      box.append(X.el('p', { class: 'a-withheld', text: '所选范围内没有数据。' }));
    }
    const max = Math.max(0, ...table.rows.map((r) => r.count || 0));
    const thead = X.el('thead', {}, X.el('tr', {}, table.columns.map((c) =>
      X.el('th', { scope: 'col', class: NUMERIC.has(c.key) ? 'num' : null, text: c.title }))));
    const tbody = X.el('tbody', {}, table.rows.map((r) => row(table, r, null, max)),
      table.other ? row(table, table.other, 'other') : null, table.total ? row(table, table.total, 'total') : null);
    box.append(X.el('table', {}, X.el('caption', { class: 'visually-hidden', text: table.title }), thead, tbody));
    if (table.note) box.append(X.el('p', { class: 'a-note', text: table.note }));
    return box;
  }

  function totals(t) {
    const node = X.clear($('#a-totals'));
    if (t.withheld) {
      node.append(X.el('p', { class: 'a-withheld', text: '所选范围内人数太少，各项数字均不予显示。' }));
      return;
    }
    const answered = t.count ? `${(((t.count - t.unanswered) / t.count) * 100).toFixed(1)}%` : '—';
    const figures = [['提问数', number(t.count)], ['提问人数', number(t.senders)], ['答上的比例', answered],
      ['平均响应', t.avg_latency_ms === null ? '—' : `${(t.avg_latency_ms / 1000).toFixed(1)} 秒`]];
    for (const [name, value] of figures) {
      node.append(X.el('div', { class: 'a-figure' }, X.el('div', { class: 'a-value', text: value }),
        X.el('div', { class: 'a-name', text: name })));
    }
  }

  async function load(push) {
    const f = current();
    const tables = $('#a-tables');
    showError('');
    tables.setAttribute('aria-busy', 'true');
    if (push) window.history.replaceState(null, '', '/analytics?' + query(f));
    try {
      const data = await call('/api/analytics/summary?' + query(f));
      totals(data.totals);
      X.clear(tables);
      for (const name of TABLE_ORDER) if (data.tables[name]) tables.append(card(data.tables[name], f));
    } catch (e) {
      showError(e.message);
    } finally {
      tables.setAttribute('aria-busy', 'false');
    }
  }

  async function start() {
    let me;
    try {
      me = await call('/api/staff/me');
    } catch (e) {
      showError(e.message);
      return;
    }
    $('#who-name').textContent = me.username;
    $('#who-role').textContent = me.role_name;
    let options;
    try {
      options = await call('/api/analytics/options');
    } catch (e) {
      showError(e.message);
      return;
    }
    $('#a-rule').textContent = `为保护个人信息，少于 ${options.min_count} 人的项合并为「其他」，不单独显示；`
      + `整张表人数不足时不予显示。数据保留 ${options.retention_days} 天。`;
    fillSelect($('#f-channel'), options.channels, (c) => c.id, (c) => c.name);
    fillSelect($('#f-region'), options.regions, (r) => r.code, (r) => (r.name === r.code ? r.code : `${r.name}（${r.code}）`));
    const params = new URLSearchParams(window.location.search);
    const fallback = lastDays(7);
    $('#f-from').value = params.get('from') || fallback.from;
    $('#f-to').value = params.get('to') || fallback.to;
    for (const key of ['channel', 'region', 'by']) {
      const value = params.get(key);
      const select = $(`#f-${key}`);
      if (value && [...select.options].some((o) => o.value === value)) select.value = value;
    }
    $('#filters').addEventListener('submit', (event) => {
      event.preventDefault();
      load(true);
    });
    for (const button of document.querySelectorAll('[data-days]')) {
      button.addEventListener('click', () => {
        const range = lastDays(Number(button.dataset.days));
        $('#f-from').value = range.from;
        $('#f-to').value = range.to;
        load(true);
      });
    }
    load(false);
  }

  start();
})();
