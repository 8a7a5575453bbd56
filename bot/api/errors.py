"""The one shape of an error the public API answers: ``{"error": "<a Chinese message>"}``.

Pydantic's and Starlette's English (「Input should be a valid string」, ``{"detail": "Not Found"}``,
「There was an error parsing the body」) never reaches a citizen: each kind of problem has its own
words here, and a kind not listed gets a general one rather than the library's text (issue 19).
"""

from __future__ import annotations

import re
from typing import Any

from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException

NOT_JSON = "请求体不是有效的 JSON。"
BODY = "请求体"
# FastAPI's words when the body could not be read as JSON at all: bytes that are not UTF-8,
# nesting deeper than the parser goes, a number longer than Python converts (fastapi/routing.py)
FASTAPI_BODY_ERROR = "There was an error parsing the body"

FIELD_NAMES = {"text": "text（文字内容）", "sender": "sender（会话标识）", "metadata": "metadata",
               "region": "region（地区）", "rating": "rating（评价）", "comment": "comment（意见）",
               "turn_id": "turn_id（回答标识）", "channel": "channel（渠道）", "locale": "locale（语言）"}
TYPE_ERRORS = frozenset({"string_type", "dict_type", "model_type", "model_attributes_type", "int_type", "float_type",
                         "bool_type", "list_type", "none_required", "int_from_float", "int_parsing",
                         "float_parsing", "bool_parsing"})

BY_STATUS = {
    400: "请求有误，请修改后再试。",
    401: "需要先登录。",
    403: "没有权限访问该地址。",
    404: "未找到该地址。",
    405: "该地址不支持此方法。",
    406: "无法提供所要求的格式。",
    411: "请求缺少长度信息。",
    413: "请求体过大。",
    415: "不支持这种请求体格式，请发送 JSON。",
    422: "请求内容有误，请修改后再试。",
    429: "请求太频繁了，请稍后再试。",
}
OTHER_4XX = "请求没有被接受，请修改后再试。"
SERVER_ERROR = "服务出了点问题，请稍后再试。"
_CJK = re.compile(r"[\u4e00-\u9fff]")
MAX_NAME = 32


def _field(loc: list[Any]) -> str:
    """「sender（会话标识）」, 「metadata 中的 region（地区）」, or 「请求体」 for the body itself."""
    names = [str(x) for x in loc if x != "body" and not isinstance(x, int)]
    if not names:
        return BODY
    return " 中的 ".join(FIELD_NAMES.get(n) or _quoted(n) for n in names)


def _quoted(name: str) -> str:
    """A key the client sent, named back: cut short and encodable, as it may be anything."""
    name = name.encode("utf-8", "replace").decode("utf-8")
    return name if len(name) <= MAX_NAME else name[:MAX_NAME] + "…"


def _problem(e: dict[str, Any]) -> str:
    field = _field(list(e.get("loc", [])))
    kind = e.get("type", "")
    ctx = e.get("ctx") or {}
    if field == BODY and kind == "missing":
        return "缺少请求体（应为 JSON 对象）"
    if field == BODY and kind in TYPE_ERRORS:   # a list, a string, or no JSON content type at all
        return "请求体应为 JSON 对象"
    if kind == "missing":
        return f"缺少字段 {field}"
    if kind in ("string_too_long", "too_long"):
        return f"{field} 太长（最多 {ctx.get('max_length')} 字）" if ctx.get("max_length") else f"{field} 太长"
    if kind in ("string_too_short", "too_short"):
        return f"{field} 不能为空"
    if kind == "extra_forbidden":
        return f"不认识的字段 {field}"
    if kind == "string_unicode":
        return f"{field} 含有无法识别的字符"
    if kind in TYPE_ERRORS:
        return f"{field} 的类型不对"
    if kind == "string_pattern_mismatch":
        return f"{field} 的格式不对"
    if kind == "value_error":
        # our own validators' messages are Chinese already: without pydantic's 「Value error, 」
        message = str(ctx.get("error") or "")
        return f"{field}：{message}" if _CJK.search(message) else f"{field} 的取值不对"
    return f"{field} 的取值不对"


def validation_message(exc: RequestValidationError) -> tuple[int, str]:
    """The status and the Chinese message for a request the models refused."""
    errors = exc.errors()
    if any(e.get("type") == "json_invalid" for e in errors):
        return 400, NOT_JSON
    parts = list(dict.fromkeys(_problem(e) for e in errors))
    return 422, "请求有误：" + "；".join(parts)


def http_error_message(exc: HTTPException) -> str:
    """The Chinese message for an HTTPException: Starlette's own (404, 405), FastAPI's, or ours."""
    detail = exc.detail if isinstance(exc.detail, str) else ""
    if exc.status_code == 400 and detail == FASTAPI_BODY_ERROR:
        return NOT_JSON
    if _CJK.search(detail):   # raised by our own code, with words a person can act on
        return detail
    if exc.status_code >= 500:
        return SERVER_ERROR
    return BY_STATUS.get(exc.status_code, OTHER_4XX)
