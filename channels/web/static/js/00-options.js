// Options from the embedding <script> tag's data- attributes, and constants.
// The server fills in CONFIG: the versioned stylesheet path and the hotlines of the
// 人工服务 panel (from knowledge/sources/channels.yaml).
const CONFIG = __XF_CONFIG__;
const MAX_CHARS = 2000;
const DEFAULT_TITLE = '信访法治导引';
const DEFAULT_TIMEOUT_S = 20;
const HISTORY_LIMIT = 60;          // stored entries (a user message or a bot turn each)
const REGION_RE = /^[0-9A-Za-z_\-\u4e00-\u9fff]{1,32}$/;
const COLOR_RE = /^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/;

function httpUrl(value, base) {
  if (typeof value !== 'string' || !value.trim()) return null;
  try {
    const url = new URL(value.trim(), base);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : null;
  } catch (e) {
    return null;
  }
}

function withSlash(url) {
  const copy = new URL(url.href);
  copy.search = '';
  copy.hash = '';
  if (!copy.pathname.endsWith('/')) copy.pathname += '/';
  return copy.href;
}

function readOptions(el) {
  const data = (el && el.dataset) || {};
  const scriptUrl = httpUrl(el && el.src, location.href) || new URL(location.href);
  const assetBase = new URL('.', scriptUrl).href;      // where widget.js (and its CSS) came from
  const service = httpUrl(data.service, location.href);
  const query = new URLSearchParams(location.search);
  const mode = data.mode === 'page' ? 'page' : 'float';
  const region = (data.region || (mode === 'page' ? query.get('region') : '') || '').trim();
  const title = (data.title || '').trim().slice(0, 40);
  const timeout = parseInt(data.timeout || '', 10);
  return {
    mode: mode,
    mount: data.mount || '',
    assetBase: assetBase,
    service: service ? withSlash(service) : assetBase,
    title: title || DEFAULT_TITLE,
    region: REGION_RE.test(region) ? region : '',
    color: COLOR_RE.test(data.color || '') ? data.color : '',
    timeoutMs: (timeout >= 1 && timeout <= 120 ? timeout : DEFAULT_TIMEOUT_S) * 1000,
  };
}

// Text on the accent colour: white unless the colour is light (WCAG relative luminance).
function onAccent(hex) {
  let v = hex.slice(1);
  if (v.length === 3) v = v.split('').map(function (c) { return c + c; }).join('');
  const lin = [0, 2, 4].map(function (i) {
    const c = parseInt(v.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
  });
  const lum = 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2];
  return lum > 0.18 ? '#111111' : '#ffffff';
}
