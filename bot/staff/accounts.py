"""Staff accounts: who may use the desk, with which role; passwords hashed with argon2 (pwdlib).

Accounts are created and disabled on the command line (``xinfang staff``); a disabled account
keeps its row (the audit trail names it) but can neither sign in nor use a session it had.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from pwdlib import PasswordHash
from sqlalchemy import select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from .tables import accounts

ROLES = ("staff", "analyst", "admin")
ROLE_NAMES = {"staff": "接待人员", "analyst": "分析人员", "admin": "管理员"}
USERNAME = re.compile(r"^[A-Za-z0-9_.\-\u4e00-\u9fff]{2,32}$")
MIN_PASSWORD = 10
MAX_PASSWORD = 256

_hasher = PasswordHash.recommended()     # argon2id with the library's current parameters
# Verified against when the account does not exist, so that a wrong name costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not-a-password-of-anyone")


class AccountError(ValueError):
    """Something about an account a person asked for: the message is Chinese and shown as is."""


@dataclass(frozen=True)
class Account:
    id: int
    username: str
    role: str
    active: bool
    created_at: dt.datetime
    last_login_at: dt.datetime | None

    def to_dict(self) -> dict:
        return {"username": self.username, "role": self.role, "role_name": ROLE_NAMES[self.role],
                "active": self.active, "created_at": self.created_at.isoformat(),
                "last_login_at": self.last_login_at.isoformat() if self.last_login_at else None}


def check_username(name: str) -> str:
    name = name.strip()
    if not USERNAME.match(name):
        raise AccountError("用户名应为 2 到 32 个字符：字母、数字、汉字、下划线、点或连字符。")
    return name


def check_password(password: str, username: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"密码至少 {MIN_PASSWORD} 个字符。")
    if len(password) > MAX_PASSWORD:
        raise AccountError(f"密码最多 {MAX_PASSWORD} 个字符。")
    if password.strip().lower() == username.lower() or len(set(password)) < 4:
        raise AccountError("密码太简单：不要用用户名或重复的字符。")
    return password


def _row(r) -> Account:
    return Account(id=r.id, username=r.username, role=r.role, active=bool(r.active),
                   created_at=r.created_at, last_login_at=r.last_login_at)


class Accounts:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def add(self, username: str, role: str, password: str) -> Account:
        username = check_username(username)
        if role not in ROLES:
            raise AccountError(f"角色应为 {' / '.join(ROLES)} 之一，收到的是 “{role}”。")
        check_password(password, username)
        now = dt.datetime.now(dt.UTC)
        try:
            with self.engine.begin() as conn:
                conn.execute(accounts.insert().values(username=username, role=role, active=True, created_at=now,
                                                      password_hash=_hasher.hash(password)))
        except IntegrityError:
            raise AccountError(f"用户名 “{username}” 已存在。") from None
        found = self.get(username)
        assert found is not None
        return found

    def get(self, username: str) -> Account | None:
        with self.engine.connect() as conn:
            r = conn.execute(select(accounts).where(accounts.c.username == username)).first()
        return _row(r) if r else None

    def by_id(self, account_id: int) -> Account | None:
        with self.engine.connect() as conn:
            r = conn.execute(select(accounts).where(accounts.c.id == account_id)).first()
        return _row(r) if r else None

    def list(self) -> list[Account]:
        with self.engine.connect() as conn:
            return [_row(r) for r in conn.execute(select(accounts).order_by(accounts.c.username))]

    def set_active(self, username: str, active: bool) -> Account:
        now = dt.datetime.now(dt.UTC)
        with self.engine.begin() as conn:
            done = conn.execute(update(accounts).where(accounts.c.username == username)
                                .values(active=active, disabled_at=None if active else now)).rowcount
        if not done:
            raise AccountError(f"没有用户名为 “{username}” 的账号。")
        found = self.get(username)
        assert found is not None
        return found

    def set_password(self, username: str, password: str) -> None:
        check_password(password, username)
        with self.engine.begin() as conn:
            done = conn.execute(update(accounts).where(accounts.c.username == username)
                                .values(password_hash=_hasher.hash(password))).rowcount
        if not done:
            raise AccountError(f"没有用户名为 “{username}” 的账号。")

    def authenticate(self, username: str, password: str) -> Account | None:
        """The account when the name and password are right and it is active; else None (same cost)."""
        if len(password) > MAX_PASSWORD:
            return None
        with self.engine.connect() as conn:
            r = conn.execute(select(accounts).where(accounts.c.username == username.strip())).first()
        if r is None:
            _hasher.verify(password, _DUMMY_HASH)
            return None
        ok, new_hash = _hasher.verify_and_update(password, r.password_hash)
        if not ok or not r.active:
            return None
        values: dict = {"last_login_at": dt.datetime.now(dt.UTC)}
        if new_hash:                      # parameters moved on since it was hashed
            values["password_hash"] = new_hash
        with self.engine.begin() as conn:
            conn.execute(update(accounts).where(accounts.c.id == r.id).values(**values))
        return _row(r)
