"""Procedure and rights questions: the answer, quoted from the article it rests on, with the route.

Every legal message gets both lookups: a question gets the article that answers it and the route
for the matter it is about; a description that asks something (「…这合法吗」「还能仲裁吗」) gets its
plan and, folded under it, the article that answers what it asks (``answer_inside``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from knowledge.coverage import as_asked, content_words, speaks_to
from knowledge.retriever import Filters

from .render import DISCLAIMER, Reply, channels_for, excerpt, legal_hotline, plan_text
from .turn import Matter, Turn

COVERAGE_HITS = 3   # how many article hits (with their FAQs) may answer what was asked
QUOTE_CHARS = 220
CLAUSES = re.compile(r"[，,。！!？?；;\s]+")


def unknown_reply(turn: Turn, matter: str, words: list[str], hits) -> Reply:
    """The texts do not answer it: say so, name the closest provisions, give the human channels."""
    kb = turn.rt.kb
    reply = Reply("unknown")
    asked = "、".join(f"“{w}”" for w in words[:3])
    reply.texts.append(f"您问的{asked}，我收录的法律条文里没有找到直接的规定，我不便自行下结论，以免误导您。")
    closest = [h for h in hits if h.article is not None][:3]
    if closest:
        reply.texts.append("最接近的条文（仅供参考，未必回答了您的问题）：" + "、".join(h.citation for h in closest))
        for h in closest:
            reply.cite(kb, h.id)
    human = turn.words.human_channels
    reply.texts.append("这类具体问题，可以直接问工作人员：\n" + "\n".join(channels_for(kb, list(human), turn.pack)))
    triage = turn.classify(matter)
    if not triage.out_of_scope:
        for r in triage.ranking[:3]:
            reply.add_route(kb, kb.routes[r.route], f"与“{r.example}”这类情况相近", turn.pack, matter)
    reply.texts.append(DISCLAIMER.format(legal_hotline=legal_hotline(kb, turn.pack)))
    return reply


def material(kb, hit) -> str:
    """What an article hit says: its text, and its best FAQ's questions and answer."""
    faq = kb.faq.get(hit.faq_ids[0]) if hit.faq_ids else None
    return hit.text + (faq.answer + "".join(faq.questions) if faq else "")


def answering_hit(turn: Turn, asked: str, articles):
    """The first of the first article hits that speaks to what was asked (``knowledge/coverage``),
    with no words; ``(None, the words asked)`` when none does; ``(first hit, [])`` when there is
    nothing particular to check."""
    rt = turn.rt
    words = content_words(rt.retriever.index.tokenizer, asked)
    if not words:
        return articles[0], []
    hit = next((h for h in articles[:COVERAGE_HITS] if speaks_to(rt.kb.synonyms, words, material(rt.kb, h))), None)
    return (hit, []) if hit is not None else (None, as_asked(words))


def best_faq(turn: Turn, hit, asked: str):
    """Of the FAQs whose question matched for ``hit`` (best first), the one whose answer and questions
    hold the most of the question's own words, the better-ranked on a tie."""
    rt = turn.rt
    faqs = [rt.kb.faq[f] for f in hit.faq_ids if f in rt.kb.faq]
    words = content_words(rt.retriever.index.tokenizer, asked) if len(faqs) > 1 else []
    if not words:
        return faqs[0] if faqs else None

    def held(faq) -> int:
        said = faq.answer + "".join(faq.questions)
        return sum(speaks_to(rt.kb.synonyms, [w], said) for w in words)

    return max(faqs, key=held)   # max keeps the first of equals: the better-ranked FAQ


def what_it_says(turn: Turn, hit, asked: str) -> tuple[str, list[str], list[str] | None]:
    """The answer a hit gives: its FAQ's answer with the basis, or the article quoted; the articles it
    cites; the routes its FAQ names (None without a FAQ)."""
    kb = turn.rt.kb
    faq = best_faq(turn, hit, asked)
    if faq:
        # the article found for the question first: a FAQ resting on several (仲裁的期限 on 第二十九条 and
        # 第四十三条) was reached through the one closest to what was asked
        basis = sorted(faq.basis, key=lambda a: a != hit.id)
        return (faq.answer + "\n依据：" + "、".join(kb.corpus.citation(a) for a in basis), basis,
                list(faq.routes) or None)
    return f"{hit.citation}规定：“{excerpt(hit.text, QUOTE_CHARS)}”", [hit.id], None


