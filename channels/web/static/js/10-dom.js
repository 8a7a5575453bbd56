// Building DOM safely: every piece of text goes through textContent or a text node.
// Links exist only for URLs that parse as http(s) (or tel: with digits) and are set
// through the href property after that check; anything else stays plain text.
const SVG_NS = 'http://www.w3.org/2000/svg';

function safeHref(value) {
  if (typeof value !== 'string') return null;
  if (/^tel:[0-9]{3,12}$/.test(value)) return value;
  const url = httpUrl(value);
  return url ? url.href : null;
}

function h(tag, props, children) {
  const el = document.createElement(tag);
  if (props) {
    Object.keys(props).forEach(function (key) {
      const value = props[key];
      if (value === null || value === undefined || value === false) return;
      if (key === 'text') el.textContent = String(value);
      else if (key === 'class') el.className = value;
      else if (key === 'on') Object.keys(value).forEach(function (ev) { el.addEventListener(ev, value[ev]); });
      else if (key === 'href') {
        const href = safeHref(value);
        if (!href) throw new Error('refused link');
        el.href = href;
      } else if (/^on/i.test(key) || key === 'src' || key === 'style') throw new Error('refused attribute ' + key);
      else if (key === 'hidden' || key === 'open' || key === 'disabled') el[key] = true;
      else el.setAttribute(key, value === true ? '' : String(value));
    });
  }
  append(el, children);
  return el;
}

function append(el, children) {
  if (children === null || children === undefined) return el;
  (Array.isArray(children) ? children : [children]).forEach(function (child) {
    if (child === null || child === undefined || child === false) return;
    el.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
  });
  return el;
}

function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
}

function str(value) {
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : '';
}

// Icons: path data from Google's Material Icons (Apache License 2.0).
const ICONS = {
  chat: 'M20 2H4c-1.1 0-2 .9-2 2v18l4-4h14c1.1 0 2-.9 2-2V4c0-1.1-.9-2-2-2zM6 9h12v2H6V9zm8 5H6v-2h8v2zm4-6H6V6h12v2z',
  close: 'M19 6.41 17.59 5 12 10.59 6.41 5 5 6.41 10.59 12 5 17.59 6.41 19 12 13.41 17.59 19 19 17.59 13.41 12z',
  up: 'M1 21h4V9H1v12zm22-11c0-1.1-.9-2-2-2h-6.31l.95-4.57.03-.32c0-.41-.17-.79-.44-1.06L14.17 1 7.59 7.59C7.22 7.95 7 8.45 7 9v10c0 1.1.9 2 2 2h9c.83 0 1.54-.5 1.84-1.22l3.02-7.05c.09-.23.14-.47.14-.73v-2z',
  down: 'M15 3H6c-.83 0-1.54.5-1.84 1.22l-3.02 7.05c-.09.23-.14.47-.14.73v2c0 1.1.9 2 2 2h6.31l-.95 4.57-.03.32c0 .41.17.79.44 1.06L9.83 23l6.59-6.59c.36-.36.58-.86.58-1.41V5c0-1.1-.9-2-2-2zm4 0v12h4V3h-4z',
  phone: 'M6.62 10.79c1.44 2.83 3.76 5.14 6.59 6.59l2.2-2.2c.27-.27.67-.36 1.02-.24 1.12.37 2.33.57 3.57.57.55 0 1 .45 1 1V20c0 .55-.45 1-1 1-9.39 0-17-7.61-17-17 0-.55.45-1 1-1h3.5c.55 0 1 .45 1 1 0 1.25.2 2.45.57 3.57.11.35.03.74-.25 1.02l-2.2 2.2z',
};

function icon(name) {
  const svg = document.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  svg.setAttribute('class', 'xf-icon');
  const path = document.createElementNS(SVG_NS, 'path');
  path.setAttribute('d', ICONS[name]);
  svg.appendChild(path);
  return svg;
}

// Bot text with http(s) URLs as links; everything else is a text node.
const URL_RE = /https?:\/\/[^\s<>"'，。；、！？（）()「」『』“”【】]+/g;

function richText(text) {
  const frag = document.createDocumentFragment();
  let last = 0;
  let m;
  URL_RE.lastIndex = 0;
  while ((m = URL_RE.exec(text)) !== null) {
    const raw = m[0].replace(/[.,;:!?]+$/, '');
    const href = safeHref(raw);
    if (!href) continue;
    if (m.index > last) frag.appendChild(document.createTextNode(text.slice(last, m.index)));
    frag.appendChild(h('a', { href: href, target: '_blank', rel: 'noopener noreferrer nofollow', text: raw }));
    last = m.index + raw.length;
  }
  if (last < text.length) frag.appendChild(document.createTextNode(text.slice(last)));
  return frag;
}
