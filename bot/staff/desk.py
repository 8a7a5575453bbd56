"""Everything the staff desk holds while the service runs, built once at start."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Engine

from bot.privacy import hash_user_id
from bot.throttle import Throttle
from common.settings import Settings
from knowledge.kb import KnowledgeBase
from knowledge.staff_search import StaffSearch

from .accounts import Accounts
from .audit import Audit
from .sessions import LoginCsrf, Sessions


@dataclass
class StaffDesk:
    kb: KnowledgeBase
    search: StaffSearch
    accounts: Accounts
    sessions: Sessions
    login_csrf: LoginCsrf
    audit: Audit
    failed_logins: Throttle
    secret: str
    cookie_secure: bool

    @classmethod
    def build(cls, settings: Settings, engine: Engine, kb: KnowledgeBase) -> StaffDesk:
        return cls(kb=kb, search=StaffSearch.from_knowledge(kb), accounts=Accounts(engine),
                   sessions=Sessions(engine, settings.SECRET_KEY, settings.STAFF_SESSION_MINUTES),
                   login_csrf=LoginCsrf(settings.SECRET_KEY), audit=Audit(engine),
                   failed_logins=Throttle("staff-login-failures", settings.STAFF_LOGIN_FAILURES,
                                          settings.REDIS_URL),
                   secret=settings.SECRET_KEY, cookie_secure=settings.staff_cookie_secure)

    def client_key(self, address: str | None) -> str:
        """The client's address as the audit and the throttle keep it: a keyed hash."""
        return hash_user_id(address or "unknown", self.secret, "client")
