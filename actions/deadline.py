"""Deadline help: “我10月8日收到处理意见，复查最晚哪天申请” → the date, the rule and the article."""

from __future__ import annotations

from knowledge.deadlines import answer_deadline

from .base import XinfangAction, region_of
from .render import Reply

METHOD = ("计算方法：从 {start} 的次日起算第1天，按日历连续计算{unit_note}；期限的最后一天如遇法定节假日等特殊情况，"
          "以受理机关的认定为准。建议尽量提前办理，不要卡着最后一天。")
UNIT_NOTE = {"day": "", "workday": "（只跳过周六、周日，未计入法定节假日）", "month": "（按月对应日）",
             "year": "（按年对应日）"}


def _fmt(d) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def deadline_reply(rt, text: str, today=None, region: str | None = None) -> Reply:
    kb = rt.kb
    found = answer_deadline(kb, text, today)
    reply = Reply("deadline")
    if found is None:
        # No time limit named: most likely a problem description; triage it and offer the calculator.
        from .triage import triage_reply

        reply = triage_reply(rt, text, rt.classifier.classify(text), region)
        reply.kind = "deadline"
        reply.texts.insert(len(reply.texts) - 1, "如需计算期限，请告诉我是哪个环节和日期，例如：“我10月8日收到信访处理意见，复查最晚哪天申请？”")
        return reply
    card, limit = found.route, found.limit
    reply.cite(kb, limit.basis)
    reply.add_route(kb, card, f"{limit.label}的期限", None)
    rule = f"{kb.corpus.citation(limit.basis)}：“{limit.quote}”。"
    if found.start is None:
        reply.needs_clarification = True
        reply.texts.append(f"{limit.label}：{rule}\n请告诉我具体日期（例如“10月8日收到”），我帮您算出最后一天。")
        return reply
    reply.texts.append(f"{limit.label}：{rule}\n按您说的 {_fmt(found.start)} 计算，最晚应在 {_fmt(found.last_day)}"
                       f"（含当天）之前提出。")
    reply.texts.append(METHOD.format(start=_fmt(found.start), unit_note=UNIT_NOTE[limit.period.unit]))
    reply.extra["deadline"] = {"start": found.start.isoformat(), "last_day": found.last_day.isoformat(),
                               "period": {"amount": limit.period.amount, "unit": limit.period.unit},
                               "basis": limit.basis}
    return reply


class ActionDeadline(XinfangAction):
    def name(self) -> str:
        return "action_deadline"

    def respond(self, rt, tracker, text):
        return deadline_reply(rt, text, region=region_of(tracker)), []
