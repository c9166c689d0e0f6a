r"""Gambit's text formats: strategic games (``.nfg``) and extensive games (``.efg``).

Written from the format description in the Gambit manual ("Game representation
formats"; McKelvey, McLennan & Turocy, *Gambit: Software Tools for Game Theory*).
Whitespace is not significant outside double-quoted labels; inside labels a
double quote is escaped with a backslash. Gambit (16.7) reads a backslash before
any other character as itself (``x\wedge`` in a comment stays ``x\wedge``), so the
reader unescapes only ``\"`` and ``\\``, and the writer escapes a backslash only
where it must be: before a double quote or another backslash, and at the end of a
label. Numbers are integers, decimals or rationals ``p/q``.

Strategic games (``.nfg``) come in two versions. The *payoff* version::

    NFG 1 R "title" { "Player 1" "Player 2" } { { "s1" "s2" } { "t1" "t2" } }
    "comment"

    u1(s1,t1) u2(s1,t1)
    u1(s2,t1) u2(s2,t1)
    ...

has one line per pure-strategy profile, the *first* player's strategy varying fastest
(so the profiles are the C-order ravel of ``U`` transposed). The *outcome* version,
which is what Gambit itself writes (and the layout of every ``.nfg`` shipped with
Gambit), lists outcomes (label and payoffs), then an outcome number per profile in
the same order::

    NFG 1 R "title" { "Player 1" "Player 2" }

    { { "s1" "s2" }
    { "t1" "t2" }
    }
    "comment"

    {
    { "" u1(s1,t1), u2(s1,t1) }
    { "" u1(s2,t1), u2(s2,t1) }
    ...
    }
    1 2 ...

:func:`write_nfg` writes either (``version=``), the outcome version in exactly
Gambit's layout with one unlabelled outcome per profile. The reader accepts both,
and strategy counts (``{ 2 2 }``) instead of names.

Extensive games (``.efg``)::

    EFG 2 R "title" { "Player 1" "Player 2" }
    "comment"

    c "node" 1 "infoset" { "h" 1/3 "t" 2/3 } 0
    p "node" 1 1 "infoset" { "l" "r" } 0
    t "node" 1 "outcome" { 1, 2.5 }
    t "" 0
    ...

nodes in preorder: ``c`` chance (infoset number, label, actions with
probabilities), ``p`` personal (player number from 1, infoset number, label,
actions), ``t`` terminal; each ends with an outcome number (0 = none), followed
by the outcome's label and payoffs. The action list of an information set and the
label and payoffs of an outcome may be omitted when already given; the reader
accepts that and the writer always writes them in full, as Gambit does.

Identities. :func:`read_efg` keys each information set by ``(player number,
infoset number)`` and records each node's outcome number as ``outcome_key``;
:func:`write_efg` numbers information sets per player (chance is player 0) and
outcomes globally, both in order of first appearance in preorder, by those keys:
two outcomes stay two outcomes even when their labels and payoffs are equal. Nodes
without ``outcome_key`` (trees built from stages) share an outcome when they have
the same outcome label and payoffs. So ``write_efg(read_efg(text))`` is the file
renumbered in order of first appearance, which is how Gambit itself writes files.

Payoffs are written as integers, as ``p/q`` when they are the nearest float of
a simple fraction (denominator up to 10^6, not a finite decimal: 5/12, 1/3), else
as shortest round-trip decimals; chance probabilities as rationals (nearest with
denominator up to 10^9, the last one adjusted so that they sum to exactly one),
since Gambit computes with them exactly.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Literal

import networkx as nx
import numpy as np
from numpy.typing import ArrayLike, NDArray

from tradegame.model.tree import GameTree, Node

__all__ = ["GambitFormatError", "NfgGame", "read_efg", "read_nfg", "write_efg", "write_nfg"]


class GambitFormatError(ValueError):
    """A Gambit file could not be parsed; the message names the token position."""


@dataclass(frozen=True)
class NfgGame:
    """A strategic game read from or written to a ``.nfg`` file.

    Attributes
    ----------
    U : ndarray of float, shape (n, S_0, ..., S_{n-1})
        Payoffs in tradegame's convention (no draw axes).
    players : tuple of str
    strategy_labels : tuple of tuple of str
    title, comment : str
    """

    U: NDArray[np.floating]
    players: tuple[str, ...]
    strategy_labels: tuple[tuple[str, ...], ...]
    title: str = ""
    comment: str = ""


# ---------------------------------------------------------------------- lexing
_TOKEN = re.compile(r'"((?:[^"\\]|\\.)*)"|([{}])|,|([^\s{},"]+)', re.DOTALL)
#: Escapes Gambit reads: a double quote or a backslash after a backslash (any other
#: character after a backslash is read with the backslash, as Gambit does).
_UNESCAPE = re.compile(r'\\(["\\])')
#: Backslashes that must be escaped: before a double quote or a backslash, or last.
_MUST_ESCAPE = re.compile(r'\\(?=["\\]|\Z)')


@dataclass
class _Tok:
    kind: str  # "str", "brace", "word"
    text: str
    pos: int


def _tokens(text: str) -> list[_Tok]:
    out: list[_Tok] = []
    i = 0
    while True:
        while i < len(text) and text[i].isspace():
            i += 1
        if i >= len(text):
            return out
        m = _TOKEN.match(text, i)
        if m is None:
            raise GambitFormatError(f"unexpected character {text[i]!r} at offset {i}")
        if m.group(1) is not None:
            out.append(_Tok("str", _UNESCAPE.sub(r"\1", m.group(1)), i))
        elif m.group(2) is not None:
            out.append(_Tok("brace", m.group(2), i))
        elif m.group(3) is not None:
            out.append(_Tok("word", m.group(3), i))
        i = m.end()


class _Reader:
    def __init__(self, text: str) -> None:
        self.toks = _tokens(text)
        self.i = 0

    def peek(self) -> _Tok | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def next(self, what: str) -> _Tok:
        tok = self.peek()
        if tok is None:
            raise GambitFormatError(f"unexpected end of file, expected {what}")
        self.i += 1
        return tok

    def expect(self, kind: str, text: str | None = None, what: str = "") -> _Tok:
        tok = self.next(what or text or kind)
        if tok.kind != kind or (text is not None and tok.text != text):
            raise GambitFormatError(
                f"expected {what or text or kind} at offset {tok.pos}, got {tok.text!r}"
            )
        return tok

    def at(self, kind: str, text: str | None = None) -> bool:
        tok = self.peek()
        return tok is not None and tok.kind == kind and (text is None or tok.text == text)

    def string(self, what: str) -> str:
        return self.expect("str", what=what).text

    def number(self, what: str) -> float:
        tok = self.expect("word", what=what)
        try:
            return float(Fraction(tok.text))
        except (ValueError, ZeroDivisionError):
            raise GambitFormatError(
                f"expected a number ({what}) at offset {tok.pos}, got {tok.text!r}"
            ) from None

    def integer(self, what: str) -> int:
        tok = self.expect("word", what=what)
        if not re.fullmatch(r"\d+", tok.text):
            raise GambitFormatError(f"expected {what} at offset {tok.pos}, got {tok.text!r}")
        return int(tok.text)

    def string_list(self, what: str) -> list[str]:
        self.expect("brace", "{", what=f"'{{' opening {what}")
        out = []
        while not self.at("brace", "}"):
            out.append(self.string(what))
        self.i += 1
        return out

    def number_list(self, what: str) -> list[float]:
        self.expect("brace", "{", what=f"'{{' opening {what}")
        out = []
        while not self.at("brace", "}"):
            out.append(self.number(what))
        self.i += 1
        return out

    def done(self) -> bool:
        return self.i >= len(self.toks)


# ---------------------------------------------------------------------- writing helpers
def _q(label: str) -> str:
    """``label`` quoted so that :func:`_tokens` reads it back (and Gambit too, unless a
    backslash in it stands before a double quote or another backslash)."""
    return '"' + _MUST_ESCAPE.sub(r"\\\\", str(label)).replace('"', '\\"') + '"'


def _num(x: float) -> str:
    x = float(x)
    if not np.isfinite(x):
        raise ValueError(f"Gambit files cannot hold the non-finite number {x}")
    if x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    # Positional shortest round-trip form: Gambit reads decimals, not exponents.
    return np.format_float_positional(x, unique=True, trim="-")


def _fraction_of(x: float) -> Fraction:
    """A fraction that reads back as exactly ``x``: a simple one (1/3) if there is one,
    else the shortest decimal. It depends on ``x`` alone, so writing what was read
    gives the same text again (``limit_denominator`` of a float alone does not)."""
    simple = Fraction(x).limit_denominator(10**6)
    if float(simple) == x:
        return simple
    return Fraction(np.format_float_positional(x, unique=True, trim="-"))


def _simple_rational(x: float) -> Fraction | None:
    """The fraction ``p/q`` (``q`` up to 10^6, not a finite decimal) whose nearest float is
    ``x``, or None: ``0.41666666666666669`` is 5/12, ``0.1`` is a decimal (None)."""
    f = Fraction(x).limit_denominator(10**6)
    if float(f) != x:
        return None
    d = f.denominator
    for prime in (2, 5):
        while d % prime == 0:
            d //= prime
    return f if d != 1 else None


def _payoff_text(x: float) -> str:
    """A payoff as written: ``p/q`` for a simple fraction (Gambit computes with it exactly),
    else as :func:`_num`. It depends on ``x`` alone, so what is read is written back."""
    f = _simple_rational(float(x))
    return _num(x) if f is None else f"{f.numerator}/{f.denominator}"


def exact_number(x: float) -> Fraction:
    """The number Gambit reads for a payoff this module writes, exactly."""
    return Fraction(_payoff_text(x))


def exact_probabilities(p: Sequence[float]) -> list[Fraction]:
    """The probabilities Gambit reads for a chance node this module writes (they sum to 1)."""
    return [Fraction(x) for x in _probs(p)]


def _probs(p: Sequence[float]) -> list[str]:
    fr = [_fraction_of(float(x)) for x in p]
    rest = 1 - sum(fr[:-1], Fraction(0))
    if rest >= 0 and abs(float(rest) - float(p[-1])) < 1e-9:
        fr[-1] = rest  # exact sum one, as Gambit checks with exact arithmetic
    return [str(f) for f in fr]


# ---------------------------------------------------------------------- .nfg
def write_nfg(
    U: ArrayLike,
    players: Sequence[str],
    strategy_labels: Sequence[Sequence[str]] | None = None,
    title: str = "",
    comment: str = "",
    version: Literal["payoff", "outcome"] = "payoff",
) -> str:
    """Text of a Gambit ``.nfg`` file for one normal-form game.

    Parameters
    ----------
    U : array_like, shape (n, S_0, ..., S_{n-1})
        ``U[i, s_0, ..., s_{n-1}]`` is player *i*'s payoff (one draw: no batch axes).
        Payoffs are written as integers, ``p/q`` for a simple fraction (denominator
        up to 10^6, its nearest float given), else shortest round-trip decimals; an
        array of :class:`fractions.Fraction` (dtype object) is written through its
        nearest floats, so a simple exact fraction comes out exactly.
    players : sequence of str, length n
    strategy_labels : sequence of sequence of str, optional
        One label per strategy of each player; default ``"1", "2", ...``.
    title, comment : str
    version : {"payoff", "outcome"}, default "payoff"
        The payoff version, or the outcome version laid out as Gambit writes it
        (one unlabelled outcome per profile, numbered in profile order).

    Returns
    -------
    str
    """
    if version not in ("payoff", "outcome"):
        raise ValueError(f"version must be 'payoff' or 'outcome', got {version!r}")
    # Exact payoffs (Fractions) are written as their nearest float would be: p/q for a
    # simple fraction, else the shortest decimal, so that reading back gives the same text.
    arr = np.vectorize(float, otypes=[float])(U) if np.asarray(U).dtype == object else None
    arr = np.asarray(U, dtype=float) if arr is None else arr
    players = tuple(players)
    n = len(players)
    if arr.ndim != n + 1 or arr.shape[0] != n:
        raise ValueError(
            f"payoffs of shape {arr.shape} are not (n, S_0, ..., S_{{n-1}}) for {n} players "
            "(write one draw at a time)"
        )
    sizes = arr.shape[1:]
    if strategy_labels is None:
        strategy_labels = [[str(j + 1) for j in range(S)] for S in sizes]
    labels = [tuple(x) for x in strategy_labels]
    if [len(x) for x in labels] != list(sizes):
        raise ValueError(f"strategy label counts {[len(x) for x in labels]} != {list(sizes)}")
    # Gambit lists profiles with the first player's strategy varying fastest: that is the
    # C-order ravel of the array with the strategy axes reversed.
    flat = np.transpose(arr, (0, *range(n, 0, -1))).reshape(n, -1).T
    if version == "outcome":
        strategies = "\n".join("{ " + " ".join(_q(s) for s in x) + " }" for x in labels)
        outcomes = "\n".join(
            '{ "" ' + ", ".join(_payoff_text(v) for v in row) + " }" for row in flat
        )
        numbers = " ".join(str(j + 1) for j in range(len(flat)))
        return (
            f"NFG 1 R {_q(title)} {{ {' '.join(_q(p) for p in players)} }}\n\n"
            f"{{ {strategies}\n}}\n{_q(comment)}\n\n{{\n{outcomes}\n}}\n{numbers}\n"
        )
    head = (
        f"NFG 1 R {_q(title)} {{ {' '.join(_q(p) for p in players)} }} "
        f"{{ {' '.join('{ ' + ' '.join(_q(s) for s in x) + ' }' for x in labels)} }}"
    )
    body = "\n".join(" ".join(_payoff_text(v) for v in row) for row in flat)
    return f"{head}\n{_q(comment)}\n\n{body}\n"


def read_nfg(text: str) -> NfgGame:
    """Parse a Gambit ``.nfg`` file (payoff or outcome version) into an :class:`NfgGame`."""
    r = _Reader(text)
    r.expect("word", "NFG", "NFG header")
    r.expect("word", "1", "format version 1")
    r.expect("word", "R", "'R'")
    title = r.string("title")
    players = tuple(r.string_list("player names"))
    n = len(players)
    r.expect("brace", "{", what="strategy lists")
    labels: list[tuple[str, ...]] = []
    if r.at("brace", "{"):
        for _ in range(n):
            labels.append(tuple(r.string_list("strategy names")))
    else:
        for _ in range(n):
            labels.append(tuple(str(j + 1) for j in range(r.integer("strategy count"))))
    r.expect("brace", "}", what="'}' closing the strategy lists")
    comment = r.string("comment") if r.at("str") else ""
    sizes = tuple(len(x) for x in labels)
    n_prof = int(np.prod(sizes))
    if r.at("brace", "{"):
        r.i += 1
        outcomes: list[list[float]] = []
        while not r.at("brace", "}"):
            r.expect("brace", "{", what="an outcome")
            r.string("outcome label")
            pay = []
            while not r.at("brace", "}"):
                pay.append(r.number("payoff"))
            r.i += 1
            if len(pay) != n:
                raise GambitFormatError(
                    f"outcome {len(outcomes) + 1} has {len(pay)} payoffs for {n} players"
                )
            outcomes.append(pay)
        r.i += 1
        flat = np.zeros((n_prof, n))
        for j in range(n_prof):
            o = r.integer("outcome number")
            if o > len(outcomes):
                raise GambitFormatError(f"profile {j + 1} refers to undefined outcome {o}")
            if o:
                flat[j] = outcomes[o - 1]
    else:
        vals = [r.number("payoff") for _ in range(n_prof * n)]
        flat = np.array(vals, dtype=float).reshape(n_prof, n)
    if not r.done():
        tok = r.peek()
        assert tok is not None
        raise GambitFormatError(f"unexpected {tok.text!r} at offset {tok.pos} after the payoffs")
    arr = flat.T.reshape((n, *sizes[::-1]))
    U = np.transpose(arr, (0, *range(n, 0, -1)))
    return NfgGame(np.ascontiguousarray(U), players, tuple(labels), title, comment)


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
        f"EFG 2 R {_q(tree.title)} {{ {' '.join(_q(p) for p in labels)} }}",
        _q(tree.comment),
        "",
    ]
    for node in tree.nodes():
        d = tree.graph.nodes[node]
        out = outcomes.text(node, d)
        if d["kind"] == "terminal":
            lines.append(f"t {_q(d.get('name', ''))} {out}")
            continue
        pl = 0 if d["kind"] == "chance" else pindex[d["player"]]
        key = (pl, d["infoset"])
        if key not in infoset_no:
            per_player[pl] = per_player.get(pl, 0) + 1
            infoset_no[key] = per_player[pl]
            infoset_label[key] = _unique(str(d.get("infoset_label", "")), pl, used_labels)
        label = _q(infoset_label[key])
        if d["kind"] == "chance":
            acts = " ".join(
                f"{_q(a)} {p}" for a, p in zip(d["actions"], _probs(d["probs"]), strict=True)
            )
            lines.append(f"c {_q(d.get('name', ''))} {infoset_no[key]} {label} {{ {acts} }} {out}")
        else:
            acts = " ".join(_q(a) for a in d["actions"])
            lines.append(
                f"p {_q(d.get('name', ''))} {pl} {infoset_no[key]} {label} {{ {acts} }} {out}"
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
        return f"{no} {_q(written)} {{ {', '.join(_payoff_text(x) for x in paid)} }}"


def read_efg(text: str) -> GameTree:
    """Parse a Gambit ``.efg`` file into a :class:`~tradegame.model.tree.GameTree`.

    Information sets are keyed ``(player number, infoset number)`` (player 0 is
    chance), and a node with an outcome records the outcome's number as
    ``outcome_key`` (:func:`write_efg` keeps outcomes apart by it); nodes are the
    tuples of action indices from the root, as everywhere.
    """
    r = _Reader(text)
    r.expect("word", "EFG", "EFG header")
    r.expect("word", "2", "format version 2")
    r.expect("word", "R", "'R'")
    title = r.string("title")
    players = tuple(r.string_list("player names"))
    comment = r.string("comment") if r.at("str") else ""
    g = nx.DiGraph()
    infosets: dict[tuple[int, int], dict[str, Any]] = {}
    outcomes: dict[int, tuple[str, NDArray[np.floating]]] = {}
    stack: list[list[Any]] = []  # [node, n_children, next child]
    first = True
    while not r.done():
        if first:
            node: Node = ()
            first = False
        else:
            if not stack:
                tok = r.peek()
                assert tok is not None
                raise GambitFormatError(f"node at offset {tok.pos} is outside the tree")
            top = stack[-1]
            node = (*top[0], top[2])
            top[2] += 1
            if top[2] == top[1]:
                stack.pop()
        kind_tok = r.expect("word", what="a node type (c, p or t)")
        kind = kind_tok.text
        if kind not in ("c", "p", "t"):
            raise GambitFormatError(f"unknown node type {kind!r} at offset {kind_tok.pos}")
        attrs: dict[str, Any] = {"name": r.string("node label"), "stage": None}
        if kind in ("c", "p"):
            pl = 0 if kind == "c" else r.integer("player number")
            if kind == "p" and not 1 <= pl <= len(players):
                raise GambitFormatError(f"player number {pl} out of range at offset {kind_tok.pos}")
            no = r.integer("infoset number")
            info = infosets.setdefault((pl, no), {"label": "", "actions": None, "probs": None})
            if r.at("str"):
                info["label"] = r.string("infoset label")
            if r.at("brace", "{"):
                r.i += 1
                acts, probs = [], []
                while not r.at("brace", "}"):
                    acts.append(r.string("action label"))
                    if kind == "c":
                        probs.append(r.number("chance probability"))
                r.i += 1
                info["actions"] = tuple(acts)
                if kind == "c":
                    info["probs"] = tuple(probs)
            if info["actions"] is None:
                raise GambitFormatError(
                    f"information set {no} of player {pl} is used before its actions are given"
                )
            attrs.update(
                kind="chance" if kind == "c" else "decision",
                infoset=(pl, no),
                infoset_label=info["label"],
                actions=info["actions"],
            )
            if kind == "c":
                attrs["probs"] = info["probs"]
            else:
                attrs["player"] = players[pl - 1]
        else:
            attrs["kind"] = "terminal"
        o = r.integer("outcome number")
        attrs["payoffs"], attrs["outcome"] = None, ""
        if o:
            label = r.string("outcome label") if r.at("str") else None
            if r.at("brace", "{"):
                pay = np.array(r.number_list("payoffs"), dtype=float)
                if pay.shape != (len(players),):
                    raise GambitFormatError(f"outcome {o} needs {len(players)} payoffs")
                outcomes[o] = (label or "", pay)
            if o not in outcomes:
                raise GambitFormatError(f"outcome {o} is used before its payoffs are given")
            attrs["outcome"], attrs["payoffs"] = outcomes[o][0], outcomes[o][1].copy()
            attrs["outcome_key"] = o
        g.add_node(node, **attrs)
        if node:
            parent = g.nodes[node[:-1]]
            a = node[-1]
            prob = parent["probs"][a] if parent["kind"] == "chance" else None
            g.add_edge(node[:-1], node, action=a, label=parent["actions"][a], prob=prob)
        if kind != "t":
            stack.append([node, len(attrs["actions"]), 0])
    if first:
        raise GambitFormatError("the file has no nodes")
    if stack:
        raise GambitFormatError("the file ends before the tree is complete")
    return GameTree(g, players, title=title, comment=comment)
