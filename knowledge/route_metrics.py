"""Route figures for labelled questions: the same arithmetic for the model alone and the whole service.

One ``Outcome`` per question (the routes given, first first; whether a clarifying question was
asked); ``route_figures`` turns them into the figures the README reports:

- first route acceptable, primary route in the top three, clearly wrong first route (in scope);
- per primary route: how many, first route acceptable; precision and recall of the first route;
- the confusion matrix (primary route × first route given, ``-`` for none);
- the share of in-scope questions answered with a clarifying question;
- the share of out-of-scope questions given no route.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .real_questions import RealQuestion

NONE = "-"


@dataclass(frozen=True)
class Outcome:
    routes: tuple[str, ...]
    asked: bool = False        # the reply asked a clarifying question
    first_chars: int | None = None   # length of the reply's first message, when known


def _share(n: int, d: int) -> float:
    return n / d if d else 0.0


def route_figures(items: Sequence[RealQuestion], outcomes: Sequence[Outcome], min_per_route: int = 5) -> dict:
    pairs = list(zip(items, outcomes, strict=True))
    scoped = [(q, o) for q, o in pairs if q.in_scope]
    outside = [(q, o) for q, o in pairs if not q.in_scope]
    first_ok = [bool(o.routes) and o.routes[0] in q.acceptable for q, o in scoped]
    top3 = [q.primary in o.routes[:3] for q, o in scoped]
    wrong = [bool(o.routes) and o.routes[0] in q.wrong for q, o in scoped]
    per: dict[str, dict] = {}
    for (q, _), ok in zip(scoped, first_ok, strict=True):
        row = per.setdefault(q.primary or NONE, {"n": 0, "first_acceptable": 0, "predicted": 0, "hit": 0})
        row["n"] += 1
        row["first_acceptable"] += ok
    confusion: dict[str, dict[str, int]] = {}
    for q, o in scoped:
        got = o.routes[0] if o.routes else NONE
        confusion.setdefault(q.primary or NONE, {}).setdefault(got, 0)
        confusion[q.primary or NONE][got] += 1
        per.setdefault(got, {"n": 0, "first_acceptable": 0, "predicted": 0, "hit": 0})["predicted"] += 1
        if got == q.primary:
            per[got]["hit"] += 1
    for row in per.values():
        row["precision"] = _share(row["hit"], row["predicted"])
        row["recall"] = _share(row["hit"], row["n"])
        row["first_acceptable"] = _share(row["first_acceptable"], row["n"])
    weakest = {r: row["first_acceptable"] for r, row in per.items() if row["n"] >= min_per_route}
    lengths = sorted(o.first_chars for q, o in scoped if o.first_chars is not None)
    return {
        "n": len(pairs), "in_scope": len(scoped), "out_of_scope": len(outside),
        "first_acceptable": _share(sum(first_ok), len(scoped)),
        "primary_top3": _share(sum(top3), len(scoped)),
        "wrong_first": _share(sum(wrong), len(scoped)),
        "clarifying": _share(sum(o.asked for _, o in scoped), len(scoped)),
        "out_of_scope_no_routes": _share(sum(not o.routes for _, o in outside), len(outside)),
        "per_route_min": min(weakest.values()) if weakest else None,
        "per_route": dict(sorted(per.items(), key=lambda kv: (-kv[1]["n"], kv[0]))),
        "confusion": confusion,
        "first_message_chars": ({"median": lengths[len(lengths) // 2],
                                 "p95": lengths[min(len(lengths) - 1, round(0.95 * (len(lengths) - 1)))]}
                                if lengths else None),
        "misses": [{"id": q.id, "primary": q.primary, "acceptable": list(q.acceptable), "got": list(o.routes[:3])}
                   for (q, o), ok in zip(scoped, first_ok, strict=True) if not ok],
    }


def format_figures(fig: dict, title: str) -> str:
    """The figures as a plain table for a terminal."""
    lines = [f"{title}: {fig['n']} questions ({fig['in_scope']} in scope, {fig['out_of_scope']} out of scope)",
             f"  first route acceptable  {fig['first_acceptable']:.3f}",
             f"  primary in top three    {fig['primary_top3']:.3f}",
             f"  clearly wrong first     {fig['wrong_first']:.3f}",
             f"  clarifying question     {fig['clarifying']:.3f}",
             f"  out of scope, no routes {fig['out_of_scope_no_routes']:.3f}"]
    if fig.get("first_message_chars"):
        c = fig["first_message_chars"]
        lines.append(f"  first message chars     median {c['median']}, p95 {c['p95']}")
    lines.append(f"  {'route':<24}{'n':>4}{'first ok':>10}{'precision':>11}{'recall':>8}")
    for route, row in fig["per_route"].items():
        lines.append(f"  {route:<24}{row['n']:>4}{row['first_acceptable']:>10.2f}{row['precision']:>11.2f}"
                     f"{row['recall']:>8.2f}")
    routes = sorted({r for row in fig["confusion"].values() for r in row} | set(fig["confusion"]))
    short = {r: r[:6] for r in routes}
    lines.append("  confusion (rows: primary, columns: first route given)")
    lines.append("  " + " " * 24 + "".join(f"{short[r]:>7}" for r in routes))
    for primary in sorted(fig["confusion"]):
        row = fig["confusion"][primary]
        lines.append(f"  {primary:<24}" + "".join(f"{row.get(r, 0) or '.':>7}" for r in routes))
    return "\n".join(lines)
