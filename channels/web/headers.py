"""Security and caching headers for everything the web channel serves.

Set per response here because the app factory (``bot/app.py``) is shared with the
API and must stay free of page concerns.
"""

from __future__ import annotations

from collections.abc import Iterable

# The page runs only our own script and stylesheet files: no inline code, no eval,
# no third-party origins. frame-ancestors adds the embedding origins (CORS_ORIGINS)
# so a site that may embed the widget may also frame the full page.
PAGE_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
            "form-action 'none'; frame-ancestors {ancestors}")
# Scripts, styles and images are never documents: if one is opened directly, nothing runs.
ASSET_CSP = "default-src 'none'; frame-ancestors 'none'"

COMMON = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
PAGE_ONLY = {
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}
# widget.js and its stylesheet are meant to be loaded by other sites' pages.
ASSET_ONLY = {"Cross-Origin-Resource-Policy": "cross-origin"}

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"            # the page: always revalidate (ETag makes that a 304)
SHORT = "public, max-age=300"      # unversioned widget.js: host pages pick up a release within minutes


def page_csp(embedders: Iterable[str] = ()) -> str:
    ancestors = " ".join(["'self'", *embedders])
    return PAGE_CSP.format(ancestors=ancestors)


def page_headers(embedders: Iterable[str] = ()) -> dict[str, str]:
    return {**COMMON, **PAGE_ONLY, "Content-Security-Policy": page_csp(embedders)}


def asset_headers() -> dict[str, str]:
    return {**COMMON, **ASSET_ONLY, "Content-Security-Policy": ASSET_CSP}


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """RFC 9110 weak comparison of an If-None-Match list against our (strong) ETag."""
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    bare = etag.strip('"')
    return any(tag.strip().removeprefix("W/").strip('"') == bare for tag in if_none_match.split(","))
