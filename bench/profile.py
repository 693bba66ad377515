"""Where the API process spends its core on a hot read: py-spy samples the uvicorn server
while 64 connections read one endpoint, and the top functions are printed by inclusive and by
own time (what BENCHMARKS.md keeps as "the profile's top lines").

    python -m bench.profile [--endpoint me|me/sessions|workshops|schedule] [--seconds 15]

Needs py-spy (in the dev extras, which `make bench` installs; it reads the server's memory:
run as root or with ptrace permission). The figures are shares of the samples taken in the
server process, so they hold on a loaded machine too; requests per second here are not a
benchmark.
"""

import argparse
import asyncio
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

from bench.client import build_request, closed_loop
from bench.common import Server, bench_db, pin_client, prepare, run, token_for

# py-spy installed in this virtual environment, or on PATH.
_HERE = Path(sys.executable).with_name("py-spy")
PY_SPY = str(_HERE) if _HERE.exists() else shutil.which("py-spy")
ENDPOINTS = ("me", "me/sessions", "workshops", "schedule")


async def _targets(db, connections: int) -> dict[str, list[tuple[str, str]]]:
    """(path, token) per connection for each endpoint: the teacher-reads benchmark's choice
    (its teachers and days, and per school the busiest room's busiest week)."""
    from bench.teacher_reads import busy_weeks, teacher_days

    teachers = await teacher_days(db, connections)
    weeks = await busy_weeks(db, sorted({school for _, _, school in teachers}))
    tokens = [token_for(teacher) for teacher, _, _ in teachers]
    schedule = [
        "/api/v1/rooms/{}/schedule?from={}&to={}".format(*weeks[school])
        for _, _, school in teachers
    ]
    return {
        "me": [("/api/v1/me", token) for token in tokens],
        "me/sessions": [
            (f"/api/v1/me/sessions?date={day}", token)
            for (_, day, _), token in zip(teachers, tokens, strict=True)
        ],
        "workshops": [("/api/v1/workshops?limit=50", token) for token in tokens],
        "schedule": list(zip(schedule, tokens, strict=True)),
    }


def top_lines(collapsed: Path, count: int = 15) -> dict[str, list[str]]:
    """From py-spy's collapsed stacks of the event loop's thread: own time by package, the
    functions with the most own time, and the project's functions by inclusive time."""
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    packages: Counter[str] = Counter()
    total = 0
    for line in collapsed.read_text().splitlines():
        stack, _, samples = line.rpartition(" ")
        frames = stack.split(";")
        # The event loop's thread only: the thread pool's idle workers are not the core.
        if not frames[0].startswith("thread (") or "MainThread" not in frames[0]:
            continue
        frames = [_short(f) for f in frames[1:]] or ["(event loop) (-)"]
        n = int(samples)
        total += n
        for name in set(frames):
            if "(app/" in name:
                inclusive[name] += n
        own[frames[-1]] += n
        packages[_package(frames[-1])] += n

    def table(counter: Counter[str]) -> list[str]:
        return [f"{100 * n / total:5.1f} %  {name}" for name, n in counter.most_common(count)]

    return {
        "samples": [str(total)],
        "own time by package": table(packages),
        "own time by function": table(own),
        "app functions, inclusive": table(inclusive),
    }


def _package(frame: str) -> str:
    path = frame.rpartition(" (")[2].rstrip(")")
    return path.split("/", 1)[0] if "/" in path else path


def _short(frame: str) -> str:
    # "function (path/to/module.py:123)" -> "function (module/path.py)"
    name, _, where = frame.partition(" (")
    path = where.rstrip(")").rsplit(":", 1)[0]
    for marker in ("site-packages/", "/work/", "lib/python3"):
        if marker in path:
            path = path.split(marker, 1)[1]
    return f"{name} ({path})"


async def main(endpoint: str, seconds: float, connections: int, keep: Path | None) -> None:
    if PY_SPY is None:
        raise SystemExit("py-spy is not installed (pip install py-spy)")
    db = bench_db()
    await prepare(db)
    targets = (await _targets(db, connections))[endpoint]
    requests = [build_request("GET", path, token=token) for path, token in targets]

    def check(status: int, body: bytes) -> None:
        if status != 200:
            raise RuntimeError(f"{endpoint}: {status} {body[:300]!r}")

    pin_client()
    with Server(db) as api, tempfile.TemporaryDirectory() as tmp:
        assert api.process is not None
        out = Path(tmp) / "profile.txt"
        # Warm the caches and pools first; then sample for `seconds` under the same load.
        await closed_loop(
            api.port,
            lambda c, n: requests[c],
            connections=connections,
            seconds=2,
            warmup=0,
            check=check,
        )
        spy = await asyncio.create_subprocess_exec(
            PY_SPY,
            "record",
            "--pid",
            str(api.process.pid),
            "--duration",
            str(int(seconds)),
            "--rate",
            "200",
            "--format",
            "raw",
            "--output",
            str(out),
            "--nonblocking",
            "--threads",
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        result = await closed_loop(
            api.port,
            lambda c, n: requests[c],
            connections=connections,
            seconds=seconds,
            warmup=0,
            check=check,
        )
        await asyncio.wait_for(spy.wait(), timeout=seconds + 30)
        tables = top_lines(out)
        if keep is not None:
            shutil.copyfile(out, keep)
    summary = result.summary()
    samples = tables.pop("samples")[0]
    print(f"{endpoint}: {summary['rps']} req/s, p99 {summary['p99_ms']} ms; {samples} samples")
    for title, lines in tables.items():
        print(f"{title}:\n  " + "\n  ".join(lines))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint", choices=ENDPOINTS, default="me/sessions")
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument(
        "--keep", type=Path, help="also write py-spy's collapsed stacks to this file"
    )
    args = parser.parse_args()
    run(lambda: main(args.endpoint, args.seconds, args.connections, args.keep))
