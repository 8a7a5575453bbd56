"""Cross-cutting guards of the public service, as pure ASGI middleware (issue 19).

``BodyLimit`` counts the bytes actually received, so a chunked body (no Content-Length) or one
whose Content-Length understates it cannot get past the limit; ``NoSniff`` tells browsers to
trust each response's Content-Type (a JSON error quoting a citizen's text is never run as HTML);
``RateLimit`` refuses the turns a client or a sender asks for past their limits (``bot.throttle``)
before anything reads them, and so before any goes to Rasa.
Pure ASGI rather than ``@app.middleware("http")``: Starlette's ``BaseHTTPMiddleware`` hides a
client's disconnect from the route (``channels/wechat/router.disconnect_waiter`` waits for one).
"""

from __future__ import annotations

import asyncio
import json
import logging

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .throttle import RequestLimits

logger = logging.getLogger(__name__)

NOSNIFF = (b"x-content-type-options", b"nosniff")


def too_large(max_bytes: int) -> JSONResponse:
    return JSONResponse({"error": f"请求体过大（上限 {max_bytes // 1024} KB）。"}, status_code=413)


class BodyLimit:
    """Reads a request's body up to ``max_bytes``, then hands it to the app; more is a 413.

    A Content-Length over the limit is refused before anything is read. The app gets the body
    as one message; later ``receive()`` calls reach the server (a disconnect still arrives).
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = Headers(scope=scope).get("content-length", "")
        if length.isdigit() and int(length) > self.max_bytes:
            await too_large(self.max_bytes)(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":   # gone before the body was sent: nobody to answer
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await too_large(self.max_bytes)(scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body: Message | None = {"type": "http.request", "body": b"".join(chunks), "more_body": False}

        async def replay() -> Message:
            nonlocal body
            if body is not None:
                message, body = body, None
                return message
            return await receive()

        await self.app(scope, replay, send)


class NoSniff:
    """``X-Content-Type-Options: nosniff`` on every response that does not set it itself."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_header(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if not any(name.lower() == NOSNIFF[0] for name, _ in headers):
                    message = {**message, "headers": [*headers, NOSNIFF]}
            await send(message)

        await self.app(scope, receive, send_with_header)


def too_many(retry_after: int) -> JSONResponse:
    return JSONResponse({"error": f"请求过于频繁，请 {retry_after} 秒后再试。"}, status_code=429,
                        headers={"Retry-After": str(retry_after)})


class RateLimit:
    """Counts each POST to ``paths`` against its client address and its ``sender``; past a limit, a 429.

    The address is the one the ASGI server reports: behind a reverse proxy, uvicorn's proxy-headers
    handling (``--proxy-headers``, ``--forwarded-allow-ips``) puts the client's there, and only for
    proxies it trusts; a client's own X-Forwarded-For is not read here. The body is read as JSON
    only for the sender and the text's length (a long text counts as several requests); anything
    else in it, valid or not, is the route's business. Sits inside ``BodyLimit``, which has already
    read the body into one message.
    """

    def __init__(self, app: ASGIApp, limits: RequestLimits, paths: frozenset[str], max_text: int) -> None:
        self.app, self.limits, self.paths, self.max_text = app, limits, paths, max_text

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] not in self.paths:
            await self.app(scope, receive, send)
            return
        message = await receive()
        sender, chars = self._read(message.get("body", b""))
        client = scope.get("client")
        # the counters may be in Redis: a slow one holds up this request, not the event loop
        verdict = await asyncio.to_thread(self.limits.admit, client[0] if client else None, sender,
                                          min(chars, self.max_text))
        if not verdict.allowed:
            logger.warning("api.rate_limited", extra={"path": scope["path"], "retry_after": verdict.retry_after})
            await too_many(verdict.retry_after)(scope, receive, send)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return message
            return await receive()

        await self.app(scope, replay, send)

    @staticmethod
    def _read(body: bytes) -> tuple[str | None, int]:
        """The request's ``sender`` (when it is a short string) and the length of its ``text``."""
        try:
            data = json.loads(body)
        except (ValueError, RecursionError):   # not JSON, or nested past the parser's depth
            return None, 0
        if not isinstance(data, dict):
            return None, 0
        sender, text = data.get("sender"), data.get("text")
        return (sender if isinstance(sender, str) and 0 < len(sender) <= 128 else None,
                len(text) if isinstance(text, str) else 0)
