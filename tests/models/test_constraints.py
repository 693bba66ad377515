"""Each invariant is enforced by PostgreSQL itself: the violating SQL fails with the database
error naming the constraint, whatever the application code does."""

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError

from tests.factories import World, add_enrolment, add_session, add_workshop, at, insert


@pytest.fixture
async def world(session):
    return await World(session).build()


async def violates(session, sql: str, params: dict | None = None) -> str:
    """Run `sql` in a savepoint and return the name of the constraint it broke."""
    with pytest.raises(DBAPIError) as info:
        async with session.begin_nested():
            await session.execute(text(sql), params or {})
    return info.value.orig.__cause__.constraint_name


async def test_room_cannot_hold_two_overlapping_sessions(world, session):
    other = await add_workshop(session, world, capacity=20, creator_id=world.other_creator_id)
    name = await violates(
        session,
        "INSERT INTO workshop_sessions (workshop_id, school_id, room_id, creator_id, starts_at, "
        "ends_at) VALUES (:w, :s, :r, :c, :a, :b)",
        {
            "w": other,
            "s": world.school_id,
            "r": world.room_id,
            "c": world.other_creator_id,
            "a": at(world.day, 9, 30),
            "b": at(world.day, 10, 30),
        },
    )
    assert name == "ex_workshop_sessions_room_overlap"


async def test_cancelled_session_frees_the_room(world, session):
    await session.execute(text("UPDATE workshop_sessions SET status = 'cancelled'"))
    other = await add_workshop(session, world, capacity=20, creator_id=world.other_creator_id)
    assert await add_session(session, other, at(world.day, 9), taken=False) > 0


async def test_back_to_back_sessions_do_not_clash(world):
    assert await add_session(world.session, world.workshop_id, at(world.day, 10), taken=False) > 0


async def test_creator_cannot_lead_two_overlapping_sessions(world, session):
    room2 = await insert(
        session, "computer_rooms", school_id=world.school_id, code="LAB-2", name="ห้อง 2", seats=30
    )
    w2 = await insert(
        session,
        "workshops",
        school_id=world.school_id,
        room_id=room2,
        module_id=world.module_id,
        module_version=1,
        creator_id=world.creator_id,
        host_teacher_id=world.teacher_id,
        term_id=world.term_id,
        capacity=10,
    )
    name = await violates(
        session,
        "INSERT INTO workshop_sessions (workshop_id, school_id, room_id, creator_id, starts_at, "
        "ends_at) VALUES (:w, :s, :r, :c, :a, :b)",
        {
            "w": w2,
            "s": world.school_id,
            "r": room2,
            "c": world.creator_id,
            "a": at(world.day, 9, 15),
            "b": at(world.day, 9, 45),
        },
    )
    assert name == "ex_workshop_sessions_creator_overlap"


async def test_moving_a_workshop_to_a_booked_room_is_refused(world, session):
    """Sessions follow their workshop's room (ON UPDATE CASCADE) and are re-checked."""
    room2 = await insert(
        session, "computer_rooms", school_id=world.school_id, code="LAB-2", name="ห้อง 2", seats=30
    )
    w2 = await insert(
        session,
        "workshops",
        school_id=world.school_id,
        room_id=room2,
        module_id=world.module_id,
        module_version=1,
        creator_id=world.other_creator_id,
        host_teacher_id=world.teacher_id,
        term_id=world.term_id,
        capacity=10,
    )
    await insert(
        session,
        "workshop_sessions",
        workshop_id=w2,
        school_id=world.school_id,
        room_id=room2,
        creator_id=world.other_creator_id,
        starts_at=at(world.day, 9),
        ends_at=at(world.day, 10),
    )
    name = await violates(
        session, "UPDATE workshops SET room_id = :r WHERE id = :w", {"r": world.room_id, "w": w2}
    )
    assert name == "ex_workshop_sessions_room_overlap"


async def test_session_must_end_after_it_starts(world, session):
    name = await violates(
        session,
        "UPDATE workshop_sessions SET ends_at = starts_at WHERE id = :id",
        {"id": world.session_id},
    )
    assert name == "ck_workshop_sessions_starts_before_ends"


async def test_terms_cannot_overlap(world, session):
    name = await violates(
        session,
        "INSERT INTO academic_terms (academic_year, term, starts_on, ends_on) "
        "VALUES (2569, 2, :a, :b)",
        {"a": date(2026, 10, 1), "b": date(2027, 3, 31)},
    )
    assert name == "ex_academic_terms_no_overlap"


