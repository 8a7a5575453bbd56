"""Problem triage (信访工作条例 第三十一条): the lawful route first, at most two questions.

A clear description is answered at once. A vague one gets the best guess plus the
``triage_form`` (problem domain, case status); the form never asks more than those
two questions, and an answer the form cannot parse counts as 「其他」/「没有」 so
the person gets a useful answer next, not a third question.

Only a reply to the question fills a slot. Anything else said while the form asks
(a crisis, a procedure question, a greeting, a threat to go to Beijing…) leaves the
slot empty, so the form rejects the turn and the rules for an interrupted form answer
it (``data/rules.yml``): Rasa gives an active form priority over every rule until the
form rejects.
"""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from knowledge.crisis import detect_crisis
from knowledge.triage import RouteScore, Triage, load_triage_rules

from .base import XinfangAction, find_pack, intent_of, region_of, user_text
from .context import core_text, this_session
from .escalation import disrupts, with_visit_rules
from .render import DISCLAIMER, Reply, basis_for, legal_hotline, route_text

DOMAIN_WORDS = {
    "labor": ("工资", "劳动", "老板", "公司", "工伤", "加班", "辞退", "开除", "社保", "上班"),
    "land_house": ("土地", "房子", "房屋", "拆", "征收", "征地", "宅基地"),
    "government": ("政府", "罚款", "处罚", "执法", "城管", "部门", "不作为"),
    "court": ("法院", "判决", "判", "执行", "官司", "起诉", "立案"),
    "civil": ("欠钱", "借钱", "合同", "开发商", "赔偿", "纠纷"),
    "family_neighbour": ("邻居", "家里", "离婚", "老人", "赡养", "家庭"),
    "consumer": ("买", "商家", "网购", "退款", "消费", "假货"),
    "official": ("村干部", "干部", "贪污", "腐败", "受贿", "书记", "村长"),
    "police": ("派出所", "警察", "报警", "诈骗", "偷", "打人"),
    "welfare": ("低保", "救助", "补助", "困难"),
}
STATUS_WORDS = {
    "xinfang_answered": ("处理意见", "信访答复", "答复了", "复查意见"),
    "ongoing": ("正在", "在打官司", "还在", "审理中", "仲裁中", "未生效", "没生效", "还没生效"),
    "ended": ("判了", "结束", "已经判", "终审", "结案", "驳回", "生效"),
    "none": ("没有", "还没", "没走", "没打", "没去", "不知道"),
}
# where a case stands, for an addition to a matter (``continued``): under way or ended, not "none"
CASE_STAGE_WORDS = {k: STATUS_WORDS[k] for k in ("ongoing", "ended")}


# What a message says while it says nothing yet about the matter (「有个事想问问」「我家的事」「不知道咋说」
# 「其他」): with these and the question's small words left out, nothing remains (「我想问问我家的地」 keeps 地).
SAYS_NOTHING = re.compile(
    "有[个件点]事|[一这那]件事|事情|事儿|的事|个事|想问问|想问一下|问一下|问问|请问|咨询一下|咨询|我想|想问|"
    "我们家|我家|你好|您好|其他|其它|别的|不知道|咋说|怎么说|说不清|说不好|帮帮我|帮我|一下|那个|这个|就是|"
    "[我你您的了呢吧啊吗呀哈嗯想问说]")


def says_nothing(text: str) -> bool:
    """Whether ``text`` names nothing to choose a route by: the classifier's best guess for it is noise
    (「有个事想问问」 once got the legal-aid card at once), so the form asks what the matter is."""
    return not SAYS_NOTHING.sub("", core_text(text))


# Violence told in the conversation: 人民调解 (both sides at one table) is never put first, and the
# police are among the first two routes. 「老公喝了酒又在打我」 got the crisis lines, and the 「我想离婚 还想让他别
# 再靠近我」 that followed got mediation first.
VIOLENCE = re.compile(r"家暴|家庭暴力|打我|打了我|把我打|对我动手|动手打|动手了|被.{0,4}打(了|伤|得|成|骨折)|"
                      r"揍我|揍了我|踢我|扇我|耳光|掐我|砸门|拿刀|威胁要?杀")
