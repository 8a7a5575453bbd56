"""Request and response models of the public API (they are the OpenAPI documentation)."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

MAX_TEXT = 2000


def _not_blank(v: str) -> str:
    if not v.strip():
        raise ValueError("不能只有空白，请输入文字")
    return v


UserText = Annotated[str, Field(min_length=1, max_length=MAX_TEXT, description="用户输入"),
                     AfterValidator(_not_blank)]
# A region: a code (350206) or a place name (湖里区), as the web widget also accepts (00-options.js)
REGION_PATTERN = r"[0-9A-Za-z_\-\u4e00-\u9fff]{1,32}"
REGION_ERROR = "应为地区代码（如 350206）或地名（如 湖里区）"


def _region(v: Any) -> Any:
    if v is not None and (not isinstance(v, str) or not re.fullmatch(REGION_PATTERN, v)):
        raise ValueError(REGION_ERROR)
    return v


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sender: str = Field(..., min_length=1, max_length=128, description="会话标识（例如浏览器本地保存的随机 id）")
    text: UserText
    metadata: dict[str, Any] = Field(default_factory=dict, description="可选：region（地区代码或名称）等")

    @field_validator("metadata")
    @classmethod
    def _metadata_region(cls, v: dict[str, Any]) -> dict[str, Any]:
        try:
            _region(v.get("region"))
        except ValueError:
            raise ValueError(f"其中的 region {REGION_ERROR}") from None
        return v


class ChatResponse(BaseModel):
    messages: list[dict[str, Any]]
    turn_id: str = Field(..., description="这一轮回答的标识，反馈（/api/feedback）时引用")


class FeedbackRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sender: str = Field(..., min_length=1, max_length=128)
    turn_id: str = Field(..., min_length=1, max_length=128, pattern=r"^[0-9A-Za-z_-]+$")
    rating: Literal[1, -1] = Field(..., description="1 = 有帮助，-1 = 没帮助")
    comment: str | None = Field(None, max_length=500)


class AskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: UserText
    region: Annotated[str | None, AfterValidator(_region)] = Field(None, description="地区代码（如 350206）或地名")


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
