"""Welcome: what the assistant does, the disclaimer and the privacy notice, quick replies."""

from __future__ import annotations

from .render import Reply, legal_hotline
from .turn import Matter, Turn

QUICK_REPLIES = [
    ("怎么提出信访？", "怎么提出信访"),
    ("对信访处理意见不服怎么办？", "对信访处理意见不服怎么办"),
    ("公司拖欠工资", "公司拖欠我的工资不给"),
    ("对政府的处罚决定不服", "对政府部门的处罚决定不服怎么办"),
    ("人工服务", "我要找人工"),
]


def welcome(turn: Turn) -> tuple[Reply, Matter]:
    return welcome_reply(turn.rt), turn.remembered()


def welcome_reply(rt) -> Reply:
    reply = Reply("welcome")
    reply.texts.append("您好，我是信访法治导引助手。告诉我您遇到的问题，我会说明该走哪条法定途径、找谁、怎么办、"
                       "有什么期限，并附上法律条文。")
    reply.texts.append("提示：我提供的是一般性法律信息，不是个案法律意见；具体情况可拨打 "
                       f"{legal_hotline(rt.kb)} 或咨询律师。为保护您的隐私，请不要发送身份证号、银行卡号、"
                       "手机号等个人信息。")
    reply.buttons = [{"title": t, "payload": p} for t, p in QUICK_REPLIES]
    return reply
