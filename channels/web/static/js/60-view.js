// The widget's DOM inside its shadow root: header, 人工服务 panel, log, composer.
// Focus order follows the visual order; the log is an aria-live region.
function firstClause(text) {
  const m = /^[^；。]+/.exec(text || '');
  return m ? m[0] : '';
}

function humanPanel(onAsk, onClose) {
  const items = (CONFIG.hotlines || []).map(function (hl) {
    const name = str(hl.name);
    const value = str(hl.value);
    const label = /^[0-9]{3,12}$/.test(value)
      ? h('a', { class: 'xf-tel', href: 'tel:' + value }, [icon('phone'), h('span', { text: name })])
      : h('strong', { text: name });
    return h('li', null, [label, firstClause(str(hl.description)) ? h('span', { class: 'xf-note', text: firstClause(str(hl.description)) }) : null]);
  });
  return h('section', { class: 'xf-human', id: 'xf-human', 'aria-labelledby': 'xf-human-title', hidden: true }, [
    h('h3', { id: 'xf-human-title', text: '人工服务' }),
    h('p', { text: '想和工作人员直接沟通，可以拨打：' }),
    h('ul', { class: 'xf-hotlines' }, items),
    h('div', { class: 'xf-human-actions' }, [
      h('button', { type: 'button', class: 'xf-btn', text: '查看本地办理渠道', on: { click: onAsk } }),
      h('button', { type: 'button', class: 'xf-btn xf-btn-plain', text: '收起', on: { click: onClose } }),
    ]),
  ]);
}

