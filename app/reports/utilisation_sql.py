"""The room-utilisation report as one SQL statement (`utilisation_query`); its definitions are
in `app.reports.utilisation`.

One round trip returns the whole report as one JSON document (items, totals, the least used
rooms, the heat map), so every figure comes from one snapshot and nothing is aggregated in
Python. The calendar is the one `app.calendar.days` describes: each school's teaching hours
(its own rows, else the city's, else the default passed in), minus Thai public holidays (passed
in as a date array: they come from the `holidays` package, not the database) and the city's,
the school's and the room's closures. A room-day is a row of `generate_series` over the range
joined with its school's week; sessions are read once, aggregated per room and period.
"""

import dataclasses
from datetime import date, datetime

from sqlalchemy import TextClause, text

from app.attendance_filters.params import Resolved
from app.attendance_filters.sql import Where
from app.calendar.days import WeekHours

TZ = "'Asia/Bangkok'"


@dataclasses.dataclass(frozen=True)
class _Group:
    key: str  # the GROUP BY key, over room_figures f
    id: str
    code: str
    name_th: str
    name_en: str
    school_code: str
    district_code: str
    sort1: str  # items are listed by sort1, sort2, then the group's id
    sort2: str


_GROUPS: dict[str, _Group] = {
    "room": _Group(
        "f.room_id",
        "f.room_id",
        "f.code",
        "f.name",
        "NULL::text",
        "f.school_code",
        "f.district_code",
        "f.school_code",
        "f.code",
    ),
    "school": _Group(
        "f.school_id",
        "f.school_id",
        "f.school_code",
        "f.school_name_th",
        "f.school_name_en",
        "NULL::text",
        "f.district_code",
        "f.school_code",
        "''",
    ),
    "district": _Group(
        "f.district_id",
        "f.district_id",
        "f.district_code",
        "f.district_name_th",
        "f.district_name_en",
        "NULL::text",
        "NULL::text",
        "f.district_code",
        "''",
    ),
}

# The first day of a day's period, clipped to the range.
_BUCKETS = {
    "term": "CAST(:from_on AS date)",
    "week": "greatest(date_trunc('week', {day})::date, CAST(:from_on AS date))",
    "month": "greatest(date_trunc('month', {day})::date, CAST(:from_on AS date))",
}
_PERIOD_END = {
    "term": "CAST(:to_on AS date)",
    "week": "least(date_trunc('week', bk.b)::date + 6, CAST(:to_on AS date))",
    "month": (
        "least((date_trunc('month', bk.b) + interval '1 month')::date - 1, CAST(:to_on AS date))"
    ),
}

# Sums per room and period, and the figures made of them (hours to 2 places, rates to 4).
_SUMS = (
    "sessions",
    "cancelled_sessions",
    "available",
    "scheduled",
    "outside",
    "used",
    "untaken",
    "future",
    "seat_hours_filled",
    "seat_hours_offered",
)


def _figures(prefix: str = "") -> str:
    s = {name: f"sum({prefix}{name})" for name in _SUMS}
    rate = "round({} / nullif({}, 0), 4)"
    return f"""
        'sessions', coalesce({s["sessions"]}, 0),
        'cancelled_sessions', coalesce({s["cancelled_sessions"]}, 0),
        'available_hours', round(coalesce({s["available"]}, 0), 2),
        'scheduled_hours', round(coalesce({s["scheduled"]}, 0), 2),
        'outside_hours_hours', round(coalesce({s["outside"]}, 0), 2),
        'used_hours', round(coalesce({s["used"]}, 0), 2),
        'untaken_hours', round(coalesce({s["untaken"]}, 0), 2),
        'future_hours', round(coalesce({s["future"]}, 0), 2),
        'scheduled_rate', {rate.format(s["scheduled"], s["available"])},
        'used_rate', {rate.format(s["used"], s["available"])},
        'seats_filled_rate', {rate.format(s["seat_hours_filled"], s["seat_hours_offered"])}"""


