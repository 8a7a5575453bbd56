"""The two things SQLite and PostgreSQL write differently: a local day, and the items of a JSON list.

Days are China Standard Time (UTC+8, ``period.CHINA``); weeks begin on Monday, named by that day.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Text, and_, cast, func, literal_column
from sqlalchemy.sql import ColumnElement

PG_ZONE = "'Asia/Shanghai'"


def local_day(dialect: str, column: Any, week: bool = False) -> ColumnElement[Any]:
    """'YYYY-MM-DD' of the column's day (or of the Monday of its week) in China time."""
    if dialect == "postgresql":
        local: Any = func.timezone(literal_column(PG_ZONE), column)
        if week:
            local = func.date_trunc(literal_column("'week'"), local)
        return func.to_char(local, literal_column("'YYYY-MM-DD'"))
    mods = ["'+8 hours'"] + (["'-6 days'", "'weekday 1'"] if week else [])
    return func.date(column, *(literal_column(m) for m in mods))


def json_items(dialect: str, column: Any) -> Any:
    """A table of the column's JSON list items (one column, ``value``), to join on ``true``."""
    if dialect == "postgresql":
        return func.json_array_elements_text(column).table_valued("value").alias("item")
    return func.json_each(column).table_valued("value").alias("item")


def json_nonempty(dialect: str, column: Any) -> ColumnElement[bool]:
    """The JSON list has at least one item: its text is not ``[]`` (as the store writes an empty list),
    which reads no JSON."""
    text = cast(column, Text) if dialect == "postgresql" else column
    return and_(column.is_not(None), text != literal_column("'[]'"))
