"""Issuing credentials for course completions, and revoking the ones whose completion was
undone. Run by closing workshops (app.learning.closing), in the same transaction, so a
course completion and its credential commit together; `lms credentials issue` catches up
on completions recorded before credentials existed.

Decided: issuing is automatic. Closing a workshop is already the school's deliberate act
(the host or the school's admin, after attendance and outcomes), and a certificate that
waits for a second click is one that some students never get.
"""

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import TextClause, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import service as audit
from app.config import Settings, get_settings
from app.core.access import Principal
from app.credentials import documents, keys, signing
from app.credentials.documents import CourseFacts, Issuer, ModuleFacts, OutcomeFacts
from app.models.credentials import STATUS_LIST_SIZE, Credential

COMPLETION_UNDONE = (
    "The course completion was undone when a workshop was closed again / "
    "การสำเร็จหลักสูตรถูกยกเลิกเมื่อปิดเวิร์กช็อปอีกครั้ง"
)


def issuer_of(settings: Settings) -> Issuer:
    return Issuer(
        base_url=settings.public_base_url,
        name_th=settings.issuer_name_th,
        name_en=settings.issuer_name_en,
        url=settings.issuer_url or settings.public_base_url,
        email=settings.issuer_email,
    )


_COURSES = text(
    """
SELECT c.id, c.code, c.version, c.title_th, c.title_en, c.description_th, c.description_en,
       c.pillar,
       (SELECT coalesce(json_agg(json_build_object(
                   'code', m.code, 'title_th', m.title_th, 'title_en', m.title_en,
                   'minutes', m.minutes,
                   'outcomes', (SELECT coalesce(json_agg(json_build_object(
                                           'code', o.code, 'title_th', o.title_th,
                                           'title_en', o.title_en) ORDER BY o.position), '[]')
                                FROM outcomes o WHERE o.module_id = m.id AND NOT o.retired))
               ORDER BY m.position), '[]')
        FROM modules m WHERE m.course_id = c.id AND NOT m.retired) AS modules
FROM courses c
WHERE (CAST(:ids AS integer[]) IS NULL OR c.id = ANY(CAST(:ids AS integer[])))
  AND (CAST(:code AS text) IS NULL OR c.code = :code)
"""
)


def _facts(row: Any) -> CourseFacts:
    modules = row.modules if not isinstance(row.modules, str) else json.loads(row.modules)
    return CourseFacts(
        code=row.code,
        version=row.version,
        title_th=row.title_th,
        title_en=row.title_en,
        description_th=row.description_th,
        description_en=row.description_en,
        pillar=row.pillar,
        modules=[
            ModuleFacts(
                code=m["code"],
                title_th=m["title_th"],
                title_en=m["title_en"],
                minutes=m["minutes"],
                outcomes=[OutcomeFacts(**o) for o in m["outcomes"]],
            )
            for m in modules
        ],
    )


async def course_facts(db: AsyncSession, course_ids: list[int]) -> dict[int, CourseFacts]:
    rows = await db.execute(_COURSES, {"ids": course_ids, "code": None})
    return {row.id: _facts(row) for row in rows}


async def course_facts_by_code(db: AsyncSession, code: str) -> CourseFacts | None:
    row = (await db.execute(_COURSES, {"ids": None, "code": code})).one_or_none()
    return _facts(row) if row else None


# Which course completions a run looks at: those touched by the workshops closed (a join on
# this CTE), or all. Two variants of each statement, not `:ids IS NULL OR ... IN (...)`: with
# the OR, PostgreSQL cannot make the IN a join and rescans the subquery per completion (a
# city-wide term close did not finish; see BENCHMARKS.md section 8).
_TOUCHED = """
WITH touched AS (
    SELECT DISTINCT mc.student_id, m.course_id FROM module_completions mc
    JOIN modules m ON m.id = mc.module_id
    WHERE mc.workshop_id = ANY(CAST(:workshop_ids AS integer[])))
"""
_TOUCHED_JOIN = (
    "JOIN touched ON touched.student_id = cc.student_id AND touched.course_id = cc.course_id"
)
_REVOKE_UNDONE = """
{touched}
UPDATE credentials c
SET revoked_at = now(), revocation_reason = :reason, revocation_source = 'completion'
FROM course_completions cc {join}
WHERE cc.id = c.course_completion_id AND cc.revoked_at IS NOT NULL AND c.revoked_at IS NULL
RETURNING c.id, c.school_id
"""
_LAPSED = """
{touched}
SELECT count(*) FROM credentials c JOIN course_completions cc ON cc.id = c.course_completion_id
{join}
WHERE cc.revoked_at IS NOT NULL AND c.revoked_at IS NULL
"""
# Valid completions without a valid credential. A credential the school revoked stands for
# the completion it was issued for; only a change of the completion after the revocation
# (undone and re-recorded, a new day) issues again.
_PENDING = """
{touched}
SELECT cc.id AS completion_id, cc.student_id, cc.course_id, cc.completed_on,
       st.school_id, st.learner_key::text AS learner_key,
       (SELECT t.id FROM academic_terms t
        WHERE cc.completed_on BETWEEN t.starts_on AND t.ends_on
        ORDER BY t.starts_on DESC LIMIT 1) AS term_id
FROM course_completions cc {join}
JOIN students st ON st.id = cc.student_id
WHERE cc.revoked_at IS NULL AND st.pseudonymised_at IS NULL
  AND NOT EXISTS (SELECT 1 FROM credentials c
                  WHERE c.student_id = cc.student_id AND c.course_id = cc.course_id
                    AND (c.revoked_at IS NULL
                         OR (c.revocation_source = 'staff'
                             AND c.course_completion_id = cc.id
                             AND cc.updated_at <= c.revoked_at)))
ORDER BY cc.id
"""


