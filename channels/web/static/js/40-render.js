// Turning stored entries (API message data) into DOM. Nothing here parses markup.
const TENTATIVE_KINDS = ['clarify', 'fallback', 'out_of_scope', 'unknown'];
const NO_FEEDBACK_KINDS = ['welcome', 'ack'];

// One turn may carry several {"custom": ...} payloads: merge them, de-duplicating by id.
function payloadOf(messages) {
  const out = { kind: '', routes: [], cards: [], citations: [], details: [] };
  const seen = { routes: {}, cards: {}, citations: {} };
  messages.forEach(function (m) {
    const c = m && typeof m.custom === 'object' && m.custom;
    if (!c) return;
    if (typeof c.kind === 'string') out.kind = c.kind;
    (Array.isArray(c.details) ? c.details : []).forEach(function (d) {
      if (d && typeof d === 'object' && (str(d.title) || str(d.text))) out.details.push(d);
    });
    ['routes', 'cards', 'citations'].forEach(function (key) {
      (Array.isArray(c[key]) ? c[key] : []).forEach(function (item) {
        if (!item || typeof item !== 'object') return;
        const id = str(item.id) || String(out[key].length);
        if (seen[key][id]) return;
        seen[key][id] = true;
        out[key].push(item);
      });
    });
  });
  return out;
}

function renderUser(text) {
  return h('div', { class: 'xf-msg xf-user' }, [
    h('span', { class: 'xf-sr', text: '您说：' }),
    h('p', { class: 'xf-bubble', text: text }),
  ]);
}

function renderQuickReplies(buttons, onQuick) {
  const group = h('div', { class: 'xf-quick', role: 'group', 'aria-label': '快捷提问' });
  buttons.forEach(function (b) {
    const title = str(b && b.title);
    const payload = str(b && b.payload) || title;
    if (!title) return;
    group.appendChild(h('button', { type: 'button', class: 'xf-chip', text: title,
      on: { click: function () { onQuick(payload, title); } } }));
  });
  return group.childNodes.length ? group : null;
}

function row(label, value) {
  if (!value) return null;
  return h('div', { class: 'xf-row' }, [h('dt', { text: label }), h('dd', null, value)]);
}

function deadlineText(d) {
  const quote = str(d.text) ? '“' + str(d.text) + '”' : '';
  const cite = str(d.citation) ? '（' + str(d.citation) + '）' : '';
  return str(d.label) + (quote ? '：' + quote : '') + cite;
}

function renderDeadlines(deadlines) {
  const list = deadlines.filter(function (d) { return d && typeof d === 'object'; });
  if (!list.length) return null;
  const first = h('p', { class: 'xf-deadline', text: deadlineText(list[0]) });
  if (str(list[0].starts)) append(first, h('span', { class: 'xf-note', text: '起算：' + str(list[0].starts) }));
  if (list.length === 1) return first;
  const more = h('details', { class: 'xf-more' }, h('summary', { text: '全部期限（' + list.length + ' 项）' }));
  more.appendChild(h('ul', null, list.slice(1).map(function (d) {
    return h('li', null, [deadlineText(d), str(d.starts) ? h('span', { class: 'xf-note', text: '起算：' + str(d.starts) }) : null]);
  })));
  return h('div', null, [first, more]);
}

function renderOffices(offices) {
  const list = offices.filter(function (o) { return o && str(o.name); });
  if (!list.length) return null;
  return h('ul', { class: 'xf-offices' }, list.map(function (o) {
    const parts = ['address', 'phone', 'hours'].map(function (k) { return str(o[k]); }).filter(Boolean);
    const li = h('li', null, h('strong', { text: str(o.name) }));
    if (parts.length) append(li, '：' + parts.join('，'));
    if (str(o.online)) append(li, [h('br'), richText('网上办理：' + str(o.online))]);
    return li;
  }));
}

// A long list of articles (some cards cite a dozen) shows the first few; the rest open on request.
function renderBasis(basis) {
  if (basis.length <= 4) return basis.join('、');
  return h('div', null, [
    basis.slice(0, 3).join('、') + ' 等 ' + basis.length + ' 条',
    h('details', { class: 'xf-more' }, [h('summary', { text: '全部依据' }), h('p', { text: basis.join('、') })]),
  ]);
}

function renderCard(card, why, open) {
  const name = str(card.name) || '办理途径';
  const head = h('summary', { class: 'xf-card-head' }, [
    h('span', { class: 'xf-card-name', text: name }),
    why && why !== str(card.summary) ? h('span', { class: 'xf-card-why', text: why }) : null,
  ]);
  const channel = card.channel && typeof card.channel === 'object' ? str(card.channel.display) : '';
  const basis = (Array.isArray(card.basis) ? card.basis : []).map(function (b) { return str(b && b.citation); })
    .filter(Boolean);
  const materials = (Array.isArray(card.materials) ? card.materials : []).map(str).filter(Boolean);
  const body = h('div', { class: 'xf-card-body' }, [
    str(card.summary) ? h('p', { class: 'xf-card-summary', text: str(card.summary) }) : null,
    h('dl', null, [
      row('谁来办', str(card.who)),
      row('怎么办', str(card.how)),
      row('期限', renderDeadlines(Array.isArray(card.deadlines) ? card.deadlines : [])),
      row('本地', renderOffices(Array.isArray(card.offices) ? card.offices : [])),
      row('渠道', channel ? richText(channel) : null),
      row('费用', str(card.fees)),
      row('依据', renderBasis(basis)),
    ]),
    materials.length ? h('details', { class: 'xf-more' }, [
      h('summary', { text: '需要准备的材料（' + materials.length + ' 项）' }),
      h('ul', null, materials.map(function (m) { return h('li', { text: m }); })),
    ]) : null,
    str(card.next) ? h('details', { class: 'xf-more' }, [
      h('summary', { text: '后续步骤与注意事项' }), h('p', { text: str(card.next) }),
    ]) : null,
  ]);
  return h('details', { class: 'xf-card', open: open, 'data-route': str(card.id) }, [head, body]);
}

