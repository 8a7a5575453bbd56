"""Talking to the Rasa server on loopback (REST webhook and HTTP API)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:
    from common.settings import Settings

logger = logging.getLogger(__name__)


class RasaUnavailable(Exception):
    """Rasa did not answer: the caller returns 503 with a message, not a traceback."""


class RasaClient:
    def __init__(self, base_url: str, timeout: float = 20.0, max_inflight: int = 0,
                 transport: httpx.AsyncBaseTransport | None = None, token: str | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        # Rasa 3.6 checks its HTTP API token in the query string only (rasa/server.py requires_auth);
        # the REST webhook takes none, so the token goes only where it is checked.
        self._auth = {"token": token} if token else {}
        self._gate = asyncio.Semaphore(max_inflight) if max_inflight else None
        self.inflight = 0  # turns at Rasa now (let through, not yet answered)
        self._client = httpx.AsyncClient(base_url=self.base_url, timeout=timeout, transport=transport,
                                         limits=httpx.Limits(max_connections=64, max_keepalive_connections=32))

    @classmethod
    def from_settings(cls, settings: Settings, transport: httpx.AsyncBaseTransport | None = None) -> RasaClient:
        return cls(settings.RASA_URL, settings.RASA_TIMEOUT_SECONDS, max_inflight=settings.RASA_MAX_INFLIGHT,
                   transport=transport, token=settings.RASA_TOKEN)

    async def close(self) -> None:
        await self._client.aclose()

    async def _post(self, path: str, payload: dict[str, Any], on_admit: Callable[[], None] | None = None,
                    params: dict[str, str] | None = None) -> Any:
        """At most ``max_inflight`` requests at Rasa; asyncio's semaphore wakes waiters in arrival order.

        ``on_admit`` is called when the request is let through to Rasa (at once without a gate);
        ``inflight`` then already counts it.
        """
        if self._gate is not None:
            try:
                async with asyncio.timeout(self.timeout):   # waiting for a turn counts against the same budget
                    await self._gate.acquire()
            except TimeoutError:
                logger.warning("rasa.busy", extra={"waited_s": self.timeout})
                raise RasaUnavailable("too many turns waiting for Rasa") from None
        self.inflight += 1
        try:
            if on_admit is not None:
                on_admit()
            return await self._post_now(path, payload, params)
        finally:
            self.inflight -= 1
            if self._gate is not None:
                self._gate.release()

    async def _post_now(self, path: str, payload: dict[str, Any], params: dict[str, str] | None = None) -> Any:
        try:
            resp = await self._client.post(path, json=payload, params=params)
        except httpx.HTTPError as exc:
            logger.warning("rasa.unavailable", extra={"error": type(exc).__name__})
            raise RasaUnavailable(str(exc)) from None
        if resp.status_code >= 500:
            raise RasaUnavailable(f"Rasa answered {resp.status_code}")
        resp.raise_for_status()
        return resp.json()

    async def send(self, sender: str, text: str, metadata: dict[str, Any] | None = None,
                   on_admit: Callable[[], None] | None = None) -> list[dict[str, Any]]:
        """One turn through the REST channel: the bot's messages, in order."""
        return await self._post("/webhooks/rest/webhook",
                                {"sender": sender, "message": text, "metadata": metadata or {}}, on_admit)

    async def parse(self, text: str) -> dict[str, Any]:
        return await self._post("/model/parse", {"text": text}, params=self._auth)

    async def ready(self) -> bool:
        try:
            resp = await self._client.get("/status", params=self._auth, timeout=2.0)
            return resp.status_code == 200 and bool(resp.json().get("model_id"))
        except (httpx.HTTPError, ValueError):
            return False
