"""Loads a validated curriculum tree into `courses`, `modules`, `module_versions`.

The tree is the whole truth: courses and modules that are no longer in it are retired (never
deleted, since workshops pin module versions). A file whose digest has not changed is not
even parsed (`app.curriculum.incremental`); a course whose content hash has not changed is
not written, so reloading the same tree writes no row at all.
`updated_at` is kept by the database's triggers.
"""

import asyncio
import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Table, bindparam, case, delete, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.curriculum.digests import Source, read_sources
from app.curriculum.incremental import check_tree
from app.curriculum.schema import CourseDoc
from app.curriculum.validation import CurriculumError
from app.models.curriculum import Course, Module, ModuleVersion, module_prerequisites
from app.models.learning import ModuleVersionOutcome, Outcome

# Core tables for executemany UPDATEs: with the ORM entity, a list of parameter sets means
# "bulk UPDATE by primary key", which takes no WHERE clause of its own.
_courses_table: Table = Course.__table__  # type: ignore[assignment]
_modules_table: Table = Module.__table__  # type: ignore[assignment]
# Key of the transaction-level advisory lock that serialises curriculum loads.
_LOCK_KEY = 0x4C4D5343  # "LMSC"
# What a reload may change in an outcome; its module and code are its identity.
_OUTCOME_CHANGING = ("position", "title_th", "title_en", "retired")


class CurriculumInvalid(Exception):
    """The tree has errors; nothing was written. `errors` lists every one of them."""

    def __init__(self, errors: Sequence[CurriculumError]) -> None:
        self.errors = list(errors)
        shown = "\n".join(str(error) for error in self.errors[:20])
        more = f"\n... and {len(self.errors) - 20} more" if len(self.errors) > 20 else ""
        super().__init__(f"curriculum has {len(self.errors)} error(s):\n{shown}{more}")


@dataclass
class LoadReport:
    """What a load did, by course code."""

    created: list[str] = field(default_factory=list)
    # Content changed (or the course came back after being retired): version bumped.
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    # Same content, but its file was renamed or moved: only `source_file` was updated.
    relocated: list[str] = field(default_factory=list)
    module_versions_created: int = 0
    modules_retired: int = 0
    # Files parsed and validated, and files skipped because their digest matched.
    files_parsed: int = 0
    files_skipped: int = 0

    @property
    def changed(self) -> int:
        """Number of courses written to; 0 means the load was a no-op."""
        return len(self.created) + len(self.updated) + len(self.retired) + len(self.relocated)

    def __str__(self) -> str:
        parts = [
            f"{len(self.created)} created",
            f"{len(self.updated)} updated",
            f"{len(self.unchanged)} unchanged",
            f"{len(self.retired)} retired",
        ]
        if self.relocated:
            parts.append(f"{len(self.relocated)} moved to another file")
        return (
            f"curriculum: {self.changed} changed ({', '.join(parts)} courses); "
            f"{self.module_versions_created} new module versions, "
            f"{self.modules_retired} modules retired; "
            f"{self.files_parsed} files parsed, "
            f"{self.files_skipped} unchanged since the last load (skipped)"
        )


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def content_hash(value: Any) -> str:
    """sha256 of the canonical JSON of parsed content: comments and layout do not count."""
    return hashlib.sha256(canonical_json(value).encode()).hexdigest()


