"""YAML read into plain data that remembers where every value came from.

``yaml.safe_load`` forgets lines, so an error in the 40th monitor could only
say "monitors.39.url". We compose the node tree instead (PyYAML's safe
resolver and constructors, nothing that builds Python objects) and record the
line of each mapping key and sequence item, so errors read
``tocsin.yaml:14: monitors[2].url: ...``. On top of PyYAML's rules: duplicate
keys are errors (PyYAML keeps the last one silently), and ``${VAR}`` /
``${VAR:-default}`` in string values is replaced from the environment so
secrets such as DSN passwords stay out of git (``$${`` writes a literal ``${``).

Usage::

    doc = load(text, "tocsin.yaml")          # raises YamlError listing every problem
    doc.data["monitors"][2]["url"]
    doc.where(("monitors", 2, "url"))        # "tocsin.yaml:14"
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

Path = tuple[str | int, ...]

# libyaml composes about 4x faster than pure Python (10,000 monitors: 1.6 s
# against 6.5 s on the 2-core test machine); both give the same marks.
_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_MAP_TAG, _SEQ_TAG = "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"
_STR_TAG = "tag:yaml.org,2002:str"
# Aliases can expand a small file into a huge one ("billion laughs"); a real
# tocsin.yaml with 10,000 monitors of 20 fields stays well below this.
MAX_VALUES = 1_000_000
MAX_PROBLEMS = 50
# tocsin.yaml needs about 6 levels; 64 leaves room for any hand-written file.
MAX_DEPTH = 64
_VARIABLE = re.compile(r"\$\$\{|\$\{(?:([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\})?")


@dataclass(frozen=True)
class Problem:
    filename: str
    line: int
    message: str
    column: int | None = None
    path: Path = ()
    """Where in the data, when known: then shown instead of the column."""

    def __str__(self) -> str:
        if self.path:
            return f"{self.filename}:{self.line}: {format_path(self.path)}: {self.message}"
        where = f"{self.filename}:{self.line}"
        if self.column is not None:
            where += f":{self.column}"
        return f"{where}: {self.message}"


class YamlError(ValueError):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass
class Document:
    data: Any
    filename: str
    lines: dict[Path, int] = field(default_factory=dict)
    """1-based line of every mapping key and sequence item, by path."""
    problems: list[Problem] = field(default_factory=list)
    """With ``load(..., keep_going=True)``: duplicate keys, unset variables …"""

    def line(self, path: Path) -> int:
        """The line of ``path``, or of its nearest ancestor that has one."""
        path = tuple(path)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), 1)

    def where(self, path: Path) -> str:
        return f"{self.filename}:{self.line(path)}"


def format_path(path: Path) -> str:
    """``("monitors", 2, "url")`` -> ``monitors[2].url``."""
    out = ""
    for step in path:
        if isinstance(step, int):
            out += f"[{step}]"
        else:
            out += f".{step}" if out else str(step)
    return out


def load(text: str, filename: str, *, env: Mapping[str, str] | None = None,
         keep_going: bool = False) -> Document:
    """Parse one YAML document; raise YamlError naming file, line and problem.

    With ``keep_going`` only a syntax error raises; other problems are left in
    ``Document.problems`` so a caller can report them with its own findings.
    """
    too_deep = _too_deep(text, filename)
    if too_deep is not None:
        raise YamlError([too_deep])
    loader = _Loader(text)
    try:
        try:
            node = loader.get_single_node()
        except yaml.MarkedYAMLError as exc:
            raise YamlError([_marked(filename, exc)]) from None
        except yaml.YAMLError as exc:  # pragma: no cover - PyYAML marks its errors
            raise YamlError([Problem(filename, 1, str(exc))]) from None
        builder = _Builder(loader, filename, os.environ if env is None else env)
        doc = Document(None, filename)
        if node is not None and _size(node, {}, set()) > MAX_VALUES:
            builder.problems.append(Problem(
                filename, node.start_mark.line + 1,
                f"the document expands to more than {MAX_VALUES:,} values (aliases?)"))
        elif node is not None:
            doc.lines[()] = node.start_mark.line + 1
            doc.data = builder.build(node, (), doc.lines, set())
        doc.problems = sorted(builder.problems, key=lambda p: (p.line, p.column or 0)
                              )[:MAX_PROBLEMS]
        if doc.problems and not keep_going:
            raise YamlError(doc.problems)
        return doc
    finally:
        loader.dispose()


def _marked(filename: str, exc: yaml.MarkedYAMLError) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    message = exc.problem or exc.context or "invalid YAML"
    if exc.context and exc.problem and exc.context_mark is not None:
        message = f"{message} ({exc.context} at line {exc.context_mark.line + 1})"
    if mark is None:  # pragma: no cover - PyYAML always marks syntax errors
        return Problem(filename, 1, message)
    return Problem(filename, mark.line + 1, message, mark.column + 1)


def _too_deep(text: str, filename: str) -> Problem | None:
    """A problem when collections nest deeper than MAX_DEPTH (checked on events).

    Composing is recursive (libyaml's composer crashes the process at about
    100,000 levels; PyYAML's raises RecursionError near 500), so depth is
    checked on the flat event stream first: 0.5 s for 10,000 monitors.
    """
    depth = 0
    try:
        for event in yaml.parse(text, Loader=_Loader):
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    mark = event.start_mark
                    line, column = (mark.line + 1, mark.column + 1) if mark else (1, None)
                    return Problem(filename, line, f"nested deeper than {MAX_DEPTH} levels",
                                   column)
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.MarkedYAMLError as exc:
        # PyYAML 6.0.4 and later refuse very deep flow nesting themselves,
        # possibly before the event that crosses MAX_DEPTH comes out
        if "nesting depth" not in str(exc.problem):
            return None  # composing reports it, with the same marks
        mark = exc.problem_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, None)
        return Problem(filename, line, f"nested deeper than {MAX_DEPTH} levels", column)
    except yaml.YAMLError:
        return None
    return None


def _size(node: Node, memo: dict[int, int], active: set[int]) -> int:
    """How many values ``node`` expands to, counted without expanding aliases."""
    if isinstance(node, ScalarNode):
        return 1
    if id(node) in memo:
        return memo[id(node)]
    if id(node) in active:
        return 0  # a cycle; the builder reports it
    active.add(id(node))
    children = (node.value if isinstance(node, SequenceNode)
                else [v for pair in node.value for v in pair])
    total = 1 + sum(_size(child, memo, active) for child in children)
    active.discard(id(node))
    memo[id(node)] = min(total, MAX_VALUES + 1)
    return memo[id(node)]


class _Builder:
    def __init__(self, loader: yaml.SafeLoader, filename: str, env: Mapping[str, str]) -> None:
        self.loader = loader
        self.filename = filename
        self.env = env
        self.problems: list[Problem] = []

    def problem(self, node: Node, message: str, path: Path = ()) -> None:
        self.problems.append(Problem(self.filename, node.start_mark.line + 1, message,
                                     node.start_mark.column + 1, path))

    def build(self, node: Node, path: Path, lines: dict[Path, int], active: set[int]) -> Any:
        if isinstance(node, ScalarNode):
            return self.scalar(node, path)
        if id(node) in active:
            self.problem(node, "an alias refers to a node that contains it")
            return None
        active.add(id(node))
        try:
            if isinstance(node, SequenceNode):
                return self.sequence(node, path, lines, active)
            if isinstance(node, MappingNode):
                return self.mapping(node, path, lines, active)
        finally:
            active.discard(id(node))
        self.problem(node, "unexpected YAML node")  # pragma: no cover
        return None  # pragma: no cover

    def scalar(self, node: ScalarNode, path: Path) -> Any:
        if node.tag == _STR_TAG:  # most values: no constructor needed (2x faster)
            value: Any = node.value
        else:
            try:
                value = self.loader.construct_object(node, deep=True)
            except yaml.MarkedYAMLError as exc:
                self.problems.append(_marked(self.filename, exc))
                return None
        if isinstance(value, str) and "$" in value:
            return self.substitute(value, node, path)
        return value

    def substitute(self, text: str, node: Node, path: Path) -> str:
        def replace(match: re.Match[str]) -> str:
            if match.group(0) == "$${":
                return "${"
            name, default = match.group(1), match.group(2)
            if name is None:
                self.problem(node, "'${' starts an environment variable: write ${NAME} or "
                             "${NAME:-default}, or $${ for a literal ${", path)
                return match.group(0)
            value = self.env.get(name)
            if value is None or (value == "" and default is not None):
                if default is not None:
                    return default
                self.problem(node, f"environment variable {name} is not set "
                             f"(write ${{{name}:-default}} to give a default)", path)
                return ""
            return value

        return _VARIABLE.sub(replace, text)

    def sequence(self, node: SequenceNode, path: Path, lines: dict[Path, int],
                 active: set[int]) -> list[Any]:
        if node.tag != _SEQ_TAG:
            self.problem(node, f"the tag {node.tag} is not supported here")
        out = []
        for index, item in enumerate(node.value):
            lines[(*path, index)] = item.start_mark.line + 1
            out.append(self.build(item, (*path, index), lines, active))
        return out

    def mapping(self, node: MappingNode, path: Path, lines: dict[Path, int],
                active: set[int]) -> dict[Any, Any]:
        if node.tag != _MAP_TAG:
            self.problem(node, f"the tag {node.tag} is not supported here")
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.key(key_node)
            if key is None:
                continue
            line = key_node.start_mark.line + 1
            if key in seen:
                self.problem(key_node, f"duplicate key (first at line {seen[key]})",
                             (*path, key))
            else:
                seen[key] = line
        try:
            # `<<: *defaults` merges: the mapping's own keys win, as in YAML 1.1.
            self.loader.flatten_mapping(node)
        except yaml.MarkedYAMLError as exc:
            self.problems.append(_marked(self.filename, exc))
            return {}
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = self.key(key_node, report=False)
            if key is None:
                continue
            lines[(*path, key)] = key_node.start_mark.line + 1
            out[key] = self.build(value_node, (*path, key), lines, active)
        return out

    def key(self, node: Node, *, report: bool = True) -> str | int | None:
        # Keys are names, never substituted: only values come from the environment.
        if isinstance(node, ScalarNode) and node.tag == _STR_TAG:
            return str(node.value)
        if isinstance(node, ScalarNode):
            try:
                value = self.loader.construct_object(node, deep=True)
            except yaml.MarkedYAMLError as exc:
                if report:
                    self.problems.append(_marked(self.filename, exc))
                return None
            if isinstance(value, str | int) and not isinstance(value, bool):
                return value
            # `yes:`, `on:` or `null:` as keys mean the words, not YAML 1.1 booleans.
            return str(node.value)
        if report:
            self.problem(node, "a mapping key must be a plain value")
        return None
