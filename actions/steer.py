"""Escalation talk (越级上访、堵门、去北京): the lawful route first, then what the rules say — no threats."""

from __future__ import annotations

import re

from rasa_sdk.events import SlotSet

from .base import XinfangAction, find_pack, region_of
from .context import names_topic
from .deadline import XINFANG_ROUTE
from .render import DISCLAIMER, Reply, lead_paragraphs, legal_hotline
from .triage import ActionTriage, triage_reply

# Articles quoted, in this order: where to visit (本级或者上一级, 涉诉 to the 政法部门, at most 5
# representatives), what is not allowed, what follows; each as its first paragraphs up to QUOTE_CHARS.
STEER_ARTICLES = ["xinfang_gongzuo_tiaoli_2022#20", "xinfang_gongzuo_tiaoli_2022#26",
                  "xinfang_gongzuo_tiaoli_2022#47"]
QUOTE_CHARS = 150
# What escalation talk says: where to go over heads, what to block or make public. Every
# threaten_escalation example in data/nlu names one (tests/actions). A text read as escalation
# that names none (「他们说是民事纠纷让我自己解决」) is a problem told, and gets no rules on visits.
ESCALATION = re.compile(
    "上访|上訪|越级|北京|进京|上京|京城|中央|国务院|天安门|省里|省城|省政府|省委|省长|市长|市委|更上面|往上告|告状|"
    "告御状|堵|闹|横幅|橫幅|条幅|静坐|坐着|跪|曝光|媒体|记者|抖音|发视频|网上|传单|揭发|讨.{0,2}说法|要个说法|"
    "讨个公道|豁出去|集体|一起去|都去|全家|一家老小|门口|大门|国家信访局"
)


# where one escalates to, which names no matter of its own (「去政府门口」「去信访局」)
PLACES = re.compile("政府|信访局|信访办|信访")
ASK_MATTER = ("您遇到的是什么事？比如欠工资、征地拆迁、对政府部门的决定不服、法院的案子、邻里纠纷……"
              "把事情的经过说一说，我帮您找到管这件事的部门和办法。")


def names_escalation(text: str) -> bool:
    return bool(ESCALATION.search(text))


def names_matter(text: str) -> bool:
    """Whether escalation talk also says what the matter is (「工资拖了半年不给，我要去北京上访」), its
    escalation words and the places one escalates to left out: 「这回我就去北京」「带人去堵政府大门」 do not."""
    return names_topic(PLACES.sub("", ESCALATION.sub("", text)))


def steer_reply(rt, text: str, region: str | None, matter: str | None = None) -> Reply:
    """The route for ``matter`` first, then the rules on visits. With no matter known, no route is guessed
    from the escalation words themselves (「这回我就去北京」 once got labour arbitration): the person is
    asked what the matter is, and 信访's own card says how to raise it lawfully."""
    kb = rt.kb
    if matter is None:
        reply = Reply("steer", needs_clarification=True)
        reply.texts.append(ASK_MATTER)
        card = kb.routes[XINFANG_ROUTE]
        reply.add_route(kb, card, card.summary, find_pack(rt, region))
        reply.texts.append(DISCLAIMER.format(legal_hotline=legal_hotline(kb, find_pack(rt, region))))
    else:
        reply = triage_reply(rt, matter, rt.classifier.classify(matter), region)
        reply.kind = "steer"
    intro = "理解您着急的心情。把问题真正解决，最有效的是走对途径。"
    reply.texts.insert(0, intro)
    notes = []
    for aid in STEER_ARTICLES:
        art = kb.corpus.article(aid)
        notes.append(f"{kb.corpus.citation(aid)}：“{lead_paragraphs(art.text.split(' ', 1)[-1], QUOTE_CHARS)}”")
        reply.cite(kb, aid)
    reply.texts.insert(len(reply.texts) - 1, "另外，关于走访的方式，条例是这样规定的，供您参考：\n" + "\n".join(notes))
    return reply


class ActionSteer(XinfangAction):
    def name(self) -> str:
        return "action_steer"

    def respond(self, rt, tracker, text):
        if names_escalation(text):
            if names_matter(text):
                return steer_reply(rt, text, region_of(tracker), matter=text), [SlotSet("problem_text", text)]
            # 「不解决我就去北京」 after a matter is about that matter
            return steer_reply(rt, text, region_of(tracker), matter=tracker.get_slot("problem_text")), []
        if not tracker.active_loop_name:
            # a problem told: triaged as any description is (the clarifying questions when it is vague)
            return ActionTriage().respond(rt, tracker, text)
        # Inside the clarifying form, which the rules close next: said about the matter being
        # clarified, and answered with it now (no second round of questions).
        previous = tracker.get_slot("problem_text")
        matter = f"{previous}，{text}" if previous and text not in previous else text
        triage = rt.classifier.classify(matter, tracker.get_slot("problem_domain"), tracker.get_slot("case_status"))
        return triage_reply(rt, matter, triage, region_of(tracker)), [SlotSet("problem_text", matter)]

