"""Route cards: the lawful routes a problem can take, each grounded in cited articles.

The build refuses a card that cites an article missing from the corpus or not in
force, or that states a time limit whose words are not in the article it cites.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .channels import Channel
from .corpus import SOURCES_DIR, Corpus
from .errors import SourceError
from .yamlpos import Located, load_located

ROUTES_DIR = SOURCES_DIR / "routes"
PERIOD_UNITS = ("day", "workday", "month", "year")


def load_route_ids(path: Path = SOURCES_DIR / "route_ids.yaml") -> dict[str, str]:
    """The contract route ids with their Chinese names, in spec order."""
    return dict(yaml.safe_load(path.read_text(encoding="utf-8")))


@dataclass(frozen=True)
class Period:
    amount: int
    unit: str  # day | workday | month | year

    @property
    def words(self) -> str:
        """「30日」「6个月」「1年」."""
        return f"{self.amount}{UNIT_WORDS[self.unit]}"


UNIT_WORDS = {"day": "日", "workday": "个工作日", "month": "个月", "year": "年"}


@dataclass(frozen=True)
class TimeLimit:
    label: str
    quote: str
    basis: str
    starts: str = ""
    period: Period | None = None
    # Labels of the card's limits that this one is an exception to: it is stated only when a person's
    # words name it, and then right after them (「抚养费」 names the rule that such claims are not subject
    # to the civil card's 诉讼时效; the three years still govern any other claim in the same matter).
    exception_to: tuple[str, ...] = ()
    # What stops the limit running out (仲裁时效、诉讼时效 are interrupted by a claim made to the other
    # side, among others): a last day computed from the start may not be the last day at all, so an
    # answer never declares such a limit passed without saying so. A verbatim quote and its article.
    interrupted_by: tuple[str, str] | None = None


QUOTE_GAP = "……"


def quoted_verbatim(quote: str, text: str) -> bool:
    """Whether ``quote`` stands in ``text``: as it is, or as pieces joined by 「……」, each verbatim and in order
    (「下列请求权不适用诉讼时效的规定：……（三）请求支付抚养费、赡养费或者扶养费」)."""
    at = 0
    for piece in quote.split(QUOTE_GAP):
        if not piece:
            return False
        found = text.find(piece, at)
        if found < 0:
            return False
        at = found + len(piece)
    return True


@dataclass(frozen=True)
class RouteCard:
    id: str
    name: str
    summary: str
    handled_by: str
    where: str
    materials: tuple[str, ...]
    fees: str | None
    time_limits: tuple[TimeLimit, ...]
    next_steps: str
    national_channel: str | None
    basis: tuple[str, ...]
    typical_claims: tuple[str, ...] = field(default=())
    first_step: str = ""    # the first thing to do, in plain words, for the short plan (≤ 40 characters)

    def search_text(self) -> str:
        """What retrieval and triage match a problem description against."""
        return " ".join([self.name, self.summary, " ".join(self.typical_claims), self.handled_by])


def _require_str(doc: Located, item: dict, key: str, *path: object) -> str:
    value = item.get(key)
    if not isinstance(value, str) or not value.strip():
        raise doc.error(f"{key!r} must be a non-empty string", *path, key)
    return value.strip()


def _opt_str(value: object) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def parse_route_card(doc: Located, corpus: Corpus, channels: dict[str, Channel],
                     route_ids: dict[str, str]) -> RouteCard:
    item = doc.data
    if not isinstance(item, dict):
        raise doc.error("a route card is a mapping")
    rid = _require_str(doc, item, "id")
    if rid not in route_ids:
        raise doc.error(f"unknown route id {rid!r} (see route_ids.yaml)", "id")
    if Path(doc.origin).stem != rid:
        raise doc.error(f"file name must be {rid}.yaml", "id")
    basis = tuple(item.get("basis") or ())
    for i, aid in enumerate(basis):
        if aid not in corpus.articles:
            raise doc.error(f"basis cites {aid!r}, which is not in the corpus", "basis", i)
        if not corpus.is_current(aid):
            raise doc.error(f"basis cites {aid!r} from a text that is no longer in force", "basis", i)
    limits: list[TimeLimit] = []
    for i, tl in enumerate(item.get("time_limits") or ()):
        path = ("time_limits", i)
        if not isinstance(tl, dict):
            raise doc.error("a time limit is a mapping", *path)
        label = _require_str(doc, tl, "label", *path)
        quote = _require_str(doc, tl, "quote", *path)
        tl_basis = _require_str(doc, tl, "basis", *path)
        if tl_basis not in basis:
            raise doc.error(f"time limit {label!r} cites {tl_basis!r}, which is not in the card's basis",
                            *path, "basis")
        if not quoted_verbatim(quote, corpus.article(tl_basis).text):
            raise doc.error(f"time limit {label!r}: quote {quote!r} is not in the text of {tl_basis}",
                            *path, "quote")
        period = None
        if tl.get("period"):
            p = tl["period"]
            if not isinstance(p, dict) or not isinstance(p.get("amount"), int) or p.get("unit") not in PERIOD_UNITS:
                raise doc.error(f"period must be {{amount: int, unit: {'|'.join(PERIOD_UNITS)}}}", *path, "period")
            period = Period(p["amount"], p["unit"])
        exception_to = tl.get("exception_to") or ()
        if isinstance(exception_to, str):
            exception_to = (exception_to,)
        if not isinstance(exception_to, (list, tuple)) or not all(isinstance(x, str) for x in exception_to):
            raise doc.error("exception_to must be a label or a list of labels", *path, "exception_to")
        interrupted_by = None
        if tl.get("interrupted_by") is not None:
            by = tl["interrupted_by"]
            if not isinstance(by, dict) or not isinstance(by.get("quote"), str) or not isinstance(by.get("basis"), str):
                raise doc.error("interrupted_by must be {quote, basis}", *path, "interrupted_by")
            if by["basis"] not in basis:
                raise doc.error(f"interrupted_by cites {by['basis']!r}, which is not in the card's basis",
                                *path, "interrupted_by")
            if not quoted_verbatim(by["quote"], corpus.article(by["basis"]).text):
                raise doc.error(f"interrupted_by: quote {by['quote']!r} is not in the text of {by['basis']}",
                                *path, "interrupted_by")
            interrupted_by = (by["quote"], by["basis"])
        limits.append(TimeLimit(label, quote, tl_basis, _opt_str(tl.get("starts")) or "", period,
                                tuple(exception_to), interrupted_by))
    labels = [tl.label for tl in limits]
    for i, tl in enumerate(limits):
        for other in tl.exception_to:
            if other == tl.label or other not in labels:
                raise doc.error(f"time limit {tl.label!r}: exception_to names {other!r}, which is not another "
                                "time limit of this card", "time_limits", i, "exception_to")
        if i == 0 and tl.exception_to:
            raise doc.error("the first time limit is the one a plain mention means; it cannot be an exception",
                            "time_limits", 0, "exception_to")
    channel = _opt_str(item.get("national_channel"))
    if channel and channel not in channels:
        raise doc.error(f"national_channel {channel!r} is not in channels.yaml", "national_channel")
    how = item.get("how_to_start") or {}
    if not isinstance(how, dict):
        raise doc.error("how_to_start must be a mapping", "how_to_start")
    return RouteCard(
        id=rid,
        name=_require_str(doc, item, "name"),
        summary=_require_str(doc, item, "summary"),
        handled_by=_opt_str(item.get("handled_by")) or "",
        where=_opt_str(how.get("where")) or "",
        materials=tuple(str(m) for m in how.get("materials") or ()),
        fees=_opt_str(how.get("fees")),
        time_limits=tuple(limits),
        next_steps=_opt_str(item.get("next_steps")) or "",
        national_channel=channel,
        basis=basis,
        typical_claims=tuple(str(c) for c in item.get("typical_claims") or ()),
        first_step=_first_step(doc, item),
    )


FIRST_STEP_MAX = 40


def _first_step(doc: Located, item: dict) -> str:
    step = _opt_str(item.get("first_step")) or ""
    if len(step) > FIRST_STEP_MAX:
        raise doc.error(f"first_step must be {FIRST_STEP_MAX} characters or fewer (the short plan is read on a phone)",
                        "first_step")
    return step


def load_routes(corpus: Corpus, channels: dict[str, Channel], routes_dir: Path = ROUTES_DIR,
                route_ids: dict[str, str] | None = None) -> dict[str, RouteCard]:
    """Load and validate every card; every contract route id must have one."""
    route_ids = route_ids or load_route_ids()
    cards: dict[str, RouteCard] = {}
    for path in sorted(routes_dir.glob("*.yaml")):
        card = parse_route_card(load_located(path), corpus, channels, route_ids)
        cards[card.id] = card
    missing = [r for r in route_ids if r not in cards]
    if missing:
        raise SourceError(str(routes_dir), 0, f"no route card for {missing}")
    return {rid: cards[rid] for rid in route_ids}
