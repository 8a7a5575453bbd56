"""The staff desk's API: sign-in, law search, route finder, deadlines, guidance sheet.

Every route but ``/csrf`` and ``/login`` needs a signed-in staff session (401 otherwise); every
POST needs the CSRF token of its session (or, for sign-in, of the login cookie) in ``X-CSRF-Token``.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.concurrency import run_in_threadpool

from ...staff.accounts import ROLE_NAMES
from ...staff.desk import StaffDesk
from ...staff.finder import regions, route_view
from ...staff.sessions import COOKIE, LoginCsrf, StaffSession
from ..deps import ConversationsDep
from ..models import REGION_PATTERN
from ..staff_models import CsrfOut, FinderOut, FinderRequest, LoginRequest, SheetRequest, StaffMe

logger = logging.getLogger(__name__)
router = APIRouter(prefix="/api/staff", tags=["staff"])
CSRF_HEADER = "X-CSRF-Token"


class DeskRefused(Exception):
    """A staff request refused: the status and a Chinese message (the app turns it into JSON)."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


def get_desk(request: Request) -> StaffDesk:
    return request.app.state.desk


DeskDep = Annotated[StaffDesk, Depends(get_desk)]


def current_session(request: Request, desk: DeskDep) -> StaffSession:
    found = desk.sessions.lookup(request.cookies.get(COOKIE))
    if found is None:
        raise DeskRefused(401, "请先登录（或登录已过期）。")
    return found


def checked_session(request: Request, session: Annotated[StaffSession, Depends(current_session)]) -> StaffSession:
    """A signed-in session whose request carries its CSRF token (every state-changing request)."""
    if not session.csrf_ok(request.headers.get(CSRF_HEADER)):
        raise DeskRefused(403, "缺少有效的 CSRF 令牌，请刷新页面后再试。")
    return session


SessionDep = Annotated[StaffSession, Depends(current_session)]
CheckedDep = Annotated[StaffSession, Depends(checked_session)]
Responses = dict[int | str, dict[str, Any]]
AUTH: Responses = {401: {"description": "未登录或登录已过期"}}
POSTED: Responses = {**AUTH, 403: {"description": "缺少有效的 CSRF 令牌"}}


def _me(s: StaffSession) -> StaffMe:
    return StaffMe(username=s.username, role=s.role, role_name=ROLE_NAMES.get(s.role, s.role),
                   csrf_token=s.csrf_token, expires_at=s.expires_at)


def _cookie(response: Response, desk: DeskDep, name: str, value: str, max_age: int | None) -> None:
    response.set_cookie(name, value, max_age=max_age, httponly=True, samesite="strict",
                        secure=desk.cookie_secure, path="/")


# -- sign-in ------------------------------------------------------------------------------------

@router.get("/csrf", response_model=CsrfOut, summary="登录前取得 CSRF 令牌")
def login_token(response: Response, desk: DeskDep) -> CsrfOut:
    token, cookie = desk.login_csrf.issue()
    _cookie(response, desk, LoginCsrf.COOKIE, cookie, 3600)
    return CsrfOut(csrf_token=token)


@router.post("/login", response_model=StaffMe, summary="工作人员登录",
             responses={401: {"description": "用户名或密码不对"}, 403: {"description": "缺少有效的 CSRF 令牌"},
                        429: {"description": "失败次数太多，稍后再试"}})
def login(req: LoginRequest, request: Request, response: Response, desk: DeskDep) -> StaffMe:
    if not desk.login_csrf.check(request.cookies.get(LoginCsrf.COOKIE), request.headers.get(CSRF_HEADER)):
        raise DeskRefused(403, "缺少有效的 CSRF 令牌，请刷新登录页后再试（脚本请先 GET /api/staff/csrf）。")
    client = desk.client_key(request.client.host if request.client else None)
    name = req.username.strip()
    keys = (f"account:{name.lower()}", f"client:{client}")
    verdict = desk.failed_logins.check(*keys)
    known = desk.accounts.get(name) is not None
    if not verdict.allowed:
        desk.audit.record("login_throttled", name if known else None, client)
        logger.warning("staff.login_throttled account_known=%s", known)
        raise DeskRefused(429, f"登录失败次数太多，请 {verdict.retry_after} 秒后再试。",
                          {"Retry-After": str(verdict.retry_after)})
    account = desk.accounts.authenticate(name, req.password)
    if account is None:
        desk.failed_logins.count(*keys)
        desk.audit.record("login_failed", name if known else None, client)
        logger.warning("staff.login_failed account_known=%s", known)   # never the password, nor an unknown name
        raise DeskRefused(401, "用户名或密码不对，或账号已停用。")
    cookie, session = desk.sessions.start(account.id)
    desk.audit.record("login", account.username, client)
    _cookie(response, desk, COOKIE, cookie, desk.sessions.minutes * 60)
    response.delete_cookie(LoginCsrf.COOKIE, path="/")
    return _me(session)


@router.post("/logout", status_code=204, summary="退出登录（旧的 Cookie 随即失效）", responses=POSTED)
def logout(request: Request, session: CheckedDep, desk: DeskDep) -> Response:
    desk.sessions.end(session.id)
    desk.audit.record("logout", session.username, desk.client_key(request.client.host if request.client else None))
    response = Response(status_code=204)
    response.delete_cookie(COOKIE, path="/")
    return response


@router.get("/me", response_model=StaffMe, summary="当前登录的工作人员", responses=AUTH)
def me(session: SessionDep) -> StaffMe:
    return _me(session)


# -- search -------------------------------------------------------------------------------------

