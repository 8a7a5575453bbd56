"""Personal information: masked before anything is logged or stored; user ids hashed with a key.

个人信息保护法 第五十一条 asks for measures such as de-identification; here ID numbers,
phone numbers, bank cards and e-mail addresses are replaced by a label before the
text reaches the dialogue engine, logs or analytics, so no store ever holds them.
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


def hash_user_id(user_id: str, key: str, namespace: str = "web") -> str:
    """A keyed hash: stable per user, useless without the key (HMAC-SHA256, 32 hex chars)."""
    digest = hmac.new(key.encode(), f"{namespace}:{user_id}".encode(), hashlib.sha256).hexdigest()
    return f"{namespace}-{digest[:32]}"
