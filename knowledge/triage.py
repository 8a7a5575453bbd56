"""Route triage (信访工作条例 第三十一条): the lawful routes for a description, ranked, with a decision.

The ranking is the learned route model's probabilities (``knowledge/route_model``) plus the example
similarity (``knowledge/triage_fusion``), weighted. The model is trained at start-up on
the route cards, the examples in ``sources/route_examples.yaml`` and
``sources/out_of_scope_examples.yaml``, and the training part of the real citizen questions
(``knowledge/real_questions``; never its dev part). Its calibrated probability decides what the
dialogue does:

- ``answer``: the first route is likely enough to be given at once;
- ``answer_and_ask``: the first route is given, and one question asked that would settle it;
- ``ask``: too unsure to name a route first; the kind of matter is asked.

The clarifying answers (problem domain, case status) add a prior from
``sources/triage_rules.yaml``. Crisis words (the lexicon) put the crisis route first; the
model never decides crisis. A text the model reads as out of scope gets no routes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .crisis import detect_crisis
from .embedder import Embedder
from .embedding_cache import EmbeddingCache
from .kb import KnowledgeBase
from .real_questions import OUT_OF_SCOPE, RealQuestion
from .route_model import Example, ModelSettings, load_or_fit, training_fingerprint
from .textnorm import normalize_query
from .tokenizer import Tokenizer
from .triage_fusion import FusionClassifier
from .triage_types import (
    RouteScore,
    Triage,
    load_out_of_scope_examples,
    load_route_examples,
    load_triage_rules,
)

logger = logging.getLogger(__name__)

CRISIS = "crisis"
# The ranking adds the example similarity (``knowledge/triage_fusion``, scaled to its best route) to the
# learned probabilities, this much of it: on the training part's cross-validation (three fold seeds)
# the learned model alone put an acceptable route first for 0.84 of the questions, the similarity alone
# for 0.85, the two with 0.4 for 0.87, with 0.8 for 0.88, with 1.6 for 0.85.
SIMILARITY_WEIGHT = 0.8
# the clarifying answers are what the person said: added to the probabilities of the routes they
# point at (the first route of a list gets all of it, the next half…), where the case stands most
STATUS_PRIOR = 1.0
DOMAIN_PRIOR = 0.5
NO_DOMAIN = "other"   # 「其他」 says nothing about the kind of matter


def training_examples(kb: KnowledgeBase, real_train: list[RealQuestion] = (),  # type: ignore[assignment]
                      real_weight: float = 3.0, alt_weight: float = 0.0) -> list[Example]:
    """Every example the route model learns from: cards, written examples, real training questions.

    Crisis examples are left out (the lexicon decides crisis). A real question counts
    ``real_weight`` times a written example: it is what the users look like; its other acceptable
    routes count ``alt_weight`` each.
    """
    examples = load_route_examples()
    unknown = sorted(set(examples) - set(kb.route_ids))
    if unknown:
        raise ValueError(f"route_examples.yaml names unknown routes {unknown}")
    out: list[Example] = []
    for rid, card in kb.routes.items():
        if rid == CRISIS:
            continue
        for text in (card.summary, *card.typical_claims):
            out.append(Example(text, rid, 1.0, "card"))
        out += [Example(t, rid, 1.0, "examples") for t in examples.get(rid, ())]
    out += [Example(t, OUT_OF_SCOPE, 1.0, "examples") for t in load_out_of_scope_examples()]
    for q in real_train:
        label = q.primary if q.in_scope else OUT_OF_SCOPE
        if label and label != CRISIS:
            out.append(Example(q.text, label, real_weight, "real"))
        for alt in q.acceptable if alt_weight else ():
            if alt not in (label, CRISIS):
                out.append(Example(q.text, alt, alt_weight, "real"))
    return out


@dataclass(frozen=True)
class Thresholds:
    """Where the calibrated probability of the first route changes what the dialogue does.

    Chosen on the training part's cross-validation (``xinfang eval triage``), never on its dev part.
    """

    # On the training part's cross-validation the first route was acceptable for 95 % of the questions
    # at 0.8 or above, for about 69 % between 0.3 and 0.8, and for 57 % below 0.3.
    answer: float = 0.8       # at or above: the route is given
    ask: float = 0.3          # below: the kind of matter is asked (between: given, and one question asked)
    # 13 of 15 out-of-scope training questions score 0.6 or more on the out-of-scope class, and 5 of 100
    # in-scope ones do
    out_of_scope: float = 0.6   # the out-of-scope class at or above this: no routes


class RouteClassifier:
    def __init__(self, kb: KnowledgeBase, embedder: Embedder, cache: EmbeddingCache, tokenizer: Tokenizer,
                 real_train: list[RealQuestion] = (),  # type: ignore[assignment]
                 settings: ModelSettings | None = None, thresholds: Thresholds | None = None,
                 examples: list[Example] | None = None, cache_dir: Path | None = None) -> None:
        self.kb, self.embedder, self.tokenizer = kb, embedder, tokenizer
        self.thresholds = thresholds or Thresholds()
        self.examples = examples if examples is not None else training_examples(kb, real_train)
        texts = [normalize_query(e.text) for e in self.examples]
        self.vectors, _ = cache.embed(embedder, texts, as_queries=True)
        settings = settings or ModelSettings()
        fingerprint = training_fingerprint(self.examples, embedder.model_id, settings, kb.synonyms)
        self.model = load_or_fit(self.examples, self.vectors, kb.synonyms, settings, fingerprint, cache_dir)
        self.labels = np.array([e.label for e in self.examples], dtype=object)
        self.route_list = [r for r in kb.routes if r != CRISIS]
        # the second signal: similarity to each route's own examples (the cards' words it adds itself)
        by_route: dict[str, tuple[str, ...]] = {}
        for e in self.examples:
            if e.source != "card" and e.label in kb.routes:
                by_route[e.label] = by_route.get(e.label, ()) + (e.text,)
        self.similarity = FusionClassifier(kb, embedder, cache, tokenizer, examples=by_route)
        rules = load_triage_rules()
        self.domain_routes = {k: v["routes"] for k, v in rules["domains"].items()}
        self.status_routes = {k: v["routes"] for k, v in rules["case_status"].items()}
        logger.info("triage.model.ready", extra={"examples": len(self.examples)})

    def one_kind(self, first: str, second: str) -> bool:
        """Whether two routes belong to one kind of matter (``triage_rules.yaml``; 「其他」 is no kind)."""
        return any(first in routes and second in routes for kind, routes in self.domain_routes.items()
                   if kind != NO_DOMAIN)

    def scores(self, text: str) -> tuple[dict[str, float], np.ndarray]:
        """Every class's probability for ``text`` (normalised), and its query vector."""
        vec = self.embedder.embed_queries([text])[0]
        row = self.model.proba([text], vec[None, :])[0]
        return dict(zip(self.model.classes, map(float, row), strict=True)), vec

    def why(self, route: str, vec: np.ndarray) -> str:
        """The route's training example closest to the text."""
        idx = np.flatnonzero(self.labels == route)
        if not len(idx):
            return ""
        return self.examples[int(idx[int(np.argmax(self.vectors[idx] @ vec))])].text

    def classify(self, text: str, domain: str | None = None, case_status: str | None = None,
                 k: int = 3) -> Triage:
        """Rank routes for ``text``; raises QueryError for unusable input."""
        query = normalize_query(text)
        crisis = detect_crisis(query)
        probs, vec = self.scores(query)
        oos = probs.pop(OUT_OF_SCOPE, 0.0)
        routes = {r: probs.get(r, 0.0) for r in self.route_list}
        total = sum(routes.values()) or 1.0
        routes = {r: p / total for r, p in routes.items()}   # among the routes, out of scope aside
        fused = self.similarity.fused(query, vec)[0]
        peak = max(fused.get(r, 0.0) for r in routes) or 1.0
        ranked = {r: routes[r] + SIMILARITY_WEIGHT * fused.get(r, 0.0) / peak for r in routes}
        priors = [(self.status_routes.get(case_status or "", []), STATUS_PRIOR)]
        if domain != NO_DOMAIN:
            priors.append((self.domain_routes.get(domain or "", []), DOMAIN_PRIOR))
        for prior, weight in priors:   # what the person answered outweighs both signals
            for pos, rid in enumerate(prior):
                routes[rid] = routes.get(rid, 0.0) + weight / (1 + pos)
                ranked[rid] = ranked.get(rid, 0.0) + 2 * weight / (1 + pos)
        total = sum(routes.values()) or 1.0
        ordered = sorted(ranked, key=lambda r: -ranked[r])
        ranking = [RouteScore(r, routes[r] / total, self.why(r, vec)) for r in ordered[:k]]
        out_of_scope = not crisis and domain is None and oos >= self.thresholds.out_of_scope
        if crisis and self.kb.words and self.kb.words.crisis_routes.get(crisis) == CRISIS:   # self-harm, violence
            ranking = [RouteScore(CRISIS, 1.0, ""), *ranking[: k - 1]]
        top = ranking[0].score if ranking else 0.0
        if len(ranking) > 1 and self.one_kind(ranking[0].route, ranking[1].route):
            top += ranking[1].score   # 复议 or 诉讼, 仲裁 or 监察: the answer names both, either is right
        if crisis or domain is not None or top >= self.thresholds.answer:
            decision = "answer"
        elif top >= self.thresholds.ask:
            decision = "answer_and_ask"
        else:
            decision = "ask"
        return Triage(ranking, crisis, decision, out_of_scope, {**routes, OUT_OF_SCOPE: oos})
