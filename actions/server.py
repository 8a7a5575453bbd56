"""The action server on loopback: `python -m actions.server` (what `xinfang run` starts).

rasa-sdk's own entry point binds 0.0.0.0; the action server must never be public,
so this sets SANIC_HOST to loopback, warms the knowledge base up before accepting
requests, and then hands over to rasa-sdk unchanged.
"""

from __future__ import annotations

import argparse
import logging
import os
import warnings


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="信访法治导引 action server（仅监听本机回环地址）")
    parser.add_argument("--port", type=int, default=5055)
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args(argv)
    os.environ["SANIC_HOST"] = args.host
    # rasa-sdk 3.21 speaks Rasa 3.6's action protocol (checked) but warns about the version gap.
    warnings.filterwarnings("ignore", message=".*Rasa.*version.*")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    from .runtime import runtime

    runtime().warm_up()
    from rasa_sdk import utils
    from rasa_sdk.endpoint import run
    from rasa_sdk.executor import ActionExecutor

    executor = ActionExecutor()
    executor.register_package("actions")
    utils.number_of_sanic_workers = lambda *a, **k: 1  # one worker: the model and index load once
    run(executor, port=args.port, cors_origins=None)


if __name__ == "__main__":
    main()
