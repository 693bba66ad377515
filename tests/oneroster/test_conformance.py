"""Acceptance 1 of issue 15: every school's export, a district's and the city's pass the
OneRoster 1.2 conformance rules (`tests.oneroster.conformance`); and the checker catches each
kind of violation, so a pass means something."""

import csv
import io
import zipfile
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import text

from app.oneroster import vocabulary as v
from tests.factories import ApiWorld, add_enrolment, add_student, add_user
from tests.factories.catalogue import add_room, add_school
from tests.factories.sql import insert
from tests.factories.workshops import add_workshop
from tests.oneroster.bundles import unzip
from tests.oneroster.conformance import check_bundle

URL = "/api/v1/oneroster/export"
SIS_STUDENT = "academy:person:person-student-1"
OLD = datetime(2025, 12, 1, tzinfo=UTC)
SINCE = datetime(2026, 1, 1, tzinfo=UTC)
NEW = datetime(2026, 6, 1, tzinfo=UTC)


@pytest.fixture
async def city(session):
    """Three schools in two districts: T-0001 (linked to the SIS org `org-1`) with workshops,
    an SIS-imported student, a withdrawn enrolment, a graduated student and a student of
    T-0002 in its workshop open to all; T-0002 with no workshops and an SIS id that T-0001
    uses too; T-0003, in another district, with nothing but one student."""
    w = await ApiWorld(session).build()
    s = session
    await s.execute(
        text("INSERT INTO oneroster_orgs (sourced_id, school_id, name) VALUES ('org-1', :s, 'N')"),
        {"s": w.school_id},
    )
    w.sis_student_id = await add_student(
        s,
        w.school_id,
        "1001",
        last_name_th="นำเข้า",
        sourced_id=SIS_STUDENT,
        sis_username="p.student1",
        sis_email="p1@academy.example",
        sis_user_ids="{ldap:p1},{sis:1001}",
        middle_name="กลาง",
        preferred_given_name="พี",
        role_sourced_id="academy:role:1",
        role_begin_date=date(2026, 5, 1),
        at=OLD,
    )
    await s.execute(
        text("UPDATE students SET sourced_id = 'sis-1' WHERE id = :id"), {"id": w.student_ids[1]}
    )
    await s.execute(
        text("UPDATE students SET status = 'graduated' WHERE id = :id"),
        {"id": w.student_ids[0]},
    )
    await add_student(s, w.other_school_id, "X2", last_name_th="ซ้ำ", sourced_id="sis-1")
    await add_user(
        s,
        "sis.teacher",
        "teacher",
        full_name_th="สมชาย ใจดี",
        school_id=w.school_id,
        sourced_id="ครู:๑",
        given_name="สมชาย",
        family_name="ใจดี",
        middle_name="ก.",
    )
    open_workshop = await add_workshop(s, w, capacity=10)
    await s.execute(
        text("UPDATE workshops SET open_to_all_schools = true WHERE id = :id"),
        {"id": open_workshop},
    )
    await add_enrolment(s, w.workshop_id, w.sis_student_id)
    await s.execute(
        text(
            "UPDATE enrolments SET sourced_id = 'academy:enr:1', begin_date = '2026-05-16', "
            "end_date = '2026-10-10', is_primary = false WHERE student_id = :id"
        ),
        {"id": w.sis_student_id},
    )
    await add_enrolment(
        s, open_workshop, w.student_ids[1], at=OLD, withdrawn_at=NEW, status="withdrawn"
    )
    await add_enrolment(s, open_workshop, w.other_student_id)
    cancelled = await add_workshop(s, w, capacity=5)
    await s.execute(
        text("UPDATE workshops SET status = 'cancelled' WHERE id = :id"), {"id": cancelled}
    )
    district = await insert(s, "districts", code="1002", name_th="ดุสิต", name_en="Dusit")
    w.third_school_id = await add_school(s, district, "T-0003", "โรงเรียนสาม", "Third School")
    await add_room(s, w.third_school_id, code="LAB-3")
    await add_student(s, w.third_school_id, "Y1", last_name_th="สาม", grade_level="M1")
    await s.commit()
    w.open_workshop_id, w.cancelled_workshop_id = open_workshop, cancelled
    return w


async def export(client, headers, **params) -> bytes:
    response = await client.get(URL, headers=headers, params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    return response.content


def table(files: dict[str, str], name: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(files[name], newline="")))


def assert_conforms(content: bytes) -> None:
    violations = check_bundle(content)
    assert violations == [], "\n".join(map(str, violations))


