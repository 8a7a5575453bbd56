"""YAML loading that remembers the line of every value, for errors people can act on."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .errors import SourceError

Path_ = tuple[Any, ...]


class Located:
    """Parsed YAML plus the 1-based line of each path (``("offices", 0, "phone")``)."""

    def __init__(self, data: Any, lines: dict[Path_, int], origin: str) -> None:
        self.data, self.lines, self.origin = data, lines, origin

    def line(self, *path: Any) -> int:
        while path and path not in self.lines:
            path = path[:-1]
        return self.lines.get(path, 1)

    def error(self, message: str, *path: Any) -> SourceError:
        return SourceError(self.origin, self.line(*path), message)


def _convert(node: yaml.Node, path: Path_, lines: dict[Path_, int]) -> Any:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = yaml.safe_load(yaml.serialize(key_node)) if not isinstance(key_node, yaml.ScalarNode) \
                else _scalar(key_node)
            out[key] = _convert(value_node, path + (key,), lines)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_convert(child, path + (i,), lines) for i, child in enumerate(node.value)]
    return _scalar(node)


def _scalar(node: yaml.Node) -> Any:
    constructor = yaml.SafeLoader("")
    try:
        return constructor.construct_object(node, deep=True)
    finally:
        constructor.dispose()


def load_located(path: Path) -> Located:
    """Parse a YAML file; a syntax error becomes a SourceError with its line."""
    origin = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise SourceError(origin, 0, f"not UTF-8 text ({exc.reason})") from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else 0
        raise SourceError(origin, line, f"YAML syntax error: {exc.problem}") from None
    lines: dict[Path_, int] = {}
    data = _convert(node, (), lines) if node is not None else None
    return Located(data, lines, origin)
