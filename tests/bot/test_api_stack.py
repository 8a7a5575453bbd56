"""The whole product on loopback: actions, Rasa and the API, as a citizen uses them."""

import json
import uuid

import httpx
import pytest

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def api(live_service):
    with httpx.Client(base_url=live_service["api"], timeout=60) as client:
        yield client


def chat(api, sender, text):
    texts, payloads, _ = chat_with_buttons(api, sender, text)
    return texts, payloads


def chat_with_buttons(api, sender, text):
    resp = api.post("/api/chat", json={"sender": sender, "text": text})
    assert resp.status_code == 200, resp.text
    msgs = resp.json()["messages"]
    texts = [m["text"] for m in msgs if "text" in m]
    payloads = [m["custom"] for m in msgs if "custom" in m]
    buttons = [b for m in msgs for b in m.get("buttons", [])]
    return texts, payloads, buttons


def inform_payload(button) -> dict:
    """A form question's button: ``/inform`` and the slot as JSON, as Rasa's intent-with-entities syntax wants."""
    intent, _, entities = button["payload"].partition("{")
    assert intent == "/inform", button
    return json.loads("{" + entities)


def test_ask_contract(api):
    data = api.post("/api/ask", json={"text": "对信访处理意见不服怎么办"}).json()
    assert set(data) == {"messages", "kind", "intent", "routes", "citations", "quoted", "details", "question",
                         "needs_clarification"}
    assert data["routes"][0]["id"] == "xinfang_review" and data["kind"] == "answer"
    assert data["quoted"][0] == "xinfang_gongzuo_tiaoli_2022#35"
    assert "xinfang_gongzuo_tiaoli_2022#35" in [c["id"] for c in data["citations"]]
    for c in data["citations"]:
        assert {"id", "law", "article", "text"} == set(c)


# none of these sentences is in the training data; "我想…" is also how many crisis messages begin
@pytest.mark.parametrize("text", ["帮我点一份外卖，要麻辣烫", "我想喝奶茶", "我想看电影", "晚上吃烧烤还是吃火锅"])
def test_out_of_scope_has_no_routes_and_no_crisis_answer(api, text):
    data = api.post("/api/ask", json={"text": text}).json()
    assert data["intent"]["name"] == "out_of_scope"
    assert data["routes"] == []
    assert not any("110" in m for m in data["messages"])


def test_questions_about_visits_and_reports_quote_the_article_that_answers_them(api):
    for text, article in (("信访局会不会把我的名字告诉我告的那个人", "xinfang_gongzuo_tiaoli_2022#30"),   # 不得透露
                          ("俺们十几户一起去信访局反映 能都进去吗 要选代表不", "xinfang_gongzuo_tiaoli_2022#20"),
                          ("越级上访直接去省里行不行", "xinfang_gongzuo_tiaoli_2022#20")):
        data = api.post("/api/ask", json={"text": text}).json()
        assert article in [c["id"] for c in data["citations"][:2]], text   # an FAQ may rest on two articles
    data = api.post("/api/ask", json={"text": "多人走访最多能去几个代表"}).json()
    assert "代表人数不得超过5人" in data["messages"][0]


def test_a_bare_yes_gets_no_provisions_and_no_routes(api):
    data = api.post("/api/ask", json={"text": "好的"}).json()
    assert data["intent"]["name"] == "affirm" and data["routes"] == [] and data["citations"] == []
    assert len(data["messages"]) == 1 and "规定" not in data["messages"][0]


