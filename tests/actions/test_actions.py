import datetime as dt
import re

import pytest

from actions.base import next_action
from actions.deadline import deadline_reply
from actions.dialogue import (
    ActionAnswer,
    ActionCrisis,
    ActionDeadline,
    ActionFallback,
    ActionHumanHelp,
    ActionLocalInfo,
    ActionSteer,
    ActionTriage,
    ActionTriageAnswer,
    ActionWelcome,
)
from actions.triage import ValidateTriageForm
from tests.actions.conftest import run, tracker, turn_for, words

PHONE = re.compile(r"\d{3,4}-\d{7,8}|1[3-9]\d{9}")


def assert_citations_are_real(payload, real_kb):
    for c in payload["citations"]:
        art = real_kb.corpus.article(c["id"])
        assert c["article"] == art.number and c["citation"] == real_kb.corpus.citation(c["id"])
        assert "text" not in c   # the service adds the text (bot/conversation): the engine never carries it
        assert real_kb.corpus.is_current(c["id"])


async def test_welcome_has_disclaimer_privacy_notice_and_quick_replies():
    texts, events, payload = await run(ActionWelcome(), "你好", intent="greet")
    joined = "".join(m["text"] for m in texts)
    assert "不是个案法律意见" in joined and "身份证号" in joined
    assert texts[-1]["buttons"] and payload["kind"] == "welcome"


async def test_procedure_answer_quotes_its_article(real_kb):
    texts, events, payload = await run(ActionAnswer(), "对信访处理意见不服怎么办")
    assert payload["citations"] and payload["routes"]
    assert_citations_are_real(payload, real_kb)
    assert {"event": "slot", "timestamp": None, "name": "problem_text", "value": "对信访处理意见不服怎么办"} in events
    assert "依据" in texts[0]["text"] or "规定" in texts[0]["text"]


@pytest.mark.parametrize("text", ["我不想活了，公司欠我工资三个月", "他们逼得我想跳楼"])
async def test_crisis_comes_first_whatever_the_action(text):
    texts, _, payload = await run(ActionTriage(), text, intent="describe_problem")
    assert "110" in texts[0]["text"] and "120" in texts[0]["text"]
    assert payload["routes"][0]["id"] == "crisis"


async def test_crisis_action_names_help_lines_and_closes_the_form():
    texts, events, payload = await run(ActionCrisis(), "有人拿刀威胁我", intent="crisis")
    assert payload["kind"] == "crisis" and "110" in texts[0]["text"]
    assert any(e.get("name") == "requested_slot" for e in events)


async def test_clear_problem_is_answered_with_route_deadline_and_citations(real_kb):
    texts, events, payload = await run(ActionTriage(), "公司拖欠我三个月工资，老板一直不给", intent="describe_problem",
                                       slots={"problem_domain": "labor"})
    assert not payload["needs_clarification"]
    ids = [r["id"] for r in payload["routes"]]
    assert "labor_arbitration" in ids[:3] or "labor_inspection" in ids[:3]
    assert_citations_are_real(payload, real_kb)
    assert not any(e.get("event") == "active_loop" for e in events)
    card = payload["cards"][0]
    assert card["basis"] and all(real_kb.corpus.is_current(b["id"]) for b in card["basis"])


async def test_vague_problem_asks_but_still_gives_best_guess(rt, monkeypatch):
    from knowledge.triage import Triage

    original = rt.classifier.classify
    monkeypatch.setattr(rt.classifier, "classify",
                        lambda *a, **k: Triage(original(*a, **k).ranking, None, "ask"))
    texts, events, payload = await run(ActionTriage(), "我有个事想问问", intent="describe_problem")
    assert payload["needs_clarification"] is True and payload["routes"]
    assert {"event": "active_loop", "timestamp": None, "name": "triage_form"} in events


async def test_form_answer_uses_domain_and_status_and_resets_slots():
    texts, events, payload = await run(ActionTriageAnswer(), "好的", intent="inform",
                                       slots={"problem_text": "我对处理结果不服", "problem_domain": "other",
                                              "case_status": "xinfang_answered"})
    assert payload["routes"][0]["id"] == "xinfang_review"
    assert {e["name"] for e in events if e["event"] == "slot"} >= {"problem_domain", "case_status"}


async def test_form_validation_never_asks_a_third_question():
    form = ValidateTriageForm()
    t = tracker("嗯……说不清楚", intent="inform", slots={"requested_slot": "problem_domain"})
    assert await form.extract_problem_domain(None, t, {}) == {"problem_domain": "other"}
    t = tracker("老板不给钱", intent="inform", slots={"requested_slot": "problem_domain"})
    assert await form.extract_problem_domain(None, t, {}) == {"problem_domain": "labor"}
    assert form.validate_case_status("whatever", None, t, {}) == {"case_status": "none"}
    t = tracker("没有", intent="deny", slots={"requested_slot": "case_status"})
    assert await form.extract_case_status(None, t, {}) == {"case_status": "none"}
    t = tracker("是工资的事", intent="describe_problem", slots={"requested_slot": "problem_domain"})
    assert await form.extract_problem_domain(None, t, {}) == {"problem_domain": "labor"}


@pytest.mark.parametrize("text,intent", [
    ("我真的不想活了", "crisis"),
    ("我不想活了，就是工资的事", "describe_problem"),   # crisis words are never an answer
    ("对信访处理意见不服怎么办", "ask_law"),
    ("你们不管我就去北京", "threaten_escalation"),
    ("你好", "greet"),
    ("我家楼上天天漏水没人管", "describe_problem"),    # names no kind of matter: a new story
])
async def test_what_is_not_an_answer_leaves_the_question_open(text, intent):
    """The form then rejects the turn, and the rules for an interrupted form answer it."""
    form = ValidateTriageForm()
    t = tracker(text, intent=intent, slots={"requested_slot": "problem_domain"})
    assert await form.extract_problem_domain(None, t, {}) == {}
    t = tracker(text, intent=intent, slots={"requested_slot": "case_status", "problem_domain": "other"})
    assert await form.extract_case_status(None, t, {}) == {}


@pytest.mark.parametrize("text,start,last,basis", [
    # 11-07 is a Saturday: 信访工作条例 says nothing of rest days, so the last day is not moved
    ("我10月8日收到处理意见，复查最晚哪天申请", "2026-10-08", "2026-11-07", "xinfang_gongzuo_tiaoli_2022#35"),
    ("2026年1月31日收到复查意见，要复核最晚什么时候", "2026-01-31", "2026-03-02", "xinfang_gongzuo_tiaoli_2022#36"),
    ("十月八号收到的罚款决定，行政复议最晚啥时候", "2026-10-08", "2026-12-07", "xingzheng_fuyi_fa_2023#20"),
    # after a decision: the time to sue it, not the time to apply for the step that made it
    ("劳动仲裁裁决书11月10日收到，不服起诉最晚哪天", "2026-11-10", "2026-11-25", "laodong_zhengyi_tiaojie_zhongcai_fa#50"),
    ("复议决定书11月5日收到不服，起诉法院最晚哪天", "2026-11-05", "2026-11-20", "xingzheng_susong_fa_2017#45"),
    ("告政府的官司一审判决11月12号收到，上诉最晚哪天", "2026-11-12", "2026-11-27", "xingzheng_susong_fa_2017#85"),
    # 10 days end on Sunday 11-22: a procedural period moves to the working day after (民事诉讼法第八十五条)
    ("行政案件的一审裁定11月12号送达，上诉最晚哪天", "2026-11-12", "2026-11-23", "xingzheng_susong_fa_2017#85"),
    ("承包地的仲裁裁决书11月1日收到，去法院起诉最晚哪天", "2026-11-01", "2026-12-01",
     "nongcun_tudi_chengbao_jiufen_tiaojie_zhongcai_fa#48"),
    ("终局裁决书11月1日收到，我不服，去法院起诉最晚哪天", "2026-11-01", "2026-11-16",
     "laodong_zhengyi_tiaojie_zhongcai_fa#48"),
    # a fine, not a 复议 decision: the 60 days to apply for 复议
    ("10月1日收到罚款决定书，想申请复议还是直接起诉，最晚哪天", "2026-10-01", "2026-11-30", "xingzheng_fuyi_fa_2023#20"),
    # the appeal stage after a 复议 decision was sued: 裁定 10 days
    ("不服复议决定起诉了，一审裁定11月12号送达，上诉最晚哪天", "2026-11-12", "2026-11-23", "xingzheng_susong_fa_2017#85"),
    # a written date wins over 今天 in the same text
    ("10月8日收到处理意见，今天想问复查最晚哪天", "2026-10-08", "2026-11-07", "xinfang_gongzuo_tiaoli_2022#35"),
    ("上个月15号收到复查意见，复核最晚啥时候", "2026-10-15", "2026-11-14", "xinfang_gongzuo_tiaoli_2022#36"),
    # so many days after receiving it (today is 2026-11-21)
    ("处理意见收到都40天了 还能申请复查不", "2026-10-12", "2026-11-11", "xinfang_gongzuo_tiaoli_2022#35"),
    ("复查意见下来二十天了，复核最晚哪天", "2026-11-01", "2026-12-01", "xinfang_gongzuo_tiaoli_2022#36"),
])
async def test_deadline_is_computed_with_rule_and_article(text, start, last, basis):
    reply = deadline_reply(turn_for(text, today=dt.date(2026, 11, 21)), text)
    assert reply.extra["deadline"]["start"] == start and reply.extra["deadline"]["last_day"] == last
    assert reply.extra["deadline"]["basis"] == basis and reply.citations[0]["id"] == basis
    y, m, d = (int(x) for x in last.split("-"))
    assert f"{y}年{m}月{d}日" in reply.texts[0]


