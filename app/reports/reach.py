"""The creator-reach report: what each creator's workshops of a term reached, per pillar.

Definitions: `app.reports.reach_schemas.REACH_DEFINITIONS` (also in every response and the
OpenAPI description). In short: cancelled workshops count only as `cancelled_workshops`;
cancelled sessions count nowhere; future sessions are scheduled but not held; a session
whose attendance was not taken is held but adds no marks; a student is *reached* when marked
present or late at least once, and counts for their own school (a visitor at another school's
open workshop reaches their school, not the host).

Scope (`app.core.access.reach_creator`, `REACH_READERS`): admin and department every
creator; a school admin the workshops their school hosts (the reach there, visitors
included); a creator only their own rows. Without a term, one row per creator and term.

One SQL statement (`app.reports.reach_sql`) reads the attendance tallies the triggers keep
instead of the marks. At city scale a whole term still takes seconds (the distinct students
per creator touch every (creator, student) pair): BENCHMARKS.md section 9 has the figures and
the incremental design that would make it instant.
"""

from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.attendance_filters.params import FilterParams, Resolved, resolve
from app.core import access
from app.core.access import Principal
from app.core.csv import EXCEL, csv_bytes
from app.models.base import PILLAR_NAMES
from app.reports.reach_schemas import (
    CreatorReachItem,
    CreatorReachReport,
    PillarReach,
    ReachFigures,
    ReachTotals,
)
from app.reports.reach_sql import (
    FIGURES,
    LEVEL_CREATOR,
    LEVEL_PILLAR,
    LEVEL_TOTAL,
    LEVEL_TOTAL_PILLAR,
    creator_reach_query,
)
from app.reports.schemas import TermRef


def _rate(row: dict[str, Any]) -> float | None:
    attended = row["present"] + row["late"]
    counted = attended + row["excused"] + row["absent"]
    return round(attended / counted, 4) if counted else None


def _figures(row: dict[str, Any]) -> dict[str, Any]:
    return {**{name: row[name] or 0 for name in FIGURES}, "attendance_rate": _rate(row)}


_PILLAR_ORDER = {name: n for n, name in enumerate(PILLAR_NAMES)}


def _pillar(row: dict[str, Any]) -> PillarReach:
    name_th, name_en = PILLAR_NAMES[row["pillar"]]
    return PillarReach(pillar=row["pillar"], name_th=name_th, name_en=name_en, **_figures(row))


async def _ensure_creator(db: AsyncSession, creator_id: int) -> None:
    found = await db.execute(text("SELECT 1 FROM creators WHERE id = :i"), {"i": creator_id})
    if found.first() is None:
        raise access.not_found("creator")


async def creator_reach(
    db: AsyncSession,
    *,
    principal: Principal,
    params: FilterParams,
    creator_id: int | None = None,
    pillar: str | None = None,
) -> CreatorReachReport:
    """The reach of each creator in the caller's scope, per term, with its pillars."""
    creator_id = access.reach_creator(principal, creator_id)
    filters = await resolve(db, params=params, principal=principal)
    if creator_id is not None:
        await _ensure_creator(db, creator_id)
    statement, values = creator_reach_query(filters, creator_id=creator_id, pillar=pillar)
    rows = [dict(r) for r in (await db.execute(statement, values)).mappings()]
    return _report(filters, rows)


def _report(filters: Resolved, rows: list[dict[str, Any]]) -> CreatorReachReport:
    rows = sorted(rows, key=lambda r: _PILLAR_ORDER.get(r["pillar"], -1))
    pillars: dict[tuple[int, int], list[PillarReach]] = {}
    for row in rows:
        if row["level"] == LEVEL_PILLAR:
            pillars.setdefault((row["creator_id"], row["term_id"]), []).append(_pillar(row))
    items = [
        CreatorReachItem(
            creator_id=row["creator_id"],
            handle=row["handle"],
            display_name=row["display_name"],
            term_id=row["term_id"],
            term_label=row["term_label"],
            by_pillar=pillars.get((row["creator_id"], row["term_id"]), []),
            **_figures(row),
        )
        for row in rows
        if row["level"] == LEVEL_CREATOR
    ]
    items.sort(key=lambda i: (-i.students_reached, i.handle.casefold(), i.term_label))
    total = next((r for r in rows if r["level"] == LEVEL_TOTAL), dict.fromkeys(FIGURES, 0))
    totals = ReachTotals(
        by_pillar=[_pillar(r) for r in rows if r["level"] == LEVEL_TOTAL_PILLAR],
        **_figures(total),
    )
    term = TermRef(id=filters.term_id, label=filters.term_label or "") if filters.term_id else None
    return CreatorReachReport(term=term, items=items, totals=totals)


_IDENTITY = ("creator_id", "handle", "display_name", "term_id", "term_label", "pillar")
CSV_COLUMNS = (*_IDENTITY, *ReachFigures.model_fields)


def _line(identity: dict[str, Any], figures: ReachFigures) -> list[Any]:
    values = {**identity, **figures.model_dump()}
    return [values.get(name) for name in CSV_COLUMNS]


def reach_csv(report: CreatorReachReport) -> bytes:
    """CSV (`app.core.csv.EXCEL`: UTF-8 with a BOM, CRLF, formulas guarded): per creator and
    term a line with pillar `all`, then one per pillar; the same for the `TOTAL` lines."""
    lines = []
    for item in report.items:
        identity = {name: getattr(item, name) for name in _IDENTITY if name != "pillar"}
        lines.append(_line({**identity, "pillar": "all"}, item))
        lines += [_line({**identity, "pillar": p.pillar}, p) for p in item.by_pillar]
    total = {"handle": "TOTAL", "display_name": "รวม / Total"}
    lines.append(_line({**total, "pillar": "all"}, report.totals))
    lines += [_line({**total, "pillar": p.pillar}, p) for p in report.totals.by_pillar]
    return csv_bytes(list(CSV_COLUMNS), lines, dialect=EXCEL)


def reach_filename(report: CreatorReachReport, creator_id: int | None, pillar: str | None) -> str:
    parts = [report.term.label if report.term else "all-terms"]
    if creator_id is not None:
        parts.append(f"creator-{creator_id}")
    if pillar:
        parts.append(pillar)
    return "creator-reach_" + "_".join(parts) + ".csv"
