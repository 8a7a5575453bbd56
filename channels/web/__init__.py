"""The web chat: the standalone page at ``/`` and the embeddable ``/widget.js``."""

from fastapi import APIRouter

router = APIRouter(tags=["web"])
