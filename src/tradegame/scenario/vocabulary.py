"""The option vocabulary: every fixed choice a scenario file or a command line makes.

Each choice is a :class:`enum.StrEnum`, so a member *is* its string: it
compares equal to ``"pure_nash"``, formats as ``pure_nash`` and is written
to JSON as ``"pure_nash"``. The scenario schema (``analysis:``), the run
options (:class:`tradegame.play.options.RunOptions`) and the command
line (Typer choices, listed by ``--help`` and completed by the shell) take
their values from here, and :func:`parse_choice` is the one check of a value
that arrives as text.

The members are listed in the order error messages and ``--help`` list them.
The bounds of the numeric ``analysis:`` choices that the command line checks
too are here as well (:data:`MAX_SAMPLES`, :data:`MAX_QRE_LAMBDA`), so that a
file and an option agree, and the command line can state them in ``--help``
without importing the schema (this module imports nothing heavy).
"""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar

from tradegame.errors import TradegameError

__all__ = [
    "BARGAINING",
    "MAX_QRE_LAMBDA",
    "MAX_SAMPLES",
    "OUTCOME_CATEGORIES",
    "PURE_SELECTIONS",
    "Category",
    "Disagreement",
    "EfgForm",
    "GameFormat",
    "GameKind",
    "NoEquilibrium",
    "Selection",
    "Solution",
    "TieBreak",
    "UnknownChoice",
    "parse_choice",
]


class GameKind(StrEnum):
    """How the players move: the kinds of game a scenario can describe.

    Decided by the loader (a ``tree:`` section, else ``stages:``, else a
    ``bargaining:`` block, else simultaneous moves, repeated or not); each
    kind has one implementation of how a batch of draws is played
    (:mod:`tradegame.play`).
    """

    SIMULTANEOUS = "simultaneous"
    STAGES = "stages"
    TREE = "tree"
    BARGAINING = "bargaining"
    """Rubinstein's alternating offers (a ``bargaining:`` block): sequential,
    solved in closed form."""

    @property
    def sequential(self) -> bool:
        """Whether the players move in turn (solved as ``subgame_perfect``)."""
        return self is not GameKind.SIMULTANEOUS


class Category(StrEnum):
    """The common outcome categories (``categories:``), one per outcome label.

    Rounds of talks name their outcomes differently; the backtest compares them
    through these: a deal, a partial deal, an extension of a deadline or a
    truce, no change, an escalation.
    """

    DEAL = "deal"
    PARTIAL_DEAL = "partial_deal"
    EXTENSION = "extension"
    NO_CHANGE = "no_change"
    ESCALATION = "escalation"


#: The categories in the order messages list them.
OUTCOME_CATEGORIES: tuple[str, ...] = tuple(c.value for c in Category)


class Solution(StrEnum):
    """Solution concept (``analysis.solution``, ``run --solution``)."""

    PURE_NASH = "pure_nash"
    MIXED_NASH = "mixed_nash"
    QRE = "qre"
    SUBGAME_PERFECT = "subgame_perfect"
    CORRELATED = "correlated"
    MAXMIN = "maxmin"
    NASH_BARGAINING = "nash_bargaining"
    KALAI_SMORODINSKY = "kalai_smorodinsky"
    RATIONALIZABLE = "rationalizable"


class Selection(StrEnum):
    """Which equilibrium a draw plays (``analysis.selection``, ``run --selection``)."""

    UNIFORM = "uniform"
    PAYOFF_DOMINANT = "payoff_dominant"
    RISK_DOMINANT = "risk_dominant"
    MIXED = "mixed"
    QRE = "qre"


class NoEquilibrium(StrEnum):
    """What draws without a pure equilibrium play (``analysis.no_equilibrium``)."""

    MIXED = "mixed"
    QRE = "qre"
    REPORT = "report"


class Disagreement(StrEnum):
    """Disagreement point of the bargaining concepts (``analysis.disagreement``)."""

    MAXMIN = "maxmin"
    NASH = "nash"


class TieBreak(StrEnum):
    """What an indifferent mover of a sequential game does (``analysis.tie_break``)."""

    FIRST = "first"
    UNIFORM = "uniform"


class GameFormat(StrEnum):
    """Gambit file format of ``export --format``."""

    NFG = "nfg"
    EFG = "efg"


class EfgForm(StrEnum):
    """Scenario form ``import --form`` makes of a Gambit .efg file."""

    AUTO = "auto"
    STAGES = "stages"
    TREE = "tree"


#: The two-player bargaining concepts, which take a :class:`Disagreement` point.
BARGAINING = (Solution.NASH_BARGAINING, Solution.KALAI_SMORODINSKY)
#: Selection rules that choose among a draw's pure equilibria (the others play a
#: mixed profile in every draw).
PURE_SELECTIONS = (Selection.UNIFORM, Selection.PAYOFF_DOMINANT, Selection.RISK_DOMINANT)

#: The most draws a run makes (``analysis.samples``, ``--samples``).
MAX_SAMPLES: int = 1_000_000_000
#: The largest precision of the logit QRE (``analysis.qre_lambda``, ``--qre-lambda``).
MAX_QRE_LAMBDA: float = 1e6

#: How a message names a value of each kind.
_KIND: dict[type[StrEnum], str] = {
    Solution: "solution",
    Selection: "selection rule",
    NoEquilibrium: "no-equilibrium rule",
    Disagreement: "disagreement point",
    TieBreak: "tie_break rule",
    GameFormat: "format",
    EfgForm: "form",
}

_E = TypeVar("_E", bound=StrEnum)


class UnknownChoice(TradegameError, ValueError):
    """A value that is not a member of its vocabulary."""


def parse_choice(kind: type[_E], value: str) -> _E:
    """The member of ``kind`` spelled ``value``: the one check of a choice given as text.

    Parameters
    ----------
    kind : StrEnum subclass
        One of the vocabularies of this module.
    value : str
        The value as written (a member passes through unchanged).

    Returns
    -------
    member of ``kind``

    Raises
    ------
    UnknownChoice
        ``value`` is none of the members, with the message
        ``unknown <kind> '<value>'; known: <members in order>``.

    Examples
    --------
    >>> parse_choice(Selection, "payoff_dominant") is Selection.PAYOFF_DOMINANT
    True
    >>> try:
    ...     parse_choice(Disagreement, "threat")
    ... except UnknownChoice as exc:
    ...     print(exc)
    unknown disagreement point 'threat'; known: maxmin, nash
    """
    try:
        return kind(value)
    except ValueError:
        known = ", ".join(kind)
        raise UnknownChoice(f"unknown {_KIND[kind]} {str(value)!r}; known: {known}") from None
