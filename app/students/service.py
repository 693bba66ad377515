"""Students: scoped lists and search, create, update, deactivate (never delete)."""

import re
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    case,
    func,
    insert,
    literal_column,
    or_,
    select,
)
from sqlalchemy import update as sql_update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import access
from app.core.access import Principal
from app.core.errors import Conflict, Forbidden, Unprocessable, translate_integrity_error
from app.core.pagination import Page, PageParams, read_page, sort_clause
from app.core.queries import where_given
from app.models import School, Student
from app.students.schemas import StudentCreate, StudentQuery, StudentRead, StudentUpdate

# Exactly the expression of the GIN index ix_students_name_th_trgm (a literal ' ', not a bound
# parameter), so the planner can match it for ILIKE and word-similarity searches.
NAME_TH: ColumnElement[str] = literal_column(
    "(students.first_name_th || ' ' || students.last_name_th)", String
)
NAME_EN: ColumnElement[str] = literal_column(
    "(students.first_name_en || ' ' || students.last_name_en)", String
)
_THAI = re.compile(r"[\u0e00-\u0e7f]")

SORTABLE: dict[str, Any] = {
    "student_code": Student.student_code,
    "last_name_th": Student.last_name_th,
    "grade_level": Student.grade_level,
    "homeroom": Student.homeroom,
}
DEFAULT_ORDER: tuple[Any, ...] = (Student.student_code, Student.id)
COLUMNS = (
    Student.id,
    Student.school_id,
    Student.student_code,
    Student.first_name_th,
    Student.last_name_th,
    Student.first_name_en,
    Student.last_name_en,
    Student.grade_level,
    Student.homeroom,
    Student.status,
    Student.updated_at,
)
DUPLICATE_CODE = "uq_students_school_id_student_code"

AnySelect = Select[*tuple[Any, ...]]


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_condition(q: str) -> tuple[ColumnElement[bool], ColumnElement[float]]:
    """WHERE and rank for a name-or-code search.

    Thai text searches the Thai full name by substring (ILIKE) or by word similarity (`%>`,
    which forgives a misspelt letter); both are served by the trigram index. Anything else
    matches a student-code prefix or the English name.
    """
    contains = f"%{_escape_like(q)}%"
    if _THAI.search(q):
        return (or_(NAME_TH.ilike(contains), NAME_TH.op("%>")(q)), func.word_similarity(q, NAME_TH))
    prefix = f"{_escape_like(q)}%"
    code_rank = case(
        (func.lower(Student.student_code) == q.lower(), 2.0),
        (Student.student_code.ilike(prefix), 1.0),
        else_=0.0,
    )
    return (
        or_(Student.student_code.ilike(prefix), NAME_EN.ilike(contains), NAME_EN.op("%>")(q)),
        func.greatest(code_rank, func.word_similarity(q, NAME_EN)),
    )


def _in_scope(statement: AnySelect, principal: Principal) -> AnySelect:
    if not principal.reads_students:
        raise Forbidden("Your role cannot read student records / บทบาทของคุณดูข้อมูลนักเรียนไม่ได้")
    return statement.where(access.students_visible(principal))


def _student_read(row: Any) -> StudentRead:
    return StudentRead.model_validate(row._mapping)


async def list_students(
    db: AsyncSession,
    *,
    principal: Principal,
    query: StudentQuery,
    page: PageParams,
) -> Page[StudentRead]:
    """Students within the caller's scope; filters narrow that scope, never widen it."""
    statement = where_given(
        _in_scope(select(*COLUMNS), principal),
        (Student.school_id, query.school),
        (Student.grade_level, query.grade_level),
        (Student.homeroom, query.homeroom),
        (Student.status, query.status),
    )
    order = sort_clause(query.sort, SORTABLE, DEFAULT_ORDER)
    if query.q:
        condition, rank = search_condition(query.q)
        statement = statement.where(condition)
        if not query.sort:
            order = [rank.desc(), *DEFAULT_ORDER]
    return await read_page(db, statement.order_by(*order), page, _student_read)


async def get_student(db: AsyncSession, *, principal: Principal, student_id: int) -> StudentRead:
    row = (await db.execute(select(*COLUMNS).where(Student.id == student_id))).one_or_none()
    if row is None:
        raise access.not_found("student")
    principal.ensure_reads_school(row.school_id, "student")
    return _student_read(row)


def _field_error(field: str, message: str) -> dict[str, str]:
    return {"field": field, "pointer": f"/body/{field}", "message": message}


async def _write(db: AsyncSession, statement: Any, student_code: str | None) -> StudentRead:
    """Run an INSERT/UPDATE ... RETURNING; a duplicate code is a 409 naming the field."""
    try:
        async with db.begin_nested():
            return _student_read((await db.execute(statement)).one())
    except IntegrityError as exc:
        error = translate_integrity_error(exc)
        if error.extensions.get("constraint") != DUPLICATE_CODE:
            raise error from exc
        raise Conflict(
            f"Student code {student_code} is already used in this school / "
            f"รหัสนักเรียน {student_code} มีอยู่แล้วในโรงเรียนนี้",
            field="student_code",
            errors=[_field_error("student_code", "already used")],
        ) from exc


async def create_student(
    db: AsyncSession, *, principal: Principal, data: StudentCreate
) -> StudentRead:
    """Add a student (school admin: to their school; admin: to the school named)."""
    school_id = data.school_id
    if school_id is None and principal.is_school_admin:
        school_id = principal.school_id
    if school_id is None:
        raise Unprocessable(
            "school_id is required / ต้องระบุโรงเรียน", errors=[_field_error("school_id", "required")]
        )
    principal.ensure_manages_school(school_id, "school")
    if await db.scalar(select(School.id).where(School.id == school_id)) is None:
        raise access.not_found("school")
    values = data.model_dump(exclude={"school_id"}) | {"school_id": school_id}
    return await _write(db, insert(Student).values(**values).returning(*COLUMNS), data.student_code)


async def _school_of(db: AsyncSession, principal: Principal, student_id: int) -> int:
    school_id = await db.scalar(select(Student.school_id).where(Student.id == student_id))
    if school_id is None:
        raise access.not_found("student")
    principal.ensure_manages_school(school_id, "student")
    return school_id


async def update_student(
    db: AsyncSession, *, principal: Principal, student_id: int, data: StudentUpdate
) -> StudentRead:
    """Change the fields sent (`homeroom` may be cleared with null); the code stays unique
    within the school."""
    await _school_of(db, principal, student_id)
    changes = data.model_dump(exclude_unset=True)
    if not changes:
        return await get_student(db, principal=principal, student_id=student_id)
    statement = (
        sql_update(Student).where(Student.id == student_id).values(**changes).returning(*COLUMNS)
    )
    return await _write(db, statement, changes.get("student_code"))


async def deactivate_student(
    db: AsyncSession, *, principal: Principal, student_id: int
) -> StudentRead:
    """Mark a student inactive. Students are never deleted: attendance history refers to them."""
    await _school_of(db, principal, student_id)
    statement = (
        sql_update(Student)
        .where(Student.id == student_id)
        .values(status="inactive")
        .returning(*COLUMNS)
    )
    return _student_read((await db.execute(statement)).one())