async def test_every_schools_export_conforms(client, city):
    for code in ("T-0001", "T-0002", "T-0003"):
        content = await export(client, city.headers["admin"], school=code)
        assert_conforms(content)
    # T-0003 has no workshops: only orgs, users and roles, the rest declared absent.
    files = unzip(content)
    assert set(files) == {"manifest.csv", "orgs.csv", "users.csv", "roles.csv"}
    manifest = dict(r.values() for r in table(files, "manifest.csv"))
    assert manifest["file.classes"] == manifest["file.enrollments"] == "absent"
    assert manifest["file.users"] == "bulk"


async def test_a_school_with_an_sis_keeps_its_ids_mapped_to_valid_guids(client, city):
    files = unzip(await export(client, city.headers["admin"], school="T-0001"))
    users = {u["identifier"] or u["username"]: u for u in table(files, "users.csv")}
    sis = users["1001"]
    assert (
        sis["sourcedId"]
        == v.guid_safe(SIS_STUDENT)
        == "academy_person_person-student-1.h" + (v.guid_safe(SIS_STUDENT).rsplit(".h", 1)[1])
    )
    assert (sis["username"], sis["email"], sis["userIds"]) == (
        "p.student1",
        "p1@academy.example",
        "{ldap:p1},{sis:1001}",
    )
    assert (sis["middleName"], sis["preferredGivenName"]) == ("กลาง", "พี")
    assert sis["primaryOrgSourcedId"] == "org-1"
    # Students the SIS gave no username get one from the school and student codes.
    assert users["S1"]["username"] == "t-0001.s1"
    assert users["S0"]["enabledUser"] == "false"
    teacher = users["sis.teacher"]
    assert (teacher["givenName"], teacher["middleName"], teacher["familyName"]) == (
        "สมชาย",
        "ก.",
        "ใจดี",
    )
    assert teacher["sourcedId"] == v.guid_safe("ครู:๑")
    roles = {r["userSourcedId"]: r for r in table(files, "roles.csv")}
    assert roles[sis["sourcedId"]]["sourcedId"] == v.guid_safe("academy:role:1")
    assert roles[sis["sourcedId"]]["beginDate"] == "2026-05-01"
    assert {r["orgSourcedId"] for r in roles.values()} == {"org-1"}
    (enrolment,) = [
        e for e in table(files, "enrollments.csv") if e["userSourcedId"] == sis["sourcedId"]
    ]
    assert enrolment["sourcedId"] == v.guid_safe("academy:enr:1")
    assert (enrolment["beginDate"], enrolment["endDate"], enrolment["primary"]) == (
        "2026-05-16",
        "2026-10-10",
        "false",
    )
    orgs = {o["type"]: o for o in table(files, "orgs.csv")}
    assert (orgs["school"]["sourcedId"], orgs["school"]["identifier"]) == ("org-1", "T-0001")
    # The withdrawn enrolment, the cancelled workshop and the other school's student are out.
    classes = {c["sourcedId"] for c in table(files, "classes.csv")}
    assert f"workshop-{city.cancelled_workshop_id}" not in classes
    assert {e["userSourcedId"] for e in table(files, "enrollments.csv")} <= {
        u["sourcedId"] for u in users.values()
    }


async def test_district_and_city_exports_conform_with_unique_ids(client, city):
    district = await export(client, city.headers["department"], district="1001")
    assert_conforms(district)
    files = unzip(district)
    users = table(files, "users.csv")
    assert {u["primaryOrgSourcedId"] for u in users} == {"org-1", "T-0002"}
    # Both schools' SIS used sis-1: the second keeps it qualified by its school.
    assert {u["sourcedId"] for u in users if u["identifier"] in {"S1", "X2"}} == {
        "sis-1",
        "sis-1@T-0002",
    }
    # The other school's student in the open workshop is in a district bundle.
    open_class = f"workshop-{city.open_workshop_id}"
    enrolled = [e for e in table(files, "enrollments.csv") if e["classSourcedId"] == open_class]
    assert len(enrolled) == 2  # the host and T-0002's student; the withdrawn one is out

    everything = await export(client, city.headers["admin"], scope="city")
    assert_conforms(everything)
    files = unzip(everything)
    assert {o["identifier"] for o in table(files, "orgs.csv")} == {
        "1001",
        "1002",
        "T-0001",
        "T-0002",
        "T-0003",
    }
    response = await client.get(URL, headers=city.headers["admin"], params={"scope": "city"})
    assert "oneroster-1.2_city_" in response.headers["content-disposition"]


