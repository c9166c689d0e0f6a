"""Safe YAML reading that remembers where every value came from.

PyYAML's *safe* composer builds the node tree (no Python object construction
from tags); this module turns nodes into plain ``dict``/``list``/scalars itself
so that it can

* record the line and column of every key and value (``SourceMap``),
* refuse duplicate keys instead of keeping the last one silently,
* refuse every tag but YAML's standard ones for plain data (``!!python/...``
  and any other tag, on a scalar, a mapping or a sequence),
* refuse text that would be unsafe to print or to encode: control characters
  (other than tab and newline) and lone surrogates, which double-quoted YAML
  escapes such as ``"\\e"`` or ``"\\ud800"`` can produce,
* bound the work: file size (reading at most the limit plus one byte, whatever
  the file claims to be), node count (which also defuses alias "billion
  laughs" bombs, since every expansion of an alias counts) and depth,
* read regular files only (or standard input given as ``-``), so that a named
  pipe, a device or a directory is refused at once instead of blocking or
  being read without end.
"""

from __future__ import annotations

import os
import re
import stat
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import yaml

from tradegame._text import printable, unsafe_character
from tradegame.errors import Location, ScenarioError, ScenarioIssue

__all__ = [
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "MAX_NODES",
    "STDIN",
    "STDIN_NAME",
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

#: The scenario argument that means "read standard input".
STDIN = "-"
#: How standard input is named in messages.
STDIN_NAME = "<stdin>"

#: Tags a scenario may carry (explicitly, or as PyYAML's resolver gives them): plain
#: data only. ``!!binary``, ``!!set``, ``!!omap``, ``!!pairs`` and every non-standard
#: tag (``!!python/...``, ``!local``) are refused: nothing in a scenario needs them.
ALLOWED_TAGS = frozenset(
    f"tag:yaml.org,2002:{t}"
    for t in ("str", "int", "float", "bool", "null", "timestamp", "map", "seq")
)

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
    overridden: dict[Path_, Location] = field(default_factory=dict)
    """Paths an override set (``--set``, a variant): located at the override."""
    booleans: dict[Path_, str] = field(default_factory=dict)
    """Values YAML read as true or false from an unquoted word (``yes``, ``no``,
    ``on``, ``off``, ``true`` ...), with the word as written: a student who lists
    options ``[yes, no]`` means text, and a message can say so."""

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
            if candidate in self.values or candidate in self.overridden:
                known.append(part)
            elif isinstance(part, str) and part.isdigit() and (*known, int(part)) in self.values:
                known.append(int(part))
        where = tuple(known)
        if where in self.overridden:
            return self.overridden[where]
        table = self.keys if key and where in self.keys else self.values
        line, column = table.get(where, (1, 1))
        return Location(self.file, line, column)


@dataclass
class YamlDocument:
    """The data of one YAML document and where each part of it is."""

    data: Any
    source: SourceMap
    text: str
    removed: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Lever -> options a ``--fix`` removed from ``data`` (see
    :mod:`tradegame.scenario.overrides`); expressions may still name them."""


def _error(file: str, line: int, column: int, message: str) -> ScenarioError:
    return ScenarioError.at(file, line, column, message)


def _mark_position(mark: Any) -> tuple[int, int]:
    if mark is None:
        return (1, 1)
    return (mark.line + 1, mark.column + 1)


class _Builder:
    def __init__(self, file: str, loader: yaml.SafeLoader, text: str = "") -> None:
        self.file = file
        self.loader = loader
        self.text = text
        self.source = SourceMap(file)
        self.count = 0
        self.duplicates: list[ScenarioIssue] = []

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
        self._check_tag(node)
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path, depth)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, i), depth + 1) for i, item in enumerate(node.value)]
        value = self._scalar(node)
        if isinstance(value, bool) and isinstance(node, yaml.ScalarNode) and node.style is None:
            self.source.booleans[path] = str(node.value)
        return value

    def _check_tag(self, node: yaml.Node) -> None:
        """Refuse a tag other than the standard ones for plain data, on any kind of node.

        PyYAML's safe constructor would refuse ``!!python/...`` on a scalar only;
        this builder makes mappings and sequences itself, so it checks every tag.
        """
        if node.tag in ALLOWED_TAGS:
            return
        line, column = _mark_position(node.start_mark)
        tag = str(node.tag)
        shown = "!!" + tag.removeprefix("tag:yaml.org,2002:") if tag.startswith("tag:") else tag
        raise _error(
            self.file,
            line,
            column,
            f"the YAML tag {printable(shown)} is not allowed in scenarios (only plain "
            "strings, numbers, booleans, null, dates, mappings and lists)",
        )

    def _scalar(self, node: yaml.Node) -> Any:
        value = self._construct(node)
        if isinstance(value, str):
            bad = unsafe_character(value)
            if bad is None:
                # YAML reads a raw NEL (U+0085) in the file as a line break and folds it into
                # a space: the value is clean, the file is not. The scalar's own text is checked.
                raw = self.text[node.start_mark.index : node.end_mark.index]
                bad = unsafe_character(raw)
                if bad is not None:  # counted in the string as written, after its quote
                    bad = (max(0, bad[0] - (raw[:1] in ("'", '"'))), bad[1])
            if bad is not None:
                line, column = _mark_position(node.start_mark)
                raise _error(
                    self.file,
                    line,
                    column,
                    f"text contains {bad[1]} at character {bad[0] + 1}; scenario text "
                    "may not contain control characters (other than tab and newline) "
                    "or lone surrogates",
                )
        return value

    def _construct(self, node: yaml.Node) -> Any:
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
            self._check_tag(key_node)
            key = self._scalar(key_node)
            if not isinstance(key, str | int | float | bool) or key is None:
                raise _error(self.file, kline, kcol, f"unsupported mapping key {key_node.value!r}")
            if isinstance(key, bool | float):
                key = key_node.value  # 'yes'/'on' and 1.5 as keys mean their text
            if key in out:
                # Every duplicate of the file is reported at once (the first value is kept
                # meanwhile, so the rest of the file is still read).
                first = self.source.keys.get((*path, key), (kline, kcol))
                self.duplicates.append(
                    ScenarioIssue(
                        Location(self.file, kline, kcol),
                        f"duplicate key {key!r} (first defined at line {first[0]}); "
                        "the file's other checks run once its keys are unique",
                    )
                )
                self.build(value_node, (*path, key, "<duplicate>"), depth + 1)
                continue
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


#: Said of an error that stops the reading of the file: no other check can run.
_NOTHING_ELSE_CHECKED = " (the file cannot be read past this; fix it to see any other problems)"

#: ``key: value`` on one line, the value unquoted (a list item's mapping too).
_KEY_VALUE = re.compile(r"^(\s*(?:-\s+)?)([^\s:#'\"][^:#]*?):[ \t]+(?P<value>[^'\"\s].*?)\s*$")


def _quoted(value: str) -> str:
    """``value`` as a YAML double-quoted string (single quotes if it has a double quote)."""
    if '"' in value:
        return "'" + value.replace("'", "''") + "'"
    return '"' + value.replace("\\", "\\\\") + '"'


def _syntax_advice(text: str, line: int, problem: str) -> tuple[int, int, str] | None:
    """What a student most likely did, for PyYAML's two most puzzling syntax errors.

    ``title: Trade war: round 2`` (a colon and a space inside an unquoted value:
    YAML reads a second key) and a tab in the indentation (YAML indents with
    spaces only). Returns the line, column and message, or ``None``.
    """
    lines = text.splitlines()
    here = lines[line - 1] if 0 < line <= len(lines) else ""
    if "mapping values are not allowed" in problem:
        m = _KEY_VALUE.match(here.split(" #")[0] if " #" in here else here)
        if m is not None and ": " in m.group("value"):
            key, value = m.group(2).strip(), m.group("value")
            return (
                line,
                m.start("value") + 1,
                f"the value of {key!r} contains ': ', which YAML reads as the start of "
                f"another key; put the value in quotes: {key}: {_quoted(value)}",
            )
    if "'\\t'" in problem or "\t" in problem:
        column = here.find("\t") + 1 if "\t" in here else 1
        return (
            line,
            max(column, 1),
            "a tab character; YAML indents with spaces only: replace each tab with spaces",
        )
    return None


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
            advice = _syntax_advice(text, line, str(exc.problem or ""))
            if advice is not None:
                line, column, detail = advice
            raise _error(
                file, line, column, f"YAML syntax error: {detail}{_NOTHING_ELSE_CHECKED}"
            ) from None
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
        builder = _Builder(file, loader, text)
        try:
            data = builder.build(node, (), 0)
        except RecursionError:
            raise _error(file, 1, 1, f"nesting deeper than {MAX_DEPTH} levels") from None
        if builder.duplicates:
            raise ScenarioError(builder.duplicates)
    finally:
        loader.dispose()
    return YamlDocument(data=data, source=builder.source, text=text)


#: What a path that is not a regular file is, by the test of its mode.
_FILE_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _not_regular(mode: int) -> str | None:
    """What a file of this mode is, when it is not a regular file (None if it is)."""
    if stat.S_ISREG(mode):
        return None
    return next((kind for test, kind in _FILE_KINDS if test(mode)), "not a file")


def _read_at_most(read: Any, limit: int) -> bytes:
    """Up to ``limit`` bytes from ``read(n)``, stopping at end of file.

    The size a file's metadata claims is not trusted (``/proc`` files say 0,
    a file can grow while read): this bound is what keeps reading finite.
    """
    parts: list[bytes] = []
    left = limit
    while left > 0:
        chunk = read(min(left, 1 << 16))
        if not chunk:
            break
        parts.append(chunk)
        left -= len(chunk)
    return b"".join(parts)


def read_regular_file(path: str | Path, name: str, what: str = "a scenario file") -> bytes:
    """The first ``MAX_FILE_BYTES + 1`` bytes of a regular file; anything else is refused.

    ``what`` names what was expected, in the refusal of a file that is not a
    regular file (``"a Gambit file"``); every refusal is a :class:`ScenarioError`
    at ``name:1:1``.

    The file is checked with ``stat`` before it is opened (opening a named pipe
    would block until a writer comes) and again with ``fstat`` on what was
    opened, without blocking, so that a file swapped for a pipe or a device in
    between is refused too.
    """
    try:
        kind = _not_regular(os.stat(path).st_mode)
    except FileNotFoundError:
        raise _error(name, 1, 1, "no such file") from None
    except OSError as exc:
        raise _error(name, 1, 1, f"cannot read file: {exc.strerror}") from None
    if kind is not None:
        raise _error(name, 1, 1, f"not a regular file ({kind}); expected {what}")
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise _error(name, 1, 1, f"cannot read file: {exc.strerror}") from None
    try:
        kind = _not_regular(os.fstat(fd).st_mode)
        if kind is not None:
            raise _error(name, 1, 1, f"not a regular file ({kind}); expected {what}")
        return _read_at_most(lambda n: os.read(fd, n), MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise _error(name, 1, 1, f"cannot read file: {exc.strerror}") from None
    finally:
        os.close(fd)


def _read_stdin(name: str, stream: BinaryIO | None) -> bytes:
    """The first ``MAX_FILE_BYTES + 1`` bytes of standard input (or of ``stream``)."""
    if stream is None:
        stdin = sys.stdin
        stream = getattr(stdin, "buffer", None) if stdin is not None else None
    if stream is None:
        raise _error(name, 1, 1, "cannot read standard input: it is closed")
    try:
        return _read_at_most(stream.read, MAX_FILE_BYTES + 1)
    except (OSError, ValueError) as exc:  # ValueError: read from a closed file
        raise _error(name, 1, 1, f"cannot read standard input: {exc}") from None


def read_yaml_file(
    path: str | Path, display_name: str | None = None, *, stdin: BinaryIO | None = None
) -> YamlDocument:
    """Read and parse a YAML file (see :func:`parse_yaml`).

    Parameters
    ----------
    path : str or Path
        A regular file, or ``"-"`` (:data:`STDIN`) for standard input.
    display_name : str, optional
        Name used in messages (default: ``path``, or ``<stdin>``).
    stdin : binary file, optional
        What ``"-"`` reads (default: ``sys.stdin.buffer``).

    Raises
    ------
    ScenarioError
        The file is missing, unreadable, not a regular file (a directory, a
        named pipe, a device, a socket), too large, not UTF-8, or not valid
        YAML.
    """
    if str(path) == STDIN:
        name = display_name or STDIN_NAME
        raw = _read_stdin(name, stdin)
    else:
        name = display_name or str(path)
        raw = read_regular_file(path, name)
    if len(raw) > MAX_FILE_BYTES:
        raise _error(
            name, 1, 1, f"file is larger than the {MAX_FILE_BYTES // 1024} KiB limit for scenarios"
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        good = raw[: exc.start].decode("utf-8", "replace")
        line, column = _position_of_offset(good, len(good))
        raise _error(name, line, column, "file is not UTF-8 text") from None
    if text.startswith("\ufeff"):
        text = text[1:]
    return parse_yaml(text, name)
