"""The static files of the web chat, read and fingerprinted once, on first use.

``widget.js`` is joined from ``static/js/*.js`` (in name order, inside one function
scope) so the embed stays a single ``<script>`` while the source stays in small
files. Two values are filled in when the catalog is built: the versioned URL of the
widget's stylesheet and the hotlines of the 人工服务 panel, which come from
``knowledge/sources/channels.yaml`` (legal data lives in data files, not in code).
"""

from __future__ import annotations

import functools
import hashlib
import html
import json
from dataclasses import dataclass
from pathlib import Path

STATIC_DIR = Path(__file__).parent / "static"
HOTLINE_IDS = ("hotline_12345", "hotline_12348")
MEDIA_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
               ".html": "text/html; charset=utf-8", ".svg": "image/svg+xml", ".png": "image/png"}
CONFIG_MARK = "__XF_CONFIG__"


@dataclass(frozen=True)
class Asset:
    """One servable file: its bytes, type and content fingerprint."""

    path: str          # URL path relative to the service root, e.g. "web/widget.css"
    body: bytes
    media_type: str
    version: str       # first 16 hex digits of the SHA-256 of body

    @property
    def etag(self) -> str:
        return f'"{self.version}"'

    @property
    def url(self) -> str:
        """Relative, versioned URL: works when the service sits under a path prefix."""
        return f"{self.path}?v={self.version}"


def make_asset(path: str, body: bytes) -> Asset:
    return Asset(path, body, MEDIA_TYPES[Path(path).suffix], hashlib.sha256(body).hexdigest()[:16])


def join_script(parts_dir: Path, config: dict) -> bytes:
    """The parts of widget.js in one strict-mode function scope, with the config filled in."""
    parts = sorted(parts_dir.glob("*.js"))
    if not parts:
        raise FileNotFoundError(f"no widget script parts in {parts_dir}")
    chunks = ["/*! 信访法治导引 web chat widget — built from channels/web/static/js/ */",
              "(function () {", "'use strict';"]
    for part in parts:
        chunks += [f"// ---- {part.name} ----", part.read_text(encoding="utf-8")]
    chunks.append("})();\n")
    source = "\n".join(chunks)
    if source.count(CONFIG_MARK) != 1:
        raise ValueError(f"widget script must contain {CONFIG_MARK} exactly once")
    # ensure_ascii: the JSON is a JS literal whatever the file encoding or U+2028 in the data.
    return source.replace(CONFIG_MARK, json.dumps(config, ensure_ascii=True)).encode("utf-8")


def load_hotlines() -> list[dict[str, str]]:
    # Imported on first use: importing this module reads nothing.
    from knowledge.channels import load_channels

    channels = load_channels()
    return [{"name": channels[i].name, "value": channels[i].value, "description": channels[i].description}
            for i in HOTLINE_IDS if i in channels]


class AssetCatalog:
    """Every file the web channel serves, keyed by URL path ("" is the page itself)."""

    def __init__(self, static_dir: Path = STATIC_DIR, hotlines: list[dict[str, str]] | None = None) -> None:
        hotlines = load_hotlines() if hotlines is None else hotlines
        plain = {f"web/{p.name}": make_asset(f"web/{p.name}", p.read_bytes())
                 for p in sorted(static_dir.iterdir()) if p.is_file() and p.suffix in (".css", ".svg", ".png")}
        config = {"css": plain["web/widget.css"].url, "hotlines": hotlines}
        script = make_asset("widget.js", join_script(static_dir / "js", config))
        self.assets: dict[str, Asset] = {**plain, "widget.js": script}
        page = (static_dir / "index.html").read_text(encoding="utf-8")
        fills = {"{{widget_js}}": script.url, "{{page_css}}": plain["web/page.css"].url,
                 "{{icon}}": plain["web/icon.svg"].url,
                 "{{hotlines}}": "、".join(html.escape(h["name"]) for h in hotlines) or "当地政务服务热线"}
        for mark, value in fills.items():
            page = page.replace(mark, value)
        self.assets[""] = make_asset("index.html", page.encode("utf-8"))

    def get(self, path: str) -> Asset | None:
        return self.assets.get(path)


@functools.lru_cache(maxsize=1)
def get_catalog() -> AssetCatalog:
    return AssetCatalog()
