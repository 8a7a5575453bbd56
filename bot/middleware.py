"""Cross-cutting guards of the public service, as pure ASGI middleware (issue 19).

``BodyLimit`` counts the bytes actually received, so a chunked body (no Content-Length) or one
whose Content-Length understates it cannot get past the limit; ``NoSniff`` tells browsers to
trust each response's Content-Type (a JSON error quoting a citizen's text is never run as HTML).
Pure ASGI rather than ``@app.middleware("http")``: Starlette's ``BaseHTTPMiddleware`` hides a
client's disconnect from the route (``channels/wechat/router.disconnect_waiter`` waits for one).
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

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
