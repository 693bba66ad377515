"""Which of our schools each org of a bundle is.

A district SIS exports one bundle for many schools and names them its own way (`org-1`,
"North School"). An org of type `school` is one of ours when, in this order:
1. the upload maps it (`org_map=org-1=SMP-1001-01`),
2. an earlier import linked it (`oneroster_orgs`),
3. its sourcedId is a school code, or
4. its identifier is a school code.
Roles and enrollments may also name an org that orgs.csv does not list (a bundle of users
only): it is matched the same way by its sourcedId. The dry run shows every org and how it
was matched; a real run stores the links it used (1, 4), so the next bundle needs no map.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.errors import BadRequest
from app.oneroster.parsing import CsvRow


@dataclass(frozen=True, slots=True)
class School:
    id: int
    code: str
    district_code: str
    name_th: str = ""


@dataclass(slots=True)
class OrgLink:
    sourced_id: str
    name: str
    identifier: str
    type: str
    school: School | None
    # "org_map", "linked", "sourcedId", "identifier", or None when not matched
    matched_by: str | None
    # In orgs.csv as a school (else only named by roles or enrollments).
    listed: bool = True


_SCHOOLS = text(
    "SELECT s.id, s.code, s.name_th, d.code AS district_code FROM schools s "
    "JOIN districts d ON d.id = s.district_id "
    "WHERE s.code = ANY(CAST(:codes AS text[])) OR s.id = ANY(CAST(:ids AS integer[]))"
)
_LINKS = text(
    "SELECT sourced_id, school_id FROM oneroster_orgs "
    "WHERE sourced_id = ANY(CAST(:sourced_ids AS text[]))"
)
_UNLINK = text(
    "DELETE FROM oneroster_orgs WHERE school_id = :school_id AND sourced_id <> :sourced_id"
)
_LINK = text(
    "INSERT INTO oneroster_orgs (sourced_id, school_id, name, linked_by) "
    "VALUES (:sourced_id, :school_id, :name, :linked_by) "
    "ON CONFLICT (sourced_id) DO UPDATE SET school_id = excluded.school_id, "
    "name = excluded.name, linked_by = excluded.linked_by, linked_at = now()"
)
_LINKED_TO = text("SELECT school_id FROM oneroster_orgs WHERE sourced_id = :sourced_id")


def parse_org_map(value: str | None) -> dict[str, str]:
    """`org-1=SMP-1001-01,org-2=SMP-1001-02` as {org sourcedId: school code}."""
    mapping: dict[str, str] = {}
    for item in (value or "").split(","):
        if not item.strip():
            continue
        org, sep, code = item.partition("=")
        if not sep or not org.strip() or not code.strip():
            raise BadRequest(
                f"org_map: {item.strip()!r} is not <org sourcedId>=<school code> / "
                "รูปแบบ org_map ไม่ถูกต้อง",
                field="org_map",
            )
        mapping[org.strip()] = code.strip()
    return mapping


async def map_orgs(
    db: AsyncSession,
    *,
    org_rows: list[CsvRow],
    referenced: Iterable[str],
    org_map: dict[str, str],
) -> list[OrgLink]:
    """Every school org of the bundle (and every org referenced but not listed), matched."""
    links = [
        OrgLink(
            sourced_id=r.get("sourcedId"),
            name=r.get("name"),
            identifier=r.get("identifier"),
            type=r.get("type"),
            school=None,
            matched_by=None,
        )
        for r in org_rows
        if r.get("type") == "school"
    ]
    listed = {r.get("sourcedId") for r in org_rows}
    links += [
        OrgLink(
            sourced_id=s,
            name="",
            identifier="",
            type="",
            school=None,
            matched_by=None,
            listed=False,
        )
        for s in sorted(set(referenced) - listed)
        if s
    ]
    sourced_ids = [link.sourced_id for link in links]
    stored = {
        r["sourced_id"]: r["school_id"]
        for r in (await db.execute(_LINKS, {"sourced_ids": sourced_ids})).mappings()
    }
    codes = {*org_map.values(), *sourced_ids, *(link.identifier for link in links)}
    rows = await db.execute(_SCHOOLS, {"codes": sorted(codes), "ids": sorted(stored.values())})
    schools = [
        School(r["id"], r["code"], r["district_code"], r["name_th"]) for r in rows.mappings()
    ]
    by_code = {s.code: s for s in schools}
    by_id = {s.id: s for s in schools}
    unknown = sorted(code for code in org_map.values() if code not in by_code)
    if unknown:
        raise BadRequest(
            f"org_map: no school has the code {', '.join(unknown)} / ไม่พบรหัสโรงเรียน",
            field="org_map",
        )
    for link in links:
        for how, school in (
            ("org_map", by_code.get(org_map.get(link.sourced_id, ""))),
            ("linked", by_id.get(stored.get(link.sourced_id, -1))),
            ("sourcedId", by_code.get(link.sourced_id)),
            ("identifier", by_code.get(link.identifier)),
        ):
            if school is not None:
                link.school, link.matched_by = school, how
                break
    return links


async def store_links(
    db: AsyncSession, links: list[OrgLink], *, user_id: int | None, relink: bool
) -> None:
    """Remember the orgs matched by the upload's map or by identifier: the next bundle of the
    same SIS needs no map. An org whose sourcedId is the school code needs no link. An org
    already linked to another school moves only when `relink` (an admin): a school admin's
    map speaks for their own school's run, not for another school's link."""
    for link in links:
        if link.school is None or link.matched_by not in ("org_map", "identifier"):
            continue
        if link.sourced_id == link.school.code:
            continue
        params = {"school_id": link.school.id, "sourced_id": link.sourced_id}
        current = (await db.execute(_LINKED_TO, params)).scalar_one_or_none()
        if current not in (None, link.school.id) and not relink:
            continue
        await db.execute(_UNLINK, params)
        await db.execute(_LINK, {**params, "name": link.name[:255], "linked_by": user_id})
