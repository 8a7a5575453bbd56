"""The knowledge components the actions share, built once per process."""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass

from common.services import Services, services
from common.settings import Settings, get_settings
from knowledge.embedding_cache import EmbeddingCache
from knowledge.errors import QueryError
from knowledge.index import make_tokenizer
from knowledge.real_questions import (
    QUESTIONS_FILE,
    RealQuestion,
    load_real_questions,
    load_split,
    part,
)
from knowledge.textnorm import normalize_query
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

    def prefetch(self, text: str) -> bool:
        """Embeds a user's text as a query before any action asks for it.

        The API sends the text here at the moment it sends it to Rasa, so the embedding (most
        of an action's time) runs on this process's CPU while Rasa parses the message and
        predicts on its own; the action then finds the vector in the embedder's query cache.
        The same normalisation as ``classify`` and ``search``, so the cache key is the same.
        False when there is nothing to gain: an embedder without a query cache, or text that
        no action would embed.
        """
        embedder = self.svc.embedder
        if not getattr(embedder, "caches_queries", False):
            return False
        try:
            query = normalize_query(text)
        except QueryError:
            return False
        embedder.embed_queries([query])
        return True


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


@functools.lru_cache(maxsize=1)
def runtime() -> Runtime:
    settings = get_settings()
    svc = services(settings)
    classifier = route_classifier(settings, svc)
    logger.info("actions.runtime.ready")
    return Runtime(settings, svc, classifier)
