"""The batched degenerate path of mixed_nash_2p_batch equals the per-game kernel bit for bit."""

from __future__ import annotations

from typing import Any

import networkx as nx
import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tradegame.model.tree import GameTree, Node
from tradegame.solvers._bimatrix import normalize
from tradegame.solvers.mixed_nash_2p import DEFAULT_TOL, mixed_nash_2p
from tradegame.solvers.mixed_nash_2p import enumerate_extreme as _enumerate_extreme
from tradegame.solvers.mixed_nash_2p_batch import _enumerate_extreme_many, mixed_nash_2p_batch
from tradegame.solvers.tree_normal_form import tree_normal_form

SHAPES = [(1, 1), (1, 4), (4, 1), (2, 2), (2, 3), (3, 2), (4, 2), (2, 4), (3, 3), (4, 4)]
SHAPES += [(6, 3), (3, 6), (5, 2), (6, 1)]


@st.composite
def degenerate_stacks(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    """(D, m, n) integer payoffs in {0, 1, 2}, often with duplicated rows and columns."""
    m, n = draw(st.sampled_from(SHAPES))
    D = draw(st.integers(1, 40))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    U = rng.integers(0, draw(st.integers(1, 3)), size=(D, 2, m, n)).astype(float)
    if draw(st.booleans()) and m > 1:
        U[..., -1, :] = U[..., 0, :]  # a duplicated row (both players' payoffs)
    if draw(st.booleans()) and n > 1:
        U[..., :, -1] = U[..., :, 0]  # a duplicated column
    return U[:, 0], U[:, 1]


@st.composite
def small_trees(draw: st.DrawFn) -> GameTree:
    """Random two-player trees with integer payoffs over several draws.

    Decision nodes of one player at the same depth with the same number of
    actions may share an information set (perfect recall is not needed for a
    reduced normal form); some branches end early, which leaves the other
    player's later sets unreached and so makes every draw degenerate.
    """
    D = draw(st.integers(1, 12))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    high = draw(st.integers(1, 3))
    depth = draw(st.integers(2, 3))
    g = nx.DiGraph()
    stack: list[Node] = [()]
    while stack:
        node = stack.pop()
        leaf = len(node) >= depth or (len(node) > 0 and draw(st.integers(0, 2)) == 0)
        attrs: dict[str, Any] = {"name": "", "stage": None, "outcome": "", "infoset_label": ""}
        if leaf:
            attrs.update(kind="terminal", draw_payoffs=rng.integers(0, high + 1, (D, 2)) * 1.0)
        else:
            player = draw(st.sampled_from(("p0", "p1")))
            n_actions = draw(st.integers(2, 3)) if not node else 2
            shared = draw(st.booleans())
            key = (player, len(node), n_actions) if shared else ("node", node)
            attrs.update(
                kind="decision",
                player=player,
                infoset=key,
                actions=tuple(f"a{j}" for j in range(n_actions)),
                draw_payoffs=None,
            )
            stack.extend((*node, a) for a in reversed(range(n_actions)))
        g.add_node(node, **attrs)
        if node:
            g.add_edge(node[:-1], node, action=node[-1], label=f"a{node[-1]}", prob=None)
    return GameTree(g, ("p0", "p1"))


def assert_matches_per_game(a: np.ndarray, b: np.ndarray) -> None:
    """Batched kernel on scaled payoffs (D, m, n) vs the per-game one, and split in two."""
    D = len(a)
    an, bn = normalize(a), normalize(b)
    draw, x, y = _enumerate_extreme_many(an, bn, DEFAULT_TOL)
    assert np.all(np.diff(draw) >= 0)
    for t in range(D):
        ref_x, ref_y = _enumerate_extreme(an[t], bn[t], DEFAULT_TOL)
        assert np.array_equal(x[draw == t], ref_x), t
        assert np.array_equal(y[draw == t], ref_y), t
    half = D // 2
    first = _enumerate_extreme_many(an[:half], bn[:half], DEFAULT_TOL)
    second = _enumerate_extreme_many(an[half:], bn[half:], DEFAULT_TOL)
    assert np.array_equal(np.concatenate([first[0], second[0] + half]), draw)
    assert np.array_equal(np.concatenate([first[1], second[1]]), x)
    assert np.array_equal(np.concatenate([first[2], second[2]]), y)


def assert_public_batch_is_chunk_invariant(a: np.ndarray, b: np.ndarray) -> None:
    """mixed_nash_2p_batch: mixed_nash_2p's equilibria per draw, and its two halves' bits.

    A nondegenerate draw is solved by support enumeration in the batch and by
    vertex enumeration in mixed_nash_2p: the same equilibria, in the same order,
    whose coordinates may differ in the last bit (e.g. 1/3 as 0.33333333333333326
    or 0.3333333333333333 for A = [[0, 0, 2], [1, 2, 0], [3, 1, 3]],
    B = [[3, 2, 0], [3, 0, 2], [1, 3, 0]]); degenerate draws go through the same
    vertex enumeration and agree exactly.
    """
    whole = mixed_nash_2p_batch(a, b)
    for t in range(len(a)):
        ref = mixed_nash_2p(a[t], b[t])
        k = int(whole.n_equilibria[t])
        assert k == len(ref)
        assert whole.valid[t, :k].all() and not whole.valid[t, k:].any()
        for e, (rx, ry) in enumerate(ref):
            if whole.degenerate[t]:
                assert np.array_equal(whole.x[t, e], rx) and np.array_equal(whole.y[t, e], ry)
            else:
                assert np.allclose(whole.x[t, e], rx, rtol=0, atol=1e-12)
                assert np.allclose(whole.y[t, e], ry, rtol=0, atol=1e-12)
    half = len(a) // 2
    for part, sl in (
        (mixed_nash_2p_batch(a[:half], b[:half]), slice(0, half)),
        (mixed_nash_2p_batch(a[half:], b[half:]), slice(half, None)),
    ):
        K = part.valid.shape[1]
        assert np.array_equal(part.valid, whole.valid[sl, :K])
        assert not whole.valid[sl, K:].any()
        assert np.array_equal(part.x, whole.x[sl, :K], equal_nan=True)
        assert np.array_equal(part.y, whole.y[sl, :K], equal_nan=True)
        assert np.array_equal(part.degenerate, whole.degenerate[sl])


@given(degenerate_stacks())
@settings(max_examples=120, deadline=None)
def test_integer_games_batched_equal_per_game(game: tuple[np.ndarray, np.ndarray]) -> None:
    assert_matches_per_game(*game)


@given(degenerate_stacks())
@settings(max_examples=40, deadline=None)
def test_public_batch_on_integer_games_is_chunk_invariant(
    game: tuple[np.ndarray, np.ndarray],
) -> None:
    assert_public_batch_is_chunk_invariant(*game)


@given(small_trees())
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
def test_reduced_normal_forms_batched_equal_per_game(tree: GameTree) -> None:
    payoffs = tree_normal_form(tree).payoffs
    assume(payoffs.ndim == 4)
    m, n = payoffs.shape[2:]
    assume((m <= 4 and n <= 4) or (min(m, n) <= 3 and max(m, n) <= 6))
    assert_matches_per_game(payoffs[:, 0], payoffs[:, 1])
    assert_public_batch_is_chunk_invariant(payoffs[:, 0], payoffs[:, 1])


@pytest.mark.parametrize("shape", [(4, 2), (4, 4), (6, 3), (5, 5)])
def test_many_draws_span_several_chunks(shape: tuple[int, int]) -> None:
    # Enough draws that the batched path works in several chunks of draws.
    m, n = shape
    rng = np.random.default_rng(m * 10 + n)
    D = 3000 if m * n <= 16 else 400
    a, b = rng.integers(0, 3, size=(2, D, m, n)).astype(float)
    assert_matches_per_game(a, b)
    res = mixed_nash_2p_batch(a, b)
    assert res.degenerate.mean() > 0.5


def test_largest_batched_supports() -> None:
    # 8x8: back substitution sums 7 terms, the most the batched path relies on
    # NumPy adding left to right; a duplicated row makes the games degenerate.
    rng = np.random.default_rng(8)
    a, b = rng.normal(size=(2, 3, 8, 8))
    a[:, 7], b[:, 7] = a[:, 0], b[:, 0]
    assert_matches_per_game(a, b)


def test_games_beyond_the_batched_limits_use_the_per_game_kernel() -> None:
    # 9x9 supports exceed the batched path's limit; results must still match.
    rng = np.random.default_rng(5)
    a, b = rng.integers(0, 2, size=(2, 2, 9, 9)).astype(float)
    assert_matches_per_game(a, b)


def test_no_draws() -> None:
    draw, x, y = _enumerate_extreme_many(np.ones((0, 3, 2)), np.ones((0, 3, 2)), DEFAULT_TOL)
    assert draw.shape == (0,) and x.shape == (0, 3) and y.shape == (0, 2)
