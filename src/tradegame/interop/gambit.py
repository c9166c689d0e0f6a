r"""Gambit's text formats: strategic games (``.nfg``) and extensive games (``.efg``).

Written from the format description in the Gambit manual ("Game representation
formats"; McKelvey, McLennan & Turocy, *Gambit: Software Tools for Game Theory*).
Whitespace is not significant outside double-quoted labels; inside labels a
double quote is escaped with a backslash. Gambit (16.7) reads a backslash before
any other character as itself (``x\wedge`` in a comment stays ``x\wedge``), so the
reader unescapes only ``\"`` and ``\\``, and the writer escapes a backslash only
where it must be: before a double quote or another backslash, and at the end of a
label. Numbers are integers, decimals or rationals ``p/q``.

Strategic games (``.nfg``) come in two versions. The *payoff* version::

    NFG 1 R "title" { "Player 1" "Player 2" } { { "s1" "s2" } { "t1" "t2" } }
    "comment"

    u1(s1,t1) u2(s1,t1)
    u1(s2,t1) u2(s2,t1)
    ...

has one line per pure-strategy profile, the *first* player's strategy varying fastest
(so the profiles are the C-order ravel of ``U`` transposed). The *outcome* version,
which is what Gambit itself writes (and the layout of every ``.nfg`` shipped with
Gambit), lists outcomes (label and payoffs), then an outcome number per profile in
the same order::

    NFG 1 R "title" { "Player 1" "Player 2" }

    { { "s1" "s2" }
    { "t1" "t2" }
    }
    "comment"

    {
    { "" u1(s1,t1), u2(s1,t1) }
    { "" u1(s2,t1), u2(s2,t1) }
    ...
    }
    1 2 ...

:func:`write_nfg` writes either (``version=``), the outcome version in exactly
Gambit's layout with one unlabelled outcome per profile. The reader accepts both,
and strategy counts (``{ 2 2 }``) instead of names.

Extensive games (``.efg``)::

    EFG 2 R "title" { "Player 1" "Player 2" }
    "comment"

    c "node" 1 "infoset" { "h" 1/3 "t" 2/3 } 0
    p "node" 1 1 "infoset" { "l" "r" } 0
    t "node" 1 "outcome" { 1, 2.5 }
    t "" 0
    ...

nodes in preorder: ``c`` chance (infoset number, label, actions with
probabilities), ``p`` personal (player number from 1, infoset number, label,
actions), ``t`` terminal; each ends with an outcome number (0 = none), followed
by the outcome's label and payoffs. The action list of an information set and the
label and payoffs of an outcome may be omitted when already given; the reader
accepts that and the writer always writes them in full, as Gambit does.

Identities. :func:`read_efg` keys each information set by ``(player number,
infoset number)`` and records each node's outcome number as ``outcome_key``;
:func:`write_efg` numbers information sets per player (chance is player 0) and
outcomes globally, both in order of first appearance in preorder, by those keys:
two outcomes stay two outcomes even when their labels and payoffs are equal. Nodes
without ``outcome_key`` (trees built from stages) share an outcome when they have
the same outcome label and payoffs. So ``write_efg(read_efg(text))`` is the file
renumbered in order of first appearance, which is how Gambit itself writes files.

Payoffs are written as integers, as ``p/q`` when they are the nearest float of
a simple fraction (denominator up to 10^6, not a finite decimal: 5/12, 1/3), else
as shortest round-trip decimals; chance probabilities as rationals (nearest with
denominator up to 10^9, the last one adjusted so that they sum to exactly one),
since Gambit computes with them exactly.

Reading untrusted files. :func:`read_nfg` and :func:`read_efg` raise
:class:`GambitFormatError` and nothing else for any text, with the line and
column of the problem. They refuse what Gambit (16.7) refuses (empty action
lists, an information set given again with other actions, labels or chance
probabilities, chance probabilities that are negative or do not sum to exactly
one in rationals, an outcome given again with other payoffs or label, player
and outcome numbers out of range) and bound the work before allocating: the
text (:data:`MAX_FILE_BYTES`), strategy profiles (:data:`MAX_PROFILES`), tree
nodes (:data:`MAX_TREE_NODES`) and depth (:data:`MAX_TREE_DEPTH`), the length
of numbers (:data:`MAX_NUMBER_CHARS`); payoffs must be finite floats, also
summed along a play. Decimal payoffs are converted by ``float`` (so
``1e-100000000`` is 0.0 at once, where exact rational arithmetic would build a
power of ten with a hundred million digits); chance probabilities, which are
checked exactly, may have decimal exponents up to :data:`MAX_EXACT_EXPONENT`.
The games keep where their parts are in the file (:func:`source_of`), so that
the importers of :mod:`tradegame.interop.scenario_io` locate their refusals too.
"""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Literal

import networkx as nx
import numpy as np
from numpy.typing import ArrayLike, NDArray

from tradegame.errors import TradegameError
from tradegame.model.tree import GameTree, Node
from tradegame.scenario import load as _load
from tradegame.scenario import yaml_source as _yaml_source

__all__ = [
    "GambitFormatError",
    "GambitSource",
    "NfgGame",
    "read_efg",
    "read_nfg",
    "source_of",
    "write_efg",
    "write_nfg",
]


