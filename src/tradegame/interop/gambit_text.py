"""What Gambit's two text formats share: tokens, the reader, places in the file, numbers.

The lexer and :class:`Reader` (every error of which is a :class:`GambitFormatError`
with the line and column of the problem), :class:`GambitSource` (where the parts of
a game are in its file), the header both formats open with (:func:`read_header`),
and how labels and numbers are written: :func:`quoted`, :func:`payoff_text`,
:func:`probability_texts`, and the exact numbers Gambit reads for them
(:func:`exact_number`, :func:`exact_probabilities`). The formats themselves are
described in :mod:`tradegame.interop.gambit`; :mod:`tradegame.interop.nfg` and
:mod:`tradegame.interop.efg` read and write them.
"""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from tradegame.errors import TradegameError
from tradegame.scenario import yaml_source as _yaml_source

__all__ = [
    "MAX_EXACT_EXPONENT",
    "MAX_FILE_BYTES",
    "MAX_INDEX",
    "MAX_NUMBER_CHARS",
    "GambitFormatError",
    "GambitSource",
    "Reader",
    "Token",
    "exact_number",
    "exact_probabilities",
    "fraction_of",
    "payoff_text",
    "probability_texts",
    "quoted",
    "read_header",
    "shown",
]


#: Largest Gambit file read, in bytes of UTF-8: the limit of scenario files (2 MiB).
MAX_FILE_BYTES = _yaml_source.MAX_FILE_BYTES
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


#: Line breaks as Gambit counts lines.
_NEWLINE = re.compile(r"\r\n|\r|\n")


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
class Token:
    kind: str  # "str", "brace", "word"
    text: str
    pos: int


def _tokens(text: str, src: GambitSource) -> list[Token]:
    # One scan with finditer (which skips the whitespace between tokens): a loop over
    # characters in Python would take seconds on a 2 MiB file.
    out: list[Token] = []
    append = out.append
    for m in _TOKEN.finditer(text):
        group = m.lastindex
        if group == 1:
            label = m.group(1)
            if "\\" in label:  # re.sub costs even when nothing matches
                label = _UNESCAPE.sub(r"\1", label)
            append(Token("str", label, m.start()))
        elif group == 2:
            append(Token("brace", m.group(2), m.start()))
        elif group == 3:
            append(Token("word", m.group(3), m.start()))
        elif group == 4:  # only a label without its closing quote gets here
            raise GambitFormatError("a label is not closed by '\"'", *src.position(m.start()))
    return out


class Reader:
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

    def fail(self, message: str, tok: Token | None = None) -> GambitFormatError:
        """An error at a token (default: the next one, or the end of the file)."""
        pos = (tok or self.peek() or Token("", "", len(self.text))).pos
        return GambitFormatError(message, *self.src.position(pos))

    def mark(self, part: Hashable) -> None:
        """Record that ``part`` starts at the next token (or at the end of the file)."""
        tok = self.peek()
        self.marks[part] = len(self.text) if tok is None else tok.pos

    def peek(self) -> Token | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def next(self, what: str) -> Token:
        tok = self.peek()
        if tok is None:
            raise self.fail(f"unexpected end of file, expected {what}")
        self.i += 1
        return tok

    def expect(self, kind: str, text: str | None = None, what: str = "") -> Token:
        tok = self.next(what or text or kind)
        if tok.kind != kind or (text is not None and tok.text != text):
            raise self.fail(f"expected {what or text or kind}, got {shown(tok.text)}", tok)
        return tok

    def at(self, kind: str, text: str | None = None) -> bool:
        tok = self.peek()
        return tok is not None and tok.kind == kind and (text is None or tok.text == text)

    def string(self, what: str) -> str:
        return self.expect("str", what=what).text

    def word(self, what: str) -> Token:
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
                raise self.fail(f"expected a number ({what}), got {shown(tok.text)}", tok)
        except ZeroDivisionError:
            raise self.fail(f"{what} {tok.text} divides by zero", tok) from None
        except OverflowError:
            x = math.inf
        if not math.isfinite(x):
            raise self.fail(
                f"{what} {shown(tok.text, 40)} is beyond the range of floating-point numbers "
                "(about ±1.8e308)",
                tok,
            )
        return x

    def exact(self, what: str) -> tuple[Fraction, Token]:
        """A number read exactly (chance probabilities, which Gambit checks exactly)."""
        tok = self.word(what)
        if m := _DECIMAL.fullmatch(tok.text):
            if m.group(1) is not None and abs(int(m.group(1))) > MAX_EXACT_EXPONENT:
                raise self.fail(
                    f"{what} {shown(tok.text, 40)} has an exponent beyond ±{MAX_EXACT_EXPONENT}",
                    tok,
                )
            return Fraction(tok.text), tok
        if m := _RATIONAL.fullmatch(tok.text):
            if int(m.group(2)) == 0:
                raise self.fail(f"{what} {tok.text} divides by zero", tok)
            return Fraction(int(m.group(1)), int(m.group(2))), tok
        raise self.fail(f"expected a number ({what}), got {shown(tok.text)}", tok)

    def integer(self, what: str, largest: int) -> int:
        """A whole number from 0 to ``largest``."""
        tok = self.expect("word", what=what)
        if not (tok.text.isascii() and tok.text.isdigit()):
            raise self.fail(f"expected {what} (a whole number), got {shown(tok.text)}", tok)
        if len(tok.text) > len(str(largest)) or int(tok.text) > largest:
            raise self.fail(f"{what} {shown(tok.text, 40)} is over {largest:,}", tok)
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


def shown(text: str, limit: int = 60) -> str:
    """A token as an error message shows it: quoted, cut after ``limit`` characters."""
    return repr(text if len(text) <= limit else text[:limit] + "...")


#: Largest index (player, information set, outcome number) read; larger ones are refused.
MAX_INDEX = 10**9


# ---------------------------------------------------------------------- writing helpers
def quoted(label: str) -> str:
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


def payoff_text(x: float) -> str:
    """A payoff as written: ``p/q`` for a simple fraction (Gambit computes with it exactly),
    else as :func:`_num`. It depends on ``x`` alone, so what is read is written back."""
    f = _simple_rational(float(x))
    return _num(x) if f is None else f"{f.numerator}/{f.denominator}"


def exact_number(x: float) -> Fraction:
    """The number Gambit reads for a payoff this module writes, exactly."""
    return Fraction(payoff_text(x))


def exact_probabilities(p: Sequence[float]) -> list[Fraction]:
    """The probabilities Gambit reads for a chance node this module writes (they sum to 1)."""
    return [Fraction(x) for x in probability_texts(p)]


def probability_texts(p: Sequence[float]) -> list[str]:
    fr = [fraction_of(float(x)) for x in p]
    rest = 1 - sum(fr[:-1], Fraction(0))
    if rest >= 0 and abs(float(rest) - float(p[-1])) < 1e-9:
        fr[-1] = rest  # exact sum one, as Gambit checks with exact arithmetic
    return [str(f) for f in fr]


def read_header(r: Reader, kind: str, version: str) -> tuple[str, tuple[str, ...]]:
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
