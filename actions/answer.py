"""Procedure and rights questions: the answer, quoted from the article it rests on."""

from __future__ import annotations

from dataclasses import dataclass

from rasa_sdk.events import SlotSet

from knowledge.coverage import as_asked, content_words, speaks_to
from knowledge.deadlines import find_limit
from knowledge.retriever import Filters

from .base import HUMAN_CHANNELS, XinfangAction, find_pack, region_of
from .context import (
    ASKS_WHEN,
    how_long_follow_up,
    how_long_of_nothing_named,
    matter_followed,
    own_words,
    remembered,
)
from .deadline import deadline_reply, time_limits_reply, which_matter_reply
from .render import DISCLAIMER, Reply, channels_for, excerpt, legal_hotline, route_text


def unknown_reply(rt, text: str, words: list[str], hits, pack) -> Reply:
    """The texts do not answer it: say so, name the closest provisions, give the human channels."""
    kb = rt.kb
    reply = Reply("unknown")
    asked = "、".join(f"“{w}”" for w in words[:3])
    reply.texts.append(f"您问的{asked}，我收录的法律条文里没有找到直接的规定，我不便自行下结论，以免误导您。")
    closest = [h for h in hits if h.article is not None][:3]
    if closest:
        reply.texts.append("最接近的条文（仅供参考，未必回答了您的问题）：" + "、".join(h.citation for h in closest))
        for h in closest:
            reply.cite(kb, h.id)
    reply.texts.append("这类具体问题，可以直接问工作人员：\n" + "\n".join(channels_for(kb, HUMAN_CHANNELS, pack)))
    for r in rt.classifier.classify(text).ranking[:3]:
        if r.route != "crisis":
            reply.add_route(kb, kb.routes[r.route], f"与“{r.example}”这类情况相近", pack, text)
    return reply


COVERAGE_HITS = 3   # how many article hits (with their FAQs) may answer what was asked


def material(kb, hit) -> str:
    """What an article hit says: its text, and its best FAQ's questions and answer."""
    faq = kb.faq.get(hit.faq_ids[0]) if hit.faq_ids else None
    return hit.text + (faq.answer + "".join(faq.questions) if faq else "")


def answering_hit(rt, asked: str, articles):
    """The first of the first article hits that speaks to what was asked (``knowledge/coverage``),
    with no words; ``(None, the words asked)`` when none does; ``(first hit, [])`` when there is
    nothing particular to check.

    Measured on the 257 retrieval dev questions: the article quoted is right for 199 against 197
    when the first hit is always quoted; 4 questions are flagged as not answered.
    """
    words = content_words(rt.retriever.index.tokenizer, asked)
    if not words:
        return articles[0], []
    hit = next((h for h in articles[:COVERAGE_HITS] if speaks_to(rt.kb.synonyms, words, material(rt.kb, h))), None)
    return (hit, []) if hit is not None else (None, as_asked(words))


def best_faq(rt, hit, asked: str):
    """Of the FAQs whose question matched for ``hit`` (best first), the one whose answer and questions
    hold the most of the question's own words, the better-ranked on a tie.

    「多人走访最多能去几个代表」 matched both of 第二十条's FAQs, where to visit first; the one on
    representatives holds 「多人」「代表」 as well as 「走访」, and it is what was asked.
    """
    faqs = [rt.kb.faq[f] for f in hit.faq_ids if f in rt.kb.faq]
    words = content_words(rt.retriever.index.tokenizer, asked) if len(faqs) > 1 else []
    if not words:
        return faqs[0] if faqs else None

    def held(faq) -> int:
        said = faq.answer + "".join(faq.questions)
        return sum(speaks_to(rt.kb.synonyms, [w], said) for w in words)

    return max(faqs, key=held)   # max keeps the first of equals: the better-ranked FAQ


@dataclass(frozen=True)
class FollowUp:
    """A follow-up (``actions/context.is_follow_up``) to the matter before it: what it asks, in the
    person's own words, and the route recommended for that matter."""

    question: str
    route: str
    matter: str


def follow_up(rt, tracker, text: str, strict: bool = False) -> FollowUp | None:
    """The follow-up ``text`` is, or None when it is a question of its own.

    It is looked up as its own words among the provisions of the matter's route: 「那要交钱吗」 after
    unpaid wages finds 劳动争议调解仲裁法第五十三条 (仲裁不收费), 「那要钱吗」 after land taken back
    农村土地承包经营纠纷调解仲裁法第五十二条. Looked up with the whole matter, the matter's words
    outweighed the question (劳动保障监察条例第九条, complaints); with the route's name beside the
    question, a long name did (土地管理法第十四条 for the fee).
    """
    matter = matter_followed(tracker, text, strict)
    if matter is None:
        return None
    route = next((r.route for r in rt.classifier.classify(matter).ranking if r.route != "crisis"), None)
    return FollowUp(own_words(text), route, matter) if route else None


