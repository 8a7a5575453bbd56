"""`xinfang eval masking`: how much personal information `mask_pii` hides, per kind (issue 18).

A value counts as masked when none of its identifying characters (letters, digits, Chinese;
not spaces or punctuation) survives, i.e. each lies inside a masked span, whatever its label.
Precision is over the masked spans of every text, the negatives included: a span is right when
it covers part of a personal value.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path
from typing import Any

import yaml

from .privacy import LABELS, find_pii, mask_pii

MASKING_SET = Path(__file__).resolve().parent.parent / "tests" / "data" / "masking_set.yaml"
TYPES = [label[1:-1] for label in LABELS]


def load_set(path: Path = MASKING_SET) -> dict[str, list[dict[str, Any]]]:
    """The cases (text, pii: [[type, value], …]) and negatives (text, kind), checked."""
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    cases, negatives = raw.get("cases") or [], raw.get("negatives") or []
    for i, c in enumerate(cases):
        for kind, value in c.get("pii") or []:
            if kind not in TYPES:
                raise ValueError(f"{path}: case {i + 1}: unknown type {kind!r} (one of {', '.join(TYPES)})")
            if c["text"].count(value) != 1:
                raise ValueError(f"{path}: case {i + 1}: {value!r} should occur once in {c['text']!r}")
    return {"cases": cases, "negatives": negatives}


def _identifying(text: str, start: int, end: int) -> list[int]:
    return [i for i in range(start, end) if text[i].isalnum()]


def evaluate(path: Path = MASKING_SET, rounds: int = 5) -> dict[str, Any]:
    data = load_set(path)
    per = {t: {"n": 0, "masked": 0, "same_label": 0, "spans": 0, "right_spans": 0} for t in TYPES}
    missed, false_spans = [], []
    texts = [c["text"] for c in data["cases"]] + [n["text"] for n in data["negatives"]]
    values = {i: c.get("pii") or [] for i, c in enumerate(data["cases"])}
    for i, text in enumerate(texts):
        spans = find_pii(text)
        covered = {k: s.label for s in spans for k in range(s.start, s.end)}
        personal: set[int] = set()
        for kind, value in values.get(i, []):
            start = text.index(value)
            chars = _identifying(text, start, start + len(value))
            personal.update(chars)
            row = per[kind]
            row["n"] += 1
            if all(k in covered for k in chars):
                row["masked"] += 1
                row["same_label"] += all(covered[k] == f"[{kind}]" for k in chars)
            else:
                missed.append({"type": kind, "value": value, "text": text})
        for s in spans:
            row = per[s.label[1:-1]]
            row["spans"] += 1
            if personal.intersection(range(s.start, s.end)):
                row["right_spans"] += 1
            else:
                false_spans.append({"label": s.label, "masked": text[s.start:s.end], "text": text})
    times = []
    for text in texts:                                   # median of per-text medians, warm
        runs = []
        for _ in range(rounds):
            t0 = time.perf_counter()
            mask_pii(text)
            runs.append(time.perf_counter() - t0)
        times.append(statistics.median(runs))
    unchanged = sum(mask_pii(n["text"]) == n["text"] for n in data["negatives"])
    rows = {}
    for kind, r in per.items():
        if r["n"] or r["spans"]:
            rows[kind] = {"n": r["n"], "recall": r["masked"] / r["n"] if r["n"] else None,
                          "same_label": r["same_label"] / r["masked"] if r["masked"] else None,
                          "spans": r["spans"], "precision": r["right_spans"] / r["spans"] if r["spans"] else None}
    n_spans = sum(r["spans"] for r in per.values())
    return {"set": str(path), "cases": len(data["cases"]), "negatives": len(data["negatives"]),
            "types": rows,
            "recall": sum(r["masked"] for r in per.values()) / max(1, sum(r["n"] for r in per.values())),
            "precision": sum(r["right_spans"] for r in per.values()) / max(1, n_spans),
            "negatives_unchanged": unchanged,
            "median_us_per_call": round(statistics.median(times) * 1e6, 1),
            "missed": missed, "false_spans": false_spans}


def _pct(x: float | None) -> str:
    return "–" if x is None else f"{x * 100:.1f}%"


def _pad(text: str, width: int) -> str:
    """Left-aligned to a display width: a Chinese character takes two columns."""
    return text + " " * max(0, width - sum(2 if ord(c) > 0x2E7F else 1 for c in text))


def cmd_eval_masking(args: argparse.Namespace) -> int:
    result = evaluate(Path(args.set))
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
        return 0
    print(f"掩码评估集 {result['set']}：{result['cases']} 条含个人信息，{result['negatives']} 条反例")
    print((_pad("类型", 10) + "".join(_pad(h, 10) for h in ("n", "召回", "同标签", "掩码段", "精确率"))).rstrip())
    for kind, r in result["types"].items():
        cells = (str(r["n"]), _pct(r["recall"]), _pct(r["same_label"]), str(r["spans"]), _pct(r["precision"]))
        print((_pad(kind, 10) + "".join(_pad(c, 10) for c in cells)).rstrip())
    print(f"合计：召回 {_pct(result['recall'])}，精确率 {_pct(result['precision'])}；"
          f"反例原样保留 {result['negatives_unchanged']}/{result['negatives']}")
    print(f"每次调用耗时中位数：{result['median_us_per_call']} µs")
    for m in result["missed"]:
        print(f"  漏掉 {m['type']}：{m['value']!r} 在 {m['text']!r}")
    for f in result["false_spans"]:
        print(f"  误遮 {f['label']}：{f['masked']!r} 在 {f['text']!r}")
    return 0


def register(sub) -> None:
    """Adds `masking` under `xinfang eval` (called after bot/cli.py has made the eval group)."""
    ev = next(a for a in sub._name_parser_map["eval"]._actions if isinstance(a, argparse._SubParsersAction))
    em = ev.add_parser("masking", help="个人信息遮盖：各类型的召回率、精确率（含反例）和每次调用耗时")
    em.add_argument("--set", default=str(MASKING_SET), help="掩码评估集 YAML（cases / negatives）")
    em.add_argument("--json", action="store_true", help="输出 JSON")
    em.set_defaults(func=cmd_eval_masking)
