"""Query prefetch: the action server embeds a user's text while Rasa is still working on it.

A turn is serial: Rasa parses the message and predicts (on its own CPU), then calls an
action, which spends most of its time embedding the text. Sending the same text to the
action server when it goes to Rasa lets that embedding run in parallel with Rasa; the
action then finds the vector in the embedder's query cache (``Runtime.prefetch``).
Fire and forget: a prefetch never delays, fails or changes an answer. Off with
``QUERY_PREFETCH=false``.
"""

from __future__ import annotations

import asyncio
import logging

import httpx

logger = logging.getLogger(__name__)


class QueryPrefetcher:
    def __init__(self, actions_url: str, timeout: float = 5.0, client: httpx.AsyncClient | None = None) -> None:
        self.url = actions_url.rstrip("/") + "/prefetch"
        self._client = client or httpx.AsyncClient(timeout=timeout)
        self._pending: set[asyncio.Task] = set()

    def __call__(self, text: str) -> None:
        """Schedules a prefetch of ``text`` (already masked) and returns at once."""
        task = asyncio.get_running_loop().create_task(self._send(text))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _send(self, text: str) -> None:
        try:
            resp = await self._client.post(self.url, json={"text": text})
            if resp.status_code != 200:
                logger.debug("prefetch.refused", extra={"status": resp.status_code})
        except httpx.HTTPError as exc:  # the action server is down or busy: the action embeds it itself
            logger.debug("prefetch.failed", extra={"error": type(exc).__name__})

    async def drain(self) -> None:
        """Waits for prefetches in flight (tests, shutdown)."""
        if self._pending:
            await asyncio.gather(*list(self._pending), return_exceptions=True)

    async def close(self) -> None:
        await self.drain()
        await self._client.aclose()
