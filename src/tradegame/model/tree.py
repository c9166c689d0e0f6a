r"""Explicit game trees (networkx) over a draw axis: inspection, plotting, checking, Gambit files.

The solvers work on payoff arrays over all draws at once
(:mod:`tradegame.solvers.backward_induction`); a :class:`GameTree` is the same game
written out node by node, as in the textbook definition of an extensive game (Kuhn
1953; Osborne & Rubinstein 1994, Definition 200.1). All draws share the tree's
structure; only payoffs and chance probabilities vary, so a tree carries a leading
draw axis of length ``D`` on those (``D = 1`` for a single game; leading axes of
shape :attr:`GameTree.draw_shape` are flattened in C order, and a draw is named by
its flat index or by a tuple over those axes). It is used to draw the tree, to write
Gambit ``.efg`` files, and as an independent, obviously-correct reference:
:meth:`GameTree.subgame_values` solves every subgame by explicit recursion over the
graph, vectorised over the draws at each node.

Accessors take ``draw=`` (default ``0``, the only draw of a single game) and return
that draw's values with the single-game shapes; ``draw=None`` returns all draws with
a leading axis of length ``D``. So single-draw trees behave exactly as before.

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
``draw_probs``
    Chance nodes: the action probabilities of every draw, shape ``(D, A)``.
``probs``
    Chance nodes: draw 0's probabilities, a tuple of ``A`` floats (the single game's
    for ``D = 1``; kept for single-draw readers such as the Gambit writer).
``draw_payoffs``, ``payoffs``, ``outcome``
    The payoffs of an outcome attached to the node for every draw (shape ``(D, n)``),
    draw 0's payoff vector (shape ``(n,)``) and the outcome's label; or ``None``,
    ``None`` and ``""``. A terminal history's payoff is the sum of the outcomes along
    it (Gambit's convention; trees built from stages only have outcomes at terminal
    nodes).
``stage``
    The stage index for trees built from stages, else ``None``.

Edges carry ``action`` (the index), ``label``, ``prob`` (draw 0's probability) and
``draw_prob`` (shape ``(D,)``); the last two are ``None`` off chance nodes.

A graph built by hand (or read from Gambit) may give only the single-draw attributes
``probs`` and ``payoffs``; the constructor then fills in the ``draw_*`` ones with
``D = 1``. When ``D = 1`` the single-draw attributes are authoritative (so editing
them and building a new :class:`GameTree` on the graph works as before); when
``D > 1`` the ``draw_*`` attributes are, and the single-draw ones are rewritten to
draw 0.
"""

from __future__ import annotations

import itertools
from collections.abc import Hashable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

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

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["GameTree", "Node", "Profile"]

Node = tuple[int, ...]

#: A behaviour profile: for each information set key, an action index or a probability
#: vector over the actions. Chance nodes use their own probabilities.
Profile = Mapping[Hashable, int | Sequence[float] | NDArray[np.floating]]

_KINDS = ("decision", "chance", "terminal")


