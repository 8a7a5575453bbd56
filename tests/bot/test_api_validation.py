"""Bad input never reaches the dialogue and never gets a 500."""

import json
import re
import uuid

import pytest
from fastapi.testclient import TestClient

from bot.app import create_app
from common.settings import Settings


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    # Rasa deliberately unreachable: validation must answer before it is needed.
    db = tmp_path_factory.mktemp("db") / "t.sqlite3"
    app = create_app(Settings(RASA_URL="http://127.0.0.1:9", ACTIONS_PORT=9, DATABASE_URL=f"sqlite:///{db}"))
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@pytest.mark.parametrize("path,body,status,words", [
    ("/api/chat", {"text": "你好"}, 422, "缺少字段 sender"),
    ("/api/chat", {"sender": "a"}, 422, "缺少字段 text"),
    ("/api/chat", {"sender": "a", "text": "欠" * 10000}, 422, "太长"),
    ("/api/chat", {"sender": "a", "text": "   "}, 422, "不能只有空白"),
    ("/api/chat", {"sender": 5, "text": 7}, 422, "类型不对"),
    ("/api/chat", {"sender": "a", "text": "x", "evil": 1}, 422, "不认识的字段"),
    ("/api/ask", {"region": "350206"}, 422, "缺少字段 text"),
    ("/api/ask", {"text": ["列表"]}, 422, "类型不对"),
    ("/api/ask", [], 422, "请求有误"),
])
def test_bad_json_bodies_get_a_clear_4xx(client, path, body, status, words):
    resp = client.post(path, json=body)
    assert resp.status_code == status and words in resp.json()["error"]


@pytest.mark.parametrize("path,body", [
    ("/api/ask", {"text": "湖里区信访局在哪", "region": "abc<script>"}),
    ("/api/ask", {"text": "湖里区信访局在哪", "region": "x" * 40}),
    ("/api/chat", {"sender": "a", "text": "湖里区信访局在哪", "metadata": {"region": "<b>厦门</b>"}}),
    ("/api/chat", {"sender": "a", "text": "湖里区信访局在哪", "metadata": {"region": 350206}}),
])
def test_a_region_that_is_no_code_or_place_name_is_refused(client, path, body):
    resp = client.post(path, json=body)
    assert resp.status_code == 422 and "地区代码" in resp.json()["error"] and "<" not in resp.json()["error"]


def test_a_blank_text_is_refused_in_chinese_only(client):
    resp = client.post("/api/ask", json={"text": " \n "})
    assert resp.status_code == 422 and "不能只有空白" in resp.json()["error"]
    assert not re.search("[A-Za-z]{3,}", resp.json()["error"].replace("text", ""))   # no 「Value error」 from pydantic


@pytest.mark.parametrize("content", [b"{not json", b"\x00\xff\xfe binary", "中文但不是JSON".encode()])
def test_invalid_json_and_binary_are_400(client, content):
    resp = client.post("/api/ask", content=content, headers={"content-type": "application/json"})
    assert resp.status_code == 400 and "JSON" in resp.json()["error"]


def test_oversized_body_is_413(client):
    resp = client.post("/api/ask", content=b"x" * 200_000, headers={"content-type": "application/json"})
    assert resp.status_code == 413


def test_dialogue_down_is_503_with_a_message_not_a_500(client):
    resp = client.post("/api/ask", json={"text": "复查怎么申请"})
    assert resp.status_code == 503 and "暂时不可用" in resp.json()["error"]


def test_readyz_is_503_when_parts_are_down(client):
    resp = client.get("/readyz")
    assert resp.status_code == 503 and resp.json()["checks"]["rasa"] is False


def test_openapi_documents_the_api(client):
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/chat", "/api/ask", "/readyz"} <= set(paths)


