"""Gambit extensive games (``.efg``): :func:`read_efg` and :func:`write_efg`.

Trees are :class:`~tradegame.model.tree.GameTree` objects. How information sets
and outcomes are identified and numbered, and the checks and bounds of reading,
are described in :mod:`tradegame.interop.gambit` and :func:`read_efg`.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from tradegame.interop.gambit_text import (
    MAX_INDEX,
    Reader,
    Token,
    payoff_text,
    probability_texts,
    quoted,
    read_header,
    shown,
)
from tradegame.model.tree import GameTree, Node
from tradegame.scenario import load as _load
from tradegame.scenario import yaml_source as _yaml_source

if TYPE_CHECKING:
    pass

__all__ = ["MAX_TREE_DEPTH", "MAX_TREE_NODES", "SOURCE_KEY", "read_efg", "write_efg"]

#: Most nodes of a ``.efg`` tree: the limit of scenarios' trees.
MAX_TREE_NODES = _load.MAX_TREE_NODES
#: Deepest node of a ``.efg`` tree, in moves from the root: the deepest a scenario file's
#: nesting (250 levels: the document, 'tree:', 'root:', then two per move) holds.
MAX_TREE_DEPTH = (_yaml_source.MAX_DEPTH - 2) // 2
#: The key of a tree's :class:`GambitSource` among its graph's attributes.
SOURCE_KEY = "gambit_source"
#: Largest denominator of the exact sum of a chance node's probabilities, in bits (about
#: 10^3010: room for decimals of up to 3,000 places, which is any float written out).
_MAX_SUM_BITS = 10_000


# ---------------------------------------------------------------------- .efg
def write_efg(tree: GameTree, player_labels: Sequence[str] | None = None) -> str:
    """Text of a Gambit ``.efg`` file for a :class:`~tradegame.model.tree.GameTree`.

    Information sets are numbered per player (chance is player 0) by their
    ``infoset`` keys, and outcomes globally by the nodes' ``outcome_key`` (nodes
    without one share an outcome when they have the same outcome label and
    payoffs), both in order of first appearance in preorder. Repeated non-empty
    labels of a player's information sets, or of outcomes, get ``" #2"``, ``" #3"``,
    ... (Gambit refuses repeats).

    Parameters
    ----------
    tree : GameTree
        One draw (``tree.n_draws == 1``).
    player_labels : sequence of str, optional
        The players' labels in the file, in the order of ``tree.players`` (default:
        the players' names, ``tree.players``).

    Returns
    -------
    str

    Raises
    ------
    ValueError
        The tree holds several draws (a Gambit file is one game: write
        ``tree.for_draw(d)``), ``player_labels`` has the wrong length, or nodes with
        the same ``outcome_key`` carry different outcome labels or payoffs.
    """
    if tree.n_draws != 1:
        raise ValueError(
            f"the tree holds {tree.n_draws} draws and a Gambit file one game; "
            "write tree.for_draw(d)"
        )
    players = tree.players
    labels = players if player_labels is None else tuple(player_labels)
    if len(labels) != len(players):
        raise ValueError(f"{len(labels)} player labels for {len(players)} players")
    pindex = {p: j + 1 for j, p in enumerate(players)}
    infoset_no: dict[tuple[int, Any], int] = {}
    infoset_label: dict[tuple[int, Any], str] = {}
    used_labels: set[tuple[int, str]] = set()
    per_player: dict[int, int] = {}
    outcomes = _Outcomes()
    lines = [
        f"EFG 2 R {quoted(tree.title)} {{ {' '.join(quoted(p) for p in labels)} }}",
        quoted(tree.comment),
        "",
    ]
    for node in tree.nodes():
        d = tree.graph.nodes[node]
        out = outcomes.text(node, d)
        if d["kind"] == "terminal":
            lines.append(f"t {quoted(d.get('name', ''))} {out}")
            continue
        pl = 0 if d["kind"] == "chance" else pindex[d["player"]]
        key = (pl, d["infoset"])
        if key not in infoset_no:
            per_player[pl] = per_player.get(pl, 0) + 1
            infoset_no[key] = per_player[pl]
            infoset_label[key] = _unique(str(d.get("infoset_label", "")), pl, used_labels)
        label = quoted(infoset_label[key])
        if d["kind"] == "chance":
            acts = " ".join(
                f"{quoted(a)} {p}"
                for a, p in zip(d["actions"], probability_texts(d["probs"]), strict=True)
            )
            lines.append(
                f"c {quoted(d.get('name', ''))} {infoset_no[key]} {label} {{ {acts} }} {out}"
            )
        else:
            acts = " ".join(quoted(a) for a in d["actions"])
            lines.append(
                f"p {quoted(d.get('name', ''))} {pl} {infoset_no[key]} {label} {{ {acts} }} {out}"
            )
    return "\n".join(lines) + "\n"


def _unique(label: str, scope: int, used: set[tuple[int, str]]) -> str:
    """Gambit (16.7) rejects repeated non-empty labels among a player's information sets
    (and among outcomes): suffix repeats with ``#2``, ``#3``, ..."""
    out, k = label, 1
    while label and (scope, out) in used:
        k += 1
        out = f"{label} #{k}"
    used.add((scope, out))
    return out