#: Largest Gambit file read, in bytes of UTF-8: the limit of scenario files (2 MiB).
MAX_FILE_BYTES = _yaml_source.MAX_FILE_BYTES
#: Most strategy profiles of a ``.nfg`` game: the limit of scenarios' games.
MAX_PROFILES = _load.MAX_PROFILES
#: Most players of a ``.nfg`` game (its payoff array has one axis per player, and NumPy
#: at most 64; scenarios have at most 16).
MAX_NFG_PLAYERS = 32
#: Most nodes of a ``.efg`` tree: the limit of scenarios' trees.
MAX_TREE_NODES = _load.MAX_TREE_NODES
#: Deepest node of a ``.efg`` tree, in moves from the root: the deepest a scenario file's
#: nesting (250 levels: the document, 'tree:', 'root:', then two per move) holds.
MAX_TREE_DEPTH = (_yaml_source.MAX_DEPTH - 2) // 2
#: Longest number, in characters (a payoff, probability, count or index).
MAX_NUMBER_CHARS = 1000
#: Largest decimal exponent of a chance probability, which is read exactly (a rational
#: with a power of ten of that size); payoffs are read as floats and may have any.
MAX_EXACT_EXPONENT = 1000


class GambitFormatError(TradegameError, ValueError):
    """A Gambit file that cannot be read, or whose game a scenario cannot hold.

    ``str(error)`` is the message; the place in the file is in ``line`` and
    ``column``, always given for errors of :func:`read_nfg` and :func:`read_efg`,
    and of the importers on the games these read (``tradegame import`` prints
    ``FILE:LINE:COLUMN: message``).

    Attributes
    ----------
    message : str
        The problem, one line.
    line, column : int or None
        Where in the file, both from 1 (None for a game not read from a file).
    """

    def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
        self.message = message
        self.line = line
        self.column = column
        super().__init__(message)

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.message, self.line, self.column))

    @property
    def where(self) -> str:
        """``"LINE:COLUMN"``, or ``"1:1"`` (the file as a whole) when not located."""
        return "1:1" if self.line is None else f"{self.line}:{self.column}"


class GambitSource:
    """Where the parts of a game are in the file it was read from.

    Parameters
    ----------
    text : str
        The file's text.
    marks : mapping
        Part -> offset in ``text``: ``"header"``, ``"title"``, ``"players"`` (the
        opening brace of the player list), ``("player", i)`` (player *i*'s label, from
        0), ``"strategies"`` and ``("strategies", i)`` (``.nfg``), and each node of a
        ``.efg`` tree (its tuple of action indices) at its node type letter.
    """

    def __init__(self, text: str, marks: dict[Hashable, int]) -> None:
        self._line_starts = [0, *(m.end() for m in _NEWLINE.finditer(text))]
        self.marks = marks

    def position(self, offset: int) -> tuple[int, int]:
        """The line and column (from 1) of an offset in the text."""
        line = bisect.bisect_right(self._line_starts, offset)
        return line, offset - self._line_starts[line - 1] + 1

    def where(self, part: Hashable) -> tuple[int, int] | None:
        """The line and column of a part (see ``marks``), or None if it has no mark."""
        offset = self.marks.get(part)
        return None if offset is None else self.position(offset)

    def error(self, message: str, part: Hashable) -> GambitFormatError:
        """A :class:`GambitFormatError` at a part, or at the header if it has no mark."""
        where = self.where(part) or self.where("header") or (1, 1)
        return GambitFormatError(message, *where)


def source_of(game: NfgGame | GameTree) -> GambitSource | None:
    """Where the parts of a game read by :func:`read_nfg` or :func:`read_efg` are in its
    file (None for a game made otherwise)."""
    if isinstance(game, NfgGame):
        return game.source
    src = game.graph.graph.get(_SOURCE_KEY)
    return src if isinstance(src, GambitSource) else None


#: The key of a tree's :class:`GambitSource` among its graph's attributes.
_SOURCE_KEY = "gambit_source"
#: Line breaks as Gambit counts lines.
_NEWLINE = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class NfgGame:
    """A strategic game read from or written to a ``.nfg`` file.

    Attributes
    ----------
    U : ndarray of float, shape (n, S_0, ..., S_{n-1})
        Payoffs in tradegame's convention (no draw axes).
    players : tuple of str
    strategy_labels : tuple of tuple of str
    title, comment : str
    source : GambitSource or None
        Where its parts are in the file it was read from (:func:`read_nfg`).
    """

    U: NDArray[np.floating]
    players: tuple[str, ...]
    strategy_labels: tuple[tuple[str, ...], ...]
    title: str = ""
    comment: str = ""
    source: GambitSource | None = field(default=None, compare=False, repr=False)


# ---------------------------------------------------------------------- lexing
_TOKEN = re.compile(r'"((?:[^"\\]|\\.)*)"|([{}])|,|([^\s{},"]+)|(")', re.DOTALL)
#: Escapes Gambit reads: a double quote or a backslash after a backslash (any other
#: character after a backslash is read with the backslash, as Gambit does).
_UNESCAPE = re.compile(r'\\(["\\])')
#: Backslashes that must be escaped: before a double quote or a backslash, or last.
_MUST_ESCAPE = re.compile(r'\\(?=["\\]|\Z)')
#: Numbers as Gambit writes them: integers, decimals (with an optional exponent),
#: rationals ``p/q``.
_DECIMAL = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE]([+-]?\d+))?")
_RATIONAL = re.compile(r"([+-]?\d+)/(\d+)")


@dataclass(slots=True)
class _Tok:
    kind: str  # "str", "brace", "word"
    text: str
    pos: int


def _tokens(text: str, src: GambitSource) -> list[_Tok]:
    # One scan with finditer (which skips the whitespace between tokens): a loop over
    # characters in Python would take seconds on a 2 MiB file.
    out: list[_Tok] = []
    append = out.append
    for m in _TOKEN.finditer(text):
        group = m.lastindex
        if group == 1:
            label = m.group(1)
            if "\\" in label:  # re.sub costs even when nothing matches
                label = _UNESCAPE.sub(r"\1", label)
            append(_Tok("str", label, m.start()))
        elif group == 2:
            append(_Tok("brace", m.group(2), m.start()))
        elif group == 3:
            append(_Tok("word", m.group(3), m.start()))
        elif group == 4:  # only a label without its closing quote gets here
            raise GambitFormatError("a label is not closed by '\"'", *src.position(m.start()))
    return out


