r"""Explicit game trees (networkx) for one draw: inspection, plotting, checking, Gambit files.

The solvers work on payoff arrays over all draws at once
(:mod:`tradegame.solvers.backward_induction`); a :class:`GameTree` is the same game
for *one* draw written out node by node, as in the textbook definition of an
extensive game (Kuhn 1953; Osborne & Rubinstein 1994, Definition 200.1). It is used
to draw the tree, to write Gambit ``.efg`` files, and as an independent, slow,
obviously-correct reference: :meth:`GameTree.subgame_values` solves every subgame
by explicit recursion over the graph.

Nodes are identified by the tuple of action indices that leads to them from the
root (the root is ``()``), so a node's children are ``node + (a,)``, and sorting
nodes sorts them in preorder (the order of Gambit's files). Node attributes:

``kind``
    ``"decision"``, ``"chance"`` or ``"terminal"``.
``name``
    The node's label (``""`` if none).
``player``
    Decision nodes: the mover's name.
``infoset``
    Decision and chance nodes: a hashable key; decision nodes with equal keys form
    one information set. For trees built from stages it is
    :func:`tradegame.model.stages.infoset_key`.
``infoset_label``
    The information set's label.
``actions``
    Decision and chance nodes: the action labels.
``probs``
    Chance nodes: the action probabilities.
``payoffs``, ``outcome``
    The payoff vector (shape ``(n,)``) and label of an outcome attached to the node,
    or ``None`` and ``""``. A terminal history's payoff is the sum of the outcomes
    along it (Gambit's convention; trees built from stages only have outcomes at
    terminal nodes).
``stage``
    The stage index for trees built from stages, else ``None``.

Edges carry ``action`` (the index), ``label`` and ``prob`` (chance edges, else None).
"""

from __future__ import annotations

import itertools
from collections.abc import Hashable, Iterator, Mapping, Sequence
from typing import Any

import networkx as nx
import numpy as np
from numpy.typing import ArrayLike, NDArray

from tradegame.model.stages import (
    ChanceProbs,
    Stage,
    check_chance_probs,
    check_payoffs,
    check_stages,
    ended_at,
    infoset_key,
    observed_stages,
)

__all__ = ["GameTree", "Node", "Profile"]

Node = tuple[int, ...]

#: A behaviour profile: for each information set key, an action index or a probability
#: vector over the actions. Chance nodes use their own probabilities.
Profile = Mapping[Hashable, int | Sequence[float] | NDArray[np.floating]]

_KINDS = ("decision", "chance", "terminal")


