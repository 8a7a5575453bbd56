from pathlib import Path

import pytest

from knowledge.channels import load_channels
from knowledge.errors import SourceError
from knowledge.routes import load_route_ids, parse_route_card, quoted_verbatim
from knowledge.yamlpos import load_located
from tests.paths import MINI, SHARED

GOOD = (MINI / "routes" / "xinfang_review.yaml").read_text("utf-8")


def _card(tmp_path: Path, mini_kb, text: str):
    path = tmp_path / "xinfang_review.yaml"
    path.write_text(text, "utf-8")
    route_ids = load_route_ids(MINI / "route_ids.yaml")
    return parse_route_card(load_located(path), mini_kb.corpus, load_channels(MINI / "channels.yaml"), route_ids)


def test_good_card_loads_with_its_time_limit(tmp_path, mini_kb):
    card = _card(tmp_path, mini_kb, GOOD)
    assert card.time_limits[0].period.amount == 30 and card.time_limits[0].period.unit == "day"


@pytest.mark.parametrize("old,new,message,line", [
    ("basis: [mini_xinfang#35]", "basis: [mini_xinfang#35, mini_xinfang#99]", "not in the corpus", 17),
    ("basis: [mini_xinfang#35]", "basis: [mini_xinfang#35, mini_old#35]", "no longer in force", 17),
    ("quote: 可以自收到书面答复之日起30日内", "quote: 可以自收到书面答复之日起15日内", "is not in the text", 13),
    ("    basis: mini_xinfang#35", "    basis: mini_xinfang#1", "not in the card's basis", 14),
    ("national_channel: hotline_12345", "national_channel: hotline_99999", "not in channels.yaml", 16),
    ("period: {amount: 30, unit: day}", "period: {amount: 30, unit: fortnight}", "period must be", 11),
])
def test_broken_citations_fail_the_build_with_file_and_line(tmp_path, mini_kb, old, new, message, line):
    assert old in GOOD
    with pytest.raises(SourceError, match=message) as err:
        _card(tmp_path, mini_kb, GOOD.replace(old, new))
    assert err.value.line == line


def test_every_contract_route_has_a_valid_card(real_kb):
    assert list(real_kb.routes) == list(real_kb.route_ids)
    for card in real_kb.routes.values():
        for tl in card.time_limits:  # validated at load; checked again here as the contract
            assert quoted_verbatim(tl.quote, real_kb.corpus.article(tl.basis).text)
            assert tl.basis in card.basis
        # 12345's basis (国办发〔2020〕53号) and crisis help are not legal texts in the corpus:
        # those two cards state no legal rule; every other card rests on cited articles.
        if card.id not in ("crisis", "hotline_12345"):
            assert card.basis, card.id


@pytest.mark.parametrize("route,article", [
    ("admin_reconsideration", "xingzheng_fuyi_fa_2023#20"),
    ("labor_arbitration", "laodong_zhengyi_tiaojie_zhongcai_fa#27"),
    ("admin_litigation", "xingzheng_susong_fa_2017#46"),
    ("work_injury", "gongshang_baoxian_tiaoli_2010#17"),
    ("xinfang_review", "xinfang_gongzuo_tiaoli_2022#35"),
    ("xinfang_review", "xinfang_gongzuo_tiaoli_2022#36"),
])
def test_key_deadlines_are_on_their_cards(real_kb, route, article):
    assert article in {tl.basis for tl in real_kb.routes[route].time_limits}


@pytest.mark.skipif(not (SHARED / "spec" / "routes.md").exists(), reason="shared/ not beside the project")
def test_route_ids_match_the_spec():
    import re

    spec = (SHARED / "spec" / "routes.md").read_text("utf-8")
    ids = re.findall(r"^\| `([a-z0-9_]+)` \|", spec, re.M)
    assert ids and list(load_route_ids())[: len(ids)] == ids


EXCEPTION = GOOD.replace("    basis: mini_xinfang#35\n", """    basis: mini_xinfang#35
  - label: 本级或者上一级
    quote: 信访人采用走访形式……本级或者上一级机关
    basis: mini_xinfang#20
    exception_to: 请求复查
""").replace("basis: [mini_xinfang#35]", "basis: [mini_xinfang#35, mini_xinfang#20]")


@pytest.mark.parametrize("quote,ok", [
    ("请求支付抚养费", True), ("下列请求权……（三）请求支付抚养费", True),
    ("（三）请求支付抚养费……下列请求权", False), ("下列请求权……", False), ("请求支付赡养费", False),
])
def test_a_quote_is_verbatim_whole_or_in_ordered_pieces(quote, ok):
    text = "第一百九十六条 下列请求权不适用诉讼时效的规定：\n（三）请求支付抚养费、赡养费或者扶养费；"
    assert quoted_verbatim(quote, text) is ok


def test_a_limit_may_be_an_exception_to_another_and_quote_verbatim_pieces(tmp_path, mini_kb):
    card = _card(tmp_path, mini_kb, EXCEPTION)
    assert card.time_limits[1].exception_to == ("请求复查",) and card.time_limits[0].exception_to == ()


@pytest.mark.parametrize("old,new,message", [
    ("exception_to: 请求复查", "exception_to: 请求再审", "not another time limit of this card"),
    ("exception_to: 请求复查", "exception_to: 本级或者上一级", "not another time limit of this card"),
    ("    basis: mini_xinfang#35\n", "    basis: mini_xinfang#35\n    exception_to: 本级或者上一级\n", "cannot be an exception"),
    ("quote: 信访人采用走访形式……本级或者上一级机关", "quote: 本级或者上一级机关……信访人采用走访形式",
     "is not in the text"),                                       # pieces out of order
    ("quote: 信访人采用走访形式……本级或者上一级机关", "quote: 信访人采用走访形式…………本级", "is not in the text"),
])
def test_an_exception_to_what_is_not_there_fails_the_build(tmp_path, mini_kb, old, new, message):
    assert old in EXCEPTION
    with pytest.raises(SourceError, match=message):
        _card(tmp_path, mini_kb, EXCEPTION.replace(old, new))