class _Reader:
    """Tokens of a Gambit file, read in order; every error names its line and column."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.marks: dict[Hashable, int] = {}
        self.src = GambitSource(text, self.marks)
        size = len(text) if len(text) > MAX_FILE_BYTES else len(text.encode("utf-8", "replace"))
        if size > MAX_FILE_BYTES:
            raise GambitFormatError(
                f"the file has more than {MAX_FILE_BYTES:,} bytes, the most tradegame reads "
                "(2 MiB, as for scenario files)",
                1,
                1,
            )
        self.toks = _tokens(text, self.src)
        self.i = 0

    def fail(self, message: str, tok: _Tok | None = None) -> GambitFormatError:
        """An error at a token (default: the next one, or the end of the file)."""
        pos = (tok or self.peek() or _Tok("", "", len(self.text))).pos
        return GambitFormatError(message, *self.src.position(pos))

    def mark(self, part: Hashable) -> None:
        """Record that ``part`` starts at the next token (or at the end of the file)."""
        tok = self.peek()
        self.marks[part] = len(self.text) if tok is None else tok.pos

    def peek(self) -> _Tok | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def next(self, what: str) -> _Tok:
        tok = self.peek()
        if tok is None:
            raise self.fail(f"unexpected end of file, expected {what}")
        self.i += 1
        return tok

    def expect(self, kind: str, text: str | None = None, what: str = "") -> _Tok:
        tok = self.next(what or text or kind)
        if tok.kind != kind or (text is not None and tok.text != text):
            raise self.fail(f"expected {what or text or kind}, got {_shown(tok.text)}", tok)
        return tok

    def at(self, kind: str, text: str | None = None) -> bool:
        tok = self.peek()
        return tok is not None and tok.kind == kind and (text is None or tok.text == text)

    def string(self, what: str) -> str:
        return self.expect("str", what=what).text

    def word(self, what: str) -> _Tok:
        """A number's token, of at most :data:`MAX_NUMBER_CHARS` characters."""
        tok = self.expect("word", what=what)
        if len(tok.text) > MAX_NUMBER_CHARS:
            raise self.fail(
                f"{what} has {len(tok.text):,} characters; numbers have at most "
                f"{MAX_NUMBER_CHARS:,}",
                tok,
            )
        return tok

    def number(self, what: str) -> float:
        """A payoff: a float, the nearest to the number written, which must be finite.

        Decimals are converted by ``float`` (correctly rounded, and quick whatever the
        exponent: ``1e-100000000`` is 0.0), rationals by exact division.
        """
        tok = self.word(what)
        try:
            if _DECIMAL.fullmatch(tok.text):
                x = float(tok.text)
            elif m := _RATIONAL.fullmatch(tok.text):
                x = float(Fraction(int(m.group(1)), int(m.group(2))))
            else:
                raise self.fail(f"expected a number ({what}), got {_shown(tok.text)}", tok)
        except ZeroDivisionError:
            raise self.fail(f"{what} {tok.text} divides by zero", tok) from None
        except OverflowError:
            x = math.inf
        if not math.isfinite(x):
            raise self.fail(
                f"{what} {_shown(tok.text, 40)} is beyond the range of floating-point numbers "
                "(about ±1.8e308)",
                tok,
            )
        return x

    def exact(self, what: str) -> tuple[Fraction, _Tok]:
        """A number read exactly (chance probabilities, which Gambit checks exactly)."""
        tok = self.word(what)
        if m := _DECIMAL.fullmatch(tok.text):
            if m.group(1) is not None and abs(int(m.group(1))) > MAX_EXACT_EXPONENT:
                raise self.fail(
                    f"{what} {_shown(tok.text, 40)} has an exponent beyond ±{MAX_EXACT_EXPONENT}",
                    tok,
                )
            return Fraction(tok.text), tok
        if m := _RATIONAL.fullmatch(tok.text):
            if int(m.group(2)) == 0:
                raise self.fail(f"{what} {tok.text} divides by zero", tok)
            return Fraction(int(m.group(1)), int(m.group(2))), tok
        raise self.fail(f"expected a number ({what}), got {_shown(tok.text)}", tok)

    def integer(self, what: str, largest: int) -> int:
        """A whole number from 0 to ``largest``."""
        tok = self.expect("word", what=what)
        if not (tok.text.isascii() and tok.text.isdigit()):
            raise self.fail(f"expected {what} (a whole number), got {_shown(tok.text)}", tok)
        if len(tok.text) > len(str(largest)) or int(tok.text) > largest:
            raise self.fail(f"{what} {_shown(tok.text, 40)} is over {largest:,}", tok)
        return int(tok.text)

    def string_list(self, what: str) -> list[str]:
        self.expect("brace", "{", what=f"'{{' opening {what}")
        out = []
        while not self.at("brace", "}"):
            out.append(self.string(what))
        self.i += 1
        return out

    def number_list(self, what: str) -> list[float]:
        """``{ x y ... }``: numbers, each a ``what`` (commas between them are skipped)."""
        self.expect("brace", "{", what=f"'{{' opening the {what}s")
        out = []
        while not self.at("brace", "}"):
            out.append(self.number(what))
        self.i += 1
        return out

    def done(self) -> bool:
        return self.i >= len(self.toks)


def _shown(text: str, limit: int = 60) -> str:
    """A token as an error message shows it: quoted, cut after ``limit`` characters."""
    return repr(text if len(text) <= limit else text[:limit] + "...")


#: Largest index (player, information set, outcome number) read; larger ones are refused.
_MAX_INDEX = 10**9
#: Largest denominator of the exact sum of a chance node's probabilities, in bits (about
#: 10^3010: room for decimals of up to 3,000 places, which is any float written out).
_MAX_SUM_BITS = 10_000


