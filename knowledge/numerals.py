"""Chinese numerals as statutes write them (第一百一十三条 → 113)."""

from __future__ import annotations

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4,
           "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_UNITS = {"十": 10, "百": 100, "千": 1000}

CHINESE_DIGITS = "零〇一二三四五六七八九两"
CHINESE_NUMERAL_CHARS = CHINESE_DIGITS + "十百千"


def parse_chinese_numeral(text: str) -> int:
    """Parse a Chinese numeral below 10000 (十 → 10, 一百零三 → 103, 二十 → 20).

    Accepts the forms statutes use (一百一十三, 一百零三, 十三) and plain Arabic
    digits; refuses colloquial short forms (百一十三, 一百二) that no statute writes.

    Raises:
        ValueError: if ``text`` is empty or not a well-formed numeral.
    """
    if not text:
        raise ValueError("empty numeral")
    if text.isascii() and text.isdigit():
        return int(text)
    total = 0
    digit: int | None = None
    last_unit = 10_000
    zero_pending = False
    for i, ch in enumerate(text):
        if ch in _DIGITS:
            if digit is not None:
                raise ValueError(f"two digits in a row in {text!r}")
            digit = _DIGITS[ch]
            if digit == 0:
                if i == 0 or zero_pending:
                    raise ValueError(f"misplaced 零 in {text!r}")
                zero_pending = True
                digit = None
        elif ch in _UNITS:
            unit = _UNITS[ch]
            if unit >= last_unit:
                raise ValueError(f"units out of order in {text!r}")
            if last_unit < 10_000 and zero_pending != (unit * 10 < last_unit):
                # 零 stands for skipped places and only for them: 一千零一十, not 一千一十 or 一千零一百
                raise ValueError(f"零 where no place is skipped, or a place skipped without 零, in {text!r}")
            if digit is None:
                # 十 alone at the start means 一十 (十三 = 13); anywhere else a unit needs a digit.
                if unit == 10 and i == 0:
                    digit = 1
                else:
                    raise ValueError(f"unit without digit in {text!r}")
            total += digit * unit
            digit = None
            last_unit = unit
            zero_pending = False
        else:
            raise ValueError(f"not a Chinese numeral: {text!r}")
    if digit is not None:
        if not zero_pending and 10 < last_unit < 10_000:
            # 一百二 is colloquial for 120; statutes never write it, so refuse it.
            raise ValueError(f"digit after {last_unit} without 零 or unit in {text!r}")
        if zero_pending and last_unit < 100:
            raise ValueError(f"零 where no place is skipped in {text!r}")   # 十零一
        total += digit
    elif zero_pending:
        raise ValueError(f"trailing 零 in {text!r}")
    return total


def to_chinese_numeral(n: int) -> str:
    """Write ``n`` (1–9999) as a statute would: 113 → 一百一十三, 10 → 十, 103 → 一百零三."""
    if not 0 < n < 10_000:
        raise ValueError(f"out of range: {n}")
    digits = "零一二三四五六七八九"
    parts: list[str] = []
    units = [(1000, "千"), (100, "百"), (10, "十"), (1, "")]
    started = False
    zero = False
    for value, name in units:
        d = (n // value) % 10
        if d == 0:
            if started:
                zero = True
            continue
        if zero:
            parts.append("零")
            zero = False
        if value == 10 and d == 1 and not started:
            parts.append("十")
        else:
            parts.append(digits[d] + name)
        started = True
    return "".join(parts)
