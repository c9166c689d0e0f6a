"""The central game's building blocks: payoffs, tree and reduced normal form at the medians.

:func:`tradegame.solve` puts them together into a
:class:`~tradegame.play.solution.CentralSolution`; the exporters use them
directly.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from tradegame.model.build import build_payoffs, evaluation_environment
from tradegame.model.game import GameStructure
from tradegame.model.scenario_tree import (
    TreeStructure,
    build_game_tree,
    outcome_payoffs,
    play_payoffs,
    refuse_non_finite_plays,
    tree_environment,
)
from tradegame.model.tree import GameTree
from tradegame.scenario.load import Scenario
from tradegame.scenario.sampling import ParameterSampler
from tradegame.solvers.tree_normal_form import TreeNormalForm

__all__ = [
    "central_normal_form",
    "central_payoffs",
    "central_tree",
]


def central_payoffs(scenario: Scenario) -> tuple[GameStructure, NDArray[np.float64]]:
    """The game structure and the payoffs at the parameters' medians.

    Returns
    -------
    game : GameStructure
    U : ndarray, shape (n, A_0, ..., A_{m-1})
        One axis per player (simultaneous) or per stage (sequential).
    """
    game = GameStructure.from_scenario(scenario)
    medians = ParameterSampler(scenario.spec.parameters, 0).medians()
    env = evaluation_environment(scenario, game, {k: np.array([v]) for k, v in medians.items()})
    return game, build_payoffs(scenario, game, env, 1)[0]


def central_tree(scenario: Scenario) -> GameTree:
    """The scenario's game tree with every parameter at its median (one draw).

    Raises
    ------
    NonFiniteError
        When an outcome's payoff, or the sum of the payoffs along a play, is
        NaN or infinite.
    """
    medians = ParameterSampler(scenario.spec.parameters, 0).medians()
    env = tree_environment(scenario, {k: np.array([v]) for k, v in medians.items()})
    paid = outcome_payoffs(scenario, env, 1)
    structure = TreeStructure.from_scenario(scenario)
    refuse_non_finite_plays(scenario, structure, play_payoffs(structure, paid))
    return build_game_tree(scenario, env, 1, payoffs=paid)


def central_normal_form(scenario: Scenario) -> TreeNormalForm:
    """The reduced normal form of the scenario's central tree.

    Raises
    ------
    ScenarioError
        Located at the tree's root, when a player has more reduced strategies
        than :data:`~tradegame.solvers.tree_normal_form.DEFAULT_PLAN_LIMIT`.
    """
    from tradegame.model.budget import check_normal_form
    from tradegame.model.normal_form import TooManyStrategies
    from tradegame.solvers.tree_normal_form import tree_normal_form, tree_reduced_strategies

    tree = central_tree(scenario)
    try:
        # The plans are counted first: their product, not the tree, sizes the normal form.
        check_normal_form(
            scenario, tuple(len(tree_reduced_strategies(tree, p)) for p in tree.players)
        )
        return tree_normal_form(tree)
    except TooManyStrategies as exc:
        raise exc.scenario_error(scenario.locate(("tree", "root"))) from None