# ---------------------------------------------------------------------- writing helpers
def _q(label: str) -> str:
    """``label`` quoted so that :func:`_tokens` reads it back (and Gambit too, unless a
    backslash in it stands before a double quote or another backslash)."""
    return '"' + _MUST_ESCAPE.sub(r"\\\\", str(label)).replace('"', '\\"') + '"'


def _num(x: float) -> str:
    x = float(x)
    if not np.isfinite(x):
        raise ValueError(f"Gambit files cannot hold the non-finite number {x}")
    if x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    # Positional shortest round-trip form: Gambit reads decimals, not exponents.
    return np.format_float_positional(x, unique=True, trim="-")


def fraction_of(x: float) -> Fraction:
    """A fraction that reads back as exactly ``x``: a simple one (1/3) if there is one,
    else the shortest decimal. It depends on ``x`` alone, so writing what was read
    gives the same text again (``limit_denominator`` of a float alone does not)."""
    simple = Fraction(x).limit_denominator(10**6)
    if float(simple) == x:
        return simple
    return Fraction(np.format_float_positional(x, unique=True, trim="-"))


def _simple_rational(x: float) -> Fraction | None:
    """The fraction ``p/q`` (``q`` up to 10^6, not a finite decimal) whose nearest float is
    ``x``, or None: ``0.41666666666666669`` is 5/12, ``0.1`` is a decimal (None)."""
    f = Fraction(x).limit_denominator(10**6)
    if float(f) != x:
        return None
    d = f.denominator
    for prime in (2, 5):
        while d % prime == 0:
            d //= prime
    return f if d != 1 else None


def _payoff_text(x: float) -> str:
    """A payoff as written: ``p/q`` for a simple fraction (Gambit computes with it exactly),
    else as :func:`_num`. It depends on ``x`` alone, so what is read is written back."""
    f = _simple_rational(float(x))
    return _num(x) if f is None else f"{f.numerator}/{f.denominator}"


def exact_number(x: float) -> Fraction:
    """The number Gambit reads for a payoff this module writes, exactly."""
    return Fraction(_payoff_text(x))


def exact_probabilities(p: Sequence[float]) -> list[Fraction]:
    """The probabilities Gambit reads for a chance node this module writes (they sum to 1)."""
    return [Fraction(x) for x in _probs(p)]


def _probs(p: Sequence[float]) -> list[str]:
    fr = [fraction_of(float(x)) for x in p]
    rest = 1 - sum(fr[:-1], Fraction(0))
    if rest >= 0 and abs(float(rest) - float(p[-1])) < 1e-9:
        fr[-1] = rest  # exact sum one, as Gambit checks with exact arithmetic
    return [str(f) for f in fr]


# ---------------------------------------------------------------------- .nfg
def write_nfg(
    U: ArrayLike,
    players: Sequence[str],
    strategy_labels: Sequence[Sequence[str]] | None = None,
    title: str = "",
    comment: str = "",
    version: Literal["payoff", "outcome"] = "payoff",
) -> str:
    """Text of a Gambit ``.nfg`` file for one normal-form game.

    Parameters
    ----------
    U : array_like, shape (n, S_0, ..., S_{n-1})
        ``U[i, s_0, ..., s_{n-1}]`` is player *i*'s payoff (one draw: no batch axes).
        Payoffs are written as integers, ``p/q`` for a simple fraction (denominator
        up to 10^6, its nearest float given), else shortest round-trip decimals; an
        array of :class:`fractions.Fraction` (dtype object) is written through its
        nearest floats, so a simple exact fraction comes out exactly.
    players : sequence of str, length n
    strategy_labels : sequence of sequence of str, optional
        One label per strategy of each player; default ``"1", "2", ...``.
    title, comment : str
    version : {"payoff", "outcome"}, default "payoff"
        The payoff version, or the outcome version laid out as Gambit writes it
        (one unlabelled outcome per profile, numbered in profile order).

    Returns
    -------
    str
    """
    if version not in ("payoff", "outcome"):
        raise ValueError(f"version must be 'payoff' or 'outcome', got {version!r}")
    # Exact payoffs (Fractions) are written as their nearest float would be: p/q for a
    # simple fraction, else the shortest decimal, so that reading back gives the same text.
    arr = np.vectorize(float, otypes=[float])(U) if np.asarray(U).dtype == object else None
    arr = np.asarray(U, dtype=float) if arr is None else arr
    players = tuple(players)
    n = len(players)
    if arr.ndim != n + 1 or arr.shape[0] != n:
        raise ValueError(
            f"payoffs of shape {arr.shape} are not (n, S_0, ..., S_{{n-1}}) for {n} players "
            "(write one draw at a time)"
        )
    sizes = arr.shape[1:]
    if strategy_labels is None:
        strategy_labels = [[str(j + 1) for j in range(S)] for S in sizes]
    labels = [tuple(x) for x in strategy_labels]
    if [len(x) for x in labels] != list(sizes):
        raise ValueError(f"strategy label counts {[len(x) for x in labels]} != {list(sizes)}")
    # Gambit lists profiles with the first player's strategy varying fastest: that is the
    # C-order ravel of the array with the strategy axes reversed.
    flat = np.transpose(arr, (0, *range(n, 0, -1))).reshape(n, -1).T
    if version == "outcome":
        strategies = "\n".join("{ " + " ".join(_q(s) for s in x) + " }" for x in labels)
        outcomes = "\n".join(
            '{ "" ' + ", ".join(_payoff_text(v) for v in row) + " }" for row in flat
        )
        numbers = " ".join(str(j + 1) for j in range(len(flat)))
        return (
            f"NFG 1 R {_q(title)} {{ {' '.join(_q(p) for p in players)} }}\n\n"
            f"{{ {strategies}\n}}\n{_q(comment)}\n\n{{\n{outcomes}\n}}\n{numbers}\n"
        )
    head = (
        f"NFG 1 R {_q(title)} {{ {' '.join(_q(p) for p in players)} }} "
        f"{{ {' '.join('{ ' + ' '.join(_q(s) for s in x) + ' }' for x in labels)} }}"
    )
    body = "\n".join(" ".join(_payoff_text(v) for v in row) for row in flat)
    return f"{head}\n{_q(comment)}\n\n{body}\n"


