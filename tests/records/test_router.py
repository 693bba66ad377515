"""The learner record (`GET /students/{id}/record`) on the progress world of
`tests.factories.progress`."""

import csv
import io
import re

import pytest

from tests.factories import ApiWorld, rows_of
from tests.factories.progress import ProgressWorld

pytestmark = pytest.mark.asyncio


@pytest.fixture
async def progress(session):
    return await ProgressWorld(await ApiWorld(session).build()).build()


def url(progress, name="A", **query):
    path = f"/api/v1/students/{progress.students[name]}/record"
    return path + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


async def get(client, progress, role="school_admin", name="A", **query):
    response = await client.get(url(progress, name, **query), headers=progress.world.headers[role])
    assert response.status_code == 200, response.text
    return response


async def test_the_record_lists_courses_modules_outcomes_attendance_and_creators(client, progress):
    body = (await get(client, progress)).json()
    assert body["student"]["student_code"] == "P-A"
    assert body["student"]["school"]["code"] == "T-0001"
    assert body["student"]["school"]["name_en"] == "Test School"
    courses = {c["code"]: c for c in body["courses"]}
    assert courses["T101"]["status"] == "completed"
    assert courses["T101"]["completed_on"] == "2026-06-15"
    assert (courses["T101"]["modules_completed"], courses["T101"]["modules_total"]) == (1, 1)
    # T202: completed (Dec 2025, W4) and studied again in W2 (not closed).
    assert courses["T202"]["status"] == "completed"
    modules = body["modules"]
    assert [(m["term"], m["module_code"], m["status"]) for m in modules] == [
        ("2568-T2", "T202-01", "completed"),
        ("2569-T1", "T101-01", "completed"),
        ("2569-T1", "T202-01", "in_progress"),
    ]
    w1 = modules[1]
    assert w1["workshop_id"] == progress.workshops["W1"]
    assert (w1["workshop_title_th"], w1["workshop_title_en"]) == ("ฝึกเขียนโปรแกรม", "Coding")
    assert w1["completed_on"] == "2026-06-15"
    assert w1["reasons"] == []
    assert w1["creator"] == {"handle": "maker", "display_name": "ครูเมกเกอร์"}
    assert [o["code"] for o in w1["outcomes_achieved"]] == ["T101-01.1", "T101-01.2"]
    assert w1["outcomes_achieved"][0]["title_th"] == "ผลการเรียนรู้ T101-01.1"
    assert w1["attendance"] == {
        "sessions_taken": 1,
        "present": 1,
        "late": 0,
        "excused": 0,
        "absent": 0,
        "rate": 1.0,
    }
    # W2: one taken session (present), one not taken yet (does not count).
    assert modules[2]["attendance"]["sessions_taken"] == 1
    assert modules[2]["completed_on"] is None
    assert body["creators"] == [{"handle": "maker", "display_name": "ครูเมกเกอร์"}]


async def test_an_incomplete_module_says_why_in_thai_and_english(client, progress):
    body = (await get(client, progress, name="C")).json()
    [module] = body["modules"]
    assert module["status"] == "incomplete"
    assert module["completed_on"] is None
    assert [r["code"] for r in module["reasons"]] == [
        "attendance_below_minimum",
        "outcomes_missing",
    ]
    assert module["reasons"][0]["th"] == "เวลาเรียนไม่ถึงเกณฑ์ขั้นต่ำ"
    assert module["reasons"][0]["en"] == "Attendance below the minimum"
    assert module["completion_attendance_rate"] == 0.5
    assert [o["code"] for o in module["outcomes_achieved"]] == ["T101-01.1"]
    assert module["attendance"]["rate"] == 0.0
    assert body["courses"][0]["status"] == "in_progress"


async def test_a_revoked_course_completion_is_not_completed(client, progress):
    body = (await get(client, progress, name="B")).json()
    [course] = body["courses"]
    assert course["status"] == "in_progress"
    assert course["completed_on"] is None
    assert course["revoked_at"] is not None


async def test_withdrawn_and_waitlisted_enrolments_are_not_on_the_record(client, progress):
    for name in ("D", "E"):
        body = (await get(client, progress, name=name)).json()
        assert body["modules"] == [] and body["courses"] == []


