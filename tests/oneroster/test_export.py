"""Roster export: a OneRoster 1.2 bundle of a school, a district or the city (bulk, or a
delta with `since`) that reads back in unchanged. Conformance: `test_conformance.py`."""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from app.oneroster import vocabulary as v
from tests.factories import ApiWorld, add_enrolment
from tests.oneroster.bundles import bundle_files, good_bundle, unzip, upload, zip_files

URL = "/api/v1/oneroster/export"


@pytest.fixture
async def world(session):
    return await ApiWorld(session).build()


def rows(files: dict[str, str], name: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(files[name], newline="")))


async def export(client, headers, school, **params) -> dict[str, str]:
    response = await client.get(URL, headers=headers, params={"school": school, **params})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    assert "oneroster-1.2_T-0001_" in response.headers["content-disposition"]
    assert int(response.headers["content-length"]) == len(response.content)
    return unzip(response.content)


async def test_export_is_a_oneroster_1_2_bulk_bundle(client, session, world):
    await add_enrolment(session, world.workshop_id, world.student_ids[0])
    await session.commit()
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
    s0 = users["student-T-0001-S0"]
    assert (s0["grades"], s0["identifier"], s0["username"]) == ("05", "S0", "t-0001.s0")
    teacher = users[f"user-{world.teacher_id}"]
    assert teacher["username"] == "teacher"
    # A one-word name: familyName is required, so it goes out as both.
    assert teacher["givenName"] == teacher["familyName"] == "ครู"
    # Bulk rows leave status and dateLastModified blank.
    assert {u["status"] for u in users.values()} == {u["dateLastModified"] for u in users.values()}
    assert {u["status"] for u in users.values()} == {""}
    roles = {r["userSourcedId"]: (r["role"], r["roleType"]) for r in rows(files, "roles.csv")}
    assert roles == {
        "student-T-0001-S0": ("student", "primary"),
        "student-T-0001-S1": ("student", "primary"),
        f"user-{world.teacher_id}": ("teacher", "primary"),
    }
    enrollments = {e["role"]: e for e in rows(files, "enrollments.csv")}
    host = enrollments["teacher"]
    assert (host["sourcedId"], host["primary"]) == (f"workshop-{world.workshop_id}-host", "true")
    assert enrollments["student"]["userSourcedId"] == "student-T-0001-S0"


async def test_a_school_without_workshops_declares_those_files_absent(client, world):
    response = await client.get(URL, headers=world.headers["admin"], params={"school": "T-0002"})
    files = unzip(response.content)
    assert set(files) == {"manifest.csv", "orgs.csv", "users.csv", "roles.csv"}
    manifest = {r["propertyName"]: r["value"] for r in rows(files, "manifest.csv")}
    for name in ("academicSessions", "courses", "classes", "enrollments"):
        assert manifest[f"file.{name}"] == "absent", name


async def test_good_bundle_round_trips_through_export_and_import_unchanged(client, session, world):
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
    sent_roles = {r["sourcedId"] for r in rows(bundle_files("good", workshop_id=1), "roles.csv")}
    assert sent_roles <= {r["sourcedId"] for r in rows(exported, "roles.csv")}

    again = await upload(client, headers, world.school_id, zip_files(dict(exported)))
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
    assert users["student-T-0001-S1"]["enabledUser"] == "false"
    content = zip_files(dict(files))
    report = (await upload(client, world.headers["admin"], world.school_id, content)).json()
    assert report["unchanged"]["students"] == 2 and report["deactivated"]["students"] == 0


async def test_export_is_recorded(client, session, world):
    await export(client, world.headers["department"], "T-0001")
    await session.rollback()
    event = (
        await session.execute(
            text(
                "SELECT actor_user_id, school_id, target_type, details FROM audit_events "
                "WHERE action = 'roster.export'"
            )
        )
    ).one()
    assert event.actor_user_id == world.users["department"]
    assert (event.school_id, event.target_type) == (world.school_id, "school")
    assert event.details["rows"]["users.csv"] == 3 and event.details["bytes"] > 0
    assert event.details["rows"]["enrollments.csv"] == 1  # the host teacher


async def test_export_passes_the_importers_row_checks(client, world):
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


# -- a district, the city, a delta ------------------------------------------------------


