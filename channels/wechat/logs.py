"""Keep OpenIDs and credentials out of other libraries' logs.

WeChat appends ``openid=`` to the callback URL, which uvicorn's access log prints,
and httpx logs request URLs that carry ``secret=`` and ``access_token=``. A filter
on those two loggers rewrites the values to ``***`` before any handler sees them.
"""

from __future__ import annotations

import logging
import re

SENSITIVE = re.compile(r"((?:^|[?&\s])(?:openid|secret|access_token|appid)=)[^&\s\"']*", re.I)
LOGGERS = ("uvicorn.access", "httpx")


def redact(text: str) -> str:
    return SENSITIVE.sub(r"\1***", text)


class RedactQuery(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else (redact(str(a)) if _is_url(a) else a)
                                for a in record.args)
        return True


def _is_url(value: object) -> bool:
    return type(value).__name__ == "URL"  # httpx.URL in httpx's "HTTP Request: %s %s" message


_FILTER = RedactQuery()


def install() -> None:
    """Idempotent: attach the filter once to each logger."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
