"""General game trees: backward induction and the reduced normal form.

Checked against brute force written here (plain recursion, one draw at a time, Python
floats), against the stage-game solvers on trees built from stages, and against
pygambit on the ``.efg`` files shipped with it.
"""

from __future__ import annotations

import importlib.util
import itertools
import os
import sys
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradegame.interop.gambit import read_efg
from tradegame.model.normal_form import reduced_normal_form, reduced_strategies
from tradegame.model.stages import Stage
from tradegame.model.tree import GameTree, Node
from tradegame.solvers.backward_induction import backward_induction
from tradegame.solvers.tree_normal_form import (
    plan_labels,
    play_out,
    tree_normal_form,
    tree_reduced_strategies,
)
from tradegame.solvers.tree_solvers import (
    DEFAULT_TIE_TOL,
    terminal_payoffs,
    terminals,
    tree_backward_induction,
)

# The stage-game payoff generator lives beside the stage-game tests (no packages in tests/).
_SEQUENTIAL = str(Path(__file__).resolve().parents[1] / "sequential")
if _SEQUENTIAL not in sys.path:
    sys.path.insert(0, _SEQUENTIAL)
from stage_game_draws import payoffs_and_chance  # noqa: E402

# Reproducible examples on CI (tests/conftest.py registers no hypothesis profile).
_DERANDOMIZE = bool(os.environ.get("CI"))


def _settings(max_examples: int) -> Any:
    return settings(max_examples=max_examples, deadline=None, derandomize=_DERANDOMIZE)


# ---------------------------------------------------------------------- random trees
@st.composite
def general_trees(
    draw: st.DrawFn,
    perfect: bool = True,
    integer: bool = False,
    max_depth: int = 4,
    max_nodes: int = 30,
) -> GameTree:
    """A random general tree over 2-3 draws.

    Each branch has its own depth; every inner node is a decision node of a random
    player or a chance node with 1-3 actions; outcomes sit on terminals and sometimes
    on inner nodes (some terminals have none). Payoffs are normals (generic) or, with
    ``integer``, integers in -2..2 (many ties). Chance probabilities are Dirichlet,
    per draw. With ``perfect=False`` decision nodes of one player with the same number
    of actions are merged into random information sets (ancestors included: absent-
    minded sets and other imperfect recall).
    """
    n = draw(st.integers(1, 3))
    players = tuple(f"p{i}" for i in range(n))
    D = draw(st.integers(2, 3))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    g = nx.DiGraph()

    def payoffs() -> np.ndarray:
        if integer:
            return rng.integers(-2, 3, size=(D, n)).astype(float)
        return rng.normal(size=(D, n))

    stack: list[Node] = [()]
    while stack:
        node = stack.pop()
        leaf = (
            len(node) >= max_depth
            or len(g) >= max_nodes
            or draw(st.integers(0, 3)) < (1 if len(node) else 0)  # root: rarely a leaf
        )
        if not leaf and not node and draw(st.integers(0, 19)) == 7:
            leaf = True
        attrs: dict[str, Any] = {"name": "", "stage": None, "outcome": "", "infoset_label": ""}
        if leaf:
            has_outcome = draw(st.integers(0, 4)) > 0
            attrs.update(kind="terminal", draw_payoffs=payoffs() if has_outcome else None)
        else:
            n_actions = draw(st.integers(1, 3))
            attrs["actions"] = tuple(f"a{j}" for j in range(n_actions))
            attrs["draw_payoffs"] = payoffs() if draw(st.integers(0, 4)) == 0 else None
            if draw(st.integers(0, 3)) == 0:
                attrs.update(
                    kind="chance",
                    infoset=("chance", node),
                    draw_probs=rng.dirichlet(np.ones(n_actions), size=D),
                )
            else:
                player = draw(st.sampled_from(players))
                if perfect:
                    key: Any = ("node", node)
                else:
                    key = (player, n_actions, draw(st.integers(0, 2)))
                attrs.update(kind="decision", player=player, infoset=key)
            stack.extend((*node, a) for a in reversed(range(n_actions)))
        g.add_node(node, **attrs)
        if node:
            g.add_edge(node[:-1], node, action=node[-1], label=f"a{node[-1]}", prob=None)
    return GameTree(g, players)


