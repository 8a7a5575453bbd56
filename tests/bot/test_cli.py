import subprocess
import sys

import pytest

from tests.paths import ROOT

COMMANDS = [[], ["index", "build"], ["search"], ["pack", "validate"], ["eval", "retrieval"], ["eval", "routes"],
            ["bench", "retrieval"], ["bench", "chat"], ["model", "convert"], ["run"], ["serve"], ["train"],
            ["sources", "validate"], ["eval", "nlu"], ["deadline"], ["staff", "add"], ["staff", "list"],
            ["staff", "disable"], ["staff", "enable"], ["staff", "passwd"], ["staff", "audit"], ["db", "upgrade"], ["eval", "masking"], ["bench", "staff"]]


@pytest.mark.parametrize("cmd", COMMANDS, ids=lambda c: " ".join(c) or "xinfang")
def test_every_command_has_help(cmd):
    out = subprocess.run([sys.executable, "-m", "bot.cli", *cmd, "--help"], cwd=ROOT, capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0 and "usage: xinfang" in out.stdout


def _leaves(parser, path=()):
    import argparse

    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs:
        yield path, parser
    for a in subs:
        for name, child in a.choices.items():
            yield from _leaves(child, (*path, name))


def test_every_subcommand_says_what_it_does_and_every_option_is_explained():
    from bot.cli import build_parser

    leaves = dict(_leaves(build_parser()))
    assert ("serve",) in leaves and ("bench", "chat") in leaves
    for path, parser in leaves.items():
        assert parser.description, path
        unexplained = [a.dest for a in parser._actions if not a.help]
        assert not unexplained, (path, unexplained)


def test_pack_validate_reports_lines_and_fails(tmp_path):
    d = tmp_path / "350206"
    d.mkdir()
    (d / "pack.yaml").write_text('region_code: "350206"\nregion_name: 测试\nmaintainer: x\nupdated_on: 2026-01-01\n'
                                 "offices:\n  - id: a\n    name: 测试局\n    level: 镇\n    source: x\n"
                                 "    verified_on: 2026-01-01\n", "utf-8")
    out = subprocess.run([sys.executable, "-m", "bot.cli", "pack", "validate", str(d)], cwd=ROOT,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 1 and "pack.yaml:8: level must be" in out.stdout
