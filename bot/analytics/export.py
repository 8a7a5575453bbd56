"""A dashboard table as CSV: aggregates only, suppressed as on the page, UTF-8 with a BOM for Excel.

The example questions of the gap list stay on the page: an export holds counts, never a
citizen's words. A cell Excel would read as a formula (=, +, -, @ first) is quoted with an
apostrophe, as OWASP's CSV-injection advice says.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from .queries import Table

BOM = "\ufeff"
WITHHELD = "所选范围内人数太少，不予显示"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
LEFT_OUT = {"examples"}


def _cell(value: Any, key: str) -> str:
    if value is None:
        return ""
    if key == "rate" and isinstance(value, float):
        return f"{value * 100:.1f}%"
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def table_csv(table: Table, filters: dict[str, Any], min_count: int) -> bytes:
    """The table's rows, 「其他」 and 合计, after a line saying what was counted."""
    out = io.StringIO()
    out.write(BOM)
    w = csv.writer(out, lineterminator="\r\n")
    columns = [c for c in table.columns if c.key not in LEFT_OUT]
    scope = "，".join(f"{name}：{filters.get(key) or '全部'}" for key, name in
                      (("from", "起"), ("to", "止（不含）"), ("channel", "渠道"), ("region", "地区")))
    w.writerow([_cell(f"{table.title}（{scope}；少于 {min_count} 人的项不单独显示）", "")])
    w.writerow([c.title for c in columns])
    if table.withheld:
        w.writerow([WITHHELD])
        return out.getvalue().encode("utf-8")
    rows = [*table.rows, *([table.other] if table.other else []), *([table.total] if table.total else [])]
    for row in rows:
        w.writerow([_cell(row.get(c.key), c.key) for c in columns])
    return out.getvalue().encode("utf-8")
