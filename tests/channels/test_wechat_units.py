"""The WeChat connector's parts, without Rasa: crypto, XML safety, splitting, state, tokens, rendering."""

from __future__ import annotations

import base64
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from wechatpy import parse_message
from wechatpy.crypto import PrpCrypto, WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException

from bot.conversation import Turn
from channels.wechat.config import WeChatConfig, valid_aes_key
from channels.wechat.crypto import DecryptError, MessageCrypto, StrictPrpCrypto, sign, signature_ok
from channels.wechat.errors import BadMessage
from channels.wechat.logs import redact
from channels.wechat.parsing import checked_fields, parse_inbound
from channels.wechat.render import turn_text, unsupported_text
from channels.wechat.splitting import split_text, utf8_len
from channels.wechat.state import MemoryStateStore
from tests.channels.fake_wechat import (
    APP_ID,
    TOKEN,
    new_aes_key,
    peer_decrypt,
    peer_encrypt,
    sha1_sign,
    text_xml,
)

XML = text_xml("oUser123", "公司拖欠工资怎么办", 1234567890123456)

# -- crypto ---------------------------------------------------------------------------------------------


def test_fixed_vector_matches_wechatpy_and_the_hand_written_scheme():
    key = base64.b64encode(bytes(range(32))).decode()[:-1]
    prefix = b"0123456789abcdef"

    class Fixed(PrpCrypto):
        def get_random_string(self):
            return prefix.decode()

    ours = peer_encrypt(key, APP_ID, XML, prefix=prefix)
    theirs = Fixed(bytes(range(32))).encrypt(XML, APP_ID).decode()
    assert ours == theirs
    assert len(base64.b64decode(ours)) % 32 == 0          # WeChat's PKCS#7 pads to 32-byte blocks
    assert MessageCrypto(TOKEN, APP_ID, (key,)).decrypt(ours).xml == XML


@settings(max_examples=40, deadline=None)
@given(st.text(min_size=1, max_size=600))
def test_round_trips_every_way(text):
    key = new_aes_key()
    ours = MessageCrypto(TOKEN, APP_ID, (key,))
    assert ours.decrypt(peer_encrypt(key, APP_ID, text)).xml == text
    env = ours.encrypt_reply(text, "nonce42", 0, "1700000000")
    enc = re.search(r"<Encrypt><!\[CDATA\[(.*?)\]\]></Encrypt>", env).group(1)
    assert peer_decrypt(key, APP_ID, enc) == text
    # and with wechatpy's own envelope code in both directions
    wc = WeChatCrypto(TOKEN, key, APP_ID)
    assert wc.decrypt_message(env, sha1_sign(TOKEN, "1700000000", "nonce42", enc), "1700000000", "nonce42") == text
    assert ours.decrypt(wc._encrypt_message(text, "n", "1", PrpCrypto).split("CDATA[")[1].split("]]")[0]).xml == text


def test_reply_signature_is_wechats_msg_signature():
    key = new_aes_key()
    env = MessageCrypto(TOKEN, APP_ID, (key,)).encrypt_reply("<xml/>", "abc", 0, "1700000001")
    enc = re.search(r"<Encrypt><!\[CDATA\[(.*?)\]\]>", env).group(1)
    sig = re.search(r"<MsgSignature><!\[CDATA\[(.*?)\]\]>", env).group(1)
    assert sig == sha1_sign(TOKEN, "1700000001", "abc", enc)


def test_key_rotation_decrypts_with_the_previous_key_and_answers_with_it():
    old, new = new_aes_key(), new_aes_key()
    crypto = MessageCrypto(TOKEN, APP_ID, (new, old))
    assert crypto.decrypt(peer_encrypt(new, APP_ID, XML)).key_index == 0
    got = crypto.decrypt(peer_encrypt(old, APP_ID, XML))
    assert (got.xml, got.key_index) == (XML, 1)
    env = crypto.encrypt_reply("<xml>r</xml>", "n", got.key_index)
    enc = re.search(r"<Encrypt><!\[CDATA\[(.*?)\]\]>", env).group(1)
    assert peer_decrypt(old, APP_ID, enc) == "<xml>r</xml>"


