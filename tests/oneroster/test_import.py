"""Roster import: dry run reports, all-or-nothing writes, encodings, deactivation."""

import pytest
from sqlalchemy import text

from tests.factories import ApiWorld
from tests.oneroster.bundles import (
    bad_bundle,
    bundle_files,
    good_bundle,
    upload,
    zip_files,
)

BAD_ROWS = {
    ("users.csv", 3, 10, "familyName"),
    ("users.csv", 4, 17, "grades"),
    ("users.csv", 5, 1, "sourcedId"),
    ("users.csv", 6, 5, "orgSourcedIds"),
    ("users.csv", 7, 9, "givenName"),
    ("users.csv", 8, 2, "status"),
    ("enrollments.csv", 3, 4, "classSourcedId"),
    ("enrollments.csv", 4, 6, "userSourcedId"),
    ("enrollments.csv", 5, 9, "beginDate"),
    ("enrollments.csv", 6, 6, "userSourcedId"),
}


@pytest.fixture
async def world(session):
    return await ApiWorld(session).build()


async def counts(session) -> dict[str, int]:
    await session.rollback()
    return {
        table: (await session.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one()
        for table in ("students", "users", "enrolments")
    }


async def test_dry_run_names_every_bad_row_with_line_and_column(client, session, world):
    before = await counts(session)
    response = await upload(
        client,
        world.headers["school_admin"],
        world.school_id,
        bad_bundle(world.workshop_id),
        dry_run=True,
    )
    assert response.status_code == 200, response.text
    report = response.json()
    found = {(p["file"], p["line"], p["column"], p["field"]) for p in report["rejected"]}
    assert found == BAD_ROWS
    encodings = {f["name"]: f["encoding"] for f in report["files"]}
    assert encodings == {
        "enrollments.csv": "utf-8",
        "manifest.csv": "utf-8",
        "orgs.csv": "utf-8-sig",
        "users.csv": "cp874",
    }
    # The good rows would be written, and the Thai names were read correctly from cp874.
    assert report["created"]["students"] == 1 and report["created"]["teachers"] == 1
    assert report["created"]["enrollments"] == 1
    assert report["dry_run"] is True and report["applied"] is False
    messages = {(p["line"], p["file"]): p["message"] for p in report["rejected"]}
    assert "13" in messages[(4, "users.csv")]
    assert "T-9999" in messages[(6, "users.csv")]
    assert "line 2" in messages[(5, "users.csv")]
    assert await counts(session) == before
    details = (
        await session.execute(
            text("SELECT details FROM audit_events WHERE action = 'roster.import'")
        )
    ).scalar_one()
    assert details["dry_run"] is True and details["created"]["students"] == 1


async def test_real_run_with_a_bad_row_writes_nothing_and_answers_422(client, session, world):
    before = await counts(session)
    response = await upload(
        client, world.headers["school_admin"], world.school_id, bad_bundle(world.workshop_id)
    )
    assert response.status_code == 422
    body = response.json()
    assert body["type"].endswith("/roster-rejected")
    assert {(p["file"], p["line"], p["column"], p["field"]) for p in body["rejected"]} == BAD_ROWS
    assert body["applied"] is False and body["rejected_rows"] == len(BAD_ROWS)
    assert await counts(session) == before
    # The attempt itself is on record.
    event = (
        await session.execute(
            text(
                "SELECT actor_user_id, school_id, details FROM audit_events "
                "WHERE action = 'roster.import'"
            )
        )
    ).one()
    assert event.actor_user_id == world.users["school_admin"]
    assert event.school_id == world.school_id
    assert event.details["applied"] is False and event.details["dry_run"] is False
    assert event.details["rejected_rows"] == len(BAD_ROWS)
    assert event.details["encodings"]["users.csv"] == "cp874"


async def test_good_bundle_imports_students_teachers_and_enrolments(client, session, world):
    response = await upload(
        client, world.headers["school_admin"], world.school_id, good_bundle(world.workshop_id)
    )
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["applied"] is True and report["rejected"] == []
    assert report["created"] == {
        "orgs": 0,
        "academicSessions": 0,
        "courses": 0,
        "classes": 0,
        "students": 2,
        "teachers": 1,
        "enrollments": 2,
    }
    # S0 already existed without a sourcedId: it is linked to stu-1003.
    assert report["updated"]["students"] == 1
    assert report["unchanged"] == {
        "orgs": 2,
        "academicSessions": 1,
        "courses": 1,
        "classes": 1,
        "students": 0,
        "teachers": 0,
        "enrollments": 0,
    }
    # The homeroom class belongs to the school's own system: its enrollment is skipped.
    assert report["skipped"]["classes"] == 1 and report["skipped"]["enrollments"] == 1

    await session.rollback()
    students = {
        r.student_code: r
        for r in await session.execute(
            text(
                "SELECT student_code, sourced_id, first_name_th, last_name_th, first_name_en, "
                "grade_level, status FROM students WHERE school_id = :s"
            ),
            {"s": world.school_id},
        )
    }
    assert students["25001"].first_name_th == "สมชาย" and students["25001"].grade_level == "P5"
    assert students["25001"].first_name_en == "Somchai"
    assert students["25002"].grade_level == "P6" and students["25002"].sourced_id == "stu-1002"
    assert students["S0"].sourced_id == "stu-1003"
    teacher = (
        await session.execute(
            text(
                "SELECT role, school_id, full_name_th, email, password_hash, sourced_id "
                "FROM users WHERE username = 'kru.somsri'"
            )
        )
    ).one()
    assert (teacher.role, teacher.school_id, teacher.full_name_th) == (
        "teacher",
        world.school_id,
        "สมศรี ใจงาม",
    )
    assert teacher.password_hash is None and teacher.sourced_id == "tch-0001"
    enrolled = (
        await session.execute(
            text("SELECT count(*) FROM enrolments WHERE workshop_id = :w AND status = 'enrolled'"),
            {"w": world.workshop_id},
        )
    ).scalar_one()
    assert enrolled == 2
    seats = (
        await session.execute(
            text("SELECT seats_taken FROM workshops WHERE id = :w"), {"w": world.workshop_id}
        )
    ).scalar_one()
    assert seats == 2


async def test_importing_the_same_bundle_again_changes_nothing(client, world):
    content = good_bundle(world.workshop_id)
    first = await upload(client, world.headers["admin"], world.school_id, content)
    assert first.status_code == 200, first.text
    again = (await upload(client, world.headers["admin"], world.school_id, content)).json()
    assert (
        again["created"]
        == again["updated"]
        == again["deactivated"]
        == {k: 0 for k in again["created"]}
    )
    assert again["unchanged"]["students"] == 3 and again["unchanged"]["enrollments"] == 2


async def test_tobedeleted_deactivates_a_student_and_withdraws_an_enrolment(client, session, world):
    assert (
        await upload(
            client, world.headers["admin"], world.school_id, good_bundle(world.workshop_id)
        )
    ).status_code == 200
    before = await counts(session)
    files = {
        "manifest.csv": "propertyName,value\noneroster.version,1.2\nfile.users,delta\n"
        "file.enrollments,delta\n",
        "users.csv": "sourcedId,status,dateLastModified,enabledUser,givenName,familyName\n"
        "stu-1002,tobedeleted,2026-07-01T00:00:00.000Z,,,\n",
        "enrollments.csv": "sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,"
        "userSourcedId,role\n"
        f"enr-1,tobedeleted,2026-07-01T00:00:00.000Z,workshop-{world.workshop_id},T-0001,"
        "stu-1001,student\n",
    }
    response = await upload(client, world.headers["admin"], world.school_id, zip_files(files))
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["deactivated"]["students"] == 1
    assert report["deactivated"]["enrollments"] == 1
    await session.rollback()
    status = (
        await session.execute(text("SELECT status FROM students WHERE sourced_id = 'stu-1002'"))
    ).scalar_one()
    assert status == "inactive"
    enrolment = (
        await session.execute(
            text(
                "SELECT e.status FROM enrolments e JOIN students s ON s.id = e.student_id "
                "WHERE s.sourced_id = 'stu-1001'"
            )
        )
    ).scalar_one()
    assert enrolment == "withdrawn"
    # Nothing is ever deleted.
    assert await counts(session) == before


async def test_a_single_users_csv_in_utf8_with_bom_is_imported(client, session, world):
    content = (
        "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,"
        "givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,"
        "password\n"
        "s-1,,,true,T-0001,student,,,กมล,ศรีสุข,,30001,,,,,ป.3,\n"
        's-2,,,true,T-0001,student,,,"อรุณ, จันทร์",แสงดี,,30002,,,,,M1,\n'
    ).encode("utf-8-sig")
    response = await upload(
        client, world.headers["school_admin"], world.school_id, content, filename="users.csv"
    )
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["files"] == [
        {
            "name": "users.csv",
            "encoding": "utf-8-sig",
            "encoding_label": "UTF-8 with BOM",
            "rows": 2,
            "used": True,
        }
    ]
    assert report["created"]["students"] == 2
    await session.rollback()
    grades = dict(
        (
            await session.execute(
                text(
                    "SELECT student_code, grade_level FROM students WHERE student_code LIKE '3000%'"
                )
            )
        ).all()
    )
    assert grades == {"30001": "P3", "30002": "M1"}


async def test_a_users_csv_that_is_neither_utf8_nor_thai_windows_is_rejected(client, world):
    content = b"sourcedId,givenName\n" + b"s-1,\xff\xfe\n"
    response = await upload(
        client,
        world.headers["admin"],
        world.school_id,
        content,
        filename="users.csv",
        dry_run=True,
    )
    report = response.json()
    assert report["files"][0]["encoding"] is None
    assert report["rejected"][0]["line"] == 2 and "0xFF" in report["rejected"][0]["message"]


async def test_users_without_a_role_at_this_school_are_rejected_in_roles_csv(client, world):
    files = bundle_files("good", workshop_id=world.workshop_id)
    files["roles.csv"] = files["roles.csv"].replace(
        "role-stu-1002,,,stu-1002,primary,student,,,T-0001,",
        "role-stu-1002,,,stu-1002,primary,student,,,T-0002,",
    )
    response = await upload(
        client, world.headers["admin"], world.school_id, zip_files(files), dry_run=True
    )
    report = response.json()
    # T-0002 is another of our schools: its user is left alone, not written here, and the
    # enrollment in this school's workshop that names them is refused.
    rejected = report["rejected"]
    assert [(p["file"], p["line"], p["column"]) for p in rejected] == [("enrollments.csv", 3, 6)]
    assert "another school of the bundle" in rejected[0]["message"]
    assert any(
        "1 users rows of the bundle's other schools" in w["message"] for w in report["warnings"]
    )


async def test_users_at_an_org_that_is_no_school_are_rejected_in_roles_csv(client, world):
    files = bundle_files("good", workshop_id=world.workshop_id)
    files["roles.csv"] = files["roles.csv"].replace(
        "role-stu-1002,,,stu-1002,primary,student,,,T-0001,",
        "role-stu-1002,,,stu-1002,primary,student,,,NOWHERE-9,",
    )
    response = await upload(
        client, world.headers["admin"], world.school_id, zip_files(files), dry_run=True
    )
    rejected = response.json()["rejected"]
    assert [(p["file"], p["line"], p["column"]) for p in rejected] == [
        ("enrollments.csv", 3, 6),
        ("roles.csv", 3, 9),
    ]
    assert "NOWHERE-9" in rejected[1]["message"] and "org_map" in rejected[1]["message"]


async def test_enrolments_follow_the_api_rules_seats_then_waitlist(client, session, world):
    await session.execute(
        text("UPDATE workshops SET capacity = 1 WHERE id = :w"), {"w": world.workshop_id}
    )
    await session.commit()
    response = await upload(
        client, world.headers["admin"], world.school_id, good_bundle(world.workshop_id)
    )
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["created"]["enrollments"] == 2
    assert [(w["file"], w["line"]) for w in report["warnings"] if "waitlist" in w["message"]] == [
        ("enrollments.csv", 3)
    ]
    await session.rollback()
    statuses = dict(
        (
            await session.execute(
                text(
                    "SELECT s.sourced_id, e.status FROM enrolments e "
                    "JOIN students s ON s.id = e.student_id"
                )
            )
        ).all()
    )
    assert statuses == {"stu-1001": "enrolled", "stu-1002": "waitlisted"}


async def test_an_enrolment_the_api_would_refuse_is_rejected_with_its_reason(
    client, session, world
):
    await session.execute(
        text("UPDATE students SET status = 'graduated' WHERE id = :id"),
        {"id": world.student_ids[0]},
    )
    await session.commit()
    files = {
        "users.csv": "sourcedId,enabledUser,givenName,familyName,identifier,grades,role,"
        "orgSourcedIds\nstudent-S0,false,เด็ก,ทดสอบ0,S0,05,student,T-0001\n",
        "enrollments.csv": "sourcedId,classSourcedId,schoolSourcedId,userSourcedId,role\n"
        f"e-1,workshop-{world.workshop_id},T-0001,student-S0,student\n",
    }
    response = await upload(client, world.headers["admin"], world.school_id, zip_files(files))
    assert response.status_code == 422
    (problem,) = response.json()["rejected"]
    assert (problem["file"], problem["line"], problem["column"]) == ("enrollments.csv", 2, 4)
    assert "graduated" in problem["message"]


async def test_tobedeleted_disables_a_teacher_account(client, session, world):
    files = {
        "users.csv": "sourcedId,status,dateLastModified,enabledUser,givenName,familyName\n"
        f"user-{world.teacher_id},tobedeleted,2026-07-01T00:00:00.000Z,,,\n",
    }
    response = await upload(client, world.headers["admin"], world.school_id, zip_files(files))
    assert response.status_code == 200, response.text
    assert response.json()["deactivated"]["teachers"] == 1
    await session.rollback()
    active = (
        await session.execute(
            text("SELECT is_active FROM users WHERE id = :id"), {"id": world.teacher_id}
        )
    ).scalar_one()
    assert active is False


async def test_a_file_the_manifest_declares_but_the_zip_lacks_is_rejected(client, world):
    files = {
        "manifest.csv": "propertyName,value\noneroster.version,1.2\nfile.users,bulk\n"
        "file.enrollments,bulk\n",
        "users.csv": "sourcedId,givenName,familyName\n",
    }
    response = await upload(
        client, world.headers["admin"], world.school_id, zip_files(files), dry_run=True
    )
    (problem,) = response.json()["rejected"]
    assert (problem["file"], problem["line"], problem["column"]) == ("manifest.csv", 4, 2)
    assert "enrollments.csv" in problem["message"]
