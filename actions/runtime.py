"""The knowledge components the actions share, built once per process."""

from __future__ import annotations

import datetime as dt
import functools
import logging
from dataclasses import dataclass

from common.services import Services, route_classifier, services
from common.settings import Settings, get_settings
from knowledge.errors import QueryError
from knowledge.rest_days import rest_days
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
        rest_days().is_rest_day(dt.date.today())   # the calendar fills a year on first use

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


@functools.lru_cache(maxsize=1)
def runtime() -> Runtime:
    settings = get_settings()
    svc = services(settings)
    classifier = route_classifier(settings, svc)
    logger.info("actions.runtime.ready")
    return Runtime(settings, svc, classifier)
