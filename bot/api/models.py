"""Request and response models of the public API (they are the OpenAPI documentation).

Every field has a type, a size and, for free text, a check that it says something: anything
else is refused here with a 422 (``bot/api/errors.py`` words it), so nothing a client sends can
reach the dialogue unread or end in a 500 further down (issue 19).
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictInt,
    field_validator,
)

from knowledge.packs import REGION_PATTERN

from ..commands import strip_invisible

MAX_TEXT = 2000
MAX_COMMENT = 500
TOKEN = r"^[0-9A-Za-z_-]+$"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _not_blank(v: str) -> str:
    if not strip_invisible(v):   # zero-width characters alone are blank too
        raise ValueError("不能只有空白，请输入文字")
    return v


UserText = Annotated[str, Field(min_length=1, max_length=MAX_TEXT, description="用户输入"),
                     AfterValidator(_not_blank)]
# A region: a code (350206) or a place name (湖里区), as the web widget also accepts (00-options.js)
REGION_ERROR = "应为地区代码（如 350206）或地名（如 湖里区）"


def _region(v: Any) -> Any:
    if v is not None and (not isinstance(v, str) or not re.fullmatch(REGION_PATTERN, v)):
        raise ValueError(REGION_ERROR)
    return v


Region = Annotated[str | None, BeforeValidator(_region)]


class ChatMetadata(BaseModel):
    """What the service reads of a turn's metadata and passes on to the dialogue (bot/conversation.py)."""

    model_config = ConfigDict(extra="forbid")
    region: Region = Field(None, description="地区代码（如 350206）或地名（如 湖里区）")
    channel: str | None = Field(None, max_length=32, pattern=TOKEN, description="接入渠道（如 web）")
    locale: str | None = Field(None, max_length=16, pattern=r"^[A-Za-z]{2,3}(?:[-_][0-9A-Za-z]{1,8})*$",
                               description="语言（如 zh-CN）")


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sender: str = Field(..., min_length=1, max_length=128, description="会话标识（例如浏览器本地保存的随机 id）")
    text: UserText
    metadata: ChatMetadata = Field(default_factory=ChatMetadata, description="可选：region（地区代码或名称）等")


class ChatResponse(BaseModel):
    messages: list[dict[str, Any]]
    turn_id: str = Field(..., description="这一轮回答的标识，反馈（/api/feedback）时引用")


def _one_vote(v: int) -> int:
    if v not in (1, -1):
        raise ValueError("只能是 1（有帮助）或 -1（没帮助）")
    return v


class FeedbackRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sender: str = Field(..., min_length=1, max_length=128)
    turn_id: str = Field(..., min_length=1, max_length=128, pattern=TOKEN,
                         description="/api/chat 返回给这个 sender 的 turn_id")
    # strict: JSON true is no vote, nor is 1.0 or "1"
    rating: Annotated[StrictInt, AfterValidator(_one_vote)] = Field(
        ..., description="1 = 有帮助，-1 = 没帮助", json_schema_extra={"enum": [1, -1]})
    comment: str | None = Field(None, max_length=MAX_COMMENT, description="可选的意见（个人信息会被隐去）")

    @field_validator("comment")
    @classmethod
    def _no_blank_comment(cls, v: str | None) -> str | None:
        if v is None:
            return None
        # control characters say nothing, and PostgreSQL refuses a NUL in text
        return strip_invisible(_CONTROL.sub("", v)) or None   # nothing but blanks: no comment


class AskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: UserText
    region: Region = Field(None, description="地区代码（如 350206）或地名")


class Intent(BaseModel):
    name: str | None
    confidence: float | None


class RouteOut(BaseModel):
    id: str
    name: str
    why: str


class CitationOut(BaseModel):
    id: str
    law: str
    article: int
    text: str


class DetailOut(BaseModel):
    title: str
    text: str


class AskResponse(BaseModel):
    messages: list[str] = Field(..., description="回答正文；第一条是简短的办理方案")
    kind: str | None = Field(None, description="回答类型：triage、answer、deadline、clarify、unknown、out_of_scope、crisis…")
    intent: Intent
    routes: list[RouteOut]
    citations: list[CitationOut]
    quoted: list[str] = Field(default_factory=list, description="作为答案引用的条文 id（先引用的在前）")
    details: list[DetailOut] = Field(default_factory=list, description="折叠在方案下面的详细说明")
    question: str | None = Field(None, description="随回答一起问的一个问题（确定途径用）")
    needs_clarification: bool
