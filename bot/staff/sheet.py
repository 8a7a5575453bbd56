"""The printable guidance sheet (引导告知单): one A4 page a reception officer hands to a visitor.

It says which lawful route the visitor's problem takes, who handles it, how to start, the time
limits with the articles that set them, and prints the two or three articles the route rests on
most. Everything on it comes from the knowledge base (route cards, the corpus, local packs,
channels) and from what the officer types; nothing is stored, and nothing about the visitor
appears unless the officer typed it.

The last day of a limit is counted by ``knowledge.deadlines.by_kind``, the same function
``xinfang deadline`` prints, for the limit a plain 「最晚哪天」 means on the route (``route_kind``),
so the sheet, the dialogue and the command never disagree.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import shutil
import subprocess
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader

from knowledge.channels import Channel
from knowledge.deadlines import DeadlineKind, by_kind, date_text, limit_of, route_kind
from knowledge.kb import KnowledgeBase
from knowledge.packs import Office, Pack
from knowledge.routes import RouteCard, TimeLimit

logger = logging.getLogger(__name__)

TEMPLATES = Path(__file__).parent / "templates"
# The articles printed in full: at most this many, and (after the first) only while their texts
# together stay within the budget, so a 17-article route still fits one A4 page; the rest are
# listed by citation only.
ARTICLES_MAX = 3
ARTICLES_CHARS = 600
# The limits in the table: at most this many (the person's own limits, those a deadline kind names,
# first); the rest are named in one line with their articles. 行政复议 has ten.
LIMITS_MAX = 6
# fonts-noto-cjk (Debian); WeasyPrint finds them through fontconfig by family name
CJK_FAMILIES = ("Noto Serif CJK SC", "Noto Sans CJK SC")
FONT_DIR = Path("/usr/share/fonts/opentype/noto")


class SheetError(ValueError):
    """A sheet that cannot be made from what was asked; the message is Chinese, for the officer."""


class UnknownRouteError(SheetError):
    """The route id is not one of the knowledge base's routes (the HTTP layer answers it with a 4xx)."""


class SheetFontError(RuntimeError):
    """The CJK fonts a server-side PDF needs are not installed (a set-up problem, not the officer's)."""


@dataclass(frozen=True)
class SheetStep:
    """One step as the staff desk may show it; ``Sheet.steps`` holds the texts themselves."""

    text: str


@dataclass(frozen=True)
class SheetLimit:
    label: str
    period: str                  # 「6个月」; "" when the card states no fixed period
    starts: str
    quote: str                   # verbatim from the cited article
    citation: str                # 《中华人民共和国行政诉讼法》第四十六条
    last_day: str | None = None  # 2027年3月1日: only when a start date was given, for the route's own limit
    rule: str | None = None      # how the last day was counted (knowledge.deadlines.counting_rule)
    days_left: int | None = None   # from the issue date; negative: passed
    interrupted_by: str | None = None   # what stops the limit running out, quoted with its article


@dataclass(frozen=True)
class SheetOffice:
    name: str
    address: str | None
    phone: str | None
    hours: str | None
    note: str | None
    verified: bool               # False: shown as 「待核实」, never as checked
    online: str | None = None
    checked: str | None = None   # who checked it and when (「核对：2026-11-21，…」)


@dataclass(frozen=True)
class SheetArticle:
    citation: str                # 《信访工作条例》第三十五条
    text: str                    # the whole article, as in the corpus


@dataclass(frozen=True)
class Sheet:
    route_id: str
    route_name: str
    summary: str
    handled_by: str
    steps: tuple[str, ...]
    materials: tuple[str, ...]
    fees: str | None
    limits: tuple[SheetLimit, ...]
    offices: tuple[SheetOffice, ...]
    articles: tuple[SheetArticle, ...]
    region_name: str | None
    issued_on: dt.date
    officer: str = ""            # officer, visitor, note: only as the officer typed them (may be empty:
    visitor: str = ""            # the page then leaves a line to fill in by hand)
    note: str = ""
    first_step: str = ""
    channels: tuple[SheetOffice, ...] = ()     # the route's national channel
    basis: tuple[str, ...] = ()                # every article of the route, cited, in the card's order
    more_limits: tuple[str, ...] = ()          # the limits beyond the table's rows: 「label（citation）」
    limit_note: str = ""                       # why no last day was counted for the start date given
    dense: bool = False                        # smaller type, set by fit_to_page when that is what fits

    @property
    def more_articles(self) -> tuple[str, ...]:
        """The route's articles not printed in full (the page lists them by citation)."""
        printed = {a.citation for a in self.articles}
        return tuple(c for c in self.basis if c not in printed)


