"""The simulator: the dev question sets through the real /api/chat, /api/ask and /api/feedback (Rasa faked),
then its rows backdated, relabelled and marked ``sim-``; and the dashboard reads them."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from bot.analytics.period import Filters
from bot.analytics.queries import Analytics
from bot.analytics.simulate import SIM, clear, plan, questions, simulate
from bot.app import create_app
from bot.store import feedback, turns
from common.settings import Settings
from tests.bot.analytics.test_capture import payload
from tests.paths import ROOT


class TopicRasa:
    """A wage question gets labour arbitration, anything else an unknown answer."""

    inflight = 0

    async def send(self, sender, text, metadata=None, on_admit=None):
        if "工资" in text or "欠薪" in text:
            return [{"text": "劳动仲裁"}, payload("triage", ["labor_arbitration"], ["xinfang_gongzuo_tiaoli_2022#35"])]
        return [{"text": "不确定"}, payload("unknown", intent="ask_law", confidence=0.4)]

    async def parse(self, text):
        return {"intent": {"name": "ask_law", "confidence": 0.8}}


def test_the_plan_uses_only_the_projects_own_question_sets_and_spreads_over_the_days():
    texts = set(questions())
    assert len(texts) > 300
    real = (ROOT / "tests" / "data" / "real_questions_split.yaml").read_text(encoding="utf-8")
    assert not any(t in real for t in list(texts)[:50])      # the split file names ids, never the questions
    now = dt.datetime(2026, 12, 7, 12, tzinfo=dt.UTC)
    p = plan(500, days=28, seed=3, now=now)
    assert len(p) == 500 and {x.text for x in p} <= texts
    assert all(now - dt.timedelta(days=29) < x.at < now for x in p)
    assert len({x.at.date() for x in p}) > 20 and {x.channel for x in p} == {"web", "wechat", "api"}
    assert len({x.sender for x in p}) > 100 and all(x.sender.startswith(SIM) for x in p)
    assert plan(500, days=28, seed=3, now=now) == p                               # reproducible


@pytest.fixture
def app(tmp_path):
    app = create_app(Settings(RASA_URL="http://127.0.0.1:9", ACTIONS_PORT=9, QUERY_PREFETCH=False,
                              DATABASE_URL=f"sqlite:///{tmp_path / 'sim.sqlite3'}", ANALYTICS_MIN_COUNT=3))
    with TestClient(app):
        app.state.conversations.rasa = TopicRasa()
        yield app


def test_a_simulation_lands_in_the_dashboard_backdated_and_marked(app):
    engine = app.state.store.engine
    with engine.begin() as conn:     # a real citizen's turn from before: left alone
        conn.execute(turns.insert().values(created_at=dt.datetime.now(dt.UTC), channel="web", user_hash="web-x",
                                           ref="real-1", text="欠薪", routes=[], answered=1))
    out = simulate("http://service", engine, 120, 14, 7, 3, lambda _m: None, transport=httpx.ASGITransport(app=app))
    assert out["sent"] == 120 and out["failed"] == 0 and out["backdated"] == 120 and out["votes"] > 5
    with engine.connect() as conn:
        rows = conn.execute(select(turns.c.ref, turns.c.channel, turns.c.created_at)).all()
        voted = conn.execute(select(feedback.c.answer_ref, feedback.c.channel)).all()
    simulated = [r for r in rows if r.ref.startswith(SIM)]
    assert len(simulated) == 120 and [r.ref for r in rows if not r.ref.startswith(SIM)] == ["real-1"]
    assert {r.channel for r in simulated} == {"web", "wechat", "api"}
    days = {r.created_at.date() for r in simulated}
    assert len(days) > 5                                                     # spread, not all today
    by_ref = {r.ref: r.channel for r in simulated}
    assert voted and all(by_ref[ref] == ch for ref, ch in voted)            # votes follow their turn
    a = Analytics(engine, 3, {"labor_arbitration": "劳动仲裁"})
    summary = a.summary(Filters.last_days(15))
    assert summary["totals"]["count"] == 121
    assert {r["key"] for r in summary["tables"]["channels"]["rows"]} <= {"web", "wechat", "api"}
    assert clear(engine).turns == 120
    with engine.connect() as conn:
        assert conn.execute(select(turns.c.ref)).scalars().all() == ["real-1"]