# what 打 also means (打发, 打电话, 打官司, 打回…): taken out before violence is looked for
NOT_VIOLENCE = re.compile(r"打(发|回|官司|工|车|印|听|招呼|折|卡|款|算|扰)|打了?我?.{0,5}(电话|手机)")


def violence_told(tracker: Tracker) -> bool:
    """Whether violence was told in this session of the conversation (every user message since it started)."""
    said = [user_text(tracker), tracker.get_slot("problem_text") or ""]
    said += [e.get("text") or "" for e in this_session(tracker) if e.get("event") == "user"]
    return any(VIOLENCE.search(NOT_VIOLENCE.sub("", t)) for t in said)


def safe_first(triage: Triage) -> Triage:
    """The ranking for a matter where violence was told: mediation after every other route, and the
    police among the first two (the matter's own route stays first: a divorce after years of beatings
    is still a divorce, a 不起诉 decision still the procuratorate's)."""
    ranking = [r for r in triage.ranking if r.route != "people_mediation"]
    mediation = [r for r in triage.ranking if r.route == "people_mediation"]
    if not any(r.route == "police_report" for r in ranking[:2]):
        ranking = [r for r in ranking if r.route != "police_report"]
        ranking.insert(min(1, len(ranking)), RouteScore("police_report", 0.0, ""))
    return Triage(ranking + mediation, triage.crisis, triage.confident)


# the longest addition read together with the matter before it (``continued``)
CONTINUATION_MAX_CHARS = 20
# what a reply to the form's question is read as (an unclear reply counts as 「其他」/「没有」)
ANSWER_INTENTS = frozenset({"inform", "affirm", "deny", "nlu_fallback"})


def _guess(text: str, table: dict[str, tuple[str, ...]], default: str | None) -> str | None:
    for value, words in table.items():
        if any(w in text for w in words):
            return value
    return default


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
    intent = intent_of(tracker).get("name")
    if intent in ANSWER_INTENTS:
        return {slot: _guess(text, table, default)}
    if intent == "describe_problem":
        value = _guess(text, table, None)
        return {slot: value} if value else {}
    return {}


def triage_reply(rt, text: str, triage: Triage, region: str | None) -> Reply:
    kb = rt.kb
    pack = find_pack(rt, region)
    reply = Reply("triage")
    ranking = triage.ranking  # the classifier ranks crisis only when crisis words are present
    first = kb.routes[ranking[0].route]
    reply.texts.append("根据您说的情况，建议优先考虑这条途径：\n" + route_text(kb, first, pack, text=text))
    others = [kb.routes[r.route] for r in ranking[1:3]]
    if others:
        reply.texts.append("也可以考虑：" + "；".join(f"【{c.name}】{c.summary.rstrip('。')}" for c in others) + "。")
    principle = load_triage_rules()["principle"]
    if first.id not in ("crisis", "xinfang", "hotline_12345"):
        reply.texts.append(principle["text"])
        reply.cite(kb, principle["basis"])
    reply.add_ranking(kb, ranking, pack, text)
    for aid in basis_for(kb, first, text, 3):
        reply.cite(kb, aid)
    if pack is None and region:
        reply.texts.append(f"暂未收录“{region}”的本地办事信息，上面给出的是办理机关的类别和全国性渠道。")
    reply.texts.append(DISCLAIMER.format(legal_hotline=legal_hotline(kb, pack)))
    return reply


