"""The environments the runner gives Rasa: serving is held to one TensorFlow thread, training is not."""

import yaml

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


def test_one_machine_keeps_rasas_in_memory_stores(tmp_path):
    ep = yaml.safe_load(write_endpoints(Settings(VAR_DIR=tmp_path, REDIS_URL=None)).read_text("utf-8"))
    assert set(ep) == {"action_endpoint"}


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