@pytest.mark.parametrize("body,words", [
    ({"sender": "a", "turn_id": "t1", "rating": 5}, "rating"),
    ({"sender": "a", "turn_id": "<script>", "rating": 1}, "turn_id"),
    ({"sender": "a", "rating": 1}, "缺少字段 turn_id"),
])
def test_bad_feedback_is_422(client, body, words):
    resp = client.post("/api/feedback", json=body)
    assert resp.status_code == 422 and words in resp.json()["error"]


def test_feedback_is_stored_once_per_user_and_answer_with_pii_masked(answering):
    turn_id = answered(answering, "s1")
    for rating in (1, -1):
        resp = answering.post("/api/feedback", json={"sender": "s1", "turn_id": turn_id, "rating": rating,
                                                     "comment": "我电话13912345678"})
        assert resp.status_code == 204
    rows = answering.app.state.store.feedback_rows(turn_id)
    assert len(rows) == 1 and rows[0]["rating"] == -1
    assert "13912345678" not in rows[0]["comment"] and "[手机号]" in rows[0]["comment"]
    assert rows[0]["user_hash"].startswith("web-") and "s1" not in rows[0]["user_hash"]


def test_the_startup_heap_is_out_of_the_collectors_way(tmp_path):
    # a full collection under load walks what requests left, not the modules and data loaded
    # at startup (about 60 ms with the event loop stopped, measured, when it did)
    import gc

    app = create_app(Settings(RASA_URL="http://127.0.0.1:9", ACTIONS_PORT=9,
                              DATABASE_URL=f"sqlite:///{tmp_path / 't.sqlite3'}"))
    before = gc.get_freeze_count()
    with TestClient(app, raise_server_exceptions=False):
        assert gc.get_freeze_count() > before
        assert gc.get_freeze_count() > 10 * len(gc.get_objects(generation=2))


# -- issue 19: what a client sends can neither get past the limits nor cause a 500 ------------------------

ROUTES = ["/api/chat", "/api/ask", "/api/feedback", "/nowhere"]
NO_ENGLISH = re.compile(r"[A-Za-z]{3,}")


def english_in(message: str) -> list[str]:
    """English words in a message other than the field names it may quote."""
    for field in ("metadata", "region", "channel", "locale", "sender", "text", "turn_id", "rating", "comment", "JSON",
                  "slots"):   # the last: a key the client sent, named back
        message = message.replace(field, "")
    return NO_ENGLISH.findall(message)


def chunked(head: bytes, total: int, chunk: int = 64 * 1024):
    """A body sent with Transfer-Encoding: chunked (no Content-Length): ``head``, then spaces up to ``total``."""
    yield head
    sent = len(head)
    while sent < total:
        yield b" " * min(chunk, total - sent)
        sent += chunk


@pytest.mark.parametrize("path", ROUTES)
def test_a_chunked_body_over_the_limit_is_413_on_every_route(client, path):
    head = b'{"sender": "a", "text": "\xe4\xbd\xa0\xe5\xa5\xbd", "turn_id": "t1", "rating": 1}'
    resp = client.post(path, content=chunked(head, 11 * 1024 * 1024), headers={"content-type": "application/json"})
    assert resp.status_code == 413 and "过大" in resp.json()["error"]


def test_a_chunked_body_under_the_limit_still_reaches_the_route(client):
    resp = client.post("/api/ask", content=chunked(b'{"text": "  "}', 1000, chunk=100),
                       headers={"content-type": "application/json"})
    assert resp.status_code == 422 and "不能只有空白" in resp.json()["error"]