def find_pack(kb: KnowledgeBase, region: str | None) -> Pack | None:
    """The local pack of ``region`` (its 6-digit code, or its full name), or None when there is none."""
    if not region:
        return None
    region = region.strip()
    return kb.packs.get(region) or next((p for p in kb.packs.values() if p.region_name == region), None)


def office_of(office: Office, pack: Pack, issued_on: dt.date) -> SheetOffice:
    # a pack fact is checked when the office keeps the pack (not a sample), names its source and a
    # day it was checked, not after the sheet's day
    verified = not pack.sample and bool(office.source) and dt.date.min < office.verified_on <= issued_on
    return SheetOffice(office.name, office.address, office.phone, office.hours, office.note, verified,
                       office.online, f"核对日期 {office.verified_on.isoformat()}，{pack.maintainer}" if verified else None)


def channel_of(channel: Channel, pack: Pack | None) -> SheetOffice:
    """A national channel; a grade-C fact is verified only once the region's pack confirms it."""
    confirmed = pack is not None and channel.id in pack.confirmed_channels
    phone = channel.value if channel.kind == "hotline" else None
    online = channel.value if channel.kind in ("website", "wechat", "app") and channel.value not in channel.name else None
    return SheetOffice(channel.name, None, phone if phone and phone not in channel.name else None, None,
                       channel.description or None, channel.shown_as_verified(confirmed), online)


def counted_kind(kb: KnowledgeBase, card: RouteCard, kind_id: str | None) -> DeadlineKind | None:
    """The kind of limit the sheet counts: the one the officer chose (复核 rather than 复查), else the
    route's own first one, as the dialogue's plain 「最晚哪天」 (``route_kind``)."""
    if not kind_id:
        return route_kind(kb, card.id)
    kind = next((k for k in kb.deadline_kinds if k.id == kind_id and k.route == card.id), None)
    if kind is None:
        raise SheetError(f"期限种类 “{kind_id}” 不属于途径“{card.name}”。")
    return kind


def sheet_limits(kb: KnowledgeBase, card: RouteCard, start: dt.date | None,
                 issued_on: dt.date, kind_id: str | None = None) -> tuple[tuple[SheetLimit, ...], tuple[str, ...], str]:
    """The card's limits as the dialogue states them when the matter names none (an exception such as
    「抚养费不适用诉讼时效」 only when named: never on a sheet), the route's own limit counted from
    ``start``; the others beyond ``LIMITS_MAX``, as 「label（citation）」; and a note when a start was
    given but no limit of the route can be counted from it.

    The table keeps the limits a deadline kind names first (the person's own: 申请、起诉、上诉), then
    the card's in its order, and shows them in the card's order.
    """
    kind = counted_kind(kb, card, kind_id)
    own = limit_of(kind, kb.routes) if kind else None
    try:
        counted = by_kind(kb, kind.id, start, issued_on) if kind and start else None
    except ValueError as exc:   # a start outside the calendar's years: said in Chinese already
        raise SheetError(str(exc)) from None
    stated = [tl for tl in card.time_limits if not tl.exception_to]
    persons = [limit_of(k, kb.routes) for k in kb.deadline_kinds if k.route == card.id]
    ranked = sorted(stated, key=lambda tl: (tl is not own, all(tl is not p for p in persons)))   # stable
    kept = ranked[:LIMITS_MAX]
    shown = tuple(_limit(kb, tl, counted if tl is own else None) for tl in stated if any(tl is k for k in kept))
    rest = tuple(f"{tl.label}（{kb.corpus.citation(tl.basis)}）" for tl in stated if all(tl is not k for k in kept))
    note = ""
    if start and counted is None:
        note = f"起算日期 {date_text(start)}：这条途径没有来访人自己提出申请的期限可以据此计算，未计算最后一天。"
    return shown, rest, note


