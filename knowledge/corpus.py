"""Legal texts parsed into article-level units with stable ids.

A law file is Markdown with a YAML header (title, issuing body, dates, status,
source, completeness) followed by ``#`` headings for 编/章/节 and one line per
article beginning ``第X条``. Paragraphs (款) and items (项) that follow an article
line belong to it until the next article or heading.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .errors import SourceError
from .numerals import CHINESE_NUMERAL_CHARS, parse_chinese_numeral, to_chinese_numeral

SOURCES_DIR = Path(__file__).parent / "sources"
LAWS_DIR = SOURCES_DIR / "laws"

_ARTICLE_LINE = re.compile(rf"^第([{CHINESE_NUMERAL_CHARS}]+)条[ \u3000]+(.*)$")
_HEADING = re.compile(r"^(#{1,6})\s*(.+?)\s*$")
ARTICLE_ID = re.compile(r"^([a-zA-Z0-9_]+)#(\d+)$")

CURRENT = "current"
STATUSES = (CURRENT, "superseded", "repealed")


@dataclass(frozen=True)
class Law:
    """One legal text: catalog facts plus the file's own header, kept verbatim."""

    id: str
    title: str
    short: str
    status: str
    complete: bool
    header: dict[str, str]
    superseded_by: str | None = None
    # one file holding excerpts of several laws: top heading → the short name its articles are cited by
    parts: tuple[tuple[str, str], ...] = ()

    @property
    def is_current(self) -> bool:
        return self.status == CURRENT


@dataclass(frozen=True)
class Article:
    """One article (条) with its 款 and 项, located in its chapter and section."""

    law_id: str
    number: int
    text: str
    chapter: str = ""
    section: str = ""
    part: str = ""      # the file's top heading above the article (a file with excerpts of several laws)

    @property
    def id(self) -> str:
        return f"{self.law_id}#{self.number}"

    @property
    def label(self) -> str:
        """The article number as the statute writes it: 第三十五条."""
        return f"第{to_chinese_numeral(self.number)}条"


@dataclass
class Corpus:
    laws: dict[str, Law] = field(default_factory=dict)
    articles: dict[str, Article] = field(default_factory=dict)

    def article(self, article_id: str) -> Article:
        try:
            return self.articles[article_id]
        except KeyError:
            raise KeyError(f"no article {article_id!r} in the corpus") from None

    def law_of(self, article_id: str) -> Law:
        return self.laws[self.article(article_id).law_id]

    def is_current(self, article_id: str) -> bool:
        return article_id in self.articles and self.law_of(article_id).is_current

    def law_name(self, article_id: str) -> str:
        """The short name the article is cited by (the part's law in a file of several)."""
        art = self.article(article_id)
        law = self.laws[art.law_id]
        return next((name for heading, name in law.parts if art.part.startswith(heading)), law.short)

    def citation(self, article_id: str) -> str:
        """Human citation: 《信访工作条例》第三十五条."""
        return f"《{self.law_name(article_id)}》{self.article(article_id).label}"

    def fingerprint(self) -> str:
        h = hashlib.sha256()
        for aid in sorted(self.articles):
            art = self.articles[aid]
            h.update(f"{aid}\0{art.chapter}\0{art.section}\0{art.text}\0".encode())
        for lid in sorted(self.laws):
            law = self.laws[lid]
            h.update(f"{lid}\0{law.short}\0{law.status}\0".encode())
        return h.hexdigest()


def parse_article_id(article_id: str) -> tuple[str, int]:
    """Split ``law#35`` into ``("law", 35)``; raise ValueError on any other shape."""
    m = ARTICLE_ID.match(article_id.strip())
    if not m:
        raise ValueError(f"not an article id (law_id#number): {article_id!r}")
    return m.group(1), int(m.group(2))


def split_header(text: str, origin: str) -> tuple[dict[str, str], str]:
    """Separate the YAML header from the body; values kept as strings."""
    if not text.startswith("---"):
        raise SourceError(origin, 1, "missing YAML header (---)")
    end = text.find("\n---", 3)
    if end < 0:
        raise SourceError(origin, 1, "YAML header is not closed with ---")
    raw = text[3:end]
    try:
        data = yaml.safe_load(raw) or {}
        header = {str(k): str(v) for k, v in data.items()}
    except yaml.YAMLError:
        # Some headers quote sources with colons; fall back to one key per line.
        header = {}
        for line in raw.splitlines():
            key, sep, value = line.partition(":")
            if sep and key.strip() and not key.startswith(" "):
                header[key.strip()] = value.strip()
    body_start = text.find("\n", end + 4)
    return header, text[body_start + 1:] if body_start >= 0 else ""


