"""Open Badges credentials as the issuing service writes them, with plain SQL, for tests of
reads (reports). The signed parts (`document`, `jwt`) are placeholders: nothing here verifies
them."""

import uuid
from datetime import date, datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

TEST_KID = "test-kid"


async def add_issuer_key(db: AsyncSession, kid: str = TEST_KID) -> str:
    """The issuer key credentials point at (once per test; a second call is a no-op)."""
    await db.execute(
        text(
            "INSERT INTO issuer_keys (kid, algorithm, public_jwk) "
            "VALUES (:kid, 'EdDSA', '{}'::jsonb) ON CONFLICT (kid) DO NOTHING"
        ),
        {"kid": kid},
    )
    return kid


async def add_credential(
    db: AsyncSession,
    course_completion_id: int,
    *,
    school_id: int | None = None,
    awarded_on: date | None = None,
    term_id: int | None = None,
    issued_at: datetime | None = None,
    valid_until: datetime | None = None,
    revoked_at: datetime | None = None,
    revocation_reason: str = "issued in error",
    kid: str = TEST_KID,
) -> uuid.UUID:
    """A credential for a course completion: its student and course; `school_id` defaults to
    the student's school, `awarded_on` to the completion's day, `issued_at` to now. With
    `revoked_at` it is inserted already revoked (the trigger refuses only updates)."""
    await add_issuer_key(db, kid)
    return (
        await db.execute(
            text(
                "INSERT INTO credentials (id, course_completion_id, student_id, course_id, "
                "school_id, term_id, awarded_on, issued_at, valid_until, kid, status_list, "
                "status_index, document, jwt, revoked_at, revocation_reason, revocation_source) "
                "SELECT gen_random_uuid(), cc.id, cc.student_id, cc.course_id, "
                "coalesce(:school, st.school_id), :term, coalesce(:awarded, cc.completed_on), "
                "coalesce(:issued, now()), :valid_until, :kid, 0, "
                "nextval('credential_status_positions'), '{}'::jsonb, 'x', "
                "CAST(:revoked AS timestamptz), "
                "CASE WHEN CAST(:revoked AS timestamptz) IS NOT NULL "
                "THEN CAST(:reason AS text) END, "
                "CASE WHEN CAST(:revoked AS timestamptz) IS NOT NULL THEN 'staff' END "
                "FROM course_completions cc JOIN students st ON st.id = cc.student_id "
                "WHERE cc.id = :cc RETURNING id"
            ),
            {
                "cc": course_completion_id,
                "school": school_id,
                "term": term_id,
                "awarded": awarded_on,
                "issued": issued_at,
                "valid_until": valid_until,
                "kid": kid,
                "revoked": revoked_at,
                "reason": revocation_reason,
            },
        )
    ).scalar_one()
