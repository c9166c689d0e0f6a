"""Safe YAML reading that remembers where every value came from.

PyYAML's *safe* composer builds the node tree (no Python object construction
from tags); this module turns nodes into plain ``dict``/``list``/scalars itself
so that it can

* record the line and column of every key and value (``SourceMap``),
* refuse duplicate keys instead of keeping the last one silently,
* bound the work: file size, node count (which also defuses alias
  "billion laughs" bombs, since every expansion of an alias counts) and depth.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tradegame.errors import Location, ScenarioError

__all__ = [
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "MAX_NODES",
    "SourceMap",
    "YamlDocument",
    "parse_yaml",
    "read_yaml_file",
]

#: Largest scenario file read, in bytes (a large scenario is a few tens of kB).
MAX_FILE_BYTES = 2 * 1024 * 1024
#: Most YAML nodes (scalars, lists, mappings, counting alias expansions) in a document.
MAX_NODES = 100_000
#: Deepest nesting of lists and mappings (a game tree nests two levels per move).
MAX_DEPTH = 250

Path_ = tuple[str | int, ...]


@dataclass
class SourceMap:
    """Line and column (1-based) of each value and each mapping key, by path.

    A path is the tuple of keys and list indices from the document root, e.g.
    ``("players", "us", "levers", "tariffs")``.
    """

    file: str
    values: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Path_, tuple[int, int]] = field(default_factory=dict)

    def locate(self, path: Path_, *, key: bool = False) -> Location:
        """Location of ``path``, or of its nearest recorded ancestor.

        Parameters
        ----------
        path : tuple
            Keys and indices from the root. Elements that are not in the
            document (pydantic adds union tags to error paths) are skipped.
        key : bool
            Point at the mapping key rather than at the value.
        """
        known: list[str | int] = []
        for part in path:
            candidate = (*known, part)
            if candidate in self.values:
                known.append(part)
            elif isinstance(part, str) and part.isdigit() and (*known, int(part)) in self.values:
                known.append(int(part))
        where = tuple(known)
        table = self.keys if key and where in self.keys else self.values
        line, column = table.get(where, (1, 1))
        return Location(self.file, line, column)


@dataclass
class YamlDocument:
    """The data of one YAML document and where each part of it is."""

    data: Any
    source: SourceMap
    text: str


def _error(file: str, line: int, column: int, message: str) -> ScenarioError:
    return ScenarioError.at(file, line, column, message)


def _mark_position(mark: Any) -> tuple[int, int]:
    if mark is None:
        return (1, 1)
    return (mark.line + 1, mark.column + 1)


class _Builder:
    def __init__(self, file: str, loader: yaml.SafeLoader) -> None:
        self.file = file
        self.loader = loader
        self.source = SourceMap(file)
        self.count = 0

    def build(self, node: yaml.Node, path: Path_, depth: int) -> Any:
        self.count += 1
        line, column = _mark_position(node.start_mark)
        if self.count > MAX_NODES:
            raise _error(
                self.file,
                line,
                column,
                f"document has more than {MAX_NODES:,} nodes (counting alias expansions); "
                "refusing to read it",
            )
        if depth > MAX_DEPTH:
            raise _error(self.file, line, column, f"nesting deeper than {MAX_DEPTH} levels")
        self.source.values.setdefault(path, (line, column))
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path, depth)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, i), depth + 1) for i, item in enumerate(node.value)]
        return self._scalar(node)

    def _scalar(self, node: yaml.Node) -> Any:
        line, column = _mark_position(node.start_mark)
        try:
            return self.loader.construct_object(node, deep=True)
        except yaml.MarkedYAMLError as exc:
            raise _error(self.file, line, column, f"invalid value: {exc.problem}") from None
        except yaml.YAMLError as exc:
            raise _error(self.file, line, column, f"invalid value: {exc}") from None
        except (ValueError, OverflowError) as exc:
            raise _error(self.file, line, column, f"invalid value {node.value!r}: {exc}") from None
        except Exception:  # PyYAML's constructors fail in odd ways on odd tagged text
            tag = str(node.tag).rsplit(":", 1)[-1]
            raise _error(
                self.file, line, column, f"invalid value {node.value!r} for the tag !!{tag}"
            ) from None

    def _mapping(self, node: yaml.MappingNode, path: Path_, depth: int) -> dict[Any, Any]:
        # Merge keys (<<) are expanded by flatten_mapping, as the safe loader does.
        try:
            self.loader.flatten_mapping(node)
        except yaml.MarkedYAMLError as exc:
            # Its str() spans several lines with context marks; keep the problem only.
            line, column = _mark_position(exc.problem_mark or node.start_mark)
            problem = " ".join(str(exc.problem or "not a mapping").split())
            raise _error(self.file, line, column, f"invalid merge (<<): {problem}") from None
        except yaml.YAMLError as exc:
            line, column = _mark_position(node.start_mark)
            problem = " ".join(str(exc).split())
            raise _error(self.file, line, column, f"invalid merge (<<): {problem}") from None
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            kline, kcol = _mark_position(key_node.start_mark)
            if not isinstance(key_node, yaml.ScalarNode):
                raise _error(self.file, kline, kcol, "mapping keys must be plain names or numbers")
            key = self._scalar(key_node)
            if not isinstance(key, str | int | float | bool) or key is None:
                raise _error(self.file, kline, kcol, f"unsupported mapping key {key_node.value!r}")
            if isinstance(key, bool | float):
                key = key_node.value  # 'yes'/'on' and 1.5 as keys mean their text
            if key in out:
                first = self.source.keys.get((*path, key), (kline, kcol))
                raise _error(
                    self.file,
                    kline,
                    kcol,
                    f"duplicate key {key!r} (first defined at line {first[0]})",
                )
            self.source.keys[(*path, key)] = (kline, kcol)
            out[key] = self.build(value_node, (*path, key), depth + 1)
        return out


_NODE_EVENTS = (yaml.ScalarEvent, yaml.SequenceStartEvent, yaml.MappingStartEvent, yaml.AliasEvent)


def _refuse_too_many_nodes(text: str, file: str) -> None:
    """Count the document's nodes with libyaml's event parser before composing it.

    PyYAML's pure-Python composer needs about 20 µs a node, so a 2 MiB flat list
    would take half a minute to compose before the count in :class:`_Builder`
    could refuse it; libyaml's events cost under 1 µs each. Alias expansions are
    counted later, by the builder. A document libyaml cannot parse is left to the
    full parse, which reports the error with its location.
    """
    c_loader = getattr(yaml, "CSafeLoader", None)
    if c_loader is None:  # PyYAML built without libyaml: the builder's count still holds
        return
    loader = c_loader(text)
    count = 0
    try:
        while loader.check_event():
            event = loader.get_event()
            if isinstance(event, _NODE_EVENTS):
                count += 1
                if count > MAX_NODES:
                    line, column = _mark_position(event.start_mark)
                    raise _error(
                        file,
                        line,
                        column,
                        f"document has more than {MAX_NODES:,} nodes; refusing to read it",
                    )
    except yaml.YAMLError:
        return
    finally:
        loader.dispose()


def _position_of_offset(text: str, offset: int) -> tuple[int, int]:
    before = text[:offset]
    line = before.count("\n") + 1
    column = offset - (before.rfind("\n") + 1) + 1
    return line, column


def parse_yaml(text: str, file: str = "<string>") -> YamlDocument:
    """Parse one YAML document safely, with a source map.

    Parameters
    ----------
    text : str
        The YAML text.
    file : str
        Name used in error messages.

    Raises
    ------
    ScenarioError
        YAML syntax errors, duplicate keys, more than one document, or a
        document over the size, node or depth limits, with file:line:column.
    """
    if len(text.encode("utf-8", "surrogatepass")) > MAX_FILE_BYTES:
        raise _error(
            file, 1, 1, f"file is larger than the {MAX_FILE_BYTES // 1024} KiB limit for scenarios"
        )
    _refuse_too_many_nodes(text, file)
    try:
        loader = yaml.SafeLoader(text)
    except yaml.reader.ReaderError as exc:
        line, column = _position_of_offset(text, exc.position)
        raise _error(
            file, line, column, f"file contains a character YAML does not allow ({exc.reason})"
        ) from None
    try:
        try:
            node = loader.get_single_node()
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line, column = _mark_position(mark)
            parts = [p for p in (exc.context, exc.problem) if p]
            detail = "; ".join(parts) or "invalid YAML"
            raise _error(file, line, column, f"YAML syntax error: {detail}") from None
        except yaml.reader.ReaderError as exc:
            line, column = _position_of_offset(text, exc.position)
            raise _error(
                file, line, column, f"file contains a character YAML does not allow ({exc.reason})"
            ) from None
        except yaml.YAMLError as exc:
            raise _error(file, 1, 1, f"YAML error: {exc}") from None
        except ValueError as exc:  # PyYAML's scanner on an escape such as "\U7fffffff"
            line, column = _mark_position(loader.get_mark())
            raise _error(file, line, column, f"YAML syntax error: bad escape ({exc})") from None
        except RecursionError:
            raise _error(file, 1, 1, f"nesting deeper than {MAX_DEPTH} levels") from None
        if node is None:
            raise _error(file, 1, 1, "file is empty: expected a scenario mapping")
        builder = _Builder(file, loader)
        try:
            data = builder.build(node, (), 0)
        except RecursionError:
            raise _error(file, 1, 1, f"nesting deeper than {MAX_DEPTH} levels") from None
    finally:
        loader.dispose()
    return YamlDocument(data=data, source=builder.source, text=text)


def read_yaml_file(path: str | Path, display_name: str | None = None) -> YamlDocument:
    """Read and parse a YAML file (see :func:`parse_yaml`).

    Raises
    ------
    ScenarioError
        The file is missing, unreadable, too large, not UTF-8, or not valid YAML.
    """
    p = Path(path)
    name = display_name or str(path)
    try:
        size = p.stat().st_size
    except FileNotFoundError:
        raise _error(name, 1, 1, "no such file") from None
    except OSError as exc:
        raise _error(name, 1, 1, f"cannot read file: {exc.strerror}") from None
    if p.is_dir():
        raise _error(name, 1, 1, "is a directory, expected a scenario file")
    if size > MAX_FILE_BYTES:
        raise _error(
            name, 1, 1, f"file is larger than the {MAX_FILE_BYTES // 1024} KiB limit for scenarios"
        )
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise _error(name, 1, 1, f"cannot read file: {exc.strerror}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        good = raw[: exc.start].decode("utf-8", "replace")
        line, column = _position_of_offset(good, len(good))
        raise _error(name, line, column, "file is not UTF-8 text") from None
    if text.startswith("\ufeff"):
        text = text[1:]
    return parse_yaml(text, name)
