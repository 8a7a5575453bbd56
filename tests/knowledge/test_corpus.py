import pytest

from knowledge.corpus import load_corpus, parse_article_id, parse_law_text
from knowledge.errors import SourceError
from tests.paths import SHARED


def test_articles_keep_their_paragraphs_items_and_place(mini_kb):
    c = mini_kb.corpus
    art = c.article("mini_xinfang#20")
    assert art.chapter == "第二章 信访事项的提出"
    assert "代表人数不超过5人" in art.text  # the second 款 stays with its article
    big = c.article("mini_xinfang#113")
    assert big.section == "第一节 办理"
    assert "（一）第一项" in big.text and "（二）第二项" in big.text
    assert big.label == "第一百一十三条"


def test_ids_and_citations(mini_kb):
    assert set(mini_kb.corpus.articles) >= {"mini_xinfang#1", "mini_xinfang#35", "mini_labor#27", "mini_old#35"}
    assert mini_kb.corpus.citation("mini_xinfang#35") == "《迷你信访条例》第三十五条"
    assert parse_article_id("xinfang_gongzuo_tiaoli_2022#35") == ("xinfang_gongzuo_tiaoli_2022", 35)
    with pytest.raises(ValueError):
        parse_article_id("第三十五条")


def test_superseded_texts_are_indexed_but_not_current(mini_kb):
    assert not mini_kb.corpus.is_current("mini_old#35")
    assert mini_kb.corpus.is_current("mini_xinfang#35")


def test_duplicate_article_is_an_error_with_its_line():
    text = "---\ntitle: x\n---\n\n第一条 甲。\n\n第一条 乙。\n"
    with pytest.raises(SourceError) as err:
        parse_law_text("x", text)
    assert err.value.line == 7


def test_catalog_must_list_every_file(tmp_path):
    (tmp_path / "catalog.yaml").write_text("- {id: a, short: A, status: current, complete: true}\n", "utf-8")
    (tmp_path / "a.md").write_text("---\ntitle: A\n---\n第一条 甲。\n", "utf-8")
    (tmp_path / "b.md").write_text("---\ntitle: B\n---\n第一条 乙。\n", "utf-8")
    with pytest.raises(SourceError, match="unlisted files \\['b'\\]"):
        load_corpus(tmp_path)


def test_real_corpus_has_every_article_of_the_core_regulation(real_kb):
    c = real_kb.corpus
    numbers = sorted(a.number for a in c.articles.values() if a.law_id == "xinfang_gongzuo_tiaoli_2022")
    assert numbers == list(range(1, 51))
    assert c.article("xinfang_gongzuo_tiaoli_2022#35").text.startswith("第三十五条 信访人对信访处理意见不服的")
    assert c.article("zhian_guanli_chufa_fa_2025#144")
    assert not c.is_current("zhian_guanli_chufa_fa_2012_key_articles_SUPERSEDED#1")
    assert not c.is_current("xinfang_tiaoli_2005_repealed#34")


def test_complete_laws_have_consecutive_articles(real_kb):
    c = real_kb.corpus
    for law in c.laws.values():
        if law.complete:
            numbers = sorted(a.number for a in c.articles.values() if a.law_id == law.id)
            assert numbers == list(range(1, len(numbers) + 1)), law.id


@pytest.mark.skipif(not (SHARED / "reference").exists(), reason="shared/ not beside the project")
def test_law_texts_are_verbatim_copies_of_the_references():
    from knowledge.corpus import LAWS_DIR

    for ref in (SHARED / "reference").glob("*.md"):
        if ref.name == "channels_facts.md":
            continue
        assert (LAWS_DIR / ref.name).read_bytes() == ref.read_bytes(), ref.name
