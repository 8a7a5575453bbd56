"""The analytics store on a real SQLite database."""

import threading

from bot.store import Store, TurnRecord


def test_turns_are_recorded_and_a_channel_ref_only_once(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 's.sqlite3'}")
    rec = TurnRecord(channel="wechat", user_hash="wechat-abc", text="公司欠薪", intent="describe_problem",
                     confidence=0.9, kind="triage", routes=("labor_arbitration",), ref="msg-1")
    assert store.record_turn(rec) is True
    assert store.record_turn(rec) is False          # the retry of the same MsgId
    assert store.record_turn(TurnRecord(channel="web", user_hash="u", text="x", ref="msg-1")) is True
    assert store.count_turns("wechat") == 1 and store.count_turns() == 2
    row = store.recent_turns(channel="wechat")[0]
    assert row["routes"] == ["labor_arbitration"] and row["answered"] == 1


def test_turns_without_ref_are_all_kept(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 's.sqlite3'}")
    for _ in range(3):
        store.record_turn(TurnRecord(channel="web", user_hash="u", text="你好"))
    assert store.count_turns() == 3


def test_concurrent_retries_record_exactly_one(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 's.sqlite3'}")
    results: list[bool] = []
    rec = TurnRecord(channel="wechat", user_hash="u", text="x", ref="m-42")

    def go():
        results.append(store.record_turn(rec))

    threads = [threading.Thread(target=go) for _ in range(8)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert results.count(True) == 1 and store.count_turns() == 1


def test_feedback_vote_can_be_changed_but_not_doubled(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 's.sqlite3'}")
    store.record_feedback("web", "u1", "turn1", 1)
    store.record_feedback("web", "u1", "turn1", -1)
    store.record_feedback("web", "u2", "turn1", 1)
    assert sorted(r["rating"] for r in store.feedback_rows("turn1")) == [-1, 1]
