"""Import -> export -> import: nothing changes, nothing the SIS sent is lost.

Two bundles written for this test in the shape of the public ones in shared/fixtures (see its
SOURCES.md): a 1.2 delta bundle whose org is the SIS's own (`ORG_1`), with upper-case `TRUE`,
a student without a grade and ids that are not valid GUIDs; and a 1.1 bulk bundle with the
role and orgs in users.csv, usernames with spaces, userIds, phones and middle names, and
enrollments with dates.
"""

import csv
import io
import zipfile

import pytest

from tests.factories import ApiWorld
from tests.factories.people import add_student
from tests.oneroster.bundles import zip_files
from tests.oneroster.conformance import check_bundle
from tests.oneroster.sis_bundles import csv as csv_file
from tests.oneroster.sis_bundles import manifest

V1P1_USERS = (
    "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,"
    "givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password"
)


def v1p2_delta(workshop_id: int) -> bytes:
    """Like catalyst-v1p2-testdata: delta, the SIS's org id, `TRUE`, no grade."""
    stamp = "2023-10-02T00:00:00.000Z"
    users = [
        {
            "sourcedId": "academy:person:USER_0",
            "status": "active",
            "dateLastModified": stamp,
            "enabledUser": "TRUE",
            "username": "brucewayne",
            "givenName": "บรูซ",
            "familyName": "เวย์น",
            "identifier": "bruce.wayne",
            "userIds": "{SIS:U0}",
            "preferredGivenName": "แบท",
            "password": "Batman.Ru1ez",
        },
        {
            "sourcedId": "academy:person:TEACHER_1",
            "status": "active",
            "dateLastModified": stamp,
            "enabledUser": "TRUE",
            "username": "alfred",
            "givenName": "อัลเฟรด",
            "middleName": "แธดเดียส",
            "familyName": "เพนนีเวิร์ธ",
            "email": "alfred@gotham.example",
        },
    ]
    roles = [
        {
            "sourcedId": "ROLE_8",
            "status": "active",
            "dateLastModified": stamp,
            "userSourcedId": "academy:person:USER_0",
            "roleType": "primary",
            "role": "student",
            "beginDate": "2026-05-16",
            "endDate": "2027-03-31",
            "orgSourcedId": "ORG_1",
        },
        {
            "sourcedId": "ROLE_9",
            "userSourcedId": "academy:person:TEACHER_1",
            "roleType": "primary",
            "role": "teacher",
            "orgSourcedId": "ORG_1",
        },
    ]
    enrollments = [
        {
            "sourcedId": "ENROLLMENT_001",
            "status": "active",
            "dateLastModified": stamp,
            "classSourcedId": f"workshop-{workshop_id}",
            "schoolSourcedId": "ORG_1",
            "userSourcedId": "academy:person:USER_0",
            "role": "student",
            "primary": "false",
            "beginDate": "2026-05-20",
            "endDate": "2026-10-10",
        },
        {
            "sourcedId": "ENROLLMENT_002",
            "classSourcedId": "CLASS_001",
            "schoolSourcedId": "ORG_1",
            "userSourcedId": "academy:person:USER_0",
            "role": "student",
        },
    ]
    return zip_files(
        {
            "manifest.csv": manifest("delta", "orgs", "users", "roles", "enrollments", "classes"),
            "orgs.csv": csv_file(
                "orgs.csv", {"sourcedId": "ORG_1", "name": "Gotham High School", "type": "school"}
            ),
            "users.csv": csv_file("users.csv", *users),
            "roles.csv": csv_file("roles.csv", *roles),
            "classes.csv": csv_file(
                "classes.csv",
                {
                    "sourcedId": "CLASS_001",
                    "title": "Basic Detection",
                    "courseSourcedId": "COURSE_001",
                    "classType": "scheduled",
                    "schoolSourcedId": "ORG_1",
                    "termSourcedIds": "ACAD_SESS_1",
                },
            ),
            "enrollments.csv": csv_file("enrollments.csv", *enrollments),
        }
    )


