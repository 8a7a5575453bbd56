/* The sign-in page: a CSRF token first (GET /api/staff/csrf sets its cookie), then the JSON sign-in;
   the API's Chinese message on 401 / 403 / 429, and on success the desk (or the same-origin `next`). */
(function () {
  'use strict';

  const X = window.XfStaff;
  const form = X.$('#login-form');
  const user = X.$('#username');
  const pass = X.$('#password');
  const submit = X.$('#login-submit');
  const error = X.$('#login-error');
  const next = X.safeNext(new URLSearchParams(window.location.search).get('next'));
  let csrf = null;

  function showError(message) {
    error.textContent = message;
    error.hidden = !message;
  }

  async function fetchToken() {
    const out = await X.api('/api/staff/csrf', { noRedirect: true });
    csrf = out.csrf_token;
    submit.disabled = false;
  }

  async function start() {
    try {   // already signed in (another tab): straight on
      await X.api('/api/staff/me', { noRedirect: true });
      window.location.replace(next);
      return;
    } catch (e) { /* not signed in: the form */ }
    try {
      await fetchToken();
    } catch (e) {
      showError(e.message);
    }
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();    // the page's CSP has form-action 'none': the form never submits itself
    const username = user.value.trim();
    if (!username || !pass.value) {
      showError(!username ? '请输入用户名。' : '请输入密码。');
      (!username ? user : pass).focus();
      return;
    }
    showError('');
    submit.disabled = true;
    submit.textContent = '正在登录…';
    try {
      if (!csrf) await fetchToken();
      await X.api('/api/staff/login', { method: 'POST', csrf, noRedirect: true,
        body: { username, password: pass.value } });
      window.location.assign(next);
      return;
    } catch (e) {
      showError(e.message);
      pass.value = '';
      pass.focus();
      if (e.status === 403) {   // the sign-in token expired: a fresh one for the next try
        csrf = null;
        try { await fetchToken(); } catch (e2) { /* the message shown stands */ }
      }
    }
    submit.disabled = false;
    submit.textContent = '登录';
  });

  start();
})();