_SQL = """
WITH rooms AS (
    SELECT r.id AS room_id, r.code, r.name, r.seats, r.status, r.school_id,
           sc.code AS school_code, sc.name_th AS school_name_th, sc.name_en AS school_name_en,
           sc.district_id, d.code AS district_code, d.name_th AS district_name_th,
           d.name_en AS district_name_en
    FROM computer_rooms r
    JOIN schools sc ON sc.id = r.school_id
    JOIN districts d ON d.id = sc.district_id
    {room_where}
),
week AS (
    SELECT own.school_id, x.weekday, x.opens, x.closes
    FROM (SELECT DISTINCT school_id FROM rooms) own
    CROSS JOIN LATERAL (
        SELECT th.weekday, th.starts_at AS opens, th.ends_at AS closes
        FROM teaching_hours th WHERE th.school_id = own.school_id
        UNION ALL
        SELECT th.weekday, th.starts_at, th.ends_at FROM teaching_hours th
        WHERE th.school_id IS NULL
          AND NOT EXISTS (SELECT 1 FROM teaching_hours o WHERE o.school_id = own.school_id)
        UNION ALL
        SELECT dh.weekday, dh.opens, dh.closes
        FROM unnest(CAST(:default_days AS int[]), CAST(:default_opens AS time[]),
                    CAST(:default_closes AS time[])) AS dh(weekday, opens, closes)
        WHERE NOT EXISTS (
            SELECT 1 FROM teaching_hours o
            WHERE o.school_id = own.school_id OR o.school_id IS NULL)
    ) x
),
all_days AS (
    SELECT g::date AS day
    FROM generate_series(CAST(:from_on AS date), CAST(:to_on AS date), interval '1 day') g
),
closures AS (
    SELECT school_id, room_id, starts_on, ends_on FROM calendar_closures
    WHERE starts_on <= CAST(:to_on AS date) AND ends_on >= CAST(:from_on AS date)
),
room_days AS (
    SELECT r.room_id, dd.day, w.weekday, w.opens, w.closes,
           extract(epoch FROM w.closes - w.opens) / 3600 AS hours
    FROM rooms r
    JOIN week w ON w.school_id = r.school_id
    JOIN all_days dd ON extract(isodow FROM dd.day) = w.weekday
    WHERE r.status <> 'closed'
      AND dd.day <> ALL (CAST(:holidays AS date[]))
      AND NOT EXISTS (
          SELECT 1 FROM closures c
          WHERE dd.day BETWEEN c.starts_on AND c.ends_on
            AND (c.school_id IS NULL
                 OR (c.school_id = r.school_id AND (c.room_id IS NULL OR c.room_id = r.room_id))))
),
sessions AS (
    SELECT s.room_id, s.starts_at AT TIME ZONE {tz} AS local_start,
           s.ends_at AT TIME ZONE {tz} AS local_end,
           s.status = 'cancelled' AS cancelled, s.taken_at IS NOT NULL AS taken,
           s.ends_at <= CAST(:now AS timestamptz) AS ended, s.outside_hours,
           extract(epoch FROM s.ends_at - s.starts_at) / 3600 AS hours,
           w.seats_taken AS enrolled
    FROM workshop_sessions s
    JOIN workshops w ON w.id = s.workshop_id
    WHERE s.starts_at >= CAST(:from_on AS date)::timestamp AT TIME ZONE {tz}
      AND s.starts_at < (CAST(:to_on AS date) + 1)::timestamp AT TIME ZONE {tz}{session_where}
),
available AS (
    SELECT room_id, {day_bucket} AS b, sum(hours) AS available
    FROM room_days GROUP BY 1, 2
),
booked AS (
    SELECT room_id, {session_bucket} AS b,
           count(*) FILTER (WHERE NOT cancelled) AS sessions,
           count(*) FILTER (WHERE cancelled) AS cancelled_sessions,
           sum(hours) FILTER (WHERE NOT cancelled) AS scheduled,
           sum(hours) FILTER (WHERE NOT cancelled AND outside_hours) AS outside,
           sum(hours) FILTER (WHERE NOT cancelled AND taken) AS used,
           sum(hours) FILTER (WHERE NOT cancelled AND NOT taken AND ended) AS untaken,
           sum(hours) FILTER (WHERE NOT cancelled AND NOT taken AND NOT ended) AS future,
           sum(hours * enrolled) FILTER (WHERE NOT cancelled) AS seat_hours_filled
    FROM sessions GROUP BY 1, 2
),
buckets AS (
    SELECT DISTINCT {day_bucket} AS b FROM all_days
),
room_figures AS (
    SELECT r.*, bk.b, {period_end} AS period_end,
           coalesce(a.available, 0) AS available, coalesce(bo.sessions, 0) AS sessions,
           coalesce(bo.cancelled_sessions, 0) AS cancelled_sessions,
           coalesce(bo.scheduled, 0) AS scheduled, coalesce(bo.outside, 0) AS outside,
           coalesce(bo.used, 0) AS used, coalesce(bo.untaken, 0) AS untaken,
           coalesce(bo.future, 0) AS future,
           coalesce(bo.seat_hours_filled, 0) AS seat_hours_filled,
           coalesce(bo.scheduled, 0) * r.seats AS seat_hours_offered
    FROM rooms r
    CROSS JOIN buckets bk
    LEFT JOIN available a ON a.room_id = r.room_id AND a.b = bk.b
    LEFT JOIN booked bo ON bo.room_id = r.room_id AND bo.b = bk.b
),
per_room AS (
    SELECT room_id, min(code) AS code, min(name) AS name, min(school_code) AS school_code,
           min(school_name_th) AS school_name_th, sum(available) AS available,
           sum(scheduled) AS scheduled, sum(used) AS used
    FROM room_figures GROUP BY room_id
),
items AS (
    SELECT b, min({sort1}) AS sort1, min({sort2}) AS sort2, {group_key} AS gid, json_build_object(
        'group_id', {group_id}, 'code', min({group_code}), 'name_th', min({group_name_th}),
        'name_en', min({group_name_en}), 'school_code', min({group_school_code}),
        'district_code', min({group_district_code}), 'period_start', b,
        'period_end', min(period_end), 'rooms', count(*), 'seats', sum(seats),
        {item_figures}) AS item
    FROM room_figures f
    GROUP BY {group_key}, b
),
heat_available AS (
    SELECT weekday, h AS hour,
           sum(n * greatest(0, least(c, (h + 1) * 3600) - greatest(o, h * 3600))) / 3600 AS hours
    FROM (SELECT weekday, extract(epoch FROM opens) AS o, extract(epoch FROM closes) AS c,
                 count(*) AS n
          FROM room_days GROUP BY 1, 2, 3) spans,
         generate_series(floor(o / 3600)::int, ceil(c / 3600)::int - 1) h
    GROUP BY 1, 2
),
heat_booked AS (
    -- Sessions of the same weekday, start time, length and state split alike: split each
    -- shape once (placed on the week of Monday 1 January 2001), weighted by its count.
    SELECT extract(isodow FROM slot)::int AS weekday, extract(hour FROM slot)::int AS hour,
           sum(n * piece) AS scheduled, sum(n * piece) FILTER (WHERE taken) AS used
    FROM (SELECT slot, taken, n,
                 extract(epoch FROM least(local_end, slot + interval '1 hour')
                                    - greatest(local_start, slot)) / 3600 AS piece
          FROM (SELECT local_start, local_start + length AS local_end, taken, n
                FROM (SELECT timestamp '2001-01-01' + (extract(isodow FROM local_start) - 1)
                                 * interval '1 day' + local_start::time AS local_start,
                             local_end - local_start AS length, taken, count(*) AS n
                      FROM sessions WHERE NOT cancelled GROUP BY 1, 2, 3) shapes) placed,
               generate_series(date_trunc('hour', local_start),
                               local_end - interval '1 microsecond', interval '1 hour') slot
         ) pieces
    GROUP BY 1, 2
),
heat AS (
    SELECT coalesce(a.weekday, bo.weekday) AS weekday, coalesce(a.hour, bo.hour) AS hour,
           coalesce(a.hours, 0) AS available, coalesce(bo.scheduled, 0) AS scheduled,
           coalesce(bo.used, 0) AS used
    FROM heat_available a
    FULL JOIN heat_booked bo ON bo.weekday = a.weekday AND bo.hour = a.hour
)
SELECT CAST(json_build_object(
    'as_of', CAST(:now AS timestamptz),
    'items', (SELECT coalesce(json_agg(item ORDER BY sort1, sort2, gid, b), '[]') FROM items),
    'totals', (SELECT json_build_object(
                   'rooms', count(DISTINCT room_id),
                   'seats', coalesce(sum(seats) FILTER (WHERE b = CAST(:from_on AS date)), 0),
                   {total_figures})
               FROM room_figures),
    'least_used', (SELECT coalesce(json_agg(json_build_object(
                       'room_id', room_id, 'code', code, 'name', name,
                       'school_code', school_code, 'school_name_th', school_name_th,
                       'available_hours', round(available, 2),
                       'scheduled_hours', round(scheduled, 2), 'used_hours', round(used, 2),
                       'scheduled_rate', round(scheduled / available, 4),
                       'used_rate', round(used / available, 4))
                       ORDER BY used / available, scheduled / available, code, school_code,
                                room_id), '[]')
                   FROM (SELECT * FROM per_room WHERE available > 0
                         ORDER BY used / available, scheduled / available, code, school_code,
                                  room_id
                         LIMIT :least_count) least),
    'heatmap', json_build_object('cells', (
        SELECT coalesce(json_agg(json_build_object(
                   'weekday', weekday, 'hour', hour, 'available_hours', round(available, 2),
                   'scheduled_hours', round(scheduled, 2), 'used_hours', round(used, 2),
                   'scheduled_rate', round(scheduled / nullif(available, 0), 4),
                   'used_rate', round(used / nullif(available, 0), 4))
                   ORDER BY weekday, hour), '[]')
        FROM heat))
) AS text) AS report
"""


