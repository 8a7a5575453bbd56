"""The /wechat callback over real HTTP against the simulated WeChat, with a stand-in for Rasa.

Timings are scaled down: reply budget 0.5 s, WeChat's timeout 1 s, three attempts.
Everything WeChat-facing is real (signatures, AES, retries, the customer-service
API, the analytics store); only the dialogue engine is a fake, so these run in
seconds and need no trained model. tests/channels/test_wechat_live.py repeats the
essentials with the real assistant.
"""

from __future__ import annotations

import asyncio
import logging
import secrets

import httpx
import pytest

from common.settings import get_settings
from tests.channels.fake_wechat import (
    APP_ID,
    TOKEN,
    FakeRasa,
    Pusher,
    event_xml,
    exactly_once,
    first_part,
    media_xml,
    msg_id,
    new_aes_key,
    new_openid,
    running_app,
    settle,
    sha1_sign,
    text_xml,
    wechat_settings,
)
from tests.channels.test_wechat_units import BILLION_LAUGHS, XXE

LONG_ANSWER = "".join(f"第{i}句：劳动争议先申请劳动仲裁，对仲裁裁决不服的可以向人民法院起诉。" for i in range(1, 120))
NEW_KEY, OLD_KEY = new_aes_key(), new_aes_key()


PLAN = [{"text": "建议先走【劳动人事争议仲裁】：向劳动争议仲裁委员会交书面仲裁申请。"},
        {"custom": {"xinfang": {"kind": "triage", "routes": [{"id": "labor_arbitration", "name": "劳动人事争议仲裁"}],
                                "citations": [], "details": [{"title": "为什么走这条途径", "text": "依法分类处理。"}],
                                "cards": [{"id": "labor_arbitration", "name": "劳动人事争议仲裁", "summary": "劳动争议。",
                                           "who": "劳动争议仲裁委员会", "materials": ["劳动合同复印件"],
                                           "deadlines": [{"label": "申请仲裁的时效", "text": "一年",
                                                          "citation": "《劳动争议调解仲裁法》第二十七条"}]}]}}}]


@pytest.fixture(scope="module")
def rasa():
    return FakeRasa(answers={"长答案": [{"text": LONG_ANSWER}], "欠薪": PLAN},
                    delays={"慢": 3.0, "稍慢": 0.8, "很慢": 2.0})


@pytest.fixture(scope="module")
def plain(fake, rasa, tmp_path_factory):
    settings = wechat_settings(get_settings(), fake.url, tmp_path_factory.mktemp("plain") / "db.sqlite3")
    with running_app(settings, rasa) as (url, app):
        yield url, app


@pytest.fixture(scope="module")
def safe(fake, rasa, tmp_path_factory):
    settings = wechat_settings(get_settings(), fake.url, tmp_path_factory.mktemp("safe") / "db.sqlite3",
                               WECHAT_AES_KEY=NEW_KEY, WECHAT_PREVIOUS_AES_KEY=OLD_KEY)
    with running_app(settings, rasa) as (url, app):
        yield url, app


def pusher(url, fake, **kw) -> Pusher:
    kw.setdefault("timeout", 1.0)
    kw.setdefault("retry_gap", 0.2)
    return Pusher(url, TOKEN, APP_ID, fake, **kw)


# -- URL verification and refusals -------------------------------------------------------------------------


def test_url_verification(plain, fake):
    url, _ = plain
    q = Pusher(url, TOKEN, APP_ID).signed_query()
    resp = httpx.get(url + "/wechat", params={**q, "echostr": "4869173216852941"})
    assert resp.status_code == 200 and resp.text == "4869173216852941"
    bad = httpx.get(url + "/wechat", params={**q, "signature": "0" * 40, "echostr": "x"})
    assert bad.status_code == 403 and "签名" in bad.text
    stale = Pusher(url, TOKEN, APP_ID).signed_query(timestamp=1_000_000_000)
    assert httpx.get(url + "/wechat", params={**stale, "echostr": "x"}).status_code == 403
    assert httpx.get(url + "/wechat", params={"echostr": "x"}).status_code == 403


