"""The route model alone, measured: cross-validation on the real questions' training part, and the
dev part (measured, never tuned on).

``cross_validate`` holds out one fold of the training part at a time: the classifier is built on
everything else (cards, written examples, the other folds) and asked about the held-out questions.
The settings and thresholds of ``knowledge/triage`` are chosen on these figures only. ``on_part``
builds the classifier on the whole training part and asks it about another part (the dev part
for the headline, through the model alone; the service's own figure is ``xinfang eval routes``).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence

from .real_questions import RealQuestion
from .route_metrics import Outcome
from .triage import Triage

FOLDS = 5
SEED = 7

Build = Callable[[list[RealQuestion]], Callable[[str], Triage]]


def folds(items: Sequence[RealQuestion], n: int = FOLDS, seed: int = SEED) -> list[list[RealQuestion]]:
    """``n`` folds stratified by primary route: each stratum shuffled, then dealt round-robin."""
    strata: dict[str, list[RealQuestion]] = {}
    for q in sorted(items, key=lambda q: q.id):
        strata.setdefault(q.stratum, []).append(q)
    rng = random.Random(seed)
    out: list[list[RealQuestion]] = [[] for _ in range(n)]
    turn = 0
    for stratum in sorted(strata):
        group = strata[stratum]
        rng.shuffle(group)
        for q in group:
            out[turn % n].append(q)
            turn += 1
    return out


def outcome(triage: Triage) -> Outcome:
    routes = () if triage.out_of_scope else tuple(triage.routes)
    return Outcome(routes, asked=triage.decision == "ask")


def cross_validate(items: Sequence[RealQuestion], build: Build, n: int = FOLDS,
                   progress: Callable[[str], None] | None = None) -> tuple[list[RealQuestion], list[Outcome]]:
    """Every training question asked of a classifier built without its fold."""
    asked: list[RealQuestion] = []
    got: list[Outcome] = []
    parts = folds(items, n)
    for i, held in enumerate(parts):
        rest = [q for j, part in enumerate(parts) if j != i for q in part]
        classify = build(rest)
        for q in held:
            asked.append(q)
            got.append(outcome(classify(q.text)))
        if progress:
            progress(f"  折 {i + 1}/{n}：{len(held)} 个问题")
    return asked, got


def on_part(train: Sequence[RealQuestion], other: Sequence[RealQuestion], build: Build) -> list[Outcome]:
    classify = build(list(train))
    return [outcome(classify(q.text)) for q in other]
