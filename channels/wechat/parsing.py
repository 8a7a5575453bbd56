"""Untrusted XML in, typed messages out.

wechatpy parses with xmltodict, which (in the xmltodict 1.0 we install) refuses
entity declarations with a ``ValueError`` that wechatpy does not catch; older
xmltodict releases expanded them, and nothing in wechatpy pins the version. So
every body is first parsed by defusedxml with DTDs forbidden outright (WeChat never
sends one): billion laughs, quadratic blow-up and external entities (XXE) are
refused before wechatpy sees a byte. wechatpy then turns the checked XML into its
message classes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from wechatpy import parse_message
from wechatpy.messages import BaseMessage

from .errors import BadMessage

OPENID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def checked_fields(body: bytes | str) -> dict[str, str]:
    """The children of ``<xml>`` as a flat dict; raises BadMessage for anything else."""
    if not body or not (body.strip() if isinstance(body, str) else body.strip()):
        raise BadMessage("请求体为空。", "wechat.request.empty")
    try:
        root: Element = fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise BadMessage("不接受含 DTD 或实体声明的 XML。", "wechat.request.xml_forbidden") from None
    except (ParseError, ValueError, UnicodeError):
        raise BadMessage("XML 格式错误。", "wechat.request.xml_malformed") from None
    if root.tag != "xml":
        raise BadMessage("XML 根元素应为 <xml>。", "wechat.request.xml_malformed")
    return {child.tag: (child.text or "") for child in root}


@dataclass(frozen=True)
class Inbound:
    """One authenticated message from WeChat, reduced to what the connector needs."""

    kind: str            # text, image, voice, video, shortvideo, location, link, event, ...
    openid: str          # FromUserName: never logged or stored in clear
    account: str         # ToUserName: the account's original id (gh_...)
    create_time: str
    msg_id: str | None
    content: str = ""    # text messages; a voice message's speech recognition, when enabled
    event: str = ""      # subscribe, unsubscribe, CLICK, ... (lower case)

    def dedup_key(self, user_hash: str) -> str:
        """MsgId for messages, FromUserName + CreateTime for events (as WeChat's docs advise), hashed."""
        if self.msg_id:
            return f"msg:{self.msg_id}"
        return f"evt:{user_hash}:{self.create_time}:{self.event}"


def parse_inbound(xml: bytes | str) -> Inbound:
    fields = checked_fields(xml)
    for required in ("FromUserName", "MsgType"):
        if not fields.get(required):
            raise BadMessage(f"消息缺少 {required}。", "wechat.request.incomplete")
    if not OPENID.match(fields["FromUserName"]):
        raise BadMessage("FromUserName 格式不对。", "wechat.request.incomplete")
    msg_id = fields.get("MsgId") or None
    if msg_id is not None and not re.fullmatch(r"[0-9A-Za-z_-]{1,64}", msg_id):
        raise BadMessage("MsgId 格式不对。", "wechat.request.incomplete")
    create_time = fields.get("CreateTime", "")
    if not re.fullmatch(r"\d{1,12}", create_time):
        raise BadMessage("CreateTime 格式不对。", "wechat.request.incomplete")
    try:
        message: BaseMessage = parse_message(xml)
    except Exception:  # wechatpy's parser raises whatever xmltodict or a field converter raises
        raise BadMessage("无法解析的消息。", "wechat.request.xml_malformed") from None
    kind = (message.type or fields["MsgType"]).lower()
    content = ""
    if kind == "text":
        content = message.content or ""
    elif kind == "voice":
        content = (getattr(message, "recognition", None) or "").strip()
    event = (fields.get("Event") or "").lower() if kind == "event" else ""
    return Inbound(kind=kind, openid=fields["FromUserName"], account=fields.get("ToUserName", ""),
                   create_time=create_time, msg_id=msg_id, content=content, event=event)
