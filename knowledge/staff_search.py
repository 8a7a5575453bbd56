"""Search for the reception staff desk: one box, results while the staff member types.

Every article (in force or not), route card, FAQ entry and local-pack item is one document, indexed
once by jieba words, character pairs and single characters, so that 「复」「复查」「复查期限」 each find
something while being typed, under BM25 weights (knowledge/bm25.py); the synonym table adds the legal
term a colloquial word stands for. A query naming an article (「信访工作条例第三十五条」「条例 35条」)
puts that article first. Highlighting comes back as segments, so a page never builds HTML from text.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

import numpy as np

from .bm25 import BM25
from .corpus import Article
from .index import make_tokenizer
from .kb import KnowledgeBase, local_unit_id
from .numerals import CHINESE_NUMERAL_CHARS, parse_chinese_numeral
from .textnorm import normalize_text
from .tokenizer import Tokenizer

logger = logging.getLogger(__name__)

KINDS = ("article", "route", "faq", "local")
FACETS = ("kind", "law", "status", "route", "region")
STATUSES = ("current", "superseded")   # the status filter's values: superseded covers repealed
MAX_QUERY_CHARS = 500    # a search box, not a document: longer input is cut, never refused
MAX_LIMIT = 100
MAX_REFS = 30            # article references read from one query (「第35条」 names one per law)
SNIPPET_CHARS = 160
# What a query term counts for: a whole word most, a character pair less, a lone character least
# (it is there so that a word half typed still ranks the texts holding its first character).
TERM_WEIGHTS = {"w": 1.0, "b": 0.6, "c": 0.1}
SYNONYM_WEIGHT = 0.5     # the legal term a colloquial word of the query stands for
NOT_IN_FORCE = 0.8       # a superseded or repealed text ranks below a current one for the same match
NAMED_LAW = 1.5          # articles of a law the query names (「工伤保险条例 停工留薪期」)
# A route card, FAQ question or local item whose title holds the query (or is held by it), and twice
# over one whose title is the query: 「行政复议」 is the card of that name before the articles and
# questions that say 行政复议 most often.
TITLE_MATCH = 1.5

_CHUNK = re.compile(r"[\u4e00-\u9fff]+|[a-z0-9]+")
_NUM = rf"[0-9]{{1,4}}|[{CHINESE_NUMERAL_CHARS}]{{1,8}}"
# 第三十五条 第35条 35条 三十五条, and 第三十 at the end of what is being typed; not 第三方 or 一条路.
_REF = re.compile(rf"第\s*({_NUM})\s*(条|$)|([0-9]{{1,4}}|[{CHINESE_NUMERAL_CHARS}]{{2,8}})\s*(条)")
_ITEM = re.compile(rf"^[（(][{CHINESE_NUMERAL_CHARS}]+[）)]")
_PARENS = re.compile(r"（[^）]*）|\([^)]*\)")
_NOT_NAME = re.compile(r"[^\u4e00-\u9fffa-z0-9]")


@dataclass(frozen=True)
class Segment:
    text: str
    hit: bool

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "hit": self.hit}


@dataclass(frozen=True)
class Hit:
    id: str              # an article id (law#35), route:<id>, faq:<id> or local/<region>/<id>
    kind: str            # article | route | faq | local
    title: str
    segments: tuple[Segment, ...]        # the snippet; 「…」 segments where it is cut
    title_segments: tuple[Segment, ...]
    law: str | None
    law_title: str | None
    article_label: str | None
    status: str          # current | superseded | repealed (route cards, FAQ and local items: current)
    region: str | None
    region_name: str | None
    routes: tuple[str, ...]
    basis: tuple[str, ...]               # the articles a route card or FAQ answer rests on
    score: float
    citation: str | None
    text: str | None = None              # the whole text of a route card, FAQ or local item (an article opens)

    @property
    def snippet(self) -> str:
        return "".join(s.text for s in self.segments)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "title": self.title, "snippet": self.snippet,
                "segments": [s.to_dict() for s in self.segments],
                "title_segments": [s.to_dict() for s in self.title_segments],
                "law": self.law, "law_title": self.law_title, "article_label": self.article_label,
                "status": self.status, "region": self.region, "region_name": self.region_name,
                "routes": list(self.routes), "basis": list(self.basis), "score": round(self.score, 4),
                "citation": self.citation, "text": self.text}


@dataclass(frozen=True)
class SearchResult:
    query: str                             # the query as searched (normalised)
    total: int
    hits: tuple[Hit, ...]
    facets: dict[str, dict[str, int]]      # facet → value → matches, each ignoring its own filter

    def to_dict(self) -> dict[str, Any]:
        return {"query": self.query, "total": self.total, "hits": [h.to_dict() for h in self.hits],
                "facets": self.facets}


@dataclass(frozen=True)
class Paragraph:
    """One 款: its text and its 项 (「（一）……」) in order."""

    text: str
    items: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "items": list(self.items)}


@dataclass(frozen=True)
class ArticleView:
    id: str
    law_id: str
    law_title: str
    law_short: str
    status: str
    superseded_by: str | None
    superseded_by_title: str | None
    label: str
    chapter: str
    section: str
    paragraphs: tuple[Paragraph, ...]
    previous: str | None                   # neighbours in the same law, by number
    next: str | None
    previous_label: str | None
    next_label: str | None
    routes: tuple[str, ...]                # routes whose cards or FAQ answers rest on this article
    citation: str                          # 《信访工作条例》第三十五条：<full text>

    def to_dict(self) -> dict[str, Any]:
        return {**{k: v for k, v in self.__dict__.items() if k not in ("paragraphs", "routes")},
                "paragraphs": [p.to_dict() for p in self.paragraphs], "routes": list(self.routes)}


@dataclass(frozen=True)
class _Doc:
    id: str
    kind: str
    title: str
    body: str            # what the snippet is cut from
    indexed: str         # everything the document is found by
    law: str | None = None
    status: str = "current"
    region: str | None = None
    routes: tuple[str, ...] = ()
    basis: tuple[str, ...] = ()
    citation: str | None = None


@dataclass(frozen=True)
class _Query:
    weights: dict[int, float]     # BM25 column → weight
    matching: frozenset[int]      # columns any one of which makes a document a match
    highlight: tuple[str, ...]
    refs: tuple[str, ...]         # article ids the query names, best first
    named_laws: frozenset[str]
    key: str                      # the query's words run together, to compare with titles


def paragraphs(article: Article) -> tuple[Paragraph, ...]:
    """The 款 of an article, the label taken off the first; 项 lines go to the 款 they follow."""
    lines = [line.strip() for line in article.text.split("\n") if line.strip()]
    lines[0] = lines[0].removeprefix(article.label).strip()
    out: list[tuple[str, list[str]]] = []
    for line in lines:
        if out and _ITEM.match(line):
            out[-1][1].append(line)
        else:
            out.append((line, []))
    return tuple(Paragraph(text, tuple(items)) for text, items in out)


def _documents(kb: KnowledgeBase) -> list[_Doc]:
    corpus, docs = kb.corpus, []
    by_article = kb.article_routes()
    for aid, art in corpus.articles.items():
        law = corpus.laws[art.law_id]
        body = " ".join(p.text if not p.items else " ".join((p.text, *p.items)) for p in paragraphs(art))
        docs.append(_Doc(aid, "article", corpus.citation(aid), body,
                         " ".join(x for x in (art.label, art.chapter, art.section, body) if x),
                         art.law_id, law.status, routes=tuple(sorted(by_article.get(aid, ()))),
                         citation=corpus.citation(aid)))
    for rid, card in kb.routes.items():
        name = kb.route_ids.get(rid, card.name)
        body = " ".join(x for x in (card.summary, card.first_step, card.handled_by, "、".join(card.typical_claims)) if x)
        docs.append(_Doc(f"route:{rid}", "route", name, body, f"{name} {name} {body}", routes=(rid,),
                         basis=card.basis))
    for entry in kb.faq.values():
        docs.append(_Doc(f"faq:{entry.id}", "faq", entry.question, entry.answer,
                         " ".join((entry.question, *entry.questions, entry.answer)), region=entry.region,
                         routes=entry.routes, basis=entry.basis,
                         citation="、".join(corpus.citation(a) for a in entry.basis) or None))
    for code, pack in kb.packs.items():
        for o in pack.offices:
            facts = [f"{k}：{v}" for k, v in (("地址", o.address), ("电话", o.phone), ("接待时间", o.hours),
                                              ("网上", o.online)) if v]
            body = " ".join([*facts, o.note or ""]).strip()
            docs.append(_Doc(local_unit_id(code, o.id), "local", o.name, body, f"{o.name} {o.name} {body}",
                             region=code, routes=o.routes))
        for r in pack.rules:
            docs.append(_Doc(local_unit_id(code, r.id), "local", r.title, r.text, f"{r.title} {r.title} {r.text}",
                             region=code, routes=r.routes))
        for f in pack.faq:
            docs.append(_Doc(local_unit_id(code, f.id), "local", f.question, f.answer,
                             " ".join((f.question, f.question, *f.alt, f.answer)), region=code, routes=f.routes,
                             basis=f.basis, citation="、".join(corpus.citation(a) for a in f.basis) or None))
    return docs


def _clamp(limit: object) -> int:
    try:
        return max(0, min(int(limit), MAX_LIMIT))  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return 20


def _is_subsequence(short: str, name: str) -> bool:
    it = iter(name)
    return all(ch in it for ch in short)


def _marks(text: str, terms: tuple[str, ...]) -> bytearray:
    """1 for every character of ``text`` inside an occurrence of one of ``terms``."""
    low = text.lower()
    low = low if len(low) == len(text) else text
    marks = bytearray(len(text))
    for term in terms:
        at = low.find(term)
        while at >= 0:
            marks[at:at + len(term)] = b"\x01" * len(term)
            at = low.find(term, at + 1)
    return marks


def _segments(text: str, marks: bytearray) -> list[Segment]:
    out: list[Segment] = []
    start = 0
    for i in range(1, len(text) + 1):
        if i == len(text) or marks[i] != marks[start]:
            out.append(Segment(text[start:i], bool(marks[start])))
            start = i
    return out


def highlight(text: str, terms: tuple[str, ...], width: int = SNIPPET_CHARS) -> tuple[Segment, ...]:
    """At most ``width`` characters of ``text``, the window holding the most matched characters
    (the first such), opened a little before its first match; 「…」 marks where it is cut."""
    marks = _marks(text, terms)
    start, end = 0, len(text)
    if len(text) > width:
        firsts = [i for i in range(len(text)) if marks[i] and (i == 0 or not marks[i - 1])]
        if firsts:
            cum = [0, *accumulate(marks)]
            best = max(firsts, key=lambda s: (cum[min(s + width, len(text))] - cum[s], -s))
            start = max(0, min(best - width // 5, len(text) - width))
        end = start + width
    segments = _segments(text[start:end], marks[start:end])
    return tuple([Segment("…", False)] * (start > 0) + segments + [Segment("…", False)] * (end < len(text)))


class StaffSearch:
    """Build once (``from_knowledge``, about a second), then ``search`` on every keystroke."""

    def __init__(self, kb: KnowledgeBase, tokenizer: Tokenizer) -> None:
        started = time.perf_counter()
        self.kb, self.tokenizer = kb, tokenizer
        self._docs = _documents(kb)
        self._bm25 = BM25([self._terms(d.indexed) for d in self._docs])
        self._by_id = {d.id: i for i, d in enumerate(self._docs)}
        corpus = kb.corpus
        # The law the knowledge base cites most wins a tie between laws a short name fits (「条例 35条」).
        cited: dict[str, int] = {}
        for aid in [*(a for c in kb.routes.values() for a in c.basis), *(a for f in kb.faq.values() for a in f.basis),
                    *(a for p in kb.packs.values() for f in p.faq for a in f.basis)]:
            cited[corpus.articles[aid].law_id] = cited.get(corpus.articles[aid].law_id, 0) + 1
        self._law_order = sorted(corpus.laws, key=lambda lid: (not corpus.laws[lid].is_current, -cited.get(lid, 0)))
        self._law_names = {lid: {n for n in (law.short, law.title, _PARENS.sub("", law.short),
                                             _PARENS.sub("", law.title), *(name for _h, name in law.parts)) if n}
                           for lid, law in corpus.laws.items()}
        # Names a short form may leave characters out of (「民诉法」「信访条例」); not the full titles, where
        # 中华人民共和国刑事诉讼法 would hold 民事诉讼法 that way.
        self._short_names = {lid: {_PARENS.sub("", law.short), *(name for _h, name in law.parts)}
                             for lid, law in corpus.laws.items()}
        self._numbers: dict[str, list[int]] = {}
        for art in corpus.articles.values():
            self._numbers.setdefault(art.law_id, []).append(art.number)
        for numbers in self._numbers.values():
            numbers.sort()
        self._values: dict[str, list[str]] = {
            "kind": list(KINDS), "law": list(corpus.laws), "status": list(STATUSES),
            "region": list(kb.packs), "route": list(kb.route_ids)}
        index = {name: {v: i for i, v in enumerate(vs)} for name, vs in self._values.items()}
        self._codes = {
            "kind": np.array([index["kind"][d.kind] for d in self._docs]),
            "law": np.array([index["law"].get(d.law or "", -1) for d in self._docs]),
            "status": np.array([0 if d.status == "current" else 1 for d in self._docs]),
            "region": np.array([index["region"].get(d.region or "", -1) for d in self._docs])}
        self._route_matrix = np.zeros((len(self._docs), len(kb.route_ids)), dtype=bool)
        for i, d in enumerate(self._docs):
            for r in d.routes:
                if r in index["route"]:
                    self._route_matrix[i, index["route"][r]] = True
        self._prior = np.where(self._codes["status"] == 0, 1.0, NOT_IN_FORCE)
        self._titles = [(i, "".join(_CHUNK.findall(normalize_text(d.title).lower())))
                        for i, d in enumerate(self._docs) if d.kind != "article"]
        logger.info("staff_search.built", extra={"documents": len(self._docs),
                                                 "seconds": round(time.perf_counter() - started, 2)})

    @classmethod
    def from_knowledge(cls, kb: KnowledgeBase, tokenizer: Tokenizer | None = None) -> StaffSearch:
        """``tokenizer``: share the retriever's (one jieba dictionary per process); made when absent."""
        return cls(kb, tokenizer or make_tokenizer(kb))

    # -- terms -----------------------------------------------------------------------------------
    def _terms(self, text: str) -> list[str]:
        text = normalize_text(text).lower()
        out = [f"w:{w}" for w in self.tokenizer.tokenize(text)]
        for chunk in _CHUNK.findall(text):
            if not chunk.isascii():
                out.extend(f"c:{ch}" for ch in chunk)
                out.extend(f"b:{chunk[i:i + 2]}" for i in range(len(chunk) - 1))
        return out

    def _refs(self, text: str, law: str | None) -> tuple[list[str], str]:
        """Article ids the query names, best first, and the query without the numbers naming them."""
        found: list[str] = []
        laws: list[str] = []
        rest, last = [], 0
        for m in _REF.finditer(text):
            if len(found) >= MAX_REFS:
                break
            try:
                number = parse_chinese_numeral(m.group(1) or m.group(3))
            except ValueError:
                continue
            fragment = _NOT_NAME.sub("", text[last:m.start()])[-20:]
            laws = self._laws_named(fragment) or (laws if not fragment else [])
            if not laws and not m.group(2) and not m.group(4):
                continue      # 「第三」 being typed counts only after a law's name
            rest.append(text[last:m.start()])
            last = m.end()
            for lid in laws or self._law_order:
                aid = f"{lid}#{number}"
                if aid in self.kb.corpus.articles and aid not in found and law in (None, lid):
                    found.append(aid)
        return found, "".join(rest) + text[last:]

    def _laws_named(self, fragment: str) -> list[str]:
        """Laws whose name holds the longest ending of ``fragment`` (two characters at least; a short name
        in order with gaps, so 「信访条例」 fits 信访工作条例 too), current and most cited first."""
        for size in range(len(fragment), 1, -1):
            tail = fragment[-size:]
            laws = [lid for lid in self._law_order if any(tail in n for n in self._law_names[lid])
                    or any(_is_subsequence(tail, n) for n in self._short_names[lid])]
            if laws:
                return laws
        return []

    def _query(self, text: str, law: str | None) -> _Query | None:
        refs, rest = self._refs(text, law)
        named = frozenset(lid for lid, names in self._law_names.items()
                          if any(len(n) >= 3 and n in text for n in names))
        # A law's name says where to look, not what to find: 「工伤保险条例 停工留薪」 ranks by 停工留薪.
        unnamed = rest
        for name in sorted((n for lid in named for n in self._law_names[lid]), key=len, reverse=True):
            unnamed = unnamed.replace(name, " ")
        rest = unnamed if _CHUNK.search(unnamed) else rest
        chunks = _CHUNK.findall(rest)
        if not chunks and not refs:
            return None
        weights: dict[int, float] = {}
        matching: set[int] = set()

        def add(term: str, weight: float, match: bool) -> None:
            col = self._bm25.vocab.get(term)
            if col is not None:
                weights[col] = weights.get(col, 0.0) + weight
                if match:
                    matching.add(col)

        for word in self.tokenizer.tokenize(rest):
            add(f"w:{word}", TERM_WEIGHTS["w"], len(word) > 1 or word.isascii())
        highlight: set[str] = set()
        for chunk in chunks:
            if chunk.isascii():
                highlight.add(chunk)
                continue
            for ch in chunk:
                add(f"c:{ch}", TERM_WEIGHTS["c"], len(chunk) == 1)
            pairs = [chunk[i:i + 2] for i in range(len(chunk) - 1)] or [chunk]
            for pair in pairs:
                add(f"b:{pair}", TERM_WEIGHTS["b"], True)
            highlight.update(pairs)
        for term in self.kb.synonyms.expand(rest):
            highlight.add(term)
            for word in self.tokenizer.tokenize(term):
                add(f"w:{word}", SYNONYM_WEIGHT, len(word) > 1)
        highlight.update(self.kb.corpus.articles[a].label for a in refs)
        return _Query(weights, frozenset(matching), tuple(sorted(highlight, key=len, reverse=True))[:64],
                      tuple(refs), named, "".join(chunks))

    # -- search ----------------------------------------------------------------------------------
    def _filters(self, **given: str | None) -> dict[str, np.ndarray]:
        """One mask per filter set; a value nobody has matches nothing."""
        masks: dict[str, np.ndarray] = {}
        for name, value in given.items():
            if not value:
                continue
            value = "superseded" if name == "status" and value == "repealed" else value
            values = self._values[name]
            if value not in values:
                masks[name] = np.zeros(len(self._docs), dtype=bool)
            elif name == "route":
                masks[name] = self._route_matrix[:, values.index(value)]
            else:
                masks[name] = self._codes[name] == values.index(value)
        return masks

    def _facets(self, matched: np.ndarray, masks: dict[str, np.ndarray]) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for name in FACETS:
            m = matched.copy()
            for other, mask in masks.items():
                if other != name:
                    m &= mask
            if name == "route":
                counts = self._route_matrix[m].sum(axis=0)
            else:
                codes = self._codes[name][m]
                counts = np.bincount(codes[codes >= 0], minlength=len(self._values[name]))
            order = sorted((i for i in range(len(counts)) if counts[i]), key=lambda i: -counts[i])
            out[name] = {self._values[name][i]: int(counts[i]) for i in order}
        return out

    def search(self, q: str, *, law: str | None = None, route: str | None = None, status: str | None = None,
               region: str | None = None, kind: str | None = None, limit: int = 20) -> SearchResult:
        """The documents matching ``q`` under the filters, best first; never raises on bad input.

        Args:
            status: ``current``, or ``superseded`` (texts no longer in force, repealed ones too).
            kind: ``article``, ``route``, ``faq`` or ``local``.
            limit: hits returned (0–100); ``total`` and ``facets`` count every match.
        """
        text = normalize_text(q[:MAX_QUERY_CHARS]).lower() if isinstance(q, str) else ""
        masks = self._filters(law=law, route=route, status=status, region=region, kind=kind)
        query = self._query(text, law if isinstance(law, str) else None) if text else None
        if query is None:
            return SearchResult(text, 0, (), {name: {} for name in FACETS})
        n = len(self._docs)
        cols = np.fromiter(query.weights, dtype=np.int64, count=len(query.weights))
        sub = self._bm25.matrix[:, cols]
        scores = np.asarray(sub @ np.fromiter(query.weights.values(), dtype=np.float32)).ravel() * self._prior
        matched = np.zeros(n, dtype=bool)
        match_cols = [i for i, c in enumerate(cols) if c in query.matching]
        if match_cols:
            matched[sub[:, match_cols].indices] = True
        if len(query.key) > 1:
            for d, title in self._titles:
                if query.key == title:
                    scores[d] *= TITLE_MATCH * TITLE_MATCH
                elif query.key in title or (len(title) > 1 and title in query.key):
                    scores[d] *= TITLE_MATCH
        for lid in query.named_laws:
            scores[self._codes["law"] == self._values["law"].index(lid)] *= NAMED_LAW
        top = float(scores.max()) if n else 0.0
        for rank, aid in enumerate(query.refs):
            d = self._by_id[aid]
            scores[d], matched[d] = top + len(query.refs) - rank, True
        selected = matched.copy()
        for mask in masks.values():
            selected &= mask
        idx = np.flatnonzero(selected)
        order = idx[np.lexsort((idx, -scores[idx]))][:_clamp(limit)]
        hits = tuple(self._hit(int(d), float(scores[d]), query.highlight) for d in order)
        return SearchResult(text, int(len(idx)), hits, self._facets(matched, masks))

    def _hit(self, d: int, score: float, terms: tuple[str, ...]) -> Hit:
        doc, corpus = self._docs[d], self.kb.corpus
        art = corpus.articles.get(doc.id) if doc.kind == "article" else None
        pack = self.kb.packs.get(doc.region or "")
        return Hit(doc.id, doc.kind, doc.title, highlight(doc.body, terms), highlight(doc.title, terms, 10_000),
                   doc.law, corpus.laws[doc.law].title if doc.law else None, art.label if art else None,
                   doc.status, doc.region, pack.region_name if pack else None, doc.routes, doc.basis, score,
                   doc.citation, None if doc.kind == "article" else doc.body)

    # -- browsing --------------------------------------------------------------------------------
    def article(self, article_id: str) -> ArticleView | None:
        """The article with its 款 and 项 and its neighbours; None for an id not in the corpus."""
        corpus = self.kb.corpus
        art = corpus.articles.get(article_id.strip()) if isinstance(article_id, str) else None
        if art is None:
            return None
        law = corpus.laws[art.law_id]
        numbers = self._numbers[art.law_id]
        at = numbers.index(art.number)
        prev = corpus.articles[f"{law.id}#{numbers[at - 1]}"] if at > 0 else None
        nxt = corpus.articles[f"{law.id}#{numbers[at + 1]}"] if at + 1 < len(numbers) else None
        paras = paragraphs(art)
        full = "\n".join("\n".join((p.text, *p.items)).strip() for p in paras)
        successor = corpus.laws.get(law.superseded_by or "")
        return ArticleView(art.id, law.id, law.title, law.short, law.status, law.superseded_by,
                           successor.title if successor else None, art.label, art.chapter, art.section, paras,
                           prev.id if prev else None, nxt.id if nxt else None, prev.label if prev else None,
                           nxt.label if nxt else None, self._docs[self._by_id[art.id]].routes,
                           f"{corpus.citation(art.id)}：{full}")

    def laws(self) -> list[dict[str, Any]]:
        """Every law for the filter menu: in force and most cited first."""
        corpus = self.kb.corpus
        return [{"id": lid, "title": corpus.laws[lid].title, "short": corpus.laws[lid].short,
                 "status": corpus.laws[lid].status, "articles": len(self._numbers[lid])} for lid in self._law_order]

    def routes(self) -> list[dict[str, str]]:
        return [{"id": rid, "name": name} for rid, name in self.kb.route_ids.items()]

    def regions(self) -> list[dict[str, str]]:
        return [{"code": code, "name": pack.region_name} for code, pack in self.kb.packs.items()]
