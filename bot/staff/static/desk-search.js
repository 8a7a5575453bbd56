/* 法条检索: results while typing (debounced, stale requests aborted, late answers ignored), filters
   with the counts the API gives per facet, the keyboard (/ ↑ ↓ Enter Esc), and the whole article
   with its 款 and 项, its neighbours and 「复制引用」. Highlighting comes as segments: text nodes only. */
(function () {
  'use strict';

  const X = window.XfStaff;
  const $ = X.$;
  const el = X.el;
  const DEBOUNCE_MS = 120;
  const PAGE = 20;
  const KINDS = [['', '全部'], ['article', '条文'], ['route', '途径'], ['faq', '问答'], ['local', '本地']];
  const STATUSES = [['', '全部'], ['current', '现行有效'], ['superseded', '已失效']];
  const KIND_NAMES = Object.fromEntries(KINDS.slice(1));

  const state = {
    filters: { kind: '', status: '', law: '', route: '', region: '' },
    limit: PAGE, seq: 0, controller: null, timer: 0,
    result: null, selected: -1, open: null, articleSeq: 0,
  };
  let box, hits, count, hint, detail, error;

  // ---- helpers ------------------------------------------------------------------------------

  function segmentsNodes(segments) {
    return (segments || []).map((s) => (s.hit ? el('mark', { text: s.text }) : document.createTextNode(s.text)));
  }

  /** Text with the given terms marked (client side, for the article opened from a hit). */
  function marked(text, terms) {
    const useful = terms.filter((t) => t && t.length > 1 && t !== '…');
    if (!useful.length) return [document.createTextNode(text)];
    const flags = new Uint8Array(text.length);
    for (const term of useful) {
      for (let at = text.indexOf(term); at >= 0; at = text.indexOf(term, at + 1)) flags.fill(1, at, at + term.length);
    }
    const out = [];
    let start = 0;
    for (let i = 1; i <= text.length; i++) {
      if (i === text.length || flags[i] !== flags[start]) {
        const piece = text.slice(start, i);
        out.push(flags[start] ? el('mark', { text: piece }) : document.createTextNode(piece));
        start = i;
      }
    }
    return out;
  }

  function editable(node) {
    return Boolean(node && (node.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(node.tagName)));
  }

  async function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return;
    }
    // Plain HTTP on a LAN is no secure context: the Clipboard API is absent, execCommand still copies.
    const area = el('textarea', { class: 'offscreen', readonly: true });
    area.value = text;
    document.body.append(area);
    area.select();
    const ok = document.execCommand('copy');
    area.remove();
    if (!ok) throw new Error('copy refused');
  }

  // ---- filters ------------------------------------------------------------------------------

  function segmented(container, facet, choices) {
    X.clear(container);
    for (const [value, label] of choices) {
      container.append(el('button', {
        type: 'button', class: 'seg', 'aria-pressed': value === state.filters[facet] ? 'true' : 'false',
        dataset: { facet, value },
        on: { click: () => setFilter(facet, value) },
      }, el('span', { class: 'seg-label', text: label }), el('span', { class: 'seg-count' })));
    }
  }

  function fillSelect(select, items, facet) {
    const first = select.options[0];
    X.clear(select).append(first);
    for (const item of items) {
      const option = el('option', { value: item.value, text: item.label });
      option.dataset.label = item.label;
      select.append(option);
    }
    select.addEventListener('change', () => setFilter(facet, select.value));
  }

  function setFilter(facet, value) {
    state.filters[facet] = value;
    for (const b of document.querySelectorAll(`#pane-search .seg[data-facet="${facet}"]`)) {
      b.setAttribute('aria-pressed', b.dataset.value === value ? 'true' : 'false');
    }
    const select = $(`#filter-${facet}`);
    if (select && select.tagName === 'SELECT' && select.value !== value) select.value = value;
    state.limit = PAGE;
    run(0);
  }

  function showFacets(facets) {
    const searched = Boolean(facets);
    for (const b of document.querySelectorAll('#pane-search .seg')) {
      const counts = (facets || {})[b.dataset.facet] || {};
      let n = null;
      if (searched) {
        n = b.dataset.value ? (counts[b.dataset.value] || 0)
          : Object.values(counts).reduce((a, c) => a + c, 0);
        // status: the API counts repealed texts under superseded already; kind/status totals are exact
      }
      b.querySelector('.seg-count').textContent = n === null ? '' : String(n);
      b.classList.toggle('empty', searched && n === 0);
    }
    for (const facet of ['law', 'route', 'region']) {
      const counts = (facets || {})[facet] || {};
      for (const option of $(`#filter-${facet}`).options) {
        if (!option.value) continue;
        const n = counts[option.value] || 0;
        option.textContent = searched ? `${option.dataset.label}（${n}）` : option.dataset.label;
        option.classList.toggle('empty', searched && n === 0);
      }
    }
  }

  // ---- search -------------------------------------------------------------------------------

  function query() {
    const p = new URLSearchParams({ q: box.value.trim(), limit: String(state.limit) });
    for (const [k, v] of Object.entries(state.filters)) if (v) p.set(k, v);
    return p;
  }

  function run(delay) {
    clearTimeout(state.timer);
    state.timer = setTimeout(search, delay);
  }

  async function search() {
    const q = box.value.trim();
    if (state.controller) state.controller.abort();     // the answer to an older query is no longer wanted
    const seq = ++state.seq;
    if (!q) {
      state.controller = null;
      render(null);
      return;
    }
    const controller = (state.controller = new AbortController());
    hits.setAttribute('aria-busy', 'true');
    try {
      const result = await X.api('/api/staff/search?' + query(), { signal: controller.signal });
      if (seq !== state.seq) return;      // a later query was sent meanwhile: its answer decides
      X.showError(error, '');
      render(result);
    } catch (e) {
      if (X.isAbort(e) || seq !== state.seq) return;
      X.showError(error, e.message);
    } finally {
      if (seq === state.seq) hits.removeAttribute('aria-busy');
    }
  }

  function render(result) {
    state.result = result;
    X.clear(hits);
    showFacets(result ? result.facets : null);
    hint.hidden = Boolean(result);
    box.setAttribute('aria-expanded', result && result.hits.length ? 'true' : 'false');
    if (!result) {
      count.textContent = '';
      select(-1);
      return;
    }
    const shown = result.hits.length;
    count.textContent = result.total ? `共 ${result.total} 条${shown < result.total ? `，显示前 ${shown} 条` : ''}` : '';
    if (!shown) {
      hits.append(el('li', { class: 'no-hits', text: '没有找到。换个说法，或清除筛选试试。' }));
    }
    result.hits.forEach((hit, i) => hits.append(hitNode(hit, i)));
    if (shown < result.total && state.limit < 50) {
      hits.append(el('li', { class: 'more' }, el('button', {
        type: 'button', class: 'ghost', text: '显示更多',
        on: { click: () => { state.limit = 50; run(0); } },
      })));
    }
    // Nothing is selected until ↓ (Enter alone opens the first hit); an open hit stays selected.
    select(state.open ? result.hits.findIndex((h) => h.id === state.open.id) : -1, false);
  }

  function hitNode(hit, i) {
    const statusBadge = hit.kind === 'article' && hit.status !== 'current' ? X.statusBadge(hit.status) : null;
    return el('li', {
      id: `hit-${i}`, class: `hit kind-${hit.kind}`, role: 'option', 'aria-selected': 'false',
      dataset: { index: String(i), id: hit.id },
      on: { click: () => { select(i, false); openHit(hit); }, mousedown: (e) => e.preventDefault() },
    },
    el('div', { class: 'hit-head' },
      el('span', { class: `badge kind ${hit.kind}`, text: KIND_NAMES[hit.kind] || hit.kind }),
      el('span', { class: 'hit-title' }, segmentsNodes(hit.title_segments && hit.title_segments.length
        ? hit.title_segments : [{ text: hit.title, hit: false }])),
      statusBadge,
      hit.region_name ? el('span', { class: 'badge region', text: hit.region_name }) : null),
    el('p', { class: 'snippet' }, segmentsNodes(hit.segments)));
  }

  function select(i, scroll) {
    const items = hits.querySelectorAll('.hit');
    state.selected = items.length ? Math.max(-1, Math.min(i, items.length - 1)) : -1;
    items.forEach((node, k) => node.setAttribute('aria-selected', k === state.selected ? 'true' : 'false'));
    const chosen = items[state.selected];
    if (chosen) {
      box.setAttribute('aria-activedescendant', chosen.id);
      if (scroll !== false) chosen.scrollIntoView({ block: 'nearest' });
    } else {
      box.removeAttribute('aria-activedescendant');
    }
  }

  function selectedHit() {
    if (!state.result || !state.result.hits.length) return null;
    return state.result.hits[Math.max(0, state.selected)];
  }

  // ---- the opened hit ---------------------------------------------------------------------

  function closeDetail() {
    state.open = null;
    state.articleSeq++;
    X.clear(detail);
    // wide screens keep the column with a hint; narrow ones (desk.css) hide it and show the list again
    detail.append(el('p', { class: 'muted', text: '选择左侧的一条结果（或按 ↓ 再按 Enter）查看全文。' }));
    detail.classList.add('placeholder');
    document.body.classList.remove('detail-open');
  }

  function showDetail(nodes) {
    X.clear(detail);
    X.append(detail, nodes);
    detail.classList.remove('placeholder');
    detail.scrollTop = 0;
    document.body.classList.add('detail-open');
    // one column (tablet, phone): the list is hidden, so bring the article into view
    if (getComputedStyle($('.hits-col')).display === 'none' && detail.getBoundingClientRect().top < 0) {
      detail.scrollIntoView({ block: 'start' });
    }
  }

  function closeButton() {
    return el('button', { type: 'button', class: 'ghost small close', text: '关闭（Esc）', 'aria-label': '关闭',
      on: { click: () => { closeDetail(); box.focus(); } } });
  }

  function hitTerms(hit) {
    return hit ? [...hit.segments, ...(hit.title_segments || [])].filter((s) => s.hit).map((s) => s.text) : [];
  }

  function openHit(hit) {
    if (!hit) return;
    if (hit.kind === 'article') openArticle(hit.id, hitTerms(hit));
    else openText(hit);
  }

  async function openArticle(id, terms) {
    const seq = ++state.articleSeq;
    state.open = { id, kind: 'article' };
    showDetail([el('p', { class: 'muted', text: '正在打开条文…' })]);
    try {
      const view = await X.api('/api/staff/articles/' + encodeURIComponent(id));
      if (seq !== state.articleSeq) return;
      showDetail(articleNodes(view, terms || []));
    } catch (e) {
      if (seq !== state.articleSeq) return;
      showDetail([closeButton(), el('p', { class: 'error', role: 'alert', text: e.message })]);
    }
  }
  X.openArticle = function (id) {     // from the route finder's 依据
    X.show('search', false);
    openArticle(id, []);
  };

  function articleNodes(v, terms) {
    const body = el('div', { class: 'article-body' });
    for (const p of v.paragraphs) {
      body.append(el('p', { class: 'kuan' }, marked(p.text, terms)));
      if (p.items && p.items.length) body.append(el('ol', { class: 'items' }, p.items.map((t) => el('li', {}, marked(t, terms)))));
    }
    const copied = el('span', { class: 'copied', role: 'status', 'aria-live': 'polite' });
    const copy = el('button', { type: 'button', class: 'primary', id: 'copy-citation', text: '复制引用',
      on: { click: async () => {
        try {
          await copyText(v.citation);
          copied.textContent = '已复制';
          X.toast('已复制：' + v.citation.slice(0, 24) + '…');
          setTimeout(() => { copied.textContent = ''; }, 2500);
        } catch (e) {
          copied.textContent = '复制失败，请手动选择文字复制';
        }
      } } });
    const nav = el('nav', { class: 'neighbours', 'aria-label': '前后条' },
      v.previous ? el('button', { type: 'button', class: 'ghost prev', text: `‹ 上一条 ${v.previous_label || ''}`,
        on: { click: () => openArticle(v.previous, terms) } }) : el('span'),
      v.next ? el('button', { type: 'button', class: 'ghost next', text: `下一条 ${v.next_label || ''} ›`,
        on: { click: () => openArticle(v.next, terms) } }) : el('span'));
    const place = [v.chapter, v.section].filter(Boolean).join(' · ');
    return [
      el('div', { class: 'detail-top' }, el('span', { class: 'badge kind article', text: '条文' }), closeButton()),
      el('p', { class: 'law-line' }, el('span', { class: 'law-title', text: X.book(v.law_title) }), X.statusBadge(v.status)),
      v.status !== 'current' ? el('p', { class: 'warn', text: v.superseded_by_title
        ? `该文本已失效，已被${X.book(v.superseded_by_title)}取代；引用前请核对现行条文。`
        : '该文本已失效；引用前请核对现行条文。' }) : null,
      el('h2', { class: 'article-label', text: v.label }),
      place ? el('p', { class: 'muted place', text: place }) : null,
      body,
      el('div', { class: 'actions' }, copy, copied),
      v.routes && v.routes.length ? el('p', { class: 'chips' }, el('span', { class: 'muted', text: '相关途径：' }),
        v.routes.map((r) => el('span', { class: 'chip', text: X.routeName(r) }))) : null,
      nav,
    ];
  }

  function openText(hit) {
    state.articleSeq++;
    state.open = { id: hit.id, kind: hit.kind };
    const routeId = hit.kind === 'route' ? hit.id.replace(/^route:/, '') : null;
    const cut = !hit.text && hit.segments.some((s) => !s.hit && s.text === '…');
    showDetail([
      el('div', { class: 'detail-top' }, el('span', { class: `badge kind ${hit.kind}`, text: KIND_NAMES[hit.kind] }), closeButton()),
      el('h2', { class: 'text-title' }, segmentsNodes(hit.title_segments && hit.title_segments.length
        ? hit.title_segments : [{ text: hit.title, hit: false }])),
      hit.region_name ? el('p', { class: 'muted', text: `地区：${hit.region_name}` }) : null,
      el('p', { class: 'hit-text' }, hit.text ? marked(hit.text, hitTerms(hit)) : segmentsNodes(hit.segments)),
      cut ? el('p', { class: 'muted', text: '（摘录：检索结果只给出与检索词相关的一段。）' }) : null,
      hit.routes && hit.routes.length ? el('p', { class: 'chips' }, el('span', { class: 'muted', text: '途径：' }),
        hit.routes.map((r) => el('span', { class: 'chip', text: X.routeName(r) }))) : null,
      hit.basis && hit.basis.length ? el('div', { class: 'basis' }, el('span', { class: 'muted', text: '依据：' }),
        hit.basis.map((a) => el('button', { type: 'button', class: 'link', text: X.articleName(a),
          on: { click: () => openArticle(a, []) } }))) : null,
      hit.kind !== 'route' && hit.citation ? el('p', { class: 'muted', text: `引用：${hit.citation}` }) : null,
      routeId && X.sheetButtons ? el('div', { class: 'actions' }, X.sheetButtons(routeId, hit.title)) : null,
    ]);
  }

  // ---- keyboard -----------------------------------------------------------------------------

  function onKey(e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      if (!state.result || !state.result.hits.length) return;
      e.preventDefault();
      const n = state.result.hits.length;
      const step = e.key === 'ArrowDown' ? 1 : -1;
      select(state.selected < 0 ? (step > 0 ? 0 : n - 1) : (state.selected + step + n) % n);
    } else if (e.key === 'Enter') {
      const hit = selectedHit();
      if (!hit) return;
      e.preventDefault();
      openHit(hit);
    } else if (e.key === 'Escape') {
      e.preventDefault();    // also keeps <input type=search> from clearing itself when an article is open
      if (state.open) closeDetail();
      else if (box.value) {
        box.value = '';
        run(0);
      }
      box.focus();
    }
  }

  function onDocumentKey(e) {
    if (e.defaultPrevented || document.querySelector('dialog[open]')) return;
    // 「/」 goes to the search box from anywhere but another field; in the box itself it selects what is
    // there instead of typing a slash (no query needs one), so a box already focused behaves the same.
    if (e.key === '/' && !e.ctrlKey && !e.metaKey && !e.altKey && (!editable(e.target) || e.target === box)) {
      e.preventDefault();
      if (X.desk.current !== 'search') X.show('search', false);
      box.focus();
      box.select();
      return;
    }
    // ↑ ↓ Enter Esc also work with the focus on the list or the article (after a click)
    if (X.desk.current === 'search' && !editable(e.target) && e.target.tagName !== 'BUTTON') onKey(e);
    else if (X.desk.current === 'search' && e.key === 'Escape' && e.target.tagName === 'BUTTON') onKey(e);
  }

  X.panes.search = {
    init() {
      box = $('#q');
      hits = $('#hits');
      count = $('#search-count');
      hint = $('#search-hint');
      detail = $('#detail');
      error = $('#search-error');
      closeDetail();
      segmented($('#filter-kind'), 'kind', KINDS);
      segmented($('#filter-status'), 'status', STATUSES);
      box.addEventListener('input', () => { state.limit = PAGE; run(DEBOUNCE_MS); });
      box.addEventListener('keydown', onKey);
      document.addEventListener('keydown', onDocumentKey);
      $('#filter-reset').addEventListener('click', () => {
        for (const k of Object.keys(state.filters)) state.filters[k] = '';
        for (const s of document.querySelectorAll('#pane-search select')) s.value = '';
        for (const b of document.querySelectorAll('#pane-search .seg')) {
          b.setAttribute('aria-pressed', b.dataset.value ? 'false' : 'true');
        }
        run(0);
      });
    },
    options(o) {
      // two files of one law (key articles, the retrial chapter) share a short name: the title tells them apart
      const shorts = o.laws.map((l) => l.short || l.title);
      const named = (l, i) => (shorts.indexOf(shorts[i]) !== shorts.lastIndexOf(shorts[i]) ? l.title : shorts[i]);
      fillSelect($('#filter-law'), o.laws.map((l, i) => ({
        value: l.id, label: l.status === 'current' ? named(l, i) : `${named(l, i)}〔已失效〕` })), 'law');
      fillSelect($('#filter-route'), o.routes.map((r) => ({ value: r.id, label: r.name })), 'route');
      fillSelect($('#filter-region'), o.regions.map((r) => ({ value: r.code, label: r.name })), 'region');
      if (box.value.trim()) run(0);
    },
    focus() { box.focus(); },
  };
})();
