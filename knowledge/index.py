"""The persisted search index: faiss for dense vectors, BM25 over jieba terms.

Layout of an index folder: ``manifest.json`` (model id, corpus hash, build time,
sizes), ``docs.jsonl`` (documents with their BM25 terms) and ``dense.faiss``.
``ensure_index`` rebuilds when the corpus or the model changed, and embeddings
come from a content-hash cache, so a small edit re-embeds only what changed.

Exact inner-product search (IndexFlatIP) is used up to ``EXACT_LIMIT`` vectors;
above that an HNSW graph (M=32) keeps queries fast at a small recall cost.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .bm25 import BM25
from .embedder import Embedder
from .embedding_cache import EmbeddingCache
from .errors import IndexMissingError
from .kb import Document, KnowledgeBase
from .tokenizer import Tokenizer

logger = logging.getLogger(__name__)

INDEX_FORMAT = 1
EXACT_LIMIT = 50_000

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Manifest:
    format: int
    model_id: str
    corpus_hash: str
    built_at: str
    build_seconds: float
    documents: int
    articles: int
    dim: int
    faiss_index: str
    embedded_fresh: int

    @classmethod
    def read(cls, path: Path) -> Manifest | None:
        try:
            data = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
            return cls(**data)
        except (OSError, ValueError, TypeError):
            return None


def corpus_hash(docs: list[Document], tokenizer: Tokenizer) -> str:
    h = hashlib.sha256(f"format={INDEX_FORMAT};seg={tokenizer.segmenter.value}".encode())
    h.update("\n".join(tokenizer.user_words).encode())
    for d in docs:
        h.update(json.dumps([d.doc_id, d.kind, d.text, d.targets, sorted(d.routes), d.region, d.current],
                            ensure_ascii=False).encode())
    return h.hexdigest()


def make_tokenizer(kb: KnowledgeBase, segmenter: str = "jieba") -> Tokenizer:
    return Tokenizer(kb.synonyms.user_dictionary(), segmenter)


def _faiss_index(vectors: np.ndarray):
    import faiss

    dim = vectors.shape[1]
    index: Any
    if len(vectors) <= EXACT_LIMIT:
        index = faiss.IndexFlatIP(dim)
        kind = "IndexFlatIP"
    else:
        index = faiss.IndexHNSWFlat(dim, 32, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efSearch = 128
        kind = "IndexHNSWFlat(M=32)"
    index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index, kind


def build_index(kb: KnowledgeBase, embedder: Embedder, index_dir: Path, cache_path: Path,
                segmenter: str = "jieba", progress: Progress | None = None) -> Manifest:
    """Build the index into ``index_dir`` atomically (a half-built index is never visible)."""
    import faiss

    say = progress or (lambda _m: None)
    started = time.perf_counter()
    docs = kb.documents()
    tokenizer = make_tokenizer(kb, segmenter)
    say(f"分词 {len(docs)} 个文档…")
    tokens = [tokenizer.tokenize(d.text) for d in docs]
    say(f"计算向量（模型 {embedder.model_id}）…")
    last = [0.0]

    def embed_progress(done: int, total: int) -> None:
        now = time.perf_counter()
        if now - last[0] > 2 or done == total:
            last[0] = now
            say(f"  向量 {done}/{total}")

    cache = EmbeddingCache(cache_path)
    vectors, fresh = cache.embed(embedder, [d.text for d in docs], embed_progress)
    index, kind = _faiss_index(vectors)
    manifest = Manifest(INDEX_FORMAT, embedder.model_id, corpus_hash(docs, tokenizer),
                        time.strftime("%Y-%m-%dT%H:%M:%S%z"), round(time.perf_counter() - started, 2),
                        len(docs), len(kb.corpus.articles), int(vectors.shape[1]), kind, fresh)
    index_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".index-", dir=index_dir.parent))
    try:
        with open(tmp / "docs.jsonl", "w", encoding="utf-8") as f:
            for d, t in zip(docs, tokens, strict=True):
                row = asdict(d) | {"routes": sorted(d.routes), "tokens": t}
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
        faiss.write_index(index, str(tmp / "dense.faiss"))
        (tmp / "manifest.json").write_text(json.dumps(asdict(manifest), ensure_ascii=False, indent=2),
                                           encoding="utf-8")
        old = index_dir.with_name(index_dir.name + ".old")
        if index_dir.exists():
            shutil.rmtree(old, ignore_errors=True)
            os.replace(index_dir, old)
        os.replace(tmp, index_dir)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    say(f"索引已建立：{len(docs)} 个文档，{manifest.build_seconds:.1f} 秒（新计算向量 {fresh} 个）")
    return manifest


class SearchIndex:
    """A loaded index: documents, BM25 and faiss, plus per-document filter arrays."""

    def __init__(self, index_dir: Path, tokenizer: Tokenizer) -> None:
        import faiss

        manifest = Manifest.read(index_dir)
        if manifest is None or not (index_dir / "dense.faiss").exists():
            raise IndexMissingError(f"索引不存在或不完整：{index_dir}。请先运行 `xinfang index build`。")
        self.manifest = manifest
        self.docs: list[Document] = []
        tokens: list[list[str]] = []
        with open(index_dir / "docs.jsonl", encoding="utf-8") as f:
            for line in f:
                row = json.loads(line)
                tokens.append(row.pop("tokens"))
                row["targets"] = tuple(row["targets"])
                row["routes"] = frozenset(row["routes"])
                self.docs.append(Document(**row))
        self.tokenizer = tokenizer
        self.bm25 = BM25(tokens)
        self.faiss = faiss.read_index(str(index_dir / "dense.faiss"))
        self.current = np.array([d.current for d in self.docs], dtype=bool)
        self.region = np.array([d.region or "" for d in self.docs], dtype=object)

    def __len__(self) -> int:
        return len(self.docs)


def index_is_fresh(kb: KnowledgeBase, embedder: Embedder, index_dir: Path, segmenter: str = "jieba") -> bool:
    manifest = Manifest.read(index_dir)
    if manifest is None or manifest.format != INDEX_FORMAT or manifest.model_id != embedder.model_id:
        return False
    return manifest.corpus_hash == corpus_hash(kb.documents(), make_tokenizer(kb, segmenter)) and \
        (index_dir / "dense.faiss").exists()


def ensure_index(kb: KnowledgeBase, embedder: Embedder, index_dir: Path, cache_path: Path,
                 segmenter: str = "jieba", progress: Progress | None = None, force: bool = False) -> tuple[Manifest, bool]:
    """Build the index if it is missing or stale; returns the manifest and whether it was rebuilt."""
    if not force and index_is_fresh(kb, embedder, index_dir, segmenter):
        manifest = Manifest.read(index_dir)
        assert manifest is not None
        return manifest, False
    return build_index(kb, embedder, index_dir, cache_path, segmenter, progress), True
