"""The publicity teams' dashboard (issue 18): JSON under ``/api/analytics``, the page at ``/analytics``.

For staff accounts with the role ``analyst`` or ``admin``: 401 without a session, 403 for ``staff``
(a reception officer's account). Every figure comes suppressed from ``bot.analytics``; the CSV
export holds the same aggregates. The page is static files under the desk's strict CSP.
"""

from __future__ import annotations

import functools
import logging
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field

from channels.web.assets import Asset
from channels.web.headers import etag_matches

from ...analytics.assets import build_catalog
from ...analytics.export import table_csv
from ...analytics.period import CHANNEL_NAMES, FilterError, Filters
from ...analytics.queries import Analytics
from ...staff.pages import PAGE, serve_asset
from ...staff.pages import catalog as staff_catalog
from ...staff.sessions import COOKIE, StaffSession
from .staff import AUTH, DeskRefused, Responses, SessionDep

logger = logging.getLogger(__name__)
ROLES = frozenset({"analyst", "admin"})
NOT_ALLOWED = "统计看板只对分析人员和管理员开放；如需查看，请联系管理员为您的账号开通“分析人员”角色。"
GUARDED: Responses = {**AUTH, 403: {"description": "账号角色不是分析人员或管理员"},
                      422: {"description": "筛选条件有误（日期、渠道、地区）"}}

api = APIRouter(prefix="/api/analytics", tags=["analytics"])
pages = APIRouter(include_in_schema=False)


def analyst_session(session: SessionDep) -> StaffSession:
    if session.role not in ROLES:
        raise DeskRefused(403, NOT_ALLOWED)
    return session


AnalystDep = Annotated[StaffSession, Depends(analyst_session)]


def get_analytics(request: Request) -> Analytics:
    """One per app, made on first use from what the app already holds (its store and knowledge base)."""
    state = request.app.state
    found = getattr(state, "analytics", None)
    if found is None:
        kb = state.desk.kb
        found = state.analytics = Analytics.from_corpus(state.store.engine, state.settings.ANALYTICS_MIN_COUNT,
                                                        kb.route_ids, kb.corpus)
    return found


AnalyticsDep = Annotated[Analytics, Depends(get_analytics)]


def filters(start: Annotated[str | None, Query(alias="from", max_length=10, description="起始日（含），如 2026-05-01；默认 7 天前")] = None,
            end: Annotated[str | None, Query(alias="to", max_length=10, description="截止日（不含）；默认明天")] = None,
            channel: Annotated[str | None, Query(max_length=16, description="web、wechat 或 api；默认全部")] = None,
            region: Annotated[str | None, Query(max_length=32, description="地区代码或地名；默认全部")] = None) -> Filters:
    try:
        return Filters.parse(start, end, channel, region)
    except FilterError as exc:
        raise DeskRefused(422, str(exc)) from None


FiltersDep = Annotated[Filters, Depends(filters)]
By = Annotated[str, Query(pattern="^(day|week)$", description="提问量按日（day）或按周（week）")]


class ColumnOut(BaseModel):
    key: str
    title: str


class RowOut(BaseModel):
    key: str = Field(..., description="项的标识（日期、渠道、途径 id、条文 id、意图|途径）；「其他」与合计为空")
    label: str
    count: int | None = Field(None, description="提问数（评价表为评价数）；「其他」只合并了一项时不显示")
    senders: int | None = Field(None, description="不同提问人数（评价表为评价人数）；「其他」不给出")
    detail: str | None = Field(None, description="条文内容节选")
    intent: str | None = None
    route: str | None = None
    examples: list[str] | None = Field(None, description="缺口组的例句（已遮盖个人信息），只在人数达到门槛的组给出")
    up: int | None = None
    down: int | None = None
    rate: float | None = Field(None, description="好评率（👍 / 全部评价）")


class TableOut(BaseModel):
    name: str
    title: str
    columns: list[ColumnOut]
    rows: list[RowOut]
    other: RowOut | None = Field(None, description="人数少于门槛的项合并为「其他」")
    total: RowOut | None = Field(None, description="合计；整表人数少于门槛时不给出")
    withheld: bool = Field(..., description="所选范围人数少于门槛，整表不予显示")
    note: str = ""
    by: str | None = None


class TotalsOut(BaseModel):
    withheld: bool
    count: int | None
    senders: int | None
    avg_latency_ms: int | None
    unanswered: int | None


class SummaryOut(BaseModel):
    filters: dict[str, str | None]
    min_count: int = Field(..., description="ANALYTICS_MIN_COUNT：少于这么多不同提问人的项不单独显示")
    totals: TotalsOut
    tables: dict[str, TableOut]


