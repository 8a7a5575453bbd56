"""Routes of the web channel: the page, the embeddable script and their assets."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from .assets import Asset, get_catalog
from .headers import IMMUTABLE, REVALIDATE, SHORT, asset_headers, etag_matches, page_headers

router = APIRouter(tags=["web"])
GET_HEAD = ["GET", "HEAD"]


def _serve(request: Request, asset: Asset | None, headers: dict[str, str], unversioned_cache: str) -> Response:
    if asset is None:
        return Response("未找到该文件。", status_code=404, media_type="text/plain; charset=utf-8",
                        headers=asset_headers())
    versioned = request.query_params.get("v") == asset.version
    headers = {**headers, "ETag": asset.etag, "Cache-Control": IMMUTABLE if versioned else unversioned_cache}
    if etag_matches(request.headers.get("if-none-match"), asset.etag):
        return Response(status_code=304, headers=headers)
    body = b"" if request.method == "HEAD" else asset.body
    return Response(body, media_type=asset.media_type, headers=headers)


@router.api_route("/", methods=GET_HEAD, include_in_schema=False)
async def page(request: Request) -> Response:
    """The standalone chat (demo, QR-code links); ``?region=`` picks the local pack."""
    settings = request.app.state.settings
    return _serve(request, get_catalog().get(""), page_headers(settings.cors_origins), REVALIDATE)


@router.api_route("/widget.js", methods=GET_HEAD, include_in_schema=False)
async def widget_script(request: Request) -> Response:
    """The embeddable widget: one ``<script src=".../widget.js">`` on any page."""
    return _serve(request, get_catalog().get("widget.js"), asset_headers(), SHORT)


@router.api_route("/web/{name}", methods=GET_HEAD, include_in_schema=False)
async def web_asset(name: str, request: Request) -> Response:
    # Only catalogued names are served: a path like "../x" simply is not in the catalog.
    return _serve(request, get_catalog().get(f"web/{name}"), asset_headers(), SHORT)
