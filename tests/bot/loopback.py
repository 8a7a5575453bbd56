"""A tiny HTTP peer on loopback for client-side tests: records each POST, answers JSON."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@contextmanager
def json_peer(answer: bytes = b"{}", delays: dict[str, float] | None = None) -> Iterator[tuple[str, list]]:
    """Yields (base URL, [(path, body), ...]); a path in ``delays`` answers after that many seconds."""
    seen: list[tuple[str, dict]] = []
    pause: Callable[[str], float] = (delays or {}).get

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's name)
            seen.append((self.path, json.loads(self.rfile.read(int(self.headers["Content-Length"])))))
            time.sleep(pause(self.path) or 0)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}", seen
    finally:
        httpd.shutdown()
        httpd.server_close()
