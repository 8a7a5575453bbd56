"""Personal information: masked before anything is logged or stored; user ids hashed with a key.

个人信息保护法 第五十一条 asks for measures such as de-identification; here ID numbers,
phone numbers, bank cards and e-mail addresses are replaced by a label before the
text reaches logs or analytics, so no store ever holds them; the dialogue engine reads
the text with the masked numbers left out (``for_dialogue``), and the citizen is
reminded not to send them (``PRIVACY_REMINDER``).
"""

from __future__ import annotations

import hashlib
import hmac
import re

_PATTERNS = [
    ("[身份证号]", re.compile(r"(?<![0-9A-Za-z])[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx](?![0-9A-Za-z])")),
    ("[银行卡号]", re.compile(r"(?<!\d)(?:\d[ -]?){15,18}\d(?!\d)")),
    ("[手机号]", re.compile(r"(?<!\d)(?:\+?86[ -]?)?1[3-9]\d[ -]?\d{4}[ -]?\d{4}(?!\d)")),
    ("[电话号码]", re.compile(r"(?<!\d)0\d{2,3}[ -]?\d{7,8}(?!\d)")),
    ("[邮箱]", re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")),
]


def mask_pii(text: str) -> str:
    for label, pattern in _PATTERNS:
        text = pattern.sub(label, text)
    return text


# Said after the answer whenever something was masked: the citizen learns not to send it again.
PRIVACY_REMINDER = ("提醒：为保护您的隐私，请不要在这里发送身份证号、手机号、银行卡号等个人信息。"
                    "刚才消息里的这类信息已自动隐去，没有被记录；办理时请直接提供给受理机关。")
_LABELS = "|".join(re.escape(label[1:-1]) for label, _ in _PATTERNS)
# a masked number with what introduced it: 「我身份证号是[身份证号]，」「手机：[手机号]」
_MASKED_CLAUSE = re.compile(r"(?:(?:我的?)?(?:身份证号?码?|手机号?码?|电话号?码?|联系电话|银行卡号?|卡号|邮箱|账号)"
                            r"\s*(?:是|为|:|：)?\s*)?\[(?:" + _LABELS + r")\][，,。；;、\s]*")


def for_dialogue(masked: str) -> str:
    """The masked text with the masked numbers and their lead-ins left out, for reading intent.

    「我身份证号是[身份证号]，手机[手机号]，公司欠我工资」 is a wage question; the labels only
    make it look like something else. A text that was nothing but numbers stays as it is.
    """
    rest = _MASKED_CLAUSE.sub("", masked).strip()
    return rest or masked


def hash_user_id(user_id: str, key: str, namespace: str = "web") -> str:
    """A keyed hash: stable per user, useless without the key (HMAC-SHA256, 32 hex chars)."""
    digest = hmac.new(key.encode(), f"{namespace}:{user_id}".encode(), hashlib.sha256).hexdigest()
    return f"{namespace}-{digest[:32]}"
