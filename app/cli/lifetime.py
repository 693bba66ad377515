"""`lms serve` owns the embedded PostgreSQL it starts: the server stops with the service, on
Ctrl-C (SIGINT) as on SIGTERM (issue 18)."""

import contextlib
import signal
from collections.abc import Iterator
from types import FrameType


class _Terminated(Exception):
    """SIGTERM, raised in the main thread so that `finally` blocks and exit hooks run."""


def _raise_terminated(signum: int, frame: FrameType | None) -> None:
    raise _Terminated


@contextlib.contextmanager
def embedded_postgres_stops_with_us() -> Iterator[None]:
    """Stop the embedded PostgreSQL this process started when the block ends, however it ends.

    While it serves, uvicorn handles SIGINT and SIGTERM itself; once shut down it restores the
    handlers it found and sends itself the signal again. SIGINT then raises KeyboardInterrupt,
    but SIGTERM's default action killed the process on the spot, before any exit hook, so
    PostgreSQL kept running. Here SIGTERM raises instead; PostgreSQL is stopped (both signals
    ignored meanwhile, so a second Ctrl-C cannot cut the stop short, nor reach `pg_ctl`), and
    the process then dies of SIGTERM as before, which is what a supervisor expects."""
    from app.db import stop_embedded

    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    terminated = False
    try:
        yield
    except _Terminated:
        terminated = True
    finally:
        handlers = {
            sig: signal.signal(sig, signal.SIG_IGN) for sig in (signal.SIGINT, signal.SIGTERM)
        }
        try:
            stop_embedded()
        finally:
            handlers[signal.SIGTERM] = signal.SIG_DFL if previous is None else previous
            for sig, handler in handlers.items():
                signal.signal(sig, handler)
    if terminated:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.raise_signal(signal.SIGTERM)