class _Outcomes:
    """The outcomes of a file being written: numbers, labels and payoffs, by identity."""

    def __init__(self) -> None:
        # identity -> (number, label as given, label as written, payoffs)
        self.known: dict[Hashable, tuple[int, str, str, tuple[float, ...]]] = {}
        self.used_labels: set[tuple[int, str]] = set()

    def text(self, node: Node, d: dict[str, Any]) -> str:
        """``0``, or the outcome's number, label and payoffs as written after a node."""
        pay = d.get("payoffs")
        if pay is None:
            return "0"
        label = str(d.get("outcome", ""))
        values = tuple(float(x) for x in pay)
        ident = d.get("outcome_key")
        key: Hashable = ("merged", label, values) if ident is None else ("key", ident)
        if key not in self.known:
            written = _unique(label, -1, self.used_labels)
            self.known[key] = (len(self.known) + 1, label, written, values)
        no, given, written, paid = self.known[key]
        if (given, paid) != (label, values):
            raise ValueError(
                f"node {node}: outcome {ident!r} has label {label!r} and payoffs {list(values)} "
                f"here, {given!r} and {list(paid)} at an earlier node"
            )
        return f"{no} {quoted(written)} {{ {', '.join(payoff_text(x) for x in paid)} }}"


@dataclass(slots=True)
class _EfgNode:
    """A node as :func:`read_efg` reads it, before the tree is built."""

    kind: str  # "c", "p" or "t"
    pos: int
    depth: int
    name: str
    infoset: tuple[int, int] | None
    outcome: int


@dataclass
class _Infoset:
    pos: int
    label: str | None
    actions: tuple[str, ...] | None = None
    probs: tuple[Fraction, ...] | None = None
    defined_at: int = 0


def read_efg(text: str) -> GameTree:
    """Parse a Gambit ``.efg`` file into a :class:`~tradegame.model.tree.GameTree`.

    Information sets are keyed ``(player number, infoset number)`` (player 0 is
    chance), and a node with an outcome records the outcome's number as
    ``outcome_key`` (:func:`write_efg` keeps outcomes apart by it); nodes are the
    tuples of action indices from the root, as everywhere. The tree's graph keeps
    where each node is in the file (:func:`source_of`).

    Checked as Gambit checks them (16.7): every information set has actions, and
    one that is given again has the same labels (and, for chance, probabilities);
    chance probabilities are non-negative and sum to exactly one (in rationals:
    ``0.5`` is exactly 1/2); an outcome given again has the same label and
    payoffs; player numbers are in range. Players' labels must differ (a tree
    tells its players apart by them; Gambit renames repeats). Bounded before the
    tree is built: at most :data:`MAX_FILE_BYTES` of text, :data:`MAX_TREE_NODES`
    nodes, nodes at most :data:`MAX_TREE_DEPTH` moves deep, payoffs within the
    range of floats (also summed along each play, as a terminal node pays the
    outcomes on its path).

    Raises
    ------
    GambitFormatError
        With the line and column of the problem in ``text``.
    """
    r = Reader(text)
    title, players = read_header(r, "EFG", "2")
    # A tree names its players by their labels: two players with one label would merge.
    first_of: dict[str, int] = {}
    for i, name in enumerate(players):
        j = first_of.setdefault(name, i)
        if j != i:
            raise r.src.error(
                f"player {i + 1} has the label {shown(name)} of player {j + 1}; tradegame "
                "tells the players of a tree apart by their labels",
                ("player", i),
            )
    comment = r.string("comment") if r.at("str") else ""
    infosets: dict[tuple[int, int], _Infoset] = {}
    outcomes: dict[int, tuple[str, NDArray[np.floating], int]] = {}
    nodes: list[_EfgNode] = []
    # Open nodes as [depth, children still to read]: ints only, so a deep chain costs
    # little until it is refused.
    stack: list[list[int]] = []
    too_deep: _EfgNode | None = None
    while not r.done():
        if nodes and not stack:
            raise r.fail("this node is outside the tree (the tree is already complete)")
        depth = stack[-1][0] + 1 if stack else 0
        if stack:
            stack[-1][1] -= 1
            if stack[-1][1] == 0:
                stack.pop()
        kind_tok = r.expect("word", what="a node type (c, p or t)")
        kind = kind_tok.text
        if kind not in ("c", "p", "t"):
            raise r.fail(f"unknown node type {shown(kind)}: expected c, p or t", kind_tok)
        if len(nodes) == MAX_TREE_NODES:
            raise r.fail(
                f"the tree has more than {MAX_TREE_NODES:,} nodes, the most tradegame reads",
                kind_tok,
            )
        name = r.string("node label")
        key = None
        if kind != "t":
            key = _efg_infoset(r, kind, players, infosets)
        outcome = _efg_outcome(r, players, outcomes)
        node = _EfgNode(kind, kind_tok.pos, depth, name, key, outcome)
        nodes.append(node)
        if depth > MAX_TREE_DEPTH and too_deep is None:
            too_deep = node
        if key is not None:
            actions = infosets[key].actions
            assert actions is not None
            stack.append([depth, len(actions)])
    if not nodes:
        raise r.fail("the file has no nodes")
    if stack:
        raise r.fail(
            f"the file ends before the tree is complete ({sum(s[1] for s in stack):,} more "
            "nodes are needed)"
        )
    if too_deep is not None:
        deepest = max(x.depth for x in nodes)
        raise r.fail(
            f"the tree has plays {deepest} moves long; tradegame reads trees at most "
            f"{MAX_TREE_DEPTH} moves deep (the most a scenario file's nesting holds)",
            Token("", "", too_deep.pos),
        )
    return _efg_tree(r, nodes, infosets, outcomes, players, title, comment)


