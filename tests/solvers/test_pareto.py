"""Pareto-optimal pure profiles: the definition by brute force, then textbook games."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from tradegame.solvers.pareto import pareto_optimal


@st.composite
def games(draw: st.DrawFn) -> np.ndarray:
    n = draw(st.integers(1, 3))
    shape = tuple(draw(st.integers(1, 4 if n < 3 else 3)) for _ in range(n))
    return draw(arrays(np.int64, (n, *shape), elements=st.integers(-3, 3)))


def _brute_force(U: np.ndarray, weak: bool) -> np.ndarray:
    n = U.shape[0]
    out = np.ones(U.shape[1:], dtype=bool)
    profiles = list(itertools.product(*map(range, U.shape[1:])))
    for a in profiles:
        ua = [U[(i, *a)] for i in range(n)]
        for b in profiles:
            ub = [U[(i, *b)] for i in range(n)]
            if weak:
                beats = all(x > y for x, y in zip(ub, ua, strict=True))
            else:
                beats = all(x >= y for x, y in zip(ub, ua, strict=True)) and any(
                    x > y for x, y in zip(ub, ua, strict=True)
                )
            if beats:
                out[a] = False
                break
    return out


@settings(max_examples=50, deadline=None)
@given(games(), st.booleans())
def test_matches_definition(U: np.ndarray, weak: bool) -> None:
    mask = pareto_optimal(U, weak=weak)
    assert mask.shape == U.shape[1:]
    # Defining property: some profile is always optimal (a maximiser of the payoff sum).
    total = U.sum(axis=0)
    assert mask[np.unravel_index(np.argmax(total), total.shape)]
    np.testing.assert_array_equal(mask, _brute_force(U, weak))
    if not weak:
        assert np.all(pareto_optimal(U, weak=True) >= mask)


@settings(max_examples=20, deadline=None)
@given(st.integers(1, 4), st.data())
def test_batch_equals_loop(batch: int, data: st.DataObject) -> None:
    U = data.draw(arrays(np.int64, (batch, 2, 3, 2), elements=st.integers(-3, 3)))
    mask = pareto_optimal(U, n_players=2)
    assert mask.shape == (batch, 3, 2)
    for b in range(batch):
        np.testing.assert_array_equal(mask[b], pareto_optimal(U[b]))


def test_prisoners_dilemma() -> None:
    U = np.array([[[3, 0], [5, 1]], [[3, 5], [0, 1]]])
    assert pareto_optimal(U).tolist() == [[True, True], [True, False]]
    # (C, C) is strictly better for both than (D, D), so it is not even weakly optimal.
    assert pareto_optimal(U, weak=True).tolist() == [[True, True], [True, False]]


def test_battle_of_the_sexes_and_weak_optimality() -> None:
    # BoS (Osborne & Rubinstein 1994, ch. 2): payoffs (2,1), (0,0), (0,0), (1,2).
    U = np.array([[[2, 0], [0, 1]], [[1, 0], [0, 2]]])
    assert pareto_optimal(U).tolist() == [[True, False], [False, True]]
    # (1, 1) is Pareto-dominated by (1, 2) but not strictly for both players.
    V = np.array([[[1, 1]], [[1, 2]]])
    assert pareto_optimal(V).tolist() == [[False, True]]
    assert pareto_optimal(V, weak=True).tolist() == [[True, True]]


def test_ties_are_kept_and_tolerance() -> None:
    V = np.array([[[1.0, 1.0, 1.0 - 1e-12]], [[2.0, 2.0, 2.0]]])
    assert pareto_optimal(V).tolist() == [[True, True, False]]
    assert pareto_optimal(V, tol=1e-9).tolist() == [[True, True, True]]


def test_large_game_is_blocked() -> None:
    rng = np.random.default_rng(0)
    U = rng.normal(size=(2, 40, 40))
    mask = pareto_optimal(U)
    V = U.reshape(2, -1).T
    idx = np.flatnonzero(mask.ravel())
    # Along the frontier, sorting by player 0 must leave player 1 strictly decreasing.
    front = V[idx][np.argsort(V[idx, 0])]
    assert np.all(np.diff(front[:, 1]) < 0)
    assert np.argmax(V[:, 0]) in idx and np.argmax(V[:, 1]) in idx


@pytest.mark.parametrize(
    ("bad", "kwargs"),
    [
        (np.zeros((3, 2, 2)), {}),
        (np.zeros((4, 2, 2, 2)), {}),
        (np.zeros((4, 2, 2, 2)), {"n_players": 3}),
        (np.array([[[np.nan, 0], [0, 0]], [[0, 0], [0, 0]]]), {}),
        (np.zeros((2, 2, 2)), {"tol": -1.0}),
    ],
)
def test_bad_input(bad: np.ndarray, kwargs: dict) -> None:
    with pytest.raises(ValueError):
        pareto_optimal(bad, **kwargs)
