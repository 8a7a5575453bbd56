"""Embeddings cached by (model, content hash) in SQLite, so an edit re-embeds only what changed."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable
from pathlib import Path

import numpy as np

from .embedder import Embedder


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


QUERY_BATCH = 64


def embed_queries(embedder: Embedder, texts: list[str], progress=None) -> np.ndarray:
    """Query vectors for many texts, in batches (with progress)."""
    parts = []
    for start in range(0, len(texts), QUERY_BATCH):
        parts.append(embedder.embed_queries(texts[start:start + QUERY_BATCH]))
        if progress is not None:
            progress(min(start + QUERY_BATCH, len(texts)), len(texts))
    return np.vstack(parts) if parts else np.zeros((0, embedder.dim), np.float32)


class EmbeddingCache:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        with self._connect() as db:
            db.execute("CREATE TABLE IF NOT EXISTS embeddings (model TEXT NOT NULL, hash TEXT NOT NULL, "
                       "dim INTEGER NOT NULL, vec BLOB NOT NULL, PRIMARY KEY (model, hash))")

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30)
        db.execute("PRAGMA journal_mode=WAL")
        return db

    def embed(self, embedder: Embedder, texts: list[str],
              progress: Callable[[int, int], None] | None = None, as_queries: bool = False) -> tuple[np.ndarray, int]:
        """Passage embeddings for ``texts`` (query embeddings with ``as_queries``: e5 prefixes the two
        differently); returns them and how many were computed fresh."""
        model = embedder.model_id + ("|query" if as_queries else "")
        hashes = [content_hash(t) for t in texts]
        found: dict[str, np.ndarray] = {}
        with self._connect() as db:
            unique = list(dict.fromkeys(hashes))
            for start in range(0, len(unique), 500):
                chunk = unique[start:start + 500]
                marks = ",".join("?" * len(chunk))
                for h, dim, blob in db.execute(
                        f"SELECT hash, dim, vec FROM embeddings WHERE model=? AND hash IN ({marks})", [model, *chunk]):
                    found[h] = np.frombuffer(blob, dtype=np.float32, count=dim)
        missing = [h for h in dict.fromkeys(hashes) if h not in found]
        if missing:
            first = {h: t for h, t in zip(hashes, texts, strict=True)}
            fresh = [first[h] for h in missing]
            vectors = (embed_queries(embedder, fresh, progress) if as_queries
                       else embedder.embed_passages(fresh, progress=progress))
            with self._connect() as db:
                db.executemany("INSERT OR REPLACE INTO embeddings VALUES (?, ?, ?, ?)",
                               [(model, h, int(v.shape[0]), np.asarray(v, np.float32).tobytes())
                                for h, v in zip(missing, vectors, strict=True)])
            for h, v in zip(missing, vectors, strict=True):
                found[h] = np.asarray(v, np.float32)
        elif progress:
            progress(len(texts), len(texts))
        if not texts:
            return np.zeros((0, embedder.dim), np.float32), 0
        return np.vstack([found[h] for h in hashes]).astype(np.float32), len(missing)
