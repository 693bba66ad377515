"""Request bodies and extra rows for the workshop tests."""

from datetime import date, timedelta
from typing import Any

from tests.factories import ApiWorld, at, insert

DAY = date(2026, 6, 15)  # the world's session: 09:00-10:00 Bangkok in LAB-1, led by "maker"


def slot(hour: int, minute: int = 0, *, day: date = DAY, hours: float = 1) -> dict[str, str]:
    starts = at(day, hour, minute)
    return {
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=hours)).isoformat(),
    }


def workshop_body(world: ApiWorld, *slots: dict[str, str], **overrides: Any) -> dict[str, Any]:
    """A valid create request in the world's room with the other creator (no clash)."""
    body = {
        "module_code": "T101-01",
        "creator_id": world.other_creator_id,
        "room_id": world.room_id,
        "host_teacher_id": world.teacher_id,
        "term_id": world.term_id,
        "sessions": list(slots) or [slot(13)],
    }
    return body | overrides


async def second_room(world: ApiWorld, *, seats: int = 20, status: str = "active") -> int:
    room_id = await insert(
        world.session,
        "computer_rooms",
        school_id=world.school_id,
        code=f"LAB-{status}-{seats}",
        name="ห้องคอมพิวเตอร์ 2",
        seats=seats,
        status=status,
    )
    await world.session.commit()
    return room_id
