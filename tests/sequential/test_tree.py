"""GameTree: structure built from stages, information sets, paths, subgame values, plots."""

from __future__ import annotations

import numpy as np
import pytest

from tradegame.model.stages import Stage
from tradegame.model.tree import GameTree
from tradegame.solvers.backward_induction import backward_induction

STAGES = (
    Stage("nature", None, ("good", "bad")),
    Stage("entry", "E", ("out", "in")),
    Stage("reply", "I", ("fight", "accommodate"), observes=(1,)),
)
PROBS = {"nature": [0.25, 0.75]}


def _payoffs() -> np.ndarray:
    V = np.zeros((2, 2, 2, 2))
    for state, bonus in enumerate((1.0, -1.0)):
        V[:, state, 0, :] = [[0.0, 0.0], [2.0, 2.0]]
        V[:, state, 1, 0] = [-1.0 + bonus, -1.0]
        V[:, state, 1, 1] = [1.0 + bonus, 1.0]
    return V


def test_structure_of_a_tree_built_from_stages():
    tree = GameTree.from_stages(_payoffs(), STAGES, ("E", "I"), PROBS, title="entry")
    assert len(tree) == 1 + 2 + 4 + 8
    assert tree.nodes()[:4] == [(), (0,), (0, 0), (0, 0, 0)]  # preorder
    assert tree.nodes("chance") == [()]
    assert len(tree.nodes("terminal")) == 8
    root = tree.node(())
    assert root["probs"] == (0.25, 0.75)
    assert tree.graph.edges[(), (1,)]["prob"] == 0.75
    assert tree.graph.edges[(0, 1), (0, 1, 0)]["label"] == "fight"
    np.testing.assert_array_equal(tree.terminal_payoffs((1, 1, 1)), [0.0, 1.0])
    assert tree.node((0, 1, 1))["outcome"] == "good/in/accommodate"
    # The incumbent sees entry but not nature: two information sets of two nodes each.
    sets = tree.infosets("I")
    assert sets == {(2, (0,)): [(0, 0), (1, 0)], (2, (1,)): [(0, 1), (1, 1)]}
    assert tree.infosets("E") == {(1, (0,)): [(0,)], (1, (1,)): [(1,)]}
    assert not tree.is_perfect_information()
    with pytest.raises(ValueError, match="perfect information"):
        tree.subgame_values()


def test_path_and_values_under_a_profile():
    tree = GameTree.from_stages(_payoffs(), STAGES, ("E", "I"), PROBS)
    profile = {(1, (0,)): 1, (1, (1,)): 0, (2, (0,)): 0, (2, (1,)): 1}
    reach = tree.reach_probabilities(profile)
    assert reach[(0, 1, 1)] == pytest.approx(0.25)
    assert reach[(1, 0, 0)] == pytest.approx(0.75)
    assert tree.path(profile) == [(), (0,), (0, 1), (0, 1, 1), (1,), (1, 0), (1, 0, 0)]
    values = tree.subgame_values(profile)
    np.testing.assert_allclose(values[()], [0.25 * 2.0 + 0.75 * 0.0, 0.25 * 1.0 + 0.75 * 2.0])
    with pytest.raises(ValueError, match="no action"):
        tree.reach_probabilities({})


def test_brute_force_values_on_a_perfect_information_tree():
    stages = (Stage("entry", "E", ("out", "in")), Stage("reply", "I", ("fight", "accommodate")))
    V = np.array([[[0, 0], [-1, 1]], [[2, 2], [-1, 1]]], dtype=float)
    tree = GameTree.from_stages(V, stages, ("E", "I"))
    assert tree.is_perfect_information()
    values = tree.subgame_values()
    np.testing.assert_allclose(values[()], [1, 1])
    np.testing.assert_allclose(values[(0,)], [0, 2])
    assert tree.subgame_choices() == {(): 1, (0,): 0, (1,): 1}
    res = backward_induction(V, stages, ("E", "I"))
    profile = tree.profile_from_arrays(res.strategy)
    assert tree.path(profile) == [(), (1,), (1, 1)]


