"""Crisis detection by lexicon: deterministic, so no model error can hide a person in danger."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from .corpus import SOURCES_DIR
from .errors import SourceError
from .textnorm import normalize_text
from .yamlpos import load_located

PROJECT_DATA = Path(__file__).resolve().parents[1] / "data"   # the dialogue's own examples (Rasa's format)

KINDS = ("self_harm", "violence", "danger")


@dataclass(frozen=True)
class CrisisLexicon:
    """``sources/crisis_terms.yaml``: words and phrasings per kind, and when some of them do not count."""

    words: dict[str, tuple[str, ...]]
    patterns: dict[str, tuple[re.Pattern, ...]]
    not_crisis_words: tuple[str, ...]
    context_dependent: frozenset[str]
    settled: re.Pattern
    intent: re.Pattern

    def in_context(self, norm: str) -> bool:
        """Whether a context-dependent word or a phrasing counts here: not said of something over, sold or
        punished, unless the person also says what they are about to do."""
        return not self.settled.search(norm) or bool(self.intent.search(norm))


@functools.lru_cache(maxsize=4)
def crisis_lexicon(path: Path = SOURCES_DIR / "crisis_terms.yaml") -> CrisisLexicon:
    """Load and check the lexicon (every pattern must compile; a SourceError names the file)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    try:
        patterns = {kind: tuple(re.compile(p) for p in (data.get("patterns") or {}).get(kind) or ())
                    for kind in KINDS}
        settled, intent = re.compile(data["settled"]), re.compile(data["intent"])
    except (re.error, KeyError) as exc:
        raise SourceError(str(path), 0, f"crisis pattern: {exc}") from None
    return CrisisLexicon({kind: tuple(data.get(kind) or ()) for kind in KINDS}, patterns,
                         tuple(data.get("not_crisis_words") or ()), frozenset(data.get("context_dependent") or ()),
                         settled, intent)


def crisis_terms() -> dict[str, tuple[str, ...]]:
    return crisis_lexicon().words


MODEL_KIND = "unspecified"   # what the model finds: danger of some kind; the help lines cover them all
MODEL_THRESHOLD = 0.5
NLU_CRISIS = PROJECT_DATA / "nlu" / "crisis.yml"
NLU_OTHERS = ("problem.yml", "law.yml", "deadline.yml", "escalation.yml", "chitchat.yml", "out_of_scope.yml",
              "greet.yml", "local.yml", "form.yml")


def _norm(text: str) -> str:
    return normalize_text(text).replace(" ", "")


def _nlu_examples(path: Path, intent: str | None = None) -> list[str]:
    """The example texts of a Rasa NLU file (entity annotations taken out), of one intent or all."""
    if not path.exists():
        return []
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    out: list[str] = []
    for block in data.get("nlu") or []:
        if "intent" in block and (intent is None or block["intent"] == intent):
            out += [re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", line[2:].strip())
                    for line in str(block.get("examples", "")).splitlines() if line.startswith("- ")]
    return out


# phrasings and near-misses, each set written by someone who saw neither the lexicon nor the held-out set
CRISIS_EXAMPLE_FILES = ("crisis_examples.yaml", "crisis_examples_2.yaml")


class CrisisModel:
    """A logistic regression over character 1–2-grams: danger said in words the lexicon does not hold.

    Learns from ``CRISIS_EXAMPLE_FILES`` (phrasings and near-misses by other authors) and the
    dialogue's crisis examples as danger, and from every other example the project has (problems,
    questions, small talk, near-misses) as none. Deterministic; fitted in about a second on first use.
    """

    def __init__(self, positives: list[str], negatives: list[str]) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        texts = [_norm(t) for t in positives + negatives]
        labels = [1] * len(positives) + [0] * len(negatives)
        self.vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(1, 2), sublinear_tf=True)
        self.model = LogisticRegression(C=4.0, max_iter=3000, class_weight="balanced")
        self.model.fit(self.vectorizer.fit_transform(texts), labels)

    def probability(self, norm: str) -> float:
        """The probability of danger (the logistic function of the linear score, computed directly)."""
        from .route_model import sklearn_fast

        with sklearn_fast():
            x = self.vectorizer.transform([norm])
        score = float((x @ self.model.coef_.T)[0, 0] + self.model.intercept_[0])
        return 1.0 / (1.0 + np.exp(-score))


