"""A simulated WeChat on loopback: a real protocol peer for the connector's tests.

* ``FakeWeChat``: the API server (``/cgi-bin/token``, ``/cgi-bin/message/custom/send``)
  with short-lived tokens that a test can revoke, a ledger of everything delivered.
* ``Pusher``: WeChat's side of the callback. It signs (and in safe mode encrypts)
  XML exactly like WeChat, waits ``timeout`` seconds per attempt, retries with the
  same MsgId, and records a passive reply in the same ledger as customer-service
  messages, so "answered exactly once" is one question about one list.
* ``peer_encrypt``/``peer_decrypt``: WeChat's AES scheme written out by hand with
  ``cryptography`` (independent of wechatpy and of the connector's code).
* ``ServerThread``: any ASGI app under uvicorn in a background thread.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import os
import re
import secrets
import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from xml.etree import ElementTree

import httpx
import uvicorn
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

# -- crypto written from the protocol description ---------------------------------------------


def new_aes_key() -> str:
    """A fresh EncodingAESKey: 43 characters of base64 for 32 random bytes."""
    return base64.b64encode(os.urandom(32)).decode()[:-1]


def _key_bytes(encoding_aes_key: str) -> bytes:
    return base64.b64decode(encoding_aes_key + "=")


def peer_encrypt(encoding_aes_key: str, app_id: str, xml: str, prefix: bytes | None = None) -> str:
    """random(16) + len(4, big-endian) + xml + appid, PKCS#7 to 32-byte blocks, AES-256-CBC, IV = key[:16]."""
    key = _key_bytes(encoding_aes_key)
    body = xml.encode()
    plain = (prefix or os.urandom(16)) + struct.pack(">I", len(body)) + body + app_id.encode()
    pad = 32 - len(plain) % 32
    plain += bytes([pad]) * pad
    enc = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return base64.b64encode(enc.update(plain) + enc.finalize()).decode()


def peer_decrypt(encoding_aes_key: str, app_id: str, encrypted: str) -> str:
    key = _key_bytes(encoding_aes_key)
    dec = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
    plain = dec.update(base64.b64decode(encrypted)) + dec.finalize()
    pad = plain[-1]
    assert 1 <= pad <= 32 and plain[-pad:] == bytes([pad]) * pad, "bad PKCS#7 padding"
    content = plain[16:-pad]
    (length,) = struct.unpack(">I", content[:4])
    assert content[4 + length:].decode() == app_id, "wrong AppID in reply"
    return content[4:4 + length].decode()


def sha1_sign(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


# -- servers in threads -------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerThread:
    """``with ServerThread(app) as url:`` runs the app under uvicorn on a free loopback port."""

    def __init__(self, app, access_log: bool = False) -> None:
        self.port = free_port()
        # log_config=None: uvicorn's loggers propagate to the root logger, where caplog sees them.
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_config=None,
                                                    access_log=access_log, lifespan="on", timeout_keep_alive=30))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.url = f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("server did not start")
            time.sleep(0.02)
        return self.url

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(30)


# -- the API server -----------------------------------------------------------------------------


@dataclass
class Delivery:
    openid: str
    content: str
    via: str            # "passive" | "cs"
    at: float = field(default_factory=time.monotonic)


