"""The game tree of a scenario with a 'tree:', over Monte Carlo draws.

A scenario's ``tree:`` gives an extensive game node by node (see
docs/scenario-format.md, "Game trees"). :func:`build_game_tree` turns it and a
batch of parameter draws into a :class:`~tradegame.model.tree.GameTree`: the
structure is the file's, the payoffs of each outcome and the probabilities of
each chance lever are the draws'. Nodes that move the same lever form one
information set (key ``(player, lever)``; chance ``("chance", lever)``); every
node carries the lever's name (``lever``) and each node with an outcome that
outcome's name (``outcome_key``), so Gambit files keep the scenario's outcomes
apart even when two have the same label and payoffs.

The arrays per draw are shared, not copied: every node paying outcome *k*
holds a view of the same ``(D, n)`` slice, so a tree over many draws costs the
outcome table plus the node bookkeeping.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from tradegame._numeric import piecewise_matmul
from tradegame.errors import ScenarioError, ScenarioIssue
from tradegame.model.build import Environment, NonFiniteError, evaluation_environment
from tradegame.model.tree import GameTree
from tradegame.scenario.load import NO_OUTCOME, Scenario, TreePlan

if TYPE_CHECKING:
    pass

__all__ = [
    "TreeStructure",
    "build_game_tree",
    "chance_probabilities",
    "outcome_payoffs",
    "play_payoffs",
    "refuse_non_finite_plays",
    "tree_environment",
]

_PROBABILITY_TOL = 1e-9


def tree_environment(
    scenario: Scenario, parameters: Mapping[str, NDArray[np.float64]]
) -> Environment:
    """Parameters and terms of a batch of draws (a tree's expressions read no lever).

    Parameters
    ----------
    parameters : mapping of str to ndarray, shape (D,)
    """
    return evaluation_environment(scenario, None, parameters)


def _per_draw(value: Any, n_draws: int) -> NDArray[np.float64]:
    return np.broadcast_to(np.asarray(value, dtype=np.float64).reshape(-1), (n_draws,))


def chance_probabilities(
    scenario: Scenario, env: Mapping[str, Any], n_draws: int
) -> dict[str, NDArray[np.float64]]:
    """Each chance lever's option probabilities in every draw, ``{lever: (D, A)}``.

    Raises
    ------
    ScenarioError
        When a draw's probabilities are negative, not finite, or do not sum to 1
        (within 1e-9), naming the chance lever and the draw.
    """
    out: dict[str, NDArray[np.float64]] = {}
    for lever, exprs in zip(scenario.chance, scenario.chance_probabilities, strict=True):
        p = np.stack([_per_draw(e.evaluate(env), n_draws) for e in exprs], axis=1)
        bad_value = ~np.isfinite(p).all(axis=1) | (p < -_PROBABILITY_TOL).any(axis=1)
        with np.errstate(invalid="ignore", over="ignore"):  # inf - inf: reported below
            sums = p.sum(axis=1)
        bad_sum = np.abs(sums - 1.0) > _PROBABILITY_TOL
        bad = np.flatnonzero(bad_value | bad_sum)
        if bad.size:
            d = int(bad[0])
            raise ScenarioError(
                ScenarioIssue(
                    scenario.locate(("chance", lever.name, "options")),
                    f"probabilities of chance lever {lever.name!r} are "
                    f"{', '.join(f'{x:.6g}' for x in p[d])} in draw {d} (sum "
                    f"{sums[d]:.6g}): they must be non-negative and sum to 1",
                )
            )
        out[lever.name] = np.clip(p, 0.0, None)
    return out


def outcome_payoffs(
    scenario: Scenario, env: Mapping[str, Any], n_draws: int
) -> NDArray[np.float64]:
    """What each outcome of the tree pays each player in every draw.

    Returns
    -------
    ndarray of float64, shape (D, n, K)
        ``K`` outcomes in the order of 'tree.outcomes'.

    Raises
    ------
    NonFiniteError
        When a payoff is NaN or infinite, naming the outcome, the player and the draw.
    """
    plan = _plan(scenario)
    n = len(scenario.players)
    out = np.empty((n_draws, n, len(plan.outcomes)))
    for k, outcome in enumerate(plan.outcomes):
        for i, expr in enumerate(outcome.payoffs):
            values = _per_draw(expr.evaluate(env), n_draws)
            bad = np.flatnonzero(~np.isfinite(values))
            if bad.size:
                player = scenario.players[i].name
                raise NonFiniteError(
                    f"payoff of {player!r} at outcome {outcome.name!r}",
                    int(bad[0]),
                    float(values[bad[0]]),
                    ("tree", "outcomes", outcome.name, "payoffs", player),
                )
            out[:, i, k] = values
    return out


def _plan(scenario: Scenario) -> TreePlan:
    if scenario.tree is None:
        raise ValueError(f"{scenario.source}: the scenario has no 'tree:'")
    return scenario.tree


@dataclass(frozen=True)
class TreeStructure:
    """What a tree's plays are, independently of the draws.

    Attributes
    ----------
    terminals : tuple of tuple of int
        The terminal nodes (histories of option indices) in preorder: the plays.
    outcome_of_terminal : ndarray of int, shape (T,)
        Index into :attr:`Scenario.outcome_labels` of each play's outcome.
    payoff_matrix : ndarray of float, shape (K, T)
        ``M[k, t]``: how many times play *t* is paid outcome *k* (payoffs add up
        along a play); a play's payoffs are ``O @ M`` for outcome payoffs ``O``.
    lever_keys : tuple of (str, str, str)
        ``(player or "chance", lever, option)`` of every lever option, players' levers
        first (in file order), then chance levers.
    indicators : ndarray of float, shape (T, L)
        1 where play *t* moves lever option *l* (at least once).
    path_labels : tuple of str
        Each play as ``"lever: option > lever: option > ..."`` with option labels.
    """

    terminals: tuple[tuple[int, ...], ...]
    outcome_of_terminal: NDArray[np.intp]
    payoff_matrix: NDArray[np.float64]
    lever_keys: tuple[tuple[str, str, str], ...]
    indicators: NDArray[np.float64]
    path_labels: tuple[str, ...]
    path_levers: tuple[dict[str, str], ...]
    """Each play's moves: lever -> option name, in the order played (a lever moved
    twice on one play, with imperfect recall, keeps its last option)."""
    chance_moves: tuple[tuple[tuple[str, int], ...], ...] = ()
    """Each play's chance moves: (chance lever, option index), in the order played."""

    def chance_weights(
        self, probabilities: Mapping[str, NDArray[np.float64]]
    ) -> NDArray[np.float64]:
        """Product of the chance probabilities along every play.

        Parameters
        ----------
        probabilities : mapping of str to ndarray, shape (D, A)
            :func:`chance_probabilities`.

        Returns
        -------
        ndarray, shape (D, T)
        """
        n_draws = next(iter(probabilities.values())).shape[0] if probabilities else 1
        out = np.ones((n_draws, len(self.terminals)))
        for t, moves in enumerate(self.chance_moves):
            for lever, option in moves:
                out[:, t] *= probabilities[lever][:, option]
        return out

    @classmethod
    def from_scenario(cls, scenario: Scenario) -> TreeStructure:
        plan = _plan(scenario)
        labels = scenario.outcome_labels
        by_history = {n.history: n for n in plan.nodes}
        levers = {lv.name: lv for p in scenario.players for lv in p.levers}
        levers.update({lv.name: lv for lv in scenario.chance})
        keys: list[tuple[str, str, str]] = []
        column: dict[tuple[str, int], int] = {}
        for p in scenario.players:
            for lv in p.levers:
                for k, o in enumerate(lv.options):
                    column[(lv.name, k)] = len(keys)
                    keys.append((p.name, lv.name, o))
        for lv in scenario.chance:
            for k, o in enumerate(lv.options):
                column[(lv.name, k)] = len(keys)
                keys.append(("chance", lv.name, o))
        terminals = plan.terminals
        T, K = len(terminals), len(plan.outcomes)
        M = np.zeros((K, T))
        indicators = np.zeros((T, len(keys)))
        outcome_of = np.empty(T, dtype=np.intp)
        path_labels: list[str] = []
        path_levers: list[dict[str, str]] = []
        chance_moves: list[tuple[tuple[str, int], ...]] = []
        for t, node in enumerate(terminals):
            h = node.history
            parts: list[str] = []
            moves: dict[str, str] = {}
            by_chance: list[tuple[str, int]] = []
            for depth in range(len(h) + 1):
                at = by_history[h[:depth]]
                if at.outcome is not None:
                    M[at.outcome, t] += 1
                if depth < len(h):
                    assert at.lever is not None
                    lv = levers[at.lever]
                    indicators[t, column[(at.lever, h[depth])]] = 1.0
                    parts.append(f"{at.lever}: {lv.label(h[depth])}")
                    moves[at.lever] = lv.options[h[depth]]
                    if at.mover is None:
                        by_chance.append((at.lever, h[depth]))
            name = NO_OUTCOME if node.outcome is None else plan.outcomes[node.outcome].name
            outcome_of[t] = labels.index(name)
            path_labels.append(" > ".join(parts) or "(the root is terminal)")
            path_levers.append(moves)
            chance_moves.append(tuple(by_chance))
        return cls(
            tuple(n.history for n in terminals),
            outcome_of,
            M,
            tuple(keys),
            indicators,
            tuple(path_labels),
            tuple(path_levers),
            tuple(chance_moves),
        )


