"""Issue 18: `lms serve` (what `make run` calls) without DATABASE_URL stops its embedded
PostgreSQL when it stops, on Ctrl-C (SIGINT to the whole process group, as a terminal sends
it) as on SIGTERM (to the service alone, as a supervisor sends it), and also after an earlier
run was killed outright.
"""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest

from tests.reliability.servers import free_port

pytestmark = pytest.mark.slow

EXIT_TIMEOUT_S = 10


class ServeProcess:
    """`lms serve --no-setup` with the embedded PostgreSQL under `state_dir`, in a session
    (process group) of its own, from a folder without a `.env`."""

    def __init__(self, state_dir: Path) -> None:
        self.port = free_port()
        self.pgdata = state_dir / "pgdata"
        self.log_path = state_dir / f"serve-{self.port}.log"
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "LMS_DATABASE_URL")}
        env["LMS_STATE_DIR"] = str(state_dir)
        with self.log_path.open("wb") as log:  # the child keeps its own copy
            self.process = subprocess.Popen(
                [sys.executable, "-m", "app.cli", "serve", "--no-setup", "--port", str(self.port)],
                cwd=state_dir,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def wait_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.output()
            try:
                url = f"http://127.0.0.1:{self.port}/health"
                if httpx.get(url, timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"the service did not start: {self.output()}")

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


@pytest.fixture
def serve(state_dir: Path) -> Iterator[ServeProcess]:
    process = ServeProcess(state_dir)
    try:
        process.wait_ready()
        assert postgres_of(process.pgdata), "no embedded PostgreSQL was started"
        yield process
    finally:
        process.close()


def test_ctrl_c_stops_the_embedded_postgres(serve: ServeProcess) -> None:
    os.killpg(serve.process.pid, signal.SIGINT)

    assert serve.wait() == 0, serve.output()
    assert not postgres_left(serve.pgdata), serve.output()


def test_sigterm_stops_the_embedded_postgres(serve: ServeProcess) -> None:
    serve.process.send_signal(signal.SIGTERM)

    # The service still dies of SIGTERM, as a supervisor expects; PostgreSQL stopped first.
    assert serve.wait() == -signal.SIGTERM, serve.output()
    assert not postgres_left(serve.pgdata), serve.output()


def test_ctrl_c_stops_the_embedded_postgres_after_a_run_killed_outright(
    state_dir: Path,
) -> None:
    killed = ServeProcess(state_dir)
    try:
        killed.wait_ready()
    finally:
        killed.close()  # SIGKILL: no exit hook runs, its PostgreSQL stays up
    serve = ServeProcess(state_dir)
    try:
        serve.wait_ready()
        os.killpg(serve.process.pid, signal.SIGINT)

        assert serve.wait() == 0, serve.output()
        assert not postgres_left(serve.pgdata), serve.output()
    finally:
        serve.close()
