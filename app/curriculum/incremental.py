"""Validating a tree for a load while parsing only the files that changed.

A file whose path and digest match a live course (see `app.curriculum.digests`) is what the
last successful load validated and wrote, so it is not parsed again. The checks across files
still see it: its course code, module codes and prerequisites come from the database
(`modules`, `module_prerequisites`), which hold exactly what that file said. So a changed
module that needs a module of an unchanged file validates, and one that needs a code no file
defines fails.

Errors must name a file and a line, which the database cannot give for an unchanged file.
When anything fails, the whole tree (the bytes already read) is validated as if nothing
were known, and those errors are the ones reported: a failing load costs a full parse, a
succeeding one only the parse of what changed.
"""

import asyncio
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import exists, func, not_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.curriculum.digests import Source
from app.curriculum.schema import CourseDoc
from app.curriculum.validation import (
    NO_FILES,
    CurriculumError,
    known_outline,
    validate_sources,
)
from app.models.curriculum import Module, module_prerequisites
from app.models.learning import Outcome, OutcomeAssessment


@dataclass
class CheckedTree:
    """A valid tree: the courses parsed from changed files and the rows of unchanged ones."""

    courses: list[CourseDoc] = field(default_factory=list)
    # Course rows (id, code, ...) whose file is unchanged since the last load; not parsed.
    skipped: list[Any] = field(default_factory=list)
    # Every module code the tree defines, parsed or not.
    module_codes: set[str] = field(default_factory=set)
    # Digest of each parsed file, by path.
    digests: dict[Path, str] = field(default_factory=dict)


async def check_tree(
    db: AsyncSession, root: Path, sources: list[Source], existing: dict[str, Any]
) -> tuple[CheckedTree, list[CurriculumError]]:
    """Validate `sources` (every file of the tree at `root`) against the course rows
    `existing` (by code); return the checked tree and every error (empty when valid)."""
    if not sources:
        return CheckedTree(), [CurriculumError(root, 0, NO_FILES)]
    live = {
        (row.source_file, row.source_digest): row
        for row in existing.values()
        if not row.retired and row.source_digest is not None
    }
    skipped: list[Any] = []
    changed: list[Source] = []
    for source in sources:
        row = live.get((source.relative, source.digest))
        if row is None:
            changed.append(source)
        else:
            skipped.append(row)
    if skipped:
        tree = await _check_changed(db, root, sources, changed, skipped)
        if tree is not None:
            return tree, []
    return await _check_all(db, sources)


async def _check_changed(
    db: AsyncSession,
    root: Path,
    sources: list[Source],
    changed: list[Source],
    skipped: list[Any],
) -> CheckedTree | None:
    """The tree parsing only `changed`, or None if anything is wrong (errors need lines)."""
    by_course = await _modules_of(db, [row.id for row in skipped])
    known = [known_outline(root / row.source_file, row.code, by_course[row.id]) for row in skipped]
    courses, errors = await asyncio.to_thread(
        validate_sources, [(source.file, source.data) for source in changed], known
    )
    if errors or await _assessed_outcomes_removed(db, courses):
        return None
    if await _unchanged_files_lost_assessed_outcomes(db, [row.id for row in skipped]):
        return None
    module_codes = {code for modules in by_course.values() for code in modules}
    module_codes.update(module.code for course in courses for module in course.modules)
    return CheckedTree(
        courses=courses,
        skipped=skipped,
        module_codes=module_codes,
        digests=_digests(changed),
    )


async def _check_all(
    db: AsyncSession, sources: list[Source]
) -> tuple[CheckedTree, list[CurriculumError]]:
    courses, errors = await asyncio.to_thread(
        validate_sources, [(source.file, source.data) for source in sources]
    )
    if errors:
        return CheckedTree(), errors
    errors = await _assessed_outcomes_removed(db, courses)
    tree = CheckedTree(
        courses=courses,
        module_codes={module.code for course in courses for module in course.modules},
        digests=_digests(sources),
    )
    return tree, errors


def _digests(sources: list[Source]) -> dict[Path, str]:
    return {source.file: source.digest for source in sources if source.digest is not None}


async def _modules_of(db: AsyncSession, course_ids: list[int]) -> dict[int, dict[str, list[str]]]:
    """By course id: its live modules in file order, each with its prerequisites' codes."""
    required = Module.__table__.alias("required")
    rows = await db.execute(
        select(Module.course_id, Module.code, required.c.code)
        .outerjoin(module_prerequisites, module_prerequisites.c.module_id == Module.id)
        .outerjoin(required, required.c.id == module_prerequisites.c.prerequisite_id)
        .where(Module.course_id.in_(course_ids), Module.retired.is_(False))
        .order_by(Module.course_id, Module.position)
    )
    modules: dict[int, dict[str, list[str]]] = defaultdict(dict)
    for course_id, code, prerequisite in rows:
        needs = modules[course_id].setdefault(code, [])
        if prerequisite is not None:
            needs.append(prerequisite)
    return modules


async def _assessed_outcomes_removed(
    db: AsyncSession, courses: list[CourseDoc]
) -> list[CurriculumError]:
    """An outcome that has assessments may be retired (`retired: true`), never removed from
    its module's file: the assessments would lose their meaning. One error per module, at
    its `outcomes:` line. (A module removed entirely is retired with its outcomes.)"""
    if not courses:
        return []
    assessed: dict[str, set[str]] = defaultdict(set)
    rows = await db.execute(
        select(Module.code, Outcome.code)
        .join(Outcome, Outcome.module_id == Module.id)
        .where(exists().where(OutcomeAssessment.outcome_id == Outcome.id))
    )
    for module_code, outcome_code in rows:
        assessed[module_code].add(outcome_code)
    errors = []
    for course in courses:
        assert course.source_file is not None
        for index, module in enumerate(course.modules):
            missing = assessed.get(module.code, set()) - {o.code for o in module.outcomes}
            if missing:
                errors.append(
                    CurriculumError(
                        course.source_file,
                        course.outcomes_line(module),
                        f"modules[{index}].outcomes: {', '.join(sorted(missing))} already "
                        "assessed; keep the outcome and mark it `retired: true` instead of "
                        "removing it",
                    )
                )
    return errors


async def _unchanged_files_lost_assessed_outcomes(db: AsyncSession, course_ids: list[int]) -> bool:
    """The same rule for files that were not parsed: `modules.outcomes` holds every outcome
    its file lists (retired ones too), so an assessed outcome missing from it was removed
    from the file. That happens when a workshop pinned to an older module version assesses
    an outcome after a later version dropped it."""
    listed = Module.outcomes.contains(
        func.jsonb_build_array(func.jsonb_build_object("code", Outcome.code))
    )
    found = await db.execute(
        select(Outcome.id)
        .join(Module, Module.id == Outcome.module_id)
        .where(
            Module.course_id.in_(course_ids),
            Module.retired.is_(False),
            not_(listed),
            exists().where(OutcomeAssessment.outcome_id == Outcome.id),
        )
        .limit(1)
    )
    return found.first() is not None