async def test_bad_signature_is_refused_and_the_assistant_not_called(plain, fake, rasa):
    url, _ = plain
    marker = f"签名错误测试{secrets.token_hex(4)}"
    query, body = Pusher(url, TOKEN, APP_ID).envelope(text_xml(new_openid(), marker, msg_id()))
    query["signature"] = sha1_sign("another-token", query["timestamp"], query["nonce"])
    async with httpx.AsyncClient() as client:
        resp = await client.post(url + "/wechat", params=query, content=body)
    assert resp.status_code == 403 and "签名" in resp.text
    await asyncio.sleep(0.3)
    assert not any(marker in t for t in rasa.texts())


@pytest.mark.parametrize("body,status", [
    (b"", 400), (b"<xml><unclosed>", 400), (b"\x00\x01binary", 400), (BILLION_LAUGHS.encode(), 400),
    (XXE.encode(), 400), (b"<xml><MsgType>text</MsgType></xml>", 400),
], ids=["empty", "malformed", "binary", "billion-laughs", "xxe", "incomplete"])
async def test_bad_bodies_get_a_clear_4xx(plain, body, status):
    url, _ = plain
    async with httpx.AsyncClient() as client:
        resp = await client.post(url + "/wechat", params=Pusher(url, TOKEN, APP_ID).signed_query(), content=body)
    assert resp.status_code == status and resp.text and "Traceback" not in resp.text


async def test_oversize_bodies_get_413_with_or_without_content_length(plain):
    url, _ = plain
    q = Pusher(url, TOKEN, APP_ID).signed_query()
    big = b"<xml><Content>" + b"A" * 40_000 + b"</Content></xml>"

    async def chunks():
        for i in range(0, len(big), 4096):
            yield big[i:i + 4096]

    async with httpx.AsyncClient() as client:
        assert (await client.post(url + "/wechat", params=q, content=big)).status_code == 413
        resp = await client.post(url + "/wechat", params=q, content=chunks())  # chunked: no Content-Length
        assert resp.status_code == 413 and "过大" in resp.text


async def test_safe_mode_refusals(safe, fake):
    url, _ = safe
    p = Pusher(url, TOKEN, APP_ID, mode="safe", aes_key=NEW_KEY)
    xml = text_xml(new_openid(), "你好", msg_id())
    async with httpx.AsyncClient() as client:
        async def post(query, body):
            return await client.post(url + "/wechat", params=query, content=body)

        q, b = p.envelope(xml, key=new_aes_key())                      # a key we don't have
        assert (await post(q, b)).status_code == 400
        q, b = p.envelope(xml, app_id="wxAnotherAccount0000")           # another account's message
        resp = await post(q, b)
        assert resp.status_code == 403 and "AppID" in resp.text
        q, b = p.envelope(xml)
        q["msg_signature"] = "0" * 40                                    # body signature wrong
        assert (await post(q, b)).status_code == 403
        q, b = p.envelope(BILLION_LAUGHS)                                 # the attack inside the envelope
        assert (await post(q, b)).status_code == 400
        plain_q, plain_b = Pusher(url, TOKEN, APP_ID).envelope(xml)       # plaintext to a safe-mode account
        assert (await post(plain_q, plain_b)).status_code == 403


def test_disabled_connector_says_so(tmp_path):
    settings = get_settings().model_copy(update={"WECHAT_TOKEN": None, "WECHAT_APP_ID": None,
                                                 "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3"})
    with running_app(settings) as (url, _):
        for resp in (httpx.get(url + "/wechat"), httpx.post(url + "/wechat", content=b"<xml/>")):
            assert resp.status_code == 503 and "未启用" in resp.text
            assert "WECHAT" not in resp.text and "docs/" not in resp.text   # no settings named to the public
        ready = httpx.get(url + "/readyz").json()
        assert ready["channels"]["wechat"] == {"enabled": False}
        assert "wechat" not in ready["checks"]  # reported, never a readiness condition


