"""Small counts stay hidden: the one rule every table and every export of the dashboard goes through.

A cell (a day, a channel, a route, an article, a gap group…) counted from fewer than
``min_count`` distinct senders is not shown on its own: it is merged into the row 「其他」.
Secondary suppression: when the 「其他」 row would hold exactly one cell while the total is
shown, that cell could be worked out (total minus the rows shown, or 「其他」 itself), so the
smallest shown cell is merged too. A table whose total comes from fewer than ``min_count``
senders is withheld whole. 「其他」 never says how many cells it holds; when it can only hold
one (a table of a single cell), its figures are withheld as well.

Cells cut off by a row limit (a top-20 list) go into 「其他」 the same way, so they count as
merged cells for the rule above.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

OTHER = "其他"
DEFAULT_MIN_COUNT = 5


@dataclass(frozen=True)
class Cell:
    """One row of a breakdown: its events, its distinct senders, and other additive figures."""

    key: str
    count: int
    senders: int
    sums: Mapping[str, int] = field(default_factory=dict)   # e.g. 👍 and 👎 of a feedback row


@dataclass(frozen=True)
class Merged:
    """「其他」: the sum of the cells merged into it; ``count`` None when it must not be shown."""

    count: int | None
    sums: Mapping[str, int | None]


@dataclass(frozen=True)
class Suppressed:
    rows: list[Cell]              # shown, in the order given
    other: Merged | None          # None when nothing was merged
    total: Cell | None            # None: the whole table is withheld
    merged_keys: frozenset[str]   # which cells were merged (for the queries only; never shown)

    @property
    def withheld(self) -> bool:
        return self.total is None


def suppress(cells: Sequence[Cell], total: Cell, min_count: int = DEFAULT_MIN_COUNT,
             limit: int | None = None) -> Suppressed:
    """The rows that may be shown, 「其他」 and the total, by the rule of this module.

    ``cells`` come in the order they are to be shown (the largest first for a top list);
    ``total`` is the table's own total, counted in the database (distinct senders do not add up).
    """
    if min_count < 1:
        raise ValueError(f"min_count must be at least 1, got {min_count}")
    if total.senders < min_count:
        return Suppressed([], None, None, frozenset(c.key for c in cells))
    shown = [c for c in cells if c.senders >= min_count]
    merged = [c for c in cells if c.senders < min_count]
    if limit is not None and len(shown) > limit:
        merged += shown[limit:]
        shown = shown[:limit]
    if len(merged) == 1 and shown:   # secondary suppression: the one merged cell = total − shown
        smallest = min(reversed(shown), key=lambda c: (c.senders, c.count))
        shown.remove(smallest)
        merged.append(smallest)
    other = None
    if merged:
        keys = sorted({k for c in merged for k in c.sums})
        if len(merged) == 1:
            other = Merged(None, {k: None for k in keys})
        else:
            other = Merged(sum(c.count for c in merged), {k: sum(c.sums.get(k, 0) for c in merged) for k in keys})
    return Suppressed(shown, other, total, frozenset(c.key for c in merged))
