"""Signed-in sessions kept on the server: the cookie carries a signed random token, the database its hash.

Signing out ends the row, so an old cookie is refused even though its signature is still good;
a session also ends when it expires (``STAFF_SESSION_MINUTES``) or its account is disabled.
Each session has its own CSRF token, which every state-changing request must send back.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select, update
from sqlalchemy.engine import Engine

from .tables import accounts, sessions

COOKIE = "xf_staff"


@dataclass(frozen=True)
class StaffSession:
    id: str
    account_id: int
    username: str
    role: str
    csrf_token: str
    expires_at: dt.datetime

    def csrf_ok(self, sent: str | None) -> bool:
        return bool(sent) and hmac.compare_digest(self.csrf_token, sent or "")


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _aware(t: dt.datetime) -> dt.datetime:
    return t if t.tzinfo else t.replace(tzinfo=dt.UTC)     # SQLite gives naive datetimes back


class Sessions:
    def __init__(self, engine: Engine, secret: str, minutes: int) -> None:
        self.engine = engine
        self.minutes = minutes
        self._signer = URLSafeSerializer(secret, salt="xinfang-staff-session")

    def start(self, account_id: int) -> tuple[str, StaffSession]:
        """A new session: the cookie value and the session."""
        token = secrets.token_urlsafe(32)
        now = dt.datetime.now(dt.UTC)
        row = {"id": _digest(token), "account_id": account_id, "csrf_token": secrets.token_urlsafe(32),
               "created_at": now, "expires_at": now + dt.timedelta(minutes=self.minutes)}
        with self.engine.begin() as conn:
            conn.execute(sessions.insert().values(**row))
        found = self._find(_digest(token))
        assert found is not None
        return self._signer.dumps(token), found

    def lookup(self, cookie: str | None) -> StaffSession | None:
        if not cookie or len(cookie) > 512:
            return None
        try:
            token = self._signer.loads(cookie)
        except BadSignature:
            return None
        return self._find(_digest(token)) if isinstance(token, str) else None

    def _find(self, session_id: str) -> StaffSession | None:
        q = (select(sessions, accounts.c.username, accounts.c.role, accounts.c.active)
             .join(accounts, accounts.c.id == sessions.c.account_id).where(sessions.c.id == session_id))
        with self.engine.connect() as conn:
            r = conn.execute(q).first()
        if r is None or r.ended_at is not None or not r.active:
            return None
        expires = _aware(r.expires_at)
        if expires <= dt.datetime.now(dt.UTC):
            return None
        return StaffSession(id=r.id, account_id=r.account_id, username=r.username, role=r.role,
                            csrf_token=r.csrf_token, expires_at=expires)

    def end(self, session_id: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(sessions).where(sessions.c.id == session_id, sessions.c.ended_at.is_(None))
                         .values(ended_at=dt.datetime.now(dt.UTC)))

    def end_all(self, account_id: int) -> int:
        with self.engine.begin() as conn:
            return conn.execute(update(sessions).where(sessions.c.account_id == account_id,
                                                       sessions.c.ended_at.is_(None))
                                .values(ended_at=dt.datetime.now(dt.UTC))).rowcount


class LoginCsrf:
    """CSRF before sign-in (double submit): a signed random token in a cookie, echoed in a header."""

    COOKIE = "xf_csrf"

    def __init__(self, secret: str) -> None:
        self._signer = URLSafeSerializer(secret, salt="xinfang-login-csrf")

    def issue(self) -> tuple[str, str]:
        """(token for the page, cookie value)."""
        token = secrets.token_urlsafe(24)
        return token, self._signer.dumps(token)

    def check(self, cookie: str | None, sent: str | None) -> bool:
        if not cookie or not sent or len(cookie) > 512:
            return False
        try:
            token = self._signer.loads(cookie)
        except BadSignature:
            return False
        return isinstance(token, str) and hmac.compare_digest(token, sent)
