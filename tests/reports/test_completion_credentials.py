"""Credentials in the completion report, against hand counts on top of `ProgressWorld`.

Credentials (C1..C6), each at the student's school when issued:
  C1  A T101, 15 June 2026, T-0001                      valid
  C2  G T101, 15 June 2026, T-0003                      revoked 1 July
  C3  G T101, 15 June 2026, T-0003 (re-issued)          valid
  C4  A T202, 1 Dec 2025 (term 2568-2), T-0001          expired 31 March 2026
  C5  B T101, 15 June 2026, T-0001                      revoked (its completion was revoked)
  C6  V T101, 20 June 2026, T-0003                      valid
V is a T-0003 student who finished T101 in W1 at T-0001 (so W1 has one more unit here): the
course completion counts for the host school (courses_completed), the credential for V's own
school.

Hand counts, term 2569-1 (issued, revoked, valid):
  T-0001 (1001)  2, 1, 1   (C1, C5)      courses_completed 2 (A, V)
  T-0003 (1002)  3, 1, 2   (C2, C3, C6)  courses_completed 1 (G)
  T101           5, 2, 3;  T202 0, 0, 0
  totals         5, 2, 3                 courses_completed 3
Without a term: T-0001 3, 1, 1 (C4 is expired, so neither revoked nor valid); totals 6, 2, 3.
"""

import csv
import io
from datetime import date

import pytest

from tests.factories import (
    ApiWorld,
    add_completion,
    add_course_completion,
    add_enrolment,
    add_student,
    at,
)
from tests.factories.credentials import add_credential
from tests.factories.progress import ProgressWorld
from tests.factories.sql import count_rows
from tests.reports.test_completion_report import report

URL = "/api/v1/reports/completion"
CREDENTIALS = ("credentials_issued", "credentials_revoked", "credentials_valid")


async def course_completion(session, student_id: int, course_id: int) -> int:
    return await count_rows(
        session,
        "SELECT id FROM course_completions WHERE student_id = :s AND course_id = :c",
        s=student_id,
        c=course_id,
    )


@pytest.fixture
async def progress(session):
    progress = await ProgressWorld(await ApiWorld(session).build()).build()
    w, st = progress.world, progress.students
    t101, t202 = w.course_id, progress.course2_id
    visitor = await add_student(session, progress.school3_id, "P-V", last_name_th="ผู้มาเยือน")
    await add_enrolment(session, w.workshop_id, visitor, status="completed")
    await add_completion(session, w.workshop_id, visitor, attendance_rate=1)
    v_t101 = await add_course_completion(session, visitor, t101, completed_on=date(2026, 6, 20))
    a_t101 = await course_completion(session, st["A"], t101)
    g_t101 = await course_completion(session, st["G"], t101)
    await add_credential(session, a_t101)
    await add_credential(session, g_t101, revoked_at=at(date(2026, 7, 1), 10))
    await add_credential(session, g_t101)
    await add_credential(
        session,
        await course_completion(session, st["A"], t202),
        issued_at=at(date(2025, 12, 2)),
        valid_until=at(date(2026, 3, 31)),
    )
    await add_credential(
        session,
        await course_completion(session, st["B"], t101),
        revoked_at=at(date(2026, 6, 20), 9),
        revocation_reason="course completion revoked",
    )
    await add_credential(session, v_t101)
    await session.commit()
    return progress


async def credential_for_h(session, progress, day: date, **values) -> None:
    """H (T-0003) is credited T101 on `day` (a course completion of no finished module, so
    courses_completed does not count it) and awarded its credential."""
    completion = await add_course_completion(
        session, progress.students["H"], progress.world.course_id, completed_on=day
    )
    await add_credential(session, completion, **values)
    await session.commit()


def credentials(item: dict) -> tuple:
    return tuple(item[name] for name in CREDENTIALS)


async def test_credentials_count_per_school_at_the_students_school(client, progress):
    body = await report(client, progress, term="2569-1", group_by="school")
    rows = {item["code"]: item for item in body["items"]}
    assert credentials(rows["T-0001"]) == (2, 1, 1)
    assert credentials(rows["T-0003"]) == (3, 1, 2)
    # V's course counts where it was finished, V's credential at V's own school.
    assert (rows["T-0001"]["courses_completed"], rows["T-0003"]["courses_completed"]) == (2, 1)
    assert credentials(body["totals"]) == (5, 2, 3)
    assert body["totals"]["courses_completed"] == 3


