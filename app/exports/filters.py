"""The filters' old address: they live in `app.attendance_filters.params`, shared with reports.

Kept so that the export and report routers import them as before; import from
`app.attendance_filters.params` in new code."""

from app.attendance_filters.params import FilterParams

__all__ = ["FilterParams"]
