r"""Backward induction and the reduced normal form of general game trees, over all draws.

:mod:`tradegame.solvers.backward_induction` and :mod:`tradegame.model.normal_form`
work on *stage games*, where every play meets the same stages. This module solves
any finite :class:`~tradegame.model.tree.GameTree`: plays of different lengths,
different movers (or chance) at the same depth, outcomes on non-terminal nodes,
information sets of any shape, imperfect recall (e.g. the absent-minded driver of
Piccione & Rubinstein 1997) and one-player trees. All payoffs and chance
probabilities carry the tree's draw axis of length ``D``; every array operation
works on all draws at once.

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

Reduced normal form (:func:`tree_normal_form`). A *plan* (reduced pure strategy)
of player *i* gives an action at exactly the player's information sets that some
play consistent with the plan itself reaches: other players' and chance's moves
are free, and a node is reached by the plan when at every earlier node of player
*i* on its path the plan prescribes the action taken there (Osborne & Rubinstein
1994, ch. 6; with imperfect recall the same information set may occur twice on a
path, and must then be played the same way both times). Strategies that differ
only at information sets ruled out by the player's own moves are one plan. They
are enumerated recursively over the tree (:func:`tree_reduced_strategies`),
branching on an information set only when the plan so far reaches it, so the full
product of all information sets' actions is never built. The consistency of plan
*s* with terminal *t* is ``C_i[s, t] = 1`` iff every node of player *i* on the path
to *t* lies in an information set where *s* prescribes the action taken, and

.. math::

    U[d, j, s_0, \dots, s_{n-1}]
      = \sum_t \Big(\prod_i C_i[s_i, t]\Big)\, \pi[d, t]\, v[d, j, t],

with :math:`\pi[d, t]` the product of the chance probabilities along the path to
*t* in draw *d* and :math:`v` the terminal payoffs. A player who never moves has
one, empty, plan.

References
----------
H. W. Kuhn (1953), "Extensive games and the problem of information",
*Contributions to the Theory of Games II*, 193-216.

M. J. Osborne and A. Rubinstein (1994), *A Course in Game Theory*, MIT Press, ch. 6
and 11.

M. Piccione and A. Rubinstein (1997), "On the interpretation of decision problems
with imperfect recall", *Games and Economic Behavior* 20, 3-24.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from tradegame.model.normal_form import TooManyStrategies
from tradegame.model.tree import GameTree, Node
from tradegame.scenario.vocabulary import TieBreak, parse_choice

__all__ = [
    "DEFAULT_PLAN_LIMIT",
    "DEFAULT_TIE_TOL",
    "TreeBackwardInduction",
    "TreeNormalForm",
    "plan_labels",
    "play_out",
    "terminal_payoffs",
    "terminals",
    "tree_backward_induction",
    "tree_normal_form",
    "tree_reduced_strategies",
]

#: A reduced pure strategy: information set key -> action index, at the sets it reaches.
TreePlan = dict[Hashable, int]

#: Relative payoff tolerance within which actions count as tied.
DEFAULT_TIE_TOL = 1e-12
#: Per-player limit on the number of reduced strategies.
DEFAULT_PLAN_LIMIT = 100_000

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


def _chance_reach(tree: GameTree) -> dict[Node, NDArray[np.floating]]:
    """Product of the chance probabilities from the root down to every node, ``(D,)``."""
    reach: dict[Node, NDArray[np.floating]] = {}
    for node in tree.nodes():
        if not node:
            reach[node] = np.ones(tree.n_draws)
            continue
        parent = tree.graph.nodes[node[:-1]]
        above = reach[node[:-1]]
        if parent["kind"] == "chance":
            reach[node] = above * parent["draw_probs"][:, node[-1]]
        else:
            reach[node] = above
    return reach


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


# ---------------------------------------------------------------------- reduced normal form
def _player_infosets(tree: GameTree, player: str) -> list[Hashable]:
    """The player's information set keys in order of first appearance in preorder."""
    return list(tree.infosets(player))


