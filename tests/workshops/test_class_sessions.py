"""A class session reads the same on the room's schedule and on /me/sessions."""

from sqlalchemy import text

from tests.factories import ApiWorld, add_enrolment

JUNE_15 = {"from": "2026-06-15", "to": "2026-06-15"}


async def test_schedule_and_my_day_agree_on_enrolled_count_and_title(client, session):
    world = await ApiWorld(session).build()
    await add_enrolment(session, world.workshop_id, world.student_ids[0])
    await add_enrolment(session, world.workshop_id, world.student_ids[1], status="completed")
    # A workshop planned without titles of its own shows its module's.
    await session.execute(text("UPDATE workshops SET title_th = '', title_en = ''"))
    await session.commit()
    headers = world.headers["teacher"]

    schedule = await client.get(
        f"/api/v1/rooms/{world.room_id}/schedule", params=JUNE_15, headers=headers
    )
    my_day = await client.get("/api/v1/me/sessions", params={"date": "2026-06-15"}, headers=headers)

    assert schedule.status_code == 200, schedule.text
    assert my_day.status_code == 200, my_day.text
    [on_schedule] = schedule.json()["sessions"]
    [on_my_day] = my_day.json()["items"]
    titles = {"id": world.workshop_id, "title_th": "บทที่ 1", "title_en": "Unit 1"}
    assert on_schedule["workshop"] == on_my_day["workshop"] == titles
    # Both count the place-holding enrolments (enrolled and completed).
    assert on_schedule["enrolled_count"] == on_my_day["enrolled"] == 2
