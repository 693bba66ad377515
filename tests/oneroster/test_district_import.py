"""District bundles (many schools, the SIS's own org ids), bulk semantics and the safety
limit, right-sized strictness, and what the SIS sent kept for the round trip."""

import pytest
from sqlalchemy import text

from app.oneroster import bulk
from tests.factories import ApiWorld
from tests.factories.people import add_student
from tests.factories.workshops import add_enrolment
from tests.oneroster.bundles import zip_files
from tests.oneroster.sis_bundles import (
    HEADERS,
    csv,
    district_bundle,
    manifest,
    role,
    student,
)


@pytest.fixture
async def world(session):
    return await ApiWorld(session).build()


async def post_district(client, headers, content: bytes, **params: str):
    return await client.post(
        "/api/v1/oneroster/import",
        headers=headers,
        params=params,
        files={"file": ("district.zip", content, "application/zip")},
    )


async def post_school(client, headers, school_id: int, content: bytes, **params: str):
    return await client.post(
        f"/api/v1/schools/{school_id}/roster",
        headers=headers,
        params=params,
        files={"file": ("roster.zip", content, "application/zip")},
    )


async def students_of(session, school_id: int) -> dict[str, str]:
    await session.rollback()
    rows = await session.execute(
        text("SELECT student_code, status FROM students WHERE school_id = :s"), {"s": school_id}
    )
    return dict(rows.all())


async def test_the_dry_run_shows_the_org_mapping_and_asks_for_the_unmatched(client, world):
    response = await post_district(
        client, world.headers["admin"], district_bundle(world.workshop_id), dry_run="true"
    )
    assert response.status_code == 200, response.text
    report = response.json()
    mapping = {m["sourcedId"]: m for m in report["org_mapping"]}
    assert mapping["org-1"]["school"] is None and mapping["org-1"]["name"] == "North School"
    assert mapping["org-2"]["school"]["code"] == "T-0002"
    assert mapping["org-2"]["matched_by"] == "identifier"
    assert mapping["org-2"]["school_name"] == "โรงเรียนอื่น"
    # org-1 matched nothing: each of its rows says how to map it.
    org_1 = [p for p in report["rejected"] if "org-1" in p["message"]]
    assert org_1, report["rejected"] and all("org_map=org-1=" in p["message"] for p in org_1)
    # ... and the school that did match is still checked and counted.
    assert [s["school"]["code"] for s in report["schools"]] == ["T-0002"]
    assert report["schools"][0]["created"]["students"] == 1


async def test_a_two_school_bundle_imports_into_both_schools_in_one_run(client, session, world):
    content = district_bundle(world.workshop_id)
    dry = await post_district(
        client, world.headers["admin"], content, dry_run="true", org_map="org-1=T-0001"
    )
    report = dry.json()
    assert report["rejected"] == [], report["rejected"]
    mapping = {
        m["sourcedId"]: (m["school"]["code"], m["matched_by"]) for m in report["org_mapping"]
    }
    assert mapping == {"org-1": ("T-0001", "org_map"), "org-2": ("T-0002", "identifier")}
    assert (await students_of(session, world.school_id)).keys() == {"S0", "S1"}

    response = await post_district(client, world.headers["admin"], content, org_map="org-1=T-0001")
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["applied"] is True and report["school"] is None
    per_school = {s["school"]["code"]: s for s in report["schools"]}
    assert per_school["T-0001"]["created"]["students"] == 2
    assert per_school["T-0001"]["created"]["teachers"] == 1
    assert per_school["T-0001"]["created"]["enrollments"] == 1
    assert per_school["T-0002"]["created"]["students"] == 1
    assert report["created"]["students"] == 3
    assert {"A001", "A002"} <= (await students_of(session, world.school_id)).keys()
    assert "B001" in await students_of(session, world.other_school_id)
    links = dict(
        (await session.execute(text("SELECT sourced_id, school_id FROM oneroster_orgs"))).all()
    )
    assert links == {"org-1": world.school_id, "org-2": world.other_school_id}

    # The next bundle of the same SIS needs no map, and changes nothing.
    again = (await post_district(client, world.headers["admin"], content, dry_run="true")).json()
    assert {m["sourcedId"]: m["matched_by"] for m in again["org_mapping"]} == {
        "org-1": "linked",
        "org-2": "linked",
    }
    assert again["rejected"] == [] and again["created"]["students"] == 0
    assert again["updated"]["students"] == 0 and again["unchanged"]["students"] == 3