def _limit(kb: KnowledgeBase, tl: TimeLimit, counted: dict | None = None) -> SheetLimit:
    period = tl.period.words if tl.period else ""
    citation = kb.corpus.citation(tl.basis)
    if counted is None:
        return SheetLimit(tl.label, period, tl.starts, tl.quote, citation)
    by = counted["interrupted_by"]
    return SheetLimit(tl.label, period, tl.starts, tl.quote, citation,
                      date_text(dt.date.fromisoformat(counted["last_day"])), counted["rule"], counted["days_left"],
                      f"“{by['quote']}”（{by['citation']}）" if by else None)


def sheet_articles(kb: KnowledgeBase, card: RouteCard, kind_id: str | None = None) -> tuple[SheetArticle, ...]:
    """The articles printed in full, those the route rests on most first.

    The route rests most on the articles that set its limits (the route's own limit's first), then
    on the card's articles in its order; at most ``ARTICLES_MAX``, within ``ARTICLES_CHARS``.
    """
    kind = counted_kind(kb, card, kind_id)
    own = limit_of(kind, kb.routes) if kind else None
    order = [own.basis] if own else []
    order += [tl.basis for tl in card.time_limits if not tl.exception_to]
    order += list(card.basis)
    order = list(dict.fromkeys(order))
    printed: list[str] = []
    used = 0
    for aid in order:
        size = len(kb.corpus.article(aid).text)
        if len(printed) < ARTICLES_MAX and (not printed or used + size <= ARTICLES_CHARS):
            printed.append(aid)
            used += size
    return tuple(SheetArticle(kb.corpus.citation(a), kb.corpus.article(a).text) for a in printed)


def sheet_from_route(kb: KnowledgeBase, route_id: str, *, region: str | None, issued_on: dt.date,
                     start: dt.date | None = None, officer: str = "", visitor: str = "",
                     note: str = "", kind: str | None = None) -> Sheet:
    """The sheet for ``route_id``, with the offices of ``region``'s pack when there is one.

    A ``region`` without a pack (or None) gives a sheet with the issuing office and the receiving office
    left blank to fill in by hand.

    Raises:
        UnknownRouteError: the route id is not in the knowledge base.
        SheetError: ``start`` is after ``issued_on``, or outside the years the calendar can count.
    """
    card = kb.routes.get(route_id)
    if card is None:
        raise UnknownRouteError(f"没有这条途径：“{route_id}”。可选的途径：{'、'.join(kb.routes)}")
    if start is not None and start > issued_on:
        raise SheetError(f"起算日期 {date_text(start)} 晚于出具日期 {date_text(issued_on)}，请核对起算日期"
                         "（收到文书、知道或者发生之日）。")
    pack = find_pack(kb, region)
    limits, more_limits, limit_note = sheet_limits(kb, card, start, issued_on, kind)
    channel = kb.channels.get(card.national_channel or "")
    return Sheet(
        route_id=card.id, route_name=card.name, summary=card.summary, handled_by=card.handled_by,
        steps=tuple(s for s in (card.where, card.next_steps) if s), materials=card.materials, fees=card.fees,
        limits=limits,
        offices=tuple(office_of(o, pack, issued_on) for o in pack.offices_for(card.id)) if pack else (),
        articles=sheet_articles(kb, card, kind), region_name=pack.region_name if pack else None, issued_on=issued_on,
        officer=officer.strip(), visitor=visitor.strip(), note=note.strip(), first_step=card.first_step,
        channels=(channel_of(channel, pack),) if channel else (), basis=tuple(map(kb.corpus.citation, card.basis)),
        more_limits=more_limits,
        limit_note=limit_note)


def _article_body(article: SheetArticle) -> list[str]:
    """The article's paragraphs, without the 「第三十五条」 its text opens with (the heading says it)."""
    label = article.citation.rsplit("》", 1)[-1]
    text = article.text.removeprefix(label).lstrip() if article.text.startswith(label + " ") else article.text
    return [p.strip() for p in text.split("\n") if p.strip()]


