"""Audit trail of the staff desk: who did what kind of thing, when; never a visitor's words."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine

from .tables import audit

ACTIONS = {"login": "登录", "login_failed": "登录失败", "login_throttled": "登录受限", "logout": "退出",
           "sheet": "下载告知单", "account_added": "新建账号", "account_disabled": "停用账号",
           "account_enabled": "启用账号", "password_set": "重设密码", "analytics_export": "导出统计表"}


class Audit:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def record(self, action: str, actor: str | None, client: str | None = None, **detail: Any) -> None:
        if action not in ACTIONS:
            raise ValueError(f"unknown audit action {action!r}")
        with self.engine.begin() as conn:
            conn.execute(audit.insert().values(at=dt.datetime.now(dt.UTC), actor=actor, action=action,
                                               client=client, detail=detail))

    def recent(self, limit: int = 100, action: str | None = None) -> list[dict[str, Any]]:
        q = select(audit).order_by(audit.c.id.desc()).limit(limit)
        if action:
            q = q.where(audit.c.action == action)
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(q)]
