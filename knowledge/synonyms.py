"""Colloquial → legal terms: query expansion, and the jieba user dictionary."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .corpus import SOURCES_DIR
from .yamlpos import load_located

# Legal terms jieba must keep whole, beyond those the synonym table names.
CORE_TERMS = (
    "信访", "信访人", "信访事项", "信访工作条例", "处理意见", "复查", "复核", "复查意见", "复核意见",
    "行政复议", "行政诉讼", "民事诉讼", "劳动仲裁", "劳动争议", "劳动人事争议", "仲裁委员会",
    "劳动报酬", "经济补偿", "劳动保障监察", "工伤认定", "工伤保险", "人民调解", "调解委员会",
    "法律援助", "再审", "申请再审", "检察建议", "抗诉", "诉讼时效", "国家赔偿", "行政处罚",
    "行政强制", "房屋征收", "征收补偿", "土地承包", "承包经营", "最低生活保障", "社会救助",
    "治安管理处罚", "监察机关", "纪检监察", "政法部门", "走访", "网上信访", "书面答复",
)


@dataclass
class SynonymTable:
    """Maps a colloquial word to the legal terms it stands for."""

    entries: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._legal = frozenset(t for terms in self.entries.values() for t in terms)
        self._longest_first = sorted(self.entries, key=len, reverse=True)

    @property
    def legal_terms(self) -> frozenset[str]:
        return self._legal

    def expand(self, text: str) -> list[str]:
        """Legal terms for the colloquial words found in ``text``, longest words first, no repeats."""
        found: list[str] = []
        for word in self._longest_first:
            if word in text:
                for term in self.entries[word]:
                    if term not in found and term not in text:
                        found.append(term)
        return found

    def user_dictionary(self) -> list[str]:
        words = set(CORE_TERMS) | self.legal_terms | set(self.entries)
        return sorted(w for w in words if len(w) >= 2)


def load_synonyms(path: Path = SOURCES_DIR / "synonyms.yaml") -> SynonymTable:
    doc = load_located(path)
    if not isinstance(doc.data, list):
        raise doc.error("expected a list of {legal, colloquial} entries")
    table: dict[str, list[str]] = {}
    for i, item in enumerate(doc.data):
        if not isinstance(item, dict) or not isinstance(item.get("legal"), str):
            raise doc.error("each entry needs a 'legal' term", i)
        words = item.get("colloquial")
        if not isinstance(words, list) or not words:
            raise doc.error("each entry needs a list of 'colloquial' words", i, "colloquial")
        for w in words:
            terms = table.setdefault(str(w).strip(), [])
            if item["legal"] not in terms:
                terms.append(item["legal"].strip())
    return SynonymTable({w: tuple(t) for w, t in table.items() if w})
