"""The errors the API answers with, as RFC 9457 problem details.

Services raise `AppError` subclasses; constraint violations from PostgreSQL are translated
here, in one place, keyed by the constraint's name (see the naming convention in
`app.models.base`). `app.core.error_handlers` turns every error into its problem+json answer.
"""

from typing import Any

from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "https://lms.bangkok.example/problems/"
# The field message of a date range whose end comes before its start (`to` before `from`).
BEFORE_FROM = "must not be before from / ต้องไม่ก่อนวันที่เริ่มต้น"


class AppError(Exception):
    """A refusal a service raises, answered as problem+json: `status`, `slug` (the end of the
    `type` URI) and `title` come from the subclass, `detail` is for the person who reads it, and
    keyword `extensions` become members of the body (`errors=[...]`, `constraint=...`)."""

    status = 500
    slug = "internal-error"
    title = "Internal error / เกิดข้อผิดพลาดภายในระบบ"

    def __init__(
        self, detail: str, *, headers: dict[str, str] | None = None, **extensions: Any
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.headers = headers
        self.extensions = extensions


class BadRequest(AppError):
    """The request is wrong in a way its schema cannot say (a field its role needs)."""

    status, slug, title = 400, "bad-request", "Bad request / คำขอไม่ถูกต้อง"


class Unauthorized(AppError):
    status, slug, title = 401, "unauthorized", "Not signed in / ยังไม่ได้เข้าสู่ระบบ"


class Forbidden(AppError):
    """Signed in, but the caller's role (or an API key) may not do this."""

    status, slug, title = 403, "forbidden", "Not allowed / ไม่มีสิทธิ์"


class NotFound(AppError):
    """Missing, or outside the caller's scope: the two read the same (`access.not_found`)."""

    status, slug, title = 404, "not-found", "Not found / ไม่พบข้อมูล"


class Conflict(AppError):
    """The request is fine, but the data as it stands refuses it (a full workshop, a
    booked room, a duplicate)."""

    status, slug, title = 409, "conflict", "Conflict / ข้อมูลขัดแย้ง"


class Unprocessable(AppError):
    status, slug, title = 422, "validation-error", "Invalid input / ข้อมูลไม่ถูกต้อง"


class UnsupportedMediaType(AppError):
    status, slug, title = (
        415,
        "unsupported-media-type",
        "Unsupported content type / ไม่รองรับชนิดข้อมูลนี้",
    )


class ServiceUnavailable(AppError):
    """Try again later (the database out of reach); answered with Retry-After."""

    status, slug, title = 503, "service-unavailable", "Service unavailable / ระบบไม่พร้อมใช้งาน"


def problem(
    status: int, slug: str, title: str, detail: str, instance: str | None = None, **ext: Any
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + slug,
        "title": title,
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    body.update(ext)
    headers = {"Retry-After": "5"} if status == 503 else None
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


# Constraint name -> (status, field, message). Messages are what a person will read.
CONSTRAINT_MESSAGES: dict[str, tuple[int, str | None, str]] = {
    "ex_workshop_sessions_room_overlap": (
        409,
        "sessions",
        "The room is already booked at that time / ห้องนี้ถูกจองในช่วงเวลานั้นแล้ว",
    ),
    "ex_workshop_sessions_creator_overlap": (
        409,
        "creator_id",
        "The creator already leads a session at that time / ครีเอเตอร์มีเซสชันอื่นในช่วงเวลานั้น",
    ),
    "ex_academic_terms_no_overlap": (
        409,
        "starts_on",
        "Terms may not overlap / ภาคเรียนซ้อนทับกันไม่ได้",
    ),
    "ck_workshops_capacity_within_room_seats": (
        422,
        "capacity",
        "Capacity exceeds the room's seats / จำนวนที่นั่งเกินจำนวนเครื่องในห้อง",
    ),
    "ck_workshops_seats_taken_within_capacity": (
        409,
        "capacity",
        "The workshop is full / เวิร์กช็อปเต็มแล้ว",
    ),
    "ck_computer_rooms_seats_cover_workshops": (
        409,
        "seats",
        "Scheduled workshops need more seats / มีเวิร์กช็อปที่ต้องใช้ที่นั่งมากกว่านี้",
    ),
}


def _constraint_name(exc: DBAPIError) -> str | None:
    orig = getattr(exc, "orig", None)
    for candidate in (orig, getattr(orig, "__cause__", None)):
        name = getattr(candidate, "constraint_name", None)
        if name:
            return str(name)
    return None


def translate_integrity_error(exc: DBAPIError) -> AppError:
    """Map a constraint violation to an AppError a client can act on."""
    name = _constraint_name(exc)
    if name in CONSTRAINT_MESSAGES:
        status, field, message = CONSTRAINT_MESSAGES[name]
        cls = {409: Conflict, 422: Unprocessable}.get(status, Conflict)
        return cls(message, constraint=name, field=field)
    if name and name.startswith("uq_"):
        return Conflict(
            f"A record with these values already exists ({name}) / ข้อมูลนี้มีอยู่แล้ว", constraint=name
        )
    if name and name.startswith("fk_"):
        return Conflict(
            f"A referenced record is missing or still in use ({name}) / "
            "ข้อมูลที่อ้างถึงไม่มีอยู่หรือยังถูกใช้งาน",
            constraint=name,
        )
    if name and name.startswith("ck_"):
        return Unprocessable(f"A value breaks rule {name} / ค่าที่ส่งมาผิดกฎ", constraint=name)
    return Conflict("The change conflicts with existing data / ข้อมูลขัดแย้งกับที่มีอยู่", constraint=name)
