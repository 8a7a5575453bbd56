"""Deadline help: “我10月8日收到处理意见，复查最晚哪天申请” → the date, the rule and the article."""

from __future__ import annotations

import datetime as dt

from knowledge.deadlines import APPEAL_NOT_ADMIN, answer_deadline

from .base import XinfangAction, find_pack, region_of
from .context import (
    DATE_REQUEST,
    how_long_a_step_takes,
    how_long_follow_up,
    how_long_of_nothing_named,
    remembered,
    with_matter,
)
from .render import DISCLAIMER, Reply, excerpt, legal_hotline, limit_line, limits_for

METHOD = ("计算方法：从 {start} 的次日起算第1天，按日历连续计算{unit_note}；期限的最后一天如遇法定节假日等特殊情况，"
          "以受理机关的认定为准。")
EARLY = "建议尽量提前办理，不要卡着最后一天。"   # not said once the last day has passed
UNIT_NOTE = {"day": "", "workday": "（只跳过周六、周日，未计入法定节假日）", "month": "（按月对应日）",
             "year": "（按年对应日）"}
URGENT_DAYS = 10   # this close to the last day the reply says how many days are left
MAX_LIMIT_LINES = 5
XINFANG_ROUTE = "xinfang"


def _fmt(d) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def days_left(last: dt.date, today: dt.date) -> int:
    return (last - today).days


def time_left(last: dt.date, today: dt.date, hotline: str) -> str | None:
    """How the last day stands against today: passed, today, or only a few days away.

    A passed limit is said plainly; whether a late request can still be made is not a rule the
    texts state, so the reply sends the person to ask rather than guessing.
    """
    days = days_left(last, today)
    if days < 0:
        return (f"按这样计算，这个期限已经在 {_fmt(last)} 届满了（今天是 {_fmt(today)}）。"
                f"过了期限还能不能提出、有没有别的办法，建议尽快拨打 {hotline} 或向受理机关问清楚。")
    if days == 0:
        return f"今天（{_fmt(today)}）就是最后一天，请抓紧在今天提出。"
    if days <= URGENT_DAYS:
        return f"距离最后一天只剩 {days} 天（今天是 {_fmt(today)}），请抓紧准备。"
    return None


def deadline_reply(rt, text: str, today=None, region: str | None = None) -> Reply:
    kb = rt.kb
    today = today or dt.date.today()
    found = answer_deadline(kb, text, today)
    reply = Reply("deadline")
    if found is None:
        # No time limit named: most likely a problem description; triage it and offer the calculator.
        from .triage import triage_reply

        reply = triage_reply(rt, text, rt.classifier.classify(text), region)
        reply.kind = "deadline"
        reply.texts.insert(len(reply.texts) - 1, "如需计算期限，请告诉我是哪个环节和日期，例如：“我10月8日收到信访处理意见，复查最晚哪天申请？”")
        return reply
    if found.limit is None:
        # a time limit the indexed texts do not contain (a civil appeal): never a computed date
        reply.needs_clarification = False
        reply.texts.append(f"{found.topic}的期限，我这里收录的法律条文里没有相应规定，不能替您计算日期，以免算错耽误您。"
                           f"请马上查看判决书、裁定书等文书上的告知内容，或拨打 {legal_hotline(kb)} 问清楚。"
                           + ("如果是告政府的行政案件，可以告诉我，我按《行政诉讼法》的规定帮您算。"
                              if found.topic == APPEAL_NOT_ADMIN else ""))
        reply.add_route(kb, kb.routes["legal_aid"], "期限问题可以先问公共法律服务热线", None)
        return reply
    card, limit = found.route, found.limit
    reply.cite(kb, limit.basis)
    reply.add_route(kb, card, f"{limit.label}的期限", None)
    rule = f"{kb.corpus.citation(limit.basis)}：“{limit.quote}”。"
    if found.start is None:
        reply.needs_clarification = True
        reply.texts.append(f"{limit.label}：{rule}\n{DATE_REQUEST}（例如“10月8日收到”），我帮您算出最后一天。")
        return reply
    reply.texts.append(f"{limit.label}：{rule}\n按您说的 {_fmt(found.start)} 计算，最晚应在 {_fmt(found.last_day)}"
                       f"（含当天）之前提出。")
    left = time_left(found.last_day, today, legal_hotline(kb))
    if left:
        reply.texts.append(left)
    method = METHOD.format(start=_fmt(found.start), unit_note=UNIT_NOTE[limit.period.unit])
    reply.texts.append(method + (EARLY if days_left(found.last_day, today) >= 0 else ""))
    reply.extra["deadline"] = {"start": found.start.isoformat(), "last_day": found.last_day.isoformat(),
                               "period": {"amount": limit.period.amount, "unit": limit.period.unit},
                               "basis": limit.basis, "days_left": days_left(found.last_day, today)}
    return reply


def time_limits_reply(rt, matter: str, region: str | None) -> Reply:
    """「那要多久」 after a matter: the time limits of the route for that matter, each with its article."""
    kb = rt.kb
    pack = find_pack(rt, region)
    everything = rt.classifier.classify(matter).ranking
    # crisis words in the matter got the help lines when they were said; the limits are the problem's
    ranking = [r for r in everything if r.route != "crisis"] or everything
    reply = Reply("answer")
    card = kb.routes[ranking[0].route]
    lead = f"就您前面说的“{excerpt(matter, 40)}”，按【{card.name}】办理"
    limits = limits_for(kb, card, matter)
    if limits:
        lines = [f"· {limit_line(kb, tl, with_start=True)}" for tl in limits[:MAX_LIMIT_LINES]]
        more = "\n（其余期限见办理途径卡片）" if len(limits) > MAX_LIMIT_LINES else ""
        reply.texts.append(f"{lead}，各环节的期限：\n" + "\n".join(lines) + more)
        for tl in limits:
            reply.cite(kb, tl.basis)
    else:
        reply.texts.append(f"{lead}。这条途径的办理期限，我收录的条文里没有规定，具体可以向办理机关或 "
                           f"{legal_hotline(kb, pack)} 问清楚。")
    reply.add_ranking(kb, ranking, pack, matter)
    reply.texts.append(DISCLAIMER.format(legal_hotline=legal_hotline(kb, pack)))
    return reply


def which_matter_reply(rt, region: str | None) -> Reply:
    """A how-long question that names no matter: the limits of 信访 itself (what this service is
    about, so the likeliest reading), each with its article, and a request to say what the matter
    is, since every other route has limits of its own."""
    kb = rt.kb
    pack = find_pack(rt, region)
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
    return reply


class ActionDeadline(XinfangAction):
    def name(self) -> str:
        return "action_deadline"

    def respond(self, rt, tracker, text):
        matter = how_long_follow_up(rt.kb, tracker, text)
        if matter:
            return time_limits_reply(rt, matter, region_of(tracker)), []
        if how_long_of_nothing_named(tracker, text):
            return which_matter_reply(rt, region_of(tracker)), []
        if how_long_a_step_takes(text):
            return time_limits_reply(rt, text, region_of(tracker)), remembered(text, text)
        # kept so that a date sent next (「10.8号收到的」) completes this question
        query = with_matter(tracker, text)
        return deadline_reply(rt, query, region=region_of(tracker)), remembered(query, text)
