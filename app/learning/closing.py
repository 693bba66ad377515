"""Closing a workshop after its last session (or a term's finished workshops at once), and
the history of its completions."""

from dataclasses import asdict, dataclass
from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import service as audit
from app.core import access
from app.core.access import Principal
from app.core.errors import Conflict
from app.core.pagination import Page, PageParams
from app.credentials.issuing import IssueTally, issue_credentials
from app.learning import outcomes
from app.learning.completion import CloseTally, close_workshops
from app.learning.history import change_page
from app.learning.schemas import CompletionChangeRead, CourseCompletionBrief, WorkshopClosed
from app.models import ModuleCompletionChange

_SESSIONS = text(
    """
    SELECT count(*) AS held, max(ends_at) AS last_ends_at,
           coalesce(array_agg(id ORDER BY starts_at) FILTER (WHERE taken_at IS NULL), '{}')
               AS untaken
    FROM workshop_sessions WHERE workshop_id = :id AND status <> 'cancelled'
    """
)
# Attendance is saved under its session's row lock; holding these shared locks until commit,
# the close waits for saves in flight and holds back new ones, so it evaluates marks that stay.
_LOCK_SESSIONS = text("SELECT id FROM workshop_sessions WHERE workshop_id = :id FOR SHARE")
_COURSE_COMPLETIONS = text(
    """
    SELECT cc.student_id, c.code AS course_code, c.title_th, c.title_en, cc.completed_on,
           cr.id AS credential_id
    FROM course_completions cc
    JOIN courses c ON c.id = cc.course_id
    LEFT JOIN credentials cr ON cr.student_id = cc.student_id AND cr.course_id = cc.course_id
                            AND cr.revoked_at IS NULL
    JOIN modules m ON m.course_id = c.id AND m.id = :module_id
    WHERE cc.revoked_at IS NULL
      AND cc.student_id IN (SELECT student_id FROM module_completions WHERE workshop_id = :id)
    ORDER BY cc.student_id
    """
)


async def _ensure_closable(db: AsyncSession, workshop_id: int) -> None:
    await db.execute(_LOCK_SESSIONS, {"id": workshop_id})
    sessions = (await db.execute(_SESSIONS, {"id": workshop_id})).one()
    if sessions.held == 0:
        raise Conflict(
            "The workshop has no sessions; there is nothing to close / เวิร์กช็อปนี้ไม่มีคาบเรียน",
            field="workshop_id",
        )
    if sessions.last_ends_at > datetime.now(UTC):
        raise Conflict(
            "The workshop's last session has not ended yet / คาบเรียนสุดท้ายยังไม่จบ ปิดเวิร์กช็อปไม่ได้",
            field="workshop_id",
            last_session_ends_at=sessions.last_ends_at.isoformat(),
        )
    if sessions.untaken:
        ids = ", ".join(str(i) for i in sessions.untaken)
        raise Conflict(
            f"Attendance was never taken for session(s) {ids}: take it or cancel the session "
            "first / ยังไม่ได้เช็กชื่อในบางคาบ",
            field="workshop_id",
            untaken_session_ids=list(sessions.untaken),
        )


async def close_workshop(
    db: AsyncSession, *, workshop_id: int, principal: Principal
) -> WorkshopClosed:
    """Evaluate the module's rule for every student holding a place and record completions;
    the workshop becomes `completed`. Closing again re-evaluates (after a corrected mark or
    assessment) and changes only what differs."""
    workshop = await outcomes.writable_workshop(db, workshop_id=workshop_id, principal=principal)
    await _ensure_closable(db, workshop_id)
    reclose = workshop["status"] == "completed"
    tally = await close_workshops(db, workshop_ids=[workshop_id], evaluated_by=principal.account_id)
    credentials = await issue_credentials(db, principal=principal, workshop_ids=[workshop_id])
    await audit.record(
        db,
        "workshop.reclosed" if reclose else "workshop.closed",
        principal,
        school_id=workshop["school_id"],
        target_type="workshop",
        target_id=workshop_id,
        details={
            "evaluated": tally.evaluated,
            "completed": tally.completed,
            "changed": tally.changed,
            "course_completions_recorded": tally.courses_recorded,
            "course_completions_revoked": tally.courses_revoked,
            "credentials_issued": credentials.issued,
            "credentials_revoked": credentials.revoked,
        },
    )
    workshop = await outcomes.load_workshop(db, workshop_id=workshop_id)
    result = await outcomes.roster(db, workshop, principal)
    courses = await db.execute(
        _COURSE_COMPLETIONS, {"id": workshop_id, "module_id": workshop["module_id"]}
    )
    return WorkshopClosed(
        workshop=result.workshop,
        items=result.items,
        evaluated=tally.evaluated,
        completed=tally.completed,
        incomplete=tally.evaluated - tally.completed,
        changed=tally.changed,
        course_completions=[CourseCompletionBrief.model_validate(r) for r in courses.mappings()],
    )