def continued(rt, previous: str | None, text: str, triage: Triage, domain, status) -> tuple[str, Triage]:
    """A short, vague addition to the matter just described, read together with it.

    「判了快两个月了，已经生效了」 after 「法院判决不公」 says nothing on its own, and would start the
    clarifying questions over; with the matter before it, the route is clear. Taken as a
    continuation only when it is short, names no other kind of matter than the one before, says
    where a case stands (「判了」「生效」「还在审」: a case that ended or is under way) or names the
    same kind of matter (工资 after 工资), and the two together are confident. So neither
    「我想问问别的事」 nor 「宅基地的事还没解决」 after unpaid wages is merged. Otherwise ``text`` and
    ``triage`` come back unchanged.
    """
    core = core_text(text)
    if not previous or not core or len(core) > CONTINUATION_MAX_CHARS or core in core_text(previous):
        return text, triage
    kind, before = _guess(text, DOMAIN_WORDS, None), _guess(previous, DOMAIN_WORDS, None)
    stage = _guess(text, CASE_STAGE_WORDS, None)
    if (kind is not None and kind != before) or (stage is None and kind is None):
        return text, triage
    joined = f"{previous}，{text}"
    together = rt.classifier.classify(joined, domain, status)
    return (joined, together) if together.confident else (text, triage)


def answered_with(rt, previous: str, text: str, domain, status) -> tuple[str, Triage]:
    """A vague description after the clarifying questions were asked once this session: answered with
    the matter before it, the best guess taken as the answer. Never a second round of questions (at
    most two before a useful answer): 「过了好几年了 还能要赡养费吗」 after the questions about the old
    parents' support gets the civil card with 第一百九十六条, not the kind-of-matter question again."""
    joined = previous if core_text(text) in core_text(previous) else f"{previous}，{text}"
    best = rt.classifier.classify(joined, domain, status)
    return joined, Triage(best.ranking, best.crisis, True)


def asked_this_session(tracker: Tracker) -> bool:
    """Whether the clarifying form has already asked its questions in this session of the conversation."""
    return any(e.get("event") == "active_loop" and e.get("name") == "triage_form" for e in this_session(tracker))


class ActionTriage(XinfangAction):
    def name(self) -> str:
        return "action_triage"

    def respond(self, rt, tracker, text):
        domain, status = tracker.get_slot("problem_domain"), tracker.get_slot("case_status")
        previous = tracker.get_slot("problem_text")
        triage = rt.classifier.classify(text, domain, status)
        if not triage.confident or says_nothing(text):
            text, triage = continued(rt, previous, text, triage, domain, status)
        if not triage.confident and previous and not says_nothing(text) and asked_this_session(tracker):
            text, triage = answered_with(rt, previous, text, domain, status)
        if violence_told(tracker):
            triage = safe_first(triage)
        if triage.confident and not says_nothing(text):
            reply = triage_reply(rt, text, triage, region_of(tracker))
            if disrupts(text):   # the matter first, then the rules on visits
                reply = with_visit_rules(rt.kb, reply)
            return reply, [SlotSet("problem_text", text)]
        reply = Reply("clarify", needs_clarification=True)
        reply.texts.append("为了给您指对路，我先问一两个简单的问题。")
        reply.add_ranking(rt.kb, triage.ranking, text=text)
        # The form runs next (an active loop is predicted before anything else) and asks its two questions.
        return reply, [SlotSet("problem_text", text), ActiveLoop("triage_form")]


class ActionTriageAnswer(XinfangAction):
    def name(self) -> str:
        return "action_triage_answer"

    def respond(self, rt, tracker, text):
        problem = tracker.get_slot("problem_text") or text
        domain, status = tracker.get_slot("problem_domain"), tracker.get_slot("case_status")
        triage = rt.classifier.classify(problem, domain, status)
        if violence_told(tracker):
            triage = safe_first(triage)
        reply = triage_reply(rt, problem, triage, region_of(tracker))
        return reply, [SlotSet("problem_domain", None), SlotSet("case_status", None), SlotSet("requested_slot", None)]


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
        return answer_to(tracker, "problem_domain", DOMAIN_WORDS, "other")

    async def extract_case_status(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                  domain: dict) -> dict[str, Any]:
        return answer_to(tracker, "case_status", STATUS_WORDS, "none")

    def validate_problem_domain(self, value: Any, dispatcher, tracker, domain) -> dict[str, Any]:
        return {"problem_domain": value if value in load_triage_rules()["domains"] else "other"}

    def validate_case_status(self, value: Any, dispatcher, tracker, domain) -> dict[str, Any]:
        return {"case_status": value if value in load_triage_rules()["case_status"] else "none"}
