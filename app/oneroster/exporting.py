"""Roster export: which schools a request names, who may have them, and the record of it.

One school (`school`), a district (`district`) or the whole city (`scope=city`), exactly one
of them; `since` makes it a delta. Admins and the Education Department export any of them; a
school admin their own school only (another school is 404, a district or the city 403).
Every export is in the audit trail and, because every student of the scope is in the file,
in the privacy read log by scope (as an attendance export is).
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import service as audit
from app.config import get_settings
from app.core import access
from app.core.access import Principal
from app.core.errors import BadRequest, Forbidden
from app.core.schemas import MAX_YEAR, MIN_YEAR
from app.oneroster import exporter, records
from app.oneroster.service import resolve_school_ref
from app.privacy import service as privacy

CHUNK_BYTES = 64 * 1024


@dataclass(frozen=True, slots=True)
class ExportScope:
    kind: Literal["school", "district", "city"]
    label: str  # in the file name: the school code, district-<code> or city
    school_ids: tuple[int, ...]
    target_id: int | None  # the school's or district's id
    code: str | None  # the school's or district's code


@dataclass(slots=True)
class RosterDownload:
    bundle: exporter.Bundle
    filename: str

    def chunks(self) -> Iterator[bytes]:
        """The zip in pieces; the temporary file is closed after the last one."""
        try:
            while chunk := self.bundle.file.read(CHUNK_BYTES):
                yield chunk
        finally:
            self.bundle.file.close()


def _bad(parameter: str, message: str) -> BadRequest:
    return BadRequest(
        f"{parameter}: {message}",
        errors=[{"field": parameter, "pointer": f"/query/{parameter}", "message": message}],
    )


def parse_since(value: str) -> datetime:
    """An ISO 8601 date or date-time (`2026-12-01T08:00:00Z`, `...+07:00`); one without an
    offset is UTC, as OneRoster's dateLastModified is."""
    try:
        since = datetime.fromisoformat(value.strip())
    except ValueError:
        raise _bad("since", "expected an ISO 8601 date-time, e.g. 2026-12-01T08:00:00Z") from None
    # The API's bounds for a date (a year typed 2062 or 0202 is a mistake, not a delta).
    if not MIN_YEAR <= since.year <= MAX_YEAR:
        raise _bad("since", f"must be in the years {MIN_YEAR}-{MAX_YEAR}")
    return since if since.tzinfo else since.replace(tzinfo=UTC)


async def resolve_scope(
    db: AsyncSession,
    *,
    principal: Principal,
    school: str | None,
    district: str | None,
    scope: str | None,
) -> ExportScope:
    """The schools asked for, once the caller may have them."""
    if scope is not None and scope != "city":
        raise _bad("scope", "the only scope is city (or ask for a school or a district)")
    named = [
        n for n, given in (("school", school), ("district", district), ("scope", scope)) if given
    ]
    if not named:
        raise _bad("school", "say which roster: school, district or scope=city")
    if len(named) > 1:
        raise _bad(named[1], f"{' and '.join(named)} cannot be combined: ask for one")
    if school is not None:
        found = await resolve_school_ref(db, ref=school)
        principal.ensure_reads_school(found.id, "school")
        return ExportScope("school", found.code, (found.id,), found.id, found.code)
    if not principal.reads_all_schools:
        raise Forbidden(
            "Only admins and the Education Department export a district or the city / "
            "เฉพาะผู้ดูแลระบบและสำนักการศึกษาส่งออกข้อมูลทั้งเขตหรือทั้งเมืองได้"
        )
    if district is not None:
        row = await _district(db, district.strip())
        ids = (await db.execute(_DISTRICT_SCHOOLS, {"d": row["id"]})).scalars().all()
        return ExportScope(
            "district", f"district-{row['code']}", tuple(ids), row["id"], row["code"]
        )
    ids = await records.all_school_ids(db)
    return ExportScope("city", "city", tuple(ids), None, None)


_DISTRICT_SCHOOLS = text("SELECT id FROM schools WHERE district_id = :d ORDER BY id")


async def _district(db: AsyncSession, ref: str) -> Any:
    """The district by code, else (all digits) by id; 404 when there is none."""
    found = (
        (await db.execute(text("SELECT id, code FROM districts WHERE code = :c"), {"c": ref}))
        .mappings()
        .first()
    )
    if found is None and ref.isdigit() and len(ref) < 10:
        found = (
            (
                await db.execute(
                    text("SELECT id, code FROM districts WHERE id = :i"), {"i": int(ref)}
                )
            )
            .mappings()
            .first()
        )
    if found is None:
        raise access.not_found("district")
    return found


async def export_roster(
    db: AsyncSession,
    *,
    principal: Principal,
    school: str | None = None,
    district: str | None = None,
    scope: str | None = None,
    since: str | None = None,
    request_id: str | None = None,
) -> RosterDownload:
    """A OneRoster 1.2 CSV zip of a school, a district or the city (a delta with `since`)."""
    since_at = parse_since(since) if since is not None else None
    target = await resolve_scope(
        db, principal=principal, school=school, district=district, scope=scope
    )
    # A city is a few hundred thousand rows: the export's own time limit, for this
    # transaction only.
    await db.execute(
        text("SELECT set_config('statement_timeout', :t, true)"),
        {"t": str(get_settings().export_statement_timeout_ms)},
    )
    bundle = await exporter.export_schools(db, school_ids=target.school_ids, since=since_at)
    filename = exporter.file_name(target.label, delta=since_at is not None)
    where: dict[str, Any] = (
        {"school_id": target.target_id}
        if target.kind == "school"
        else {"district": target.code}
        if target.kind == "district"
        else {"scope": "city"}
    )
    if since_at is not None:
        where["since"] = since_at.isoformat()
    await audit.record(
        db,
        "roster.export",
        principal,
        school_id=target.target_id if target.kind == "school" else None,
        target_type=target.kind,
        target_id=target.target_id,
        details={
            "file": filename,
            **where,
            "schools": len(target.school_ids),
            "rows": bundle.rows,
            "bytes": bundle.size,
        },
        request_id=request_id,
    )
    # Every student of the scope is in the file: logged by scope, as an attendance export.
    await privacy.record_scope_read(
        db,
        principal=principal,
        action="export.oneroster",
        school_ids=target.school_ids,
        record_count=None,
        scope={**where, "file": filename},
    )
    return RosterDownload(bundle=bundle, filename=filename)
