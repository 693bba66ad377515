"""The data-subject export: everything held about one student, compared whole against a world
built by hand, and itself audited and logged."""

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import text

from tests.factories import (
    BANGKOK,
    ApiWorld,
    add_enrolment,
    add_mark,
    add_student,
    add_workshop,
    at,
    insert,
    iso,
)

AT = {
    "created": at(date(2026, 5, 1), 8),
    "enrolled": at(date(2026, 5, 20), 10),
    "withdrawn": at(date(2026, 6, 1), 12),
    "marked": at(date(2026, 6, 15), 9, 10),
    "arrived": at(date(2026, 6, 15), 9, 5),
    "corrected": at(date(2026, 6, 15), 9, 30),
    "event1": at(date(2026, 6, 16), 8),
    "event2": at(date(2026, 6, 17), 8),
    "read1": at(date(2026, 6, 18), 8),
    "read2": at(date(2026, 6, 19), 8),
}


@pytest.fixture
async def world(session):
    """Kanya (K1) of the world's school: enrolled in the world's workshop and marked present,
    then corrected to late with a note; withdrawn from a second workshop. Two audit events and
    two reads name her; others name only other students and must not appear."""
    world = await ApiWorld(session).build()
    s = session
    k = await add_student(
        s,
        world.school_id,
        "K1",
        first_name_th="กัญญา",
        last_name_th="ใจดี",
        first_name_en="Kanya",
        last_name_en="Jaidee",
        sourced_id="sis-k1",
        homeroom="2",
        at=AT["created"],
    )
    second = await add_workshop(
        s,
        world,
        creator_id=world.other_creator_id,
        title_th="เวิร์กช็อปที่สอง",
    )
    world.kanya, world.second_workshop = k, second
    world.enrolment = await add_enrolment(s, world.workshop_id, k, at=AT["enrolled"])
    world.withdrawn = await add_enrolment(
        s, second, k, at=AT["enrolled"], status="withdrawn", withdrawn_at=AT["withdrawn"]
    )
    await add_enrolment(session, world.workshop_id, world.student_ids[0])
    world.mark = await add_mark(
        s,
        world.session_id,
        k,
        "present",
        marked_by=world.teacher_id,
        marked_at=AT["marked"],
        arrived_at=AT["arrived"],
    )
    await add_mark(
        s,
        world.session_id,
        world.student_ids[0],
        "absent",
        marked_by=world.teacher_id,
        marked_at=AT["marked"],
    )
    await s.execute(
        text(
            "UPDATE attendance SET status = 'late', arrived_at = :arrived, note = 'มาสาย 5 นาที', "
            "marked_at = :corrected WHERE id = :id"
        ),
        {"arrived": AT["arrived"], "corrected": AT["corrected"], "id": world.mark},
    )
    world.changes = list(
        (
            await s.execute(
                text("SELECT id FROM attendance_changes WHERE attendance_id = :a ORDER BY id"),
                {"a": world.mark},
            )
        ).scalars()
    )
    admin = world.users["school_admin"]
    world.event_target = await insert(
        s,
        "audit_events",
        occurred_at=AT["event1"],
        action="student.updated",
        actor_user_id=admin,
        actor_role="school_admin",
        via="token",
        school_id=world.school_id,
        target_type="student",
        target_id=str(k),
    )
    world.event_details = (
        await s.execute(
            text(
                "INSERT INTO audit_events (occurred_at, action, actor_user_id, actor_role, via, "
                "school_id, target_type, target_id, details) VALUES (:at, "
                "'enrolment.cross_school', :u, 'school_admin', 'token', :school, 'workshop', :w, "
                "CAST(:d AS jsonb)) "
                "RETURNING id"
            ),
            {
                "at": AT["event2"],
                "u": admin,
                "school": world.school_id,
                "w": str(second),
                "d": f'{{"workshop_id": {second}, "student_ids": [{world.student_ids[1]}, {k}]}}',
            },
        )
    ).scalar_one()
    # Not hers: another student's target, another student in details, a different id type.
    for target_type, target_id, details in (
        ("student", str(world.student_ids[0]), "{}"),
        ("workshop", str(k), "{}"),
        ("workshop", None, f'{{"student_ids": [{world.student_ids[1]}]}}'),
    ):
        await s.execute(
            text(
                "INSERT INTO audit_events (action, target_type, target_id, details) "
                "VALUES ('other', :t, :i, CAST(:d AS jsonb))"
            ),
            {"t": target_type, "i": target_id, "d": details},
        )
    world.read_named = await _read(
        s, AT["read1"], "roster.attendance", world.teacher_id, "teacher", [k], [world.school_id]
    )
    world.read_scope = await _read(
        s,
        AT["read2"],
        "export.attendance",
        world.users["department"],
        "department",
        None,
        [world.school_id],
    )
    await _read(
        s,
        AT["read2"],
        "students.read",
        world.teacher_id,
        "teacher",
        [world.student_ids[0]],
        [world.school_id],
    )
    await _read(s, AT["read2"], "export.attendance", None, None, None, [world.other_school_id])
    world.learner_key = await s.scalar(
        text("SELECT learner_key::text FROM students WHERE id = :id"), {"id": k}
    )
    await s.commit()
    return world