def _efg_infoset(
    r: Reader, kind: str, players: tuple[str, ...], infosets: dict[tuple[int, int], _Infoset]
) -> tuple[int, int]:
    """Read a node's information set (player, number, label, actions) and check it."""
    if kind == "c":
        pl = 0
    else:
        tok = r.peek()
        pl = r.integer("player number", MAX_INDEX)
        if not 1 <= pl <= len(players):
            raise r.fail(
                f"player number {pl} out of range: the game has {len(players)} players", tok
            )
    no = r.integer("information set number", MAX_INDEX)
    who = "chance" if pl == 0 else f"player {pl}"
    key = (pl, no)
    info = infosets.get(key)
    label_tok = r.peek() if r.at("str") else None
    label = r.string("information set label") if label_tok is not None else None
    if info is None:
        info = infosets[key] = _Infoset(r.toks[r.i - 1].pos, label)
    elif label is not None and info.label is not None and label != info.label:
        raise r.fail(
            f"information set {no} of {who} is labelled {shown(label)} here and "
            f"{shown(info.label)} at {_at(r, info.pos)}",
            label_tok,
        )
    elif info.label is None:
        info.label = label
    if not r.at("brace", "{"):
        if info.actions is None:
            raise r.fail(f"information set {no} of {who} is used before its actions are given")
        return key
    opening = r.next("'{'")
    acts: list[str] = []
    probs: list[Fraction] = []
    total = Fraction(0)
    while not r.at("brace", "}"):
        acts.append(r.string("action label"))
        if kind == "c":
            p, tok = r.exact("chance probability")
            if p < 0:
                raise r.fail(f"chance probability {tok.text} is negative", tok)
            if p > 1:
                raise r.fail(f"chance probability {tok.text} is over 1", tok)
            probs.append(p)
            total += p
            # Exact sums of fractions with unrelated denominators grow without bound (a
            # thousand 1000-digit primes: a million digits, and quadratic arithmetic).
            if total.denominator.bit_length() > _MAX_SUM_BITS:
                raise r.fail(
                    "the chance probabilities up to this one have no common denominator "
                    f"under 10^{int(_MAX_SUM_BITS * math.log10(2))}: too fine to add exactly",
                    tok,
                )
    r.i += 1
    if not acts:
        raise r.fail(f"information set {no} of {who} has no actions", opening)
    if kind == "c" and total != 1:
        raise r.fail(
            f"the chance probabilities of information set {no} sum to {_sum_text(total)}, "
            "not exactly 1 (Gambit adds them exactly: 1/3 is not 0.3333)",
            opening,
        )
    if info.actions is None:
        info.actions, info.defined_at = tuple(acts), opening.pos
        info.probs = tuple(probs) if kind == "c" else None
    elif len(acts) != len(info.actions):
        raise r.fail(
            f"information set {no} of {who} has {len(acts)} actions here and "
            f"{len(info.actions)} at {_at(r, info.defined_at)}",
            opening,
        )
    elif tuple(acts) != info.actions:
        raise r.fail(
            f"information set {no} of {who} has other action labels here than at "
            f"{_at(r, info.defined_at)}",
            opening,
        )
    elif kind == "c" and tuple(probs) != info.probs:
        raise r.fail(
            f"information set {no} of chance has other probabilities here than at "
            f"{_at(r, info.defined_at)}",
            opening,
        )
    return key