def test_what_the_texts_do_not_answer_is_said_and_follow_ups_keep_the_matter(api):
    _, payloads = chat(api, f"u-{uuid.uuid4().hex[:6]}", "信访要交钱吗")
    assert payloads[-1]["kind"] == "unknown" and payloads[-1]["citations"]
    sender = f"u-{uuid.uuid4().hex[:6]}"
    chat(api, sender, "邻居家漏水把我家淹了")
    _, payloads = chat(api, sender, "要钱吗")       # 人民调解法第四条: 不收取任何费用
    assert payloads[-1]["kind"] == "answer" and "renmin_tiaojie_fa#4" in [c["id"] for c in payloads[-1]["citations"]]
    # a follow-up is its own words among the provisions of the matter's route
    # what is quoted first says it (「要钱吗」 once quoted 工伤保险条例第六十二条, which holds 「费用」, with
    # 第五十三条's 「不收费」 only cited after it)
    for matter, question, article, says in (
            ("公司拖欠我三个月工资，老板一直不给", "那要交钱吗", "laodong_zhengyi_tiaojie_zhongcai_fa#53", "不收费"),
            ("老板欠我三个月工资 一万二 人跑了 咋办啊", "要钱吗", "laodong_zhengyi_tiaojie_zhongcai_fa#53", "不收费"),
            ("公司拖欠我三个月工资，老板一直不给", "去哪办", "laodong_zhengyi_tiaojie_zhongcai_fa#21", "仲裁委员会管辖"),
            ("村里把我家承包的地收回去了", "那要钱吗", "nongcun_tudi_chengbao_jiufen_tiaojie_zhongcai_fa#52", "收取费用")):
        sender = f"u-{uuid.uuid4().hex[:6]}"
        chat(api, sender, matter)
        texts, payloads = chat(api, sender, question)
        assert payloads[-1]["kind"] == "answer" and article in [c["id"] for c in payloads[-1]["citations"]], question
        assert says in texts[0], question
    sender = f"u-{uuid.uuid4().hex[:6]}"
    chat(api, sender, "公司拖欠我半年工资了，我还在这上班")
    texts, payloads = chat(api, sender, "那要多久")
    assert "申请仲裁的时效" in "".join(texts) and payloads[-1]["routes"][0]["id"] == "labor_arbitration"


def test_giving_up_inside_the_form_closes_it(api):
    sender = uuid.uuid4().hex
    start_form(api, sender)
    texts, payloads = chat(api, sender, "算了 不问了")
    assert not any(q in t for t in texts for q in QUESTIONS) and not payloads
    texts, payloads = chat(api, sender, "对信访处理意见不服怎么办")     # no form left waiting for an answer
    assert payloads and payloads[-1]["routes"][0]["id"] == "xinfang_review"


def test_welcome_then_triage_then_deadline(api):
    sender = uuid.uuid4().hex
    texts, _ = chat(api, sender, "你好")
    assert any("隐私" in t for t in texts)
    texts, payloads = chat(api, sender, "公司拖欠我三个月工资，老板躲着不见")
    ids = [r["id"] for p in payloads for r in p["routes"]]
    assert {"labor_arbitration", "labor_inspection"} & set(ids[:3])
    texts, payloads = chat(api, sender, "我10月8日收到信访处理意见，复查最晚哪天申请")
    assert any("11月7日" in t for t in texts)


VAGUE = "我家的事"   # names nothing to choose a route by: starts the clarifying form
QUESTIONS = ("哪一类", "哪一步")


def start_form(api, sender):
    texts, payloads, buttons = chat_with_buttons(api, sender, VAGUE)
    assert payloads[-1]["needs_clarification"] and "哪一类" in texts[-1]
    return buttons


def test_crisis_first_even_inside_the_clarifying_form(api):
    sender = uuid.uuid4().hex
    start_form(api, sender)
    texts, payloads = chat(api, sender, "我真的不想活了")
    assert "110" in texts[0] and "12356" in "".join(texts)
    assert payloads and payloads[0]["kind"] == "crisis"          # the dialogue's crisis answer, not only the API's
    assert not any(q in t for t in texts for q in QUESTIONS)      # and no more questions after it
    texts, payloads = chat(api, sender, "你好")
    assert payloads[-1]["kind"] == "welcome"


