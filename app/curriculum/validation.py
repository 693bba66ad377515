"""Checks a curriculum tree and reports every problem as `file:line: message`.

Nothing stops at the first error: each file is parsed and validated on its own, then the
codes and prerequisites of every file that could be read at all are checked across files
(duplicates, unknown prerequisites, cycles), so one broken file does not hide the rest.
"""

import difflib
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_args

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from app.curriculum.schema import CODE_PATTERN, CourseDoc
from app.curriculum.yaml_source import Loc, YamlDocument, YamlSyntaxError, parse_yaml

CURRICULUM_SUFFIXES = (".yaml", ".yml")
_CODE = re.compile(CODE_PATTERN)
NO_FILES = "no curriculum files (*.yaml) found"


@dataclass(frozen=True)
class CurriculumError:
    file: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


def find_curriculum_files(path: Path) -> list[Path]:
    """`path` itself if it is a file, else every `*.yaml`/`*.yml` below it, sorted."""
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise FileNotFoundError(f"no curriculum file or directory at {path}")
    return sorted(
        (
            candidate
            for candidate in path.rglob("*")
            if candidate.suffix in CURRICULUM_SUFFIXES
            and candidate.is_file()
            # Editor backups and lock files (`.#x.yaml`) are not part of the curriculum.
            and not any(part.startswith(".") for part in candidate.relative_to(path).parts)
        ),
        key=lambda candidate: candidate.relative_to(path).as_posix(),
    )


def validate_tree(path: Path) -> tuple[list[CourseDoc], list[CurriculumError]]:
    """Validate one course file or a directory of them; return the valid courses and all errors.

    A course is returned when its own file is valid, even if the tree as a whole is not
    (for example when another file reuses its code); callers that write anything must
    check that the error list is empty.
    """
    files = find_curriculum_files(path)
    if not files:
        return [], [CurriculumError(path, 0, NO_FILES)]
    return validate_sources([(file, read_source(file)) for file in files])


def read_source(file: Path) -> bytes | OSError:
    """The bytes of `file`, or the error that kept them from being read."""
    try:
        return file.read_bytes()
    except OSError as exc:
        return exc


def validate_sources(
    sources: Sequence[tuple[Path, bytes | OSError]], known: Sequence["Outline"] = ()
) -> tuple[list[CourseDoc], list[CurriculumError]]:
    """Validate files already read (as `read_source` returns them), each on its own, then
    across files together with the `known` outlines of files that were not given (the
    loader's unchanged files, whose codes and prerequisites it takes from the database).

    The sites in `known` outlines carry no line numbers: a caller that passes any must
    re-validate the whole tree when errors come back, to point at the right lines.
    """
    courses: list[CourseDoc] = []
    errors: list[CurriculumError] = []
    outlines = list(known)
    for file, data in sources:
        document = _parse(file, data, errors)
        if document is None:
            continue
        course = _validate_document(file, document, errors)
        if course is not None:
            courses.append(course)
        outlines.append(_outline(file, document))
    errors.extend(_cross_file_errors(outlines))
    errors.sort(key=lambda error: (str(error.file), error.line))
    return courses, errors


def _parse(file: Path, data: bytes | OSError, errors: list[CurriculumError]) -> YamlDocument | None:
    if isinstance(data, OSError):
        errors.append(CurriculumError(file, 1, f"cannot read file: {data.strerror or data}"))
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        errors.append(CurriculumError(file, 1, f"file is not UTF-8 text ({exc.reason})"))
        return None
    try:
        return parse_yaml(text)
    except YamlSyntaxError as exc:
        errors.append(CurriculumError(file, exc.line, exc.message))
        return None


def _validate_document(
    file: Path, document: YamlDocument, errors: list[CurriculumError]
) -> CourseDoc | None:
    for duplicate in document.duplicate_keys:
        errors.append(
            CurriculumError(
                file,
                duplicate.line,
                f"{format_loc(duplicate.loc)}: key written twice "
                f"(first at line {duplicate.first_line}); remove one",
            )
        )
    if document.data is None:
        errors.append(CurriculumError(file, 1, "file is empty; expected a course (code:, ...)"))
        return None
    try:
        course = CourseDoc.model_validate(document.data)
    except ValidationError as exc:
        for detail in exc.errors():
            errors.append(CurriculumError(file, document.line_of(detail["loc"]), _message(detail)))
        return None
    if document.duplicate_keys:
        return None
    course._source_file = file
    course._outcome_lines = {
        module.code: document.line_of(("modules", index, "outcomes"))
        for index, module in enumerate(course.modules)
    }
    return course


