"""Documented error responses for OpenAPI."""

from typing import Any

from fastapi.dependencies.utils import get_flat_params
from fastapi.routing import APIRoute
from pydantic import BaseModel

from app.core.errors import PROBLEM_JSON

_DESCRIPTIONS = {
    400: "Bad request (unknown parameter or field)",
    401: "Not signed in, or invalid token or API key",
    403: "Your role may not do this",
    404: "Not found, or outside your scope",
    409: "Conflicts with existing data",
    413: "Request body too large",
    422: "Invalid input",
    429: "Too many attempts",
    503: "Database unavailable",
}


class FieldError(BaseModel):
    field: str
    pointer: str | None = None
    message: str


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[FieldError] | None = None


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route: each code documented as problem+json."""
    return {
        code: {
            "description": _DESCRIPTIONS.get(code, "Error"),
            "model": Problem,
            "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for code in codes
    }


def document_request_errors(route: APIRoute) -> None:
    """Document the errors any route may answer before its own code runs, as problem+json.

    400: an unknown query parameter (refused app-wide) or a body that cannot be parsed.
    422: invalid input, on routes that take any; FastAPI would otherwise document its default
    `application/json` HTTPValidationError, which is not what `install_error_handlers` sends.
    """
    if 400 not in route.responses:
        route.responses[400] = errors(400)[400]
    takes_input = route.body_field is not None or bool(get_flat_params(route.dependant))
    if takes_input and 422 not in route.responses:
        route.responses[422] = errors(422)[422]
