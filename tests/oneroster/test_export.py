"""Roster export: a OneRoster 1.2 bulk bundle that reads back in unchanged."""

import csv
import io

import pytest
from sqlalchemy import text

from app.oneroster import vocabulary as v
from tests.factories import ApiWorld
from tests.oneroster.bundles import bundle_files, good_bundle, unzip, upload, zip_files

URL = "/api/v1/oneroster/export"


@pytest.fixture
async def world(session):
    return await ApiWorld(session).build()


def rows(files: dict[str, str], name: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(files[name], newline="")))


async def export(client, headers, school) -> dict[str, str]:
    response = await client.get(URL, headers=headers, params={"school": school})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    assert "oneroster-1.2_T-0001_" in response.headers["content-disposition"]
    return unzip(response.content)


async def test_export_is_a_oneroster_1_2_bulk_bundle(client, world):
    files = await export(client, world.headers["admin"], world.school_id)
    assert set(files) == {"manifest.csv", *v.EXPORT_FILES}
    manifest = {r["propertyName"]: r["value"] for r in rows(files, "manifest.csv")}
    assert manifest["oneroster.version"] == "1.2" and manifest["manifest.version"] == "1.0"
    assert manifest["file.users"] == "bulk" and manifest["file.demographics"] == "absent"
    for name in v.EXPORT_FILES:
        header = next(csv.reader(io.StringIO(files[name])))
        # The spec's columns in the spec's order; extensions only as metadata.* at the end.
        assert header[: len(v.COLUMNS[name])] == list(v.COLUMNS[name])
        assert all(h.startswith("metadata.") for h in header[len(v.COLUMNS[name]) :])
        assert files[name].endswith("\r\n") and not files[name].startswith("\ufeff")
    district, school = rows(files, "orgs.csv")
    assert (district["sourcedId"], district["type"], district["identifier"]) == (
        "district-1001",
        "district",
        "1001",
    )
    assert (school["sourcedId"], school["type"], school["parentSourcedId"]) == (
        "T-0001",
        "school",
        "district-1001",
    )
    (session_row,) = rows(files, "academicSessions.csv")
    assert session_row["sourcedId"] == "term-2569-1" and session_row["type"] == "term"
    assert session_row["schoolYear"] == "2027"
    assert (session_row["startDate"], session_row["endDate"]) == ("2026-05-16", "2026-10-10")
    (klass,) = rows(files, "classes.csv")
    assert klass["sourcedId"] == f"workshop-{world.workshop_id}"
    assert (klass["location"], klass["courseSourcedId"], klass["termSourcedIds"]) == (
        "LAB-1",
        "T101",
        "term-2569-1",
    )
    assert klass["classType"] == "scheduled" and klass["grades"] == "05"
    users = {u["sourcedId"]: u for u in rows(files, "users.csv")}
    assert users["student-S0"]["grades"] == "05" and users["student-S0"]["identifier"] == "S0"
    assert users[f"user-{world.teacher_id}"]["username"] == "teacher"
    # Bulk rows leave status and dateLastModified blank.
    assert {u["status"] for u in users.values()} == {""}
    roles = {r["userSourcedId"]: r["role"] for r in rows(files, "roles.csv")}
    assert roles == {
        "student-S0": "student",
        "student-S1": "student",
        f"user-{world.teacher_id}": "teacher",
    }
    (host,) = rows(files, "enrollments.csv")
    assert (host["role"], host["primary"]) == ("teacher", "true")


