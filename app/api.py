"""Every API router, in the order they appear in the OpenAPI document."""

from fastapi import FastAPI
from fastapi.routing import APIRoute

from app.accounts.router import router as accounts
from app.accounts.token_router import router as sign_in
from app.attendance.router import router as attendance
from app.audit.router import router as audit
from app.calendar.router import router as calendar
from app.core.openapi import document_request_errors
from app.core.routing import ApiRoute
from app.creators.router import router as creators
from app.credentials.router import public as credentials_public
from app.credentials.router import router as credentials
from app.curriculum.router import router as curriculum
from app.enrolments.router import router as enrolments
from app.exports.router import router as exports
from app.feeds.router import public as feeds_public
from app.feeds.router import router as feeds
from app.health.router import router as health
from app.learning.router import router as learning
from app.oneroster.router import router as oneroster
from app.oneroster_rest.router import router as oneroster_rest
from app.oneroster_rest.token_router import router as oneroster_token
from app.privacy.router import router as privacy
from app.records.router import router as records
from app.reference.router import router as reference
from app.reports.dashboard_router import router as program_dashboard
from app.reports.reach_router import router as reach
from app.reports.router import router as reports
from app.reports.utilisation_router import router as room_utilisation
from app.rooms.router import router as rooms
from app.students.router import router as students
from app.workshops.router import router as workshops

ROUTERS = (
    health,
    sign_in,
    accounts,
    reference,
    rooms,
    curriculum,
    creators,
    students,
    records,
    workshops,
    calendar,
    enrolments,
    attendance,
    learning,
    credentials,
    credentials_public,
    feeds,
    feeds_public,
    exports,
    reports,
    room_utilisation,
    reach,
    program_dashboard,
    oneroster,
    oneroster_token,
    oneroster_rest,
    audit,
    privacy,
)


def include_routers(app: FastAPI) -> None:
    for router in ROUTERS:
        for route in router.routes:
            # The one-line docstring is the operation's summary; the rest its description.
            if isinstance(route, APIRoute) and route.summary is None and route.description:
                summary, _, rest = route.description.strip().partition("\n")
                route.summary = summary.strip()
                route.description = rest.strip()
            if isinstance(route, APIRoute):
                document_request_errors(route)
                if not isinstance(route, ApiRoute):
                    # Its DbSession would never be ended (app.core.routing).
                    raise TypeError(f"{route.path}: not an app.core.routing.ApiRoute")
        app.include_router(router)