# ---------------------------------------------------------------------- brute force
def _total(tree: GameTree, node: Node, d: int) -> list[float]:
    """A terminal's payoff in draw d: the outcomes along its path, summed root first."""
    total = [0.0] * len(tree.players)
    for depth in range(len(node) + 1):
        pay = tree.graph.nodes[node[:depth]]["draw_payoffs"]
        if pay is not None:
            total = [x + float(y) for x, y in zip(total, pay[d], strict=True)]
    return total


def _brute_force_backward_induction(tree: GameTree, d: int, tie_break: str) -> dict[str, dict]:
    """Backward induction on draw d by plain recursion, solving every subgame."""
    g = tree.graph
    index = {p: i for i, p in enumerate(tree.players)}
    n = len(tree.players)
    values: dict[Node, list[float]] = {}
    choice: dict[Node, int] = {}
    behaviour: dict[Node, list[float]] = {}
    ties: dict[Node, bool] = {}

    def visit(node: Node) -> list[float]:
        attrs = g.nodes[node]
        if attrs["kind"] == "terminal":
            value = _total(tree, node, d)
        else:
            child_values = [visit(c) for c in tree.children(node)]
            if attrs["kind"] == "chance":
                weights = [float(p) for p in attrs["draw_probs"][d]]
            else:
                i = index[attrs["player"]]
                best = max(v[i] for v in child_values)
                cut = best - DEFAULT_TIE_TOL * max(1.0, abs(best))
                tied = [a for a, v in enumerate(child_values) if v[i] >= cut]
                choice[node], ties[node] = tied[0], len(tied) > 1
                if tie_break == "first":
                    weights = [float(a == tied[0]) for a in range(len(child_values))]
                else:
                    weights = [
                        1 / len(tied) if a in tied else 0.0 for a in range(len(child_values))
                    ]
                behaviour[node] = weights
            value = [
                sum(w * v[j] for w, v in zip(weights, child_values, strict=True)) for j in range(n)
            ]
        values[node] = value
        return value

    visit(())
    reach: dict[Node, float] = {}

    def down(node: Node, prob: float) -> None:
        reach[node] = prob
        attrs = g.nodes[node]
        if attrs["kind"] == "terminal":
            return
        weights = attrs["draw_probs"][d] if attrs["kind"] == "chance" else behaviour[node]
        for a, w in enumerate(weights):
            down((*node, a), prob * float(w))

    down((), 1.0)
    return {
        "values": values,
        "choice": choice,
        "behaviour": behaviour,
        "ties": ties,
        "reach": reach,
    }


def _check_against_brute_force(tree: GameTree, tie_break: str) -> None:
    res = tree_backward_induction(tree, tie_break)
    leaves = terminals(tree)
    assert res.terminal_probs.shape == (tree.n_draws, len(leaves))
    assert set(res.values) == set(tree.nodes())
    assert set(res.choice) == set(tree.nodes("decision"))
    for d in range(tree.n_draws):
        ref = _brute_force_backward_induction(tree, d, tie_break)
        for node, value in ref["values"].items():
            np.testing.assert_allclose(res.values[node][d], value, rtol=1e-12, atol=1e-12)
        for node, a in ref["choice"].items():
            assert res.choice[node][d] == a, node
            assert res.ties[node][d] == ref["ties"][node], node
            np.testing.assert_allclose(res.behaviour[node][d], ref["behaviour"][node], atol=1e-15)
        for node, prob in ref["reach"].items():
            np.testing.assert_allclose(res.node_probs[node][d], prob, atol=1e-12)
        np.testing.assert_allclose(
            res.terminal_probs[d], [ref["reach"][t] for t in leaves], atol=1e-12
        )


