/* Shared by the sign-in page and the desk: DOM building (text only, never HTML from the server),
   the JSON API client with its Chinese errors, and the way back to sign-in on a 401.
   The pages run under `script-src 'self'; style-src 'self'`: no inline code, no style attributes. */
(function () {
  'use strict';

  const X = (window.XfStaff = {});
  X.panes = {};     // the desk's panes register here (desk-*.js), desk.js starts them

  /** A title in book-title marks; marks inside it become 〈〉 (《最高人民法院关于适用〈…〉的解释》). */
  X.book = (title) => `《${String(title || '').replace(/《/g, '〈').replace(/》/g, '〉')}》`;

  /** el('p', {class: 'x', text: '…', 'aria-label': '…'}, child, …): a node built with textContent. */
  X.el = function (tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === 'text') node.textContent = String(value);
      else if (key === 'class') node.className = value;
      else if (key === 'dataset') Object.assign(node.dataset, value);
      else if (key === 'on') for (const [ev, fn] of Object.entries(value)) node.addEventListener(ev, fn);
      else if (value === true) node.setAttribute(key, '');
      else node.setAttribute(key, String(value));
    }
    X.append(node, children);
    return node;
  };

  X.append = function (node, children) {
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false || child === '') continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  };

  X.clear = function (node) {
    node.replaceChildren();
    return node;
  };

  X.$ = (sel, root) => (root || document).querySelector(sel);

  /** The same-origin desk path to return to after sign-in, or '/staff' (never another site). */
  // The signed-in pages a sign-in may return to: the desk and the analytics dashboard.
  const PAGES = ['/staff', '/analytics'];
  const ours = (path) => PAGES.some((p) => path === p || path.startsWith(p + '/'));

  X.safeNext = function (raw) {
    if (!raw || typeof raw !== 'string' || !ours(raw.split(/[?#]/)[0]) || raw.startsWith('//')) return '/staff';
    try {
      const url = new URL(raw, window.location.origin);
      if (url.origin !== window.location.origin) return '/staff';
      if (!ours(url.pathname)) return '/staff';
      if (url.pathname.startsWith('/staff/login') || url.pathname.startsWith('/staff/assets/')) return '/staff';
      return url.pathname + url.search + url.hash;
    } catch (e) {
      return '/staff';
    }
  };

  X.toLogin = function () {
    const here = window.location.pathname + window.location.search + window.location.hash;
    window.location.assign('/staff/login?next=' + encodeURIComponent(X.safeNext(here)));
  };

  class ApiError extends Error {
    constructor(status, message) {
      super(message);
      this.status = status;
    }
  }
  X.ApiError = ApiError;

  async function errorOf(resp) {
    let message = '';
    try {
      const body = await resp.json();
      if (body && typeof body.error === 'string') message = body.error;
      else if (body && typeof body.detail === 'string') message = body.detail;
    } catch (e) { /* not JSON: say what happened below */ }
    if (!message) {
      message = resp.status >= 500 ? `服务出了点问题（HTTP ${resp.status}），请稍后再试。`
        : `请求没有成功（HTTP ${resp.status}）。`;
    }
    return new ApiError(resp.status, message);
  }

  /**
   * A call to /api/staff/…: resolves to the parsed JSON (or the Response with raw: true), throws an
   * ApiError carrying the API's Chinese message. A 401 sends the page to sign-in unless noRedirect.
   */
  X.api = async function (path, opts) {
    const o = opts || {};
    const headers = { Accept: 'application/json' };
    const init = { method: o.method || 'GET', headers, credentials: 'same-origin', signal: o.signal, cache: 'no-store' };
    if (o.body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(o.body);
    }
    if (o.csrf) headers['X-CSRF-Token'] = o.csrf;
    let resp;
    try {
      resp = await fetch(path, init);
    } catch (e) {
      if (e && e.name === 'AbortError') throw e;
      throw new ApiError(0, '连不上服务器，请检查网络后重试。');
    }
    if (!resp.ok) {
      const err = await errorOf(resp);
      if (resp.status === 401 && !o.noRedirect) X.toLogin();
      throw err;
    }
    if (o.raw) return resp;
    if (resp.status === 204) return null;
    return resp.json();
  };

  X.isAbort = (e) => Boolean(e && e.name === 'AbortError');

  /** 2026-04-01 → 2026年4月1日（星期三）. */
  X.dateText = function (iso, withWeekday) {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso || '');
    if (!m) return iso || '';
    const y = Number(m[1]);
    const mo = Number(m[2]);
    const d = Number(m[3]);
    let text = `${y}年${mo}月${d}日`;
    if (withWeekday) text += `（星期${'日一二三四五六'[new Date(Date.UTC(y, mo - 1, d)).getUTCDay()]}）`;
    return text;
  };

  /** Today in the browser's time zone as YYYY-MM-DD. */
  X.today = function () {
    const t = new Date();
    const pad = (n) => String(n).padStart(2, '0');
    return `${t.getFullYear()}-${pad(t.getMonth() + 1)}-${pad(t.getDate())}`;
  };
})();
