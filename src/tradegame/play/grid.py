"""Games on a grid of profiles: what simultaneous and stage games share.

A simultaneous game's plays are its strategy profiles (one axis per player);
a stage game's are its terminal histories (one axis per stage). Either way
each draw's payoffs are an array over the grid, built from the scenario's
expressions (:mod:`tradegame.model.build`), and a play's lever options and
outcome are read off its position in the grid.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from tradegame.model.build import build_outcomes, build_payoffs, evaluation_environment
from tradegame.model.game import GameStructure
from tradegame.play.base import GamePlay, MemoryNeed, PlayedBatch, medians
from tradegame.scenario.load import LeverSpec, Scenario

if TYPE_CHECKING:
    from tradegame.play.options import RunOptions

__all__ = ["GridPlay"]


class GridPlay(GamePlay):
    """A game whose plays are the cells of a grid of profiles (simultaneous or stages).

    Attributes
    ----------
    game : GameStructure
        The grid's axes (players or stages) and their strategies.
    """

    def __init__(self, scenario: Scenario, options: RunOptions) -> None:
        super().__init__(scenario, options)
        self.game = GameStructure.from_scenario(scenario)
        self.lever_keys = []
        onehots = []
        # A lever counts only where its stage is reached (stages after an 'ends:'
        # option are not played): its option masses then sum to P(stage reached).
        axis_of = {lv.name: i for i, axis in enumerate(self.game.axes) for lv in axis}
        reached = self.game.stage_reached

        def onehot(lever: LeverSpec) -> NDArray[np.float64]:
            idx = self.game.lever_profiles[lever.name]
            rows = np.eye(len(lever.options))[idx]
            if lever.name in axis_of and any(self.game.ends):
                rows *= reached[axis_of[lever.name]][:, None]
            return rows

        for player in self.game.players:
            for lever in player.levers:
                onehots.append(onehot(lever))
                self.lever_keys.extend((player.name, lever.name, o) for o in lever.options)
        for lever in scenario.chance:
            onehots.append(onehot(lever))
            self.lever_keys.extend(("chance", lever.name, o) for o in lever.options)
        self.indicators = np.concatenate(onehots, axis=1)  # (P, total options)

    @property
    def n_plays(self) -> int:
        return self.game.n_profiles

    @classmethod
    def memory(cls, scenario: Scenario, options: RunOptions) -> MemoryNeed:
        """Payoffs, masks, weights and sums per draw; the (profiles, options) matrix once."""
        game = GameStructure.from_scenario(scenario)
        per_draw = game.n_profiles * (2 * game.n_players + 6) * 8
        per_draw += (len(scenario.outcome_labels) + 16) * 8
        n_options = sum(len(lv.options) for p in game.players for lv in p.levers)
        n_options += sum(len(lv.options) for lv in scenario.chance)
        fixed = game.n_profiles * n_options * 8
        return MemoryNeed(per_draw, fixed, f"{game.n_profiles:,}-profile game")

    @abstractmethod
    def profile_weights(
        self, U: NDArray[np.float64], env: Mapping[str, Any], n_draws: int
    ) -> tuple[NDArray[np.float64], NDArray[np.intp]]:
        """How likely each cell of the grid is in each draw, and equilibria counted.

        Parameters
        ----------
        U : ndarray, shape (D, n, A_0, ..., A_{m-1})
            Payoffs over the grid.
        env : mapping
            The draws' evaluation environment (chance probabilities read it).
        n_draws : int

        Returns
        -------
        weights : ndarray, shape (D, P)
            Probability of each cell (flattened in C order).
        n_equilibria : ndarray of int, shape (D,)
        """

    def play_batch(
        self, parameters: Mapping[str, NDArray[np.float64]], n_draws: int
    ) -> PlayedBatch:
        env = evaluation_environment(self.scenario, self.game, parameters)
        U = build_payoffs(self.scenario, self.game, env, n_draws)
        weights, n_eq = self.profile_weights(U, env, n_draws)
        labels = build_outcomes(self.scenario, self.game, env, n_draws)
        flatU = U.reshape(n_draws, self.game.n_players, self.game.n_profiles)
        return PlayedBatch(weights, labels, flatU, n_eq)

    def path_label(self, t: int) -> str:
        game = self.game
        played = game.played_stages(t)  # labels stop where the game ended
        return " > ".join(
            f"{name}: {action}"
            for name, action in zip(
                game.axis_names[:played], game.profile_strategies(t)[:played], strict=True
            )
        )

    def central_grid(
        self,
    ) -> tuple[dict[str, float], dict[str, Any], NDArray[np.float64], NDArray[np.intp]]:
        """The central game on the grid: medians, environment, payoffs and outcomes.

        Returns
        -------
        medians : dict of str to float
        env : mapping
            The evaluation environment of the one draw at the medians.
        U : ndarray, shape (1, n, A_0, ..., A_{m-1})
        outcomes : ndarray of int, shape (P,)
            Each cell's outcome index.
        """
        values, params = medians(self.scenario)
        env = evaluation_environment(self.scenario, self.game, params)
        U = build_payoffs(self.scenario, self.game, env, 1)
        labels = build_outcomes(self.scenario, self.game, env, 1)[0]
        return values, env, U, labels
