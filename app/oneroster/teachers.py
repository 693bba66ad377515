"""Teachers from users.csv: accounts with role teacher in this school, matched by sourcedId
(else `user-<id>` as we export it, else the username of an unlinked teacher of the school).

New accounts get no password (an admin can set one later). A username that is not a valid
sign-in name (letters, digits, `.`, `_`, `-`; 3-100 characters) is turned into one and the
change is reported as a warning. `tobedeleted` or `enabledUser=false` disables the account.
"""

import re
from functools import partial
from typing import Any

from sqlalchemy import insert, text, update
from sqlalchemy.engine import RowMapping

from app.accounts import principals
from app.models import User
from app.oneroster.batch import PeopleBatch
from app.oneroster.context import ImportContext, PeopleIndex, Person
from app.oneroster.parsing import CsvFile, CsvRow
from app.oneroster.sis_fields import PERSON_COLUMNS, ROLE_COLUMNS, sis_values
from app.oneroster.vocabulary import exported_forms, user_id_of

_USERS = text(
    "SELECT id, username, full_name_th, full_name_en, email, is_active, sourced_id, role, "
    "school_id, sis_username, given_name, family_name, "
    + ", ".join(c for c, _ in PERSON_COLUMNS.values())
    + ", "
    + ", ".join(ROLE_COLUMNS)
    + " FROM users WHERE (role = 'teacher' AND school_id = :school_id) "
    "OR sourced_id = ANY(CAST(:sourced_ids AS text[])) "
    "OR lower(username::text) = ANY(CAST(:usernames AS text[]))"
)
_VALID_USERNAME = re.compile(r"^[A-Za-z0-9._-]{3,100}$")
_EN_COLUMNS = ("metadata.givenNameEn", "metadata.familyNameEn")


def sign_in_name(raw: str, sourced_id: str) -> str:
    """`raw` when it is a valid username, else one made from it (or from the sourcedId)."""
    if _VALID_USERNAME.match(raw):
        return raw
    made = re.sub(r"[^A-Za-z0-9._-]", "", re.sub(r"\s+", ".", raw.strip())).strip(".").lower()
    if len(made) < 3:
        made = "teacher." + re.sub(r"[^A-Za-z0-9._-]", "", sourced_id).lower()
    return made[:100]


class _Existing:
    def __init__(self, rows: list[RowMapping], school_id: int, school_code: str) -> None:
        self.school_id = school_id
        self.by_id = {r["id"]: r for r in rows}
        # An SIS id that is not a valid GUID is exported mapped: it may come back so.
        self.by_sourced = {
            key: r
            for r in rows
            if r["sourced_id"]
            for key in exported_forms(r["sourced_id"], school_code)
        }
        self.by_username = {r["username"].lower(): r for r in rows}

    def ours(self, record: RowMapping) -> bool:
        return record["role"] == "teacher" and record["school_id"] == self.school_id

    def unlinked(self, record: RowMapping | None) -> RowMapping | None:
        ok = record is not None and self.ours(record) and record["sourced_id"] is None
        return record if ok else None

    def match(self, row: CsvRow) -> RowMapping | None:
        found = self.by_sourced.get(row.get("sourcedId"))
        if found is not None:
            return found
        user_id = user_id_of(row.get("sourcedId"))
        if user_id is not None and (found := self.unlinked(self.by_id.get(user_id))):
            return found
        return self.unlinked(self.by_username.get(row.get("username").lower()))


