"""Whether an answer speaks to what was asked: 「信访要交钱吗」 against the article found for it.

Retrieval always returns the closest article, and the embedding's similarity does not tell
an answerable question from one the texts never address (measured on the retrieval dev set:
answerable questions' top similarity p5 0.920, unanswerable ones' median 0.922). Words do:
when none of the question's content words (its own, or the legal terms they stand for) occurs
in any of the articles or FAQs found, the texts most likely do not answer it, and the bot
says so instead of quoting an article about something else.

Words need jieba's segmentation: with ``SEGMENTER=char`` every word is one character, none
is checked, and nothing is flagged.
"""

from __future__ import annotations

from .synonyms import SynonymTable
from .tokenizer import Tokenizer

# Words every question about 信访 or a procedure shares, and question words: they say nothing
# about what in particular is asked, so they neither make nor break the match.
GENERIC_WORDS = frozenset(
    "信访 上访 信访局 信访办 反映 问题 事情 政府 部门 申请 办理 需要 必须 现在 已经 时候 情况 东西 别人 自己 "
    "这样 那样 怎么办 干啥 咋办 行不行 不行 会不会 到底 还是 就是 只能 非得 一定 多少 不能 有没有 不要 要不要 "
    "一次 几次 为啥 为什么 不是 他们 我们 你们 是不是 可能 如果 然后 还有 这种 那种 多久 多长 长时间 多长时间 "
    "时间 别的 其他 以后 之后 怎么样 怎么弄 有用 有用吗 管用 去哪 在哪 在哪儿 哪里 哪儿 找谁 什么样 "
    "哪办 哪儿办 去哪儿 哪找 怎么走 怎么去 不管 管不管 有人管 没人管".split()
)


def content_words(tokenizer: Tokenizer, text: str) -> list[str]:
    """The question's own words of two characters or more, in order, generic ones left out.

    Only dictionary words count: jieba's HMM joins unknown characters into pieces that are no
    word at all (「信要」 in 「写信访信要写什么」, 「我能」, 「有个」), and no article contains them,
    so a question about what to write (第十九条) read as one the texts do not answer.
    """
    return [w for w in dict.fromkeys(tokenizer.tokenize(text))
            if len(w) >= 2 and w not in GENERIC_WORDS and tokenizer.known(w)]


def speaks_to(synonyms: SynonymTable, words: list[str], material: str) -> bool:
    """Whether one of ``words`` (or a legal term it stands for) occurs in ``material``."""
    return any(word in material or any(term in material for term in synonyms.expand(word)) for word in words)


def as_asked(words: list[str]) -> list[str]:
    """The words to name back to the person: a word inside a longer one (「限制」 in 「时间限制」) is
    left out, so the list reads as what was asked."""
    return [w for w in words if not any(w != other and w in other for other in words)]


def unanswered_words(tokenizer: Tokenizer, synonyms: SynonymTable, question: str, material: str) -> list[str]:
    """The question's content words (``as_asked``) when not one of them, nor a legal term it stands
    for, occurs in ``material``; empty when the material speaks to at least one of them, or the
    question has none to check."""
    words = content_words(tokenizer, question)
    return [] if not words or speaks_to(synonyms, words, material) else as_asked(words)