def test_terminals_are_in_preorder_and_payoffs_sum_outcomes_along_the_path():
    g = nx.DiGraph()
    g.add_node((), kind="decision", player="a", infoset=0, actions=("x", "y"), payoffs=[1.0, 0.0])
    g.add_node((0,), kind="chance", infoset="c", actions=("h", "t"), probs=(0.5, 0.5))
    g.add_node((0, 0), kind="terminal", payoffs=[2.0, 3.0])
    g.add_node((0, 1), kind="terminal")
    g.add_node((1,), kind="terminal", payoffs=[-1.0, 4.0])
    tree = GameTree(g, ("a", "b"))
    assert terminals(tree) == [(0, 0), (0, 1), (1,)]
    np.testing.assert_array_equal(terminal_payoffs(tree), [[[3.0, 1.0, 0.0], [3.0, 0.0, 4.0]]])


@given(general_trees())
@_settings(60)
def test_backward_induction_equals_brute_force_on_random_trees(tree):
    _check_against_brute_force(tree, "first")


@given(general_trees(integer=True), st.sampled_from(["first", "uniform"]))
@_settings(60)
def test_backward_induction_breaks_ties_like_brute_force(tree, tie_break):
    _check_against_brute_force(tree, tie_break)


@given(general_trees())
@_settings(20)
def test_all_draws_at_once_equal_each_draw_alone_and_the_tree_recursion(tree):
    res = tree_backward_induction(tree)
    for d in range(tree.n_draws):
        alone = tree_backward_induction(tree.for_draw(d))
        for node, value in alone.values.items():
            np.testing.assert_allclose(res.values[node][d], value[0], rtol=1e-13, atol=1e-13)
        for node, a in alone.choice.items():
            assert res.choice[node][d] == a[0]
    if not any(t.any() for t in res.ties.values()):
        # Without ties the tree's own recursion (first maximum) gives the same answer.
        for node, value in tree.subgame_values(draw=None).items():
            np.testing.assert_allclose(res.values[node], value, rtol=1e-12, atol=1e-12)
        for node, a in tree.subgame_choices(draw=None).items():
            np.testing.assert_array_equal(res.choice[node], a)


def test_values_equal_up_to_rounding_are_ties():
    """0.3 * 3 + 0.7 * 3 is 2.9999999999999996 in floating point: a tie with 3 by default."""
    g = nx.DiGraph()
    g.add_node((), kind="decision", player="p", infoset=0, actions=("gamble", "sure"))
    g.add_node((0,), kind="chance", infoset="c", actions=("h", "t"), probs=(0.3, 0.7))
    for node in [(0, 0), (0, 1), (1,)]:
        g.add_node(node, kind="terminal", payoffs=[3.0])
    tree = GameTree(g, ("p",))
    assert tree_backward_induction(tree).values[(0,)][0, 0] != 3.0
    res = tree_backward_induction(tree, "uniform")
    assert res.choice[()].tolist() == [0] and res.ties[()].tolist() == [True]
    np.testing.assert_array_equal(res.behaviour[()], [[0.5, 0.5]])
    np.testing.assert_allclose(res.terminal_probs, [[0.15, 0.35, 0.5]])
    exact = tree_backward_induction(tree, "uniform", tol=0.0)  # the stage solver's default
    assert exact.choice[()].tolist() == [1] and exact.ties[()].tolist() == [False]
    # (Whether an exact rule sees the tie depends on the summation: NumPy's einsum in the
    # stage solver happens to return exactly 3.0 here.)


def test_backward_induction_refuses_imperfect_information():
    tree = GameTree.from_stages(
        np.zeros((2, 2, 2)),
        (Stage("s0", "a", ("l", "r")), Stage("s1", "b", ("l", "r"), observes=())),
        ("a", "b"),
    )
    with pytest.raises(ValueError, match=r"perfect information.*player 'b' has 2 nodes"):
        tree_backward_induction(tree)
    with pytest.raises(ValueError, match="tie_break"):
        tree_backward_induction(tree, "random")  # type: ignore[arg-type]


