"""Paths the tests share."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).parent / "data"
MINI = DATA / "mini"
SHARED = ROOT.parent / "shared"