def _header(r: _Reader, kind: str, version: str) -> tuple[str, tuple[str, ...]]:
    """The header both formats share: ``KIND VERSION R "title" { "player" ... }``."""
    r.marks["header"] = r.expect("word", kind, f"{kind} header").pos
    r.expect("word", version, f"format version {version}")
    r.expect("word", "R", "'R'")
    r.mark("title")
    title = r.string("title")
    r.mark("players")
    r.expect("brace", "{", what="'{' opening the player names")
    names: list[str] = []
    while not r.at("brace", "}"):
        tok = r.expect("str", what="a player name")
        r.marks[("player", len(names))] = tok.pos
        names.append(tok.text)
    r.next("'}'")
    return title, tuple(names)


def read_nfg(text: str) -> NfgGame:
    """Parse a Gambit ``.nfg`` file (payoff or outcome version) into an :class:`NfgGame`.

    Bounded before anything large is allocated: at most :data:`MAX_FILE_BYTES` of
    text, :data:`MAX_NFG_PLAYERS` players and :data:`MAX_PROFILES` strategy
    profiles; numbers of at most :data:`MAX_NUMBER_CHARS` characters, payoffs within
    the range of floats.

    Raises
    ------
    GambitFormatError
        For anything Gambit's format does not allow or these bounds refuse, with the
        line and column of the problem in ``text``.
    """
    r = _Reader(text)
    title, players = _header(r, "NFG", "1")
    n = len(players)
    if not 1 <= n <= MAX_NFG_PLAYERS:
        raise r.src.error(
            f"the game has {n} players; tradegame reads games of 1 to {MAX_NFG_PLAYERS}",
            ("player", MAX_NFG_PLAYERS) if n else "players",
        )
    r.marks["strategies"] = r.expect("brace", "{", what="'{' opening the strategy lists").pos
    named: list[tuple[str, ...]] = []
    counts: list[int] = []
    n_prof = 1
    by_name = r.at("brace", "{")
    for i in range(n):
        first = r.peek()
        if first is None or (first.kind == "brace" and first.text == "}"):
            raise r.fail(f"the strategy lists end after {i} of {n} players")
        r.marks[("strategies", i)] = first.pos
        if by_name:
            names_i = tuple(r.string_list(f"strategy names of player {i + 1}"))
            count = len(names_i)
        else:
            count = r.integer(f"strategy count of player {i + 1}", MAX_PROFILES)
        if count == 0:
            raise r.fail(f"player {i + 1} ({players[i]!r}) has no strategies", first)
        n_prof *= count
        if n_prof > MAX_PROFILES:
            raise r.fail(
                f"the game has more than {MAX_PROFILES:,} strategy profiles, the most "
                "tradegame reads",
                first,
            )
        counts.append(count)
        if by_name:
            named.append(names_i)
    r.expect("brace", "}", what="'}' closing the strategy lists")
    comment = r.string("comment") if r.at("str") else ""
    sizes = tuple(counts)
    if r.at("brace", "{"):
        flat = _nfg_outcomes(r, players, n_prof)
    else:
        start = r.peek()
        if len(r.toks) - r.i < n_prof * n:
            raise r.fail(
                f"the file ends before the payoffs are complete: {n_prof:,} profiles of "
                f"{n} players need {n_prof * n:,} payoffs, and {len(r.toks) - r.i:,} "
                "numbers follow",
                start,
            )
        vals = [r.number("payoff") for _ in range(n_prof * n)]
        flat = np.array(vals, dtype=float).reshape(n_prof, n)
    if not r.done():
        raise r.fail(f"unexpected {_shown(r.toks[r.i].text)} after the payoffs")
    arr = flat.T.reshape((n, *sizes[::-1]))
    U = np.transpose(arr, (0, *range(n, 0, -1)))
    # Labels of counted strategies only now: the payoffs read show that the file (at most
    # 2 MiB) holds every profile, so a count of millions no longer costs before it fails.
    labels = tuple(named) if by_name else tuple(tuple(str(j + 1) for j in range(c)) for c in counts)
    return NfgGame(np.ascontiguousarray(U), players, labels, title, comment, r.src)


def _nfg_outcomes(r: _Reader, players: tuple[str, ...], n_prof: int) -> NDArray[np.floating]:
    """The outcome version's outcomes and outcome numbers, as payoffs by profile."""
    n = len(players)
    r.i += 1
    outcomes: list[list[float]] = []
    while not r.at("brace", "}"):
        opening = r.expect("brace", "{", what="an outcome ('{') or '}'")
        r.string("outcome label")
        pay: list[float] = []
        while not r.at("brace", "}"):
            if len(pay) == n:
                raise r.fail(f"outcome {len(outcomes) + 1} has more than {n} payoffs")
            pay.append(r.number("payoff"))
        r.i += 1
        if len(pay) != n:
            raise r.fail(
                f"outcome {len(outcomes) + 1} has {len(pay)} payoffs for {n} players", opening
            )
        outcomes.append(pay)
    r.i += 1
    if len(r.toks) - r.i < n_prof:
        raise r.fail(
            f"the file ends before the outcome numbers are complete: {n_prof:,} profiles "
            f"need {n_prof:,}, and {len(r.toks) - r.i:,} follow"
        )
    table = np.zeros((len(outcomes) + 1, n))
    if outcomes:
        table[1:] = outcomes
    numbers = np.empty(n_prof, dtype=np.intp)
    for j in range(n_prof):
        tok = r.peek()
        o = r.integer("outcome number", _MAX_INDEX)
        if o > len(outcomes):
            raise r.fail(
                f"profile {j + 1} refers to outcome {o}, and there are {len(outcomes)}", tok
            )
        numbers[j] = o
    return table[numbers]


