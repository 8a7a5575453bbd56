"""The knowledge base: every validated source, and the documents retrieval indexes.

``load_knowledge()`` is the single entry point; it fails with a SourceError naming
file and line when any reference is broken, so a bad data edit cannot ship.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .channels import Channel, load_channels
from .corpus import SOURCES_DIR, Corpus, load_corpus
from .deadlines import DeadlineKind, load_deadline_kinds
from .dialogue_words import DialogueWords, load_dialogue_words
from .faq import FaqEntry, load_faq, load_paraphrases
from .packs import LOCAL_DIR, Pack, load_packs
from .routes import RouteCard, load_route_ids, load_routes
from .synonyms import SynonymTable, load_synonyms


@dataclass(frozen=True)
class Document:
    """One retrievable text. ``targets`` are the units a hit on it resolves to."""

    doc_id: str
    kind: str  # article | paraphrase | faq | local
    text: str
    targets: tuple[str, ...]
    routes: frozenset[str] = frozenset()
    region: str | None = None
    current: bool = True


@dataclass
class KnowledgeBase:
    corpus: Corpus
    route_ids: dict[str, str]
    channels: dict[str, Channel]
    routes: dict[str, RouteCard]
    faq: dict[str, FaqEntry]
    paraphrases: dict[str, tuple[str, ...]]
    synonyms: SynonymTable
    packs: dict[str, Pack] = field(default_factory=dict)
    words: DialogueWords | None = None               # how the dialogue reads a message
    deadline_kinds: list[DeadlineKind] = field(default_factory=list)

    def article_routes(self) -> dict[str, set[str]]:
        """Which routes rest on each article (from route cards and FAQ)."""
        out: dict[str, set[str]] = {}
        for card in self.routes.values():
            for aid in card.basis:
                out.setdefault(aid, set()).add(card.id)
        for entry in self.faq.values():
            for aid in entry.basis:
                out.setdefault(aid, set()).update(entry.routes)
        return out

    def documents(self) -> list[Document]:
        """Everything retrieval indexes, in a stable order."""
        by_article = self.article_routes()
        docs: list[Document] = []
        for aid, art in self.corpus.articles.items():
            law = self.corpus.laws[art.law_id]
            heading = " ".join(x for x in (law.short, art.chapter, art.section) if x)
            docs.append(Document(f"art:{aid}", "article", f"{heading}\n{art.text}", (aid,),
                                 frozenset(by_article.get(aid, ())), None, law.is_current))
        for aid, phrases in self.paraphrases.items():
            for i, phrase in enumerate(phrases):
                docs.append(Document(f"para:{aid}:{i}", "paraphrase", phrase, (aid,),
                                     frozenset(by_article.get(aid, ()))))
        for entry in self.faq.values():
            for i, q in enumerate(entry.questions):
                docs.append(Document(f"faq:{entry.id}:{i}", "faq", q, entry.basis, frozenset(entry.routes)))
        for code, pack in self.packs.items():
            for rule in pack.rules:
                docs.append(Document(f"local:{code}:{rule.id}", "local", f"{rule.title}\n{rule.text}",
                                     (local_unit_id(code, rule.id),), frozenset(rule.routes), code))
            for f in pack.faq:
                for i, q in enumerate((f.question, *f.alt)):
                    docs.append(Document(f"local:{code}:{f.id}:{i}", "local", q,
                                         (local_unit_id(code, f.id),), frozenset(f.routes), code))
        return docs

    def local_unit(self, unit_id: str) -> tuple[Pack, object] | None:
        """Resolve ``local/<code>/<id>`` to its pack and rule or FAQ entry."""
        parts = unit_id.split("/")
        if len(parts) != 3 or parts[0] != "local" or parts[1] not in self.packs:
            return None
        pack = self.packs[parts[1]]
        for item in (*pack.rules, *pack.faq):
            if getattr(item, "id", None) == parts[2]:
                return pack, item
        return None


def local_unit_id(region: str, item_id: str) -> str:
    return f"local/{region}/{item_id}"


def load_knowledge(sources_dir: Path = SOURCES_DIR, local_dir: Path = LOCAL_DIR,
                   laws_dir: Path | None = None) -> KnowledgeBase:
    """Load and cross-validate every source."""
    corpus = load_corpus(laws_dir or sources_dir / "laws")
    route_ids = load_route_ids(sources_dir / "route_ids.yaml")
    channels = load_channels(sources_dir / "channels.yaml", set(route_ids))
    routes = load_routes(corpus, channels, sources_dir / "routes", route_ids)
    faq = load_faq(corpus, set(route_ids), sources_dir / "faq.yaml")
    paraphrases = load_paraphrases(corpus, sources_dir / "paraphrases.yaml")
    synonyms = load_synonyms(sources_dir / "synonyms.yaml")
    current_articles = {aid for aid in corpus.articles if corpus.is_current(aid)}
    packs = load_packs(set(route_ids), set(channels), current_articles, local_dir) if local_dir.exists() else {}
    words = kinds = None
    if (sources_dir / "dialogue_words.yaml").exists():   # the dialogue's files (the real sources; not every fixture)
        rules = yaml.safe_load((sources_dir / "triage_rules.yaml").read_text(encoding="utf-8"))
        words = load_dialogue_words(sources_dir / "dialogue_words.yaml", current_articles, set(channels),
                                    set(route_ids), set(rules["domains"]), set(rules["case_status"]))
        kinds = load_deadline_kinds(sources_dir / "deadline_kinds.yaml", routes, current_articles)
    return KnowledgeBase(corpus, route_ids, channels, routes, faq, paraphrases, synonyms, packs, words, kinds or [])
