"""FAQ entries and article paraphrases: how citizens ask, pointing at the articles.

Both are retrieval aids. A hit on a FAQ question or a paraphrase resolves to the
article(s) it points at; the FAQ answer is only ever shown with those citations.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .corpus import SOURCES_DIR, Corpus
from .yamlpos import load_located


@dataclass(frozen=True)
class FaqEntry:
    id: str
    question: str
    answer: str
    basis: tuple[str, ...]
    routes: tuple[str, ...] = ()
    alt: tuple[str, ...] = ()
    region: str | None = None  # set for entries from a local pack

    @property
    def questions(self) -> tuple[str, ...]:
        return (self.question, *self.alt)


def _check_basis(doc, corpus: Corpus, ids: list, *path: object) -> tuple[str, ...]:
    for i, aid in enumerate(ids):
        if aid not in corpus.articles:
            raise doc.error(f"cites {aid!r}, which is not in the corpus", *path, i)
        if not corpus.is_current(aid):
            raise doc.error(f"cites {aid!r} from a text no longer in force", *path, i)
    return tuple(ids)


def load_faq(corpus: Corpus, route_ids: set[str], path: Path = SOURCES_DIR / "faq.yaml") -> dict[str, FaqEntry]:
    doc = load_located(path)
    if not isinstance(doc.data, list):
        raise doc.error("expected a list of FAQ entries")
    out: dict[str, FaqEntry] = {}
    for i, item in enumerate(doc.data):
        if not isinstance(item, dict):
            raise doc.error("each FAQ entry is a mapping", i)
        for key in ("id", "question", "answer"):
            if not isinstance(item.get(key), str) or not item[key].strip():
                raise doc.error(f"FAQ entry lacks {key!r}", i)
        if item["id"] in out:
            raise doc.error(f"duplicate FAQ id {item['id']!r}", i, "id")
        basis = _check_basis(doc, corpus, list(item.get("basis") or ()), i, "basis")
        if not basis:
            raise doc.error("a FAQ answer must rest on at least one article (basis)", i)
        routes = tuple(item.get("routes") or ())
        for j, r in enumerate(routes):
            if r not in route_ids:
                raise doc.error(f"unknown route id {r!r}", i, "routes", j)
        out[item["id"]] = FaqEntry(item["id"], item["question"].strip(), item["answer"].strip(), basis,
                                   routes, tuple(str(a) for a in item.get("alt") or ()))
    return out


def load_paraphrases(corpus: Corpus, path: Path = SOURCES_DIR / "paraphrases.yaml") -> dict[str, tuple[str, ...]]:
    doc = load_located(path)
    if not isinstance(doc.data, dict):
        raise doc.error("expected a mapping of article id → list of paraphrases")
    out: dict[str, tuple[str, ...]] = {}
    for aid, phrases in doc.data.items():
        if aid not in corpus.articles:
            raise doc.error(f"{aid!r} is not an article in the corpus", aid)
        if not corpus.is_current(aid):
            raise doc.error(f"{aid!r} is from a text no longer in force", aid)
        if not isinstance(phrases, list) or not all(isinstance(p, str) and p.strip() for p in phrases):
            raise doc.error("paraphrases must be a list of non-empty strings", aid)
        out[aid] = tuple(p.strip() for p in phrases)
    return out
