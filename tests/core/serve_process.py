"""`lms serve` (what `make run` calls) in a process group of its own, on an embedded
PostgreSQL under a fresh state folder: shared by the shutdown tests and the demo's
first-screen browser test."""

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from tests.reliability.servers import free_port, wait_healthy

EXIT_TIMEOUT_S = 10


class ServeProcess:
    """`lms serve` with the embedded PostgreSQL under `state_dir`, in a session (process
    group) of its own, from a folder without a `.env`; `--no-setup` unless `setup` (then it
    migrates and loads the curriculum, seeds and demo first, as `make run` does)."""

    def __init__(self, state_dir: Path, *, setup: bool = False) -> None:
        self.port = free_port()
        self.pgdata = state_dir / "pgdata"
        self.log_path = state_dir / f"serve-{self.port}.log"
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "LMS_DATABASE_URL")}
        env["LMS_STATE_DIR"] = str(state_dir)
        command = [sys.executable, "-m", "app.cli", "serve", "--port", str(self.port)]
        if not setup:
            command.append("--no-setup")
        with self.log_path.open("wb") as log:  # the child keeps its own copy
            self.process = subprocess.Popen(
                command,
                cwd=state_dir,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def wait_ready(self, timeout: float = 30) -> None:
        wait_healthy(f"http://127.0.0.1:{self.port}", self.process, self.output, timeout=timeout)

    def wait(self) -> int:
        try:
            return self.process.wait(EXIT_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"still running: {self.output()}") from None

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


def postgres_of(pgdata: Path) -> list[psutil.Process]:
    """The postmaster serving `pgdata` (its children go with it)."""
    found = []
    for proc in psutil.process_iter(["name", "cmdline"]):
        if proc.info["name"] == "postgres" and str(pgdata) in (proc.info["cmdline"] or []):
            found.append(proc)
    return found


def postgres_left(pgdata: Path, within_s: float = 3.0) -> list[psutil.Process]:
    deadline = time.monotonic() + within_s
    while (left := postgres_of(pgdata)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


@pytest.fixture
def state_dir() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="lms-serve-")).resolve()
    try:
        yield path
    finally:
        for proc in postgres_of(path / "pgdata"):
            proc.kill()
        shutil.rmtree(path, ignore_errors=True)
