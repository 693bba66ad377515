"""Curriculum load: a generated tree of 1,000 modules (50 courses x 20), loaded into an empty
database, then loaded again unchanged (no file is parsed: their digests match), then with one
file edited (that file is parsed and checked against the others). Also timed: reading and
validating every file, which a load pays only for files that changed.

Runs on a database of its own (`lms_bench_curriculum`, created and dropped here), since a
load retires every course that is not in the tree.

    python -m bench.curriculum [--courses 50] [--modules-per-course 20]
"""

import argparse
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import asyncpg
import yaml

from bench.common import bench_db, print_table, run, save_result

TARGET_LOAD_S, TARGET_RELOAD_S = 2.0, 0.5
PILLARS = ("smart_people", "smart_economy", "smart_environment")


def write_tree(root: Path, courses: int, modules_per_course: int) -> int:
    """One YAML file per course; each module needs the one before it, and the first module
    of every course after the first needs the last module of the previous course."""
    for c in range(1, courses + 1):
        code = f"BX{c:03d}"
        modules = []
        for m in range(1, modules_per_course + 1):
            prerequisites = [f"{code}-{m - 1:02d}"] if m > 1 else []
            if m == 1 and c > 1:
                prerequisites = [f"BX{c - 1:03d}-{modules_per_course:02d}"]
            modules.append(
                {
                    "code": f"{code}-{m:02d}",
                    "title": {
                        "th": f"บทเรียนที่ {m} ของหลักสูตร {c}",
                        "en": f"Lesson {m} of course {c}",
                    },
                    "minutes": 50,
                    "prerequisites": prerequisites,
                    # Outcome codes: the module's code, a dot, a number (`BX001-01.1`).
                    "outcomes": [
                        {
                            "code": f"{code}-{m:02d}.1",
                            "th": "อธิบายแนวคิดหลักของบทเรียนได้",
                            "en": "Explain the lesson's key idea",
                        },
                        {
                            "code": f"{code}-{m:02d}.2",
                            "th": "ลงมือทำกิจกรรมในห้องคอมพิวเตอร์",
                            "en": "Do the lab activity",
                        },
                    ],
                    "materials": [
                        {"th": "ใบงาน", "en": "Worksheet", "url": "https://example.org/w"}
                    ],
                }
            )
        doc = {
            "code": code,
            "title": {"th": f"หลักสูตรทดสอบ {c}", "en": f"Bench course {c}"},
            "pillar": PILLARS[c % 3],
            "grade_levels": ["P4", "P5", "P6"],
            "description": {"th": "หลักสูตรสำหรับวัดประสิทธิภาพ", "en": "A course for benchmarks"},
            "modules": modules,
        }
        text = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)
        (root / f"{code.lower()}.yaml").write_text(text, encoding="utf-8")
    return courses * modules_per_course


async def _fresh_database(admin_dsn: str, name: str) -> None:
    conn = await asyncpg.connect(admin_dsn)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


async def main(courses: int = 50, modules_per_course: int = 20, reloads: int = 3) -> dict:
    from sqlalchemy.engine import make_url
    from sqlalchemy.ext.asyncio import AsyncSession

    from app.config import get_settings
    from app.core import migrate
    from app.curriculum.loader import load_curriculum
    from app.curriculum.validation import validate_tree
    from app.db import create_engine

    db = bench_db()
    name = "lms_bench_curriculum"
    await _fresh_database(db.dsn, name)
    url = make_url(db.url).set(database=name).render_as_string(hide_password=False)
    engine = create_engine(url, get_settings())
    timings: dict[str, Any] = {}
    try:
        await migrate.upgrade(engine)
        with tempfile.TemporaryDirectory(prefix="lms-bench-curriculum-") as tmp:
            root = Path(tmp)
            modules = write_tree(root, courses, modules_per_course)

            began = time.perf_counter()
            _, errors = validate_tree(root)
            timings["validate_s"] = time.perf_counter() - began
            assert not errors, errors[:3]

            async def load() -> tuple[float, Any]:
                began = time.perf_counter()
                async with AsyncSession(engine) as session:
                    report = await load_curriculum(session, root)
                    await session.commit()
                return time.perf_counter() - began, report

            timings["load_s"], first = await load()
            assert len(first.created) == courses, first
            again = [await load() for _ in range(reloads)]
            assert all(r.changed == 0 and r.files_parsed == 0 for _, r in again), again
            timings["reload_s"] = statistics.median(s for s, _ in again)

            # One module's length edited in a different course each time.
            edited = []
            for c in range(1, reloads + 1):
                path = root / f"bx{c:03d}.yaml"
                path.write_text(
                    path.read_text(encoding="utf-8").replace("minutes: 50", "minutes: 45", 1),
                    encoding="utf-8",
                )
                edited.append(await load())
            assert all(r.files_parsed == 1 and len(r.updated) == 1 for _, r in edited), edited
            timings["reload_one_changed_s"] = statistics.median(s for s, _ in edited)
    finally:
        await engine.dispose()
        await _drop(db.dsn, name)
    ok = timings["load_s"] < TARGET_LOAD_S and timings["reload_s"] < TARGET_RELOAD_S
    print_table(
        f"curriculum load: {courses} courses, {modules} modules",
        ["", "seconds", "target", "met"],
        [
            [
                "first load (empty database)",
                timings["load_s"],
                f"< {TARGET_LOAD_S}",
                "yes" if timings["load_s"] < TARGET_LOAD_S else "NO",
            ],
            [
                f"unchanged re-load (median of {reloads})",
                timings["reload_s"],
                f"< {TARGET_RELOAD_S}",
                "yes" if timings["reload_s"] < TARGET_RELOAD_S else "NO",
            ],
            [
                f"re-load, one file edited (median of {reloads})",
                timings["reload_one_changed_s"],
                "",
                "",
            ],
            ["parsing + validating every file (not in a re-load)", timings["validate_s"], "", ""],
        ],
        ["load_curriculum() in one transaction each, committed; database: " + db.where],
    )
    data = {
        "courses": courses,
        "modules": modules,
        "db": db.where,
        **{k: round(v, 3) for k, v in timings.items()},
        "targets_met": ok,
    }
    save_result("curriculum", data)
    return data


async def _drop(dsn: str, name: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--courses", type=int, default=50)
    parser.add_argument("--modules-per-course", type=int, default=20)
    args = parser.parse_args()
    run(lambda: main(args.courses, args.modules_per_course))
