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


def test_one_draw_at_a_time():
    with pytest.raises(ValueError, match="one draw"):
        GameTree.from_stages(np.zeros((3, 1, 2)), (Stage("a", "x", ("l", "r")),), ("x",))


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
