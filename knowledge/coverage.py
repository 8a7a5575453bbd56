"""Whether an answer speaks to what was asked: 「信访要交钱吗」 against the article found for it.

Retrieval always returns the closest article, and the embedding's similarity does not tell
an answerable question from one the texts never address (measured on the retrieval dev set:
answerable questions' top similarity p5 0.920, unanswerable ones' median 0.922). Words do:
when none of the question's content words (its own, or the legal terms they stand for) occurs
in the article or FAQ found, the texts most likely do not answer it, and the bot says so
instead of quoting an article about something else. Measured on the 257 retrieval dev
questions: 5 of the 197 answered correctly at rank 1 would be flagged; 15 of 25 questions
the texts do not answer (fees, opening hours, travel costs…) are.
"""

from __future__ import annotations

from .synonyms import SynonymTable
from .tokenizer import Tokenizer

# Words every question about 信访 or a procedure shares, and question words: they say nothing
# about what in particular is asked, so they neither make nor break the match.
GENERIC_WORDS = frozenset(
    "信访 上访 信访局 信访办 反映 问题 事情 政府 部门 申请 办理 需要 必须 现在 已经 时候 情况 东西 别人 自己 "
    "这样 那样 怎么办 干啥 咋办 行不行 不行 会不会 到底 还是 就是 只能 非得 一定 多少 不能 有没有 不要 要不要 "
    "一次 为啥 为什么 不是 他们 我们 你们 是不是 可能 如果 然后 还有 这种 那种".split()
)


def content_words(tokenizer: Tokenizer, text: str) -> list[str]:
    """The question's own words of two characters or more, in order, generic ones left out."""
    return [w for w in dict.fromkeys(tokenizer.tokenize(text)) if len(w) >= 2 and w not in GENERIC_WORDS]


def unanswered_words(tokenizer: Tokenizer, synonyms: SynonymTable, question: str, material: str) -> list[str]:
    """The question's content words when not one of them (nor a legal term it stands for) occurs in
    ``material`` (the article and FAQ about to be given as the answer); empty when the answer
    speaks to at least one of them, or the question has none to check."""
    words = content_words(tokenizer, question)
    for word in words:
        if word in material or any(term in material for term in synonyms.expand(word)):
            return []
    return words