# -- answering --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["plain", "compat", "safe"])
async def test_text_is_answered_passively_in_every_mode(request, fake, mode):
    url, app = request.getfixturevalue("plain" if mode == "plain" else "safe")
    openid = new_openid()
    result = await pusher(url, fake, mode=mode, aes_key=NEW_KEY).push(text_xml(openid, "怎么提出信访", msg_id()), openid)
    assert result.statuses == [200] and "怎么提出信访" in result.passive
    assert "依据：《信访工作条例》第三十五条" in result.passive and "全文" not in result.passive
    assert exactly_once(fake.to(openid))


async def test_the_details_of_the_last_answer_come_on_request(plain, fake, rasa):
    url, app = plain
    openid = new_openid()
    first = await pusher(url, fake).push(text_xml(openid, "欠薪三个月", msg_id()), openid)
    assert first.passive.startswith("建议先走") and "回复“1”查看详细" in first.passive
    assert "劳动合同复印件" not in first.passive and "依法分类处理" not in first.passive   # card and details wait
    calls = len(rasa.calls)
    more = await pusher(url, fake).push(text_xml(openid, "1", msg_id()), openid)
    assert "为什么走这条途径" in more.passive and "谁来办：劳动争议仲裁委员会" in more.passive
    assert "《劳动争议调解仲裁法》第二十七条" in more.passive and len(rasa.calls) == calls   # not a new turn
    other = new_openid()   # another person has no details waiting
    nothing = await pusher(url, fake).push(text_xml(other, "1", msg_id()), other)
    assert "没有可以展开的详细说明" in nothing.passive


async def test_key_rotation_message_under_the_previous_key(safe, fake):
    url, _ = safe
    openid = new_openid()
    result = await pusher(url, fake, mode="safe", aes_key=OLD_KEY).push(text_xml(openid, "旧密钥的消息", msg_id()),
                                                                       openid)
    assert result.statuses == [200] and "旧密钥的消息" in result.passive  # the pusher decrypted it with OLD_KEY


@pytest.mark.parametrize("kind,needle", [("image", "图片"), ("voice", "语音"), ("video", "视频"),
                                         ("location", "区县"), ("link", "链接")])
async def test_other_message_types_get_a_polite_text(plain, fake, rasa, kind, needle):
    url, _ = plain
    openid, before = new_openid(), len(rasa.calls)
    result = await pusher(url, fake).push(media_xml(openid, kind, msg_id()), openid)
    assert needle in result.passive and "文字" in result.passive and "法定途径" in result.passive
    assert len(rasa.calls) == before and exactly_once(fake.to(openid))


async def test_voice_with_speech_recognition_goes_to_the_assistant(plain, fake, rasa):
    url, _ = plain
    openid = new_openid()
    xml = media_xml(openid, "voice", msg_id()).replace("</xml>", "<Recognition><![CDATA[语音识别的问题]]></Recognition></xml>")
    result = await pusher(url, fake).push(xml, openid)
    assert "语音识别的问题" in rasa.texts() and "语音识别的问题" in result.passive


async def test_subscribe_gets_the_welcome_and_unsubscribe_nothing(plain, fake, rasa):
    url, app = plain
    openid = new_openid()
    before = app.state.store.count_turns("wechat")
    result = await pusher(url, fake).push(event_xml(openid, "subscribe"), openid)
    assert result.passive and rasa.calls[-1][1] == "/greet"
    assert app.state.store.count_turns("wechat") == before + 1
    calls = len(rasa.calls)
    result = await pusher(url, fake).push(event_xml(openid, "unsubscribe"), openid)
    assert result.statuses == [200] and result.passive is None and len(rasa.calls) == calls
    assert len(fake.to(openid)) == 1


async def test_very_long_input_is_answered_not_dropped(plain, fake, rasa):
    url, _ = plain
    openid = new_openid()
    result = await pusher(url, fake).push(text_xml(openid, "超长" + "欠薪" * 2000, msg_id()), openid)
    assert "只读了前 2000 字" in result.passive
    assert max(len(t) for t in rasa.texts() if t.startswith("超长")) == 2000


