"""`xinfang bench staff`: the desk's search as staff type, at 1 and at 8 signed-in clients at once.

Each client signs in with its own session and types questions one character at a time, a
search per keystroke (what the page does, less its debounce). Latency is measured at the client
on loopback, so it includes the HTTP round trip: an upper bound on the server's own time.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import yaml

from .harness import free_port
from .runner import PROJECT_ROOT

QUESTIONS = PROJECT_ROOT / "tests" / "data" / "retrieval_dev.yaml"
PREFIX_CHARS = 10


def typed_queries(path: Path = QUESTIONS, limit: int = 40) -> list[str]:
    """Every prefix of the first characters of the project's own procedure questions, as typed."""
    items = yaml.safe_load(path.read_text(encoding="utf-8"))
    out: list[str] = []
    for item in items[:limit]:
        text = "".join(ch for ch in item["q"] if not ch.isspace())[:PREFIX_CHARS]
        out += [text[:i] for i in range(1, len(text) + 1)]
    return out


async def _signed_in(api: str, username: str, password: str) -> httpx.AsyncClient:
    client = httpx.AsyncClient(base_url=api, timeout=30)
    token = (await client.get("/api/staff/csrf")).json()["csrf_token"]
    resp = await client.post("/api/staff/login", json={"username": username, "password": password},
                             headers={"X-CSRF-Token": token})
    if resp.status_code != 200:
        await client.aclose()
        raise RuntimeError(f"登录失败（{resp.status_code}）：{resp.json().get('error')}")
    return client


async def _run(api: str, username: str, password: str, clients: int, queries: list[str]) -> dict:
    sessions = [await _signed_in(api, username, password) for _ in range(clients)]
    latencies: list[float] = []

    async def typist(client: httpx.AsyncClient, offset: int) -> None:
        for i in range(len(queries)):
            q = queries[(i + offset * 7) % len(queries)]
            t = time.perf_counter()
            resp = await client.get("/api/staff/search", params={"q": q})
            resp.raise_for_status()
            latencies.append((time.perf_counter() - t) * 1000)

    try:
        for c in sessions:                       # warm-up: one query each
            (await c.get("/api/staff/search", params={"q": "复查"})).raise_for_status()
        start = time.perf_counter()
        await asyncio.gather(*(typist(c, k) for k, c in enumerate(sessions)))
        elapsed = time.perf_counter() - start
    finally:
        for c in sessions:
            await c.aclose()
    s = sorted(latencies)
    return {"clients": clients, "n": len(s), "p50_ms": round(statistics.median(s), 1),
            "p95_ms": round(s[min(len(s) - 1, int(round(0.95 * (len(s) - 1))))], 1),
            "max_ms": round(s[-1], 1), "searches_per_s": round(len(s) / elapsed, 1)}


@contextlib.contextmanager
def api_alone(say=print) -> Iterator[tuple[str, str, str]]:
    """The API alone on a free port with a database of its own and a bench account (no Rasa needed)."""
    from sqlalchemy import create_engine

    from .staff.accounts import Accounts
    from .store import Store

    with tempfile.TemporaryDirectory(prefix="xinfang-bench-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        Store(url).close()                                   # migrated before the service opens it
        password = secrets.token_urlsafe(18)
        engine = create_engine(url)
        Accounts(engine).add("bench", "staff", password)
        engine.dispose()
        port = free_port()
        env = dict(os.environ, DATABASE_URL=url, RASA_URL="http://127.0.0.1:9", ACTIONS_PORT="9",
                   STAFF_LOGIN_FAILURES="1000/minute", QUERY_PREFETCH="false", RATE_LIMIT_ENABLED="false",
                   SECRET_KEY=secrets.token_hex(32))     # a throwaway service: its own throwaway key
        proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "bot.app:create_app", "--factory", "--host",
                                 "127.0.0.1", "--port", str(port), "--log-level", "warning"],
                                cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        api = f"http://127.0.0.1:{port}"
        say("==> 启动 API（只用于检索基准）…")
        deadline = time.monotonic() + 90
        try:
            while True:
                with contextlib.suppress(httpx.HTTPError):
                    if httpx.get(f"{api}/healthz", timeout=2).status_code == 200:
                        break
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("API 未能启动：" + (proc.stderr.read().decode()[-2000:] if proc.stderr else ""))
                time.sleep(0.3)
            yield api, "bench", password
        finally:
            proc.terminate()
            proc.wait(10)


def bench_staff(api: str, username: str, password: str, levels: list[int], say=print) -> dict:
    queries = typed_queries()
    rows = []
    for clients in levels:
        say(f"==> {clients} 个客户端同时检索（每个 {len(queries)} 次按键）…")
        rows.append(asyncio.run(_run(api, username, password, clients, queries)))
    return {"rows": rows, "queries_per_client": len(queries), "target_p95_ms": 100}
