"""Service-layer commands: run, serve, train, eval routes, bench chat."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROUTES_DEV = Path(__file__).resolve().parents[1] / "tests" / "data" / "routes_dev.yaml"
RETRIEVAL_DEV = Path(__file__).resolve().parents[1] / "tests" / "data" / "retrieval_dev.yaml"


def _say(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def cmd_train(args: argparse.Namespace) -> int:
    from common.settings import get_settings

    from .runner import train

    train(get_settings(), force=args.force, say=_say)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from common.settings import get_settings

    from .app import create_app

    settings = get_settings()
    uvicorn.run(create_app(settings), host=settings.HOST, port=settings.PORT, log_level="info")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    import os

    import uvicorn

    from common.services import services
    from common.settings import ENV_FILE, InsecureSecret, ensure_secret_key, get_settings

    from .app import create_app
    from .placement import pin_this_process
    from .runner import Stack, train

    settings = get_settings()
    # Fail closed, yet start on first run: a key of this installation's own, kept in .env across runs
    # (one set in the environment wins over .env: then nothing is written, and a weak one is refused).
    if settings.secret_problem and "SECRET_KEY" not in os.environ and ensure_secret_key(ENV_FILE):
        _say(f"已生成随机密钥 SECRET_KEY 并写入 {ENV_FILE}（仅本机可读，以后每次启动沿用；请勿提交或外传）。")
        get_settings.cache_clear()
        settings = get_settings()
    try:
        settings.check_secret()   # before anything starts: a weak key already set is never replaced
    except InsecureSecret as exc:
        _say(str(exc))
        return 2
    services(settings, progress=_say)  # model and index present and fresh before anything starts
    train(settings, say=_say)
    stack = Stack(settings)
    try:
        stack.start(say=_say)
        stack.wait_ready(say=_say)
        url = f"http://{settings.HOST}:{settings.PORT}"
        print(f"\n信访法治导引已启动：{url}   （按 Ctrl-C 停止）\n"
              f"接待工作台：{url}/staff   （先用 `xinfang staff add 用户名 --role staff` 建账号）\n", flush=True)
        pin_this_process(stack.other_cpus)   # the API runs in this process
        uvicorn.run(create_app(settings), host=settings.HOST, port=settings.PORT, log_level="warning")
    finally:
        _say("正在停止所有服务…")
        stack.stop()
    return 0


REAL_SETS = ("real-dev", "real-train")


def real_part(name: str):
    """The dev or training part of the real questions (``../shared/data``), by ``real-dev``/``real-train``."""
    from common.settings import get_settings
    from knowledge.real_questions import load_real_questions, load_split, part

    settings = get_settings()
    items = load_real_questions(settings.REAL_QUESTIONS_DIR)
    return part(items, load_split(settings.REAL_QUESTIONS_SPLIT), name.removeprefix("real-"))


def cmd_eval_routes(args: argparse.Namespace) -> int:
    from common.settings import get_settings
    from knowledge.route_metrics import format_figures

    from .chat_eval import evaluate_real, evaluate_routes, load_routes_dev
    from .harness import running_service

    real = args.set in REAL_SETS
    if real:
        try:
            items = real_part(args.set)
        except FileNotFoundError as exc:
            _say(f"找不到真实问题数据：{exc.filename}（REAL_QUESTIONS_DIR）")
            return 2
    else:
        routes_items = load_routes_dev(ROUTES_DEV if args.set == "routes-dev" else Path(args.set))
    with running_service(get_settings(), args.url, say=_say) as (api, _rasa, _settings):
        if real:
            result = evaluate_real(api, items, progress=None if args.json else _say)
        else:
            result = evaluate_routes(api, routes_items)
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
        return 0
    if real:
        print(format_figures(result, f"{args.set}（经 /api/ask）"))
        print(f"  answered with one question {result['answered_with_question']:.3f}")
        if args.misses:
            for m in result["misses"]:
                print(f"  MISS {m['id']} primary={m['primary']} acceptable={m['acceptable']} got={m['got']}")
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


def cmd_eval_answers(args: argparse.Namespace) -> int:
    """Procedure questions through /api/ask: the article the answer quotes, against the labelled ones."""
    from common.settings import get_settings
    from knowledge.evaluation import load_dev_set

    from .chat_eval import evaluate_quotes
    from .harness import running_service

    questions = load_dev_set(Path(args.set))
    with running_service(get_settings(), args.url, say=_say) as (api, _rasa, _settings):
        result = evaluate_quotes(api, questions, progress=None if args.json else _say)
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
        return 0
    print(f"引用条文评估：{result['n']} 个问题（{args.set}），经 /api/ask")
    print(f"article quoted right {result['right']}/{result['n']} = {result['share']:.3f}; "
          f"said to be unanswered {result['unknown']}")
    if args.misses:
        for m in result["misses"]:
            print(f"  MISS {m['q']}  expected={m['expected']}  quoted={m['quoted']}  kind={m['kind']}")
    return 0


def cmd_eval_nlu(args: argparse.Namespace) -> int:
    """Rasa's own NLU cross-validation, summarised as intent F1 per intent."""
    import subprocess

    from common.settings import get_settings

    from .runner import PROJECT_ROOT, RASA_BIN, rasa_env

    out = get_settings().VAR_DIR / "rasa-results" / "nlu-cv"
    cmd = [str(RASA_BIN), "test", "nlu", "--nlu", "data/nlu", "--config", "config.yml", "--cross-validation",
           "--folds", str(args.folds), "--out", str(out), "--no-plot", "--quiet"]
    if not args.reuse:
        _say(f"==> rasa test nlu --cross-validation --folds {args.folds}（每折训练一次 NLU，约几分钟）…")
        if subprocess.run(cmd, cwd=PROJECT_ROOT, env=rasa_env()).returncode != 0:
            _say("rasa test nlu 失败")
            return 1
    report_path = out / "intent_report.json"
    if not report_path.exists():
        _say(f"没有找到 {report_path}")
        return 1
    report = json.loads(report_path.read_text(encoding="utf-8"))
    rows = {k: v for k, v in report.items() if isinstance(v, dict) and "f1-score" in v
            and k not in ("micro avg", "macro avg", "weighted avg")}
    if args.json:
        print(json.dumps({"folds": args.folds, "intents": rows, "accuracy": report.get("accuracy"),
                          "macro_f1": report.get("macro avg", {}).get("f1-score"),
                          "weighted_f1": report.get("weighted avg", {}).get("f1-score")}, ensure_ascii=False))
        return 0
    print(f"NLU {args.folds} 折交叉验证（测试集合并），意图 F1：")
    print("| intent | support | precision | recall | F1 |\n|---|---:|---:|---:|---:|")
    for name, r in sorted(rows.items(), key=lambda kv: kv[1]["f1-score"]):
        print(f"| {name} | {r['support']} | {r['precision']:.3f} | {r['recall']:.3f} | {r['f1-score']:.3f} |")
    print(f"accuracy {report.get('accuracy', 0):.3f}, macro F1 {report['macro avg']['f1-score']:.3f}, "
          f"weighted F1 {report['weighted avg']['f1-score']:.3f}")
    return 0


