"""Helpers for the web chat's browser tests: our own app on a free port, a host page on another
origin, headless Debian Chromium, and a few page helpers that see through the shadow root.

Kept out of a conftest.py so that nothing here leaks into the other channel tests.
"""

from __future__ import annotations

import contextlib
import http.server
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from bot.harness import free_port

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ANSWER_TIMEOUT_MS = 60_000   # a cold Rasa on a busy 2-core machine can take a while for the first turn


def require_chromium() -> Path:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} 不存在：浏览器测试需要 Debian 的 chromium，请先运行 `make system-deps`。")
    return CHROMIUM


class ThreadedServer:
    """A uvicorn server for an ASGI app, in a daemon thread of the test process."""

    def __init__(self, app, port: int | None = None) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, name=f"uvicorn-{self.port}", daemon=True)

    def __enter__(self) -> ThreadedServer:
        self.thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"test server on port {self.port} did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(15)


@contextlib.contextmanager
def static_site(files: dict[str, tuple[str, str]], headers: dict[str, str] | None = None,
                port: int | None = None) -> Iterator[str]:
    """Serves ``{path: (content_type, body)}`` on loopback: the "government site" that embeds the widget."""
    extra = headers or {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            path = self.path.split("?")[0]
            if path not in files:
                self.send_error(404)
                return
            kind, body = files[path]
            data = body.encode("utf-8")
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            for k, v in extra.items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port or free_port()), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


# ---- page helpers (Playwright's CSS locators pierce open shadow roots) ----

DEEP_ACTIVE = """() => {
  let a = document.activeElement;
  while (a && a.shadowRoot && a.shadowRoot.activeElement) a = a.shadowRoot.activeElement;
  return a ? {tag: a.tagName.toLowerCase(), id: a.id, cls: a.className, text: (a.textContent || '').trim(),
              outline: getComputedStyle(a).outlineStyle} : null;
}"""

STORAGE = """() => Object.fromEntries(Object.keys(localStorage)
  .filter(k => k.startsWith('xinfang-guide:')).map(k => [k.split(':').pop(), localStorage.getItem(k)]))"""


def answers(page):
    return page.locator(".xf-answer")


def wait_answers(page, count: int, timeout: int = ANSWER_TIMEOUT_MS):
    from playwright.sync_api import expect

    expect(answers(page)).to_have_count(count, timeout=timeout)
    return answers(page).nth(count - 1)


def send(page, text: str, timeout: int = ANSWER_TIMEOUT_MS):
    """Types ``text``, presses Enter and returns the bot's answer element."""
    n = answers(page).count()
    box = page.locator("#xf-input")
    box.fill(text)
    box.press("Enter")
    return wait_answers(page, n + 1, timeout)


def open_page(context, url: str):
    """Opens the page and waits for the welcome (the first answer)."""
    page = context.new_page()
    page.goto(url)
    wait_answers(page, 1)
    return page


@contextlib.contextmanager
def watched_context(browser, **options) -> Iterator:
    """A browser context whose pages may raise no script error and break no CSP rule (checked at the end)."""
    ctx = browser.new_context(locale="zh-CN", **options)
    problems: list[str] = []

    def on_console(msg) -> None:
        if "Content Security Policy" in msg.text or "Refused to" in msg.text:
            problems.append(msg.text)

    ctx.on("page", lambda page: (page.on("pageerror", lambda e: problems.append(f"页面脚本错误：{e}")),
                                 page.on("console", on_console)))
    yield ctx
    ctx.close()
    assert not problems, problems
