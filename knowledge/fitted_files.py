"""Files of models fitted at set-up (``var/triage``, ``var/rerank``): one per fingerprint, written safely."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path


def keep(path: Path, write: Callable[[Path], object]) -> None:
    """Write ``path`` with ``write`` through a temporary file of this process (two processes starting
    together each write their own) and remove the files beside it of the same name but another
    fingerprint (``<stem prefix>-<fingerprint><suffix>``: fitted on data since changed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    prefix = path.stem.rsplit("-", 1)[0]
    for old in path.parent.glob(f"{prefix}-*{path.suffix}"):
        if old != path:
            old.unlink(missing_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    write(tmp)
    tmp.replace(path)
