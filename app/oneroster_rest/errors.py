"""OneRoster's status-info payload, inside the problem+json every error of the API is.

OneRoster clients read `imsx_codeMajor`, `imsx_severity`, `imsx_description` and
`imsx_CodeMinor` (the 1.2 REST binding's `imsx_StatusInfo`); the project's rule is RFC 9457
problem details naming the field. One body holds both sets of members, sent as
`application/problem+json`: a client of either kind finds what it reads.

Code minor values (the binding's vocabulary): `invalid_filter_field`,
`invalid_selection_field` (`fields`), `invalid_sort_field` (`sort`, `orderBy`; the 1.1 value,
kept by 1.2 clients), `invaliddata` (`limit`, `offset`, other bad input), `unauthorisedrequest`
(401), `forbidden` (403), `unknownobject` (404), `server_busy` (503) and
`internal_server_error` (500).
"""

from typing import Any

from app.core.errors import AppError, BadRequest

# The code minor of each HTTP status an error may have when nothing more precise is known.
_CODE_MINOR_BY_STATUS = {
    400: "invaliddata",
    401: "unauthorisedrequest",
    403: "forbidden",
    404: "unknownobject",
    422: "invaliddata",
    500: "internal_server_error",
    503: "server_busy",
}


def status_info(description: str, code_minor: str) -> dict[str, Any]:
    """The `imsx_StatusInfo` members of a failure."""
    return {
        "imsx_codeMajor": "failure",
        "imsx_severity": "error",
        "imsx_description": description,
        "imsx_CodeMinor": {
            "imsx_codeMinorField": [
                {
                    "imsx_codeMinorFieldName": "TargetEndSystem",
                    "imsx_codeMinorFieldValue": code_minor,
                }
            ]
        },
    }


def with_status_info(error: AppError) -> AppError:
    """`error` with the status-info members added (unless it has them): same status, class,
    headers and problem members, so a 401 keeps its WWW-Authenticate."""
    if "imsx_codeMajor" not in error.extensions:
        code_minor = _CODE_MINOR_BY_STATUS.get(error.status, "invaliddata")
        error.extensions.update(status_info(error.detail, code_minor))
    return error


class InvalidQuery(BadRequest):
    """A query parameter OneRoster defines, with a value the service cannot use: 400 naming
    the parameter (`errors[].pointer`) and the code minor the binding has for it."""

    def __init__(self, parameter: str, code_minor: str, detail: str) -> None:
        super().__init__(
            detail,
            errors=[{"field": parameter, "pointer": f"/query/{parameter}", "message": detail}],
            **status_info(detail, code_minor),
        )


def invalid_filter(detail: str) -> InvalidQuery:
    return InvalidQuery("filter", "invalid_filter_field", detail)


def invalid_fields(detail: str) -> InvalidQuery:
    return InvalidQuery("fields", "invalid_selection_field", detail)


def invalid_sort(parameter: str, detail: str) -> InvalidQuery:
    return InvalidQuery(parameter, "invalid_sort_field", detail)


def invalid_paging(parameter: str, detail: str) -> InvalidQuery:
    return InvalidQuery(parameter, "invaliddata", detail)
