"""`xinfang analytics simulate`: demo data for the dashboard, through the real API.

The project's own development question sets (``tests/data/routes_dev.yaml``,
``tests/data/retrieval_dev.yaml`` — never the real citizens' questions under ``../shared/data``)
are asked by made-up senders, each with a channel and a region and one to six questions in a
conversation, through ``/api/chat`` (and ``/api/ask`` for the ``api`` channel); a fifth of the
chat answers get a 👍 or 👎 through ``/api/feedback``. Everything a real turn goes through runs:
masking, Rasa, the actions, the recording.

The API stamps ``created_at`` when it records a turn, so a run of a few minutes would all fall on
one day. Afterwards the simulator rewrites, in the database, the time of each row it made to the
time it planned (spread over ``days`` days, more on weekdays and in office hours) and marks it by
prefixing its ``ref`` with ``sim-`` (``--clear`` deletes exactly those). WeChat senders are sent
through ``/api/chat`` too and their rows relabelled ``wechat`` in the same step: driving
``/wechat`` needs the account's token, and answers that do not fit a passive reply would make the
service call WeChat's customer-service API for made-up OpenIDs. So the simulator needs the
service's database (``DATABASE_URL``, or ``--database-url``), i.e. it runs where the service runs.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml
from sqlalchemy import and_, bindparam, delete, func, select, update
from sqlalchemy.engine import Engine

from knowledge.packs import LOCAL_DIR
from knowledge.textnorm import to_simplified

from ..privacy import mask_pii
from ..store import feedback, turns
from .period import CHINA
from .retention import Deleted

PROJECT = Path(__file__).resolve().parents[2]
QUESTION_SETS = (PROJECT / "tests" / "data" / "routes_dev.yaml", PROJECT / "tests" / "data" / "retrieval_dev.yaml")
SIM = "sim-"
CHANNELS = (("web", 60), ("wechat", 25), ("api", 15))
HOURS = [0, 0, 0, 0, 0, 0, 1, 2, 5, 8, 9, 8, 5, 6, 8, 9, 8, 6, 4, 4, 4, 3, 2, 1]   # China time, office hours
VOTE_SHARE, UP_SHARE = 0.2, 0.75
RETRIES = 5


def questions() -> list[str]:
    out: list[str] = []
    for path in QUESTION_SETS:
        for item in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            text = item.get("text") or item.get("q")
            if text:
                out.append(text.strip())
    return out


def regions() -> list[str]:
    return sorted(p.name for p in LOCAL_DIR.iterdir() if p.is_dir() and p.name.isdigit())


@dataclass
class Planned:
    sender: str
    channel: str
    region: str | None
    text: str
    at: dt.datetime                    # UTC
    vote: int | None = None
    ref: str | None = None             # the turn id /api/chat returned
    done: bool = False


@dataclass
class Report:
    planned: int = 0
    sent: int = 0
    failed: int = 0
    votes: int = 0
    throttled: int = 0
    backdated: int = 0
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "errors"} | {"errors": self.errors[:5]}


def plan(n: int, days: int = 28, seed: int = 18, now: dt.datetime | None = None) -> list[Planned]:
    """``n`` questions by about n/3 senders, in conversations spread over the last ``days`` days."""
    if n < 1 or days < 1:
        raise ValueError("--n 和 --days 应为正整数")
    rng = random.Random(seed)
    now = now or dt.datetime.now(dt.UTC)
    pool = questions()
    rng.shuffle(pool)
    places: list[str | None] = [*regions(), None, None]
    out: list[Planned] = []
    person = 0
    while len(out) < n:
        person += 1
        channel = rng.choices([c for c, _ in CHANNELS], [w for _, w in CHANNELS])[0]
        region = rng.choice(places)
        day = (now.astimezone(CHINA) - dt.timedelta(days=rng.randrange(days))).date()
        while day.weekday() >= 5 and rng.random() < 0.6:    # fewer at weekends
            day -= dt.timedelta(days=1)
        hour = rng.choices(range(24), HOURS)[0]
        at = dt.datetime.combine(day, dt.time(hour, rng.randrange(60)), CHINA).astimezone(dt.UTC)
        asked = 1 if channel == "api" else min(n - len(out), rng.choice((1, 1, 1, 2, 2, 3, 4, 6)))
        for _ in range(asked):
            at = min(at + dt.timedelta(minutes=rng.randint(1, 6)), now - dt.timedelta(minutes=1))
            vote = (1 if rng.random() < UP_SHARE else -1) if channel != "api" and rng.random() < VOTE_SHARE else None
            out.append(Planned(f"{SIM}{seed}-{person}", channel, region, pool[len(out) % len(pool)], at, vote))
    return out


async def _post(client: httpx.AsyncClient, path: str, body: dict, report: Report, say) -> httpx.Response | None:
    for _ in range(RETRIES):
        try:
            resp = await client.post(path, json=body)
        except httpx.HTTPError as exc:
            report.errors.append(f"{path}: {exc.__class__.__name__}")
            await asyncio.sleep(1)
            continue
        if resp.status_code == 429:
            if not report.throttled:
                say("服务开启了限流（429）：按 Retry-After 等待；大量模拟请以 RATE_LIMIT_ENABLED=false 启动服务")
            report.throttled += 1
            await asyncio.sleep(min(60.0, float(resp.headers.get("Retry-After", "5") or 5)))
            continue
        if resp.status_code >= 500:
            await asyncio.sleep(1)
            continue
        return resp
    return None


async def _conversation(client: httpx.AsyncClient, turns_: list[Planned], report: Report, say) -> None:
    for p in turns_:
        if p.channel == "api":
            body: dict[str, Any] = {"text": p.text, **({"region": p.region} if p.region else {})}
            resp = await _post(client, "/api/ask", body, report, say)
        else:
            body = {"sender": p.sender, "text": p.text, "metadata": {"region": p.region} if p.region else {}}
            resp = await _post(client, "/api/chat", body, report, say)
        if resp is None or resp.status_code != 200:
            report.failed += 1
            if resp is not None:
                report.errors.append(f"{resp.status_code}: {resp.text[:120]}")
            continue
        report.sent += 1
        p.done = True
        if p.channel != "api":
            p.ref = resp.json()["turn_id"]
            if p.vote is not None:
                voted = await _post(client, "/api/feedback", {"sender": p.sender, "turn_id": p.ref, "rating": p.vote},
                                    report, say)
                report.votes += voted is not None and voted.status_code == 204


async def replay(url: str, planned: list[Planned], concurrency: int, say: Callable[[str], None],
                 transport: httpx.AsyncBaseTransport | None = None) -> Report:
    """Each sender's conversation in order; ``concurrency`` senders at once."""
    report = Report(planned=len(planned))
    by_sender: dict[str, list[Planned]] = {}
    for p in planned:
        by_sender.setdefault(p.sender, []).append(p)
    queue: asyncio.Queue[list[Planned]] = asyncio.Queue()
    for conv in by_sender.values():
        queue.put_nowait(conv)
    async with httpx.AsyncClient(base_url=url.rstrip("/"), timeout=60, transport=transport) as client:
        async def worker() -> None:
            while not queue.empty():
                await _conversation(client, queue.get_nowait(), report, say)
                if report.sent and report.sent % 200 == 0:
                    say(f"已发送 {report.sent}/{report.planned}")

        await asyncio.gather(*(worker() for _ in range(max(1, concurrency))))
    return report