def v1p1_bulk(workshop_id: int) -> bytes:
    """Like edfi-lms-toolkit-v1p1: 1.1, bulk, role and orgs in users.csv."""
    users = [
        "604863,,,true,T-0001,student,Mary Archer,{Local:863},Mary,Archer,,,"
        "Mary.Archer@studentgps.org,,(950) 336 6601,,09,",
        "604918,,,true,T-0001,student,Peter Ivan Nash,{Local:918},Peter,Nash,Ivan,,"
        "Peter.Nash@studentgps.org,,(950) 434 7904,,09,",
        "600001,,,true,T-0001,teacher,Stephen Caldwell,{Local:001},Stephen,Caldwell,J,,"
        "Stephen.Caldwell@gps.org,,,,,",
    ]
    enrollments = (
        "sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,"
        "primary,beginDate,endDate\r\n"
        f"6F4283DC-F831-4437-A9A3-E030C7AF0493,,,workshop-{workshop_id},T-0001,604863,student,"
        ",2026-05-16,2026-10-10\r\n"
        f"8622A96A-9287-4BAA-BD1F-3DB11A74524E,,,workshop-{workshop_id},T-0001,604918,student,"
        "false,2026-05-16,\r\n"
    )
    return zip_files(
        {
            "manifest.csv": "propertyName,value\r\nmanifest.version,1\r\noneroster.version,1.1\r\n"
            "file.orgs,bulk\r\nfile.users,bulk\r\nfile.enrollments,bulk\r\n",
            "orgs.csv": "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\r\n"
            "255901,,,Grand Bend ISD,district,,\r\n"
            "T-0001,,,Grand Bend High School,school,,255901\r\n",
            "users.csv": "\r\n".join([V1P1_USERS, *users]) + "\r\n",
            "enrollments.csv": enrollments,
        }
    )


def rows(content: bytes, name: str) -> dict[str, dict[str, str]]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        text = archive.read(name).decode("utf-8")
    return {r["sourcedId"]: r for r in csv.DictReader(io.StringIO(text, newline=""))}


@pytest.fixture
async def world(session):
    return await ApiWorld(session).build()


async def round_trip(client, world, content: bytes, **params: str) -> bytes:
    """Import `content`, export the school, check the export, import it back: no change."""
    admin = world.headers["admin"]
    url = f"/api/v1/schools/{world.school_id}/roster"
    files = {"file": ("bundle.zip", content, "application/zip")}
    first = await client.post(url, headers=admin, params=params, files=files)
    assert first.status_code == 200, first.text
    assert first.json()["applied"] is True
    exported = await client.get(
        "/api/v1/oneroster/export", headers=admin, params={"school": "T-0001"}
    )
    assert exported.status_code == 200, exported.text
    assert check_bundle(exported.content) == []
    files = {"file": ("export.zip", exported.content, "application/zip")}
    again = await client.post(url, headers=admin, params={"dry_run": "true"}, files=files)
    report = again.json()
    assert report["rejected"] == [], report["rejected"]
    for outcome in ("created", "updated", "deactivated"):
        assert sum(report[outcome].values()) == 0, (outcome, report[outcome])
    return exported.content


