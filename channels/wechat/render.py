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


MORE_COMMANDS = frozenset({"1", "１", "详细", "查看详细", "详细说明"})
MORE_HINT = "回复“1”查看详细说明（谁来办、怎么办、要带的材料、法律条文）。"
NO_MORE = "暂时没有可以展开的详细说明。请直接说说您遇到的问题。"


def card_text(card: dict[str, Any]) -> str:
    """A route card (the widget's payload) as plain text: what the widget shows folded."""
    lines = [f"【{card.get('name', '')}】{card.get('summary', '')}"]
    for label, key in (("谁来办", "who"), ("怎么办", "how"), ("费用", "fees")):
        if card.get(key):
            lines.append(f"{label}：{card[key]}")
    if card.get("materials"):
        lines.append("材料：" + "；".join(card["materials"]))
    for d in card.get("deadlines") or []:
        lines.append(f"期限：{d.get('label', '')}——“{d.get('text', '')}”（{d.get('citation', '')}）")
    channel = card.get("channel") or {}
    if channel.get("display"):
        lines.append(f"渠道：{channel['display']}")
    if card.get("next"):
        lines.append(f"后续：{card['next']}")
    basis = [b.get("citation") for b in card.get("basis") or [] if b.get("citation")]
    if basis:
        lines.append("依据：" + "、".join(basis[:4]))
    return "\n".join(lines)


def details_text(turn) -> str | None:
    """What the widget folds under the short plan, for 「回复1」: the details, then the first route card."""
    sections = [f"【{d.get('title', '')}】\n{d.get('text', '')}" for p in turn.payloads for d in p.get("details") or []
                if d.get("text")]
    cards = [c for p in turn.payloads for c in p.get("cards") or []]
    if cards:
        sections.append(card_text(cards[0]))
    return "\n\n".join(sections) or None


def turn_text(turn, note: str | None = None, more: bool = False) -> str:
    """One assistant turn (``bot.conversation.Turn``) as the text of a WeChat message (before splitting):
    its messages (the short plan first), the citations condensed, and, when ``more``, how to get the details."""
    body = "\n\n".join(t.strip() for t in turn.texts if t and t.strip())
    extra = [x for x in (citations_line(turn.payloads, body), quick_replies(turn.messages)) if x]
    text = "\n\n".join([x for x in (note, body) if x] + extra + ([MORE_HINT] if more else []))
    return text or APOLOGY