@pytest.mark.parametrize("raw,words", [
    (b'{"sender": "a", "text": "x", "metadata": {"channel": "\\ud800"}}', "无法识别的字符"),
    (b'{"sender": "a", "text": "x", "metadata": {"region": "350206", "x": NaN}}', "不认识的字段"),
    (b'{"sender": "a", "text": "x", "metadata": {"region": NaN}}', "地区代码"),
    (b'{"sender": "a", "text": "x", "metadata": {"locale": -Infinity}}', "类型不对"),
    (b'{"sender": "a", "text": "x", "metadata": {"channel": {"a": [1, 2]}}}', "类型不对"),
    (b'{"sender": "a", "text": "x", "metadata": {"locale": "' + b"z" * 100 + b'"}}', "太长"),
    (b'{"sender": "a", "text": "x", "metadata": {"slots": {"region": "<script>"}}}', "不认识的字段"),
    (b'{"sender": "a", "text": "x", "metadata": []}', "类型不对"),
    (b'{"sender": "a", "text": "\\ud800"}', "无法识别的字符"),
    (b'{"sender": "\\udfff", "text": "x"}', "无法识别的字符"),
    (b'{"sender": "a", "text": "x", "metadata": {"region": "\\ud800"}}', "地区代码"),
    (b'{"sender": "a", "text": "x", "metadata": {"\\ud800": 1}}', "无法识别的字符"),   # in a key, too
    (b'{"sender": "a", "text": "x", "\\udc00\\ud800": 1}', "无法识别的字符"),
])
def test_metadata_and_text_the_service_cannot_read_are_refused_in_chinese(client, raw, words):
    resp = client.post("/api/chat", content=raw, headers={"content-type": "application/json"})
    assert resp.status_code == 422, resp.text
    assert words in resp.json()["error"] and not english_in(resp.json()["error"]), resp.json()


@pytest.mark.parametrize("raw", [
    b'{"text": "ask \\ud800"}', b'{"text": "x", "region": "\\ud800"}', b'{"text": NaN}', b'{"text": "x", "region": Infinity}',
])
def test_ask_refuses_what_it_cannot_read_with_a_422(client, raw):
    resp = client.post("/api/ask", content=raw, headers={"content-type": "application/json"})
    assert resp.status_code == 422 and not english_in(resp.json()["error"]), resp.text


@pytest.mark.parametrize("text", ["\u200b", "\u200b\u200c\u200d\ufeff", " \u2060 \u3000"])
def test_text_of_only_invisible_characters_is_blank(client, text):
    resp = client.post("/api/chat", json={"sender": "a", "text": text})
    assert resp.status_code == 422 and "不能只有空白" in resp.json()["error"]


@pytest.mark.parametrize("content", [
    b'{"text": "\xff\xfe"}',                           # invalid UTF-8
    b"\x00\xff\xfe\x80 binary",
    b"[" * 20_000 + b"]" * 20_000,                      # nesting deeper than the parser goes
    b'{"text": ' + b"1" * 5_000 + b"}",                 # more digits than Python converts
])
def test_bodies_that_are_no_json_are_400_in_chinese(client, content):
    resp = client.post("/api/ask", content=content, headers={"content-type": "application/json"})
    assert resp.status_code == 400 and resp.json() == {"error": "请求体不是有效的 JSON。"}


def test_unknown_addresses_and_methods_answer_in_chinese(client):
    resp = client.get("/no/such/page")
    assert resp.status_code == 404 and resp.json() == {"error": "未找到该地址。"}
    resp = client.get("/api/chat")
    assert resp.status_code == 405 and resp.json() == {"error": "该地址不支持此方法。"}
    assert "POST" in resp.headers["allow"]   # the handler keeps what HTTP asks of a 405


@pytest.mark.parametrize("path,body", [
    ("/api/feedback", {"sender": "a", "turn_id": "t1", "rating": 5}),                # literal_error
    ("/api/feedback", {"sender": "a", "turn_id": "<script>", "rating": 1}),           # string_pattern_mismatch
    ("/api/feedback", {"sender": "a", "turn_id": "t1", "rating": 1, "comment": 7}),
    ("/api/chat", {"sender": "", "text": "x"}),
    ("/api/chat", {"sender": "a", "text": "x", "metadata": "region"}),
    ("/api/ask", {"text": "x", "region": ["350206"]}),
    ("/api/ask", "text"),
])
def test_no_english_from_the_validator_reaches_a_message(client, path, body):
    resp = client.post(path, json=body)
    assert resp.status_code == 422 and resp.json()["error"].startswith("请求有误")
    assert not english_in(resp.json()["error"]), resp.json()


