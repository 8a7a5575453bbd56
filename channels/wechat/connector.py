"""The connector: every message WeChat pushes is answered exactly once.

WeChat waits ``callback_timeout`` (5 s) for each attempt and retries the same
message a few times. Per message (key: MsgId, or hashed FromUserName + CreateTime
for events) the shared state store holds::

    attempts   INCR on every attempt
    owner      SET NX: the one attempt that starts the assistant (one analytics row)
    result     the answer's parts once ready
    delivery   SET NX "passive" | "cs" | "late": the single decision how it is answered
    cs         SET NX: the one sender of customer-service parts

An attempt waits for the result up to ``reply_budget`` (4 s). Ready in time: it
claims ``delivery=passive`` and replies with the first part; further parts go
through the customer-service API after the reply has been sent. Not ready: on an
attempt before WeChat's last one the request is held open past WeChat's timeout, so
WeChat retries and the retry can still answer passively; on the last attempt it
claims ``delivery=cs``, replies "success" (WeChat then stops) and the parts are
sent through the customer-service API as soon as they are ready. If retries never
come, the owner claims ``delivery=cs`` itself once WeChat has surely given up.
Because ``delivery`` is claimed once, an answer goes passively or through the API,
never both and never neither (short of a crash of the host that runs the assistant).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
from wechatpy.replies import TextReply

from knowledge.crisis import crisis_message, detect_crisis

from . import logs
from .callback import Callback, Envelope
from .client import CustomerServiceClient, SendError
from .config import WeChatConfig
from .parsing import Inbound
from .render import (
    APOLOGY,
    LONG_INPUT_NOTE,
    MAX_INPUT_CHARS,
    MORE_COMMANDS,
    NO_MORE,
    details_text,
    empty_text,
    turn_text,
    unsupported_text,
)
from .splitting import split_text
from .state import StateStore, create_state_store
from .token import AccessTokenCache

logger = logging.getLogger(__name__)

SUCCESS = "success"  # WeChat's "received, no passive reply; do not retry"
LATE = "抱歉，这个问题我需要多想一会儿，没能及时回答。请稍后再发一次同样的问题。"
WELCOME_COMMAND = "/greet"
NAMESPACE = "wechat"


@dataclass
class Reply:
    body: str = SUCCESS
    media_type: str = "text/plain"
    after: Callable[[], Awaitable[None]] | None = None  # runs once the reply has been sent


class WeChatConnector:
    def __init__(self, config: WeChatConfig, conversations: Callable[[], Any], state: StateStore,
                 http: httpx.AsyncClient | None = None) -> None:
        self.config = config
        self._conversations = conversations  # looked up per message (tests wrap app.state.conversations)
        self.state = state
        self.callback = Callback(config)
        self.http = http or httpx.AsyncClient(timeout=httpx.Timeout(10.0, connect=5.0))
        self.tokens = (AccessTokenCache(self.http, config.api_base, config.app_id, config.app_secret, state)
                       if config.app_secret else None)
        self.cs = CustomerServiceClient(self.http, config.api_base, self.tokens) if config.can_push and self.tokens else None
        self.host = f"{socket.gethostname()}:{os.getpid()}"
        self.stats: Counter[str] = Counter()
        self._computing: dict[str, asyncio.Task] = {}
        self._background: set[asyncio.Task] = set()

    @staticmethod
    def name() -> str:
        return "wechat"

    @classmethod
    def from_settings(cls, settings, conversations: Callable[[], Any]) -> WeChatConnector | None:
        """None when WECHAT_TOKEN or WECHAT_APP_ID is not set (the connector is disabled)."""
        config = WeChatConfig.from_settings(settings)
        if config is None:   # said to the operator here; /wechat itself names no settings to the public
            logger.info("wechat.disabled", extra={"hint": "set WECHAT_TOKEN and WECHAT_APP_ID (docs/wechat.md)"})
            return None
        logs.install()
        return cls(config, conversations, create_state_store(config.redis_url))

    def info(self) -> dict[str, Any]:
        return {"enabled": True, "mode": "safe" if self.config.encrypted else "plain",
                "aes_keys": len(self.config.aes_keys), "customer_service": self.cs is not None,
                "state": self.state.name}

    async def close(self) -> None:
        for task in [*self._computing.values(), *self._background]:
            task.cancel()
        await asyncio.gather(*self._computing.values(), *self._background, return_exceptions=True)
        await self.http.aclose()
        await self.state.close()

    # -- one attempt -------------------------------------------------------------------

    async def handle(self, params, body: bytes, wait_disconnect: Callable[[float], Awaitable[bool]]) -> Reply:
        """One attempt. ``wait_disconnect(seconds)`` is True as soon as WeChat hangs up, False at the timeout."""
        loop = asyncio.get_running_loop()
        arrival = loop.time()
        inbound, envelope = self.callback.open(params, body)
        conversations = self._conversations()
        user = conversations.user_hash(inbound.openid, NAMESPACE)
        if self._plan(inbound) == "ignore":
            logger.info("wechat.message.ignored", extra={"user": user, "kind": inbound.kind, "event": inbound.event})
            return Reply()
        key = inbound.dedup_key(user)
        ttl = self.config.dedup_ttl
        try:
            attempt = await self.state.incr(f"{key}:attempts", ttl)
            if await self.state.claim(f"{key}:owner", self.host, ttl):
                self._start(key, inbound, user, arrival)
        except Exception:  # the state store (Redis) is down: answer now, without de-duplication
            logger.exception("wechat.state.unavailable")
            now = split_text(await self._answer(inbound, key, user), self.config.text_max_bytes, 1)
            return self._passive(inbound, envelope, now[0]) if now else Reply()
        logger.info("wechat.message.received", extra={"user": user, "kind": inbound.kind, "attempt": attempt})
        parts = await self._wait_result(key, arrival + self.config.reply_budget)
        if parts is not None:
            return await self._deliver_passive(key, inbound, envelope, parts, user)
        if attempt >= self.config.callback_attempts:
            return await self._hand_off(key, inbound, envelope, user, "last_attempt")
        if await self.state.get(f"{key}:delivery") is not None:
            return Reply()
        # Hold the request past WeChat's timeout: it gives up on this attempt and retries.
        if await wait_disconnect(max(0.0, arrival + self.config.callback_timeout + 0.5 - loop.time())):
            self.stats["held"] += 1
            return Reply()
        # WeChat is still waiting beyond its documented timeout; this reply will reach it and end its retries.
        return await self._hand_off(key, inbound, envelope, user, "still_connected")

    def _plan(self, inbound: Inbound) -> str:
        if inbound.kind == "event":
            return "welcome" if inbound.event == "subscribe" else "ignore"
        return "assistant" if inbound.kind in ("text", "voice") and inbound.content.strip() else "fixed"

    # -- producing the answer (once per message) -------------------------------------------

    def _start(self, key: str, inbound: Inbound, user: str, arrival: float) -> None:
        task = asyncio.create_task(self._compute(key, inbound, user))
        self._computing[key] = task
        task.add_done_callback(lambda t: self._computing.pop(key, None))
        self._spawn(self._after_compute(task, key, inbound, user, arrival))

    async def _compute(self, key: str, inbound: Inbound, user: str) -> list[str]:
        limit = self.config.max_parts if self.cs is not None else 1
        text = await self._answer(inbound, key, user)
        parts = split_text(text, self.config.text_max_bytes, limit)
        await self.state.set(f"{key}:result", json.dumps(parts, ensure_ascii=False), self.config.dedup_ttl)
        return parts

    async def _answer(self, inbound: Inbound, key: str, user: str) -> str:
        """The whole answer as one text (never raises: an outage becomes an apology)."""
        plan = self._plan(inbound)
        if plan == "fixed":
            return unsupported_text(inbound.kind) if inbound.kind != "text" else empty_text()
        conversations = self._conversations()
        note, text = None, inbound.content
        if plan == "assistant" and text.strip() in MORE_COMMANDS:
            # 「回复1查看详细」: the details of this person's last answer, kept for a while; not a new turn
            return await self.state.get(f"details:{user}") or NO_MORE
        if plan == "welcome":
            text = WELCOME_COMMAND
        elif len(text) > MAX_INPUT_CHARS:
            note, text = LONG_INPUT_NOTE, text[:MAX_INPUT_CHARS]
        started = time.monotonic()
        try:
            turn = await asyncio.wait_for(
                conversations.turn(inbound.openid, text, {"channel": NAMESPACE}, namespace=NAMESPACE, ref=key),
                self.config.processing_timeout)
        except Exception as exc:
            logger.warning("wechat.assistant.unavailable", extra={"user": user, "error": type(exc).__name__})
            self.stats["apologies"] += 1
            first = crisis_message(conversations.channels) + "\n\n" if detect_crisis(text) else ""
            return first + APOLOGY
        if not turn.recorded:  # answered before (by another process, or before a restart)
            logger.info("wechat.message.duplicate", extra={"user": user})
            self.stats["duplicates"] += 1
            return ""
        logger.info("wechat.answer.ready", extra={"user": user, "seconds": round(time.monotonic() - started, 3)})
        more = details_text(turn)
        if more:   # keyed by the hashed OpenID, like everything the connector keeps
            await self.state.set(f"details:{user}", more, self.config.dedup_ttl)
        return turn_text(turn, note, more=bool(more))

    async def _after_compute(self, task: asyncio.Task, key: str, inbound: Inbound, user: str,
                             arrival: float) -> None:
        parts = await task
        delivery = await self.state.get(f"{key}:delivery")
        if delivery == "cs":
            await self._send_parts(key, inbound.openid, parts, user)
            return
        if delivery is not None:
            return
        # Safety net: WeChat's retries may stop early (or never reach us); once it has surely given up,
        # the answer goes through the customer-service API unless an attempt has answered it meanwhile.
        wait = arrival + self.config.handoff_after - asyncio.get_running_loop().time()
        if wait > 0:
            await asyncio.sleep(wait)
        if await self.state.claim(f"{key}:delivery", "cs", self.config.dedup_ttl):
            logger.warning("wechat.answer.no_retry", extra={"user": user})
            self.stats["handoffs"] += 1
            await self._send_parts(key, inbound.openid, parts, user)

    # -- delivering -------------------------------------------------------------------------

    async def _wait_result(self, key: str, deadline: float) -> list[str] | None:
        loop = asyncio.get_running_loop()
        task = self._computing.get(key)
        if task is not None:
            try:
                return await asyncio.wait_for(asyncio.shield(task), max(0.0, deadline - loop.time()))
            except TimeoutError:
                return None
        while True:  # computed by another host (or already finished here)
            raw = await self.state.get(f"{key}:result")
            if raw is not None:
                return json.loads(raw)
            if loop.time() >= deadline:
                return None
            await asyncio.sleep(min(0.05, max(0.0, deadline - loop.time())))

    async def _deliver_passive(self, key: str, inbound: Inbound, envelope: Envelope, parts: list[str],
                               user: str) -> Reply:
        if not await self.state.claim(f"{key}:delivery", "passive", self.config.dedup_ttl):
            return Reply()  # answered already (by an earlier attempt or the customer-service API)
        if not parts:
            return Reply()
        reply = self._passive(inbound, envelope, parts[0])
        if len(parts) > 1:
            async def rest() -> None:
                await self._send_parts(key, inbound.openid, parts[1:], user)
            reply.after = rest
        return reply

    def _passive(self, inbound: Inbound, envelope: Envelope, content: str) -> Reply:
        self.stats["passive"] += 1
        xml = TextReply(source=inbound.account, target=inbound.openid, time=int(time.time()),
                        content=content.replace("]]>", "]] >")).render()  # CDATA cannot hold "]]>"
        return Reply(self.callback.seal(xml, envelope), "application/xml")

    async def _hand_off(self, key: str, inbound: Inbound, envelope: Envelope, user: str, why: str) -> Reply:
        """Not ready in time on WeChat's last attempt: reply now, answer through the API when ready."""
        if self.cs is None:
            if await self.state.claim(f"{key}:delivery", "late", self.config.dedup_ttl):
                logger.warning("wechat.answer.late", extra={"user": user, "why": why})
                return self._passive(inbound, envelope, LATE)
            return Reply()
        if await self.state.claim(f"{key}:delivery", "cs", self.config.dedup_ttl):
            logger.info("wechat.answer.handoff", extra={"user": user, "why": why})
            self.stats["handoffs"] += 1
            raw = await self.state.get(f"{key}:result")
            if raw is not None:  # finished between the budget and now: whoever claims "cs" sends it
                self._spawn(self._send_parts(key, inbound.openid, json.loads(raw), user))
        return Reply()

    async def _send_parts(self, key: str, openid: str, parts: list[str], user: str) -> None:
        if not parts or self.cs is None:
            return
        if not await self.state.claim(f"{key}:cs", self.host, self.config.dedup_ttl):
            return
        for part in parts:
            try:
                await self.cs.send_text(openid, part)
                self.stats["cs_sent"] += 1
            except SendError as exc:
                self.stats["cs_failed"] += 1
                logger.error("wechat.cs.failed", extra={"user": user, "errcode": exc.errcode,
                                                        "maybe_delivered": exc.maybe_delivered})

    def _spawn(self, coro) -> None:
        task = asyncio.create_task(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        task.add_done_callback(_log_failure)


def _log_failure(task: asyncio.Task) -> None:
    if not task.cancelled() and task.exception() is not None:
        logger.error("wechat.background.failed", exc_info=task.exception())