@pytest.mark.parametrize("today,expect", [
    (dt.date(2026, 11, 22), "已经在 2026年11月7日 届满"),
    (dt.date(2026, 11, 7), "今天（2026年11月7日）就是最后一天"),
    (dt.date(2026, 11, 1), "只剩 6 天"),
    (dt.date(2026, 10, 9), None),
])
async def test_deadline_says_when_the_last_day_has_passed_or_is_close(today, expect):
    text = "我10月8日收到处理意见，复查最晚哪天申请"
    reply = deadline_reply(turn_for(text, today=today), text)
    assert reply.extra["deadline"]["last_day"] == "2026-11-07"
    assert reply.extra["deadline"]["days_left"] == (dt.date(2026, 11, 7) - today).days
    said = [t for t in reply.texts if "届满" in t or "就是最后一天" in t or "只剩" in t]
    if expect is None:
        assert not said
    else:
        assert len(said) == 1 and expect in said[0]
    if expect and "届满" in expect:
        assert "12348" in said[0]   # where to ask; no rule about late requests is made up
    assert any("不要卡着最后一天" in d["text"] for d in reply.details) == (today <= dt.date(2026, 11, 7))


@pytest.mark.parametrize("text", [
    "11月10日一审判了，我儿子被判刑三年，上诉最晚哪天",       # a criminal appeal
    "仲裁裁决出来了，对方不履行，申请法院强制执行最晚哪天",
])
async def test_a_limit_the_texts_do_not_contain_is_never_computed(text):
    # those periods are not in the indexed texts: no date, no borrowed rule
    texts, _, payload = await run(ActionDeadline(), text, intent="ask_deadline")
    joined = "".join(t["text"] for t in texts)
    assert "不能替您计算" in joined and "12348" in joined
    assert "deadline" not in payload and not re.search(r"\d{4}年\d{1,2}月\d{1,2}日", joined)
    assert all("再审" not in c["text"] for c in payload["citations"])


@pytest.mark.parametrize("text,last,kind", [
    ("一审判决书11月12号收到的，上诉最晚哪天", "2026-11-27", "civil_appeal_judgment"),   # 民事诉讼法第一百七十一条
    ("民事案子一审裁定11月12号送达，上诉最晚哪天", "2026-11-23", "civil_appeal_ruling"),   # 11-22: a Sunday
])
async def test_a_civil_appeal_is_computed_from_its_article(text, last, kind):
    reply = deadline_reply(turn_for(text, today=dt.date(2026, 11, 21)), text)
    assert reply.extra["deadline"]["last_day"] == last and reply.extra["deadline"]["kind"] == kind
    assert reply.citations[0]["id"] == "qijian_jisuan_minfadian_minsufa#171"
    assert "《民事诉讼法》第一百七十一条" in reply.texts[0]


def after_asking(text: str, intent: str, asked: bool = True, problem: str = "复查最晚哪天申请"):
    """A tracker whose last bot turn asked (or did not ask) for the date of ``problem``."""
    from rasa_sdk import Tracker

    from actions.turn import DATE_REQUEST

    bot = f"请求复查：……\n{DATE_REQUEST}（例如“10月8日收到”），我帮您算出最后一天。" if asked else "好的。"
    events = [{"event": "user", "text": problem}, {"event": "bot", "text": bot}, {"event": "user", "text": text}]
    return Tracker("tester", {"problem_text": problem}, {"text": text, "intent": {"name": intent, "confidence": 0.9},
                   "entities": [], "metadata": {}}, events, False, None, {}, "action_listen")


async def test_a_date_sent_after_the_bot_asked_for_it_completes_the_deadline_question():
    # 「复查最晚哪天申请」 asked for the date; the reply is read with it, whatever the reply's intent
    from rasa_sdk.executor import CollectingDispatcher

    for action, intent in ((ActionTriage(), "describe_problem"), (ActionFallback(), "nlu_fallback"),
                           (ActionDeadline(), "ask_deadline")):
        d = CollectingDispatcher()
        events = await action.run(d, after_asking("10.8号收到的", intent), {})
        payload = [m["custom"]["xinfang"] for m in d.messages if m.get("custom")][-1]
        assert payload["deadline"]["start"].endswith("-10-08") and payload["deadline"]["basis"].endswith("#35")
        assert followups(events) == ["action_listen"]
    # not when the bot did not just ask, and not for a new question of its own
    for tracker_, action in ((after_asking("10.8号收到的", "describe_problem", asked=False), ActionTriage()),
                             (after_asking("公司欠我工资，老板11月1号跑了", "describe_problem"), ActionTriage()),
                             (after_asking("今天就去北京", "threaten_escalation"), ActionSteer())):
        d = CollectingDispatcher()
        await action.run(d, tracker_, {})
        assert "deadline" not in [m["custom"]["xinfang"] for m in d.messages if m.get("custom")][-1]


async def test_deadline_without_a_date_asks_for_it():
    texts, _, payload = await run(ActionDeadline(), "复查最晚哪天申请", intent="ask_deadline")
    assert payload["needs_clarification"] and "日期" in texts[0]["text"]


async def test_local_info_uses_the_pack_and_invents_nothing():
    texts, _, payload = await run(ActionLocalInfo(), "湖里区信访局在哪", intent="ask_local_office",
                                  slots={"region": "湖里区"})
    joined = "".join(t["text"] for t in texts)
    assert "湖里区信访局" in joined and not PHONE.search(joined)
    assert payload["region"]["code"] == "350206"


async def test_local_info_without_a_pack_names_the_kind_of_office_and_national_channel():
    texts, _, payload = await run(ActionLocalInfo(), "海淀区的信访接待在哪", intent="ask_local_office",
                                  slots={"region": "海淀区"})
    joined = "".join(t["text"] for t in texts)
    assert "暂未收录" in joined and "12345" in joined and not PHONE.search(joined)
    assert "办理。办理" not in joined and "。。" not in joined


# A region comes from the widget's metadata or the NLU's entity; a forged one (「/greet{"region": …}」
# before issue 19, or a Rasa client of its own) is no code and no place name: ignored, never echoed.
FORGED_REGIONS = ["<script>alert(1)</script>", '{"a": 1}', "湖里区\n请拨打 110", "x" * 40, 350206, ["350206"]]


@pytest.mark.parametrize("region", FORGED_REGIONS)
@pytest.mark.parametrize("where", ["slots", "metadata"])
async def test_a_forged_region_is_ignored(region, where):
    texts, _, payload = await run(ActionLocalInfo(), "信访局在哪", intent="ask_local_office", **{where: {"region": region}})
    joined = "".join(t["text"] for t in texts)
    assert "您所在的地区" in joined and "region" not in payload
    assert "<script>" not in joined and "110" not in joined.replace("12345", "")
    assert turn_for("信访局在哪", **{where: {"region": region}}).region is None


@pytest.mark.parametrize("region,code", [("350206", "350206"), (" 湖里区 ", "350206"), ("湖里", "350206")])
async def test_a_region_by_code_or_name_still_finds_its_pack(region, code):
    _, _, payload = await run(ActionLocalInfo(), "信访局在哪", intent="ask_local_office", slots={"region": region})
    assert payload["region"]["code"] == code


async def test_without_a_pack_what_the_texts_say_of_where_folds_under_the_offices():
    texts, _, payload = await run(ActionLocalInfo(), "单位在广州注册，我在佛山上班，劳动仲裁该找哪边", intent="ask_local_office")
    joined = "".join(t["text"] for t in texts)
    assert "暂未收录" in joined and "12345" in joined   # the office list stays the answer
    details = "".join(d["text"] for d in payload["details"])
    assert "第二十一条" in details and payload["citations"][0]["id"] == "laodong_zhengyi_tiaojie_zhongcai_fa#21"



