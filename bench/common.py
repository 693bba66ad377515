"""Shared plumbing: the bench database, a real uvicorn server, tokens, stats, results.

The database is the embedded PostgreSQL under `.lms/bench-pgdata` (database `lms_bench`)
unless DATABASE_URL is set. `prepare()` migrates it, loads seeds and curriculum and
generates the scale terms once; later runs find them there.

CPU: the load client runs pinned to core 0 (`pin_client()`), the server under test pinned
to core 1; PostgreSQL is not pinned (it starts before the pinning and may use both).
"""

import asyncio
import json
import os
import platform
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
LOGS = ROOT / ".lms" / "bench-logs"
SECRET = "bench-" + secrets.token_hex(24)
CLIENT_CPU, SERVER_CPU = 0, 1
# The data set the suite runs on: three terms are about 6.5 M attendance rows.
DEFAULT_TERMS = int(os.environ.get("BENCH_TERMS", "3"))
_server_handle: dict[str, Any] = {}


@dataclass
class BenchDb:
    url: str  # SQLAlchemy URL (asyncpg driver)
    dsn: str  # plain asyncpg DSN
    where: str  # what a reader is told


def bench_db(database: str = "lms_bench") -> BenchDb:
    """The bench database: DATABASE_URL when set, else the embedded server under .lms/."""
    from app.config import Settings

    configured = Settings().database_url
    if configured:
        url = configured
        where = "DATABASE_URL " + make_url(url).render_as_string(hide_password=True)
    else:
        from app.core import embedded

        if "server" not in _server_handle:
            _server_handle["server"] = embedded.start_embedded(ROOT / ".lms" / "bench-pgdata")
        server = _server_handle["server"]
        embedded.ensure_database(server, database)
        url = embedded.asyncpg_url(server, database)
        where = f"embedded PostgreSQL, .lms/bench-pgdata, database {database}"
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    return BenchDb(url=url, dsn=dsn, where=where)


async def prepare(db: BenchDb, terms: int = DEFAULT_TERMS, **limits: int | None) -> dict[str, Any]:
    """Migrate, load seeds and curriculum, generate `terms` scale terms (idempotent).
    `limits` (max_rooms, max_weeks) shrink the data for smoke tests."""
    from app.config import get_settings
    from app.core import migrate
    from app.curriculum.loader import load_curriculum
    from app.db import create_engine
    from app.seeds.loader import load_seeds
    from app.seeds.scale import generate

    settings = get_settings()
    engine = create_engine(db.url, settings)
    try:
        await migrate.upgrade(engine)
        async with engine.begin() as conn:
            from sqlalchemy.ext.asyncio import AsyncSession

            session = AsyncSession(bind=conn)
            await load_curriculum(session, settings.curriculum_dir)
            await load_seeds(session, settings.seeds_dir, sample=True)
            await session.flush()
    finally:
        await engine.dispose()
    report = await generate(db.dsn, terms, **limits)
    if report.terms:
        print(report, flush=True)
    return report.as_dict()


def pin_client() -> None:
    """Keep the load client on its own core, off the server's."""
    if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) > 1:
        os.sched_setaffinity(0, {CLIENT_CPU})


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    """A uvicorn subprocess serving `app` (an import string), pinned to the server core."""

    db: BenchDb
    app: str = "app.main:create_app"
    factory: bool = True
    workers: int = 1
    env: dict[str, str] = field(default_factory=dict)
    port: int = 0
    process: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def describe(self) -> dict[str, Any]:
        from app.config import Settings

        settings = Settings(
            _env_file=None,
            **{k.lower()[4:]: v for k, v in self.env.items() if k.startswith("LMS_")},
        )  # type: ignore[arg-type]
        return {
            "app": self.app,
            "server": f"uvicorn {self._version()}, {self.workers} worker(s), uvloop, httptools, "
            f"pinned to CPU {SERVER_CPU}",
            "db_pool_size": settings.db_pool_size,
            "db_max_overflow": settings.db_max_overflow,
            "db_pool_timeout_s": settings.db_pool_timeout_s,
            "log_level": settings.log_level,
        }

    @staticmethod
    def _version() -> str:
        import uvicorn

        return uvicorn.__version__

    def __enter__(self) -> "Server":
        self.port = self.port or free_port()
        LOGS.mkdir(parents=True, exist_ok=True)
        env = {
            **os.environ,
            "DATABASE_URL": self.db.url,
            "LMS_SECRET_KEY": SECRET,
            "LMS_ENVIRONMENT": "development",
            **self.env,
        }
        cmd = [
            sys.executable,
            "-m",
            "uvicorn",
            self.app,
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--workers",
            str(self.workers),
            "--loop",
            "uvloop",
            "--http",
            "httptools",
            "--no-access-log",
            "--log-level",
            "warning",
        ]
        if self.factory:
            cmd.append("--factory")
        log = (LOGS / f"server-{self.port}.log").open("wb")
        pin = _pin_to_server_cpu if (os.cpu_count() or 1) > 1 else None
        self.process = subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdout=log, stderr=log, preexec_fn=pin
        )
        self._wait_ready()
        return self

    def _wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"server exited; see {LOGS}/server-{self.port}.log")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("server did not start in time")

    def __exit__(self, *exc: object) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _pin_to_server_cpu() -> None:
    os.sched_setaffinity(0, {SERVER_CPU})


def token_for(user_id: int) -> str:
    """A bearer token the bench servers accept (they run with the bench's secret). Users the
    bench creates have never been deactivated nor changed their password: epoch 0."""
    from app.core.security import create_access_token

    return create_access_token(user_id=user_id, auth_epoch=0, secret=SECRET, minutes=240)


async def fetch(db: BenchDb, sql: str, *args: Any) -> list[Any]:
    import asyncpg

    conn = await asyncpg.connect(db.dsn)
    try:
        return await conn.fetch(sql, *args)
    finally:
        await conn.close()


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of `values`; 0 when empty."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def machine() -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import psutil

    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "python": platform.python_version(),
        "os": platform.platform(),
    }


def save_result(name: str, data: dict[str, Any]) -> Path:
    """Append one run's figures to bench/results/NAME.jsonl."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.jsonl"
    record = {
        "bench": name,
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        **data,
    }
    with path.open("a", encoding="utf-8") as f:
        f.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")
    return path


def print_table(title: str, header: list[str], rows: list[list[Any]], notes: list[str]) -> None:
    cells = [[_fmt(c) for c in row] for row in [header, *rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    print(f"\n{title}")
    for n, row in enumerate(cells):
        print(
            "  "
            + "  ".join(
                c.rjust(w) if i else c.ljust(w)
                for i, (c, w) in enumerate(zip(row, widths, strict=True))
            )
        )
        if n == 0:
            print("  " + "  ".join("-" * w for w in widths))
    for note in notes:
        print(f"  {note}")
    print(flush=True)


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}" if abs(value) < 100 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def run(main: Any) -> None:
    """Run a benchmark's async main with uvloop when available."""
    try:
        import uvloop

        uvloop.run(main())
    except ImportError:
        asyncio.run(main())
