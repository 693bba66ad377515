"""Reference data: districts, schools and the Thai academic calendar.

Names only, no personal data: every signed-in role reads all of it.
"""

from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import access
from app.core.errors import NotFound
from app.core.pagination import Page, PageParams, read_page, sort_clause
from app.core.printable import BUDDHIST_ERA_OFFSET
from app.core.queries import contains_any, where_given
from app.core.schemas import BANGKOK
from app.models import AcademicTerm, District, School
from app.reference.schemas import DistrictRead, SchoolRead, TermRead

# The Thai school year begins in May: 2569 BE runs from May 2026 to March 2027.

SCHOOL_SORTS = {"code": School.code, "name_th": School.name_th}
DISTRICT_SORTS = {"code": District.code, "name_th": District.name_th, "name_en": District.name_en}


def term_labels(academic_year: int, term: int) -> tuple[str, str]:
    """Thai and English labels: "ภาคเรียนที่ 2/2569", "Term 2, 2569 BE (2026-27)"."""
    ce = academic_year - BUDDHIST_ERA_OFFSET
    return (
        f"ภาคเรียนที่ {term}/{academic_year}",
        f"Term {term}, {academic_year} BE ({ce}-{(ce + 1) % 100:02d})",
    )


def term_read(term: AcademicTerm) -> TermRead:
    label_th, label_en = term_labels(term.academic_year, term.term)
    return TermRead.model_validate(
        {
            "id": term.id,
            "academic_year": term.academic_year,
            "term": term.term,
            "starts_on": term.starts_on,
            "ends_on": term.ends_on,
            "label_th": label_th,
            "label_en": label_en,
        }
    )


def _school_read(row: Any) -> SchoolRead:
    school, district = row
    return SchoolRead.model_validate(
        {
            "id": school.id,
            "code": school.code,
            "name_th": school.name_th,
            "name_en": school.name_en,
            "district": DistrictRead.model_validate(district),
        }
    )


async def list_districts(
    db: AsyncSession,
    *,
    q: str | None,
    sort: str | None,
    page: PageParams,
) -> Page[DistrictRead]:
    stmt = select(District)
    if q:
        stmt = stmt.where(contains_any(q, District.name_th, District.name_en))
    stmt = stmt.order_by(*sort_clause(sort, DISTRICT_SORTS, [District.code, District.id]))
    return await read_page(db, stmt, page, lambda row: DistrictRead.model_validate(row[0]))


async def get_district(db: AsyncSession, *, district_id: int) -> DistrictRead:
    district = await db.get(District, district_id)
    if district is None:
        raise access.not_found("district")
    return DistrictRead.model_validate(district)


def _schools() -> Select[School, District]:
    return select(School, District).join(District, District.id == School.district_id)


async def list_schools(
    db: AsyncSession,
    *,
    district_id: int | None,
    q: str | None,
    sort: str | None,
    page: PageParams,
) -> Page[SchoolRead]:
    stmt = where_given(_schools(), (School.district_id, district_id))
    if q:
        stmt = stmt.where(contains_any(q, School.name_th, School.name_en, School.code))
    stmt = stmt.order_by(*sort_clause(sort, SCHOOL_SORTS, [School.code, School.id]))
    return await read_page(db, stmt, page, _school_read)


async def get_school(db: AsyncSession, *, school_id: int) -> SchoolRead:
    row = (await db.execute(_schools().where(School.id == school_id))).one_or_none()
    if row is None:
        raise access.not_found("school")
    return _school_read(row)


async def list_terms(
    db: AsyncSession,
    *,
    academic_year: int | None,
    page: PageParams,
) -> Page[TermRead]:
    stmt = where_given(select(AcademicTerm), (AcademicTerm.academic_year, academic_year))
    stmt = stmt.order_by(AcademicTerm.starts_on, AcademicTerm.id)
    return await read_page(db, stmt, page, lambda row: term_read(row[0]))


def bangkok_today() -> date:
    return datetime.now(BANGKOK).date()


async def get_term(db: AsyncSession, *, term_id: int) -> TermRead:
    term = await db.get(AcademicTerm, term_id)
    if term is None:
        raise access.not_found("term")
    return term_read(term)


async def get_current_term(db: AsyncSession, *, today: date | None = None) -> TermRead:
    """The term containing today (Bangkok), else the next one to start.

    Terms never overlap (an exclusion constraint), so the earliest term that has not yet
    ended is either the one running today or the next upcoming one.
    """
    today = today or bangkok_today()
    term = (
        await db.execute(
            select(AcademicTerm)
            .where(AcademicTerm.ends_on >= today)
            .order_by(AcademicTerm.starts_on)
            .limit(1)
        )
    ).scalar_one_or_none()
    if term is None:
        raise NotFound("No current or upcoming academic term / ไม่มีภาคเรียนปัจจุบันหรือภาคเรียนถัดไป")
    return term_read(term)
