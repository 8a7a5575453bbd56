"""The WeChat connector with the real assistant (Rasa + actions via ``live_service``) and the simulated WeChat.

Timings as in test_wechat_protocol.py (budget 0.5 s, WeChat timeout 1 s, 3 attempts),
so a real answer may come passively, on a retry, or through the customer-service
API; what is checked is the citizen's view: what arrived, and that it arrived once.
"""

from __future__ import annotations

import asyncio
import logging

import httpx
import pytest

from tests.channels.fake_wechat import (
    APP_ID,
    TOKEN,
    DelayedConversations,
    FakeWeChat,
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
    text_xml,
    wechat_settings,
)

pytestmark = pytest.mark.integration

WAGES = "公司拖欠工资怎么办"
# 慢: past the last attempt's budget (attempts at 0, 1.2 and 2.4 s, each waiting 0.5 s) with a clear margin
DELAYS = {"慢：": 4.0, "稍慢：": 0.8}


@pytest.fixture(scope="module")
def live(live_service, fake, tmp_path_factory):
    settings = wechat_settings(live_service["settings"], fake.url, tmp_path_factory.mktemp("live") / "db.sqlite3")
    with running_app(settings) as (url, app):
        app.state.conversations = DelayedConversations(app.state.conversations, DELAYS)
        yield url, app


def pusher(url, fake, **kw) -> Pusher:
    kw.setdefault("timeout", 1.0)
    kw.setdefault("retry_gap", 0.2)
    return Pusher(url, TOKEN, APP_ID, fake, **kw)


def received(fake: FakeWeChat, openid: str) -> str:
    return "\n".join(d.content for d in fake.to(openid))


async def test_readyz_reports_the_connector_without_depending_on_it(live_service, live):
    default = httpx.get(live_service["api"] + "/readyz", timeout=10).json()  # started without WECHAT_* settings
    assert default["ready"] is True and default["channels"]["wechat"]["enabled"] is False
    url, _ = live
    ours = httpx.get(url + "/readyz", timeout=10).json()
    assert ours["ready"] is True and ours["channels"]["wechat"]["enabled"] is True


async def test_wage_question_gets_the_labour_route(live, fake):
    url, app = live
    openid = new_openid()
    await pusher(url, fake).push(text_xml(openid, WAGES, msg_id()), openid)
    await settle(fake, [openid])
    text = received(fake, openid)
    assert exactly_once(fake.to(openid)) and ("劳动" in text or "仲裁" in text)
    assert all(len(d.content.encode()) <= 2048 for d in fake.to(openid))


async def test_subscribe_gets_the_welcome(live, fake):
    url, _ = live
    openid = new_openid()
    await pusher(url, fake).push(event_xml(openid, "subscribe"), openid)
    await settle(fake, [openid])
    text = received(fake, openid)
    assert exactly_once(fake.to(openid)) and "隐私" in text and "法律信息" in text


@pytest.mark.parametrize("kind", ["image", "voice"])
async def test_media_gets_a_polite_text(live, fake, kind):
    url, _ = live
    openid = new_openid()
    result = await pusher(url, fake).push(media_xml(openid, kind, msg_id()), openid)
    assert result.passive and "文字" in result.passive and exactly_once(fake.to(openid))


async def test_very_long_input_is_answered(live, fake):
    url, _ = live
    openid = new_openid()
    long_text = "老板拖欠我三个月工资，" + "我多次去公司讨要都没有结果，" * 200
    await pusher(url, fake).push(text_xml(openid, long_text, msg_id()), openid)
    await settle(fake, [openid])
    assert exactly_once(fake.to(openid)) and "只读了前 2000 字" in received(fake, openid)


async def test_safe_mode_and_key_rotation_with_the_real_assistant(live_service, fake, tmp_path):
    new, old = new_aes_key(), new_aes_key()
    settings = wechat_settings(live_service["settings"], fake.url, tmp_path / "db.sqlite3",
                               WECHAT_AES_KEY=new, WECHAT_PREVIOUS_AES_KEY=old, WECHAT_REPLY_BUDGET_SECONDS=0.9,
                               WECHAT_CALLBACK_TIMEOUT_SECONDS=2.0)
    with running_app(settings) as (url, _):
        users = []
        for key in (new, old):
            openid = new_openid()
            users.append(openid)
            await pusher(url, fake, mode="safe", aes_key=key, timeout=2.0).push(
                text_xml(openid, "对信访处理意见不服怎么办", msg_id()), openid)
        await settle(fake, users)
        for openid in users:
            assert exactly_once(fake.to(openid)) and "复查" in received(fake, openid)


