r"""Backward induction on general game trees, over all draws.

:mod:`tradegame.solvers.backward_induction` and :mod:`tradegame.model.normal_form`
work on *stage games*, where every play meets the same stages. This module works
on any finite :class:`~tradegame.model.tree.GameTree`: plays of different lengths,
different movers (or chance) at the same depth, outcomes on non-terminal nodes and
one-player trees. All payoffs and chance probabilities carry the tree's draw axis
of length ``D``; every array operation works on all draws at once. The reduced
normal form of such trees, for information sets of any shape and imperfect recall,
is in :mod:`tradegame.solvers.tree_normal_form`.

Terminals. The terminal nodes in preorder (:func:`terminals`) index the last axis
``T`` of every per-terminal array here. A terminal's payoff is the sum of the
outcomes along its path (Gambit's convention, :func:`terminal_payoffs`).

Backward induction (:func:`tree_backward_induction`, perfect information only).
The nodes are processed level by level from the deepest; nodes of one level with
the same kind and number of actions are reduced together, one NumPy step over all
of them and all draws. A decision node's value is the payoff vector of the mover's
best child (or the average over its best children with ``tie_break="uniform"``), a
chance node's the expectation under its probabilities. Values follow
:meth:`GameTree.subgame_values`: the value at a node is the expected *total*
payoff of a play through it, outcomes above the node included (they are the same
for every child, so they never change a choice). Ties: action *a* is a best
action when

.. math::

    u_a \ge b - \mathrm{tol} \cdot \max(1, |b|), \qquad b = \max_{a'} u_{a'},

with the mover's payoffs :math:`u` and ``tol = 1e-12`` by default, so values that
differ only by rounding (e.g. a chance node whose children all pay 2, computed as
:math:`2 p_0 + 2 p_1 \approx 2`) count as tied. This is the comparison of
:func:`~tradegame.solvers.backward_induction.backward_induction` (``u >= best -
tol``) with the tolerance scaled by the payoff size; with ``tol=0.0`` both solvers
use exact ties, and on games whose values are exact in floating point (or generic)
they agree for any small ``tol``.

References
----------
H. W. Kuhn (1953), "Extensive games and the problem of information",
*Contributions to the Theory of Games II*, 193-216.

M. J. Osborne and A. Rubinstein (1994), *A Course in Game Theory*, MIT Press, ch. 6.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from tradegame.model.tree import GameTree, Node
from tradegame.scenario.vocabulary import TieBreak, parse_choice

__all__ = [
    "DEFAULT_TIE_TOL",
    "TreeBackwardInduction",
    "terminal_payoffs",
    "terminals",
    "tree_backward_induction",
]

#: Relative payoff tolerance within which actions count as tied.
DEFAULT_TIE_TOL = 1e-12

SOLUTION_CONCEPT = "subgame-perfect equilibrium (backward induction on the tree)"


# ---------------------------------------------------------------------- terminals
def terminals(tree: GameTree) -> list[Node]:
    """The terminal nodes in preorder: the column order ``T`` of this module's arrays.

    Parameters
    ----------
    tree : GameTree

    Returns
    -------
    list of Node
    """
    return tree.nodes("terminal")


def _path_outcome_sums(tree: GameTree) -> dict[Node, NDArray[np.floating]]:
    """Sum of the outcomes from the root down to every node, shape ``(D, n)`` each."""
    D, n = tree.n_draws, len(tree.players)
    sums: dict[Node, NDArray[np.floating]] = {}
    for node in tree.nodes():  # preorder: parents first
        above = sums[node[:-1]] if node else np.zeros((D, n))
        own = tree.graph.nodes[node].get("draw_payoffs")
        sums[node] = above if own is None else above + own
    return sums


def terminal_payoffs(tree: GameTree) -> NDArray[np.floating]:
    """Every terminal's total payoff (the sum of the outcomes along its path), every draw.

    Parameters
    ----------
    tree : GameTree

    Returns
    -------
    ndarray of float, shape (D, n, T)
        ``[d, i, t]``: player *i*'s payoff at terminal ``terminals(tree)[t]`` in draw *d*.
    """
    sums = _path_outcome_sums(tree)
    leaves = terminals(tree)
    return np.stack([sums[t] for t in leaves], axis=-1)


# ---------------------------------------------------------------------- backward induction
@dataclass(frozen=True)
class TreeBackwardInduction:
    """A subgame-perfect equilibrium of a perfect-information tree, for every draw.

    ``D`` draws, ``n`` players, ``A`` actions at a node, ``T`` terminals.

    Attributes
    ----------
    values : dict of Node to ndarray of float, shape (D, n)
        At every node: the expected total payoff of a play through the node when
        everyone follows the equilibrium from there on (outcomes above the node
        included, as in :meth:`GameTree.subgame_values`). At a terminal, its payoff.
    choice : dict of Node to ndarray of intp, shape (D,)
        At every decision node: the lowest-index best action.
    behaviour : dict of Node to ndarray of float, shape (D, A)
        At every decision node: the action probabilities played. One-hot at
        ``choice`` for ``tie_break="first"``, uniform over the best actions for
        ``"uniform"``.
    ties : dict of Node to ndarray of bool, shape (D,)
        At every decision node: whether the mover had more than one best action.
    terminal_probs : ndarray of float, shape (D, T)
        Probability of reaching each terminal (in :func:`terminals` order) on the
        equilibrium path: the chance probabilities times the behaviour along the path.
    node_probs : dict of Node to ndarray of float, shape (D,)
        Probability of reaching every node on the equilibrium path.
    terminals : tuple of Node
        The terminals in preorder: the columns of ``terminal_probs``.
    players : tuple of str
    tie_break : {"first", "uniform"}
    tol : float
        Relative tolerance of the tie rule (see the module docstring).
    solution_concept : str
    """

    values: dict[Node, NDArray[np.floating]]
    choice: dict[Node, NDArray[np.intp]]
    behaviour: dict[Node, NDArray[np.floating]]
    ties: dict[Node, NDArray[np.bool_]]
    terminal_probs: NDArray[np.floating]
    node_probs: dict[Node, NDArray[np.floating]]
    terminals: tuple[Node, ...]
    players: tuple[str, ...]
    tie_break: TieBreak
    tol: float
    solution_concept: str = SOLUTION_CONCEPT


def _check_perfect_information(tree: GameTree) -> None:
    for key, members in tree.infosets().items():
        if len(members) > 1:
            player = tree.graph.nodes[members[0]]["player"]
            shown = ", ".join(str(m) for m in members[:4]) + (", ..." if len(members) > 4 else "")
            raise ValueError(
                f"backward induction needs perfect information, but information set {key!r} "
                f"of player {player!r} has {len(members)} nodes ({shown}); solve "
                "imperfect-information trees through tree_normal_form"
            )


def tree_backward_induction(
    tree: GameTree, tie_break: str = TieBreak.FIRST, tol: float = DEFAULT_TIE_TOL
) -> TreeBackwardInduction:
    """Solve a perfect-information game tree by backward induction, over all draws at once.

    Parameters
    ----------
    tree : GameTree
        Every decision information set must have a single node. Plays may have
        different lengths, outcomes may sit on any node, chance moves anywhere.
    tie_break : {"first", "uniform"}, default "first"
        "first": the mover takes its lowest-index best action. "uniform": it mixes
        uniformly over its best actions.
    tol : float, default 1e-12
        Relative tie tolerance: action *a* is best when ``u_a >= best - tol * max(1,
        |best|)`` for the mover's payoffs ``u``. ``0.0`` gives exact ties, the default
        of :func:`~tradegame.solvers.backward_induction.backward_induction`.

    Returns
    -------
    TreeBackwardInduction

    Raises
    ------
    ValueError
        If an information set has more than one node, ``tie_break`` or ``tol`` is
        invalid, or a payoff or chance probability is not finite.

    Examples
    --------
    >>> import numpy as np
    >>> from tradegame.model.stages import Stage
    >>> stages = (Stage("entry", "E", ("out", "in")), Stage("reply", "I", ("fight", "acc")))
    >>> V = np.array([[[0, 0], [-1, 1]], [[2, 2], [-1, 1]]])  # V[i, entry, reply]
    >>> res = tree_backward_induction(GameTree.from_stages(V, stages, ("E", "I")))
    >>> res.values[()].tolist(), res.choice[()].tolist(), res.terminal_probs.tolist()
    ([[1.0, 1.0]], [1], [[0.0, 0.0, 0.0, 1.0]])
    """
    tie_break = parse_choice(TieBreak, tie_break)
    if not (np.isfinite(tol) and tol >= 0):
        raise ValueError(f"tol must be a non-negative finite number, got {tol!r}")
    _check_perfect_information(tree)
    g = tree.graph
    D, n = tree.n_draws, len(tree.players)
    player_index = {p: i for i, p in enumerate(tree.players)}
    sums = _path_outcome_sums(tree)
    leaves = terminals(tree)
    for t in leaves:
        if not np.all(np.isfinite(sums[t])):
            raise ValueError(f"terminal {t} has a payoff that is NaN or infinite")

    values: dict[Node, NDArray[np.floating]] = {t: sums[t] for t in leaves}
    choice: dict[Node, NDArray[np.intp]] = {}
    behaviour: dict[Node, NDArray[np.floating]] = {}
    ties: dict[Node, NDArray[np.bool_]] = {}
    # Inner nodes by depth, then by (kind, number of actions): one batched step per group.
    levels: dict[int, dict[tuple[str, int], list[Node]]] = {}
    for node in tree.nodes():
        d = g.nodes[node]
        if d["kind"] != "terminal":
            group = levels.setdefault(len(node), {})
            group.setdefault((d["kind"], len(d["actions"])), []).append(node)
    for depth in sorted(levels, reverse=True):
        for (kind, n_actions), nodes in levels[depth].items():
            G = len(nodes)
            # Child values, shape (G, A, D, n).
            child_values = np.stack(
                [values[(*node, a)] for node in nodes for a in range(n_actions)]
            ).reshape(G, n_actions, D, n)
            if kind == "chance":
                probs = np.stack([g.nodes[node]["draw_probs"] for node in nodes])  # (G, D, A)
                node_values = np.einsum("gda,gadn->gdn", probs, child_values)
            else:
                movers = np.array([player_index[g.nodes[node]["player"]] for node in nodes])
                node_values, chosen, beh, tied = _decide(child_values, movers, tie_break, tol)
                for j, node in enumerate(nodes):
                    choice[node], behaviour[node], ties[node] = chosen[j], beh[j], tied[j]
            for j, node in enumerate(nodes):
                values[node] = node_values[j]

    node_probs: dict[Node, NDArray[np.floating]] = {(): np.ones(D)}
    for node in tree.nodes():
        d = g.nodes[node]
        if d["kind"] == "terminal":
            continue
        weights = d["draw_probs"] if d["kind"] == "chance" else behaviour[node]  # (D, A)
        for a in range(weights.shape[1]):
            node_probs[(*node, a)] = node_probs[node] * weights[:, a]
    terminal_probs = np.stack([node_probs[t] for t in leaves], axis=-1)
    return TreeBackwardInduction(
        values=dict(sorted(values.items())),
        choice=dict(sorted(choice.items())),
        behaviour=dict(sorted(behaviour.items())),
        ties=dict(sorted(ties.items())),
        terminal_probs=terminal_probs,
        node_probs=dict(sorted(node_probs.items())),
        terminals=tuple(leaves),
        players=tuple(tree.players),
        tie_break=tie_break,
        tol=float(tol),
    )


def _decide(
    child_values: NDArray[np.floating],
    movers: NDArray[np.intp],
    tie_break: str,
    tol: float,
) -> tuple[NDArray[np.floating], NDArray[np.intp], NDArray[np.floating], NDArray[np.bool_]]:
    """The movers' best actions at a group of decision nodes with ``A`` actions each.

    Parameters
    ----------
    child_values : ndarray, shape (G, A, D, n)
    movers : ndarray of intp, shape (G,)
        Player index of each node's mover.

    Returns
    -------
    values : ndarray, shape (G, D, n)
    choice : ndarray of intp, shape (G, D)
        Lowest-index best action.
    behaviour : ndarray, shape (G, D, A)
    ties : ndarray of bool, shape (G, D)
    """
    n_actions = child_values.shape[1]
    own = np.take_along_axis(child_values, movers[:, None, None, None], axis=3)[..., 0]  # (G,A,D)
    best = own.max(axis=1)  # (G, D)
    threshold = best - tol * np.maximum(1.0, np.abs(best)) if tol else best
    hits = own >= threshold[:, None, :]  # (G, A, D)
    chosen = np.argmax(hits, axis=1)  # the first True: the lowest-index best action
    n_best = hits.sum(axis=1)
    if tie_break == "first":
        beh = (chosen[..., None] == np.arange(n_actions)).astype(float)  # (G, D, A)
        # Select rather than multiply, so that the value is exactly the chosen child's.
        values = np.take_along_axis(child_values, chosen[:, None, :, None], axis=1)[:, 0]
    else:
        beh = np.moveaxis(hits / n_best[:, None, :], 1, 2)
        values = np.einsum("gda,gadn->gdn", beh, child_values)
    return values, chosen, beh, n_best > 1
