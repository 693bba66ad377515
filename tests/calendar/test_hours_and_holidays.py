"""Thai public holidays, teaching hours (the city's and a school's) and a school's calendar."""

from datetime import date

from tests.factories import assert_unchanged, rows_of, table_snapshot

HOLIDAYS = "/api/v1/calendar/holidays"
CITY_HOURS = "/api/v1/calendar/teaching-hours"
WEEK = [{"weekday": d, "starts_at": "08:00", "ends_at": "16:00"} for d in range(1, 6)]


def school_hours(world) -> str:
    return f"/api/v1/schools/{world.school_id}/teaching-hours"


def school_calendar(world, query: str = "") -> str:
    return f"/api/v1/schools/{world.school_id}/calendar{query}"


async def test_holidays_of_a_range_name_each_day_in_thai_and_english(client, world):
    await world.add_closure(
        kind="holiday",
        starts_on=date(2026, 12, 10),
        ends_on=date(2026, 12, 11),
        name_th="วันหยุด กทม.",
        name_en="BMA day",
    )
    response = await client.get(
        f"{HOLIDAYS}?from=2026-12-01&to=2026-12-31", headers=world.headers["creator"]
    )
    assert response.status_code == 200, response.text
    items = [(i["date"], i["source"], i["name_en"]) for i in response.json()["items"]]
    assert ("2026-12-10", "public_holiday", "Constitution Day") in items
    assert ("2026-12-10", "city", "BMA day") in items
    assert ("2026-12-11", "city", "BMA day") in items
    assert ("2026-12-31", "public_holiday", "New Year's Eve") in items
    assert [d for d, _, _ in items] == sorted(d for d, _, _ in items)
    constitution = next(i for i in response.json()["items"] if i["name_en"] == "Constitution Day")
    assert constitution["name_th"] == "วันรัฐธรรมนูญ"


async def test_holidays_default_to_this_year_and_refuse_huge_or_reversed_ranges(client, world):
    this_year = await client.get(HOLIDAYS, headers=world.headers["teacher"])
    assert this_year.status_code == 200
    year = this_year.json()["from"][:4]
    assert (this_year.json()["from"], this_year.json()["to"]) == (f"{year}-01-01", f"{year}-12-31")
    huge = await client.get(
        f"{HOLIDAYS}?from=2026-01-01&to=2030-01-01", headers=world.headers["teacher"]
    )
    assert huge.status_code == 400
    assert huge.json()["errors"][0]["field"] == "to"
    reversed_ = await client.get(
        f"{HOLIDAYS}?from=2026-05-01&to=2026-04-01", headers=world.headers["teacher"]
    )
    assert reversed_.status_code == 400
    far = await client.get(f"{HOLIDAYS}?from=9999-01-01", headers=world.headers["teacher"])
    assert far.status_code == 422
    assert far.json()["errors"][0]["field"] == "query.from"
    anonymous = await client.get(HOLIDAYS)
    assert anonymous.status_code == 401


async def test_the_city_hours_default_then_replaced_by_an_admin(client, world, session):
    default = await client.get(CITY_HOURS, headers=world.headers["creator"])
    assert default.json() == {
        "school_id": None,
        "source": "default",
        "hours": [{"weekday": d, "starts_at": "08:30", "ends_at": "15:30"} for d in range(1, 6)],
    }
    put = await client.put(CITY_HOURS, headers=world.headers["admin"], json={"hours": WEEK})
    assert put.status_code == 200, put.text
    assert put.json()["source"] == "city" and put.json()["hours"] == WEEK
    events = await rows_of(
        session, "SELECT action, target_type FROM audit_events WHERE action LIKE 'calendar.%'"
    )
    assert [(e["action"], e["target_type"]) for e in events] == [
        ("calendar.hours_replaced", "city")
    ]
    back = await client.put(CITY_HOURS, headers=world.headers["admin"], json={"hours": []})
    assert back.json()["source"] == "default"


async def test_only_an_admin_replaces_the_city_hours(client, world, session):
    before = await table_snapshot(session)
    for role in ("school_admin", "department", "teacher", "creator"):
        response = await client.put(CITY_HOURS, headers=world.headers[role], json={"hours": WEEK})
        assert response.status_code == 403, role
    await assert_unchanged(session, before)