async def test_one_bad_school_does_not_hide_the_other_schools_errors(client, session, world):
    users = csv(
        "users.csv",
        student("sis-a1", "A001", "กมล", "เหนือ", grade="13"),
        student("sis-a2", "A002", "ขวัญ", "เหนือ"),
        student("sis-b1", "B001", "คณิน", "", "06"),
        {"sourcedId": "sis-t1", "enabledUser": "true", "givenName": "ครู", "familyName": "เหนือ"},
    )
    content = district_bundle(world.workshop_id, **{"users.csv": users})
    response = await post_district(client, world.headers["admin"], content, org_map="org-1=T-0001")
    assert response.status_code == 422, response.text
    problems = {(p["file"], p["line"], p["field"]) for p in response.json()["rejected"]}
    assert ("users.csv", 2, "grades") in problems  # T-0001's student
    assert ("users.csv", 4, "familyName") in problems  # T-0002's student
    # All or nothing: neither school got anything.
    assert (await students_of(session, world.school_id)).keys() == {"S0", "S1"}
    assert (await students_of(session, world.other_school_id)).keys() == {"X1"}


async def test_who_may_import_a_district_bundle(client, world):
    content = district_bundle(world.workshop_id)
    for caller in ("school_admin", "teacher", "creator"):
        response = await post_district(
            client, world.headers[caller], content, org_map="org-1=T-0001"
        )
        assert response.status_code == 403, (caller, response.text)
    # The Education Department writes nothing, but may check the mapping.
    dept = world.headers["department"]
    assert (await post_district(client, dept, content, org_map="org-1=T-0001")).status_code == 403
    dry = await post_district(client, dept, content, org_map="org-1=T-0001", dry_run="true")
    assert dry.status_code == 200 and dry.json()["applied"] is False


async def test_a_bad_org_map_is_a_400_naming_the_parameter(client, world):
    content = district_bundle(world.workshop_id)
    for value, expected in (("org-1", "org-1"), ("org-1=NO-SUCH", "NO-SUCH")):
        response = await post_district(client, world.headers["admin"], content, org_map=value)
        assert response.status_code == 400
        body = response.json()
        assert response.headers["content-type"].startswith("application/problem+json")
        assert body["field"] == "org_map" and expected in body["detail"]


async def test_a_school_admin_imports_their_own_schools_part_of_a_district_bundle(
    client, session, world
):
    content = district_bundle(world.workshop_id)
    response = await post_school(
        client, world.headers["school_admin"], world.school_id, content, org_map="org-1=T-0001"
    )
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["created"]["students"] == 2 and report["rejected"] == []
    assert any("other schools were left alone" in w["message"] for w in report["warnings"])
    assert "B001" not in await students_of(session, world.other_school_id)
    # Only their own school's link is remembered, never one for the other school.
    links = dict(
        (await session.execute(text("SELECT sourced_id, school_id FROM oneroster_orgs"))).all()
    )
    assert links == {"org-1": world.school_id}


async def test_a_school_admin_cannot_write_another_school_through_the_map(client, session, world):
    content = district_bundle(world.workshop_id)
    response = await post_school(
        client, world.headers["school_admin"], world.school_id, content, org_map="org-1=T-0002"
    )
    # org-1 is now T-0002 (not theirs): nothing of theirs is in the bundle.
    report = response.json()
    assert response.status_code == 422, response.text
    assert any("no org of the bundle is T-0001" in p["message"] for p in report["rejected"])
    assert (await students_of(session, world.other_school_id)).keys() == {"X1"}
    other = await post_school(
        client, world.headers["school_admin"], world.other_school_id, content, dry_run="true"
    )
    assert other.status_code == 404