def _efg_outcome(
    r: Reader,
    players: tuple[str, ...],
    outcomes: dict[int, tuple[str, NDArray[np.floating], int]],
) -> int:
    """Read a node's outcome number (and the outcome, when given) and check it."""
    o = r.integer("outcome number", MAX_INDEX)
    if not o:
        return 0
    label_tok = r.peek() if r.at("str") else None
    label = r.string("outcome label") if label_tok is not None else None
    known = outcomes.get(o)
    if r.at("brace", "{"):
        opening = r.peek()
        assert opening is not None
        pay = np.array(r.number_list("payoff"), dtype=float)
        if pay.shape != (len(players),):
            raise r.fail(
                f"outcome {o} needs {len(players)} payoffs, one per player, and has {len(pay)}",
                opening,
            )
        if known is None:
            outcomes[o] = (label or "", pay, opening.pos)
        elif not np.array_equal(pay, known[1]):
            raise r.fail(f"outcome {o} has other payoffs here than at {_at(r, known[2])}", opening)
    elif known is None:
        raise r.fail(f"outcome {o} is used before its payoffs are given", label_tok)
    if label is not None and known is not None and label != known[0]:
        raise r.fail(
            f"outcome {o} is labelled {shown(label)} here and {shown(known[0])} at "
            f"{_at(r, known[2])}",
            label_tok,
        )
    return o


def _efg_tree(
    r: Reader,
    nodes: list[_EfgNode],
    infosets: dict[tuple[int, int], _Infoset],
    outcomes: dict[int, tuple[str, NDArray[np.floating], int]],
    players: tuple[str, ...],
    title: str,
    comment: str,
) -> GameTree:
    """The tree of nodes read (and checked) by :func:`read_efg`."""
    import networkx as nx  # imported when a tree is built: slow to import

    g = nx.DiGraph()
    path: list[int] = []  # the action indices to the node being added
    next_child: list[int] = []  # per depth: the next child's action index
    sums: list[NDArray[np.floating]] = [np.zeros(len(players))]  # payoffs so far, by depth
    for x in nodes:
        if x.depth:
            del path[x.depth - 1 :], next_child[x.depth :], sums[x.depth + 1 :]
            path.append(next_child[x.depth - 1])
            next_child[x.depth - 1] += 1
        node: Node = tuple(path)
        r.marks[node] = x.pos
        attrs: dict[str, Any] = {"name": x.name, "stage": None}
        if x.infoset is not None:
            info = infosets[x.infoset]
            attrs.update(
                kind="chance" if x.kind == "c" else "decision",
                infoset=x.infoset,
                infoset_label=info.label or "",
                actions=info.actions,
            )
            if x.kind == "c":
                assert info.probs is not None
                attrs["probs"] = tuple(float(p) for p in info.probs)
            else:
                attrs["player"] = players[x.infoset[0] - 1]
        else:
            attrs["kind"] = "terminal"
        attrs["payoffs"], attrs["outcome"] = None, ""
        total = sums[x.depth]
        if x.outcome:
            label, pay, _ = outcomes[x.outcome]
            attrs["outcome"], attrs["payoffs"] = label, pay.copy()
            attrs["outcome_key"] = x.outcome
            with np.errstate(over="ignore"):
                total = total + pay
            if not np.all(np.isfinite(total)):
                raise r.fail(
                    "the payoffs of the outcomes on the play to this node add up to more "
                    "than the range of floating-point numbers (about ±1.8e308)",
                    Token("", "", x.pos),
                )
        sums.append(total)
        g.add_node(node, **attrs)
        if node:
            parent = g.nodes[node[:-1]]
            a = node[-1]
            prob = parent["probs"][a] if parent["kind"] == "chance" else None
            g.add_edge(node[:-1], node, action=a, label=parent["actions"][a], prob=prob)
        if x.infoset is not None:
            next_child.append(0)
    g.graph[SOURCE_KEY] = r.src
    return GameTree(g, players, title=title, comment=comment)


def _at(r: Reader, pos: int) -> str:
    """``line L, column C`` of an offset, for messages that point at a second place."""
    line, column = r.src.position(pos)
    return f"line {line}, column {column}"


def _sum_text(s: Fraction) -> str:
    """A sum of probabilities as a message shows it: exactly when short, else roughly."""
    text = str(s)
    return text if len(text) <= 40 else f"about {float(s):.17g}"