@pytest.mark.parametrize("method,path", [("GET", "/healthz"), ("GET", "/openapi.json"), ("GET", "/docs"),
                                         ("GET", "/redoc"), ("POST", "/api/ask"), ("GET", "/nowhere")])
def test_responses_tell_browsers_not_to_sniff_their_type(client, method, path):
    resp = client.request(method, path, json={} if method == "POST" else None)
    assert resp.headers.get("x-content-type-options") == "nosniff"



# -- feedback: only on an answer this sender was given -------------------------------------------------------

@pytest.fixture(scope="module")
def answering(tmp_path_factory):
    """The app with a stand-in for Rasa that answers every turn: turns get recorded, ids are real."""
    from tests.bot.loopback import json_peer

    db = tmp_path_factory.mktemp("db") / "t.sqlite3"
    answer = json.dumps([{"text": "可以申请复查。"},
                         {"custom": {"xinfang": {"kind": "answer", "intent": {"name": "ask_law", "confidence": 0.9},
                                                 "routes": [], "citations": []}}}]).encode()
    with json_peer(answer) as (url, _):
        app = create_app(Settings(RASA_URL=url, ACTIONS_PORT=9, DATABASE_URL=f"sqlite:///{db}"))
        with TestClient(app, raise_server_exceptions=False) as c:
            yield c


def answered(client, sender: str) -> str:
    resp = client.post("/api/chat", json={"sender": sender, "text": "复查怎么申请"})
    assert resp.status_code == 200, resp.text
    return resp.json()["turn_id"]


def test_feedback_on_an_answer_given_to_this_sender_is_kept(answering):
    turn_id = answered(answering, "s-own")
    resp = answering.post("/api/feedback", json={"sender": "s-own", "turn_id": turn_id, "rating": 1})
    assert resp.status_code == 204
    assert [r["rating"] for r in answering.app.state.store.feedback_rows(turn_id)] == [1]


@pytest.mark.parametrize("whose", ["nobody", "another sender", "an ask"])
def test_feedback_on_an_answer_not_given_to_this_sender_is_refused(answering, whose):
    if whose == "nobody":
        turn_id = uuid.uuid4().hex
    elif whose == "another sender":
        turn_id = answered(answering, "s-other")
    else:   # /api/ask answers have no feedback (its turn ids are not returned)
        answering.post("/api/ask", json={"text": "复查怎么申请"})
        turn_id = answering.app.state.store.recent_turns(1, channel="api")[0]["ref"]
    resp = answering.post("/api/feedback", json={"sender": "s-forger", "turn_id": turn_id, "rating": -1})
    assert resp.status_code == 404 and "找不到" in resp.json()["error"]
    assert answering.app.state.store.feedback_rows(turn_id) == []


@pytest.mark.parametrize("rating", [True, False, 1.0, -1.0, "1", [1]])
def test_feedback_rating_is_exactly_1_or_minus_1(answering, rating):
    turn_id = answered(answering, "s-rating")
    resp = answering.post("/api/feedback", json={"sender": "s-rating", "turn_id": turn_id, "rating": rating})
    assert resp.status_code == 422 and "rating" in resp.json()["error"]
    assert not english_in(resp.json()["error"])


@pytest.mark.parametrize("comment,status,kept", [("好" * 501, 422, None), ("很有用\ud800", 422, None),
                                                 ("\u200b\u200b", 204, None), ("很\x00有用\x1b", 204, "很有用")])
def test_feedback_comments_are_bounded_and_readable(answering, comment, status, kept):
    turn_id = answered(answering, "s-comment")
    raw = json.dumps({"sender": "s-comment", "turn_id": turn_id, "rating": 1, "comment": comment}).encode()
    resp = answering.post("/api/feedback", content=raw, headers={"content-type": "application/json"})
    assert resp.status_code == status, resp.text
    if status == 204:   # invisible and control characters are left out (nothing but those: no comment)
        assert answering.app.state.store.feedback_rows(turn_id)[0]["comment"] == kept