async def test_good_bundle_round_trips_through_export_and_import_unchanged(client, world):
    headers = world.headers["school_admin"]
    imported = await upload(client, headers, world.school_id, good_bundle(world.workshop_id))
    assert imported.status_code == 200, imported.text

    exported = await export(client, headers, "T-0001")
    sent = {u["sourcedId"]: u for u in rows(bundle_files("good", workshop_id=1), "users.csv")}
    back = {u["sourcedId"]: u for u in rows(exported, "users.csv")}
    fields = (
        "givenName",
        "familyName",
        "identifier",
        "grades",
        "email",
        "username",
        "metadata.givenNameEn",
        "metadata.familyNameEn",
    )
    for sourced_id, row in sent.items():
        for name in fields:
            if row[name]:
                assert back[sourced_id][name] == row[name], (sourced_id, name)
    enrolled = {
        e["userSourcedId"] for e in rows(exported, "enrollments.csv") if e["role"] == "student"
    }
    assert enrolled == {"stu-1001", "stu-1002"}

    again = await upload(client, headers, world.school_id, _zip(exported))
    assert again.status_code == 200, again.text
    report = again.json()
    zero = {k: 0 for k in report["created"]}
    assert report["created"] == report["updated"] == report["deactivated"] == zero
    assert report["skipped"] == zero and report["rejected"] == [] and report["warnings"] == []
    assert report["unchanged"] == {
        "orgs": 2,
        "academicSessions": 1,
        "courses": 1,
        "classes": 1,
        "students": 4,
        "teachers": 2,
        "enrollments": 3,
    }


async def test_inactive_students_are_exported_disabled_and_read_back_unchanged(
    client, session, world
):
    await session.execute(
        text("UPDATE students SET status = 'graduated' WHERE id = :id"),
        {"id": world.student_ids[1]},
    )
    await session.commit()
    files = await export(client, world.headers["admin"], str(world.school_id))
    users = {u["sourcedId"]: u for u in rows(files, "users.csv")}
    assert users["student-S1"]["enabledUser"] == "false"
    report = (await upload(client, world.headers["admin"], world.school_id, _zip(files))).json()
    assert report["unchanged"]["students"] == 2 and report["deactivated"]["students"] == 0


async def test_export_is_recorded(client, session, world):
    await export(client, world.headers["department"], "T-0001")
    await session.rollback()
    event = (
        await session.execute(
            text(
                "SELECT actor_user_id, school_id, details FROM audit_events "
                "WHERE action = 'roster.export'"
            )
        )
    ).one()
    assert event.actor_user_id == world.users["department"]
    assert event.details["rows"]["users.csv"] == 3 and event.details["bytes"] > 0


def _zip(files: dict[str, str]) -> bytes:
    return zip_files(dict(files))


async def test_export_passes_the_row_checks_and_every_reference_resolves(client, world):
    from app.oneroster.parsing import RawFile, read_csv
    from app.oneroster.validation import Reporter, check_file

    await upload(client, world.headers["admin"], world.school_id, good_bundle(world.workshop_id))
    files = await export(client, world.headers["admin"], "T-0001")
    reporter = Reporter()
    for name in v.EXPORT_FILES:
        parsed = read_csv(
            RawFile(name, name, files[name].encode()), v.READ_COLUMNS[name], reporter.problems
        )
        assert len(check_file(parsed, reporter)) == len(parsed.rows) > 0, name
    assert reporter.problems == []

    ids = {name: {r["sourcedId"] for r in rows(files, name)} for name in v.EXPORT_FILES}
    refs = [
        ("orgs.csv", "parentSourcedId", "orgs.csv"),
        ("courses.csv", "orgSourcedId", "orgs.csv"),
        ("classes.csv", "courseSourcedId", "courses.csv"),
        ("classes.csv", "schoolSourcedId", "orgs.csv"),
        ("classes.csv", "termSourcedIds", "academicSessions.csv"),
        ("users.csv", "primaryOrgSourcedId", "orgs.csv"),
        ("roles.csv", "userSourcedId", "users.csv"),
        ("roles.csv", "orgSourcedId", "orgs.csv"),
        ("enrollments.csv", "classSourcedId", "classes.csv"),
        ("enrollments.csv", "schoolSourcedId", "orgs.csv"),
        ("enrollments.csv", "userSourcedId", "users.csv"),
    ]
    for name, column, target in refs:
        for row in rows(files, name):
            for value in v.split_list(row[column]):
                assert value in ids[target], (name, column, value)
    # Every sourcedId is unique within its file.
    for name in v.EXPORT_FILES:
        assert len(ids[name]) == len(rows(files, name)), name