def test_every_escalation_example_names_an_escalation_word():
    import yaml

    from tests.paths import ROOT

    data = yaml.safe_load((ROOT / "data" / "nlu" / "escalation.yml").read_text(encoding="utf-8"))
    examples = [line[2:].strip() for block in data["nlu"] if block.get("intent") == "threaten_escalation"
                for line in block["examples"].splitlines() if line.startswith("- ")]
    assert len(examples) > 40 and [e for e in examples if not words().has("escalation", e)] == []


async def test_a_problem_read_as_escalation_without_escalation_words_is_answered_as_a_problem():
    text = "他们说是民事纠纷让我自己解决"
    texts, events, payload = await run(ActionSteer(), text, intent="threaten_escalation")
    joined = "".join(t["text"] for t in texts)
    assert payload["kind"] != "steer" and "第二十六条" not in joined and "理解您着急的心情" not in joined
    assert payload["routes"] and {"people_mediation", "civil_litigation"} & {r["id"] for r in payload["routes"][:2]}
    assert {"event": "slot", "name": "problem_text", "value": text} in [
        {k: e.get(k) for k in ("event", "name", "value")} for e in events]


@pytest.mark.parametrize("text", ["不解决我就去省政府讨个说法", "再拖我们就去要个说法", "明天我们一起去县政府"])
def test_escalation_words_are_found_in_their_everyday_forms(text):
    assert words().has("escalation", text)


@pytest.mark.parametrize("text", ["村委会说让我们自己解决", "他们说是民事纠纷让我自己解决", "有点事想问问"])
async def test_a_problem_read_as_escalation_is_triaged_like_any_description(text):
    # the clarifying questions too when it is vague (an ActiveLoop among the events)
    steered = await run(ActionSteer(), text, intent="threaten_escalation")
    triaged = await run(ActionTriage(), text, intent="threaten_escalation")
    assert steered == triaged and steered[2]["kind"] in ("triage", "clarify")


async def test_inside_the_form_a_problem_read_as_escalation_is_answered_with_the_matter_being_clarified():
    from rasa_sdk import Tracker
    from rasa_sdk.executor import CollectingDispatcher

    t = Tracker("tester", {"problem_text": "邻居家的树长到我家院子里了"},
                {"text": "村委会说让我们自己解决", "intent": {"name": "threaten_escalation", "confidence": 0.6},
                 "entities": [], "metadata": {}}, [], False, None, {"name": "triage_form"}, "action_listen")
    d = CollectingDispatcher()
    events = await ActionSteer().run(d, t, {})
    payload = [m["custom"]["xinfang"] for m in d.messages if m.get("custom")][-1]
    assert payload["kind"] == "triage" and not [e for e in events if e.get("event") == "active_loop"]
    assert [e["value"] for e in events if e.get("name") == "problem_text"] == ["邻居家的树长到我家院子里了，村委会说让我们自己解决"]

async def test_escalation_gets_the_route_first_then_the_rules_without_threats(real_kb):
    texts, _, payload = await run(ActionSteer(), "工资一直不给，我要去北京上访，堵他们政府大门", intent="threaten_escalation")
    assert payload["routes"] and payload["routes"][0]["id"] != "xinfang"
    cited = {c["id"] for c in payload["citations"]}
    assert {"xinfang_gongzuo_tiaoli_2022#26", "xinfang_gongzuo_tiaoli_2022#47"} <= cited
    joined = "".join(t["text"] for t in texts) + "".join(d["text"] for d in payload["details"])
    assert joined.index("建议先走") < joined.index("第二十六条")   # the plan first, the rules folded under it
    for word in ("后果自负", "严厉打击", "警告你"):
        assert word not in joined


@pytest.mark.parametrize("text", ["在饭馆吃饭和人起了冲突，被他们几个打得头破血流", "网上买东西被骗了三千块"])
async def test_harm_told_is_never_brushed_off_as_out_of_scope(text):
    texts, _, payload = await run(ActionFallback(), text, intent="out_of_scope")
    assert payload["kind"] in ("triage", "clarify") and payload["routes"]
    assert "帮不上忙" not in "".join(t["text"] for t in texts)


def test_no_out_of_scope_or_small_talk_example_reads_as_harm():
    import yaml

    from tests.paths import ROOT

    examples = []
    for name in ("out_of_scope.yml", "chitchat.yml"):
        data = yaml.safe_load((ROOT / "data" / "nlu" / name).read_text(encoding="utf-8"))
        examples += [line[2:].strip() for block in data["nlu"] for line in block.get("examples", "").splitlines()
                     if line.startswith("- ")]
    assert len(examples) > 150 and [e for e in examples if words().has("harm", e)] == []


async def test_out_of_scope_is_short_with_no_routes():
    texts, _, payload = await run(ActionFallback(), "帮我点个外卖", intent="out_of_scope")
    assert payload["routes"] == [] and len(texts) == 1


async def test_fallback_shows_closest_provisions_and_human_channels():
    texts, _, payload = await run(ActionFallback(), "信访和那个什么的关系", intent="nlu_fallback")
    joined = "".join(t["text"] for t in texts)
    assert "12345" in joined and "12348" in joined
    assert payload["citations"]  # the closest provisions, as citations


@pytest.mark.parametrize(("text", "intent"), [("好的", "affirm"), ("嗯嗯。", "affirm"), ("不对不对", "deny"),
                                             ("不是不是", "deny"), ("还没有呢", "deny"), ("👍", "affirm")])
async def test_a_bare_yes_or_no_is_acknowledged_without_provisions(text, intent):
    texts, _, payload = await run(ActionFallback(), text, intent=intent)
    assert payload["kind"] == "ack" and payload["citations"] == [] and payload["routes"] == []
    assert len(texts) == 1 and "规定" not in texts[0]["text"] and "第" not in texts[0]["text"]


@pytest.mark.parametrize(("text", "kind"), [("不对，应该找谁", "fallback"), ("好的，那怎么复查", "answer"),
                                           ("对，是30天吗", "fallback")])
async def test_a_short_question_taken_for_a_yes_or_no_is_not_brushed_off(text, kind):
    # one that names a procedure is answered from the article that speaks to it (复查: 第三十五条)
    texts, _, payload = await run(ActionFallback(), text, intent="deny")
    assert payload["kind"] == kind and payload["citations"]


async def test_an_unsure_question_about_a_procedure_is_answered_when_an_article_speaks_to_it():
    texts, events, payload = await run(ActionFallback(), "那去哪调解", intent="nlu_fallback")
    assert payload["kind"] == "answer" and payload["citations"][0]["id"].startswith("renmin_tiaojie_fa#")
    assert "没有把握" not in "".join(t["text"] for t in texts)
    # one no article speaks to still gets the fallback, and so do one that asks nothing and one
    # with no word of its own to check (the first article would be quoted unchecked)
    for text in ("信访局管饭吗", "信访的事我再想想", "信访政府管不管"):
        _, _, payload = await run(ActionFallback(), text, intent="nlu_fallback")
        assert payload["kind"] == "fallback", text


async def test_crisis_words_taken_for_a_yes_get_the_help_lines_and_no_acknowledgement():
    texts, _, payload = await run(ActionFallback(), "好 我去死", intent="affirm")
    assert "110" in texts[0]["text"] and payload["kind"] != "ack"
    assert not any(t["text"] in ("好的。", ) or t["text"].startswith("好的。还有想问的") for t in texts)


async def test_a_long_text_taken_for_a_no_still_gets_the_closest_provisions():
    texts, _, payload = await run(ActionFallback(), "不是这样的，我说的是单位不给我交社保的事情", intent="deny")
    assert payload["kind"] == "fallback" and payload["citations"]


async def test_human_help_lists_national_channels_with_grades():
    texts, _, _ = await run(ActionHumanHelp(), "转人工", intent="human_help")
    assert "12345" in texts[0]["text"]


async def test_an_error_inside_an_action_is_a_polite_message(monkeypatch, rt):
    def boom(*a, **k):
        raise RuntimeError("index exploded")

    monkeypatch.setattr(rt.retriever, "search", boom)
    texts, events, payload = await run(ActionAnswer(), "复查怎么申请")
    assert payload["kind"] == "error" and "index exploded" not in texts[0]["text"]


@pytest.mark.parametrize("confidence", [0.55, 0.99])
async def test_the_nlus_crisis_reading_alone_decides_nothing(confidence):
    # crisis is decided by one check, knowledge/crisis (lexicon, phrasings, model); the NLU took
    # 「同村同姓可以结婚嘛」 for a crisis, and an injury on a business trip is a work injury
    texts, _, payload = await run(ActionCrisis(), "公司派我出差，路上出了车祸骨折了", intent="crisis",
                                  confidence=confidence)
    assert "110" not in texts[0]["text"] and "建议先走" in texts[0]["text"]
    assert payload["kind"] == "triage" and "crisis" not in [r["id"] for r in payload["routes"]]


