"""The access_token: fetched from ``/cgi-bin/token``, cached until shortly before it expires.

Written here rather than taken from wechatpy's ``WeChatClient``: wechatpy's client is
synchronous (requests), always asks api.weixin.qq.com (so the tests' simulator cannot
stand in), refreshes only 60 s
early and retries token errors without limit. WeChat advises one place that fetches
tokens for all servers (a new token retires the old one after a few minutes); with
Redis the token and a short fetch lock live in the shared state store, so hosts
take turns instead of invalidating each other's tokens.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time

import httpx

from .state import StateStore

logger = logging.getLogger(__name__)

TOKEN_ERRORS = frozenset({40001, 40014, 42001})  # invalid credential, invalid token, expired token


class TokenError(Exception):
    def __init__(self, message: str, errcode: int | None = None) -> None:
        super().__init__(message)
        self.errcode = errcode


def refresh_margin(expires_in: float) -> float:
    """Refresh a little early: 5 minutes for WeChat's 7200 s tokens, a fifth of the lifetime for short ones."""
    return min(300.0, expires_in * 0.2)


class AccessTokenCache:
    def __init__(self, http: httpx.AsyncClient, api_base: str, app_id: str, secret: str,
                 store: StateStore | None = None, clock=time.time) -> None:
        self.http, self.api_base, self.app_id, self._secret = http, api_base.rstrip("/"), app_id, secret
        self.store, self.clock = store, clock
        self._token: str | None = None
        self._usable_until = 0.0
        self._lock = asyncio.Lock()
        self.fetches = 0  # how many tokens this process fetched (tests, metrics)

    @property
    def _key(self) -> str:
        return f"token:{self.app_id}"

    async def get(self) -> str:
        if self._token and self.clock() < self._usable_until:
            return self._token
        async with self._lock:
            if self._token and self.clock() < self._usable_until:
                return self._token
            if await self._from_store():
                return self._token  # type: ignore[return-value]
            if self.store is not None and not await self.store.claim(self._key + ":lock", "1", 10):
                # another host is fetching: wait for its token rather than retiring it with ours
                for _ in range(50):
                    await asyncio.sleep(0.1)
                    if await self._from_store():
                        return self._token  # type: ignore[return-value]
            try:
                return await self._fetch()
            finally:
                if self.store is not None:
                    await self.store.delete(self._key + ":lock")

    async def invalidate(self, token: str) -> None:
        """WeChat refused ``token``: forget it (here and in the shared store) so the next get() fetches."""
        if self._token == token:
            self._token, self._usable_until = None, 0.0
        if self.store is not None:
            shared = await self.store.get(self._key)
            if shared and json.loads(shared).get("token") == token:
                await self.store.delete(self._key)

    async def _from_store(self) -> bool:
        if self.store is None:
            return False
        shared = await self.store.get(self._key)
        if not shared:
            return False
        data = json.loads(shared)
        if self.clock() >= data["usable_until"]:
            return False
        self._token, self._usable_until = data["token"], data["usable_until"]
        return True

    async def _fetch(self) -> str:
        params = {"grant_type": "client_credential", "appid": self.app_id, "secret": self._secret}
        try:
            resp = await self.http.get(f"{self.api_base}/cgi-bin/token", params=params)
            data = resp.json()
        except (httpx.HTTPError, ValueError) as exc:
            logger.warning("wechat.token.unavailable", extra={"error": type(exc).__name__})
            raise TokenError(f"token endpoint unreachable: {type(exc).__name__}") from None
        if not isinstance(data, dict) or not data.get("access_token"):
            errcode = data.get("errcode") if isinstance(data, dict) else None
            # 40164 = this server's IP is not in the account's whitelist (公众号后台 → 基本配置 → IP白名单)
            logger.error("wechat.token.refused", extra={"errcode": errcode,
                                                        "errmsg": str(data.get("errmsg", ""))[:200]
                                                        if isinstance(data, dict) else ""})
            raise TokenError(f"token refused (errcode {errcode})", errcode)
        expires_in = float(data.get("expires_in") or 7200)
        self.fetches += 1
        self._token = str(data["access_token"])
        self._usable_until = self.clock() + expires_in - refresh_margin(expires_in)
        if self.store is not None:
            await self.store.set(self._key, json.dumps({"token": self._token, "usable_until": self._usable_until}),
                                 ttl=max(1.0, self._usable_until - self.clock()))
        logger.info("wechat.token.fetched", extra={"expires_in": expires_in})
        return self._token