def group_citations(citations: tuple[str, ...]) -> str:
    """「《劳动争议调解仲裁法》第二条、第五条；《行政诉讼法》第四十五条」: each law named once, in order."""
    laws: dict[str, list[str]] = {}
    for c in citations:
        law, _, label = c.rpartition("》")
        laws.setdefault(law + "》", []).append(label)
    return "；".join(law + "、".join(labels) for law, labels in laws.items())


@functools.lru_cache(maxsize=1)
def _env() -> Environment:
    # autoescape on for everything: the officer's words go into the page
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, trim_blocks=True, lstrip_blocks=True)
    env.filters["date_text"] = date_text
    env.filters["article_body"] = _article_body
    env.filters["group_citations"] = group_citations
    return env


def render_html(sheet: Sheet, *, for_pdf: bool = False) -> str:
    """The sheet as one self-contained HTML page (its print CSS inline). ``for_pdf`` leaves out what
    only a screen shows (the hint to print)."""
    return _env().get_template("sheet.html").render(sheet=sheet, for_pdf=for_pdf)


@functools.lru_cache(maxsize=1)
def cjk_fonts_installed() -> bool:
    """Whether fontconfig (which WeasyPrint uses) knows a Noto CJK SC family; without fc-list, whether
    Debian's fonts-noto-cjk files are there."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return any(FONT_DIR.glob("Noto*CJK*"))
    try:
        families = subprocess.run([fc_list, ":lang=zh-cn", "family"], capture_output=True, text=True,
                                  timeout=20, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return any(FONT_DIR.glob("Noto*CJK*"))
    return any(f in families for f in CJK_FAMILIES)


def _layout(sheet: Sheet) -> Any:
    from weasyprint import HTML  # heavy import, only where a PDF is made

    return HTML(string=render_html(sheet, for_pdf=True), base_url=str(TEMPLATES)).render()


def _fit(sheet: Sheet) -> tuple[Sheet, Any]:
    """The sheet as it fits one A4 page, and its WeasyPrint layout: the last of its articles give way
    first, down to one; when even that runs on, the page is set in smaller type (``dense``) with as many
    articles as then fit. What still does not fit runs on to a second page."""
    if not cjk_fonts_installed():
        raise SheetFontError("服务器缺少中文字体（Noto Serif/Sans CJK SC），无法生成告知单 PDF；"
                             "请安装 fonts-noto-cjk（apt-get install fonts-noto-cjk）。")
    first: tuple[Sheet, Any] | None = None
    for dense in (True,) if sheet.dense else (False, True):   # a sheet fitted before stays as it was
        for n in range(len(sheet.articles), 0, -1) if sheet.articles else (0,):
            tried = replace(sheet, articles=sheet.articles[:n], dense=dense)
            doc = _layout(tried)
            first = first or (tried, doc)
            if len(doc.pages) == 1:
                return tried, doc
    logger.info("staff.sheet.over_one_page", extra={"route": sheet.route_id})
    assert first is not None
    return first


def fit_to_page(sheet: Sheet) -> Sheet:
    """The sheet as ``render_pdf`` prints it (fewer articles in full when they would not fit one page), for
    a browser-print page that should show the same. Raises SheetFontError as ``render_pdf`` does."""
    return _fit(sheet)[0]


def render_pdf(sheet: Sheet) -> bytes:
    """The sheet as one A4 page of PDF (WeasyPrint), its fonts embedded (subsets of Noto Serif/Sans CJK SC);
    articles the page cannot hold are cited, not printed (``fit_to_page``).

    Raises:
        SheetFontError: no Noto CJK SC font is installed (``apt-get install fonts-noto-cjk``): the PDF
            would otherwise come out with empty boxes for every Chinese character.
    """
    sheet, doc = _fit(sheet)
    pdf = bytes(doc.write_pdf() or b"")
    logger.info("staff.sheet.pdf", extra={"route": sheet.route_id, "bytes": len(pdf)})
    return pdf


__all__ = ["Sheet", "SheetArticle", "SheetError", "SheetFontError", "SheetLimit", "SheetOffice", "SheetStep",
           "UnknownRouteError", "cjk_fonts_installed", "find_pack", "fit_to_page", "render_html", "render_pdf", "sheet_from_route"]
