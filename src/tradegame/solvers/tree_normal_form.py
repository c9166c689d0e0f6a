r"""The reduced normal form of general game trees, over all draws.

The normal form of any finite :class:`~tradegame.model.tree.GameTree`: plays of
different lengths, outcomes on non-terminal nodes, information sets of any shape,
imperfect recall (e.g. the absent-minded driver of Piccione & Rubinstein 1997) and
one-player trees. All payoffs and chance probabilities carry the tree's draw axis
of length ``D``; every array operation works on all draws at once. The terminals
in preorder (:func:`~tradegame.solvers.tree_solvers.terminals`) index the last
axis ``T`` of every per-terminal array here, and their payoffs are those of
:func:`~tradegame.solvers.tree_solvers.terminal_payoffs`.

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
from tradegame.solvers.tree_solvers import terminal_payoffs, terminals

__all__ = [
    "DEFAULT_PLAN_LIMIT",
    "TreeNormalForm",
    "plan_labels",
    "play_out",
    "tree_normal_form",
    "tree_reduced_strategies",
]

#: A reduced pure strategy: information set key -> action index, at the sets it reaches.
TreePlan = dict[Hashable, int]

#: Per-player limit on the number of reduced strategies.
DEFAULT_PLAN_LIMIT = 100_000


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
