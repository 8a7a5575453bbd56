"""Local guidance packs: what a deploying office says about its own region.

A pack is ``local/<region code>/pack.yaml`` (format in ``local/README.md``). The
validator reports every problem with its file and line, so an office can fix a
pack without reading code. Unknown facts stay ``null``; nothing is ever guessed.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import SourceError
from .yamlpos import Located, load_located

LOCAL_DIR = Path(__file__).parent / "local"
LEVELS = ("省", "市", "区", "县", "街道", "乡镇", "社区", "村")
_REGION = re.compile(r"^\d{6}$")
# What may name a region in a request or a slot: a code (350206) or a place name (湖里区). The API
# refuses anything else, and the actions ignore it (a slot can be set by other means than the API).
REGION_PATTERN = r"[0-9A-Za-z_\-\u4e00-\u9fff]{1,32}"
_ID = re.compile(r"^[a-z0-9_]+$")
_PHONE = re.compile(r"^[0-9\-＋+（）() 、,，转]+$")
TOP_KEYS = {"region_code", "region_name", "parent_code", "maintainer", "updated_on", "sample",
            "offices", "rules", "faq", "confirmations"}
OFFICE_KEYS = {"id", "name", "level", "routes", "address", "phone", "hours", "online", "note",
               "source", "verified_on"}
RULE_KEYS = {"id", "title", "text", "routes", "source", "verified_on"}
FAQ_KEYS = {"id", "question", "answer", "routes", "basis", "source", "verified_on", "alt"}
CONFIRM_KEYS = {"channel", "source", "verified_on"}



def plausible_region(value: object) -> str | None:
    """``value`` stripped when it can name a region (``REGION_PATTERN``), else None."""
    if not isinstance(value, str):
        return None
    value = value.strip()
    return value if re.fullmatch(REGION_PATTERN, value) else None

@dataclass(frozen=True)
class Office:
    id: str
    name: str
    level: str
    routes: tuple[str, ...]
    address: str | None
    phone: str | None
    hours: str | None
    online: str | None
    note: str | None
    source: str
    verified_on: dt.date


@dataclass(frozen=True)
class LocalRule:
    id: str
    title: str
    text: str
    routes: tuple[str, ...]
    source: str
    verified_on: dt.date


@dataclass(frozen=True)
class LocalFaq:
    id: str
    question: str
    answer: str
    routes: tuple[str, ...]
    basis: tuple[str, ...]
    source: str
    verified_on: dt.date
    alt: tuple[str, ...] = ()


@dataclass
class Pack:
    region_code: str
    region_name: str
    maintainer: str
    updated_on: dt.date
    offices: list[Office] = field(default_factory=list)
    rules: list[LocalRule] = field(default_factory=list)
    faq: list[LocalFaq] = field(default_factory=list)
    confirmed_channels: set[str] = field(default_factory=set)
    parent_code: str | None = None
    # a sample pack (made by the project from public reports, not kept by the office): its facts
    # are never shown as checked, whatever their verified_on says
    sample: bool = False

    def offices_for(self, route_id: str) -> list[Office]:
        return [o for o in self.offices if route_id in o.routes]


class _Checker:
    """Collects every problem in a pack instead of stopping at the first."""

    def __init__(self, doc: Located, route_ids: set[str], channel_ids: set[str],
                 article_ids: set[str] | None, today: dt.date) -> None:
        self.doc, self.route_ids, self.channel_ids = doc, route_ids, channel_ids
        self.article_ids, self.today = article_ids, today
        self.errors: list[SourceError] = []

    def err(self, message: str, *path: Any) -> None:
        self.errors.append(self.doc.error(message, *path))

    def keys(self, item: dict, allowed: set[str], *path: Any) -> None:
        for key in item:
            if key not in allowed:
                self.err(f"unknown field {key!r} (allowed: {', '.join(sorted(allowed))})", *path, key)

    def text(self, item: dict, key: str, *path: Any, required: bool = True) -> str | None:
        value = item.get(key)
        if value is None:
            if required:
                self.err(f"{key!r} is required", *path)
            return None
        if not isinstance(value, str) or not value.strip():
            self.err(f"{key!r} must be text (or null when unknown)", *path, key)
            return None
        return value.strip()

    def date(self, item: dict, key: str, *path: Any) -> dt.date:
        value = item.get(key)
        if not isinstance(value, dt.date):
            self.err(f"{key!r} must be a date written YYYY-MM-DD", *path, key)
            return dt.date.min
        if value > self.today:
            self.err(f"{key!r} {value} is in the future", *path, key)
        return value

    def routes(self, item: dict, *path: Any) -> tuple[str, ...]:
        value = item.get("routes") or []
        if not isinstance(value, list):
            self.err("'routes' must be a list of route ids", *path, "routes")
            return ()
        for i, r in enumerate(value):
            if r not in self.route_ids:
                self.err(f"unknown route id {r!r}", *path, "routes", i)
        return tuple(value)

    def unique_id(self, item: dict, seen: set[str], *path: Any) -> str:
        value = item.get("id")
        if not isinstance(value, str) or not _ID.match(value):
            self.err("'id' must be lowercase letters, digits and _", *path, "id")
            return ""
        if value in seen:
            self.err(f"duplicate id {value!r}", *path, "id")
        seen.add(value)
        return value

    def items(self, key: str) -> list[tuple[int, dict]]:
        value = self.doc.data.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.err(f"{key!r} must be a list", key)
            return []
        out = []
        for i, item in enumerate(value):
            if isinstance(item, dict):
                out.append((i, item))
            else:
                self.err(f"each entry of {key!r} must be a mapping", key, i)
        return out


def check_pack(doc: Located, region_dir_name: str, route_ids: set[str], channel_ids: set[str],
               article_ids: set[str] | None = None, today: dt.date | None = None) -> tuple[Pack | None, list[SourceError]]:
    """Validate one parsed pack; returns the pack (if usable) and every problem found."""
    c = _Checker(doc, route_ids, channel_ids, article_ids, today or dt.date.today())
    data = doc.data
    if not isinstance(data, dict):
        c.err("a pack is a mapping with region_code, region_name, offices, ...")
        return None, c.errors
    c.keys(data, TOP_KEYS)
    code = data.get("region_code")
    if not isinstance(code, str) or not _REGION.match(code):
        c.err("region_code must be the 6-digit division code, quoted (\"350206\")", "region_code")
    elif code != region_dir_name:
        c.err(f"region_code {code} does not match its folder {region_dir_name}", "region_code")
    parent = data.get("parent_code")
    if parent is not None and (not isinstance(parent, str) or not _REGION.match(parent)):
        c.err("parent_code must be a quoted 6-digit code", "parent_code")
    sample = data.get("sample", False)
    if not isinstance(sample, bool):
        c.err("sample must be true or false", "sample")
    pack = Pack(str(code), c.text(data, "region_name") or "", c.text(data, "maintainer") or "",
                c.date(data, "updated_on"), parent_code=parent, sample=sample is True)
    seen: set[str] = set()
    for i, o in c.items("offices"):
        p = ("offices", i)
        c.keys(o, OFFICE_KEYS, *p)
        level = o.get("level")
        if level not in LEVELS:
            c.err(f"level must be one of {'、'.join(LEVELS)}", *p, "level")
        phone = c.text(o, "phone", *p, required=False)
        if phone and not _PHONE.match(phone):
            c.err(f"phone {phone!r} should hold only digits, -, and separators", *p, "phone")
        pack.offices.append(Office(c.unique_id(o, seen, *p), c.text(o, "name", *p) or "", str(level),
                                   c.routes(o, *p), c.text(o, "address", *p, required=False), phone,
                                   c.text(o, "hours", *p, required=False), c.text(o, "online", *p, required=False),
                                   c.text(o, "note", *p, required=False), c.text(o, "source", *p) or "",
                                   c.date(o, "verified_on", *p)))
    for i, r in c.items("rules"):
        p = ("rules", i)
        c.keys(r, RULE_KEYS, *p)
        pack.rules.append(LocalRule(c.unique_id(r, seen, *p), c.text(r, "title", *p) or "",
                                    c.text(r, "text", *p) or "", c.routes(r, *p),
                                    c.text(r, "source", *p) or "", c.date(r, "verified_on", *p)))
    for i, f in c.items("faq"):
        p = ("faq", i)
        c.keys(f, FAQ_KEYS, *p)
        basis = f.get("basis") or []
        if not isinstance(basis, list):
            c.err("'basis' must be a list of article ids", *p, "basis")
            basis = []
        if article_ids is not None:
            for j, aid in enumerate(basis):
                if aid not in article_ids:
                    c.err(f"basis cites {aid!r}, which is not a current article in the corpus", *p, "basis", j)
        alt = f.get("alt") or []
        pack.faq.append(LocalFaq(c.unique_id(f, seen, *p), c.text(f, "question", *p) or "",
                                 c.text(f, "answer", *p) or "", c.routes(f, *p), tuple(basis),
                                 c.text(f, "source", *p) or "", c.date(f, "verified_on", *p),
                                 tuple(str(a) for a in alt) if isinstance(alt, list) else ()))
    for i, conf in c.items("confirmations"):
        p = ("confirmations", i)
        c.keys(conf, CONFIRM_KEYS, *p)
        channel = conf.get("channel")
        if channel not in channel_ids:
            c.err(f"unknown channel {channel!r} (see knowledge/sources/channels.yaml)", *p, "channel")
        else:
            pack.confirmed_channels.add(channel)
        c.text(conf, "source", *p)
        c.date(conf, "verified_on", *p)
    return (pack if not c.errors else None), c.errors


def validate_pack_dir(path: Path, route_ids: set[str], channel_ids: set[str],
                      article_ids: set[str] | None = None) -> tuple[Pack | None, list[SourceError]]:
    """Validate ``DIR/pack.yaml`` (or a pack file given directly)."""
    file = path / "pack.yaml" if path.is_dir() else path
    if not file.exists():
        return None, [SourceError(str(file), 0, "no pack.yaml here")]
    try:
        doc = load_located(file)
    except SourceError as exc:
        return None, [exc]
    return check_pack(doc, file.parent.name, route_ids, channel_ids, article_ids)


def load_packs(route_ids: set[str], channel_ids: set[str], article_ids: set[str] | None = None,
               local_dir: Path = LOCAL_DIR) -> dict[str, Pack]:
    """Load every pack; a broken pack stops the build with all its errors listed."""
    packs: dict[str, Pack] = {}
    for folder in sorted(p for p in local_dir.iterdir() if p.is_dir() and _REGION.match(p.name)):
        pack, errors = validate_pack_dir(folder, route_ids, channel_ids, article_ids)
        if errors:
            raise SourceError(str(folder / "pack.yaml"), errors[0].line,
                              "; ".join(f"line {e.line}: {e.message}" for e in errors))
        assert pack is not None
        packs[pack.region_code] = pack
    return packs
