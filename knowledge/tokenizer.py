"""Word segmentation for BM25: jieba with the legal-term dictionary, or characters.

jieba keeps global state, so each tokenizer owns a ``jieba.Tokenizer`` instance
(the legal dictionary never leaks into other users of jieba in the process).
"""

from __future__ import annotations

import enum
import functools
import logging
import re
import threading
from collections.abc import Iterable

logger = logging.getLogger(__name__)

_WORD = re.compile(r"[\u4e00-\u9fff]|[a-z0-9]+", re.IGNORECASE)
STOPWORDS = frozenset(
    "的 了 是 我 你 他 她 它 们 在 和 与 及 或 也 就 都 而 还 又 吗 呢 吧 啊 呀 哦 嘛 么 啥 咋 怎么 怎样 什么 如何 "
    "这 那 这个 那个 一个 有 没有 没 被 把 给 让 对 从 向 到 为 以 之 其 等 可以 能 能不能 可不可以 要 想 "
    "请问 请 问 一下 知道 应该 应当 该 去 找 哪 哪里 哪儿 里 上 下 个 些 吗 嘛 呗 俺 咱 人家".split()
)


# Characters that carry grammar rather than content: a piece jieba's HMM made with one of them
# is a word's neighbour joined to it (信要, 我能, 有个, 签了), not an unknown word.
FUNCTION_CHARS = frozenset("我你他她它们咱俺这那哪啥咋怎要能会该想得可以把被给让叫在是有没不了着过的地个些点还就都也"
                           "又再才很太最吗呢吧啊呀先一二三四五六七八九十两几")


class Segmenter(enum.StrEnum):
    CHAR = "char"
    JIEBA = "jieba"

    @classmethod
    def parse(cls, value: str | None) -> Segmenter:
        """Unknown names fall back to jieba (the better default for Chinese), with a warning."""
        try:
            return cls((value or "jieba").lower())
        except ValueError:
            logger.warning("tokenizer.unknown_segmenter", extra={"value": value})
            return cls.JIEBA


class Tokenizer:
    """Turns text into BM25 terms: lower-case, stopwords removed, punctuation dropped."""

    def __init__(self, user_words: Iterable[str] = (), segmenter: Segmenter | str = Segmenter.JIEBA) -> None:
        self.segmenter = Segmenter.parse(segmenter) if isinstance(segmenter, str) else segmenter
        self.user_words = tuple(sorted(set(user_words)))
        self._jieba = None
        self._lock = threading.Lock()

    def _engine(self):
        if self._jieba is None:
            with self._lock:
                if self._jieba is None:
                    import jieba

                    jieba.setLogLevel(logging.WARNING)
                    engine = jieba.Tokenizer()
                    engine.initialize()
                    for w in self.user_words:
                        engine.add_word(w, freq=20000)
                    self._jieba = engine
        return self._jieba

    def known(self, word: str) -> bool:
        """Whether ``word`` reads as a word: in the dictionary (jieba's own or the legal terms), or
        a word jieba does not know (管饭, 追责, 卫健委), but not a piece its HMM joined from a word's
        neighbours (「写信访信要写什么」 → 写/信访/**信要**/写/什么, 「我能」, 「有个」): those hold a
        function character (a pronoun, a modal, a particle, a measure word). Latin letters and
        digits (wifi, 12345) are taken as written."""
        if self.segmenter is Segmenter.CHAR or word.isascii() or self._engine().FREQ.get(word.lower()):
            return True
        return not any(ch in FUNCTION_CHARS for ch in word)

    def tokenize(self, text: str) -> list[str]:
        """The terms of ``text`` (a new list each call; one turn segments the same text several times,
        for the route model, the example similarity, retrieval and the coverage check, so the
        segmentation is kept for the last few hundred texts)."""
        return list(self._tokens(text))

    @functools.lru_cache(maxsize=512)  # noqa: B019 - a tokenizer lives as long as its process
    def _tokens(self, text: str) -> tuple[str, ...]:
        text = text.lower()
        if self.segmenter is Segmenter.CHAR:
            return tuple(t for t in _WORD.findall(text) if t not in STOPWORDS)
        words = self._engine().lcut_for_search(text)
        return tuple(w for w in words if w.strip() and _WORD.search(w) and w not in STOPWORDS)