def question_part(turn: Turn, text: str) -> str:
    """The clauses of ``text`` that ask (「这合法吗」 in 「村里强拆我家房子，这合法吗」), else the text."""
    clauses = [c for c in CLAUSES.split(text) if c]
    asking = [c for c in clauses if turn.words.has("asks", c)]
    return "，".join(asking) or text


def answer_inside(turn: Turn, text: str) -> tuple[str, str, list[str]] | None:
    """What the article closest to a description says of it (title, text, cited): of the clauses that ask
    (「…这合法吗」), else of the whole description. Only an article that speaks to the words asked, or
    else to the words told, counts (``answering_hit``); a clause that asks nothing in particular
    (「…怎么办」) is answered by the plan, and so is a description none of whose articles speaks to it."""
    tokenizer = turn.rt.retriever.index.tokenizer
    asked = question_part(turn, text) if turn.asks else text
    if not content_words(tokenizer, asked):
        asked = text   # 「…这样行吗」: the clause asks about what the description told
    if not content_words(tokenizer, asked):
        return None
    hits = turn.rt.retriever.search(text, k=5, filters=Filters(region=turn.pack.region_code if turn.pack else None))
    articles = [h for h in hits if h.article is not None]
    if not articles:
        return None
    top, _ = answering_hit(turn, asked, articles)
    about_the_clause = top is not None
    if top is None and asked != text:
        # the clause asks about what the description told (「劳动局责令了他还不发，会有啥后果」): an article
        # that speaks to what was told answers it
        top, _ = answering_hit(turn, text, articles)
    if top is None:
        return None
    body, cited, _ = what_it_says(turn, top, asked if about_the_clause else text)
    title = f"关于您问的“{excerpt(asked, 24)}”" if turn.asks and asked != text and about_the_clause else "相关规定"
    return title, body, cited


def answer_in_its_terms(turn: Turn) -> tuple[str, str, list[str]] | None:
    """What the indexed texts say of what this message asks (``answer_inside``), when they answer it in
    its own terms: the article speaks to one of the legal terms the question names (人民调解, 诉讼时效,
    低保…; not an everyday word like 协议 or 意思, which some article always holds). The texts are the
    scope, so such a question is in it, whatever the route model reads."""
    inside = answer_inside(turn, turn.text)
    if inside is None:
        return None
    synonyms = turn.rt.kb.synonyms
    terms = {t for t in synonyms.user_dictionary() if len(t) >= 2 and t in turn.text} | set(synonyms.expand(turn.text))
    return inside if any(t in inside[1] for t in terms) else None


def texts_answer(turn: Turn) -> bool:
    return answer_in_its_terms(turn) is not None


@dataclass(frozen=True)
class FollowUp:
    """A follow-up to the matter before it: what it asks, in the person's own words, and the route
    recommended for that matter."""

    question: str
    route: str
    matter: str


