"""Personal information: masked before anything is logged or stored; user ids hashed with a key.

个人信息保护法 第五十一条 asks for measures such as de-identification (第七十三条: the text no
longer identifies a person without extra information); here every personal value a citizen
types is replaced by a typed label (``[手机号]``, ``[地址]``, …) before the text reaches the chat
store, logs or analytics, so no store ever holds it; the dialogue engine reads the text with the
masked values left out (``for_dialogue``), and the citizen is reminded not to send them
(``PRIVACY_REMINDER``).

How each kind is found (issue 18), on a copy of the text of the same length with full-width
digits, letters and spaces made ASCII, dashes made "-" and spelled-out numbers of seven or more
digits (一三八…) made digits; the original characters are what gets replaced:

- long digit strings (digits in groups split by single spaces or dashes): an 18-character ID
  whose checksum and birth date hold (``stdnum.cn.ric``) is ``[身份证号]``; else a 16–19-digit
  card that passes Luhn (``stdnum.luhn``) is ``[银行卡号]``; else a number shaped like an ID (an
  area code and a real birth date, 18 or old 15 digits) is still ``[身份证号]``: a mistyped ID
  identifies its owner as well as a correct one, so a failed checksum only decides the label,
  never whether to mask. After a card or ID word (卡号, 身份证…) the number takes that label
  whatever its checksum; any other unbroken run of 15 or more digits (an order number, a
  transfer reference) is masked as ``[号码]``: it may lead to a person, and nothing says it won't.
- mobile and landline numbers by shape (+86, area codes in brackets, extensions); an area-less
  7–8-digit number, a QQ number, a WeChat id and a foreign-shaped passport only after their
  words (座机, QQ, 微信, 护照…); plates and Chinese passport numbers by shape alone.
- addresses: house and building numbers (18号 3栋 2单元 501室) after a road (金山路) or an
  estate or village (阳光花园, 王庄村), with the road or estate name read back to the district
  or the verb before it; or two building units on their own (3栋2单元501). A district or road
  without a number is not personal and stays (湖里区, 金山路那边).
- names: a surname and one or two characters after 叫 (我叫, 老板叫), after a label with a colon or
  a space (反映人：, 联系人 ), after 我是/本人 when a pause follows, before 男/女 in a line of
  particulars, or right before a masked ID, phone or card number (张三 350…).

The words are data (``privacy_words.yaml``); ``xinfang eval masking`` measures the result on
``tests/data/masking_set.yaml``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from stdnum import luhn
from stdnum.cn import ric
from stdnum.exceptions import ValidationError

WORDS_FILE = Path(__file__).with_name("privacy_words.yaml")

ID, CARD, MOBILE, PHONE, EMAIL = "[身份证号]", "[银行卡号]", "[手机号]", "[电话号码]", "[邮箱]"
QQ, WECHAT, PLATE, PASSPORT, ADDRESS, NAME, NUMBER = ("[QQ号]", "[微信号]", "[车牌号]", "[护照号]",
                                                      "[地址]", "[姓名]", "[号码]")
LABELS = (ID, CARD, MOBILE, PHONE, EMAIL, QQ, WECHAT, PLATE, PASSPORT, ADDRESS, NAME, NUMBER)

_CN_DIGITS = "〇零一二三四五六七八九"
# full-width forms to ASCII, the ideographic space to a space, every dash to "-" (0592—5012345)
_WIDE = ({cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
         | dict.fromkeys(map(ord, "‐‑‒–—―﹣−"), 0x2D))
_CN_TO_DIGIT = str.maketrans(_CN_DIGITS, "00123456789")
_CN_NUMBER_RUN = re.compile(f"[{_CN_DIGITS}]{{7,}}")   # a number spelled out: 一三八一二三四五六七八
_CJK = re.compile(r"[\u4e00-\u9fff]")
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]{2,6}$")


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    label: str


def _chars(v: Any, key: str) -> str:
    if not isinstance(v, str) or not v.strip():
        raise ValueError(f"{WORDS_FILE.name}: {key} should be a non-empty string of characters, got {v!r}")
    return "".join(v.split())


def _words(v: Any, key: str) -> list[str]:
    if not isinstance(v, list) or not v or not all(isinstance(w, str) and w.strip() for w in v):
        raise ValueError(f"{WORDS_FILE.name}: {key} should be a non-empty list of words, got {v!r}")
    return sorted(set(v), key=len, reverse=True)     # longest first: 被申请人 before 申请人


def load_words(path: Path = WORDS_FILE) -> dict[str, Any]:
    """The word lists, validated: character sets as strings, word lists longest first."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    char_keys = ("number_units", "plate_provinces", "stop_chars", "name_function_chars",
                 "not_given_name", "surnames")
    word_keys = ("card_lead_ins", "id_lead_ins", "landline_lead_ins", "qq_lead_ins", "wechat_lead_ins",
                 "passport_lead_ins", "road_suffixes", "not_roads", "place_suffixes", "building_units",
                 "house_units", "room_units", "stop_words", "name_lead_ins", "name_label_ins", "name_weak_lead_ins", "name_number_fields",
                 "name_role_words", "name_gender_words", "compound_surnames", "dialogue_lead_ins")
    missing = [k for k in (*char_keys, *word_keys) if k not in raw]
    if missing:
        raise ValueError(f"{path.name}: missing {', '.join(missing)}")
    words: dict[str, Any] = {k: _chars(raw[k], k) for k in char_keys}
    words |= {k: _words(raw[k], k) for k in word_keys}
    if any(len(s) != 2 for s in words["compound_surnames"]):
        raise ValueError(f"{path.name}: compound_surnames should be two characters each")
    return words