async def test_another_schools_export_imported_here_says_what_to_do(client, world):
    exported = await client.get(
        "/api/v1/oneroster/export",
        headers=world.headers["admin"],
        params={"school": "T-0002"},
    )
    assert exported.status_code == 200
    response = await post_school(
        client, world.headers["admin"], world.school_id, exported.content, dry_run="true"
    )
    rejected = response.json()["rejected"]
    assert rejected and "no org of the bundle is T-0001" in rejected[0]["message"]
    assert "org_map=<sourcedId>=T-0001" in rejected[0]["message"]


# -- bulk semantics ---------------------------------------------------------------------


def school_bundle(students: list[tuple[str, str]], *, mode: str = "bulk", enrol: list[str] = ()):
    """Users of T-0001 only (sourcedId, code); `enrol` lists who is in workshop-${W}."""
    return {
        "manifest.csv": manifest(mode, "users", "roles", "enrollments"),
        "users.csv": csv(
            "users.csv", *(student(sid, code, "ชื่อ", f"สกุล{code}") for sid, code in students)
        ),
        "roles.csv": csv("roles.csv", *(role(sid, "T-0001") for sid, _ in students)),
        "enrollments.csv": csv(
            "enrollments.csv",
            *(
                {
                    "sourcedId": f"enr-{sid}",
                    "classSourcedId": "workshop-${W}",
                    "schoolSourcedId": "T-0001",
                    "userSourcedId": sid,
                    "role": "student",
                }
                for sid in enrol
            ),
        ),
    }


def filled(files: dict[str, str], workshop_id: int) -> bytes:
    return zip_files({k: c.replace("${W}", str(workshop_id)) for k, c in files.items()})


async def test_a_bulk_file_that_leaves_out_a_student_deactivates_them_dry_run_first(
    client, session, world
):
    # S0 and S1 are the school's; the SIS lists S0 only.
    files = school_bundle([("sis-s0", "S0")], enrol=["sis-s0"])
    admin = world.headers["school_admin"]
    dry = await post_school(
        client, admin, world.school_id, filled(files, world.workshop_id), dry_run="true"
    )
    report = dry.json()
    assert report["rejected"] == []
    assert report["bulk_files"] == ["enrollments.csv", "roles.csv", "users.csv"]
    assert report["deactivated"]["students"] == 1
    assert any("1 students not in the bulk users.csv" in w["message"] for w in report["warnings"])
    assert (await students_of(session, world.school_id))["S1"] == "active"

    response = await post_school(client, admin, world.school_id, filled(files, world.workshop_id))
    assert response.status_code == 200, response.text
    assert await students_of(session, world.school_id) == {"S0": "active", "S1": "inactive"}


async def test_the_same_file_as_delta_deactivates_nobody(client, session, world):
    files = school_bundle([("sis-s0", "S0")], mode="delta")
    response = await post_school(
        client, world.headers["admin"], world.school_id, filled(files, world.workshop_id)
    )
    assert response.json()["deactivated"]["students"] == 0
    assert (await students_of(session, world.school_id))["S1"] == "active"


async def test_a_bulk_enrollments_file_withdraws_the_enrolments_it_leaves_out(
    client, session, world
):
    both = school_bundle([("sis-s0", "S0"), ("sis-s1", "S1")], enrol=["sis-s0", "sis-s1"])
    admin = world.headers["admin"]
    first = await post_school(client, admin, world.school_id, filled(both, world.workshop_id))
    assert first.json()["created"]["enrollments"] == 2
    # A waitlist place is the LMS's own (OneRoster has none): a bulk file never removes it.
    waiting = await add_student(session, world.school_id, "W1", last_name_th="รอคิว")
    await add_enrolment(
        session, world.workshop_id, waiting, status="waitlisted", waitlist_position=1
    )
    await session.commit()
    one = school_bundle([("sis-s0", "S0"), ("sis-s1", "S1")], enrol=["sis-s0"])
    response = await post_school(client, admin, world.school_id, filled(one, world.workshop_id))
    assert response.status_code == 200, response.text
    assert response.json()["deactivated"]["enrollments"] == 1
    await session.rollback()
    statuses = dict(
        (
            await session.execute(
                text(
                    "SELECT s.student_code, e.status FROM enrolments e "
                    "JOIN students s ON s.id = e.student_id WHERE e.workshop_id = :w"
                ),
                {"w": world.workshop_id},
            )
        ).all()
    )
    # W1 was not withdrawn: S1's freed seat went to them, first on the waitlist, as the API
    # would have done.
    assert statuses == {"S0": "enrolled", "S1": "withdrawn", "W1": "enrolled"}