class GameTree:
    """A finite extensive game for one draw, stored as a networkx ``DiGraph``.

    Parameters
    ----------
    graph : networkx.DiGraph
        Nodes and edges with the attributes described in the module docstring; the
        root is ``()``.
    players : sequence of str
        Player names; payoff vectors are in this order.
    title, comment : str
        Carried to and from Gambit files.
    """

    def __init__(
        self, graph: nx.DiGraph, players: Sequence[str], title: str = "", comment: str = ""
    ) -> None:
        self.graph = graph
        self.players = tuple(players)
        self.title = title
        self.comment = comment
        self._check()

    # ------------------------------------------------------------------ building
    @classmethod
    def from_stages(
        cls,
        V: ArrayLike,
        stages: Sequence[Stage],
        players: Sequence[str],
        chance_probs: ChanceProbs = None,
        title: str = "",
    ) -> GameTree:
        """Build the tree of a stage game for one draw.

        A history that ended the game at a stage with :attr:`Stage.ends` is a
        terminal node, with the payoffs of its canonical history (later stages at
        their first action); the phantom continuations below it are not built.

        Parameters
        ----------
        V : array_like, shape (n, A_0, ..., A_{k-1})
            Payoffs of one draw (pass ``V[d]`` to pick draw *d* of a batch).
        stages : sequence of Stage
        players : sequence of str
        chance_probs : sequence or mapping, optional
            As in :func:`tradegame.solvers.backward_induction.backward_induction`,
            each of shape ``(A_s,)``.
        title : str, optional
        """
        stages = check_stages(stages, players)
        arr, lead = check_payoffs(V, stages, players)
        if lead:
            raise ValueError(
                f"a GameTree holds one draw: payoffs have draw axes {lead}; pass V[d] for draw d"
            )
        probs = check_chance_probs(chance_probs, stages, ())
        k = len(stages)
        g = nx.DiGraph()
        for s in range(k + 1):
            for h in itertools.product(*(range(len(st.actions)) for st in stages[:s])):
                end = ended_at(stages, h)
                if end is not None and end < s - 1:
                    continue  # below a history that already ended
                if s == k or end is not None:
                    label = "/".join(stages[t].actions[a] for t, a in enumerate(h))
                    full = (*h, *(0,) * (k - s))  # the canonical history
                    g.add_node(
                        h,
                        kind="terminal",
                        name="",
                        payoffs=np.asarray(arr[_column(full)], dtype=float).copy(),
                        outcome=label,
                        stage=None,
                    )
                    _add_edge(g, h[:-1], h)
                    continue
                st = stages[s]
                attrs: dict[str, Any] = {
                    "name": "",
                    "infoset": infoset_key(stages, s, h),
                    "infoset_label": _infoset_label(stages, s, h),
                    "actions": st.actions,
                    "payoffs": None,
                    "outcome": "",
                    "stage": s,
                }
                if st.is_chance:
                    attrs.update(kind="chance", probs=tuple(float(x) for x in probs[s]))
                else:
                    attrs.update(kind="decision", player=st.mover)
                g.add_node(h, **attrs)
                if s > 0:
                    _add_edge(g, h[:-1], h)
        return cls(g, players, title=title)

    # ------------------------------------------------------------------ queries
    @property
    def root(self) -> Node:
        return ()

    def __len__(self) -> int:
        return int(self.graph.number_of_nodes())

    def nodes(self, kind: str | None = None) -> list[Node]:
        """Nodes in preorder, optionally only those of one kind."""
        if kind is not None and kind not in _KINDS:
            raise ValueError(f"kind must be one of {_KINDS}, got {kind!r}")
        return sorted(
            n for n, d in self.graph.nodes(data=True) if kind is None or d["kind"] == kind
        )

    def node(self, node: Node) -> dict[str, Any]:
        """The attribute dictionary of a node."""
        return dict(self.graph.nodes[node])

    def children(self, node: Node) -> list[Node]:
        """Children in action order."""
        n_act = len(self.graph.nodes[node].get("actions", ()))
        return [(*node, a) for a in range(n_act)]

    def infosets(self, player: str | None = None) -> dict[Hashable, list[Node]]:
        """Decision-node information sets (key -> member nodes in preorder)."""
        out: dict[Hashable, list[Node]] = {}
        for n in self.nodes("decision"):
            d = self.graph.nodes[n]
            if player is None or d["player"] == player:
                out.setdefault(d["infoset"], []).append(n)
        return out

    def terminal_payoffs(self, node: Node) -> NDArray[np.floating]:
        """Total payoff vector at a terminal node: the sum of outcomes along its history."""
        total = np.zeros(len(self.players))
        for depth in range(len(node) + 1):
            p = self.graph.nodes[node[:depth]].get("payoffs")
            if p is not None:
                total = total + p
        return total

    def is_perfect_information(self) -> bool:
        """Whether every information set has a single node."""
        return all(len(m) == 1 for m in self.infosets().values())

    # ------------------------------------------------------------------ strategies
    def _action_probs(self, node: Node, profile: Profile | None) -> NDArray[np.floating]:
        d = self.graph.nodes[node]
        n_act = len(d["actions"])
        if d["kind"] == "chance":
            return np.asarray(d["probs"], dtype=float)
        if profile is None or d["infoset"] not in profile:
            raise ValueError(f"the profile gives no action at information set {d['infoset']!r}")
        choice = profile[d["infoset"]]
        if isinstance(choice, int | np.integer):
            return (np.arange(n_act) == int(choice)).astype(float)
        arr = np.asarray(choice, dtype=float)
        if arr.shape != (n_act,):
            raise ValueError(f"profile at {d['infoset']!r} must have {n_act} probabilities")
        return arr

    def profile_from_arrays(self, strategy: Sequence[ArrayLike | None]) -> dict[Hashable, int]:
        """Turn per-stage strategy arrays of one draw into a profile keyed by information set.

        Parameters
        ----------
        strategy : sequence of (array_like of int or None)
            ``strategy[s]`` of shape ``(A_0, ..., A_{s-1})`` as in
            :class:`~tradegame.solvers.backward_induction.BackwardInductionResult`
            (take draw *d* with ``[None if x is None else x[d] for x in res.strategy]``).
            Only for trees built with :meth:`from_stages`.
        """
        profile: dict[Hashable, int] = {}
        for n in self.nodes("decision"):
            d = self.graph.nodes[n]
            arr = strategy[d["stage"]]
            if arr is None:
                raise ValueError(f"no strategy given for stage {d['stage']}")
            profile.setdefault(d["infoset"], int(np.asarray(arr)[n]))
        return profile

    def reach_probabilities(self, profile: Profile) -> dict[Node, float]:
        """Probability of reaching each node under a profile (only positive ones)."""
        out: dict[Node, float] = {(): 1.0}
        stack: list[Node] = [()]
        while stack:
            n = stack.pop()
            if self.graph.nodes[n]["kind"] == "terminal":
                continue
            for a, p in enumerate(self._action_probs(n, profile)):
                if p > 0:
                    child = (*n, a)
                    out[child] = out[n] * float(p)
                    stack.append(child)
        return dict(sorted(out.items()))

    def path(self, profile: Profile) -> list[Node]:
        """Nodes reached with positive probability under a profile, in preorder.

        Without chance moves or mixing this is the single play of the game.
        """
        return list(self.reach_probabilities(profile))

    def subgame_values(self, profile: Profile | None = None) -> dict[Node, NDArray[np.floating]]:
        """Value (payoff vector) of the subgame at every node, by explicit recursion.

        Parameters
        ----------
        profile : mapping, optional
            If given, the expected payoffs when everyone follows ``profile`` from each
            node on. If omitted, the subgame-perfect values by backward induction
            (perfect information only; ties to the lowest action index), computed node
            by node, independently of the vectorised solver.
        """
        return self._recurse(profile)[0]

    def subgame_choices(self) -> dict[Node, int]:
        """The backward-induction action at every decision node (lowest index among ties)."""
        return self._recurse(None)[1]

    def _recurse(
        self, profile: Profile | None
    ) -> tuple[dict[Node, NDArray[np.floating]], dict[Node, int]]:
        if profile is None and not self.is_perfect_information():
            raise ValueError("backward induction needs perfect information (singleton infosets)")
        values: dict[Node, NDArray[np.floating]] = {}
        choices: dict[Node, int] = {}
        index = {p: i for i, p in enumerate(self.players)}

        def visit(n: Node) -> NDArray[np.floating]:
            d = self.graph.nodes[n]
            if d["kind"] == "terminal":
                v = self.terminal_payoffs(n)
            else:
                child_values = [visit(c) for c in self.children(n)]
                if d["kind"] == "decision" and profile is None:
                    i = index[d["player"]]
                    best = 0
                    for a, cv in enumerate(child_values):
                        if cv[i] > child_values[best][i]:
                            best = a
                    choices[n] = best
                    v = child_values[best]
                else:
                    w = self._action_probs(n, profile)
                    v = sum(
                        (float(p) * cv for p, cv in zip(w, child_values, strict=True)),
                        np.zeros(len(self.players)),
                    )
            values[n] = v
            return v

        visit(())
        return dict(sorted(values.items())), choices

    # ------------------------------------------------------------------ checks
    def _check(self) -> None:
        g = self.graph
        if () not in g:
            raise ValueError("a game tree needs the root node ()")
        for n, d in g.nodes(data=True):
            kind = d.get("kind")
            if kind not in _KINDS:
                raise ValueError(f"node {n}: kind must be one of {_KINDS}, got {kind!r}")
            n_act = len(d.get("actions", ()))
            if kind != "terminal":
                if n_act == 0:
                    raise ValueError(f"node {n}: a {kind} node needs actions")
                missing = [c for c in range(n_act) if (*n, c) not in g]
                if missing:
                    raise ValueError(f"node {n}: children for actions {missing} are missing")
            if kind == "decision" and d.get("player") not in self.players:
                raise ValueError(
                    f"node {n}: player {d.get('player')!r} is not one of {self.players}"
                )
            if kind == "chance":
                p = np.asarray(d.get("probs", ()), dtype=float)
                if p.shape != (n_act,) or np.any(p < 0) or abs(p.sum() - 1) > 1e-9:
                    raise ValueError(
                        f"node {n}: chance probabilities must be {n_act} numbers summing to 1"
                    )
            p = d.get("payoffs")
            if p is not None and np.shape(p) != (len(self.players),):
                raise ValueError(f"node {n}: payoffs must have one entry per player")

    def iter_edges(self) -> Iterator[tuple[Node, Node, dict[str, Any]]]:
        """Edges ``(parent, child, attributes)`` in preorder of the child."""
        for child in self.nodes():
            if child:
                yield child[:-1], child, dict(self.graph.edges[child[:-1], child])


def _add_edge(g: nx.DiGraph, parent: Node, child: Node) -> None:
    d = g.nodes[parent]
    a = child[-1]
    prob = d["probs"][a] if d["kind"] == "chance" else None
    g.add_edge(parent, child, action=a, label=d["actions"][a], prob=prob)


def _infoset_label(stages: Sequence[Stage], s: int, h: Sequence[int]) -> str:
    st = stages[s]
    # Chance "sees" the whole history: Gambit wants distinct labels for distinct sets.
    obs = tuple(range(s)) if st.is_chance else observed_stages(stages, s)
    if not obs:
        return st.name
    seen = ",".join(f"{stages[o].name}={stages[o].actions[h[o]]}" for o in obs)
    return f"{st.name}|{seen}"


def _column(h: Node) -> tuple[slice | int, ...]:
    """Index of the payoff vector of terminal history ``h`` in ``V[:, a_0, ..., a_{k-1}]``."""
    return (slice(None), *h)
