"""Backward induction: brute force over the tree, optimality everywhere, closed forms."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradegame.model.stages import Stage
from tradegame.model.tree import GameTree
from tradegame.solvers.backward_induction import backward_induction


@st.composite
def stage_games(draw, allow_chance: bool = True, max_stages: int = 4, integer: bool = False):
    """A random perfect-information stage game with several draws.

    Payoffs are continuous normals (generic: no ties) unless ``integer``, in which case
    they are small integers, so that ties are common.
    """
    n = draw(st.integers(1, 3))
    players = tuple(f"p{i}" for i in range(n))
    k = draw(st.integers(1, max_stages))
    movers = (*players, None) if allow_chance else players
    stages = []
    for s in range(k):
        A = draw(st.integers(1, 3))
        stages.append(
            Stage(f"s{s}", draw(st.sampled_from(movers)), tuple(f"a{j}" for j in range(A)))
        )
    D = draw(st.integers(1, 4))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    shape = (D, n, *(len(x.actions) for x in stages))
    V = rng.integers(-2, 3, size=shape).astype(float) if integer else rng.normal(size=shape)
    probs = {
        s: rng.dirichlet(np.ones(len(x.actions)), size=D)
        for s, x in enumerate(stages)
        if x.is_chance
    }
    return V, tuple(stages), players, probs


def _draw(res_strategy, d):
    return [None if x is None else x[d] for x in res_strategy]


@given(stage_games())
@settings(max_examples=60, deadline=None)
def test_equals_brute_force_recursion_over_the_tree(game):
    V, stages, players, probs = game
    res = backward_induction(V, stages, players, probs)
    assert res.values.shape == (V.shape[0], len(players))
    for d in range(V.shape[0]):
        tree = GameTree.from_stages(V[d], stages, players, {s: p[d] for s, p in probs.items()})
        values = tree.subgame_values()
        choices = tree.subgame_choices()
        np.testing.assert_allclose(res.values[d], values[()], rtol=1e-12, atol=1e-12)
        # The strategy agrees with brute force at every decision node, on or off the path.
        for node, a in choices.items():
            s = len(node)
            assert res.strategy[s] is not None
            assert res.strategy[s][d][node] == a
        # The path distribution is the reach probability of each terminal node.
        reach = tree.reach_probabilities(tree.profile_from_arrays(_draw(res.strategy, d)))
        expected = np.zeros(V.shape[2:])
        for node, p in reach.items():
            if len(node) == len(stages):
                expected[node] = p
        np.testing.assert_allclose(res.path_probs[d], expected, atol=1e-12)


@given(stage_games())
@settings(max_examples=60, deadline=None)
def test_batched_tree_recursion_equals_the_array_solver_on_every_draw(game):
    """One tree over all draws, solved by recursion vectorised over the draw axis."""
    V, stages, players, probs = game
    D = V.shape[0]
    res = backward_induction(V, stages, players, probs)
    tree = GameTree.from_stages(V, stages, players, probs)
    assert tree.n_draws == D and tree.draw_shape == (D,)
    values = tree.subgame_values(draw=None)
    choices = tree.subgame_choices(draw=None)
    np.testing.assert_allclose(values[()], res.values, rtol=1e-12, atol=1e-12)
    for node, a in choices.items():
        assert a.shape == (D,)
        np.testing.assert_array_equal(res.strategy[len(node)][(slice(None), *node)], a)
    # Reach probabilities under the solver's strategy, all draws at once, are its path.
    reach = tree.reach_probabilities(tree.profile_from_arrays(res.strategy), draw=None)
    expected = np.zeros(res.path_probs.shape)
    for node, p in reach.items():
        if len(node) == len(stages):
            expected[(slice(None), *node)] = p
    np.testing.assert_allclose(res.path_probs, expected, atol=1e-12)
    # The values under the solver's own profile are its values (one-shot check below).
    on_profile = tree.subgame_values(tree.profile_from_arrays(res.strategy), draw=None)
    np.testing.assert_allclose(on_profile[()], res.values, atol=1e-12)
    # Draw by draw, the batched recursion is the single-draw tree's recursion.
    for d in range(D):
        one = GameTree.from_stages(V[d], stages, players, {s: p[d] for s, p in probs.items()})
        one_values = one.subgame_values()
        for node, v in tree.subgame_values(draw=d).items():
            np.testing.assert_array_equal(v, one_values[node])
            np.testing.assert_array_equal(values[node][d], one_values[node])
        assert tree.subgame_choices(draw=d) == one.subgame_choices()


def test_batched_tree_with_several_draw_axes():
    rng = np.random.default_rng(11)
    stages = (
        Stage("a", "x", ("l", "r")),
        Stage("b", None, ("h", "t", "u")),
        Stage("c", "y", ("l", "m", "r")),
    )
    V = rng.normal(size=(2, 3, 2, 2, 3, 3))
    probs = {1: rng.dirichlet(np.ones(3), size=(2, 3))}
    res = backward_induction(V, stages, ("x", "y"), probs)
    tree = GameTree.from_stages(V, stages, ("x", "y"), probs)
    assert tree.draw_shape == (2, 3) and tree.n_draws == 6
    root = tree.subgame_values(draw=None)[()]
    np.testing.assert_allclose(root.reshape(2, 3, 2), res.values, rtol=1e-12, atol=1e-12)
    for idx in np.ndindex(2, 3):
        np.testing.assert_allclose(tree.subgame_values(draw=idx)[()], res.values[idx])
        profile = tree.profile_from_arrays(res.strategy, draw=idx)
        one = [None if x is None else x[idx] for x in res.strategy]
        assert profile == tree.profile_from_arrays(one)


@given(stage_games())
@settings(max_examples=60, deadline=None)
def test_no_profitable_one_shot_deviation_anywhere(game):
    V, stages, players, probs = game
    res = backward_induction(V, stages, players, probs)
    for d in range(V.shape[0]):
        tree = GameTree.from_stages(V[d], stages, players, {s: p[d] for s, p in probs.items()})
        profile = tree.profile_from_arrays(_draw(res.strategy, d))
        values = tree.subgame_values(profile)
        np.testing.assert_allclose(values[()], res.values[d], atol=1e-12)
        for node in tree.nodes("decision"):
            i = players.index(tree.node(node)["player"])
            for child in tree.children(node):
                assert values[child][i] <= values[node][i] + 1e-12


@given(stage_games(integer=True))
@settings(max_examples=40, deadline=None)
def test_uniform_tie_break_mixes_only_over_best_actions(game):
    V, stages, players, probs = game
    res = backward_induction(V, stages, players, probs, tie_break="uniform")
    assert res.tie_break == "uniform"
    np.testing.assert_allclose(res.path_probs.sum(axis=tuple(range(1, res.path_probs.ndim))), 1.0)
    for s, stage in enumerate(stages):
        if stage.is_chance:
            continue
        # The recorded pure action is the first of the mixture's support; ties mark mixing.
        support = res.behaviour[s] > 0
        np.testing.assert_array_equal(res.strategy[s], support.argmax(axis=-1))
        np.testing.assert_array_equal(res.ties[s], support.sum(axis=-1) > 1)
    for d in range(V.shape[0]):
        tree = GameTree.from_stages(V[d], stages, players, {s: p[d] for s, p in probs.items()})
        profile = {}
        for node in tree.nodes("decision"):
            profile[tree.node(node)["infoset"]] = res.behaviour[len(node)][d][node]
        values = tree.subgame_values(profile)
        np.testing.assert_allclose(values[()], res.values[d], atol=1e-9)
        for node in tree.nodes("decision"):
            i = players.index(tree.node(node)["player"])
            w = res.behaviour[len(node)][d][node]
            q = np.array([values[c][i] for c in tree.children(node)])
            assert np.all(q <= values[node][i] + 1e-9)
            # Positive weight only on best actions, equal weights on all of them.
            assert np.all(q[w > 0] >= q.max() - 1e-9)
            assert np.allclose(w[w > 0], 1.0 / np.count_nonzero(q >= q.max() - 1e-9))


def test_draws_are_solved_independently():
    rng = np.random.default_rng(3)
    stages = (
        Stage("a", "x", ("l", "r")),
        Stage("b", None, ("h", "t", "u")),
        Stage("c", "y", ("l", "m", "r")),
    )
    V = rng.normal(size=(5, 2, 2, 3, 3))
    probs = {1: rng.dirichlet(np.ones(3), size=5)}
    res = backward_induction(V, stages, ("x", "y"), probs)
    for d in range(5):
        one = backward_induction(V[d], stages, ("x", "y"), {1: probs[1][d]})
        np.testing.assert_allclose(res.values[d], one.values)
        np.testing.assert_allclose(res.path_probs[d], one.path_probs)
        for s in range(3):
            np.testing.assert_allclose(res.action_probs[s][d], one.action_probs[s])


@pytest.mark.parametrize(
    ("order", "expected_offer"), [(("accept", "reject"), 0), (("reject", "accept"), 1)]
)
def test_ultimatum_game_on_a_grid(order, expected_offer):
    """Proposer keeps all but the smallest share the responder accepts.

    With ``tie_break="first"`` the responder, indifferent at a zero offer, takes the
    option listed first: accepting it (offer 0) or rejecting it (smallest positive offer).
    """
    N = 10
    offers = tuple(f"{j}/{N}" for j in range(N + 1))
    stages = (Stage("offer", "proposer", offers), Stage("reply", "responder", order))
    accept = order.index("accept")
    V = np.zeros((2, N + 1, 2))
    share = np.arange(N + 1) / N
    V[0, :, accept] = 1 - share
    V[1, :, accept] = share
    res = backward_induction(V, stages, ("proposer", "responder"))
    assert int(res.strategy[0]) == expected_offer
    np.testing.assert_allclose(res.values, [1 - expected_offer / N, expected_offer / N])
    # Off the path the responder accepts every positive offer.
    assert np.all(res.strategy[1][1:] == accept)
    assert res.ties[1][0] and not res.ties[1][1:].any()
    assert res.action_probs[0][expected_offer] == 1.0
    assert res.action_probs[1][accept] == 1.0


def test_entry_deterrence():
    stages = (
        Stage("entry", "entrant", ("out", "in")),
        Stage("reply", "incumbent", ("fight", "accommodate")),
    )
    V = np.zeros((2, 2, 2))
    V[:, 0, :] = [[0.0, 0.0], [2.0, 2.0]]  # out: (0, 2) whatever the reply
    V[:, 1, 0] = [-1.0, -1.0]  # in, fight
    V[:, 1, 1] = [1.0, 1.0]  # in, accommodate
    res = backward_induction(V, stages, ("entrant", "incumbent"))
    assert int(res.strategy[0]) == 1
    assert res.strategy[1].tolist() == [0, 1]  # off the path the tie goes to "fight"
    assert res.ties[1].tolist() == [True, False]
    np.testing.assert_allclose(res.values, [1.0, 1.0])
    np.testing.assert_array_equal(res.path_probs, [[0, 0], [0, 1]])
    # Fighting is a non-credible threat: it is not chosen even if it would deter entry.
    V[1, 1, 1] = 0.5
    assert backward_induction(V, stages, ("entrant", "incumbent")).strategy[0] == 1


@pytest.mark.parametrize("p", [0.0, 0.25, 0.6, 1.0])
def test_chance_then_choice_path_probability_is_p(p):
    stages = (Stage("nature", None, ("good", "bad")), Stage("act", "firm", ("invest", "wait")))
    # Invest pays 2 in the good state and -1 in the bad one; waiting pays 0.
    V = np.array([[[2.0, 0.0], [-1.0, 0.0]]])
    res = backward_induction(V, stages, ("firm",), [[p, 1 - p], None])
    assert res.strategy[1].tolist() == [0, 1]
    assert res.path_probs[0, 0] == pytest.approx(p)
    assert res.path_probs[1, 1] == pytest.approx(1 - p)
    np.testing.assert_allclose(res.action_probs[0], [p, 1 - p])
    np.testing.assert_allclose(res.values, [2 * p])


def test_chance_probabilities_vary_by_draw():
    stages = (Stage("nature", None, ("good", "bad")), Stage("act", "firm", ("invest", "wait")))
    p = np.array([0.1, 0.5, 0.9])
    V = np.broadcast_to(np.array([[[2.0, 0.0], [-1.0, 0.0]]]), (3, 1, 2, 2))
    res = backward_induction(V, stages, ("firm",), {"nature": np.stack([p, 1 - p], axis=-1)})
    np.testing.assert_allclose(res.path_probs[:, 0, 0], p)
    np.testing.assert_allclose(res.values[:, 0], 2 * p)


def test_imperfect_information_is_refused_with_a_pointer_to_the_normal_form():
    stages = (Stage("a", "x", ("l", "r")), Stage("b", "y", ("l", "r"), observes=()))
    with pytest.raises(ValueError, match="normal form"):
        backward_induction(np.zeros((2, 2, 2)), stages, ("x", "y"))
    # Observing every earlier stage explicitly is perfect information.
    stages = (Stage("a", "x", ("l", "r")), Stage("b", "y", ("l", "r"), observes=(0,)))
    backward_induction(np.zeros((2, 2, 2)), stages, ("x", "y"))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"V": np.zeros((2, 3, 2))}, "does not end in"),
        ({"tie_break": "random"}, "tie_break"),
        ({"chance_probs": [[0.5, 0.6], None]}, "sum to 1"),
        ({"chance_probs": None}, "no probabilities"),
        ({"chance_probs": [[0.5, 0.5], [0.5, 0.5]]}, "not chance"),
        ({"V": np.full((2, 2, 2), np.nan)}, "NaN"),
    ],
)
def test_bad_input_is_a_clear_value_error(kwargs, message):
    args = {
        "V": np.zeros((2, 2, 2)),
        "stages": (Stage("c", None, ("h", "t")), Stage("b", "y", ("l", "r"))),
        "players": ("x", "y"),
        "chance_probs": [[0.5, 0.5], None],
    }
    args.update(kwargs)
    with pytest.raises(ValueError, match=message):
        backward_induction(**args)


def test_unknown_mover_is_rejected():
    with pytest.raises(ValueError, match="not one of the players"):
        backward_induction(np.zeros((1, 2)), (Stage("a", "z", ("l", "r")),), ("x",))
