"""Long answers cut into WeChat text messages at sentence boundaries.

A text message (passive reply or customer-service) holds at most 2048 bytes of
UTF-8 (see docs/wechat.md for where that figure comes from): about 680 Chinese
characters. Parts are cut after a paragraph if possible, else after a sentence
(。！？；), else after a clause (，、：), and only for one enormous run-on sentence
in the middle of it. Several parts are numbered 「（1/3）」 so the order survives
delivery by two different paths.
"""

from __future__ import annotations

import re

SENTENCE = re.compile(r".+?(?:[。！？!?；;…]+[”’」』）)\]]*|$)", re.S)
CLAUSE = re.compile(r".+?(?:[，,、：:]+|$)", re.S)
LABEL_RESERVE = len("（99/99）".encode())
TRUNCATED = "……（回答较长，后面的内容已省略；请把问题问得更具体一些。）"


def utf8_len(text: str) -> int:
    return len(text.encode("utf-8"))


def _cut_chars(text: str, limit: int) -> list[str]:
    out, current = [], ""
    for ch in text:
        if current and utf8_len(current + ch) > limit:
            out.append(current)
            current = ""
        current += ch
    return out + ([current] if current else [])


def _units(text: str, limit: int) -> list[str]:
    """Pieces no larger than ``limit`` bytes, in order; their concatenation is ``text``."""
    units: list[str] = []
    for para in re.split(r"(?<=\n)", text):
        if utf8_len(para) <= limit:
            units.append(para)
            continue
        for sentence in SENTENCE.findall(para):
            if utf8_len(sentence) <= limit:
                units.append(sentence)
                continue
            for clause in CLAUSE.findall(sentence):
                units.extend([clause] if utf8_len(clause) <= limit else _cut_chars(clause, limit))
    return [u for u in units if u]


def split_text(text: str, max_bytes: int = 2048, max_parts: int | None = None) -> list[str]:
    """At most ``max_parts`` parts, each at most ``max_bytes`` UTF-8 bytes including its 「（i/n）」 label."""
    text = text.strip()
    if not text:
        return []
    if utf8_len(text) <= max_bytes:
        return [text]
    budget = max_bytes - LABEL_RESERVE
    parts: list[str] = []
    current = ""
    for unit in _units(text, budget):
        if current and utf8_len(current + unit) > budget:
            parts.append(current)
            current = ""
        current += unit
    if current:
        parts.append(current)
    parts = [p.strip() for p in parts if p.strip()]
    if max_parts is not None and len(parts) > max_parts:
        parts = parts[:max_parts]
        last = parts[-1]
        while last and utf8_len(last + TRUNCATED) > budget:
            last = last[:-1]
        parts[-1] = last.rstrip() + TRUNCATED
    if len(parts) == 1:
        return parts
    return [f"（{i}/{len(parts)}）{p}" for i, p in enumerate(parts, 1)]