async def test_bad_hours_are_422_naming_the_field(client, world, session):
    before = await table_snapshot(session)
    cases = [
        ([{"weekday": 8, "starts_at": "08:00", "ends_at": "12:00"}], "hours.0.weekday"),
        ([{"weekday": 1, "starts_at": "25:00", "ends_at": "26:00"}], "hours.0.starts_at"),
        ([{"weekday": 1, "starts_at": "12:00", "ends_at": "12:00"}], "hours.0.ends_at"),
        ([{"weekday": 1, "starts_at": "8:00", "ends_at": "12:00"}], "hours.0.starts_at"),
        (
            [
                {"weekday": 2, "starts_at": "08:00", "ends_at": "12:00"},
                {"weekday": 2, "starts_at": "13:00", "ends_at": "15:00"},
            ],
            "hours.1.weekday",
        ),
    ]
    for hours, field in cases:
        response = await client.put(
            school_hours(world), headers=world.headers["school_admin"], json={"hours": hours}
        )
        assert response.status_code == 422, (hours, response.text)
        assert response.json()["errors"][0]["field"] == field
        assert response.json()["errors"][0]["pointer"] == "/body/" + field.replace(".", "/")
    await assert_unchanged(session, before)


async def test_a_school_admin_sets_their_schools_hours_and_can_follow_the_city_again(client, world):
    saturday = [{"weekday": 6, "starts_at": "09:00", "ends_at": "12:00"}]
    put = await client.put(
        school_hours(world), headers=world.headers["school_admin"], json={"hours": saturday}
    )
    assert put.status_code == 200, put.text
    assert (put.json()["school_id"], put.json()["source"]) == (world.school_id, "school")
    read = await client.get(school_calendar(world), headers=world.headers["teacher"])
    assert (read.json()["hours_source"], read.json()["hours"]) == ("school", saturday)
    await client.put(CITY_HOURS, headers=world.headers["admin"], json={"hours": WEEK})
    cleared = await client.put(
        school_hours(world), headers=world.headers["school_admin"], json={"hours": []}
    )
    assert (cleared.json()["source"], cleared.json()["hours"]) == ("city", WEEK)


async def test_who_may_set_a_schools_hours(client, world, session):
    before = await table_snapshot(session)
    expected = {
        "teacher": 403,
        "department": 403,
        "creator": 403,
        "other_school_admin": 404,
        "other_teacher": 403,
    }
    for role, status in expected.items():
        response = await client.put(
            school_hours(world), headers=world.headers[role], json={"hours": WEEK}
        )
        assert response.status_code == status, role
    missing = await client.put(
        "/api/v1/schools/999999/teaching-hours", headers=world.headers["admin"], json={"hours": []}
    )
    assert missing.status_code == 404
    await assert_unchanged(session, before)


async def test_a_schools_calendar_lists_every_day_off_with_its_source(client, world):
    city = await world.add_closure(
        kind="holiday", starts_on=date(2026, 12, 1), ends_on=date(2026, 12, 1), name_th="วันหยุด กทม."
    )
    school = await world.add_closure(
        school_id=world.school_id,
        kind="exam",
        starts_on=date(2026, 12, 2),
        ends_on=date(2026, 12, 3),
        name_th="สอบ",
        name_en="Exams",
    )
    room = await world.add_closure(
        school_id=world.school_id,
        room_id=world.room2_id,
        kind="maintenance",
        starts_on=date(2026, 12, 4),
        ends_on=date(2026, 12, 4),
        name_th="ซ่อม",
    )
    await world.add_closure(
        school_id=world.other_school_id,
        kind="exam",
        starts_on=date(2026, 12, 4),
        ends_on=date(2026, 12, 4),
        name_th="สอบโรงเรียนอื่น",
    )
    response = await client.get(
        school_calendar(world, "?from=2026-12-01&to=2026-12-10"), headers=world.headers["teacher"]
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["from"], body["to"], body["hours_source"]) == (
        "2026-12-01",
        "2026-12-10",
        "default",
    )
    days = [(d["date"], d["source"], d["closure_id"], d["room"]) for d in body["days_off"]]
    assert days == [
        ("2026-12-01", "city", city, None),
        ("2026-12-02", "school", school, None),
        ("2026-12-03", "school", school, None),
        ("2026-12-04", "room", room, {"id": world.room2_id, "code": "LAB-2"}),
        ("2026-12-05", "public_holiday", None, None),
        ("2026-12-07", "public_holiday", None, None),
        ("2026-12-10", "public_holiday", None, None),
    ]


async def test_who_reads_a_schools_calendar(client, world):
    expected = {
        "admin": 200,
        "department": 200,
        "school_admin": 200,
        "teacher": 200,
        "creator": 404,
        "other_school_admin": 404,
        "other_teacher": 404,
    }
    for role, status in expected.items():
        response = await client.get(school_calendar(world), headers=world.headers[role])
        assert response.status_code == status, role
    missing = await client.get("/api/v1/schools/999999/calendar", headers=world.headers["admin"])
    assert missing.status_code == 404