async def test_csv_has_a_bom_the_documented_header_and_one_line_per_module(client, progress):
    response = await get(client, progress, format="csv")
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert "learner-record_T-0001_P-A.csv" in response.headers["content-disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [(r["term"], r["module_code"], r["status"]) for r in rows] == [
        ("2568-T2", "T202-01", "completed"),
        ("2569-T1", "T101-01", "completed"),
        ("2569-T1", "T202-01", "in_progress"),
    ]
    w1 = rows[1]
    assert w1["student_name_th"] == "เด็ก นามสกุลก"
    assert w1["creator_handle"] == "maker"
    assert w1["outcome_codes"] == "T101-01.1;T101-01.2"
    assert (w1["outcomes_achieved"], w1["attendance_rate"]) == ("2", "1.0")
    incomplete = await get(client, progress, name="C", format="csv")
    [c] = csv.DictReader(io.StringIO(incomplete.content.decode("utf-8-sig")))
    assert c["reasons"] == "attendance_below_minimum;outcomes_missing"
    assert (
        c["reasons_en"]
        == "Attendance below the minimum; Required learning outcomes not yet achieved"
    )


async def test_the_page_is_thai_by_default_and_english_on_request(client, progress):
    thai = await get(client, progress, name="C", format="html")
    assert thai.headers["content-type"] == "text/html; charset=utf-8"
    page = thai.text
    assert page.startswith("<!DOCTYPE html>")
    assert '<html lang="th">' in page
    assert "ระเบียนผลการเรียนรู้" in page
    assert "เวลาเรียนไม่ถึงเกณฑ์ขั้นต่ำ" in page
    assert "15 มิ.ย. 2569" not in page  # C did not complete
    assert "@page { size: A4;" in page
    english = (await get(client, progress, name="C", format="html", lang="en")).text
    assert '<html lang="en">' in english
    assert "Learner record" in english and "Attendance below the minimum" in english
    assert "Kid FamilyC" in english
    a_page = (await get(client, progress, format="html")).text
    assert "15 มิ.ย. 2569" in a_page  # completed_on in the Buddhist Era


async def test_the_page_is_self_contained_and_escapes_names(client, progress, session):
    from sqlalchemy import text

    await session.execute(
        text("UPDATE students SET last_name_th = '<script>alert(1)</script>' WHERE id = :id"),
        {"id": progress.students["A"]},
    )
    response = await get(client, progress, format="html")
    page = response.text
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert not re.search(r"""(src|href)\s*=|url\(|@import""", page)
    csp = response.headers["content-security-policy"]
    assert csp.startswith("default-src 'none'; style-src 'sha256-")


async def test_each_read_is_in_the_read_log(client, progress, session):
    await get(client, progress, role="department", format="html")
    [entry] = await rows_of(
        session,
        "SELECT actor_role, student_ids, scope FROM personal_data_reads "
        "WHERE action = 'students.record'",
    )
    assert entry["actor_role"] == "department"
    assert entry["student_ids"] == [progress.students["A"]]
    assert entry["scope"] == {"format": "html"}


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("other_school_admin", 404),
        ("other_teacher", 404),
        ("creator", 403),
        ("teacher", 200),
        ("admin", 200),
    ],
)
async def test_who_may_read_a_record(client, progress, role, status):
    response = await client.get(url(progress), headers=progress.world.headers[role])
    assert response.status_code == status
    if status == 404:
        missing = await client.get(
            "/api/v1/students/999999/record", headers=progress.world.headers[role]
        )
        assert response.json()["detail"] == missing.json()["detail"]
        assert response.headers["content-type"] == "application/problem+json"


async def test_an_anonymous_caller_is_401(client, progress):
    response = await client.get(url(progress))
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"


async def test_a_bad_format_or_language_is_422_naming_the_field(client, progress):
    for query, pointer in (({"format": "pdf"}, "/query/format"), ({"lang": "fr"}, "/query/lang")):
        response = await client.get(url(progress, **query), headers=progress.world.headers["admin"])
        assert response.status_code == 422
        assert pointer in [e["pointer"] for e in response.json()["errors"]]


async def test_the_csv_defuses_text_a_spreadsheet_would_run(client, progress, session):
    from sqlalchemy import text

    await session.execute(
        text("UPDATE workshops SET title_th = '@SUM(A1)' WHERE id = :id"),
        {"id": progress.workshops["W1"]},
    )
    response = await get(client, progress, format="csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[1]["workshop_title_th"] == "'@SUM(A1)"
