"""Shared fixtures: the tiny fixture knowledge base, the fake embedder, the real settings."""

from __future__ import annotations

import os
import secrets

import pytest

from tests.paths import MINI, ROOT

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
# The service refuses a published or short SECRET_KEY (issue 19): the tests, and the services they start
# (which inherit the environment), use a random key of this run's own unless the environment sets one.
os.environ.setdefault("SECRET_KEY", secrets.token_hex(32))
# Each TestClient is one client address sending many requests: the apps the tests build have no rate limit
# unless a test asks for one (tests/bot/test_rate_limit.py); the services started by bot/harness.py have none.
os.environ.setdefault("RATE_LIMIT_ENABLED", "false")


def pytest_report_header(config) -> list[str]:
    from importlib.metadata import PackageNotFoundError, version

    def v(name: str) -> str:
        try:
            return version(name)
        except PackageNotFoundError:
            return "absent"

    rasa = ROOT / ".venv-rasa" / "bin" / "rasa"
    from common.settings import get_settings

    return [f"embedding model: {get_settings().EMBEDDING_MODEL}",
            f"faiss-cpu {v('faiss-cpu')}, sentence-transformers {v('sentence-transformers')}, torch {v('torch')}, "
            f"rasa-sdk {v('rasa-sdk')}, rasa: {'installed' if rasa.exists() else 'absent'}"]


@pytest.fixture(scope="session")
def mini_kb():
    from knowledge.kb import load_knowledge

    return load_knowledge(MINI, MINI / "local")


@pytest.fixture(scope="session")
def fake_embedder():
    from knowledge.embedder import HashingEmbedder

    return HashingEmbedder(128)


@pytest.fixture
def mini_retriever(mini_kb, fake_embedder, tmp_path):
    from knowledge.index import SearchIndex, build_index, make_tokenizer
    from knowledge.retriever import HybridRetriever

    build_index(mini_kb, fake_embedder, tmp_path / "index", tmp_path / "cache.sqlite")
    index = SearchIndex(tmp_path / "index", make_tokenizer(mini_kb))
    return HybridRetriever(mini_kb, index, fake_embedder, top_k=5, candidates=10)


@pytest.fixture(scope="session")
def real_kb():
    from knowledge.kb import load_knowledge

    return load_knowledge()


@pytest.fixture(scope="session")
def live_service(tmp_path_factory):
    """The whole product on loopback, started once per test session: actions, Rasa and the API.

    Yields a dict: ``api`` (URL of the public service), ``rasa`` (Rasa's loopback URL),
    ``settings`` (Settings pointing at this Rasa and action server, with a temporary database
    for a test's own app instance) and ``rasa_log`` (a function returning what Rasa has logged
    since this service started). Trains first if the model is stale.
    """
    from bot.harness import running_service
    from bot.runner import RASA_BIN
    from common.settings import get_settings

    if not RASA_BIN.exists():
        pytest.skip("Rasa is not installed (make install installs it)")
    base = get_settings()
    db = tmp_path_factory.mktemp("db") / "test.sqlite3"
    log = base.VAR_DIR / "logs" / "rasa.log"
    before = log.stat() if log.exists() else None

    def rasa_log() -> str:
        with open(log, "rb") as f:
            if before and os.fstat(f.fileno()).st_ino == before.st_ino:   # not moved aside at start
                f.seek(before.st_size)
            return f.read().decode("utf-8", "replace")

    with running_service(base) as svc:
        yield {"api": svc.api, "rasa": svc.rasa, "rasa_log": rasa_log,
               "settings": svc.settings.model_copy(update={"DATABASE_URL": f"sqlite:///{db}"})}


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    """A real redis-server of the test run's own, on a free loopback port (``make system-deps`` installs it)."""
    import shutil
    import subprocess
    import time

    import redis

    from bot.harness import free_port

    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is not installed: `make system-deps` installs it "
                    "(or `apt-get install redis-server`); the multi-host tests need a real Redis")
    port = free_port()
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                             "--dir", str(tmp_path_factory.mktemp("redis"))],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + 15
    while True:
        try:
            redis.Redis.from_url(url).ping()
            break
        except redis.ConnectionError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"redis-server did not start on port {port}")
            time.sleep(0.05)
    yield url
    proc.terminate()
    proc.wait(10)


@pytest.fixture(scope="session")
def postgres_url(tmp_path_factory):
    """A real PostgreSQL server of the test run's own on a free loopback port (``make system-deps``)."""
    from bot.harness import free_port
    from tests.pg_server import binaries, postgres_server

    if binaries() is None:
        pytest.fail("PostgreSQL is not installed: `make system-deps` installs it (or `apt-get install "
                    "postgresql`); the PostgreSQL tests need a real server")
    import shutil
    import tempfile
    from pathlib import Path

    base = Path(tempfile.mkdtemp(prefix="xinfang-pg-"))   # not under pytest's 0700 folders: the server's
    try:                                                  # own user must reach it when tests run as root
        with postgres_server(base, free_port()) as url:
            yield url
    finally:
        shutil.rmtree(base, ignore_errors=True)