# ---------------------------------------------------------------------- stage games
_DYADIC = {1: [[1.0]], 2: [[0.5, 0.5], [0.25, 0.75]], 3: [[0.5, 0.25, 0.25], [0.25, 0.5, 0.25]]}


@st.composite
def stage_games(draw: st.DrawFn, perfect: bool = True, integer: bool = False) -> tuple:
    """A random stage game with 1-3 stages (perfect: some actions end the game)."""
    n = draw(st.integers(1, 3))
    players = tuple(f"p{i}" for i in range(n))
    k = draw(st.integers(1, 3))
    stages = []
    for s in range(k):
        n_actions = draw(st.integers(1, 3))
        mover = draw(st.sampled_from((*players, None)))
        observes = None
        if not perfect and mover is not None:
            observes = tuple(o for o in range(s) if draw(st.booleans()))
        ends: tuple[int, ...] = ()
        if perfect and s < k - 1:
            ends = tuple(a for a in range(n_actions) if draw(st.integers(0, 3)) == 0)
        actions = tuple(f"a{j}" for j in range(n_actions))
        stages.append(Stage(f"s{s}", mover, actions, observes, ends))
    V, probs = payoffs_and_chance(draw, stages, n)
    if integer:  # ties everywhere, and chance arithmetic exact in floating point
        V = np.round(V * 1.2)
        probs = {
            s: np.array([draw(st.sampled_from(_DYADIC[p.shape[1]])) for _ in range(p.shape[0])])
            for s, p in probs.items()
        }
    return V, tuple(stages), players, probs


@given(stage_games(), st.sampled_from(["first", "uniform"]))
@_settings(40)
def test_agrees_with_the_stage_game_solver(game, tie_break):
    _check_against_stage_solver(game, tie_break)


@given(stage_games(integer=True), st.sampled_from(["first", "uniform"]))
@_settings(40)
def test_agrees_with_the_stage_game_solver_on_ties(game, tie_break):
    _check_against_stage_solver(game, tie_break)


def _check_against_stage_solver(game: tuple, tie_break: str) -> None:
    V, stages, players, probs = game
    # Values here are rationals with small denominators: a real difference exceeds 1e-5,
    # rounding stays below 1e-14, so any tolerance in between counts the same ties.
    res = backward_induction(V, stages, players, probs, tie_break=tie_break, tol=1e-9)
    tree = GameTree.from_stages(V, stages, players, probs)
    ours = tree_backward_induction(tree, tie_break)
    np.testing.assert_allclose(ours.values[()], res.values, rtol=1e-12, atol=1e-12)
    for node in tree.nodes("decision"):
        s = len(node)
        strategy, ties = res.strategy[s], res.ties[s]
        assert strategy is not None and ties is not None
        np.testing.assert_array_equal(ours.choice[node], strategy[(slice(None), *node)])
        np.testing.assert_array_equal(ours.ties[node], ties[(slice(None), *node)])
        np.testing.assert_allclose(
            ours.behaviour[node], res.behaviour[s][(slice(None), *node)], atol=1e-15
        )
    for t, leaf in enumerate(ours.terminals):
        canonical = (*leaf, *(0,) * (len(stages) - len(leaf)))
        np.testing.assert_allclose(
            ours.terminal_probs[:, t], res.path_probs[(slice(None), *canonical)], atol=1e-12
        )


@given(stage_games(perfect=False))
@_settings(40)
def test_reduced_normal_form_equals_the_stage_games_one(game):
    V, stages, players, probs = game
    tree = GameTree.from_stages(V, stages, players, probs)
    nf = tree_normal_form(tree)
    U, _ = reduced_normal_form(V, stages, players, probs)
    theirs = reduced_strategies(stages, players)
    # The same plans (dicts keyed by the same information set keys), in another order.
    perms = []
    for i in range(len(players)):
        assert len(nf.plans[i]) == len(theirs[i])
        perms.append([theirs[i].index(plan) for plan in nf.plans[i]])
    U_ours_order = U[(slice(None), slice(None), *np.ix_(*perms))]
    np.testing.assert_allclose(nf.payoffs, U_ours_order, rtol=1e-12, atol=1e-12)


