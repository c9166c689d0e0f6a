"""How a batch of draws of a scenario is played: the one interface of the playing layer.

Every kind of game (:class:`~tradegame.scenario.vocabulary.GameKind`) has
one implementation of :class:`GamePlay`:

- :class:`tradegame.play.simultaneous.SimultaneousPlay` — simultaneous moves;
- :class:`tradegame.play.stages.StagesPlay` — ``stages:``;
- :class:`tradegame.play.tree.TreePlay` — a ``tree:``;
- :class:`tradegame.play.bargaining.BargainingPlay` — ``bargaining:`` (Rubinstein).

Repeated games (``repeated:``) are simultaneous games whose sustained draws
play grim trigger's cooperation (:mod:`tradegame.play.repeated`).

Each builds a batch's games from its parameter draws, solves them under the
run's solution concept and selection rule, and plays them out into a
probability for each of its *plays* (the strategy profiles of a simultaneous
game, the terminal histories of a stage game, the terminal nodes of a tree).
Outcome masses, expected payoffs, lever-option masses and path
probabilities follow from those probabilities the same way for every kind
(:meth:`GamePlay.batch_columns`), which is all the Monte Carlo layer uses.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
from numpy.typing import NDArray

from tradegame._numeric import piecewise_matmul
from tradegame.model.budget import CommandCost
from tradegame.play.rule import PlayRule
from tradegame.play.selection import SELECTION_RULES
from tradegame.scenario.load import Scenario
from tradegame.scenario.sampling import ParameterSampler
from tradegame.scenario.vocabulary import GameKind, TieBreak

if TYPE_CHECKING:
    from tradegame.play.options import RunOptions
    from tradegame.play.solution import CentralSolution

__all__ = [
    "MAX_PATHS_REPORTED",
    "GamePlay",
    "MemoryNeed",
    "PlayedBatch",
    "RuleText",
    "medians",
    "play_columns",
    "sequential_rule_text",
]

#: Sequential games report the probability of each path when they have at most this many.
MAX_PATHS_REPORTED = 4096


@dataclass(frozen=True)
class MemoryNeed:
    """Bytes a run of a scenario needs, known before anything of the game's size exists.

    Attributes
    ----------
    per_draw : int
        Bytes one draw needs while its batch is played.
    fixed : int
        Bytes a run needs whatever its batch size (matrices made once).
    size : str
        The game's size in words, for messages ("4-profile game").
    """

    per_draw: int
    fixed: int
    size: str


@dataclass(frozen=True)
class PlayedBatch:
    """A batch of draws played: how likely each play is, and what it pays.

    Attributes
    ----------
    weights : ndarray, shape (D, T)
        Probability of each of the T plays in each of the D draws (a row sums
        to 1, or to 0 in a draw reported as having no equilibrium).
    outcomes : ndarray of int, shape (1, T) or (D, T)
        Outcome index of each play (one row when no outcome rule reads a
        parameter).
    payoffs : ndarray, shape (D, n, T)
        Every player's payoff at every play.
    n_equilibria : ndarray of int, shape (D,)
        Equilibria the solution concept found in each draw.
    """

    weights: NDArray[np.float64]
    outcomes: NDArray[np.intp]
    payoffs: NDArray[np.float64]
    n_equilibria: NDArray[np.intp]


@dataclass(frozen=True)
class RuleText:
    """How a run chose among solutions, in the result document's words.

    Attributes
    ----------
    selection : str
        The selection's name (``uniform``, ``tie_break:first``, ``none``...).
    selection_rule : str
        One sentence on how the selection chooses.
    no_equilibrium_rule : str
        One sentence on what draws without an equilibrium play.
    """

    selection: str
    selection_rule: str
    no_equilibrium_rule: str


def medians(scenario: Scenario) -> tuple[dict[str, float], dict[str, NDArray[np.float64]]]:
    """Each parameter's median, and the same as a batch of one draw.

    Returns
    -------
    medians : dict of str to float
    parameters : dict of str to ndarray, each of shape (1,)
    """
    values = ParameterSampler(scenario.spec.parameters, 0).medians()
    return values, {k: np.array([v]) for k, v in values.items()}


class GamePlay(ABC):
    """How the draws of one scenario are played, batch by batch.

    Made once per run (and per worker process) by :func:`tradegame.play.play_for`.

    Attributes
    ----------
    scenario : Scenario
    options : RunOptions
    players : tuple of str
    lever_keys : list of (str, str, str)
        ``(player, lever, option)`` of every lever option reported (players'
        levers, then chance levers, with ``player`` ``"chance"``).
    indicators : ndarray, shape (T, L)
        1 where play *t* uses lever option *l* (in :attr:`lever_keys` order).
    n_plays : int
        ``T``.
    perfect : bool
        Whether the draws are solved by backward induction (a sequential game
        with perfect information).
    """

    #: The kind of game this class plays.
    kind: ClassVar[GameKind]
    #: Whether the players move in turn (solved as ``subgame_perfect``).
    sequential: ClassVar[bool]

    scenario: Scenario
    options: RunOptions
    players: tuple[str, ...]
    lever_keys: list[tuple[str, str, str]]
    indicators: NDArray[np.float64]
    perfect: bool

    def __init__(self, scenario: Scenario, options: RunOptions) -> None:
        self.scenario = scenario
        self.options = options
        self.players = tuple(p.name for p in scenario.players)

    @property
    def rule(self) -> PlayRule:
        """The run's solution concept, selection and fallback, ready to apply."""
        return self.options.play_rule

    @property
    @abstractmethod
    def n_plays(self) -> int:
        """Number of plays (profiles, terminal histories or terminal nodes)."""

    @property
    def reports_paths(self) -> bool:
        """Whether a run reports each path's probability (sequential games, not too many)."""
        return self.sequential and self.n_plays <= MAX_PATHS_REPORTED

    @classmethod
    @abstractmethod
    def memory(cls, scenario: Scenario, options: RunOptions) -> MemoryNeed:
        """Bytes a run needs, counted from the scenario's structure alone.

        Raises
        ------
        ScenarioError
            When the game is too large to count (too many reduced strategies).
        """

    @classmethod
    @abstractmethod
    def command_cost(cls, scenario: Scenario, command: str) -> CommandCost:
        """What ``command`` builds for the scenario, counted from its structure alone.

        Parameters
        ----------
        command : {"solve", "tree", "nfg", "efg"}
            ``nfg`` and ``efg`` are ``export --format``.

        Returns
        -------
        CommandCost
            Nothing of the game's size is allocated to compute it; checked by
            :func:`tradegame.model.budget.check_budget`.

        Raises
        ------
        ScenarioError
            When the kind of game has nothing for the command to build (a
            bargaining game has no finite tree or normal form), located at
            what makes the kind.
        """

    @abstractmethod
    def play_batch(
        self, parameters: Mapping[str, NDArray[np.float64]], n_draws: int
    ) -> PlayedBatch:
        """Build, solve and play out a batch of draws.

        Parameters
        ----------
        parameters : dict of str to ndarray, each of shape (D,)
            The draws' parameter values (checked finite).
        n_draws : int
            ``D``.

        Raises
        ------
        NonFiniteError
            When a payoff or a term is not finite in a draw.
        ScenarioError
            When a draw's chance probabilities are not a distribution.
        """

    @property
    @abstractmethod
    def normal_form_shape(self) -> tuple[int, ...]:
        """Each player's number of strategies in the normal form a draw is played as.

        Sequential games with perfect information are solved on their tree
        instead; their reduced normal form is then not made.
        """

    @abstractmethod
    def path_label(self, t: int) -> str:
        """``"stage: action > ..."`` (``"lever: option > ..."`` in a tree) of play ``t``."""

    @property
    @abstractmethod
    def solution_concept(self) -> str:
        """The solution concept in words ("pure Nash equilibria", ...)."""

    @abstractmethod
    def rule_text(self) -> RuleText:
        """How the run chooses among solutions, and what draws without one play."""

    @abstractmethod
    def central(
        self, *, dominance: bool = False, game_tree: bool = False, normal_form: bool = True
    ) -> CentralSolution:
        """The central game (every parameter at its median), solved: see :func:`tradegame.solve`."""

    def central_fields(
        self, parameters: dict[str, float], equilibria: tuple[Any, ...] | list[Any]
    ) -> dict[str, Any]:
        """The fields of a :class:`CentralSolution` every kind fills the same way."""
        return {
            "title": self.scenario.title,
            "kind": self.kind,
            "solution": self.options.solution,
            "tie_break": self.options.tie_break,
            "players": self.players,
            "parameters": parameters,
            "equilibria": tuple(equilibria),
        }

    def batch_columns(
        self, parameters: Mapping[str, NDArray[np.float64]], n_draws: int
    ) -> tuple[NDArray[np.float64], NDArray[np.intp]]:
        """The per-draw quantities a run adds up, for a batch of draws.

        Returns
        -------
        columns : ndarray, shape (D, K + 1 + n + L [+ T])
            Outcome masses (K outcomes, then "no equilibrium"), expected payoffs
            of the n players, the mass of each of the L lever options, and, when
            :attr:`reports_paths`, the probability of each of the T plays.
        n_equilibria : ndarray of int, shape (D,)
        """
        batch = self.play_batch(parameters, n_draws)
        K = len(self.scenario.outcome_labels)
        cols = play_columns(batch, self.indicators, K, self.reports_paths)
        return cols, batch.n_equilibria


