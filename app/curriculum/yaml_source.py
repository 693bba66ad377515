"""YAML reading that remembers where every key and list item was written.

PyYAML's compose step yields nodes carrying `start_mark.line`; we walk them once to build a
map from a location path such as `("modules", 2, "title", "th")` to its 1-based line, then
construct the plain Python data from the same nodes (no second parse).
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

# libyaml when available: about ten times faster, and its nodes carry the same marks.
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

Loc = tuple[str | int, ...]


class YamlSyntaxError(Exception):
    """The text is not valid YAML; `line` is 1-based."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line
        self.message = message


@dataclass(frozen=True)
class DuplicateKey:
    loc: Loc
    line: int
    first_line: int


@dataclass
class YamlDocument:
    data: Any
    lines: dict[Loc, int] = field(default_factory=dict)
    duplicate_keys: list[DuplicateKey] = field(default_factory=list)

    def line_of(self, loc: Sequence[str | int]) -> int:
        """Line of `loc`, or of its nearest enclosing key or item that was written down."""
        path = tuple(loc)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), 1)


def parse_yaml(text: str) -> YamlDocument:
    """Parse one YAML document; raise `YamlSyntaxError` with the line of the problem."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return YamlDocument(data=None, lines={(): 1})
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        problem = exc.problem or exc.context or "invalid YAML"
        if exc.context and exc.problem:
            # The parser notices a problem where it gives up, often a line after the cause
            # (an unclosed `[`): name where the enclosing construct started as well.
            started = exc.context_mark
            where = f" started at line {started.line + 1}" if started is not None else ""
            problem = f"{problem} ({exc.context}{where})"
        raise YamlSyntaxError(line, f"invalid YAML: {problem}") from exc
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(1, f"invalid YAML: {exc}") from exc
    finally:
        loader.dispose()
    document = YamlDocument(data=data)
    _index(node, (), node.start_mark.line + 1, document)
    return document


def _index(node: yaml.Node, loc: Loc, line: int, document: YamlDocument) -> None:
    document.lines[loc] = line
    if isinstance(node, yaml.MappingNode):
        first_seen: dict[str | int, int] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                continue
            key: str | int = key_node.value
            key_line = key_node.start_mark.line + 1
            if key in first_seen:
                document.duplicate_keys.append(
                    DuplicateKey(loc=(*loc, key), line=key_line, first_line=first_seen[key])
                )
                continue
            first_seen[key] = key_line
            # The key's line, not the value's: for a block value (`title:` then `  th: ...`)
            # the key is what the author looks for.
            _index(value_node, (*loc, key), key_line, document)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _index(item, (*loc, index), item.start_mark.line + 1, document)