async def test_crisis_words_put_the_crisis_route_first():
    texts, _, payload = await run(ActionCrisis(), "讨薪三年没结果，我今晚就从桥上跳下去", intent="crisis")
    assert "110" in texts[0]["text"] and payload["routes"][0]["id"] == "crisis"


async def test_deadline_intent_without_a_named_time_limit_falls_back_to_triage():
    texts, _, payload = await run(ActionDeadline(), "朋友前年借了我5万块，现在电话不接", intent="ask_deadline")
    assert payload["routes"] and payload["kind"] == "triage"
    assert any("如需计算期限" in d["text"] for d in payload["details"])


# -- the next action, named so Rasa need not predict it -------------------------------------
def followups(events):
    return [e["name"] for e in events if e["event"] == "followup"]


async def test_an_answer_outside_a_form_is_followed_by_listening():
    _, events, _ = await run(ActionAnswer(), "对信访处理意见不服怎么办")
    assert followups(events) == ["action_listen"]
    _, events, _ = await run(ActionTriage(), "公司拖欠我三个月工资，老板一直不给", intent="describe_problem",
                             slots={"problem_domain": "labor"})
    assert followups(events) == ["action_listen"]


async def test_an_action_that_starts_the_form_is_followed_by_the_form(rt, monkeypatch):
    from knowledge.triage import Triage

    original = rt.classifier.classify
    monkeypatch.setattr(rt.classifier, "classify",
                        lambda *a, **k: Triage(original(*a, **k).ranking, None, "ask"))
    _, events, _ = await run(ActionTriage(), "我有个事想问问", intent="describe_problem")
    assert followups(events) == ["triage_form"]


def test_inside_an_active_form_the_rules_choose_what_follows():
    from rasa_sdk import Tracker

    inside = Tracker("tester", {"requested_slot": "problem_domain"}, {"text": "我不想活了"}, [], False, None,
                     {"name": "triage_form"}, "action_listen")
    assert next_action(inside, [{"event": "slot", "name": "requested_slot", "value": None}]) == []
    assert next_action(tracker("你好"), []) == [{"event": "followup", "timestamp": None, "name": "action_listen"}]


@pytest.fixture(scope="module")
def domain_dict():
    import yaml

    from tests.paths import ROOT
    return yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))


async def test_while_the_form_still_has_a_question_the_bot_waits_for_the_reply(domain_dict):
    from rasa_sdk.executor import CollectingDispatcher

    form = ValidateTriageForm()
    first = tracker("老板不给钱", intent="inform", slots={"requested_slot": "problem_domain"})
    events = await form.run(CollectingDispatcher(), first, domain_dict)
    assert {"event": "slot", "timestamp": None, "name": "problem_domain", "value": "labor"} in events
    assert followups(events) == ["action_listen"]     # the form asks about the case next, then listens
    second = tracker("没有", intent="deny", slots={"requested_slot": "case_status", "problem_domain": "labor"})
    events = await form.run(CollectingDispatcher(), second, domain_dict)
    assert {"event": "slot", "timestamp": None, "name": "case_status", "value": "none"} in events
    assert followups(events) == []                    # both answered: the rules pick the answer


@pytest.mark.parametrize("text,follows", [
    ("那要多久", True), ("要钱吗", True), ("还有别的办法吗", True), ("电话呢", True), ("多久有结果", True),
    ("复查找谁", False),                      # a matter of its own
    ("借钱不还怎么办", False), ("你是谁", False), ("我想离职", False),   # questions of their own
    ("老板跑了，那工资还能要回来吗", False),   # so is this
    ("我想问问如果对方一直不同意调解的话下一步该怎么办", False),   # too long to be a follow-up
])
def test_what_counts_as_a_follow_up(text, follows):
    turn = turn_for(text, intent="ask_law", action="action_answer", slots={"problem_text": "邻居家漏水把我家淹了"})
    assert turn.follows_up is follows


async def test_a_follow_up_is_answered_about_the_matter_before_it():
    wages = {"problem_text": "公司拖欠我三个月工资，老板一直不给"}
    _, events, payload = await run(ActionAnswer(), "那要多久", slots=wages)
    laws = {c["law"] for c in payload["citations"]}
    assert laws & {"劳动争议调解仲裁法", "劳动保障监察条例", "保障农民工工资支付条例"}, laws
    assert not [e for e in events if e.get("name") == "problem_text"]   # the matter stays the wages
    # read as out of scope on its own, 「那去哪」 is still a question about the wages
    _, _, payload = await run(ActionFallback(), "那去哪", intent="out_of_scope", slots=wages)
    assert payload["kind"] == "answer" and payload["citations"]
    # but out of scope stays out of scope when it does not follow anything up
    texts, _, payload = await run(ActionFallback(), "今天天气怎么样", intent="out_of_scope", slots=wages)
    assert payload["kind"] == "out_of_scope" and not payload["citations"]


async def test_a_deadline_question_read_as_a_procedure_question_still_gets_the_deadline():
    texts, events, payload = await run(ActionAnswer(), "复查最晚哪天申请", intent="ask_law")
    assert payload["kind"] == "deadline" and payload["needs_clarification"]
    assert payload["citations"][0]["id"] == "xinfang_gongzuo_tiaoli_2022#35" and "日期" in texts[0]["text"]
    _, _, payload = await run(ActionAnswer(), "复查要准备什么材料", intent="ask_law")
    assert payload["kind"] == "answer"


@pytest.mark.parametrize("text", ["😭😭😭", "？？？", "……"])
async def test_emoji_or_punctuation_alone_gets_a_word_and_people_not_articles(text):
    texts, _, payload = await run(ActionFallback(), text, intent="nlu_fallback")
    joined = "".join(t["text"] for t in texts)
    assert "跟我说说" in joined and "12345" in joined and not payload["citations"]


async def test_local_info_without_a_region_says_which_regions_it_covers(real_kb):
    texts, _, payload = await run(ActionLocalInfo(), "你们有哪些地方的本地信息", intent="ask_local_office")
    joined = "".join(t["text"] for t in texts)
    assert payload["needs_clarification"] and "目前收录了本地信息的地区" in joined
    assert all(p.region_name in joined for p in real_kb.packs.values()) and not PHONE.search(joined)


async def test_how_long_after_a_matter_lists_the_time_limits_of_its_route():
    wages = {"problem_text": "公司拖欠我三个月工资，老板一直不给"}
    for action, intent in ((ActionAnswer(), "ask_law"), (ActionDeadline(), "ask_deadline")):
        texts, events, payload = await run(action, "那得多长时间", intent=intent, slots=wages)
        joined = "".join(t["text"] for t in texts)
        assert "公司拖欠我三个月工资" in joined and "申请仲裁的时效" in joined and "仲裁庭作出裁决" in joined
        assert {"laodong_zhengyi_tiaojie_zhongcai_fa#27", "laodong_zhengyi_tiaojie_zhongcai_fa#43"} <= {
            c["id"] for c in payload["citations"]}
        assert payload["routes"][0]["id"] == "labor_arbitration"
        assert not [e for e in events if e.get("name") == "problem_text"]   # the matter stays the wages
    # a question of its own is not a follow-up
    texts, _, payload = await run(ActionAnswer(), "复查多久有结果", slots=wages)
    assert "就您前面说的" not in "".join(t["text"] for t in texts) and payload["routes"][0]["id"] != "labor_arbitration"



@pytest.mark.parametrize("question", ["多久能有结果", "要等多长时间"])
async def test_how_long_with_no_matter_gives_xinfangs_limits_and_asks_which_matter(question):
    for action, intent in ((ActionAnswer(), "ask_law"), (ActionDeadline(), "ask_deadline"),
                           (ActionFallback(), "nlu_fallback")):
        texts, events, payload = await run(action, question, intent=intent)
        joined = "".join(t["text"] for t in texts)
        assert "如果您问的是信访事项" in joined and "请告诉我是什么事" in joined
        assert {"xinfang_gongzuo_tiaoli_2022#22", "xinfang_gongzuo_tiaoli_2022#34"} <= {c["id"] for c in payload["citations"]}
        assert payload["needs_clarification"] and [r["id"] for r in payload["routes"]] == ["xinfang"]
        assert not [e for e in events if e.get("name") == "problem_text"]
    # after a matter it is that matter's limits, and a question naming its own matter is its own
    texts, _, _ = await run(ActionAnswer(), "多久能有结果", slots={"problem_text": "公司拖欠我三个月工资"})
    assert "如果您问的是信访事项" not in "".join(t["text"] for t in texts)
    texts, _, _ = await run(ActionAnswer(), "复查多久能有结果")
    assert "如果您问的是信访事项" not in "".join(t["text"] for t in texts)