function View(options, root) {
  const self = this;
  const page = options.mode === 'page';
  this.options = options;
  this.chat = null;

  this.input = h('textarea', { id: 'xf-input', class: 'xf-input', rows: '2', maxlength: String(MAX_CHARS),
    placeholder: '请描述您遇到的问题，例如：公司拖欠工资怎么办', 'aria-describedby': 'xf-hint xf-count',
    enterkeyhint: 'send', autocomplete: 'off' });
  this.count = h('span', { id: 'xf-count', class: 'xf-count', text: '0/' + MAX_CHARS });
  this.send = h('button', { type: 'submit', class: 'xf-send', text: '发送' });
  this.log = h('div', { id: 'xf-log', class: 'xf-log', role: 'log', 'aria-live': 'polite', 'aria-relevant': 'additions',
    'aria-label': '对话记录', tabindex: '0' });
  this.status = h('div', { class: 'xf-sr', role: 'status', 'aria-live': 'polite' });
  this.alert = h('div', { class: 'xf-alert-slot' });
  this.humanToggle = h('button', { type: 'button', class: 'xf-head-btn', 'aria-expanded': 'false', 'aria-controls': 'xf-human',
    text: '人工服务', on: { click: function () { self.toggleHuman(); } } });
  this.human = humanPanel(function () { self.toggleHuman(false); self.chat.send('我要找人工', '人工服务'); },
    function () { self.toggleHuman(false); self.humanToggle.focus(); });
  this.clearBtn = h('button', { type: 'button', class: 'xf-head-btn', text: '清除对话',
    on: { click: function () { self.askClear(); } } });
  this.confirmYes = h('button', { type: 'button', class: 'xf-btn xf-danger', text: '确认清除',
    on: { click: function () { self.confirm.hidden = true; self.chat.clear(); self.say('对话已清除。'); self.input.focus(); } } });
  this.confirm = h('div', { class: 'xf-confirm', role: 'group', 'aria-labelledby': 'xf-confirm-text', hidden: true }, [
    h('p', { id: 'xf-confirm-text', text: '清除后，本机保存的对话记录和会话标识都会删除，无法恢复。' }),
    this.confirmYes,
    h('button', { type: 'button', class: 'xf-btn xf-btn-plain', text: '取消',
      on: { click: function () { self.confirm.hidden = true; self.clearBtn.focus(); } } }),
  ]);
  const headerActions = h('div', { class: 'xf-head-actions' }, [this.humanToggle, this.clearBtn]);
  if (!page) {
    headerActions.appendChild(h('button', { type: 'button', class: 'xf-head-btn xf-close', 'aria-label': '关闭咨询窗口',
      on: { click: function () { self.close(); } } }, icon('close')));
  }
  const form = h('form', { class: 'xf-composer', novalidate: true }, [
    h('label', { class: 'xf-sr', for: 'xf-input', text: '您的问题' }),
    h('div', { class: 'xf-compose-row' }, [this.input, this.send]),
    h('div', { class: 'xf-compose-meta' }, [
      h('span', { id: 'xf-hint', text: 'Enter 发送，Shift+Enter 换行。请勿填写身份证号、手机号等个人信息。' }),
      this.count,
    ]),
  ]);
  this.panel = h('div', { id: 'xf-panel', class: 'xf-panel', role: page ? 'region' : 'dialog',
    'aria-labelledby': 'xf-title', hidden: !page }, [
    h('button', { type: 'button', class: 'xf-skip', text: '跳到输入框', on: { click: function () { self.input.focus(); } } }),
    h('header', { class: 'xf-header' }, [
      h('div', { class: 'xf-titles' }, [
        h(page ? 'h1' : 'h2', { id: 'xf-title', class: 'xf-title', text: options.title }),
        h('p', { class: 'xf-subtitle', text: '法律信息与办理途径指引 · 不是个案法律意见' }),
      ]),
      headerActions,
    ]),
    this.human, this.confirm, this.log, this.alert, form, this.status,
  ]);
  const parts = [];
  if (!page) {
    this.launcher = h('button', { type: 'button', class: 'xf-launcher', 'aria-expanded': 'false', 'aria-controls': 'xf-panel',
      on: { click: function () { if (self.panel.hidden) self.open(); else self.close(); } } },
    [icon('chat'), h('span', { text: '法律咨询' })]);
    parts.push(this.launcher);
  }
  parts.push(this.panel);
  append(root.appendChild(h('div', { class: 'xf-root xf-mode-' + options.mode })), parts);

  form.addEventListener('submit', function (ev) { ev.preventDefault(); self.submit(); });
  this.input.addEventListener('keydown', function (ev) {
    // Enter sends; Shift+Enter is a new line; Enter that confirms an IME composition (拼音) does neither.
    if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing && ev.keyCode !== 229) {
      ev.preventDefault();
      self.submit();
    }
  });
  this.input.addEventListener('input', function () { self.sync(); });
  this.panel.addEventListener('keydown', function (ev) {
    if (ev.key !== 'Escape') return;
    if (!self.human.hidden) { self.toggleHuman(false); self.humanToggle.focus(); } else if (!self.confirm.hidden) {
      self.confirm.hidden = true; self.clearBtn.focus();
    } else if (!page) self.close();
  });
}

View.prototype.bind = function (chat) { this.chat = chat; };

View.prototype.handlers = function () {
  const chat = this.chat;
  return {
    quick: function (payload, title) { chat.send(payload, title); },
    vote: function (entry, rating, fb) { chat.vote(entry, rating, fb); },
  };
};

View.prototype.say = function (message) {
  this.status.textContent = '';
  const status = this.status;
  setTimeout(function () { status.textContent = message; }, 50);
};

View.prototype.sync = function () {
  const n = this.input.value.length;
  this.count.textContent = n + '/' + MAX_CHARS;
  this.count.classList.toggle('xf-count-warn', n >= MAX_CHARS - 100);
  if (n >= MAX_CHARS) this.say('已达到 ' + MAX_CHARS + ' 字上限。');
  this.input.style.height = 'auto';   // CSSOM, allowed by style-src 'self'
  this.input.style.height = Math.min(this.input.scrollHeight + 2, 168) + 'px';
};

