"""`xinfang staff` and `xinfang db`: staff accounts of the desk and the database schema, on the command line."""

from __future__ import annotations

import argparse
import getpass
import json
import sys

from .staff.accounts import ROLE_NAMES, ROLES


def _store():
    from common.settings import get_settings

    from .store import Store

    return Store.from_settings(get_settings())


def _read_password(prompt_twice: bool = True) -> str:
    """From standard input when it is not a terminal (scripts), else asked for twice without echo."""
    if not sys.stdin.isatty():
        line = sys.stdin.readline()
        return line.rstrip("\r\n")
    first = getpass.getpass("密码（至少 10 个字符）：")
    if prompt_twice and getpass.getpass("再输一遍：") != first:
        raise ValueError("两次输入的密码不一样。")
    return first


def cmd_staff_add(args: argparse.Namespace) -> int:
    from .staff.accounts import Accounts
    from .staff.audit import Audit

    store = _store()
    account = Accounts(store.engine).add(args.name, args.role, _read_password())
    Audit(store.engine).record("account_added", None, None, username=account.username, role=account.role,
                               by="command line")
    if args.json:
        print(json.dumps(account.to_dict(), ensure_ascii=False))
    else:
        print(f"已创建账号 {account.username}（{ROLE_NAMES[account.role]}）。")
    return 0


def cmd_staff_list(args: argparse.Namespace) -> int:
    from .staff.accounts import Accounts

    rows = [a.to_dict() for a in Accounts(_store().engine).list()]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False))
        return 0
    if not rows:
        print("还没有账号。用 `xinfang staff add 用户名 --role staff` 创建。")
    for r in rows:
        last = r["last_login_at"][:16].replace("T", " ") if r["last_login_at"] else "从未登录"
        print(f"{r['username']:<20}{r['role_name']:<8}{'启用' if r['active'] else '已停用':<6}上次登录 {last}")
    return 0


def _set_active(args: argparse.Namespace, active: bool) -> int:
    from .staff.accounts import Accounts
    from .staff.audit import Audit
    from .staff.sessions import Sessions

    store = _store()
    account = Accounts(store.engine).set_active(args.name, active)
    ended = 0 if active else Sessions(store.engine, "-", 1).end_all(account.id)
    Audit(store.engine).record("account_enabled" if active else "account_disabled", None, None,
                               username=account.username, by="command line")
    if args.json:
        print(json.dumps({**account.to_dict(), "sessions_ended": ended}, ensure_ascii=False))
    else:
        print(f"已{'启用' if active else '停用'}账号 {account.username}" + (f"，结束了 {ended} 个登录会话。" if ended else "。"))
    return 0


def cmd_staff_disable(args: argparse.Namespace) -> int:
    return _set_active(args, False)


def cmd_staff_enable(args: argparse.Namespace) -> int:
    return _set_active(args, True)


def cmd_staff_passwd(args: argparse.Namespace) -> int:
    from .staff.accounts import Accounts
    from .staff.audit import Audit
    from .staff.sessions import Sessions

    store = _store()
    accounts = Accounts(store.engine)
    accounts.set_password(args.name, _read_password())
    account = accounts.get(args.name)
    assert account is not None
    Sessions(store.engine, "-", 1).end_all(account.id)     # a new password signs every session out
    Audit(store.engine).record("password_set", None, None, username=account.username, by="command line")
    print(f"已重设 {account.username} 的密码，原有登录已全部失效。")
    return 0


def cmd_staff_audit(args: argparse.Namespace) -> int:
    from .staff.audit import ACTIONS, Audit

    if args.action and args.action not in ACTIONS:
        raise ValueError(f"没有这种记录：{args.action}（可选：{'、'.join(ACTIONS)}）")
    if not 1 <= args.limit <= 10000:
        raise ValueError("--limit 应在 1 到 10000 之间")
    rows = Audit(_store().engine).recent(args.limit, args.action)
    if args.json:
        print(json.dumps([{**r, "at": r["at"].isoformat()} for r in rows], ensure_ascii=False))
        return 0
    for r in rows:
        detail = "，".join(f"{k}={v}" for k, v in (r["detail"] or {}).items() if v is not None)
        print(f"{r['at'].isoformat(sep=' ', timespec='seconds')}  {ACTIONS[r['action']]:<6}"
              f"{r['actor'] or '（未知账号）':<16}{detail}")
    if not rows:
        print("没有记录。")
    return 0


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from .migrate import current, head

    store = _store()            # opening the store migrates it
    print(json.dumps({"revision": current(store.engine), "head": head()}) if args.json
          else f"数据库已是最新结构（版本 {current(store.engine)}）。")
    return 0


