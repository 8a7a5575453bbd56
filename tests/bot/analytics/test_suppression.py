"""Small counts stay hidden: cells under the threshold merged into 「其他」, with secondary suppression."""

from __future__ import annotations

import pytest

from bot.analytics.suppression import Cell, suppress


def cells(*spec: tuple[str, int, int]) -> list[Cell]:
    return [Cell(k, n, s) for k, n, s in spec]


def total(n: int, s: int) -> Cell:
    return Cell("", n, s)


def test_nothing_small_nothing_hidden():
    out = suppress(cells(("a", 30, 20), ("b", 10, 6)), total(40, 26), 5)
    assert [c.key for c in out.rows] == ["a", "b"] and out.other is None and out.total == total(40, 26)


def test_two_small_cells_are_merged_into_other_with_their_sum():
    out = suppress(cells(("a", 30, 20), ("b", 9, 6), ("c", 3, 2), ("d", 4, 1)), total(46, 29), 5)
    assert [c.key for c in out.rows] == ["a", "b"]
    assert out.other is not None and out.other.count == 7
    assert out.merged_keys == {"c", "d"}


def test_one_small_cell_takes_the_next_smallest_with_it_secondary_suppression():
    """c alone in 「其他」 would be 其他 = total − a − b: b (the smallest shown) is merged too."""
    out = suppress(cells(("a", 30, 20), ("b", 9, 6), ("c", 3, 2)), total(42, 28), 5)
    assert [c.key for c in out.rows] == ["a"]
    assert out.other is not None and out.other.count == 12
    assert out.merged_keys == {"b", "c"}
    # and no figure shown gives c back: other − anything shown is not 3
    assert out.other.count - 9 == 3 and "b" not in [c.key for c in out.rows]


def test_the_smallest_by_senders_is_taken_not_the_last_listed():
    out = suppress(cells(("a", 50, 6), ("b", 40, 30), ("c", 2, 1)), total(92, 37), 5)
    assert [c.key for c in out.rows] == ["b"] and out.merged_keys == {"a", "c"}


def test_a_table_whose_total_has_too_few_senders_is_withheld_whole():
    out = suppress(cells(("a", 6, 3), ("b", 1, 1)), total(7, 4), 5)
    assert out.withheld and out.rows == [] and out.other is None and out.total is None


def test_a_lone_merged_cell_with_nothing_to_pair_shows_no_figure():
    """Possible only where the total is not the sum of the cells (a turn cites several articles)."""
    out = suppress(cells(("art", 3, 2)), total(40, 30), 5)
    assert out.rows == [] and out.other is not None and out.other.count is None


def test_cells_beyond_the_row_limit_go_into_other_and_count_as_merged():
    spec = [(f"r{i}", 100 - i, 50 - i) for i in range(5)]
    out = suppress(cells(*spec), total(490, 240), 5, limit=3)
    assert [c.key for c in out.rows] == ["r0", "r1", "r2"] and out.other is not None
    assert out.other.count == 96 + 97 and out.merged_keys == {"r3", "r4"}
    # one cell past the limit alone would be worked out: the smallest shown joins it
    out = suppress(cells(*spec[:4]), total(394, 194), 5, limit=3)
    assert [c.key for c in out.rows] == ["r0", "r1"] and out.merged_keys == {"r2", "r3"}


def test_additive_figures_are_summed_in_other():
    cs = [Cell("a", 20, 10, {"up": 15, "down": 5}), Cell("b", 3, 2, {"up": 1, "down": 2}),
          Cell("c", 2, 2, {"up": 2, "down": 0})]
    out = suppress(cs, Cell("", 25, 14, {"up": 18, "down": 7}), 5)
    assert out.other is not None and dict(out.other.sums) == {"down": 2, "up": 3}


@pytest.mark.parametrize("min_count", [2, 5, 10])
def test_no_cell_under_the_threshold_is_ever_shown(min_count):
    import random

    rng = random.Random(min_count)
    for _ in range(200):
        cs = [Cell(str(i), rng.randint(1, 40), rng.randint(1, 15)) for i in range(rng.randint(1, 8))]
        tot = Cell("", sum(c.count for c in cs), sum(c.senders for c in cs))
        out = suppress(cs, tot, min_count)
        assert all(c.senders >= min_count for c in out.rows)
        merged = len(out.merged_keys)
        assert merged != 1 or (out.other is not None and out.other.count is None) or out.withheld
