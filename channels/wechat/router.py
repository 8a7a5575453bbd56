"""``/wechat`` on the public service: GET verifies the URL, POST receives messages and events.

Anything WeChat (or anyone else) can send ends in a plain 4xx with a Chinese message
or in WeChat's own "success"; never a traceback or a 500.
"""

from __future__ import annotations

import asyncio
import logging

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, Response
from starlette.background import BackgroundTask

from .connector import WeChatConnector
from .errors import BodyTooLarge, WeChatRequestError

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/wechat", tags=["wechat"])

# Public: names no setting (the operator finds the hint in the log, "wechat.disabled", and docs/wechat.md)
DISABLED = "微信公众号接入未启用。"


def _connector(request: Request) -> WeChatConnector | None:
    return getattr(request.app.state, "wechat", None)


async def read_capped(request: Request, cap: int) -> bytes:
    """The body, refusing more than ``cap`` bytes whatever Content-Length claims (or when it is absent)."""
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > cap:
        raise BodyTooLarge(f"请求体过大（上限 {cap // 1024} KB）。", "wechat.request.too_large")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > cap:
            raise BodyTooLarge(f"请求体过大（上限 {cap // 1024} KB）。", "wechat.request.too_large")
        chunks.append(chunk)
    return b"".join(chunks)


def disconnect_waiter(request: Request):
    """``wait(seconds)``: True once the client has hung up, False if it is still there after ``seconds``.

    Blocks on ``receive()`` rather than polling ``Request.is_disconnected()``, which cannot see a
    disconnect through BaseHTTPMiddleware (the app's body-size middleware is one).
    """
    async def wait(seconds: float) -> bool:
        try:
            async with asyncio.timeout(seconds):
                while True:
                    if (await request.receive())["type"] == "http.disconnect":
                        return True
        except TimeoutError:
            return False

    return wait


def _refused(exc: WeChatRequestError) -> PlainTextResponse:
    logger.warning(exc.event, extra={"status": exc.status})
    return PlainTextResponse(exc.message, status_code=exc.status)


@router.get("", summary="公众号后台“服务器地址”校验：签名正确时原样返回 echostr")
async def verify(request: Request) -> Response:
    connector = _connector(request)
    if connector is None:
        return PlainTextResponse(DISABLED, status_code=503)
    try:
        return PlainTextResponse(connector.callback.verify_url(request.query_params))
    except WeChatRequestError as exc:
        return _refused(exc)


@router.post("", summary="接收公众号消息和事件（明文、兼容或安全模式）")
async def receive(request: Request) -> Response:
    connector = _connector(request)
    if connector is None:
        return PlainTextResponse(DISABLED, status_code=503)
    try:
        body = await read_capped(request, connector.config.max_body_bytes)
        reply = await connector.handle(request.query_params, body, disconnect_waiter(request))
    except WeChatRequestError as exc:
        return _refused(exc)
    except Exception:  # a bug of ours: log it, and do not make WeChat show its error notice
        logger.exception("wechat.error")
        return PlainTextResponse("success")
    background = BackgroundTask(reply.after) if reply.after else None
    return Response(reply.body, media_type=reply.media_type, background=background)
