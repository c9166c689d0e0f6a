"""Maxmin values: the guarantee and its tightness first, then closed forms."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.optimize import linprog

from tradegame.solvers.maxmin import maxmin, pure_maxmin


@st.composite
def games(draw: st.DrawFn) -> np.ndarray:
    n = draw(st.integers(1, 3))
    shape = tuple(draw(st.integers(1, 4 if n < 3 else 3)) for _ in range(n))
    return draw(arrays(np.float64, (n, *shape), elements=st.integers(-5, 5).map(float)))


def _opponents_minmax(U: np.ndarray, i: int) -> float:
    """min over joint opponent mixtures q of max_{a_i} E_q u_i: the dual side (von Neumann)."""
    M = np.moveaxis(U[i], i, 0).reshape(U.shape[1 + i], -1)
    k, P = M.shape
    res = linprog(
        np.r_[np.zeros(P), 1.0],
        A_ub=np.hstack([M, -np.ones((k, 1))]),
        b_ub=np.zeros(k),
        A_eq=np.r_[np.ones(P), 0.0][None, :],
        b_eq=[1.0],
        bounds=[(0, None)] * P + [(None, None)],
        method="highs",
    )
    assert res.status == 0
    return float(res.fun)


@settings(max_examples=30, deadline=None)
@given(games(), st.randoms(use_true_random=False))
def test_guarantee_and_tightness(U: np.ndarray, rnd) -> None:
    r = maxmin(U)
    n = U.shape[0]
    rng = np.random.default_rng(rnd.randrange(2**32))
    for i in range(n):
        sigma = r.strategies[i]
        assert sigma.shape == (U.shape[1 + i],)
        assert sigma.min() >= 0 and sigma.sum() == pytest.approx(1.0)
        # Guarantee: against independent random mixtures of the others, never below the value.
        ui = np.moveaxis(U[i], i, 0)
        for _ in range(5):
            payoff = np.tensordot(sigma, ui, axes=(0, 0))
            for _j in range(n - 1):
                payoff = np.tensordot(payoff, rng.dirichlet(np.ones(payoff.shape[0])), axes=(0, 0))
            assert payoff >= r.value[i] - 1e-9
        # Tightness: the others can hold i to exactly this value (LP duality).
        assert r.value[i] == pytest.approx(_opponents_minmax(U, i), abs=1e-7)
        # Pure maxmin by brute force, and it never beats the mixed value.
        M = ui.reshape(ui.shape[0], -1)
        assert r.pure_value[i] == M.min(axis=1).max()
        assert M[r.pure_actions[i]].min() == r.pure_value[i]
        assert r.pure_value[i] <= r.value[i] + 1e-9


def test_matching_pennies() -> None:
    U = np.array([[[1, -1], [-1, 1]], [[-1, 1], [1, -1]]])
    r = maxmin(U)
    np.testing.assert_allclose(r.value, [0.0, 0.0], atol=1e-9)
    for sigma in r.strategies:
        np.testing.assert_allclose(sigma, [0.5, 0.5], atol=1e-9)
    assert r.pure_value.tolist() == [-1.0, -1.0]


def test_two_by_two_zero_sum_closed_form() -> None:
    # Row payoffs [[a, b], [c, d]] with no saddle point: value (ad - bc)/(a - b - c + d)
    # and row strategy p = (d - c)/(a - b - c + d) (Myerson 1991, §3.8).
    a, b, c, d = 2.0, -1.0, -1.0, 1.0
    A = np.array([[a, b], [c, d]])
    r = maxmin(np.stack([A, -A]))
    den = a - b - c + d
    assert r.value[0] == pytest.approx((a * d - b * c) / den)
    assert r.value[1] == pytest.approx(-(a * d - b * c) / den)
    np.testing.assert_allclose(r.strategies[0], [(d - c) / den, 1 - (d - c) / den], atol=1e-9)
    np.testing.assert_allclose(r.strategies[1], [(d - b) / den, 1 - (d - b) / den], atol=1e-9)


def test_prisoners_dilemma_defect_is_secure() -> None:
    U = np.array([[[3, 0], [5, 1]], [[3, 5], [0, 1]]])
    r = maxmin(U)
    np.testing.assert_allclose(r.value, [1.0, 1.0])
    assert r.pure_actions == (1, 1)
    np.testing.assert_allclose(r.strategies[0], [0.0, 1.0], atol=1e-9)


def test_three_players_coalition() -> None:
    # Player 0 plays matching pennies against the parity of the others' joint profile,
    # so the coalition can exploit any pure action and 1/2-1/2 guarantees exactly 0.
    U = np.zeros((3, 2, 2, 2))
    for a in np.ndindex(2, 2, 2):
        U[(0, *a)] = 1.0 if a[0] == (a[1] ^ a[2]) else -1.0
    r = maxmin(U)
    assert r.value[0] == pytest.approx(0.0, abs=1e-9)
    np.testing.assert_allclose(r.strategies[0], [0.5, 0.5], atol=1e-9)


@settings(max_examples=20, deadline=None)
@given(st.integers(1, 3), st.data())
def test_pure_maxmin_batched(batch: int, data: st.DataObject) -> None:
    U = data.draw(arrays(np.int64, (batch, 2, 3, 2), elements=st.integers(-5, 5)))
    p = pure_maxmin(U, n_players=2)
    assert p.value.shape == p.actions.shape == (batch, 2)
    for b in range(batch):
        single = pure_maxmin(U[b])
        np.testing.assert_array_equal(p.value[b], single.value)
        np.testing.assert_array_equal(p.actions[b], single.actions)
        assert p.value[b, 0] == U[b, 0].min(axis=1).max()
        assert p.value[b, 1] == U[b, 1].min(axis=0).max()


@pytest.mark.parametrize(
    "bad",
    [np.zeros((3, 2, 2)), np.zeros(3), np.array([[[np.inf, 0], [0, 0]], [[0, 0], [0, 0]]])],
)
def test_bad_input(bad: np.ndarray) -> None:
    with pytest.raises(ValueError):
        maxmin(bad)
    with pytest.raises(ValueError):
        pure_maxmin(bad)
