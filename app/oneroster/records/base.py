"""The pieces every collection is made of: fields, the collection, and SQL helpers (the
GUID mapping of `vocabulary.guid_safe`, CEDS grades, name parts, the scope)."""

from dataclasses import dataclass
from typing import Literal

from sqlalchemy import TextClause, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.oneroster import vocabulary as v

FieldType = Literal["string", "date", "datetime", "bool", "list", "ref", "refs"]


def guid_sql(expr: str) -> str:
    """`vocabulary.guid_safe` as a PostgreSQL expression over the text expression `expr`
    (NULL stays NULL). `expr` appears several times: pass a column or a cheap function of
    one."""
    mapped = f"left(regexp_replace(({expr}), '[^0-9A-Za-z./@_-]', '_', 'g'), 244)"
    # The same test as `^[first][0-9A-Za-z./@_-]{0,254}$`, written without the bounded
    # repetition, which PostgreSQL's regex engine expands: 9 us a value against 0.5 us
    # (735,000 enrollment ids: 6.7 s against 0.37 s), and the city's enrollments are that many.
    kept = (
        f"(({expr}) !~ '[^0-9A-Za-z./@_-]' AND length({expr}) BETWEEN 1 AND 255 "
        f"AND left({expr}, 1) NOT IN ('-', '@'))"
    )
    return (
        f"CASE WHEN {kept} THEN ({expr}) "
        f"ELSE regexp_replace({mapped}, '^[-@]', '_') "
        f"|| '.h' || left(encode(sha256(convert_to(({expr}), 'UTF8')), 'hex'), 8) END"
    )


def unique_id(base: str, qualifier: str, order: str) -> str:
    """`base` for the first row holding it (by `order`), `<base>@<qualifier>` for the others."""
    qualified = guid_sql(f"{base} || '@' || {qualifier}")
    return (
        f"CASE WHEN row_number() OVER (PARTITION BY {base} ORDER BY {order}) = 1 THEN {base} "
        f"ELSE {qualified} END"
    )


def grade_sql(expr: str) -> str:
    """Our grade level (`P5`) as its CEDS code (`05`), NULL for any other value."""
    cases = " ".join(f"WHEN '{ours}' THEN '{ceds}'" for ours, ceds in v.GRADE_TO_CEDS.items())
    return f"CASE {expr} {cases} END"


def grades_sql(levels: str) -> str:
    """A grade-level array as CEDS codes, in its order, unknown levels left out."""
    return (
        f"ARRAY(SELECT {grade_sql('g.level')} FROM unnest({levels}) WITH ORDINALITY AS g(level, n) "
        f"WHERE {grade_sql('g.level')} IS NOT NULL ORDER BY g.n)"
    )


def given_sql(name: str) -> str:
    return f"split_part(btrim({name}), ' ', 1)"


def family_sql(name: str) -> str:
    """What follows the first space of a full name (the export has always split so)."""
    return (
        f"CASE WHEN strpos(btrim({name}), ' ') > 0 "
        f"THEN btrim(substr(btrim({name}), strpos(btrim({name}), ' ') + 1)) ELSE '' END"
    )


IN_SCOPE = "= ANY(CAST(:school_ids AS integer[]))"
# `:school_ids` for the whole city (city-wide readers, the city's export), in id order.
ALL_SCHOOL_IDS = text("SELECT id FROM schools ORDER BY id")


async def all_school_ids(db: AsyncSession) -> list[int]:
    return list((await db.execute(ALL_SCHOOL_IDS)).scalars())


SCHOOL_ORG = guid_sql("coalesce(nullif(oo.sourced_id, ''), sc.code)")
DISTRICT_ORG = guid_sql("'district-' || d.code")
# A school with its district and its SIS org: `sc`, `d`, `oo`.
SCHOOLS = (
    "schools sc JOIN districts d ON d.id = sc.district_id "
    "LEFT JOIN oneroster_orgs oo ON oo.school_id = sc.id"
)
TERM_ID = "'term-' || t.academic_year || '-' || t.term"
WORKSHOP_ID = "'workshop-' || w.id"
LIVE = "w.status <> 'cancelled'"


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    type: FieldType
    # ref/refs: the collection whose sourcedId this is.
    target: str | None = None
    # Minors' personal data when the user is a student (see `app.oneroster.records`).
    personal: bool = False


@dataclass(frozen=True, slots=True)
class Collection:
    name: str
    sql: str
    fields: tuple[Field, ...]
    # Bookkeeping columns after the fields (not OneRoster).
    bookkeeping: tuple[str, ...]
    sort: str = "sourcedId"

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    def statement(self) -> TextClause:
        """The collection itself; bind `school_ids`."""
        return text(self.sql)


COMMON = (
    Field("sourcedId", "string"),
    Field("status", "string"),
    Field("dateLastModified", "datetime"),
)