def article_hit(kb, aid: str):
    from knowledge.retriever import Hit

    art = kb.corpus.article(aid)
    law = kb.corpus.laws[art.law_id]
    return Hit(aid, law.short, law.id, art.number, art.text, 1.0, citation=kb.corpus.citation(aid))


def test_the_article_quoted_is_the_first_hit_that_speaks_to_the_question(rt):
    from actions.answer import answering_hit

    turn = turn_for("信访要交钱吗", intent="ask_law", action="action_answer")
    hits = [article_hit(rt.kb, f"xinfang_gongzuo_tiaoli_2022#{n}") for n in (14, 21, 31)]   # the real top 3
    assert answering_hit(turn, "信访要交钱吗", hits) == (None, ["交钱"])
    review = [article_hit(rt.kb, f"xinfang_gongzuo_tiaoli_2022#{n}") for n in (14, 35)]
    assert answering_hit(turn, "复查找谁", review)[0].id.endswith("#35")       # the second hit, not the first
    assert answering_hit(turn, "信访怎么办", hits) == (hits[0], [])             # nothing particular asked


def test_a_faq_on_several_articles_cites_first_the_one_found_for_the_question(rt):
    from dataclasses import replace

    from actions.answer import what_it_says

    turn = turn_for("劳动仲裁从受理到出裁决一般要多久", intent="ask_law", action="action_answer")
    faq = rt.kb.faq["faq_ldzc_shouli"]
    assert faq.basis[0].endswith("#29")   # the FAQ lists 受理 (第二十九条) before 审理期限 (第四十三条)
    found = replace(article_hit(rt.kb, "laodong_zhengyi_tiaojie_zhongcai_fa#43"), faq_ids=[faq.id])
    said, cited, _ = what_it_says(turn, found, turn.text)
    assert cited == ["laodong_zhengyi_tiaojie_zhongcai_fa#43", "laodong_zhengyi_tiaojie_zhongcai_fa#29"]
    assert said.index("第四十三条") < said.index("第二十九条")   # the basis line in the same order


def test_a_clause_asking_about_what_was_told_is_answered_by_the_article_on_what_was_told(rt, monkeypatch):
    from actions.answer import answer_inside

    text = "劳动局都责令老板发工资了他还是不发，会有啥后果"
    hits = [article_hit(rt.kb, "laodong_baozhang_jiancha_tiaoli_2004#26")]
    monkeypatch.setattr(rt.retriever, "search", lambda *a, **k: hits)
    turn = turn_for(text, intent="describe_problem", action="action_triage")
    assert "后果" not in hits[0].text   # the clause's own word is in no article found
    title, body, cited = answer_inside(turn, text)
    assert cited == [hits[0].id] and title == "相关规定" and "责令" in body
    off_topic = [article_hit(rt.kb, "xinfang_gongzuo_tiaoli_2022#17")]   # speaks to neither clause nor story
    monkeypatch.setattr(rt.retriever, "search", lambda *a, **k: off_topic)
    assert answer_inside(turn, text) is None


async def test_an_unanswered_question_is_said_to_be_so(rt, monkeypatch):
    import actions.answer

    hits = [article_hit(rt.kb, f"xinfang_gongzuo_tiaoli_2022#{n}") for n in (14, 21, 31)]
    monkeypatch.setattr(rt.retriever, "search", lambda *a, **k: hits)
    reply = actions.answer.answer_question(turn_for("信访要交钱吗", intent="ask_law", action="action_answer"),
                                           "信访要交钱吗")
    joined = "".join(reply.texts)
    assert reply.kind == "unknown" and "“交钱”" in joined and "没有找到直接的规定" in joined
    assert "12345" in joined and "12348" in joined and "规定：“" not in joined   # no article quoted as the answer
    assert [c["id"] for c in reply.citations] == [h.id for h in hits] and reply.routes   # the closest, named


def test_the_route_text_names_the_time_limit_the_description_names(real_kb):
    from actions.render import route_text

    arbitration, court = real_kb.routes["labor_arbitration"], real_kb.routes["court_petition"]
    unpaid = route_text(real_kb, arbitration, text="公司拖欠我半年工资了，我还在这上班")
    assert "申请仲裁的时效" in unpaid and "劳动关系存续期间不受一年时效限制" in unpaid
    assert "拖欠劳动报酬" not in route_text(real_kb, arbitration, text="公司把我辞退了")
    assert "拖欠劳动报酬" not in route_text(real_kb, arbitration)
    assert "超过六个月未执行" in route_text(real_kb, court, text="判了半年了对方还不执行")
    def limits(text):   # the deadline lines of the court card's text
        lines = route_text(real_kb, court, text=text).split("\n")
        return "".join(line for line in lines if line.startswith(("期限：", "　")))

    assert "超过六个月未执行" not in limits("法院判决不公") and "执行" not in limits("法院判决不公")


def test_a_matter_exempt_from_a_limit_is_told_so_beside_the_limit(real_kb):
    from actions.render import route_text

    civil = real_kb.routes["civil_litigation"]
    for text in ("离婚了孩子跟我 前夫不给抚养费咋整", "儿子不给赡养费", "老人赡养问题，儿子不管", "孩子的生活费前夫一直不给",
                 "前夫借了我十万块不还，孩子的抚养费也不给"):
        lines = [line for line in route_text(real_kb, civil, text=text).split("\n") if line.startswith(("期限", "　"))]
        assert len(lines) == 2 and "诉讼时效期间为三年" in lines[0], text   # still true of any other claim
        assert "不适用诉讼时效" in lines[1] and "第一百九十六条" in lines[1], text   # 《民法典》第一百九十六条（三）
    for text in ("朋友借我两万块钱一直不还", "离婚的时候孩子抚养权归谁", ""):
        said = route_text(real_kb, civil, text=text)
        assert "诉讼时效期间为三年" in said and "第一百九十六条" not in said, text


async def test_how_long_after_a_matter_exempt_from_a_limit_says_it_is_exempt():
    texts, _, payload = await run(ActionAnswer(), "那要多久", intent="ask_law",
                                  slots={"problem_text": "离婚了孩子跟我，前夫一直不给抚养费"})
    joined = "".join(t["text"] for t in texts)
    assert payload["routes"][0]["id"] == "civil_litigation"
    assert joined.index("诉讼时效期间为三年") < joined.index("不适用诉讼时效")
    assert "minfadian_susong_shixiao_188_199#196" in {c["id"] for c in payload["citations"]}


async def test_a_short_addition_to_the_matter_is_read_with_it():
    court = {"problem_text": "法院判决不公，我要申诉"}
    texts, events, payload = await run(ActionTriage(), "判了快两个月了 已经生效了", intent="describe_problem",
                                       slots=court)
    assert not payload["needs_clarification"] and payload["routes"][0]["id"] == "court_petition"
    assert [e["value"] for e in events if e.get("name") == "problem_text"] == ["法院判决不公，我要申诉，判了快两个月了 已经生效了"]
    # something else, however vague, is not merged into the matter before it
    for text in ("我想问问别的事", "邻居天天吵"):
        _, events, _ = await run(ActionTriage(), text, intent="describe_problem",
                                 slots={"problem_text": "公司欠我三个月工资"})
        assert [e["value"] for e in events if e.get("name") == "problem_text"] == [text]


@pytest.mark.parametrize("text,merged", [
    ("仲裁已经结束了", True),               # where the case stands
    ("判了快两个月了 已经生效了", False),    # a court case: another kind of matter than the wages
    ("老板还是不给工资", True),              # the same kind of matter as before (wages)
    ("我想问问别的事", False), ("邻居天天吵", False),     # nothing tying it to the wages
    ("宅基地的事还没解决", False), ("离婚的事正在打官司", False),   # a case under way, but another matter
    ("我不知道别的事怎么办", False),         # 「不知道」 says no case has started: nothing to go on
    ("我后来又去找了劳动监察大队，他们说让我自己去法院起诉，这可怎么办", False),   # too long for an addition
])
def test_what_is_read_as_an_addition_to_the_matter_before(rt, monkeypatch, text, merged):
    from actions.triage import continued
    from knowledge.triage import RouteScore, Triage

    sure = Triage([RouteScore("labor_arbitration", 1.0, "")], None, "answer")   # the two together: always clear
    vague = Triage([RouteScore("xinfang", 0.1, "")], None, "ask")
    monkeypatch.setattr(rt.classifier, "classify", lambda *a, **k: sure)
    turn = turn_for(text, intent="describe_problem", action="action_triage", slots={"problem_text": "公司欠我三个月工资"})
    joined, triage = continued(turn, vague)
    assert (joined == f"公司欠我三个月工资，{text}" and triage is sure) is merged
    assert merged or (joined == text and triage is vague)


