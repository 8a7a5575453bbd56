"""The retriever's first hits reordered by a learned model: what the question asks for, what the article says.

Fusion ranks articles by how close their documents are to the question. It does not know that
「复议决定不服，多少天内去法院」 asks for a period, which 行政诉讼法第四十五条 states (十五日内) and
行政复议法第十条 does not. A logistic regression reads each of the first ``DEPTH`` hits:

- what fusion said: the fused score against the first one's, the hit's place, its dense and BM25 ranks,
  its best dense similarity against the best one's;
- what the article says: the share of the question's own words it holds (``coverage.content_words``),
  the similarity of the question to the article's own text against the best one's;
- for each kind of answer (``sources/answer_types.yaml``): the question asks for it and the article
  holds it, or asks for it and does not.

It learns at set-up from the project's own questions whose articles are known: every FAQ question
and every paraphrase, each searched with its own FAQ's or article's phrasings left out of the
index (so it reads as a question the index has not seen), on those whose article is among the
first hits. Which documents matched (an FAQ, a paraphrase) is no feature: leaving a question's own
phrasings out changes exactly that, so it would teach what real questions do not show. The
weights are kept in ``var/rerank`` under a fingerprint of the index, the answer types and the
features; ``xinfang eval retrieval`` prints the figures with and without it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .corpus import SOURCES_DIR
from .coverage import content_words
from .fitted_files import keep
from .retriever import HybridRetriever, Ranking
from .textnorm import normalize_query
from .yamlpos import load_located

logger = logging.getLogger(__name__)

ANSWER_TYPES_FILE = SOURCES_DIR / "answer_types.yaml"
DEPTH = 10                 # how many of the first hits are reordered
FEATURES_VERSION = 1       # change when the features change: a cached model of other features is refitted
NO_RANK_SIMILARITY = -0.2  # a hit the dense ranking did not find: its similarity gap
BASE_FEATURES = 7          # fusion's five, the share of the question's words, the article's own similarity


@dataclass(frozen=True)
class AnswerType:
    id: str
    asks: re.Pattern
    holds: re.Pattern


def load_answer_types(path: Path = ANSWER_TYPES_FILE) -> tuple[AnswerType, ...]:
    """The kinds of answer, checked: each has an id, and both of its patterns compile."""
    doc = load_located(path)
    rows = doc.data.get("types") if isinstance(doc.data, dict) else None
    if not isinstance(rows, list) or not rows:
        raise doc.error("needs a non-empty list 'types'")
    out: list[AnswerType] = []
    for i, row in enumerate(rows):
        if not isinstance(row, dict) or not all(isinstance(row.get(k), str) and row.get(k)
                                                for k in ("id", "asks", "holds")):
            raise doc.error("each type needs id, asks and holds (text)", "types", i)
        try:
            out.append(AnswerType(row["id"], re.compile(row["asks"]), re.compile(row["holds"])))
        except re.error as exc:
            raise doc.error(f"a pattern of {row['id']!r} does not compile: {exc}", "types", i) from exc
    ids = [t.id for t in out]
    if len(set(ids)) != len(ids):
        raise doc.error("type ids repeat", "types")
    return tuple(out)


class Features:
    """The features of each of a query's first hits (one row per hit, in the ranking's order)."""

    def __init__(self, retriever: HybridRetriever, types: Sequence[AnswerType]) -> None:
        self.retriever, self.types = retriever, tuple(types)
        index = retriever.index
        self._article_doc = {d.targets[0]: j for j, d in enumerate(index.docs) if d.kind == "article"}
        self.width = BASE_FEATURES + 2 * len(self.types)
        self._held: dict[str, tuple[bool, ...]] = {}

    def _text(self, unit: str) -> str:
        art = self.retriever.kb.corpus.articles.get(unit)
        if art is not None:
            return art.text
        resolved = self.retriever.kb.local_unit(unit)
        item = resolved[1] if resolved else None
        return str(getattr(item, "text", None) or getattr(item, "answer", "") or "")

    def _holds(self, unit: str, said: str) -> tuple[bool, ...]:
        """Which kinds of answer the unit's text holds (the same for every search: kept)."""
        if unit not in self._held:
            self._held[unit] = tuple(bool(t.holds.search(said)) for t in self.types)
        return self._held[unit]

    def rows(self, text: str, ranking: Ranking, depth: int = DEPTH) -> np.ndarray:
        units = ranking.units[:depth]
        dense, bm25 = ranking.rankings.get("dense", {}), ranking.rankings.get("bm25", {})
        top = ranking.fused[units[0]] or 1.0
        best_dense = max((dense[u][1] for u in units if u in dense), default=0.0)
        words = content_words(self.retriever.index.tokenizer, text)
        asks = [bool(t.asks.search(text)) for t in self.types]
        query = self.retriever.embedder.embed_queries([text])[0]
        own = []
        for u in units:
            j = self._article_doc.get(u)
            own.append(float(self.retriever.index.faiss.reconstruct(j) @ query) if j is not None
                       else (dense[u][1] if u in dense else best_dense + NO_RANK_SIMILARITY))
        best_own = max(own)
        out = []
        for i, u in enumerate(units):
            said = self._text(u)
            row = [ranking.fused[u] / top, 1.0 / (i + 1),
                   1.0 / dense[u][0] if u in dense else 0.0, 1.0 / bm25[u][0] if u in bm25 else 0.0,
                   dense[u][1] - best_dense if u in dense else NO_RANK_SIMILARITY,
                   sum(w in said for w in words) / max(len(words), 1), own[i] - best_own]
            for asked, holds in zip(asks, self._holds(u, said), strict=True):
                row += [float(asked and holds), float(asked and not holds)]
            out.append(row)
        return np.array(out, dtype=np.float64)


