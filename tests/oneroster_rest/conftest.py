"""A two-school world for the OneRoster REST tests: each school with a workshop (class), its
host teacher and enrolled students, and API keys (the OAuth clients) of several owners."""

from datetime import date

import pytest
from httpx import AsyncClient, BasicAuth
from sqlalchemy import text

from app.core.security import new_api_key
from tests.factories import ApiWorld, add_enrolment, add_student, add_term, add_workshop

BASE = "/ims/oneroster/rostering/v1p2"
TOKEN = "/ims/oneroster/v1p2/token"
SCOPE = "https://purl.imsglobal.org/spec/or/v1p2/scope/"
CORE = SCOPE + "roster-core.readonly"
ROSTER = SCOPE + "roster.readonly"
DEMOGRAPHICS = SCOPE + "roster-demographics.readonly"


async def add_api_key(session, user_id: int, school_id: int | None, **columns) -> str:
    """A key for the account (as `POST /api-keys` makes one); returns the whole key."""
    key, prefix, secret_hash = new_api_key()
    extra = "".join(f", {name}" for name in columns)
    values = "".join(f", :{name}" for name in columns)
    await session.execute(
        text(
            "INSERT INTO api_keys (prefix, secret_hash, name, user_id, school_id, created_by"
            f"{extra}) VALUES (:p, :h, 'oneroster', :u, :s, :u{values})"
        ),
        {"p": prefix, "h": secret_hash, "u": user_id, "s": school_id, **columns},
    )
    return key


def client_id_of(key: str) -> str:
    return key.split("_", 2)[1]


async def request_token(client: AsyncClient, key: str, scope: str | None = None):
    data = {"grant_type": "client_credentials"}
    if scope is not None:
        data["scope"] = scope
    return await client.post(TOKEN, data=data, auth=BasicAuth(client_id_of(key), key))


async def bearer_of(client: AsyncClient, key: str, scope: str | None = None) -> dict[str, str]:
    response = await request_token(client, key, scope)
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


@pytest.fixture
async def world(session):
    """ApiWorld plus: both students of school T-0001 enrolled in its workshop; a second term;
    a workshop at the other school (T-0002) hosted by its teacher with its student enrolled;
    API keys of the school admin, the other school's admin, the admin and the teacher."""
    w = await ApiWorld(session).build()
    w.enrolment_ids = [
        await add_enrolment(session, w.workshop_id, student) for student in w.student_ids
    ]
    w.third_student_id = await add_student(
        session, w.school_id, "S9", first_name_th="สมหญิง", last_name_th="ใจดี", grade_level="P6"
    )
    w.term2_id = await add_term(session, 2569, date(2026, 11, 1), term=2, ends_on=date(2027, 3, 1))
    w.second_workshop_id = await add_workshop(
        session, w, term_id=w.term2_id, title_th="เวิร์กช็อปภาคสอง"
    )
    await add_enrolment(session, w.second_workshop_id, w.third_student_id)
    w.other_workshop_id = await add_workshop(
        session, w, school_id=w.other_school_id, room_id=w.other_room_id
    )
    await session.execute(
        text("UPDATE workshops SET host_teacher_id = :t WHERE id = :w"),
        {"t": w.users["other_teacher"], "w": w.other_workshop_id},
    )
    await add_enrolment(session, w.other_workshop_id, w.other_student_id)
    w.keys = {
        role: await add_api_key(session, w.users[role], school)
        for role, school in (
            ("school_admin", w.school_id),
            ("other_school_admin", w.other_school_id),
            ("admin", None),
            ("department", None),
            ("teacher", w.school_id),
        )
    }
    await session.commit()
    w.class_id = f"workshop-{w.workshop_id}"
    w.second_class_id = f"workshop-{w.second_workshop_id}"
    w.other_class_id = f"workshop-{w.other_workshop_id}"
    w.student_sids = ["student-T-0001-S0", "student-T-0001-S1"]
    w.other_student_sid = "student-T-0002-X1"
    w.teacher_sid = f"user-{w.teacher_id}"
    return w


@pytest.fixture
async def school_token(client, world) -> dict[str, str]:
    """A OneRoster token of school T-0001's admin, with both roster scopes."""
    return await bearer_of(client, world.keys["school_admin"])


@pytest.fixture
async def admin_token(client, world) -> dict[str, str]:
    return await bearer_of(client, world.keys["admin"])