async def test_real_answer_split_under_a_small_limit(live_service, fake, tmp_path):
    settings = wechat_settings(live_service["settings"], fake.url, tmp_path / "db.sqlite3",
                               WECHAT_TEXT_MAX_BYTES=400, WECHAT_MAX_PARTS=5)
    with running_app(settings) as (url, _):
        openid = new_openid()
        await pusher(url, fake).push(text_xml(openid, "公司拖欠我三个月工资，老板躲着不见", msg_id()), openid)
        await settle(fake, [openid])
        got = fake.to(openid)
        assert len(got) > 1 and exactly_once(got)
        assert all(len(d.content.encode()) <= 400 for d in got)
        for d in got[:-1]:
            assert d.content.rstrip()[-1] in "。！？；”）", d.content[-30:]


async def test_slow_answer_once_through_customer_service(live, fake):
    url, app = live
    openid, before = new_openid(), app.state.store.count_turns("wechat")
    result = await pusher(url, fake).push(text_xml(openid, "慢：" + WAGES, msg_id()), openid)
    assert result.statuses == ["timeout", "timeout", 200] and result.passive is None
    await settle(fake, [openid])
    assert {d.via for d in fake.to(openid)} == {"cs"} and exactly_once(fake.to(openid))
    assert app.state.store.count_turns("wechat") == before + 1


async def test_answer_ready_between_retries_goes_passively(live, fake):
    url, _ = live
    openid = new_openid()
    result = await pusher(url, fake).push(text_xml(openid, "稍慢：" + WAGES, msg_id()), openid)
    assert result.statuses[0] == "timeout" and result.passive
    await settle(fake, [openid])
    assert first_part(fake.to(openid)).via == "passive" and exactly_once(fake.to(openid))


async def test_token_refused_mid_way(live, fake):
    url, _ = live
    openid = new_openid()
    task = asyncio.create_task(pusher(url, fake).push(text_xml(openid, "慢：" + WAGES, msg_id()), openid))
    await asyncio.sleep(1.0)
    fake.revoke_all()
    errors = fake.token_errors_returned
    await task
    await settle(fake, [openid])
    assert exactly_once(fake.to(openid)) and fake.token_errors_returned == errors + 1


async def test_retries_make_one_record_and_one_answer(live, fake):
    url, app = live
    openid, mid, before = new_openid(), msg_id(), app.state.store.count_turns("wechat")
    p = pusher(url, fake)
    xml = text_xml(openid, "对信访处理意见不服怎么办", mid)
    await asyncio.gather(*(p.push(xml, openid) for _ in range(4)))
    await settle(fake, [openid])
    assert exactly_once(fake.to(openid)) and app.state.store.count_turns("wechat") == before + 1


async def test_openid_not_in_clear_in_store_or_logs(live, fake, caplog):
    url, app = live
    caplog.set_level(logging.DEBUG)
    openid = new_openid()
    await pusher(url, fake).push(text_xml(openid, "我的手机13912345678，" + WAGES, msg_id()), openid)
    await pusher(url, fake).push(text_xml(openid, "慢：我的身份证11010519491231002X", msg_id()), openid)
    await settle(fake, [openid])
    logged = "\n".join(r.getMessage() + " " + str(r.__dict__) for r in caplog.records)
    assert "/wechat" in logged and openid not in logged
    assert "13912345678" not in logged and "11010519491231002X" not in logged
    rows = app.state.store.recent_turns(500, channel="wechat")
    assert rows and not any(openid in str(r) for r in rows)
    assert not any("13912345678" in str(r) or "11010519491231002X" in str(r) for r in rows)


async def test_twenty_concurrent_messages_exactly_once(live, fake):
    url, _ = live
    questions = ["慢：" + WAGES, "稍慢：对信访处理意见不服怎么办", "对政府部门的处罚决定不服怎么办",
                 "邻居占了我家宅基地怎么办", "怎么提出信访"] * 4
    users = [new_openid() for _ in questions]
    p = pusher(url, fake)
    async with httpx.AsyncClient() as client:
        results = await asyncio.gather(*(p.push(text_xml(u, q, msg_id()), u, client)
                                         for u, q in zip(users, questions, strict=True)))
    await settle(fake, users, timeout=120)
    once = sum(exactly_once(fake.to(u)) for u in users)
    passive = sum(1 for u in users if first_part(fake.to(u)) and first_part(fake.to(u)).via == "passive")
    print(f"\nreal assistant: {once}/{len(users)} messages answered exactly once "
          f"({passive} passively, {len(users) - passive} through the customer-service API; "
          f"WeChat attempts: {sum(r.attempts for r in results)})")
    assert once == len(users) and not any(r.error_notice for r in results)