# ---------------------------------------------------------------------- reduced normal form
def _walk(tree: GameTree, profile: dict, d: int) -> np.ndarray:
    """Expected payoffs of a pure profile (key -> action at every information set)."""
    g = tree.graph

    def visit(node: Node) -> np.ndarray:
        attrs = g.nodes[node]
        if attrs["kind"] == "terminal":
            return np.array(_total(tree, node, d))
        if attrs["kind"] == "chance":
            return sum(float(p) * visit((*node, a)) for a, p in enumerate(attrs["draw_probs"][d]))
        return visit((*node, profile[attrs["infoset"]]))

    return visit(())


def _reduction(tree: GameTree, player: str, strategy: dict) -> dict:
    """A full strategy restricted to the information sets it reaches (others free)."""
    g = tree.graph
    reached = {}

    def visit(node: Node) -> None:
        attrs = g.nodes[node]
        if attrs["kind"] == "terminal":
            return
        if attrs["kind"] == "decision" and attrs["player"] == player:
            reached[attrs["infoset"]] = strategy[attrs["infoset"]]
            visit((*node, strategy[attrs["infoset"]]))
            return
        for a in range(len(attrs["actions"])):
            visit((*node, a))

    visit(())
    return reached


def _full_strategies(tree: GameTree, player: str) -> list[dict]:
    infosets = tree.infosets(player)
    choices = [range(len(tree.graph.nodes[m[0]]["actions"])) for m in infosets.values()]
    return [dict(zip(infosets, acts, strict=True)) for acts in itertools.product(*choices)]


@given(general_trees(perfect=False, max_nodes=20))
@_settings(50)
def test_every_full_profile_pays_what_its_reduced_profile_pays(tree):
    nf = tree_normal_form(tree)
    players = tree.players
    full = [_full_strategies(tree, p) for p in players]
    if int(np.prod([len(f) for f in full])) > 400:
        full = [f[:6] for f in full]  # keep brute force fast: a corner of the product
    reduced_index = [
        [nf.plans[i].index(_reduction(tree, p, s)) for s in full[i]] for i, p in enumerate(players)
    ]
    for combo in itertools.product(*(range(len(f)) for f in full)):
        profile: dict = {}
        for i, j in enumerate(combo):
            profile.update(full[i][j])
        idx = tuple(reduced_index[i][j] for i, j in enumerate(combo))
        for d in range(tree.n_draws):
            np.testing.assert_allclose(
                nf.payoffs[(d, slice(None), *idx)], _walk(tree, profile, d), atol=1e-12
            )


@given(general_trees(perfect=False, max_nodes=20))
@_settings(50)
def test_plans_are_exactly_the_reductions_of_full_strategies(tree):
    for player in tree.players:
        plans = tree_reduced_strategies(tree, player)
        full = _full_strategies(tree, player)
        if len(full) > 2000:
            continue
        reductions = {tuple(sorted(_reduction(tree, player, s).items())) for s in full}
        assert sorted(tuple(sorted(p.items())) for p in plans) == sorted(reductions)
        # No two plans differ only where they leave the game unreached: any two differ at
        # an information set both reach.
        for p, q in itertools.combinations(plans, 2):
            assert any(k in q and q[k] != a for k, a in p.items())
        # Sorted by the actions over all information sets, unreached as -1.
        order = list(tree.infosets(player))
        keys = [tuple(p.get(k, -1) for k in order) for p in plans]
        assert keys == sorted(keys)
        assert [list(p) for p in plans] == [[k for k in order if k in p] for p in plans]


