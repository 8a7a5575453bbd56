"""`xinfang deadline`: the last day of a time limit, counted as the texts say (knowledge/deadlines.py)."""

from __future__ import annotations

import argparse
import datetime as dt
import json


def _date(text: str, what: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{what}应为 YYYY-MM-DD 格式的日期，例如 2026-10-08，收到的是 “{text}”") from None


def cmd_deadline(args: argparse.Namespace) -> int:
    from common.services import knowledge_base
    from knowledge.deadlines import by_kind, kinds_table

    kb = knowledge_base()
    if args.list:
        table = kinds_table(kb)
        if args.json:
            print(json.dumps(table, ensure_ascii=False))
            return 0
        for row in table:
            p = row["period"]
            length = f"{p['words']}，{kb.corpus.citation(row['basis'])}" if p else "条文未收录，不计算"
            print(f"{row['kind']:<30}{row['topic']}（{length}）")
        return 0
    if not args.kind or not args.start:
        raise ValueError("请给出期限种类和起算日期，例如：xinfang deadline xinfang_review 2026-10-08（--list 列出种类）")
    start = _date(args.start, "起算日期")
    today = _date(args.today, "--today") if args.today else dt.date.today()
    result = by_kind(kb, args.kind, start, today)
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
        return 0
    left = result["days_left"]
    print(f"{result['label']}：最后一天 {result['last_day']}（" + (f"还剩 {left} 天" if left > 0 else
          "就是今天" if left == 0 else f"已过 {-left} 天") + "）")
    if left < 0 and result["interrupted_by"]:   # a limit that can be interrupted is never simply passed
        print(f"这个时效可以中断：“{result['interrupted_by']['quote']}”（{result['interrupted_by']['citation']}）")
    if result["may_move_to"]:
        print(f"（这一年的调休安排日历未收录：若该日确为休息日，可顺延到 {result['may_move_to']}，以公布的安排为准）")
    print(f"依据：{result['citation']}")
    print(f"计算方法：{result['rule']}")
    return 0


def register(sub) -> None:
    d = sub.add_parser("deadline", help="计算期限的最后一天（按条文的期间计算规则和法定节假日）",
                       description="按期限种类和起算日期算出最后一天、剩余天数、依据的条文和计算方法。")
    d.add_argument("kind", nargs="?", help="期限种类 id，例如 xinfang_review（--list 列出全部）")
    d.add_argument("start", nargs="?", help="起算日期（收到、知道或发生之日），YYYY-MM-DD")
    d.add_argument("--today", help="按这一天计算剩余天数（默认今天），YYYY-MM-DD")
    d.add_argument("--list", action="store_true", help="列出全部期限种类")
    d.add_argument("--json", action="store_true", help='输出 {"kind", "start", "last_day", "days_left", "rule", '
                                                       '"basis", "calendar", …}')
    d.set_defaults(func=cmd_deadline)
