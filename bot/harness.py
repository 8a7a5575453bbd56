"""A running product for evaluation and benchmarks: reuse one at --url, or start one on loopback."""

from __future__ import annotations

import contextlib
import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from typing import NamedTuple

import httpx

from common.settings import Settings

from .placement import pin_on_exec
from .runner import PROJECT_ROOT, Stack, log_path, train


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def is_up(url: str) -> bool:
    try:
        return httpx.get(f"{url}/readyz", timeout=2.0).status_code == 200
    except httpx.HTTPError:
        return False


class RunningService(NamedTuple):
    api: str            # the public service
    rasa: str           # Rasa on loopback
    settings: Settings  # settings pointing at this Rasa and action server


@contextlib.contextmanager
def running_service(settings: Settings, url: str | None = None, say=print,
                    started: Callable[[Stack], None] | None = None) -> Iterator[RunningService]:
    """Starts actions, Rasa and the API on free ports (or reuses the service at ``url``).

    ``started`` is given the Stack once it is ready (a test restarts Rasa through it).
    """
    if url and is_up(url):
        yield RunningService(url, settings.RASA_URL, settings)
        return
    # Evaluations and benchmarks send many turns from one address: no rate limit. Without a key of
    # its own (a fresh clone has no .env), the service started here gets a throwaway one.
    s = settings.model_copy(update={"PORT": free_port(), "ACTIONS_PORT": free_port(),
                                    "RASA_URL": f"http://127.0.0.1:{free_port()}", "RATE_LIMIT_ENABLED": False,
                                    "SECRET_KEY": secrets.token_hex(32) if settings.secret_problem
                                    else settings.SECRET_KEY})
    train(s, say=say)
    stack = Stack(s)
    api = None
    try:
        stack.start(say=say)
        stack.wait_ready(say=say)
        if started is not None:
            started(stack)
        env = dict(os.environ, RASA_URL=s.RASA_URL, ACTIONS_PORT=str(s.ACTIONS_PORT), VAR_DIR=str(s.VAR_DIR),
                   EMBEDDING_MODEL=s.EMBEDDING_MODEL, RASA_TOKEN=s.RASA_TOKEN or "",
                   RATE_LIMIT_ENABLED="false", SECRET_KEY=s.SECRET_KEY)
        log = open(log_path(s.VAR_DIR / "logs", "api"), "ab")
        api = subprocess.Popen([sys.executable, "-m", "uvicorn", "bot.app:create_app", "--factory",
                                "--host", "127.0.0.1", "--port", str(s.PORT), "--log-level", "warning"],
                               cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                               preexec_fn=pin_on_exec(stack.other_cpus))
        api_url = f"http://127.0.0.1:{s.PORT}"
        deadline = time.monotonic() + 60
        while not is_up(api_url):
            if api.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"API 未能启动，见 {s.VAR_DIR}/logs/api.log")
            time.sleep(0.3)
        yield RunningService(api_url, s.RASA_URL, s)
    finally:
        if api and api.poll() is None:
            api.terminate()
            api.wait(10)
        stack.stop()