async def load_curriculum(db: AsyncSession, path: Path) -> LoadReport:
    """Validate the curriculum directory `path` and bring the database in line with it.

    Raises `CurriculumInvalid` (writing nothing) if the tree has any error. Only flushes:
    the caller owns the transaction. Rows are written with SQL statements, so ORM objects
    already loaded in `session` are not refreshed. Files unchanged since the last load are
    read and hashed but not parsed (`app.curriculum.incremental`).
    """
    # Reading files is blocking work; keep it off the event loop.
    sources = await asyncio.to_thread(_read_tree, path)

    # Two loads at once would each plan from the same old state; the second one waits here
    # until the first one's transaction ends. A lock is no write: a no-op load stays one.
    await db.execute(select(func.pg_advisory_xact_lock(_LOCK_KEY)))
    existing = {
        row.code: row
        for row in await db.execute(
            select(
                Course.id,
                Course.code,
                Course.content_hash,
                Course.source_file,
                Course.source_digest,
                Course.retired,
            )
        )
    }
    tree, errors = await check_tree(db, path, sources, existing)
    if errors:
        raise CurriculumInvalid(errors)
    report = LoadReport(files_parsed=len(tree.courses), files_skipped=len(tree.skipped))
    report.unchanged.extend(row.code for row in tree.skipped)
    to_write: list[tuple[CourseDoc, str, str, str]] = []
    # Same content, other bytes (comments, layout) or another path: only the file moves.
    refiled: list[dict[str, Any]] = []
    for course in tree.courses:
        assert course.source_file is not None
        source_file = course.source_file.relative_to(path).as_posix()
        digest = tree.digests[course.source_file]
        course_hash = content_hash(course.model_dump(mode="json"))
        current = existing.get(course.code)
        if current is None:
            report.created.append(course.code)
        elif current.retired or current.content_hash != course_hash:
            report.updated.append(course.code)
        else:
            if current.source_file != source_file:
                report.relocated.append(course.code)
            else:
                report.unchanged.append(course.code)
            if (current.source_file, current.source_digest) != (source_file, digest):
                refiled.append(
                    {"course_id": current.id, "source_file": source_file, "source_digest": digest}
                )
            continue
        to_write.append((course, course_hash, source_file, digest))
    in_tree = {course.code for course in tree.courses} | {row.code for row in tree.skipped}
    gone = sorted(code for code, row in existing.items() if code not in in_tree and not row.retired)
    report.retired = gone
    retired_ids = [existing[code].id for code in gone]

    if refiled:
        await db.execute(
            update(_courses_table)
            .where(_courses_table.c.id == bindparam("course_id"))
            .values(source_file=bindparam("source_file"), source_digest=bindparam("source_digest")),
            refiled,
        )
    if to_write or retired_ids:
        await _write_courses(db, report, to_write, retired_ids, tree.module_codes)
    await db.flush()
    return report


def _read_tree(path: Path) -> list[Source]:
    if not path.is_dir():
        # A single file would look like a curriculum of one course and retire all the others.
        raise NotADirectoryError(f"load_curriculum needs the curriculum directory, got {path}")
    return read_sources(path)


async def _write_courses(
    db: AsyncSession,
    report: LoadReport,
    to_write: list[tuple[CourseDoc, str, str, str]],
    retired_ids: list[int],
    in_tree: set[str],
) -> None:
    """Write the changed courses and their modules; `in_tree` is every module code of the
    tree (changed files or not), so that modules no file defines any more are retired."""
    course_ids = await _upsert_courses(db, to_write)
    if retired_ids:
        await db.execute(
            update(Course)
            .where(Course.id.in_(retired_ids))
            .values(retired=True)
            .execution_options(synchronize_session=False)
        )

    # One query for every module: a changed course may take over modules from another
    # course, and its prerequisites may point anywhere in the tree.
    modules: dict[str, Any] = {
        row.code: row
        for row in await db.execute(
            select(
                Module.id,
                Module.code,
                Module.course_id,
                Module.position,
                Module.content_hash,
                Module.retired,
            )
        )
    }
    module_ids = {code: row.id for code, row in modules.items()}
    rows, snapshots = _module_rows(to_write, course_ids, modules)
    if rows:
        written = await _upsert_modules(db, rows)
        version_rows = []
        for module_id, code, version, module_hash in written:
            module_ids[code] = module_id
            if code in snapshots:
                rule = snapshots[code]["completion"]
                version_rows.append(
                    {
                        "module_id": module_id,
                        "version": version,
                        "content_hash": module_hash,
                        "snapshot": snapshots[code],
                        "completion_min_attendance": rule["min_attendance"],
                        "completion_min_outcomes": (
                            None if rule["outcomes"] == "all" else rule["outcomes"]
                        ),
                        "completion_excused": rule["excused"],
                    }
                )
        if version_rows:
            await db.execute(insert(ModuleVersion), version_rows)
            await _write_outcomes(db, version_rows)
        report.module_versions_created = len(version_rows)

    retiring = _modules_to_retire(to_write, course_ids, retired_ids, modules, in_tree)
    if retiring:
        await db.execute(
            update(_modules_table)
            .where(_modules_table.c.id == bindparam("module_id"))
            .values(retired=True, position=bindparam("new_position")),
            retiring,
        )
    retired_before = {row.id for row in modules.values() if row.retired}
    report.modules_retired = sum(1 for row in retiring if row["module_id"] not in retired_before)

    # The prerequisites of every module we touched are rebuilt from the files; a retired
    # module keeps its prerequisites only in its `module_versions` snapshots.
    touched = [module_ids[module.code] for course, _, _, _ in to_write for module in course.modules]
    touched += [row["module_id"] for row in retiring]
    if touched:
        await db.execute(
            delete(module_prerequisites).where(module_prerequisites.c.module_id.in_(touched))
        )
    edges = [
        {"module_id": module_ids[module.code], "prerequisite_id": module_ids[code]}
        for course, _, _, _ in to_write
        for module in course.modules
        for code in module.prerequisites
    ]
    if edges:
        await db.execute(insert(module_prerequisites), edges)


