"""Pydantic models of the curriculum file format (`curriculum/*.yaml`, one course a file).

Strict on purpose: a curriculum author's typo (`minute:`, `minutes: "50"`) must fail loudly
instead of silently loading a default. `app.curriculum.validation` turns the errors these
models raise into `file:line: message` lines.
"""

import re
from pathlib import Path
from typing import Annotated, Any, Literal, Self, get_args

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator
from pydantic_core import PydanticCustomError

from app.models.base import GRADE_LEVELS, PILLARS

CODE_PATTERN = r"^[A-Z0-9][A-Z0-9-]{1,39}$"
# Outcome codes may also hold dots: `CT103-02.1` (the module's code, a dot, a number).
OUTCOME_CODE_PATTERN = r"^[A-Z0-9][A-Z0-9.-]{1,39}$"
_THAI_SCRIPT = re.compile(r"[\u0E00-\u0E7F]")

Pillar = Literal["smart_people", "smart_economy", "smart_environment"]
GradeLevel = Literal["P1", "P2", "P3", "P4", "P5", "P6", "M1", "M2", "M3", "M4", "M5", "M6"]
Code = Annotated[str, Field(pattern=CODE_PATTERN)]
OutcomeCode = Annotated[str, Field(pattern=OUTCOME_CODE_PATTERN)]
Text = Annotated[str, Field(min_length=1)]
ShortText = Annotated[str, Field(min_length=1, max_length=300)]

# The literals above must stay in step with the database's check constraints.
assert set(get_args(Pillar)) == set(PILLARS)
assert set(get_args(GradeLevel)) == set(GRADE_LEVELS)


class _Strict(BaseModel):
    # strict: YAML `50` is an int and `"50"` is a string; never coerce one into the other.
    model_config = ConfigDict(extra="forbid", strict=True, str_strip_whitespace=True)


def _require_thai(value: str) -> str:
    if not _THAI_SCRIPT.search(value):
        raise PydanticCustomError(
            "thai_script", "must be written in Thai script (got {value!r})", {"value": value}
        )
    return value


class BilingualText(_Strict):
    """A text in Thai (required, in Thai script) with its English counterpart."""

    th: Text
    en: Text

    @field_validator("th")
    @classmethod
    def _th_is_thai(cls, value: str) -> str:
        return _require_thai(value)


class Title(BilingualText):
    th: ShortText
    en: ShortText


class Material(BilingualText):
    url: Annotated[str, Field(pattern=r"^https?://\S+$", max_length=2000)] | None = None


class OutcomeDoc(BilingualText):
    """A learning outcome. Its `code` is its identity: assessments follow the code, so the
    wording may change without losing them. An outcome that has been assessed is never
    removed from the file; it is marked `retired: true` instead (no longer taught or
    required, earlier assessments kept)."""

    code: OutcomeCode
    retired: bool = False


ExcusedPolicy = Literal["excluded", "present", "absent"]


class CompletionRule(_Strict):
    """When a student has completed a module (evaluated when its workshop is closed).

    `min_attendance`: share of the workshop's taken sessions attended (present or late).
    `outcomes`: `all` active outcomes achieved, or at least this many of them.
    `excused`: how an excused absence counts: `excluded` (the session leaves the count, the
    default), `present` (counts as attended) or `absent` (counts as missed).
    """

    min_attendance: Annotated[float, Field(ge=0, le=1)] = 0.8
    outcomes: Literal["all"] | Annotated[int, Field(ge=0)] = "all"
    excused: ExcusedPolicy = "excluded"


DEFAULT_COMPLETION = CompletionRule()


def _refuse_repeats(value: list[str]) -> list[str]:
    """A list that names an item twice is an error naming the items repeated."""
    repeated = sorted({item for item in value if value.count(item) > 1})
    if repeated:
        raise PydanticCustomError(
            "duplicate_item", "lists {items} more than once", {"items": ", ".join(repeated)}
        )
    return value


class ModuleDoc(_Strict):
    code: Code
    title: Title
    minutes: Annotated[int, Field(gt=0, le=600)]
    # None: inherit the course's `creator_led`.
    creator_led: bool | None = None
    prerequisites: list[Code] = []
    outcomes: Annotated[list[OutcomeDoc], Field(min_length=1)]
    materials: list[Material] = []
    # None: the documented default (DEFAULT_COMPLETION).
    completion: CompletionRule | None = None

    _no_repeats = field_validator("prerequisites")(_refuse_repeats)

    @field_validator("outcomes")
    @classmethod
    def _outcomes_coherent(cls, value: list[OutcomeDoc]) -> list[OutcomeDoc]:
        _refuse_repeats([outcome.code for outcome in value])
        if all(outcome.retired for outcome in value):
            raise PydanticCustomError(
                "no_active_outcome", "every outcome is retired; a module needs an active one", {}
            )
        return value

    @model_validator(mode="after")
    def _rule_fits_outcomes(self) -> Self:
        rule = self.completion
        if rule is not None and isinstance(rule.outcomes, int):
            active = len(self.active_outcomes)
            if rule.outcomes > active:
                raise PydanticCustomError(
                    "rule_outcomes",
                    "completion.outcomes asks for {wanted} outcomes but the module has only "
                    "{active} active",
                    {"wanted": rule.outcomes, "active": active},
                )
        return self

    @property
    def active_outcomes(self) -> list[OutcomeDoc]:
        return [outcome for outcome in self.outcomes if not outcome.retired]

    @property
    def completion_rule(self) -> CompletionRule:
        return self.completion or DEFAULT_COMPLETION


class CourseDoc(_Strict):
    code: Code
    title: Title
    pillar: Pillar
    grade_levels: Annotated[list[GradeLevel], Field(min_length=1)]
    description: BilingualText | None = None
    creator_led: bool = False
    modules: Annotated[list[ModuleDoc], Field(min_length=1)]

    # Where the course was read from; not part of the content (and so not of its hash).
    _source_file: Path | None = PrivateAttr(default=None)
    # Line of each module's `outcomes:` key, by module code: where the loader points when a
    # change to the outcomes is refused (an assessed outcome removed).
    _outcome_lines: dict[str, int] = PrivateAttr(default_factory=dict)

    _no_repeated_grades = field_validator("grade_levels")(_refuse_repeats)

    @property
    def source_file(self) -> Path | None:
        """The file this course came from, as found by `validate_tree`."""
        return self._source_file

    def outcomes_line(self, module: ModuleDoc) -> int:
        return self._outcome_lines.get(module.code, 1)

    def module_creator_led(self, module: ModuleDoc) -> bool:
        """A module's own `creator_led`, or the course default when the module sets none."""
        return self.creator_led if module.creator_led is None else module.creator_led

    def module_snapshot(self, module: ModuleDoc) -> dict[str, Any]:
        """The module as stored in `module_versions.snapshot` (defaults resolved)."""
        return {
            "code": module.code,
            "title": module.title.model_dump(),
            "minutes": module.minutes,
            "creator_led": self.module_creator_led(module),
            "prerequisites": list(module.prerequisites),
            "outcomes": [
                {"code": o.code, "th": o.th, "en": o.en} | ({"retired": True} if o.retired else {})
                for o in module.outcomes
            ],
            "materials": [material.model_dump(exclude_none=True) for material in module.materials],
            "completion": module.completion_rule.model_dump(),
        }