# ---------------------------------------------------------------------- .efg
def write_efg(tree: GameTree, player_labels: Sequence[str] | None = None) -> str:
    """Text of a Gambit ``.efg`` file for a :class:`~tradegame.model.tree.GameTree`.

    Information sets are numbered per player (chance is player 0) by their
    ``infoset`` keys, and outcomes globally by the nodes' ``outcome_key`` (nodes
    without one share an outcome when they have the same outcome label and
    payoffs), both in order of first appearance in preorder. Repeated non-empty
    labels of a player's information sets, or of outcomes, get ``" #2"``, ``" #3"``,
    ... (Gambit refuses repeats).

    Parameters
    ----------
    tree : GameTree
        One draw (``tree.n_draws == 1``).
    player_labels : sequence of str, optional
        The players' labels in the file, in the order of ``tree.players`` (default:
        the players' names, ``tree.players``).

    Returns
    -------
    str

    Raises
    ------
    ValueError
        The tree holds several draws (a Gambit file is one game: write
        ``tree.for_draw(d)``), ``player_labels`` has the wrong length, or nodes with
        the same ``outcome_key`` carry different outcome labels or payoffs.
    """
    if tree.n_draws != 1:
        raise ValueError(
            f"the tree holds {tree.n_draws} draws and a Gambit file one game; "
            "write tree.for_draw(d)"
        )
    players = tree.players
    labels = players if player_labels is None else tuple(player_labels)
    if len(labels) != len(players):
        raise ValueError(f"{len(labels)} player labels for {len(players)} players")
    pindex = {p: j + 1 for j, p in enumerate(players)}
    infoset_no: dict[tuple[int, Any], int] = {}
    infoset_label: dict[tuple[int, Any], str] = {}
    used_labels: set[tuple[int, str]] = set()
    per_player: dict[int, int] = {}
    outcomes = _Outcomes()
    lines = [
        f"EFG 2 R {_q(tree.title)} {{ {' '.join(_q(p) for p in labels)} }}",
        _q(tree.comment),
        "",
    ]
    for node in tree.nodes():
        d = tree.graph.nodes[node]
        out = outcomes.text(node, d)
        if d["kind"] == "terminal":
            lines.append(f"t {_q(d.get('name', ''))} {out}")
            continue
        pl = 0 if d["kind"] == "chance" else pindex[d["player"]]
        key = (pl, d["infoset"])
        if key not in infoset_no:
            per_player[pl] = per_player.get(pl, 0) + 1
            infoset_no[key] = per_player[pl]
            infoset_label[key] = _unique(str(d.get("infoset_label", "")), pl, used_labels)
        label = _q(infoset_label[key])
        if d["kind"] == "chance":
            acts = " ".join(
                f"{_q(a)} {p}" for a, p in zip(d["actions"], _probs(d["probs"]), strict=True)
            )
            lines.append(f"c {_q(d.get('name', ''))} {infoset_no[key]} {label} {{ {acts} }} {out}")
        else:
            acts = " ".join(_q(a) for a in d["actions"])
            lines.append(
                f"p {_q(d.get('name', ''))} {pl} {infoset_no[key]} {label} {{ {acts} }} {out}"
            )
    return "\n".join(lines) + "\n"


def _unique(label: str, scope: int, used: set[tuple[int, str]]) -> str:
    """Gambit (16.7) rejects repeated non-empty labels among a player's information sets
    (and among outcomes): suffix repeats with ``#2``, ``#3``, ..."""
    out, k = label, 1
    while label and (scope, out) in used:
        k += 1
        out = f"{label} #{k}"
    used.add((scope, out))
    return out


class _Outcomes:
    """The outcomes of a file being written: numbers, labels and payoffs, by identity."""

    def __init__(self) -> None:
        # identity -> (number, label as given, label as written, payoffs)
        self.known: dict[Hashable, tuple[int, str, str, tuple[float, ...]]] = {}
        self.used_labels: set[tuple[int, str]] = set()

    def text(self, node: Node, d: dict[str, Any]) -> str:
        """``0``, or the outcome's number, label and payoffs as written after a node."""
        pay = d.get("payoffs")
        if pay is None:
            return "0"
        label = str(d.get("outcome", ""))
        values = tuple(float(x) for x in pay)
        ident = d.get("outcome_key")
        key: Hashable = ("merged", label, values) if ident is None else ("key", ident)
        if key not in self.known:
            written = _unique(label, -1, self.used_labels)
            self.known[key] = (len(self.known) + 1, label, written, values)
        no, given, written, paid = self.known[key]
        if (given, paid) != (label, values):
            raise ValueError(
                f"node {node}: outcome {ident!r} has label {label!r} and payoffs {list(values)} "
                f"here, {given!r} and {list(paid)} at an earlier node"
            )
        return f"{no} {_q(written)} {{ {', '.join(_payoff_text(x) for x in paid)} }}"


@dataclass(slots=True)
class _EfgNode:
    """A node as :func:`read_efg` reads it, before the tree is built."""

    kind: str  # "c", "p" or "t"
    pos: int
    depth: int
    name: str
    infoset: tuple[int, int] | None
    outcome: int


@dataclass
class _Infoset:
    pos: int
    label: str | None
    actions: tuple[str, ...] | None = None
    probs: tuple[Fraction, ...] | None = None
    defined_at: int = 0


