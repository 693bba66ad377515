"""Service settings, read from the environment (`LMS_` prefix, plus `DATABASE_URL`)."""

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEV_SECRET = "dev-only-secret-change-me-0123456789abcdef"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LMS_", env_file=".env", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    # Unset: an embedded PostgreSQL is started under `state_dir` (see app.core.embedded).
    database_url: str | None = Field(
        default=None, validation_alias=AliasChoices("DATABASE_URL", "LMS_DATABASE_URL")
    )
    state_dir: Path = PROJECT_ROOT / ".lms"
    embedded_database: str = "lms"
    curriculum_dir: Path = PROJECT_ROOT / "curriculum"
    seeds_dir: Path = PROJECT_ROOT / "seeds"

    db_pool_size: int = 10
    db_max_overflow: int = 10
    # How long a request may wait for a connection: a burst (1,000 enrolments into one
    # workshop at once) queues for seconds, and queuing beats refusing with 503.
    db_pool_timeout_s: float = 30.0
    db_connect_timeout_s: float = 5.0
    db_statement_timeout_ms: int = 30_000
    # On SIGTERM the server stops accepting connections and gives requests in flight this long
    # to finish (a little less than the usual 30 s an orchestrator waits before SIGKILL).
    graceful_shutdown_s: int = 25

    # Tokens. The default secret is for development only; production refuses to start with it.
    secret_key: str = DEV_SECRET
    access_token_minutes: int = 30
    # Sign-in throttling: after this many consecutive failures the account is locked for a while.
    login_max_failures: int = 5
    login_lock_minutes: int = 15
    # Origins of the teachers' web frontend allowed by CORS (never "*" with credentials).
    cors_origins: list[str] = ["http://127.0.0.1:8000", "http://localhost:8000"]
    max_request_body_bytes: int = 2 * 1024 * 1024
    # Roster uploads (OneRoster CSV zip) may be larger.
    max_upload_bytes: int = 20 * 1024 * 1024
    # Password given to the sample demo.* accounts by `lms seed` (never in production).
    demo_password: str = "demo-2569"

    # Attendance exports run on their own connections, a few at a time per process.
    export_max_concurrent: int = 2
    export_slot_wait_s: float = 10.0
    # A COPY waiting on a slow client counts against statement_timeout: give exports time.
    export_statement_timeout_ms: int = 30 * 60 * 1000
    export_work_mem: str = "64MB"

    log_level: str = "INFO"
    log_json: bool = True
    timezone: str = "Asia/Bangkok"

    @model_validator(mode="after")
    def _refuse_default_secret_in_production(self) -> "Settings":
        if self.environment == "production" and (
            self.secret_key == DEV_SECRET or len(self.secret_key) < 32
        ):
            raise ValueError(
                "LMS_SECRET_KEY must be set to a random value of at least 32 characters "
                "when LMS_ENVIRONMENT=production"
            )
        if "*" in self.cors_origins:
            raise ValueError("LMS_CORS_ORIGINS may not contain '*' (credentials are allowed)")
        return self

    @field_validator("database_url")
    @classmethod
    def _normalise_driver(cls, value: str | None) -> str | None:
        """Accept the usual `postgresql://` and `postgres://` spellings; we always use asyncpg."""
        if value is None or value.strip() == "":
            return None
        value = value.strip()
        for prefix in ("postgres://", "postgresql://", "postgresql+psycopg://"):
            if value.startswith(prefix):
                return "postgresql+asyncpg://" + value[len(prefix) :]
        if not value.startswith("postgresql+asyncpg://"):
            raise ValueError(
                "DATABASE_URL must be a PostgreSQL URL such as "
                "postgresql+asyncpg://user@host:5432/dbname"
            )
        return value


@lru_cache
def get_settings() -> Settings:
    return Settings()
