"""The central game: every parameter at its median, as one game to show and export."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from tradegame.model.build import build_payoffs, evaluation_environment
from tradegame.model.game import GameStructure
from tradegame.model.stages import Stage
from tradegame.montecarlo.sampling import ParameterSampler
from tradegame.scenario.load import Scenario

__all__ = ["CentralStageGame", "central_payoffs", "central_stage_game"]


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