def register(sub) -> None:
    staff = sub.add_parser("staff", help="接待工作台的工作人员账号").add_subparsers(dest="sub", metavar="SUBCOMMAND")
    add = staff.add_parser("add", help="新建账号（密码从标准输入读取，不是终端时读第一行）",
                           description="新建账号。交互时两次输入密码；脚本可以用管道传入：echo 密码 | xinfang staff add 名字 --role staff")
    add.add_argument("name", help="用户名（2–32 个字符）")
    add.add_argument("--role", required=True, choices=ROLES, help="staff 接待人员 / analyst 分析人员 / admin 管理员")
    add.add_argument("--json", action="store_true", help="输出 JSON")
    add.set_defaults(func=cmd_staff_add)
    ls = staff.add_parser("list", help="列出账号")
    ls.add_argument("--json", action="store_true", help="输出 JSON")
    ls.set_defaults(func=cmd_staff_list)
    for name, func, text in (("disable", cmd_staff_disable, "停用账号（同时结束它的登录会话）"),
                             ("enable", cmd_staff_enable, "重新启用账号")):
        p = staff.add_parser(name, help=text)
        p.add_argument("name", help="用户名")
        p.add_argument("--json", action="store_true", help="输出 JSON")
        p.set_defaults(func=func)
    pw = staff.add_parser("passwd", help="重设密码（原有登录全部失效）")
    pw.add_argument("name", help="用户名")
    pw.set_defaults(func=cmd_staff_passwd)

    au = staff.add_parser("audit", help="审计记录：登录、登录失败、告知单下载、账号变更（不含来访人的任何信息）")
    au.add_argument("--limit", type=int, default=50, help="最多列出多少条（默认 50，最新的在前）")
    au.add_argument("--action", help="只列出一种：login、login_failed、login_throttled、logout、sheet、account_added…")
    au.add_argument("--json", action="store_true", help="输出 JSON")
    au.set_defaults(func=cmd_staff_audit)

    db = sub.add_parser("db", help="数据库").add_subparsers(dest="sub", metavar="SUBCOMMAND")
    up = db.add_parser("upgrade", help="把数据库结构迁移到最新版本（服务启动时也会自动迁移）")
    up.add_argument("--json", action="store_true", help="输出 JSON")
    up.set_defaults(func=cmd_db_upgrade)


def cmd_bench_staff(args: argparse.Namespace) -> int:
    from .bench_staff import api_alone, bench_staff

    levels = [int(c) for c in args.concurrency.split(",") if c.strip()]
    if not levels or min(levels) < 1 or max(levels) > 64:
        raise ValueError("--concurrency 应为 1 到 64 之间的整数，逗号分隔，例如 1,8")
    say = (lambda _msg: None) if args.json else (lambda msg: print(msg, file=sys.stderr, flush=True))
    if args.url:
        if not args.user:
            raise ValueError("使用 --url 时请用 --user 指定账号，密码从标准输入读取")
        result = bench_staff(args.url.rstrip("/"), args.user, _read_password(prompt_twice=False), levels, say)
    else:
        with api_alone(say) as (api, user, password):
            result = bench_staff(api, user, password, levels, say)
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
        return 0
    print(f"{'clients':>8}{'n':>7}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'searches/s':>12}")
    for r in result["rows"]:
        print(f"{r['clients']:>8}{r['n']:>7}{r['p50_ms']:>9.1f}{r['p95_ms']:>9.1f}{r['max_ms']:>9.1f}"
              f"{r['searches_per_s']:>12.1f}")
    print(f"（目标：8 个客户端同时检索时 p95 ≤ {result['target_p95_ms']} ms；在客户端测量，含本机 HTTP 往返）")
    return 0


def register_bench(sub) -> None:
    bench = next(a for a in sub._name_parser_map["bench"]._actions if isinstance(a, argparse._SubParsersAction))
    bs = bench.add_parser("staff", help="接待工作台检索：1 个和 8 个已登录客户端逐字输入时的 p50/p95")
    bs.add_argument("--url", help="已运行的服务；不提供则临时启动一个只用于检索的 API（独立的临时数据库）")
    bs.add_argument("--user", help="与 --url 一起：用哪个账号登录（密码从标准输入读取）")
    bs.add_argument("--concurrency", default="1,8", help="并发客户端数，逗号分隔（默认 1,8）")
    bs.add_argument("--json", action="store_true", help="输出 JSON")
    bs.set_defaults(func=cmd_bench_staff)
