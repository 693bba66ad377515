"""The living demo (app.seeds.demo) on the real seeds and curriculum, seen through the app
as each demo account would see its first screen."""

from datetime import date, timedelta

import pytest
from httpx import AsyncClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import get_settings
from app.curriculum.loader import load_curriculum
from app.seeds import load_seeds
from app.seeds.demo import seed_demo
from tests.factories.accounts import bearer

TODAY = date(2026, 11, 18)  # a Wednesday in term 2569-2 (2026-11-02 .. 2027-03-31)
COUNTED = ("workshops", "workshop_sessions", "enrolments", "attendance")


async def counts(session: AsyncSession) -> dict[str, int]:
    return {
        table: int((await session.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one())
        for table in COUNTED
    }


async def headers_of(session: AsyncSession, username: str) -> dict[str, str]:
    user = (
        await session.execute(
            text("SELECT id, role, auth_epoch FROM users WHERE username = :u"), {"u": username}
        )
    ).one()
    return bearer(user.id, user.role, user.auth_epoch)


@pytest.fixture
async def seeded(session: AsyncSession) -> AsyncSession:
    settings = get_settings()
    await load_curriculum(session, settings.curriculum_dir)
    await load_seeds(session, settings.seeds_dir, sample=True)
    report = await seed_demo(session, today=TODAY)
    assert not report.skipped, report
    await session.flush()
    return session


async def test_teacher_sees_sessions_today(seeded: AsyncSession, client: AsyncClient) -> None:
    answer = await client.get(
        "/api/v1/me/sessions",
        params={"date": TODAY.isoformat()},
        headers=await headers_of(seeded, "demo.teacher"),
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["total"] >= 1


async def test_school_admin_sees_workshops_one_of_them_full_with_a_waitlist(
    seeded: AsyncSession, client: AsyncClient
) -> None:
    answer = await client.get(
        "/api/v1/workshops", headers=await headers_of(seeded, "demo.schooladmin")
    )
    assert answer.status_code == 200, answer.text
    assert len(answer.json()["items"]) >= 3
    waitlisted = await seeded.scalar(
        text("SELECT count(*) FROM enrolments WHERE status = 'waitlisted'")
    )
    assert 2 <= waitlisted <= 3
    full = await seeded.scalar(text("SELECT count(*) FROM workshops WHERE seats_taken = capacity"))
    assert full == 1


async def test_workshops_use_several_rooms(seeded: AsyncSession) -> None:
    rooms = await seeded.scalar(text("SELECT count(DISTINCT room_id) FROM workshops"))
    assert rooms >= 2


async def test_past_sessions_have_attendance_and_later_ones_do_not(seeded: AsyncSession) -> None:
    rows = (
        await seeded.execute(
            text(
                "SELECT (s.starts_at AT TIME ZONE 'Asia/Bangkok')::date < :today AS past, "
                "s.taken_at IS NOT NULL AS taken, count(a.*) AS marks "
                "FROM workshop_sessions s LEFT JOIN attendance a ON a.session_id = s.id "
                "GROUP BY s.id"
            ),
            {"today": TODAY},
        )
    ).all()
    assert any(r.past for r in rows) and any(not r.past for r in rows)
    assert all(r.taken and r.marks > 0 for r in rows if r.past)
    assert not any(r.taken or r.marks for r in rows if not r.past)
    statuses = set((await seeded.execute(text("SELECT DISTINCT status FROM attendance"))).scalars())
    assert {"present", "late", "absent", "excused"} <= statuses


async def test_department_attendance_summary_has_rows(
    seeded: AsyncSession, client: AsyncClient
) -> None:
    answer = await client.get(
        "/api/v1/reports/attendance-summary",
        params={"term": "2569-2"},
        headers=await headers_of(seeded, "demo.department"),
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["items"]


async def test_creator_sees_their_workshops(seeded: AsyncSession, client: AsyncClient) -> None:
    headers = await headers_of(seeded, "demo.creator")
    answer = await client.get("/api/v1/workshops", headers=headers)
    assert answer.status_code == 200, answer.text
    assert len(answer.json()["items"]) >= 2
    today = await client.get(
        "/api/v1/me/sessions", params={"date": TODAY.isoformat()}, headers=headers
    )
    assert today.json()["total"] >= 1


async def test_a_second_run_the_same_day_changes_nothing(seeded: AsyncSession) -> None:
    before = await counts(seeded)
    report = await seed_demo(seeded, today=TODAY)
    assert await counts(seeded) == before
    assert (report.workshops_created, report.sessions_added, report.sessions_taken) == (0, 0, 0)


async def test_a_run_a_week_later_adds_the_new_fortnight_without_duplicates(
    seeded: AsyncSession,
) -> None:
    before = await counts(seeded)
    later = TODAY + timedelta(days=7)
    report = await seed_demo(seeded, today=later)
    after = await counts(seeded)
    assert report.workshops_created == 0 and report.sessions_added > 0
    assert after["workshop_sessions"] == before["workshop_sessions"] + report.sessions_added
    assert after["attendance"] > before["attendance"]
    duplicates = await seeded.scalar(
        text(
            "SELECT count(*) FROM (SELECT 1 FROM workshop_sessions "
            "GROUP BY workshop_id, starts_at HAVING count(*) > 1) d"
        )
    )
    assert duplicates == 0
    teacher_today = await seeded.scalar(
        text(
            "SELECT count(*) FROM workshop_sessions s JOIN workshops w ON w.id = s.workshop_id "
            "JOIN users u ON u.id = w.host_teacher_id WHERE u.username = 'demo.teacher' "
            "AND (s.starts_at AT TIME ZONE 'Asia/Bangkok')::date = :day"
        ),
        {"day": later},
    )
    assert teacher_today >= 1


async def test_a_weekend_today_still_gets_a_session_marked_outside_hours(
    session: AsyncSession,
) -> None:
    settings = get_settings()
    await load_curriculum(session, settings.curriculum_dir)
    await load_seeds(session, settings.seeds_dir, sample=True)
    saturday = date(2026, 11, 21)
    await seed_demo(session, today=saturday)
    marked = (
        (
            await session.execute(
                text(
                    "SELECT outside_hours FROM workshop_sessions "
                    "WHERE (starts_at AT TIME ZONE 'Asia/Bangkok')::date = :day"
                ),
                {"day": saturday},
            )
        )
        .scalars()
        .all()
    )
    assert marked == [True]


async def test_without_curriculum_the_demo_is_skipped(session: AsyncSession) -> None:
    await load_seeds(session, get_settings().seeds_dir, sample=True)
    report = await seed_demo(session, today=TODAY)
    assert "no curriculum" in report.skipped
    assert (await counts(session))["workshops"] == 0
