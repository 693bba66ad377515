"""The retention purge: exactly the long-inactive students are pseudonymised, and nothing
else changes: their enrolments, marks, history and the statistics built on them survive."""

import os
import subprocess
import sys
from datetime import date
from types import SimpleNamespace

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from app.privacy.service import purge_inactive_students
from tests.factories import (
    ApiWorld,
    add_enrolment,
    add_mark,
    add_session,
    add_student,
    add_term,
    add_workshop,
    assert_unchanged,
    at,
    rows_of,
    table_snapshot,
)

pytestmark = pytest.mark.committed

OLD = at(date(2016, 6, 1), 8)
LEFT = at(date(2017, 3, 1), 8)  # the year the old students left (status changed then)
CHANGED = {
    "student_code",
    "first_name_th",
    "last_name_th",
    "first_name_en",
    "last_name_en",
    "sourced_id",
    "pseudonymised_at",
    "updated_at",
}


@pytest.fixture
async def world(session):
    """A 2016 workshop (term 2559) with two taken sessions, and students:

    G  graduated in 2017; enrolled in 2016, marked twice then      -> pseudonymised
    T  transferred in 2017; never enrolled                          -> pseudonymised
    A  active since 2015, marked in 2016                            -> kept (active)
    R  inactive since 2017, but marked in this year's session       -> kept (recent mark)
    F  inactive since 2017, enrolled in a workshop meeting this year -> kept (recent session)
    N  inactive, the record changed now                             -> kept (recent change)
    plus the world's S0, S1, X1, all active now.
    """
    world = await ApiWorld(session).build()
    s, school = session, world.school_id
    term = await add_term(s, 2559, date(2016, 5, 16))
    old = await add_workshop(
        s,
        world,
        creator_id=world.other_creator_id,
        term_id=term,
        title_th="เวิร์กช็อป 2559",
    )
    days = [await add_session(s, old, at(date(2016, 6, day), 9)) for day in (15, 16)]
    ids = {
        "G": await add_student(
            s,
            school,
            "G1",
            last_name_th="จบแล้ว",
            status="graduated",
            at=LEFT,
            first_name_en="Gift",
            last_name_en="Graduate",
            sourced_id="sis-g1",
            homeroom="3",
        ),
        "T": await add_student(
            s,
            school,
            "T1",
            last_name_th="ย้ายแล้ว",
            status="transferred",
            at=LEFT,
            sourced_id="sis-t1",
        ),
        "A": await add_student(s, school, "A1", last_name_th="ยังเรียน", at=at(date(2015, 5, 1))),
        "R": await add_student(s, school, "R1", last_name_th="มาล่าสุด", status="inactive", at=LEFT),
        "F": await add_student(s, school, "F1", last_name_th="ลงไว้", status="inactive", at=LEFT),
        "N": await add_student(s, school, "N1", last_name_th="เพิ่งแก้", status="inactive"),
    }
    for name in ("G", "A"):
        await add_enrolment(s, old, ids[name], at=OLD)
        for session_id, day, status, note in (
            (days[0], 15, "present", ""),
            (days[1], 16, "absent", "ป่วย ผู้ปกครองโทรแจ้ง"),
        ):
            marked_at = at(date(2016, 6, day), 9, 10)
            await add_mark(
                s,
                session_id,
                ids[name],
                status,
                marked_by=world.teacher_id,
                marked_at=marked_at,
                note=note,
            )
    for name in ("R", "F"):
        await add_enrolment(s, world.workshop_id, ids[name], at=OLD)
    await add_mark(
        s,
        world.session_id,
        ids["R"],
        "present",
        marked_by=world.teacher_id,
        marked_at=at(date(2026, 6, 15), 9),
    )
    await s.commit()
    return SimpleNamespace(world=world, ids=ids, term=term, workshop=old)


async def snapshot(session) -> dict[str, list[dict]]:
    return {
        table: await rows_of(session, f"SELECT * FROM {table} ORDER BY id")
        for table in ("students", "enrolments", "attendance", "attendance_changes", "audit_events")
    }


async def summary(client, world) -> dict:
    response = await client.get(
        "/api/v1/reports/attendance-summary",
        params={"term": str(world.term), "group_by": "workshop"},
        headers=world.world.headers["department"],
    )
    assert response.status_code == 200
    body = response.json()
    body.pop("as_of")
    return body


async def purge(db_engine, *, dry_run: bool, years: int = 5):
    from sqlalchemy.ext.asyncio import async_sessionmaker

    async with async_sessionmaker(db_engine, expire_on_commit=False)() as s:
        report = await purge_inactive_students(s, inactive_years=years, dry_run=dry_run)
        await s.commit()
        return report


async def test_the_dry_run_counts_exactly_the_inactive_students_and_writes_nothing(
    db_engine, session, world
):
    before = await snapshot(session)
    report = await purge(db_engine, dry_run=True)
    assert (
        report.dry_run,
        report.students_pseudonymised,
        report.enrolments_kept,
        report.attendance_kept,
        report.student_ids,
    ) == (True, 2, 1, 2, sorted([world.ids["G"], world.ids["T"]]))
    assert report.lines()[1:] == [
        "students would be pseudonymised: 2",
        "enrolments kept: 1",
        "attendance rows kept: 2",
        "dry run: nothing was written",
    ]
    assert await snapshot(session) == before


