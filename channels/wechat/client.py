"""The customer-service message API (客服消息): text messages sent to a user outside the 5-second reply."""

from __future__ import annotations

import asyncio
import json
import logging

import httpx

from .token import TOKEN_ERRORS, AccessTokenCache, TokenError

logger = logging.getLogger(__name__)

SYSTEM_BUSY = -1  # "系统繁忙，此时请开发者稍候再试": not delivered, safe to retry


class SendError(Exception):
    def __init__(self, message: str, errcode: int | None = None, maybe_delivered: bool = False) -> None:
        super().__init__(message)
        self.errcode, self.maybe_delivered = errcode, maybe_delivered


class CustomerServiceClient:
    def __init__(self, http: httpx.AsyncClient, api_base: str, tokens: AccessTokenCache) -> None:
        self.http, self.api_base, self.tokens = http, api_base.rstrip("/"), tokens

    async def send_text(self, openid: str, content: str) -> None:
        """Send once. A refused token is refreshed and the call retried once; a request that may have
        reached WeChat (a read timeout) is never repeated, so a message is not delivered twice."""
        body = json.dumps({"touser": openid, "msgtype": "text", "text": {"content": content}},
                          ensure_ascii=False).encode("utf-8")
        refreshed = busy_retried = False
        while True:
            try:
                token = await self.tokens.get()
            except TokenError as exc:
                raise SendError(str(exc), exc.errcode) from None
            try:
                resp = await self.http.post(f"{self.api_base}/cgi-bin/message/custom/send",
                                            params={"access_token": token}, content=body,
                                            headers={"Content-Type": "application/json; charset=utf-8"})
            except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
                if busy_retried:
                    raise SendError(f"customer-service API unreachable: {type(exc).__name__}") from None
                busy_retried = True
                await asyncio.sleep(0.5)
                continue
            except httpx.HTTPError as exc:  # sent, but no answer: it may have been delivered
                raise SendError(f"customer-service API gave no answer: {type(exc).__name__}",
                                maybe_delivered=True) from None
            try:
                data = resp.json()
                errcode = int(data.get("errcode", 0))
            except (ValueError, TypeError, AttributeError):
                raise SendError(f"customer-service API answered HTTP {resp.status_code} without JSON",
                                maybe_delivered=resp.status_code < 500) from None
            if errcode == 0:
                return
            if errcode in TOKEN_ERRORS and not refreshed:
                refreshed = True
                logger.info("wechat.token.refused_by_api", extra={"errcode": errcode})
                await self.tokens.invalidate(token)
                continue
            if errcode == SYSTEM_BUSY and not busy_retried:
                busy_retried = True
                await asyncio.sleep(0.5)
                continue
            # 45015: outside the 48-hour window; 48001: the account lacks the permission; 45047: quota used up
            raise SendError(f"customer-service API refused: errcode {errcode}", errcode)
