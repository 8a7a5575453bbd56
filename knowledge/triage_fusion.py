"""Example similarity: how close a description is to each route's examples, fused by rank.

It was the whole triage until session 13. Now it is the second signal of the route ranking
(``knowledge/triage``: the learned model's probabilities plus this, weighted), and, alone, the
baseline ``xinfang eval triage`` compares with.

Each route is represented by its card (name, summary, typical claims) and by the
example descriptions in ``sources/route_examples.yaml``. A description is scored
against every example by embedding similarity (mean of the route's best three)
and by BM25 (best example), the two rankings are fused by reciprocal rank, and
the clarifying answers (problem domain, case status) add a prior from
``sources/triage_rules.yaml``. Crisis words override everything.
"""

from __future__ import annotations

import numpy as np

from .bm25 import BM25
from .crisis import detect_crisis
from .embedder import Embedder
from .embedding_cache import EmbeddingCache
from .kb import KnowledgeBase
from .textnorm import normalize_query
from .tokenizer import Tokenizer
from .triage_types import RouteScore, Triage, load_route_examples, load_triage_rules

RRF_K = 10
TOP_EXAMPLES = 3


class FusionClassifier:
    def __init__(self, kb: KnowledgeBase, embedder: Embedder, cache: EmbeddingCache,
                 tokenizer: Tokenizer, examples: dict[str, tuple[str, ...]] | None = None,
                 margin: float = 0.02) -> None:
        examples = examples if examples is not None else load_route_examples()
        unknown = sorted(set(examples) - set(kb.route_ids))
        if unknown:
            raise ValueError(f"route_examples.yaml names unknown routes {unknown}")
        self.kb, self.embedder, self.tokenizer, self.margin = kb, embedder, tokenizer, margin
        texts: list[str] = []
        owners: list[str] = []
        for rid, card in kb.routes.items():
            for text in (card.summary, *card.typical_claims, *examples.get(rid, ())):
                texts.append(text)
                owners.append(rid)
        self.texts, self.owners = texts, np.array(owners, dtype=object)
        self.route_list = list(kb.routes)
        self.route_index = {rid: np.flatnonzero(self.owners == rid) for rid in self.route_list}
        self.vectors, _ = cache.embed(embedder, texts)
        self.bm25 = BM25([tokenizer.tokenize(t) for t in texts])
        rules = load_triage_rules()
        self.domain_routes = {k: v["routes"] for k, v in rules["domains"].items()}
        self.status_routes = {k: v["routes"] for k, v in rules["case_status"].items()}

    def fused(self, query: str, qvec: np.ndarray) -> tuple[dict[str, float], dict[str, float],
                                                           dict[str, float], dict[str, tuple[float, str]]]:
        """Each route's fused score for a normalised query and its vector, with the two signals it fuses
        (dense: mean of the best three examples; BM25: the best example) and each route's closest example."""
        sims = self.vectors @ qvec
        terms = self.tokenizer.tokenize(query)
        for term in self.kb.synonyms.expand(query):
            terms.extend(self.tokenizer.tokenize(term))
        bm = self.bm25.scores(terms)
        dense_score: dict[str, float] = {}
        bm_score: dict[str, float] = {}
        best_example: dict[str, tuple[float, str]] = {}
        for rid in self.route_list:
            idx = self.route_index[rid]
            top = np.sort(sims[idx])[::-1][:TOP_EXAMPLES]
            dense_score[rid] = float(top.mean()) if len(top) else -1.0
            bm_score[rid] = float(bm[idx].max()) if len(idx) else 0.0
            j = idx[int(np.argmax(sims[idx]))]
            best_example[rid] = (float(sims[j]), self.texts[j])
        fused = {rid: 0.0 for rid in self.route_list}
        for scores in (dense_score, bm_score):
            ordered = sorted(self.route_list, key=lambda r: -scores[r])
            for rank, rid in enumerate(ordered, 1):
                if scores[rid] > 0 or scores is dense_score:
                    fused[rid] += 1.0 / (RRF_K + rank)
        return fused, dense_score, bm_score, best_example

    def classify(self, text: str, domain: str | None = None, case_status: str | None = None,
                 k: int = 3) -> Triage:
        """Rank routes for ``text``; raises QueryError for unusable input."""
        query = normalize_query(text)
        crisis = detect_crisis(query)
        fused, dense_score, bm_score, best_example = self.fused(query, self.embedder.embed_queries([query])[0])
        # Clarifying answers: a prior that lifts the routes the domain and case status point at.
        for prior in (self.domain_routes.get(domain or "", []), self.status_routes.get(case_status or "", [])):
            for pos, rid in enumerate(prior):
                fused[rid] += 0.08 / (1 + pos)
        if crisis:
            fused["crisis"] = max(fused.values()) + 1.0
        ordered = sorted(self.route_list, key=lambda r: -fused[r])
        if not crisis:
            # Crisis is decided by the lexicon (and the dialogue's crisis intent), never by similarity:
            # a violent-sounding description is usually a police or injury matter, not a crisis line.
            ordered = [r for r in ordered if r != "crisis"]
        ranking = [RouteScore(r, fused[r], best_example[r][1]) for r in ordered[:k]]
        # Confident when the two independent signals agree on the best route, or the gap is clear.
        candidates = [r for r in self.route_list if crisis or r != "crisis"]
        dense_top = max(candidates, key=lambda r: dense_score[r])
        bm_top = max(candidates, key=lambda r: bm_score[r])
        agree = bm_score[bm_top] > 0 and dense_top == bm_top == ordered[0]
        # The form's first question asks the kind of matter. When both signals and the two best
        # routes all point at routes of one kind (复议 or 诉讼 for 「村里强拆我家房子」), its answer
        # would change nothing; a vague text (no words the examples share) is still asked.
        named = {dense_top, bm_top, *ordered[:2]}
        one_kind = bm_score[bm_top] > 0 and any(named <= set(routes) for kind, routes in self.domain_routes.items()
                                                if kind != "other")   # 「其他」 is no kind of matter
        confident = bool(crisis) or domain is not None or agree or one_kind or (
            len(ordered) > 1 and fused[ordered[0]] - fused[ordered[1]] >= self.margin)
        return Triage(ranking, crisis, "answer" if confident else "ask")
