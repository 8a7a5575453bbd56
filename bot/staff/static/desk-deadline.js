/* 期限计算: a kind of limit (from /api/staff/deadline/kinds; kinds the texts leave open are shown but
   cannot be chosen) and a start date → the last day, how many days are left, how the days were
   counted, the article, and what the holiday calendar knew. Nothing is counted in the browser. */
(function () {
  'use strict';

  const X = window.XfStaff;
  const $ = X.$;
  const el = X.el;
  let form, kind, start, submit, result, error;
  let seq = 0;

  function daysLine(n) {
    if (n > 0) return { text: `还剩 ${n} 天`, cls: n <= 7 ? 'soon' : 'left' };
    if (n === 0) return { text: '就是今天', cls: 'today' };
    return { text: `已过 ${-n} 天`, cls: 'passed' };
  }

  function render(d) {
    X.clear(result);
    const days = daysLine(d.days_left);
    const cal = d.calendar || {};
    X.append(result, [
      el('div', { class: `last-day ${days.cls}` },
        el('span', { class: 'muted', text: `${d.label}（${X.dateText(d.start)}起算）的最后一天` }),
        el('strong', { class: 'date', id: 'deadline-last-day', dataset: { iso: d.last_day }, text: X.dateText(d.last_day, true) }),
        el('span', { class: 'days', id: 'deadline-days', text: days.text })),
      cal.estimated ? el('p', { class: 'warn', text: '该年放假安排尚未公布，结果为估算。' }) : null,
      d.may_move_to ? el('p', { class: 'warn', text: `如该年放假安排公布后最后一天确为休假日，可能顺延到 ${X.dateText(d.may_move_to, true)}；在公布前请按 ${X.dateText(d.last_day)} 提出。` }) : null,
      d.moved ? el('p', { class: 'muted', text: `按期限算到的 ${X.dateText(d.nominal_last_day)} 是休假日，已顺延。` }) : null,
      el('h3', { text: '怎么算的' }),
      el('p', { class: 'rule', text: d.rule }),
      el('h3', { text: '依据' }),
      el('p', { class: 'quote' }, d.citation, ' ',
        d.basis ? el('button', { type: 'button', class: 'link', text: '查看条文', on: { click: () => X.openArticle(d.basis) } }) : null),
      d.interrupted_by ? el('div', { class: 'interrupt' },
        el('h3', { text: '时效可以中断' }),
        el('p', { class: 'quote', text: `“${d.interrupted_by.quote}”（${d.interrupted_by.citation}）` })) : null,
      el('p', { class: 'source', text: `日历：${cal.source || '未知'}${cal.published_through ? `；已收录放假安排至 ${cal.published_through} 年` : ''}。结果供接待参考，以法律文书的告知为准。` })]);
  }

  async function compute() {
    if (!kind.value) {
      X.showError(error, '请选择期限种类。');
      kind.focus();
      return;
    }
    if (!start.value) {
      X.showError(error, '请填写起算日期。');
      start.focus();
      return;
    }
    const mine = ++seq;
    X.showError(error, '');
    submit.disabled = true;
    try {
      const d = await X.api('/api/staff/deadline?' + new URLSearchParams({ kind: kind.value, start: start.value }));
      if (mine === seq) render(d);
    } catch (e) {
      if (mine === seq) {
        X.clear(result);
        X.showError(error, e.message);
      }
    } finally {
      if (mine === seq) submit.disabled = false;
    }
  }

  /** From the route finder's 「算期限」: this kind, the sheet's start date when one was typed. */
  X.fillDeadline = function (kindId, startDate) {
    X.show('deadline', false);
    kind.value = alias[kindId] || kindId;
    X.clear(result);
    X.showError(error, '');
    if (startDate) {
      start.value = startDate;
      compute();
    }
    start.focus();
  };

  // Kinds that are one limit under two ids (a second way the dialogue recognises it, e.g.
  // admin_litigation_named) are listed once; the other id still selects it (「算期限」).
  const alias = {};

  async function loadKinds() {
    try {
      const kinds = await X.api('/api/staff/deadline/kinds');
      const seen = {};
      for (const k of kinds) {
        const same = `${k.topic}|${k.basis || ''}|${k.period ? k.period.words : ''}`;
        if (seen[same]) {
          alias[k.kind] = seen[same];
          continue;
        }
        seen[same] = k.kind;
        const words = k.period ? `（${k.period.words}）` : '';
        kind.append(el('option', { value: k.kind, disabled: !k.computed,
          text: k.computed ? `${k.topic}${words}` : `${k.topic}（条文未规定）` }));
      }
    } catch (e) {
      if (e.status !== 401) X.showError(error, e.message);
    }
  }

  X.panes.deadline = {
    init() {
      form = $('#deadline-form');
      kind = $('#deadline-kind');
      start = $('#deadline-start');
      submit = $('#deadline-submit');
      result = $('#deadline-result');
      error = $('#deadline-error');
      form.addEventListener('submit', (e) => { e.preventDefault(); compute(); });
      loadKinds();
    },
    focus() { kind.focus(); },
  };
})();
