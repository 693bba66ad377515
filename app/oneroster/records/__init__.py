"""The OneRoster 1.2 collections as SQL, in OneRoster terms: one source for the CSV export
(`app.oneroster.exporter`) and the REST rostering API (`app.oneroster_rest`).

Contract
--------
Each `Collection.sql` is one SELECT with one bind parameter, `:school_ids` (an integer array):
the schools in scope. Scope is applied inside, next to the tables, so PostgreSQL uses the
school indexes; a row is in the collection when its school is in scope, and shared rows
(districts, terms, courses) when a school in scope uses them. A caller wraps it:

    SELECT r.* FROM (<collection.sql>) AS r
    WHERE r.status = 'active' AND r."dateLastModified" > :since
    ORDER BY r."sourcedId" LIMIT :limit OFFSET :offset

Columns are the OneRoster field names (quoted camelCase: `"sourcedId"`, `"enabledUser"`,
`"classSourcedId"`), typed: text, date, timestamptz (`"dateLastModified"`, from `updated_at`),
boolean, text[] for lists (`grades`, `termSourcedIds`). Extensions are `"metadata.<name>"`.
After them come bookkeeping columns in snake_case (`school_id`: the owning school, NULL for
shared rows; `person_kind`/`person_id`, `workshop_id`), for scoping and sub-collections;
they are not OneRoster fields. `Collection.fields` lists the OneRoster ones, in order.

`status` is `active` or `tobedeleted`: a collection also holds what is gone, so that a delta
can say so (a cancelled workshop's class and enrollments, a withdrawn or waitlisted
enrolment, a term or course whose every workshop in scope was cancelled). A bulk view keeps
`status = 'active'`. Students who are not active stay users, `enabledUser = false`.
Pseudonymised students are left out (nothing of them is left to roster).

sourcedIds are computed here, with the rules of `app.oneroster.vocabulary` (`guid_sql` is
`guid_safe` in SQL; tests check they agree). They are unique within a collection in scope:
when two schools' SIS ids collide (two SIS vendors both using `1001`), the first record
(lowest school id) keeps the id and the others get `<id>@<school code>` (GUID-mapped if need
be). So a one-school scope always shows the ids as the SIS sent them.

Privacy: users' names, usernames, emails, phones, userIds and preferred names are students'
personal data (minors'). Fields marked `personal` must only reach callers that may read the
school's roster (`Principal.ensure_reads_school` for every school in `:school_ids`); these
functions do not check: the callers (the export service, the REST routes) do, and record
the read (`privacy.record_scope_read`).

Cost: everything is computed per row and sourcedIds are not indexed; a school is a few
thousand rows, the city a few hundred thousand. A filter on `school_id` or a sourcedId is
applied after the computation; narrow `:school_ids` first.
"""

from app.oneroster.records.base import Collection, Field, FieldType, all_school_ids, guid_sql
from app.oneroster.records.catalogue import ACADEMIC_SESSIONS, CLASSES, COURSES, ORGS
from app.oneroster.records.people import ENROLLMENTS, ROLES, USERS

__all__ = [
    "ACADEMIC_SESSIONS",
    "CLASSES",
    "COLLECTIONS",
    "COURSES",
    "ENROLLMENTS",
    "ORGS",
    "ROLES",
    "USERS",
    "Collection",
    "Field",
    "FieldType",
    "all_school_ids",
    "guid_sql",
]

COLLECTIONS: dict[str, Collection] = {
    c.name: c for c in (ORGS, ACADEMIC_SESSIONS, COURSES, CLASSES, USERS, ROLES, ENROLLMENTS)
}