def test_a_player_who_never_moves_has_one_empty_plan():
    tree = GameTree.from_stages(
        np.arange(6.0).reshape(3, 2), (Stage("s0", "a", ("l", "r")),), ("a", "b", "c")
    )
    nf = tree_normal_form(tree)
    assert nf.plans == ([{(0, ()): 0}, {(0, ()): 1}], [{}], [{}])
    assert nf.labels == (["l", "r"], ["(no move)"], ["(no move)"])
    assert nf.payoffs.shape == (1, 3, 2, 1, 1)
    np.testing.assert_array_equal(nf.payoffs[0, :, :, 0, 0], [[0, 1], [2, 3], [4, 5]])


def test_labels_mark_unreached_information_sets():
    stages = (Stage("entry", "E", ("out", "in")), Stage("reply", "I", ("fight", "acc")))
    stages = (*stages, Stage("again", "E", ("stop", "go")))
    tree = GameTree.from_stages(np.zeros((2, 2, 2, 2)), stages, ("E", "I"))
    plans = tree_reduced_strategies(tree, "E")
    # Infosets of E in preorder: entry, again after (out, fight), (out, acc), (in, fight), ...
    assert plan_labels(tree, "E", plans)[:2] == [
        "out/stop/stop/*/*",
        "out/stop/go/*/*",
    ]
    assert len(plans) == 2 * 2 + 2 * 2


def test_too_many_plans_are_refused_with_the_limit():
    g = nx.DiGraph()
    g.add_node((), kind="chance", infoset="c", actions=tuple("abcdefghijkl"), probs=(1 / 12,) * 12)
    for a in range(12):
        g.add_node((a,), kind="decision", player="p", infoset=a, actions=("x", "y"))
        for b in range(2):
            g.add_node((a, b), kind="terminal", payoffs=[float(b)])
    tree = GameTree(g, ("p",))
    assert len(tree_reduced_strategies(tree, "p")) == 2**12
    with pytest.raises(ValueError, match="more than 1000 reduced strategies"):
        tree_normal_form(tree, limit=1000)


def _absent_minded_driver() -> GameTree:
    """Gilboa (1997), Figure 1 as shipped with Gambit: continue (B) or exit (E), twice."""
    g = nx.DiGraph()
    for node in [(), (0,)]:
        g.add_node(node, kind="decision", player="Player 1", infoset=(1, 1), actions=("B", "E"))
    for node, pay in [((0, 0), 1.0), ((0, 1), 4.0), ((1,), 0.0)]:
        g.add_node(node, kind="terminal", payoffs=[pay])
    return GameTree(g, ("Player 1",))


def test_absent_minded_driver_by_hand():
    nf = tree_normal_form(_absent_minded_driver())
    # One information set, reached at the root: two plans. B continues at both
    # intersections (payoff 1); E exits at the first (payoff 0). Exiting at the second,
    # worth 4, is no pure strategy: the driver cannot tell the intersections apart.
    assert nf.plans == ([{(1, 1): 0}, {(1, 1): 1}],)
    assert nf.labels == (["B", "E"],)
    np.testing.assert_array_equal(nf.consistency[0], [[1, 0, 0], [0, 0, 1]])
    np.testing.assert_array_equal(nf.payoffs, [[[1.0, 0.0]]])
    np.testing.assert_array_equal(play_out(nf, [0.5, 0.5]), [[0.5, 0.0, 0.5]])