async def import_teachers(
    ctx: ImportContext, users: CsvFile, persons: list[Person], index: PeopleIndex
) -> list[Person]:
    """Write the teachers; returns the deletions that named nobody we know."""
    sourced_ids = [p.sourced_id for p in persons]
    usernames = sorted(
        {p.row.get("username").lower() for p in persons}
        | {sign_in_name(p.row.get("username"), p.sourced_id).lower() for p in persons}
    )
    params = {"school_id": ctx.school.id, "sourced_ids": sourced_ids, "usernames": usernames}
    existing = _Existing(
        list((await ctx.db.execute(_USERS, params)).mappings()), ctx.school.id, ctx.school.code
    )
    batch = PeopleBatch(
        ctx,
        users,
        index,
        kind="teacher",
        entity="teachers",
        inactive={"is_active": False},
        is_active=lambda record: bool(record["is_active"]),
    )
    for person in persons:
        row = person.row
        record = existing.match(row)
        if record is not None and not existing.ours(record):
            ctx.reporter.reject(
                users,
                row,
                "sourcedId",
                f"sourcedId {person.sourced_id} is already used by an account that is not a "
                "teacher of this school / sourcedId นี้เป็นของบัญชีอื่น",
            )
            continue
        if record is not None and record["id"] in batch.matched:
            ctx.reporter.reject(
                users, row, "sourcedId", f"the same teacher as line {batch.matched[record['id']]}"
            )
            continue
        if person.deleting:
            batch.delete(person, record)
            continue
        values = _values(batch, person, record, existing)
        if values is None:
            continue
        if record is None:
            batch.create(
                {
                    **values,
                    "role": "teacher",
                    "school_id": ctx.school.id,
                    "sourced_id": person.sourced_id,
                }
            )
            continue
        if record["sourced_id"] is None and person.sourced_id != f"user-{record['id']}":
            values["sourced_id"] = person.sourced_id
        batch.update(person, record, values)
    for update_values in batch.updates:
        await ctx.db.execute(update(User), [update_values])
        # A roster may deactivate a teacher: this process stops serving their cached principal.
        principals.invalidate_user(ctx.db, user_id=update_values["id"])
    if batch.inserts:
        result = await ctx.db.execute(
            insert(User).returning(User.id, User.sourced_id), batch.inserts
        )
        for user_id, sourced_id in result.all():
            index.found[str(sourced_id)] = ("teacher", user_id)
    return batch.leftovers


def _exported_names(record: RowMapping) -> tuple[str, str] | None:
    """The givenName and familyName an export gives a teacher whose SIS sent no names
    (`app.oneroster.records.people`: the Thai full name split at its first space; a one-word
    name is given twice, as 1.2 requires a familyName)."""
    if record["given_name"] is not None or record["family_name"] is not None:
        return None
    given, _, family = record["full_name_th"].strip().partition(" ")
    given = given or record["username"]
    return given, family.strip() or given


def _values(
    batch: PeopleBatch, person: Person, record: RowMapping | None, existing: _Existing
) -> dict[str, Any] | None:
    ctx, users, claimed, row = batch.ctx, batch.users, batch.claimed, person.row
    reject = partial(batch.reject, person)
    before = len(ctx.reporter.problems)

    raw = row.get("username")
    username = (
        record["username"]
        if record is not None and not raw
        else sign_in_name(raw, person.sourced_id)
    )
    if username != raw and not (record is not None and not raw):
        ctx.reporter.warn(
            users.name,
            row.line,
            "username",
            f"{raw!r} is not a valid sign-in name; the account was given {username!r}",
            users.column("username"),
            person.sourced_id,
        )
    owner = existing.by_username.get(username.lower())
    if owner is not None and (record is None or owner["id"] != record["id"]):
        reject("username", f"username {username} is already used by another account / ชื่อผู้ใช้ซ้ำ")
    elif username.lower() in claimed:
        reject("username", f"username {username} is also on line {claimed[username.lower()]}")
    else:
        claimed[username.lower()] = row.line
    # The Thai full name reads given, middle, family; each part is also kept as sent.
    name_th = " ".join(
        p for p in (row.get(c) for c in ("givenName", "middleName", "familyName")) if p
    )
    if len(name_th) > 200:
        reject("givenName", "the full name is longer than 200 characters / ชื่อยาวเกินไป")
    for column in ("givenName", "familyName"):
        if len(row.get(column)) > 100:
            reject(column, f"{column} is longer than 100 characters / ชื่อยาวเกินไป")
    values: dict[str, Any] = {
        "username": username,
        "full_name_th": name_th,
        "given_name": row.get("givenName") or None,
        "family_name": row.get("familyName") or None,
        **sis_values(users, person, record, ctx.school.code, PERSON_COLUMNS, reject),
    }
    if record is not None and _exported_names(record) == (
        row.get("givenName"),
        row.get("familyName"),
    ):
        # Our own export of a name the LMS holds whole: keep it whole, as it was.
        values.update(full_name_th=record["full_name_th"], given_name=None, family_name=None)
    if "username" in users.columns:
        # The SIS's username when the account had to be given another sign-in name.
        values["sis_username"] = raw[:255] if raw and raw != username else None
    if all(c in users.columns for c in _EN_COLUMNS):
        values["full_name_en"] = " ".join(p for p in (row.get(c) for c in _EN_COLUMNS) if p)[:200]
    if "email" in users.columns:
        email = row.get("email")
        if email and ("@" not in email or len(email) > 200):
            reject("email", f"bad email {email!r} / อีเมลไม่ถูกต้อง")
        values["email"] = email or None
    values["is_active"] = person.enabled
    return None if len(ctx.reporter.problems) > before else values
