"""The room-utilisation report: how much of the rooms' teaching time was booked and used.

Per room, school or district, and per ISO week, calendar month or the whole range: the
available teaching hours (the school calendar of `app.calendar.days`), the hours booked, the
hours actually used (attendance taken), the booked hours that passed untaken, and how full the
seats were. Definitions: `UTILISATION_DEFINITIONS` (also in every response and the OpenAPI
description). The figures come from one SQL statement
(`app.reports.utilisation_sql.utilisation_query`); the service picks the dates and runs it.

Dates: `from`/`to` default to the term's dates; without a term to the current term's (the one
holding today in Bangkok, else the next to start). The range is at most `MAX_RANGE_DAYS`:
the report is one statement over rooms x days, and a year and a bit covers two terms with
their breaks. The term sets the dates only: every session of the room in the range counts,
whatever its workshop's term.
"""

import json
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.attendance_filters.params import FilterParams, Resolved, resolve
from app.calendar.days import DEFAULT_TEACHING_HOURS
from app.calendar.holidays import holidays_between
from app.core.access import Principal
from app.core.csv import EXCEL, csv_bytes
from app.core.errors import BEFORE_FROM, BadRequest
from app.core.schemas import BANGKOK
from app.reports.schemas import TermRef
from app.reports.utilisation_schemas import (
    UtilisationGroupBy,
    UtilisationItem,
    UtilisationPeriod,
    UtilisationReport,
)
from app.reports.utilisation_sql import utilisation_query

MAX_RANGE_DAYS = 400
LEAST_USED = 10


def current_time() -> datetime:
    """Now: what has ended (untaken) and what is still to come (future). Tests move it."""
    return datetime.now(UTC)


def _bad_range(name: str, message_en: str, message_th: str, message: str) -> BadRequest:
    return BadRequest(
        f"{message_en} / {message_th}",
        errors=[{"field": name, "pointer": f"/query/{name}", "message": message}],
    )


async def _term_dates(db: AsyncSession, term_id: int) -> tuple[date, date]:
    row = (
        await db.execute(
            text("SELECT starts_on, ends_on FROM academic_terms WHERE id = :i"), {"i": term_id}
        )
    ).one()
    return row.starts_on, row.ends_on


async def _current_term(db: AsyncSession, today: date) -> Any:
    """The term holding today, else the next to start (as `GET /terms/current`)."""
    return (
        await db.execute(
            text(
                "SELECT id, academic_year, term, starts_on, ends_on FROM academic_terms "
                "WHERE ends_on >= :today ORDER BY starts_on LIMIT 1"
            ),
            {"today": today},
        )
    ).first()


async def report_range(
    db: AsyncSession, filters: Resolved, from_on: date | None, to_on: date | None, now: datetime
) -> tuple[date, date, TermRef | None]:
    """The inclusive Bangkok days of the report and the term they came from."""
    term: TermRef | None = None
    if filters.term_id is not None:
        term = TermRef(id=filters.term_id, label=filters.term_label or "")
        starts, ends = await _term_dates(db, filters.term_id)
        from_on, to_on = from_on or starts, to_on or ends
    elif from_on is None or to_on is None:
        row = await _current_term(db, now.astimezone(BANGKOK).date())
        if row is None:
            raise _bad_range(
                "term",
                "No current term: give a term, or from and to",
                "ไม่มีภาคเรียนปัจจุบัน กรุณาระบุภาคเรียน หรือวันที่เริ่มต้นและสิ้นสุด",
                "no current or upcoming term",
            )
        term = TermRef(id=row.id, label=f"{row.academic_year}-T{row.term}")
        from_on, to_on = from_on or row.starts_on, to_on or row.ends_on
    assert from_on is not None and to_on is not None
    if to_on < from_on:
        raise _bad_range(
            "to",
            "`to` is before `from`",
            "วันที่สิ้นสุดอยู่ก่อนวันที่เริ่มต้น",
            BEFORE_FROM,
        )
    if (to_on - from_on).days + 1 > MAX_RANGE_DAYS:
        raise _bad_range(
            "to",
            f"The report covers at most {MAX_RANGE_DAYS} days",
            f"รายงานครอบคลุมได้ไม่เกิน {MAX_RANGE_DAYS} วัน",
            f"range longer than {MAX_RANGE_DAYS} days",
        )
    return from_on, to_on, term


async def room_utilisation(
    db: AsyncSession,
    *,
    principal: Principal,
    group_by: UtilisationGroupBy,
    period: UtilisationPeriod,
    params: FilterParams,
) -> UtilisationReport:
    """The report over the rooms in the caller's scope (a school admin: their school's)."""
    now = current_time()
    filters = await resolve(
        db,
        params=FilterParams(
            term=params.term, district=params.district, school=params.school, room=params.room
        ),
        principal=principal,
    )
    from_on, to_on, term = await report_range(db, filters, params.from_on, params.to_on, now)
    statement, values = utilisation_query(
        filters,
        group_by=group_by,
        period=period,
        from_on=from_on,
        to_on=to_on,
        now=now,
        holidays=[h.day for h in holidays_between(from_on, to_on)],
        default_hours=DEFAULT_TEACHING_HOURS,
        least_count=LEAST_USED,
    )
    body = json.loads((await db.execute(statement, values)).scalar_one())
    return UtilisationReport.model_validate(
        {**body, "group_by": group_by, "period": period, "from": from_on, "to": to_on, "term": term}
    )


TOTAL_LABEL: dict[str, str] = {"code": "TOTAL", "name_th": "รวม", "name_en": "Total"}


def utilisation_csv(report: UtilisationReport) -> bytes:
    """The report as CSV (`app.core.csv.EXCEL`: UTF-8 with a BOM, CRLF, formulas guarded): the
    JSON item keys as the header, one line per group and period, then a `TOTAL` line over the
    whole range."""
    header = list(UtilisationItem.model_fields)
    rows = [list(item.model_dump().values()) for item in report.items]
    totals: dict[str, Any] = {
        **dict.fromkeys(header),
        **TOTAL_LABEL,
        "period_start": report.from_,
        "period_end": report.to,
        **report.totals.model_dump(),
    }
    rows.append([totals[name] for name in header])
    return csv_bytes(header, rows, dialect=EXCEL)


def utilisation_filename(report: UtilisationReport, params: FilterParams) -> str:
    parts = [f"by-{report.group_by}", f"per-{report.period}"]
    parts.append(
        report.term.label
        if report.term and not (params.from_on or params.to_on)
        else f"{report.from_.isoformat()}_{report.to.isoformat()}"
    )
    parts += [
        f"{k}-{v}"
        for k, v in (
            ("district", params.district),
            ("school", params.school),
            ("room", params.room),
        )
        if v
    ]
    return "room-utilisation_" + "_".join(parts) + ".csv"
