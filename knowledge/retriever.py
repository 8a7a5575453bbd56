"""Hybrid retrieval: BM25 and dense rankings fused by reciprocal rank, one hit per article.

Documents (article texts, paraphrases, FAQ questions, local pack entries) are
ranked by each retriever; each ranking is collapsed onto the units the documents
point at (an article id, or ``local/<region>/<id>``) by best rank; the two unit
rankings are fused with weighted RRF (score = Σ w / (k + rank)).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from .embedder import Embedder
from .index import SearchIndex
from .kb import KnowledgeBase
from .textnorm import normalize_query

logger = logging.getLogger(__name__)

MODES = ("hybrid", "bm25", "dense")
# Weighted RRF: BM25 over jieba terms is the weaker signal here, so it counts half. Chosen on
# one half of tests/data/retrieval_dev.yaml (odd items) and confirmed on the other half (README).
DEFAULT_WEIGHTS = {"bm25": 0.5, "dense": 1.0}
# A FAQ answers the query only when its question is among the closest documents of a ranking;
# one that merely cites the same article (a different question about it) is not offered.
FAQ_MAX_DOC_RANK = 10


@dataclass
class Hit:
    id: str
    law: str
    law_id: str | None
    article: int | None
    text: str
    score: float
    found_by: list[str] = field(default_factory=list)
    via: list[str] = field(default_factory=list)  # doc kinds that matched: article, paraphrase, faq, local
    faq_ids: list[str] = field(default_factory=list)   # FAQs whose question matched closely, best first
    citation: str = ""
    current: bool = True

    def as_dict(self) -> dict:
        return {"id": self.id, "law": self.law, "article": self.article, "text": self.text,
                "score": round(float(self.score), 6), "found_by": self.found_by, "via": self.via,
                "citation": self.citation, "current": self.current, "faq": self.faq_ids}


@dataclass(frozen=True)
class Ranking:
    """The units found for a query, best fused first, and what each ranking said of them: unit →
    (rank among the units, best score, matching documents) per ranking; document → rank per ranking."""

    units: list[str]
    fused: dict[str, float]
    rankings: dict[str, dict[str, tuple[int, float, list[int]]]]
    doc_ranks: dict[str, dict[int, int]]


class Reranks(Protocol):
    depth: int

    def reorder(self, text: str, ranking: Ranking) -> list[str]: ...


@dataclass(frozen=True)
class Filters:
    law: str | None = None
    route: str | None = None
    region: str | None = None
    current_only: bool = True


class HybridRetriever:
    def __init__(self, kb: KnowledgeBase, index: SearchIndex, embedder: Embedder, top_k: int = 5,
                 candidates: int = 50, rrf_k: int = 60, mode: str = "hybrid", expand_synonyms: bool = True,
                 weights: dict[str, float] | None = None) -> None:
        if top_k < 1:
            raise ValueError(f"top_k must be ≥ 1, got {top_k}")
        if candidates < top_k:
            raise ValueError(f"candidates ({candidates}) must be ≥ top_k ({top_k})")
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
        if index.manifest.model_id != embedder.model_id:
            raise ValueError(f"index was built with {index.manifest.model_id}, embedder is {embedder.model_id}")
        self.kb, self.index, self.embedder = kb, index, embedder
        self.top_k, self.candidates, self.rrf_k, self.mode = top_k, candidates, rrf_k, mode
        self.expand_synonyms = expand_synonyms
        self.weights = {**DEFAULT_WEIGHTS, **(weights or {})}
        self.reranker: Reranks | None = None   # set by common/services once it has learned

    def warm_up(self) -> None:
        self.search("信访事项复查", k=1)

    # -- filtering -------------------------------------------------------------------------------
    def _unit_ok(self, unit: str, f: Filters) -> bool:
        if unit.startswith("local/"):
            return f.region is not None and unit.split("/")[1] == f.region and f.law is None
        law_id = unit.split("#", 1)[0]
        if f.law and law_id != f.law:
            return False
        return not f.current_only or self.kb.corpus.is_current(unit)

    def _doc_mask(self, f: Filters) -> np.ndarray | None:
        if f.route is None and f.region is None and not f.current_only:
            return None
        mask = np.ones(len(self.index), dtype=bool)
        if f.current_only:
            mask &= self.index.current
        # Local pack documents only for the asked region; none when no region is given.
        mask &= (self.index.region == "") | (self.index.region == (f.region or "\0"))
        if f.route is not None:
            mask &= np.array([f.route in d.routes for d in self.index.docs], dtype=bool)
        return mask

    # -- the two retrievers ----------------------------------------------------------------------
    def _bm25_ranking(self, query: str, mask: np.ndarray | None) -> list[tuple[int, float]]:
        terms = self.index.tokenizer.tokenize(query)
        if self.expand_synonyms:
            for term in self.kb.synonyms.expand(query):
                terms.extend(self.index.tokenizer.tokenize(term))
        scores = self.index.bm25.scores(terms)
        if mask is not None:
            scores = np.where(mask, scores, 0.0)
        n = min(len(scores), self.candidates * 4)
        top = np.argpartition(-scores, n - 1)[:n] if n < len(scores) else np.arange(len(scores))
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(int(i), float(scores[i])) for i in top if scores[i] > 0]

    def _dense_ranking(self, query: str, mask: np.ndarray | None) -> list[tuple[int, float]]:
        vec = self.embedder.embed_queries([query])
        n = min(len(self.index), self.candidates * 4)
        if mask is not None:
            import faiss

            allowed = np.flatnonzero(mask).astype(np.int64)
            if len(allowed) == 0:
                return []
            params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(allowed))  # type: ignore[call-arg]
            scores, ids = self.index.faiss.search(vec, min(n, len(allowed)), params=params)
        else:
            scores, ids = self.index.faiss.search(vec, n)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]

    def _collapse(self, ranking: list[tuple[int, float]], f: Filters) -> dict[str, tuple[int, float, list[int]]]:
        """Doc ranking → unit → (best rank, best score, matching docs in rank order)."""
        units: dict[str, tuple[int, float, list[int]]] = {}
        for doc_index, score in ranking:
            for unit in self.index.docs[doc_index].targets:
                if not self._unit_ok(unit, f):
                    continue
                if unit in units:
                    units[unit][2].append(doc_index)
                elif len(units) < self.candidates:
                    units[unit] = (len(units) + 1, score, [doc_index])
        return units

    # -- public ----------------------------------------------------------------------------------
    def rank_units(self, text: str, f: Filters, mode: str = "hybrid", exclude: Sequence[int] = ()) -> Ranking:
        """Every unit either ranking found, best fused first, with what each ranking said of it;
        ``exclude``: documents left out (the reranker's training asks as if the index lacked them)."""
        mask = self._doc_mask(f)
        if len(exclude):
            mask = (np.ones(len(self.index), dtype=bool) if mask is None else mask.copy())
            mask[list(exclude)] = False
        rankings: dict[str, dict[str, tuple[int, float, list[int]]]] = {}
        doc_ranks: dict[str, dict[int, int]] = {}   # ranking → doc → its rank among the documents (1-based)
        for name, ranked in (("bm25", self._bm25_ranking), ("dense", self._dense_ranking)):
            if mode in ("hybrid", name):
                docs = ranked(text, mask)
                rankings[name] = self._collapse(docs, f)
                doc_ranks[name] = {d: i + 1 for i, (d, _s) in enumerate(docs[:FAQ_MAX_DOC_RANK])}
        fused: dict[str, float] = {}
        for name, units in rankings.items():
            for unit, (rank, score, _docs) in units.items():
                fused[unit] = fused.get(unit, 0.0) + (
                    self.weights[name] / (self.rrf_k + rank) if mode == "hybrid" else score)
        return Ranking(sorted(fused, key=lambda u: (-fused[u], u)), fused, rankings, doc_ranks)

    def search(self, query: str, k: int | None = None, filters: Filters | None = None,
               mode: str | None = None) -> list[Hit]:
        """Search; raises QueryError for input that cannot be searched. In hybrid mode the first hits
        are reordered by the reranker when one is set (``knowledge/rerank``)."""
        text = normalize_query(query)
        k = self.top_k if k is None else k
        if not 1 <= k <= 100:
            raise ValueError(f"k must be between 1 and 100, got {k}")
        f = filters or Filters()
        mode = mode or self.mode
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
        ranking = self.rank_units(text, f, mode)
        units = ranking.units
        if self.reranker is not None and mode == "hybrid" and len(units) > 1:
            units = self.reranker.reorder(text, ranking) + units[self.reranker.depth:]
        hits = [self._hit(u, ranking.fused[u], ranking.rankings, ranking.doc_ranks) for u in units[:k]]
        if not hits:
            logger.info("kb.search.no_hit", extra={"mode": mode})
        return hits

    def _faq_ids(self, docs: list[int], doc_ranks: dict[str, dict[int, int]]) -> list[str]:
        """The FAQs among ``docs`` whose question is one of the closest documents, best fused rank first."""
        scores: dict[str, float] = {}
        for d in docs:
            if self.index.docs[d].kind != "faq":
                continue
            score = sum(self.weights[name] / (self.rrf_k + ranks[d]) for name, ranks in doc_ranks.items() if d in ranks)
            if score:
                faq = self.index.docs[d].doc_id.split(":")[1]
                scores[faq] = max(scores.get(faq, 0.0), score)
        return sorted(scores, key=lambda faq: (-scores[faq], faq))

    def _hit(self, unit: str, score: float, rankings: dict, doc_ranks: dict[str, dict[int, int]]) -> Hit:
        found_by = [name for name, units in rankings.items() if unit in units]
        docs = sorted({d for units in rankings.values() if unit in units for d in units[unit][2]})
        via = sorted({self.index.docs[d].kind for d in docs})
        faq_ids = self._faq_ids(docs, doc_ranks)
        if unit.startswith("local/"):
            resolved = self.kb.local_unit(unit)
            pack, item = resolved if resolved else (None, None)
            text = getattr(item, "text", None) or getattr(item, "answer", "")
            return Hit(unit, pack.region_name if pack else "", None, None, str(text or ""), score, found_by, via, [],
                       f"{pack.region_name if pack else ''}本地指引", True)
        corpus = self.kb.corpus
        art = corpus.article(unit)
        law = corpus.laws[art.law_id]
        return Hit(unit, law.short, law.id, art.number, art.text, score, found_by, via, faq_ids,
                   corpus.citation(unit), law.is_current)