async def _read(session, at, action, user_id, role, student_ids, school_ids) -> int:
    row = await session.execute(
        text(
            "INSERT INTO personal_data_reads (occurred_at, action, actor_user_id, actor_role, via, "
            "student_ids, school_ids, record_count, scope) VALUES (:at, :action, :u, :role, "
            ":via, CAST(:ids AS integer[]), CAST(:schools AS integer[]), :n, "
            "CAST(:scope AS jsonb)) RETURNING id"
        ),
        {
            "at": at,
            "action": action,
            "u": user_id,
            "role": role,
            "via": "token" if user_id else "cli",
            "ids": student_ids,
            "schools": school_ids,
            "n": len(student_ids) if student_ids else 7,
            "scope": '{"session_id": 1}' if student_ids else '{"format": "csv"}',
        },
    )
    return int(row.scalar_one())


def expected(world: ApiWorld) -> dict:
    k = world.kanya
    school = {"id": world.school_id, "code": "T-0001", "name_th": "โรงเรียนทดสอบ"}
    teacher = {"id": world.teacher_id, "full_name_th": "ครู"}
    school_admin = {
        "id": world.users["school_admin"],
        "username": "u.school_admin",
        "full_name_th": "ผู้ใช้ school_admin",
    }
    workshop = {
        "title_th": "บทที่ 1",
        "school_code": "T-0001",
        "course_code": "T101",
        "module_code": "T101-01",
        "term": "2569-T1",
    }
    return {
        "student": {
            "id": k,
            "school": school,
            "student_code": "K1",
            "first_name_th": "กัญญา",
            "last_name_th": "ใจดี",
            "first_name_en": "Kanya",
            "last_name_en": "Jaidee",
            "grade_level": "P5",
            "homeroom": "2",
            "status": "active",
            "sourced_id": "sis-k1",
            "pseudonymised_at": None,
            "learner_key": world.learner_key,
            "created_at": iso(AT["created"]),
            "updated_at": iso(AT["created"]),
        },
        "enrolments": [
            {
                "id": world.enrolment,
                "workshop": {"id": world.workshop_id, **workshop},
                "status": "enrolled",
                "waitlist_position": None,
                "requested_at": iso(AT["enrolled"]),
                "enrolled_at": iso(AT["enrolled"]),
                "withdrawn_at": None,
                "updated_at": iso(AT["enrolled"]),
            },
            {
                "id": world.withdrawn,
                "workshop": {
                    "id": world.second_workshop,
                    **workshop,
                    "title_th": "เวิร์กช็อปที่สอง",
                },
                "status": "withdrawn",
                "waitlist_position": None,
                "requested_at": iso(AT["enrolled"]),
                "enrolled_at": iso(AT["enrolled"]),
                "withdrawn_at": iso(AT["withdrawn"]),
                "updated_at": iso(AT["withdrawn"]),
            },
        ],
        "attendance": [
            {
                "id": world.mark,
                "session_id": world.session_id,
                "workshop_id": world.workshop_id,
                "session_date": "2026-06-15",
                "starts_at": iso(at(date(2026, 6, 15), 9)),
                "ends_at": iso(at(date(2026, 6, 15), 10)),
                "status": "late",
                "arrived_at": iso(AT["arrived"]),
                "note": "มาสาย 5 นาที",
                "marked_by": teacher,
                "marked_at": iso(AT["corrected"]),
                "changes": [
                    {
                        "id": world.changes[0],
                        "old_status": None,
                        "new_status": "present",
                        "old_arrived_at": None,
                        "new_arrived_at": iso(AT["arrived"]),
                        "old_note": None,
                        "new_note": "",
                        "changed_by": teacher,
                        "changed_at": iso(AT["marked"]),
                    },
                    {
                        "id": world.changes[1],
                        "old_status": "present",
                        "new_status": "late",
                        "old_arrived_at": iso(AT["arrived"]),
                        "new_arrived_at": iso(AT["arrived"]),
                        "old_note": "",
                        "new_note": "มาสาย 5 นาที",
                        "changed_by": teacher,
                        "changed_at": iso(AT["corrected"]),
                    },
                ],
            }
        ],
        "outcome_assessments": [],
        "module_completions": [],
        "course_completions": [],
        "credentials": [],
        "audit_events": [
            {
                "id": world.event_target,
                "occurred_at": iso(AT["event1"]),
                "action": "student.updated",
                "actor": school_admin,
                "actor_role": "school_admin",
                "via": "token",
                "school": school,
                "target_type": "student",
                "target_id": str(k),
                "details": {},
            },
            {
                "id": world.event_details,
                "occurred_at": iso(AT["event2"]),
                "action": "enrolment.cross_school",
                "actor": school_admin,
                "actor_role": "school_admin",
                "via": "token",
                "school": school,
                "target_type": "workshop",
                "target_id": str(world.second_workshop),
                "details": {
                    "workshop_id": world.second_workshop,
                    "student_ids": [world.student_ids[1], k],
                },
            },
        ],
        "reads": [
            {
                "id": world.read_named,
                "occurred_at": iso(AT["read1"]),
                "action": "roster.attendance",
                "actor": {"id": world.teacher_id, "username": "teacher", "full_name_th": "ครู"},
                "actor_role": "teacher",
                "via": "token",
                "named": True,
                "scope": {"session_id": 1},
            },
            {
                "id": world.read_scope,
                "occurred_at": iso(AT["read2"]),
                "action": "export.attendance",
                "actor": {
                    "id": world.users["department"],
                    "username": "u.department",
                    "full_name_th": "ผู้ใช้ department",
                },
                "actor_role": "department",
                "via": "token",
                "named": False,
                "scope": {"format": "csv"},
            },
        ],
    }


