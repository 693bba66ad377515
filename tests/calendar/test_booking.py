"""The calendar rule on session writes: holidays, closures and teaching hours are a 409 naming
the day, unless the request says allow_outside_hours, which books and marks the session."""

from datetime import date

from tests.factories import assert_unchanged, slot, table_snapshot, workshop_body

URL = "/api/v1/workshops"
CONSTITUTION_DAY = date(2026, 12, 10)  # a Thursday, inside 2569-T2
SATURDAY = date(2026, 6, 20)
MONDAY = date(2026, 6, 22)


def december(world, *slots, **overrides):
    return workshop_body(world, *slots, term_id=world.term2_id, **overrides)


async def test_a_session_on_constitution_day_is_409_naming_the_holiday(client, world, session):
    before = await table_snapshot(session)
    body = december(world, slot(9, day=date(2026, 12, 9)), slot(9, day=CONSTITUTION_DAY))
    response = await client.post(URL, headers=world.headers["school_admin"], json=body)
    assert response.status_code == 409, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert "วันรัฐธรรมนูญ" in problem["detail"] and "Constitution Day" in problem["detail"]
    assert "2026-12-10" in problem["detail"]
    assert problem["calendar"] == {
        "reason": "holiday",
        "date": "2026-12-10",
        "name_th": "วันรัฐธรรมนูญ",
        "name_en": "Constitution Day",
        "source": "public_holiday",
        "closure_id": None,
    }
    assert problem["errors"][0]["field"] == "sessions.1"
    assert problem["errors"][0]["pointer"] == "/body/sessions/1"
    await assert_unchanged(session, before)


async def test_allow_outside_hours_books_the_holiday_and_marks_it(client, world):
    body = december(
        world,
        slot(9, day=date(2026, 12, 9)),
        slot(9, day=CONSTITUTION_DAY),
        allow_outside_hours=True,
    )
    response = await client.post(URL, headers=world.headers["school_admin"], json=body)
    assert response.status_code == 201, response.text
    shown = await client.get(response.headers["Location"], headers=world.headers["teacher"])
    sessions = shown.json()["sessions"]
    marks = [(s["starts_at"][:10], s["outside_hours"], s["calendar_note"]) for s in sessions]
    assert marks == [
        ("2026-12-09", False, ""),
        ("2026-12-10", True, "วันรัฐธรรมนูญ / Constitution Day"),
    ]


async def test_one_session_may_carry_its_own_override(client, world):
    holiday = slot(9, day=CONSTITUTION_DAY) | {"allow_outside_hours": True}
    body = december(world, slot(9, day=date(2026, 12, 9)), holiday)
    response = await client.post(URL, headers=world.headers["admin"], json=body)
    assert response.status_code == 201, response.text
    assert [s["outside_hours"] for s in response.json()["sessions"]] == [False, True]


async def test_a_saturday_has_no_teaching_hours(client, world):
    response = await client.post(
        URL, headers=world.headers["admin"], json=workshop_body(world, slot(9, day=SATURDAY))
    )
    assert response.status_code == 409
    problem = response.json()
    assert problem["calendar"]["reason"] == "no_teaching_day"
    assert problem["calendar"]["date"] == "2026-06-20"
    assert "Saturday" in problem["detail"] and "วันเสาร์" in problem["detail"]


async def test_a_seven_oclock_start_is_outside_teaching_hours(client, world):
    response = await client.post(
        URL, headers=world.headers["admin"], json=workshop_body(world, slot(7, day=MONDAY))
    )
    assert response.status_code == 409
    problem = response.json()
    assert problem["calendar"]["reason"] == "outside_hours"
    assert problem["calendar"]["name_en"] == "Outside teaching hours 08:30–15:30"
    assert problem["errors"][0]["pointer"] == "/body/sessions/0"


async def test_an_evening_workshop_is_allowed_visibly(client, world):
    body = workshop_body(world, slot(18, day=MONDAY, hours=2), allow_outside_hours=True)
    response = await client.post(URL, headers=world.headers["admin"], json=body)
    assert response.status_code == 201, response.text
    (booked,) = response.json()["sessions"]
    assert booked["outside_hours"] is True
    assert (
        booked["calendar_note"] == "นอกเวลาเรียน 08:30–15:30 น. / Outside teaching hours 08:30–15:30"
    )
    day = await client.get("/api/v1/me/sessions?date=2026-06-22", headers=world.headers["teacher"])
    (mine,) = day.json()["items"]
    assert (mine["outside_hours"], mine["calendar_note"]) == (True, booked["calendar_note"])
    schedule = await client.get(
        f"/api/v1/rooms/{world.room_id}/schedule?from=2026-06-22&to=2026-06-22",
        headers=world.headers["teacher"],
    )
    assert [s["outside_hours"] for s in schedule.json()["sessions"]] == [True]


