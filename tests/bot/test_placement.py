"""CPU placement: Rasa on a CPU of its own, the rest elsewhere, applied to real child processes."""

import json
import os
import subprocess
import sys

import pytest

from bot.placement import allowed_cpus, pin_on_exec, plan

needs_two_cpus = pytest.mark.skipif(len(allowed_cpus()) < 2, reason="needs at least two CPUs")


def test_the_last_cpu_goes_to_rasa_and_the_others_to_the_rest():
    p = plan(True, {0, 1, 2, 3})
    assert p.rasa == {3} and p.others == {0, 1, 2}
    assert plan(True, {5, 2}).rasa == {5}


def test_nothing_is_split_on_one_cpu_or_when_switched_off():
    assert plan(True, {0}) is None
    assert plan(False, {0, 1}) is None


def _child_cpus(cpus) -> set[int]:
    out = subprocess.run([sys.executable, "-c", "import json, os; print(json.dumps(sorted(os.sched_getaffinity(0))))"],
                         capture_output=True, text=True, preexec_fn=pin_on_exec(cpus), check=True)
    return set(json.loads(out.stdout))


@needs_two_cpus
def test_a_child_started_with_the_plan_runs_only_on_its_cpus():
    p = plan(True)
    assert _child_cpus(p.rasa) == set(p.rasa)
    assert _child_cpus(p.others) == set(p.others)


def test_without_cpus_the_child_keeps_what_the_parent_has():
    assert pin_on_exec(None) is None
    assert _child_cpus(None) == set(os.sched_getaffinity(0))