View.prototype.submit = async function () {
  const text = this.input.value;
  if (!text.trim()) { this.say('请先输入您的问题。'); this.input.focus(); return; }
  if (this.chat.busy) { this.say('请等上一条回答出来再发送。'); return; }
  this.input.value = '';
  this.sync();
  const ok = await this.chat.send(text, text);
  // Nothing is lost: a message that did not get through goes back into the box.
  if (!ok && this.chat.failed && this.chat.failed.text === text && !this.input.value) {
    this.input.value = text;
    this.sync();
  }
};

View.prototype.retry = async function () {
  const text = this.chat.failed && this.chat.failed.text;
  const ok = await this.chat.retry();
  if (ok && text && this.input.value === text) {
    this.input.value = '';
    this.sync();
  }
};

View.prototype.scrollTo = function (el) {
  const log = this.log;
  if (!el) { log.scrollTop = log.scrollHeight; return; }
  log.scrollTop += el.getBoundingClientRect().top - log.getBoundingClientRect().top - 8;
};

View.prototype.addUser = function (text) {
  const el = renderUser(text);
  this.log.appendChild(el);
  this.scrollTo(null);
  return el;
};

View.prototype.addBot = function (entry) {
  const el = renderBot(entry, this.handlers());
  if (this.typing) { this.typing.remove(); this.typing = null; }
  const asked = this.log.lastElementChild;
  this.log.appendChild(el);
  // Show the question with the start of its answer (answers are often longer than the screen).
  const fits = asked && asked.classList.contains('xf-user') && asked.offsetHeight < this.log.clientHeight / 3;
  this.scrollTo(fits ? asked : el);
  return el;
};

View.prototype.restore = function (entries) {
  const log = this.log;
  const handlers = this.handlers();
  log.setAttribute('aria-live', 'off');   // a restored history is not news: do not read it all out
  entries.forEach(function (e) { log.appendChild(e.role === 'user' ? renderUser(e.text) : renderBot(e, handlers)); });
  this.scrollTo(null);
  setTimeout(function () { log.setAttribute('aria-live', 'polite'); }, 0);
};

View.prototype.setBusy = function (busy) {
  if (this.typing) { this.typing.remove(); this.typing = null; }
  this.send.setAttribute('aria-disabled', busy ? 'true' : 'false');
  if (busy) {
    this.typing = h('div', { class: 'xf-msg xf-bot xf-typing' }, [
      h('span', { class: 'xf-dots', 'aria-hidden': 'true' }, [h('i'), h('i'), h('i')]),
      h('span', { text: '正在查找法律依据，请稍候…' }),
    ]);
    this.log.appendChild(this.typing);
    this.scrollTo(null);
  }
};

View.prototype.markFailed = function (el) {
  if (!el) return;
  el.classList.add('xf-failed');
  el.appendChild(h('span', { class: 'xf-failed-note', text: '未发送' }));
};

View.prototype.dropFailed = function (el) {
  if (el) el.remove();
};

View.prototype.showError = function (message) {
  const self = this;
  clear(this.alert);
  this.alert.appendChild(h('div', { class: 'xf-error', role: 'alert' }, [
    h('p', { text: message }),
    h('button', { type: 'button', class: 'xf-btn', text: '重试', on: { click: function () { self.retry(); } } }),
  ]));
};

View.prototype.hideError = function () { clear(this.alert); };

View.prototype.reset = function () {
  clear(this.log);
  this.hideError();
  this.input.value = '';
  this.sync();
  if (this.typing) { this.typing.remove(); this.typing = null; }
};

View.prototype.toggleHuman = function (show) {
  const open = show === undefined ? this.human.hidden : show;
  this.human.hidden = !open;
  this.humanToggle.setAttribute('aria-expanded', open ? 'true' : 'false');
};

View.prototype.askClear = function () {
  this.confirm.hidden = false;
  this.confirmYes.focus();
};

View.prototype.open = function () {
  this.panel.hidden = false;
  this.launcher.setAttribute('aria-expanded', 'true');
  this.chat.start();
  this.input.focus();
};

View.prototype.close = function () {
  this.panel.hidden = true;
  this.launcher.setAttribute('aria-expanded', 'false');
  this.launcher.focus();
};