def _batch(draw_shape=(2, 3), seed=7):
    """Payoffs of shape draw_shape + (2, 2, 2, 2) and per-draw nature probabilities."""
    rng = np.random.default_rng(seed)
    V = np.round(rng.normal(size=(*draw_shape, 2, 2, 2, 2)), 3)
    p = rng.dirichlet(np.ones(2), size=draw_shape)
    return V, p


def _same_tree(a: GameTree, b: GameTree) -> None:
    """Equal structure, attributes and draw-0 values, node by node and edge by edge."""
    from tradegame.interop.gambit import write_efg

    assert a.nodes() == b.nodes() and a.players == b.players
    for n in a.nodes():
        x, y = a.node(n), b.node(n)
        assert set(x) == set(y)
        for key in x:
            if key in ("payoffs", "draw_payoffs", "draw_probs"):
                np.testing.assert_array_equal(x[key], y[key])
            else:
                assert x[key] == y[key], (n, key)
        if x["kind"] == "terminal":
            np.testing.assert_array_equal(a.terminal_payoffs(n), b.terminal_payoffs(n))
    for (p, c, e), (q, d, f) in zip(a.iter_edges(), b.iter_edges(), strict=True):
        assert (p, c) == (q, d)
        assert {k: v for k, v in e.items() if k != "draw_prob"} == {
            k: v for k, v in f.items() if k != "draw_prob"
        }
        np.testing.assert_array_equal(e["draw_prob"], f["draw_prob"])
    assert write_efg(a) == write_efg(b)


def test_a_single_game_is_a_tree_of_one_draw():
    tree = GameTree.from_stages(_payoffs(), STAGES, ("E", "I"), PROBS)
    assert tree.n_draws == 1 and tree.draw_shape == ()
    assert tree.node((1, 1, 1))["draw_payoffs"].shape == (1, 2)
    assert tree.node((1, 1, 1))["payoffs"].shape == (2,)
    np.testing.assert_array_equal(tree.node(())["draw_probs"], [[0.25, 0.75]])
    np.testing.assert_array_equal(tree.chance_probs(()), [0.25, 0.75])
    np.testing.assert_array_equal(tree.terminal_payoffs((1, 1, 1), draw=None), [[0.0, 1.0]])
    _same_tree(tree.for_draw(0), tree)
    with pytest.raises(ValueError, match="out of range"):
        tree.terminal_payoffs((1, 1, 1), draw=1)
    # A leading axis of length one is a batch of one draw: same tree, remembered shape.
    one = GameTree.from_stages(_payoffs()[None], STAGES, ("E", "I"), PROBS)
    assert one.n_draws == 1 and one.draw_shape == (1,)
    _same_tree(one, tree)


def test_the_tree_of_a_batch_equals_the_trees_of_its_draws():
    V, p = _batch()
    tree = GameTree.from_stages(V, STAGES, ("E", "I"), {"nature": p}, title="batch")
    assert tree.n_draws == 6 and tree.draw_shape == (2, 3)
    assert len(tree) == 15
    t = (1, 0, 1)
    assert tree.node(t)["draw_payoffs"].shape == (6, 2)
    assert tree.chance_probs((), draw=None).shape == (6, 2)
    assert tree.graph.edges[(), (1,)]["draw_prob"].shape == (6,)
    np.testing.assert_array_equal(
        tree.terminal_payoffs(t, draw=None), V[..., :, 1, 0, 1].reshape(6, 2)
    )
    for d, idx in enumerate(np.ndindex(2, 3)):
        one = GameTree.from_stages(V[idx], STAGES, ("E", "I"), {"nature": p[idx]}, title="batch")
        _same_tree(tree.for_draw(d), one)
        _same_tree(tree.for_draw(idx), one)
        for n in tree.nodes("terminal"):
            np.testing.assert_array_equal(tree.terminal_payoffs(n, draw=d), one.terminal_payoffs(n))
            np.testing.assert_array_equal(
                tree.terminal_payoffs(n, draw=None)[d], one.terminal_payoffs(n)
            )
        np.testing.assert_array_equal(tree.chance_probs((), draw=idx), one.node(())["probs"])
        profile = {(1, (0,)): 1, (1, (1,)): 0, (2, (0,)): 0, (2, (1,)): 1}
        assert tree.reach_probabilities(profile, draw=d) == one.reach_probabilities(profile)
        values = tree.subgame_values(profile, draw=None)
        for n, v in one.subgame_values(profile).items():
            np.testing.assert_allclose(values[n][d], v, rtol=1e-15, atol=0)
    # Draw 0's values are the plain attributes, so single-draw readers see draw 0.
    np.testing.assert_array_equal(tree.node(t)["payoffs"], V[0, 0, :, 1, 0, 1])
    assert tree.node(())["probs"] == tuple(p[0, 0])
    # Probabilities of shape (A,) are broadcast to every draw.
    same = GameTree.from_stages(V, STAGES, ("E", "I"), PROBS)
    np.testing.assert_array_equal(same.chance_probs((), draw=None), np.tile([0.25, 0.75], (6, 1)))
    with pytest.raises(ValueError, match="out of range"):
        tree.for_draw(6)
    with pytest.raises(ValueError, match="out of range"):
        tree.for_draw((2, 0))
    with pytest.raises(ValueError, match="does not match"):
        tree.for_draw((1,))