# ---------------------------------------------------------------------- play_out
@given(general_trees(perfect=False, max_nodes=20), st.integers(0, 2**32 - 1))
@_settings(40)
def test_play_out_of_pure_profiles_walks_the_tree_and_mixing_is_linear(tree, seed):
    nf = tree_normal_form(tree)
    sizes = [len(p) for p in nf.plans]
    n_profiles = int(np.prod(sizes))
    if n_profiles > 300:
        return
    D, T = tree.n_draws, len(nf.terminals)
    pure = np.empty((n_profiles, D, T))
    for k, combo in enumerate(itertools.product(*(range(s) for s in sizes))):
        profile: dict = {}
        for i, j in enumerate(combo):
            profile.update(nf.plans[i][j])
        pure[k] = play_out(nf, np.eye(n_profiles)[k])
        reach = tree.reach_probabilities(profile, draw=None)
        expected = np.stack([reach.get(t, np.zeros(D)) for t in nf.terminals], axis=-1)
        np.testing.assert_allclose(pure[k], expected, atol=1e-12)
    rng = np.random.default_rng(seed)
    q = rng.dirichlet(np.ones(n_profiles), size=D)
    mixed = play_out(nf, q)
    np.testing.assert_allclose(mixed, np.einsum("dk,kdt->dt", q, pure), atol=1e-12)
    np.testing.assert_allclose(mixed.sum(axis=1), 1.0, atol=1e-12)
    # ... and its expected payoffs are the normal form's.
    expected_payoff = np.einsum("dt,dit->di", mixed, nf.terminal_payoffs)
    U = nf.payoffs.reshape(D, len(tree.players), n_profiles)
    np.testing.assert_allclose(expected_payoff, np.einsum("dik,dk->di", U, q), atol=1e-12)
    with pytest.raises(ValueError, match="profile_probs must have shape"):
        play_out(nf, np.ones((D, n_profiles + 1)))


# ---------------------------------------------------------------------- pygambit
def _gambit_efg_files() -> list[str]:
    spec = importlib.util.find_spec("pygambit")
    if spec is None or spec.origin is None:
        return []
    root = Path(spec.origin).parent
    return sorted(str(p.relative_to(root)) for p in root.rglob("*.efg"))


def _gambit_plans(gbt_game: Any, tree: GameTree) -> list[list[dict]]:
    """pygambit's reduced strategies as plans keyed by our information set keys."""

    def our_key(infoset: Any) -> Any:
        keys = set()
        for member in infoset.members:
            path = []
            while member.parent is not None:
                path.append(member.prior_action.number)
                member = member.parent
            keys.add(tree.graph.nodes[tuple(reversed(path))]["infoset"])
        (key,) = keys
        return key

    plans = []
    for player in gbt_game.players:
        keys = [(infoset, our_key(infoset)) for infoset in player.infosets]
        plans.append(
            [
                {key: s.action(infoset).number for infoset, key in keys if s.action(infoset)}
                for s in player.strategies
            ]
        )
    return plans


@pytest.mark.gambit
@pytest.mark.parametrize("name", _gambit_efg_files())
def test_reduced_strategies_and_payoffs_agree_with_pygambit(name):
    """Every shipped file, imperfect recall included (fig5_12, fig10.7, gilboa1997/fig1,
    fig2, wichardt2008): pygambit 16 reduces strategies at information sets the player's
    own moves exclude, exactly as here, so no file needs skipping."""
    gbt = pytest.importorskip("pygambit")
    path = Path(gbt.__file__).parent / name
    tree = read_efg(path.read_text(encoding="utf-8"))
    game = gbt.read_efg(str(path))
    nf = tree_normal_form(tree)
    theirs = _gambit_plans(game, tree)
    perms = []
    for i in range(len(tree.players)):
        assert len(nf.plans[i]) == len(theirs[i]), (name, i)
        perms.append([nf.plans[i].index(plan) for plan in theirs[i]])
    arrays = game.to_arrays()
    for j, arr in enumerate(arrays):
        ours = nf.payoffs[(0, j, *np.ix_(*perms))]
        np.testing.assert_allclose(ours, np.array(arr, dtype=float), rtol=1e-9, atol=1e-9)


@pytest.mark.gambit
def test_the_absent_minded_driver_file_reads_as_built_by_hand():
    gbt = pytest.importorskip("pygambit")
    path = Path(gbt.__file__).parent / "catalog_data/journals/geb/gilboa1997/fig1.efg"
    nf = tree_normal_form(read_efg(path.read_text(encoding="utf-8")))
    assert nf.labels == (["B", "E"],)
    np.testing.assert_array_equal(nf.payoffs, [[[1.0, 0.0]]])
    game = gbt.read_efg(str(path))
    assert not game.is_perfect_recall
    np.testing.assert_array_equal(np.array(game.to_arrays()[0], dtype=float), [1.0, 0.0])
