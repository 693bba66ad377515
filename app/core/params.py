"""Query-string parameters that several list routes declare alike."""

from typing import Annotated

from fastapi import Query

from app.core.schemas import ApiDayOrDateTime

WHEN_HELP = "A day (YYYY-MM-DD, Bangkok, included whole) or a timestamp with its offset"

# `from` / `to` of a time window over recorded events (audit trail, personal-data reads).
PeriodFrom = Annotated[
    ApiDayOrDateTime | None, Query(alias="from", description=f"From. {WHEN_HELP}")
]
PeriodTo = Annotated[ApiDayOrDateTime | None, Query(description=f"To. {WHEN_HELP}")]
