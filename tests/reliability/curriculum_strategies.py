"""Hypothesis strategies for curriculum trees (`curriculum/*.yaml`): valid ones, and ways to
break them."""

import string
from typing import Any

from hypothesis import strategies as st

from app.curriculum.schema import CourseDoc

THAI_LETTERS = "กขคงจฉชซญดตถทธนบปผพฟภมยรลวศษสหอฮะาิีึืุูเแโใไ่้๊๋"
PILLARS = ["smart_people", "smart_economy", "smart_environment"]
GRADES = ["P1", "P2", "P3", "P4", "P5", "P6", "M1", "M2", "M3", "M4", "M5", "M6"]


def _words(alphabet: str, *, min_size: int, max_size: int) -> st.SearchStrategy[str]:
    # No leading or trailing space: the models strip whitespace, and the round trip must be exact.
    word = st.text(alphabet, min_size=1, max_size=12)
    return (
        st.lists(word, min_size=1, max_size=max(1, max_size // 6))
        .map(" ".join)
        .filter(lambda text: min_size <= len(text) <= max_size)
    )


thai = _words(THAI_LETTERS, min_size=1, max_size=120)
english = _words(string.ascii_letters + string.digits + "'-,.:", min_size=1, max_size=120)


def bilingual() -> st.SearchStrategy[dict[str, str]]:
    return st.fixed_dictionaries({"th": thai, "en": english})


def material() -> st.SearchStrategy[dict[str, Any]]:
    url = st.from_regex(r"\Ahttps?://[a-z0-9.-]{1,30}/[A-Za-z0-9/_-]{0,30}\Z")
    return st.fixed_dictionaries({"th": thai, "en": english}, optional={"url": url})


def _code(prefix: str, index: int) -> str:
    return f"{prefix}-{index:02d}"


@st.composite
def curriculum_trees(draw, *, max_courses: int = 3, max_modules: int = 4) -> list[dict[str, Any]]:
    """1..`max_courses` valid course documents; module prerequisites point at modules
    defined earlier in the tree (in this or another course), so there is never a cycle."""
    course_codes = draw(
        st.lists(
            st.from_regex(r"\A[A-Z][A-Z0-9]{1,7}\Z"), min_size=1, max_size=max_courses, unique=True
        )
    )
    earlier: list[str] = []
    courses = []
    for code in course_codes:
        modules = []
        for index in range(1, draw(st.integers(1, max_modules)) + 1):
            module: dict[str, Any] = {
                "code": _code(code, index),
                "title": draw(bilingual()),
                "minutes": draw(st.integers(1, 600)),
                "outcomes": [
                    {"code": f"{_code(code, index)}.{n}", **text}
                    for n, text in enumerate(
                        draw(st.lists(bilingual(), min_size=1, max_size=3)), start=1
                    )
                ],
            }
            if earlier:
                module["prerequisites"] = draw(
                    st.lists(st.sampled_from(earlier), max_size=3, unique=True)
                )
            if draw(st.booleans()):
                module["creator_led"] = draw(st.booleans())
            if draw(st.booleans()):
                module["materials"] = draw(st.lists(material(), max_size=2))
            modules.append(module)
        earlier += [module["code"] for module in modules]
        course: dict[str, Any] = {
            "code": code,
            "title": draw(bilingual()),
            "pillar": draw(st.sampled_from(PILLARS)),
            "grade_levels": draw(st.lists(st.sampled_from(GRADES), min_size=1, unique=True)),
            "creator_led": draw(st.booleans()),
            "modules": modules,
        }
        if draw(st.booleans()):
            course["description"] = draw(bilingual())
        courses.append(course)
    return courses


# --- Ways to break a valid course document ---------------------------------------------------


def _drop(path: tuple[Any, ...]):
    def apply(course: dict[str, Any]) -> None:
        *parents, last = path
        target = course
        for key in parents:
            target = target[key]
        del target[last]

    return apply


def _set(path: tuple[Any, ...], value: Any):
    def apply(course: dict[str, Any]) -> None:
        *parents, last = path
        target = course
        for key in parents:
            target = target[key]
        target[last] = value

    return apply


BREAKAGES = {
    "missing code": _drop(("code",)),
    "missing modules": _drop(("modules",)),
    "missing module outcomes": _drop(("modules", 0, "outcomes")),
    "missing Thai title": _drop(("title", "th")),
    "unknown key": _set(("modules", 0, "duration"), 50),
    "minutes as text": _set(("modules", 0, "minutes"), "50"),
    "minutes zero": _set(("modules", 0, "minutes"), 0),
    "minutes too many": _set(("modules", 0, "minutes"), 601),
    "bad code": _set(("modules", 0, "code"), "lower-case"),
    "Thai title in Latin script": _set(("title", "th"), "Not Thai"),
    "unknown pillar": _set(("pillar",), "smart_moon"),
    "unknown grade": _set(("grade_levels",), ["P9"]),
    "empty modules": _set(("modules",), []),
    "empty outcomes": _set(("modules", 0, "outcomes"), []),
    "title as list": _set(("title",), ["ไทย", "English"]),
    "empty document": lambda course: course.clear(),
    "unknown prerequisite": _set(("modules", 0, "prerequisites"), ["NOPE-99"]),
    "self prerequisite": lambda course: course["modules"][0].__setitem__(
        "prerequisites", [course["modules"][0]["code"]]
    ),
    "repeated module code": lambda course: course["modules"].append(dict(course["modules"][0])),
    "bad url": _set(("modules", 0, "materials"), [{"th": "ใบงาน", "en": "Sheet", "url": "ftp:x"}]),
}


def parsed(course: dict[str, Any]) -> dict[str, Any]:
    """The course as the models give it back (defaults filled in), for round-trip checks."""
    return CourseDoc.model_validate(course, strict=True).model_dump(mode="json")
