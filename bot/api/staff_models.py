"""Request and response models of the staff desk's API (``/api/staff/…``)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from .models import REGION_PATTERN, UserText


class LoginRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(..., min_length=1, max_length=64, description="用户名")
    password: str = Field(..., min_length=1, max_length=256, description="密码")


class StaffMe(BaseModel):
    username: str
    role: str
    role_name: str
    csrf_token: str = Field(..., description="之后每个修改类请求（POST）都要放在 X-CSRF-Token 请求头里")
    expires_at: dt.datetime


class CsrfOut(BaseModel):
    csrf_token: str = Field(..., description="登录请求的 X-CSRF-Token 请求头（同时设置了配对的 Cookie）")


class FinderRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: UserText
    region: str | None = Field(None, pattern=f"^{REGION_PATTERN}$", description="地区代码（本地指引包）")


class FinderOut(BaseModel):
    kind: str | None = Field(None, description="与群众端同一流程的回答类型")
    start: dt.date | None = Field(None, description="问题里说到的日期（收到、知道或发生之日），可作起算日期")
    messages: list[str] = Field(..., description="群众端会收到的同一回答")
    routes: list[dict[str, Any]] = Field(..., description="排好序的途径：理由、受理机关、怎么开始、期限及条文、本地机构")
    citations: list[dict[str, Any]]
    question: str | None = None
    region: dict[str, str] | None = None


class SheetRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    route: str = Field(..., min_length=1, max_length=64, pattern=r"^[a-z0-9_]+$", description="途径 id")
    region: str | None = Field(None, pattern=f"^{REGION_PATTERN}$")
    start: dt.date | None = Field(None, description="起算日期（填了就写明最后一天）")
    kind: str | None = Field(None, max_length=64, pattern=r"^[a-z0-9_]+$",
                             description="计算哪一个期限（期限种类 id，须属于该途径；默认该途径来访人自己的第一个期限）")
    officer: str = Field("", max_length=40, description="经办人（可不填，打印后手写）")
    visitor: str = Field("", max_length=40, description="来访人（可不填；不保存）")
    note: str = Field("", max_length=300, description="备注（可不填；不保存）")
    format: Literal["pdf", "html"] = "pdf"
