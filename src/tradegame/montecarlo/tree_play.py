"""Scenarios with a 'tree:' in the Monte Carlo: from each draw's game tree to play.

A tree scenario's plays are its terminal nodes: they play the role that
strategy profiles play in a simultaneous game and terminal histories in a
stage game. Every batch of draws is solved by:

perfect information (every player's lever moves at one node)
    backward induction on the tree built over the draws
    (:func:`tradegame.model.scenario_tree.build_game_tree`,
    :func:`tradegame.solvers.tree_solvers.tree_backward_induction`), chance in
    expectation, indifferent movers by the scenario's ``tie_break``;
imperfect information
    the reduced normal form, played exactly as a simultaneous game would be (pure
    equilibria chosen by the selection rule, draws without one by the
    ``no_equilibrium`` rule), the chosen profiles played out, chance in expectation.
    The plans (:func:`tradegame.solvers.tree_solvers.tree_normal_form` on the
    central tree) and the matrix of which profile reaches which play depend on the
    tree alone and are made once; a batch then costs two matrix products.

Either way each draw gives a probability for every play; outcome probabilities,
expected payoffs, lever-option probabilities and path probabilities follow from
it as for the other kinds of scenario.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from typing import Any

import numpy as np
from numpy.typing import NDArray

from tradegame._numeric import piecewise_matmul
from tradegame.model.scenario_tree import (
    TreeStructure,
    build_game_tree,
    chance_probabilities,
    outcome_payoffs,
    play_payoffs,
    refuse_non_finite_plays,
    tree_environment,
)
from tradegame.model.tree import GameTree, Node
from tradegame.montecarlo.central import central_normal_form, central_tree
from tradegame.montecarlo.play import PlayRule, play_distribution
from tradegame.montecarlo.result import CentralEquilibrium, CentralGame
from tradegame.scenario.load import Scenario

__all__ = ["MAX_STRATEGY_ROWS", "TreeModel"]

#: Most decision nodes listed in a subgame-perfect strategy.
MAX_STRATEGY_ROWS = 2_000


class TreeModel:
    """Solves the game trees of a tree scenario, many draws at once.

    Parameters
    ----------
    scenario : Scenario
        A scenario with a 'tree:'.
    rule : PlayRule
        Imperfect information: how each draw's reduced normal form is played.
    tie_break : {"first", "uniform"}
        Perfect information: backward induction's rule for indifferent movers.
    """

    def __init__(self, scenario: Scenario, rule: PlayRule, tie_break: str) -> None:
        assert scenario.tree is not None
        self.scenario = scenario
        self.rule = rule
        self.tie_break = tie_break
        self.structure = TreeStructure.from_scenario(scenario)
        self.perfect = scenario.tree.is_perfect_information
        self.players = tuple(p.name for p in scenario.players)
        self._shape: tuple[int, ...] | None = None
        self._levers = {lv.name: lv for p in scenario.players for lv in p.levers}
        self._levers.update({lv.name: lv for lv in scenario.chance})

    @property
    def n_plays(self) -> int:
        """``T``, the number of terminal nodes."""
        return len(self.structure.terminals)

    @property
    def solution_concept(self) -> str:
        if self.perfect:
            return "subgame-perfect equilibrium by backward induction"
        return "pure Nash equilibria of the reduced normal form (imperfect information)"

    @property
    def normal_form_shape(self) -> tuple[int, ...]:
        """Imperfect information: the number of reduced strategies of each player."""
        return tuple(len(p) for p in self._normal_form[0])

    @cached_property
    def _normal_form(self) -> tuple[tuple[list[Any], ...], NDArray[np.float64]]:
        """Each player's plans, and ``R[t, p]``: 1 if profile *p* (C order) reaches play *t*.

        Both depend on the tree alone, so they are made once per run; a batch of draws
        then needs two matrix products (:func:`~tradegame._numeric.piecewise_matmul`, so
        a draw's numbers do not depend on the chunk size).

        Raises
        ------
        ScenarioError
            When a player has too many reduced strategies.
        """
        nf = central_normal_form(self.scenario)
        reach = np.ones((len(nf.terminals), 1))
        for C in nf.consistency:  # (S_i, T): rows of the product, last player fastest
            reach = (reach[:, :, None] * np.asarray(C, dtype=np.float64).T[:, None, :]).reshape(
                len(nf.terminals), -1
            )
        return nf.plans, np.ascontiguousarray(reach)

    def play_payoffs(self, paid: NDArray[np.float64]) -> NDArray[np.float64]:
        """Every play's payoffs from the outcomes' payoffs, shape ``(D, n, T)``.

        Raises
        ------
        NonFiniteError
            When a play's payoffs overflow when summed along it.
        """
        U = play_payoffs(self.structure, paid)
        refuse_non_finite_plays(self.scenario, self.structure, U)
        return U

    def solve(
        self, parameters: Mapping[str, NDArray[np.float64]], n_draws: int
    ) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.intp]]:
        """Payoffs of every play, and how likely each play is, in a batch of draws.

        Returns
        -------
        payoffs : ndarray, shape (D, n, T)
        weights : ndarray, shape (D, T)
            Probability of each play (terminal node, in preorder).
        n_equilibria : ndarray of int, shape (D,)
            1 per draw with backward induction; the number of pure equilibria of
            the reduced normal form otherwise.
        """
        env = tree_environment(self.scenario, parameters)
        paid = outcome_payoffs(self.scenario, env, n_draws)
        probs = chance_probabilities(self.scenario, env, n_draws)
        U = self.play_payoffs(paid)
        if self.perfect:
            from tradegame.solvers.tree_solvers import tree_backward_induction

            tree = build_game_tree(self.scenario, env, n_draws, payoffs=paid, probabilities=probs)
            res = tree_backward_induction(tree, self.tie_break)
            weights = np.asarray(res.terminal_probs, dtype=np.float64)
            return U, weights, np.ones(n_draws, np.intp)
        # Imperfect information: the reduced normal form, played as a simultaneous game.
        plans, reach = self._normal_form
        chance = self.structure.chance_weights(probs)
        if chance.shape[0] != n_draws:  # no chance lever: the same weights in every draw
            chance = np.broadcast_to(chance, (n_draws, chance.shape[1]))
        n, T = U.shape[1], U.shape[2]
        weighted = np.ascontiguousarray((chance[:, None, :] * U).reshape(n_draws * n, T))
        payoffs = piecewise_matmul(weighted, reach).reshape(n_draws, n, *(len(p) for p in plans))
        chosen, n_eq = play_distribution(payoffs, self.rule)
        profiles = np.ascontiguousarray(chosen.reshape(n_draws, -1))
        weights = piecewise_matmul(profiles, np.ascontiguousarray(reach.T)) * chance
        return U, weights, n_eq

    # ------------------------------------------------------------------ central game
    def central_game(self) -> CentralGame:
        """The tree with every parameter at its median: the plays its solution reaches.

        With perfect information also the full subgame-perfect strategy: the
        action at every decision node, off the equilibrium path too.
        """
        from tradegame.montecarlo.sampling import ParameterSampler

        medians = ParameterSampler(self.scenario.spec.parameters, 0).medians()
        params = {k: np.array([v]) for k, v in medians.items()}
        U, weights, _ = self.solve(params, 1)
        labels = self.scenario.outcome_labels
        s = self.structure
        equilibria = []
        for t in np.flatnonzero(weights[0] > 0):
            equilibria.append(
                CentralEquilibrium(
                    strategies={
                        lever: self._levers[lever].label(self._levers[lever].options.index(o))
                        for lever, o in s.path_levers[t].items()
                    },
                    levers=dict(s.path_levers[t]),
                    payoffs={p: float(U[0, i, t]) for i, p in enumerate(self.players)},
                    outcome=labels[int(s.outcome_of_terminal[t])],
                    probability=float(weights[0, t]),
                )
            )
        strategy: tuple[dict[str, Any], ...] = ()
        if self.perfect:
            strategy = tuple(self.subgame_perfect_strategy())
        return CentralGame(parameters=medians, equilibria=tuple(equilibria), strategy=strategy)

    def subgame_perfect_strategy(self, limit: int = MAX_STRATEGY_ROWS) -> list[dict[str, Any]]:
        """What the mover does at every decision node of the central tree.

        Returns
        -------
        list of dict
            One per decision node in preorder (at most ``limit``): ``node`` (its
            label, or its moves from the root), ``lever``, ``mover``, ``after``
            (lever -> option on the way to the node), ``action``, ``on_path``
            (reached with positive probability) and ``tie`` (the mover was
            indifferent and the tie rule chose).
        """
        from tradegame.solvers.tree_solvers import tree_backward_induction

        tree = central_tree(self.scenario)
        res = tree_backward_induction(tree, self.tie_break)
        options = {lv.name: lv.options for p in self.scenario.players for lv in p.levers}
        options.update({lv.name: lv.options for lv in self.scenario.chance})
        rows: list[dict[str, Any]] = []
        for node in tree.nodes("decision"):
            if len(rows) >= limit:
                break
            d = tree.graph.nodes[node]
            after = _moves(tree, node, options)
            rows.append(
                {
                    "node": d.get("name")
                    or " > ".join(f"{k}: {v}" for k, v in after.items())
                    or "root",
                    "lever": d["lever"],
                    "mover": d["player"],
                    "after": after,
                    "action": options[d["lever"]][int(res.choice[node][0])],
                    "on_path": bool(res.node_probs[node][0] > 0),
                    "tie": bool(res.ties[node][0]),
                }
            )
        return rows


def _moves(tree: GameTree, node: Node, options: Mapping[str, tuple[str, ...]]) -> dict[str, str]:
    """Lever -> option of the moves from the root to ``node``."""
    out: dict[str, str] = {}
    for depth in range(len(node)):
        lever = tree.graph.nodes[node[:depth]]["lever"]
        out[lever] = options[lever][node[depth]]
    return out