class FakeWeChat:
    """WeChat's API: tokens with a configurable lifetime, the customer-service send, a delivery ledger."""

    def __init__(self, app_id: str, secret: str, expires_in: int = 7200, text_limit: int = 2048) -> None:
        self.app_id, self.secret, self.expires_in, self.text_limit = app_id, secret, expires_in, text_limit
        self.tokens: dict[str, float] = {}     # token -> expiry (monotonic)
        self.revoked: set[str] = set()
        self.token_requests = 0
        self.send_requests = 0
        self.token_errors_returned = 0
        self.deliveries: list[Delivery] = []
        self.fail_next: list[int] = []         # errcodes the next sends return (then succeed)
        self.lock = threading.Lock()
        self.app = self._build()

    def _build(self) -> FastAPI:
        app = FastAPI()

        @app.get("/cgi-bin/token")
        async def token(grant_type: str = "", appid: str = "", secret: str = ""):
            with self.lock:
                self.token_requests += 1
                if grant_type != "client_credential" or appid != self.app_id or secret != self.secret:
                    return JSONResponse({"errcode": 40125, "errmsg": "invalid appsecret"})
                tok = "TOKEN_" + secrets.token_hex(8)
                self.tokens[tok] = time.monotonic() + self.expires_in
                return {"access_token": tok, "expires_in": self.expires_in}

        @app.post("/cgi-bin/message/custom/send")
        async def send(request: Request, access_token: str = ""):
            raw = await request.body()
            with self.lock:
                self.send_requests += 1
                if access_token not in self.tokens or access_token in self.revoked:
                    self.token_errors_returned += 1
                    return {"errcode": 40001, "errmsg": "invalid credential, access_token is invalid or not latest"}
                if time.monotonic() >= self.tokens[access_token]:
                    self.token_errors_returned += 1
                    return {"errcode": 42001, "errmsg": "access_token expired"}
                if self.fail_next:
                    return {"errcode": self.fail_next.pop(0), "errmsg": "injected"}
                data = json.loads(raw.decode("utf-8"))
                if data.get("msgtype") != "text" or not data.get("touser"):
                    return {"errcode": 40008, "errmsg": "invalid message type"}
                content = data["text"]["content"]
                if len(content.encode()) > self.text_limit:
                    return {"errcode": 45002, "errmsg": "content size out of limit"}
                self.deliveries.append(Delivery(data["touser"], content, "cs"))
                return {"errcode": 0, "errmsg": "ok"}

        return app

    def revoke_all(self) -> None:
        """Every token issued so far becomes invalid (the next API call gets 40001)."""
        with self.lock:
            self.revoked.update(self.tokens)

    def expire_all(self) -> None:
        """Every token issued so far expires now (the next API call gets 42001)."""
        with self.lock:
            for tok in self.tokens:
                self.tokens[tok] = 0.0

    def record_passive(self, openid: str, content: str) -> None:
        with self.lock:
            self.deliveries.append(Delivery(openid, content, "passive"))

    def to(self, openid: str) -> list[Delivery]:
        with self.lock:
            return [d for d in self.deliveries if d.openid == openid]


LABEL = re.compile(r"^（(\d+)/(\d+)）")


def first_part(deliveries: list[Delivery]) -> Delivery | None:
    """The answer's opening message: part 1 of a split answer, or the single message.

    The fake records a passive reply when the pusher has read it, which can be after the
    server's follow-up customer-service parts reached the fake's API; so the order of
    ``FakeWeChat.to`` is arrival order at the fake, not the order WeChat would show.
    """
    for d in deliveries:
        m = LABEL.match(d.content)
        if m is None or m.group(1) == "1":
            return d
    return None


def exactly_once(deliveries: list[Delivery]) -> bool:
    """One answer, each of its parts delivered once: a single message, or parts 1..n once each."""
    if not deliveries:
        return False
    labels = [LABEL.match(d.content) for d in deliveries]
    if not any(labels):
        return len(deliveries) == 1
    if not all(labels):
        return False
    n = {int(m.group(2)) for m in labels if m}
    seen = sorted(int(m.group(1)) for m in labels if m)
    return len(n) == 1 and seen == list(range(1, n.pop() + 1))


