"""Turning knowledge into messages and the structured payload the service reads.

Every action sends its text messages and then one ``json_message``
``{"xinfang": {...}}`` carrying intent, routes, citations and cards, so the API
(``/api/ask``) and the widget get structure without parsing prose.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from knowledge.channels import Channel
from knowledge.kb import KnowledgeBase
from knowledge.packs import Pack
from knowledge.routes import RouteCard, TimeLimit

PAYLOAD_KEY = "xinfang"
DISCLAIMER = "以上内容是一般性的法律信息，不是针对您个案的法律意见；具体情况可拨打 {legal_hotline} 或咨询律师。"


def excerpt(text: str, limit: int = 160) -> str:
    text = text.replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def lead_paragraphs(text: str, limit: int) -> str:
    """The article's paragraphs from the first, whole, while they fit in ``limit`` characters (the
    first one cut to fit if it alone does not), with 「…」 when more follows: a quote that ends where
    a rule ends (第二十条 up to its 「代表人数不得超过5人」), not in the middle of the next one."""
    paras = [p.strip() for p in text.split("\n") if p.strip()]
    taken: list[str] = []
    for para in paras:
        if taken and sum(map(len, taken)) + len(para) > limit:
            break
        taken.append(para)
    if len(taken) == 1 and len(taken[0]) > limit:
        return excerpt(taken[0], limit)
    return " ".join(taken) + ("…" if len(taken) < len(paras) else "")


def citation(kb: KnowledgeBase, article_id: str) -> dict[str, Any]:
    """An article cited, without its text: the service adds the text from its own copy of the corpus
    (``bot/conversation``), so the dialogue engine never carries whole articles in its events."""
    art = kb.corpus.article(article_id)
    return {"id": article_id, "law": kb.corpus.law_name(article_id), "article": art.number, "label": art.label,
            "citation": kb.corpus.citation(article_id)}


def channel_line(channel: Channel, pack: Pack | None = None) -> str:
    confirmed = pack is not None and channel.id in pack.confirmed_channels
    return channel.display(confirmed)


def channels_for(kb: KnowledgeBase, ids: list[str], pack: Pack | None = None) -> list[str]:
    return [channel_line(kb.channels[c], pack) for c in ids if c in kb.channels]


def legal_hotline(kb: KnowledgeBase, pack: Pack | None = None) -> str:
    ch = kb.channels.get("hotline_12348")
    return channel_line(ch, pack) if ch else "公共法律服务机构"


def card_payload(kb: KnowledgeBase, card: RouteCard, pack: Pack | None = None, text: str = "") -> dict[str, Any]:
    """The card as the widget shows it; its deadlines those that apply to the matter ``text`` (``limits_for``)."""
    channel = kb.channels.get(card.national_channel or "")
    offices = []
    if pack:
        for o in pack.offices_for(card.id):
            offices.append({k: v for k, v in {"name": o.name, "address": o.address, "phone": o.phone,
                                             "hours": o.hours, "online": o.online}.items() if v})
    return {
        "id": card.id, "name": card.name, "summary": card.summary, "who": card.handled_by,
        "how": card.where, "materials": list(card.materials), "fees": card.fees,
        "deadlines": [{"label": tl.label, "text": tl.quote, "starts": tl.starts,
                       "citation": kb.corpus.citation(tl.basis), "basis": tl.basis}
                      for tl in limits_for(kb, card, text)],
        "next": card.next_steps,
        "channel": {"name": channel.name, "value": channel.value, "grade": channel.grade,
                    "display": channel_line(channel, pack)} if channel else None,
        "offices": offices,
        "basis": [{"id": aid, "citation": kb.corpus.citation(aid)} for aid in card.basis],
    }


def terms_of(kb: KnowledgeBase, text: str) -> set[str]:
    """The legal terms a text names: those in it, and those its colloquial words stand for (工资 → 劳动报酬)."""
    return set(kb.synonyms.expand(text)) | {t for t in kb.synonyms.legal_terms if len(t) >= 2 and t in text}


def basis_for(kb: KnowledgeBase, card: RouteCard, text: str = "", n: int = 4) -> list[str]:
    """``n`` of the card's articles, those naming more of the text's legal terms first, else in the card's
    order: 「派出所…不立案」 on the 检察监督 card cites 刑事诉讼法第一百一十三条 (不立案), not the card's
    first articles on civil 检察建议."""
    terms = terms_of(kb, text) if text else set()
    if not terms:
        return list(card.basis[:n])

    def named(aid: str) -> int:
        said = kb.corpus.article(aid).text
        return sum(t in said for t in terms)

    return sorted(card.basis, key=lambda aid: -named(aid))[:n]   # a stable sort: the card's order on a tie


def named_limit(kb: KnowledgeBase, card: RouteCard, text: str) -> TimeLimit | None:
    """The card's time limit, other than its first, that ``text`` names: 「拖欠我半年工资」 names
    「拖欠劳动报酬——劳动关系终止后申请仲裁」 (the rule for unpaid wages beside the general one-year limit).

    A limit is named by a legal term found in the text, or stood for by its colloquial words
    (工资 → 劳动报酬), that occurs in the limit's label but not in the first limit's label (so
    「仲裁」 names nothing on the arbitration card). The label naming the most distinct terms wins,
    then the one whose terms are longer, then the earlier: the cards list the limit that a plain
    mention means first (「执行」 → 「法院超过六个月未执行…」 before the 执行异议 ones).
    """
    if len(card.time_limits) < 2 or not text:
        return None
    first = card.time_limits[0]
    terms = {t for t in terms_of(kb, text) if t not in first.label}
    best, best_score = None, (0, 0)
    for tl in card.time_limits[1:]:
        named = [t for t in terms if t in tl.label]
        score = (len(named), sum(map(len, named)))
        if score > best_score:
            best, best_score = tl, score
    return best


def stated_limits(card: RouteCard, named: TimeLimit | None = None) -> list[TimeLimit]:
    """The card's time limits as they apply to a matter whose words name ``named`` (see ``named_limit``).

    A limit that is an exception to others (``exception_to``: claims for 抚养费 are not subject to the
    civil card's 诉讼时效) is stated only when it is named, and then right after the limits it is an
    exception to, so a reply never gives 「三年」 for 抚养费 without saying that 抚养费 is exempt, while
    any other claim in the same matter (a loan besides) keeps its three years.
    """
    limits = [tl for tl in card.time_limits if not tl.exception_to]
    if named is not None and named.exception_to:
        after = [i for i, tl in enumerate(limits) if tl.label in named.exception_to]
        limits.insert(after[-1] + 1 if after else 0, named)
    return limits


def limits_for(kb: KnowledgeBase, card: RouteCard, text: str = "") -> list[TimeLimit]:
    """The card's time limits that apply to the matter ``text`` (``stated_limits`` of what it names)."""
    return stated_limits(card, named_limit(kb, card, text))


def limit_line(kb: KnowledgeBase, tl: TimeLimit, with_start: bool = False) -> str:
    """「label——“quote”（citation）」, with when the limit starts counting if ``with_start``."""
    start = f"{tl.starts}，" if with_start and tl.starts else ""
    return f"{tl.label}——{start}“{tl.quote}”（{kb.corpus.citation(tl.basis)}）"


def fee_line(kb: KnowledgeBase, card: RouteCard) -> str | None:
    """「费用：…（article）」 from the card's ``fees``, cited to the first of its articles that speaks of cost;
    None when the card says nothing of cost or none of its articles does."""
    if not card.fees or kb.words is None:
        return None
    aid = next((a for a in card.basis if kb.words.has("fee_rule", kb.corpus.article(a).text)), None)
    return f"费用：{card.fees.rstrip('。')}（{kb.corpus.citation(aid)}）" if aid else None


def asks_fee(kb: KnowledgeBase, text: str) -> bool:
    return kb.words is not None and kb.words.has("asks_fee", text)


def period_words(tl: TimeLimit) -> str:
    return tl.period.words if tl.period else ""


def plan_text(kb: KnowledgeBase, card: RouteCard, text: str = "", alternative: RouteCard | None = None,
              lead: str = "建议先走") -> str:
    """The short plan a person reads first (about 150 characters): the route, the first step, the limit
    that matters with its article, and one alternative. The details fold under it."""
    parts = [f"{lead}【{card.name}】" + (f"：{card.first_step}。" if card.first_step else "。")]
    limits = limits_for(kb, card, text)
    named = named_limit(kb, card, text)
    tl = named if named is not None and not named.exception_to else (limits[0] if limits else None)
    if tl is not None:
        length = period_words(tl)
        parts.append(f"期限：{tl.label}" + (f"{length}" if length else "") + f"（{kb.corpus.citation(tl.basis)}）。")
    if named is not None and named.exception_to:
        parts.append(f"{named.label}（{kb.corpus.citation(named.basis)}）。")
    if alternative is not None:
        parts.append(f"也可以：【{alternative.name}】。")
    return "".join(parts)


def route_text(kb: KnowledgeBase, card: RouteCard, pack: Pack | None = None, brief: bool = False,
               text: str = "") -> str:
    """A route card as a message: what, who, how, the deadline that matters, channel, basis.

    The deadline is the card's first time limit, and the one the person's ``text`` names
    when that is another (see ``named_limit``): 「抚养费」 adds that such claims are not subject to
    the 诉讼时效 just stated.
    """
    lines = [f"【{card.name}】{card.summary}"]
    if card.handled_by:
        lines.append(f"谁来办：{card.handled_by}")
    if card.where and not brief:
        lines.append(f"怎么办：{card.where}")
    fees = fee_line(kb, card) if asks_fee(kb, text) else None
    if fees:   # 「复议要花钱不」: what it costs, when asked
        lines.append(fees)
    named = named_limit(kb, card, text)
    if card.time_limits:
        lines.append("期限：" + limit_line(kb, card.time_limits[0]))
        if named is not None:
            lines.append("　　　" + limit_line(kb, named, with_start=True))
    if pack:
        for o in pack.offices_for(card.id):
            contact = "，".join(x for x in (o.address, o.phone, o.hours, o.online) if x)
            lines.append(f"本地：{o.name}" + (f"（{contact}）" if contact else ""))
    channel = kb.channels.get(card.national_channel or "")
    if channel:
        lines.append(f"渠道：{channel_line(channel, pack)}")
    if card.basis and not brief:
        lines.append("依据：" + "、".join(kb.corpus.citation(a) for a in basis_for(kb, card, text)))
    return "\n".join(lines)


@dataclass
class Reply:
    """What one action says: texts, then the structured payload."""

    kind: str
    texts: list[str] = field(default_factory=list)
    routes: list[dict[str, Any]] = field(default_factory=list)
    citations: list[dict[str, Any]] = field(default_factory=list)
    cards: list[dict[str, Any]] = field(default_factory=list)
    buttons: list[dict[str, str]] = field(default_factory=list)
    needs_clarification: bool = False
    extra: dict[str, Any] = field(default_factory=dict)
    # what folds under the first message (the widget's 「详细说明」, WeChat's 「回复1」): titled sections
    details: list[dict[str, str]] = field(default_factory=list)
    question: dict[str, Any] | None = None   # one question asked with the answer (answer_and_ask)

    def detail(self, title: str, text: str) -> None:
        if text:
            self.details.append({"title": title, "text": text})

    def cite(self, kb: KnowledgeBase, article_id: str) -> None:
        if article_id in kb.corpus.articles and all(c["id"] != article_id for c in self.citations):
            self.citations.append(citation(kb, article_id))

    def add_route(self, kb: KnowledgeBase, card: RouteCard, why: str, pack: Pack | None = None,
                  text: str = "") -> None:
        """The route, and its card for the matter ``text`` (the deadlines that apply to it)."""
        if all(r["id"] != card.id for r in self.routes):
            self.routes.append({"id": card.id, "name": card.name, "why": why})
            self.cards.append(card_payload(kb, card, pack, text))

    def add_ranking(self, kb: KnowledgeBase, ranking, pack: Pack | None = None, text: str = "") -> None:
        """Every route of a triage ranking, in order, each explained by its card's summary."""
        for r in ranking:
            card = kb.routes[r.route]
            self.add_route(kb, card, card.summary, pack, text)

    def send(self, dispatcher, intent: dict[str, Any] | None) -> None:
        for i, text in enumerate(self.texts):
            last = i == len(self.texts) - 1
            dispatcher.utter_message(text=text, buttons=self.buttons if last and self.buttons else None)
        dispatcher.utter_message(json_message={PAYLOAD_KEY: {
            "kind": self.kind,
            "intent": {"name": (intent or {}).get("name"), "confidence": (intent or {}).get("confidence")},
            "routes": self.routes, "citations": self.citations, "cards": self.cards, "details": self.details,
            "question": self.question, "needs_clarification": self.needs_clarification, **self.extra}})