async def test_term_number_is_1_or_2(session):
    name = await violates(
        session,
        "INSERT INTO academic_terms (academic_year, term, starts_on, ends_on) "
        "VALUES (2570, 3, '2027-05-16', '2027-10-10')",
    )
    assert name == "ck_academic_terms_term_is_1_or_2"


async def test_academic_year_is_buddhist_era(session):
    name = await violates(
        session,
        "INSERT INTO academic_terms (academic_year, term, starts_on, ends_on) "
        "VALUES (2026, 1, '2026-05-16', '2026-10-10')",
    )
    assert name == "ck_academic_terms_academic_year_is_buddhist_era"


async def test_room_needs_seats(world, session):
    name = await violates(
        session,
        "INSERT INTO computer_rooms (school_id, code, name, seats) "
        "VALUES (:s, 'LAB-0', 'ห้องว่าง', 0)",
        {"s": world.school_id},
    )
    assert name == "ck_computer_rooms_seats_positive"


async def test_room_status_is_from_the_list(world, session):
    name = await violates(session, "UPDATE computer_rooms SET status = 'broken'")
    assert name == "ck_computer_rooms_status_valid"


async def test_workshop_capacity_cannot_exceed_room_seats(world, session):
    name = await violates(
        session, "UPDATE workshops SET capacity = 31 WHERE id = :id", {"id": world.workshop_id}
    )
    assert name == "ck_workshops_capacity_within_room_seats"


async def test_room_cannot_shrink_below_a_scheduled_workshop(world, session):
    name = await violates(session, "UPDATE computer_rooms SET seats = 10")
    assert name == "ck_computer_rooms_seats_cover_workshops"


async def test_workshop_capacity_must_be_positive(world, session):
    name = await violates(session, "UPDATE workshops SET capacity = 0")
    assert name == "ck_workshops_capacity_positive"


async def test_seats_taken_never_exceeds_capacity(world, session):
    name = await violates(session, "UPDATE workshops SET seats_taken = capacity + 1")
    assert name == "ck_workshops_seats_taken_within_capacity"


async def test_workshop_room_must_belong_to_its_school(world, session):
    school2 = await insert(
        session,
        "schools",
        code="T-0002",
        name_th="โรงเรียนสอง",
        name_en="Two",
        district_id=world.district_id,
    )
    name = await violates(session, "UPDATE workshops SET school_id = :s", {"s": school2})
    assert name == "fk_workshops_room_id_school_id_computer_rooms"


async def test_student_code_is_unique_per_school(world, session):
    name = await violates(
        session,
        "INSERT INTO students (school_id, student_code, first_name_th, last_name_th, "
        "grade_level) VALUES (:s, 'S0', 'ซ้ำ', 'ซ้ำ', 'P5')",
        {"s": world.school_id},
    )
    assert name == "uq_students_school_id_student_code"


async def test_student_grade_level_is_thai_grade(world, session):
    name = await violates(session, "UPDATE students SET grade_level = 'G7'")
    assert name == "ck_students_grade_level_valid"


async def test_one_enrolment_per_student_and_workshop(world, session):
    await add_enrolment(session, world.workshop_id, world.student_ids[0])
    name = await violates(
        session,
        "INSERT INTO enrolments (school_id, workshop_id, student_id, status) "
        "VALUES (:s, :w, :st, 'enrolled')",
        {"s": world.school_id, "w": world.workshop_id, "st": world.student_ids[0]},
    )
    assert name == "uq_enrolments_workshop_id_student_id"


async def test_waitlisted_enrolment_needs_a_position(world, session):
    name = await violates(
        session,
        "INSERT INTO enrolments (school_id, workshop_id, student_id, status) "
        "VALUES (:s, :w, :st, 'waitlisted')",
        {"s": world.school_id, "w": world.workshop_id, "st": world.student_ids[0]},
    )
    assert name == "ck_enrolments_waitlist_position_iff_waitlisted"


# A deferred constraint: checked at the real COMMIT.
@pytest.mark.committed
async def test_waitlist_positions_are_unique_per_workshop(world, session):
    for student_id in world.student_ids:
        await insert(
            session,
            "enrolments",
            school_id=world.school_id,
            workshop_id=world.workshop_id,
            student_id=student_id,
            status="waitlisted",
            waitlist_position=1,
        )
    with pytest.raises(IntegrityError) as info:
        await session.commit()  # the unique key is deferred to commit
    assert info.value.orig.__cause__.constraint_name == (
        "uq_enrolments_workshop_id_waitlist_position"
    )


