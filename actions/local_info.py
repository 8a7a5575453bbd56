"""Local information from a region's pack; without one, the kind of office and the national channel."""

from __future__ import annotations

import re

from .base import HUMAN_CHANNELS, XinfangAction, find_pack, region_of
from .render import Reply, channels_for

# What a person may ask about an office (its pack field, and the words for it in a reply)
ASKED_FIELDS = (("hours", re.compile("几点|上班|下班|开门|关门|时间|周末|星期|礼拜"), "接待时间"),
                ("phone", re.compile("电话|号码|手机|打给"), "电话"),
                ("address", re.compile("地址|在哪|什么地方|怎么走|位置"), "地址"))


def not_published(pack, text: str) -> list[str]:
    """What ``text`` asks about the offices (hours, phone, address) that no office of the pack states."""
    return [words for field, asks, words in ASKED_FIELDS
            if asks.search(text) and not any(getattr(o, field) for o in pack.offices)]


def covered(rt) -> str:
    """Which regions have a pack, so the person knows what asking for a region can bring."""
    names = sorted(p.region_name for p in rt.kb.packs.values())
    return f"目前收录了本地信息的地区：{'、'.join(names)}。" if names else ""


def local_reply(rt, text: str, region: str | None) -> Reply:
    kb = rt.kb
    pack = find_pack(rt, region)
    reply = Reply("local")
    triage = rt.classifier.classify(text)
    route = next((r.route for r in triage.ranking if r.route != "crisis"), "xinfang")
    card = kb.routes[route]
    if pack is None:
        where = f"“{region}”" if region else "您所在的地区"
        who = (card.handled_by or card.name).rstrip("。；;，, ")
        reply.texts.append(f"我这里暂未收录{where}的具体地址和电话，不能替您编造。这类事项由哪里办理，规定如下：\n{who}。")
        lines = channels_for(kb, [c for c in [card.national_channel, *HUMAN_CHANNELS] if c])
        reply.texts.append("可以先通过这些全国性渠道咨询：\n" + "\n".join(dict.fromkeys(lines)))
        if not region:
            reply.needs_clarification = True
            reply.texts.append("告诉我您在哪个区县，我看看有没有当地的信息。" + covered(rt))
    else:
        lines = []
        for o in pack.offices:
            contact = "，".join(x for x in (o.address, o.phone, o.hours, o.online) if x)
            lines.append(f"· {o.name}" + (f"：{contact}" if contact else "（具体地址、电话以该单位公布为准）"))
        reply.texts.append(f"{pack.region_name}的信息（来源：{pack.maintainer}；核对日期 {pack.updated_on}）：\n"
                           + "\n".join(lines))
        missing = not_published(pack, text)
        if missing:
            # 「三门峡的信访接待中心几点上班」: said plainly, not left for the person to infer from a list
            reply.texts.append(f"您问的{'、'.join(missing)}，当地公开的材料里没有写明，我不能替您编造；"
                               f"可以打 {channels_for(kb, ['hotline_12345'], pack)[0]} 问一问，或以该单位公布的为准。")
        if pack.rules:
            reply.texts.append("当地做法：\n" + "\n".join(f"· {r.title}：{r.text}" for r in pack.rules[:4]))
        reply.extra["region"] = {"code": pack.region_code, "name": pack.region_name}
    reply.add_route(kb, card, card.summary, pack)
    return reply


class ActionLocalInfo(XinfangAction):
    def name(self) -> str:
        return "action_local_info"

    def respond(self, rt, tracker, text):
        return local_reply(rt, text, region_of(tracker)), []
