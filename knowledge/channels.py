"""National hotlines and platforms, each fact with its reliability grade.

Grades: A — the statute itself; B — official media; C — third-party (never shown to
citizens as verified: it carries 「请以官方公布为准」 until a local pack confirms it).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .corpus import SOURCES_DIR
from .yamlpos import load_located

GRADES = ("A", "B", "C")
KINDS = ("hotline", "website", "wechat", "app", "office")
UNVERIFIED_NOTE = "请以官方公布为准"


@dataclass(frozen=True)
class Channel:
    id: str
    name: str
    kind: str
    value: str
    description: str
    grade: str
    source: str
    routes: tuple[str, ...] = ()

    def shown_as_verified(self, confirmed: bool = False) -> bool:
        """Grade A and B facts are shown as they are; C only once a local pack confirms it."""
        return self.grade in ("A", "B") or confirmed

    def display(self, confirmed: bool = False) -> str:
        text = self.name if self.value in self.name else f"{self.name}：{self.value}"
        return text if self.shown_as_verified(confirmed) else f"{text}（{UNVERIFIED_NOTE}）"


def load_channels(path: Path = SOURCES_DIR / "channels.yaml", route_ids: set[str] | None = None) -> dict[str, Channel]:
    doc = load_located(path)
    if not isinstance(doc.data, list):
        raise doc.error("expected a list of channels")
    channels: dict[str, Channel] = {}
    for i, item in enumerate(doc.data):
        if not isinstance(item, dict):
            raise doc.error("each channel is a mapping", i)
        for key in ("id", "name", "kind", "value", "grade", "source"):
            if not item.get(key):
                raise doc.error(f"channel lacks {key!r}", i)
        if item["id"] in channels:
            raise doc.error(f"duplicate channel id {item['id']!r}", i, "id")
        if item["grade"] not in GRADES:
            raise doc.error(f"grade must be A, B or C, got {item['grade']!r}", i, "grade")
        if item["kind"] not in KINDS:
            raise doc.error(f"kind must be one of {KINDS}, got {item['kind']!r}", i, "kind")
        routes = tuple(item.get("routes") or ())
        if route_ids is not None:
            for r in routes:
                if r not in route_ids:
                    raise doc.error(f"unknown route id {r!r}", i, "routes")
        channels[item["id"]] = Channel(item["id"], item["name"], item["kind"], str(item["value"]),
                                       item.get("description") or "", item["grade"], item["source"], routes)
    return channels