def _first_own_nodes(tree: GameTree, player: str) -> dict[Node, list[Node]]:
    """For every node, the player's decision nodes first met below it (itself included).

    ``[node]`` at the player's own nodes; otherwise, in preorder, the player's nodes
    in the subtree that have no other node of the player above them in the subtree.
    """
    g = tree.graph
    first: dict[Node, list[Node]] = {}
    for node in reversed(tree.nodes()):  # children before parents
        d = g.nodes[node]
        if d["kind"] == "decision" and d["player"] == player:
            first[node] = [node]
        elif d["kind"] == "terminal":
            first[node] = []
        else:
            first[node] = [m for a in range(len(d["actions"])) for m in first[(*node, a)]]
    return first


def tree_reduced_strategies(
    tree: GameTree, player: str, limit: int = DEFAULT_PLAN_LIMIT
) -> list[dict[Hashable, int]]:
    """A player's reduced pure strategies (plans) in a general game tree.

    Parameters
    ----------
    tree : GameTree
        Any tree: imperfect information and imperfect recall allowed.
    player : str
    limit : int, default 100000
        Raise ValueError when the player has more plans.

    Returns
    -------
    list of dict
        Plans ``{infoset key: action index}``, each giving an action at exactly the
        player's information sets that the plan itself can reach (keys in order of
        first appearance in preorder). Sorted by the tuple of actions over all the
        player's information sets in that order, an information set the plan leaves
        unreached counting as ``-1`` (so it sorts before any action). A player who
        never moves has the single plan ``{}``.

    Raises
    ------
    ValueError
        For an unknown player, or when the player has more than ``limit`` plans.
    """
    if player not in tree.players:
        raise ValueError(f"player {player!r} is not one of {tree.players}")
    g = tree.graph
    order = {key: j for j, key in enumerate(_player_infosets(tree, player))}
    first = _first_own_nodes(tree, player)
    plans: list[TreePlan] = []
    # Depth-first over partial plans; ``pending`` holds the player's nodes the partial
    # plan reaches whose choice is not yet followed. An explicit stack, not recursion:
    # a plan may have more information sets than Python's recursion limit.
    stack: list[tuple[TreePlan, list[Node]]] = [({}, list(first[()]))]
    while stack:
        plan, pending = stack.pop()
        while pending:
            node = pending.pop()
            key = g.nodes[node]["infoset"]
            if key not in plan:
                break
            pending.extend(first[(*node, plan[key])])
        else:
            plans.append(plan)
            if len(plans) > limit:
                raise TooManyStrategies(player, limit, "pass limit= to raise the limit")
            continue
        # A newly reached information set: one branch per action.
        for a in reversed(range(len(g.nodes[node]["actions"]))):
            stack.append(({**plan, key: a}, [*pending, *first[(*node, a)]]))
    keyed = [
        (tuple(plan.get(key, -1) for key in order), plan) for plan in plans
    ]  # ties impossible: distinct plans differ at an information set both reach
    keyed.sort(key=lambda item: item[0])
    return [dict(sorted(plan.items(), key=lambda kv: order[kv[0]])) for _, plan in keyed]


def plan_labels(tree: GameTree, player: str, plans: Sequence[dict[Hashable, int]]) -> list[str]:
    """Readable labels of plans, in the manner of Gambit's strategy labels.

    Parameters
    ----------
    tree : GameTree
    player : str
    plans : sequence of dict
        Plans of ``player`` (e.g. from :func:`tree_reduced_strategies`).

    Returns
    -------
    list of str
        For each plan, the labels of its actions at the player's information sets in
        order of first appearance in preorder, joined by ``"/"``; ``"*"`` stands for
        an information set the plan leaves unreached, and an action with an empty
        label is written as its number from 1 (as Gambit numbers actions). E.g.
        ``"in/*"`` or ``"B/G"``. A player who never moves: ``"(no move)"``.
    """
    infosets = tree.infosets(player)
    if not infosets:
        return ["(no move)" for _ in plans]
    actions = {key: tree.graph.nodes[members[0]]["actions"] for key, members in infosets.items()}
    labels = []
    for plan in plans:
        parts = []
        for key, acts in actions.items():
            if key not in plan:
                parts.append("*")
            else:
                a = plan[key]
                parts.append(acts[a] if acts[a] else str(a + 1))
        labels.append("/".join(parts))
    return labels


