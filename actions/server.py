"""The action server on loopback: `python -m actions.server` (what `xinfang run` starts).

rasa-sdk's own entry point binds 0.0.0.0 and spawns worker processes; the action
server must never be public and should load the model once, so this warms the
knowledge base up, then serves rasa-sdk's own app in one process on loopback.
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import warnings

logger = logging.getLogger(__name__)

MAX_PREFETCH_BODY = 64 * 1024


def add_prefetch_route(app, rt) -> None:
    """``POST /prefetch {"text": ...}``: embed a query ahead of its action (see ``Runtime.prefetch``).

    Loopback only, like the rest of this server; the API calls it and never waits for it.
    The text is the masked text the API also sends to Rasa, and it is not logged.
    """
    from sanic import response

    async def prefetch(request):
        if len(request.body or b"") > MAX_PREFETCH_BODY:
            return response.json({"error": "request body too large"}, status=413)
        try:
            body = json.loads(request.body or b"")
        except ValueError:
            return response.json({"error": "body must be JSON"}, status=400)
        text = body.get("text") if isinstance(body, dict) else None
        if not isinstance(text, str):
            return response.json({"error": "text must be a string"}, status=400)
        try:
            done = rt.prefetch(text)
        except Exception:  # an optimisation only: the action computes the vector itself
            logger.exception("actions.prefetch.failed")
            done = False
        return response.json({"prefetched": done})

    app.add_route(prefetch, "/prefetch", methods=["POST"])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="信访法治导引 action server（仅监听本机回环地址）")
    parser.add_argument("--port", type=int, default=5055)
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args(argv)
    # rasa-sdk 3.21 speaks Rasa 3.6's action protocol (checked) but warns about the version gap.
    warnings.filterwarnings("ignore", message=".*Rasa.*version.*")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    from .runtime import runtime

    rt = runtime()
    rt.warm_up()
    from rasa_sdk.endpoint import create_app
    from rasa_sdk.executor import ActionExecutor

    executor = ActionExecutor()
    executor.register_package("actions")
    app = create_app(executor, cors_origins=None)
    add_prefetch_route(app, rt)
    # The model, index and corpus live as long as the server: out of the collector's way, a full
    # collection no longer walks them (15–18 ms with every action call waiting, measured).
    gc.collect()
    gc.freeze()
    # One process: the model and index are loaded once, above, and never forked or re-spawned.
    app.run(host=args.host, port=args.port, single_process=True, access_log=False, motd=False)


if __name__ == "__main__":
    main()
