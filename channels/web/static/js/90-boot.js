// Start-up: one shadow root per widget so the host page's CSS and ours never meet.
function mount(options) {
  let host;
  if (options.mode === 'page') {
    host = document.getElementById(options.mount) || document.body.appendChild(document.createElement('main'));
  } else {
    if (document.querySelector('xinfang-widget')) return;   // the snippet was pasted twice
    host = document.body.appendChild(document.createElement('xinfang-widget'));
    // Inline !important declarations beat any host rule (e.g. `* { display: none }`).
    host.style.setProperty('all', 'initial', 'important');
    host.style.setProperty('display', 'block', 'important');
  }
  host.style.setProperty('visibility', 'hidden');   // until the stylesheet has loaded
  if (options.color) {
    host.style.setProperty('--xf-accent', options.color);
    host.style.setProperty('--xf-on-accent', onAccent(options.color));
  }
  const root = host.attachShadow({ mode: 'open' });
  const css = h('link', { rel: 'stylesheet' });
  css.href = new URL(CONFIG.css, options.assetBase).href;   // our own origin, from the server's config
  const shown = function () { host.style.removeProperty('visibility'); };
  css.addEventListener('load', shown);
  css.addEventListener('error', shown);
  setTimeout(shown, 3000);
  root.appendChild(css);

  const store = makeStore('xinfang-guide:' + new URL(options.service).host + ':');
  const view = new View(options, root);
  const chat = new Chat(options, store, view);
  view.bind(chat);
  if (options.mode === 'page') chat.start();
}

(function boot() {
  // currentScript is null only in unusual loaders; then find our tag by its file name.
  const tag = document.currentScript || document.querySelector('script[src*="widget.js"]');
  const options = readOptions(tag);
  if (document.body) mount(options);
  else document.addEventListener('DOMContentLoaded', function () { mount(options); });
})();