async def test_the_safety_limit_refuses_mass_deactivation_unless_confirmed(client, session, world):
    for i in range(2, 14):
        await add_student(session, world.school_id, f"S{i}", last_name_th=f"ทดสอบ{i}")
    await session.commit()
    # 14 active students; the file names 2: 12 would go (86 %), over 10 % and over the floor.
    assert bulk.MASS_CHANGE_FLOOR < 12
    files = school_bundle([("sis-s0", "S0"), ("sis-s1", "S1")])
    admin = world.headers["admin"]
    content = filled(files, world.workshop_id)
    dry = (await post_school(client, admin, world.school_id, content, dry_run="true")).json()
    assert dry["deactivated"]["students"] == 12
    limit = [p for p in dry["rejected"] if "safety limit" in p["message"]]
    assert limit and "12 of 14" in limit[0]["message"] and limit[0]["file"] == "users.csv"
    refused = await post_school(client, admin, world.school_id, content)
    assert refused.status_code == 422
    assert list((await students_of(session, world.school_id)).values()).count("active") == 14

    confirmed = await post_school(
        client, admin, world.school_id, content, confirm_mass_changes="true"
    )
    assert confirmed.status_code == 200, confirmed.text
    assert list((await students_of(session, world.school_id)).values()).count("inactive") == 12


# -- strictness ---------------------------------------------------------------------------


async def test_errors_in_files_the_import_does_not_write_are_warnings(client, world):
    files = school_bundle([("sis-s0", "S0"), ("sis-s1", "S1")])
    files["academicSessions.csv"] = (
        HEADERS["academicSessions.csv"]
        + "\r\nterm-x,inactive,,Old term,term,2020-05-16,2020-10-10,,2021\r\n"
    )
    response = await post_school(
        client,
        world.headers["admin"],
        world.school_id,
        filled(files, world.workshop_id),
        dry_run="true",
    )
    report = response.json()
    assert report["rejected"] == []
    warning = [w for w in report["warnings"] if w["file"] == "academicSessions.csv"]
    assert warning and "bad status 'inactive'" in warning[0]["message"]
    assert "does not write academicSessions.csv" in warning[0]["message"]


async def test_misspelt_columns_and_wrong_file_name_case_are_reported(client, world):
    files = school_bundle([("sis-s0", "S0"), ("sis-s1", "S1")])
    files["users.csv"] = files["users.csv"].replace("preferredGivenName", "prefferedGivenName", 1)
    files["userprofiles.csv"] = "sourcedId,userSourcedId,profileType,vendorId\r\np-1,sis-s0,x,y\r\n"
    response = await post_school(
        client,
        world.headers["admin"],
        world.school_id,
        filled(files, world.workshop_id),
        dry_run="true",
    )
    report = response.json()
    assert report["rejected"] == []
    messages = [w["message"] for w in report["warnings"]]
    assert any(
        "unknown column prefferedGivenName (did you mean preferredGivenName?)" in m
        for m in messages
    )
    assert any("named userprofiles.csv; OneRoster names it userProfiles.csv" in m for m in messages)
    assert any("rows not stored: the LMS keeps no user profiles" in m for m in messages)


# -- what the SIS sent ---------------------------------------------------------------------


