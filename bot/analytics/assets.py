"""The dashboard page's static files, fingerprinted once (as the desk's, ``bot/staff/pages.py``).

``{{asset:NAME}}`` in a page becomes the versioned URL of a file of ``static/``; ``{{staff:NAME}}``
one of the desk's files (its stylesheet, its DOM and API helpers ``staff.js``), whose URLs the
caller passes in: the page shares them rather than keeping copies.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from pathlib import Path

from channels.web.assets import Asset, make_asset

STATIC = Path(__file__).parent / "static"
PREFIX = "analytics/assets"
REF = re.compile(r"\{\{(asset|staff):([\w.-]+)\}\}")


def build_catalog(staff_urls: Mapping[str, str], static: Path = STATIC) -> dict[str, Asset]:
    """Files by name, and pages as ``page:<stem>``; ``staff_urls``: the desk's file name -> URL."""
    assets = {p.name: make_asset(f"{PREFIX}/{p.name}", p.read_bytes())
              for p in sorted(static.iterdir()) if p.suffix in (".js", ".css", ".svg")}

    def url(m: re.Match[str]) -> str:
        kind, name = m.groups()
        if kind == "asset":
            return "/" + assets[name].url
        return staff_urls[name]

    pages = {}
    for p in sorted(static.glob("*.html")):
        body = REF.sub(url, p.read_text(encoding="utf-8")).encode("utf-8")
        pages[f"page:{p.stem}"] = Asset(f"analytics/{p.stem}", body, "text/html; charset=utf-8",
                                        hashlib.sha256(body).hexdigest()[:16])
    return {**assets, **pages}