class OptionsOut(BaseModel):
    channels: list[dict[str, str]]
    regions: list[dict[str, str]]
    tables: list[str]
    min_count: int
    retention_days: int


@api.get("/options", response_model=OptionsOut, summary="看板的筛选项：渠道、地区（只列出人数达到门槛的地区）",
         responses=GUARDED)
async def options(request: Request, session: AnalystDep, analytics: AnalyticsDep) -> OptionsOut:
    names = {code: p.region_name for code, p in request.app.state.desk.kb.packs.items()}
    regions = await run_in_threadpool(analytics.regions)
    return OptionsOut(channels=[{"id": k, "name": v} for k, v in CHANNEL_NAMES.items()],
                      regions=[{"code": r, "name": names.get(r, r)} for r in regions],
                      tables=list(Analytics.TABLES), min_count=analytics.min_count,
                      retention_days=request.app.state.settings.ANALYTICS_RETENTION_DAYS)


@api.get("/summary", response_model=SummaryOut, summary="看板全部数字：提问量、渠道、回答情况、途径、条文、缺口、评价",
         responses=GUARDED)
async def summary(session: AnalystDep, analytics: AnalyticsDep, f: FiltersDep, by: By = "day") -> dict[str, Any]:
    return await run_in_threadpool(analytics.summary, f, by)


@api.get("/tables/{name}", response_model=TableOut, summary="看板的一张表", responses=GUARDED)
async def table(name: str, session: AnalystDep, analytics: AnalyticsDep, f: FiltersDep, by: By = "day") -> dict[str, Any]:
    if name not in Analytics.TABLES:
        raise DeskRefused(404, "没有这张表；可用的表：" + "、".join(Analytics.TABLES))
    found = await run_in_threadpool(analytics.table, name, f, by)
    return found.as_dict()


@api.get("/export.csv", summary="导出一张表为 CSV（只含汇总数字，UTF-8 带 BOM，Excel 可直接打开）",
         responses={**GUARDED, 200: {"content": {"text/csv": {}}, "description": "CSV 文件"}},
         response_class=Response)
async def export_csv(request: Request, session: AnalystDep, analytics: AnalyticsDep, f: FiltersDep,
                     table_name: Annotated[str, Query(alias="table", max_length=16,
                                                      description="、".join(Analytics.TABLES))],
                     by: By = "day") -> Response:
    if table_name not in Analytics.TABLES:
        raise DeskRefused(422, "table 应为 " + "、".join(Analytics.TABLES) + " 之一。")
    found = await run_in_threadpool(analytics.table, table_name, f, by)
    body = table_csv(found, f.as_dict(), analytics.min_count)
    logger.info("analytics.export table=%s", table_name)
    request.app.state.desk.audit.record("analytics_export", session.username,
                                        request.app.state.desk.client_key(request.client.host if request.client else None),
                                        table=table_name, start=f.start.isoformat(), end=f.end.isoformat())
    name = f"analytics-{table_name}-{f.start.isoformat()}-{f.end.isoformat()}.csv"
    chinese = f"{found.title}-{f.start.isoformat()}至{f.end.isoformat()}.csv"
    return Response(body, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f"attachment; filename=\"{name}\"; filename*=UTF-8''{quote(chinese)}",
                             "Cache-Control": "no-store"})


# -- the page ---------------------------------------------------------------------------------

@functools.lru_cache(maxsize=1)
def catalog() -> dict[str, Asset]:
    staff = staff_catalog()
    return build_catalog({name: "/" + staff[name].url for name in ("desk.css", "staff.js", "desk-icon.svg")})


def _page(request: Request, name: str, status: int = 200) -> Response:
    asset = catalog()[f"page:{name}"]
    headers = {**PAGE, "ETag": asset.etag, "Cache-Control": "no-store"}
    if status == 200 and etag_matches(request.headers.get("if-none-match"), asset.etag):
        return Response(status_code=304, headers=headers)
    return Response(asset.body, status_code=status, media_type="text/html; charset=utf-8", headers=headers)


@pages.get("/analytics")
def dashboard_page(request: Request) -> Response:
    session = request.app.state.desk.sessions.lookup(request.cookies.get(COOKIE))
    if session is None:
        return RedirectResponse("/staff/login?next=" + quote("/analytics"), status_code=303,
                                headers={"Cache-Control": "no-store"})
    if session.role not in ROLES:
        return _page(request, "forbidden", status=403)
    return _page(request, "dashboard")


@pages.get("/analytics/assets/{name}")
def asset(name: str, request: Request) -> Response:
    return serve_asset(catalog().get(name) if not name.startswith("page:") else None, request)


router = APIRouter()
router.include_router(api)
router.include_router(pages)
