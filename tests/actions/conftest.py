"""Actions run against the real knowledge base with the fast hashing embedder (no model load)."""

from __future__ import annotations

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher


@pytest.fixture(scope="session")
def rt(real_kb, tmp_path_factory):
    from actions.runtime import Runtime
    from common.services import Services, real_training_part
    from common.settings import Settings
    from knowledge.embedder import HashingEmbedder
    from knowledge.embedding_cache import EmbeddingCache
    from knowledge.index import SearchIndex, build_index, make_tokenizer
    from knowledge.retriever import HybridRetriever
    from knowledge.triage import RouteClassifier

    tmp = tmp_path_factory.mktemp("rt")
    emb = HashingEmbedder(256)
    build_index(real_kb, emb, tmp / "index", tmp / "cache.sqlite")
    tok = make_tokenizer(real_kb)
    retriever = HybridRetriever(real_kb, SearchIndex(tmp / "index", tok), emb)
    settings = Settings(VAR_DIR=tmp)
    classifier = RouteClassifier(real_kb, emb, EmbeddingCache(tmp / "cache.sqlite"), tok,
                                 real_training_part(settings, real_kb), cache_dir=settings.triage_dir)
    return Runtime(settings, Services(real_kb, emb, retriever), classifier)


@pytest.fixture(autouse=True)
def use_rt(rt, monkeypatch):
    import actions.base
    import actions.triage

    monkeypatch.setattr(actions.base, "runtime", lambda: rt)
    monkeypatch.setattr(actions.triage, "runtime", lambda: rt)


def tracker(text: str, intent: str = "ask_law", slots: dict | None = None, metadata: dict | None = None,
            confidence: float = 0.9) -> Tracker:
    return Tracker("tester", slots or {}, {"text": text, "intent": {"name": intent, "confidence": confidence},
                                           "entities": [], "metadata": metadata or {}},
                   [], False, None, {}, "action_listen")


async def run(action, text: str, **kw) -> tuple[list[dict], list[dict], dict]:
    """Runs an action; returns (text messages, events, the structured payload)."""
    d = CollectingDispatcher()
    events = await action.run(d, tracker(text, **kw), {})
    payloads = [m["custom"]["xinfang"] for m in d.messages if m.get("custom")]
    texts = [m for m in d.messages if m.get("text")]
    return texts, events, payloads[-1] if payloads else {}


def turn_for(text: str, intent: str = "ask_deadline", action: str = "action_deadline", today=None, **kw):
    """The turn an action would read for ``text`` (with ``today`` fixed when given)."""
    import dataclasses

    from actions.base import runtime
    from actions.turn import Turn

    turn = Turn.read(runtime(), tracker(text, intent=intent, **kw), action)
    return dataclasses.replace(turn, today=today) if today else turn


def words():
    """How the dialogue reads a message (sources/dialogue_words.yaml), as the actions load it."""
    from actions.base import runtime

    return runtime().kb.words