async def test_long_answer_is_split_and_each_part_delivered_once(plain, fake):
    url, _ = plain
    openid = new_openid()
    result = await pusher(url, fake).push(text_xml(openid, "长答案请求", msg_id()), openid)
    await settle(fake, [openid], grace=0.5)
    got = fake.to(openid)
    assert result.passive.startswith("（1/") and first_part(got).via == "passive"
    assert all(d.via == "cs" for d in got if d is not first_part(got)) and len(got) > 1
    assert all(len(d.content.encode()) <= 2048 for d in got)
    assert all(d.content.rstrip().endswith(("。", "）")) for d in got)  # sentence ends (or the truncation note)
    assert exactly_once(got)


async def test_assistant_outage_is_an_apology_and_crisis_still_comes_first(plain, fake, rasa):
    url, _ = plain
    rasa.down = True
    try:
        openid = new_openid()
        result = await pusher(url, fake).push(text_xml(openid, "请问怎么办", msg_id()), openid)
        assert "抱歉" in result.passive and exactly_once(fake.to(openid))
        openid = new_openid()
        result = await pusher(url, fake).push(text_xml(openid, "我不想活了", msg_id()), openid)
        assert "110" in result.passive.split("抱歉")[0]
    finally:
        rasa.down = False


# -- the five-second rule ------------------------------------------------------------------------------------


async def test_finished_between_retries_answers_the_retry_passively(plain, fake):
    url, app = plain
    openid = new_openid()
    result = await pusher(url, fake).push(text_xml(openid, "稍慢的问题", msg_id()), openid)
    assert result.statuses == ["timeout", 200] and result.passive
    await settle(fake, [openid], grace=0.5)
    assert [d.via for d in fake.to(openid)] == ["passive"]


async def test_slow_answer_goes_once_through_customer_service_after_the_retries(plain, fake):
    url, app = plain
    openid, before = new_openid(), app.state.store.count_turns("wechat")
    result = await pusher(url, fake).push(text_xml(openid, "慢问题", msg_id()), openid)
    assert result.statuses == ["timeout", "timeout", 200] and result.passive is None and not result.error_notice
    await settle(fake, [openid])
    got = fake.to(openid)
    assert [d.via for d in got] == ["cs"] and "慢问题" in got[0].content
    assert app.state.store.count_turns("wechat") == before + 1


async def test_token_refused_mid_way_is_refreshed_and_delivered_once(plain, fake):
    url, _ = plain
    openid = new_openid()
    task = asyncio.create_task(pusher(url, fake).push(text_xml(openid, "慢问题·令牌", msg_id()), openid))
    await asyncio.sleep(1.5)
    fake.revoke_all()  # the cached token dies while the answer is being prepared
    errors = fake.token_errors_returned
    await task
    await settle(fake, [openid])
    assert [d.via for d in fake.to(openid)] == ["cs"] and fake.token_errors_returned == errors + 1


async def test_when_wechat_stops_retrying_the_safety_net_sends_it(plain, fake):
    url, _ = plain
    openid = new_openid()
    result = await pusher(url, fake, retries=0).push(text_xml(openid, "很慢的问题", msg_id()), openid)
    assert result.statuses == ["timeout"]
    await settle(fake, [openid])  # sent 3 attempts x 1 s + 1 s after the first attempt
    assert [d.via for d in fake.to(openid)] == ["cs"]


async def test_wechat_waiting_longer_than_configured_still_gets_one_answer(plain, fake):
    url, _ = plain
    openid = new_openid()
    # WeChat's real timeout turns out longer than WECHAT_CALLBACK_TIMEOUT_SECONDS: the held first attempt is
    # still connected when the hold ends, so it is answered "success" and the answer goes by the API.
    result = await pusher(url, fake, timeout=3.0).push(text_xml(openid, "慢问题·长等待", msg_id()), openid)
    assert result.statuses == [200] and result.passive is None
    await settle(fake, [openid])
    assert [d.via for d in fake.to(openid)] == ["cs"]


