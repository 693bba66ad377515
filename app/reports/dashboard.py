"""The program dashboard: the three pillars (Smart People, Smart Economy, Smart Environment)
side by side for a term — students reached, sessions held, attendance, and how much of the
labs' time each used.

It composes the two reports the partnership is judged by, so its figures are theirs by
construction: reach from `app.reports.reach` (totals per pillar), utilisation from
`app.reports.utilisation` (the city's, or a school admin's school's, totals); only the lab
hours per pillar are its own statement.
"""

from datetime import timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.attendance_filters.params import FilterParams, resolve
from app.attendance_filters.sql import WORKSHOP_JOINS, Where, workshop_where
from app.core.access import Principal
from app.core.periods import bangkok_midnight
from app.models.base import PILLAR_NAMES, PILLARS
from app.reports.dashboard_schemas import PillarColumn, ProgramDashboard, ProgramTotals
from app.reports.reach import creator_reach
from app.reports.reach_schemas import ReachFigures
from app.reports.utilisation import current_time, room_utilisation

_LAB_HOURS = """
SELECT c.pillar,
       count(DISTINCT w.creator_id) AS creators,
       coalesce(sum(extract(epoch FROM s.ends_at - s.starts_at)), 0) / 3600.0 AS scheduled,
       coalesce(sum(extract(epoch FROM s.ends_at - s.starts_at))
                FILTER (WHERE s.taken_at IS NOT NULL), 0) / 3600.0 AS used
FROM workshop_sessions s
JOIN workshops w ON w.id = s.workshop_id
JOIN computer_rooms r ON r.id = s.room_id
{joins}
WHERE s.status <> 'cancelled' AND r.status <> 'closed'
  AND s.starts_at >= :range_start AND s.starts_at < :range_end
  {where}
GROUP BY GROUPING SETS ((c.pillar), ())
"""


def _share(hours: float, available: float) -> float | None:
    return round(hours / available, 4) if available > 0 else None


async def program_dashboard(
    db: AsyncSession, *, principal: Principal, params: FilterParams
) -> ProgramDashboard:
    """One term (default: the current one) of the program, per pillar and in total, in the
    caller's scope (admin and department the city, a school admin their school)."""
    utilisation = await room_utilisation(
        db, principal=principal, group_by="district", period="term", params=params
    )
    term_params = FilterParams(
        term=str(utilisation.term.id) if utilisation.term else params.term,
        district=params.district,
        school=params.school,
    )
    reach = await creator_reach(db, principal=principal, params=term_params)
    filters = await resolve(db, params=term_params, principal=principal)
    where = workshop_where(filters, Where(named=True))
    statement = text(
        _LAB_HOURS.format(
            joins=WORKSHOP_JOINS, where="".join(f" AND {c}" for c in where.conditions)
        )
    )
    values: dict[str, Any] = {
        **where.params,
        "range_start": bangkok_midnight(utilisation.from_),
        "range_end": bangkok_midnight(utilisation.to + timedelta(days=1)),
    }
    # pillar NULL: the whole program (creators counted once across pillars).
    hours = {row.pillar: row for row in (await db.execute(statement, values)).all()}
    program = hours.get(None)
    available = utilisation.totals.available_hours
    by_pillar: dict[str, ReachFigures] = {p.pillar: p for p in reach.totals.by_pillar}
    empty = ReachFigures.model_validate(
        dict.fromkeys(ReachFigures.model_fields, 0) | {"attendance_rate": None}
    )
    columns = []
    for pillar in PILLARS:
        figures = by_pillar.get(pillar, empty)
        lab = hours.get(pillar)
        used = float(lab.used) if lab else 0.0
        name_th, name_en = PILLAR_NAMES[pillar]
        columns.append(
            PillarColumn(
                pillar=pillar,
                name_th=name_th,
                name_en=name_en,
                creators=lab.creators if lab else 0,
                lab_hours_scheduled=round(float(lab.scheduled), 2) if lab else 0.0,
                lab_hours_used=round(used, 2),
                share_of_available=_share(used, available),
                **_reach_part(figures),
            )
        )
    totals = utilisation.totals
    return ProgramDashboard(
        term=utilisation.term,
        from_=utilisation.from_,
        to=utilisation.to,
        generated_at=current_time(),
        pillars=columns,
        totals=ProgramTotals(
            creators=program.creators if program else 0,
            lab_hours_scheduled=round(float(program.scheduled), 2) if program else 0.0,
            lab_hours_used=round(float(program.used), 2) if program else 0.0,
            share_of_available=_share(float(program.used), available) if program else None,
            rooms=totals.rooms,
            available_hours=available,
            scheduled_rate=totals.scheduled_rate,
            used_rate=totals.used_rate,
            seats_filled_rate=totals.seats_filled_rate,
            **_reach_part(reach.totals),
        ),
    )


def _reach_part(figures: ReachFigures) -> dict[str, Any]:
    return {
        "workshops": figures.workshops,
        "sessions_held": figures.sessions_held,
        "sessions_taken": figures.sessions_taken,
        "students_enrolled": figures.students_enrolled,
        "students_reached": figures.students_reached,
        "schools_reached": figures.schools_reached,
        "attendance_rate": figures.attendance_rate,
        "modules_completed": figures.modules_completed,
        "courses_completed": figures.courses_completed,
    }
