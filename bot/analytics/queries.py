"""The dashboard's figures, aggregated in the database and suppressed before they leave.

One method per table; each counts events and distinct senders per cell with one ``GROUP BY``
over the period's rows (``ix_turns_created_at``), counts the table's own total, and hands both
to ``suppression.suppress``. What is SQL-dialect specific (days in China time, the citations'
JSON list) is in ``sql.py``; the same code runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, case, func, or_, select, true
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.sql import ColumnElement

from ..store import feedback, turns
from . import sql
from .answers import ANSWER_NAMES, GAP_ANSWERS, LOW_CONFIDENCE, Answer
from .period import CHANNEL_NAMES, STAFF_CHANNEL, Filters
from .suppression import DEFAULT_MIN_COUNT, OTHER, Cell, Suppressed, suppress

TOP = 20
EXAMPLES = 3
EXAMPLE_POOL = 5000     # the latest gap turns the examples are chosen from
EXCERPT = 60
NO_ROUTE, NO_INTENT = "无途径", "未识别"
INTENT_NAMES = {"greet": "问候", "goodbye": "告别", "thank": "致谢", "bot_capability": "问能做什么",
                "chitchat": "闲聊", "out_of_scope": "范围外", "ask_law": "问法律规定", "describe_problem": "讲述问题",
                "ask_deadline": "问期限", "ask_local_office": "问本地办事地点", "threaten_escalation": "说要上访",
                "crisis": "危机", "human_help": "找人工", "affirm": "肯定", "deny": "否定", "inform": "补充信息"}


@dataclass(frozen=True)
class Column:
    key: str
    title: str


@dataclass
class Table:
    """A table as the API, the page and the CSV export show it (rows and 「其他」 already suppressed)."""

    name: str
    title: str
    columns: list[Column]
    rows: list[dict[str, Any]]
    other: dict[str, Any] | None
    total: dict[str, Any] | None
    withheld: bool
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "title": self.title, "columns": [c.__dict__ for c in self.columns],
                "rows": self.rows, "other": self.other, "total": self.total, "withheld": self.withheld,
                "note": self.note, **self.extra}


COUNTS = [Column("count", "提问数"), Column("senders", "人数")]
VOTES = [Column("count", "评价数"), Column("senders", "评价人数"), Column("up", "有帮助"), Column("down", "没帮助"),
         Column("rate", "好评率")]


def _with_rate(row: dict[str, Any]) -> dict[str, Any]:
    """A feedback row gets its rate of 👍 among the votes (None when its figures are withheld)."""
    if "up" in row:
        up, down = row["up"], row["down"]
        row["rate"] = None if up is None or down is None or up + down == 0 else round(up / (up + down), 3)
    return row


class Analytics:
    """The dashboard's queries over one database; labels from the route catalog and the corpus."""

    TABLES = ("volume", "channels", "answers", "routes", "articles", "gaps", "feedback")

    def __init__(self, engine: Engine, min_count: int = DEFAULT_MIN_COUNT, route_names: Mapping[str, str] | None = None,
                 citation: Callable[[str], tuple[str, str] | None] | None = None) -> None:
        if min_count < 2:
            raise ValueError(f"min_count must be at least 2, got {min_count}")
        self.engine = engine
        self.min_count = min_count
        self.route_names = dict(route_names or {})
        self.citation = citation or (lambda _aid: None)   # article id -> (《…》第…条, its text)

    @classmethod
    def from_corpus(cls, engine: Engine, min_count: int, route_names: Mapping[str, str], corpus: Any) -> Analytics:
        def citation(aid: str) -> tuple[str, str] | None:
            return (corpus.citation(aid), corpus.articles[aid].text) if aid in corpus.articles else None

        return cls(engine, min_count, route_names, citation)

    @contextlib.contextmanager
    def _read(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                # PostgreSQL guesses 100 items per JSON list and JIT-compiles the "large" plan: ~0.3 s of
                # compiling for a query that runs in less (measured by `xinfang bench analytics`)
                conn.exec_driver_sql("SET LOCAL jit = off")
            yield conn

    # -- the filters -------------------------------------------------------------------------

    def _where(self, f: Filters, t=turns) -> ColumnElement[bool]:
        conds = [t.c.created_at >= f.start_utc, t.c.created_at < f.end_utc,
                 t.c.channel == f.channel if f.channel else t.c.channel != STAFF_CHANNEL]
        if f.region:
            conds.append(t.c.region == f.region)
        return and_(*conds)

    def _cells(self, key, where, select_from=turns, sums: Mapping[str, Any] | None = None,
               order: str = "count") -> list[Cell]:
        sums = dict(sums or {})
        q = (select(key.label("k"), func.count().label("n"), func.count(turns.c.user_hash.distinct()).label("s"),
                    *(v.label(k) for k, v in sums.items()))
             .select_from(select_from).where(where).group_by(key))
        with self._read() as conn:
            rows = conn.execute(q).all()
        cells = [Cell(str(r.k), int(r.n), int(r.s), {k: int(getattr(r, k) or 0) for k in sums}) for r in rows]
        if order == "key":
            return sorted(cells, key=lambda c: c.key)
        return sorted(cells, key=lambda c: (-c.count, -c.senders, c.key))

    def _total(self, where, select_from=turns, sums: Mapping[str, Any] | None = None, sender=None) -> Cell:
        sums = dict(sums or {})
        sender = turns.c.user_hash if sender is None else sender
        q = (select(func.count().label("n"), func.count(sender.distinct()).label("s"),
                    *(v.label(k) for k, v in sums.items())).select_from(select_from).where(where))
        with self._read() as conn:
            r = conn.execute(q).one()
        return Cell("", int(r.n), int(r.s), {k: int(getattr(r, k) or 0) for k in sums})

    def _table(self, name: str, title: str, columns: list[Column], cells: list[Cell], total: Cell,
               label: Callable[[str], dict[str, Any]], limit: int | None = None,
               note: str | None = None) -> tuple[Table, Suppressed]:
        s = suppress(cells, total, self.min_count, limit)
        rows = [_with_rate({"key": c.key, **label(c.key), "count": c.count, "senders": c.senders, **c.sums})
                for c in s.rows]
        other = None if s.other is None else _with_rate(
            {"key": "", "label": OTHER, "count": s.other.count, "senders": None, **s.other.sums})
        total_row = None if s.total is None else _with_rate(
            {"key": "", "label": "合计", "count": s.total.count, "senders": s.total.senders, **s.total.sums})
        if note is None:
            note = f"少于 {self.min_count} 人的项合并为「{OTHER}」"
        return Table(name, title, columns, rows, other, total_row, s.withheld, note), s

    # -- the tables --------------------------------------------------------------------------

    def totals(self, f: Filters) -> dict[str, Any]:
        """The period's turns, senders, mean latency and unanswered turns (all withheld under the threshold)."""
        return self._totals(f)[0]

    def _totals(self, f: Filters) -> tuple[dict[str, Any], Cell]:
        where = self._where(f)
        q = select(func.count(), func.count(turns.c.user_hash.distinct()), func.avg(turns.c.latency_ms),
                   func.sum(case((turns.c.answer.in_([a.value for a in GAP_ANSWERS]), 1), else_=0))).where(where)
        with self._read() as conn:
            n, senders, latency, gaps = conn.execute(q).one()
        cell = Cell("", int(n), int(senders))
        if senders < self.min_count:
            return {"withheld": True, "count": None, "senders": None, "avg_latency_ms": None, "unanswered": None}, cell
        return {"withheld": False, "count": int(n), "senders": int(senders),
                "avg_latency_ms": None if latency is None else round(float(latency)),
                "unanswered": int(gaps or 0)}, cell

    def volume(self, f: Filters, by: str = "day", total: Cell | None = None) -> Table:
        if by not in ("day", "week"):
            raise ValueError(f"by must be day or week, got {by!r}")
        where = self._where(f)
        bucket = sql.local_day(self.engine.dialect.name, turns.c.created_at, week=by == "week")
        cells = self._cells(bucket, where, order="key")
        title = "每日提问量" if by == "day" else "每周提问量（周一起）"

        def label(key: str) -> dict[str, Any]:
            return {"label": key if by == "day" else f"{key} 起的一周"}

        table, _ = self._table("volume", title, [Column("label", "日期" if by == "day" else "周"), *COUNTS],
                               cells, total or self._total(where), label)
        table.extra["by"] = by
        return table

    def channels(self, f: Filters, total: Cell | None = None) -> Table:
        where = self._where(f)
        cells = self._cells(turns.c.channel, where)
        table, _ = self._table("channels", "各渠道提问量", [Column("label", "渠道"), *COUNTS], cells,
                               total or self._total(where),
                               lambda k: {"label": CHANNEL_NAMES.get(k, k)})
        return table

    def answers(self, f: Filters, total: Cell | None = None) -> Table:
        where = self._where(f)
        order = {a.value: i for i, a in enumerate(Answer)}
        cells = sorted(self._cells(turns.c.answer, where), key=lambda c: order.get(c.key, len(order)))
        table, _ = self._table("answers", "回答情况", [Column("label", "回答类型"), *COUNTS], cells,
                               total or self._total(where),
                               lambda k: {"label": ANSWER_NAMES.get(k, k)})   # type: ignore[call-overload]
        return table

    def routes(self, f: Filters, limit: int = TOP) -> Table:
        where = and_(self._where(f), turns.c.route.is_not(None))
        cells = self._cells(turns.c.route, where)
        table, _ = self._table("routes", "首选途径", [Column("label", "途径"), *COUNTS], cells, self._total(where),
                               self._route_label, limit)
        return table

    def articles(self, f: Filters, limit: int = TOP) -> Table:
        cited = sql.json_items(self.engine.dialect.name, turns.c.citations)
        where = self._where(f)
        joined = turns.join(cited, true())
        cells = self._cells(cited.c.value, where, select_from=joined)
        total = self._total(and_(where, sql.json_nonempty(self.engine.dialect.name, turns.c.citations)))

        def label(aid: str) -> dict[str, Any]:
            found = self.citation(aid)
            if found is None:
                return {"label": aid, "detail": ""}
            text = found[1].replace("\n", " ")
            return {"label": found[0], "detail": text[:EXCERPT] + ("…" if len(text) > EXCERPT else "")}

        table, _ = self._table("articles", "引用最多的条文",
                               [Column("label", "条文"), Column("detail", "内容（节选）"),
                                Column("count", "引用次数"), Column("senders", "人数")],
                               cells, total, label, limit,
                               f"合计为引用了条文的提问数；少于 {self.min_count} 人的条文合并为「{OTHER}」")
        return table

    def _gap_where(self, f: Filters) -> ColumnElement[bool]:
        return and_(self._where(f), or_(turns.c.answer.in_([a.value for a in GAP_ANSWERS]),
                                        turns.c.confidence < LOW_CONFIDENCE))

    def gaps(self, f: Filters, limit: int = TOP, examples: int = EXAMPLES) -> Table:
        where = self._gap_where(f)
        key = func.coalesce(turns.c.intent, "") + "|" + func.coalesce(turns.c.route, "")
        cells = self._cells(key, where)
        table, s = self._table("gaps", "未能回答的问题（缺口）",
                               [Column("label", "意图 · 途径"), *COUNTS, Column("examples", "例句（已遮盖）")],
                               cells, self._total(where), self._gap_label, limit)
        table.note = (f"答不上、没听懂，或意图把握低于 {LOW_CONFIDENCE:.0%} 的提问；例句只在 {self.min_count} 人以上的组给出，"
                      f"少于 {self.min_count} 人的组合并为「{OTHER}」")
        shown = [r["key"] for r in table.rows]
        found = self._examples(where, key, shown, examples) if shown and examples else {}
        for r in table.rows:
            r["examples"] = found.get(r["key"], [])
        return table

    def _examples(self, where, key, keys: Sequence[str], n: int) -> dict[str, list[str]]:
        """The most frequent masked texts of each shown group among its latest turns (a tie: the latest).

        Read from the latest EXAMPLE_POOL gap turns of the selection (by the time index, no sort), so the cost
        stays flat however long the period; a shown group with none among them gets its own look.
        """
        found = self._ranked_texts(where, key, keys, n, EXAMPLE_POOL)
        missing = [k for k in keys if k not in found]
        if missing:
            found.update(self._ranked_texts(where, key, missing, n, None))
        return found

    def _ranked_texts(self, where, key, keys: Sequence[str], n: int, pool: int | None) -> dict[str, list[str]]:
        rows = (select(key.label("k"), turns.c.text.label("text"), turns.c.created_at.label("at"))
                .where(where, key.in_(list(keys))))
        if pool is not None:   # backwards along ix_turns_created_at: no sort, and it stops at the pool
            rows = rows.order_by(turns.c.created_at.desc()).limit(pool)
        latest = rows.subquery()
        texts = (select(latest.c.k, latest.c.text, func.count().label("n"), func.max(latest.c.at).label("last"))
                 .group_by(latest.c.k, latest.c.text).subquery())
        ranked = select(texts.c.k, texts.c.text, func.row_number().over(
            partition_by=texts.c.k, order_by=(texts.c.n.desc(), texts.c.last.desc())).label("rn")).subquery()
        q = select(ranked.c.k, ranked.c.text).where(ranked.c.rn <= n).order_by(ranked.c.k, ranked.c.rn)
        out: dict[str, list[str]] = {}
        with self._read() as conn:
            for k, text in conn.execute(q):
                out.setdefault(k, []).append(text)
        return out

    def feedback(self, f: Filters) -> Table:
        """👍/👎 per route of the answer voted on; the overall rate is the table's total."""
        joined = feedback.join(turns, and_(turns.c.channel == feedback.c.channel, turns.c.ref == feedback.c.answer_ref))
        where = self._where(f)
        sums = {"up": func.sum(case((feedback.c.rating > 0, 1), else_=0)),
                "down": func.sum(case((feedback.c.rating < 0, 1), else_=0))}
        key = func.coalesce(turns.c.route, "")
        q = (select(key.label("k"), func.count().label("n"), func.count(feedback.c.user_hash.distinct()).label("s"),
                    *(v.label(k) for k, v in sums.items())).select_from(joined).where(where).group_by(key))
        with self._read() as conn:
            rows = conn.execute(q).all()
        cells = sorted((Cell(str(r.k), int(r.n), int(r.s), {"up": int(r.up or 0), "down": int(r.down or 0)})
                        for r in rows), key=lambda c: (-c.count, c.key))
        total = self._total(where, joined, sums, sender=feedback.c.user_hash)
        table, _ = self._table("feedback", "评价（按回答的首选途径）", [Column("label", "途径"), *VOTES], cells, total,
                               self._route_label)
        table.note = f"合计即总体好评率；少于 {self.min_count} 人评价的途径合并为「{OTHER}」"
        return table

    def table(self, name: str, f: Filters, by: str = "day", total: Cell | None = None) -> Table:
        """One table by name; ``total``: the period's (from ``totals``), for the tables that count every turn."""
        if name not in self.TABLES:
            raise ValueError(f"no table {name!r}")
        if name == "volume":
            return self.volume(f, by, total)
        if name in ("channels", "answers"):
            return getattr(self, name)(f, total)
        return getattr(self, name)(f)

    def summary(self, f: Filters, by: str = "day") -> dict[str, Any]:
        """Every table; the period's total is counted once for the three tables that share it."""
        totals, total = self._totals(f)
        return {"filters": f.as_dict(), "min_count": self.min_count, "totals": totals,
                "tables": {name: self.table(name, f, by, total).as_dict() for name in self.TABLES}}

    # -- labels ------------------------------------------------------------------------------

    def _route_label(self, rid: str) -> dict[str, Any]:
        return {"label": self.route_names.get(rid, rid) if rid else NO_ROUTE}

    def _gap_label(self, key: str) -> dict[str, Any]:
        intent, _, route = key.partition("|")
        names = (INTENT_NAMES.get(intent, intent) if intent else NO_INTENT,
                 self.route_names.get(route, route) if route else NO_ROUTE)
        return {"label": " · ".join(names), "intent": intent or None, "route": route or None}

    def regions(self) -> list[str]:
        """Regions with at least ``min_count`` distinct senders (one with fewer is not even named)."""
        q = (select(turns.c.region).where(turns.c.region.is_not(None), turns.c.channel != STAFF_CHANNEL)
             .group_by(turns.c.region).having(func.count(turns.c.user_hash.distinct()) >= self.min_count)
             .order_by(turns.c.region))
        with self._read() as conn:
            return [r for (r,) in conn.execute(q)]
