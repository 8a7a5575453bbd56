"""The real model on the real corpus: what a citizen gets from `xinfang search`."""

import json
import subprocess
import sys

import pytest

from tests.paths import ROOT

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def svc():
    from common.services import services
    from common.settings import get_settings

    settings = get_settings()
    if settings.uses_default_model and not __import__("pathlib").Path(settings.EMBEDDING_MODEL).exists():
        pytest.skip("default model not converted (make install converts it)")
    return services(settings)


@pytest.mark.parametrize("query,article,within", [
    ("对信访处理意见不服怎么办", "xinfang_gongzuo_tiaoli_2022#35", 3),
    ("老板拖欠工资去哪里告", None, 5),
    ("對信訪處理意見不服怎麼辦", "xinfang_gongzuo_tiaoli_2022#35", 3),   # traditional characters
    ("ｘ复查意见也不服，还能找谁？？", "xinfang_gongzuo_tiaoli_2022#36", 5),  # full-width, noise
])
def test_real_queries(svc, query, article, within):
    hits = svc.retriever.search(query, k=within)
    ids = [h.id for h in hits]
    if article:
        assert article in ids
    else:
        assert any(h.law_id in ("laodong_zhengyi_tiaojie_zhongcai_fa", "baozhang_nongmingong_gongzi_zhifu_tiaoli",
                                "laodong_baozhang_jiancha_tiaoli_2004") for h in hits)
    assert all(h.current for h in hits)


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)


def test_cli_search_json_contract(svc):
    out = _cli("search", "对信访处理意见不服怎么办", "--k", "5", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert set(data) == {"hits"} and len(data["hits"]) == 5
    for h in data["hits"]:
        assert {"id", "law", "article", "text", "score"} <= set(h)
    assert "xinfang_gongzuo_tiaoli_2022#35" in [h["id"] for h in data["hits"][:3]]


@pytest.mark.parametrize("query", ["", "   ", "\x01\x02", "问" * 2001])
def test_cli_bad_query_is_a_clear_error_not_a_traceback(svc, query):
    out = _cli("search", query)
    assert out.returncode == 2
    assert "Traceback" not in out.stderr and "查询无效" in out.stderr


@pytest.mark.parametrize("quantize,min_cos", [("none", 0.99999), ("int8", 0.98)])
def test_single_query_fast_path_equals_encode(svc, quantize, min_cos):
    # int8 quantizes activations per batch, so a batch of two differs a little from one text alone
    import numpy as np

    from knowledge.embedder import SentenceTransformerEmbedder

    emb = SentenceTransformerEmbedder(svc.embedder.model_name, quantize=quantize)
    for text in ["对信访处理意见不服怎么办", "公司欠我三个月工资", "x"]:
        emb.clear_query_cache()
        fast = emb.embed_queries([text])[0]
        batch = emb.embed_queries([text, "占位"])[0]   # two texts: the encode() path
        assert float(np.dot(fast, batch)) > min_cos


def test_int8_model_stays_close_to_fp32_and_has_its_own_id():
    from common.settings import get_settings
    from knowledge.embedder import SentenceTransformerEmbedder

    name = get_settings().EMBEDDING_MODEL
    fp32, int8 = SentenceTransformerEmbedder(name), SentenceTransformerEmbedder(name, quantize="int8")
    assert fp32.model_id != int8.model_id and int8.model_id.endswith("+int8")
    texts = ["对信访处理意见不服怎么办", "老板拖欠工资三个月", "宅基地被邻居占了怎么办", "行政复议的期限是多少天"]
    a, b = fp32.embed_passages(texts), int8.embed_passages(texts)
    cos = (a * b).sum(axis=1)
    assert cos.min() > 0.95


@pytest.mark.parametrize("query,article,faq", [
    # the FAQ whose question matched, not another FAQ that happens to cite the same article
    ("信访信要写哪些内容", "xinfang_gongzuo_tiaoli_2022#19", "faq_xinfang_xie_shenme"),
    ("复核完了我还不服呢", "xinfang_gongzuo_tiaoli_2022#36", "faq_xinfang_fuhe_hou"),
    ("上访的时候有啥不能干的", "xinfang_gongzuo_tiaoli_2022#26", "faq_xinfang_jinzhi"),
])
def test_the_faq_offered_is_the_one_that_was_asked(svc, query, article, faq):
    top = svc.retriever.search(query, k=3)[0]
    assert top.id == article and top.faq_ids[0] == faq


@pytest.mark.parametrize("text,asks", [
    ("村里强拆我家房子", False),          # 复议 or 诉讼: asking the kind of matter would change nothing
    ("公司欠我工资两个月", False),        # 仲裁 or 劳动监察: the same
    ("出了点事不知道咋办", True),          # vague: asked (first, or with the best guess), never just answered
    ("我们单位的事没人管 气死我了", True),
])
def test_a_clear_problem_is_answered_without_questions_and_a_vague_one_asked(svc, text, asks):
    from common.services import route_classifier
    from common.settings import get_settings

    classifier = route_classifier(get_settings(), svc)   # the one the product runs (real training part included)
    assert (classifier.classify(text).decision != "answer") is asks


@pytest.mark.parametrize("query,article", [
    ("对复议结果不服，几天之内要去法院起诉", "xingzheng_susong_fa_2017#45"),          # 十五日内
    ("信访处理意见不服，多少天内要申请复查", "xinfang_gongzuo_tiaoli_2022#35"),        # 30日内 复查, not 复核
    ("劳动仲裁裁决不服 多少天内去法院", "laodong_zhengyi_tiaojie_zhongcai_fa#50"),     # 十五日内
])
def test_a_question_asking_for_a_period_gets_the_article_stating_it_first(svc, query, article):
    assert svc.retriever.reranker is not None   # on by default, as served
    assert svc.retriever.search(query, k=3)[0].id == article