def read_efg(text: str) -> GameTree:
    """Parse a Gambit ``.efg`` file into a :class:`~tradegame.model.tree.GameTree`.

    Information sets are keyed ``(player number, infoset number)`` (player 0 is
    chance), and a node with an outcome records the outcome's number as
    ``outcome_key`` (:func:`write_efg` keeps outcomes apart by it); nodes are the
    tuples of action indices from the root, as everywhere. The tree's graph keeps
    where each node is in the file (:func:`source_of`).

    Checked as Gambit checks them (16.7): every information set has actions, and
    one that is given again has the same labels (and, for chance, probabilities);
    chance probabilities are non-negative and sum to exactly one (in rationals:
    ``0.5`` is exactly 1/2); an outcome given again has the same label and
    payoffs; player numbers are in range. Players' labels must differ (a tree
    tells its players apart by them; Gambit renames repeats). Bounded before the
    tree is built: at most :data:`MAX_FILE_BYTES` of text, :data:`MAX_TREE_NODES`
    nodes, nodes at most :data:`MAX_TREE_DEPTH` moves deep, payoffs within the
    range of floats (also summed along each play, as a terminal node pays the
    outcomes on its path).

    Raises
    ------
    GambitFormatError
        With the line and column of the problem in ``text``.
    """
    r = _Reader(text)
    title, players = _header(r, "EFG", "2")
    # A tree names its players by their labels: two players with one label would merge.
    first_of: dict[str, int] = {}
    for i, name in enumerate(players):
        j = first_of.setdefault(name, i)
        if j != i:
            raise r.src.error(
                f"player {i + 1} has the label {_shown(name)} of player {j + 1}; tradegame "
                "tells the players of a tree apart by their labels",
                ("player", i),
            )
    comment = r.string("comment") if r.at("str") else ""
    infosets: dict[tuple[int, int], _Infoset] = {}
    outcomes: dict[int, tuple[str, NDArray[np.floating], int]] = {}
    nodes: list[_EfgNode] = []
    # Open nodes as [depth, children still to read]: ints only, so a deep chain costs
    # little until it is refused.
    stack: list[list[int]] = []
    too_deep: _EfgNode | None = None
    while not r.done():
        if nodes and not stack:
            raise r.fail("this node is outside the tree (the tree is already complete)")
        depth = stack[-1][0] + 1 if stack else 0
        if stack:
            stack[-1][1] -= 1
            if stack[-1][1] == 0:
                stack.pop()
        kind_tok = r.expect("word", what="a node type (c, p or t)")
        kind = kind_tok.text
        if kind not in ("c", "p", "t"):
            raise r.fail(f"unknown node type {_shown(kind)}: expected c, p or t", kind_tok)
        if len(nodes) == MAX_TREE_NODES:
            raise r.fail(
                f"the tree has more than {MAX_TREE_NODES:,} nodes, the most tradegame reads",
                kind_tok,
            )
        name = r.string("node label")
        key = None
        if kind != "t":
            key = _efg_infoset(r, kind, players, infosets)
        outcome = _efg_outcome(r, players, outcomes)
        node = _EfgNode(kind, kind_tok.pos, depth, name, key, outcome)
        nodes.append(node)
        if depth > MAX_TREE_DEPTH and too_deep is None:
            too_deep = node
        if key is not None:
            actions = infosets[key].actions
            assert actions is not None
            stack.append([depth, len(actions)])
    if not nodes:
        raise r.fail("the file has no nodes")
    if stack:
        raise r.fail(
            f"the file ends before the tree is complete ({sum(s[1] for s in stack):,} more "
            "nodes are needed)"
        )
    if too_deep is not None:
        deepest = max(x.depth for x in nodes)
        raise r.fail(
            f"the tree has plays {deepest} moves long; tradegame reads trees at most "
            f"{MAX_TREE_DEPTH} moves deep (the most a scenario file's nesting holds)",
            _Tok("", "", too_deep.pos),
        )
    return _efg_tree(r, nodes, infosets, outcomes, players, title, comment)


def _efg_infoset(
    r: _Reader, kind: str, players: tuple[str, ...], infosets: dict[tuple[int, int], _Infoset]
) -> tuple[int, int]:
    """Read a node's information set (player, number, label, actions) and check it."""
    if kind == "c":
        pl = 0
    else:
        tok = r.peek()
        pl = r.integer("player number", _MAX_INDEX)
        if not 1 <= pl <= len(players):
            raise r.fail(
                f"player number {pl} out of range: the game has {len(players)} players", tok
            )
    no = r.integer("information set number", _MAX_INDEX)
    who = "chance" if pl == 0 else f"player {pl}"
    key = (pl, no)
    info = infosets.get(key)
    label_tok = r.peek() if r.at("str") else None
    label = r.string("information set label") if label_tok is not None else None
    if info is None:
        info = infosets[key] = _Infoset(r.toks[r.i - 1].pos, label)
    elif label is not None and info.label is not None and label != info.label:
        raise r.fail(
            f"information set {no} of {who} is labelled {_shown(label)} here and "
            f"{_shown(info.label)} at {_at(r, info.pos)}",
            label_tok,
        )
    elif info.label is None:
        info.label = label
    if not r.at("brace", "{"):
        if info.actions is None:
            raise r.fail(f"information set {no} of {who} is used before its actions are given")
        return key
    opening = r.next("'{'")
    acts: list[str] = []
    probs: list[Fraction] = []
    total = Fraction(0)
    while not r.at("brace", "}"):
        acts.append(r.string("action label"))
        if kind == "c":
            p, tok = r.exact("chance probability")
            if p < 0:
                raise r.fail(f"chance probability {tok.text} is negative", tok)
            if p > 1:
                raise r.fail(f"chance probability {tok.text} is over 1", tok)
            probs.append(p)
            total += p
            # Exact sums of fractions with unrelated denominators grow without bound (a
            # thousand 1000-digit primes: a million digits, and quadratic arithmetic).
            if total.denominator.bit_length() > _MAX_SUM_BITS:
                raise r.fail(
                    "the chance probabilities up to this one have no common denominator "
                    f"under 10^{int(_MAX_SUM_BITS * math.log10(2))}: too fine to add exactly",
                    tok,
                )
    r.i += 1
    if not acts:
        raise r.fail(f"information set {no} of {who} has no actions", opening)
    if kind == "c" and total != 1:
        raise r.fail(
            f"the chance probabilities of information set {no} sum to {_sum_text(total)}, "
            "not exactly 1 (Gambit adds them exactly: 1/3 is not 0.3333)",
            opening,
        )
    if info.actions is None:
        info.actions, info.defined_at = tuple(acts), opening.pos
        info.probs = tuple(probs) if kind == "c" else None
    elif len(acts) != len(info.actions):
        raise r.fail(
            f"information set {no} of {who} has {len(acts)} actions here and "
            f"{len(info.actions)} at {_at(r, info.defined_at)}",
            opening,
        )
    elif tuple(acts) != info.actions:
        raise r.fail(
            f"information set {no} of {who} has other action labels here than at "
            f"{_at(r, info.defined_at)}",
            opening,
        )
    elif kind == "c" and tuple(probs) != info.probs:
        raise r.fail(
            f"information set {no} of chance has other probabilities here than at "
            f"{_at(r, info.defined_at)}",
            opening,
        )
    return key


