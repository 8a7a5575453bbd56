"""What the route finder shows of a route: the card's facts, its limits with their articles, the local offices.

The ranking itself is the citizen assistant's (``Conversations.ask``, the same turn pipeline as
``/api/ask``); this only lays out, for the officer, what the knowledge base holds about each route.
"""

from __future__ import annotations

import datetime as dt

from knowledge.deadlines import kind_of_limit
from knowledge.kb import KnowledgeBase

from .sheet import office_of


def offices(kb: KnowledgeBase, route_id: str, region: str | None, today: dt.date | None = None) -> list[dict]:
    """The pack's offices for the route, each said verified or not by the rule the guidance sheet prints."""
    pack = kb.packs.get(region) if region else None
    if pack is None:
        return []
    today = today or dt.date.today()
    out = []
    for o in pack.offices_for(route_id):
        shown = office_of(o, pack, today)
        out.append({"name": o.name, "address": o.address, "phone": o.phone, "hours": o.hours, "online": o.online,
                    "note": o.note, "source": o.source, "verified": shown.verified, "checked": shown.checked,
                    "verified_on": o.verified_on.isoformat() if shown.verified else None,
                    "region": pack.region_name})
    return out


def route_view(kb: KnowledgeBase, route_id: str, region: str | None = None, why: str = "") -> dict:
    card = kb.routes[route_id]
    cite = kb.corpus.citation
    return {
        "id": card.id, "name": card.name, "why": why, "summary": card.summary, "handled_by": card.handled_by,
        "first_step": card.first_step, "where": card.where, "materials": list(card.materials), "fees": card.fees,
        "next_steps": card.next_steps,
        "limits": [{"label": tl.label, "period": tl.period.words if tl.period else None, "starts": tl.starts,
                    "quote": tl.quote, "basis": tl.basis, "citation": cite(tl.basis),
                    "deadline_kind": getattr(kind_of_limit(kb, card.id, tl), "id", None)}
                   for tl in card.time_limits],
        "basis": [{"id": aid, "citation": cite(aid)} for aid in card.basis],
        "offices": offices(kb, card.id, region),
    }


def regions(kb: KnowledgeBase) -> list[dict]:
    return [{"code": code, "name": p.region_name} for code, p in sorted(kb.packs.items())]
