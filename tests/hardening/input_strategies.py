"""Hypothesis generators for hostile scenario *input*: paths, text and YAML tags.

Three families, each aimed at one way a scenario can misbehave before the game
is even read:

* **special files** (:func:`special_files`, :func:`make_special_file`): paths
  that are not regular files — a named pipe (opening it blocks), symlinks to
  ``/dev/zero`` and ``/dev/urandom`` (endless, and ``stat`` says size 0),
  ``/dev/null``, a directory, a Unix socket;
* **unsafe text** (:func:`unsafe_texts`, :func:`text_mutants`): strings with at
  least one character a terminal acts on or UTF-8 cannot encode (C0 controls
  but tab and newline, DEL, C1 controls, lone surrogates), mixed with rich
  markup and ordinary text, put in place of any text of a valid scenario —
  a value (title, description, units, labels, sources, expressions) or a key
  (player, lever, option, parameter and outcome names);
* **tagged nodes** (:func:`tag_mutants`): a valid scenario with one scalar,
  mapping or sequence carrying a tag other than YAML's standard ones for plain
  data (``!!python/...``, ``!!binary``, ``!!set``, a local ``!tag``, a full
  ``!<tag:...>``).

The YAML is written with PyYAML's pure-Python safe dumper, which writes
control characters and surrogates as double-quoted escapes (``"\\e"``,
``"\\uD800"``): that is how a hostile file smuggles them past YAML's ban on
raw control characters.
"""

from __future__ import annotations

import os
import socket
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from hypothesis import strategies as st
from strategies import ScenarioCase

__all__ = [
    "MARKUP",
    "SPECIAL_KINDS",
    "TAGS",
    "UNSAFE_RANGES",
    "TagMutant",
    "TextMutant",
    "is_unsafe",
    "make_special_file",
    "special_files",
    "tag_mutants",
    "text_mutants",
    "unsafe_characters",
    "unsafe_texts",
]

# --- special files ---------------------------------------------------------------

#: Kinds of non-regular scenario paths, with what tradegame must call each.
SPECIAL_KINDS: dict[str, str] = {
    "fifo": "a named pipe",
    "dev_zero": "a character device",
    "dev_urandom": "a character device",
    "dev_null": "a character device",
    "directory": "a directory",
    "socket": "a socket",
}


def special_files() -> st.SearchStrategy[str]:
    """A kind of special file (a key of :data:`SPECIAL_KINDS`); make it with
    :func:`make_special_file`."""
    return st.sampled_from(sorted(SPECIAL_KINDS))


def make_special_file(kind: str, directory: Path) -> tuple[Path, Any]:
    """Create a special file of ``kind`` named ``scenario_<kind>.yaml`` in ``directory``.

    Returns
    -------
    path : Path
    keep : object
        What must stay alive for the file to stay what it is (the bound socket),
        or None; close it when done.
    """
    path = directory / f"scenario_{kind}.yaml"
    keep: Any = None
    if kind == "fifo":
        os.mkfifo(path)
    elif kind.startswith("dev_"):
        path.symlink_to(f"/dev/{kind.removeprefix('dev_')}")
    elif kind == "directory":
        path.mkdir()
    elif kind == "socket":
        # AF_UNIX paths are limited to about 100 bytes: bind from inside the directory.
        keep = socket.socket(socket.AF_UNIX)
        cwd = os.getcwd()
        os.chdir(directory)
        try:
            keep.bind(path.name)
        finally:
            os.chdir(cwd)
    else:
        raise ValueError(f"unknown special file kind {kind!r}")
    return path, keep


def file_kind(path: Path) -> str:
    """What ``path`` is, by ``stat`` (following symlinks), in :data:`SPECIAL_KINDS`' words."""
    mode = os.stat(path).st_mode
    for test, word in (
        (stat.S_ISFIFO, "a named pipe"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISREG, "a regular file"),
    ):
        if test(mode):
            return word
    return "other"


# --- unsafe text -----------------------------------------------------------------

#: Code point ranges no scenario text may hold (inclusive): C0 controls but tab and
#: newline, DEL and the C1 controls, lone surrogates.
UNSAFE_RANGES = ((0x00, 0x08), (0x0B, 0x1F), (0x7F, 0x9F), (0xD800, 0xDFFF))

#: Rich markup and emoji codes, which must be printed as they are.
MARKUP = ("[bold]", "[/]", "[red on white]", "[link=https://example.com]x[/link]", ":warning:")

#: Terminal escape sequences seen in the wild: clear screen, set the window title,
#: CSI as the single C1 byte, cursor up and erase line.
ESCAPE_SEQUENCES = ("\x1b[2J", "\x1b]0;pwned\x07", "\x9b31m", "\x1b[1A\x1b[2K", "\r", "\x08")


def is_unsafe(ch: str) -> bool:
    """Whether ``ch`` is in :data:`UNSAFE_RANGES`."""
    return any(lo <= ord(ch) <= hi for lo, hi in UNSAFE_RANGES)


def unsafe_characters() -> st.SearchStrategy[str]:
    """One character from :data:`UNSAFE_RANGES`."""
    return st.one_of(*(st.integers(lo, hi).map(chr) for lo, hi in UNSAFE_RANGES))


@st.composite
def unsafe_texts(draw: st.DrawFn) -> str:
    """Text with at least one unsafe character, among markup and ordinary words."""
    ordinary = st.text(st.characters(codec="utf-8", exclude_categories=["Cc", "Cs"]), max_size=8)
    pieces = draw(
        st.lists(
            st.one_of(
                ordinary,
                st.sampled_from(MARKUP),
                st.sampled_from(ESCAPE_SEQUENCES),
                unsafe_characters(),
            ),
            max_size=6,
        )
    )
    at = draw(st.integers(0, len(pieces)))
    pieces.insert(at, draw(st.one_of(st.sampled_from(ESCAPE_SEQUENCES), unsafe_characters())))
    return "".join(pieces)


