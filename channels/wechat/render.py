"""What the account says: an assistant turn as WeChat text, and the fixed texts of the channel.

The web widget shows citations with their full article text; a chat message cannot
carry that, so citations the answer has not already named are condensed to one
line (「依据：《信访工作条例》第三十五条」) and quick-reply buttons become a short
"您可以这样问" list.
"""

from __future__ import annotations

from typing import Any

MAX_INPUT_CHARS = 2000  # the same limit as /api/chat

APOLOGY = "抱歉，服务暂时出了点问题，没能回答您的问题。请过几分钟再发一次；情况紧急请直接拨打 110。"
LONG_INPUT_NOTE = f"（您的消息较长，我只读了前 {MAX_INPUT_CHARS} 字；如有遗漏，请分几次发送。）"
CAPABILITIES = ("请用文字描述您遇到的问题（例如“公司拖欠工资怎么办”），我会说明该走哪条法定途径、"
                "找谁办、有什么期限，并附上法律依据。")
UNSUPPORTED = {
    "voice": "抱歉，我暂时听不了语音。",
    "image": "抱歉，我暂时看不了图片。",
    "video": "抱歉，我暂时看不了视频。",
    "shortvideo": "抱歉，我暂时看不了视频。",
    "location": "收到您的位置了，不过我暂时不能按定位查询；可以直接告诉我您在哪个区县。",
    "link": "抱歉，我暂时打不开链接。",
    "file": "抱歉，我暂时打不开文件。",
}
EMPTY_TEXT = "没有收到文字内容。"


def unsupported_text(kind: str) -> str:
    return UNSUPPORTED.get(kind, "抱歉，我暂时只能处理文字消息。") + CAPABILITIES


def empty_text() -> str:
    return EMPTY_TEXT + CAPABILITIES


def citations_line(payloads: list[dict[str, Any]], already: str, limit: int = 4) -> str | None:
    names: list[str] = []
    for p in payloads:
        for c in p.get("citations", []):
            name = c.get("citation") or (f"《{c['law']}》第{c['article']}条" if c.get("law") else None)
            if name and name not in names and name not in already:
                names.append(name)
    return "依据：" + "、".join(names[:limit]) if names else None


def quick_replies(messages: list[dict[str, Any]], limit: int = 5) -> str | None:
    titles = [b["title"] for m in messages for b in m.get("buttons", []) if b.get("title")]
    return "您可以这样问：\n" + "\n".join(f"· {t}" for t in titles[:limit]) if titles else None


def turn_text(turn, note: str | None = None) -> str:
    """One assistant turn (``bot.conversation.Turn``) as the text of a WeChat message (before splitting)."""
    body = "\n\n".join(t.strip() for t in turn.texts if t and t.strip())
    extra = [x for x in (citations_line(turn.payloads, body), quick_replies(turn.messages)) if x]
    text = "\n\n".join([x for x in (note, body) if x] + extra)
    return text or APOLOGY
