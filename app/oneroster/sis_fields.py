"""What an SIS sent that the LMS keeps only to give it back (`app.models.roster`).

A column the file does not have leaves the stored value alone (a delta file of names only
does not clear emails); a column that is there but blank clears it. The role's sourcedId and
dates come from the person's roles.csv row (OneRoster 1.2); a 1.1 bundle has no such row and
leaves them alone. Ids and usernames the LMS made up itself (`role-<user>`, the username an
export derives from the student code) are not stored: they are made again on export.
"""

from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import RowMapping

from app.oneroster.context import Person
from app.oneroster.parsing import CsvFile
from app.oneroster.vocabulary import exported_forms

# users.csv column -> our column, and the longest value the column holds.
PERSON_COLUMNS: dict[str, tuple[str, int]] = {
    "phone": ("sis_phone", 100),
    "sms": ("sis_sms", 100),
    "userIds": ("sis_user_ids", 1000),
    "middleName": ("middle_name", 100),
    "preferredGivenName": ("preferred_given_name", 100),
    "preferredMiddleName": ("preferred_middle_name", 100),
    "preferredFamilyName": ("preferred_family_name", 100),
}
STUDENT_COLUMNS: dict[str, tuple[str, int]] = {
    **PERSON_COLUMNS,
    "email": ("sis_email", 255),
}
ROLE_COLUMNS = ("role_sourced_id", "role_begin_date", "role_end_date")


def sis_values(
    users: CsvFile,
    person: Person,
    record: RowMapping | None,
    school_code: str,
    columns: dict[str, tuple[str, int]],
    reject: Callable[[str, str], None],
) -> dict[str, Any]:
    """Our columns' new values for `person` (only those the bundle speaks about)."""
    values: dict[str, Any] = {}
    for name, (column, longest) in columns.items():
        if name not in users.columns:
            continue
        value = person.row.get(name)
        if len(value) > longest:
            reject(name, f"{name} is longer than {longest} characters / {name} ยาวเกินไป")
        values[column] = value or None
    role = person.role
    if role is not None and role.file is not users:
        sourced_id = role.row.get("sourcedId")
        stored = record["role_sourced_id"] if record is not None else None
        if stored is not None and sourced_id in exported_forms(stored, school_code):
            sourced_id = stored  # our export of the SIS's id: keep it as sent
        values["role_sourced_id"] = (
            None if sourced_id == f"role-{person.sourced_id}" else sourced_id or None
        )
        for name, column in (("beginDate", "role_begin_date"), ("endDate", "role_end_date")):
            value = role.row.get(name)
            # validation.check_file has refused a value that is not YYYY-MM-DD.
            values[column] = date.fromisoformat(value) if value else None
    return values