@dataclass
class Reranker:
    """Linear weights over ``Features``; ``reorder`` gives the first ``depth`` units, best first."""

    features: Features
    coef: np.ndarray
    intercept: float
    depth: int = DEPTH

    def reorder(self, text: str, ranking: Ranking) -> list[str]:
        units = ranking.units[:self.depth]
        scores = self.features.rows(text, ranking, self.depth) @ self.coef + self.intercept
        return [units[i] for i in np.argsort(-scores, kind="stable")]


@dataclass(frozen=True)
class TrainingQuestion:
    text: str
    articles: frozenset[str]
    left_out: tuple[int, ...]   # the index's documents of its own FAQ or article's phrasings


def training_questions(retriever: HybridRetriever) -> list[TrainingQuestion]:
    """Every FAQ question (its FAQ's questions left out) and paraphrase (its article's paraphrases
    left out), with the articles that answer it."""
    groups: dict[str, list[int]] = {}
    for j, d in enumerate(retriever.index.docs):
        groups.setdefault(":".join(d.doc_id.split(":")[:2]), []).append(j)
    kb = retriever.kb
    out = [TrainingQuestion(q, frozenset(e.basis), tuple(groups.get(f"faq:{e.id}", ())))
           for e in kb.faq.values() for q in e.questions]
    out += [TrainingQuestion(q, frozenset({aid}), tuple(groups.get(f"para:{aid}", ())))
            for aid, phrases in kb.paraphrases.items() for q in phrases]
    return out


def fit(retriever: HybridRetriever, types: Sequence[AnswerType],
        progress: Callable[[str], None] | None = None) -> Reranker:
    from sklearn.linear_model import LogisticRegression

    from .retriever import Filters

    features = Features(retriever, types)
    questions = training_questions(retriever)
    X, y = [], []
    for n, q in enumerate(questions, 1):
        text = normalize_query(q.text)
        ranking = retriever.rank_units(text, Filters(), exclude=q.left_out)
        units = ranking.units[:DEPTH]
        if any(u in q.articles for u in units):
            X.append(features.rows(text, ranking))
            y += [u in q.articles for u in units]
        if progress and n % 500 == 0:
            progress(f"  重排序模型：{n}/{len(questions)}")
    model = LogisticRegression(max_iter=3000).fit(np.vstack(X), np.array(y))
    return Reranker(features, model.coef_[0].astype(np.float64), float(model.intercept_[0]))


def fingerprint(retriever: HybridRetriever, path: Path = ANSWER_TYPES_FILE) -> str:
    """What the weights depend on: the index, the model, the retriever's settings, the synonyms that
    expand queries, the answer types, the code of the features and scikit-learn's version."""
    from importlib.metadata import version

    from . import coverage

    r = retriever
    h = hashlib.sha256(f"v{FEATURES_VERSION}|{DEPTH}|{r.index.manifest.corpus_hash}|{r.embedder.model_id}|"
                       f"{dict(sorted(r.weights.items()))}|{r.rrf_k}|{r.candidates}|{r.expand_synonyms}|"
                       f"{version('scikit-learn')}".encode())
    h.update(json.dumps(sorted(r.kb.synonyms.entries.items()), ensure_ascii=False).encode())
    for source in (path, Path(__file__), Path(coverage.__file__)):
        h.update(source.read_bytes())
    return h.hexdigest()[:16]


def load_or_fit(retriever: HybridRetriever, cache_dir: Path | None, path: Path = ANSWER_TYPES_FILE,
                progress: Callable[[str], None] | None = None) -> Reranker:
    """The reranker for this index: its weights from ``cache_dir`` when fitted before, else fitted now
    (about ten seconds) and kept there."""
    types = load_answer_types(path)
    key = fingerprint(retriever, path)
    file = cache_dir / f"reranker-{key}.json" if cache_dir is not None else None
    if file is not None and file.exists():
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
            features = Features(retriever, types)
            coef = np.array(data["coef"], dtype=np.float64)
            if coef.shape == (features.width,):   # else weights of other features: fitted again below
                return Reranker(features, coef, float(data["intercept"]))
        except (OSError, ValueError, KeyError):
            logger.warning("rerank.cache_unreadable", extra={"path": str(file)})
    if progress:
        progress("训练检索重排序模型……")
    reranker = fit(retriever, types, progress)
    if file is not None:
        weights = json.dumps({"coef": reranker.coef.tolist(), "intercept": reranker.intercept})
        keep(file, lambda tmp: tmp.write_text(weights, encoding="utf-8"))
    return reranker
