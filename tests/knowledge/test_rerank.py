import pytest

from knowledge import rerank
from knowledge.errors import SourceError
from knowledge.retriever import Filters
from knowledge.textnorm import normalize_query

TYPES = """types:
  - id: period
    asks: 多久|多长时间
    holds: "[一二三四五六七八九十\\\\d]+(个)?(日|月|年)"
"""


def write_types(path, text=TYPES):
    path.write_text(text, encoding="utf-8")
    return path


def test_the_project_answer_types_load():
    types = rerank.load_answer_types()
    assert {"period", "place", "cost"} <= {t.id for t in types}
    period = next(t for t in types if t.id == "period")
    assert period.asks.search("复议决定不服，多少天内去法院") and period.holds.search("十五日内向人民法院提起诉讼")


@pytest.mark.parametrize("text,line", [
    ("types:\n  - id: period\n    asks: 多久(\n    holds: 日\n", 2),    # a pattern that does not compile
    ("types:\n  - id: period\n    asks: 多久\n", 2),                    # no holds
    ("types: []\n", 1),
])
def test_a_broken_answer_type_is_refused_with_its_line(tmp_path, text, line):
    with pytest.raises(SourceError) as err:
        rerank.load_answer_types(write_types(tmp_path / "types.yaml", text))
    assert err.value.line == line


def test_a_training_question_is_asked_without_its_own_phrasings(mini_retriever):
    questions = rerank.training_questions(mini_retriever)
    docs = mini_retriever.index.docs
    asked = next(q for q in questions if q.text == "信访答复不满意还能找谁")
    assert asked.articles == {"mini_xinfang#35"}
    left_out = {docs[j].doc_id for j in asked.left_out}
    assert left_out == {"faq:faq_fucha:0", "faq:faq_fucha:1"}   # its FAQ's questions, nothing else
    ranking = mini_retriever.rank_units(normalize_query(asked.text), Filters(), exclude=asked.left_out)
    matched = {docs[d].doc_id for units in ranking.rankings.values() for _r, _s, found in units.values() for d in found}
    assert not matched & left_out and matched


def test_the_features_say_whether_the_article_holds_what_is_asked_for(mini_retriever, tmp_path):
    types = rerank.load_answer_types(write_types(tmp_path / "types.yaml"))
    features = rerank.Features(mini_retriever, types)
    text = normalize_query("工资仲裁多久之内要申请")
    ranking = mini_retriever.rank_units(text, Filters())
    rows = features.rows(text, ranking)
    by_unit = dict(zip(ranking.units, rows, strict=False))
    assert by_unit["mini_labor#27"][-2:].tolist() == [1.0, 0.0]    # asks for a period; 一年 is one
    assert by_unit["mini_xinfang#17"][-2:].tolist() == [0.0, 1.0]  # asks for a period; states none
    not_asked = features.rows(normalize_query("工资仲裁找谁"), mini_retriever.rank_units("工资仲裁找谁", Filters()))
    assert not not_asked[:, -2:].any()


def test_only_the_first_hits_are_reordered_and_only_in_hybrid_mode(mini_retriever):
    query = "信访 复查 仲裁 时效 走访"
    plain = [h.id for h in mini_retriever.search(query, k=5)]
    bm25 = [h.id for h in mini_retriever.search(query, k=5, mode="bm25")]
    assert len(plain) >= 3 and len(bm25) >= 2

    class Reverse:
        depth = 2

        def reorder(self, text, ranking):
            return ranking.units[:2][::-1]

    mini_retriever.reranker = Reverse()
    assert [h.id for h in mini_retriever.search(query, k=5)] == plain[1::-1] + plain[2:]
    assert [h.id for h in mini_retriever.search(query, k=5, mode="bm25")] == bm25


def test_the_weights_are_kept_and_refitted_when_the_answer_types_change(mini_retriever, tmp_path, monkeypatch):
    path = write_types(tmp_path / "types.yaml")
    fitted = rerank.load_or_fit(mini_retriever, tmp_path / "cache", path)
    assert len(list((tmp_path / "cache").glob("reranker-*.json"))) == 1
    calls = []
    monkeypatch.setattr(rerank, "fit", lambda *a, **k: calls.append(1) or fitted)
    again = rerank.load_or_fit(mini_retriever, tmp_path / "cache", path)
    assert not calls and again.coef.tolist() == fitted.coef.tolist()
    write_types(path, TYPES.replace("多久|多长时间", "多久|几天"))
    rerank.load_or_fit(mini_retriever, tmp_path / "cache", path)
    assert calls == [1] and len(list((tmp_path / "cache").glob("reranker-*.json"))) == 1


def test_weights_of_other_features_are_fitted_again(mini_retriever, tmp_path, monkeypatch):
    path = write_types(tmp_path / "types.yaml")
    fitted = rerank.load_or_fit(mini_retriever, tmp_path / "cache", path)
    (file,) = (tmp_path / "cache").glob("reranker-*.json")
    file.write_text('{"coef": [1.0, 2.0], "intercept": 0.0}', encoding="utf-8")   # two features: not these
    calls = []
    monkeypatch.setattr(rerank, "fit", lambda *a, **k: calls.append(1) or fitted)
    again = rerank.load_or_fit(mini_retriever, tmp_path / "cache", path)
    assert calls == [1] and again.coef.shape == (fitted.features.width,)
