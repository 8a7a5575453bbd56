"""What the runner gives Rasa: one TensorFlow thread for serving, its endpoints (stores), its API token."""

import yaml

from bot import tracker_store
from bot.runner import (
    LOG_KEEP_BYTES,
    log_path,
    rasa_env,
    rasa_serving_env,
    training_fingerprint,
    write_endpoints,
)
from common.settings import Settings

TF_KEYS = ("TF_INTER_OP_PARALLELISM_THREADS", "TF_INTRA_OP_PARALLELISM_THREADS", "TF_ENABLE_ONEDNN_OPTS")


def test_serving_gets_one_tensorflow_thread_and_no_onednn(monkeypatch):
    for key in TF_KEYS:
        monkeypatch.delenv(key, raising=False)
    env = rasa_serving_env()
    assert [env[k] for k in TF_KEYS] == ["1", "1", "0"]
    assert env["RASA_TELEMETRY_ENABLED"] == "false"


def test_training_keeps_tensorflow_defaults(monkeypatch):
    for key in TF_KEYS:
        monkeypatch.delenv(key, raising=False)
    assert not any(k in rasa_env() for k in TF_KEYS)


def test_an_operators_own_thread_setting_wins(monkeypatch):
    monkeypatch.setenv("TF_INTRA_OP_PARALLELISM_THREADS", "4")
    assert rasa_serving_env()["TF_INTRA_OP_PARALLELISM_THREADS"] == "4"


def test_endpoints_put_conversations_and_locks_in_redis_with_an_expiry(tmp_path):
    s = Settings(VAR_DIR=tmp_path, REDIS_URL="redis://:p%40ss@10.0.0.7:6390/2", RASA_TRACKER_TTL_SECONDS=7200)
    ep = yaml.safe_load(write_endpoints(s).read_text("utf-8"))
    where = {"url": "10.0.0.7", "port": 6390, "db": 2, "password": "p@ss"}
    assert ep["tracker_store"] == {"type": "redis", **where, "key_prefix": "xinfang", "record_exp": 7200}
    assert ep["lock_store"] == {"type": "redis", **where}
    assert ep["action_endpoint"]["url"] == f"http://127.0.0.1:{s.ACTIONS_PORT}/webhook"


def test_one_machine_keeps_conversations_in_an_sqlite_file_not_in_rasas_memory(tmp_path):
    s = Settings(VAR_DIR=tmp_path, REDIS_URL=None, DATABASE_URL=None, RASA_TRACKER_URL=None)
    ep = yaml.safe_load(write_endpoints(s).read_text("utf-8"))
    assert set(ep) == {"action_endpoint", "tracker_store"}           # locks: Rasa's in-memory store, one process
    assert ep["tracker_store"] == {"type": "SQL", "url": f"${{{tracker_store.URL_ENV}}}"}
    assert tracker_store.rasa_env(s) == {tracker_store.URL_ENV: f"sqlite:///{tmp_path / 'rasa-tracker.sqlite3'}"}


def test_a_postgresql_database_keeps_rasas_conversations_with_each_side_on_its_own_driver(tmp_path):
    s = Settings(VAR_DIR=tmp_path, REDIS_URL=None, RASA_TRACKER_URL=None,
                 DATABASE_URL="postgresql+psycopg://xf:s%40cret@db.internal:5433/xinfang")
    path = write_endpoints(s)
    assert "s%40cret" not in path.read_text("utf-8") and "s@cret" not in path.read_text("utf-8")
    # Rasa 3.6's SQLAlchemy 1.4 with psycopg2 (in .venv-rasa); the purge here with psycopg 3
    assert tracker_store.rasa_env(s)[tracker_store.URL_ENV] == "postgresql://xf:s%40cret@db.internal:5433/xinfang"
    assert tracker_store.tracker_db_url(s) == "postgresql+psycopg://xf:s%40cret@db.internal:5433/xinfang"
    sqlite_db = Settings(VAR_DIR=tmp_path, REDIS_URL=None, RASA_TRACKER_URL=None,
                         DATABASE_URL=f"sqlite:///{tmp_path / 'x.sqlite3'}")
    assert tracker_store.tracker_db_url(sqlite_db) == f"sqlite:///{tmp_path / 'rasa-tracker.sqlite3'}"


def test_an_explicit_tracker_url_wins_over_redis_which_keeps_the_locks(tmp_path):
    s = Settings(VAR_DIR=tmp_path, REDIS_URL="redis://10.0.0.7:6390/2", RASA_TRACKER_URL="postgres://u@pg/conv")
    ep = yaml.safe_load(write_endpoints(s).read_text("utf-8"))
    assert ep["tracker_store"]["type"] == "SQL" and ep["lock_store"]["type"] == "redis"
    assert tracker_store.rasa_env(s)[tracker_store.URL_ENV] == "postgresql://u@pg/conv"
    assert tracker_store.TrackerPurge.from_settings(Settings(VAR_DIR=tmp_path, REDIS_URL="redis://r/0",
                                                             RASA_TRACKER_URL=None)) is None   # Redis expires