def test_the_clarifying_form_asks_two_questions_then_answers(api):
    sender = uuid.uuid4().hex
    buttons = start_form(api, sender)
    # every button carries a well-formed slot value (the domain escapes its braces: Rasa's response
    # templating would otherwise take {"problem_domain":…} for a placeholder and log an error per button)
    assert [list(inform_payload(b)) for b in buttons] == [["problem_domain"]] * len(buttons) and len(buttons) > 5
    land = next(b for b in buttons if inform_payload(b) == {"problem_domain": "land_house"})
    texts, payloads, buttons = chat_with_buttons(api, sender, land["payload"])   # the citizen taps a button
    assert "哪一步" in texts[-1]
    assert {inform_payload(b)["case_status"] for b in buttons} >= {"none", "ongoing", "ended"}
    texts, payloads = chat(api, sender, "还没有")
    assert payloads[-1]["kind"] == "triage" and not payloads[-1]["needs_clarification"]
    assert payloads[-1]["routes"] and payloads[-1]["citations"]
    texts, payloads = chat(api, sender, "谢谢")   # the form is over: no third question
    assert not any(q in t for t in texts for q in QUESTIONS)


def test_a_question_inside_the_form_is_answered_and_the_form_closed(api):
    sender = uuid.uuid4().hex
    start_form(api, sender)
    texts, payloads = chat(api, sender, "对信访处理意见不服怎么办")
    assert payloads[-1]["kind"] == "answer" and payloads[-1]["citations"]
    assert not any(q in t for t in texts for q in QUESTIONS)
    texts, payloads = chat(api, sender, "公司拖欠我三个月工资，老板躲着不见")
    assert {"labor_arbitration", "labor_inspection"} & {r["id"] for r in payloads[-1]["routes"][:3]}


def test_bad_input_does_not_corrupt_the_conversation(api):
    sender = uuid.uuid4().hex
    chat(api, sender, "你好")
    assert api.post("/api/chat", json={"sender": sender, "text": "欠" * 10000}).status_code == 422
    assert api.post("/api/chat", content=b"\xff\xfe", headers={"content-type": "application/json"}).status_code == 400
    texts, payloads = chat(api, sender, "对信访处理意见不服怎么办")
    assert payloads and payloads[-1]["citations"]


def test_typed_commands_are_words_not_commands(api):
    # Rasa would take 「/greet{...}」 for the greet intent with a region entity, setting the slot (issue 19)
    sender = uuid.uuid4().hex
    texts, _ = chat(api, sender, '/greet{"region":"<script>alert(1)</script>"}')
    assert not any("<script>" in t for t in texts)
    texts, payloads = chat(api, sender, "信访局在哪")
    assert not any("<script>" in t or "alert" in t for t in texts)
    assert not any(p.get("region") for p in payloads)


def test_personal_information_is_masked_before_the_dialogue(api):
    sender = uuid.uuid4().hex
    texts, _ = chat(api, sender, "我身份证11010519491231002X，公司欠我工资")
    assert all("11010519491231002X" not in t for t in texts)


def test_readyz(api):
    assert api.get("/readyz").json()["ready"] is True


def test_action_server_prefetch_endpoint(live_service):
    actions = f"http://127.0.0.1:{live_service['settings'].ACTIONS_PORT}"
    with httpx.Client(base_url=actions, timeout=30) as client:
        assert client.post("/prefetch", json={"text": "公司拖欠我三个月工资"}).json() == {"prefetched": True}
        assert client.post("/prefetch", json={"text": "？？？"}).json() == {"prefetched": False}  # nothing to embed
        for bad in (b"{not json", b'{"text": 5}', b"[]", b"\xff\xfe"):
            resp = client.post("/prefetch", content=bad, headers={"Content-Type": "application/json"})
            assert resp.status_code == 400 and "error" in resp.json()
        assert client.post("/prefetch", content=b'{"text": "' + b"a" * 70_000 + b'"}').status_code == 413
        assert client.get("/health").status_code == 200  # still serving


def test_a_prefetched_question_gets_the_same_answer(api):
    question = "单位不给我交社保，我该找谁"
    first = api.post("/api/ask", json={"text": question}).json()
    again = api.post("/api/ask", json={"text": question}).json()  # its vector now comes from the query cache
    assert [r["id"] for r in first["routes"]] == [r["id"] for r in again["routes"]] and first["routes"]


def test_rasa_logged_no_errors_through_these_conversations(live_service):
    # run last in this module: every conversation above (forms, crisis, questions, bad input) went through
    errors = [line for line in live_service["rasa_log"]().splitlines() if " ERROR " in line]
    assert not errors, "\n".join(errors[:5])
