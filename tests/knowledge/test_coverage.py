"""Whether the article found speaks to what was asked (knowledge/coverage.py), with the real tokenizer."""

from __future__ import annotations

import pytest

from knowledge.coverage import content_words, unanswered_words
from knowledge.index import make_tokenizer


@pytest.fixture(scope="module")
def tok(real_kb):
    return make_tokenizer(real_kb)


def test_generic_and_question_words_are_not_what_was_asked(tok):
    assert content_words(tok, "信访要交钱吗") == ["交钱"]
    assert "信访" not in content_words(tok, "信访局电话是多少") and "电话" in content_words(tok, "信访局电话是多少")


def test_an_article_about_something_else_does_not_answer(tok, real_kb):
    art14 = real_kb.corpus.article("xinfang_gongzuo_tiaoli_2022#14").text
    assert unanswered_words(tok, real_kb.synonyms, "信访要交钱吗", art14) == ["交钱"]


def test_a_word_or_the_legal_term_it_stands_for_in_the_article_answers(tok, real_kb):
    art35 = real_kb.corpus.article("xinfang_gongzuo_tiaoli_2022#35").text
    assert unanswered_words(tok, real_kb.synonyms, "复查找谁", art35) == []
    art27 = real_kb.corpus.article("laodong_zhengyi_tiaojie_zhongcai_fa#27").text
    # 工资 is not in the article; 劳动报酬, the term it stands for, is
    assert "工资" not in art27 and unanswered_words(tok, real_kb.synonyms, "欠工资", art27) == []


@pytest.mark.parametrize("question", ["信访怎么办", "去哪办", "信访可以申请几次", "上访多长时间", "找谁"])
def test_a_question_with_nothing_particular_to_check_is_not_flagged(tok, real_kb, question):
    assert unanswered_words(tok, real_kb.synonyms, question, "任何条文") == []


def test_the_words_named_are_what_was_asked_not_their_pieces(tok, real_kb):
    assert unanswered_words(tok, real_kb.synonyms, "上访有时间限制吗", "任何条文") == ["时间限制"]


def test_a_name_is_what_the_article_calls_a_name(tok, real_kb):
    # 「不留名字也能信访吗」 is answered by 第十九条 (载明其姓名): 名字 stands for 姓名
    art19 = real_kb.corpus.article("xinfang_gongzuo_tiaoli_2022#19").text
    assert unanswered_words(tok, real_kb.synonyms, "不留名字也能信访吗", art19) == []


@pytest.mark.parametrize("question, guessed", [("写信访信要写什么", "信要"), ("信访事办完了，我能给他们打个差评不", "我能")])
def test_pieces_jiebas_hmm_guessed_are_not_words_to_check(tok, real_kb, question, guessed):
    # jieba's HMM joins unknown characters into pieces no article contains: checked, they made a
    # question about what to write (第十九条) read as one the texts do not answer
    assert guessed in tok.tokenize(question) and guessed not in content_words(tok, question)
    art19 = real_kb.corpus.article("xinfang_gongzuo_tiaoli_2022#19").text
    assert unanswered_words(tok, real_kb.synonyms, "写信访信要写什么", art19) == []


def test_words_jieba_does_not_know_are_still_checked(tok):
    assert "wifi" in content_words(tok, "信访局有wifi吗")
    assert "管饭" in content_words(tok, "信访局管饭吗") and "追责" in content_words(tok, "这些干部会被追责吗")
