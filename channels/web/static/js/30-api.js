// Talking to the service: JSON POSTs with a timeout; every failure becomes a Chinese message.
const MESSAGES = {
  network: '网络连接失败，消息没有发出去。请检查网络后点“重试”。',
  bad: '服务返回的内容无法识别，请稍后再试。',
  server: '服务出了点问题，请稍后再试。',
  client: '请求没有被接受，请修改后再试。',
  status: {
    400: '请求格式有误，请修改后再试。',
    413: '消息太长了，请删减后再发送。',
    422: '消息内容有误，请修改后再发送。',
    429: '发送太频繁了，请稍等片刻再试。',
    503: '对话服务暂时不可用，请稍后再试。',
  },
};

function timeoutMessage(ms) {
  return '等了 ' + Math.round(ms / 1000) + ' 秒还没有收到回答。请点“重试”再试一次。';
}

function ApiError(message, kind, status) {
  this.message = message;
  this.kind = kind;        // network | timeout | http | bad | cancelled
  this.status = status || 0;
}

function statusMessage(status, body) {
  try {
    const data = JSON.parse(body);
    if (data && typeof data.error === 'string' && data.error.trim()) return data.error.trim().slice(0, 300);
  } catch (e) { /* not JSON: use our own words */ }
  return MESSAGES.status[status] || (status >= 500 ? MESSAGES.server : MESSAGES.client);
}

async function postJSON(url, body, timeoutMs, cancel) {
  const ctrl = new AbortController();
  let timedOut = false;
  const timer = setTimeout(function () { timedOut = true; ctrl.abort(); }, timeoutMs);
  const onCancel = function () { ctrl.abort(); };
  if (cancel) cancel.addEventListener('abort', onCancel);
  let resp;
  let text;
  try {
    resp = await fetch(url, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
      signal: ctrl.signal, credentials: 'omit', mode: 'cors', cache: 'no-store', referrerPolicy: 'no-referrer',
    });
    text = await resp.text();
  } catch (e) {
    if (timedOut) throw new ApiError(timeoutMessage(timeoutMs), 'timeout');
    if (cancel && cancel.aborted) throw new ApiError('', 'cancelled');
    throw new ApiError(MESSAGES.network, 'network');
  } finally {
    clearTimeout(timer);
    if (cancel) cancel.removeEventListener('abort', onCancel);
  }
  if (!resp.ok) throw new ApiError(statusMessage(resp.status, text), 'http', resp.status);
  if (resp.status === 204 || !text) return null;
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ApiError(MESSAGES.bad, 'bad', resp.status);
  }
}
