"""The inbound half: who may call ``/wechat`` and what they sent (signatures, timestamps, safe mode).

Decisions (docs/wechat.md explains them):

* Every request must carry a valid ``signature`` (SHA1 of token, timestamp and nonce).
  In safe and compatible mode the body's ``msg_signature`` is checked too, and only
  the encrypted part of the body is trusted.
* Timestamps further than ``max_clock_skew`` seconds from our clock are refused:
  WeChat does not ask for this, but in plain mode the signature does not cover the
  body, so a captured URL could otherwise be replayed with another body forever.
* When an EncodingAESKey is configured, unencrypted POSTs are refused unless
  ``WECHAT_ALLOW_PLAINTEXT`` is set: switch the account to 兼容模式 or 安全模式.
* Replies are encrypted with the key that decrypted the message (``key_index``), so
  during rotation a message sent under the previous key is answered under it.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass

from wechatpy.exceptions import InvalidAppIdException

from .config import WeChatConfig
from .crypto import DecryptError, MessageCrypto, signature_ok
from .errors import BadMessage, BadSignature, StaleRequest, WrongAppId
from .parsing import Inbound, checked_fields, parse_inbound


@dataclass(frozen=True)
class Envelope:
    """How to answer: in plain text, or encrypted with the key the message came with."""

    nonce: str
    key_index: int | None = None  # None: plain reply


class Callback:
    def __init__(self, config: WeChatConfig, clock=time.time) -> None:
        self.config, self.clock = config, clock
        self.crypto = MessageCrypto(config.token, config.app_id, config.aes_keys) if config.encrypted else None

    def _check_query(self, params: Mapping[str, str]) -> tuple[str, str]:
        missing = [p for p in ("signature", "timestamp", "nonce") if not params.get(p)]
        if missing:
            raise BadSignature("缺少参数：" + "、".join(missing) + "。", "wechat.request.unsigned")
        timestamp, nonce = params["timestamp"], params["nonce"]
        if not signature_ok((self.config.token, timestamp, nonce), params["signature"]):
            raise BadSignature("签名校验失败。", "wechat.request.bad_signature")
        if self.config.max_clock_skew:
            if not timestamp.isdigit() or len(timestamp) > 12:
                raise BadSignature("timestamp 格式不对。", "wechat.request.bad_timestamp")
            if abs(self.clock() - int(timestamp)) > self.config.max_clock_skew:
                raise StaleRequest("请求时间戳已过期（或服务器时钟不准）。", "wechat.request.stale")
        return timestamp, nonce

    def verify_url(self, params: Mapping[str, str]) -> str:
        """GET /wechat: the URL check in 公众号后台 → 基本配置; answers with ``echostr``."""
        self._check_query(params)
        echostr = params.get("echostr")
        if not echostr:
            raise BadMessage("缺少参数：echostr。", "wechat.verify.no_echostr")
        return echostr

    def open(self, params: Mapping[str, str], body: bytes) -> tuple[Inbound, Envelope]:
        """POST /wechat: authenticate, decrypt and parse; raises a WeChatRequestError for anything off."""
        timestamp, nonce = self._check_query(params)
        encrypt_type = (params.get("encrypt_type") or "raw").lower()
        if encrypt_type == "aes":
            if self.crypto is None:
                raise BadMessage("消息已加密，但服务器未配置 EncodingAESKey（WECHAT_AES_KEY）。",
                                 "wechat.request.no_key")
            encrypt = checked_fields(body).get("Encrypt")
            if not encrypt:
                raise BadMessage("加密消息缺少 Encrypt。", "wechat.request.incomplete")
            if not self.crypto.check_msg_signature(params.get("msg_signature"), timestamp, nonce, encrypt):
                raise BadSignature("消息签名（msg_signature）校验失败。", "wechat.request.bad_msg_signature")
            try:
                decrypted = self.crypto.decrypt(encrypt)
            except InvalidAppIdException:
                raise WrongAppId("消息不属于本公众号（AppID 不符）。", "wechat.request.wrong_app") from None
            except DecryptError:
                raise BadMessage("无法解密消息：EncodingAESKey 不符。", "wechat.request.undecryptable") from None
            return parse_inbound(decrypted.xml), Envelope(nonce, decrypted.key_index)
        if encrypt_type != "raw":
            raise BadMessage("不支持的 encrypt_type。", "wechat.request.bad_encrypt_type")
        if self.crypto is not None and not self.config.allow_plaintext:
            raise BadSignature("本服务只接受加密消息：请在公众号后台选择兼容模式或安全模式。",
                               "wechat.request.plaintext_refused")
        return parse_inbound(body), Envelope(nonce)

    def seal(self, xml: str, envelope: Envelope) -> str:
        if envelope.key_index is None or self.crypto is None:
            return xml
        return self.crypto.encrypt_reply(xml, envelope.nonce, envelope.key_index, str(int(self.clock())))