async def _write_outcomes(db: AsyncSession, version_rows: list[dict[str, Any]]) -> None:
    """For each new module version: its outcomes by code (inserted, or reworded in place so
    earlier assessments stay attached), the ones gone from the file retired, and the list of
    active outcomes this version teaches."""
    outcome_rows = [
        {
            "module_id": row["module_id"],
            "code": outcome["code"],
            "position": position,
            "title_th": outcome["th"],
            "title_en": outcome["en"],
            "retired": outcome.get("retired", False),
        }
        for row in version_rows
        for position, outcome in enumerate(row["snapshot"]["outcomes"], start=1)
    ]
    stmt = pg_insert(Outcome)
    written = await db.execute(
        stmt.on_conflict_do_update(
            index_elements=[Outcome.module_id, Outcome.code],
            set_={name: stmt.excluded[name] for name in _OUTCOME_CHANGING},
        ).returning(Outcome.module_id, Outcome.code, Outcome.id),
        outcome_rows,
    )
    outcome_ids = {(module_id, code): outcome_id for module_id, code, outcome_id in written}
    module_ids = [row["module_id"] for row in version_rows]
    await db.execute(
        update(Outcome)
        .where(
            Outcome.module_id.in_(module_ids),
            Outcome.id.not_in(list(outcome_ids.values())),
            Outcome.retired.is_(False),
        )
        .values(retired=True)
        .execution_options(synchronize_session=False)
    )
    taught = [
        {
            "module_id": row["module_id"],
            "version": row["version"],
            "outcome_id": outcome_ids[(row["module_id"], outcome["code"])],
            "position": position,
            "title_th": outcome["th"],
            "title_en": outcome["en"],
        }
        for row in version_rows
        for position, outcome in enumerate(
            (o for o in row["snapshot"]["outcomes"] if not o.get("retired")), start=1
        )
    ]
    await db.execute(insert(ModuleVersionOutcome), taught)


async def _upsert_courses(
    db: AsyncSession, to_write: list[tuple[CourseDoc, str, str, str]]
) -> dict[str, int]:
    """Insert new courses, update changed or returning ones (version + 1); code -> id."""
    if not to_write:
        return {}
    rows = [
        {
            "code": course.code,
            "title_th": course.title.th,
            "title_en": course.title.en,
            "description_th": course.description.th if course.description else "",
            "description_en": course.description.en if course.description else "",
            "pillar": course.pillar,
            "grade_levels": list(course.grade_levels),
            "creator_led": course.creator_led,
            "content_hash": course_hash,
            "version": 1,
            "source_file": source_file,
            "source_digest": digest,
            "retired": False,
        }
        for course, course_hash, source_file, digest in to_write
    ]
    stmt = pg_insert(Course)
    changing = (
        *("title_th", "title_en", "description_th", "description_en", "pillar"),
        *("grade_levels", "creator_led", "content_hash", "source_file", "source_digest"),
    )
    result = await db.execute(
        stmt.on_conflict_do_update(
            index_elements=[Course.code],
            set_={
                **{name: stmt.excluded[name] for name in changing},
                "version": Course.version + 1,
                "retired": False,
            },
        ).returning(Course.code, Course.id),
        rows,
    )
    return {code: course_id for code, course_id in result}


