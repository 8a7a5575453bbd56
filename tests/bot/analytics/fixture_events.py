"""A small, hand-counted set of events (the figures the query tests expect are worked out from it).

Times are China time; ``load`` stores them in UTC as the service does. The threshold in the
tests is 3 distinct senders.
"""

from __future__ import annotations

import datetime as dt

from bot.analytics.period import CHINA
from bot.store import Store, feedback, turns

A = "xinfang_gongzuo_tiaoli_2022#35"
B = "laodong_baozhang_jiancha_tiaoli_2004#2"
PUNISH, FINE = "行政处罚不服怎么办", "罚款不服找谁"

# (ref, China time, channel, sender, region, intent, confidence, answer, route, citations, text)
EVENTS = [
    *[(f"e1-{u}", "2026-03-02 00:30" if u == "u5" else "2026-03-02 10:00", "web", u, "350206", "describe_problem",
       0.9, "answered", "labor_arbitration", [A], "公司拖欠工资") for u in ("u1", "u2", "u3", "u4", "u5")],
    *[(f"e2-{u}", "2026-03-03 10:00", "web", u, None, "describe_problem", 0.9, "answered", "civil_litigation",
       [A, B], "邻居占了我家的地") for u in ("u1", "u2", "u3")],
    ("e3-u6", "2026-03-09 10:00", "wechat", "u6", None, "ask_law", 0.9, "unknown", "admin_reconsideration", [], PUNISH),
    ("e3-u7", "2026-03-09 10:00", "wechat", "u7", None, "ask_law", 0.9, "unknown", "admin_reconsideration", [], FINE),
    ("e4-u5", "2026-03-09 11:00", "web", "u5", None, "ask_law", 0.9, "unknown", "admin_reconsideration", [], PUNISH),
    ("e5-u8", "2026-03-10 09:00", "api", "u8", "370402", None, None, "fallback", None, [], "？？？"),
    ("e6-u4", "2026-03-10 15:00", "web", "u4", None, "describe_problem", 0.3, "clarified", "labor_arbitration", [],
     "老板跑了"),
    # the desk's route finder: never counted
    *[(f"s-{s}", "2026-03-03 11:00", "staff", s, None, "describe_problem", 0.9, "answered", "labor_arbitration", [A],
       "拖欠工资") for s in ("s1", "s2", "s3", "s4", "s5")],
    # just outside the period [2026-03-02, 2026-03-16) in China time
    ("out-1", "2026-03-16 00:30", "web", "u1", "350206", "describe_problem", 0.9, "answered", "labor_arbitration",
     [A], "工资"),
    ("out-2", "2026-03-01 23:30", "web", "u2", "350206", "describe_problem", 0.9, "answered", "labor_arbitration",
     [A], "工资"),
]
# (voter, ref of the turn voted on, channel, rating)
VOTES = [("u1", "e1-u1", "web", 1), ("u2", "e1-u2", "web", 1), ("u3", "e1-u3", "web", -1), ("u4", "e1-u4", "web", 1),
         ("u1", "e2-u1", "web", 1), ("u6", "e3-u6", "wechat", -1), ("u1", "out-1", "web", -1)]
START, END = dt.date(2026, 3, 2), dt.date(2026, 3, 16)


def utc(local: str) -> dt.datetime:
    return dt.datetime.strptime(local, "%Y-%m-%d %H:%M").replace(tzinfo=CHINA).astimezone(dt.UTC)


def load(store: Store) -> None:
    rows = [dict(ref=ref, created_at=utc(at), channel=ch, user_hash=f"{ch}-{u}", region=region, intent=intent,
                 confidence=conf, answer=answer, kind="triage", route=route, routes=[route] if route else [],
                 citations=cits, text=text, answered=int(answer not in ("unknown", "fallback")), latency_ms=200)
            for ref, at, ch, u, region, intent, conf, answer, route, cits, text in EVENTS]
    votes = [dict(created_at=utc("2026-03-12 12:00"), channel=ch, user_hash=f"{ch}-{u}", answer_ref=ref, rating=r)
             for u, ref, ch, r in VOTES]
    with store.engine.begin() as conn:
        conn.execute(turns.insert(), rows)
        conn.execute(feedback.insert(), votes)
