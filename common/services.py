"""Builds the knowledge components once per process from settings (lazy: nothing at import)."""

from __future__ import annotations

import functools
import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from knowledge import rerank
from knowledge.embedder import Embedder, SentenceTransformerEmbedder
from knowledge.embedding_cache import EmbeddingCache
from knowledge.index import SearchIndex, ensure_index, make_tokenizer
from knowledge.kb import KnowledgeBase, load_knowledge
from knowledge.real_questions import (
    QUESTIONS_FILE,
    RealQuestion,
    load_real_questions,
    load_split,
    part,
)
from knowledge.retriever import HybridRetriever
from knowledge.triage import RouteClassifier

from .settings import Settings

_LOCK = threading.Lock()
logger = logging.getLogger(__name__)


@functools.lru_cache(maxsize=1)
def knowledge_base() -> KnowledgeBase:
    return load_knowledge()


def make_embedder(settings: Settings, progress=None) -> Embedder:
    if settings.uses_default_model and not Path(settings.EMBEDDING_MODEL).exists():
        from knowledge.errors import IndexMissingError

        raise IndexMissingError("默认向量模型尚未生成。请先运行 `xinfang model convert`（`make install` 会自动运行）。")
    quantize = settings.EMBEDDING_QUANTIZE if settings.EMBEDDING_DEVICE == "cpu" else "none"
    if settings.EMBEDDING_BACKEND == "onnx" and settings.EMBEDDING_DEVICE == "cpu":
        from knowledge.onnx_embedder import OnnxEmbedder

        return OnnxEmbedder(settings.EMBEDDING_MODEL, settings.ONNX_DIR, quantize,
                            threads=settings.EMBEDDING_THREADS, progress=progress)
    return SentenceTransformerEmbedder(settings.EMBEDDING_MODEL, settings.EMBEDDING_DEVICE,
                                       threads=settings.EMBEDDING_THREADS, quantize=quantize)


@dataclass
class Services:
    kb: KnowledgeBase
    embedder: Embedder
    retriever: HybridRetriever


_SERVICES: dict[tuple, Services] = {}


def services(settings: Settings, build_if_stale: bool = True, progress=None) -> Services:
    """The retriever for these settings, building the index first if it is missing or stale."""
    key = (settings.EMBEDDING_MODEL, str(settings.VAR_DIR), settings.SEGMENTER, settings.SEARCH_RERANK)
    with _LOCK:
        if key not in _SERVICES:
            kb = knowledge_base()
            embedder = make_embedder(settings, progress)
            if build_if_stale:
                ensure_index(kb, embedder, settings.index_dir, settings.embedding_cache_path,
                             settings.SEGMENTER, progress)
            index = SearchIndex(settings.index_dir, make_tokenizer(kb, settings.SEGMENTER))
            retriever = HybridRetriever(kb, index, embedder, settings.SEARCH_TOP_K)
            if settings.SEARCH_RERANK:
                retriever.reranker = rerank.load_or_fit(retriever, settings.rerank_dir, progress=progress)
            _SERVICES[key] = Services(kb, embedder, retriever)
        return _SERVICES[key]


def route_classifier(settings: Settings, svc: Services) -> RouteClassifier:
    """The route model for these services, trained on the real questions' training part when they are
    there (``REAL_QUESTIONS_DIR``), kept in ``var/triage`` between starts."""
    return RouteClassifier(svc.kb, svc.embedder, EmbeddingCache(settings.embedding_cache_path),
                           make_tokenizer(svc.kb, settings.SEGMENTER), real_training_part(settings, svc.kb),
                           cache_dir=settings.triage_dir)


def real_training_part(settings: Settings, kb) -> list[RealQuestion]:
    if not (settings.REAL_QUESTIONS_DIR / QUESTIONS_FILE).exists() or not settings.REAL_QUESTIONS_SPLIT.exists():
        logger.warning("triage.real_questions.absent", extra={"dir": str(settings.REAL_QUESTIONS_DIR)})
        return []
    items = load_real_questions(settings.REAL_QUESTIONS_DIR, set(kb.route_ids))
    return part(items, load_split(settings.REAL_QUESTIONS_SPLIT), "train")
