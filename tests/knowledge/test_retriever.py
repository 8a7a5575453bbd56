import pytest

from knowledge.errors import QueryError
from knowledge.index import Manifest, ensure_index
from knowledge.retriever import Filters


def test_faq_and_paraphrase_matches_merge_into_one_article_hit(mini_retriever):
    hits = mini_retriever.search("信访答复不满意还能找谁", k=5)
    ids = [h.id for h in hits]
    assert ids[0] == "mini_xinfang#35"
    assert len(ids) == len(set(ids))  # one hit per article
    top = hits[0]
    assert top.law == "迷你信访条例" and top.article == 35
    assert "faq" in top.via and top.faq_ids == ["faq_fucha"]
    assert top.citation == "《迷你信访条例》第三十五条"
    assert set(top.found_by) <= {"bm25", "dense"} and top.found_by


def test_synonyms_expand_colloquial_queries(mini_retriever):
    without = mini_retriever.search("欠薪", k=3, mode="bm25")
    assert without and without[0].id == "mini_labor#27"
    mini_retriever.expand_synonyms = False
    assert not [h for h in mini_retriever.search("欠薪", k=3, mode="bm25") if h.id == "mini_labor#27"]


def test_superseded_texts_only_when_asked(mini_retriever):
    current = [h.id for h in mini_retriever.search("复查 十五日", k=10)]
    assert "mini_old#35" not in current
    everything = mini_retriever.search("复查 十五日", k=10, filters=Filters(current_only=False))
    old = [h for h in everything if h.id == "mini_old#35"]
    assert old and old[0].current is False


def test_law_and_route_filters(mini_retriever):
    hits = mini_retriever.search("仲裁 时效 复查", k=10, filters=Filters(law="mini_labor"))
    assert {h.id for h in hits} == {"mini_labor#27"}
    hits = mini_retriever.search("仲裁 时效 复查", k=10, filters=Filters(route="xinfang_review"))
    assert hits and all(h.id == "mini_xinfang#35" for h in hits)


def test_region_filter_brings_in_the_local_pack_only_for_that_region(mini_retriever):
    assert not [h for h in mini_retriever.search("律师坐班", k=10) if h.id.startswith("local/")]
    hits = mini_retriever.search("律师坐班", k=10, filters=Filters(region="350206"))
    local = [h for h in hits if h.id.startswith("local/")]
    assert local and local[0].id == "local/350206/test_lawyer" and "律师" in local[0].text
    assert not [h for h in mini_retriever.search("律师坐班", k=10, filters=Filters(region="110101"))
                if h.id.startswith("local/")]


@pytest.mark.parametrize("mode", ["hybrid", "bm25", "dense"])
def test_each_mode_returns_scored_hits(mini_retriever, mode):
    hits = mini_retriever.search("对信访处理意见不服怎么办", k=3, mode=mode)
    assert hits and hits[0].id == "mini_xinfang#35"
    assert all(h.score > 0 for h in hits)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


@pytest.mark.parametrize("query", ["", "   ", "\x00", "x" * 2001])
def test_bad_queries_raise_query_error(mini_retriever, query):
    with pytest.raises(QueryError):
        mini_retriever.search(query)


def test_traditional_and_full_width_queries_are_normalised(mini_retriever):
    assert mini_retriever.search("對信訪處理意見不服怎麼辦", k=1)[0].id == "mini_xinfang#35"


def test_bad_parameters_are_refused(mini_retriever):
    with pytest.raises(ValueError, match="k must be"):
        mini_retriever.search("复查", k=0)
    with pytest.raises(ValueError, match="mode must be"):
        mini_retriever.search("复查", mode="magic")


def test_index_is_rebuilt_only_when_corpus_or_model_changes(mini_kb, fake_embedder, tmp_path):
    from dataclasses import replace

    from knowledge.embedder import HashingEmbedder

    idx, cache = tmp_path / "index", tmp_path / "cache.sqlite"
    first, rebuilt = ensure_index(mini_kb, fake_embedder, idx, cache)
    assert rebuilt and first.embedded_fresh == first.documents
    again, rebuilt = ensure_index(mini_kb, fake_embedder, idx, cache)
    assert not rebuilt and again.corpus_hash == first.corpus_hash

    # A one-paraphrase edit re-embeds exactly one document.
    edited = replace(mini_kb, paraphrases={**mini_kb.paraphrases,
                                           "mini_labor#27": (*mini_kb.paraphrases["mini_labor#27"], "工资拖了一年还能告吗")})
    changed, rebuilt = ensure_index(edited, fake_embedder, idx, cache)
    assert rebuilt and changed.embedded_fresh == 1 and changed.documents == first.documents + 1
    assert Manifest.read(idx).corpus_hash != first.corpus_hash

    other_model, rebuilt = ensure_index(edited, HashingEmbedder(64), idx, cache)
    assert rebuilt and other_model.model_id == "hashing-64" and other_model.dim == 64


def test_retriever_refuses_an_index_built_with_another_model(mini_retriever, mini_kb):
    from knowledge.embedder import HashingEmbedder
    from knowledge.retriever import HybridRetriever

    with pytest.raises(ValueError, match="index was built with"):
        HybridRetriever(mini_kb, mini_retriever.index, HashingEmbedder(64))