def _scoped(template: str, workshop_ids: list[int] | None) -> TextClause:
    if workshop_ids is None:
        return text(template.format(touched="", join=""))
    return text(template.format(touched=_TOUCHED, join=_TOUCHED_JOIN))


_POSITIONS = text("SELECT nextval('credential_status_positions') FROM generate_series(1, :n)")


@dataclass(frozen=True)
class IssueTally:
    issued: int
    revoked: int


async def issue_credentials(
    db: AsyncSession,
    *,
    principal: Principal,
    workshop_ids: list[int] | None = None,
    dry_run: bool = False,
) -> IssueTally:
    """Issue what is owed and revoke what lapsed, for the course completions the workshops
    touched (`workshop_ids`) or for all. Idempotent: a second run changes nothing."""
    settings = get_settings()
    issuer = issuer_of(settings)
    scope = {"workshop_ids": workshop_ids} if workshop_ids is not None else {}
    pending = (await db.execute(_scoped(_PENDING, workshop_ids), scope)).all()
    if dry_run:
        lapsed = await db.execute(_scoped(_LAPSED, workshop_ids), scope)
        return IssueTally(issued=len(pending), revoked=lapsed.scalar_one())
    revoked = (
        await db.execute(
            _scoped(_REVOKE_UNDONE, workshop_ids), {**scope, "reason": COMPLETION_UNDONE}
        )
    ).all()
    for credential_id, school_id in revoked:
        await audit.record(
            db,
            "credential.revoked",
            principal,
            school_id=school_id,
            target_type="credential",
            target_id=credential_id,
            details={"source": "completion", "reason": COMPLETION_UNDONE},
        )
    issued = await _issue(db, settings, issuer, pending) if pending else 0
    if issued:
        await audit.record(
            db,
            "credentials.issued",
            principal,
            details={"issued": issued, "workshop_ids": workshop_ids},
        )
    return IssueTally(issued=issued, revoked=len(revoked))


async def _issue(
    db: AsyncSession, settings: Settings, issuer: Issuer, pending: Sequence[Any]
) -> int:
    """Sign and write `pending`; how many were written."""
    key = await keys.active_key(db, settings.state_dir)
    positions = (await db.execute(_POSITIONS, {"n": len(pending)})).scalars().all()
    facts = await course_facts(db, sorted({p.course_id for p in pending}))
    achievements = {cid: documents.achievement(issuer, course) for cid, course in facts.items()}
    issued_at = datetime.now(UTC).replace(microsecond=0)
    valid_until = (
        issued_at + timedelta(days=settings.credential_valid_days)
        if settings.credential_valid_days
        else None
    )
    rows = []
    for completion, position in zip(pending, positions, strict=True):
        credential_id = uuid.uuid4()
        status_list, status_index = divmod(position, STATUS_LIST_SIZE)
        document = documents.credential(
            issuer,
            credential_id=str(credential_id),
            course_achievement=achievements[completion.course_id],
            learner_key=completion.learner_key,
            awarded_on=completion.completed_on,
            issued_at=issued_at,
            valid_until=valid_until,
            status_list=status_list,
            status_index=status_index,
        )
        rows.append(
            {
                "id": credential_id,
                "course_completion_id": completion.completion_id,
                "student_id": completion.student_id,
                "course_id": completion.course_id,
                "school_id": completion.school_id,
                "term_id": completion.term_id,
                "awarded_on": completion.completed_on,
                "issued_at": issued_at,
                "valid_until": valid_until,
                "kid": key.kid,
                "status_list": status_list,
                "status_index": status_index,
                "document": document,
                "jwt": signing.sign(document, key, base_url=issuer.base_url),
            }
        )
    # A concurrent close of the same student's course issued it first: theirs stands.
    # Many rows: SQLAlchemy sends them in batches of multi-row INSERTs (insertmanyvalues),
    # RETURNING only those written.
    statement = (
        insert(Credential)
        .on_conflict_do_nothing(
            index_elements=["student_id", "course_id"], index_where=text("revoked_at IS NULL")
        )
        .returning(Credential.id)
    )
    return len((await db.execute(statement, rows)).all())
