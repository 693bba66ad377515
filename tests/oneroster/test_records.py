"""The OneRoster collections in SQL (`app.oneroster.records`): the same ids as Python, the
columns they promise, the scope they keep."""

import pytest
from sqlalchemy import text

from app.oneroster import records
from app.oneroster import vocabulary as v
from tests.factories import ApiWorld
from tests.factories.people import add_student
from tests.factories.workshops import add_enrolment

TRICKY_IDS = [
    "stu-1001",
    "academy:person:person-student-1",
    "นักเรียน-๑",
    "a b",
    "x" * 255,
    "x" * 256,
    "é" * 300,
    "",
    "abc\n",
    "\nabc",
    "a\u0000b".replace("\u0000", "\u2028"),
    "role-" + "y" * 252,
    "{sis:1},{x:2}",
    "..//@@__--",
    "😀",
    "-abc",
    "@T101",
    "@",
    "-",
    "'=x",
    "a-@b",
]


async def test_guid_sql_is_guid_safe(session):
    sql = text(f"SELECT {records.guid_sql('CAST(:x AS text)')}")
    for value in TRICKY_IDS:
        got = (await session.execute(sql, {"x": value})).scalar_one()
        assert got == v.guid_safe(value), value
        assert v.GUID.fullmatch(got) and got[0] not in "-@", value
    assert (await session.execute(sql, {"x": None})).scalar_one() is None


@pytest.fixture
async def world(session):
    w = await ApiWorld(session).build()
    await add_enrolment(session, w.workshop_id, w.student_ids[0])
    await session.commit()
    return w


async def fetch(session, name: str, school_ids: list[int]) -> list[dict]:
    collection = records.COLLECTIONS[name]
    result = await session.execute(collection.statement(), {"school_ids": school_ids})
    assert tuple(result.keys()) == collection.field_names + collection.bookkeeping, name
    return [dict(r) for r in result.mappings()]


async def test_every_collection_has_its_columns_and_unique_sourced_ids(session, world):
    for name in records.COLLECTIONS:
        rows = await fetch(session, name, [world.school_id, world.other_school_id])
        assert rows, name
        ids = [r["sourcedId"] for r in rows]
        assert len(ids) == len(set(ids)), name
        assert all(v.GUID.fullmatch(i) for i in ids), name
        assert {r["status"] for r in rows} <= {"active", "tobedeleted"}


async def test_users_are_scoped_to_the_schools_asked_for(session, world):
    mine = await fetch(session, "users", [world.school_id])
    assert {(u["role"], u["school_id"]) for u in mine} == {
        ("student", world.school_id),
        ("teacher", world.school_id),
    }
    assert {u["sourcedId"] for u in mine if u["role"] == "student"} == {
        "student-T-0001-S0",
        "student-T-0001-S1",
    }
    assert await fetch(session, "users", []) == []


async def test_colliding_sis_ids_of_two_schools_are_told_apart(session, world):
    await session.execute(
        text("UPDATE students SET sourced_id = 'sis-1' WHERE id = :id"),
        {"id": world.student_ids[0]},
    )
    await add_student(session, world.other_school_id, "X2", last_name_th="ซ้ำ", sourced_id="sis-1")
    both = await fetch(session, "users", [world.school_id, world.other_school_id])
    assert {u["sourcedId"] for u in both if u["identifier"] in {"S0", "X2"}} == {
        "sis-1",
        "sis-1@T-0002",
    }
    # One school's own export keeps the SIS's id.
    (alone,) = [
        u for u in await fetch(session, "users", [world.other_school_id]) if u["identifier"] == "X2"
    ]
    assert alone["sourcedId"] == "sis-1"


async def test_withdrawn_enrolments_and_cancelled_workshops_are_tobedeleted(session, world):
    await session.execute(text("UPDATE enrolments SET status = 'withdrawn', withdrawn_at = now()"))
    rows = {e["sourcedId"]: e for e in await fetch(session, "enrollments", [world.school_id])}
    host = rows[f"workshop-{world.workshop_id}-host"]
    assert (host["status"], host["primary"], host["role"]) == ("active", True, "teacher")
    (student,) = [e for e in rows.values() if e["role"] == "student"]
    assert student["status"] == "tobedeleted"

    await session.execute(text("UPDATE workshops SET status = 'cancelled'"))
    for name in ("classes", "courses", "academicSessions", "enrollments"):
        rows = await fetch(session, name, [world.school_id])
        assert {r["status"] for r in rows} == {"tobedeleted"}, name
