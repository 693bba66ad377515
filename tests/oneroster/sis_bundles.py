"""Bundles as an SIS writes them, built in code: its own org ids, many schools, each file's
1.2 header with only the columns a test cares about filled in."""

import csv as csv_module
import io

from app.oneroster import vocabulary as v
from tests.oneroster.bundles import zip_files

HEADERS = {name: ",".join(columns) for name, columns in v.COLUMNS.items()}


def manifest(mode: str, *files: str) -> str:
    lines = ["propertyName,value", "manifest.version,1.0", "oneroster.version,1.2"]
    lines += [f"file.{name},{mode}" for name in files]
    return "\r\n".join([*lines, "source.systemName,District SIS (test)"]) + "\r\n"


MANIFEST_BULK = manifest("bulk", "orgs", "users", "roles", "enrollments")


def csv(name: str, *rows: dict[str, str]) -> str:
    """A OneRoster file: its 1.2 header and `rows` (columns by name, the rest blank)."""
    columns = v.COLUMNS[name]
    out = io.StringIO()
    writer = csv_module.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        unknown = set(row) - set(columns)
        assert not unknown, unknown
        writer.writerow([row.get(c, "") for c in columns])
    return out.getvalue()


def student(sourced_id: str, code: str, given: str, family: str, grade: str = "05") -> dict:
    return {
        "sourcedId": sourced_id,
        "enabledUser": "true",
        "givenName": given,
        "familyName": family,
        "identifier": code,
        "grades": grade,
    }


def role(user: str, org: str, kind: str = "student") -> dict:
    return {
        "sourcedId": f"sis-role-{user}",
        "userSourcedId": user,
        "roleType": "primary",
        "role": kind,
        "orgSourcedId": org,
    }


def district_bundle(workshop_id: int, **overrides: str) -> bytes:
    """Two schools as a district SIS names them: org-1 (North School, identifier N-1, no
    school code anywhere) and org-2 (identifier T-0002, our second school's code)."""
    files = {
        "manifest.csv": MANIFEST_BULK,
        "orgs.csv": csv(
            "orgs.csv",
            {"sourcedId": "dist-9", "name": "เขตทดสอบ", "type": "district", "identifier": "1001"},
            {
                "sourcedId": "org-1",
                "name": "North School",
                "type": "school",
                "identifier": "N-1",
                "parentSourcedId": "dist-9",
            },
            {
                "sourcedId": "org-2",
                "name": "South School",
                "type": "school",
                "identifier": "T-0002",
                "parentSourcedId": "dist-9",
            },
        ),
        "users.csv": csv(
            "users.csv",
            student("sis-a1", "A001", "กมล", "เหนือ"),
            student("sis-a2", "A002", "ขวัญ", "เหนือ"),
            student("sis-b1", "B001", "คณิน", "ใต้", "06"),
            {
                "sourcedId": "sis-t1",
                "enabledUser": "true",
                "username": "kru.north",
                "givenName": "ครู",
                "familyName": "เหนือ",
            },
        ),
        "roles.csv": csv(
            "roles.csv",
            role("sis-a1", "org-1"),
            role("sis-a2", "org-1"),
            role("sis-b1", "org-2"),
            role("sis-t1", "org-1", "teacher"),
        ),
        "enrollments.csv": csv(
            "enrollments.csv",
            {
                "sourcedId": "sis-enr-1",
                "classSourcedId": f"workshop-{workshop_id}",
                "schoolSourcedId": "org-1",
                "userSourcedId": "sis-a1",
                "role": "student",
            },
        ),
    }
    files.update(overrides)
    return zip_files(files)