def build_game_tree(
    scenario: Scenario,
    env: Mapping[str, Any],
    n_draws: int,
    *,
    payoffs: NDArray[np.float64] | None = None,
    probabilities: Mapping[str, NDArray[np.float64]] | None = None,
) -> GameTree:
    """The scenario's game tree over a batch of draws.

    Parameters
    ----------
    env : mapping
        :func:`tree_environment` of the draws.
    n_draws : int
        ``D``.
    payoffs : ndarray, shape (D, n, K), optional
        :func:`outcome_payoffs`, if already computed.
    probabilities : mapping of str to ndarray (D, A), optional
        :func:`chance_probabilities`, if already computed.

    Returns
    -------
    GameTree
        Players by name; action labels are the options' labels; decision
        information sets keyed ``(player, lever)``, chance ``("chance", lever)``.
    """
    plan = _plan(scenario)
    paid = outcome_payoffs(scenario, env, n_draws) if payoffs is None else payoffs
    probs = chance_probabilities(scenario, env, n_draws) if probabilities is None else probabilities
    levers = {lv.name: lv for p in scenario.players for lv in p.levers}
    levers.update({lv.name: lv for lv in scenario.chance})
    import networkx as nx  # imported when a tree is built: slow to import

    g = nx.DiGraph()
    for node in plan.nodes:
        attrs: dict[str, Any] = {"name": node.label, "stage": None, "lever": node.lever}
        if node.outcome is not None:
            out = plan.outcomes[node.outcome]
            attrs.update(
                draw_payoffs=paid[:, :, node.outcome],
                payoffs=paid[0, :, node.outcome].copy(),
                outcome=out.label,
                outcome_key=out.name,
            )
        else:
            attrs.update(draw_payoffs=None, payoffs=None, outcome="")
        if node.lever is None:
            attrs["kind"] = "terminal"
        else:
            lv = levers[node.lever]
            actions = tuple(lv.label(k) for k in range(len(lv.options)))
            label = plan.infoset_labels.get(node.lever, "")
            if node.mover is None:
                p = probs[node.lever]
                attrs.update(
                    kind="chance",
                    infoset=("chance", node.lever),
                    infoset_label=label,
                    actions=actions,
                    draw_probs=p,
                    probs=tuple(float(x) for x in p[0]),
                )
            else:
                attrs.update(
                    kind="decision",
                    player=node.mover,
                    infoset=(node.mover, node.lever),
                    infoset_label=label,
                    actions=actions,
                )
        g.add_node(node.history, **attrs)
    for node in plan.nodes:
        h = node.history
        if h:
            parent = g.nodes[h[:-1]]
            a = h[-1]
            chance = parent["kind"] == "chance"
            g.add_edge(
                h[:-1],
                h,
                action=a,
                label=parent["actions"][a],
                prob=parent["probs"][a] if chance else None,
                draw_prob=parent["draw_probs"][:, a] if chance else None,
            )
    players = tuple(p.name for p in scenario.players)
    return GameTree(g, players, title=scenario.title, comment=scenario.spec.description or "")


