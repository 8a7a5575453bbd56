"""Problem triage (信访工作条例 第三十一条): the lawful route first, as a short plan.

The route model's calibrated probability (``knowledge/triage``) decides: a likely route is given at
once; a less likely one is given with one question that would settle it (where the case stands);
an unlikely one starts the ``triage_form`` (the kind of matter, then where the case stands). The
form asks at most those two questions, once a session, and an answer it cannot parse counts as
「其他」/「没有」, so the person gets a useful answer next, not a third question.

Only a reply to the question fills a slot. Anything else said while the form asks (a crisis, a
procedure question, a greeting, a threat to go to Beijing…) leaves the slot empty, so the form
rejects the turn and the rules for an interrupted form answer it (``data/rules.yml``).
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import FollowupAction
from rasa_sdk.executor import CollectingDispatcher

from knowledge.crisis import detect_crisis
from knowledge.triage import RouteScore, Triage, load_triage_rules

from .answer import answer_inside
from .render import DISCLAIMER, Reply, basis_for, legal_hotline, plan_text
from .runtime import runtime
from .turn import KIND_QUESTION as KIND_QUESTION_TEXT
from .turn import STAGE_QUESTION as STAGE_QUESTION_TEXT
from .turn import Matter, Turn, core_text, user_text

# the longest addition read together with the matter before it
CONTINUATION_MAX_CHARS = 20
# an alternative route is named in the plan when it is at least this likely against the first
ALTERNATIVE_SHARE = 0.25
# a second alternative is shown (as a card) only when it is about as likely as the first alternative
CLOSE_SHARE = 0.8
# what a reply to the form's question is read as (an unclear reply counts as 「其他」/「没有」)
ANSWER_INTENTS = frozenset({"inform", "affirm", "deny", "nlu_fallback"})
STAGE_OPTIONS = [("还没有走任何程序", "还没有走任何程序"), ("正在打官司、仲裁或复议", "正在打官司、仲裁或复议"),
                 ("官司或复议已经结束", "官司或复议已经结束"), ("已经收到信访处理意见", "已经收到信访处理意见")]


def safe_first(triage: Triage) -> Triage:
    """The ranking for a matter where violence was told: mediation after every other route, and the
    police among the first two (the matter's own route stays first: a divorce after years of beatings
    is still a divorce, a 不起诉 decision still the procuratorate's)."""
    ranking = [r for r in triage.ranking if r.route != "people_mediation"]
    mediation = [r for r in triage.ranking if r.route == "people_mediation"]
    if not any(r.route == "police_report" for r in ranking[:2]):
        ranking = [r for r in ranking if r.route != "police_report"]
        ranking.insert(min(1, len(ranking)), RouteScore("police_report", 0.0, ""))
    return Triage(ranking + mediation, triage.crisis, triage.decision, triage.out_of_scope, triage.scores)


def shown(ranking: list[RouteScore]) -> list[RouteScore]:
    """The routes the reply shows: the first, one alternative when it is likely enough, a second only
    when it is about as likely as the first alternative."""
    if not ranking:
        return []
    out = [ranking[0]]
    top = ranking[0].score or 1.0
    if len(ranking) > 1 and (ranking[1].score >= ALTERNATIVE_SHARE * top or ranking[1].score == 0.0):
        out.append(ranking[1])
        if len(ranking) > 2 and ranking[1].score and ranking[2].score >= CLOSE_SHARE * ranking[1].score:
            out.append(ranking[2])
    return out


def triage_reply(turn: Turn, text: str, triage: Triage, card_shown_before: bool = False) -> Reply:
    """The short plan for ``text`` (route, first step, the limit that matters, one alternative), the
    routes with their cards, and the details folded under it: the answer to a question the description
    asks, why this route, the principle of 第三十一条, the disclaimer."""
    kb = turn.rt.kb
    pack = turn.pack
    reply = Reply("triage")
    ranking = triage.ranking
    show = shown(ranking)
    first = kb.routes[ranking[0].route]
    alternative = kb.routes[show[1].route] if len(show) > 1 else None
    reply.texts.append(plan_text(kb, first, text, alternative))
    for r in ranking:
        card = kb.routes[r.route]
        reply.add_route(kb, card, card.summary, pack, text)
    # the widget shows a card once per matter: not again while the same matter goes on
    keep = {r.route for r in show} - ({first.id} if card_shown_before else set())
    reply.cards = [c for c in reply.cards if c["id"] in keep]
    inside = answer_inside(turn, text)
    if inside is not None:
        title, body, cited = inside
        reply.detail(title, body)
        reply.extra["quoted"] = cited
        for aid in cited:
            reply.cite(kb, aid)
    if len(show) > 1:
        reply.detail("其他可以考虑的途径", "；".join(f"【{kb.routes[r.route].name}】{kb.routes[r.route].summary.rstrip('。')}"
                                              for r in show[1:]) + "。")
    principle = load_triage_rules()["principle"]
    if first.id not in ("crisis", "xinfang", "hotline_12345"):
        reply.detail("为什么走这条途径", principle["text"])
        reply.cite(kb, principle["basis"])
    for aid in basis_for(kb, first, text, 3):
        reply.cite(kb, aid)
    if pack is None and turn.region:
        reply.detail("本地信息", f"暂未收录“{turn.region}”的本地办事信息，上面给出的是办理机关的类别和全国性渠道。")
    reply.texts.append(DISCLAIMER.format(legal_hotline=legal_hotline(kb, pack)))
    reply.extra["probability"] = round(triage.probability, 3)
    return reply


def continued(turn: Turn, triage: Triage) -> tuple[str, Triage]:
    """A short, vague addition to the matter just described, read together with it.

    「判了快两个月了，已经生效了」 after 「法院判决不公」 says nothing on its own, and would start the
    clarifying questions over; with the matter before it, the route is clear. Taken as a
    continuation only when it is short, names no other kind of matter than the one before, says
    where a case stands (「判了」「生效」「还在审」) or names the same kind of matter (工资 after 工资),
    and the two together are clear. Otherwise the text and its own triage come back unchanged.
    """
    words = turn.words
    previous, text = turn.matter.text, turn.text
    core = turn.core
    if not previous or not core or len(core) > CONTINUATION_MAX_CHARS or core in core_text(previous):
        return text, triage
    kind, before = words.domain_of(text), words.domain_of(previous)
    if (kind is not None and kind != before) or (turn.stage is None and kind is None):
        return text, triage
    joined = turn.with_matter()
    together = turn.classify(joined)
    return (joined, together) if together.decision == "answer" else (text, triage)


def answered_with(turn: Turn) -> tuple[str, Triage]:
    """A vague description after the clarifying questions were asked once this session: answered with
    the matter before it, the best guess taken as the answer. Never a second round of questions (at
    most two before a useful answer)."""
    previous = turn.matter.text or ""
    joined = previous if turn.core in core_text(previous) else turn.with_matter()
    best = turn.classify(joined)
    return joined, Triage(best.ranking, best.crisis, "answer", False, best.scores)


def description(turn: Turn) -> tuple[Reply, Matter]:
    """A problem told: its plan, with one question when the route is not yet clear, or the form's
    questions when it is unclear (once a session)."""
    text, triage = turn.text, turn.triage
    nothing = turn.words.says_nothing(text)
    if turn.form_active and turn.matter.text and not nothing:
        # said while the form asks about the matter (an interruption the form rejected): about that
        # matter, answered with it now, no second round of questions
        text = turn.matter.text if turn.core in core_text(turn.matter.text) else turn.with_matter()
        best = turn.classify(text)
        triage = Triage(best.ranking, best.crisis, "answer", False, best.scores)
    elif triage.decision != "answer" or nothing:
        text, triage = continued(turn, triage)
    if triage.decision == "ask" and turn.matter.text and not nothing and turn.asked_this_session:
        text, triage = answered_with(turn)
    if turn.violence_told:
        triage = safe_first(triage)
    same = text != turn.text or text == turn.matter.text
    if (triage.decision != "ask" and not (nothing and text == turn.text)) or turn.asked_this_session and not nothing:
        reply = triage_reply(turn, text, triage, card_shown_before=same and turn.matter.route == triage.routes[0])
        if triage.decision == "answer_and_ask" and not turn.case_status and not turn.matter.stage:
            ask_one(turn, reply, triage)
        if turn.action == "action_deadline":   # a deadline question that names no step of its own
            reply.detail("计算期限", "如需计算期限，请告诉我是哪个环节和日期，例如：“我10月8日收到信访处理意见，复查最晚哪天申请？”")
        return reply, turn.remembered(text, triage.routes[0])
    if turn.asks and not nothing and answer_inside(turn, text) is not None:
        # too unsure of the route to name one first, but the texts answer what is asked: that answer
        # first (with the best guess at the route) rather than questions
        from .answer import question

        return question(turn)
    reply = Reply("clarify", needs_clarification=True)
    reply.texts.append("为了给您指对路，我先问一两个简单的问题。")
    reply.add_ranking(turn.rt.kb, triage.ranking, text=text)
    reply.cards = []
    reply.extra["start_form"] = True   # the form runs next and asks its questions
    return reply, turn.remembered(text)


def ask_one(turn: Turn, reply: Reply, triage: Triage) -> None:
    """The plan stands; one question follows that would settle the route: where the case stands when
    the two likely routes are of one kind (复议 or 诉讼), else what kind of matter it is (仲裁 or 12345).
    The buttons send plain words."""
    if len(triage.routes) > 1 and turn.rt.classifier.one_kind(triage.routes[0], triage.routes[1]):
        question, slot, options = STAGE_QUESTION_TEXT, "case_status", STAGE_OPTIONS
    else:
        domains = load_triage_rules()["domains"]
        question, slot = KIND_QUESTION_TEXT, "problem_domain"
        options = [(v["label"], f"是{v['label']}方面的事") for k, v in domains.items() if k != "other"]
    reply.question = {"text": question, "slot": slot}
    reply.texts.insert(1, question + "告诉我，我再帮您看准一点。")
    reply.buttons = [{"title": t, "payload": p} for t, p in options]


def answer_to_one_question(turn: Turn) -> tuple[str | None, str | None]:
    """(kind of matter, stage) when this message answers the one question asked with the last answer."""
    if len(turn.core) > CONTINUATION_MAX_CHARS:
        return None, None
    if turn.asked_stage:
        return None, turn.words.guess(turn.text, turn.words.stages)
    if turn.asked_kind:
        labels = {v["label"]: k for k, v in load_triage_rules()["domains"].items()}
        named = next((k for label, k in labels.items() if label in turn.text), None)
        return named or turn.words.domain_of(turn.text), None
    return None, None


def answers_one_question(turn: Turn) -> bool:
    return any(answer_to_one_question(turn))


def stage_answered(turn: Turn) -> tuple[Reply, Matter]:
    """The question asked with the last answer, answered (「还没有走任何程序」「是劳动工资、工伤方面的事」):
    the plan for the matter again, with what the answer tells."""
    domain, stage = answer_to_one_question(turn)
    problem = turn.matter.text or turn.text
    triage = turn.rt.classifier.classify(problem, domain or turn.domain, stage)
    if turn.violence_told:
        triage = safe_first(triage)
    reply = triage_reply(turn, problem, triage, card_shown_before=turn.matter.route == triage.routes[0])
    return reply, turn.remembered(problem, triage.routes[0], stage)


def form_answered(turn: Turn) -> tuple[Reply, Matter]:
    """Both questions answered: the plan for the matter, with what the answers tell."""
    problem = turn.matter.text or turn.text
    triage = turn.classify(problem)
    if turn.violence_told:
        triage = safe_first(triage)
    return triage_reply(turn, problem, triage), turn.remembered(problem, triage.routes[0])


def answer_to(tracker: Tracker, slot: str, table: dict[str, tuple[str, ...]], default: str) -> dict[str, Any]:
    """The slot's value if the user's last message answers the form's question about ``slot``, else ``{}``.

    A description (「是工资的事」) answers it when it names a value; one that names none is a
    new story and starts the triage again. Crisis words never count as an answer.
    """
    if tracker.get_slot("requested_slot") != slot or tracker.get_slot(slot):
        return {}
    text = user_text(tracker)
    if detect_crisis(text):
        return {}
    words = runtime().kb.words
    intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
    value = words.guess(text, table) if words else None
    if intent in ANSWER_INTENTS:
        return {slot: value or default}
    if intent == "describe_problem":
        return {slot: value} if value else {}
    return {}


class ValidateTriageForm(FormValidationAction):
    def name(self) -> str:
        return "validate_triage_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        """The slots this reply fills, and the bot's wait for the next reply when one is still empty.

        Rasa runs this before the form asks. With a slot still empty the form asks for it, and
        then the bot waits for the user (``data/rules.yml``): named here, as our actions name
        theirs (``next_action`` in ``actions/base.py``), Rasa skips a run of every policy. With
        both filled the form ends and the rules pick the answer: nothing is named. Rasa drops
        these events when the form rejects the turn (a reply that fills nothing).
        """
        events = await super().run(dispatcher, tracker, domain)   # also sets the slots on ``tracker``
        if any(tracker.get_slot(slot) is None for slot in self.domain_slots(domain)):
            events.append(FollowupAction("action_listen"))
        return events

    async def extract_problem_domain(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                     domain: dict) -> dict[str, Any]:
        words = runtime().kb.words
        return answer_to(tracker, "problem_domain", words.domains if words else {}, "other")

    async def extract_case_status(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                  domain: dict) -> dict[str, Any]:
        words = runtime().kb.words
        return answer_to(tracker, "case_status", words.stages if words else {}, "none")

    def validate_problem_domain(self, value: Any, dispatcher, tracker, domain) -> dict[str, Any]:
        return {"problem_domain": value if value in load_triage_rules()["domains"] else "other"}

    def validate_case_status(self, value: Any, dispatcher, tracker, domain) -> dict[str, Any]:
        return {"case_status": value if value in load_triage_rules()["case_status"] else "none"}