def test_draw_axes_of_a_hand_built_graph_are_checked():
    import networkx as nx

    g = nx.DiGraph()
    g.add_node((), kind="chance", actions=("l", "r"), infoset=0, draw_probs=[[0.5, 0.5]] * 3)
    g.add_edge((), (0,), action=0, label="l", prob=None)
    g.add_edge((), (1,), action=1, label="r", prob=None)
    g.add_node((0,), kind="terminal", draw_payoffs=np.zeros((3, 1)))
    g.add_node((1,), kind="terminal", payoffs=np.ones(1))  # broadcast to every draw
    tree = GameTree(g, ("x",))
    assert tree.n_draws == 3 and tree.draw_shape == (3,)
    np.testing.assert_array_equal(tree.terminal_payoffs((1,), draw=None), np.ones((3, 1)))
    np.testing.assert_array_equal(tree.subgame_values(draw=None)[()], np.full((3, 1), 0.5))
    assert tree.graph.edges[(), (1,)]["prob"] == 0.5
    g.nodes[(0,)]["draw_payoffs"] = np.zeros((2, 1))
    with pytest.raises(ValueError, match="disagree"):
        GameTree(g, ("x",))
    g.nodes[(0,)]["draw_payoffs"] = np.zeros((3, 1))
    with pytest.raises(ValueError, match="does not hold"):
        GameTree(g, ("x",), draw_shape=(2, 2))
    g.nodes[()]["draw_probs"] = [[0.5, 0.5], [1.0, 0.0], [0.5, 0.6]]
    with pytest.raises(ValueError, match="summing to 1"):
        GameTree(g, ("x",))


def test_malformed_graphs_are_rejected():
    import networkx as nx

    g = nx.DiGraph()
    g.add_node((), kind="decision", player="x", actions=("l", "r"), infoset=0)
    g.add_node((0,), kind="terminal", payoffs=np.zeros(1))
    with pytest.raises(ValueError, match="missing"):
        GameTree(g, ("x",))
    g.add_node((1,), kind="terminal", payoffs=np.zeros(1))
    GameTree(g, ("x",))
    g.nodes[()]["player"] = "nobody"
    with pytest.raises(ValueError, match="not one of"):
        GameTree(g, ("x",))


def _five_stage_tree():
    stages = tuple(
        Stage(f"s{i}", None if i == 2 else ("US", "China")[i % 2], ("hold", "cut", "raise"))
        for i in range(5)
    )
    rng = np.random.default_rng(5)
    V = np.round(rng.normal(size=(2, *(3,) * 5)), 2)
    probs = {2: [0.2, 0.3, 0.5]}
    res = backward_induction(V, stages, ("US", "China"), probs)
    tree = GameTree.from_stages(V, stages, ("US", "China"), probs, title="five stages")
    return tree, tree.path(tree.profile_from_arrays(res.strategy))


