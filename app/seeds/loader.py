"""Load reference data and sample data from the CSV files under `seeds/`.

Every file is read and checked (row values, duplicate keys, references between files and
to rows already in the database) before anything is written, so a bad row leaves the
database untouched. Each table is then upserted by its natural key with one
`INSERT ... ON CONFLICT DO UPDATE ... WHERE (...) IS DISTINCT FROM (...)`: a second run over
unchanged files writes nothing. The caller owns the transaction; this module only flushes.
"""

from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import AcademicTerm, ComputerRoom, Creator, District, School, Student, User
from app.seeds.rows import (
    AcademicTermRow,
    ComputerRoomRow,
    CreatorRow,
    DistrictRow,
    ParsedFile,
    SchoolRow,
    SeedError,
    StudentRow,
    UserRow,
    read_seed_file,
)
from app.seeds.upsert import TableCounts, existing_keys, ids_by_key, upsert_rows

__all__ = ["SeedError", "SeedReport", "TableCounts", "load_seeds"]


@dataclass
class SeedReport:
    """Rows inserted, updated and left unchanged per table, in load order."""

    tables: dict[str, TableCounts] = field(default_factory=dict)

    @property
    def inserted(self) -> int:
        return sum(counts.inserted for counts in self.tables.values())

    @property
    def updated(self) -> int:
        return sum(counts.updated for counts in self.tables.values())

    @property
    def unchanged(self) -> int:
        return sum(counts.unchanged for counts in self.tables.values())

    def __str__(self) -> str:
        per_table = ", ".join(
            f"{name} +{c.inserted} ~{c.updated} ={c.unchanged}" for name, c in self.tables.items()
        )
        return (
            f"seeds: {self.inserted} inserted, {self.updated} updated, "
            f"{self.unchanged} unchanged ({per_table})"
        )


@dataclass(frozen=True)
class _ReferenceFiles:
    districts: ParsedFile[DistrictRow]
    terms: ParsedFile[AcademicTermRow]


@dataclass(frozen=True)
class _SampleFiles:
    schools: ParsedFile[SchoolRow]
    rooms: ParsedFile[ComputerRoomRow]
    creators: ParsedFile[CreatorRow]
    users: ParsedFile[UserRow]
    students: ParsedFile[StudentRow]


async def load_seeds(db: AsyncSession, seeds_dir: Path, *, sample: bool = True) -> SeedReport:
    """Upsert the seed CSVs under `seeds_dir`; `sample=False` loads reference data only.

    Raises `SeedError` (file, line, message) before writing anything if a file is invalid.
    """
    reference = _read_reference(seeds_dir)
    samples = _read_sample(seeds_dir) if sample else None
    await _check_terms_disjoint(db, reference.terms)
    if samples:
        await _check_sample_references(db, reference, samples)

    report = SeedReport()
    report.tables["districts"] = await upsert_rows(
        db,
        District,
        [row.model_dump() for _, row in reference.districts.rows],
        key=("code",),
    )
    report.tables["academic_terms"] = await upsert_rows(
        db,
        AcademicTerm,
        [row.model_dump() for _, row in reference.terms.rows],
        key=("academic_year", "term"),
    )
    if samples:
        await _load_sample(db, samples, report)
    await db.flush()
    return report


def _read_reference(seeds_dir: Path) -> _ReferenceFiles:
    files = _ReferenceFiles(
        districts=read_seed_file(seeds_dir, "districts.csv", DistrictRow),
        terms=read_seed_file(seeds_dir, "academic_terms.csv", AcademicTermRow),
    )
    # A key twice in one statement would make ON CONFLICT fail for the whole table.
    _check_unique(files.districts, "district code", "code")
    _check_unique(files.terms, "term", "academic_year", "term")
    return files


def _read_sample(seeds_dir: Path) -> _SampleFiles:
    files = _SampleFiles(
        schools=read_seed_file(seeds_dir, "sample/schools.csv", SchoolRow),
        rooms=read_seed_file(seeds_dir, "sample/computer_rooms.csv", ComputerRoomRow),
        creators=read_seed_file(seeds_dir, "sample/creators.csv", CreatorRow),
        users=read_seed_file(seeds_dir, "sample/users.csv", UserRow),
        students=read_seed_file(seeds_dir, "sample/students.csv", StudentRow),
    )
    _check_unique(files.schools, "school code", "code")
    _check_unique(files.rooms, "room", "school_code", "code")
    _check_unique(files.creators, "handle", "handle", ignore_case=True)
    _check_unique(files.users, "username", "username", ignore_case=True)
    _check_unique(files.students, "student", "school_code", "student_code")
    return files


