/* The desk's frame: who is signed in, the three panes (法条检索 / 途径查找 / 期限计算), sign-out,
   and what the panes share (the session's CSRF token, the filter menus, messages). The panes live
   in desk-search.js, desk-routes.js and desk-deadline.js and register themselves on XfStaff.panes. */
(function () {
  'use strict';

  const X = window.XfStaff;
  const $ = X.$;
  const PANES = ['search', 'routes', 'deadline'];
  const desk = (X.desk = { me: null, options: null, current: null });

  /** The text of an error node, hidden when empty. */
  X.showError = function (node, message) {
    node.textContent = message || '';
    node.hidden = !message;
  };

  let toastTimer = 0;
  X.toast = function (message) {
    const node = $('#toast');
    node.textContent = message;
    node.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { node.hidden = true; }, 2200);
  };

  X.csrf = () => (desk.me ? desk.me.csrf_token : '');

  X.routeName = function (id) {
    const found = desk.options && desk.options.routes.find((r) => r.id === id);
    return found ? found.name : id;
  };

  X.lawOf = function (id) {
    return desk.options ? desk.options.laws.find((l) => l.id === id) : null;
  };

  /** 现行有效 / 已失效 / 已废止, as a badge. */
  X.statusBadge = function (status) {
    if (!status) return null;
    const current = status === 'current';
    return X.el('span', { class: `badge status ${current ? 'current' : 'superseded'}`,
      text: current ? '现行有效' : status === 'repealed' ? '已废止（已失效）' : '已失效' });
  };

  const DIGITS = '零一二三四五六七八九';
  /** 35 → 三十五 (article numbers: 1 … 9999). */
  X.chineseNumber = function (n) {
    if (!Number.isInteger(n) || n <= 0 || n >= 10000) return String(n);
    const units = ['', '十', '百', '千'];
    const ds = String(n).split('').map(Number);
    let out = '';
    let zero = false;
    ds.forEach((d, i) => {
      const unit = units[ds.length - 1 - i];
      if (d === 0) { zero = out !== ''; return; }
      if (zero) { out += '零'; zero = false; }
      out += (d === 1 && unit === '十' && out === '') ? unit : DIGITS[d] + unit;
    });
    return out;
  };

  /** law#35 → 《信访工作条例》第三十五条 (from the filter menu's law titles). */
  X.articleName = function (id) {
    const [lawId, number] = String(id).split('#');
    const law = X.lawOf(lawId);
    const label = /^\d+$/.test(number || '') ? `第${X.chineseNumber(Number(number))}条` : (number || '');
    return law ? `${X.book(law.short || law.title)}${label}` : id;
  };

  /** Shows one pane; `focus` moves the keyboard into it. */
  X.show = function (name, focus) {
    if (!PANES.includes(name)) name = 'search';
    desk.current = name;
    for (const p of PANES) {
      const tab = $(`#tab-${p}`);
      const on = p === name;
      tab.setAttribute('aria-selected', on ? 'true' : 'false');
      tab.tabIndex = on ? 0 : -1;
      $(`#pane-${p}`).hidden = !on;
    }
    if (window.location.hash !== `#${name}`) history.replaceState(null, '', `#${name}`);
    const pane = X.panes[name];
    if (focus && pane && pane.focus) pane.focus();
  };

  function bindTabs() {
    const tabs = PANES.map((p) => $(`#tab-${p}`));
    tabs.forEach((tab, i) => {
      tab.addEventListener('click', () => X.show(tab.dataset.pane, true));
      tab.addEventListener('keydown', (e) => {   // WAI-ARIA tabs: arrows move between tabs
        const step = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
        if (!step) return;
        e.preventDefault();
        const next = tabs[(i + step + tabs.length) % tabs.length];
        X.show(next.dataset.pane, false);
        next.focus();
      });
    });
    document.addEventListener('keydown', (e) => {   // Alt+1/2/3 from anywhere
      if (!e.altKey || e.ctrlKey || e.metaKey) return;
      const i = ['1', '2', '3'].indexOf(e.key);
      if (i >= 0) {
        e.preventDefault();
        X.show(PANES[i], true);
      }
    });
  }

  async function logout() {
    const button = $('#logout');
    button.disabled = true;
    try {
      await X.api('/api/staff/logout', { method: 'POST', csrf: X.csrf(), noRedirect: true });
    } catch (e) { /* signed out already or the server is away: the sign-in page either way */ }
    window.location.assign('/staff/login');
  }

  async function boot() {
    bindTabs();
    $('#logout').addEventListener('click', logout);
    try {
      desk.me = await X.api('/api/staff/me');
    } catch (e) {
      return;     // 401: on the way to the sign-in page
    }
    $('#who-name').textContent = desk.me.username;
    $('#who-role').textContent = desk.me.role_name;
    // the dashboard is for analysts and admins (the server checks too)
    $('#to-analytics').hidden = !['analyst', 'admin'].includes(desk.me.role);
    $('#who-name').title = `登录有效至 ${new Date(desk.me.expires_at).toLocaleString('zh-CN')}`;
    for (const pane of Object.values(X.panes)) if (pane.init) pane.init();
    X.show(window.location.hash.slice(1) || 'search', true);
    try {
      desk.options = await X.api('/api/staff/options');
    } catch (e) {
      if (e.status !== 401) X.showError($('#search-error'), e.message);
      return;
    }
    for (const pane of Object.values(X.panes)) if (pane.options) pane.options(desk.options);
    document.body.classList.add('ready');
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', boot);
  else boot();
})();