def test_plot_tree_writes_a_png_atomically(tmp_path):
    from PIL import Image

    from tradegame.report.tree_plot import plot_tree

    tree = GameTree.from_stages(_payoffs(), STAGES, ("E", "I"), PROBS, title="entry")
    profile = {(1, (0,)): 1, (1, (1,)): 0, (2, (0,)): 0, (2, (1,)): 1}
    out = plot_tree(tree, tree.path(profile), out_path=tmp_path / "figs" / "tree.png")
    assert out == tmp_path / "figs" / "tree.png"
    assert sorted(p.name for p in out.parent.iterdir()) == ["tree.png"]  # no temporary left
    with Image.open(out) as im:
        assert im.format == "PNG" and im.size[0] > 600
    with pytest.raises(ValueError, match="not in the tree"):
        plot_tree(tree, [(9, 9)], out_path=tmp_path / "x.png")


def test_plot_tree_draws_a_chosen_draw_and_says_which(tmp_path):
    from tradegame.report.tree_plot import _heading, plot_tree

    V, p = _batch()
    tree = GameTree.from_stages(V, STAGES, ("E", "I"), {"nature": p}, title="batch")
    assert _heading(tree, None, 0) == "batch (draw 0 = (0, 0) of 6)"
    assert _heading(tree, "t", (1, 2)) == "t (draw 5 = (1, 2) of 6)"
    flat = GameTree.from_stages(
        V.reshape(6, *V.shape[2:]), STAGES, ("E", "I"), {0: p.reshape(6, 2)}
    )
    assert _heading(flat, "t", 4) == "t (draw 4 of 6)"
    single = GameTree.from_stages(_payoffs(), STAGES, ("E", "I"), PROBS, title="entry")
    assert _heading(single, None, 0) == "entry"  # one draw: the title as before
    with pytest.raises(ValueError, match="out of range"):
        _heading(single, None, 1)
    profile = {(1, (0,)): 1, (1, (1,)): 0, (2, (0,)): 0, (2, (1,)): 1}
    out = plot_tree(tree, tree.path(profile, draw=4), tmp_path / "d4.svg", draw=4)
    text = out.read_text()
    assert "draw 4 = (1, 1) of 6" in text
    # The drawn payoffs and probabilities are those of the chosen draw.
    one = tree.for_draw(4)
    assert f"{one.terminal_payoffs((0, 1, 1))[0]:.3g}" in text
    assert f"({one.node(())['probs'][1]:.3g})" in text
    with pytest.raises(ValueError, match="out of range"):
        plot_tree(tree, None, tmp_path / "x.png", draw=6)


def test_large_trees_collapse_off_path_subtrees(tmp_path):
    from tradegame.report.tree_plot import _visible_nodes, plot_tree

    tree, path = _five_stage_tree()
    assert len(tree) == 364
    visible, collapsed = _visible_nodes(tree, set(path), max_nodes=100)
    assert set(path) <= set(visible)
    assert len(visible) < 100
    # Every node is either drawn or counted in exactly one collapsed subtree.
    assert len(visible) + sum(collapsed.values()) == len(tree)
    assert _visible_nodes(tree, set(path), max_nodes=400) == (tree.nodes(), {})
    # Without a path: whole levels from the top.
    visible, collapsed = _visible_nodes(tree, set(), max_nodes=100)
    assert len(visible) == 1 + 3 + 9 + 27
    assert len(visible) + sum(collapsed.values()) == len(tree)
    assert plot_tree(tree, path, out_path=tmp_path / "big.svg", max_nodes=100).stat().st_size > 0


def test_a_gambit_file_is_written_for_one_draw_only() -> None:
    import numpy as np

    from tradegame.interop.gambit import write_efg
    from tradegame.model.stages import Stage
    from tradegame.model.tree import GameTree

    stages = [Stage("first", "a", ("l", "r")), Stage("second", "b", ("l", "r"))]
    V = np.random.default_rng(0).normal(size=(3, 2, 2, 2))  # 3 draws
    tree = GameTree.from_stages(V, stages, ("a", "b"))
    with pytest.raises(ValueError, match="for_draw"):
        write_efg(tree)
    assert write_efg(tree.for_draw(1)) == write_efg(GameTree.from_stages(V[1], stages, ("a", "b")))
