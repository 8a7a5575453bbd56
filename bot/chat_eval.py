"""Route evaluation and chat benchmark against a running service (numbers printed, never asserted)."""

from __future__ import annotations

import asyncio
import statistics
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import yaml

from knowledge.real_questions import RealQuestion
from knowledge.route_metrics import Outcome, route_figures

TRIAGE_KINDS = frozenset({"triage", "steer", "crisis"})   # replies whose first message is a plan


def ask_all(api: str, texts: list[str], progress=None) -> list[dict]:
    """``/api/ask`` for each text (an empty answer for a refused one), with progress every 20."""
    out = []
    with httpx.Client(base_url=api, timeout=60) as client:
        for i, text in enumerate(texts, 1):
            resp = client.post("/api/ask", json={"text": text})
            out.append(resp.json() if resp.status_code == 200 else {})
            if progress and (i % 20 == 0 or i == len(texts)):
                progress(f"  {i}/{len(texts)}")
    return out


def outcome_of(answer: dict) -> Outcome:
    """What a /api/ask answer gave: its routes, whether it asked first, the first message's length
    (a plan: triage replies only)."""
    routes = tuple(r["id"] for r in answer.get("routes", []))
    first = (answer.get("messages") or [""])[0]
    plan = answer.get("kind") in TRIAGE_KINDS
    return Outcome(routes, asked=bool(answer.get("needs_clarification")), first_chars=len(first) if plan else None)


def evaluate_real(api: str, items: list[RealQuestion], progress=None) -> dict:
    """The real questions through ``/api/ask``: the figures of ``knowledge/route_metrics``, and how many
    answers came with one question to settle the route."""
    answers = ask_all(api, [q.text for q in items], progress)
    figures = route_figures(items, [outcome_of(a) for a in answers])
    scoped = [a for q, a in zip(items, answers, strict=True) if q.in_scope]
    figures["answered_with_question"] = sum(bool(a.get("question")) for a in scoped) / max(len(scoped), 1)
    figures["kinds"] = dict(Counter(a.get("kind") for a in answers))
    return figures


def evaluate_quotes(api: str, questions: list, progress=None) -> dict:
    """Procedure questions through ``/api/ask``: is the article the answer quotes (first) one that answers
    the question? Also counted: answers that say the texts do not answer it (kind ``unknown``)."""
    answers = ask_all(api, [q.q for q in questions], progress)
    right = 0
    misses = []
    for q, a in zip(questions, answers, strict=True):
        quoted = a.get("quoted") or []
        if quoted and quoted[0] in q.ids:
            right += 1
        else:
            misses.append({"q": q.q, "expected": list(q.ids), "quoted": quoted[:2], "kind": a.get("kind")})
    n = max(len(questions), 1)
    return {"n": len(questions), "right": right, "share": right / n,
            "unknown": sum(a.get("kind") == "unknown" for a in answers), "misses": misses}


def load_routes_dev(path: Path) -> list[dict]:
    items = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    return [{"text": i["text"], "routes": list(i["routes"])} for i in items]


def evaluate_routes(api: str, items: list[dict]) -> dict:
    per: dict[str, dict] = {}
    top1 = top3 = 0
    misses = []
    with httpx.Client(base_url=api, timeout=60) as client:
        for item in items:
            resp = client.post("/api/ask", json={"text": item["text"]})
            got = [r["id"] for r in resp.json().get("routes", [])] if resp.status_code == 200 else []
            ok1 = bool(got) and got[0] in item["routes"]
            ok3 = any(g in item["routes"] for g in got[:3])
            top1 += ok1
            top3 += ok3
            key = item["routes"][0]
            row = per.setdefault(key, {"n": 0, "top1": 0.0, "top3": 0.0})
            row["n"] += 1
            row["top1"] += ok1
            row["top3"] += ok3
            if not ok1:
                misses.append({"text": item["text"], "expected": item["routes"], "got": got[:3]})
    for row in per.values():
        row["top1"] /= row["n"]
        row["top3"] /= row["n"]
    n = max(len(items), 1)
    return {"n": len(items), "top1": top1 / n, "top3": top3 / n, "per_route": per, "misses": misses}


async def _load(url: str, bodies: list[dict], clients: int) -> tuple[list[float], float]:
    latencies: list[float] = []
    queue: asyncio.Queue = asyncio.Queue()
    for b in bodies:
        queue.put_nowait(b)

    async def worker(client: httpx.AsyncClient) -> None:
        while not queue.empty():
            body = queue.get_nowait()
            t = time.perf_counter()
            resp = await client.post(url, json=body)
            resp.raise_for_status()
            latencies.append((time.perf_counter() - t) * 1000)

    async with httpx.AsyncClient(timeout=120, limits=httpx.Limits(max_connections=clients)) as client:
        start = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(clients)))
        elapsed = time.perf_counter() - start
    return latencies, len(bodies) / elapsed


def _p(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(round(q * (len(s) - 1))))]


def bench_chat(api: str, rasa: str, texts: list[str], levels: list[int], per_level: int,
               rounds: int = 4) -> dict:
    """Latency and throughput of /api/ask, /api/chat and a bare Rasa utter_ round trip.

    The three targets are interleaved: each concurrency level runs ``rounds`` rounds, and
    each round gives every target ``per_level / rounds`` requests, in an order that rotates
    from round to round. A VM whose speed drifts by ±10-25 % over a minute (as here) then
    slows all three alike, and the ratio compares like with like. Throughput is a target's
    requests divided by the time its rounds took; latencies are pooled over the rounds.
    """
    def bodies(target: str, n: int, start: int = 0) -> list[dict]:
        out = []
        for i in range(start, start + n):
            text = texts[i % len(texts)]
            if target == "ask":
                out.append({"text": text})
            elif target == "chat":
                out.append({"sender": f"bench-{uuid.uuid4().hex[:8]}", "text": text})
            else:
                out.append({"sender": f"bench-{uuid.uuid4().hex[:8]}", "message": "再见"})
        return out

    urls = {"ask": f"{api}/api/ask", "chat": f"{api}/api/chat", "bare_rasa": f"{rasa}/webhooks/rest/webhook"}
    targets = list(urls)
    for target in targets:  # warm-up
        asyncio.run(_load(urls[target], bodies(target, 8), 2))
    rounds = max(1, min(rounds, per_level))
    rows: list[dict[str, Any]] = []
    for clients in levels:
        lat: dict[str, list[float]] = {t: [] for t in targets}
        spent = dict.fromkeys(targets, 0.0)
        done = dict.fromkeys(targets, 0)
        for r in range(rounds):
            n = per_level // rounds + (1 if r < per_level % rounds else 0)
            for target in targets[r % len(targets):] + targets[:r % len(targets)]:
                got, thr = asyncio.run(_load(urls[target], bodies(target, n, done[target]), clients))
                lat[target] += got
                spent[target] += n / thr
                done[target] += n
        for target in targets:
            rows.append({"target": target, "clients": clients, "n": len(lat[target]),
                         "p50_ms": statistics.median(lat[target]), "p95_ms": _p(lat[target], 0.95),
                         "throughput": done[target] / spent[target]})
    top = max(levels)
    sat: dict[str, float] = {r["target"]: r["throughput"] for r in rows if r["clients"] == top}
    ratios = {t: sat[t] / sat["bare_rasa"] for t in ("ask", "chat") if sat.get("bare_rasa")}
    return {"rows": rows, "ratios": ratios, "rounds": rounds}
