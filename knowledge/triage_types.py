"""What the route triage returns, and the examples and rules it reads (shared by the learned ranking,
``knowledge/triage``, and the example similarity, ``knowledge/triage_fusion``)."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .corpus import SOURCES_DIR


@dataclass(frozen=True)
class RouteScore:
    route: str
    score: float
    example: str  # the closest training example of the route: shows why


@dataclass(frozen=True)
class Triage:
    ranking: list[RouteScore]
    crisis: str | None
    decision: str = "answer"          # answer | answer_and_ask | ask
    out_of_scope: bool = False        # the model's best reading: no route applies
    scores: dict[str, float] = field(default_factory=dict)   # every class's probability

    @property
    def routes(self) -> list[str]:
        return [r.route for r in self.ranking]

    @property
    def confident(self) -> bool:
        """A route is given (with or without a question to settle it)."""
        return self.decision != "ask"

    @property
    def probability(self) -> float:
        return self.ranking[0].score if self.ranking else 0.0


EXAMPLE_FILES = ("route_examples.yaml", "route_examples_real_style.yaml", "route_examples_real_style_2.yaml")


@functools.lru_cache(maxsize=2)
def load_route_examples(sources: Path = SOURCES_DIR) -> dict[str, tuple[str, ...]]:
    """route id → example descriptions, from the short examples and those written in the style of real
    consultation questions (long, with background)."""
    out: dict[str, tuple[str, ...]] = {}
    for name in EXAMPLE_FILES:
        data = yaml.safe_load((sources / name).read_text(encoding="utf-8")) or {}
        for route, examples in data.items():
            out[route] = out.get(route, ()) + tuple(str(x) for x in examples)
    return out


@functools.lru_cache(maxsize=2)
def load_out_of_scope_examples(path: Path = SOURCES_DIR / "out_of_scope_examples.yaml") -> tuple[str, ...]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    return tuple(str(x) for x in data)


@functools.lru_cache(maxsize=2)
def load_triage_rules(path: Path = SOURCES_DIR / "triage_rules.yaml") -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))