@router.get("/options", summary="筛选项：法规、途径、地区、期限种类", responses=AUTH)
def options(session: SessionDep, desk: DeskDep) -> dict[str, Any]:
    from knowledge.deadlines import kinds_table

    return {"laws": desk.search.laws(),
            "routes": [{"id": rid, "name": name} for rid, name in desk.kb.route_ids.items() if rid in desk.kb.routes],
            "regions": regions(desk.kb), "deadline_kinds": kinds_table(desk.kb)}


@router.get("/search", summary="检索条文、途径卡、问答和本地指引", responses=AUTH)
def search(session: SessionDep, desk: DeskDep,
           q: Annotated[str, Query(max_length=200, description="检索词")] = "",
           law: Annotated[str | None, Query(max_length=80)] = None,
           route: Annotated[str | None, Query(max_length=64)] = None,
           status: Annotated[str | None, Query(pattern="^(current|superseded)$")] = None,
           region: Annotated[str | None, Query(pattern=f"^{REGION_PATTERN}$")] = None,
           kind: Annotated[str | None, Query(pattern="^(article|route|faq|local)$")] = None,
           limit: Annotated[int, Query(ge=1, le=50)] = 20) -> dict[str, Any]:
    return desk.search.search(q, law=law, route=route, status=status, region=region, kind=kind,
                              limit=limit).to_dict()


@router.get("/articles/{article_id}", summary="一条条文全文（款、项结构和前后条）",
            responses={**AUTH, 404: {"description": "没有这一条"}})
def article(article_id: str, session: SessionDep, desk: DeskDep) -> dict[str, Any]:
    view = desk.search.article(article_id) if len(article_id) <= 100 else None
    if view is None:
        raise DeskRefused(404, "没有这一条条文。")
    return view.to_dict()


# -- route finder ---------------------------------------------------------------------------

@router.post("/routes", response_model=FinderOut, summary="途径查找：与群众端同一流程的排序途径", responses=POSTED)
async def routes(req: FinderRequest, session: CheckedDep, desk: DeskDep,
                 conversations: ConversationsDep) -> FinderOut:
    turn = await conversations.ask(req.text, req.region, channel="staff")
    kb = desk.kb
    region = req.region if req.region in kb.packs else None
    shown = [route_view(kb, r["id"], region, r.get("why", "")) for r in turn.answer_routes if r["id"] in kb.routes]
    last = turn.payloads[-1] if turn.payloads else {}
    from knowledge.deadlines import parse_date

    today = dt.date.today()
    told = parse_date(req.text, today)
    return FinderOut(kind=last.get("kind"), start=told if told and told <= today else None, messages=turn.texts,
                     routes=shown,
                     citations=[{"id": c["id"], "citation": kb.corpus.citation(c["id"]), "text": c["text"]}
                                for c in turn.citations if c["id"] in kb.corpus.articles],
                     question=(last.get("question") or {}).get("text"),
                     region={"code": region, "name": kb.packs[region].region_name} if region else None)


# -- deadlines ------------------------------------------------------------------------------

@router.get("/deadline/kinds", summary="期限种类（契约 id）", responses=AUTH)
def deadline_kinds(session: SessionDep, desk: DeskDep) -> list[dict[str, Any]]:
    from knowledge.deadlines import kinds_table

    return kinds_table(desk.kb)


@router.get("/deadline", summary="期限的最后一天、剩余天数、依据和计算方法",
            responses={**AUTH, 422: {"description": "种类不存在、条文未规定或日期不对"}})
def deadline(session: SessionDep, desk: DeskDep,
             kind: Annotated[str, Query(min_length=1, max_length=64, description="期限种类 id")],
             start: Annotated[dt.date, Query(description="起算日期 YYYY-MM-DD")],
             today: Annotated[dt.date | None, Query(description="按这一天算剩余天数（默认今天）")] = None
             ) -> dict[str, Any]:
    from knowledge.deadlines import by_kind

    if not dt.date(1950, 1, 1) <= start <= dt.date(2089, 12, 31):
        raise DeskRefused(422, "起算日期应在 1950 年到 2089 年之间。")
    if start > (today or dt.date.today()):    # as the sheet and the dialogue: a limit starts from what happened
        raise DeskRefused(422, "起算日期在今天之后。请填收到文书、知道或者发生的那一天。")
    try:
        return by_kind(desk.kb, kind, start, today or dt.date.today())
    except ValueError as e:
        raise DeskRefused(422, str(e)) from None


# -- guidance sheet -------------------------------------------------------------------------

@router.post("/sheet", summary="引导告知单（PDF 或可打印的 HTML）",
             responses={**POSTED, 200: {"content": {"application/pdf": {}, "text/html": {}}}},
             response_class=Response)
async def sheet(req: SheetRequest, request: Request, session: CheckedDep, desk: DeskDep) -> Response:
    from ...staff.sheet import SheetError, fit_to_page, render_html, render_pdf, sheet_from_route

    region = req.region if req.region in desk.kb.packs else None
    try:
        made = sheet_from_route(desk.kb, req.route, region=region, issued_on=dt.date.today(), start=req.start,
                                officer=req.officer, visitor=req.visitor, note=req.note, kind=req.kind)
    except SheetError as e:
        raise DeskRefused(422, str(e)) from None
    desk.audit.record("sheet", session.username, desk.client_key(request.client.host if request.client else None),
                      route=req.route, format=req.format, region=region)
    headers = {"Cache-Control": "no-store"}
    if req.format == "html":
        page = await run_in_threadpool(lambda: render_html(fit_to_page(made)))   # what the PDF holds
        return Response(page, media_type="text/html; charset=utf-8", headers=headers)
    pdf = await run_in_threadpool(render_pdf, made)
    name = f"yindao-gaozhidan-{req.route}.pdf"
    return Response(pdf, media_type="application/pdf",
                    headers={**headers, "Content-Disposition": f'attachment; filename="{name}"'})