def test_wrong_key_and_wrong_app_are_told_apart():
    key = new_aes_key()
    crypto = MessageCrypto(TOKEN, APP_ID, (key,))
    with pytest.raises(DecryptError):
        crypto.decrypt(peer_encrypt(new_aes_key(), APP_ID, XML))
    with pytest.raises(InvalidAppIdException):
        crypto.decrypt(peer_encrypt(key, "wxSomeoneElse000000", XML))


@pytest.mark.parametrize("garbage", ["", "not base64!!", base64.b64encode(b"short").decode(),
                                     base64.b64encode(b"x" * 33).decode(), base64.b64encode(bytes(64)).decode()])
def test_garbage_ciphertext_is_a_decrypt_error(garbage):
    with pytest.raises(DecryptError):
        StrictPrpCrypto(base64.b64decode(new_aes_key() + "=")).decrypt(garbage, APP_ID)


def test_signatures():
    sig = sign(TOKEN, "1700000000", "99")
    assert sig == sha1_sign(TOKEN, "1700000000", "99")
    assert signature_ok((TOKEN, "1700000000", "99"), sig)
    assert signature_ok((TOKEN, "1700000000", "99"), sig.upper())
    assert not signature_ok((TOKEN, "1700000000", "98"), sig)
    assert not signature_ok((TOKEN, "1700000000", "99"), None)


def test_config_checks_keys_and_budget():
    assert valid_aes_key(new_aes_key())
    assert not valid_aes_key("short")
    with pytest.raises(ValueError, match="43"):
        WeChatConfig(token="t", app_id="a", aes_keys=("x" * 43 + "!",))
    with pytest.raises(ValueError, match="shorter"):
        WeChatConfig(token="t", app_id="a", reply_budget=5.0, callback_timeout=5.0)


# -- XML safety -----------------------------------------------------------------------------------------

BILLION_LAUGHS = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
                  + "".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">'
                            for i in range(1, 10))
                  + ']><xml><ToUserName>a</ToUserName><FromUserName>oX</FromUserName><CreateTime>1</CreateTime>'
                    '<MsgType>text</MsgType><Content>&lol9;</Content><MsgId>1</MsgId></xml>')
XXE = ('<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
       '<xml><ToUserName>a</ToUserName><FromUserName>oX</FromUserName><CreateTime>1</CreateTime>'
       '<MsgType>text</MsgType><Content>&xxe;</Content><MsgId>1</MsgId></xml>')
EXTERNAL_DTD = '<?xml version="1.0"?><!DOCTYPE xml SYSTEM "http://example.invalid/x.dtd"><xml><a>1</a></xml>'
QUADRATIC = ('<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY a "' + "A" * 5000 + '">]><xml><Content>'
             + "&a;" * 5000 + "</Content></xml>")


@pytest.mark.parametrize("body", [BILLION_LAUGHS, XXE, EXTERNAL_DTD, QUADRATIC],
                         ids=["billion-laughs", "xxe", "external-dtd", "quadratic"])
def test_entity_attacks_are_refused_before_wechatpy(body):
    with pytest.raises(BadMessage, match="DTD"):
        parse_inbound(body.encode())


def test_wechatpys_own_parser_refuses_entities_only_through_xmltodict():
    # The finding behind parsing.py: wechatpy relies on xmltodict's disable_entities default, and lets its
    # ValueError escape, so it can't be the first parser to see untrusted bytes.
    with pytest.raises(ValueError):
        parse_message(BILLION_LAUGHS)


@pytest.mark.parametrize("body,needle", [
    (b"", "为空"), (b"   ", "为空"), (b"<xml><a>", "格式"), (b"\xff\xfe\x00<", "格式"), (b"{\"json\": 1}", "格式"),
    (b"<root><a>1</a></root>", "根元素"), (b"<xml><MsgType>text</MsgType></xml>", "FromUserName"),
    (text_xml("o user", "x", 1).encode(), "FromUserName"),
    (text_xml("oUser", "x", "1; DROP").encode(), "MsgId"),
])
def test_malformed_messages_are_bad_requests(body, needle):
    with pytest.raises(BadMessage, match=needle):
        parse_inbound(body)


