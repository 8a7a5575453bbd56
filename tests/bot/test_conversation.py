"""One turn's bookkeeping: what Rasa is sent, what is recorded (real SQLite store)."""

from bot.conversation import Conversations
from bot.store import Store


class RecordingRasa:
    """Stands in for the Rasa REST channel: records what it is sent, answers like an action would."""

    def __init__(self, reply: list[dict]) -> None:
        self.sent: list[tuple[str, str, dict]] = []
        self.reply = reply
        self.inflight = 0   # RasaClient's count of turns at Rasa (read by the prefetch)

    async def send(self, sender, text, metadata=None, on_admit=None):
        if on_admit is not None:
            on_admit()
        self.sent.append((sender, text, metadata or {}))
        return self.reply

    async def parse(self, text):
        return {"intent": {"name": "ask_law", "confidence": 0.9}}


ANSWER = [{"text": "可以申请复查。"},
          {"custom": {"xinfang": {"kind": "answer", "intent": {"name": "ask_law", "confidence": 0.9},
                                  "routes": [{"id": "xinfang_review", "name": "复查", "why": "w"}],
                                  "citations": [], "cards": [], "needs_clarification": False}}}]


GOODBYE = [{"text": "再见，您多保重。事情有进展或有新的疑问，随时回来找我。"}]


def channels():
    from knowledge.channels import load_channels

    return load_channels()


async def test_crisis_words_read_as_a_goodbye_get_the_crisis_answer_and_no_goodbye():
    """「算了 不活了」 once came back from the dialogue as a goodbye: help lines, then 「再见，您多保重」."""
    conv = Conversations(RecordingRasa(GOODBYE), "k", channels(), route_names={"crisis": "危机求助"})
    turn = await conv.turn("u", "算了 不活了")
    assert "110" in turn.texts[0] and "12356" in turn.texts[0]
    assert not any("再见" in t for t in turn.texts) and "跟我说说" in turn.texts[1]
    assert [r["id"] for r in turn.routes] == ["crisis"] and turn.intent["name"] == "crisis"
    # the widget gets the payload too (its crisis styling and route), after the two texts
    assert turn.messages[-1]["custom"]["kind"] == "crisis" and [m.get("text") for m in turn.messages[:2]] == turn.texts


async def test_crisis_words_beside_a_real_answer_come_first_and_keep_the_answer():
    conv = Conversations(RecordingRasa(ANSWER), "k", channels())
    turn = await conv.turn("u", "复查不给办我就跳楼")
    assert "110" in turn.texts[0] and turn.texts[1] == "可以申请复查。"
    assert [r["id"] for r in turn.routes] == ["xinfang_review"]


async def test_a_goodbye_without_crisis_words_is_left_alone():
    conv = Conversations(RecordingRasa(GOODBYE), "k", channels())
    turn = await conv.turn("u", "算了 不问了")
    assert turn.texts == [GOODBYE[0]["text"]] and turn.routes == []


async def test_rasa_gets_masked_simplified_text_and_a_hashed_sender(tmp_path):
    rasa = RecordingRasa(ANSWER)
    store = Store(f"sqlite:///{tmp_path / 'db'}")
    conv = Conversations(rasa, "k", {}, store)
    turn = await conv.turn("openid-123", "對處理意見不服，我電話13912345678", {"region": "350206", "evil": 1})
    sender, text, meta = rasa.sent[0]
    # the number, masked, and the words that introduced it are left out of what the dialogue reads
    assert text == "对处理意见不服，" and "13912345678" not in str(rasa.sent)
    assert "openid-123" not in sender and sender.startswith("web-")
    assert meta == {"region": "350206"}
    assert store.recent_turns()[0]["text"] == "对处理意见不服，我电话[手机号]"
    # and the citizen is told, after the answer, not to send such numbers
    assert turn.texts[0] == "可以申请复查。" and "不要在这里发送身份证号" in turn.texts[-1]