async def test_the_purge_replaces_identity_and_keeps_every_row_and_statistic(
    client, db_engine, session, world
):
    before = await snapshot(session)
    stats = await summary(client, world)
    assert stats["items"][0]["present"] == 2 and stats["items"][0]["absent"] == 2

    report = await purge(db_engine, dry_run=False)

    assert (report.students_pseudonymised, report.enrolments_kept, report.attendance_kept) == (
        2,
        1,
        2,
    )
    after = await snapshot(session)
    old_students = {r["id"]: r for r in before["students"]}
    purged = {world.ids["G"], world.ids["T"]}
    for row in after["students"]:
        was = old_students[row["id"]]
        changed = {column for column in row if row[column] != was[column]}
        if row["id"] not in purged:
            assert changed == set(), row["student_code"]
            continue
        # The class section goes too (G had one, T none).
        assert changed == CHANGED | ({"homeroom"} if was["homeroom"] else set())
        assert row["homeroom"] is None
        pseudonym = f"anon-{row['id']}"
        assert {k: row[k] for k in CHANGED - {"pseudonymised_at", "updated_at"}} == {
            "student_code": pseudonym,
            "first_name_th": "นิรนาม",
            "last_name_th": pseudonym,
            "first_name_en": "Anonymous",
            "last_name_en": pseudonym,
            "sourced_id": None,
        }
        # What statistics need stays: school, grade, status.
        assert (row["school_id"], row["grade_level"], row["status"]) == (
            was["school_id"],
            was["grade_level"],
            was["status"],
        )
    for table in ("enrolments", "attendance", "attendance_changes"):
        assert after[table] == before[table], table
    assert await summary(client, world) == stats
    (event,) = after["audit_events"][len(before["audit_events"]) :]
    assert (event["action"], event["via"], event["actor_user_id"]) == ("privacy.purge", "cli", None)
    assert {k: v for k, v in event["details"].items() if k != "cutoff"} == {
        "inactive_years": 5,
        "students_pseudonymised": 2,
        "enrolments_kept": 1,
        "attendance_kept": 2,
        "student_ids": sorted(purged),
    }
    # A second run finds nobody: pseudonymised students are never picked again.
    again = await purge(db_engine, dry_run=False)
    assert (again.students_pseudonymised, again.enrolments_kept, again.attendance_kept) == (0, 0, 0)


async def test_a_longer_period_keeps_everyone(db_engine, world):
    report = await purge(db_engine, dry_run=True, years=20)
    assert report.students_pseudonymised == 0


async def test_pseudonym_codes_are_reserved_so_they_never_collide(client, session, world):
    before = await table_snapshot(session, "students")
    response = await client.post(
        "/api/v1/students",
        json={
            "school_id": world.world.school_id,
            "student_code": f"anon-{world.ids['A'] + 100}",
            "first_name_th": "ใหม่",
            "last_name_th": "นักเรียน",
            "grade_level": "P5",
        },
        headers=world.world.headers["school_admin"],
    )
    assert response.status_code == 422
    assert response.json()["constraint"] == "ck_students_pseudonym_codes_reserved"
    await assert_unchanged(session, before)
    # A pseudonymised record without its pseudonym (or with a sourcedId left) is refused too.
    for sql in (
        "UPDATE students SET pseudonymised_at = now() WHERE id = :id",
        "UPDATE students SET pseudonymised_at = now(), student_code = 'anon-' || id WHERE id = :id",
    ):
        with pytest.raises(IntegrityError, match="ck_students_pseudonymised_identity_cleared"):
            async with session.begin_nested():
                await session.execute(text(sql), {"id": world.ids["G"]})


def lms(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(os.environ),
        check=False,
    )


async def test_the_cli_dry_run_prints_the_counts_then_the_purge_applies_them(session, world):
    dry = lms("privacy", "purge", "--inactive-years", "5", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    first, *rest = dry.stdout.splitlines()
    assert first.startswith("inactive since: ") and first.endswith("(5 years)")
    assert rest == [
        "students would be pseudonymised: 2",
        "enrolments kept: 1",
        "attendance rows kept: 2",
        "dry run: nothing was written",
    ]
    assert (
        await rows_of(session, "SELECT id FROM students WHERE pseudonymised_at IS NOT NULL") == []
    )

    real = lms("privacy", "purge", "--inactive-years", "5")
    assert real.returncode == 0, real.stderr
    assert real.stdout.splitlines()[1:] == [
        "students pseudonymised: 2",
        "enrolments kept: 1",
        "attendance rows kept: 2",
    ]
    codes = await rows_of(
        session, "SELECT student_code FROM students WHERE pseudonymised_at IS NOT NULL ORDER BY id"
    )
    assert codes == [{"student_code": f"anon-{world.ids[n]}"} for n in ("G", "T")]
    refused = lms("privacy", "purge", "--inactive-years", "0")
    assert refused.returncode != 0