async def _check_sample_references(
    db: AsyncSession, reference: _ReferenceFiles, samples: _SampleFiles
) -> None:
    """Every code a row points at exists in its own file or, failing that, in the database."""
    wanted = _refs(samples.schools, "district_code")
    districts = {row.code for _, row in reference.districts.rows}
    districts |= await existing_keys(db, District.code, wanted - districts)
    _check_refs(samples.schools, "district_code", districts, "district")

    schools = {row.code for _, row in samples.schools.rows}
    for parsed in (samples.rooms, samples.users, samples.students):
        known = schools | await existing_keys(
            db, School.code, _refs(parsed, "school_code") - schools
        )
        _check_refs(parsed, "school_code", known, "school")

    creators = {row.handle.casefold() for _, row in samples.creators.rows}
    wanted = {h for h in _refs(samples.users, "creator_handle") if h.casefold() not in creators}
    creators |= {h.casefold() for h in await existing_keys(db, Creator.handle, wanted)}
    _check_refs(samples.users, "creator_handle", creators, "creator", ignore_case=True)


async def _load_sample(db: AsyncSession, files: _SampleFiles, report: SeedReport) -> None:
    district_ids = await ids_by_key(
        db, District.code, District.id, _refs(files.schools, "district_code")
    )
    report.tables["schools"] = await upsert_rows(
        db,
        School,
        [
            {
                **row.model_dump(exclude={"district_code"}),
                "district_id": district_ids[row.district_code],
            }
            for _, row in files.schools.rows
        ],
        key=("code",),
    )
    school_ids = await ids_by_key(
        db,
        School.code,
        School.id,
        _refs(files.rooms, "school_code")
        | _refs(files.users, "school_code")
        | _refs(files.students, "school_code"),
    )
    report.tables["computer_rooms"] = await upsert_rows(
        db,
        ComputerRoom,
        [
            {
                "school_id": school_ids[row.school_code],
                "code": row.code,
                "name": row.name,
                "seats": row.seats,
                "equipment": row.equipment(),
                "status": row.status,
            }
            for _, row in files.rooms.rows
        ],
        key=("school_id", "code"),
    )
    report.tables["creators"] = await upsert_rows(
        db,
        Creator,
        [row.model_dump() for _, row in files.creators.rows],
        key=("handle",),
    )
    handles = _refs(files.users, "creator_handle")
    creator_ids = {
        handle.casefold(): id_
        for handle, id_ in (await ids_by_key(db, Creator.handle, Creator.id, handles)).items()
    }
    # password_hash is left out on purpose: new users get none, existing ones keep theirs.
    report.tables["users"] = await upsert_rows(
        db,
        User,
        [
            {
                **row.model_dump(exclude={"school_code", "creator_handle"}),
                "school_id": school_ids[row.school_code] if row.school_code else None,
                "creator_id": (
                    creator_ids[row.creator_handle.casefold()] if row.creator_handle else None
                ),
            }
            for _, row in files.users.rows
        ],
        key=("username",),
    )
    report.tables["students"] = await upsert_rows(
        db,
        Student,
        [
            {
                **row.model_dump(exclude=_absent_columns(row, {"homeroom"}) | {"school_code"}),
                "school_id": school_ids[row.school_code],
            }
            for _, row in files.students.rows
        ],
        key=("school_id", "student_code"),
    )


def _absent_columns(row: Any, optional: set[str]) -> set[str]:
    """The optional columns the file does not have: left out of the upsert, so a file
    without them never clears what was set another way (an empty cell does clear)."""
    return optional - row.model_fields_set


# --- Checks -------------------------------------------------------------------------------


def _refs(parsed: ParsedFile[Any], column: str) -> set[str]:
    return {value for _, row in parsed.rows if (value := getattr(row, column)) is not None}


def _check_unique(
    parsed: ParsedFile[Any], what: str, *columns: str, ignore_case: bool = False
) -> None:
    seen: set[tuple[str, ...]] = set()
    for line, row in parsed.rows:
        key = tuple(str(getattr(row, column)) for column in columns)
        folded = tuple(part.casefold() for part in key) if ignore_case else key
        if folded in seen:
            raise SeedError(parsed.file, line, f"duplicate {what} {'/'.join(key)!r}")
        seen.add(folded)


def _check_refs(
    parsed: ParsedFile[Any], column: str, known: set[str], what: str, *, ignore_case: bool = False
) -> None:
    for line, row in parsed.rows:
        value = getattr(row, column)
        if value is not None and (value.casefold() if ignore_case else value) not in known:
            raise SeedError(parsed.file, line, f"unknown {what} {value!r} in {column}")


async def _check_terms_disjoint(db: AsyncSession, parsed: ParsedFile[AcademicTermRow]) -> None:
    """Terms must not overlap each other, nor terms in the database that this load keeps."""
    loading = {(row.academic_year, row.term) for _, row in parsed.rows}
    kept = [
        (0, AcademicTermRow(academic_year=year, term=term, starts_on=starts, ends_on=ends))
        for year, term, starts, ends in await db.execute(
            select(
                AcademicTerm.academic_year,
                AcademicTerm.term,
                AcademicTerm.starts_on,
                AcademicTerm.ends_on,
            )
        )
        if (year, term) not in loading
    ]
    ordered = sorted([*parsed.rows, *kept], key=lambda item: item[1].starts_on)
    for (before_line, before), (after_line, after) in pairwise(ordered):
        if after.starts_on <= before.ends_on:
            line = after_line or before_line
            raise SeedError(
                parsed.file,
                line,
                f"term {after.academic_year}/{after.term} overlaps "
                f"term {before.academic_year}/{before.term}",
            )
