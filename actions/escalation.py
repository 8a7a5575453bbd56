"""What escalation talk says (越级上访、堵门、去北京), and the rules on visits an answer to it quotes;
read by the steer action and the triage.

``ESCALATION`` is any talk of going over heads, blocking or making public: the NLU's
threaten_escalation examples all name one of its words (tests/actions), and a text read as
escalation that names none (「他们说是民事纠纷让我自己解决」) is a problem told. ``DISRUPTIVE`` is
the narrower part that a description of a matter may carry (「再不给我就去北京上访」「明天去高速路口
拦车」): said with the matter, the matter is answered and the rules on visits follow. It names the
act, not a place, so 「我在北京打工」「去省医院看病」「前夫老来闹」 are no threat.
"""

from __future__ import annotations

import re

from .context import names_topic
from .render import Reply, lead_paragraphs

ESCALATION = re.compile(
    "上访|上訪|越级|北京|进京|上京|京城|中央|国务院|天安门|省里|省城|省政府|省委|省长|市长|市委|更上面|往上告|告状|"
    "告御状|堵|闹|横幅|橫幅|条幅|静坐|坐着|跪|曝光|媒体|记者|抖音|发视频|网上|传单|揭发|讨.{0,2}说法|要个说法|"
    "讨个公道|豁出去|集体|一起去|都去|全家|一家老小|门口|大门|国家信访局"
)
DISRUPTIVE = re.compile(
    "(去|到|跑|进|上)(北京|京城|天安门|中南海)|进京|上京|越级|(去|到)省(里|委|政府)|"
    "(去|要|就|带人).{0,8}(堵|拦)(?!不住)|堵(门|路|大门|政府)|横幅|橫幅|条幅|静坐|豁出去"
)
# Articles quoted after escalation talk, in this order: where to visit (本级或者上一级, 涉诉 to the 政法部门,
# at most 5 representatives), what is not allowed, what follows; each as its first paragraphs up to QUOTE_CHARS.
VISIT_ARTICLES = ["xinfang_gongzuo_tiaoli_2022#20", "xinfang_gongzuo_tiaoli_2022#26",
                  "xinfang_gongzuo_tiaoli_2022#47"]
QUOTE_CHARS = 150
INTRO = "理解您着急的心情。把问题真正解决，最有效的是走对途径。"
# where one escalates to, which names no matter of its own (「去政府门口」「去信访局」); 信访 alone is one
# (「我的信访事项三个月没人管」)
PLACES = re.compile("政府|信访局|信访办")


def names_escalation(text: str) -> bool:
    return bool(ESCALATION.search(text))


def disrupts(text: str) -> bool:
    return bool(DISRUPTIVE.search(text))


def names_matter(text: str) -> bool:
    """Whether escalation talk also says what the matter is (「工资拖了半年不给，我要去北京上访」), its
    escalation words and the places one escalates to left out: 「这回我就去北京」「带人去堵政府大门」 do not."""
    return names_topic(PLACES.sub("", ESCALATION.sub("", text)))


def with_visit_rules(kb, reply: Reply) -> Reply:
    """``reply`` as an answer to escalation talk: a word of understanding first, then, before the closing
    disclaimer, what the 信访工作条例 says of visits, quoted and cited; no threats."""
    reply.kind = "steer"
    reply.texts.insert(0, INTRO)
    notes = []
    for aid in VISIT_ARTICLES:
        art = kb.corpus.article(aid)
        notes.append(f"{kb.corpus.citation(aid)}：“{lead_paragraphs(art.text.split(' ', 1)[-1], QUOTE_CHARS)}”")
        reply.cite(kb, aid)
    reply.texts.insert(len(reply.texts) - 1, "另外，关于走访的方式，条例是这样规定的，供您参考：\n" + "\n".join(notes))
    return reply