class _PureDumper(yaml.SafeDumper):
    """The pure-Python safe dumper (it escapes surrogates; libyaml's cannot write them)."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _dump(data: Any) -> str:
    return yaml.dump(data, Dumper=_PureDumper, sort_keys=False, allow_unicode=True, width=10_000)


def _text_places(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[tuple[Any, ...], bool]]:
    """Every string of a scenario dict: ``(path, is_key)``, a value's path or a key's."""
    out: list[tuple[tuple[Any, ...], bool]] = []
    if isinstance(node, dict):
        for k, v in node.items():
            if isinstance(k, str):
                out.append(((*path, k), True))
            out.extend(_text_places(v, (*path, k)))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out.extend(_text_places(v, (*path, i)))
    elif isinstance(node, str):
        out.append((path, False))
    return out


def _replace(node: Any, path: tuple[Any, ...], is_key: bool, text: str) -> Any:
    """A copy of ``node`` with the string at ``path`` (or that key) replaced by ``text``."""
    if not path:
        return text
    head, rest = path[0], path[1:]
    if isinstance(node, list):
        return [_replace(v, rest, is_key, text) if i == head else v for i, v in enumerate(node)]
    if is_key and not rest:
        return {(text if k == head else k): v for k, v in node.items()}
    return {k: (_replace(v, rest, is_key, text) if k == head else v) for k, v in node.items()}


@dataclass
class TextMutant:
    """A valid scenario with one text (a value or a key) replaced by unsafe text."""

    text: str
    """The YAML file."""
    path: tuple[Any, ...]
    is_key: bool
    inserted: str


@st.composite
def text_mutants(draw: st.DrawFn, cases: st.SearchStrategy[ScenarioCase]) -> TextMutant:
    """One text of a valid scenario (any value or key) replaced by :func:`unsafe_texts`."""
    case = draw(cases)
    places = _text_places(case.data)
    path, is_key = places[draw(st.integers(0, len(places) - 1))]
    inserted = draw(unsafe_texts())
    return TextMutant(_dump(_replace(case.data, path, is_key, inserted)), path, is_key, inserted)


# --- tags ------------------------------------------------------------------------

#: Tags no scenario may carry, as written in a file.
TAGS = (
    "!!python/object/new:os.system",
    "!!python/object/apply:subprocess.call",
    "!!python/name:os.system",
    "!!python/tuple",
    "!!binary",
    "!!set",
    "!!omap",
    "!!pairs",
    "!!merge",
    "!custom",
    "!<tag:example.com,2000:app/thing>",
)


class _Tagged:
    """A value to be written with an explicit tag."""

    def __init__(self, value: Any, tag: str) -> None:
        self.value = value
        self.tag = tag


def _full_tag(tag: str) -> str:
    if tag.startswith("!!"):
        return "tag:yaml.org,2002:" + tag[2:]
    if tag.startswith("!<"):
        return tag[2:-1]
    return tag


def _represent_tagged(dumper: yaml.SafeDumper, data: _Tagged) -> yaml.Node:
    tag = _full_tag(data.tag)
    if isinstance(data.value, dict):
        return dumper.represent_mapping(tag, data.value)
    if isinstance(data.value, list):
        return dumper.represent_sequence(tag, data.value)
    scalar = dumper.represent_data(data.value)
    return yaml.ScalarNode(tag, scalar.value, style=scalar.style)


class _TagDumper(_PureDumper):
    pass


_TagDumper.add_representer(_Tagged, _represent_tagged)


def _node_places(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[tuple[Any, ...], str]]:
    """Every value of a scenario dict with its kind: scalar, mapping or sequence."""
    kind = (
        "mapping" if isinstance(node, dict) else "sequence" if isinstance(node, list) else "scalar"
    )
    out = [(path, kind)]
    children = (
        node.items() if isinstance(node, dict) else enumerate(node) if kind == "sequence" else ()
    )
    for k, v in children:
        out.extend(_node_places(v, (*path, k)))
    return out


def _tag_at(node: Any, path: tuple[Any, ...], tag: str) -> Any:
    if not path:
        return _Tagged(node, tag)
    head, rest = path[0], path[1:]
    if isinstance(node, list):
        return [_tag_at(v, rest, tag) if i == head else v for i, v in enumerate(node)]
    return {k: (_tag_at(v, rest, tag) if k == head else v) for k, v in node.items()}


@dataclass
class TagMutant:
    """A valid scenario with one node carrying a non-standard tag."""

    text: str
    path: tuple[Any, ...]
    kind: str
    """'scalar', 'mapping' or 'sequence'."""
    tag: str


@st.composite
def tag_mutants(draw: st.DrawFn, cases: st.SearchStrategy[ScenarioCase]) -> TagMutant:
    """One node of a valid scenario (a scalar, a mapping or a sequence, the root too)
    tagged with one of :data:`TAGS`; each node kind equally likely when present."""
    case = draw(cases)
    places = _node_places(case.data)
    kinds = sorted({k for _, k in places})
    kind = draw(st.sampled_from(kinds))
    of_kind = [p for p, k in places if k == kind]
    path = of_kind[draw(st.integers(0, len(of_kind) - 1))]
    tag = draw(st.sampled_from(TAGS))
    return TagMutant(_dump_tagged(_tag_at(case.data, path, tag)), path, kind, tag)


def _dump_tagged(data: Any) -> str:
    return yaml.dump(data, Dumper=_TagDumper, sort_keys=False, allow_unicode=True, width=10_000)