def test_parsing_messages_and_events():
    m = parse_inbound(XML.encode())
    assert (m.kind, m.openid, m.msg_id, m.content) == ("text", "oUser123", "1234567890123456", "公司拖欠工资怎么办")
    ev = parse_inbound(b"<xml><ToUserName>gh</ToUserName><FromUserName>oU</FromUserName><CreateTime>17</CreateTime>"
                       b"<MsgType>event</MsgType><Event>subscribe</Event><EventKey>qrscene_9</EventKey></xml>")
    assert (ev.kind, ev.event, ev.msg_id) == ("event", "subscribe", None)
    assert ev.dedup_key("wechat-abc") == "evt:wechat-abc:17:subscribe"
    assert checked_fields(b"<xml><A>1</A><B/></xml>") == {"A": "1", "B": ""}


# -- splitting ------------------------------------------------------------------------------------------

SENTENCES = ["根据《信访工作条例》第三十五条，信访人对处理意见不服的，可以自收到书面答复之日起30日内请求复查。",
             "劳动争议应当先申请劳动仲裁！", "您可以拨打12348咨询？", "短句。"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(SENTENCES + ["\n"]), min_size=1, max_size=120),
       st.sampled_from([200, 600, 2048]))
def test_split_parts_fit_and_break_at_sentences(pieces, limit):
    text = "".join(pieces)
    parts = split_text(text, limit)
    assert all(utf8_len(p) <= limit for p in parts)
    bare = [re.sub(r"^（\d+/\d+）", "", p) for p in parts]
    assert re.sub(r"\s", "", "".join(bare)) == re.sub(r"\s", "", text)
    for p in bare[:-1]:
        assert p.rstrip()[-1] in "。！？；\n", p[-20:]


@pytest.mark.parametrize("text,limit", [("很长的一句话，没有句号" * 400, 2048), ("x" * 5000, 2048), ("字" * 3000, 300)])
def test_run_on_text_is_still_cut_within_the_limit(text, limit):
    parts = split_text(text, limit)
    assert len(parts) > 1 and all(utf8_len(p) <= limit for p in parts)


def test_too_many_parts_are_truncated_with_a_note():
    parts = split_text(SENTENCES[0] * 200, 2048, max_parts=3)
    assert len(parts) == 3 and parts[-1].endswith("省略；请把问题问得更具体一些。）")
    assert parts[0].startswith("（1/3）") and all(utf8_len(p) <= 2048 for p in parts)
    assert split_text("  ", 2048) == [] and split_text("好。", 2048) == ["好。"]


# -- rendering ------------------------------------------------------------------------------------------


def test_citations_are_condensed_and_buttons_listed():
    turn = Turn(texts=["建议申请复查。"], messages=[{"text": "建议申请复查。", "buttons": [{"title": "怎么提出信访？"}]}],
                payloads=[{"citations": [{"id": "a#35", "law": "信访工作条例", "article": 35,
                                          "citation": "《信访工作条例》第三十五条", "text": "完整的条文内容很长很长"}]}])
    text = turn_text(turn)
    assert "依据：《信访工作条例》第三十五条" in text
    assert "完整的条文内容" not in text and "· 怎么提出信访？" in text
    # a citation the text already names is not repeated
    turn.texts = ["依据《信访工作条例》第三十五条，可以申请复查。"]
    assert "依据：" not in turn_text(turn)
    assert "文字" in unsupported_text("image") and "语音" in unsupported_text("voice")


def test_log_redaction():
    line = 'POST /wechat?signature=ab&openid=oSecretOpenId&timestamp=1 HTTP/1.1'
    assert "oSecretOpenId" not in redact(line) and "openid=***" in redact(line)
    assert "s3cr3t" not in redact("GET https://api.weixin.qq.com/cgi-bin/token?appid=wx1&secret=s3cr3t")


# -- state store (the Redis one runs the same contract in test_wechat_redis.py) ---------------------------


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


async def test_memory_store_claims_once_and_expires():
    clock = Clock()
    store = MemoryStateStore(clock)
    assert await store.claim("k", "a", 10) and not await store.claim("k", "b", 10)
    assert await store.get("k") == "a"
    assert [await store.incr("n", 10) for _ in range(3)] == [1, 2, 3]
    clock.now = 11
    assert await store.get("k") is None and await store.claim("k", "c", 10)
    assert await store.incr("n", 10) == 1