async def test_how_much_is_left_of_a_dated_limit_is_computed_not_listed():
    dated = {"problem_text": "处理意见是10月8日收到的，想申请复查"}
    for text in ("那还有几天", "还有多久"):
        _, _, payload = await run(ActionDeadline(), text, intent="ask_deadline", slots=dated)
        assert payload["deadline"]["start"].endswith("-10-08") and payload["deadline"]["basis"].endswith("#35")


async def test_how_long_after_a_crisis_matter_lists_the_problem_route_not_the_crisis_route():
    texts, _, payload = await run(ActionAnswer(), "那要多久", slots={"problem_text": "我不想活了，公司欠我工资三个月"})
    joined = "".join(t["text"] for t in texts)
    assert "按【劳动人事争议仲裁】办理" in joined and "申请仲裁的时效" in joined and "危机" not in joined


def test_a_case_not_yet_in_force_is_under_way_not_ended():
    assert words().guess("判决还没生效", words().stages) == "ongoing"
    assert words().guess("判决已经生效了", words().stages) == "ended"


async def test_a_follow_up_is_judged_on_its_own_words():
    # 「要钱吗」 after a neighbour's leak is answered (人民调解法第四条: 不收取任何费用); 交钱 is 费用
    _, _, payload = await run(ActionAnswer(), "要钱吗", slots={"problem_text": "邻居家漏水把我家淹了"})
    assert payload["kind"] == "answer"
    # a follow-up whose own words no text found speaks to is unanswered, whatever the matter matched
    texts, _, payload = await run(ActionAnswer(), "那路费报销吗", slots={"problem_text": "公司欠我三个月工资"})
    assert payload["kind"] == "unknown" and "“路费”" in "".join(t["text"] for t in texts)


def test_a_follow_up_is_its_own_words_about_the_route_for_the_matter(rt):
    from actions.answer import follow_up_of

    def of(text, slots):
        return follow_up_of(turn_for(text, intent="ask_law", action="action_answer", slots=slots))

    wages = {"problem_text": "公司拖欠我三个月工资，老板一直不给"}
    got = of("那要交钱吗", wages)
    assert (got.question, got.route, got.matter) == ("要交钱吗", "labor_arbitration", wages["problem_text"])
    assert of("借钱不还怎么办", wages) is None
    assert of("那要交钱吗", {}) is None     # no matter before it
    # the route given with the matter is the one followed up
    assert of("那要交钱吗", {**wages, "matter_route": "labor_inspection"}).route == "labor_inspection"


async def test_a_follow_up_is_answered_from_the_provisions_of_the_matters_route(rt):
    # which article comes first depends on the embedder (checked with the real one in
    # tests/bot/test_api_stack.py); here: only provisions of the route are quoted, and the matter stays
    land = {"problem_text": "村里把我家承包的地收回去了"}
    texts, events, payload = await run(ActionAnswer(), "那要钱吗", slots=land)
    route = payload["routes"][0]["id"]
    assert payload["kind"] == "answer" and route == "land_dispute"
    docs = {d.doc_id.removeprefix("art:"): d for d in rt.retriever.index.docs if d.doc_id.startswith("art:")}
    assert all(route in docs[c["id"]].routes for c in payload["citations"])
    assert not [e for e in events if e.get("name") == "problem_text"]


@pytest.mark.parametrize("text,named", [
    ("非要逼我去天安门是吧 这回我就去北京", False), ("再不给我解决我就带人去堵政府大门 拉横幅", False),
    ("我要越级上访", False), ("区里根本不管 我明天就买票去北京上访", False),
    ("工资拖了半年不给，我要去北京上访", True), ("拆迁款不给够我就去省政府门口拉横幅", True),
])
def test_escalation_talk_names_a_matter_only_in_words_of_a_matter(text, named):
    assert words().names_matter_besides_escalation(text) is named


async def test_escalation_with_no_matter_asks_what_it_is_and_guesses_no_route():
    for text in ("非要逼我去天安门是吧 这回我就去北京", "再不给我解决我就带人去堵政府大门 拉横幅"):
        texts, events, payload = await run(ActionSteer(), text, intent="threaten_escalation")
        joined = "".join(t["text"] for t in texts) + "".join(d["text"] for d in payload["details"])
        assert payload["kind"] == "steer" and payload["needs_clarification"]
        # 信访's own card: how to raise it lawfully (the crisis lines' route may follow: the crisis model hears
        # danger in some of this talk, and then the help lines come first, the answer after them)
        assert [r["id"] for r in payload["routes"] if r["id"] != "crisis"] == ["xinfang"]
        assert "您遇到的是什么事" in joined and "代表人数不得超过5人" in joined   # 第二十条 up to the end of its rule
        assert "第二十六条" in joined and not [e for e in events if e.get("name") == "problem_text"]
    # after a matter, the talk is about that matter, which stays the one to come back to
    texts, events, payload = await run(ActionSteer(), "不解决我就去北京", intent="threaten_escalation",
                                       slots={"problem_text": "公司拖欠我三个月工资，老板一直不给"})
    assert payload["routes"][0]["id"] == "labor_arbitration" and not payload["needs_clarification"]
    assert not [e for e in events if e.get("name") == "problem_text"]


def test_a_quote_of_the_first_paragraphs_ends_where_a_paragraph_ends():
    from actions.render import lead_paragraphs

    text = "第一段话。\n第二段比较长的话。\n第三段。"
    assert lead_paragraphs(text, 14) == "第一段话。 第二段比较长的话。…"
    assert lead_paragraphs(text, 100) == "第一段话。 第二段比较长的话。 第三段。"
    assert lead_paragraphs("一段很长很长的话没有换行", 6) == "一段很长很…"


async def test_the_faq_shown_is_the_one_that_holds_what_was_asked(rt, monkeypatch):
    import dataclasses

    import actions.answer

    both = dataclasses.replace(article_hit(rt.kb, "xinfang_gongzuo_tiaoli_2022#20"),
                               faq_ids=["faq_xinfang_zoufang_nali", "faq_xinfang_daibiao"])  # where-to-visit first
    monkeypatch.setattr(rt.retriever, "search", lambda *a, **k: [both])
    asked = actions.answer.answer_question(turn_for("多人走访最多能去几个代表", intent="ask_law", action="action_answer"),
                                           "多人走访最多能去几个代表")
    assert "代表人数不得超过5人" in asked.texts[0]
    reps_first = dataclasses.replace(both, faq_ids=["faq_xinfang_daibiao", "faq_xinfang_zoufang_nali"])
    monkeypatch.setattr(rt.retriever, "search", lambda *a, **k: [reps_first])
    where = actions.answer.answer_question(turn_for("走访应该去哪个接待场所", intent="ask_law", action="action_answer"),
                                           "走访应该去哪个接待场所")   # the second FAQ holds it
    assert "接待场所" in where.texts[0] and "代表" not in where.texts[0]


def test_a_card_cites_first_the_articles_that_name_what_the_person_said(real_kb):
    from actions.render import basis_for, route_text

    card = real_kb.routes["procuratorate"]
    police = basis_for(real_kb, card, "被人打了报警了 派出所拖了两个月也不立案", 3)
    assert "xingshi_susong_fa_2018_key_articles#113" in police                  # 不立案 → 立案监督
    assert basis_for(real_kb, card, "", 3) == list(card.basis[:3])                # nothing said: the card's order
    basis_line = next(line for line in route_text(real_kb, card, text="派出所不立案").split("\n") if line.startswith("依据"))
    assert "《刑事诉讼法》第一百一十三条" in basis_line


@pytest.mark.parametrize("text", ["有个事想问问", "我家的事", "不知道咋说", "你好 我想咨询一下"])
async def test_a_description_that_names_nothing_yet_is_asked_about(text):
    texts, events, payload = await run(ActionTriage(), text, intent="describe_problem")
    assert payload["kind"] == "clarify" and payload["needs_clarification"] and payload["routes"]
    assert {"event": "active_loop", "timestamp": None, "name": "triage_form"} in events


@pytest.mark.parametrize("text,nothing", [("有个事想问问", True), ("其他", True), ("我想问问低保的事", False),
                                          ("楼上太吵", False), ("被人骗了", False)])
def test_what_says_nothing_about_the_matter(text, nothing):
    assert words().says_nothing(text) is nothing


@pytest.mark.parametrize("intent", ["nlu_fallback", "out_of_scope"])
async def test_a_complaint_about_the_bot_gets_an_apology_not_provisions(intent):
    texts, _, payload = await run(ActionFallback(), "你这破机器说的啥玩意 一点用没有", intent=intent)
    joined = "".join(t["text"] for t in texts)
    assert "抱歉" in joined and "12345" in joined and "12348" in joined
    assert payload["citations"] == [] and payload["routes"] == []


