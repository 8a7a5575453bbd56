"""Real citizen questions with route labels (``../shared/data``): loading and the one split.

The questions come from public legal-consultation data, labelled by route (the data's own
README says how). They are split once, reproducibly: stratified by primary route (the
out-of-scope questions are one more stratum), each stratum shuffled with a fixed seed and
its first half (rounded down) going to the dev part. The split's ids are committed
(``tests/data/real_questions_split.yaml``); the texts stay in ``../shared/data`` (they may not
be redistributed). The training part may train the route classifier; the dev part is never
trained or tuned on — its figures are the headline.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path

import yaml

from .errors import SourceError

QUESTIONS_FILE = "real_questions_dev.jsonl"
LABELS_FILE = "real_questions_dev_labels.jsonl"
SPLIT_SEED = 20261207
OUT_OF_SCOPE = "out_of_scope"   # the stratum (and classifier class) of questions with no route


@dataclass(frozen=True)
class RealQuestion:
    id: str
    text: str
    topic: str
    in_scope: bool
    primary: str | None = None
    acceptable: tuple[str, ...] = ()
    wrong: tuple[str, ...] = ()
    needs_clarification: bool = False

    @property
    def stratum(self) -> str:
        return self.primary if self.in_scope and self.primary else OUT_OF_SCOPE


def _jsonl(path: Path) -> list[dict]:
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except ValueError as exc:
                raise SourceError(str(path), n, f"not JSON ({exc})") from None
    return rows


def load_real_questions(data_dir: Path, route_ids: set[str] | None = None) -> list[RealQuestion]:
    """The questions joined with their labels (same ids, same order); every route id checked."""
    questions, labels = _jsonl(data_dir / QUESTIONS_FILE), _jsonl(data_dir / LABELS_FILE)
    by_id = {row["id"]: row for row in labels}
    out = []
    for q in questions:
        label = by_id.get(q["id"])
        if label is None:
            raise SourceError(str(data_dir / LABELS_FILE), 0, f"no label for {q['id']}")
        item = RealQuestion(id=q["id"], text=q["text"], topic=q.get("topic", ""), in_scope=bool(label["in_scope"]),
                            primary=label.get("primary"), acceptable=tuple(label.get("acceptable") or ()),
                            wrong=tuple(label.get("wrong") or ()),
                            needs_clarification=bool(label.get("needs_clarification")))
        named = {r for r in (item.primary, *item.acceptable, *item.wrong) if r}
        if route_ids is not None and named - route_ids:
            raise SourceError(str(data_dir / LABELS_FILE), 0, f"{q['id']} names unknown routes {sorted(named - route_ids)}")
        out.append(item)
    return out


def make_split(items: list[RealQuestion], seed: int = SPLIT_SEED) -> dict[str, list[str]]:
    """``{"train": ids, "dev": ids}``: per stratum, shuffled with ``seed``, the first half (rounded
    down) to dev, so a route with one question is only trained on and dev gets the larger half of none."""
    strata: dict[str, list[str]] = {}
    for item in sorted(items, key=lambda i: i.id):
        strata.setdefault(item.stratum, []).append(item.id)
    rng = random.Random(seed)
    train: list[str] = []
    dev: list[str] = []
    for stratum in sorted(strata):
        ids = strata[stratum]
        rng.shuffle(ids)
        cut = len(ids) // 2
        dev += ids[:cut]
        train += ids[cut:]
    return {"train": sorted(train), "dev": sorted(dev)}


def load_split(path: Path) -> dict[str, list[str]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {"train": list(data.get("train") or []), "dev": list(data.get("dev") or [])}


def write_split(path: Path, split: dict[str, list[str]], seed: int = SPLIT_SEED) -> None:
    head = ("# The one split of ../shared/data/real_questions_dev.jsonl (knowledge/real_questions.make_split,\n"
            f"# stratified by primary route, seed {seed}). The dev part is never trained or tuned on.\n")
    body = yaml.safe_dump({"seed": seed, "train": split["train"], "dev": split["dev"]}, allow_unicode=True,
                          default_flow_style=None, width=100, sort_keys=False)
    path.write_text(head + body, encoding="utf-8")


def part(items: list[RealQuestion], split: dict[str, list[str]], name: str) -> list[RealQuestion]:
    """The questions of one part (``train`` or ``dev``), in the data's order."""
    wanted = set(split[name])
    return [i for i in items if i.id in wanted]