def _alt(words: list[str]) -> str:
    return "|".join(re.escape(w) for w in words)


class _Rules:
    """The patterns, compiled once from the word lists."""

    def __init__(self, w: dict[str, Any]) -> None:
        self.w = w
        units = re.escape(w["number_units"])
        self.not_unit = f"(?![{units}])"
        conn = r"[\s:：,，(（]*(?:(?:号码|号|id|no\.?)[\s:：]*)?(?:(?:是|为)[\s:：]*)?"
        self.run = re.compile(r"(?<![0-9A-Za-z])\d+(?:[ \-]\d+)*[Xx]?(?![0-9A-Za-z])")
        self.card_lead = re.compile(f"(?:{_alt(w['card_lead_ins'])}){conn}$", re.I)
        self.id_lead = re.compile(f"(?:{_alt(w['id_lead_ins'])}){conn}$", re.I)
        self.email = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:[.。][A-Za-z0-9-]+)+")
        accounts = _alt(w["qq_lead_ins"] + w["wechat_lead_ins"])
        self.account = re.compile(
            f"(?<![A-Za-z])(?P<lead>{accounts})(?:\\s*[/、或和及]\\s*(?:{accounts}))*(?P<conn>{conn})"
            r"(?P<v>wxid_[A-Za-z0-9_-]+|[A-Za-z][A-Za-z0-9_-]{5,19}|[1-9]\d{4,11})"
            f"(?![A-Za-z0-9_-]){self.not_unit}", re.I)
        self.qq_leads = {x.lower() for x in w["qq_lead_ins"]}
        self.wxid = re.compile(r"(?<![A-Za-z0-9_])wxid_[A-Za-z0-9_-]{4,}", re.I)
        self.mobile = re.compile(r"(?<!\d)(?:(?:\+|00)?86[ -]?)?1[ .-]?[3-9](?:[ .-]?\d){9}(?!\d)"
                                 + self.not_unit)
        self.landline = re.compile(r"(?<!\d)(?:\(0[1-9]\d{1,2}\)|0[1-9]\d{1,2})[ -]?\d{3,4}[ -]?\d{4}"
                                   r"(?:\s*(?:转|-|ext\.?)\s*\d{1,5})?(?!\d)" + self.not_unit, re.I)
        self.local = re.compile(f"(?:{_alt(w['landline_lead_ins'])}){conn}(?P<v>\\d{{3,4}}-?\\d{{4}})(?!\\d)"
                                + self.not_unit)
        self.passport = re.compile(f"(?:{_alt(w['passport_lead_ins'])}){conn}(?P<v>[A-Z]{{0,2}}\\d{{7,9}})"
                                   r"(?![A-Za-z0-9])", re.I)
        self.passport_cn = re.compile(r"(?<![A-Za-z0-9])(?:E[A-HJ-NP-Z]\d{7}|[EG]\d{8})(?![A-Za-z0-9])")
        self.plate = re.compile(f"[{w['plate_provinces']}][A-Z][ ·•・.\\-‧]?(?=(?:[A-Z]*\\d){{2}})"
                                r"(?:[A-Z0-9]{5,6}|[A-Z0-9]{4}[挂学警港澳])(?![A-Za-z0-9])", re.I)
        cn = _CN_DIGITS + "十百"   # not 两: 两户人家, 两层楼 are counts
        num = f"(?:\\d+(?:-\\d+)?|[{cn}]+)"
        unit_units = w["building_units"] + w["house_units"] + w["room_units"]
        unit = f"(?:[A-Z]?{num}|[A-Z])(?:{_alt(sorted(unit_units, key=len, reverse=True))})(?:之[{cn}\\d]+)?"
        self.first_building = re.compile(f"(?:[A-Z]?{num}|[A-Z])(?:{_alt(w['building_units'])})")
        self.first_house = re.compile(f"(?:[A-Z]?{num}|[A-Z])"
                                      f"(?:{_alt(sorted(w['building_units'] + w['house_units'], key=len, reverse=True))})")
        tail = f"(?:[ -]?(?:[A-Z]?\\d{{1,4}}(?:-\\d{{1,4}}){{0,2}}|[{_CN_DIGITS}]{{3,4}})(?:室|房|号)?)"
        self.detail = re.compile(f"(?<![\\dA-Za-z{cn}第])"
                                 f"(?:(?P<units>{unit}(?:\\s?-?{unit})*)(?P<tail>{tail})?"
                                 f"|(?P<dashed>\\d{{1,4}}(?:-\\d{{1,4}}){{1,2}}))"
                                 f"(?![\\d{cn}A-Za-z]){self.not_unit}")
        self.unit = re.compile(unit)
        self.road_end = re.compile(f"(?:{_alt(w['road_suffixes'])})\\s?$")
        self.place_end = re.compile(f"(?:{_alt(w['place_suffixes'])})(?:[{cn}\\d]+期)?(?:[A-Z]区)?\\s?$")
        self.not_road = re.compile(f"(?:{_alt(w['not_roads'])})\\s?$")
        self.stop_word = re.compile(f"(?:{_alt(w['stop_words'])})$")
        self.name_lead = re.compile(f"(?:{_alt(w['name_lead_ins'])})[ \\t:：]*")
        self.name_label = re.compile(f"(?:{_alt(w['name_label_ins'])})[ \\t:：]+")
        self.name_weak = re.compile(f"(?:{_alt(w['name_weak_lead_ins'])})[ \\t:：]*")
        # the words that introduce a number are not a name: 银行卡622…, 何伟身份证：110…
        fields = _alt(sorted({*w["name_number_fields"], *w["card_lead_ins"], *w["id_lead_ins"],
                              *w["landline_lead_ins"]}, key=len, reverse=True))
        self.number_field = re.compile(f"[\\s,，、:：/()（）]*(?:(?:{fields})[\\s:：]*)?$", re.I)
        # a name standing first in a line of particulars: 张三丰，男，汉族，…
        self.name_gender = re.compile(f"(?<![\\u4e00-\\u9fff])[\\u4e00-\\u9fff]{{2,4}}(?=[，,、\\s(（]+"
                                      f"(?:{_alt(w['name_gender_words'])})(?:[，,、\\s)）]|$))")
        self.role_end = re.compile(f"(?:{_alt(w['name_role_words'])})$")
        self.surnames, self.compound = set(w["surnames"]), set(w["compound_surnames"])


