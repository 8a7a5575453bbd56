"""`xinfang analytics purge | forget | simulate` and `xinfang bench analytics` (issue 18)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any


def _say(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _store(database_url: str | None = None):
    from common.settings import get_settings

    from .store import Store

    return Store(database_url) if database_url else Store.from_settings(get_settings())


def _out(args: argparse.Namespace, data: dict[str, Any], text: str) -> int:
    print(json.dumps(data, ensure_ascii=False) if args.json else text)
    return 0


def cmd_purge(args: argparse.Namespace) -> int:
    from common.settings import get_settings

    from .analytics.retention import purge

    days = args.days or get_settings().ANALYTICS_RETENTION_DAYS
    store = _store(args.database_url)
    gone = purge(store.engine, days, dry_run=args.dry_run)
    verb = "将删除" if args.dry_run else "已删除"
    return _out(args, {"days": days, "dry_run": args.dry_run, **gone.as_dict()},
                f"{verb} {days} 天以前的 {gone.turns} 条提问记录、{gone.feedback} 条评价。")


def cmd_forget(args: argparse.Namespace) -> int:
    from common.settings import get_settings

    from .analytics.retention import forget, sender_hash

    store = _store(args.database_url)
    gone = forget(store.engine, sender_hash(get_settings().SECRET_KEY, args.sender, args.channel), args.channel)
    return _out(args, {"channel": args.channel, **gone.as_dict()},
                f"已删除该{'微信用户' if args.channel == 'wechat' else '网页会话'}的 {gone.turns} 条提问记录、"
                f"{gone.feedback} 条评价。" + ("" if gone.turns or gone.feedback else "（没有找到记录：标识或渠道是否正确？）"))


def cmd_simulate(args: argparse.Namespace) -> int:
    from .analytics.simulate import clear, simulate

    store = _store(args.database_url)
    if args.clear:
        gone = clear(store.engine)
        return _out(args, gone.as_dict(), f"已删除模拟数据：{gone.turns} 条提问记录、{gone.feedback} 条评价。")
    if args.url:
        result = simulate(args.url, store.engine, args.n, args.days, args.seed, args.concurrency, _say)
    else:
        import os

        from common.settings import get_settings

        from .harness import running_service

        if args.database_url:   # the service started here records into the same database (it reads the environment)
            os.environ["DATABASE_URL"] = args.database_url
        with running_service(get_settings(), say=_say) as svc:
            result = simulate(svc.api, store.engine, args.n, args.days, args.seed, args.concurrency, _say)
    return _out(args, result, f"模拟完成：发送 {result['sent']}/{result['planned']} 个问题（失败 {result['failed']}），"
                              f"评价 {result['votes']} 条，改写时间并标记为模拟的记录 {result['backdated']} 条。"
                              "打开 /analytics 查看；xinfang analytics simulate --clear 可删除模拟数据。")


def cmd_bench(args: argparse.Namespace) -> int:
    from .analytics.bench import bench_analytics

    result = bench_analytics(args.events, args.rounds, args.database_url, (lambda _m: None) if args.json else _say)
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
        return 0
    print(f"{result['database']}：{result['events']} 条事件，{result['votes']} 条评价（写入 {result['fill_seconds']} 秒）；"
          f"每个查询 {result['rounds']} 次，预热后")
    scope = None
    for r in result["rows"]:
        if r["scope"] != scope:
            scope = r["scope"]
            print(f"\n  {scope}\n  {'query':<16}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}")
        print(f"  {r['query']:<16}{r['p50_ms']:>9.1f}{r['p95_ms']:>9.1f}{r['max_ms']:>9.1f}")
    ok = result["worst_p95_ms"] <= result["target_p95_ms"]
    print(f"\n最慢的 p95：{result['worst_p95_ms']} ms（目标 ≤ {result['target_p95_ms']} ms：{'达到' if ok else '未达到'}）")
    return 0


def register(sub) -> None:
    """`analytics` and, under the existing `bench`, `bench analytics`."""
    an = sub.add_parser("analytics", help="统计看板的数据：清理过期记录、删除某人的记录、生成演示数据"
                        ).add_subparsers(dest="sub", metavar="SUBCOMMAND")
    pu = an.add_parser("purge", help="删除超过保留期（ANALYTICS_RETENTION_DAYS，默认 180 天）的提问记录和评价")
    pu.add_argument("--days", type=int, help="保留天数（默认取 ANALYTICS_RETENTION_DAYS）")
    pu.add_argument("--dry-run", action="store_true", help="只统计将删除多少条，不删除")
    pu.add_argument("--database-url", help="数据库（默认与服务相同）")
    pu.add_argument("--json", action="store_true", help="输出 JSON")
    pu.set_defaults(func=cmd_purge)
    fo = an.add_parser("forget", help="删除一个人的全部提问记录和评价（按与记录时相同的密钥哈希查找）")
    fo.add_argument("sender", help="网页会话标识（浏览器里的 sender），或微信用户的 OpenID")
    fo.add_argument("--channel", choices=("web", "wechat"), default="web", help="渠道（默认 web）")
    fo.add_argument("--database-url", help="数据库（默认与服务相同）")
    fo.add_argument("--json", action="store_true", help="输出 JSON")
    fo.set_defaults(func=cmd_forget)
    si = an.add_parser("simulate", help="用项目自己的开发问题集经真实的 /api/chat 生成演示数据（时间分散到近几周）")
    si.add_argument("--n", type=int, default=2000, help="问题数（默认 2000）")
    si.add_argument("--url", help="正在运行的服务；不提供则临时启动一套（与 make run 相同的数据库）")
    si.add_argument("--days", type=int, default=28, help="时间分散到近多少天（默认 28）")
    si.add_argument("--seed", type=int, default=18, help="随机种子（默认 18）")
    si.add_argument("--concurrency", type=int, default=4, help="同时进行的对话数（默认 4）")
    si.add_argument("--database-url", help="服务使用的数据库（默认取 DATABASE_URL 或 var/ 下的 SQLite）")
    si.add_argument("--clear", action="store_true", help="删除全部模拟数据（ref 以 sim- 开头的记录），不发送问题")
    si.add_argument("--json", action="store_true", help="输出 JSON")
    si.set_defaults(func=cmd_simulate)

    bench = next(a for a in sub._name_parser_map["bench"]._actions if isinstance(a, argparse._SubParsersAction))
    ba = bench.add_parser("analytics", help="统计看板查询：在合成事件上测每个查询的 p50/p95（目标 p95 ≤ 300 ms）")
    ba.add_argument("--events", type=int, default=100_000, help="合成事件数（默认 100000）")
    ba.add_argument("--rounds", type=int, default=20, help="每个查询的次数（默认 20）")
    ba.add_argument("--database-url", help="在这个空数据库上测（例如 PostgreSQL；测完清空）；默认临时 SQLite")
    ba.add_argument("--json", action="store_true", help="输出 JSON")
    ba.set_defaults(func=cmd_bench)
