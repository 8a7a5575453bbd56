"""Bad input never reaches the dialogue and never gets a 500."""

import pytest
from fastapi.testclient import TestClient

from bot.app import create_app
from bot.settings import Settings


@pytest.fixture(scope="module")
def client():
    # Rasa deliberately unreachable: validation must answer before it is needed.
    app = create_app(Settings(RASA_URL="http://127.0.0.1:9", ACTIONS_PORT=9))
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@pytest.mark.parametrize("path,body,status,words", [
    ("/api/chat", {"text": "你好"}, 422, "缺少字段 sender"),
    ("/api/chat", {"sender": "a"}, 422, "缺少字段 text"),
    ("/api/chat", {"sender": "a", "text": "欠" * 10000}, 422, "太长"),
    ("/api/chat", {"sender": "a", "text": "   "}, 422, "不能为空"),
    ("/api/chat", {"sender": 5, "text": 7}, 422, "类型不对"),
    ("/api/chat", {"sender": "a", "text": "x", "evil": 1}, 422, "不认识的字段"),
    ("/api/ask", {"region": "350206"}, 422, "缺少字段 text"),
    ("/api/ask", {"text": ["列表"]}, 422, "类型不对"),
    ("/api/ask", [], 422, "请求有误"),
])
def test_bad_json_bodies_get_a_clear_4xx(client, path, body, status, words):
    resp = client.post(path, json=body)
    assert resp.status_code == status and words in resp.json()["error"]


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