class GameTree:
    """A finite extensive game over ``D`` draws, stored as a networkx ``DiGraph``.

    Parameters
    ----------
    graph : networkx.DiGraph
        Nodes and edges with the attributes described in the module docstring; the
        root is ``()``.
    players : sequence of str
        Player names; payoff vectors are in this order.
    title, comment : str
        Carried to and from Gambit files.
    draw_shape : tuple of int, optional
        Shape of the draw axes flattened into the ``D`` draws (``prod(draw_shape) ==
        D``); defaults to ``()`` for ``D = 1`` and ``(D,)`` otherwise.

    Attributes
    ----------
    n_draws : int
        ``D``, the number of draws.
    draw_shape : tuple of int
    """

    def __init__(
        self,
        graph: nx.DiGraph,
        players: Sequence[str],
        title: str = "",
        comment: str = "",
        draw_shape: tuple[int, ...] | None = None,
    ) -> None:
        self.graph = graph
        self.players = tuple(players)
        self.title = title
        self.comment = comment
        self.n_draws = 1
        self.draw_shape: tuple[int, ...] = ()
        self._check(draw_shape)

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
        """Build the tree of a stage game, for one draw or a batch of draws.

        A history that ended the game at a stage with :attr:`Stage.ends` is a
        terminal node, with the payoffs of its canonical history (later stages at
        their first action); the phantom continuations below it are not built.

        Parameters
        ----------
        V : array_like, shape (..., n, A_0, ..., A_{k-1})
            Payoffs; the leading axes (shape ``lead``, possibly ``()``) are flattened
            to ``D = prod(lead)`` draws and remembered as :attr:`draw_shape`.
        stages : sequence of Stage
        players : sequence of str
        chance_probs : sequence or mapping, optional
            As in :func:`tradegame.solvers.backward_induction.backward_induction`,
            each of shape ``(..., A_s)`` broadcastable to ``lead + (A_s,)`` (e.g.
            ``(A_s,)`` for all draws alike).
        title : str, optional

        Returns
        -------
        GameTree
            Terminal nodes carry ``draw_payoffs`` of shape ``(D, n)``, chance nodes
            ``draw_probs`` of shape ``(D, A_s)``.
        """
        stages = check_stages(stages, players)
        arr, lead = check_payoffs(V, stages, players)
        probs = check_chance_probs(chance_probs, stages, lead)
        D = int(np.prod(lead, dtype=int))
        k = len(stages)
        flat = arr.reshape(D, *arr.shape[len(lead) :])
        flat_probs = {s: np.asarray(p, dtype=float).reshape(D, -1) for s, p in probs.items()}
        import networkx as nx  # imported when a tree is built: slow to import

        g = nx.DiGraph()
        for s in range(k + 1):
            for h in itertools.product(*(range(len(st.actions)) for st in stages[:s])):
                end = ended_at(stages, h)
                if end is not None and end < s - 1:
                    continue  # below a history that already ended
                if s == k or end is not None:
                    label = "/".join(stages[t].actions[a] for t, a in enumerate(h))
                    full = (*h, *(0,) * (k - s))  # the canonical history
                    pay = np.array(flat[(slice(None), *_column(full))], dtype=float)
                    g.add_node(
                        h,
                        kind="terminal",
                        name="",
                        draw_payoffs=pay,
                        payoffs=pay[0].copy(),
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
                    "draw_payoffs": None,
                    "payoffs": None,
                    "outcome": "",
                    "stage": s,
                }
                if st.is_chance:
                    p = flat_probs[s].copy()
                    attrs.update(kind="chance", draw_probs=p, probs=tuple(float(x) for x in p[0]))
                else:
                    attrs.update(kind="decision", player=st.mover)
                g.add_node(h, **attrs)
                if s > 0:
                    _add_edge(g, h[:-1], h)
        return cls(g, players, title=title, draw_shape=lead)

    def for_draw(self, draw: int | tuple[int, ...] = 0) -> GameTree:
        """The single-draw tree (``D = 1``) of one draw.

        Parameters
        ----------
        draw : int or tuple of int, default 0
            Flat index in ``range(D)``, or an index tuple over :attr:`draw_shape`.

        Returns
        -------
        GameTree
            A copy sharing no arrays with this tree; equal to the tree built from that
            draw's payoffs and probabilities alone.
        """
        d = self.draw_index(draw)
        g = self.graph.copy()
        for _, a in g.nodes(data=True):
            if a.get("draw_payoffs") is not None:
                a["payoffs"] = np.array(a["draw_payoffs"][d], dtype=float)
            if a["kind"] == "chance":
                a["probs"] = tuple(float(x) for x in a["draw_probs"][d])
            a.pop("draw_payoffs", None)
            a.pop("draw_probs", None)
        for u, v, e in g.edges(data=True):
            e.pop("draw_prob", None)
            if g.nodes[u]["kind"] == "chance":
                e["prob"] = g.nodes[u]["probs"][v[-1]]
        return GameTree(g, self.players, title=self.title, comment=self.comment)

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
        """The attribute dictionary of a node (``probs`` and ``payoffs`` are draw 0's)."""
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

    def terminal_payoffs(
        self, node: Node, draw: int | tuple[int, ...] | None = 0
    ) -> NDArray[np.floating]:
        """Total payoffs at a terminal node: the sum of outcomes along its history.

        Parameters
        ----------
        node : Node
        draw : int, tuple of int or None, default 0
            Which draw; ``None`` for all.

        Returns
        -------
        ndarray of float, shape (n,) or, for ``draw=None``, (D, n)
        """
        sel = self._select(draw)
        total = np.zeros((len(sel), len(self.players)))
        for depth in range(len(node) + 1):
            p = self.graph.nodes[node[:depth]].get("draw_payoffs")
            if p is not None:
                total = total + p[sel]
        return total if draw is None else total[0]

    def chance_probs(
        self, node: Node, draw: int | tuple[int, ...] | None = 0
    ) -> NDArray[np.floating]:
        """Action probabilities at a chance node.

        Returns
        -------
        ndarray of float, shape (A,) or, for ``draw=None``, (D, A)
        """
        d = self.graph.nodes[node]
        if d["kind"] != "chance":
            raise ValueError(f"node {node} is not a chance node")
        p = np.asarray(d["draw_probs"], dtype=float)
        return p.copy() if draw is None else p[self.draw_index(draw)].copy()

    def is_perfect_information(self) -> bool:
        """Whether every information set has a single node."""
        return all(len(m) == 1 for m in self.infosets().values())

    # ------------------------------------------------------------------ draws
    def draw_index(self, draw: int | tuple[int, ...]) -> int:
        """The flat index in ``range(D)`` of a draw given flat (negative counts from the
        end) or as an index tuple over :attr:`draw_shape`."""
        if isinstance(draw, tuple):
            if len(draw) != len(self.draw_shape):
                raise ValueError(f"draw index {draw} does not match draw axes {self.draw_shape}")
            try:
                return int(np.ravel_multi_index(draw, self.draw_shape))
            except ValueError:
                raise ValueError(
                    f"draw {draw} is out of range for draw axes {self.draw_shape}"
                ) from None
        d = int(draw)
        if not -self.n_draws <= d < self.n_draws:
            raise ValueError(f"draw {d} is out of range for {self.n_draws} draw(s)")
        return d % self.n_draws

    def _select(self, draw: int | tuple[int, ...] | None) -> NDArray[np.intp]:
        """Indices of the draws an accessor works on: all for ``None``, else one."""
        if draw is None:
            return np.arange(self.n_draws)
        return np.array([self.draw_index(draw)])

    # ------------------------------------------------------------------ strategies
    def _action_probs(
        self, node: Node, profile: Profile | None, sel: NDArray[np.intp]
    ) -> NDArray[np.floating]:
        """Action probabilities of the selected draws at a node, shape ``(len(sel), A)``."""
        d = self.graph.nodes[node]
        n_act = len(d["actions"])
        if d["kind"] == "chance":
            return np.asarray(d["draw_probs"], dtype=float)[sel]
        if profile is None or d["infoset"] not in profile:
            raise ValueError(f"the profile gives no action at information set {d['infoset']!r}")
        choice = profile[d["infoset"]]
        if isinstance(choice, int | np.integer):
            row = (np.arange(n_act) == int(choice)).astype(float)
            return np.broadcast_to(row, (len(sel), n_act))
        arr = np.asarray(choice, dtype=float)
        if arr.shape == (n_act,):
            return np.broadcast_to(arr, (len(sel), n_act))
        if arr.shape == (self.n_draws, n_act):
            return arr[sel]
        raise ValueError(
            f"profile at {d['infoset']!r} must have {n_act} probabilities "
            f"(or shape ({self.n_draws}, {n_act}), one row per draw)"
        )

    def profile_from_arrays(
        self, strategy: Sequence[ArrayLike | None], draw: int | tuple[int, ...] | None = None
    ) -> dict[Hashable, Any]:
        """Turn per-stage strategy arrays into a profile keyed by information set.

        Only for trees built with :meth:`from_stages`.

        Parameters
        ----------
        strategy : sequence of (array_like of int or None)
            ``strategy[s]`` of shape ``(A_0, ..., A_{s-1})`` (one draw, used for all
            draws) or ``draw_shape + (A_0, ..., A_{s-1})`` (every draw, as in
            :class:`~tradegame.solvers.backward_induction.BackwardInductionResult`
            for the batch the tree was built from).
        draw : int, tuple of int or None, optional
            With per-draw arrays: pick this draw. Ignored for one-draw arrays.

        Returns
        -------
        dict
            Information set key -> action index (one-draw arrays, or ``draw`` given),
            or -> one-hot array of shape ``(D, A)`` (per-draw arrays, ``draw=None``).
        """
        profile: dict[Hashable, Any] = {}
        nd = len(self.draw_shape)
        for n in self.nodes("decision"):
            d = self.graph.nodes[n]
            if d["infoset"] in profile:
                continue
            arr = strategy[d["stage"]]
            if arr is None:
                raise ValueError(f"no strategy given for stage {d['stage']}")
            a = np.asarray(arr)
            if a.ndim == len(n):  # one draw
                profile[d["infoset"]] = int(a[n])
                continue
            if a.shape[:nd] != self.draw_shape or a.ndim != nd + len(n):
                raise ValueError(
                    f"strategy for stage {d['stage']} has shape {a.shape}; expected "
                    f"{self.draw_shape} + (A_0, ..., A_{{s-1}}) or one draw's shape"
                )
            idx: tuple[slice | int, ...] = (slice(None), *n)
            per_draw = a.reshape(self.n_draws, *a.shape[nd:])[idx]
            if draw is not None:
                profile[d["infoset"]] = int(per_draw[self.draw_index(draw)])
            else:
                n_act = len(d["actions"])
                profile[d["infoset"]] = (per_draw[:, None] == np.arange(n_act)).astype(float)
        return profile

    def reach_probabilities(
        self, profile: Profile, draw: int | tuple[int, ...] | None = 0
    ) -> dict[Node, Any]:
        """Probability of reaching each node under a profile.

        Parameters
        ----------
        profile : mapping
        draw : int, tuple of int or None, default 0
            One draw: ``{node: float}`` for the nodes reached with positive
            probability. ``None``: ``{node: ndarray of shape (D,)}`` for the nodes
            reached with positive probability in some draw.
        """
        sel = self._select(draw)
        out: dict[Node, NDArray[np.floating]] = {(): np.ones(len(sel))}
        stack: list[Node] = [()]
        while stack:
            n = stack.pop()
            if self.graph.nodes[n]["kind"] == "terminal":
                continue
            w = self._action_probs(n, profile, sel)
            for a in range(w.shape[1]):
                if np.any(w[:, a] > 0):
                    child = (*n, a)
                    out[child] = out[n] * w[:, a]
                    stack.append(child)
        if draw is None:
            return dict(sorted(out.items()))
        return {k: float(v[0]) for k, v in sorted(out.items())}

    def path(self, profile: Profile, draw: int | tuple[int, ...] | None = 0) -> list[Node]:
        """Nodes reached with positive probability under a profile, in preorder.

        Without chance moves or mixing this is the single play of the game. With
        ``draw=None``, the nodes reached in some draw.
        """
        return list(self.reach_probabilities(profile, draw))

    def subgame_values(
        self, profile: Profile | None = None, draw: int | tuple[int, ...] | None = 0
    ) -> dict[Node, NDArray[np.floating]]:
        """Value (payoff vector) of the subgame at every node, by explicit recursion.

        The recursion visits each node once and works on all selected draws at once
        (NumPy over the draw axis at each node).

        Parameters
        ----------
        profile : mapping, optional
            If given, the expected payoffs when everyone follows ``profile`` from each
            node on. If omitted, the subgame-perfect values by backward induction
            (perfect information only; ties to the lowest action index), computed node
            by node, independently of the vectorised solver.
        draw : int, tuple of int or None, default 0
            Which draw; ``None`` for all.

        Returns
        -------
        dict
            Node -> ndarray of shape ``(n,)``, or ``(D, n)`` for ``draw=None``.
        """
        values = self._recurse(profile, self._select(draw))[0]
        if draw is None:
            return values
        return {k: v[0] for k, v in values.items()}

    def subgame_choices(self, draw: int | tuple[int, ...] | None = 0) -> dict[Node, Any]:
        """The backward-induction action at every decision node (lowest index among ties).

        Returns
        -------
        dict
            Node -> int, or -> ndarray of int of shape ``(D,)`` for ``draw=None``.
        """
        choices = self._recurse(None, self._select(draw))[1]
        if draw is None:
            return choices
        return {k: int(v[0]) for k, v in choices.items()}

    def _recurse(
        self, profile: Profile | None, sel: NDArray[np.intp]
    ) -> tuple[dict[Node, NDArray[np.floating]], dict[Node, NDArray[np.intp]]]:
        """Values ``(len(sel), n)`` and choices ``(len(sel),)`` at every node."""
        if profile is None and not self.is_perfect_information():
            raise ValueError("backward induction needs perfect information (singleton infosets)")
        values: dict[Node, NDArray[np.floating]] = {}
        choices: dict[Node, NDArray[np.intp]] = {}
        index = {p: i for i, p in enumerate(self.players)}
        rows = np.arange(len(sel))
        total = {n: self._outcome_sum(n, sel) for n in self.nodes("terminal")}

        def visit(n: Node) -> NDArray[np.floating]:
            d = self.graph.nodes[n]
            if d["kind"] == "terminal":
                v = total[n]
            else:
                cv = np.stack([visit(c) for c in self.children(n)])  # (A, D', n)
                if d["kind"] == "decision" and profile is None:
                    best = np.argmax(cv[:, :, index[d["player"]]], axis=0)  # first maximum
                    choices[n] = best
                    v = cv[best, rows]
                else:
                    w = self._action_probs(n, profile, sel)
                    v = np.zeros((len(sel), len(self.players)))
                    for a in range(cv.shape[0]):
                        v = v + w[:, a, None] * cv[a]
            values[n] = v
            return v

        visit(())
        return dict(sorted(values.items())), choices

    def _outcome_sum(self, node: Node, sel: NDArray[np.intp]) -> NDArray[np.floating]:
        total = np.zeros((len(sel), len(self.players)))
        for depth in range(len(node) + 1):
            p = self.graph.nodes[node[:depth]].get("draw_payoffs")
            if p is not None:
                total = total + p[sel]
        return total

    # ------------------------------------------------------------------ checks
    def _check(self, draw_shape: tuple[int, ...] | None) -> None:
        g = self.graph
        if () not in g:
            raise ValueError("a game tree needs the root node ()")
        n_pl = len(self.players)
        sizes = {
            int(np.shape(d[key])[0])
            for _, d in g.nodes(data=True)
            for key in ("draw_payoffs", "draw_probs")
            if d.get(key) is not None and np.ndim(d[key]) == 2
        }
        D = max(sizes, default=1)
        if sizes - {1, D}:
            raise ValueError(f"nodes disagree on the number of draws: {sorted(sizes)}")
        if draw_shape is None:
            draw_shape = () if D == 1 else (D,)
        draw_shape = tuple(int(x) for x in draw_shape)
        if int(np.prod(draw_shape, dtype=int)) != D:
            raise ValueError(f"draw_shape {draw_shape} does not hold {D} draws")
        self.n_draws, self.draw_shape = D, draw_shape
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
                if D == 1 or d.get("draw_probs") is None:
                    p = np.asarray(d.get("probs", ()), dtype=float)[None]
                else:
                    p = np.asarray(d["draw_probs"], dtype=float)
                if (
                    p.ndim != 2
                    or p.shape[1] != n_act
                    or np.any(p < 0)
                    or np.any(np.abs(p.sum(axis=1) - 1) > 1e-9)
                ):
                    raise ValueError(
                        f"node {n}: chance probabilities must be {n_act} numbers summing to 1"
                    )
                p = np.broadcast_to(p, (D, n_act))
                d["draw_probs"] = p
                if D > 1:  # else the plain attributes are the source, left as given
                    d["probs"] = tuple(float(x) for x in p[0])
                for a in range(n_act):
                    if g.has_edge(n, (*n, a)):
                        e = g.edges[n, (*n, a)]
                        e["draw_prob"] = p[:, a]
                        if D > 1:
                            e["prob"] = d["probs"][a]
            if kind != "chance" and kind != "terminal":
                for a in range(n_act):
                    if g.has_edge(n, (*n, a)):
                        g.edges[n, (*n, a)].setdefault("draw_prob", None)
            if D == 1 or d.get("draw_payoffs") is None:
                pay = d.get("payoffs")
                if pay is not None and np.ndim(pay) != 1:
                    raise ValueError(f"node {n}: payoffs must have one entry per player")
                q = None if pay is None else np.asarray(pay, dtype=float)[None]
            else:
                q = np.asarray(d["draw_payoffs"], dtype=float)
            if q is not None:
                if q.ndim != 2 or q.shape[1] != n_pl:
                    raise ValueError(f"node {n}: payoffs must have one entry per player")
                q = np.broadcast_to(q, (D, n_pl))
                if D > 1:
                    d["payoffs"] = np.array(q[0])
            d["draw_payoffs"] = q

    def iter_edges(self) -> Iterator[tuple[Node, Node, dict[str, Any]]]:
        """Edges ``(parent, child, attributes)`` in preorder of the child."""
        for child in self.nodes():
            if child:
                yield child[:-1], child, dict(self.graph.edges[child[:-1], child])


def _add_edge(g: nx.DiGraph, parent: Node, child: Node) -> None:
    d = g.nodes[parent]
    a = child[-1]
    prob = d["probs"][a] if d["kind"] == "chance" else None
    g.add_edge(parent, child, action=a, label=d["actions"][a], prob=prob, draw_prob=None)


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