async def list_completion_changes(
    db: AsyncSession,
    *,
    workshop_id: int,
    principal: Principal,
    student_id: int | None,
    page: PageParams,
) -> Page[CompletionChangeRead]:
    """Every verdict recorded for the workshop's students and each later change, oldest
    first (same readers as the attendance history)."""
    workshop = await outcomes.load_workshop(db, workshop_id=workshop_id)
    access.ensure_reads_history(principal, outcomes.scope_of(workshop), "workshop")
    change = ModuleCompletionChange
    return await change_page(
        db,
        change=change,
        columns=[
            change.old_status,
            change.new_status,
            change.old_attendance_rate,
            change.new_attendance_rate,
            change.old_outcomes_achieved,
            change.new_outcomes_achieved,
            change.old_reasons,
            change.new_reasons,
        ],
        read=CompletionChangeRead,
        workshop_id=workshop_id,
        student_id=student_id,
        page=page,
    )


# Workshops of a term (and school) ready to close: not cancelled, with sessions, the last
# one ended and every one taken. Already closed workshops are re-evaluated like a re-close.
_CLOSABLE = text(
    """
    SELECT w.id,
           count(s.id) AS held,
           count(s.id) FILTER (WHERE s.taken_at IS NULL) AS untaken,
           max(s.ends_at) <= now() AS ended
    FROM workshops w
    LEFT JOIN workshop_sessions s ON s.workshop_id = w.id AND s.status <> 'cancelled'
    WHERE w.term_id = :term_id AND w.status <> 'cancelled'
      AND (CAST(:school_id AS integer) IS NULL OR w.school_id = :school_id)
    GROUP BY w.id
    ORDER BY w.id
    """
)


@dataclass(frozen=True)
class TermClosing:
    """What closing a term's finished workshops did (or, on a dry run, would do)."""

    term_label: str
    closable: int
    not_ended: int
    untaken: int
    without_sessions: int
    tally: CloseTally | None
    credentials: IssueTally | None = None

    def lines(self) -> list[str]:
        lines = [
            f"term {self.term_label}: {self.closable} workshop(s) to close; skipped "
            f"{self.not_ended} not ended, {self.untaken} with sessions never taken, "
            f"{self.without_sessions} without sessions"
        ]
        if self.tally is not None:
            t = self.tally
            lines.append(
                f"closed: {t.workshops_closed} newly completed; {t.evaluated} students "
                f"evaluated, {t.completed} completed, {t.changed} completions written; "
                f"course completions: {t.courses_recorded} recorded, {t.courses_revoked} revoked"
            )
        if self.credentials is not None:
            lines.append(
                f"credentials: {self.credentials.issued} issued, "
                f"{self.credentials.revoked} revoked (completion undone)"
            )
        return lines


async def close_finished_workshops(
    db: AsyncSession,
    *,
    term_id: int,
    term_label: str,
    school_id: int | None,
    principal: Principal,
    dry_run: bool,
) -> TermClosing:
    """End of term: close every workshop of the term (and school) whose sessions are all over
    and taken, in the same two statements as one close; the others are counted, not closed."""
    rows = (await db.execute(_CLOSABLE, {"term_id": term_id, "school_id": school_id})).all()
    closable = [r.id for r in rows if r.held and r.ended and not r.untaken]
    tally = credentials = None
    if closable and not dry_run:
        tally = await close_workshops(db, workshop_ids=closable, evaluated_by=principal.account_id)
        credentials = await issue_credentials(db, principal=principal, workshop_ids=closable)
        await audit.record(
            db,
            "workshops.closed_for_term",
            principal,
            school_id=school_id,
            target_type="term",
            target_id=term_id,
            details={"workshops": len(closable), **asdict(tally), **_credentials(credentials)},
        )
    return TermClosing(
        term_label=term_label,
        closable=len(closable),
        not_ended=sum(1 for r in rows if r.held and not r.ended),
        untaken=sum(1 for r in rows if r.held and r.ended and r.untaken),
        without_sessions=sum(1 for r in rows if not r.held),
        tally=tally,
        credentials=credentials,
    )


def _credentials(tally: IssueTally) -> dict[str, int]:
    return {"credentials_issued": tally.issued, "credentials_revoked": tally.revoked}
