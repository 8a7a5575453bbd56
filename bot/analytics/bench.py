"""`xinfang bench analytics`: the dashboard's queries over synthetic events, p50/p95 per query.

The events are made up but shaped like the service's: most from the web, a third from WeChat;
senders who ask once and a few who ask many times; a handful of routes taking most questions;
one to three citations on most answers; a gap in about one turn in six; votes on some web
answers; texts from the project's own development question sets. They are written to a
temporary SQLite database (or to an empty database at ``--database-url``, emptied afterwards),
through the migrations, so the indexes are the real ones.
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import delete, func, select

from ..store import Store, feedback, turns
from .answers import Answer
from .period import CHINA, Filters
from .queries import Analytics

PROJECT = Path(__file__).resolve().parents[2]
TEXTS = (PROJECT / "tests" / "data" / "routes_dev.yaml", PROJECT / "tests" / "data" / "retrieval_dev.yaml")
DAYS = 180
TARGET_P95_MS = 300
BATCH = 5000
CHANNELS = (("web", 60), ("wechat", 30), ("api", 8), ("staff", 2))
REGIONS = (("350206", 30), ("350203", 15), ("370402", 10), ("110108", 8), ("湖里区", 4), (None, 33))
ANSWERS = ((Answer.ANSWERED, 76), (Answer.CLARIFIED, 8), (Answer.UNKNOWN, 8), (Answer.FALLBACK, 6), (Answer.CRISIS, 2))
INTENTS = ("describe_problem", "ask_law", "ask_deadline", "ask_local_office", "threaten_escalation", "inform",
           "human_help", "out_of_scope", "greet")


def _texts() -> list[str]:
    out: list[str] = []
    for path in TEXTS:
        for item in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            text = item.get("text") or item.get("q")
            if text:
                out.append(text)
    return out


def _pick(rng: random.Random, weighted) -> Any:
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights)[0]


def synthetic_events(n: int, route_ids: list[str], article_ids: list[str], seed: int = 18,
                     now: dt.datetime | None = None) -> tuple[list[dict], list[dict]]:
    """``n`` turns over the last DAYS days and the votes on some of them."""
    rng = random.Random(seed)
    now = now or dt.datetime.now(dt.UTC)
    texts = _texts()
    senders = max(1, n // 4)
    route_weights = [1 / (i + 1) for i in range(len(route_ids))]
    article_weights = [1 / (i + 1) ** 0.8 for i in range(len(article_ids))]
    rows, votes = [], []
    for i in range(n):
        channel = _pick(rng, CHANNELS)
        sender = f"{channel}-bench{int(senders * rng.random() ** 2)}"     # a few ask often, most once
        answer = _pick(rng, ANSWERS)
        route = None if rng.random() < 0.12 else rng.choices(route_ids, route_weights)[0]
        cited = (rng.choices(article_ids, article_weights, k=rng.choice((1, 1, 2, 3)))
                 if answer is Answer.ANSWERED and rng.random() < 0.8 else [])
        at = now - dt.timedelta(seconds=rng.random() * DAYS * 86400)
        ref = f"bench-{i}"
        rows.append({"created_at": at, "channel": channel, "user_hash": sender, "ref": ref,
                     "text": rng.choice(texts), "intent": rng.choice(INTENTS), "confidence": round(rng.uniform(0.2, 1), 3),
                     "kind": "triage", "routes": [route] if route else [], "route": route,
                     "answered": int(answer not in (Answer.UNKNOWN, Answer.FALLBACK)), "answer": answer.value,
                     "region": _pick(rng, REGIONS), "citations": list(dict.fromkeys(cited)),
                     "latency_ms": int(rng.lognormvariate(6.5, 0.4))})
        if channel == "web" and rng.random() < 0.08:
            votes.append({"created_at": at + dt.timedelta(seconds=30), "channel": channel, "user_hash": sender,
                          "answer_ref": ref, "rating": 1 if rng.random() < 0.8 else -1})
    # the service appends events as they happen: in time order, as the rowids are
    rows.sort(key=lambda r: r["created_at"])
    votes.sort(key=lambda r: r["created_at"])
    return rows, votes


def fill(store: Store, rows: list[dict], votes: list[dict], say: Callable[[str], None]) -> None:
    with store.engine.begin() as conn:
        for i in range(0, len(rows), BATCH):
            conn.execute(turns.insert(), rows[i:i + BATCH])
        for i in range(0, len(votes), BATCH):
            conn.execute(feedback.insert(), votes[i:i + BATCH])
    if store.engine.dialect.name == "postgresql":     # fresh statistics, as autovacuum would give a real table
        with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE turns")
            conn.exec_driver_sql("ANALYZE feedback")
    else:
        with store.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    say(f"已写入 {len(rows)} 条事件、{len(votes)} 条评价")


def _queries(a: Analytics, f: Filters) -> dict[str, Callable[[], Any]]:
    return {"totals": lambda: a.totals(f), "volume (day)": lambda: a.volume(f, "day"),
            "volume (week)": lambda: a.volume(f, "week"), "channels": lambda: a.channels(f),
            "answers": lambda: a.answers(f), "routes": lambda: a.routes(f), "articles": lambda: a.articles(f),
            "gaps": lambda: a.gaps(f), "feedback": lambda: a.feedback(f)}


def _ms(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]
    return {"p50_ms": round(statistics.median(ordered) * 1000, 1), "p95_ms": round(p95 * 1000, 1),
            "max_ms": round(ordered[-1] * 1000, 1)}


def time_queries(a: Analytics, scopes: dict[str, Filters], rounds: int) -> list[dict[str, Any]]:
    out = []
    for scope, f in scopes.items():
        for name, run in _queries(a, f).items():
            run()    # warm: the first call reads the pages from disk
            samples = []
            for _ in range(rounds):
                t = time.perf_counter()
                run()
                samples.append(time.perf_counter() - t)
            out.append({"scope": scope, "query": name, **_ms(samples)})
    return out


def bench_analytics(events: int, rounds: int, database_url: str | None, say: Callable[[str], None],
                    min_count: int = 5) -> dict[str, Any]:
    from knowledge.corpus import load_corpus
    from knowledge.routes import load_route_ids

    route_names, corpus = load_route_ids(), load_corpus()
    with tempfile.TemporaryDirectory(prefix="xinfang-bench-") as tmp:
        url = database_url or f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        store = Store(url)
        with store.engine.connect() as conn:
            if conn.execute(select(func.count()).select_from(turns)).scalar_one():
                raise ValueError("--database-url 应指向一个空数据库：基准测试会写入合成数据，结束后再清空")
        try:
            say(f"生成 {events} 条合成事件（{DAYS} 天）…")
            rows, votes = synthetic_events(events, [r for r in route_names if r != "crisis"],
                                           sorted(corpus.articles)[:400])
            t = time.perf_counter()
            fill(store, rows, votes, say)
            fill_s = time.perf_counter() - t
            a = Analytics.from_corpus(store.engine, min_count, route_names, corpus)
            today = dt.datetime.now(CHINA).date()
            whole = Filters(today - dt.timedelta(days=DAYS), today + dt.timedelta(days=1))
            scopes = {"180 天（全部事件）": whole,
                      "30 天": Filters(today - dt.timedelta(days=29), today + dt.timedelta(days=1)),
                      "180 天·微信·350206": Filters(whole.start, whole.end, "wechat", "350206")}
            results = time_queries(a, scopes, rounds)
        finally:
            if database_url:
                with store.engine.begin() as conn:
                    conn.execute(delete(feedback))
                    conn.execute(delete(turns))
            store.close()
    return {"database": store.engine.dialect.name, "events": events, "votes": len(votes), "rounds": rounds,
            "fill_seconds": round(fill_s, 1), "target_p95_ms": TARGET_P95_MS, "rows": results,
            "worst_p95_ms": max(r["p95_ms"] for r in results)}