class FakeProc:
    pid = 0

    def poll(self) -> int:
        return 0

    def wait(self, timeout: float | None = None) -> int:
        return 0


def started_stack(tmp_path, monkeypatch, **settings):
    """A Stack whose children are only recorded: name -> (command, environment)."""
    from bot.runner import Stack

    stack = Stack(Settings(VAR_DIR=tmp_path, REDIS_URL=None, RASA_TRACKER_URL=None, DATABASE_URL=None,
                           CPU_PLACEMENT=False, **settings))
    spawned: dict[str, list[tuple[list[str], dict[str, str]]]] = {}

    def spawn(name, cmd, env, cpus=None):
        spawned.setdefault(name, []).append((cmd, env))
        stack.procs[name] = FakeProc()   # type: ignore[assignment]

    monkeypatch.setattr(stack, "_spawn", spawn)
    monkeypatch.setattr(stack, "wait_ready", lambda *a, **k: None)
    stack.start(say=lambda _m: None)
    return stack, spawned


def test_rasa_gets_a_fresh_random_token_through_its_environment_not_its_command_line(tmp_path, monkeypatch):
    monkeypatch.delenv("RASA_TOKEN", raising=False)
    stack, spawned = started_stack(tmp_path, monkeypatch, RASA_TOKEN=None)
    token = stack.settings.RASA_TOKEN                    # the API built from these settings uses it
    assert token and len(token) >= 32
    (cmd, env), = spawned["rasa"]
    assert env["RASA_TOKEN"] == token and not any(token in part for part in cmd)
    assert "RASA_TOKEN" not in spawned["actions"][0][1]   # the action server never calls Rasa
    assert (tmp_path / "rasa-tracker.sqlite3").is_file()   # made ready (WAL) before Rasa opens it
    stack.restart_rasa()
    assert stack.settings.RASA_TOKEN == token and spawned["rasa"][1][1]["RASA_TOKEN"] == token
    stack.stop()
    other, _ = started_stack(tmp_path, monkeypatch, RASA_TOKEN=None)
    assert other.settings.RASA_TOKEN != token            # made at random for each start, stored nowhere
    other.stop()


def test_an_operators_token_is_used_as_it_is(tmp_path, monkeypatch):
    stack, spawned = started_stack(tmp_path, monkeypatch, RASA_TOKEN="set-by-the-operator")
    assert spawned["rasa"][0][1]["RASA_TOKEN"] == stack.settings.RASA_TOKEN == "set-by-the-operator"
    stack.stop()


def test_the_endpoints_file_is_removed_when_the_stack_stops(tmp_path, monkeypatch):
    from bot.runner import Stack

    stack = Stack(Settings(VAR_DIR=tmp_path, REDIS_URL=None, CPU_PLACEMENT=False))
    spawned = {}
    monkeypatch.setattr(stack, "_spawn", lambda name, cmd, env, cpus=None: spawned.setdefault(name, cmd))
    stack.start(say=lambda _m: None)
    endpoints = tmp_path / spawned["rasa"][spawned["rasa"].index("--endpoints") + 1]
    assert endpoints.is_file()
    stack.stop()
    assert not endpoints.exists()


def test_a_child_log_is_kept_until_it_grows_too_big_then_moved_aside(tmp_path):
    logs = tmp_path / "logs"
    path = log_path(logs, "rasa")                       # creates the folder
    path.write_bytes(b"small\n")
    assert log_path(logs, "rasa") == path and path.read_bytes() == b"small\n"   # appended to, not moved
    path.write_bytes(b"x" * (LOG_KEEP_BYTES + 1))
    (logs / "rasa.log.1").write_bytes(b"older\n")
    assert log_path(logs, "rasa") == path and not path.exists()
    assert (logs / "rasa.log.1").stat().st_size == LOG_KEEP_BYTES + 1     # one previous log kept, the older dropped


def test_the_training_fingerprint_follows_training_data_not_its_documentation(tmp_path):
    (tmp_path / "data" / "nlu").mkdir(parents=True)
    (tmp_path / "config.yml").write_text("language: zh\n")
    (tmp_path / "domain.yml").write_text("intents: [greet]\n")
    (tmp_path / "data" / "nlu" / "greet.yml").write_text("nlu: []\n")
    first = training_fingerprint(tmp_path)
    (tmp_path / "data" / "README.md").write_text("what each intent means\n")
    assert training_fingerprint(tmp_path) == first            # documentation: no retraining
    (tmp_path / "data" / "nlu" / "greet.yml").write_text("nlu: [{intent: greet}]\n")
    assert training_fingerprint(tmp_path) != first            # training data: retrain
    (tmp_path / "data" / "jieba").mkdir()
    changed = training_fingerprint(tmp_path)
    (tmp_path / "data" / "jieba" / "terms.txt").write_text("信访 10 n\n")
    assert training_fingerprint(tmp_path) != changed          # the tokenizer's dictionary too
