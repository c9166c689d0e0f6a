"""The explanation as data: its blocks, sections and :class:`Account`, the limits on
what is listed, and numbers written as a student writes them."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np
from numpy.typing import NDArray

from tradegame.play.solution import CentralSolution

#: Strategies per axis shown in a payoff table; larger tables are cut (and say so).
MAX_TABLE_AXIS = 12
#: Profiles listed for games with more than two players, or without a pure equilibrium.
MAX_PROFILES = 24
#: Decision nodes shown one by one in backward induction (otherwise only those on the path).
MAX_NODES = 40
#: Options listed per move or node (the best ones at a node).
MAX_OPTIONS = 8
#: Deviations listed per player and equilibrium (the best ones).
MAX_DEVIATIONS = 8
#: Pure equilibria explained one by one.
MAX_EQUILIBRIA = 12
#: Mixed equilibria listed.
MAX_MIXED = 12
#: Mixed equilibria whose indifference is shown strategy by strategy.
MAX_MIXED_DETAIL = 3
#: Reduced normal forms of trees searched for equilibria that are not subgame-perfect.
MAX_NORMAL_FORM_CELLS = 20_000
TOL = 1e-9


# ---------------------------------------------------------------------------- the blocks
@dataclass(frozen=True)
class Paragraph:
    """Plain text (no markup)."""

    text: str


@dataclass(frozen=True)
class Bullets:
    """A list of plain-text items."""

    items: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    """A table of plain-text cells.

    Attributes
    ----------
    header : tuple of str
    rows : tuple of tuple of str
        Each as long as ``header``.
    caption : str
        Said under the table (a legend, or what was cut).
    corner : bool
        The first column labels the rows (a payoff table).
    """

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    caption: str = ""
    corner: bool = False


@dataclass(frozen=True)
class Equation:
    """One line of a derivation, as plain text and as LaTeX (an ``align`` row, ``&=``)."""

    text: str
    tex: str


@dataclass(frozen=True)
class Equations:
    """A derivation: lines solved one after the other."""

    lines: tuple[Equation, ...]


Block = Paragraph | Bullets | Table | Equations


@dataclass(frozen=True)
class Section:
    """One step of the explanation: ``key`` names it (``game``, ``dominance`` ...)."""

    key: str
    title: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class PayoffTable:
    """A normal form to draw (``explain --plot``): the game's, or a tree's reduced one.

    Attributes
    ----------
    players : tuple of str
    strategies : tuple of tuple of str
        Each player's strategy (or plan) labels.
    payoffs : ndarray, shape (n, S_0, ..., S_{n-1})
    best_responses : ndarray of bool, same shape
    equilibria : tuple of tuple of int
        The pure Nash equilibria.
    subgame_perfect : tuple of tuple of int
        Trees: the equilibria that are subgame-perfect (else empty).
    mixed : tuple of (ndarray, ndarray)
        Two players: the extreme mixed equilibria ``(x, y)`` (empty when not computed).
    """

    players: tuple[str, ...]
    strategies: tuple[tuple[str, ...], ...]
    payoffs: NDArray[np.float64] = field(repr=False)
    best_responses: NDArray[np.bool_] = field(repr=False)
    equilibria: tuple[tuple[int, ...], ...]
    subgame_perfect: tuple[tuple[int, ...], ...] = ()
    mixed: tuple[tuple[NDArray[np.float64], NDArray[np.float64]], ...] = ()


@dataclass(frozen=True)
class Account:
    """A scenario's central game explained: what :mod:`tradegame.report.explain` renders.

    Attributes
    ----------
    title, description, units : str
        From the scenario.
    sections : tuple of Section
        In reading order; each only when it applies.
    central : CentralSolution
        The solved central game the numbers come from (with the dominance trace).
    mixed_2x2 : tuple of float, or None
        2x2 games with a fully mixed equilibrium: ``(p, q)``, the probabilities of
        the row player's and the column player's first strategy, from the
        indifference conditions.
    not_subgame_perfect : tuple of dict
        Sequential games: the Nash equilibria of the reduced normal form that are
        not subgame-perfect, each ``{"profile": labels, "threats": [...]}``.
    """

    title: str
    description: str
    units: str
    sections: tuple[Section, ...]
    central: CentralSolution = field(repr=False)
    mixed_2x2: tuple[float, float] | None = None
    not_subgame_perfect: tuple[dict[str, Any], ...] = ()
    table: PayoffTable | None = None
    """The normal form ``explain --plot`` draws; None when there is none small enough."""

    def section(self, key: str) -> Section | None:
        """The section named ``key``, or None."""
        return next((s for s in self.sections if s.key == key), None)


# ---------------------------------------------------------------------------- numbers
def num(x: float) -> str:
    """A payoff as a student writes it: ``3``, ``-1``, ``2.5``, ``0.3333``."""
    x = float(x)
    if not math.isfinite(x):
        return str(x)
    if abs(x - round(x)) < 1e-9:
        return str(round(x))
    return f"{x:.4g}"


def frac(x: float) -> str:
    """A probability as a fraction when it is one with a small denominator: ``1/3``."""
    f = Fraction(float(x)).limit_denominator(1000)
    if f.denominator > 1 and abs(float(f) - x) < 1e-9:
        return f"{f.numerator}/{f.denominator}"
    return num(x)


def frac_tex(x: float) -> str:
    f = Fraction(float(x)).limit_denominator(1000)
    if f.denominator > 1 and abs(float(f) - x) < 1e-9:
        sign = "-" if f < 0 else ""
        return rf"{sign}\tfrac{{{abs(f.numerator)}}}{{{f.denominator}}}"
    return num(x)


def pn(x: float) -> str:
    """A number in a sum: negative ones in parentheses, ``(-1)``."""
    return f"({num(x)})" if float(x) < 0 else num(x)


def vec(values: Any) -> str:
    return "(" + ", ".join(num(v) for v in values) + ")"


def profile_text(labels: Sequence[str]) -> str:
    return "(" + ", ".join(labels) + ")"


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else (many or word + 's')}"