@dataclass(frozen=True)
class TreeNormalForm:
    """The reduced normal form of a game tree, for every draw.

    ``D`` draws, ``n`` players, ``S_i`` plans of player *i*, ``T`` terminals.

    Attributes
    ----------
    plans : tuple of list of dict
        ``plans[i]``: player *i*'s plans, from :func:`tree_reduced_strategies`.
    labels : tuple of list of str
        ``labels[i]``: their labels, from :func:`plan_labels`.
    consistency : tuple of ndarray of float, shape (S_i, T)
        ``consistency[i][s, t] = 1.0`` iff plan *s* of player *i* takes, at every node
        of player *i* on the path to terminal *t*, the action taken there on that path.
    chance_weight : ndarray of float, shape (D, T)
        Product of the chance probabilities along the path to each terminal.
    terminal_payoffs : ndarray of float, shape (D, n, T)
        From :func:`terminal_payoffs`.
    payoffs : ndarray of float, shape (D, n, S_0, ..., S_{n-1})
        ``payoffs[d, j, s_0, ..., s_{n-1}]``: player *j*'s expected payoff in draw *d*
        when each player *i* plays plan :math:`s_i` (chance in expectation).
    terminals : tuple of Node
        The terminals in preorder: the ``T`` axis.
    players : tuple of str
    """

    plans: tuple[list[dict[Hashable, int]], ...]
    labels: tuple[list[str], ...]
    consistency: tuple[NDArray[np.floating], ...]
    chance_weight: NDArray[np.floating]
    terminal_payoffs: NDArray[np.floating]
    payoffs: NDArray[np.floating]
    terminals: tuple[Node, ...]
    players: tuple[str, ...]


def _consistency(
    tree: GameTree, player: str, plans: Sequence[dict[Hashable, int]], leaves: Sequence[Node]
) -> NDArray[np.floating]:
    """``C[s, t]``: whether plan *s* takes the path's action at each own node on path *t*."""
    g = tree.graph
    order = {key: j for j, key in enumerate(_player_infosets(tree, player))}
    # Plan actions over all the player's information sets, -1 where unreached.
    table = np.array(
        [[plan.get(key, -1) for key in order] for plan in plans], dtype=np.intp
    ).reshape(len(plans), len(order))
    C = np.ones((len(plans), len(leaves)))
    for t, leaf in enumerate(leaves):
        for depth in range(len(leaf)):
            d = g.nodes[leaf[:depth]]
            if d["kind"] == "decision" and d["player"] == player:
                C[:, t] *= table[:, order[d["infoset"]]] == leaf[depth]
    return C


