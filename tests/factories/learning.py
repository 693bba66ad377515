"""What was learned: a module version's outcomes and rule, assessments, completions.

`add_outcomes` gives a factory module (`catalogue.add_course`, version 1 with an empty
snapshot) outcomes and, optionally, a completion rule; the other helpers write the rows the
API writes, with plain SQL, for tests of reads (records, reports, exports).
"""

import json
from datetime import date
from decimal import Decimal

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from tests.factories.sql import insert


async def add_outcomes(
    db: AsyncSession,
    module_id: int,
    codes: list[str],
    *,
    version: int = 1,
    min_attendance: float = 0.8,
    min_outcomes: int | None = None,
    excused: str = "excluded",
) -> dict[str, int]:
    """Outcomes `codes` taught by version `version` of the module, and that version's
    completion rule; outcome id by code."""
    ids: dict[str, int] = {}
    for position, code in enumerate(codes, start=1):
        ids[code] = await insert(
            db,
            "outcomes",
            module_id=module_id,
            code=code,
            position=position,
            title_th=f"ผลการเรียนรู้ {code}",
            title_en=f"Outcome {code}",
        )
        await db.execute(
            text(
                "INSERT INTO module_version_outcomes "
                "(module_id, version, outcome_id, position, title_th, title_en) "
                "VALUES (:m, :v, :o, :p, :th, :en)"
            ),
            {
                "m": module_id,
                "v": version,
                "o": ids[code],
                "p": position,
                "th": f"ผลการเรียนรู้ {code}",
                "en": f"Outcome {code}",
            },
        )
    await db.execute(
        text(
            "UPDATE module_versions SET completion_min_attendance = :a, "
            "completion_min_outcomes = :n, completion_excused = :e "
            "WHERE module_id = :m AND version = :v"
        ),
        {"a": min_attendance, "n": min_outcomes, "e": excused, "m": module_id, "v": version},
    )
    return ids


async def add_module(
    db: AsyncSession,
    course_id: int,
    code: str,
    *,
    position: int,
    prerequisites: list[str] | None = None,
    title_th: str | None = None,
    title_en: str | None = None,
) -> int:
    """Another module of a factory course (version 1; `prerequisites` by module code in its
    snapshot, as the loader writes them)."""

    module_id = await insert(
        db,
        "modules",
        course_id=course_id,
        code=code,
        position=position,
        title_th=title_th or f"บทที่ {position}",
        title_en=title_en or f"Unit {position}",
        minutes=50,
        content_hash=code,
    )
    await db.execute(
        text(
            "INSERT INTO module_versions (module_id, version, content_hash, snapshot) "
            "VALUES (:m, 1, :h, CAST(:s AS jsonb))"
        ),
        {"m": module_id, "h": code, "s": json.dumps({"prerequisites": prerequisites or []})},
    )
    return module_id


async def add_assessment(
    db: AsyncSession,
    workshop_id: int,
    student_id: int,
    outcome_id: int,
    status: str,
    assessed_by: int,
    *,
    note: str = "",
) -> int:
    """One assessment, with the workshop's school and pinned version."""
    return (
        await db.execute(
            text(
                "INSERT INTO outcome_assessments (school_id, workshop_id, student_id, module_id, "
                "module_version, outcome_id, status, note, assessed_by, assessed_at) "
                "SELECT w.school_id, w.id, :s, w.module_id, w.module_version, :o, :st, :n, :by, "
                "now() FROM workshops w WHERE w.id = :w RETURNING id"
            ),
            {
                "w": workshop_id,
                "s": student_id,
                "o": outcome_id,
                "st": status,
                "n": note,
                "by": assessed_by,
            },
        )
    ).scalar_one()


async def add_completion(
    db: AsyncSession,
    workshop_id: int,
    student_id: int,
    *,
    status: str = "completed",
    completed_on: date | None = None,
    attendance_rate: Decimal | float | None = 1,
    sessions: int = 4,
    achieved: int = 2,
    required: int = 2,
    evaluated_by: int | None = None,
) -> int:
    """A module completion as closing the workshop records it (reasons follow the status)."""
    reasons = [] if status == "completed" else ["attendance_below_minimum"]
    return (
        await db.execute(
            text(
                "INSERT INTO module_completions (school_id, workshop_id, student_id, module_id, "
                "module_version, status, completed_on, attendance_rate, sessions_counted, "
                "outcomes_achieved, outcomes_required, reasons, evaluated_by, evaluated_at) "
                "SELECT w.school_id, w.id, :s, w.module_id, w.module_version, :st, :on, :r, :n, "
                ":a, :q, CAST(:reasons AS varchar[]), :by, now() FROM workshops w WHERE w.id = :w "
                "RETURNING id"
            ),
            {
                "w": workshop_id,
                "s": student_id,
                "st": status,
                "on": completed_on or (date(2026, 6, 15) if status == "completed" else None),
                "r": attendance_rate,
                "n": sessions,
                "a": achieved,
                "q": required,
                "reasons": reasons,
                "by": evaluated_by,
            },
        )
    ).scalar_one()


async def add_course_completion(
    db: AsyncSession, student_id: int, course_id: int, *, completed_on: date, modules: int = 1
) -> int:
    return await insert(
        db,
        "course_completions",
        student_id=student_id,
        course_id=course_id,
        completed_on=completed_on,
        modules_completed=modules,
    )
