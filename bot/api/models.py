"""Request and response models of the public API (they are the OpenAPI documentation)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

MAX_TEXT = 2000


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sender: str = Field(..., min_length=1, max_length=128, description="会话标识（例如浏览器本地保存的随机 id）")
    text: str = Field(..., min_length=1, max_length=MAX_TEXT, description="用户输入")
    metadata: dict[str, Any] = Field(default_factory=dict, description="可选：region（地区代码或名称）等")

    @field_validator("text")
    @classmethod
    def _not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("text 不能为空")
        return v


class ChatResponse(BaseModel):
    messages: list[dict[str, Any]]


class AskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(..., min_length=1, max_length=MAX_TEXT)
    region: str | None = Field(None, max_length=64)

    @field_validator("text")
    @classmethod
    def _not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("text 不能为空")
        return v


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


class AskResponse(BaseModel):
    messages: list[str]
    intent: Intent
    routes: list[RouteOut]
    citations: list[CitationOut]
    needs_clarification: bool
