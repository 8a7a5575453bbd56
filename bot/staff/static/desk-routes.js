/* 途径查找: the visitor's problem in a sentence → the routes the citizen assistant ranks, laid out for
   the officer (who handles it, how to start, materials, fees, limits with their articles, local
   offices, basis), the assistant's own answer folded away, and per route the guidance sheet
   (打印告知单: the printable HTML in a preview frame, then print; 下载 PDF: a blob download). */
(function () {
  'use strict';

  const X = window.XfStaff;
  const $ = X.$;
  const el = X.el;
  let form, text, region, submit, result, error;
  let seq = 0;

  // ---- the guidance sheet -------------------------------------------------------------------

  function sheetBody(route, format) {
    const start = $('#sheet-start').value;
    const chosen = document.querySelector(`.route-card[data-route="${route}"] .sheet-kind`);
    return {
      route, format, region: region.value || null, start: start || null,
      kind: chosen && chosen.value ? chosen.value : null,
      officer: $('#sheet-officer').value.trim(), visitor: $('#sheet-visitor').value.trim(),
      note: $('#sheet-note').value.trim(),
    };
  }

  function fileName(resp, route) {
    const m = /filename="?([^";]+)"?/.exec(resp.headers.get('Content-Disposition') || '');
    return m ? m[1] : `yindao-gaozhidan-${route}.pdf`;
  }

  async function downloadPdf(route, button, status) {
    button.disabled = true;
    status.textContent = '正在生成 PDF…';
    try {
      const resp = await X.api('/api/staff/sheet', { method: 'POST', csrf: X.csrf(), raw: true, body: sheetBody(route, 'pdf') });
      const blob = await resp.blob();
      const url = URL.createObjectURL(blob);
      const a = el('a', { href: url, download: fileName(resp, route), class: 'offscreen' });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
      status.textContent = '已下载';
    } catch (e) {
      status.textContent = '';
      X.showError(error, e.message);
      X.toast(e.message);
    } finally {
      button.disabled = false;
    }
  }

  /**
   * The sheet's HTML into the preview frame. The page's CSP (style-src 'self') also governs an
   * about:blank frame, so the sheet's inline <style> would be refused: its rules go in through a
   * constructed stylesheet (CSSOM, which the CSP does not restrict) and its body is imported node
   * by node from an inert DOMParser document, scripts and event attributes left out. The <style>
   * blocks are cut out before parsing: the DOMParser document shares the CSP and would report them.
   */
  function fillFrame(frame, html) {
    const css = [];
    const rest = html.replace(/<style\b[^>]*>([\s\S]*?)<\/style\s*>/gi, (all, text) => { css.push(text); return ''; });
    const parsed = new DOMParser().parseFromString(rest, 'text/html');
    const doc = frame.contentDocument;
    const win = frame.contentWindow;
    doc.title = parsed.title;
    doc.adoptedStyleSheets = css.map((text) => {
      const sheet = new win.CSSStyleSheet();
      sheet.replaceSync(text);
      return sheet;
    });
    for (const bad of parsed.body.querySelectorAll('script, iframe, object, embed, link, meta, style')) bad.remove();
    for (const node of parsed.body.querySelectorAll('*')) {
      for (const attr of [...node.attributes]) if (/^on/i.test(attr.name)) node.removeAttribute(attr.name);
    }
    doc.documentElement.lang = parsed.documentElement.lang || 'zh-CN';
    doc.body.replaceChildren(...[...parsed.body.childNodes].map((n) => doc.importNode(n, true)));
    if (!doc.documentElement.dataset.keys) {     // Esc inside the frame closes the preview too
      doc.documentElement.dataset.keys = '1';
      doc.addEventListener('keydown', (e) => { if (e.key === 'Escape') $('#print-dialog').close(); });
    }
  }

  async function printSheet(route, button, status) {
    button.disabled = true;
    status.textContent = '正在生成告知单…';
    try {
      const resp = await X.api('/api/staff/sheet', { method: 'POST', csrf: X.csrf(), raw: true, body: sheetBody(route, 'html') });
      const html = await resp.text();
      const dialog = $('#print-dialog');
      const frame = $('#print-frame');
      dialog.dataset.route = route;
      if (!dialog.open) dialog.showModal();
      fillFrame(frame, html);
      status.textContent = '';
      frame.contentWindow.focus();
      frame.contentWindow.print();
    } catch (e) {
      status.textContent = '';
      X.showError(error, e.message);
      X.toast(e.message);
    } finally {
      button.disabled = false;
    }
  }

  /** 打印告知单 and 下载 PDF for one route (also offered on a route card found by the search). */
  X.sheetButtons = function (route, name) {
    const status = el('span', { class: 'muted sheet-status', role: 'status', 'aria-live': 'polite' });
    const print = el('button', { type: 'button', class: 'secondary print-sheet', text: '打印告知单',
      'aria-label': `打印告知单：${name}`, dataset: { route } });
    const pdf = el('button', { type: 'button', class: 'secondary download-pdf', text: '下载 PDF',
      'aria-label': `下载告知单 PDF：${name}`, dataset: { route } });
    print.addEventListener('click', () => printSheet(route, print, status));
    pdf.addEventListener('click', () => downloadPdf(route, pdf, status));
    return [print, pdf, status];
  };

  // ---- the routes ---------------------------------------------------------------------------

  function field(label, ...content) {
    const body = content.flat().filter((c) => c !== null && c !== undefined && c !== '');
    if (!body.length) return null;
    return [el('dt', { text: label }), el('dd', {}, body)];
  }

  function verified(office) {
    // The server decides (the same rule as the printed sheet): checked only with a source and a real day.
    return office.verified === true && Boolean(office.verified_on);
  }

  function officeNode(o) {
    const ok = verified(o);
    const facts = [['地址', o.address], ['电话', o.phone], ['接待时间', o.hours], ['网上渠道', o.online]];
    const known = facts.filter(([, v]) => v);
    return el('li', { class: 'office' },
      el('div', { class: 'office-name' }, el('strong', { text: o.name }),
        ok ? el('span', { class: 'badge verified', text: `核对于 ${o.verified_on}` })
          : el('span', { class: 'badge pending', text: '信息待核实' })),
      known.length ? el('p', {}, known.map(([k, v]) => el('span', { class: 'fact' }, `${k}：`, v)))
        : el('p', { class: 'muted', text: '地址、电话、接待时间：资料未载明。' }),
      o.note ? el('p', { class: 'muted', text: o.note }) : null,
      o.source ? el('p', { class: 'source', text: `来源：${o.source}` }) : null);
  }

  function limitNode(l) {
    return el('li', { class: 'limit' },
      el('div', { class: 'limit-head' },
        el('strong', { text: l.label }),
        l.period ? el('span', { class: 'badge period', text: l.period }) : el('span', { class: 'muted', text: '见条文' }),
        l.deadline_kind ? el('button', { type: 'button', class: 'small secondary calc', text: '算期限',
          dataset: { kind: l.deadline_kind },
          on: { click: (ev) => {
            // the sheet of this route then counts this limit too (复核 rather than 复查)
            const card = ev.target.closest('.route-card');
            const pick = card && card.querySelector('.sheet-kind');
            if (pick) pick.value = l.deadline_kind;
            X.fillDeadline(l.deadline_kind, $('#sheet-start').value);
          } } }) : null),
      l.starts ? el('p', { class: 'starts', text: `起算：${l.starts}` }) : null,
      el('p', { class: 'quote' }, `“${l.quote}”`,
        el('button', { type: 'button', class: 'link cite', text: `（${l.citation}）`,
          on: { click: () => X.openArticle(l.basis) } })));
  }

  function routeNode(r, i) {
    const dl = el('dl', { class: 'facts' },
      field('受理机关', r.handled_by),
      field('怎么开始', r.first_step ? el('p', { class: 'first-step', text: r.first_step }) : null,
        r.where ? el('p', { text: r.where }) : null),
      field('材料', r.materials && r.materials.length ? el('ul', {}, r.materials.map((m) => el('li', { text: m }))) : null),
      field('费用', r.fees),
      field('期限', r.limits && r.limits.length ? el('ul', { class: 'limits' }, r.limits.map(limitNode)) : null),
      field('本地机构', r.offices && r.offices.length ? el('ul', { class: 'offices' }, r.offices.map(officeNode))
        : el('p', { class: 'muted', text: region.value ? '所选地区的指引包没有收录这条途径的受理机构。'
          : '未选择地区：选择地区后显示本地机构。' })),
      field('下一步', r.next_steps),
      field('依据', r.basis && r.basis.length ? el('p', { class: 'basis' }, r.basis.map((b) => el('button', {
        type: 'button', class: 'link', text: b.citation, on: { click: () => X.openArticle(b.id) } }))) : null));
    return el('section', { class: 'route-card', dataset: { route: r.id }, 'aria-labelledby': `route-${r.id}` },
      el('header', { class: 'route-head' },
        el('span', { class: 'rank', text: String(i + 1) }),
        el('h3', { id: `route-${r.id}`, class: 'route-name', text: r.name })),
      r.why ? el('p', { class: 'why' }, el('span', { class: 'muted', text: '理由：' }), r.why) : null,
      r.summary && r.summary !== r.why ? el('p', { class: 'summary', text: r.summary }) : null,
      dl,
      el('div', { class: 'actions sheet-actions' }, kindPicker(r), X.sheetButtons(r.id, r.name)));
  }

  /** Which of the route's limits the sheet counts from the start date (the first by default). */
  function kindPicker(r) {
    const kinds = (r.limits || []).filter((l) => l.deadline_kind);
    if (!kinds.length) return null;
    const seen = new Set();
    const options = kinds.filter((l) => !seen.has(l.deadline_kind) && seen.add(l.deadline_kind))
      .map((l) => el('option', { value: l.deadline_kind, text: l.label }));
    return el('label', { class: 'sheet-kind-label' }, '告知单计算：', el('select', { class: 'sheet-kind' }, options));
  }

  function render(out) {
    X.clear(result);
    const head = el('div', { class: 'finder-head' },
      el('strong', { text: out.routes.length ? `找到 ${out.routes.length} 条途径` : '没有明确的法定途径' }),
      out.region ? el('span', { class: 'badge region', text: out.region.name }) : null);
    result.append(head);
    if (out.question) result.append(el('p', { class: 'warn', text: `群众端会先追问：${out.question}` }));
    out.routes.forEach((r, i) => result.append(routeNode(r, i)));
    if (out.messages && out.messages.length) {
      result.append(el('details', { class: 'citizen' },
        el('summary', { text: '群众端的回答' }),
        out.messages.map((m) => el('p', { class: 'message', text: m }))));
    }
  }

  async function find() {
    const problem = text.value.trim();
    if (!problem) {
      X.showError(error, '请先输入来访人反映的问题。');
      text.focus();
      return;
    }
    const mine = ++seq;
    X.showError(error, '');
    submit.disabled = true;
    submit.textContent = '正在查找…';
    result.setAttribute('aria-busy', 'true');
    try {
      const out = await X.api('/api/staff/routes', { method: 'POST', csrf: X.csrf(),
        body: { text: problem, region: region.value || null } });
      if (mine === seq) {
        const start = $('#sheet-start');
        if (out.start && !start.value) start.value = out.start;   // the date the visitor told, as the start
        render(out);
      }
    } catch (e) {
      if (mine === seq) X.showError(error, e.message);
    } finally {
      if (mine === seq) {
        submit.disabled = false;
        submit.textContent = '查找途径';
        result.removeAttribute('aria-busy');
      }
    }
  }

  X.panes.routes = {
    init() {
      form = $('#finder-form');
      text = $('#finder-text');
      region = $('#finder-region');
      submit = $('#finder-submit');
      result = $('#finder-result');
      error = $('#finder-error');
      form.addEventListener('submit', (e) => { e.preventDefault(); find(); });
      text.addEventListener('keydown', (e) => {
        if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
          e.preventDefault();
          find();
        }
      });
      const dialog = $('#print-dialog');
      $('#print-close').addEventListener('click', () => dialog.close());
      $('#print-again').addEventListener('click', () => {
        const win = $('#print-frame').contentWindow;
        win.focus();
        win.print();
      });
    },
    options(o) {
      for (const r of o.regions) region.append(el('option', { value: r.code, text: r.name }));
    },
    focus() { text.focus(); },
  };
})();
