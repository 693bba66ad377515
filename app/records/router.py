"""The learner record of one student: JSON, CSV or a printable page."""

from typing import Annotated

from fastapi import Query, Response

from app.accounts.dependencies import StudentReader
from app.core.csv import FORMULA_RULE
from app.core.openapi import errors
from app.core.routing import ApiRouter
from app.db import DbSession
from app.exports.service import content_disposition
from app.privacy import service as privacy
from app.records import service
from app.records.formats import csv_columns_markdown, record_csv, record_filename
from app.records.page import CSP, record_html
from app.records.schemas import LearnerRecord, RecordFormat, RecordLanguage

router = ApiRouter(prefix="/api/v1", tags=["students"])

_DESCRIPTION = f"""
Everything the student learned: their courses (completed, with the day, or in progress with
the active modules completed out of the total; a revoked course completion counts as in
progress), each module they studied (a place-holding enrolment: enrolled or completed) with
its workshop, term, the creator who taught it, the verdict when the workshop closed
(completed on a day, or incomplete and why, in Thai and English), the outcomes achieved and
the attendance rate ((present + late) over the student's marks of taken sessions, as the
attendance summary counts). Waitlisted and withdrawn enrolments are not on it.

Who: as `GET /students/{{id}}`: the staff of the student's school, admin and department;
another school's staff get the same 404 as for a missing student; creators 403. Every read is
recorded in the personal-data read log (`students.record`).

Formats: `json` (default); `csv`, one line per module, UTF-8 with a BOM ({FORMULA_RULE});
`html`, a printable A4 page, self-contained, in Thai (`lang=th`, default, Buddhist-Era dates)
or English (`lang=en`).

CSV columns:

{csv_columns_markdown()}
"""


@router.get(
    "/students/{student_id:int}/record",
    response_model=LearnerRecord,
    summary="A student's learner record",
    description=_DESCRIPTION,
    responses={
        200: {
            "description": "The record: JSON, CSV or an HTML page",
            "content": {
                "text/csv": {"schema": {"type": "string", "format": "binary"}},
                "text/html": {"schema": {"type": "string"}},
            },
        },
        **errors(400, 401, 403, 404, 422),
    },
)
async def read_learner_record(
    db: DbSession,
    principal: StudentReader,
    student_id: int,
    record_format: Annotated[
        RecordFormat, Query(alias="format", description="json (default), csv or html")
    ] = "json",
    lang: Annotated[
        RecordLanguage, Query(description="Language of the HTML page: th (default) or en")
    ] = "th",
) -> LearnerRecord | Response:
    """A student's learner record."""
    record = await service.learner_record(db, principal=principal, student_id=student_id)
    await privacy.record_read(
        db,
        principal=principal,
        action="students.record",
        student_ids=[student_id],
        scope={"format": record_format},
    )
    if record_format == "csv":
        return Response(
            record_csv(record),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": content_disposition(record_filename(record, "csv"))},
        )
    if record_format == "html":
        return Response(
            record_html(record, lang),
            media_type="text/html; charset=utf-8",
            headers={"Content-Security-Policy": CSP, "Cache-Control": "no-store"},
        )
    return record
