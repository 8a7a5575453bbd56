"""One conversation turn, the same for every channel: mask, hash, ask Rasa, shape the answer.

The structured payload comes from our actions (``{"xinfang": {...}}`` custom
messages). Replies that came from a plain ``utter_`` response carry none; for
those the intent is read from Rasa's parser. A crisis message is guaranteed first
even if the dialogue model missed it (the lexicon is deterministic).
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from knowledge.corpus import Corpus
from knowledge.crisis import CRISIS_FOLLOW_UP, CRISIS_WHY, crisis_message, detect_crisis
from knowledge.packs import plausible_region
from knowledge.textnorm import to_simplified

from .analytics.answers import is_answered, turn_answer
from .commands import for_rasa
from .privacy import PRIVACY_REMINDER, for_dialogue, hash_user_id, mask_pii
from .rasa_client import RasaClient
from .store import Store, TurnRecord

logger = logging.getLogger(__name__)

PAYLOAD_KEY = "xinfang"
CRISIS_ROUTE = "crisis"


OUT_OF_SCOPE = {"out_of_scope", "chitchat", "greet", "goodbye", "thank", "bot_capability"}
PROBLEM_KINDS = {"triage", "clarify"}


@dataclass
class Turn:
    messages: list[dict[str, Any]] = field(default_factory=list)   # as the chat API returns them
    texts: list[str] = field(default_factory=list)
    payloads: list[dict[str, Any]] = field(default_factory=list)
    intent: dict[str, Any] = field(default_factory=dict)
    ref: str = ""              # the turn's id: feedback refers to it; a channel may supply its own (WeChat MsgId)
    recorded: bool = True      # False when the channel ref had been recorded before (a retry)

    @property
    def routes(self) -> list[dict[str, Any]]:
        seen: dict[str, dict[str, Any]] = {}
        for p in self.payloads:
            for r in p.get("routes", []):
                seen.setdefault(r["id"], r)
        return list(seen.values())

    @property
    def answer_routes(self) -> list[dict[str, Any]]:
        """The routes an answer offers: none for small talk, unless a reply answered it as a problem.

        A bare 「好的」「不对」 needs no case here: its payload (kind "ack") carries no routes. Small
        talk gets none even when a reply named some, unless the reply answered it as a problem (harm
        told in words the NLU took for small talk, see actions/fallback.HARM). ``/api/ask`` and the
        staff route finder both show these.
        """
        as_problem = any(p.get("kind") in PROBLEM_KINDS for p in self.payloads)
        return [] if self.intent.get("name") in OUT_OF_SCOPE and not as_problem else self.routes

    @property
    def citations(self) -> list[dict[str, Any]]:
        seen: dict[str, dict[str, Any]] = {}
        for p in self.payloads:
            for c in p.get("citations", []):
                seen.setdefault(c["id"], {k: c[k] for k in ("id", "law", "article", "text", "citation") if k in c})
        return list(seen.values())

    @property
    def needs_clarification(self) -> bool:
        return any(p.get("needs_clarification") for p in self.payloads)


class Conversations:
    def __init__(self, rasa: RasaClient, secret_key: str, channels: dict, store: Store | None = None,
                 prefetch: Callable[[str], None] | None = None, prefetch_max_inflight: int = 2,
                 route_names: dict[str, str] | None = None, corpus: Corpus | None = None) -> None:
        self.rasa, self.secret_key, self.channels, self.store = rasa, secret_key, channels, store
        self.route_names = route_names or {}   # route id -> Chinese name (the routes contract)
        self.corpus = corpus   # the articles' texts, added to the citations the actions send by id
        self.prefetch = prefetch  # called with the masked text as it goes to Rasa (bot/prefetch.py)
        self.prefetch_max_inflight = prefetch_max_inflight

    def user_hash(self, sender: str, namespace: str = "web") -> str:
        return hash_user_id(sender, self.secret_key, namespace)

    async def turn(self, sender: str, text: str, metadata: dict[str, Any] | None = None,
                   namespace: str = "web", parse_intent: bool = False, ref: str | None = None) -> Turn:
        # Rasa's training data is simplified Chinese: a message in traditional characters is
        # converted first (the user's own text is not changed anywhere else).
        simplified = to_simplified(text)
        masked = mask_pii(simplified)
        # what the dialogue reads: the masked numbers left out, and never a command of Rasa's syntax
        said = for_rasa(for_dialogue(masked))
        hashed = self.user_hash(sender, namespace)
        meta = {k: v for k, v in (metadata or {}).items() if k in ("region", "channel", "locale")}
        on_admit = None if self.prefetch is None else (lambda: self._maybe_prefetch(said))
        started = time.perf_counter()
        raw = await self.rasa.send(hashed, said, meta, on_admit=on_admit)
        latency_ms = round((time.perf_counter() - started) * 1000)
        turn = Turn(ref=ref or uuid.uuid4().hex)
        for m in raw:
            custom = m.get("custom")
            if isinstance(custom, dict) and PAYLOAD_KEY in custom:
                payload = self._with_article_texts(custom[PAYLOAD_KEY])
                turn.payloads.append(payload)
                turn.messages.append({"custom": payload})
                continue
            msg: dict[str, Any] = {}
            if m.get("text"):
                msg["text"] = m["text"]
                turn.texts.append(m["text"])
            if m.get("buttons"):
                msg["buttons"] = [{"title": b.get("title", ""), "payload": b.get("payload", "")} for b in m["buttons"]]
            if msg:
                turn.messages.append(msg)
        intents = [p["intent"] for p in turn.payloads if (p.get("intent") or {}).get("name")]
        if intents:
            turn.intent = intents[-1]
        elif parse_intent:
            parsed = await self.rasa.parse(said)
            turn.intent = {"name": parsed.get("intent", {}).get("name"),
                           "confidence": parsed.get("intent", {}).get("confidence")}
        if detect_crisis(text) and not any(p.get("kind") == "crisis" for p in turn.payloads):
            self._crisis_first(turn)
        if masked != simplified:
            turn.texts.append(PRIVACY_REMINDER)
            turn.messages.append({"text": PRIVACY_REMINDER})
        if self.store is not None:
            turn.recorded = await self._record(turn, namespace, hashed, masked, channel_ref=ref,
                                               region=plausible_region(meta.get("region")), latency_ms=latency_ms)
        return turn

    def _with_article_texts(self, payload: dict[str, Any]) -> dict[str, Any]:
        """The payload with each citation's article text (the actions send citations by id)."""
        if self.corpus is not None:
            for c in payload.get("citations") or []:
                art = self.corpus.articles.get(c.get("id", ""))
                if art is not None:
                    c["text"] = art.text
        return payload

    def _crisis_first(self, turn: Turn) -> None:
        """The help lines first, when the crisis lexicon fired but the dialogue did not answer a crisis.

        An answer from our actions (a route, a deadline) stays after the lines. A canned reply
        alone (「再见，您多保重」 for 「算了 不活了」 read as a goodbye, small talk, a form question)
        is replaced: after the help lines it would read as a dismissal.
        """
        if not turn.payloads:
            payload = {"kind": "crisis", "source": "service", "intent": {"name": "crisis", "confidence": None},
                       "routes": [{"id": CRISIS_ROUTE, "name": self.route_names.get(CRISIS_ROUTE, "紧急求助"),
                                   "why": CRISIS_WHY}],
                       "citations": [], "cards": [], "needs_clarification": False}
            turn.texts, turn.messages = [CRISIS_FOLLOW_UP], [{"text": CRISIS_FOLLOW_UP}, {"custom": payload}]
            turn.payloads = [payload]
            turn.intent = dict(payload["intent"])   # type: ignore[call-overload]  # what the service answered
        first = crisis_message(self.channels)
        turn.texts.insert(0, first)
        turn.messages.insert(0, {"text": first})

    def _maybe_prefetch(self, masked: str) -> None:
        """Called as the turn is let through to Rasa (not while it queues), so the vector is used soon.

        Speculative work pays only on a CPU with room to spare: with more than
        ``prefetch_max_inflight`` turns at Rasa the action server is busy with their actions, a
        prefetch would only delay them, and the turn waits for Rasa anyway, so it is skipped.
        """
        if self.prefetch is not None and self.rasa.inflight <= self.prefetch_max_inflight:
            self.prefetch(masked)

    async def _record(self, turn: Turn, channel: str, user_hash: str, masked: str, channel_ref: str | None,
                      region: str | None = None, latency_ms: int | None = None) -> bool:
        kinds = [p.get("kind") for p in turn.payloads if p.get("kind")]
        # the help lines the service put first (_crisis_first) make a crisis turn whatever the dialogue said
        crisis = bool(turn.texts) and turn.texts[0] == crisis_message(self.channels)
        answer = turn_answer(kinds, crisis=crisis)
        rec = TurnRecord(channel=channel, user_hash=user_hash, text=masked, ref=channel_ref or turn.ref,
                         intent=turn.intent.get("name"), confidence=turn.intent.get("confidence"),
                         kind=kinds[-1] if kinds else None, routes=tuple(r["id"] for r in turn.routes),
                         answered=is_answered(answer), answer=answer.value, region=region,
                         citations=tuple(c["id"] for c in turn.citations), latency_ms=latency_ms)
        if self.store is None:
            return True
        try:
            return await asyncio.to_thread(self.store.record_turn, rec)
        except Exception:  # analytics must never cost the citizen the answer
            logger.exception("store.record_turn failed")
            return True

    async def ask(self, text: str, region: str | None, channel: str = "api") -> Turn:
        """A one-off question in a fresh conversation (the same pipeline as the chat).

        ``channel`` is what the turn is recorded under: "api" for ``/api/ask``, "staff" for the desk's
        route finder (an officer's lookup is not a citizen's question in the analytics).
        """
        meta = {"region": region} if region else {}
        return await self.turn(f"ask-{uuid.uuid4().hex}", text, meta, namespace=channel, parse_intent=True)