@cache
def _rules() -> _Rules:
    return _Rules(load_words())


def _normalise(text: str) -> tuple[str, str]:
    """(wide, digits): full-width forms made ASCII; in ``digits`` also spelled-out numbers. Same length."""
    wide = text.translate(_WIDE)
    digits = _CN_NUMBER_RUN.sub(lambda m: m.group().translate(_CN_TO_DIGIT), wide)
    return wide, digits


def _id_shaped(s: str) -> bool:
    """An area code and a real birth date: 18 characters, or the old 15 digits (19YYMMDD)."""
    if len(s) == 15 and s.isdigit():
        s = s[:6] + "19" + s[6:] + "0"
    if len(s) != 18 or not s[:17].isdigit() or s[0] not in "12345678":
        return False
    try:
        born = ric.get_birth_date(s)
    except ValidationError:
        return False
    return 1900 <= born.year and born <= dt.date.today()


def _id_valid(s: str) -> bool:
    # checksum and date through stdnum; not its birth-place check, which rejects real numbers of
    # people born before their county got the code it has now
    return len(s) == 18 and s[:17].isdigit() and s[17] == ric.calc_check_digit(s) and _id_shaped(s)


def _classify(s: str, card_lead: bool, id_lead: bool) -> str | None:
    s = s.upper()
    if _id_valid(s):
        return ID
    if s.isdigit() and 16 <= len(s) <= 19 and luhn.is_valid(s):
        return CARD
    if _id_shaped(s) or (id_lead and len(s) in (15, 18)):
        return ID
    if card_lead and s.isdigit() and 12 <= len(s) <= 19:
        return CARD
    return None