def format_loc(loc: Loc | tuple[Any, ...]) -> str:
    """`("modules", 2, "title", "th")` -> `modules[2].title.th`."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


# --- Pydantic errors as sentences a curriculum author understands ---------------------------

_EXPECTED = {
    "string_type": "text",
    "int_type": "a whole number",
    "int_from_float": "a whole number",
    "bool_type": "true or false",
    "list_type": "a list",
    "model_type": "a mapping (key: value)",
    "dict_type": "a mapping (key: value)",
    "model_attributes_type": "a mapping (key: value)",
}


def _message(detail: ErrorDetails) -> str:
    loc = detail["loc"]
    where = format_loc(loc)
    kind = detail["type"]
    ctx = detail.get("ctx") or {}
    value = detail.get("input")
    last = loc[-1] if loc else None
    if not loc:
        text = f"expected a course as a mapping (code:, title:, ...), got {_describe(value)}"
        return text
    if kind == "missing":
        return f"{where}: {_missing(loc)}"
    if kind == "extra_forbidden":
        allowed = _allowed_keys(loc[:-1])
        hint = f" (allowed here: {', '.join(allowed)})" if allowed else ""
        return f"{where}: unknown key '{last}'{hint}"
    if kind in _EXPECTED:
        return f"{where}: expected {_EXPECTED[kind]}, got {_describe(value)}"
    if kind == "literal_error":
        return f"{where}: must be one of {ctx.get('expected')} (got {value!r})"
    if kind == "string_pattern_mismatch":
        if last == "url":
            return f"{where}: {value!r} is not a web address (http:// or https://)"
        if "outcomes" in loc:
            return (
                f"{where}: {value!r} is not a valid outcome code "
                "(A-Z, 0-9, '-' and '.', 2 to 40 characters, e.g. CT103-02.1)"
            )
        return (
            f"{where}: {value!r} is not a valid code "
            "(A-Z, 0-9 and '-', 2 to 40 characters, e.g. DL101-01)"
        )
    if kind == "string_too_short":
        return f"{where}: must not be empty"
    if kind == "string_too_long":
        return f"{where}: too long ({len(str(value))} characters, at most {ctx.get('max_length')})"
    if kind == "too_short":
        if last == "modules":
            return f"{where}: a course needs at least one module"
        if last == "outcomes":
            return f"{where}: a module needs at least one outcome"
        return f"{where}: must list at least {ctx.get('min_length')} item(s)"
    if kind == "greater_than":
        return f"{where}: must be greater than {ctx.get('gt')} (got {value!r})"
    if kind == "less_than_equal":
        return f"{where}: must be at most {ctx.get('le')} (got {value!r})"
    if kind == "thai_script" and loc[-2:-1] == ("title",):
        return f"{where}: Thai title must be written in Thai script (got {value!r})"
    return f"{where}: {detail['msg']}"


def _missing(loc: tuple[Any, ...]) -> str:
    parent = loc[-2] if len(loc) > 1 else None
    noun = "title" if parent == "title" else "text"
    if loc[-1] == "th":
        return f"required Thai {noun} is missing"
    if loc[-1] == "en":
        return f"required English {noun} is missing"
    if loc == ("modules",):
        return "required list of modules is missing (a course needs at least one)"
    if loc[-1] == "code" and "outcomes" in loc:
        return "required outcome code is missing (unique in the module, e.g. CT103-02.1)"
    return "required field is missing"


def _describe(value: Any) -> str:
    if value is None:
        return "an empty value"
    if isinstance(value, bool):
        return f"{str(value).lower()}"
    if isinstance(value, str):
        return f"text {value!r}"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return f"{type(value).__name__} {value!r}"


def _allowed_keys(loc: tuple[Any, ...]) -> list[str]:
    model: type[BaseModel] | None = CourseDoc
    for part in loc:
        if model is None:
            return []
        if isinstance(part, int):
            continue
        info = model.model_fields.get(part)
        model = _model_in(info.annotation) if info is not None else None
    return list(model.model_fields) if model is not None else []


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for argument in get_args(annotation):
        found = _model_in(argument)
        if found is not None:
            return found
    return None


# --- Checks across files -------------------------------------------------------------------


@dataclass(frozen=True)
class Site:
    file: Path
    line: int
    loc: Loc

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass
class ModuleOutline:
    code: str
    site: Site
    prerequisites: list[tuple[str, Site]] = field(default_factory=list)


@dataclass
class Outline:
    """The codes a file defines and refers to, read leniently from its raw YAML data
    (stripped of surrounding blanks, as the schema stores them)."""

    course_code: tuple[str, Site] | None = None
    modules: list[ModuleOutline] = field(default_factory=list)


def _outline(file: Path, document: YamlDocument) -> Outline:
    def site(*loc: str | int) -> Site:
        return Site(file, document.line_of(loc), loc)

    outline = Outline()
    data = document.data
    if not isinstance(data, dict):
        return outline
    if isinstance(data.get("code"), str):
        outline.course_code = (data["code"].strip(), site("code"))
    modules = data.get("modules")
    if not isinstance(modules, list):
        return outline
    for index, module in enumerate(modules):
        if not isinstance(module, dict) or not isinstance(module.get("code"), str):
            continue
        entry = ModuleOutline(module["code"].strip(), site("modules", index, "code"))
        prerequisites = module.get("prerequisites")
        if isinstance(prerequisites, list):
            entry.prerequisites = [
                (code.strip(), site("modules", index, "prerequisites", position))
                for position, code in enumerate(prerequisites)
                if isinstance(code, str) and _CODE.match(code.strip())
            ]
        outline.modules.append(entry)
    return outline


def known_outline(file: Path, course_code: str, modules: dict[str, list[str]]) -> Outline:
    """The outline of a file that was not read: its course code and, by module code in file
    order, each module's prerequisites. Its sites have no line (0)."""
    outline = Outline(course_code=(course_code, Site(file, 0, ("code",))))
    for index, (code, prerequisites) in enumerate(modules.items()):
        entry = ModuleOutline(code, Site(file, 0, ("modules", index, "code")))
        entry.prerequisites = [
            (required, Site(file, 0, ("modules", index, "prerequisites", position)))
            for position, required in enumerate(prerequisites)
        ]
        outline.modules.append(entry)
    return outline


