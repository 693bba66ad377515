"""Issue 18: `lms serve` (what `make run` calls) without DATABASE_URL stops its embedded
PostgreSQL when it stops, on Ctrl-C (SIGINT to the whole process group, as a terminal sends
it) as on SIGTERM (to the service alone, as a supervisor sends it), and also after an earlier
run was killed outright.
"""

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.core.serve_process import ServeProcess, postgres_left, postgres_of, state_dir

__all__ = ["state_dir"]  # a fixture the tests here use

pytestmark = pytest.mark.slow


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