def parse_law_text(law_id: str, text: str, origin: str | None = None) -> tuple[dict[str, str], list[Article]]:
    """Parse one law file into its header and articles, in order of appearance."""
    origin = origin or law_id
    header, body = split_header(text, origin)
    header_lines = text[: len(text) - len(body)].count("\n")
    articles: list[Article] = []
    chapter = section = part = ""
    current: dict | None = None
    seen: dict[int, int] = {}

    def flush() -> None:
        nonlocal current
        if current is not None:
            lines = current["lines"]
            while lines and not lines[-1].strip():
                lines.pop()
            articles.append(Article(law_id, current["number"], "\n".join(lines).strip(),
                                    current["chapter"], current["section"], current["part"]))
            current = None

    for offset, line in enumerate(body.splitlines()):
        lineno = header_lines + offset + 1
        heading = _HEADING.match(line)
        if heading:
            flush()
            level, title = len(heading.group(1)), heading.group(2)
            if level == 1:
                part, chapter, section = title, "", ""
            elif "章" in title or "编" in title or level == 2:
                chapter, section = title, ""
            elif "节" in title or level >= 3:
                section = title
            continue
        m = _ARTICLE_LINE.match(line)
        if m:
            flush()
            try:
                number = parse_chinese_numeral(m.group(1))
            except ValueError as exc:
                raise SourceError(origin, lineno, str(exc)) from None
            if number in seen:
                raise SourceError(origin, lineno, f"article {number} appears twice (first at line {seen[number]})")
            seen[number] = lineno
            current = {"number": number, "lines": [line.strip()], "chapter": chapter, "section": section,
                       "part": part}
        elif current is not None:
            current["lines"].append(line.rstrip())
    flush()
    # Collapse the blank lines between 款 into single newlines.
    articles = [Article(a.law_id, a.number, re.sub(r"\n\s*\n+", "\n", a.text), a.chapter, a.section, a.part)
                for a in articles]
    return header, articles


def load_catalog(laws_dir: Path = LAWS_DIR) -> list[dict]:
    path = laws_dir / "catalog.yaml"
    entries = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    for i, entry in enumerate(entries):
        for key in ("id", "short", "status", "complete"):
            if key not in entry:
                raise SourceError(str(path), i + 1, f"catalog entry {entry.get('id', i)} lacks {key!r}")
        if entry["status"] not in STATUSES:
            raise SourceError(str(path), i + 1, f"status must be one of {STATUSES}, got {entry['status']!r}")
    return entries


def load_corpus(laws_dir: Path = LAWS_DIR) -> Corpus:
    """Load every law in ``laws_dir``; the catalog and the files must match one to one."""
    catalog = {e["id"]: e for e in load_catalog(laws_dir)}
    files = {p.stem: p for p in sorted(laws_dir.glob("*.md"))}
    missing = sorted(set(files) - set(catalog))
    extra = sorted(set(catalog) - set(files))
    if missing or extra:
        raise SourceError(str(laws_dir / "catalog.yaml"), 0,
                          f"catalog and files differ: unlisted files {missing}, listed but absent {extra}")
    corpus = Corpus()
    for law_id, path in files.items():
        entry = catalog[law_id]
        header, articles = parse_law_text(law_id, path.read_text(encoding="utf-8"), str(path))
        if not articles:
            raise SourceError(str(path), 0, "no articles found")
        title = header.get("title", entry["short"])
        parts = tuple((str(k), str(v)) for k, v in (entry.get("parts") or {}).items())
        corpus.laws[law_id] = Law(law_id, title, entry["short"], entry["status"], bool(entry["complete"]),
                                  header, entry.get("superseded_by"), parts)
        for art in articles:
            corpus.articles[art.id] = art
    for law in corpus.laws.values():
        if law.superseded_by and law.superseded_by not in corpus.laws:
            raise SourceError(str(laws_dir / "catalog.yaml"), 0,
                              f"{law.id} is superseded by unknown law {law.superseded_by!r}")
    return corpus
