"""The knowledge components the actions share, built once per process."""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass

from bot.services import Services, services
from bot.settings import Settings, get_settings
from knowledge.embedding_cache import EmbeddingCache
from knowledge.index import make_tokenizer
from knowledge.triage import RouteClassifier

logger = logging.getLogger(__name__)


@dataclass
class Runtime:
    settings: Settings
    svc: Services
    classifier: RouteClassifier

    @property
    def kb(self):
        return self.svc.kb

    @property
    def retriever(self):
        return self.svc.retriever

    def warm_up(self) -> None:
        self.retriever.warm_up()
        self.classifier.classify("公司拖欠工资")


@functools.lru_cache(maxsize=1)
def runtime() -> Runtime:
    settings = get_settings()
    svc = services(settings)
    classifier = RouteClassifier(svc.kb, svc.embedder, EmbeddingCache(settings.embedding_cache_path),
                                 make_tokenizer(svc.kb, settings.SEGMENTER))
    logger.info("actions.runtime.ready")
    return Runtime(settings, svc, classifier)