def _long_numbers(r: _Rules, t: str, out: list[Span]) -> None:
    for m in r.run.finditer(t):
        groups = [(g.start(), g.end()) for g in re.finditer(r"\d+[Xx]?", m.group())]
        i = 0
        while i < len(groups):
            for j in range(len(groups), i, -1):   # longest first; groups before the last have ≥ 3 digits
                if any(groups[k][1] - groups[k][0] < 3 for k in range(i, j - 1)):
                    continue
                start, end = m.start() + groups[i][0], m.start() + groups[j - 1][1]
                s = re.sub(r"[ \-]", "", t[start:end])
                before = t[max(0, start - 16):start]
                label = _classify(s, bool(r.card_lead.search(before)), bool(r.id_lead.search(before)))
                if label is None and j - i == 1 and len(s) >= 15:
                    label = NUMBER
                if label:
                    out.append(Span(start, end, label))
                    i = j
                    break
            else:
                i += 1


def _stem_start(r: _Rules, t: str, end: int) -> int:
    """Where the road or estate name ending at ``end`` starts: back to a district, a verb, a pause."""
    start = end
    while start > 0 and end - start < 10 and _CJK.match(t[start - 1]):
        if t[start - 1] in r.w["stop_chars"] or r.stop_word.search(t, 0, start):
            break
        start -= 1
    return start


def _addresses(r: _Rules, t: str, out: list[Span]) -> None:
    for m in r.detail.finditer(t):
        at = max(0, m.start() - 12)
        head = t[at:m.start()]
        road = r.road_end.search(head)
        road = None if m.group("dashed") or (road and r.not_road.search(head)) else road
        suffix = road or r.place_end.search(head)     # 22-101 only after an estate: 莲花五村22-101
        start = _stem_start(r, t, at + suffix.start()) if suffix else m.start()
        span = None
        if suffix and start < at + suffix.start() and (m.group("dashed") or r.first_house.match(m.group())):
            span = Span(start, m.end(), ADDRESS)                                    # 金山|路18号, 阳光|花园3栋
        elif m.group("units") and len(r.unit.findall(m.group("units"))) + bool(m.group("tail")) >= 2 \
                and r.first_building.match(m.group("units")):
            span = Span(m.start(), m.end(), ADDRESS)                                # 3栋2单元501
        if span and out and out[-1].label == ADDRESS and span.start <= out[-1].end:  # 海景路9号海景花园8栋
            span = Span(out.pop().start, span.end, ADDRESS)
        if span:
            out.append(span)


def _name_at(r: _Rules, t: str, i: int) -> int:
    """The end of a name starting at ``i`` (a surname and one or two given characters), or ``i``."""
    w = r.w
    n = 2 if t[i:i + 2] in r.compound else 1 if i < len(t) and t[i] in r.surnames else 0
    if not n:
        return i
    end = i + n
    while end < len(t) and end - i - n < 2 and _CJK.match(t[end]) and t[end] not in w["not_given_name"]:
        end += 1
    return end if end > i + n else i


def _pause(t: str, i: int) -> bool:
    """The end, a space or a punctuation mark at ``i`` (not a letter: 我是江西XX镇的)."""
    return i >= len(t) or t[i].isspace() or unicodedata.category(t[i]).startswith("P")


