"""The web chat's files as the server hands them out: types, security headers, caching, and a
static check that the script never turns data into markup. No browser, no Rasa."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import pytest
from fastapi.testclient import TestClient

from bot.app import create_app
from channels.web.assets import STATIC_DIR, get_catalog
from channels.web.headers import etag_matches
from common.settings import Settings
from tests.paths import ROOT

EMBEDDER = "https://xfj.example.gov.cn"
# Sinks that parse strings as markup or code; the widget builds DOM with createElement/textContent only.
FORBIDDEN_JS = ["innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function",
                "createContextualFragment", "DOMParser", "setAttribute('style'", "srcdoc"]
CSP_DIRECTIVES = ["default-src 'self'", "script-src 'self'", "style-src 'self'", "connect-src 'self'",
                  "base-uri 'none'", "form-action 'none'", "object-src 'none'"]


@pytest.fixture(scope="module")
def client():
    # No `with`: the lifespan (Rasa client, store) is not needed to serve files.
    return TestClient(create_app(Settings(CORS_ORIGINS=EMBEDDER)))


def script_sources() -> list[tuple[str, str]]:
    parts = [(p.name, p.read_text(encoding="utf-8")) for p in sorted((STATIC_DIR / "js").glob("*.js"))]
    return [*parts, ("widget.js (built)", get_catalog().get("widget.js").body.decode("utf-8"))]


def test_page_is_html_with_strict_csp(client):
    resp = client.get("/")
    assert resp.status_code == 200
    assert resp.headers["content-type"] == "text/html; charset=utf-8"
    csp = resp.headers["content-security-policy"]
    for directive in CSP_DIRECTIVES:
        assert directive in csp
    assert f"frame-ancestors 'self' {EMBEDDER}" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert resp.headers["x-content-type-options"] == "nosniff"
    assert resp.headers["referrer-policy"] == "no-referrer"


def test_page_markup(client):
    html = client.get("/").text
    assert '<html lang="zh-CN">' in html
    assert re.search(r'<meta name="viewport" content="width=device-width, initial-scale=1', html)
    # CSP allows no inline code: every script has a src, there are no <style> blocks or style/on* attributes.
    assert all('src="' in tag for tag in re.findall(r"<script[^>]*>", html))
    assert "<style" not in html and not re.search(r"\s(style|on\w+)=", html)
    assert "{{" not in html
    for url in re.findall(r'(?:src|href)="([^"]+)"', html):
        assert client.get("/" + url).status_code == 200, url


def test_widget_script_type_and_headers(client):
    resp = client.get("/widget.js")
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("text/javascript")
    assert resp.headers["x-content-type-options"] == "nosniff"
    assert resp.headers["content-security-policy"].startswith("default-src 'none'")
    assert resp.headers["cross-origin-resource-policy"] == "cross-origin"   # other sites embed it
    assert resp.headers["cache-control"] == "public, max-age=300"
    assert "__XF_CONFIG__" not in resp.text and '"hotlines"' in resp.text


def test_stylesheet_and_icon(client):
    catalog = get_catalog()
    css = client.get("/" + catalog.get("web/widget.css").url)
    assert css.headers["content-type"] == "text/css; charset=utf-8"
    assert css.headers["cache-control"] == "public, max-age=31536000, immutable"
    icon = client.get("/web/icon.svg")
    assert icon.headers["content-type"] == "image/svg+xml"
    assert icon.headers["content-security-policy"].startswith("default-src 'none'")


@pytest.mark.parametrize("path", ["/web/../pyproject.toml", "/web/index.html", "/web/js/00-options.js",
                                  "/web/nothing.css", "/web/%2e%2e%2fsettings.py"])
def test_only_catalogued_files(client, path):
    assert client.get(path).status_code == 404


def test_etag_revalidation(client):
    first = client.get("/widget.js")
    again = client.get("/widget.js", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    assert client.get("/", headers={"If-None-Match": 'W/"other", ' + client.get("/").headers["etag"]}).status_code == 304
    assert client.get("/widget.js", headers={"If-None-Match": '"stale"'}).status_code == 200


def test_versioned_url_is_immutable_only_for_the_current_version(client):
    current = get_catalog().get("widget.js")
    assert client.get(f"/widget.js?v={current.version}").headers["cache-control"].endswith("immutable")
    assert client.get("/widget.js?v=0000").headers["cache-control"] == "public, max-age=300"


def test_head_requests(client):
    resp = client.head("/")
    assert resp.status_code == 200 and resp.headers["etag"]


@pytest.mark.parametrize("header,matches", [(None, False), ("*", True), ('"abc"', True), ('W/"abc"', True),
                                            ('"x", "abc"', True), ('"abcd"', False)])
def test_etag_matching(header, matches):
    assert etag_matches(header, '"abc"') is matches


@pytest.mark.parametrize("name,source", script_sources())
def test_script_never_parses_strings_as_markup_or_code(name, source):
    for sink in FORBIDDEN_JS:
        assert sink not in source, f"{name} uses {sink}"
    assert not re.search(r"set(Timeout|Interval)\(\s*['\"`]", source), f"{name} passes a string to a timer"


def test_hotlines_come_from_the_channel_data():
    config = get_catalog().get("widget.js").body.decode("utf-8")
    assert '"value": "12345"' in config and '"value": "12348"' in config
    # No phone number is written into the script parts themselves.
    for name, source in script_sources()[:-1]:
        assert not re.search(r"123[0-9]{2}", source), name


def test_built_script_is_valid_javascript(tmp_path):
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed (only this syntax check needs it)")
    path = tmp_path / "widget.js"
    path.write_bytes(get_catalog().get("widget.js").body)
    result = subprocess.run([node, "--check", str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_importing_the_package_reads_no_files():
    code = ("import sys, channels.web; from channels.web.assets import get_catalog; "
            "assert get_catalog.cache_info().currsize == 0; assert 'knowledge.channels' not in sys.modules")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
