"""Nash and Kalai–Smorodinsky bargaining: IR and efficiency first, then closed forms."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.optimize import linprog

from tradegame.solvers.bargaining import kalai_smorodinsky, nash_bargaining, pareto_frontier


def _points(U: np.ndarray) -> np.ndarray:
    return np.asarray(U, dtype=float).reshape(2, -1).T


def _hull_lp(V: np.ndarray, lower: np.ndarray, c: np.ndarray) -> float | None:
    """max c . (sum_k lam_k V_k) over lotteries lam with sum_k lam_k V_k >= lower; None if empty."""
    K = len(V)
    res = linprog(
        -(V @ c),
        A_ub=-V.T,
        b_ub=-lower,
        A_eq=np.ones((1, K)),
        b_eq=[1.0],
        bounds=[(0, None)] * K,
        method="highs",
    )
    return None if res.status == 2 else float(-res.fun)


def _dominates_strictly(V: np.ndarray, d: np.ndarray) -> bool:
    """Some lottery beats d for both players (max of the smaller gain is positive)."""
    K = len(V)
    res = linprog(
        np.r_[np.zeros(K), -1.0],
        A_ub=np.hstack([-V.T, np.ones((2, 1))]),
        b_ub=-d,
        A_eq=np.r_[np.ones(K), 0.0][None, :],
        b_eq=[1.0],
        bounds=[(0, None)] * K + [(None, None)],
        method="highs",
    )
    return -res.fun > 1e-9


def _assert_efficient_lottery(U: np.ndarray, sol) -> None:
    V = _points(U)
    assert 1 <= len(sol.profiles) <= 2
    assert min(sol.weights) > 0 and sum(sol.weights) == pytest.approx(1.0)
    mix = sum(
        w * np.array([U[0][p], U[1][p]]) for p, w in zip(sol.profiles, sol.weights, strict=True)
    )
    np.testing.assert_allclose(mix, sol.point, atol=1e-9)
    assert np.all(sol.point >= sol.disagreement - 1e-9)  # individually rational
    # Pareto efficient: no lottery gives both at least as much and a positive total gain.
    gain = _hull_lp(V, sol.point - 1e-9, np.ones(2))
    assert gain is not None and gain <= sol.point.sum() + 1e-7


def _brute_nash_product(V: np.ndarray, d: np.ndarray, steps: int = 401) -> float:
    """Nash product on a grid along every segment between two payoff points (all in the hull)."""
    t = np.linspace(0.0, 1.0, steps)[:, None, None]
    seg = V[None, :, None, :] * (1 - t[..., None]) + V[None, None, :, :] * t[..., None]
    g = seg - d
    prod = np.where(np.all(g >= 0, axis=-1), g[..., 0] * g[..., 1], -np.inf)
    return float(prod.max())


games = arrays(
    np.float64,
    st.tuples(st.just(2), st.integers(1, 3), st.integers(1, 3)),
    elements=st.integers(-3, 6).map(float),
)
points_d = arrays(np.float64, 2, elements=st.integers(-4, 3).map(float))


@settings(max_examples=40, deadline=None)
@given(games, points_d)
def test_nash_is_rational_efficient_and_optimal(U: np.ndarray, d: np.ndarray) -> None:
    V = _points(U)
    if not _dominates_strictly(V, d):
        with pytest.raises(ValueError, match="strictly dominates"):
            nash_bargaining(U, d)
        return
    sol = nash_bargaining(U, d)
    assert np.all(sol.point > d)
    _assert_efficient_lottery(U, sol)
    brute = _brute_nash_product(V, d)
    assert brute <= sol.nash_product + 1e-9
    assert sol.nash_product <= brute + 1e-2 * max(1.0, brute)


@settings(max_examples=40, deadline=None)
@given(games, points_d)
def test_ks_is_rational_efficient_and_equalises_gains(U: np.ndarray, d: np.ndarray) -> None:
    V = _points(U)
    if not _dominates_strictly(V, d):
        with pytest.raises(ValueError, match="strictly dominates"):
            kalai_smorodinsky(U, d)
        return
    sol = kalai_smorodinsky(U, d)
    _assert_efficient_lottery(U, sol)
    # Ideal point by LP, independently of the frontier construction.
    for i in range(2):
        c = np.eye(2)[i]
        assert sol.ideal[i] == pytest.approx(_hull_lp(V, d, c), abs=1e-9)
    g = sol.relative_gains
    assert g[0] == pytest.approx(g[1], abs=1e-9)
    assert 0 < g[0] <= 1 + 1e-12


def test_dividing_a_dollar() -> None:
    # Triangle (0,0), (1,0), (0,1) from d = 0: both solutions split evenly.
    U = np.array([[[1, 0], [0, 0]], [[0, 1], [0, 0]]])
    for solve in (nash_bargaining, kalai_smorodinsky):
        sol = solve(U, [0, 0])
        np.testing.assert_allclose(sol.point, [0.5, 0.5])
        assert set(sol.profiles) == {(0, 0), (0, 1)}
        np.testing.assert_allclose(sol.weights, [0.5, 0.5])


@pytest.mark.parametrize(("a", "b", "d1", "d2"), [(1, 1, 0, 0), (4, 2, 1, 0.5), (3, 5, 0.5, 2)])
def test_nash_closed_form_on_a_segment(a: float, b: float, d1: float, d2: float) -> None:
    # Frontier x/a + y/b = 1: maximising (x - d1)(b(1 - x/a) - d2) gives
    # x = (a + d1 - a d2 / b) / 2 (Nash 1950, "split the difference" in rescaled units).
    U = np.array([[[a, 0, 0]], [[0, b, 0]]], dtype=float)
    sol = nash_bargaining(U, [d1, d2])
    x = (a + d1 - a * d2 / b) / 2
    np.testing.assert_allclose(sol.point, [x, b * (1 - x / a)], atol=1e-12)
    # With d inside the triangle the ideal point is where the frontier meets u_j = d_j.
    ks = kalai_smorodinsky(U, [d1, d2])
    ideal = np.array([a * (1 - d2 / b), b * (1 - d1 / a)])
    np.testing.assert_allclose(ks.ideal, ideal, atol=1e-12)
    # On a linear frontier (and an unclipped ideal point) the two solutions coincide.
    np.testing.assert_allclose(ks.point, sol.point, atol=1e-12)


def test_ks_differs_from_nash() -> None:
    # Kalai & Smorodinsky (1975)-style example: conv{(0,1), (1,0.5), (1,0)}, d = 0.
    U = np.array([[[0, 1, 1]], [[1, 0.5, 0]]])
    ks = kalai_smorodinsky(U, [0, 0])
    np.testing.assert_allclose(ks.ideal, [1, 1])
    np.testing.assert_allclose(ks.point, [2 / 3, 2 / 3])
    assert ks.profiles == ((0, 0), (0, 1))
    np.testing.assert_allclose(ks.weights, [1 / 3, 2 / 3])
    nash = nash_bargaining(U, [0, 0])
    np.testing.assert_allclose(nash.point, [1, 0.5])  # x (1 - x/2) peaks at x = 1
    assert nash.profiles == ((0, 1),) and nash.weights == (1.0,)


def test_prisoners_dilemma_from_punishment() -> None:
    U = np.array([[[3, 0], [5, 1]], [[3, 5], [0, 1]]])
    assert pareto_frontier(U).tolist() == [[0, 5], [3, 3], [5, 0]]
    nash = nash_bargaining(U, [1, 1])
    np.testing.assert_allclose(nash.point, [3, 3])
    assert nash.profiles == ((0, 0),)
    ks = kalai_smorodinsky(U, [1, 1])
    np.testing.assert_allclose(ks.point, [3, 3])
    np.testing.assert_allclose(ks.ideal, [13 / 3, 13 / 3])


def test_single_efficient_profile() -> None:
    U = np.array([[[2, 0], [1, 1]], [[2, 1], [0, 1]]])
    for solve in (nash_bargaining, kalai_smorodinsky):
        sol = solve(U, [0, 0])
        np.testing.assert_allclose(sol.point, [2, 2])
        assert sol.profiles == ((0, 0),)


@pytest.mark.parametrize("d", [[3, 3], [5, 0], [0, 5], [4, 4]])
def test_no_gains_from_trade(d: list[float]) -> None:
    U = np.array([[[3, 0], [5, 1]], [[3, 5], [0, 1]]])
    for solve in (nash_bargaining, kalai_smorodinsky):
        with pytest.raises(ValueError, match="strictly dominates the disagreement point"):
            solve(U, d)


@pytest.mark.parametrize(
    ("U", "d"),
    [
        (np.zeros((3, 2, 2)), [0, 0]),
        (np.zeros((2, 2, 2, 2)), [0, 0]),
        (np.full((2, 2, 2), np.nan), [0, 0]),
        (np.ones((2, 2, 2)), [0, 0, 0]),
        (np.ones((2, 2, 2)), [np.nan, 0]),
    ],
)
def test_bad_input(U: np.ndarray, d: list[float]) -> None:
    with pytest.raises(ValueError):
        nash_bargaining(U, d)
    with pytest.raises(ValueError):
        kalai_smorodinsky(U, d)
