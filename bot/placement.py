"""Which CPUs each process of the product runs on.

Rasa handles every turn on one Python thread (TensorFlow is held to one thread, see
``runner.rasa_serving_env``), so it can use one core at most, and under load it is the
bottleneck. Left to the scheduler, the action server, the API and the kernel's network
work keep landing on Rasa's core, and every turn waits for them. With ``CPU_PLACEMENT``
on (the default) and at least two CPUs allowed, Rasa gets one CPU to itself and the
rest of the product shares the others. On one CPU, or where the platform has no
affinity call, nothing changes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Placement:
    rasa: frozenset[int]
    others: frozenset[int]


def allowed_cpus() -> set[int]:
    return set(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else set()


def plan(enabled: bool, cpus: set[int] | None = None) -> Placement | None:
    """The last allowed CPU for Rasa, the rest for everything else; None when there is nothing to split."""
    cpus = allowed_cpus() if cpus is None else cpus
    if not enabled or len(cpus) < 2:
        return None
    ordered = sorted(cpus)
    return Placement(rasa=frozenset(ordered[-1:]), others=frozenset(ordered[:-1]))


def pin_on_exec(cpus: frozenset[int] | None):
    """A ``preexec_fn`` for subprocess.Popen: the child and every thread it starts run on ``cpus``."""
    if not cpus or not hasattr(os, "sched_setaffinity"):
        return None

    def _pin() -> None:
        os.sched_setaffinity(0, cpus)

    return _pin


def pin_this_process(cpus: frozenset[int] | None) -> None:
    """Moves every thread of the current process (threads started later inherit it)."""
    if not cpus or not hasattr(os, "sched_setaffinity"):
        return
    tasks = Path("/proc/self/task")
    tids = [int(t.name) for t in tasks.iterdir()] if tasks.is_dir() else [0]
    for tid in tids:
        try:
            os.sched_setaffinity(tid, cpus)
        except OSError:      # a thread that ended meanwhile
            pass