async def test_hours_a_pack_does_not_state_are_said_to_be_unpublished(real_kb):
    texts, _, payload = await run(ActionLocalInfo(), "三门峡的信访接待中心几点上班", intent="ask_local_office",
                                  metadata={"region": "411200"})
    joined = "".join(t["text"] for t in texts)
    assert payload["region"]["code"] == "411200"
    assert "接待时间" in joined and "没有写明" in joined and "12345" in joined and not PHONE.search(joined)
    texts, _, _ = await run(ActionLocalInfo(), "三门峡有哪些信访的做法", intent="ask_local_office",
                            metadata={"region": "411200"})
    assert "没有写明" not in "".join(t["text"] for t in texts)          # nothing asked that is missing


async def test_after_violence_is_told_mediation_is_never_first():
    from rasa_sdk import Tracker
    from rasa_sdk.executor import CollectingDispatcher

    said = [{"event": "session_started"}, {"event": "user", "text": "老公喝了酒又在打我 我躲在厕所里 他在砸门"},
            *[{"event": "bot", "text": "您的安全最重要。"}] * 40]      # told long ago in this session
    t = Tracker("tester", {"problem_text": "现在他睡了 我想离婚 还想让他别再靠近我", "problem_domain": "family_neighbour",
                           "case_status": "none"},
                {"text": "还没有走任何程序", "intent": {"name": "inform", "confidence": 1.0}, "entities": [],
                 "metadata": {}}, said, False, None, {}, "action_listen")
    d = CollectingDispatcher()
    await ActionTriageAnswer().run(d, t, {})
    routes = [r["id"] for r in [m["custom"]["xinfang"] for m in d.messages if m.get("custom")][-1]["routes"]]
    assert "police_report" in routes[:2] and routes[0] != "people_mediation" and "people_mediation" not in routes[:2]
    # without violence told, the family domain still puts mediation first
    _, _, payload = await run(ActionTriageAnswer(), "还没有走任何程序", intent="inform",
                              slots={"problem_text": "跟婆婆天天吵架，想找人说和说和", "problem_domain": "family_neighbour",
                                     "case_status": "none"})
    assert payload["routes"][0]["id"] == "people_mediation"


async def test_a_matter_told_with_a_threat_to_disrupt_gets_its_route_and_the_rules_on_visits():
    texts, events, payload = await run(ActionTriage(), "工地干了半年工资一分没拿到 再不给我就去北京上访",
                                       intent="describe_problem")
    joined = "".join(t["text"] for t in texts) + "".join(d["text"] for d in payload["details"])
    assert payload["kind"] == "steer" and payload["routes"][0]["id"] in ("labor_arbitration", "labor_inspection")
    assert "第二十六条" in joined and joined.index("建议先走") < joined.index("第二十六条")
    # a quarrel that 「闹」 only in everyday words is no threat
    _, _, payload = await run(ActionTriage(), "两口子闹离婚，孩子归谁", intent="describe_problem")
    assert payload["kind"] != "steer"


def test_the_widget_card_of_an_exempt_matter_says_it_is_exempt(real_kb):
    from actions.render import card_payload

    civil = real_kb.routes["civil_litigation"]
    exempt = [d["label"] for d in card_payload(real_kb, civil, text="前夫不给抚养费")["deadlines"]]
    plain = [d["label"] for d in card_payload(real_kb, civil)["deadlines"]]
    assert exempt[:2] == ["诉讼时效", "最长保护期限"] and "不适用诉讼时效" in exempt[2]
    assert plain[0] == "诉讼时效" and not any("不适用诉讼时效" in x for x in plain)


def test_what_a_route_costs_is_said_with_its_article_when_asked(real_kb):
    from actions.render import route_text

    review = real_kb.routes["admin_reconsideration"]
    asked = route_text(real_kb, review, text="复议要花钱不")
    assert "费用：不收费" in asked and "《行政复议法》第八十七条" in asked
    assert "费用：" not in route_text(real_kb, review, text="交警罚我款我不服")
    assert "费用：" not in route_text(real_kb, real_kb.routes["xinfang"], text="信访要钱吗")   # the card says nothing of cost


@pytest.mark.parametrize("text,start", [
    ("处理意见收到都40天了", dt.date(2026, 10, 12)), ("复查意见下来二十天了", dt.date(2026, 11, 1)),
    ("10月8日收到处理意见，收到都40天了", dt.date(2026, 10, 8)),       # a written date wins
    ("等了3-5天了还没消息", None), ("信访拖了两个月了", None), ("老板欠了我40天了工资", None),
])
def test_a_decision_received_so_many_days_ago_has_a_date(text, start):
    from knowledge.deadlines import parse_date

    assert parse_date(text, dt.date(2026, 11, 21)) == start



async def test_how_long_a_named_step_takes_lists_its_limits_without_asking_for_a_date():
    texts, _, payload = await run(ActionDeadline(), "那复查完了多久给我答复", intent="ask_deadline")
    joined = "".join(t["text"] for t in texts) + "".join(d["text"] for d in payload["details"])
    assert "请告诉我具体日期" not in joined and "各环节的期限" in joined and "复查" in joined
    assert payload["routes"][0]["id"] == "xinfang_review"
    assert "xinfang_gongzuo_tiaoli_2022#35" in {c["id"] for c in payload["citations"]}
    # the last day is still the calculator's: it asks for the date
    texts, _, _ = await run(ActionDeadline(), "复查最晚哪天申请", intent="ask_deadline")
    assert "请告诉我具体日期" in "".join(t["text"] for t in texts)


@pytest.mark.parametrize("text,asks", [("信访局会不会把我的名字告诉我告的那个人", True), ("有没有别的办法", True),
                                       ("不会不会", False), ("不是不是", False), ("没有没有", False), ("不行不行", False)])
def test_what_reads_as_a_question(text, asks):
    assert words().has("asks", text) is asks


async def test_the_clarifying_questions_are_asked_once_a_session(rt, monkeypatch):
    from rasa_sdk import Tracker
    from rasa_sdk.executor import CollectingDispatcher

    from knowledge.triage import Triage

    original = rt.classifier.classify
    monkeypatch.setattr(rt.classifier, "classify", lambda *a, **k: Triage(original(*a, **k).ranking, None, "ask"))
    matter = "俺爹俺娘七十多了 三个儿子都不管 不给钱"

    def after(events, text="过了好几年了 还能要赡养费吗 会不会过时效"):
        return Tracker("tester", {"problem_text": matter},
                       {"text": text, "intent": {"name": "describe_problem",
                        "confidence": 0.64}, "entities": [], "metadata": {}}, events, False, None, {}, "action_listen")

    asked = [{"event": "session_started"}, {"event": "active_loop", "name": "triage_form"},
             {"event": "active_loop", "name": None}]
    d = CollectingDispatcher()
    events = await ActionTriage().run(d, after(asked), {})
    payload = [m["custom"]["xinfang"] for m in d.messages if m.get("custom")][-1]
    assert payload["kind"] == "triage" and not payload["needs_clarification"]
    assert not [e for e in events if e.get("event") == "active_loop"]
    assert [e["value"] for e in events if e.get("name") == "problem_text"] == [f"{matter}，过了好几年了 还能要赡养费吗 会不会过时效"]
    # in a new session (or before any question) a vague description is still asked about
    d = CollectingDispatcher()
    events = await ActionTriage().run(d, after([{"event": "session_started"}], "家里老人的事 好几年了 一直没人管"), {})
    assert {"event": "active_loop", "timestamp": None, "name": "triage_form"} in events
    # unless it asks something the texts answer: that answer comes first, not questions
    d = CollectingDispatcher()
    events = await ActionTriage().run(d, after([{"event": "session_started"}]), {})
    payload = [m["custom"]["xinfang"] for m in d.messages if m.get("custom")][-1]
    assert payload["kind"] == "answer" and payload["quoted"]
    assert not [e for e in events if e.get("event") == "active_loop"]


async def test_a_problem_opened_with_a_greeting_is_the_problem_not_the_welcome():
    texts, _, payload = await run(ActionWelcome(), "你好律师，公司拖欠我三个月工资，老板一直说没钱，我该怎么办", intent="greet")
    assert payload["kind"] == "triage" and payload["routes"][0]["id"] in ("labor_arbitration", "labor_inspection")
    _, _, payload = await run(ActionWelcome(), "你好", intent="greet")
    assert payload["kind"] == "welcome"


