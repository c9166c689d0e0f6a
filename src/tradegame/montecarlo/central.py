"""The central game: every parameter at its median, as one game to show and export.

It sits above the model (it samples the parameters' medians and solves the
game), so that :mod:`tradegame.model` never imports the Monte Carlo layer or
the solvers.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

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
from tradegame.model.stages import Stage, ended_at
from tradegame.model.tree import GameTree
from tradegame.montecarlo.sampling import ParameterSampler
from tradegame.scenario.load import Scenario
from tradegame.solvers.tree_solvers import TreeNormalForm

__all__ = [
    "MAX_STRATEGY_ROWS",
    "CentralStageGame",
    "central_normal_form",
    "central_payoffs",
    "central_stage_game",
    "central_tree",
    "subgame_perfect_strategy",
]

#: Largest number of histories listed in a subgame-perfect strategy.
MAX_STRATEGY_ROWS = 2_000


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


@dataclass(frozen=True)
class CentralStageGame:
    """A sequential scenario's central game in the engine's terms."""

    stages: tuple[Stage, ...]
    players: tuple[str, ...]
    V: NDArray[np.float64]
    """Payoffs, shape (n, A_0, ..., A_{k-1})."""
    chance_probs: dict[int | str, NDArray[np.float64]]
    """Probabilities of each chance stage's options, shape (A_s,)."""
    perfect_information: bool


def central_stage_game(scenario: Scenario) -> CentralStageGame:
    """The stages, payoffs and chance probabilities of a sequential scenario at its medians."""
    from tradegame.montecarlo.sequential import SequentialModel

    game = GameStructure.from_scenario(scenario)
    medians = ParameterSampler(scenario.spec.parameters, 0).medians()
    env = evaluation_environment(scenario, game, {k: np.array([v]) for k, v in medians.items()})
    U = build_payoffs(scenario, game, env, 1)
    model = SequentialModel(
        scenario, game, scenario.analysis.selection, scenario.analysis.tie_break
    )
    probs: dict[int | str, NDArray[np.float64]] = {
        s: p[0] for s, p in model.chance_probabilities(env, 1).items()
    }
    return CentralStageGame(model.stages, model.players, U[0], probs, model.perfect)


def subgame_perfect_strategy(
    g: CentralStageGame, tie_break: str, limit: int = MAX_STRATEGY_ROWS
) -> list[dict[str, Any]]:
    """What each mover does after every history, by backward induction.

    The full strategy, off the equilibrium path too: it says why the path is
    what it is (the threats and promises that are credible).

    Parameters
    ----------
    g : CentralStageGame
        A perfect-information stage game (``g.perfect_information``).
    tie_break : {"first", "uniform"}
    limit : int
        At most this many histories are listed, stage by stage.

    Returns
    -------
    list of dict
        One per (stage, history before it) with a player to move, skipping
        histories at which the game already ended (:attr:`Stage.ends`):
        ``stage``, ``mover``, ``after`` (earlier stage -> action), ``action``,
        ``on_path`` (reached with positive probability) and ``tie`` (the mover
        was indifferent and the tie rule chose).
    """
    from tradegame.solvers.backward_induction import backward_induction

    res = backward_induction(g.V, g.stages, g.players, g.chance_probs, tie_break)
    rows: list[dict[str, Any]] = []
    for s, st in enumerate(g.stages):
        strategy = res.strategy[s]
        if strategy is None:  # a chance stage
            continue
        tie = res.ties[s]
        for h in itertools.product(*(range(len(x.actions)) for x in g.stages[:s])):
            if ended_at(g.stages, h) is not None:
                continue  # the game ended before this stage
            if len(rows) >= limit:
                return rows
            rows.append(
                {
                    "stage": st.name,
                    "mover": st.mover,
                    "after": {g.stages[t].name: g.stages[t].actions[a] for t, a in enumerate(h)},
                    "action": st.actions[int(strategy[h])],
                    "on_path": bool(float(res.path_probs[h].sum()) > 0) if h else True,
                    "tie": bool(tie is not None and bool(tie[h])),
                }
            )
    return rows


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
        than :data:`~tradegame.solvers.tree_solvers.DEFAULT_PLAN_LIMIT`.
    """
    from tradegame.model.budget import check_normal_form
    from tradegame.model.normal_form import TooManyStrategies
    from tradegame.solvers.tree_solvers import tree_normal_form, tree_reduced_strategies

    tree = central_tree(scenario)
    try:
        # The plans are counted first: their product, not the tree, sizes the normal form.
        check_normal_form(
            scenario, tuple(len(tree_reduced_strategies(tree, p)) for p in tree.players)
        )
        return tree_normal_form(tree)
    except TooManyStrategies as exc:
        raise exc.scenario_error(scenario.locate(("tree", "root"))) from None
