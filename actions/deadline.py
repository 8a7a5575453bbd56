"""Deadline help: “我10月8日收到处理意见，复查最晚哪天申请” → the date, the rule and the article.

The limit is the person's own (工伤: the worker's year, not the employer's 30 days), chosen by
``sources/deadline_kinds.yaml``. A date told in an earlier turn counts when the question gives none
(the reply says which date it used). A limit that can be interrupted (仲裁时效、诉讼时效) is never
declared passed without saying what interrupts it.
"""

from __future__ import annotations

import datetime as dt

from knowledge.deadlines import (
    Counted,
    answer_deadline,
    counting_rule,
    date_text,
    find_limit,
    with_follow_up_date,
)

from .render import DISCLAIMER, Reply, excerpt, legal_hotline, limit_line, limits_for
from .turn import DATE_REQUEST, Matter, Turn

EARLY = "建议尽量提前办理，不要卡着最后一天。"   # not said once the last day has passed
URGENT_DAYS = 10   # this close to the last day the reply says how many days are left
DATE_REPLY_MAX_CHARS = 14   # a reply that gives only a date (「3月1号受的伤」)
MAX_LIMIT_LINES = 5
XINFANG_ROUTE = "xinfang"


def days_left(last: dt.date, today: dt.date) -> int:
    return (last - today).days


def time_left(last: dt.date, today: dt.date, hotline: str, interrupted_by: tuple[str, str] | None = None,
              citation: str = "") -> str | None:
    """How the last day stands against today: passed, today, or only a few days away.

    A passed limit is said plainly, unless the limit can be interrupted (then what interrupts it is
    quoted: a claim made to the other side restarts it, so it may well not have passed). Whether a
    late request can still be made is not a rule the texts state: the reply sends the person to ask.
    """
    days = days_left(last, today)
    if days < 0 and interrupted_by is not None:
        return (f"从这个日期算，{date_text(last)} 就满了；但这个时效可以中断：“{interrupted_by[0]}”（{citation}）。"
                f"如果这期间您向对方要过、向有关部门求助过，或者对方答应过给，时效可能还没过。请尽快拨打 {hotline} "
                "或向受理机关问清楚，不要自己放弃。")
    if days < 0:
        return (f"按这样计算，这个期限已经在 {date_text(last)} 届满了（今天是 {date_text(today)}）。"
                f"过了期限还能不能提出、有没有别的办法，建议尽快拨打 {hotline} 或向受理机关问清楚。")
    if days == 0:
        return f"今天（{date_text(today)}）就是最后一天，请抓紧在今天提出。"
    if days <= URGENT_DAYS:
        return f"距离最后一天只剩 {days} 天（今天是 {date_text(today)}），请抓紧准备。"
    return None


def last_day_note(counted: Counted) -> str:
    """What the person must know of the last day itself, beside it: a rest day it was moved from, one it
    was not moved from, a weekend that is a working day; the reasons are under 「怎么算的」."""
    if counted.moved:
        return f"（{date_text(counted.nominal)} 是{counted.rest_day}，顺延到其后第一个工作日）"
    if counted.rest_day:
        return f"（这天是{counted.rest_day}，没有替您顺延，办理机关可能不上班，请提前办）"
    if counted.working_weekend:
        return "（这天按放假安排是调休上班日）"
    return ""


def question_of(turn: Turn) -> str | None:
    """The text whose limit is asked: this one when it names a limit, else the matter with it
    (「最晚哪天」 after 「处理意见10月8日收到，想申请复查」), else this one when the matter's route has a
    limit of its own (``answer_deadline`` takes that route's first); None when nothing names one."""
    kb = turn.rt.kb
    if find_limit(kb, turn.text) is not None:
        return turn.text
    if turn.matter.text and not turn.words.names_topic(turn.text):
        joined = turn.with_matter()
        if find_limit(kb, joined) is not None:
            return joined
        if turn.matter.route and answer_deadline(kb, turn.text, turn.today, route=turn.matter.route):
            return turn.text
    return None


