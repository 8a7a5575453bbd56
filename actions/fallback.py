"""What is not a legal question: a bare yes or no, emoji, a complaint about the bot, out of scope, a
message the NLU could not read. Never made-up law: the human channels instead."""

from __future__ import annotations

from .answer import answer_in_its_terms
from .render import Reply, channels_for
from .turn import Matter, Turn

ACK_TEXTS = {
    "affirm": "好的。还有想问的，直接说说您遇到的事就行，我帮您看该走什么途径、找谁办。",
    "deny": "明白了。如果我刚才理解得不对，可以换个说法再说说您的情况：发生了什么事、对方是谁、现在到了哪一步。",
}
SORRY = "抱歉，刚才没能帮上您。可以换个说法，把遇到的事说具体一些：发生了什么、对方是谁、现在到了哪一步，我再帮您看该找谁、怎么办。"
OUT_OF_SCOPE = ("这个问题不在我能帮忙的范围里。我能做的是：说明信访和各类法定途径怎么走、找谁办、期限多长，并附上法律条文。"
                "您可以直接说说遇到的问题。")
OUT_OF_SCOPE_LEGAL = ("这类问题（比如刑事辩护和量刑、税务筹划、起草合同文书、出入境）不属于信访和法定途径分流的范围，"
                      "我这里没有可以给您的途径。需要法律咨询的，可以找下面的渠道或咨询律师：")


def human_lines(turn: Turn) -> str:
    kb = turn.rt.kb
    return "\n".join(channels_for(kb, list(turn.words.human_channels), turn.pack))


def listening(turn: Turn) -> tuple[Reply, Matter]:
    """「😭😭😭」「？？？」: nothing to look up, and the closest articles would only be noise."""
    reply = Reply("fallback")
    reply.texts.append("我在听。如果愿意，跟我说说发生了什么事、对方是谁，我帮您看看该找谁、怎么办。")
    reply.texts.append("也可以直接找人工：\n" + human_lines(turn))
    return reply, turn.remembered()


def acknowledgement(turn: Turn) -> tuple[Reply, Matter]:
    """No provisions and no routes: a bare 「好的」 has nothing to look up."""
    return Reply("ack", texts=[ACK_TEXTS.get(turn.intent or "", ACK_TEXTS["affirm"])]), turn.remembered()


def sorry(turn: Turn) -> tuple[Reply, Matter]:
    """Unhappy with the bot itself: an apology and the human channels, not the provisions closest to it."""
    reply = Reply("fallback")
    reply.texts.append(SORRY)
    reply.texts.append("也可以直接找人工：\n" + human_lines(turn))
    return reply, turn.remembered()


def human(turn: Turn) -> tuple[Reply, Matter]:
    """The human channels; and when the message also asks what an article answers in its own terms
    (「接访的工作人员冲我摔东西，我能投诉他吗」), that answer first."""
    reply = Reply("human")
    found = answer_in_its_terms(turn) if turn.asks else None
    if found is not None:
        _title, body, cited = found
        reply.texts.append(body)
        reply.extra["quoted"] = cited
        for aid in cited:
            reply.cite(turn.rt.kb, aid)
    reply.texts.append("可以通过这些渠道找到工作人员：\n" + human_lines(turn))
    if turn.pack:
        reply.texts.append("本地：" + "、".join(o.name for o in turn.pack.offices))
    return reply, turn.remembered()


def out_of_scope(turn: Turn) -> tuple[Reply, Matter]:
    """No routes: what the bot does instead; a legal question out of scope gets the legal hotline too."""
    reply = Reply("out_of_scope")
    if turn.intent == "out_of_scope":
        reply.texts.append(OUT_OF_SCOPE)
    else:
        reply.texts.append(OUT_OF_SCOPE_LEGAL + "\n" + human_lines(turn))
    return reply, turn.remembered()


def unsure(turn: Turn) -> tuple[Reply, Matter]:
    """The NLU could not read it: the closest provisions named (not quoted as an answer), the human
    channels, and the best guess at routes."""
    kb = turn.rt.kb
    reply = Reply("fallback")
    reply.texts.append("这个问题我还没有把握回答，不想误导您。")
    hits = turn.rt.retriever.search(turn.text, k=3)
    if hits:
        reply.texts.append("可能相关的规定：" + "、".join(h.citation for h in hits if h.citation))
        for h in hits:
            if h.article is not None:
                reply.cite(kb, h.id)
    reply.texts.append("也可以找人工咨询：\n" + human_lines(turn))
    if not turn.triage.out_of_scope:
        reply.add_ranking(kb, turn.triage.ranking, turn.pack, turn.text)
    return reply, turn.remembered()