def cmd_bench_chat(args: argparse.Namespace) -> int:
    from common.settings import get_settings

    from .chat_eval import bench_chat, load_routes_dev
    from .harness import running_service

    texts = [i["text"] for i in load_routes_dev(ROUTES_DEV)]
    with running_service(get_settings(), args.url, say=_say) as (api, rasa, _settings):
        result = bench_chat(api, rasa, texts, [int(c) for c in args.concurrency.split(",")], args.requests,
                            rounds=args.rounds)
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
        return 0
    print(f"{'target':<10}{'clients':>8}{'n':>6}{'p50 ms':>9}{'p95 ms':>9}{'answers/s':>11}")
    for row in result["rows"]:
        print(f"{row['target']:<10}{row['clients']:>8}{row['n']:>6}{row['p50_ms']:>9.1f}{row['p95_ms']:>9.1f}"
              f"{row['throughput']:>11.1f}")
    print(f"（三个目标交替测量，每个并发级别 {result['rounds']} 轮）")
    for k, v in result["ratios"].items():
        print(f"throughput ratio {k}: {v:.2f}× bare Rasa (same run)")
    return 0


def register(sub) -> None:
    r = sub.add_parser("run", help="启动完整服务（训练对话模型如有需要、动作服务、Rasa、API）")
    r.set_defaults(func=cmd_run)
    s = sub.add_parser("serve", help="只启动 API（Rasa 和动作服务需已运行）")
    s.set_defaults(func=cmd_serve)
    t = sub.add_parser("train", help="配置、领域或训练数据变化时训练对话模型")
    t.add_argument("--force", action="store_true", help="即使模型是最新的也重新训练")
    t.set_defaults(func=cmd_train)

    ev = next(a for a in sub._name_parser_map["eval"]._actions if isinstance(a, argparse._SubParsersAction))
    er = ev.add_parser("routes", help="途径分流：首选途径可接受率、前三命中率、各途径查准查全、混淆矩阵（经 /api/ask）")
    er.add_argument("--set", default="real-dev",
                    help="real-dev（真实问题的开发部分，默认）、real-train、routes-dev（项目自己的回归集）或 YAML 路径")
    er.add_argument("--url", help="已运行的服务地址；不提供则临时启动一套")
    er.add_argument("--json", action="store_true", help="输出 JSON")
    er.add_argument("--misses", action="store_true", help="列出 top-1 未命中的问题（附回答的前 3 个途径）")
    er.set_defaults(func=cmd_eval_routes)
    ea = ev.add_parser("answers", help="程序问题：回答引用的条文是否正确（tests/data/retrieval_dev.yaml，经 /api/ask）")
    ea.add_argument("--set", default=str(RETRIEVAL_DEV), help="标注了正确条文的问题 YAML")
    ea.add_argument("--url", help="已运行的服务地址；不提供则临时启动一套")
    ea.add_argument("--json", action="store_true", help="输出 JSON")
    ea.add_argument("--misses", action="store_true", help="列出引用错误的问题")
    ea.set_defaults(func=cmd_eval_answers)
    en = ev.add_parser("nlu", help="NLU 交叉验证：每个意图的 F1（rasa test nlu --cross-validation）")
    en.add_argument("--folds", type=int, default=3, help="交叉验证折数（默认 3）")
    en.add_argument("--reuse", action="store_true", help="不重新运行，只汇总上次的结果")
    en.add_argument("--json", action="store_true", help="输出 JSON")
    en.set_defaults(func=cmd_eval_nlu)

    bench = next(a for a in sub._name_parser_map["bench"]._actions if isinstance(a, argparse._SubParsersAction))
    bc = bench.add_parser("chat", help="/api/ask、/api/chat 与裸 Rasa 的延迟和吞吐（同一轮测量）")
    bc.add_argument("--url", help="已运行的服务地址；不提供则临时启动一套")
    bc.add_argument("--concurrency", default="1,8,16", help="并发客户端数，逗号分隔（默认 1,8,16）")
    bc.add_argument("--requests", type=int, default=320,
                    help="每个并发级别每个目标的请求数（16 个并发时每个客户端 20 次，预热和收尾的影响小）")
    bc.add_argument("--rounds", type=int, default=4,
                    help="每个并发级别分几轮、三个目标轮流测量（机器速度漂移时比值仍可比）")
    bc.add_argument("--json", action="store_true", help="输出 JSON")
    bc.set_defaults(func=cmd_bench_chat)