async def _upsert_modules(db: AsyncSession, rows: list[dict[str, Any]]) -> Sequence[Any]:
    """Insert or update modules by code; the version moves only when the content hash does."""
    stmt = pg_insert(Module)
    changing = (
        *("course_id", "position", "title_th", "title_en", "minutes", "outcomes"),
        *("materials", "creator_led"),
    )
    result = await db.execute(
        stmt.on_conflict_do_update(
            index_elements=[Module.code],
            set_={
                **{name: stmt.excluded[name] for name in changing},
                # Evaluated against the row as it was, before this SET.
                "version": case(
                    (Module.content_hash != stmt.excluded.content_hash, Module.version + 1),
                    else_=Module.version,
                ),
                "content_hash": stmt.excluded.content_hash,
                "retired": False,
            },
        ).returning(Module.id, Module.code, Module.version, Module.content_hash),
        rows,
    )
    return result.all()


def _module_rows(
    to_write: list[tuple[CourseDoc, str, str, str]],
    course_ids: dict[str, int],
    modules: dict[str, Any],
) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    """Rows to upsert (skipping modules already exactly in place) and, by code, the
    snapshots of modules that need a new version."""
    rows: list[dict[str, Any]] = []
    snapshots: dict[str, dict[str, Any]] = {}
    for course, _, _, _ in to_write:
        course_id = course_ids[course.code]
        for position, module in enumerate(course.modules, start=1):
            snapshot = course.module_snapshot(module)
            module_hash = content_hash(snapshot)
            current = modules.get(module.code)
            if current is None or current.content_hash != module_hash:
                snapshots[module.code] = snapshot
            elif (current.course_id, current.position, current.retired) == (
                course_id,
                position,
                False,
            ):
                continue
            rows.append(
                {
                    "code": module.code,
                    "course_id": course_id,
                    "position": position,
                    "title_th": module.title.th,
                    "title_en": module.title.en,
                    "minutes": module.minutes,
                    "outcomes": snapshot["outcomes"],
                    "materials": snapshot["materials"],
                    "creator_led": snapshot["creator_led"],
                    "content_hash": module_hash,
                    "version": 1,
                    "retired": False,
                }
            )
    return rows, snapshots


def _modules_to_retire(
    to_write: list[tuple[CourseDoc, str, str, str]],
    course_ids: dict[str, int],
    retired_course_ids: Iterable[int],
    modules: dict[str, Any],
    in_tree: set[str],
) -> list[dict[str, int]]:
    """Modules left behind by changed or retired courses, as `module_id`/`new_position`.

    In a changed course, retired modules are renumbered after the active ones so that the
    deferred unique (course_id, position) still holds when the caller commits.
    """
    by_course: dict[int, list[Any]] = defaultdict(list)
    for row in modules.values():
        if row.code not in in_tree:
            by_course[row.course_id].append(row)
    retiring: list[dict[str, int]] = []
    for course, _, _, _ in to_write:
        leftovers = sorted(by_course[course_ids[course.code]], key=lambda row: row.position)
        for offset, row in enumerate(leftovers, start=len(course.modules) + 1):
            if not row.retired or row.position != offset:
                retiring.append({"module_id": row.id, "new_position": offset})
    for course_id in retired_course_ids:
        retiring.extend(
            {"module_id": row.id, "new_position": row.position}
            for row in by_course[course_id]
            if not row.retired
        )
    return retiring
