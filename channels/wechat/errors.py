"""What the callback refuses, each with the HTTP status and a message a person can act on."""

from __future__ import annotations


class WeChatRequestError(Exception):
    """A request the callback refuses: never processed, never a traceback."""

    status = 400

    def __init__(self, message: str, event: str = "wechat.request.rejected") -> None:
        super().__init__(message)
        self.message = message
        self.event = event  # the log event name


class BadSignature(WeChatRequestError):
    status = 403


class StaleRequest(WeChatRequestError):
    status = 403


class WrongAppId(WeChatRequestError):
    status = 403


class BadMessage(WeChatRequestError):
    status = 400


class BodyTooLarge(WeChatRequestError):
    status = 413