def deadline_reply(turn: Turn, text: str, known_start: dt.date | None = None, route: str | None = None) -> Reply:
    kb = turn.rt.kb
    today = turn.today
    found = answer_deadline(kb, text, today, known_start, route)
    reply = Reply("deadline")
    if found is None:
        reply.texts.append("请告诉我是哪个环节和日期，例如：“我10月8日收到信访处理意见，复查最晚哪天申请？”")
        return reply
    if found.limit is None:
        # a time limit the indexed texts do not contain (a civil appeal): never a computed date
        reply.texts.append(f"{found.topic}的期限，我这里收录的法律条文里没有相应规定，不能替您计算日期，以免算错耽误您。"
                           f"请马上查看判决书、裁定书等文书上的告知内容，或拨打 {legal_hotline(kb)} 问清楚。")
        reply.add_route(kb, kb.routes["legal_aid"], "期限问题可以先问公共法律服务热线", None)
        return reply
    card, limit = found.route, found.limit
    assert card is not None
    reply.cite(kb, limit.basis)
    reply.extra["quoted"] = [limit.basis]
    reply.add_route(kb, card, f"{limit.label}的期限", None)
    rule = f"{kb.corpus.citation(limit.basis)}：“{limit.quote}”。"
    # the article's other limits (the employer's 30 days beside the worker's year; the year when the
    # organ did not say one could apply for 复议, beside the 60 days): said beside the one computed
    others = [tl for tl in card.time_limits if tl.basis == limit.basis and tl.label != limit.label and tl.period]
    if found.start is None:
        reply.needs_clarification = True
        reply.texts.append(f"{limit.label}：{rule}\n{DATE_REQUEST}（例如“10月8日收到”），我帮您算出最后一天。")
        return reply
    said = "按您前面说的" if found.told_before else "按您说的"
    counted = found.counted
    assert found.last_day is not None and limit.period is not None and counted is not None
    if found.start > today:
        reply.needs_clarification = True
        reply.texts.append(f"{limit.label}：{rule}\n您说的 {date_text(found.start)} 还没到，请核对一下收到（或发生）的日期，"
                           "我再帮您算最后一天。")
        return reply
    reply.texts.append(f"{limit.label}：{rule}\n{said} {date_text(found.start)} 计算，最晚应在 {date_text(found.last_day)}"
                       f"（含当天）之前提出{last_day_note(counted)}。")
    if others:
        reply.texts.append("另外，同一条还规定：" + "；".join(limit_line(kb, tl) for tl in others)
                           + f"。上面算的是“{limit.label}”。")
    if limit.interrupted_by:
        reply.cite(kb, limit.interrupted_by[1])
    left = time_left(found.last_day, today, legal_hotline(kb), limit.interrupted_by,
                     kb.corpus.citation(limit.interrupted_by[1]) if limit.interrupted_by else "")
    if left:
        reply.texts.append(left)
    method, counting = counting_rule(counted, limit.period.unit, kb.corpus.citation)
    reply.detail("怎么算的", "计算方法：" + method + (EARLY if days_left(found.last_day, today) >= 0 else ""))
    for aid in counting:
        reply.cite(kb, aid)
    reply.extra["deadline"] = {"kind": found.kind, "start": found.start.isoformat(),
                               "last_day": found.last_day.isoformat(), "nominal_last_day": counted.nominal.isoformat(),
                               "moved_off_rest_day": counted.moved,
                               "calendar": {"source": counted.calendar, "estimated": counted.estimated},
                               "period": {"amount": limit.period.amount, "unit": limit.period.unit},
                               "basis": limit.basis, "days_left": days_left(found.last_day, today),
                               "interruptible": limit.interrupted_by is not None,
                               "date_told_before": found.told_before}
    return reply


def deadline(turn: Turn) -> tuple[Reply, Matter]:
    """「最晚哪天」: the limit the question (or the matter with it) names, from the date told now, or told
    before about the same matter (a date told for another route counts for nothing here).

    A question that names its own step and asks for the date is kept as the matter, so that a date
    sent next completes it; one that took its step from the matter's route keeps the matter."""
    kb = turn.rt.kb
    text = question_of(turn) or turn.text
    by_matter = text == turn.text and find_limit(kb, text) is None
    route = turn.matter.route if by_matter else None
    found = answer_deadline(kb, text, turn.today, route=route)
    same = found is not None and found.route is not None and found.route.id == turn.matter.route
    known = turn.matter.day if turn.date is None and same else None
    reply = deadline_reply(turn, text, known, route)
    if by_matter or (same and not reply.needs_clarification):
        return reply, turn.remembered()   # the same matter: its description, date and stage stay
    return reply, turn.remembered(text, reply.routes[0]["id"] if reply.routes else None)


def date_reply_question(turn: Turn) -> str | None:
    """The question a date-only reply completes: the earlier question (「复查最晚哪天申请」) with the date,
    or the date itself when the step came from the matter's route."""
    kb = turn.rt.kb
    joined = with_follow_up_date(kb, turn.matter.text, turn.text, turn.today)
    if joined is None and turn.matter.route and turn.date is not None and find_limit(kb, turn.text) is None \
            and len(turn.core) <= DATE_REPLY_MAX_CHARS and answer_deadline(kb, turn.text, turn.today,
                                                                           route=turn.matter.route):
        return turn.text
    return joined


