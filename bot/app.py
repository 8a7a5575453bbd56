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
from starlette.exceptions import HTTPException as StarletteHTTPException

from channels.web import router as web_router
from channels.wechat import WeChatConnector
from channels.wechat import router as wechat_router
from common.services import knowledge_base
from common.settings import Settings, get_settings
from knowledge.channels import load_channels
from knowledge.corpus import load_corpus
from knowledge.index import Manifest
from knowledge.routes import load_route_ids

from .api import api_router
from .api.errors import SERVER_ERROR, http_error_message, validation_message
from .api.models import MAX_TEXT
from .api.routes.staff import DeskRefused
from .conversation import Conversations
from .middleware import BodyLimit, NoSniff, RateLimit
from .prefetch import QueryPrefetcher
from .rasa_client import RasaClient, RasaUnavailable
from .staff.desk import StaffDesk
from .staff.pages import router as staff_pages
from .store import Store
from .throttle import RequestLimits

logger = logging.getLogger(__name__)
MAX_BODY_BYTES = 64 * 1024
# the turns and votes a client asks for; WeChat has its own (the platform signs and de-duplicates)
RATE_LIMITED = frozenset({"/api/chat", "/api/ask", "/api/feedback"})


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


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    settings.check_secret()   # it keys the user hashes and signs staff sessions: never a published one

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.rasa = RasaClient.from_settings(settings)
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
        app.state.desk = StaffDesk.build(settings, app.state.store.engine, knowledge_base())
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
    # per client and sender, before the route reads the body or Rasa hears of it (issue 19); inside
    # BodyLimit, which hands it the whole body, and CORS, so its 429 is readable
    limits = RequestLimits.from_settings(settings)
    if limits is not None:
        app.add_middleware(RateLimit, limits=limits, paths=RATE_LIMITED, max_text=MAX_TEXT)
    # the limit counts the bytes received, chunked or not (issue 19); inside CORS, so its 413 is readable
    app.add_middleware(BodyLimit, max_bytes=MAX_BODY_BYTES)
    app.add_middleware(NoSniff)
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins, allow_credentials=False,
                           allow_methods=["GET", "POST"], allow_headers=["Content-Type"], max_age=600)

    @app.exception_handler(RequestValidationError)
    async def on_validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        status, message = validation_message(exc)
        return JSONResponse({"error": message}, status_code=status)

    @app.exception_handler(StarletteHTTPException)   # 404, 405, bodies FastAPI could not parse: in Chinese too
    async def on_http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse({"error": http_error_message(exc)}, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(DeskRefused)
    async def on_desk_refused(request: Request, exc: DeskRefused) -> JSONResponse:
        return JSONResponse({"error": exc.message}, status_code=exc.status, headers=exc.headers)

    @app.exception_handler(RasaUnavailable)
    async def on_rasa_down(request: Request, exc: RasaUnavailable) -> JSONResponse:
        return JSONResponse({"error": "对话服务暂时不可用，请稍后再试。"}, status_code=503)

    @app.exception_handler(Exception)
    async def on_error(request: Request, exc: Exception) -> JSONResponse:
        logger.exception("api.error")
        # answered outside the middleware (Starlette's ServerErrorMiddleware): the header is set here
        return JSONResponse({"error": SERVER_ERROR}, status_code=500, headers={"X-Content-Type-Options": "nosniff"})

    app.include_router(api_router)
    app.include_router(web_router)
    app.include_router(wechat_router)
    app.include_router(staff_pages)
    return app
