"""The environments the runner gives Rasa: serving is held to one TensorFlow thread, training is not."""

from bot.runner import rasa_env, rasa_serving_env

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