def date_reply(turn: Turn) -> tuple[Reply, Matter]:
    """The date the bot asked for (「10.8号收到的」): completes the question asked before."""
    question = date_reply_question(turn) or turn.text
    by_matter = question == turn.text
    reply = deadline_reply(turn, question, route=turn.matter.route if by_matter else None)
    if by_matter:
        return reply, turn.remembered()
    return reply, turn.remembered(question, reply.routes[0]["id"] if reply.routes else None)


def time_limits_reply(turn: Turn, matter: str) -> Reply:
    """The time limits of the route for ``matter``, each with its article."""
    kb = turn.rt.kb
    pack = turn.pack
    ranking = [r for r in turn.classify(matter).ranking if r.route != "crisis"] or turn.classify(matter).ranking
    route = turn.matter.route if matter == turn.matter.text and turn.matter.route else ranking[0].route
    reply = Reply("answer")
    card = kb.routes[route]
    lead = (f"就您前面说的“{excerpt(matter, 40)}”，按【{card.name}】办理" if matter != turn.text
            else f"按【{card.name}】办理")
    limits = limits_for(kb, card, matter)
    if limits:
        lines = [f"· {limit_line(kb, tl, with_start=True)}" for tl in limits[:MAX_LIMIT_LINES]]
        more = "\n（其余期限见办理途径卡片）" if len(limits) > MAX_LIMIT_LINES else ""
        reply.texts.append(f"{lead}，各环节的期限：\n" + "\n".join(lines) + more)
        for tl in limits:
            reply.cite(kb, tl.basis)
        reply.extra["quoted"] = list(dict.fromkeys(tl.basis for tl in limits[:MAX_LIMIT_LINES]))
    else:
        reply.texts.append(f"{lead}。这条途径的办理期限，我收录的条文里没有规定，具体可以向办理机关或 "
                           f"{legal_hotline(kb, pack)} 问清楚。")
    reply.add_route(kb, card, card.summary, pack, matter)
    for r in ranking:
        reply.add_route(kb, kb.routes[r.route], kb.routes[r.route].summary, pack, matter)
    reply.cards = []   # the card was shown with the matter
    reply.texts.append(DISCLAIMER.format(legal_hotline=legal_hotline(kb, pack)))
    return reply


def step_limits(turn: Turn) -> tuple[Reply, Matter]:
    """「工伤认定一般多久能出结果」: how long a named step takes. The article that answers it first (the one
    retrieval finds and the question's words are checked against), then every limit of the step's route,
    folded under it; when no article speaks to it, the route's limits themselves."""
    from .answer import answer_question

    reply = answer_question(turn, turn.text, asked=turn.words.own_words(turn.text))
    limits = time_limits_reply(turn, turn.text)
    if reply.kind != "answer":
        reply = limits
    else:
        reply.detail("这条途径各环节的期限", limits.texts[0])
        for c in limits.citations:
            reply.cite(turn.rt.kb, c["id"])
    return reply, turn.remembered(turn.text, reply.routes[0]["id"] if reply.routes else None)


def matter_limits(turn: Turn) -> tuple[Reply, Matter]:
    """「那要多久」 after a matter: its route's limits; 「还有几天」 after a dated one: what is left of it."""
    matter = turn.matter.text or turn.text
    dated = answer_deadline(turn.rt.kb, matter, turn.today)
    if dated is not None and dated.start is not None:
        return deadline_reply(turn, matter), turn.remembered()
    return time_limits_reply(turn, matter), turn.remembered()


def which_matter(turn: Turn) -> tuple[Reply, Matter]:
    """A how-long question that names no matter: the limits of 信访 itself (what this service is
    about, so the likeliest reading), each with its article, and a request to say what the matter
    is, since every other route has limits of its own."""
    kb = turn.rt.kb
    pack = turn.pack
    card = kb.routes[XINFANG_ROUTE]
    reply = Reply("clarify", needs_clarification=True)
    lines = [f"· {limit_line(kb, tl, with_start=True)}" for tl in card.time_limits[:MAX_LIMIT_LINES]]
    reply.texts.append("不同的事走不同的途径，期限也各不相同。如果您问的是信访事项，各环节的期限是：\n" + "\n".join(lines))
    for tl in card.time_limits:
        reply.cite(kb, tl.basis)
    reply.texts.append("如果是别的事（比如欠工资要仲裁、对罚款不服要复议、要去法院起诉），请告诉我是什么事，"
                       "我按那条途径告诉您各环节的期限。")
    reply.add_route(kb, card, card.summary, pack)
    reply.texts.append(DISCLAIMER.format(legal_hotline=legal_hotline(kb, pack)))
    return reply, turn.remembered()