def tree_normal_form(tree: GameTree, limit: int = DEFAULT_PLAN_LIMIT) -> TreeNormalForm:
    """The reduced normal form of any game tree, for every draw.

    Parameters
    ----------
    tree : GameTree
        Any finite tree: imperfect information and imperfect recall allowed.
    limit : int, default 100000
        Per-player limit on the number of plans (see :func:`tree_reduced_strategies`).

    Returns
    -------
    TreeNormalForm

    Raises
    ------
    ValueError
        When a player has more than ``limit`` plans.

    Examples
    --------
    The absent-minded driver: one information set met twice; continuing (B) twice pays
    1, exiting (E) at the second exit 4, at the first 0.

    >>> import networkx as nx
    >>> g = nx.DiGraph()
    >>> for node in [(), (0,)]:
    ...     g.add_node(node, kind="decision", player="driver", infoset="I", actions=("B", "E"))
    >>> for node, pay in [((0, 0), 1.0), ((0, 1), 4.0), ((1,), 0.0)]:
    ...     g.add_node(node, kind="terminal", payoffs=[pay])
    >>> g.add_edges_from([((), (0,)), ((), (1,)), ((0,), (0, 0)), ((0,), (0, 1))])
    >>> nf = tree_normal_form(GameTree(g, ("driver",)))
    >>> nf.labels, nf.payoffs.tolist()
    ((['B', 'E'],), [[[1.0, 0.0]]])
    """
    players = tuple(tree.players)
    leaves = terminals(tree)
    plans = tuple(tree_reduced_strategies(tree, p, limit) for p in players)
    labels = tuple(plan_labels(tree, p, pl) for p, pl in zip(players, plans, strict=True))
    consistency = tuple(
        _consistency(tree, p, pl, leaves) for p, pl in zip(players, plans, strict=True)
    )
    reach = _chance_reach(tree)
    chance_weight = np.stack([reach[t] for t in leaves], axis=-1)
    pay = terminal_payoffs(tree)
    payoffs = _contract(chance_weight[:, None, :] * pay, consistency, leading=2)
    return TreeNormalForm(
        plans=plans,
        labels=labels,
        consistency=consistency,
        chance_weight=chance_weight,
        terminal_payoffs=pay,
        payoffs=payoffs,
        terminals=tuple(leaves),
        players=players,
    )


def _contract(
    weighted: NDArray[np.floating], consistency: Sequence[NDArray[np.floating]], leading: int
) -> NDArray[np.floating]:
    """``out[..., s_0, ..., s_{n-1}] = sum_t weighted[..., t] * prod_i C_i[s_i, t]``.

    ``weighted`` has ``leading`` axes before the terminal axis.
    """
    n = len(consistency)
    term = leading + n  # sublist labels: leading axes, one per player, then terminals
    lead = list(range(leading))
    operands: list[Any] = [weighted, [*lead, term]]
    for i, C in enumerate(consistency):
        operands += [C, [leading + i, term]]
    return np.einsum(*operands, [*lead, *range(leading, leading + n)], optimize=True)


def play_out(nf: TreeNormalForm, profile_probs: ArrayLike) -> NDArray[np.floating]:
    """The distribution of terminals when the players play a distribution over plan profiles.

    Parameters
    ----------
    nf : TreeNormalForm
    profile_probs : array_like, shape (D, S_0 * ... * S_{n-1}) or (S_0 * ... * S_{n-1},)
        Probability of each profile of plans, profiles flattened in C order (the last
        player's plan varying fastest); a 1-D array is used for every draw. A product
        of mixed strategies or a correlated distribution alike.

    Returns
    -------
    ndarray of float, shape (D, T)
        Probability of each terminal (in ``nf.terminals`` order), chance in expectation.

    Raises
    ------
    ValueError
        If ``profile_probs`` has the wrong shape.
    """
    sizes = tuple(C.shape[0] for C in nf.consistency)
    n_profiles = int(np.prod(sizes, dtype=int))
    D = nf.chance_weight.shape[0]
    q = np.asarray(profile_probs, dtype=float)
    if q.ndim == 1:
        q = np.broadcast_to(q, (D, q.shape[0]))
    if q.shape != (D, n_profiles):
        raise ValueError(
            f"profile_probs must have shape ({D}, {n_profiles}) or ({n_profiles},) for "
            f"plan counts {sizes}, got {np.shape(profile_probs)}"
        )
    q = q.reshape(D, *sizes)
    operands: list[Any] = [q, [0, *range(1, len(sizes) + 1)]]
    term = len(sizes) + 1
    for i, C in enumerate(nf.consistency):
        operands += [C, [i + 1, term]]
    reach = np.einsum(*operands, [0, term], optimize=True)
    return np.asarray(reach * nf.chance_weight)
