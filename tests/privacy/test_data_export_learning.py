"""The data-subject export holds what the student learned: outcome assessments, module and
course completions, each with its history (on the progress world of
`tests.factories.progress`)."""

import pytest
from sqlalchemy import text

from tests.factories import ApiWorld
from tests.factories.progress import ProgressWorld


@pytest.fixture
async def progress(session):
    return await ProgressWorld(await ApiWorld(session).build()).build()


async def data_export(client, progress, name):
    response = await client.get(
        f"/api/v1/students/{progress.students[name]}/data-export",
        headers=progress.world.headers["school_admin"],
    )
    assert response.status_code == 200, response.text
    return response.json()


async def test_assessments_and_completions_are_in_the_export_with_their_history(
    client, progress, session
):
    c = progress.students["C"]
    await session.execute(
        text(
            "UPDATE outcome_assessments SET status = 'achieved', note = 'แก้ไขแล้ว' "
            "WHERE student_id = :s AND outcome_id = :o"
        ),
        {"s": c, "o": progress.outcomes["T101-01.2"]},
    )
    await session.commit()
    body = await data_export(client, progress, "C")
    w, teacher = progress.world, {"id": progress.world.teacher_id, "full_name_th": "ครู"}
    assessments = body["outcome_assessments"]
    assert [(a["outcome_code"], a["status"]) for a in assessments] == [
        ("T101-01.1", "achieved"),
        ("T101-01.2", "achieved"),
    ]
    second = assessments[1]
    assert second["workshop_id"] == w.workshop_id
    assert (second["module_code"], second["module_version"]) == ("T101-01", 1)
    assert second["outcome_title_th"] == "ผลการเรียนรู้ T101-01.2"
    assert second["assessed_by"] == teacher
    assert [(h["old_status"], h["new_status"], h["new_note"]) for h in second["changes"]] == [
        (None, "not_yet", ""),
        ("not_yet", "achieved", "แก้ไขแล้ว"),
    ]
    [completion] = body["module_completions"]
    assert completion["status"] == "incomplete"
    assert completion["reasons"] == ["attendance_below_minimum", "outcomes_missing"]
    assert (completion["attendance_rate"], completion["outcomes_achieved"]) == (0.5, 1)
    assert completion["evaluated_by"] is None
    assert [h["new_status"] for h in completion["changes"]] == ["incomplete", "incomplete"]
    assert completion["changes"][1]["new_reasons"] == [
        "attendance_below_minimum",
        "outcomes_missing",
    ]
    assert body["course_completions"] == []


async def test_course_completions_revoked_or_not_are_in_the_export(client, progress):
    a = await data_export(client, progress, "A")
    assert [
        (c["course_code"], c["completed_on"], c["revoked_at"]) for c in a["course_completions"]
    ] == [
        ("T202", "2025-12-01", None),
        ("T101", "2026-06-15", None),
    ]
    assert [m["status"] for m in a["module_completions"]] == ["completed", "completed"]
    b = await data_export(client, progress, "B")
    [revoked] = b["course_completions"]
    assert revoked["revoked_at"] is not None
    assert [
        (h["old_revoked_at"] is None, h["new_revoked_at"] is None) for h in revoked["changes"]
    ] == [
        (True, True),
        (True, False),
    ]
