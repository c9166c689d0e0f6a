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
    The plans (:func:`tradegame.solvers.tree_normal_form.tree_normal_form` on the
    central tree) and the matrix of which profile reaches which play depend on the
    tree alone and are made once; a batch then costs two matrix products.

Either way each draw gives a probability for every play; outcome probabilities,
expected payoffs, lever-option probabilities and path probabilities follow from
it as for the other kinds of scenario.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import cached_property
from typing import Any

import numpy as np
from numpy.typing import NDArray

from tradegame._numeric import piecewise_matmul
from tradegame.model.budget import CommandCost
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
from tradegame.play.base import (
    GamePlay,
    MemoryNeed,
    PlayedBatch,
    RuleText,
    medians,
    sequential_rule_text,
)
from tradegame.play.central import central_normal_form, central_tree
from tradegame.play.options import RunOptions
from tradegame.play.rule import play_distribution
from tradegame.play.simultaneous import normal_form_fields
from tradegame.play.solution import CentralEquilibrium, CentralSolution, Move
from tradegame.play.stages import MAX_STRATEGY_ROWS, expected_payoffs
from tradegame.scenario.load import Scenario
from tradegame.scenario.vocabulary import GameKind
from tradegame.solvers.tree_normal_form import plan_labels
from tradegame.solvers.tree_solvers import TreeBackwardInduction, tree_backward_induction

__all__ = ["TreePlay"]