async def test_a_wage_question_with_numbers_in_it_is_still_a_wage_question():
    rasa = RecordingRasa(ANSWER)
    conv = Conversations(rasa, "k", {})
    await conv.turn("u", "我身份证号是350206198805125678，手机13812345678，银行卡6222021234567890123，公司欠我工资")
    assert rasa.sent[0][1] == "公司欠我工资"
    turn = await conv.turn("u", "13812345678")      # nothing but a number: the label stays, never the number
    assert rasa.sent[1][1] == "[手机号]" and "不要在这里发送" in turn.texts[-1]
    turn = await conv.turn("u", "复查怎么申请")
    assert not any("不要在这里发送" in t for t in turn.texts)


async def test_each_turn_is_recorded_once_and_a_channel_ref_dedups(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'db'}")
    conv = Conversations(RecordingRasa(ANSWER), "k", {}, store)
    first = await conv.turn("u", "复查怎么申请", namespace="wechat", ref="msg-1")
    again = await conv.turn("u", "复查怎么申请", namespace="wechat", ref="msg-1")
    other = await conv.turn("u", "复查怎么申请")
    assert first.recorded and not again.recorded and other.recorded and other.ref != "msg-1"
    rows = store.recent_turns(channel="wechat")
    assert len(rows) == 1 and rows[0]["routes"] == ["xinfang_review"] and rows[0]["kind"] == "answer"
    assert rows[0]["text"] == "复查怎么申请" and rows[0]["user_hash"].startswith("wechat-")


async def test_a_failing_store_never_costs_the_answer(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'db'}")
    store.close()
    (tmp_path / "db").unlink()
    (tmp_path / "db").mkdir()          # the database path is now a directory: every write fails
    conv = Conversations(RecordingRasa(ANSWER), "k", {}, store)
    turn = await conv.turn("u", "复查怎么申请")
    assert turn.texts == ["可以申请复查。"]


async def test_a_question_the_texts_do_not_answer_counts_as_unanswered(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'db'}")
    unknown = [{"text": "您问的“交钱”，我收录的法律条文里没有找到直接的规定……"},
               {"custom": {"xinfang": {**ANSWER[1]["custom"]["xinfang"], "kind": "unknown"}}}]
    await Conversations(RecordingRasa(unknown), "k", {}, store).turn("u", "信访要交钱吗")
    await Conversations(RecordingRasa(ANSWER), "k", {}, store).turn("u", "复查怎么申请")
    rows = {r["text"]: r for r in store.recent_turns()}
    assert rows["信访要交钱吗"]["answered"] == 0 and rows["信访要交钱吗"]["kind"] == "unknown"
    assert rows["复查怎么申请"]["answered"] == 1


# What a citizen types is never Rasa's command syntax (issue 19); the product's own commands still are.
TYPED_COMMANDS = [
    ('/greet{"region":"<script>alert(1)</script>"}', '／greet{"region":"<script>alert(1)</script>"}'),
    ("/restart", "／restart"),
    ("  /inform{\"case_status\":\"ended\"}@0.99", "／inform{\"case_status\":\"ended\"}@0.99"),
    ("\u200b\ufeff/session_start", "／session_start"),
    ("\u3000/stop", "／stop"),
    ("我身份证号是110105194912310021，/restart", "／restart"),   # what is left once the number is taken out
    ("劳动仲裁/诉讼怎么选", "劳动仲裁/诉讼怎么选"),
]
OFFERED = ["/greet", '/inform{"problem_domain":"land_house"}', '/inform{"case_status":"none"}']


async def test_typed_commands_reach_rasa_as_plain_text_on_every_channel():
    rasa = RecordingRasa(ANSWER)
    conv = Conversations(rasa, "k", {})
    for typed, _ in TYPED_COMMANDS:
        await conv.turn("u", typed)
        await conv.turn("openid", typed, {"channel": "wechat"}, namespace="wechat", ref=typed[:20])
        await conv.ask(typed, None)
    assert [t for _, t, _ in rasa.sent] == [said for _, said in TYPED_COMMANDS for _ in range(3)]


async def test_the_commands_the_product_offers_still_reach_rasa():
    rasa = RecordingRasa(ANSWER)
    conv = Conversations(rasa, "k", {})
    for command in OFFERED:
        await conv.turn("u", command)
    assert [t for _, t, _ in rasa.sent] == OFFERED