async def test_retries_never_give_two_answers_or_two_records(plain, fake, rasa):
    url, app = plain
    openid, mid, before = new_openid(), msg_id(), app.state.store.count_turns("wechat")
    xml = text_xml(openid, "重复投递的问题", mid)
    p = pusher(url, fake)
    first = await p.push(xml, openid)
    again = await asyncio.gather(*(p.push(xml, openid) for _ in range(5)))  # WeChat re-sends the same MsgId
    assert first.passive and all(r.statuses == [200] and r.passive is None for r in again)
    assert len(fake.to(openid)) == 1 and app.state.store.count_turns("wechat") == before + 1
    assert sum(t == "重复投递的问题" for t in rasa.texts()) == 1


async def test_concurrent_duplicates_of_a_slow_message(plain, fake):
    url, app = plain
    openid, before = new_openid(), app.state.store.count_turns("wechat")
    xml = text_xml(openid, "很慢的并发重复", msg_id())
    p = pusher(url, fake)
    await asyncio.gather(*(p.push(xml, openid) for _ in range(4)))
    await settle(fake, [openid])
    assert exactly_once(fake.to(openid)) and app.state.store.count_turns("wechat") == before + 1


async def test_twenty_concurrent_messages_each_answered_exactly_once(plain, fake):
    url, _ = plain
    texts = ["慢问题并发", "稍慢问题并发", "长答案并发", "普通问题并发", "很慢问题并发"] * 4
    users = [new_openid() for _ in texts]
    p = pusher(url, fake)
    async with httpx.AsyncClient() as client:
        await asyncio.gather(*(p.push(text_xml(u, t, msg_id()), u, client) for u, t in zip(users, texts, strict=True)))
    await settle(fake, users)
    once = sum(exactly_once(fake.to(u)) for u in users)
    print(f"\nstand-in assistant: {once}/{len(users)} messages answered exactly once")
    assert once == len(users)


# -- privacy and accounts without the customer-service API --------------------------------------------------


async def test_openid_never_in_clear_in_store_or_logs(plain, fake, caplog):
    url, app = plain
    caplog.set_level(logging.DEBUG)
    openid = new_openid()
    await pusher(url, fake).push(text_xml(openid, "我的电话13812345678，公司欠薪", msg_id()), openid)
    await pusher(url, fake).push(text_xml(openid, "慢问题·隐私", msg_id()), openid)
    await pusher(url, fake).push(event_xml(openid, "subscribe"), openid)
    await asyncio.sleep(1.5)
    logged = "\n".join(r.getMessage() + " " + str(r.__dict__) for r in caplog.records)
    assert "/wechat" in logged  # the access log was captured...
    assert openid not in logged and "13812345678" not in logged  # ...without the OpenID or the phone number
    rows = app.state.store.recent_turns(200, channel="wechat")
    assert rows and not any(openid in str(r) or "13812345678" in str(r) for r in rows)


async def test_without_customer_service_a_late_answer_is_an_apology(fake, tmp_path):
    rasa = FakeRasa(answers={"长答案": [{"text": LONG_ANSWER}]}, delays={"慢": 3.0})
    settings = wechat_settings(get_settings(), fake.url, tmp_path / "db.sqlite3", WECHAT_APP_SECRET=None)
    with running_app(settings, rasa) as (url, app):
        assert app.state.wechat.info()["customer_service"] is False
        openid = new_openid()
        result = await pusher(url, fake).push(text_xml(openid, "慢问题", msg_id()), openid)
        assert result.statuses == ["timeout", "timeout", 200] and "稍后再发" in result.passive
        openid2 = new_openid()
        result = await pusher(url, fake).push(text_xml(openid2, "长答案", msg_id()), openid2)
        assert "省略" in result.passive and len(result.passive.encode()) <= 2048
        await asyncio.sleep(3.0)
        assert len(fake.to(openid)) == 1 and len(fake.to(openid2)) == 1