async def test_district_and_city_bundles_hold_every_school(client, session, world):
    for params in ({"district": "1001"}, {"scope": "city"}):
        response = await client.get(URL, headers=world.headers["department"], params=params)
        assert response.status_code == 200, response.text
        files = unzip(response.content)
        schools = {o["identifier"] for o in rows(files, "orgs.csv") if o["type"] == "school"}
        assert schools == {"T-0001", "T-0002"}, params
        users = {u["identifier"] for u in rows(files, "users.csv") if u["identifier"]}
        assert users == {"S0", "S1", "X1"}, params
    disposition = response.headers["content-disposition"]
    assert "oneroster-1.2_city_" in disposition
    await session.rollback()
    logged = (
        await session.execute(
            text(
                "SELECT school_ids, scope FROM personal_data_reads "
                "WHERE action = 'export.oneroster' ORDER BY id"
            )
        )
    ).all()
    assert [sorted(r.school_ids) for r in logged] == [
        sorted([world.school_id, world.other_school_id])
    ] * 2
    assert [r.scope.get("district") or r.scope.get("scope") for r in logged] == ["1001", "city"]


async def test_a_delta_holds_what_changed_after_since_with_status(client, session, world):
    before = datetime(2026, 1, 1, tzinfo=UTC)
    await add_enrolment(
        session,
        world.workshop_id,
        world.student_ids[1],
        status="withdrawn",
        at=before - timedelta(days=30),
        withdrawn_at=before + timedelta(days=30),
    )
    await session.execute(
        text("UPDATE students SET status = 'inactive' WHERE id = :id"),
        {"id": world.student_ids[0]},
    )
    await session.commit()
    files = await export(client, world.headers["admin"], "T-0001", since="2026-01-01T00:00:00Z")
    manifest = {r["propertyName"]: r["value"] for r in rows(files, "manifest.csv")}
    assert manifest["file.enrollments"] == manifest["file.users"] == "delta"
    (withdrawn,) = [e for e in rows(files, "enrollments.csv") if e["role"] == "student"]
    assert (withdrawn["status"], withdrawn["userSourcedId"]) == (
        "tobedeleted",
        "student-T-0001-S1",
    )
    assert withdrawn["dateLastModified"] == "2026-01-31T00:00:00.000Z"
    users = {u["sourcedId"]: u for u in rows(files, "users.csv")}
    inactive = users["student-T-0001-S0"]
    assert (inactive["status"], inactive["enabledUser"]) == ("active", "false")

    # Nothing changed after now: only the manifest, every file absent.
    later = datetime.now(UTC) + timedelta(days=1)
    response = await client.get(
        URL, headers=world.headers["admin"], params={"school": "T-0001", "since": later.isoformat()}
    )
    files = unzip(response.content)
    assert set(files) == {"manifest.csv"}
    manifest = {r["propertyName"]: r["value"] for r in rows(files, "manifest.csv")}
    assert {value for key, value in manifest.items() if key.startswith("file.")} == {"absent"}
    assert response.headers["content-disposition"].endswith('_delta.zip"')


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({}, "school"),
        ({"school": "T-0001", "district": "1001"}, "district"),
        ({"district": "1001", "scope": "city"}, "scope"),
        ({"scope": "town"}, "scope"),
        ({"school": "T-0001", "since": "yesterday"}, "since"),
        ({"school": "T-0001", "since": "9999-12-31T00:00:00Z"}, "since"),
        ({"school": "T-0001", "since": "0001-01-01"}, "since"),
    ],
)
async def test_a_wrong_request_is_400_naming_the_parameter(client, world, params, parameter):
    response = await client.get(URL, headers=world.headers["admin"], params=params)
    assert response.status_code == 400, response.text
    body = response.json()
    assert response.headers["content-type"] == "application/problem+json"
    assert [e["pointer"] for e in body["errors"]] == [f"/query/{parameter}"]


async def test_a_school_admin_exports_only_their_own_school(client, world):
    headers = world.headers["school_admin"]
    for params, status in (
        ({"school": "T-0001"}, 200),
        ({"school": "T-0002"}, 404),
        ({"district": "1001"}, 403),
        ({"scope": "city"}, 403),
    ):
        response = await client.get(URL, headers=headers, params=params)
        assert response.status_code == status, params
    unknown = await client.get(URL, headers=world.headers["admin"], params={"district": "9999"})
    assert unknown.status_code == 404
