"""Service settings, read from the environment (`LMS_` prefix, plus `DATABASE_URL`)."""

import contextlib
import os
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# The signing secret this repository once shipped as its default. It is public, so anyone
# could forge tokens with it: it is refused in every environment.
DEV_SECRET = "dev-only-secret-change-me-0123456789abcdef"
MIN_SECRET_LENGTH = 32
SECRET_KEY_FILE = "secret_key"


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

    # A fixed pool (no overflow): SQLAlchemy's pool closes an overflow connection whenever it
    # is given back while the idle queue is full, which under a burst is most of the time.
    # Measured at 64 connections of GET /me with 10 + 10: 693 new PostgreSQL connections in
    # 8 s (one request in twelve paid for a connection), 1,068 against 1,307 req/s with 20 + 0.
    db_pool_size: int = 20
    db_max_overflow: int = 0
    # How long a request may wait for a connection: a burst (1,000 enrolments into one
    # workshop at once) queues for seconds, and queuing beats refusing with 503.
    db_pool_timeout_s: float = 30.0
    db_connect_timeout_s: float = 5.0
    db_statement_timeout_ms: int = 30_000
    # /health/ready: the database check's own connection (never the request pool) and limit.
    health_db_timeout_s: float = 2.0
    # On SIGTERM the server stops accepting connections and gives requests in flight this long
    # to finish (a little less than the usual 30 s an orchestrator waits before SIGKILL).
    graceful_shutdown_s: int = 25

    # Tokens. Unset: a random key is generated once and kept in `<state_dir>/secret_key`
    # (mode 0600), so every process of one installation signs with the same key.
    secret_key: str = Field(default="", repr=False)
    access_token_minutes: int = 30
    # A sign-in's refresh tokens (SECURITY.md, "Refresh tokens"): the family lives at most
    # `refresh_token_hours` from sign-in (a school day), each token at most
    # `refresh_token_idle_minutes` unless refreshed. Secure cookie: None sets it unless the
    # request is plain http to a loopback address (`make run`); true/false force it.
    refresh_token_hours: int = Field(default=12, ge=1, le=24 * 7)
    refresh_token_idle_minutes: int = Field(default=4 * 60, ge=1)
    refresh_cookie_secure: bool | None = None
    # Signed-in callers (token or API key) are kept this long per process, so a request
    # resolves its caller without a database round trip. The bound on how long another
    # process may still accept a deactivated account, a changed role or a revoked key
    # (SECURITY.md, "Principal cache"); the process that made the change forgets at once.
    # 0 turns the cache off.
    principal_cache_ttl_s: float = Field(default=10.0, ge=0, le=60)
    principal_cache_max_entries: int = Field(default=10_000, ge=0)
    # Sign-in throttling, per (username, client address) and per client address, never per
    # account alone: an attacker slows down their own address, not the account's owner.
    # After `login_max_failures` failures each further one doubles the wait, from
    # `login_base_delay_s` up to `login_max_delay_s`; failures are forgotten after a quiet day.
    login_max_failures: int = 5
    login_address_max_failures: int = 30
    login_base_delay_s: int = 15
    login_max_delay_s: int = 15 * 60
    login_forget_after_s: int = 24 * 60 * 60
    # How many reverse proxies in front of the API append the client to X-Forwarded-For.
    # 0: the address is the TCP peer's, and the header (which anyone can send) is ignored.
    trusted_proxies: int = 0
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

    # Open Badges credentials (app/credentials). Credential, issuer, achievement and key ids
    # are URLs under `public_base_url`, the address the public reaches this service at: set
    # it before the first credential is issued and keep it (a credential's id is for ever).
    public_base_url: str = "http://127.0.0.1:8000"
    issuer_name_th: str = "สำนักการศึกษา กรุงเทพมหานคร"
    issuer_name_en: str = "Education Department, Bangkok Metropolitan Administration"
    # The issuer's home page; unset: the public base URL.
    issuer_url: str | None = None
    issuer_email: str | None = None
    # Unset: credentials do not expire (a course once completed stays completed).
    credential_valid_days: int | None = Field(default=None, ge=1)

    log_level: str = "INFO"
    log_json: bool = True
    timezone: str = "Asia/Bangkok"

    @model_validator(mode="after")
    def _secret_key_generated_or_strong(self) -> "Settings":
        # No environment gets a usable default: a published default is a forgery kit.
        if not self.secret_key.strip():
            self.secret_key = load_or_create_secret_key(self.state_dir)
        if self.secret_key == DEV_SECRET or len(self.secret_key) < MIN_SECRET_LENGTH:
            raise ValueError(
                f"LMS_SECRET_KEY must be a random value of at least {MIN_SECRET_LENGTH} "
                "characters (the old published default is refused); leave it unset to have "
                "one generated in LMS_STATE_DIR"
            )
        if "*" in self.cors_origins:
            raise ValueError("LMS_CORS_ORIGINS may not contain '*' (credentials are allowed)")
        return self

    @field_validator("public_base_url")
    @classmethod
    def _plain_base_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        scheme, _, rest = value.partition("://")
        if scheme not in ("http", "https") or not rest or any(c in rest for c in "?#@ "):
            raise ValueError(
                "LMS_PUBLIC_BASE_URL must be an http(s) address without query or fragment, "
                "such as https://lab.bangkok.go.th"
            )
        return value

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


def create_private_file_once(path: Path, content: bytes) -> None:
    """Write `content` to `path` with mode 0600 unless the file exists.

    Published by a hard link, so processes starting at the same time agree on one file (the
    first link wins) and none reads a half-written one. Refuses a file open to others."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        draft = path.parent / f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}"
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(descriptor, "wb") as file:
                file.write(content)
                file.flush()
                os.fsync(file.fileno())
            # Another process may have won the race: then its file is the one.
            with contextlib.suppress(FileExistsError):
                os.link(draft, path)
        finally:
            draft.unlink(missing_ok=True)
    if path.stat().st_mode & 0o077:
        raise ValueError(f"{path} is open to other users; run `chmod 600 {path}`")


def load_or_create_secret_key(state_dir: Path) -> str:
    """The installation's signing key from `<state_dir>/secret_key`, created on first use."""
    path = state_dir / SECRET_KEY_FILE
    try:
        create_private_file_once(path, (secrets.token_urlsafe(48) + "\n").encode())
        key = path.read_text().strip()
    except ValueError as exc:
        raise ValueError(f"{exc} (or set LMS_SECRET_KEY)") from None
    except OSError as exc:
        raise ValueError(
            f"cannot keep the generated secret key in {path} ({exc.strerror}); "
            "set LMS_STATE_DIR to a writable folder or set LMS_SECRET_KEY"
        ) from None
    if len(key) < MIN_SECRET_LENGTH:
        raise ValueError(f"{path} holds no usable key; delete it to have a new one generated")
    return key


@lru_cache
def get_settings() -> Settings:
    return Settings()