SIS_USER = {
    "sourcedId": "academy:person:student-1",
    "enabledUser": "true",
    "username": "kamol.s",
    "userIds": "{sis:A-77},{ldap:kamol}",
    "givenName": "กมล",
    "middleName": "มิดเดิล",
    "familyName": "สุขใจ",
    "identifier": "A077",
    "email": "kamol@student.example",
    "phone": "+66-2-000-0000",
    "grades": "05",
    "preferredGivenName": "มล",
}
SIS_TEACHER = {
    "sourcedId": "academy:person:teacher-1",
    "enabledUser": "true",
    "username": "kru.suda",
    "givenName": "สุดา",
    "middleName": "กลาง",
    "familyName": "ใจดี",
    "email": "suda@school.example",
    "preferredFamilyName": "ดี",
}


def sis_bundle(workshop_id: int) -> bytes:
    teacher_role = role(SIS_TEACHER["sourcedId"], "T-0001", "teacher")
    student_role = {
        **role(SIS_USER["sourcedId"], "T-0001"),
        "sourcedId": "sis-role-0001",
        "beginDate": "2026-05-16",
        "endDate": "2027-03-31",
    }
    return zip_files(
        {
            "manifest.csv": manifest("delta", "users", "roles", "enrollments"),
            "users.csv": csv("users.csv", SIS_USER, SIS_TEACHER),
            "roles.csv": csv("roles.csv", student_role, teacher_role),
            "enrollments.csv": csv(
                "enrollments.csv",
                {
                    "sourcedId": "sis-enr-1",
                    "classSourcedId": f"workshop-{workshop_id}",
                    "schoolSourcedId": "T-0001",
                    "userSourcedId": SIS_USER["sourcedId"],
                    "role": "student",
                    "primary": "false",
                    "beginDate": "2026-05-20",
                    "endDate": "2026-10-10",
                },
            ),
        }
    )


async def test_what_the_sis_sent_is_kept_and_a_second_import_changes_nothing(
    client, session, world
):
    admin = world.headers["admin"]
    content = sis_bundle(world.workshop_id)
    first = await post_school(client, admin, world.school_id, content)
    assert first.status_code == 200, first.text
    await session.rollback()
    kept = (
        await session.execute(
            text(
                "SELECT sourced_id, sis_username, sis_email, sis_phone, sis_user_ids, "
                "first_name_th, middle_name, last_name_th, preferred_given_name, "
                "role_sourced_id, role_begin_date::text, role_end_date::text "
                "FROM students WHERE student_code = 'A077'"
            )
        )
    ).one()
    assert tuple(kept) == (
        "academy:person:student-1",
        "kamol.s",
        "kamol@student.example",
        "+66-2-000-0000",
        "{sis:A-77},{ldap:kamol}",
        "กมล",  # the middle name is not folded into the given name ...
        "มิดเดิล",
        "สุขใจ",
        "มล",
        "sis-role-0001",
        "2026-05-16",
        "2027-03-31",
    )
    teacher = (
        await session.execute(
            text(
                "SELECT full_name_th, given_name, middle_name, family_name, "
                "preferred_family_name, email FROM users WHERE username = 'kru.suda'"
            )
        )
    ).one()
    # ... nor into the family name for teachers: the same rule, its own column.
    assert tuple(teacher) == ("สุดา กลาง ใจดี", "สุดา", "กลาง", "ใจดี", "ดี", "suda@school.example")
    enrolment = (
        await session.execute(
            text(
                "SELECT sourced_id, begin_date::text, end_date::text, is_primary FROM enrolments "
                "WHERE workshop_id = :w"
            ),
            {"w": world.workshop_id},
        )
    ).one()
    assert tuple(enrolment) == ("sis-enr-1", "2026-05-20", "2026-10-10", False)

    again = (await post_school(client, admin, world.school_id, content, dry_run="true")).json()
    assert again["rejected"] == []
    for outcome in ("created", "updated", "deactivated"):
        assert sum(again[outcome].values()) == 0, (outcome, again[outcome])


async def test_a_username_another_student_holds_is_rejected(client, session, world):
    await add_student(session, world.school_id, "Z9", last_name_th="มีแล้ว", sis_username="kamol.s")
    await session.commit()
    response = await post_school(
        client,
        world.headers["admin"],
        world.school_id,
        sis_bundle(world.workshop_id),
        dry_run="true",
    )
    rejected = [p for p in response.json()["rejected"] if p["file"] == "users.csv"]
    assert [p["field"] for p in rejected] == ["username"]
    assert "already belongs to another student (code Z9)" in rejected[0]["message"]