async def test_a_delta_export_conforms_and_says_what_was_removed(client, city):
    content = await export(client, city.headers["admin"], school="T-0001", since=SINCE.isoformat())
    assert_conforms(content)
    files = unzip(content)
    manifest = dict(r.values() for r in table(files, "manifest.csv"))
    assert manifest["file.enrollments"] == "delta"
    enrollments = {e["sourcedId"]: e for e in table(files, "enrollments.csv")}
    withdrawn = [e for e in enrollments.values() if e["status"] == "tobedeleted"]
    assert {e["classSourcedId"] for e in withdrawn} >= {f"workshop-{city.open_workshop_id}"}
    assert all(e["dateLastModified"].endswith("Z") for e in enrollments.values())
    # The SIS student was last changed before `since`: not in the delta.
    identifiers = {u["identifier"] for u in table(files, "users.csv")}
    assert "1001" not in identifiers and "S1" in identifiers
    classes = {c["sourcedId"]: c["status"] for c in table(files, "classes.csv")}
    assert classes[f"workshop-{city.cancelled_workshop_id}"] == "tobedeleted"


# -- the checker catches each kind of violation -------------------------------------------


@pytest.fixture
async def good(client, city) -> dict[str, str]:
    files = unzip(await export(client, city.headers["admin"], school="T-0001"))
    assert_conforms(rezip(files))
    return files


def rezip(files: dict[str, str | bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def edit(files: dict[str, str], name: str, column: str, value: str, row: int = 0) -> bytes:
    rows = table(files, name)
    header = list(rows[0])
    rows[row][column] = value
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, header, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return rezip({**files, name: out.getvalue()})


def with_manifest(files: dict[str, str], **modes: str) -> dict[str, str]:
    lines = []
    for line in files["manifest.csv"].splitlines():
        key = line.split(",", 1)[0]
        stem = key.removeprefix("file.")
        lines.append(f"{key},{modes[stem]}" if key.startswith("file.") and stem in modes else line)
    return {**files, "manifest.csv": "\r\n".join(lines) + "\r\n"}


def rules(content: bytes) -> set[str]:
    return {violation.rule for violation in check_bundle(content)}


def without(files: dict[str, str], name: str) -> dict[str, str]:
    return {k: val for k, val in files.items() if k != name}


async def test_the_checker_catches_each_kind_of_violation(good):
    files = good
    users, orgs = "users.csv", "orgs.csv"
    header_only = files["courses.csv"].split("\r\n", 1)[0] + "\r\n"
    swapped = files[orgs].replace("sourcedId,status", "status,sourcedId", 1)
    cases = {
        "zip": b"not a zip",
        "manifest": rezip({**files, "manifest.csv": files["manifest.csv"].replace("1.2", "1.1")}),
        "declared-missing": rezip(without(files, "courses.csv")),
        "declared-empty": rezip({**files, "courses.csv": header_only}),
        "undeclared": rezip(with_manifest(files, courses="absent")),
        "encoding": rezip({**files, orgs: "\ufeff" + files[orgs]}),
        "header": rezip({**files, orgs: swapped}),
        "row-length": rezip({**files, orgs: files[orgs] + "x,,\r\n"}),
        "required": edit(files, users, "username", ""),
        "bulk-lifecycle": edit(files, users, "status", "active"),
        "delta-lifecycle": rezip(with_manifest(files, users="delta", roles="delta")),
        "guid": edit(files, users, "sourcedId", "academy:person:1"),
        "duplicate": edit(files, orgs, "sourcedId", table(files, orgs)[0]["sourcedId"], row=1),
        "reference": edit(files, "roles.csv", "userSourcedId", "nobody"),
        "date": edit(files, "academicSessions.csv", "startDate", "16/05/2026"),
        "datetime": edit(files, users, "dateLastModified", "2026-12-04 01:00:00"),
        "boolean": edit(files, users, "enabledUser", "TRUE"),
        "year": edit(files, "academicSessions.csv", "schoolYear", "2569/70"),
        "vocabulary": edit(files, "roles.csv", "role", "administrator"),
        "list": edit(files, "classes.csv", "grades", "05,"),
        "role-missing": rezip(
            {
                **files,
                "roles.csv": files["roles.csv"].split("\r\n", 1)[0]
                + "\r\n"
                + "\r\n".join(files["roles.csv"].split("\r\n")[2:]),
            }
        ),
    }
    for rule, content in cases.items():
        assert rule in rules(content), rule
    # A school reference to a district, and an enrollment at another school than its class.
    district = table(files, orgs)[0]["sourcedId"]
    assert "reference" in rules(edit(files, "classes.csv", "schoolSourcedId", district))
    assert "reference" in rules(edit(files, "enrollments.csv", "schoolSourcedId", district))
