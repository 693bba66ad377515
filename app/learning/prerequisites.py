"""Prerequisites: the modules a student must have completed before enrolling in a workshop.

The prerequisites are those of the module version the workshop pinned (its snapshot, as the
curriculum file listed them when the workshop was planned). A prerequisite module that has
since been retired blocks nobody: it can no longer be taken. Any completed module completion
counts, whatever version or workshop it came from.
"""

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

_MISSING = text(
    """
    WITH required AS (
        SELECT m.id, m.code, m.title_th, m.title_en
        FROM workshops w
        JOIN module_versions mv ON mv.module_id = w.module_id AND mv.version = w.module_version
        CROSS JOIN LATERAL jsonb_array_elements_text(
            coalesce(mv.snapshot->'prerequisites', '[]'::jsonb)) AS p(code)
        JOIN modules m ON m.code = p.code AND NOT m.retired
        WHERE w.id = :workshop_id
    )
    SELECT s.student_id, r.id AS module_id, r.code, r.title_th, r.title_en
    FROM unnest(CAST(:student_ids AS integer[])) AS s(student_id)
    CROSS JOIN required r
    WHERE NOT EXISTS (
        SELECT 1 FROM module_completions mc
        WHERE mc.student_id = s.student_id AND mc.module_id = r.id AND mc.status = 'completed')
    ORDER BY s.student_id, r.code
    """
)


@dataclass(frozen=True)
class MissingModule:
    module_id: int
    code: str
    title_th: str
    title_en: str

    def as_dict(self) -> dict[str, object]:
        return {
            "id": self.module_id,
            "code": self.code,
            "title_th": self.title_th,
            "title_en": self.title_en,
        }


async def missing_prerequisites(
    db: AsyncSession, *, workshop_id: int, student_ids: list[int]
) -> dict[int, list[MissingModule]]:
    """For each of `student_ids` lacking some prerequisite of the workshop: what is missing."""
    if not student_ids:
        return {}
    missing: dict[int, list[MissingModule]] = {}
    rows = await db.execute(_MISSING, {"workshop_id": workshop_id, "student_ids": student_ids})
    for row in rows:
        missing.setdefault(row.student_id, []).append(
            MissingModule(row.module_id, row.code, row.title_th, row.title_en)
        )
    return missing