async def test_students_without_a_grade_take_the_default_grade_when_asked(client, session, world):
    no_grade = {**student("sis-g1", "G001", "ไม่มี", "ชั้น"), "grades": "", "password": "Secret.1"}
    files = {
        "manifest.csv": manifest("delta", "users", "roles"),
        "users.csv": csv("users.csv", no_grade),
        "roles.csv": csv("roles.csv", role("sis-g1", "T-0001")),
    }
    admin = world.headers["admin"]
    refused = await post_school(client, admin, world.school_id, zip_files(files), dry_run="true")
    rejected = refused.json()["rejected"]
    assert [p["field"] for p in rejected] == ["grades"] and "default_grade" in rejected[0][
        "message"
    ]

    bad = await post_school(client, admin, world.school_id, zip_files(files), default_grade="P9")
    assert bad.status_code == 400 and bad.json()["field"] == "default_grade"

    response = await post_school(
        client, admin, world.school_id, zip_files(files), default_grade="ม.2"
    )
    assert response.status_code == 200, response.text
    warnings = [w["message"] for w in response.json()["warnings"]]
    assert any("1 new students have no grade and were given M2" in m for m in warnings)
    # A password in users.csv is never read, and the report says so.
    assert any("never stored" in m for m in warnings)
    await session.rollback()
    grade = await session.execute(
        text("SELECT grade_level FROM students WHERE student_code = 'G001'")
    )
    assert grade.scalar_one() == "M2"


async def test_a_school_admin_cannot_move_another_schools_org_link(client, session, world):
    await session.execute(
        text("INSERT INTO oneroster_orgs (sourced_id, school_id) VALUES ('org-2', :s)"),
        {"s": world.other_school_id},
    )
    await session.commit()
    # The school admin says org-2 (linked to T-0002) is theirs: their run takes its rows...
    content = district_bundle(world.workshop_id)
    response = await post_school(
        client,
        world.headers["school_admin"],
        world.school_id,
        content,
        org_map="org-1=T-0001,org-2=T-0001",
    )
    assert response.status_code == 200, response.text
    # ... but T-0002's link stays where an admin put it.
    await session.rollback()
    links = dict(
        (await session.execute(text("SELECT sourced_id, school_id FROM oneroster_orgs"))).all()
    )
    assert links["org-2"] == world.other_school_id


async def test_a_district_bundle_may_be_as_large_as_the_upload_limit(client, world):
    # Over the 2 MB request limit, under the 20 MB upload limit: read (and found not a zip),
    # not refused at the door as a 413.
    content = b"x" * (3 * 1024 * 1024)
    for post in (
        post_district(client, world.headers["admin"], content, dry_run="true"),
        post_school(client, world.headers["admin"], world.school_id, content, dry_run="true"),
    ):
        response = await post
        assert response.status_code == 422, response.text[:200]
        assert "not a valid zip" in response.json()["detail"]


async def test_a_row_no_school_can_take_is_reported_once_in_a_district_import(client, world):
    users = csv(
        "users.csv",
        student("sis-a1", "A001", "กมล", "เหนือ"),
        student("sis-b1", "B001", "คณิน", "ใต้", "06"),
        student("sis-x1", "X001", "ไม่มี", "บทบาท"),  # no roles.csv row: no school
    )
    roles = csv("roles.csv", role("sis-a1", "org-1"), role("sis-b1", "org-2"))
    content = district_bundle(
        world.workshop_id,
        **{"users.csv": users, "roles.csv": roles, "enrollments.csv": csv("enrollments.csv")},
    )
    response = await post_district(
        client, world.headers["admin"], content, dry_run="true", org_map="org-1=T-0001"
    )
    report = response.json()
    assert [s["school"]["code"] for s in report["schools"]] == ["T-0001", "T-0002"]
    # Both schools' runs meet the row; it is one problem, once.
    assert [(p["file"], p["line"]) for p in report["rejected"]] == [("users.csv", 4)]
    assert report["rejected_rows"] == 1
