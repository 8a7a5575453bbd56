"""The FastAPI application factory: the only public surface of the product."""

from __future__ import annotations

import gc
import logging
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse

from channels.web import router as web_router
from channels.wechat import WeChatConnector
from channels.wechat import router as wechat_router
from common.settings import Settings, get_settings
from knowledge.channels import load_channels
from knowledge.corpus import load_corpus
from knowledge.index import Manifest
from knowledge.routes import load_route_ids

from .api import api_router
from .conversation import Conversations
from .prefetch import QueryPrefetcher
from .rasa_client import RasaClient, RasaUnavailable
from .store import Store

logger = logging.getLogger(__name__)
MAX_BODY_BYTES = 64 * 1024

FIELD_NAMES = {"text": "text（文字内容）", "sender": "sender（会话标识）", "metadata": "metadata",
               "region": "region（地区）"}


class Readiness:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._client = httpx.AsyncClient(timeout=2.0)

    async def actions(self) -> bool:
        try:
            resp = await self._client.get(f"http://127.0.0.1:{self.settings.ACTIONS_PORT}/health")
            return resp.status_code == 200
        except httpx.HTTPError:
            return False

    def index(self) -> bool:
        return Manifest.read(self.settings.index_dir) is not None

    async def close(self) -> None:
        await self._client.aclose()


def _validation_message(exc: RequestValidationError) -> tuple[int, str]:
    errors = exc.errors()
    if any(e.get("type") == "json_invalid" for e in errors):
        return 400, "请求体不是有效的 JSON。"
    parts = []
    for e in errors:
        loc = [str(x) for x in e.get("loc", []) if x != "body"]
        field = FIELD_NAMES.get(loc[0], loc[0]) if loc else "请求体"
        kind = e.get("type", "")
        if kind == "missing":
            parts.append(f"缺少字段 {field}")
        elif kind == "string_too_long":
            parts.append(f"{field} 太长（最多 {e.get('ctx', {}).get('max_length')} 字）")
        elif kind == "string_too_short":
            parts.append(f"{field} 不能为空")
        elif kind == "extra_forbidden":
            parts.append(f"不认识的字段 {field}")
        elif kind in ("string_type", "dict_type", "model_attributes_type"):
            parts.append(f"{field} 的类型不对")
        elif kind == "value_error":   # our own validators' messages are Chinese already: without pydantic's prefix
            parts.append(f"{field}：{e.get('ctx', {}).get('error') or e.get('msg')}")
        else:
            parts.append(f"{field}：{e.get('msg')}")
    return 422, "请求有误：" + "；".join(parts)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.rasa = RasaClient(settings.RASA_URL, settings.RASA_TIMEOUT_SECONDS,
                                     max_inflight=settings.RASA_MAX_INFLIGHT)
        route_names = load_route_ids()
        route_ids = set(route_names)
        app.state.store = Store.from_settings(settings)
        app.state.prefetch = (QueryPrefetcher(f"http://127.0.0.1:{settings.ACTIONS_PORT}")
                              if settings.QUERY_PREFETCH else None)
        app.state.conversations = Conversations(app.state.rasa, settings.SECRET_KEY,
                                                load_channels(route_ids=route_ids), app.state.store,
                                                prefetch=app.state.prefetch,
                                                prefetch_max_inflight=settings.QUERY_PREFETCH_MAX_INFLIGHT,
                                                route_names=route_names, corpus=load_corpus())
        app.state.readiness = Readiness(settings)
        app.state.wechat = WeChatConnector.from_settings(settings, lambda: app.state.conversations)
        # Everything loaded so far lives as long as the service. Out of the collector's way, a
        # full collection under load no longer walks it: about 60 ms with the event loop
        # stopped (no turn let through to Rasa, no answer sent) down to what requests left.
        gc.collect()
        gc.freeze()
        yield
        if app.state.wechat is not None:
            await app.state.wechat.close()
        await app.state.rasa.close()
        if app.state.prefetch is not None:
            await app.state.prefetch.close()
        await app.state.readiness.close()
        app.state.store.close()

    app = FastAPI(title="信访法治导引 API", version="0.1.0", lifespan=lifespan,
                  description="信访和法定途径的法律指引：对话、结构化问答、健康检查。")
    app.state.settings = settings
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins, allow_credentials=False,
                           allow_methods=["GET", "POST"], allow_headers=["Content-Type"], max_age=600)

    @app.middleware("http")
    async def limit_body(request: Request, call_next):
        length = request.headers.get("content-length")
        if length and length.isdigit() and int(length) > MAX_BODY_BYTES:
            return JSONResponse({"error": f"请求体过大（上限 {MAX_BODY_BYTES // 1024} KB）。"}, status_code=413)
        return await call_next(request)

    @app.exception_handler(RequestValidationError)
    async def on_validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        status, message = _validation_message(exc)
        return JSONResponse({"error": message}, status_code=status)

    @app.exception_handler(RasaUnavailable)
    async def on_rasa_down(request: Request, exc: RasaUnavailable) -> JSONResponse:
        return JSONResponse({"error": "对话服务暂时不可用，请稍后再试。"}, status_code=503)

    @app.exception_handler(Exception)
    async def on_error(request: Request, exc: Exception) -> JSONResponse:
        logger.exception("api.error")
        return JSONResponse({"error": "服务出了点问题，请稍后再试。"}, status_code=500)

    app.include_router(api_router)
    app.include_router(web_router)
    app.include_router(wechat_router)
    return app