async def test_a_schools_own_hours_override_the_city(client, world):
    await world.set_hours(None, (1, "08:00", "16:00"))
    await world.set_hours(world.school_id, (6, "09:00", "12:00"))
    saturday = await client.post(
        URL, headers=world.headers["admin"], json=workshop_body(world, slot(9, day=SATURDAY))
    )
    assert saturday.status_code == 201, saturday.text
    # The school's week replaces the city's: its Monday has no teaching now.
    monday = await client.post(
        URL, headers=world.headers["admin"], json=workshop_body(world, slot(9, day=MONDAY))
    )
    assert monday.status_code == 409
    assert monday.json()["calendar"]["reason"] == "no_teaching_day"
    # Another school still follows the city: 08:00 on a Monday (the default starts 08:30).
    other = workshop_body(
        world,
        slot(8, day=MONDAY),
        room_id=world.other_room_id,
        host_teacher_id=world.users["other_teacher"],
    )
    other_response = await client.post(URL, headers=world.headers["admin"], json=other)
    assert other_response.status_code == 201, other_response.text
    assert other_response.json()["sessions"][0]["outside_hours"] is False


async def test_the_citys_hours_override_the_default(client, world):
    await world.set_hours(None, (1, "07:30", "12:00"))
    early = await client.post(
        URL, headers=world.headers["admin"], json=workshop_body(world, slot(7, 30, day=MONDAY))
    )
    assert early.status_code == 201, early.text
    afternoon = await client.post(
        URL, headers=world.headers["admin"], json=workshop_body(world, slot(13, day=MONDAY))
    )
    assert afternoon.status_code == 409
    assert afternoon.json()["calendar"]["name_en"] == "Outside teaching hours 07:30–12:00"


async def test_a_school_closure_refuses_every_room_of_the_school(client, world):
    closure_id = await world.add_closure(
        school_id=world.school_id,
        kind="exam",
        starts_on=MONDAY,
        ends_on=date(2026, 6, 26),
        name_th="สอบกลางภาค",
        name_en="Midterm exams",
    )
    for room_id in (world.room_id, world.room2_id):
        body = workshop_body(world, slot(10, day=date(2026, 6, 24)), room_id=room_id)
        response = await client.post(URL, headers=world.headers["admin"], json=body)
        assert response.status_code == 409, response.text
        calendar = response.json()["calendar"]
        assert (calendar["reason"], calendar["source"]) == ("closure", "school")
        assert (calendar["closure_id"], calendar["name_en"]) == (closure_id, "Midterm exams")


async def test_a_room_maintenance_closes_that_room_only(client, world):
    await world.add_closure(
        school_id=world.school_id,
        room_id=world.room_id,
        kind="maintenance",
        starts_on=MONDAY,
        ends_on=MONDAY,
        name_th="ซ่อมบำรุงเครื่อง",
        name_en="Computer maintenance",
    )
    closed = await client.post(
        URL, headers=world.headers["admin"], json=workshop_body(world, slot(10, day=MONDAY))
    )
    assert closed.status_code == 409
    assert closed.json()["calendar"]["source"] == "room"
    open_room = workshop_body(world, slot(10, day=MONDAY), room_id=world.room2_id)
    other = await client.post(URL, headers=world.headers["admin"], json=open_room)
    assert other.status_code == 201, other.text
    assert other.json()["sessions"][0]["outside_hours"] is False


async def test_a_city_closure_applies_to_every_school(client, world):
    await world.add_closure(
        kind="holiday",
        starts_on=MONDAY,
        ends_on=MONDAY,
        name_th="วันหยุดพิเศษ กทม.",
        name_en="BMA day",
    )
    other = workshop_body(
        world,
        slot(10, day=MONDAY),
        room_id=world.other_room_id,
        host_teacher_id=world.users["other_teacher"],
    )
    for body in (workshop_body(world, slot(10, day=MONDAY)), other):
        response = await client.post(URL, headers=world.headers["admin"], json=body)
        assert response.status_code == 409, response.text
        assert response.json()["calendar"]["source"] == "city"