def answer_question(turn: Turn, text: str, asked: str | None = None, follow: FollowUp | None = None,
                    strict: bool = False) -> Reply:
    """FAQ answer or article quote, the citations, and the route for the matter.

    The article quoted is the first hit that speaks to what was asked; when none does, the reply
    says the texts do not answer it (``unknown_reply``). ``asked`` is the person's own words when
    ``text`` is a follow-up read with the matter before it. A local answer (a pack's office, its
    hours) is not judged by the articles, unless ``strict``.
    """
    rt, kb, pack = turn.rt, turn.rt.kb, turn.pack
    region_code = pack.region_code if pack else None
    hits = rt.retriever.search(text, k=5, filters=Filters(region=region_code, route=follow.route if follow else None))
    if follow and (region_code or not any(h.article is not None for h in hits)):
        # The region's own information is tied to no route, so the route's filter never finds it:
        # looked up without the filter, which also stands in when the route's provisions found nothing.
        unfiltered = rt.retriever.search(text, k=5, filters=Filters(region=region_code))
        if not any(h.article is not None for h in hits):
            hits = [h for h in unfiltered if h.article is not None]
        hits += [h for h in unfiltered if h.id.startswith("local/")]
    reply = Reply("answer")
    articles = [h for h in hits if h.article is not None]
    local = [h for h in hits if h.id.startswith("local/")]
    top = articles[0] if articles else None
    matter = follow.matter if follow else text
    if top is not None:
        top, words = answering_hit(turn, asked or text, articles)
        if top is None and (strict or not local):
            return unknown_reply(turn, matter, words, hits)
        # with the region's own information found, that answers it; no article is quoted unchecked
    faq_routes = None
    if top is not None:
        said, cited, faq_routes = what_it_says(turn, top, asked or text)
        reply.texts.append(said)
        reply.extra["quoted"] = cited
        for aid in cited:
            reply.cite(kb, aid)
    for h in articles[:3]:
        reply.cite(kb, h.id)
    if local:
        reply.texts.append(f"{pack.region_name if pack else ''}本地信息：{excerpt(local[0].text, 160)}")
    triage = turn.classify(matter)
    own = [] if triage.out_of_scope else triage.routes[:1]
    if faq_routes:
        # the FAQ's routes are of its question; a route the model is sure of for this one comes first
        sure = own if triage.decision == "answer" and own and own[0] not in faq_routes and not follow else []
        routes = sure + list(faq_routes)
    else:
        routes = [follow.route] if follow else own
    for i, rid in enumerate(routes[:2]):
        card = kb.routes[rid]
        reply.add_route(kb, card, "这个问题相关的办理途径", pack, matter)
        if i == 0 and rid != "crisis" and not follow:
            reply.texts.append(plan_text(kb, card, text, lead="办理途径"))
    if not triage.out_of_scope:
        for r in triage.ranking[:3]:
            reply.add_route(kb, kb.routes[r.route], f"与“{r.example}”这类情况相近", pack, matter)
    if follow:   # the card was shown with the matter: not again
        reply.cards = []
    reply.texts.append(DISCLAIMER.format(legal_hotline=legal_hotline(kb, pack)))
    return reply


def follow_up_of(turn: Turn) -> FollowUp | None:
    """The follow-up the turn is to the matter before it, or None."""
    matter = turn.matter.text
    if not turn.follows_up or not matter:
        return None
    route = turn.matter.route or next((r for r in turn.classify(matter).routes if r != "crisis"), None)
    words = turn.rt.kb.words
    return FollowUp(words.own_words(turn.text) if words else turn.text, route, matter) if route else None


def follow_up(turn: Turn) -> tuple[Reply, Matter]:
    """「那要带什么材料」 after a matter: looked up as its own words among the provisions of the matter's
    route; the matter stays the one to come back to."""
    follow = follow_up_of(turn)
    if follow is None:   # the matter's route is unknown: a question of its own
        return question(turn)
    return answer_question(turn, follow.question, follow=follow), turn.remembered()


def question(turn: Turn) -> tuple[Reply, Matter]:
    """A question of its own: the article that answers it and the route for what it is about."""
    words = turn.rt.kb.words
    asked = words.own_words(turn.text) if words else turn.text
    strict = turn.action == "action_fallback"   # the NLU was unsure: only a checked answer is given
    if strict and not content_words(turn.rt.retriever.index.tokenizer, asked):
        from .fallback import unsure

        return unsure(turn)
    reply = answer_question(turn, turn.text, asked=asked, strict=strict)
    if strict and reply.kind != "answer":
        from .fallback import unsure

        return unsure(turn)
    route = reply.routes[0]["id"] if reply.routes else None
    if route is not None and route == turn.matter.route:
        return reply, turn.remembered()   # a question about the same matter: its description, date and stage stay
    return reply, turn.remembered(turn.text, route)