def answer_question(rt, text: str, region: str | None, kind: str = "answer", asked: str | None = None,
                    follow: FollowUp | None = None, strict: bool = False) -> Reply:
    """FAQ answer or article quote, the citations, and the best route for the question.

    The article quoted is the first hit that speaks to what was asked; when none does, the reply
    says the texts do not answer it (``unknown_reply``). ``asked`` is the person's own words when
    ``text`` is a follow-up read with the matter before it: what was asked is judged on those (the
    matter's words always match). A local answer (a pack's office, its hours) is not judged by the
    articles, unless ``strict``.
    """
    kb = rt.kb
    pack = find_pack(rt, region)
    region_code = pack.region_code if pack else None
    hits = rt.retriever.search(text, k=5, filters=Filters(region=region_code, route=follow.route if follow else None))
    if follow and (region_code or not any(h.article is not None for h in hits)):
        # The region's own information is tied to no route, so the route's filter never finds it:
        # looked up without the filter, which also stands in when the route's provisions found nothing.
        unfiltered = rt.retriever.search(text, k=5, filters=Filters(region=region_code))
        if not any(h.article is not None for h in hits):
            hits = [h for h in unfiltered if h.article is not None]
        hits += [h for h in unfiltered if h.id.startswith("local/")]
    reply = Reply(kind)
    articles = [h for h in hits if h.article is not None]
    local = [h for h in hits if h.id.startswith("local/")]
    top = articles[0] if articles else None
    if top is not None and (strict or not local):
        top, words = answering_hit(rt, asked or text, articles)
        if top is None:
            reply = unknown_reply(rt, follow.matter if follow else text, words, hits, pack)
            reply.texts.append(DISCLAIMER.format(legal_hotline=legal_hotline(kb, pack)))
            return reply
    faq_entry = best_faq(rt, top, asked or text) if top else None
    if faq_entry:
        reply.texts.append(faq_entry.answer + "\n依据：" + "、".join(kb.corpus.citation(a) for a in faq_entry.basis))
        for aid in faq_entry.basis:
            reply.cite(kb, aid)
    elif top:
        reply.texts.append(f"{top.citation}规定：“{excerpt(top.text, 220)}”")
        reply.cite(kb, top.id)
    for h in articles[:3]:
        reply.cite(kb, h.id)
    if local:
        reply.texts.append(f"{pack.region_name if pack else ''}本地信息：{excerpt(local[0].text, 160)}")
    matter = follow.matter if follow else text
    triage = rt.classifier.classify(matter)
    routes = faq_entry.routes if faq_entry and faq_entry.routes else [follow.route] if follow else triage.routes[:1]
    for i, rid in enumerate(routes[:2]):
        card = kb.routes[rid]
        reply.add_route(kb, card, "这个问题相关的办理途径", pack, matter)
        if i == 0 and rid not in ("crisis",):
            reply.texts.append(route_text(kb, card, pack, brief=True, text=text))
    for r in triage.ranking[:3]:
        if r.route != "crisis":
            reply.add_route(kb, kb.routes[r.route], f"与“{r.example}”这类情况相近", pack, matter)
    reply.texts.append(DISCLAIMER.format(legal_hotline=legal_hotline(kb, pack)))
    return reply


class ActionAnswer(XinfangAction):
    def name(self) -> str:
        return "action_answer"

    def respond(self, rt, tracker, text):
        if ASKS_WHEN.search(text) and find_limit(rt.kb, text) is not None:
            # 「复查最晚哪天申请」 read as a procedure question is still a deadline question: the
            # rule with its article, and the date asked for (or computed when it is given)
            return deadline_reply(rt, text, region=region_of(tracker)), [SlotSet("problem_text", text)]
        matter = how_long_follow_up(rt.kb, tracker, text)
        if matter:
            return time_limits_reply(rt, matter, region_of(tracker)), []
        if how_long_of_nothing_named(tracker, text):
            return which_matter_reply(rt, region_of(tracker)), []
        follow = follow_up(rt, tracker, text)
        if follow:   # the matter stays the one to come back to
            return answer_question(rt, follow.question, region_of(tracker), follow=follow), []
        return answer_question(rt, text, region_of(tracker), asked=own_words(text)), remembered(text, text)
