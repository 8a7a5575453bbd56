"""All settings in one place: environment variables or a `.env` file in the project root.

Components receive a Settings object; they never read the environment themselves.
"""

from __future__ import annotations

import functools
from pathlib import Path

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_MODEL_DIR = PROJECT_ROOT / "models" / "multilingual-e5-small"
_DEV_SECRET = "dev-only-change-me"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=PROJECT_ROOT / ".env", env_file_encoding="utf-8", extra="ignore")

    ENVIRONMENT: str = Field("local", description="local | staging | production")
    HOST: str = "127.0.0.1"
    PORT: int = Field(8000, ge=1, le=65535)

    # Knowledge base and retrieval
    EMBEDDING_MODEL: str = Field(str(DEFAULT_MODEL_DIR),
                                 description="sentence-transformers model name or local path")
    EMBEDDING_DEVICE: str = "cpu"
    EMBEDDING_THREADS: int | None = Field(None, ge=1, le=64, description="torch threads; unset = torch default")
    SEGMENTER: str = "jieba"
    VAR_DIR: Path = PROJECT_ROOT / "var"
    SEARCH_TOP_K: int = Field(5, ge=1, le=50)

    # Web widget: pages of other origins (the government site) that may embed /widget.js and call
    # the API from the browser. Comma-separated origins, e.g. "https://xfj.example.gov.cn"; empty = same origin only.
    CORS_ORIGINS: str = ""

    # Dialogue engine (loopback only)
    RASA_URL: str = "http://127.0.0.1:5005"
    ACTIONS_PORT: int = 5055
    RASA_TIMEOUT_SECONDS: float = 20.0

    # Storage: SQLite by default; PostgreSQL through DATABASE_URL, Redis for locks/dedup across hosts
    DATABASE_URL: str | None = None
    REDIS_URL: str | None = None

    # Keyed hash for user ids in logs and analytics
    SECRET_KEY: str = _DEV_SECRET

    # WeChat Official Account (the connector is disabled unless TOKEN and APP_ID are set)
    WECHAT_TOKEN: str | None = None
    WECHAT_APP_ID: str | None = None
    WECHAT_APP_SECRET: str | None = None
    WECHAT_AES_KEY: str | None = None
    WECHAT_PREVIOUS_AES_KEY: str | None = None
    WECHAT_API_BASE: str = "https://api.weixin.qq.com"

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

    @model_validator(mode="after")
    def _no_default_secret_outside_local(self) -> Settings:
        if self.ENVIRONMENT != "local" and self.SECRET_KEY == _DEV_SECRET:
            raise ValueError("SECRET_KEY must be set outside local development (it keys the user-id hashes)")
        return self

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
    def uses_default_model(self) -> bool:
        return Path(self.EMBEDDING_MODEL) == DEFAULT_MODEL_DIR

    @property
    def database_url(self) -> str:
        return self.DATABASE_URL or f"sqlite:///{self.VAR_DIR / 'xinfang.sqlite3'}"


@functools.lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