def url(world: ApiWorld) -> str:
    return f"/api/v1/students/{world.kanya}/data-export"


async def test_the_export_holds_exactly_what_the_service_holds_about_the_student(client, world):
    response = await client.get(url(world), headers=world.headers["school_admin"])
    assert response.status_code == 200, response.text
    assert response.headers["content-disposition"] == (
        f'attachment; filename="student-{world.kanya}-data-export.json"'
    )
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    generated = datetime.fromisoformat(body.pop("generated_at"))
    assert abs(generated - datetime.now(BANGKOK)) < timedelta(minutes=1)
    assert body == expected(world)


async def test_the_export_is_audited_and_logged_and_shows_in_the_next_one(client, world, session):
    first = await client.get(url(world), headers=world.headers["admin"])
    assert first.status_code == 200
    (event,) = (
        await session.execute(
            text("SELECT * FROM audit_events WHERE action = 'student.data_export'")
        )
    ).mappings()
    assert (event["actor_user_id"], event["school_id"]) == (world.users["admin"], world.school_id)
    assert (event["target_type"], event["target_id"]) == ("student", str(world.kanya))
    assert event["details"] == {
        "enrolments": 2,
        "attendance": 1,
        "attendance_changes": 2,
        "outcome_assessments": 0,
        "module_completions": 0,
        "course_completions": 0,
        "credentials": 0,
        "audit_events": 2,
        "reads": 2,
    }
    second = (await client.get(url(world), headers=world.headers["school_admin"])).json()
    assert second["audit_events"][-1]["action"] == "student.data_export"
    assert second["audit_events"][-1]["actor"]["username"] == "u.admin"
    assert [(r["action"], r["actor"]["username"], r["named"]) for r in second["reads"][-1:]] == [
        ("students.data_export", "u.admin", True)
    ]
    assert second["audit_events"][:-1] == expected(world)["audit_events"]
    assert second["reads"][:-1] == expected(world)["reads"]


async def test_a_student_nobody_has_touched_exports_as_a_bare_profile(client, world):
    lone = world.student_ids[1]
    body = (
        await client.get(
            f"/api/v1/students/{lone}/data-export", headers=world.headers["school_admin"]
        )
    ).json()
    assert body["student"]["student_code"] == "S1"
    assert (body["enrolments"], body["attendance"]) == ([], [])
    # Nobody was shown S1 by name; the export of the whole school could have included them.
    assert [(r["id"], r["named"]) for r in body["reads"]] == [(world.read_scope, False)]
    # The events naming S1 in their details: with Kanya, and alone.
    s1 = world.student_ids[1]
    assert [(e["action"], e["details"]["student_ids"]) for e in body["audit_events"]] == [
        ("enrolment.cross_school", [s1, world.kanya]),
        ("other", [s1]),
    ]


@pytest.mark.parametrize(
    "role,status",
    [("department", 403), ("teacher", 403), ("creator", 403), ("other_school_admin", 404)],
)
async def test_only_the_students_school_admin_and_admins_may_export(client, world, role, status):
    response = await client.get(url(world), headers=world.headers[role])
    assert response.status_code == status
    missing = await client.get(
        "/api/v1/students/999999/data-export", headers=world.headers["admin"]
    )
    assert missing.status_code == 404