def last_id(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.coalesce(func.max(turns.c.id), 0))).scalar_one())


def backdate(engine: Engine, planned: list[Planned], after_id: int) -> int:
    """Planned times, channels and the ``sim-`` mark onto the rows the run made; returns how many."""
    chat = [{"old": p.ref, "new": SIM + (p.ref or ""), "at": p.at, "voted": p.at + dt.timedelta(minutes=1),
             "ch": p.channel} for p in planned if p.done and p.ref]
    asks = [p for p in planned if p.done and p.channel == "api"]
    n = 0
    with engine.begin() as conn:
        if chat:
            n += conn.execute(update(turns).where(and_(turns.c.channel == "web", turns.c.ref == bindparam("old")))
                              .values(created_at=bindparam("at"), ref=bindparam("new"), channel=bindparam("ch")),
                              chat).rowcount
            conn.execute(update(feedback).where(and_(feedback.c.channel == "web", feedback.c.answer_ref == bindparam("old")))
                         .values(created_at=bindparam("voted"), answer_ref=bindparam("new"), channel=bindparam("ch")), chat)
        # /api/ask returns no turn id: its rows are the run's own api rows, matched by their masked text
        rows = conn.execute(select(turns.c.id, turns.c.text, turns.c.ref).where(
            turns.c.id > after_id, turns.c.channel == "api", turns.c.ref.not_like(SIM + "%")).order_by(turns.c.id)).all()
        free: dict[str, list[tuple[int, str]]] = {}
        for rid, text, ref in rows:
            free.setdefault(text, []).append((rid, ref))
        updates = []
        for p in asks:
            found = free.get(mask_pii(to_simplified(p.text)))
            if found:
                rid, ref = found.pop(0)
                updates.append({"rid": rid, "at": p.at, "new": SIM + ref})
        if updates:
            n += conn.execute(update(turns).where(turns.c.id == bindparam("rid"))
                              .values(created_at=bindparam("at"), ref=bindparam("new")), updates).rowcount
    return n


def clear(engine: Engine) -> Deleted:
    """Deletes every simulated turn and vote (``ref`` beginning with ``sim-``)."""
    with engine.begin() as conn:
        votes = conn.execute(delete(feedback).where(feedback.c.answer_ref.like(SIM + "%"))).rowcount
        made = conn.execute(delete(turns).where(turns.c.ref.like(SIM + "%"))).rowcount
    return Deleted(int(made), int(votes))


def simulate(url: str, engine: Engine, n: int, days: int, seed: int, concurrency: int,
             say: Callable[[str], None], transport: httpx.AsyncBaseTransport | None = None) -> dict[str, Any]:
    planned = plan(n, days, seed)
    say(f"计划 {len(planned)} 个问题，{len({p.sender for p in planned})} 位模拟提问人，分布在近 {days} 天")
    start = last_id(engine)
    report = asyncio.run(replay(url, planned, concurrency, say, transport))
    report.backdated = backdate(engine, planned, start)
    if report.sent and not report.backdated:
        raise RuntimeError("数据库里找不到本次模拟写入的记录：--database-url 应与服务使用的数据库相同")
    return report.as_dict()