def _cross_file_errors(outlines: list[Outline]) -> Iterator[CurriculumError]:
    first_course: dict[str, Site] = {}
    first_module: dict[str, ModuleOutline] = {}
    for outline in outlines:
        if outline.course_code is not None:
            code, where = outline.course_code
            if code in first_course:
                yield _error(where, f"course code '{code}' is already used at {first_course[code]}")
            else:
                first_course[code] = where
        for module in outline.modules:
            if module.code in first_module:
                first = first_module[module.code].site
                yield _error(module.site, f"module code '{module.code}' is already used at {first}")
            else:
                first_module[module.code] = module
    for outline in outlines:
        for module in outline.modules:
            for code, where in module.prerequisites:
                if code not in first_module:
                    hint = _suggest(code, first_module)
                    yield _error(where, f"unknown prerequisite '{code}'{hint}")
    yield from _cycle_errors(list(first_module.values()))


def _error(site: Site, message: str) -> CurriculumError:
    return CurriculumError(site.file, site.line, f"{format_loc(site.loc)}: {message}")


def _suggest(code: str, known: dict[str, Any]) -> str:
    close = difflib.get_close_matches(code, known, n=1, cutoff=0.8)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _cycle_errors(modules: list[ModuleOutline]) -> Iterator[CurriculumError]:
    """One error per prerequisite cycle, on the first module of the cycle in file order."""
    by_code = {module.code: module for module in modules}
    requires = {
        module.code: [code for code, _ in module.prerequisites if code in by_code]
        for module in modules
    }
    for component in _strongly_connected(requires):
        if len(component) == 1 and component[0] not in requires[component[0]]:
            continue
        members = set(component)
        start = min(component, key=lambda code: modules.index(by_code[code]))
        path = _path_back(start, requires, members)
        first_step = path[1]
        site = next(where for code, where in by_code[start].prerequisites if code == first_step)
        yield _error(site, "prerequisite cycle: " + " -> ".join(path))


def _path_back(start: str, requires: dict[str, list[str]], members: set[str]) -> list[str]:
    """Shortest path start -> ... -> start inside one strongly connected component."""
    previous: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following: list[str] = []
        for code in frontier:
            for target in requires[code]:
                if target == start:
                    path = [start]
                    while code != start:
                        path.insert(1, code)
                        code = previous[code]
                    return [*path, start]
                if target in members and target not in previous:
                    previous[target] = code
                    following.append(target)
        frontier = following
    raise AssertionError("a strongly connected component always leads back to its start")


def _strongly_connected(graph: dict[str, list[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative: a long prerequisite chain must not hit the recursion limit."""
    index: dict[str, int] = {}
    lowlink: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    for root in graph:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, child = work.pop()
            if child == 0:
                index[node] = lowlink[node] = len(index)
                stack.append(node)
                on_stack.add(node)
            targets = graph[node]
            if child < len(targets):
                work.append((node, child + 1))
                target = targets[child]
                if target not in index:
                    work.append((target, 0))
                elif target in on_stack:
                    lowlink[node] = min(lowlink[node], index[target])
                continue
            if lowlink[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                components.append(component)
            if work:
                parent = work[-1][0]
                lowlink[parent] = min(lowlink[parent], lowlink[node])
    return components
