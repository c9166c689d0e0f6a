"""Hypothesis generators for output targets and command-line values.

* :func:`writers`: every command that writes a file, as a function from the
  output path to the command line.
* :func:`special_targets`: nodes that are not regular files — character
  devices that swallow bytes (like ``/dev/null``) or refuse them (like
  ``/dev/full``), named pipes — reached directly or through a chain of
  symbolic links. :func:`make_special` makes one in a directory of the test's
  own (never touching the real ``/dev``).
* :func:`bad_output_paths`: paths no file can be written at: empty, ``.``, a
  directory, a parent that is a file or does not exist, a name over the file
  system's limit. :func:`make_bad` makes one.
* :func:`long_names`: legal file names close to the 255-byte limit, in
  one-, two- and three-byte UTF-8 characters.
* :func:`bad_numeric_values`: every numeric option with a value it must
  refuse (infinite, NaN, huge, negative, zero where that is invalid).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from hypothesis import strategies as st

#: A small shipped scenario that runs in a fraction of a second.
SCENARIO = "classroom/chicken"
#: A small sequential scenario for ``tree``.
TREE_SCENARIO = "classroom/entry_deterrence"

RUN = ["run", SCENARIO, "-n", "2048", "--seed", "1", "-q"]

#: Commands that write a file: name -> (command line for an output path, suffix it needs).
WRITERS: dict[str, tuple[Callable[[str], list[str]], str]] = {
    "run --json": (lambda p: [*RUN, "--json", p], ".json"),
    "run --csv": (lambda p: [*RUN, "--csv", p], ".csv"),
    "run --plot": (lambda p: [*RUN, "--plot", p], ".png"),
    "export -o": (lambda p: ["export", SCENARIO, "-o", p], ".nfg"),
    "solve --json": (lambda p: ["solve", SCENARIO, "--json", p], ".json"),
    "schema -o": (lambda p: ["schema", "-o", p], ".json"),
    "tree -o": (lambda p: ["tree", TREE_SCENARIO, "-o", p], ".svg"),
}


def writers(exclude: tuple[str, ...] = ()) -> st.SearchStrategy[str]:
    """Names of commands that write an output file (keys of :data:`WRITERS`)."""
    return st.sampled_from([w for w in WRITERS if w not in exclude])


def writer_args(writer: str, path: str) -> list[str]:
    """The command line of ``writer`` writing ``path``."""
    return WRITERS[writer][0](path)


# --- special files -------------------------------------------------------------

#: Character devices by (major, minor): Linux's memory devices.
DEVICES = {"null": (1, 3), "full": (1, 7)}


@dataclass(frozen=True)
class SpecialTarget:
    """A node that is not a regular file, and how the user's path reaches it.

    ``kind`` is ``"null"`` (a character device taking any bytes), ``"full"``
    (a character device refusing them: no space left) or ``"fifo"``; ``links``
    symbolic links lead to it (0: the path is the node itself).
    """

    kind: str
    links: int

    @property
    def accepts(self) -> bool:
        """Whether writing to it succeeds."""
        return self.kind != "full"


def special_targets() -> st.SearchStrategy[SpecialTarget]:
    """Character devices and FIFOs, directly or through up to two symbolic links."""
    return st.builds(SpecialTarget, st.sampled_from(["null", "full", "fifo"]), st.integers(0, 2))


def make_special(target: SpecialTarget, directory: Path) -> tuple[Path, Path]:
    """Make ``target`` in ``directory``; return (the path to give, the node itself).

    Character devices need ``mknod`` (root); raises ``PermissionError`` otherwise.
    """
    node = directory / f"node-{target.kind}"
    if target.kind == "fifo":
        os.mkfifo(node)
    else:
        os.mknod(node, 0o666 | stat.S_IFCHR, os.makedev(*DEVICES[target.kind]))
    path = node
    for i in range(target.links):
        link = directory / f"link{i}-{target.kind}"
        link.symlink_to(path)
        path = link
    return path, node


# --- paths that cannot be written ------------------------------------------------

BAD_KINDS = (
    "empty",
    "dot",
    "directory",
    "directory_slash",
    "parent_is_file",
    "missing_parent",
    "name_too_long",
    "symlink_to_directory",
)


def bad_output_paths() -> st.SearchStrategy[tuple[str, int]]:
    """(kind, a size parameter): a path no file can be written at (see :func:`make_bad`)."""
    return st.tuples(st.sampled_from(BAD_KINDS), st.integers(256, 400))


def make_bad(bad: tuple[str, int], directory: Path) -> str:
    """Make the situation of ``bad`` in ``directory`` and return the path to give.

    Paths are relative to ``directory`` (the test runs there), so that ``''``
    and ``'.'`` mean that directory.
    """
    kind, size = bad
    if kind == "empty":
        return ""
    if kind == "dot":
        return "."
    if kind in ("directory", "directory_slash"):
        (directory / "adir").mkdir(exist_ok=True)
        return "adir/" if kind == "directory_slash" else "adir"
    if kind == "parent_is_file":
        (directory / "afile").write_text("keep me\n")
        return "afile/out.json"
    if kind == "missing_parent":
        return "no/such/dir/out.json"
    if kind == "name_too_long":
        return "n" * size + ".json"
    if kind == "symlink_to_directory":
        (directory / "adir").mkdir(exist_ok=True)
        link = directory / "dirlink"
        if not link.is_symlink():
            link.symlink_to("adir")
        return "dirlink"
    raise ValueError(kind)


# --- long legal names ------------------------------------------------------------


def long_names(suffix: str) -> st.SearchStrategy[str]:
    """File names of 242 to 255 UTF-8 bytes ending in ``suffix``.

    Over 241 bytes, a temporary name made as ``.NAME.XXXXXXXX.tmp`` no longer
    fits the 255-byte limit of a name.
    """

    def build(args: tuple[int, str]) -> str:
        total, char = args
        budget = total - len(suffix.encode())
        width = len(char.encode())
        stem = char * (budget // width) + "x" * (budget % width)
        return stem + suffix

    return st.tuples(st.integers(242, 255), st.sampled_from(["a", "é", "日"])).map(build)


# --- numeric command-line values ----------------------------------------------------

#: Numeric options: name -> (command line before the option, smallest valid value).
NUMERIC_OPTIONS: dict[str, tuple[list[str], float]] = {
    "--samples": (["run", SCENARIO, "-q"], 1),
    "-n": (["run", SCENARIO, "-q"], 1),
    "--seed": (["run", SCENARIO, "-q"], 0),
    "--chunk-size": (["run", SCENARIO, "-q"], 1),
    "--workers": (["run", SCENARIO, "-q"], 1),
    "--qre-lambda": (["run", SCENARIO, "-q"], 0),
    "--max-memory": (["run", SCENARIO, "-q"], 0.001),
    "--max-nodes": (["tree", TREE_SCENARIO, "-o", "t.svg"], 1),
}

_HUGE = ["1e300", "1e20", "100000000000000000000", str(2**64), "9" * 400]
_NON_FINITE = ["inf", "-inf", "nan", "Infinity", "NaN", "+inf"]


def bad_numeric_values() -> st.SearchStrategy[tuple[str, str]]:
    """(option, value): a value every numeric option must refuse at parsing."""

    def values(option: str) -> st.SearchStrategy[tuple[str, str]]:
        smallest = NUMERIC_OPTIONS[option][1]
        negative = st.integers(-(10**30), -1).map(str) | st.sampled_from(["-1e300", "-0.5"])
        pool = st.sampled_from(_HUGE) | st.sampled_from(_NON_FINITE) | negative
        if smallest > 0:
            pool = pool | st.just("0")
        return pool.map(lambda v: (option, v))

    return st.sampled_from(sorted(NUMERIC_OPTIONS)).flatmap(values)
