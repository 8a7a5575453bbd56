"""Unknown or out of scope: say so, show the closest provisions and the human channels. Never make up law."""

from __future__ import annotations

import re

from knowledge.coverage import content_words
from knowledge.crisis import detect_crisis

from .answer import answer_question, follow_up
from .base import HUMAN_CHANNELS, XinfangAction, find_pack, intent_of, region_of
from .context import how_long_of_nothing_named, names_topic, own_words, remembered
from .deadline import which_matter_reply
from .render import Reply, channels_for
from .triage import ActionTriage

# 「好的」「嗯嗯」「不是」「不对不对」 said on their own: a reply to the bot, not a question. Longer
# texts, and short ones that ask something (「不对，应该找谁」), get the fallback.
ACK_MAX_CHARS = 8
ACK_TEXTS = {
    "affirm": "好的。还有想问的，直接说说您遇到的事就行，我帮您看该走什么途径、找谁办。",
    "deny": "明白了。如果我刚才理解得不对，可以换个说法再说说您的情况：发生了什么事、对方是谁、现在到了哪一步。",
}
# Harm told (「被他们几个打得头破血流」「被骗了三万」): a problem, whatever small talk it was taken for
HARM = re.compile(r"被.{0,8}(打|骗|偷|抢|砸|伤|欺负|威胁|拘|扣|拆|占)|打(伤|得|了我)|头破血流|受了?伤|"
                  r"欠(我|俺)|不(给|还|发)(我|俺)?钱|拖欠|讹")
# Unhappy with the bot itself (「你这破机器说的啥玩意 一点用没有」): an apology and the human channels,
# not the provisions closest to the complaint (it once got 个人信息保护法 and 工伤保险条例). The bot must be
# named as such: 「你们信访局一点用没有」「这调解协议签了一点用没有」 are matters.
ABOUT_THE_BOT = re.compile(r"(机器人?|小?助手|客服|人工智能).{0,8}(没用|没有用|一点用|废物|垃圾|听不懂|答非所问|胡说|瞎说|"
                           r"乱说|不靠谱|啥玩意|什么玩意)|破机器|你(说|答|回答|讲)的(都是|是)?(啥玩意|什么玩意|废话|没用)")
SORRY = "抱歉，刚才没能帮上您。可以换个说法，把遇到的事说具体一些：发生了什么、对方是谁、现在到了哪一步，我再帮您看该找谁、怎么办。"
WORDS = re.compile(r"[^\W_]")   # a letter, digit or character: emoji and punctuation alone are none
# not 呢: 「没有呢」 is an answer; 「会不会」「能不能」 ask (「信访局会不会把我的名字告诉我告的那个人」),
# but not inside a doubled no (「不会不会」「不是不是」「没有没有」)
ASKS = re.compile(r"[?？吗谁哪几啥]|怎么|什么|多少|咋|(?<![不没])(会不会|能不能|可不可以|行不行|是不是|有没有)")


def is_acknowledgement(intent: str | None, text: str) -> bool:
    """A bare yes or no (an emoji alone too), not crisis words and not a question."""
    return (intent in ACK_TEXTS and len(re.sub(r"[\W_]+", "", text)) <= ACK_MAX_CHARS
            and not ASKS.search(text) and detect_crisis(text) is None)


def acknowledgement_reply(intent: str) -> Reply:
    """No provisions and no routes: a bare 「好的」 has nothing to look up, and the closest
    articles to it would only be noise presented as law.

    Inside the clarifying form a yes or no is the form's answer (「其他」, 「没有」) and never
    reaches this action.
    """
    return Reply("ack", texts=[ACK_TEXTS[intent]])


def fallback_reply(rt, text: str, out_of_scope: bool, region: str | None = None) -> Reply:
    kb = rt.kb
    pack = find_pack(rt, region)
    reply = Reply("out_of_scope" if out_of_scope else "fallback")
    if not WORDS.search(text):
        # 「😭😭😭」「？？？」: nothing to look up, and the closest articles would only be noise
        reply.texts.append("我在听。如果愿意，跟我说说发生了什么事、对方是谁，我帮您看看该找谁、怎么办。")
        reply.texts.append("也可以直接找人工：\n" + "\n".join(channels_for(kb, HUMAN_CHANNELS, pack)))
        return reply
    if ABOUT_THE_BOT.search(text) and not HARM.search(text):
        reply.texts.append(SORRY)
        reply.texts.append("也可以直接找人工：\n" + "\n".join(channels_for(kb, HUMAN_CHANNELS, pack)))
        return reply
    if out_of_scope:
        reply.texts.append("这个我帮不上忙。我能做的是：说明信访和各类法定途径怎么走、找谁办、期限多长，并附上法律条文。"
                           "您可以直接说说遇到的问题。")
        return reply
    reply.texts.append("这个问题我还没有把握回答，不想误导您。")
    hits = rt.retriever.search(text, k=3) if text.strip() else []
    if hits:
        reply.texts.append("可能相关的规定：" + "、".join(h.citation for h in hits if h.citation))
        for h in hits:
            if h.article is not None:
                reply.cite(kb, h.id)
    reply.texts.append("也可以找人工咨询：\n" + "\n".join(channels_for(kb, HUMAN_CHANNELS, pack)))
    if text.strip():
        # Not sure what was meant, but not out of scope either: the best guess at routes still helps.
        reply.add_ranking(kb, rt.classifier.classify(text).ranking, pack, text)
    return reply


class ActionFallback(XinfangAction):
    def name(self) -> str:
        return "action_fallback"

    def respond(self, rt, tracker, text):
        intent = intent_of(tracker).get("name")
        if is_acknowledgement(intent, text):
            return acknowledgement_reply(intent), []
        if intent == "out_of_scope" and HARM.search(text) and not tracker.active_loop_name:
            # never brushed off as out of scope: triaged as any description is
            return ActionTriage().respond(rt, tracker, text)
        if intent != "out_of_scope" and how_long_of_nothing_named(tracker, text):
            return which_matter_reply(rt, region_of(tracker)), []   # 「多久能有结果」, the NLU unsure
        follow = follow_up(rt, tracker, text, strict=intent == "out_of_scope")
        if follow:   # 「那去哪」 after 「公司欠我三个月工资」: a question about that matter
            return answer_question(rt, follow.question, region_of(tracker), follow=follow), []
        if (intent != "out_of_scope" and ASKS.search(text) and names_topic(text)
                and content_words(rt.retriever.index.tokenizer, own_words(text))):
            # 「那去哪调解」: the NLU was unsure which kind of question, but it asks about a procedure.
            # Answered only when an article found speaks to one of its words (knowledge/coverage):
            # with no word to check, the first article would be quoted unchecked.
            reply = answer_question(rt, text, region_of(tracker), asked=own_words(text), strict=True)
            if reply.kind == "answer":
                return reply, remembered(text, text)
        return fallback_reply(rt, text, intent == "out_of_scope", region_of(tracker)), []


class ActionHumanHelp(XinfangAction):
    def name(self) -> str:
        return "action_human_help"

    def respond(self, rt, tracker, text):
        pack = find_pack(rt, region_of(tracker))
        reply = Reply("human")
        reply.texts.append("可以通过这些渠道找到工作人员：\n" + "\n".join(channels_for(rt.kb, HUMAN_CHANNELS, pack)))
        if pack:
            reply.texts.append("本地：" + "、".join(o.name for o in pack.offices))
        return reply, []