def load_crisis_examples(sources: Path = SOURCES_DIR) -> tuple[list[str], list[str]]:
    """The phrasings (each of a kind of ``KINDS``) and near-misses of ``CRISIS_EXAMPLE_FILES``, checked."""
    explicit: list[str] = []
    near: list[str] = []
    for name in CRISIS_EXAMPLE_FILES:
        doc = load_located(sources / name)
        data = doc.data if isinstance(doc.data, dict) else {}
        for i, item in enumerate(data.get("explicit") or []):
            if not isinstance(item, dict) or not item.get("text") or item.get("kind") not in KINDS:
                raise doc.error(f"a phrasing needs text and a kind of {', '.join(KINDS)}", "explicit", i)
            explicit.append(str(item["text"]))
        for i, item in enumerate(data.get("near_miss") or []):
            if not isinstance(item, dict) or not item.get("text"):
                raise doc.error("a near-miss needs text", "near_miss", i)
            near.append(str(item["text"]))
    return explicit, near


@functools.lru_cache(maxsize=1)
def crisis_model() -> CrisisModel:
    from .triage_types import load_out_of_scope_examples, load_route_examples

    explicit, near = load_crisis_examples()
    positives, negatives = explicit + _nlu_examples(NLU_CRISIS, "crisis"), near
    negatives += [t for rid, texts in load_route_examples().items() if rid != "crisis" for t in texts]
    negatives += list(load_out_of_scope_examples())
    for name in NLU_OTHERS:
        negatives += _nlu_examples(PROJECT_DATA / "nlu" / name)
    return CrisisModel(positives, negatives)


@functools.lru_cache(maxsize=1024)
def detect_crisis(text: str) -> str | None:
    """The kind of crisis the text expresses (self_harm, violence, danger, or ``unspecified`` when only
    the model finds it), or None.

    A word of the lexicon counts wherever it stands, except the context-dependent ones (跳楼 in
    「前几年的跳楼事件」, 放火 in 「放火烧秸秆被罚款」); a phrasing (a means of harm with an act, intent
    to die in other words, someone held or beaten right now) counts in the same contexts; and the
    model catches danger in words neither holds.
    """
    lex = crisis_lexicon()
    norm = _norm(text)
    for compound in lex.not_crisis_words:
        norm = norm.replace(compound, "")
    in_context = lex.in_context(norm)
    for kind in KINDS:
        if any(w in norm and (in_context or w not in lex.context_dependent) for w in lex.words[kind]):
            return kind
    if in_context:
        for kind in KINDS:
            if any(p.search(norm) for p in lex.patterns[kind]):
                return kind
    if norm and crisis_model().probability(norm) >= MODEL_THRESHOLD:
        return MODEL_KIND
    return None


# said after the help lines, by the crisis reply and by the service when it answers a crisis itself
CRISIS_WHY = "您提到的情况可能涉及人身安全，先求助"   # why the crisis route is offered
CRISIS_FOLLOW_UP = "如果心里很难受，愿意的话可以跟我说说发生了什么。等您安全了，我们再一起看您的问题该走什么途径。"


@functools.lru_cache(maxsize=1)
def crisis_channel_ids() -> tuple[str, ...]:
    from .dialogue_words import load_dialogue_words

    return load_dialogue_words().crisis_channels


def crisis_message(channels: dict, ids: tuple[str, ...] | None = None) -> str:
    """The first thing a person in danger reads; numbers come from channels.yaml with their grades, in the
    order ``sources/dialogue_words.yaml`` gives (``crisis_channels``)."""
    lines = [channels[c].display() for c in (ids or crisis_channel_ids()) if c in channels]
    return "您的安全最重要。如果您或身边的人现在有危险，请马上求助：\n" + "\n".join(lines)
