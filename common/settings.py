"""All settings in one place: environment variables or a `.env` file in the project root.

Components receive a Settings object; they never read the environment themselves.
"""

from __future__ import annotations

import functools
import os
import re
import secrets
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_MODEL_DIR = PROJECT_ROOT / "models" / "multilingual-e5-small"
_DEV_SECRET = "dev-only-change-me"   # published: refused by the service (issue 19), kept only to recognise it
MIN_SECRET_CHARS = 32
ENV_FILE = PROJECT_ROOT / ".env"


class InsecureSecret(ValueError):
    """The service was asked to start with a SECRET_KEY anyone could know or guess."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=ENV_FILE, env_file_encoding="utf-8", extra="ignore")

    ENVIRONMENT: str = Field("local", description="local | staging | production")
    HOST: str = "127.0.0.1"
    PORT: int = Field(8000, ge=1, le=65535)

    # Knowledge base and retrieval
    EMBEDDING_MODEL: str = Field(str(DEFAULT_MODEL_DIR),
                                 description="sentence-transformers model name or local path")
    EMBEDDING_DEVICE: str = "cpu"
    EMBEDDING_THREADS: int | None = Field(None, ge=1, le=64, description="torch threads; unset = torch default")
    # onnx: the same model run by ONNX Runtime (exported once into ONNX_DIR; about half the CPU of
    # torch per query, see knowledge/onnx_embedder.py); torch: sentence-transformers itself
    EMBEDDING_BACKEND: Literal["onnx", "torch"] = "onnx"
    ONNX_DIR: Path = PROJECT_ROOT / "models" / "onnx"
    EMBEDDING_QUANTIZE: Literal["none", "int8"] = Field(
        "int8", description="int8: dynamic int8 quantization of the model's linear layers on CPU (about 2× faster, "
                            "retrieval quality measured by `xinfang eval retrieval`); none: full fp32")
    SEGMENTER: str = "jieba"
    VAR_DIR: Path = PROJECT_ROOT / "var"
    # Real citizen questions with route labels (../shared/data): the route model trains on the training
    # part of their split (tests/data/real_questions_split.yaml), never on its dev part. Absent: the
    # model trains on the project's own examples only.
    REAL_QUESTIONS_DIR: Path = PROJECT_ROOT.parent / "shared" / "data"
    REAL_QUESTIONS_SPLIT: Path = PROJECT_ROOT / "tests" / "data" / "real_questions_split.yaml"
    SEARCH_TOP_K: int = Field(5, ge=1, le=50)
    SEARCH_RERANK: bool = Field(True, description="reorder the first hits with the learned reranker "
                                                  "(knowledge/rerank.py; `xinfang eval retrieval` prints both)")

    # Web widget: pages of other origins (the government site) that may embed /widget.js and call
    # the API from the browser. Comma-separated origins, e.g. "https://xfj.example.gov.cn"; empty = same origin only.
    CORS_ORIGINS: str = ""

    # Dialogue engine (loopback only)
    RASA_URL: str = "http://127.0.0.1:5005"
    ACTIONS_PORT: int = 5055
    RASA_TIMEOUT_SECONDS: float = 20.0
    # Turns sent to Rasa at once; the rest wait here, first come first served. Rasa interleaves every
    # request it holds, so an unbounded burst slows every conversation down together and the longest
    # turns (a clarifying question: three policy steps) most. 0 = no limit.
    RASA_MAX_INFLIGHT: int = Field(4, ge=0, le=256)
    # With two or more CPUs, Rasa gets one of its own and the action server and the API the rest
    # (bot/placement.py). Off: the scheduler places everything.
    CPU_PLACEMENT: bool = True
    # The action server embeds each user text while Rasa is still parsing it (bot/prefetch.py), when
    # at most QUERY_PREFETCH_MAX_INFLIGHT turns are at Rasa (busier, the CPU has no room for it);
    # off: the action embeds it when it runs, after Rasa.
    QUERY_PREFETCH: bool = True
    QUERY_PREFETCH_MAX_INFLIGHT: int = Field(2, ge=1, le=256)

    # Storage: SQLite by default; PostgreSQL through DATABASE_URL, Redis for locks/dedup across hosts
    DATABASE_URL: str | None = None
    REDIS_URL: str | None = None
    # Where Rasa keeps conversations (bot/tracker_store.py): this SQLAlchemy URL when set, else Redis with
    # REDIS_URL, else DATABASE_URL when it is PostgreSQL, else SQLite at VAR_DIR/rasa-tracker.sqlite3.
    RASA_TRACKER_URL: str | None = None
    # Each conversation is dropped this long after its last turn (a session ends after 60 idle minutes and
    # its slots carry over, see domain.yml): by Redis itself, or by the runner's purge from an SQL store.
    RASA_TRACKER_TTL_SECONDS: int = Field(24 * 3600, ge=3600, le=90 * 24 * 3600)
    # /api/ask's one-off conversations are never continued: purged from an SQL store this long after their turn.
    RASA_ASK_TTL_SECONDS: int = Field(600, ge=60, le=24 * 3600)
    # Rasa's HTTP API token (/status, /model/parse, /conversations/...). Unset: the runner makes a random one
    # at each start and hands it to the API it serves; set it only for an API (`xinfang serve`) in front of a
    # Rasa started elsewhere with the same token.
    RASA_TOKEN: str | None = None

    # Staff desk (bot/staff): signed-in sessions end this long after sign-in; failed sign-ins allowed per
    # account and per client address before further attempts are refused for a while (limits' notation).
    STAFF_SESSION_MINUTES: int = Field(8 * 60, ge=5, le=7 * 24 * 60)
    STAFF_LOGIN_FAILURES: str = Field("9/minute", description="failed sign-ins allowed, e.g. 9/minute;20/hour")
    # The session cookie is sent over HTTPS only (Secure). Unset: on outside local development.
    STAFF_COOKIE_SECURE: bool | None = None

    # Public API (/api/chat, /api/ask, /api/feedback) rate limits, in limits' notation, per client address
    # (as uvicorn reports it: behind a proxy, run it with --proxy-headers and --forwarded-allow-ips) and
    # per sender. A text counts one request per RATE_LIMIT_TEXT_UNIT characters begun (bot/throttle.py).
    # Counters in this process, or in Redis with REDIS_URL so that replicas share them.
    RATE_LIMIT_ENABLED: bool = True
    RATE_LIMIT_CLIENT: str = Field("60/minute;600/hour", description="requests per client address")
    RATE_LIMIT_SENDER: str = Field("30/minute", description="requests per sender (conversation)")
    RATE_LIMIT_TEXT_UNIT: int = Field(200, ge=1, le=100_000, description="characters of text that cost one request")

    # Keys the user-id hashes in logs and analytics and signs the staff desk's sessions. The service refuses
    # the published default and keys under MIN_SECRET_CHARS (check_secret); `xinfang run` writes a random
    # one into .env on first run. ALLOW_INSECURE_SECRET=true lets local development start without one.
    SECRET_KEY: str = _DEV_SECRET
    ALLOW_INSECURE_SECRET: bool = False

    # WeChat Official Account (the connector is disabled unless TOKEN and APP_ID are set)
    WECHAT_TOKEN: str | None = None
    WECHAT_APP_ID: str | None = None
    WECHAT_APP_SECRET: str | None = None
    WECHAT_AES_KEY: str | None = None
    WECHAT_PREVIOUS_AES_KEY: str | None = None
    WECHAT_API_BASE: str = "https://api.weixin.qq.com"
    # WeChat gives the server 5 s per attempt and makes a few attempts (docs/wechat.md): answer passively when
    # the answer is ready within the budget, else on a retry, else through the customer-service API.
    WECHAT_REPLY_BUDGET_SECONDS: float = Field(default=4.0, gt=0, le=4.8)
    WECHAT_CALLBACK_TIMEOUT_SECONDS: float = Field(default=5.0, gt=0, description="how long WeChat waits per attempt")
    WECHAT_CALLBACK_ATTEMPTS: int = Field(default=3, ge=1, le=4, description="attempts WeChat makes; err on the low side")
    WECHAT_PROCESSING_TIMEOUT_SECONDS: float = Field(default=60.0, gt=0)
    WECHAT_CUSTOMER_SERVICE: bool = Field(default=True, description="send late/extra parts through the customer-"
                                          "service API (needs WECHAT_APP_SECRET and the account's permission)")
    WECHAT_ALLOW_PLAINTEXT: bool = Field(default=False, description="accept unencrypted POSTs although an AES key is set")
    WECHAT_MAX_BODY_BYTES: int = Field(default=32 * 1024, ge=1024, le=1024 * 1024)
    WECHAT_MAX_CLOCK_SKEW_SECONDS: int = Field(default=300, ge=0, description="reject older/newer timestamps; 0 = off")
    WECHAT_TEXT_MAX_BYTES: int = Field(default=2048, ge=200, le=2048, description="UTF-8 bytes per text message")
    WECHAT_MAX_PARTS: int = Field(default=4, ge=1, le=5, description="messages per answer (passive + customer-service)")
    WECHAT_DEDUP_TTL_SECONDS: int = Field(default=3600, ge=60)

    # Analytics (bot/analytics, issue 18): events older than this are deleted (`xinfang analytics purge`);
    # a dashboard cell counted from fewer distinct senders than ANALYTICS_MIN_COUNT is merged into 「其他」.
    ANALYTICS_RETENTION_DAYS: int = Field(180, ge=1, le=3650)
    ANALYTICS_MIN_COUNT: int = Field(5, ge=2, le=1000)

    @field_validator("VAR_DIR", mode="before")
    @classmethod
    def _relative_to_root(cls, v: object) -> object:
        if isinstance(v, str) and v and not Path(v).is_absolute():
            return PROJECT_ROOT / v
        return v

    @field_validator("EMBEDDING_MODEL", mode="after")
    @classmethod
    def _model_path(cls, v: str) -> str:
        # A relative path that exists in the project is a local model folder; anything else is a model name.
        candidate = PROJECT_ROOT / v
        if not Path(v).is_absolute() and candidate.exists():
            return str(candidate)
        return v

    @field_validator("WECHAT_AES_KEY", "WECHAT_PREVIOUS_AES_KEY", mode="after")
    @classmethod
    def _aes_key(cls, v: str | None) -> str | None:
        if v is None or not v.strip():
            return None
        import base64
        import binascii

        v = v.strip()
        try:
            ok = len(v) == 43 and len(base64.b64decode(v + "=", validate=True)) == 32
        except binascii.Error:
            ok = False
        if not ok:
            raise ValueError("EncodingAESKey must be the 43 characters shown in 公众号后台 → 基本配置")
        return v

    @model_validator(mode="after")
    def _wechat_budget_within_timeout(self) -> Settings:
        if self.WECHAT_REPLY_BUDGET_SECONDS >= self.WECHAT_CALLBACK_TIMEOUT_SECONDS:
            raise ValueError("WECHAT_REPLY_BUDGET_SECONDS must be shorter than WECHAT_CALLBACK_TIMEOUT_SECONDS")
        return self

    @model_validator(mode="after")
    def _no_weak_secret_outside_local(self) -> Settings:
        if self.ENVIRONMENT != "local" and self.secret_problem:
            raise ValueError(self._secret_advice(self.secret_problem))
        return self

    @field_validator("STAFF_LOGIN_FAILURES", "RATE_LIMIT_CLIENT", "RATE_LIMIT_SENDER", mode="after")
    @classmethod
    def _rate(cls, v: str, info: ValidationInfo) -> str:
        from limits import parse_many

        try:
            parse_many(v)
        except ValueError:
            raise ValueError(f"{info.field_name} 应写成 9/minute 或 9/minute;20/hour 这样的形式") from None
        return v

    @property
    def secret_problem(self) -> str | None:
        """What is wrong with SECRET_KEY, in Chinese, or None when it will do."""
        key = self.SECRET_KEY.strip()
        if key == _DEV_SECRET:
            return "SECRET_KEY 仍是公开的默认值"
        if len(key) < MIN_SECRET_CHARS:
            return f"SECRET_KEY 太短（{len(key)} 个字符，至少 {MIN_SECRET_CHARS} 个）"
        return None

    @staticmethod
    def _secret_advice(problem: str) -> str:
        return (f"{problem}：它是用户标识哈希和工作人员会话签名的密钥，公开或过短的密钥让任何人都能算出哈希、伪造会话。"
                f"请在环境变量或项目根目录的 .env 中设置至少 {MIN_SECRET_CHARS} 个字符的随机密钥，例如 "
                "SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_hex(32))')"
                "（`make run` 首次运行会自动写入 .env）；仅在本机开发时可设 ALLOW_INSECURE_SECRET=true 跳过此检查。")

    def check_secret(self) -> None:
        """Raises InsecureSecret unless SECRET_KEY will do, or local development explicitly allows a weak one."""
        problem = self.secret_problem
        if problem and not (self.ALLOW_INSECURE_SECRET and self.ENVIRONMENT == "local"):
            raise InsecureSecret(self._secret_advice(problem))

    @property
    def staff_cookie_secure(self) -> bool:
        return self.ENVIRONMENT != "local" if self.STAFF_COOKIE_SECURE is None else self.STAFF_COOKIE_SECURE

    @property
    def cors_origins(self) -> list[str]:
        return [o.strip().rstrip("/") for o in self.CORS_ORIGINS.split(",") if o.strip()]

    @property
    def index_dir(self) -> Path:
        return self.VAR_DIR / "index"

    @property
    def embedding_cache_path(self) -> Path:
        return self.VAR_DIR / "cache" / "embeddings.sqlite"

    @property
    def triage_dir(self) -> Path:
        return self.VAR_DIR / "triage"

    @property
    def rerank_dir(self) -> Path:
        return self.VAR_DIR / "rerank"

    @property
    def uses_default_model(self) -> bool:
        return Path(self.EMBEDDING_MODEL) == DEFAULT_MODEL_DIR

    @property
    def database_url(self) -> str:
        return self.DATABASE_URL or f"sqlite:///{self.VAR_DIR / 'xinfang.sqlite3'}"


@functools.lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


_SECRET_LINE = re.compile(r"^\s*(?:export\s+)?SECRET_KEY\s*=", re.MULTILINE)


def ensure_secret_key(env_file: Path = ENV_FILE) -> bool:
    """Adds a random ``SECRET_KEY`` (64 hex characters) to ``env_file`` unless it has one; True if it did.

    The file is created if missing and left readable by its owner only (0600); an existing SECRET_KEY
    line is never touched, so the key, and every hash made with it, survives restarts.
    """
    text = env_file.read_text(encoding="utf-8") if env_file.exists() else ""
    if _SECRET_LINE.search(text):
        return False
    fd = os.open(env_file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as f:
        if text and not text.endswith("\n"):
            f.write("\n")
        f.write(f"SECRET_KEY={secrets.token_hex(32)}\n")
    os.chmod(env_file, 0o600)
    return True
