"""Runtime.prefetch: the vector computed ahead is the one the actions look up."""

from __future__ import annotations

import numpy as np

from actions.runtime import Runtime
from common.services import Services


class CachingEmbedder:
    """The hashing embedder behind a query cache, recording which queries were computed."""

    caches_queries = True

    def __init__(self, inner) -> None:
        self.inner, self.cache, self.computed = inner, {}, []

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        out = []
        for t in texts:
            if t not in self.cache:
                self.computed.append(t)
                self.cache[t] = self.inner.embed_queries([t])[0]
            out.append(self.cache[t])
        return np.stack(out)


def test_prefetch_then_the_actions_find_the_vector(rt, monkeypatch):
    emb = CachingEmbedder(rt.svc.embedder)
    monkeypatch.setattr(rt.classifier, "embedder", emb)
    monkeypatch.setattr(rt.retriever, "embedder", emb)
    fast = Runtime(rt.settings, Services(rt.kb, emb, rt.retriever), rt.classifier)
    text = "  公司拖欠我三个月工资，怎么办？ "
    assert fast.prefetch(text) is True and len(emb.computed) == 1
    fast.classifier.classify(text)
    fast.retriever.search(text, k=3)
    assert len(emb.computed) == 1  # triage and retrieval both hit the prefetched vector


def test_prefetch_skips_what_no_action_embeds(rt):
    assert rt.prefetch("公司拖欠工资") is False  # the hashing embedder has no query cache
    emb = CachingEmbedder(rt.svc.embedder)
    fast = Runtime(rt.settings, Services(rt.kb, emb, rt.retriever), rt.classifier)
    assert fast.prefetch("？？？") is False and fast.prefetch("") is False and emb.computed == []