async def settle(fake: FakeWeChat, users: list[str], timeout: float = 60.0, grace: float = 1.5) -> None:
    """Wait until every user has a complete answer, then ``grace`` seconds longer for any duplicate to show.

    Polling instead of a fixed sleep: on a loaded CI machine a delivery may take longer than the protocol's
    own timings, and a test must not fail for that alone.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not all(exactly_once(fake.to(u)) for u in users):
        await asyncio.sleep(0.1)
    await asyncio.sleep(grace)


# -- WeChat's side of the callback ---------------------------------------------------------------


@dataclass
class PushResult:
    attempts: int = 0
    statuses: list[int | str] = field(default_factory=list)   # HTTP status per attempt, or "timeout"
    passive: str | None = None       # the passive reply's text, if one came in time
    raw: list[str] = field(default_factory=list)
    error_notice: bool = False       # WeChat would show "该公众号暂时无法提供服务，请稍后再试"


def text_xml(openid: str, content: str, msg_id: int | str, account: str = "gh_fakeaccount") -> str:
    return (f"<xml><ToUserName><![CDATA[{account}]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
            f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
            f"<Content><![CDATA[{content}]]></Content><MsgId>{msg_id}</MsgId></xml>")


def event_xml(openid: str, event: str, create_time: int | None = None, account: str = "gh_fakeaccount") -> str:
    return (f"<xml><ToUserName><![CDATA[{account}]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
            f"<CreateTime>{create_time or int(time.time())}</CreateTime><MsgType><![CDATA[event]]></MsgType>"
            f"<Event><![CDATA[{event}]]></Event></xml>")


def media_xml(openid: str, kind: str, msg_id: int | str, account: str = "gh_fakeaccount") -> str:
    extra = {"image": "<PicUrl><![CDATA[http://example.invalid/a.jpg]]></PicUrl><MediaId><![CDATA[m1]]></MediaId>",
             "voice": "<MediaId><![CDATA[m1]]></MediaId><Format><![CDATA[amr]]></Format>",
             "video": "<MediaId><![CDATA[m1]]></MediaId><ThumbMediaId><![CDATA[t1]]></ThumbMediaId>",
             "location": "<Location_X>24.48</Location_X><Location_Y>118.08</Location_Y><Scale>15</Scale>"
                         "<Label><![CDATA[厦门市湖里区]]></Label>",
             "link": "<Title><![CDATA[t]]></Title><Description><![CDATA[d]]></Description>"
                     "<Url><![CDATA[http://example.invalid]]></Url>"}[kind]
    return (f"<xml><ToUserName><![CDATA[{account}]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
            f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[{kind}]]></MsgType>{extra}"
            f"<MsgId>{msg_id}</MsgId></xml>")


def new_openid() -> str:
    return "o" + secrets.token_urlsafe(20).replace("-", "A").replace("_", "B")[:27]


class Pusher:
    """Posts messages to ``/wechat`` as WeChat does: signed, optionally encrypted, retried on timeout."""

    def __init__(self, targets: str | list[str], token: str, app_id: str, fake: FakeWeChat | None = None,
                 aes_key: str | None = None, mode: str = "plain", timeout: float = 5.0, retries: int = 3,
                 retry_gap: float = 0.0) -> None:
        self.targets = [targets] if isinstance(targets, str) else list(targets)
        self.token, self.app_id, self.fake, self.aes_key, self.mode = token, app_id, fake, aes_key, mode
        self.timeout, self.retries, self.retry_gap = timeout, retries, retry_gap

    def signed_query(self, openid: str | None = None, timestamp: int | None = None) -> dict[str, str]:
        ts, nonce = str(timestamp or int(time.time())), str(secrets.randbelow(10**9))
        q = {"signature": sha1_sign(self.token, ts, nonce), "timestamp": ts, "nonce": nonce}
        if openid:
            q["openid"] = openid
        return q

    def envelope(self, xml: str, openid: str | None = None, key: str | None = None,
                 app_id: str | None = None) -> tuple[dict[str, str], bytes]:
        """Query and body of one push in this pusher's mode (``key``/``app_id`` override for tests)."""
        query = self.signed_query(openid)
        if self.mode == "plain":
            return query, xml.encode()
        encrypted = peer_encrypt(key or self.aes_key, app_id or self.app_id, xml)  # type: ignore[arg-type]
        query["encrypt_type"] = "aes"
        query["msg_signature"] = sha1_sign(self.token, query["timestamp"], query["nonce"], encrypted)
        if self.mode == "compat":  # plaintext fields and the ciphertext side by side
            body = xml.replace("</xml>", f"<Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>")
        else:
            to_user = re.search(r"<ToUserName><!\[CDATA\[(.*?)\]\]>", xml)
            body = (f"<xml><ToUserName><![CDATA[{to_user.group(1) if to_user else ''}]]></ToUserName>"
                    f"<Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>")
        return query, body.encode()

    def open_reply(self, text: str, query: dict[str, str]) -> str | None:
        """The text of a passive reply, decrypted and its signature checked in safe mode; None for success/''."""
        if text in ("", "success"):
            return None
        root = ElementTree.fromstring(text)
        if self.mode != "plain" and root.find("Encrypt") is not None:
            enc = root.findtext("Encrypt") or ""
            sig = sha1_sign(self.token, root.findtext("TimeStamp") or "", root.findtext("Nonce") or "", enc)
            assert sig == root.findtext("MsgSignature"), "reply MsgSignature does not verify"
            root = ElementTree.fromstring(peer_decrypt(self.aes_key, self.app_id, enc))  # type: ignore[arg-type]
        assert root.findtext("MsgType") == "text"
        return root.findtext("Content")

    async def push(self, xml: str, openid: str, client: httpx.AsyncClient | None = None,
                   key: str | None = None, app_id: str | None = None) -> PushResult:
        own = client is None
        client = client or httpx.AsyncClient()
        result = PushResult()
        query, body = self.envelope(xml, openid, key, app_id)
        try:
            for attempt in range(self.retries + 1):
                result.attempts += 1
                url = self.targets[attempt % len(self.targets)] + "/wechat"
                try:
                    resp = await client.post(url, params=query, content=body, timeout=self.timeout,
                                             headers={"Content-Type": "text/xml"})
                except httpx.TimeoutException:
                    result.statuses.append("timeout")
                    if self.retry_gap:
                        await asyncio.sleep(self.retry_gap)
                    continue
                result.statuses.append(resp.status_code)
                result.raw.append(resp.text)
                if resp.status_code != 200:
                    result.error_notice = True
                    return result
                content = self.open_reply(resp.text, query)
                if content is not None:
                    result.passive = content
                    if self.fake is not None:
                        self.fake.record_passive(openid, content)
                return result
            result.error_notice = True  # no usable answer within any attempt
            return result
        finally:
            if own:
                await client.aclose()


