"""Every API router, in the order they appear in the OpenAPI document."""

from fastapi import FastAPI

from app.accounts.router import router as accounts
from app.attendance.router import router as attendance
from app.creators.router import router as creators
from app.enrolments.router import router as enrolments
from app.health.router import router as health
from app.reference.router import router as reference
from app.rooms.router import router as rooms
from app.students.router import router as students
from app.workshops.router import router as workshops

ROUTERS = (
    health,
    accounts,
    reference,
    rooms,
    creators,
    students,
    workshops,
    enrolments,
    attendance,
)


def include_routers(app: FastAPI) -> None:
    for router in ROUTERS:
        app.include_router(router)
