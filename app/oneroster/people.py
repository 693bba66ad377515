"""Who each users.csv row is: a student or a teacher of this school, someone else, or a
row to reject. The role and org come from roles.csv (OneRoster 1.2) or from the `role` and
`orgSourcedIds` columns of users.csv (1.1)."""

from collections import Counter, defaultdict

from app.oneroster import students, teachers
from app.oneroster.context import ImportContext, PeopleIndex, Person, RoleRef
from app.oneroster.parsing import CsvFile, CsvRow
from app.oneroster.validation import is_true, status_of
from app.oneroster.vocabulary import split_list

KINDS = ("student", "teacher")


async def import_people(ctx: ImportContext) -> PeopleIndex:
    index = PeopleIndex()
    users = ctx.files.get("users.csv")
    if users is None:
        return index
    roles = _roles_by_user(ctx)
    others: Counter[str] = Counter()
    persons: dict[str, list[Person]] = {"student": [], "teacher": [], "either": []}
    for row in ctx.good.get("users.csv", []):
        found = _kind(ctx, users, row, roles, others)
        if found is None:
            continue
        kind, role = found
        persons[kind].append(
            Person(
                row=row,
                kind=kind,
                deleting=status_of(row) == "tobedeleted",
                enabled=is_true(row, "enabledUser"),
                role=role,
            )
        )
    leftovers = await students.import_students(
        ctx, users, persons["student"] + persons["either"], index
    )
    unknown = await teachers.import_teachers(ctx, users, persons["teacher"] + leftovers, index)
    for person in unknown:
        index.skipped.add(person.sourced_id)
        ctx.reporter.warn(
            users.name,
            person.row.line,
            "sourcedId",
            f"tobedeleted: {person.sourced_id} is neither a student nor a teacher of this "
            "school; nothing to deactivate",
            users.column("sourcedId"),
            person.sourced_id,
        )
    if others:
        listed = ", ".join(f"{role}: {n}" for role, n in sorted(others.items()))
        ctx.reporter.warn(
            users.name,
            None,
            "role",
            f"{sum(others.values())} users whose role is neither student nor teacher were "
            f"skipped ({listed})",
        )
    for row in users.rows:
        if ctx.reporter.is_rejected(row) and row.get("sourcedId"):
            index.rejected.setdefault(row.get("sourcedId"), row.line)
    return index


def _roles_by_user(ctx: ImportContext) -> dict[str, list[RoleRef]]:
    file = ctx.files.get("roles.csv")
    by_user: dict[str, list[RoleRef]] = defaultdict(list)
    if file is None:
        return by_user
    for row in ctx.good.get("roles.csv", []):
        if status_of(row) == "tobedeleted":
            continue
        by_user[row.get("userSourcedId")].append(
            RoleRef(
                role=row.get("role"),
                org=row.get("orgSourcedId"),
                primary=row.get("roleType") != "secondary",
                file=file,
                row=row,
                org_column="orgSourcedId",
            )
        )
    return by_user


def _kind(
    ctx: ImportContext,
    users: CsvFile,
    row: CsvRow,
    roles: dict[str, list[RoleRef]],
    others: Counter[str],
) -> tuple[str, RoleRef | None] | None:
    """The row's kind and the role that makes it so, or None when it was rejected or is
    someone we do not import."""
    deleting = status_of(row) == "tobedeleted"
    refs = _refs(users, row, roles)
    if not refs:
        if deleting:
            return "either", None
        if row.get("role"):
            ctx.reporter.reject(
                users,
                row,
                "orgSourcedIds",
                "missing orgSourcedIds: which school is this user in? / ไม่ได้ระบุโรงเรียน",
            )
        else:
            ctx.reporter.reject(
                users,
                row,
                "role" if "role" in users.columns else "sourcedId",
                "no role for this user: give it a roles.csv row (OneRoster 1.2) or role and "
                "orgSourcedIds columns (1.1) / ไม่ได้ระบุบทบาทของผู้ใช้",
            )
        return None
    ours = [r for r in refs if r.org in ctx.our_orgs]
    if not ours and all(r.org in ctx.other_orgs for r in refs):
        ctx.elsewhere["users"] += 1  # another school of the bundle: its run, not ours
        ctx.elsewhere_users.add(row.get("sourcedId"))
        return None
    if not ours:
        first = refs[0]
        prefix = "" if first.file is users else f"user {row.get('sourcedId')}: "
        ctx.reporter.reject(
            first.file, first.row, first.org_column, prefix + ctx.org_problem(first.org)
        )
        ctx.reporter.rejected_rows.add((users.name, row.line))
        return None
    ours.sort(key=lambda r: (r.role not in KINDS, not r.primary))
    role = ours[0].role
    if role in KINDS:
        return role, ours[0]
    others[role] += 1
    return None


def _refs(users: CsvFile, row: CsvRow, roles: dict[str, list[RoleRef]]) -> list[RoleRef]:
    if row.get("role"):  # OneRoster 1.1: the role and orgs are on the users.csv row
        column = "orgSourcedIds" if row.get("orgSourcedIds") else "primaryOrgSourcedId"
        return [
            RoleRef(row.get("role"), org, True, users, row, column)
            for org in split_list(row.get(column))
        ]
    return roles.get(row.get("sourcedId"), [])