def play_payoffs(structure: TreeStructure, paid: NDArray[np.float64]) -> NDArray[np.float64]:
    """Every play's payoffs: the outcomes' payoffs summed along it.

    Parameters
    ----------
    structure : TreeStructure
    paid : ndarray, shape (D, n, K)
        :func:`outcome_payoffs`.

    Returns
    -------
    ndarray, shape (D, n, T)
        Not checked: see :func:`refuse_non_finite_plays`.
    """
    D, n, K = paid.shape
    with np.errstate(over="ignore", invalid="ignore"):  # refused by name, not warned about
        flat = piecewise_matmul(
            np.ascontiguousarray(paid.reshape(D * n, K)), structure.payoff_matrix
        )
    return flat.reshape(D, n, -1)


def refuse_non_finite_plays(
    scenario: Scenario, structure: TreeStructure, payoffs: NDArray[np.float64]
) -> None:
    """Refuse plays whose payoffs, summed along them, overflow (``1e308 + 1e308``).

    Each outcome's payoff is finite (:func:`outcome_payoffs` checks it), but
    outcomes paid on inner nodes add up along a play.

    Parameters
    ----------
    payoffs : ndarray, shape (D, n, T)
        :func:`play_payoffs`.

    Raises
    ------
    NonFiniteError
        Naming the player, the play and the draw, located at the play's first
        outcome's payoff of that player.
    """
    bad = ~np.isfinite(payoffs)
    if not bad.any():
        return
    d, i, t = (int(x) for x in np.argwhere(bad)[0])
    player = scenario.players[i].name
    first = int(np.flatnonzero(structure.payoff_matrix[:, t])[0])
    outcome = _plan(scenario).outcomes[first].name
    raise NonFiniteError(
        f"the payoff of {player!r} summed along the play {structure.path_labels[t]!r}",
        d,
        float(payoffs[d, i, t]),
        ("tree", "outcomes", outcome, "payoffs", player),
    )
