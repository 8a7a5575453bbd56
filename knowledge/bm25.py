"""Okapi BM25 over pre-tokenised documents, as a sparse term–document weight matrix.

Weights are computed once at load, so a query costs one sparse column sum.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
from scipy import sparse


class BM25:
    def __init__(self, docs_tokens: list[list[str]], k1: float = 1.5, b: float = 0.75) -> None:
        if k1 <= 0 or not 0 <= b <= 1:
            raise ValueError(f"need k1 > 0 and 0 ≤ b ≤ 1, got k1={k1}, b={b}")
        self.vocab: dict[str, int] = {}
        rows, cols, tfs = [], [], []
        lengths = np.zeros(len(docs_tokens), dtype=np.float32)
        for d, tokens in enumerate(docs_tokens):
            lengths[d] = len(tokens)
            for term, tf in Counter(tokens).items():
                rows.append(d)
                cols.append(self.vocab.setdefault(term, len(self.vocab)))
                tfs.append(tf)
        n = max(len(docs_tokens), 1)
        avgdl = float(lengths.mean()) if len(docs_tokens) else 1.0
        tf_all = np.asarray(tfs, dtype=np.float32)
        df = np.bincount(np.asarray(cols, dtype=np.int64), minlength=len(self.vocab)).astype(np.float32)
        idf = np.log1p((n - df + 0.5) / (df + 0.5))
        dl = lengths[np.asarray(rows, dtype=np.int64)] if rows else np.zeros(0, np.float32)
        weight = (idf[np.asarray(cols, dtype=np.int64)] * tf_all * (k1 + 1)
                  / (tf_all + k1 * (1 - b + b * dl / max(avgdl, 1e-9))))
        self.matrix = sparse.csc_matrix((weight, (rows, cols)), shape=(len(docs_tokens), len(self.vocab)),
                                        dtype=np.float32)
        self.size = len(docs_tokens)

    def scores(self, query_tokens: list[str]) -> np.ndarray:
        counts = Counter(t for t in query_tokens if t in self.vocab)
        if not counts:
            return np.zeros(self.size, dtype=np.float32)
        cols = [self.vocab[t] for t in counts]
        q = np.asarray([counts[t] for t in counts], dtype=np.float32)
        return np.asarray(self.matrix[:, cols] @ q).ravel()