# -- the product under test, and a stand-in for Rasa -----------------------------------------------

TOKEN, APP_ID, SECRET = "xinfangTestToken", "wx1234567890abcdef", "fake-app-secret"


def wechat_settings(base, api_base: str, db_path, **overrides):
    """The product's settings with the connector on, pointed at the fake API, with fast test timings."""
    update = {"WECHAT_TOKEN": TOKEN, "WECHAT_APP_ID": APP_ID, "WECHAT_APP_SECRET": SECRET,
              "WECHAT_API_BASE": api_base, "WECHAT_REPLY_BUDGET_SECONDS": 0.5,
              "WECHAT_CALLBACK_TIMEOUT_SECONDS": 1.0, "WECHAT_CALLBACK_ATTEMPTS": 3,
              "DATABASE_URL": f"sqlite:///{db_path}", "REDIS_URL": None}
    update.update(overrides)
    return base.model_copy(update=update)


class running_app:  # noqa: N801 - used as a context manager like a function
    """``with running_app(settings, rasa) as (url, app):`` the real app on loopback, optionally with a fake Rasa."""

    def __init__(self, settings, rasa=None) -> None:
        from bot.app import create_app

        self.app = create_app(settings)
        self.rasa = rasa
        self.server = ServerThread(self.app, access_log=True)

    def __enter__(self):
        url = self.server.__enter__()
        if self.rasa is not None:
            from bot.conversation import Conversations

            s, conv = self.app.state.settings, self.app.state.conversations
            self.app.state.conversations = Conversations(self.rasa, s.SECRET_KEY, conv.channels, self.app.state.store)
        return url, self.app

    def __exit__(self, *exc) -> None:
        self.server.__exit__(*exc)


class FakeRasa:
    """Rasa's REST webhook as the Conversations class sees it: canned answers, optional delays and outages."""

    def __init__(self, answers: dict[str, list[dict]] | None = None, delays: dict[str, float] | None = None) -> None:
        self.answers, self.delays = answers or {}, delays or {}
        self.calls: list[tuple[str, str]] = []   # (hashed sender, masked text)
        self.down = False
        self.lock = threading.Lock()
        self.inflight = 0   # RasaClient's count of turns at Rasa (read by the prefetch)

    async def send(self, sender: str, text: str, metadata=None, on_admit=None) -> list[dict]:
        with self.lock:
            self.calls.append((sender, text))
        if on_admit is not None:
            on_admit()
        for prefix, delay in self.delays.items():
            if text.startswith(prefix):
                await asyncio.sleep(delay)
        if self.down:
            from bot.rasa_client import RasaUnavailable

            raise RasaUnavailable("fake outage")
        for prefix, messages in self.answers.items():
            if text.startswith(prefix):
                return messages
        return [{"text": f"关于“{text[:12]}”：建议先咨询当地司法行政机关。"},
                {"custom": {"xinfang": {"kind": "answer", "routes": [], "citations": [
                    {"id": "xinfang_gongzuo_tiaoli_2022#35", "law": "信访工作条例", "article": 35,
                     "citation": "《信访工作条例》第三十五条", "text": "信访人对信访事项处理意见不服的……（全文）"}]}}}]

    async def parse(self, text: str) -> dict:
        return {"intent": {"name": "ask", "confidence": 1.0}}

    async def ready(self) -> bool:
        return True

    async def close(self) -> None:
        pass

    def texts(self) -> list[str]:
        with self.lock:
            return [t for _, t in self.calls]


class DelayedConversations:
    """Wraps the real ``app.state.conversations``: a turn whose text starts with a key takes at least that long."""

    def __init__(self, inner, delays: dict[str, float]) -> None:
        self.inner, self.delays = inner, delays
        self.calls = 0

    def __getattr__(self, name):
        return getattr(self.inner, name)

    async def turn(self, sender, text, metadata=None, **kw):
        self.calls += 1
        start = time.monotonic()
        turn = await self.inner.turn(sender, text, metadata, **kw)
        delay = next((d for k, d in self.delays.items() if text.startswith(k)), 0.0)
        await asyncio.sleep(max(0.0, start + delay - time.monotonic()))
        return turn


def msg_id() -> int:
    """A random 62-bit MsgId, as WeChat's are 64-bit integers."""
    return secrets.randbits(62)