def _names(r: _Rules, t: str, numbers: list[Span]) -> list[Span]:
    names = []
    for pattern in (r.name_lead, r.name_label, r.name_weak):
        for m in pattern.finditer(t):
            end = _name_at(r, t, m.end())
            if end > m.end() and (pattern is not r.name_weak or _pause(t, end)):
                names.append(Span(m.end(), end, NAME))
    for m in r.name_gender.finditer(t):
        if _name_at(r, t, m.start()) == m.end():
            names.append(Span(m.start(), m.end(), NAME))
    for s in numbers:
        if s.label not in (ID, CARD, MOBILE, PHONE):
            continue
        at = max(0, s.start - 24)
        before = t[at:s.start]
        before = before[:r.number_field.search(before).start()]   # type: ignore[union-attr]
        run = _CJK_RUN.search(before)
        longest = min(4, len(run.group())) if run else 0
        for k in range(longest, 1, -1):              # the longest that starts with a surname
            i = at + len(before) - k
            # three or four characters only after a pause, a function word or a role: not 公|司前台
            starts = i == 0 or _pause(t, i - 1) or t[i - 1] in r.w["name_function_chars"] \
                or r.role_end.search(t, at, i)
            if _name_at(r, t, i) == i + k and t[i] not in r.w["name_function_chars"] and (k == 2 or starts):
                names.append(Span(i, i + k, NAME))
                break
    return names


def find_pii(text: str) -> list[Span]:
    """The personal values in ``text``, as spans of the original text with their labels, in order."""
    r = _rules()
    wide, t = _normalise(text)
    found: list[Span] = [Span(m.start(), m.end(), EMAIL) for m in r.email.finditer(t)]
    _long_numbers(r, t, found)
    found += [Span(m.start(), m.end(), WECHAT) for m in r.wxid.finditer(t)]
    for m in r.account.finditer(t):
        lead, value = m.group("lead"), m.group("v")
        if value[0].isalpha() and (lead.lower() in r.qq_leads or (lead[-1].isascii() and not m.group("conn"))):
            continue              # a QQ number is digits; "questions" is no q + id
        found.append(Span(m.start("v"), m.end("v"), QQ if lead.lower() in r.qq_leads else WECHAT))
    found += [Span(m.start(), m.end(), MOBILE) for m in r.mobile.finditer(t)]
    found += [Span(m.start(), m.end(), PHONE) for m in r.landline.finditer(t)]
    found += [Span(m.start("v"), m.end("v"), PHONE) for m in r.local.finditer(t)]
    found += [Span(m.start("v"), m.end("v"), PASSPORT) for m in r.passport.finditer(t)]
    found += [Span(m.start(), m.end(), PASSPORT) for m in r.passport_cn.finditer(t)]
    found += [Span(m.start(), m.end(), PLATE) for m in r.plate.finditer(t)]
    _addresses(r, wide, found)
    kept: list[Span] = []
    for s in found + _names(r, wide, found):          # earlier detectors win an overlap
        if all(s.end <= k.start or s.start >= k.end for k in kept):
            kept.append(s)
    return sorted(kept, key=lambda s: s.start)


def mask_pii(text: str) -> str:
    """``text`` with each personal value replaced by its label: 「我叫[姓名]，电话[手机号]」."""
    spans = find_pii(text)
    if not spans:
        return text
    parts, at = [], 0
    for s in spans:
        parts += [text[at:s.start], s.label]
        at = s.end
    return "".join(parts) + text[at:]


# Said after the answer whenever something was masked: the citizen learns not to send it again.
PRIVACY_REMINDER = ("提醒：为保护您的隐私，请不要在这里发送身份证号、手机号、银行卡号等个人信息。"
                    "刚才消息里的这类信息已自动隐去，没有被记录；办理时请直接提供给受理机关。")
_LABELS = "|".join(re.escape(label[1:-1]) for label in LABELS)


@cache
def _masked_clause() -> re.Pattern[str]:
    # a masked value with what introduced it: 「我身份证号是[身份证号]，」「手机：[手机号]」「我叫[姓名]，」
    return re.compile(r"(?:(?:我的?)?(?:" + _alt(_rules().w["dialogue_lead_ins"]) + r")\s*(?:是|为|:|：)?\s*)?"
                      r"\[(?:" + _LABELS + r")\][，,。；;、\s]*", re.I)


def for_dialogue(masked: str) -> str:
    """The masked text with the masked values and their lead-ins left out, for reading intent.

    「我身份证号是[身份证号]，手机[手机号]，公司欠我工资」 is a wage question; the labels only
    make it look like something else. A text that was nothing but numbers stays as it is.
    """
    rest = _masked_clause().sub("", masked).strip()
    return rest or masked


def hash_user_id(user_id: str, key: str, namespace: str = "web") -> str:
    """A keyed hash: stable per user, useless without the key (HMAC-SHA256, 32 hex chars)."""
    digest = hmac.new(key.encode(), f"{namespace}:{user_id}".encode(), hashlib.sha256).hexdigest()
    return f"{namespace}-{digest[:32]}"