def _efg_outcome(
    r: _Reader,
    players: tuple[str, ...],
    outcomes: dict[int, tuple[str, NDArray[np.floating], int]],
) -> int:
    """Read a node's outcome number (and the outcome, when given) and check it."""
    o = r.integer("outcome number", _MAX_INDEX)
    if not o:
        return 0
    label_tok = r.peek() if r.at("str") else None
    label = r.string("outcome label") if label_tok is not None else None
    known = outcomes.get(o)
    if r.at("brace", "{"):
        opening = r.peek()
        assert opening is not None
        pay = np.array(r.number_list("payoff"), dtype=float)
        if pay.shape != (len(players),):
            raise r.fail(
                f"outcome {o} needs {len(players)} payoffs, one per player, and has {len(pay)}",
                opening,
            )
        if known is None:
            outcomes[o] = (label or "", pay, opening.pos)
        elif not np.array_equal(pay, known[1]):
            raise r.fail(f"outcome {o} has other payoffs here than at {_at(r, known[2])}", opening)
    elif known is None:
        raise r.fail(f"outcome {o} is used before its payoffs are given", label_tok)
    if label is not None and known is not None and label != known[0]:
        raise r.fail(
            f"outcome {o} is labelled {_shown(label)} here and {_shown(known[0])} at "
            f"{_at(r, known[2])}",
            label_tok,
        )
    return o


def _efg_tree(
    r: _Reader,
    nodes: list[_EfgNode],
    infosets: dict[tuple[int, int], _Infoset],
    outcomes: dict[int, tuple[str, NDArray[np.floating], int]],
    players: tuple[str, ...],
    title: str,
    comment: str,
) -> GameTree:
    """The tree of nodes read (and checked) by :func:`read_efg`."""
    g = nx.DiGraph()
    path: list[int] = []  # the action indices to the node being added
    next_child: list[int] = []  # per depth: the next child's action index
    sums: list[NDArray[np.floating]] = [np.zeros(len(players))]  # payoffs so far, by depth
    for x in nodes:
        if x.depth:
            del path[x.depth - 1 :], next_child[x.depth :], sums[x.depth + 1 :]
            path.append(next_child[x.depth - 1])
            next_child[x.depth - 1] += 1
        node: Node = tuple(path)
        r.marks[node] = x.pos
        attrs: dict[str, Any] = {"name": x.name, "stage": None}
        if x.infoset is not None:
            info = infosets[x.infoset]
            attrs.update(
                kind="chance" if x.kind == "c" else "decision",
                infoset=x.infoset,
                infoset_label=info.label or "",
                actions=info.actions,
            )
            if x.kind == "c":
                assert info.probs is not None
                attrs["probs"] = tuple(float(p) for p in info.probs)
            else:
                attrs["player"] = players[x.infoset[0] - 1]
        else:
            attrs["kind"] = "terminal"
        attrs["payoffs"], attrs["outcome"] = None, ""
        total = sums[x.depth]
        if x.outcome:
            label, pay, _ = outcomes[x.outcome]
            attrs["outcome"], attrs["payoffs"] = label, pay.copy()
            attrs["outcome_key"] = x.outcome
            with np.errstate(over="ignore"):
                total = total + pay
            if not np.all(np.isfinite(total)):
                raise r.fail(
                    "the payoffs of the outcomes on the play to this node add up to more "
                    "than the range of floating-point numbers (about ±1.8e308)",
                    _Tok("", "", x.pos),
                )
        sums.append(total)
        g.add_node(node, **attrs)
        if node:
            parent = g.nodes[node[:-1]]
            a = node[-1]
            prob = parent["probs"][a] if parent["kind"] == "chance" else None
            g.add_edge(node[:-1], node, action=a, label=parent["actions"][a], prob=prob)
        if x.infoset is not None:
            next_child.append(0)
    g.graph[_SOURCE_KEY] = r.src
    return GameTree(g, players, title=title, comment=comment)


def _at(r: _Reader, pos: int) -> str:
    """``line L, column C`` of an offset, for messages that point at a second place."""
    line, column = r.src.position(pos)
    return f"line {line}, column {column}"


def _sum_text(s: Fraction) -> str:
    """A sum of probabilities as a message shows it: exactly when short, else roughly."""
    text = str(s)
    return text if len(text) <= 40 else f"about {float(s):.17g}"
