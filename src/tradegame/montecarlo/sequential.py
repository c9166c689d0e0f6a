"""Sequential scenarios in the Monte Carlo: from each draw's stage game to play.

With perfect information every draw is solved by backward induction
(:func:`tradegame.solvers.backward_induction.backward_induction`), vectorised
over the draws; ties are broken by the scenario's recorded ``tie_break`` rule.
The equilibrium path distribution over terminal histories (one action per
stage) plays the role that the selected equilibrium plays in a simultaneous
game. With imperfect information (a stage that does not observe every earlier
one) each draw's game is converted to its reduced normal form
(:func:`tradegame.model.normal_form.reduced_normal_form`), its pure Nash
equilibria are found and selected as for simultaneous games, and the selected
strategy profile is played out, chance in expectation, into a distribution
over terminal histories.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

import numpy as np
from numpy.typing import NDArray

from tradegame._numeric import piecewise_matmul
from tradegame.model.game import GameStructure
from tradegame.model.normal_form import (
    TooManyStrategies,
    reduced_normal_form,
    reduced_strategies,
)
from tradegame.model.scenario_tree import chance_probabilities
from tradegame.model.stages import Stage, infoset_key, is_perfect_information
from tradegame.montecarlo.play import PlayRule, play_distribution
from tradegame.scenario.load import Scenario
from tradegame.scenario.vocabulary import NoEquilibrium, Solution
from tradegame.solvers.backward_induction import backward_induction

__all__ = ["SequentialModel"]


class SequentialModel:
    """Solves the stage games of a sequential scenario, many draws at once.

    Parameters
    ----------
    scenario : Scenario
        A scenario with ``stages``.
    game : GameStructure
        Its structure (one axis per stage).
    selection : str
        Selection rule among normal-form equilibria (imperfect information).
    tie_break : {"first", "uniform"}
        Backward induction's rule for indifferent movers (perfect information).
    rule : PlayRule, optional
        Imperfect information: how each draw's reduced normal form is played,
        exactly as a simultaneous game would be (selection, fallback for draws
        without a pure equilibrium, mixed or QRE play). Default: pure
        equilibria under ``selection``, draws without one reported.
    """

    def __init__(
        self,
        scenario: Scenario,
        game: GameStructure,
        selection: str,
        tie_break: str,
        rule: PlayRule | None = None,
    ) -> None:
        assert scenario.stages is not None
        self.scenario = scenario
        self.game = game
        self.selection = selection
        self.tie_break = tie_break
        self.rule = rule or PlayRule(Solution.PURE_NASH, selection, NoEquilibrium.REPORT, 1.0)
        self.players = tuple(p.name for p in scenario.players)
        first_stage = {lv: k for k, st in enumerate(scenario.stages) for lv in st.levers}
        self.stages = tuple(
            Stage(
                name=st.label,
                mover=st.mover,
                actions=tuple(game.strategy_labels(k)),
                observes=None
                if st.observes is None
                else tuple(sorted({first_stage[o] for o in st.observes})),
                ends=game.ending_actions(k),
            )
            for k, st in enumerate(scenario.stages)
        )
        self.perfect = is_perfect_information(self.stages)
        self.chance_index = {lv.name: k for k, lv in enumerate(scenario.chance)}
        if not self.perfect:
            try:
                self._consistency = self._consistency_matrices()
            except TooManyStrategies as exc:
                raise exc.scenario_error(scenario.locate(("stages",))) from None

    @property
    def solution_concept(self) -> str:
        if self.perfect:
            return "subgame-perfect equilibrium by backward induction"
        return "pure Nash equilibria of the reduced normal form (imperfect information)"

    def chance_probabilities(
        self, env: Mapping[str, Any], n_draws: int
    ) -> dict[int, NDArray[np.float64]]:
        """Probabilities of each chance stage's options, ``{stage: (D, A_s)}``.

        Raises
        ------
        ScenarioError
            When a draw's probabilities are negative, not finite, or do not sum
            to 1 (within 1e-9), naming the chance lever and the draw.
        """
        assert self.scenario.stages is not None
        by_lever = chance_probabilities(self.scenario, env, n_draws)
        return {
            s: by_lever[st.levers[0]]
            for s, st in enumerate(self.scenario.stages)
            if st.mover is None
        }

    def weights(
        self, U: NDArray[np.float64], env: Mapping[str, Any], n_draws: int
    ) -> tuple[NDArray[np.float64], NDArray[np.intp]]:
        """Distribution over terminal histories, and equilibria counted, per draw.

        Parameters
        ----------
        U : ndarray, shape (D, n, A_0, ..., A_{k-1})
            Terminal payoffs.

        Returns
        -------
        weights : ndarray, shape (D, P)
            Probability of each terminal history (flattened in C order).
        n_equilibria : ndarray of int, shape (D,)
            1 per draw for backward induction (unique under the tie rule); the
            number of pure equilibria of the normal form otherwise.
        """
        probs = self.chance_probabilities(env, n_draws)
        if self.perfect:
            res = backward_induction(U, self.stages, self.players, probs, self.tie_break)  # type: ignore[arg-type]
            path = np.asarray(res.path_probs, dtype=np.float64).reshape(n_draws, -1)
            return path, np.ones(n_draws, dtype=np.intp)
        NF, _ = reduced_normal_form(U, self.stages, self.players, dict(probs))  # type: ignore[arg-type]
        chosen, n_eq = play_distribution(np.asarray(NF, dtype=np.float64), self.rule)
        # Play the chosen strategy profiles out: terminal h is reached when every
        # player's plan agrees with it, with the chance probabilities along it.
        sizes = [c.shape[0] for c in self._consistency]
        T = chosen.reshape(n_draws, *sizes)
        last = self._consistency[-1]
        rows = T.reshape(-1, sizes[-1])
        X = piecewise_matmul(rows, last).reshape(n_draws, *sizes[:-1], last.shape[1])
        for C in reversed(self._consistency[:-1]):
            X = np.einsum("...ah,ah->...h", X, C)
        reach = X.reshape(n_draws, -1)
        for s, p in probs.items():
            reach = reach * p[:, self._histories[:, s]]
        return reach, n_eq

    @property
    def normal_form_shape(self) -> tuple[int, ...]:
        """Imperfect information: the number of reduced strategies of each player."""
        return tuple(c.shape[0] for c in self._consistency)

    def _consistency_matrices(self) -> list[NDArray[np.float64]]:
        """``C_i[sigma, h]``: 1 if player i's plan sigma agrees with history h."""
        shape = tuple(len(st.actions) for st in self.stages)
        self._histories = np.array(
            list(itertools.product(*(range(a) for a in shape))), dtype=np.intp
        )
        plans = reduced_strategies(self.stages, self.players)
        out = []
        for player, player_plans in zip(self.players, plans, strict=True):
            own = [s for s, st in enumerate(self.stages) if st.mover == player]
            C = np.ones((len(player_plans), len(self._histories)))
            for j, plan in enumerate(player_plans):
                for h_index, h in enumerate(self._histories):
                    for s in own:
                        if plan.get(infoset_key(self.stages, s, h)) != h[s]:
                            C[j, h_index] = 0.0
                            break
            out.append(C)
        return out
