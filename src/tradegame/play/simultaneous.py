"""Simultaneous-move scenarios: each draw's normal-form game, solved and played.

Each draw's game is the array of every player's payoff at every strategy
profile; the run's play rule (:class:`~tradegame.play.rule.PlayRule`: the
solution concept, its selection among equilibria and what draws without a
pure equilibrium play) turns it into a probability for each profile.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
from numpy.typing import NDArray

from tradegame.errors import ScenarioError, ScenarioIssue
from tradegame.model.budget import CommandCost, stage_tree_nodes
from tradegame.model.build import evaluation_environment
from tradegame.model.game import GameStructure
from tradegame.play.base import RuleText, medians
from tradegame.play.concepts import CONCEPTS, describe_concept
from tradegame.play.grid import GridPlay
from tradegame.play.repeated import grim_trigger_batch, punishment_profile
from tradegame.play.rule import MAX_ENUMERATION_BASES, play_distribution
from tradegame.play.selection import SELECTION_RULES
from tradegame.play.solution import CentralEquilibrium, CentralSolution, RepeatedSummary
from tradegame.scenario.load import Scenario
from tradegame.scenario.vocabulary import GameKind, Selection, Solution
from tradegame.solvers.dominance import eliminate_dominated
from tradegame.solvers.mixed_nash_2p import mixed_nash_2p
from tradegame.solvers.pure_nash import best_response_mask, pure_nash
from tradegame.solvers.repeated import grim_trigger

__all__ = ["SimultaneousPlay", "mixed_equilibria", "normal_form_fields"]


def mixed_equilibria(
    U: NDArray[np.float64],
) -> tuple[tuple[NDArray[np.float64], NDArray[np.float64]], ...] | None:
    """Every extreme mixed equilibrium of a two-player game, if small enough to list.

    Parameters
    ----------
    U : ndarray, shape (n, S_0, ..., S_{n-1})

    Returns
    -------
    tuple of (x, y), or None
        ``None`` for other than two players, or when the game has more than
        :data:`~tradegame.play.rule.MAX_ENUMERATION_BASES` candidate bases
        (a run then uses Lemke–Howson for one equilibrium).
    """
    if U.shape[0] != 2 or math.comb(sum(U.shape[1:]), U.shape[1]) > MAX_ENUMERATION_BASES:
        return None
    return tuple((x, y) for x, y in mixed_nash_2p(U[0], U[1]))


def normal_form_fields(
    U: NDArray[np.float64], strategies: tuple[tuple[str, ...], ...], dominance: bool
) -> dict[str, Any]:
    """The fields of a :class:`CentralSolution` that describe a normal form ``U``.

    Parameters
    ----------
    U : ndarray, shape (n, S_0, ..., S_{n-1})
    strategies : tuple of tuple of str
        Each player's strategy labels.
    dominance : bool
        Also eliminate strictly dominated strategies, with the trace.
    """
    eq = pure_nash(U)
    return {
        "strategies": strategies,
        "payoffs": U,
        "best_responses": best_response_mask(U),
        "pure_equilibria": tuple(tuple(int(a) for a in idx) for idx in np.argwhere(eq)),
        "mixed_equilibria": mixed_equilibria(U),
        "dominance": eliminate_dominated(U) if dominance else None,
    }


#: How a repeated game's draws are played, in a run's ``method.selection_rule``.
REPEATED_RULE = (
    "repeated game: grim trigger plays the cooperation profile in draws whose discount "
    "factor is at least the critical one (and whose punishment is a stage equilibrium); "
    "other draws play the stage game: "
)


class SimultaneousPlay(GridPlay):
    """Plays the draws of a simultaneous-move scenario (the players' strategy profiles).

    With ``repeated:`` (:mod:`tradegame.play.repeated`), a draw whose discount
    factor sustains grim trigger plays the cooperation profile; the others play
    the stage game under the run's rule.
    """

    kind = GameKind.SIMULTANEOUS
    sequential = False
    perfect = False

    def __init__(self, scenario: Scenario, options: Any) -> None:
        super().__init__(scenario, options)
        self.punishment: tuple[int, ...] | None = None
        if scenario.repeated is not None:
            self.punishment = punishment_profile(scenario, self.game)

    def discount(self, env: Mapping[str, Any], n_draws: int) -> NDArray[np.float64]:
        """Each draw's discount factor, shape (D,), checked in (0, 1).

        Raises
        ------
        ScenarioError
            Located at 'repeated.discount', naming the first draw outside (0, 1).
        """
        plan = self.scenario.repeated
        assert plan is not None
        delta = np.broadcast_to(
            np.asarray(plan.discount.evaluate(env), dtype=np.float64).reshape(-1), (n_draws,)
        )
        bad = np.flatnonzero(~((delta > 0) & (delta < 1)))
        if bad.size:
            raise ScenarioError(
                ScenarioIssue(
                    self.scenario.locate(("repeated", "discount")),
                    f"the discount factor is {delta[bad[0]]:g} in draw {int(bad[0])}; it must "
                    "be strictly between 0 and 1",
                )
            )
        return delta

    @classmethod
    def command_cost(cls, scenario: Scenario, command: str) -> CommandCost:
        """Payoffs over the profiles; ``tree`` and ``efg`` draw one stage per player."""
        game = GameStructure.from_scenario(scenario)
        entries = game.n_players * game.n_profiles
        nodes = stage_tree_nodes(game.shape) if command in ("tree", "efg") else 0
        return CommandCost(entries, nodes, entries if command == "nfg" else 0)

    def profile_weights(
        self, U: NDArray[np.float64], env: Mapping[str, Any], n_draws: int
    ) -> tuple[NDArray[np.float64], NDArray[np.intp]]:
        weights, n_eq = play_distribution(U, self.rule)
        plan = self.scenario.repeated
        if plan is None or self.punishment is None:
            return weights, n_eq
        grim = grim_trigger_batch(U, plan.cooperation, self.punishment, self.discount(env, n_draws))
        hit = grim.sustained
        if hit.any():
            weights = np.array(weights, dtype=np.float64)
            weights[hit] = 0.0
            weights[hit, int(np.ravel_multi_index(plan.cooperation, self.game.shape))] = 1.0
            n_eq = np.where(hit, np.maximum(n_eq, 1), n_eq)
        return weights, n_eq

    @property
    def normal_form_shape(self) -> tuple[int, ...]:
        return self.game.shape

    @property
    def solution_concept(self) -> str:
        if self.options.solution in CONCEPTS:
            return self.options.solution.replace("_", " ")
        return "pure Nash equilibria"

    def rule_text(self) -> RuleText:
        text = self._stage_rule_text()
        if self.scenario.repeated is None:
            return text
        return RuleText(
            text.selection, REPEATED_RULE + text.selection_rule, text.no_equilibrium_rule
        )

    def _stage_rule_text(self) -> RuleText:
        options = self.options
        if options.solution in CONCEPTS:
            return RuleText(
                *describe_concept(options.solution, options.selection, options.disagreement)
            )
        if options.solution == Solution.QRE:
            text = "not needed: the logit QRE is unique on its principal branch"
        elif options.solution == Solution.MIXED_NASH:
            # The rule applies to the draw's extreme mixed equilibria, not to pure ones.
            text = (
                "extreme mixed equilibria not Pareto-dominated (in expected payoffs) by "
                "another of the draw, equally likely"
                if options.selection == Selection.PAYOFF_DOMINANT
                else "each extreme mixed equilibrium of a draw equally likely"
            )
        else:
            text = SELECTION_RULES[options.selection]
        return RuleText(
            "none" if options.solution == Solution.QRE else options.selection,
            text,
            self.rule.describe(self.game.n_players, self.game.shape),
        )

    def central(
        self, *, dominance: bool = False, game_tree: bool = False, normal_form: bool = True
    ) -> CentralSolution:
        game = self.game
        values, _, U1, labels = self.central_grid()
        U = U1[0]
        eq = pure_nash(U)
        flatU = U.reshape(game.n_players, -1)
        kept = {lv.name for axis in game.axes for lv in axis}
        equilibria = []
        for p in np.flatnonzero(eq.reshape(-1)):
            strategies = game.profile_strategies(int(p))
            equilibria.append(
                CentralEquilibrium(
                    strategies=dict(zip(game.axis_names, strategies, strict=True)),
                    levers={lv: o for lv, o in game.profile_labels(int(p)).items() if lv in kept},
                    payoffs={pl.name: float(flatU[i, p]) for i, pl in enumerate(game.players)},
                    outcome=self.scenario.outcome_labels[int(labels[p])],
                )
            )
        names = tuple(tuple(game.strategy_labels(i)) for i in range(game.n_players))
        return CentralSolution(
            **self.central_fields(values, equilibria),
            **normal_form_fields(U, names, dominance),
            repeated=self._repeated_summary(U),
        )

    def _repeated_summary(self, U: NDArray[np.float64]) -> RepeatedSummary | None:
        """Grim trigger in the central stage game ``U`` (shape (n, S_0, ...)), if repeated."""
        plan = self.scenario.repeated
        if plan is None or self.punishment is None:
            return None
        _, params = medians(self.scenario)
        env = evaluation_environment(self.scenario, self.game, params)
        delta = float(self.discount(env, 1)[0])
        grim = grim_trigger(U, plan.cooperation, punishment=self.punishment)
        return RepeatedSummary(
            discount=delta,
            cooperation=plan.cooperation,
            punishment=self.punishment,
            grim=grim,
            sustained=grim.sustains(delta),
        )