class TreePlay(GamePlay):
    """Plays the draws of a tree scenario (its terminal nodes), many draws at once.

    Parameters
    ----------
    scenario : Scenario
        A scenario with a 'tree:'.
    options : RunOptions
        Imperfect information: the play rule each draw's reduced normal form is
        played by; perfect information: backward induction's ``tie_break``.
    """

    kind = GameKind.TREE
    sequential = True

    def __init__(self, scenario: Scenario, options: RunOptions) -> None:
        super().__init__(scenario, options)
        assert scenario.tree is not None
        self.tie_break = options.tie_break
        self.structure = TreeStructure.from_scenario(scenario)
        self.perfect = scenario.tree.is_perfect_information
        self.lever_keys = list(self.structure.lever_keys)
        self.indicators = self.structure.indicators
        self._levers = {lv.name: lv for p in scenario.players for lv in p.levers}
        self._levers.update({lv.name: lv for lv in scenario.chance})

    @classmethod
    def command_cost(cls, scenario: Scenario, command: str) -> CommandCost:
        """Payoffs per node; every command but ``solve`` builds the tree as a graph.

        The tree was checked against its node limit at load; ``export --format
        nfg`` builds it too, for the normal form's exact payoffs.
        """
        assert scenario.tree is not None
        nodes = len(scenario.tree.nodes)
        return CommandCost(len(scenario.players) * nodes, 0 if command == "solve" else nodes)

    @classmethod
    def memory(cls, scenario: Scenario, options: RunOptions) -> MemoryNeed:
        """Bytes per draw and fixed bytes of a run, and the game's size in words.

        Per draw: outcome and play payoffs, weights and sums, and with imperfect
        information the reduced normal form's payoffs and the play rule's work
        arrays; fixed: the (plays, options) indicator matrix.

        Raises
        ------
        ScenarioError
            When a player's reduced strategies are too many to enumerate.
        """
        assert scenario.tree is not None
        T = len(scenario.tree.terminals)
        n = len(scenario.players)
        K = len(scenario.tree.outcomes)
        L = sum(len(lv.options) for p in scenario.players for lv in p.levers) + sum(
            len(lv.options) for lv in scenario.chance
        )
        per_draw = (T * (2 * n + 6) + K * n + len(scenario.outcome_labels) + 16) * 8
        size = f"{T:,}-play game tree"
        if not scenario.tree.is_perfect_information:
            shape = cls(scenario, options).normal_form_shape
            profiles = math.prod(shape)
            per_draw += profiles * (2 * n + 6) * 8
            size += f" ({' x '.join(map(str, shape))} reduced strategies)"
            L += profiles  # the (plays, profiles) matrix of which profile reaches which play
        return MemoryNeed(per_draw, T * L * 8, size)

    def path_label(self, t: int) -> str:
        return self.structure.path_labels[t]

    def rule_text(self) -> RuleText:
        return sequential_rule_text(self)

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

    def play_batch(
        self, parameters: Mapping[str, NDArray[np.float64]], n_draws: int
    ) -> PlayedBatch:
        """Every play's payoffs, and how likely each play is, in a batch of draws.

        The plays are the terminal nodes, in preorder; ``n_equilibria`` is 1 per
        draw with backward induction, the number of pure equilibria of the
        reduced normal form otherwise.
        """
        U, weights, n_eq = self._solve(parameters, n_draws)
        return PlayedBatch(weights, self.structure.outcome_of_terminal[None, :], U, n_eq)

    def _solve(
        self, parameters: Mapping[str, NDArray[np.float64]], n_draws: int
    ) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.intp]]:
        env = tree_environment(self.scenario, parameters)
        paid = outcome_payoffs(self.scenario, env, n_draws)
        probs = chance_probabilities(self.scenario, env, n_draws)
        U = self.play_payoffs(paid)
        if self.perfect:
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
    def central(
        self, *, dominance: bool = False, game_tree: bool = False, normal_form: bool = True
    ) -> CentralSolution:
        """The tree with every parameter at its median, solved.

        The plays its solution reaches; with perfect information the full
        subgame-perfect strategy (the action at every decision node, off the
        equilibrium path too) and the path through the tree; with imperfect
        information the reduced normal form and its equilibria. The central
        tree is always made (its moves are listed from it).
        """
        values, params = medians(self.scenario)
        labels = self.scenario.outcome_labels
        s = self.structure
        equilibria = []
        if self.perfect or normal_form:
            U, weights, _ = self._solve(params, 1)
        else:  # no play is computed: it needs the reduced normal form
            U, weights = np.zeros((1, len(self.players), 0)), np.zeros((1, 0))
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
        tree = central_tree(self.scenario)
        nodes_of: dict[str, list[Node]] = {}
        for n in tree.nodes():
            lever = tree.graph.nodes[n].get("lever")
            if lever is not None:
                nodes_of.setdefault(lever, []).append(n)
        moves = []
        for lever, members in nodes_of.items():
            d = tree.graph.nodes[members[0]]
            chance = d["kind"] == "chance"
            moves.append(
                Move(
                    name=lever,
                    mover=None if chance else d["player"],
                    options=tuple(d["actions"]),
                    probabilities=tuple(float(p) for p in d["probs"]) if chance else (),
                    nodes=len(members),
                )
            )
        common: dict[str, Any] = {
            **self.central_fields(values, equilibria),
            "values": expected_payoffs(equilibria, self.players),
            "moves": tuple(moves),
            "unreached": tuple(
                lv.name
                for lv in (*self.scenario.levers, *self.scenario.chance)
                if lv.name not in nodes_of
            ),
            "tree": tree,
        }
        if self.perfect:
            res = tree_backward_induction(tree, self.tie_break)
            return CentralSolution(
                **common,
                strategy=tuple(self._strategy_rows(tree, res)),
                path=frozenset(n for n, p in res.node_probs.items() if p[0] > 0),
            )
        if not normal_form:
            return CentralSolution(**common)
        nf = central_normal_form(self.scenario)
        NF = np.asarray(nf.payoffs[0], dtype=np.float64)
        names = tuple(tuple(plan_labels(tree, p, nf.plans[i])) for i, p in enumerate(self.players))
        return CentralSolution(**common, **normal_form_fields(NF, names, dominance))

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
        tree = central_tree(self.scenario)
        return self._strategy_rows(tree, tree_backward_induction(tree, self.tie_break), limit)

    def _strategy_rows(
        self, tree: GameTree, res: TreeBackwardInduction, limit: int = MAX_STRATEGY_ROWS
    ) -> list[dict[str, Any]]:
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