function renderRoutes(payload) {
  if (!payload.cards.length) return null;
  const tentative = TENTATIVE_KINDS.indexOf(payload.kind) >= 0;
  const title = tentative ? '可能相关的途径' : '办理途径';
  const why = {};
  payload.routes.forEach(function (r) { if (r && str(r.id)) why[str(r.id)] = str(r.why); });
  const section = h('section', { class: 'xf-routes', 'aria-label': title }, h('h3', { class: 'xf-routes-title', text: title }));
  payload.cards.forEach(function (card, i) {
    section.appendChild(renderCard(card, why[str(card.id)], !tentative && i === 0));
  });
  return section;
}

// What folds under the short plan: the answer to what the description asked, why this route, the
// rules on visits, how a date was counted. Closed until opened; each section a title and its text.
function renderDetails(details) {
  if (!details.length) return null;
  return h('details', { class: 'xf-more xf-details' }, [
    h('summary', { text: '详细说明（' + details.length + ' 项）' }),
    h('div', null, details.map(function (d) {
      return h('section', { class: 'xf-detail' }, [
        str(d.title) ? h('h4', { class: 'xf-detail-title', text: str(d.title) }) : null,
        h('p', { class: 'xf-detail-text' }, richText(str(d.text))),
      ]);
    })),
  ]);
}

function renderCitations(citations, kind) {
  const list = citations.filter(function (c) { return str(c.citation) || str(c.law); });
  if (!list.length) return null;
  // a tentative answer's articles are the closest found, not the basis of an answer
  const title = TENTATIVE_KINDS.indexOf(kind) >= 0 ? '相关条文' : '法律依据';
  return h('details', { class: 'xf-cites' }, [
    h('summary', { text: title + '（' + list.length + ' 条）' }),
    h('ul', null, list.map(function (c) {
      const label = str(c.citation) || '《' + str(c.law) + '》第' + str(c.article) + '条';
      return h('li', null, h('details', { class: 'xf-cite' }, [
        h('summary', { text: label }),
        h('p', { class: 'xf-article', text: str(c.text) || '（条文暂缺）' }),
      ]));
    })),
  ]);
}

function renderFeedback(entry, onVote) {
  const status = h('span', { class: 'xf-vote-status', role: 'status' });
  const up = h('button', { type: 'button', class: 'xf-vote', 'aria-pressed': 'false' }, [icon('up'), h('span', { text: '有帮助' })]);
  const down = h('button', { type: 'button', class: 'xf-vote', 'aria-pressed': 'false' }, [icon('down'), h('span', { text: '没帮助' })]);
  const view = {
    set: function (vote, message) {
      up.setAttribute('aria-pressed', vote === 1 ? 'true' : 'false');
      down.setAttribute('aria-pressed', vote === -1 ? 'true' : 'false');
      status.textContent = message || '';
    },
  };
  up.addEventListener('click', function () { onVote(entry, 1, view); });
  down.addEventListener('click', function () { onVote(entry, -1, view); });
  view.set(entry.vote || 0, entry.vote === 1 ? '已记录：有帮助' : entry.vote === -1 ? '已记录：没帮助' : '');
  return h('div', { class: 'xf-feedback', role: 'group', 'aria-label': '这个回答有帮助吗' }, [
    h('span', { class: 'xf-feedback-q', text: '这个回答有帮助吗？' }), up, down, status,
  ]);
}

function renderBot(entry, handlers) {
  const messages = entry.messages;
  const payload = payloadOf(messages);
  const kind = payload.kind || 'text';
  const el = h('div', { class: 'xf-msg xf-bot xf-answer xf-kind-' + kind.replace(/[^a-z_]/g, ''),
    'data-turn-id': str(entry.turn_id), 'data-kind': kind }, h('span', { class: 'xf-sr', text: '助手说：' }));
  let texts = 0;
  messages.forEach(function (m) {
    if (!m || typeof m !== 'object') return;
    if (str(m.text)) {
      el.appendChild(h('p', { class: 'xf-bubble' }, richText(str(m.text))));
      texts += 1;
    }
    if (Array.isArray(m.buttons)) append(el, renderQuickReplies(m.buttons, handlers.quick));
  });
  append(el, [renderDetails(payload.details), renderRoutes(payload), renderCitations(payload.citations, payload.kind)]);
  // nothing to rate under the welcome or under 「好的。」 said back to a bare yes or no
  if (str(entry.turn_id) && texts && NO_FEEDBACK_KINDS.indexOf(kind) < 0) append(el, renderFeedback(entry, handlers.vote));
  return el;
}