async def test_credentials_count_per_district_course_and_pillar(client, progress):
    by_district = await report(client, progress, term="2569-1", group_by="district")
    rows = {item["code"]: item for item in by_district["items"]}
    assert (credentials(rows["1001"]), credentials(rows["1002"])) == ((2, 1, 1), (3, 1, 2))
    by_course = await report(client, progress, term="2569-1", group_by="course")
    rows = {item["code"]: item for item in by_course["items"]}
    assert (credentials(rows["T101"]), credentials(rows["T202"])) == ((5, 2, 3), (0, 0, 0))
    by_pillar = await report(client, progress, term="2569-1", group_by="pillar")
    rows = {item["code"]: item for item in by_pillar["items"]}
    assert credentials(rows["smart_people"]) == (5, 2, 3)


async def test_per_module_credentials_are_only_in_the_totals(client, progress):
    body = await report(client, progress, term="2569-1", group_by="module")
    assert {credentials(item) for item in body["items"]} == {(None, None, None)}
    assert credentials(body["totals"]) == (5, 2, 3)


async def test_without_a_term_every_credential_counts_and_an_expired_one_is_not_valid(
    client, progress
):
    body = await report(client, progress, group_by="school")
    rows = {item["code"]: item for item in body["items"]}
    assert credentials(rows["T-0001"]) == (3, 1, 1)
    assert credentials(body["totals"]) == (6, 2, 3)


async def test_a_credentials_term_is_the_span_of_its_award_day(client, progress, session):
    # Awarded inside 2569-1 yet stamped with another term: the day decides, as for courses.
    other_term = await count_rows(session, "SELECT id FROM academic_terms WHERE term = 2")
    await credential_for_h(session, progress, date(2026, 7, 1), term_id=other_term)
    body = await report(client, progress, term="2569-1", group_by="school")
    assert credentials(body["totals"]) == (6, 2, 4)
    body = await report(client, progress, term="2568-2", group_by="school")
    assert credentials(body["totals"]) == (1, 0, 0)


async def test_a_school_admin_sees_only_their_schools_credentials(client, progress):
    body = await report(client, progress, role="school_admin", term="2569-1", group_by="course")
    [t101] = [item for item in body["items"] if item["code"] == "T101"]
    assert credentials(t101) == (2, 1, 1)
    assert credentials(body["totals"]) == (2, 1, 1)
    other = await report(client, progress, role="other_school_admin", term="2569-1")
    assert other["items"] == []
    assert credentials(other["totals"]) == (0, 0, 0)
    department = await report(client, progress, term="2569-1", school="T-0003")
    assert credentials(department["totals"]) == (3, 1, 2)


async def test_per_term_rows_label_the_term_and_hold_every_figure(client, progress, session):
    # A credential awarded between two terms (1 April to 15 May 2026) has a row of its own.
    await credential_for_h(session, progress, date(2026, 4, 20))
    body = await report(client, progress, group_by="term")
    rows = {item["code"]: item for item in body["items"]}
    assert list(rows) == ["2568-T2", "2569-T1", "NONE"]
    assert (rows["2569-T1"]["name_th"], rows["2569-T1"]["name_en"]) == (
        "ภาคเรียนที่ 1/2569",
        "Term 1, 2569",
    )
    term1, term2, none = rows["2569-T1"], rows["2568-T2"], rows["NONE"]
    assert (term1["started"], term1["completed"], term1["courses_completed"]) == (8, 4, 3)
    assert credentials(term1) == (5, 2, 3)
    assert (term2["started"], term2["completed"], term2["courses_completed"]) == (1, 1, 1)
    assert credentials(term2) == (1, 0, 0)
    assert (none["group_id"], none["name_en"], none["started"]) == (None, "Outside any term", 0)
    assert none["courses_completed"] == 0
    assert credentials(none) == (1, 0, 1)
    assert credentials(body["totals"]) == (7, 2, 4)
    assert body["totals"]["started"] == 9


async def test_csv_carries_the_credential_columns(client, progress):
    response = await client.get(
        URL,
        params={"term": "2569-1", "group_by": "school", "format": "csv"},
        headers=progress.world.headers["department"],
    )
    assert response.status_code == 200
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][-4:] == ["courses_completed", *CREDENTIALS]
    by_code = {r[1]: r[-3:] for r in rows[1:]}
    assert by_code == {
        "T-0001": ["2", "1", "1"],
        "T-0003": ["3", "1", "2"],
        "TOTAL": ["5", "2", "3"],
    }
