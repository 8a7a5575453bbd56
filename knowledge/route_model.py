"""The learned route classifier: which lawful route a description goes to, with a probability.

Features, for each text:

- the embedding model's query vector (the same vector retrieval computes for the text);
- character 1–3-grams, TF-IDF weighted (the words a person uses, typos and dialect included);
- the legal terms it names or stands for (``synonyms.yaml``: 工资 → 劳动报酬, 开除 → 解除劳动合同).

A multinomial logistic regression over them, its probabilities calibrated by temperature scaling:
one temperature, fitted on out-of-fold scores (five folds) to minimise their log loss, divides the
scores before the softmax. That keeps the ranking and makes the probability of the first route
mean what it says, so an answer, an answer with one question, or a question can be decided on it
(``knowledge/triage``). One class, ``out_of_scope``, stands for questions with no route (criminal
defence, tax planning, drafting a contract).

Training is deterministic (fixed folds, lbfgs) and takes seconds; the vectors come from the
embedding cache, so only texts never seen are embedded.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import joblib
import numpy as np
from scipy import sparse

from .fitted_files import keep
from .synonyms import SynonymTable

logger = logging.getLogger(__name__)

SEED = 2026
FOLDS = 5


@dataclass(frozen=True)
class Example:
    text: str
    label: str
    weight: float = 1.0
    source: str = ""   # route card, examples file, real training part: for the reports


@dataclass(frozen=True)
class ModelSettings:
    C: float = 2.0                  # inverse regularisation of the logistic regression
    dense_weight: float = 1.0       # the embedding's share against the (unit-length) lexical blocks
    terms_weight: float = 0.5       # the legal terms' block
    balanced: bool = False          # weigh classes inversely to their size (the big ones are not a default)
    calibrate: bool = True

    def fingerprint(self) -> str:
        return json.dumps(self.__dict__, sort_keys=True)


def sklearn_fast():
    """scikit-learn without its per-call input validation, for transforms of text the model itself
    normalised (one query per turn, where validation costs more than the work)."""
    import sklearn

    return sklearn.config_context(assume_finite=True, skip_parameter_validation=True)


def legal_terms(synonyms: SynonymTable, text: str) -> list[str]:
    """The legal terms ``text`` names (a term in it) or stands for (its colloquial words)."""
    named = [t for t in synonyms.legal_terms if len(t) >= 2 and t in text]
    return sorted(set(named) | set(synonyms.expand(text)))


class RouteModel:
    """Fit on examples, then ``proba(texts, vectors)``: one row of class probabilities per text."""

    def __init__(self, synonyms: SynonymTable, settings: ModelSettings | None = None) -> None:
        self.synonyms = synonyms
        self.settings = settings or ModelSettings()
        self.classes: list[str] = []

    # -- features ---------------------------------------------------------------------------
    def _terms(self, text: str) -> list[str]:
        return legal_terms(self.synonyms, text)

    def _lexical(self, texts: Sequence[str], fit: bool):
        from sklearn.feature_extraction.text import TfidfVectorizer

        if fit:
            self.chars = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True, min_df=2)
            self.terms = TfidfVectorizer(analyzer=self._terms, sublinear_tf=True)
            return self.chars.fit_transform(texts), self.terms.fit_transform(texts)
        return self.chars.transform(texts), self.terms.transform(texts)

    def features(self, texts: Sequence[str], vectors: np.ndarray, fit: bool = False):
        chars, terms = self._lexical(texts, fit)
        dense = sparse.csr_matrix(np.asarray(vectors, np.float32) * self.settings.dense_weight)
        return sparse.hstack([dense, chars, terms * self.settings.terms_weight]).tocsr()

    # -- training and prediction ------------------------------------------------------------
    def _regression(self):
        from sklearn.linear_model import LogisticRegression

        return LogisticRegression(C=self.settings.C, max_iter=3000,
                                  class_weight="balanced" if self.settings.balanced else None)

    def fit(self, examples: Sequence[Example], vectors: np.ndarray) -> RouteModel:
        texts = [e.text for e in examples]
        labels = np.array([e.label for e in examples])
        weights = np.array([e.weight for e in examples], np.float64)
        x = self.features(texts, vectors, fit=True)
        self.model = self._regression().fit(x, labels, sample_weight=weights)
        self.classes = [str(c) for c in self.model.classes_]
        self.temperature = self._temperature(examples, vectors, labels, weights) if self.settings.calibrate else 1.0
        return self

    def _temperature(self, examples: Sequence[Example], vectors: np.ndarray, labels: np.ndarray,
                     weights: np.ndarray) -> float:
        """The temperature that minimises the log loss of out-of-fold scores (weighted like training)."""
        from scipy.optimize import minimize_scalar
        from scipy.special import log_softmax
        from sklearn.model_selection import StratifiedKFold

        scores = np.zeros((len(examples), len(self.classes)))
        folds = StratifiedKFold(FOLDS, shuffle=True, random_state=SEED)
        texts = [e.text for e in examples]
        for train, held in folds.split(texts, labels):
            fold = RouteModel(self.synonyms, self.settings)
            x = fold.features([texts[i] for i in train], vectors[train], fit=True)
            fold.model = self._regression().fit(x, labels[train], sample_weight=weights[train])
            own = fold.model.decision_function(fold.features([texts[i] for i in held], vectors[held]))
            cols = [self.classes.index(str(c)) for c in fold.model.classes_]
            scores[np.ix_(held, cols)] = own
            missing = [j for j in range(len(self.classes)) if j not in cols]
            scores[np.ix_(held, missing)] = -1e3
        truth = np.array([self.classes.index(str(c)) for c in labels])

        def loss(t: float) -> float:
            logp = log_softmax(scores / t, axis=1)[np.arange(len(truth)), truth]
            return float(-(weights * logp).sum() / weights.sum())

        return float(minimize_scalar(loss, bounds=(0.05, 20.0), method="bounded").x)

    def proba(self, texts: Sequence[str], vectors: np.ndarray) -> np.ndarray:
        """Calibrated class probabilities. The linear scores are computed directly from the fitted
        coefficients (what ``decision_function`` computes, without its input checks: a turn asks for
        one row, and the checks cost more than the product)."""
        from scipy.special import softmax

        with sklearn_fast():
            x = self.features(texts, vectors)
        scores = np.asarray(x @ self.model.coef_.T) + self.model.intercept_
        return softmax(np.atleast_2d(scores) / self.temperature, axis=1)


def training_fingerprint(examples: Sequence[Example], model_id: str, settings: ModelSettings,
                         synonyms: SynonymTable) -> str:
    """What a trained model depends on: its examples, the embedding model, its settings, the terms."""
    h = hashlib.sha256(f"{model_id}|{settings.fingerprint()}".encode())
    for e in examples:
        h.update(f"{e.label}\t{e.weight}\t{e.text}\n".encode())
    h.update(json.dumps(sorted(synonyms.entries.items()), ensure_ascii=False).encode())
    return h.hexdigest()[:16]


def load_or_fit(examples: Sequence[Example], vectors: np.ndarray, synonyms: SynonymTable,
                settings: ModelSettings, fingerprint: str, cache_dir: Path | None) -> RouteModel:
    """The model for these examples: from ``cache_dir`` when it was fitted before (same fingerprint),
    else fitted now and kept there. Fitting is deterministic, so the file only saves time."""
    path = cache_dir / f"route-model-{fingerprint}.joblib" if cache_dir is not None else None
    if path is not None and path.exists():
        try:
            model = joblib.load(path)
            if isinstance(model, RouteModel):
                model.synonyms = synonyms
                return model
        except Exception:   # a file from another version of a library: fitted again below
            logger.warning("triage.model.cache_unreadable", extra={"path": str(path)})
    model = RouteModel(synonyms, settings).fit(examples, vectors)
    if path is not None:
        keep(path, lambda tmp: joblib.dump(model, tmp))
    return model
