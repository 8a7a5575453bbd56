"""Rasa's command syntax stays Rasa's: what a citizen types is never read as ``/intent{...}``.

Rasa takes a message that starts with ``/`` (after ``str.strip``) for an intent given outright,
with its entities as JSON: ``/greet{"region":"<script>"}`` would set slots and skip the NLU,
``/restart`` would wipe the conversation (issue 19). Every channel's text reaches Rasa through
``Conversations.turn``, which passes it through ``for_rasa``: the commands the product itself offers
(the welcome and the clarifying form's buttons, exactly as ``domain.yml`` writes them) go as they
are — pressing the button sends nothing else —, anything else has its leading ``/`` made full-width.
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path

import yaml

from common.settings import PROJECT_ROOT

logger = logging.getLogger(__name__)

DOMAIN = PROJECT_ROOT / "domain.yml"
WELCOME = "/greet"                 # the web widget's first message and WeChat's subscribe event
SLASH, FULL_WIDTH_SLASH = "/", "／"
# Not whitespace to str.strip, but nothing on screen: 「\u200b/restart」 must not hide a command either.
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff\u180e"


def _blank(ch: str) -> bool:
    return ch.isspace() or ch in ZERO_WIDTH


def strip_invisible(text: str) -> str:
    """``text`` without the blank and zero-width characters around it."""
    start, end = 0, len(text)
    while start < end and _blank(text[start]):
        start += 1
    while end > start and _blank(text[end - 1]):
        end -= 1
    return text[start:end]


def neutralise(text: str) -> str:
    """The text with a leading ``/`` (behind any blank or zero-width characters) made full-width."""
    rest = text
    while rest and _blank(rest[0]):
        rest = rest[1:]
    return FULL_WIDTH_SLASH + rest[1:] if rest.startswith(SLASH) else text


@functools.lru_cache(maxsize=4)
def offered_commands(domain: Path = DOMAIN) -> frozenset[str]:
    """The welcome and every button payload of the domain's responses that is a command."""
    try:
        data = yaml.safe_load(domain.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        logger.warning("commands.domain_unreadable", extra={"path": str(domain)})
        data = {}
    offered = {WELCOME}
    for variants in (data.get("responses") or {}).values():
        for variant in variants or []:
            for button in (variant or {}).get("buttons") or []:
                # a response's text is a template: its braces are doubled in domain.yml
                payload = str(button.get("payload") or "").replace("{{", "{").replace("}}", "}")
                if payload.startswith(SLASH):
                    offered.add(payload)
    return frozenset(offered)


def for_rasa(text: str, offered: frozenset[str] | None = None) -> str:
    """What Rasa may read of ``text``: an offered command as it is, any other text never as a command."""
    if text in (offered_commands() if offered is None else offered):
        return text
    return neutralise(text)