async def test_a_v1p2_delta_bundle_round_trips_with_every_sis_id_username_and_date(client, world):
    content = await round_trip(
        client, world, v1p2_delta(world.workshop_id), org_map="ORG_1=T-0001", default_grade="P5"
    )
    orgs = rows(content, "orgs.csv")
    # The school is exported under the SIS's org id; its code stays the identifier.
    assert orgs["ORG_1"]["identifier"] == "T-0001" and orgs["ORG_1"]["type"] == "school"
    users = rows(content, "users.csv")
    student = users["academy_person_USER_0.h" + _hash("academy:person:USER_0")]
    assert student["username"] == "brucewayne" and student["identifier"] == "bruce.wayne"
    assert student["userIds"] == "{SIS:U0}" and student["preferredGivenName"] == "แบท"
    assert student["enabledUser"] == "true" and student["password"] == ""
    teacher = users["academy_person_TEACHER_1.h" + _hash("academy:person:TEACHER_1")]
    assert (teacher["givenName"], teacher["middleName"], teacher["familyName"]) == (
        "อัลเฟรด",
        "แธดเดียส",
        "เพนนีเวิร์ธ",
    )
    assert teacher["username"] == "alfred" and teacher["email"] == "alfred@gotham.example"
    roles = rows(content, "roles.csv")
    assert (roles["ROLE_8"]["beginDate"], roles["ROLE_8"]["endDate"]) == (
        "2026-05-16",
        "2027-03-31",
    )
    assert roles["ROLE_8"]["orgSourcedId"] == "ORG_1" and "ROLE_9" in roles
    enrollment = rows(content, "enrollments.csv")["ENROLLMENT_001"]
    assert (enrollment["beginDate"], enrollment["endDate"], enrollment["primary"]) == (
        "2026-05-20",
        "2026-10-10",
        "false",
    )
    assert enrollment["classSourcedId"] == f"workshop-{world.workshop_id}"


async def test_a_v1p1_bulk_bundle_round_trips_as_1p2(client, world):
    content = await round_trip(client, world, v1p1_bulk(world.workshop_id))
    users = rows(content, "users.csv")
    assert users["604918"]["username"] == "Peter Ivan Nash"
    assert users["604918"]["middleName"] == "Ivan" and users["604918"]["givenName"] == "Peter"
    assert users["604918"]["phone"] == "(950) 434 7904"
    assert users["604918"]["email"] == "Peter.Nash@studentgps.org"
    assert users["604918"]["userIds"] == "{Local:918}"
    # The teacher signs in as a valid name, but the SIS's username goes back as it came.
    assert users["600001"]["username"] == "Stephen Caldwell"
    assert users["600001"]["middleName"] == "J"
    roles = {r["userSourcedId"]: r for r in rows(content, "roles.csv").values()}
    assert roles["600001"]["role"] == "teacher" and roles["604863"]["role"] == "student"
    enrollments = rows(content, "enrollments.csv")
    assert enrollments["6F4283DC-F831-4437-A9A3-E030C7AF0493"]["beginDate"] == "2026-05-16"
    assert enrollments["8622A96A-9287-4BAA-BD1F-3DB11A74524E"]["primary"] == "false"


def _hash(value: str) -> str:
    import hashlib

    return hashlib.sha256(value.encode()).hexdigest()[:8]


async def test_a_district_export_imports_back_into_its_schools_with_no_change(
    client, session, world
):
    # Two schools' SISes used the same id: the district export qualifies the second one.
    await add_student(session, world.school_id, "D1", last_name_th="ซ้ำ", sourced_id="dup-1")
    await add_student(session, world.other_school_id, "D1", last_name_th="ซ้ำ", sourced_id="dup-1")
    await session.commit()
    admin = world.headers["admin"]
    exported = await client.get(
        "/api/v1/oneroster/export", headers=admin, params={"district": "1001"}
    )
    assert exported.status_code == 200, exported.text
    assert check_bundle(exported.content) == []
    ids = set(rows(exported.content, "users.csv"))
    assert {"dup-1", "dup-1@T-0002"} <= ids
    response = await client.post(
        "/api/v1/oneroster/import",
        headers=admin,
        params={"dry_run": "true"},
        files={"file": ("district.zip", exported.content, "application/zip")},
    )
    report = response.json()
    assert report["rejected"] == [], report["rejected"]
    assert {m["school"]["code"] for m in report["org_mapping"]} == {"T-0001", "T-0002"}
    for outcome in ("created", "updated", "deactivated"):
        assert sum(report[outcome].values()) == 0, (outcome, report[outcome])
