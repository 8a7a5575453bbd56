"""Query normalisation: what a citizen types becomes something searchable, or a clear error."""

from __future__ import annotations

import functools
import re
import unicodedata

from .errors import QueryError

MAX_QUERY_CHARS = 2000
_CONTROL = re.compile(r"[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]")
_SPACES = re.compile(r"\s+")


@functools.lru_cache(maxsize=1)
def _t2s():
    from opencc import OpenCC

    return OpenCC("t2s")


@functools.lru_cache(maxsize=4096)
def to_simplified(text: str) -> str:
    """Traditional → simplified Chinese (idempotent on simplified text)."""
    if text.isascii():
        return text
    return _t2s().convert(text)


def normalize_text(text: str) -> str:
    """NFKC (full-width letters and digits → half-width), no control characters,
    single spaces, simplified characters. Never raises."""
    text = unicodedata.normalize("NFKC", text)
    text = _CONTROL.sub(" ", text)
    text = _SPACES.sub(" ", text).strip()
    return to_simplified(text)


def normalize_query(query: object, max_chars: int = MAX_QUERY_CHARS) -> str:
    """Normalise a search query or raise QueryError with a message a person can act on."""
    if not isinstance(query, str):
        raise QueryError("查询内容必须是文字。")
    if len(query) > max_chars:
        raise QueryError(f"问题太长了（{len(query)} 字），请控制在 {max_chars} 字以内，简要说明您的问题。")
    text = normalize_text(query)
    if not text:
        raise QueryError("请输入要查询的问题。")
    if not any(ch.isalnum() for ch in text):
        raise QueryError("没有看懂这个问题，请用文字描述您想了解的事情。")
    return text