async def test_attendance_requires_an_enrolment(world, session):
    name = await violates(
        session,
        "INSERT INTO attendance (school_id, session_id, workshop_id, student_id, status, "
        "marked_by, marked_at) VALUES (:s, :se, :w, :st, 'present', :u, now())",
        {
            "s": world.school_id,
            "se": world.session_id,
            "w": world.workshop_id,
            "st": world.student_ids[1],
            "u": world.teacher_id,
        },
    )
    assert name == "fk_attendance_workshop_id_student_id_enrolments"


async def _mark(world, session, status: str = "present") -> int:
    await add_enrolment(session, world.workshop_id, world.student_ids[0])
    return await insert(
        session,
        "attendance",
        school_id=world.school_id,
        session_id=world.session_id,
        workshop_id=world.workshop_id,
        student_id=world.student_ids[0],
        status=status,
        marked_by=world.teacher_id,
        marked_at=datetime.now().astimezone(),
    )


async def test_one_attendance_row_per_session_and_student(world, session):
    await _mark(world, session)
    name = await violates(
        session,
        "INSERT INTO attendance (school_id, session_id, workshop_id, student_id, status, "
        "marked_by, marked_at) VALUES (:s, :se, :w, :st, 'late', :u, now())",
        {
            "s": world.school_id,
            "se": world.session_id,
            "w": world.workshop_id,
            "st": world.student_ids[0],
            "u": world.teacher_id,
        },
    )
    assert name == "uq_attendance_session_id_student_id"


async def test_attendance_status_is_from_the_list(world, session):
    await _mark(world, session)
    name = await violates(session, "UPDATE attendance SET status = 'sick'")
    assert name == "ck_attendance_status_valid"


async def test_absent_student_has_no_arrival_time(world, session):
    await _mark(world, session, "absent")
    name = await violates(session, "UPDATE attendance SET arrived_at = now()")
    assert name == "ck_attendance_arrival_only_when_present_or_late"


async def test_every_attendance_change_is_kept_and_history_is_append_only(world, session):
    await _mark(world, session, "absent")
    await session.execute(
        text("UPDATE attendance SET status = 'late', arrived_at = now(), marked_at = now()")
    )
    await session.execute(text("UPDATE attendance SET note = note"))  # no real change
    history = (
        await session.execute(
            text("SELECT old_status, new_status FROM attendance_changes ORDER BY id")
        )
    ).all()
    assert history == [(None, "absent"), ("absent", "late")]
    with pytest.raises(DBAPIError, match="append-only"):
        async with session.begin_nested():
            await session.execute(text("DELETE FROM attendance_changes"))
    with pytest.raises(DBAPIError, match="append-only"):
        async with session.begin_nested():
            await session.execute(text("UPDATE attendance_changes SET new_status = 'present'"))


async def test_attendance_history_survives_attempts_to_delete_the_session(world, session):
    await _mark(world, session)
    name = await violates(session, "DELETE FROM workshop_sessions")
    assert name == "fk_attendance_session_id_workshop_id_workshop_sessions"


async def test_teacher_account_needs_a_school(session):
    name = await violates(
        session, "INSERT INTO users (username, full_name_th, role) VALUES ('t', 'ครู', 'teacher')"
    )
    assert name == "ck_users_school_matches_role"


async def test_role_is_from_the_list(session):
    name = await violates(
        session, "INSERT INTO users (username, full_name_th, role) VALUES ('x', 'x', 'root')"
    )
    assert name == "ck_users_role_valid"


async def test_course_pillar_and_grades_are_checked(world, session):
    assert await violates(session, "UPDATE courses SET pillar = 'smart_city'") == (
        "ck_courses_pillar_valid"
    )
    assert await violates(session, "UPDATE courses SET grade_levels = '{P7}'") == (
        "ck_courses_grade_levels_valid"
    )


async def test_module_minutes_are_positive(world, session):
    name = await violates(session, "UPDATE modules SET minutes = 0")
    assert name == "ck_modules_minutes_positive"


# now() is the transaction's start: the update needs a transaction of its own.
@pytest.mark.committed
async def test_updated_at_moves_on_update(world, session):
    before = (await session.execute(text("SELECT updated_at FROM computer_rooms"))).scalar_one()
    await session.commit()
    await session.execute(text("UPDATE computer_rooms SET name = 'ห้องใหม่'"))
    after = (await session.execute(text("SELECT updated_at FROM computer_rooms"))).scalar_one()
    assert after > before
    assert after - before < timedelta(minutes=5)
