"""Run every benchmark in turn (`make bench`): prepare the data once, then each benchmark in
its own process, then a summary of the targets.

    python -m bench.run_all [--terms 3] [--only export,stampede,...]
"""

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time

from bench.common import DEFAULT_TERMS, RESULTS, bench_db, machine, prepare

BENCHES = (
    "curriculum",
    "stampede",
    "teacher_reads",
    "attendance",
    "export",
    "closing",
    "completion_report",
    "utilisation",
    "reach",
    "credentials",
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--terms", type=int, default=DEFAULT_TERMS)
    parser.add_argument("--only", default=",".join(BENCHES))
    args = parser.parse_args()
    began = time.perf_counter()
    print(f"machine: {json.dumps(machine())}", flush=True)
    db = bench_db()
    print(f"database: {db.where}; preparing {args.terms} term(s) of scale data ...", flush=True)
    generated = asyncio.run(prepare(db, args.terms))
    print(
        f"data ready in {time.perf_counter() - began:.0f} s "
        f"(generated now: {', '.join(generated['terms']) or 'nothing, already there'})",
        flush=True,
    )
    env = {**os.environ, "BENCH_TERMS": str(args.terms)}
    failed = []
    for name in args.only.split(","):
        started = time.perf_counter()
        code = subprocess.call([sys.executable, "-m", f"bench.{name}"], env=env)
        print(f"[{name}: {time.perf_counter() - started:.0f} s, exit {code}]", flush=True)
        if code:
            failed.append(name)
    print(f"\nall done in {time.perf_counter() - began:.0f} s; results in {RESULTS}")
    for name in args.only.split(","):
        path = RESULTS / f"{name}.jsonl"
        if path.exists():
            last = json.loads(path.read_text().splitlines()[-1])
            met = last.get("targets_met")
            print(f"  {name:<14} targets met: {'-' if met is None else 'yes' if met else 'NO'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
