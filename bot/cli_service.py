"""Service-layer commands: run, serve, train, eval routes, bench chat."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROUTES_DEV = Path(__file__).resolve().parents[1] / "tests" / "data" / "routes_dev.yaml"


def _say(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def cmd_train(args: argparse.Namespace) -> int:
    from .runner import train
    from .settings import get_settings

    train(get_settings(), force=args.force, say=_say)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from .app import create_app
    from .settings import get_settings

    settings = get_settings()
    uvicorn.run(create_app(settings), host=settings.HOST, port=settings.PORT, log_level="info")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    import uvicorn

    from .app import create_app
    from .runner import Stack, train
    from .services import services
    from .settings import get_settings

    settings = get_settings()
    services(settings, progress=_say)  # model and index present and fresh before anything starts
    train(settings, say=_say)
    stack = Stack(settings)
    try:
        stack.start(say=_say)
        stack.wait_ready(say=_say)
        url = f"http://{settings.HOST}:{settings.PORT}"
        print(f"\n信访法治导引已启动：{url}   （按 Ctrl-C 停止）\n", flush=True)
        uvicorn.run(create_app(settings), host=settings.HOST, port=settings.PORT, log_level="warning")
    finally:
        _say("正在停止所有服务…")
        stack.stop()
    return 0


def cmd_eval_routes(args: argparse.Namespace) -> int:
    from .chat_eval import evaluate_routes, load_routes_dev
    from .harness import running_service
    from .settings import get_settings

    items = load_routes_dev(Path(args.set))
    with running_service(get_settings(), args.url, say=_say) as (api, _rasa, _settings):
        result = evaluate_routes(api, items)
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
        return 0
    print(f"途径评估：{result['n']} 条问题描述（{args.set}），经 /api/ask")
    print(f"top-1 {result['top1']:.3f}   top-3 {result['top3']:.3f}")
    print(f"{'route':<24}{'n':>4}{'top1':>8}{'top3':>8}")
    for rid, r in sorted(result["per_route"].items()):
        print(f"{rid:<24}{r['n']:>4}{r['top1']:>8.2f}{r['top3']:>8.2f}")
    if args.misses:
        for m in result["misses"]:
            print(f"  MISS {m['text']}  expected={m['expected']}  got={m['got']}")
    return 0


def cmd_bench_chat(args: argparse.Namespace) -> int:
    from .chat_eval import bench_chat, load_routes_dev
    from .harness import running_service
    from .settings import get_settings

    texts = [i["text"] for i in load_routes_dev(ROUTES_DEV)]
    with running_service(get_settings(), args.url, say=_say) as (api, rasa, _settings):
        result = bench_chat(api, rasa, texts, [int(c) for c in args.concurrency.split(",")], args.requests)
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
        return 0
    print(f"{'target':<10}{'clients':>8}{'n':>6}{'p50 ms':>9}{'p95 ms':>9}{'answers/s':>11}")
    for row in result["rows"]:
        print(f"{row['target']:<10}{row['clients']:>8}{row['n']:>6}{row['p50_ms']:>9.1f}{row['p95_ms']:>9.1f}"
              f"{row['throughput']:>11.1f}")
    for k, v in result["ratios"].items():
        print(f"throughput ratio {k}: {v:.2f}× bare Rasa (same run)")
    return 0


def register(sub) -> None:
    r = sub.add_parser("run", help="启动完整服务（训练对话模型如有需要、动作服务、Rasa、API）")
    r.set_defaults(func=cmd_run)
    s = sub.add_parser("serve", help="只启动 API（Rasa 和动作服务需已运行）")
    s.set_defaults(func=cmd_serve)
    t = sub.add_parser("train", help="配置、领域或训练数据变化时训练对话模型")
    t.add_argument("--force", action="store_true")
    t.set_defaults(func=cmd_train)

    ev = next(a for a in sub._name_parser_map["eval"]._actions if isinstance(a, argparse._SubParsersAction))
    er = ev.add_parser("routes", help="途径分流 top-1/top-3 准确率（经 /api/ask）")
    er.add_argument("--set", default=str(ROUTES_DEV))
    er.add_argument("--url", help="已运行的服务地址；不提供则临时启动一套")
    er.add_argument("--json", action="store_true")
    er.add_argument("--misses", action="store_true")
    er.set_defaults(func=cmd_eval_routes)

    bench = next(a for a in sub._name_parser_map["bench"]._actions if isinstance(a, argparse._SubParsersAction))
    bc = bench.add_parser("chat", help="/api/ask、/api/chat 与裸 Rasa 的延迟和吞吐（同一轮测量）")
    bc.add_argument("--url", help="已运行的服务地址；不提供则临时启动一套")
    bc.add_argument("--concurrency", default="1,8,16")
    bc.add_argument("--requests", type=int, default=96, help="每个并发级别每个目标的请求数")
    bc.add_argument("--json", action="store_true")
    bc.set_defaults(func=cmd_bench_chat)
