"""The staff desk's pages: the sign-in page and the desk (search, route finder, deadlines, sheet).

Static files from ``bot/staff/static``; the pages call the JSON API under ``/api/staff``. The desk
redirects to sign-in without a valid session. ``{{asset:NAME}}`` in a page is replaced by the
versioned URL of that file, so a release never meets a stale script in a browser's cache.
"""

from __future__ import annotations

import functools
import hashlib
import re
from pathlib import Path
from urllib.parse import quote

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

from channels.web.assets import Asset, make_asset
from channels.web.headers import IMMUTABLE, REVALIDATE, asset_headers, etag_matches, page_headers

from .sessions import COOKIE

STATIC = Path(__file__).parent / "static"
ASSET_REF = re.compile(r"\{\{asset:([\w.-]+)\}\}")
router = APIRouter(tags=["staff-pages"], include_in_schema=False)
# The desk's own pages are never framed by another site, unlike the citizen widget.
PAGE = {**page_headers(), "Content-Security-Policy": page_headers()["Content-Security-Policy"].replace(
    "frame-ancestors 'self'", "frame-ancestors 'none'"), "Cache-Control": REVALIDATE}


@functools.lru_cache(maxsize=1)
def catalog() -> dict[str, Asset]:
    assets = {p.name: make_asset(f"staff/assets/{p.name}", p.read_bytes())
              for p in sorted(STATIC.iterdir()) if p.suffix in (".js", ".css", ".svg")}
    pages = {}
    for p in sorted(STATIC.glob("*.html")):
        text = ASSET_REF.sub(lambda m: "/" + assets[m.group(1)].url, p.read_text(encoding="utf-8"))
        body = text.encode("utf-8")
        pages[p.stem] = Asset(f"staff/{p.stem}", body, "text/html; charset=utf-8",
                              hashlib.sha256(body).hexdigest()[:16])
    return {**assets, **{f"page:{k}": v for k, v in pages.items()}}


def _page(request: Request, name: str) -> Response:
    asset = catalog()[f"page:{name}"]
    headers = {**PAGE, "ETag": asset.etag}
    if etag_matches(request.headers.get("if-none-match"), asset.etag):
        return Response(status_code=304, headers=headers)
    return Response(asset.body, media_type="text/html; charset=utf-8", headers=headers)


@router.get("/staff/login")
def login_page(request: Request) -> Response:
    return _page(request, "login")


@router.get("/staff")
def desk_page(request: Request) -> Response:
    if request.app.state.desk.sessions.lookup(request.cookies.get(COOKIE)) is None:
        return RedirectResponse("/staff/login?next=" + quote("/staff"), status_code=303,
                                headers={"Cache-Control": "no-store"})
    response = _page(request, "desk")
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/staff/assets/{name}")
def asset(name: str, request: Request) -> Response:
    return serve_asset(catalog().get(name) if not name.startswith("page:") else None, request)


def serve_asset(found: Asset | None, request: Request) -> Response:
    """A script, stylesheet or icon of a signed-in page (the desk's, the dashboard's), or a 404."""
    if found is None:
        return Response("未找到该文件。", status_code=404, media_type="text/plain; charset=utf-8",
                        headers=asset_headers())
    headers = {**asset_headers(), "ETag": found.etag,
               "Cache-Control": IMMUTABLE if request.query_params.get("v") == found.version else REVALIDATE}
    headers.pop("Cross-Origin-Resource-Policy", None)
    if etag_matches(request.headers.get("if-none-match"), found.etag):
        return Response(status_code=304, headers=headers)
    return Response(found.body, media_type=found.media_type, headers=headers)
