"""The connector's settings, checked once: built from ``common.settings.Settings``, or None when disabled."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass


@dataclass(frozen=True)
class WeChatConfig:
    token: str
    app_id: str
    app_secret: str | None = None
    aes_keys: tuple[str, ...] = ()          # current first, then the previous one (key rotation)
    api_base: str = "https://api.weixin.qq.com"
    reply_budget: float = 4.0               # seconds we may spend before a passive reply
    callback_timeout: float = 5.0           # seconds WeChat waits for one attempt
    callback_attempts: int = 3              # attempts WeChat makes (the first + retries)
    processing_timeout: float = 60.0
    customer_service: bool = True
    allow_plaintext: bool = False
    max_body_bytes: int = 32 * 1024
    max_clock_skew: int = 300
    text_max_bytes: int = 2048
    max_parts: int = 4
    dedup_ttl: int = 3600
    redis_url: str | None = None

    def __post_init__(self) -> None:
        if not self.token or not self.app_id:
            raise ValueError("WECHAT_TOKEN and WECHAT_APP_ID are both required")
        if not 0 < self.reply_budget < self.callback_timeout:
            raise ValueError(f"reply budget {self.reply_budget}s must be positive and shorter than "
                             f"WeChat's timeout {self.callback_timeout}s")
        if self.callback_attempts < 1:
            raise ValueError(f"callback_attempts must be at least 1, got {self.callback_attempts}")
        for key in self.aes_keys:
            if not valid_aes_key(key):
                raise ValueError("an EncodingAESKey must be 43 characters of base64 (32 bytes)")

    @classmethod
    def from_settings(cls, settings) -> WeChatConfig | None:
        """None when WECHAT_TOKEN or WECHAT_APP_ID is missing: the connector is disabled."""
        if not (settings.WECHAT_TOKEN and settings.WECHAT_APP_ID):
            return None
        keys = tuple(k.strip() for k in (settings.WECHAT_AES_KEY, settings.WECHAT_PREVIOUS_AES_KEY) if k and k.strip())
        return cls(token=settings.WECHAT_TOKEN, app_id=settings.WECHAT_APP_ID, app_secret=settings.WECHAT_APP_SECRET,
                   aes_keys=keys, api_base=settings.WECHAT_API_BASE.rstrip("/"),
                   reply_budget=settings.WECHAT_REPLY_BUDGET_SECONDS,
                   callback_timeout=settings.WECHAT_CALLBACK_TIMEOUT_SECONDS,
                   callback_attempts=settings.WECHAT_CALLBACK_ATTEMPTS,
                   processing_timeout=settings.WECHAT_PROCESSING_TIMEOUT_SECONDS,
                   customer_service=settings.WECHAT_CUSTOMER_SERVICE,
                   allow_plaintext=settings.WECHAT_ALLOW_PLAINTEXT,
                   max_body_bytes=settings.WECHAT_MAX_BODY_BYTES,
                   max_clock_skew=settings.WECHAT_MAX_CLOCK_SKEW_SECONDS,
                   text_max_bytes=settings.WECHAT_TEXT_MAX_BYTES, max_parts=settings.WECHAT_MAX_PARTS,
                   dedup_ttl=settings.WECHAT_DEDUP_TTL_SECONDS, redis_url=settings.REDIS_URL)

    @property
    def encrypted(self) -> bool:
        return bool(self.aes_keys)

    @property
    def can_push(self) -> bool:
        """Whether the customer-service API can be used (it needs the AppSecret for an access_token)."""
        return self.customer_service and bool(self.app_secret)

    @property
    def handoff_after(self) -> float:
        """Seconds after the first attempt by which WeChat has surely stopped retrying."""
        return self.callback_attempts * self.callback_timeout + 1.0


def valid_aes_key(key: str) -> bool:
    try:
        return len(key) == 43 and len(base64.b64decode(key + "=", validate=True)) == 32
    except (binascii.Error, ValueError):
        return False
