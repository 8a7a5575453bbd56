"""Local information from a region's pack; without one, the kind of office and the national channel."""

from __future__ import annotations

from .answer import answer_inside
from .render import Reply, channels_for
from .turn import Matter, Turn


def not_published(turn: Turn, pack) -> list[str]:
    """What the text asks about the offices (hours, phone, address) that no office of the pack states."""
    fields = turn.words.office_fields
    return [f.label for f in fields
            if f.words.search(turn.text) and not any(getattr(o, f.field) for o in pack.offices)]


def covered(turn: Turn) -> str:
    """Which regions have a pack, so the person knows what asking for a region can bring."""
    names = sorted(p.region_name for p in turn.rt.kb.packs.values())
    return f"目前收录了本地信息的地区：{'、'.join(names)}。" if names else ""


def local(turn: Turn) -> tuple[Reply, Matter]:
    kb = turn.rt.kb
    pack = turn.pack
    reply = Reply("local")
    triage = turn.classify(turn.matter.text if turn.follows_up and turn.matter.text else turn.text)
    route = turn.matter.route if turn.follows_up and turn.matter.route else \
        next((r.route for r in triage.ranking if r.route != "crisis"), "xinfang")
    card = kb.routes[route]
    human = list(turn.words.human_channels)
    if pack is None:
        where = f"“{turn.region}”" if turn.region else "您所在的地区"
        who = (card.handled_by or card.name).rstrip("。；;，, ")
        reply.texts.append(f"我这里暂未收录{where}的具体地址和电话，不能替您编造。这类事项由哪里办理，规定如下：\n{who}。")
        lines = channels_for(kb, [c for c in [card.national_channel, *human] if c])
        reply.texts.append("可以先通过这些全国性渠道咨询：\n" + "\n".join(dict.fromkeys(lines)))
        if not turn.region:
            reply.needs_clarification = True
            reply.texts.append("告诉我您在哪个区县，我看看有没有当地的信息。" + covered(turn))
        inside = answer_inside(turn, turn.text)
        if inside is not None:   # 「公司在深圳，我在东莞上班，仲裁去哪边申请」: what the texts say of where (管辖)
            title, body, cited = inside
            reply.detail(title, body)
            reply.extra["quoted"] = cited
            for aid in cited:
                reply.cite(kb, aid)
    else:
        lines = []
        for o in pack.offices:
            contact = "，".join(x for x in (o.address, o.phone, o.hours, o.online) if x)
            lines.append(f"· {o.name}" + (f"：{contact}" if contact else "（具体地址、电话以该单位公布为准）"))
        checked = "信息待核实，以当地公布为准" if pack.sample else f"核对日期 {pack.updated_on}"
        reply.texts.append(f"{pack.region_name}的信息（来源：{pack.maintainer}；{checked}）：\n" + "\n".join(lines))
        missing = not_published(turn, pack)
        if missing:
            # 「三门峡的信访接待中心几点上班」: said plainly, not left for the person to infer from a list
            reply.texts.append(f"您问的{'、'.join(missing)}，当地公开的材料里没有写明，我不能替您编造；"
                               f"可以打 {channels_for(kb, ['hotline_12345'], pack)[0]} 问一问，或以该单位公布的为准。")
        if pack.rules:
            reply.detail("当地做法", "\n".join(f"· {r.title}：{r.text}" for r in pack.rules[:4]))
        reply.extra["region"] = {"code": pack.region_code, "name": pack.region_name}
    reply.add_route(kb, card, card.summary, pack)
    return reply, turn.remembered()