def _room_where(filters: Resolved, where: Where) -> None:
    """Rooms in scope: the caller's school, and the district, school and room asked for."""
    where.add_given(
        filters,
        (
            ("scope_school_id", "r.school_id = {}"),
            ("district_id", "sc.district_id = {}"),
            ("school_id", "r.school_id = {}"),
            ("room_id", "r.id = {}"),
        ),
    )
    if filters.room_id is None and filters.room_code is not None:
        where.add("r.code = {}", filters.room_code)


def utilisation_query(
    filters: Resolved,
    *,
    group_by: str,
    period: str,
    from_on: date,
    to_on: date,
    now: datetime,
    holidays: list[date],
    default_hours: WeekHours,
    least_count: int = 10,
) -> tuple[TextClause, dict[str, object]]:
    """The report as one statement returning one row, `report`: the JSON text of
    {as_of, items, totals, least_used, heatmap}. `filters` are resolved in the caller's scope."""
    group = _GROUPS[group_by]
    where = Where(named=True)
    _room_where(filters, where)
    # A school-scoped read also narrows the sessions by school: the (school_id, starts_at)
    # index then finds them without reading the city's.
    school = filters.scope_school_id or filters.school_id
    # City-wide, every room is in scope: no need to match sessions against the rooms.
    session_where = (
        "\n      AND s.room_id IN (SELECT room_id FROM rooms)" if where.conditions else ""
    )
    if school is not None:
        session_where += "\n      AND s.school_id = CAST(:session_school AS int)"
    days = sorted(default_hours)
    sql = _SQL.format(
        tz=TZ,
        room_where=where.sql(),
        session_where=session_where,
        day_bucket=_BUCKETS[period].format(day="day"),
        session_bucket=_BUCKETS[period].format(day="local_start::date"),
        period_end=_PERIOD_END[period],
        group_key=group.key,
        group_id=group.id,
        group_code=group.code,
        group_name_th=group.name_th,
        group_name_en=group.name_en,
        group_school_code=group.school_code,
        group_district_code=group.district_code,
        sort1=group.sort1,
        sort2=group.sort2,
        item_figures=_figures(),
        total_figures=_figures(),
    )
    params: dict[str, object] = {
        **where.params,
        "from_on": from_on,
        "to_on": to_on,
        "now": now,
        "holidays": holidays,
        "default_days": days,
        "default_opens": [default_hours[d][0] for d in days],
        "default_closes": [default_hours[d][1] for d in days],
        "least_count": least_count,
    }
    if school is not None:
        params["session_school"] = school
    return text(sql), params