def play_columns(
    batch: PlayedBatch,
    indicators: NDArray[np.float64],
    K: int,
    with_paths: bool,
    out: NDArray[np.float64] | None = None,
) -> NDArray[np.float64]:
    """The per-draw quantities a run adds up, from how likely each play is.

    Parameters
    ----------
    batch : PlayedBatch
        Weights of shape (D, T), outcomes (1 or D, T), payoffs (D, n, T).
    indicators : ndarray, shape (T, L)
        1 where a play uses a lever option.
    K : int
        Number of outcomes.
    with_paths : bool
        Append the weights themselves (the probability of each path).
    out : ndarray, shape (D, K + 1 + n + L [+ T]), optional
        Where to write the columns (a slice of a larger batch's, say).

    Returns
    -------
    ndarray, shape (D, K + 1 + n + L [+ T])
    """
    weights, labels, flatU = batch.weights, batch.outcomes, batch.payoffs
    n_draws, n, P = flatU.shape
    paths = P if with_paths else 0
    cols = np.empty((n_draws, K + 1 + n + indicators.shape[1] + paths)) if out is None else out
    # Outcome and lever-option masses: weights times 0/1 indicator columns over
    # plays, one (pieced, reproducible) matrix product.
    if labels.shape[0] == 1:
        onehot = (labels[0][:, None] == np.arange(K)).astype(np.float64)  # (P, K)
        both = np.concatenate([onehot, indicators], axis=1)
        masses = piecewise_matmul(weights, both)
        cols[:, :K] = masses[:, :K]
        cols[:, K + 1 + n : K + 1 + n + indicators.shape[1]] = masses[:, K:]
    else:  # outcome rules that read parameters label each draw's plays differently
        for k in range(K):
            cols[:, k] = (weights * (labels == k)).sum(axis=1)
        cols[:, K + 1 + n : K + 1 + n + indicators.shape[1]] = piecewise_matmul(weights, indicators)
    if paths:
        cols[:, -paths:] = weights
    cols[:, K] = weights.sum(axis=1) < 0.5  # no equilibrium in this draw
    cols[:, K + 1 : K + 1 + n] = np.einsum("dp,dip->di", weights, flatU)
    return cols


def sequential_rule_text(play: GamePlay) -> RuleText:
    """How a sequential game's draws were played, for the result document.

    Perfect information: the tie rule of backward induction; imperfect: the
    selection among the reduced normal form's equilibria and its fallback.
    """
    if play.perfect:
        rule = play.options.tie_break
        return RuleText(
            f"tie_break:{rule}",
            f"tie_break={rule}: an indifferent mover takes "
            + ("the option listed first" if rule == TieBreak.FIRST else "each best option equally"),
            "every draw has a subgame-perfect equilibrium",
        )
    return RuleText(
        play.options.selection,
        SELECTION_RULES[play.options.selection] + " (of the reduced normal form)",
        play.rule.describe(len(play.players), play.normal_form_shape),
    )