async def test_moving_onto_a_holiday_needs_the_override_and_moving_back_clears_it(
    client, world, session
):
    url = f"/api/v1/sessions/{world.session_id}"
    holiday = slot(9, day=date(2026, 6, 3))  # HM Queen Suthida's Birthday, a Wednesday
    before = await table_snapshot(session)
    refused = await client.patch(url, headers=world.headers["school_admin"], json=holiday)
    assert refused.status_code == 409
    assert refused.json()["calendar"]["reason"] == "holiday"
    assert refused.json()["errors"][0]["pointer"] == "/body/starts_at"
    await assert_unchanged(session, before)
    moved = await client.patch(
        url, headers=world.headers["school_admin"], json=holiday | {"allow_outside_hours": True}
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["outside_hours"] is True
    assert "HM Queen Suthida's Birthday" in moved.json()["calendar_note"]
    back = await client.patch(
        url, headers=world.headers["school_admin"], json=slot(9, day=date(2026, 6, 4))
    )
    assert back.status_code == 200, back.text
    assert (back.json()["outside_hours"], back.json()["calendar_note"]) == (False, "")


async def test_adding_a_session_on_a_closure_is_409_then_allowed(client, world):
    url = f"{URL}/{world.workshop_id}/sessions"
    await world.add_closure(
        school_id=world.school_id,
        kind="school_holiday",
        starts_on=MONDAY,
        ends_on=MONDAY,
        name_th="ปิดภาคพิเศษ",
    )
    refused = await client.post(url, headers=world.headers["admin"], json=slot(10, day=MONDAY))
    assert refused.status_code == 409
    assert refused.json()["errors"][0]["field"] == "starts_at"
    allowed = await client.post(
        url,
        headers=world.headers["admin"],
        json=slot(10, day=MONDAY) | {"allow_outside_hours": True},
    )
    assert allowed.status_code == 201, allowed.text
    assert allowed.json()["calendar_note"] == "ปิดภาคพิเศษ"


async def test_moving_a_workshop_into_a_room_under_maintenance(client, world, session):
    await world.add_closure(
        school_id=world.school_id,
        room_id=world.room2_id,
        kind="maintenance",
        starts_on=date(2026, 6, 15),
        ends_on=date(2026, 6, 15),
        name_th="ซ่อมแอร์",
        name_en="Air conditioning repair",
    )
    url = f"{URL}/{world.workshop_id}"
    before = await table_snapshot(session)
    refused = await client.patch(
        url, headers=world.headers["admin"], json={"room_id": world.room2_id}
    )
    assert refused.status_code == 409
    assert refused.json()["errors"][0]["pointer"] == "/body/room_id"
    assert refused.json()["calendar"]["name_en"] == "Air conditioning repair"
    await assert_unchanged(session, before)
    moved = await client.patch(
        url,
        headers=world.headers["admin"],
        json={"room_id": world.room2_id, "allow_outside_hours": True},
    )
    assert moved.status_code == 200, moved.text
    (booked,) = moved.json()["sessions"]
    assert (booked["outside_hours"], booked["calendar_note"]) == (
        True,
        "ซ่อมแอร์ / Air conditioning repair",
    )
    back = await client.patch(url, headers=world.headers["admin"], json={"room_id": world.room_id})
    assert back.json()["sessions"][0]["outside_hours"] is False


async def test_the_calendar_answers_before_a_room_clash(client, world):
    # The world's session holds LAB-1 on 2026-06-15 09:00-10:00; 08:00-09:30 both clashes
    # with it and starts before teaching hours: the calendar speaks first.
    body = workshop_body(world, slot(8, day=date(2026, 6, 15), hours=1.5))
    response = await client.post(URL, headers=world.headers["admin"], json=body)
    assert response.status_code == 409
    assert "calendar" in response.json() and "clash" not in response.json()
    allowed = await client.post(
        URL, headers=world.headers["admin"], json=body | {"allow_outside_hours": True}
    )
    assert allowed.status_code == 409
    assert allowed.json()["clash"]["session_id"] == world.session_id


async def test_a_session_running_to_midnight_is_outside_teaching_hours(client, world):
    evening = {"starts_at": "2026-06-22T14:00:00+07:00", "ends_at": "2026-06-23T00:00:00+07:00"}
    response = await client.post(
        URL, headers=world.headers["admin"], json=workshop_body(world, evening)
    )
    assert response.status_code == 409
    assert response.json()["calendar"]["reason"] == "outside_hours"
