"""Filters over attendance shared by exports, reports and the privacy read log.

`params`: the filters as a caller writes them, resolved against the database and narrowed to
the caller's scope. `sql`: the WHERE clauses and joins they become, for every query that
reads attendance, enrolments or workshops by them."""
