"""Retrieval evaluation and benchmark (numbers printed by the CLI, never asserted on time).

Recall@k: share of questions with at least one labelled article in the top k.
MRR: mean of 1/rank of the first labelled article within the top 10 (0 when absent).
"""

from __future__ import annotations

import gc
import resource
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

from .embedder import Embedder
from .index import SearchIndex, build_index, make_tokenizer
from .kb import KnowledgeBase
from .retriever import MODES, HybridRetriever

MRR_DEPTH = 10


@dataclass(frozen=True)
class DevQuestion:
    q: str
    ids: tuple[str, ...]
    topic: str = ""


def load_dev_set(path: Path, kb: KnowledgeBase | None = None) -> list[DevQuestion]:
    rows = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    out = []
    for i, row in enumerate(rows):
        ids = tuple(row.get("ids") or ())
        if not row.get("q") or not ids:
            raise ValueError(f"{path}: entry {i + 1} needs q and ids")
        if kb is not None:
            for aid in ids:
                if aid not in kb.corpus.articles:
                    raise ValueError(f"{path}: entry {i + 1} labels unknown article {aid}")
        out.append(DevQuestion(row["q"], ids, row.get("topic", "")))
    return out


def _figures(search, questions: list[DevQuestion]) -> dict:
    r1 = r5 = rr = 0.0
    misses = []
    for dq in questions:
        ids = [h.id for h in search(dq.q)]
        rank = next((i + 1 for i, aid in enumerate(ids) if aid in dq.ids), None)
        r1 += rank == 1
        r5 += rank is not None and rank <= 5
        rr += 1.0 / rank if rank else 0.0
        if rank is None or rank > 5:
            misses.append({"q": dq.q, "expected": list(dq.ids), "got": ids[:5]})
    n = max(len(questions), 1)
    return {"recall@1": r1 / n, "recall@5": r5 / n, "mrr": rr / n, "questions": len(questions), "misses": misses}


def evaluate(retriever: HybridRetriever, questions: list[DevQuestion], modes=MODES) -> dict[str, dict]:
    """The figures per mode; with a reranker set, ``hybrid`` is reranked (as served) and ``fused`` is
    the same ranking before the reranker."""
    results = {mode: _figures(lambda q, m=mode: retriever.search(q, k=MRR_DEPTH, mode=m), questions)
               for mode in modes}
    if retriever.reranker is not None and "hybrid" in modes:
        reranker, retriever.reranker = retriever.reranker, None
        try:
            results["fused"] = _figures(lambda q: retriever.search(q, k=MRR_DEPTH, mode="hybrid"), questions)
        finally:
            retriever.reranker = reranker
    return results


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def benchmark(kb: KnowledgeBase, embedder: Embedder, questions: list[str], segmenter: str = "jieba",
              rounds: int = 3, progress=None, build_command: list[str] | None = None) -> dict:
    """Full build from an empty cache, then warmed-up query latency and the serving process's memory.

    With ``build_command`` the build runs in a child process (given ``VAR_DIR`` in its
    environment), so the peak memory reported is that of the process that serves queries.
    """
    import os
    import subprocess

    with tempfile.TemporaryDirectory(prefix="xinfang-bench-") as tmp:
        tmpdir = Path(tmp)
        t0 = time.perf_counter()
        if build_command:
            subprocess.run(build_command, check=True, env={**os.environ, "VAR_DIR": str(tmpdir)},
                           stdout=subprocess.DEVNULL)
            index_dir = tmpdir / "index"
        else:
            build_index(kb, embedder, tmpdir / "index", tmpdir / "cache.sqlite", segmenter, progress)
            index_dir = tmpdir / "index"
        build_seconds = time.perf_counter() - t0
        index = SearchIndex(index_dir, make_tokenizer(kb, segmenter))
        manifest = index.manifest
        retriever = HybridRetriever(kb, index, embedder)
        for q in questions[:10]:
            retriever.search(q)
        gc.collect()
        latencies: list[float] = []
        forget = getattr(embedder, "clear_query_cache", lambda: None)
        for _ in range(rounds):
            for q in questions:
                forget()  # every timed query is embedded afresh: the cache would flatter later rounds
                t = time.perf_counter()
                retriever.search(q)
                latencies.append((time.perf_counter() - t) * 1000)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "documents": manifest.documents, "articles": manifest.articles, "model": manifest.model_id,
        "faiss_index": manifest.faiss_index, "build_seconds": round(build_seconds, 2),
        "build_in_child_process": bool(build_command),
        "queries": len(latencies), "p50_ms": round(statistics.median(latencies), 2),
        "p95_ms": round(_percentile(latencies, 0.95), 2), "max_ms": round(max(latencies), 2),
        "peak_rss_mb": round(peak_mb, 1),
    }