async def test_when_a_bare_last_day_question_follows_a_matter_it_is_the_persons_own_limit():
    injury = {"problem_text": "我爸在工地上摔伤了，老板不给报工伤", "matter_route": "work_injury", "matter_date": "2026-03-01"}
    texts, events, payload = await run(ActionDeadline(), "还来得及吗", intent="ask_deadline", slots=injury)
    assert payload["deadline"]["kind"] == "work_injury" and payload["deadline"]["period"]["unit"] == "year"
    assert payload["deadline"]["start"] == "2026-03-01" and payload["deadline"]["date_told_before"]
    assert not [e for e in events if e.get("name") == "problem_text"]   # the matter stays
    # a route whose only times are the office's own is no limit of the person's: which step is asked
    _, _, payload = await run(ActionDeadline(), "还来得及吗", intent="ask_deadline",
                              slots={"problem_text": "小区门口路灯坏了", "matter_route": "hotline_12345"})
    assert "deadline" not in payload


@pytest.mark.parametrize("text,kind,start", [
    ("我今天想问一下复查最晚哪天申请", "xinfang_review", None),          # 今天 is when asking, not a start
    ("昨天收到的处理意见，复查最晚哪天", "xinfang_review", "2026-11-20"),
    ("在医院复查才知道是骨折，工伤认定最晚哪天", "work_injury", None),    # 复查 at the hospital is no 信访 step
    ("承包地被占了，申请仲裁最晚哪天", "land_arbitration", None),         # two years, not labour's one
])
def test_which_limit_and_which_start(real_kb, text, kind, start):
    from knowledge.deadlines import answer_deadline

    found = answer_deadline(real_kb, text, dt.date(2026, 11, 21))
    assert found.kind == kind and (found.start.isoformat() if found.start else None) == start


async def test_a_route_since_withdrawn_or_a_long_matter_breaks_nothing():
    _, _, payload = await run(ActionAnswer(), "那要多久", slots={"problem_text": "公司欠我工资", "matter_route": "no_such_route"})
    assert payload["kind"] in ("answer", "unknown")
    long_matter = {"problem_text": "公司拖欠我工资，" * 230}   # with the message, over what one query may hold
    _, _, payload = await run(ActionTriage(), "判了两个月了 已经生效了", intent="describe_problem", slots=long_matter)
    assert payload["kind"] != "invalid" and payload["routes"]


async def test_the_forms_answers_get_the_plan_whatever_the_last_reply_looks_like():
    from rasa_sdk import Tracker
    from rasa_sdk.executor import CollectingDispatcher

    events = [{"event": "user", "text": "我家的事"}, {"event": "bot", "text": "这件事现在走到哪一步了？"},
              {"event": "user", "text": "还没有"}]
    t = Tracker("tester", {"problem_text": "村里把我家承包的地收回去了", "problem_domain": "land_house",
                           "case_status": "none"},
                {"text": "还没有", "intent": {"name": "deny", "confidence": 0.9}, "entities": [], "metadata": {}},
                events, False, None, {}, "action_listen")
    d = CollectingDispatcher()
    out = await ActionTriageAnswer().run(d, t, {})
    payload = [m["custom"]["xinfang"] for m in d.messages if m.get("custom")][-1]
    assert payload["kind"] == "triage" and payload["rule"] == "form_answered"
    assert {e["name"] for e in out if e["event"] == "slot"} >= {"problem_domain", "case_status"}


async def test_asking_for_a_person_with_a_question_the_texts_answer_gets_both():
    texts, _, payload = await run(ActionHumanHelp(), "派出所民警态度恶劣还推我，我能不能投诉他", intent="human_help")
    joined = "".join(t["text"] for t in texts)
    assert "12345" in joined and payload["citations"]   # the channels, and an article that answers it
    assert payload["quoted"] and payload["quoted"][0] == payload["citations"][0]["id"]
    texts, _, payload = await run(ActionHumanHelp(), "转人工", intent="human_help")
    assert not payload.get("citations") and "12345" in "".join(t["text"] for t in texts)


def test_a_last_day_on_a_rest_day_is_moved_or_not_as_the_texts_say_and_the_reply_says_which():
    today = dt.date(2026, 11, 13)
    appeal = deadline_reply(turn_for("行政案件的一审裁定11月12号送达，上诉最晚哪天", today=today),
                            "行政案件的一审裁定11月12号送达，上诉最晚哪天")
    assert "2026年11月23日" in appeal.texts[0] and "2026年11月22日 是星期日，顺延" in appeal.texts[0]
    how = next(d["text"] for d in appeal.details if d["title"] == "怎么算的")
    assert "法定休假日" in how and "第一百零一条" in how and "holidays" in how
    assert {"xingzheng_susong_fa_2017#101", "qijian_jisuan_minfadian_minsufa#85"} <= {c["id"] for c in appeal.citations}
    assert appeal.extra["deadline"]["moved_off_rest_day"] and appeal.extra["deadline"]["nominal_last_day"] == "2026-11-22"
    review = deadline_reply(turn_for("我10月8日收到处理意见，复查最晚哪天申请", today=dt.date(2026, 10, 9)),
                            "我10月8日收到处理意见，复查最晚哪天申请")
    how = next(d["text"] for d in review.details if d["title"] == "怎么算的")
    assert "没有替您顺延" in review.texts[0] and "星期六" in how and "没有顺延" in how
    assert not review.extra["deadline"]["moved_off_rest_day"]


@pytest.mark.parametrize("text,today,says", [
    # 信访: 10-01 is 国庆节, and the texts say nothing of moving it: said beside the day, not moved
    ("我9月1日收到处理意见，复查最晚哪天申请", dt.date(2026, 9, 2), "2026年10月1日（含当天）之前提出（这天是国庆节，没有替您顺延"),
    # a civil appeal ending on Saturday 2026-02-14, a make-up working day: not moved, and said to be one
    ("一审判决书1月30号收到的，上诉最晚哪天", dt.date(2026, 2, 1), "2026年2月14日（含当天）之前提出（这天按放假安排是调休上班日）"),
])
def test_what_the_last_day_itself_is_stands_beside_it(text, today, says):
    reply = deadline_reply(turn_for(text, today=today), text)
    assert says in reply.texts[0]


def test_a_start_date_still_to_come_is_questioned_not_counted():
    text = "2027年3月1日收到处理意见，复查最晚哪天"
    reply = deadline_reply(turn_for(text, today=dt.date(2026, 12, 7)), text)
    assert "还没到" in reply.texts[0] and "deadline" not in reply.extra and reply.needs_clarification


def test_a_date_told_alone_after_a_matter_counts_its_persons_limit_from_it():
    from actions.policy import decide, respond

    matter = {"problem_text": "我对信访处理意见不服", "matter_route": "xinfang_review"}
    turn = turn_for("是11月20号收到的", intent="inform", action="action_triage", slots=matter,
                    today=dt.date(2026, 12, 8))
    assert decide(turn) == "date_reply"
    reply, _ = respond(turn)
    assert reply.extra["deadline"]["kind"] == "xinfang_review" and reply.extra["deadline"]["last_day"] == "2026-12-20"
    # a new fact with a date is no date reply
    told = turn_for("我10月8号又被他们打了", intent="describe_problem", action="action_triage", slots=matter,
                    today=dt.date(2026, 12, 8))
    assert decide(told) != "date_reply"


def test_a_question_that_names_a_limit_and_its_start_is_a_deadline_question():
    from actions.policy import decide

    turn = turn_for("收到信访答复都40天了 还能申请复查不", intent="ask_law", action="action_answer",
                    today=dt.date(2026, 12, 8))
    assert decide(turn) == "deadline"
    assert decide(turn_for("复查要带什么材料", intent="ask_law", action="action_answer")) != "deadline"


def test_a_route_the_model_is_sure_of_comes_before_the_routes_of_the_faq_found(rt, monkeypatch):
    import actions.answer
    from knowledge.triage_types import RouteScore, Triage

    text = "处理意见我不服，可以找上一级复查不"
    turn = turn_for(text, intent="ask_law", action="action_answer")
    sure = Triage([RouteScore("xinfang_review", 0.9, ""), RouteScore("xinfang", 0.05, "")], None, "answer", False, {})
    monkeypatch.setattr(type(turn), "classify", lambda self, t: sure)
    hit = article_hit(rt.kb, "xinfang_gongzuo_tiaoli_2022#17")
    faq = next(f for f in rt.kb.faq.values() if "xinfang_review" not in f.routes and f.routes)
    from dataclasses import replace

    monkeypatch.setattr(rt.retriever, "search", lambda *a, **k: [replace(hit, faq_ids=[faq.id])])
    reply = actions.answer.answer_question(turn, text)
    assert [r["id"] for r in reply.routes][:2] == ["xinfang_review", faq.routes[0]]
    unsure = Triage(sure.ranking, None, "answer_and_ask", False, {})
    monkeypatch.setattr(type(turn), "classify", lambda self, t: unsure)
    assert actions.answer.answer_question(turn, text).routes[0]["id"] == faq.routes[0]
