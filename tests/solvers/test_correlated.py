"""Correlated equilibria: incentive constraints first, then Aumann's chicken."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from tradegame.solvers.correlated import ce_constraints, correlated_equilibrium
from tradegame.solvers.pure_nash import pure_nash

CHICKEN = np.array([[[6, 2], [7, 0]], [[6, 7], [2, 0]]], dtype=float)  # Aumann (1974)


@st.composite
def games(draw: st.DrawFn) -> np.ndarray:
    n = draw(st.integers(1, 3))
    shape = tuple(draw(st.integers(1, 3)) for _ in range(n))
    return draw(arrays(np.float64, (n, *shape), elements=st.integers(-4, 4).map(float)))


def _max_gain(U: np.ndarray, p: np.ndarray) -> float:
    """Best gain of any player from disobeying any recommendation, by explicit loops."""
    n = U.shape[0]
    best = 0.0
    for i in range(n):
        for a, b in itertools.permutations(range(U.shape[1 + i]), 2):
            gain = 0.0
            for prof in itertools.product(*map(range, U.shape[1:])):
                if prof[i] != a:
                    continue
                dev = list(prof)
                dev[i] = b
                gain += p[prof] * (U[(i, *dev)] - U[(i, *prof)])
            best = max(best, gain)
    return best


@settings(max_examples=30, deadline=None)
@given(games(), st.randoms(use_true_random=False))
def test_welfare_optimal_ce_obeys_incentives(U: np.ndarray, rnd) -> None:
    ce = correlated_equilibrium(U)
    p = ce.distribution
    assert p.shape == U.shape[1:]
    assert p.min() >= 0 and p.sum() == pytest.approx(1.0)
    assert ce.constraints.contains(p, tol=1e-7)
    assert _max_gain(U, p) <= 1e-7
    assert ce.objective_value == pytest.approx(sum((U[i] * p).sum() for i in range(U.shape[0])))
    # The constraint matrix agrees with the explicit loop on arbitrary distributions.
    rng = np.random.default_rng(rnd.randrange(2**32))
    q = rng.dirichlet(np.ones(p.size)).reshape(p.shape)
    assert ce.constraints.violation(q) == pytest.approx(_max_gain(U, q), abs=1e-9)
    # Every pure Nash equilibrium is a CE, so none has higher welfare.
    for prof in np.argwhere(pure_nash(U)):
        point = np.zeros(p.shape)
        point[tuple(prof)] = 1.0
        assert ce.constraints.contains(point)
        assert U[(slice(None), *prof)].sum() <= ce.objective_value + 1e-7


@settings(max_examples=40, deadline=None)
@given(arrays(np.float64, (2, 2, 2), elements=st.integers(-5, 5).map(float)))
def test_mixed_nash_of_2x2_is_a_ce(U: np.ndarray) -> None:
    # Fully mixed equilibrium by indifference (Nash 1950): q makes player 0 indifferent.
    A, B = U
    den_q = A[0, 0] - A[0, 1] - A[1, 0] + A[1, 1]
    den_p = B[0, 0] - B[0, 1] - B[1, 0] + B[1, 1]
    if den_q == 0 or den_p == 0:
        return
    q = (A[1, 1] - A[0, 1]) / den_q
    p = (B[1, 1] - B[1, 0]) / den_p
    if not (0 < p < 1 and 0 < q < 1):
        return
    dist = np.outer([p, 1 - p], [q, 1 - q])
    assert _max_gain(U, dist) <= 1e-9  # it is a Nash equilibrium ...
    assert ce_constraints(U).contains(dist)  # ... hence a correlated equilibrium


def test_chicken_beats_mixed_nash() -> None:
    cons = ce_constraints(CHICKEN)
    assert cons.matrix.shape == (4, 4)
    # Aumann's public-signal CE: 1/3 on each profile except (dare, dare).
    assert cons.contains([[1 / 3, 1 / 3], [1 / 3, 0]])
    assert not cons.contains([[1.0, 0.0], [0.0, 0.0]])  # (chicken, chicken) is not
    mixed_nash = np.outer([2 / 3, 1 / 3], [2 / 3, 1 / 3])
    assert cons.contains(mixed_nash)
    nash_sum = sum((CHICKEN[i] * mixed_nash).sum() for i in range(2))
    assert nash_sum == pytest.approx(28 / 3)

    ce = correlated_equilibrium(CHICKEN)
    assert cons.contains(ce.distribution)
    assert ce.objective_value > nash_sum
    # Closed form: p(C,C) = 1/2, p(C,D) = p(D,C) = 1/4, welfare 21/2.
    np.testing.assert_allclose(ce.distribution, [[0.5, 0.25], [0.25, 0.0]], atol=1e-9)
    assert ce.objective_value == pytest.approx(10.5)
    np.testing.assert_allclose(ce.payoffs, [5.25, 5.25])
    assert ce.objective == "sum"


def test_weighted_and_custom_objectives() -> None:
    best_for_0 = correlated_equilibrium(CHICKEN, weights=[1.0, 0.0])
    assert best_for_0.payoffs[0] == pytest.approx(7.0)  # the pure equilibrium (dare, chicken)
    assert best_for_0.objective == "weights"
    worst = correlated_equilibrium(CHICKEN, objective=-CHICKEN.sum(axis=0))
    assert worst.objective == "custom"
    assert worst.constraints.contains(worst.distribution)
    # By hand: p(C,C) = 0 and the binding constraints p(C,D) = p(D,C) = 2 p(D,D) give
    # p = (0, 2/5, 2/5, 1/5) and welfare 36/5, below both pure equilibria (9 each).
    np.testing.assert_allclose(worst.distribution, [[0.0, 0.4], [0.4, 0.2]], atol=1e-9)
    assert -worst.objective_value == pytest.approx(7.2)


def test_three_player_constraint_count() -> None:
    U = np.random.default_rng(1).normal(size=(3, 2, 3, 2))
    cons = ce_constraints(U)
    assert cons.matrix.shape == (2 + 6 + 2, 12)
    assert cons.rows[0] == (0, 0, 1)
    ce = correlated_equilibrium(U)
    assert _max_gain(U, ce.distribution) <= 1e-7


@pytest.mark.parametrize(
    ("U", "kwargs"),
    [
        (np.zeros((3, 2, 2)), {}),
        (np.full((2, 2, 2), np.nan), {}),
        (CHICKEN, {"weights": [1.0]}),
        (CHICKEN, {"objective": np.zeros(3)}),
        (CHICKEN, {"weights": [1, 1], "objective": np.zeros((2, 2))}),
    ],
)
def test_bad_input(U: np.ndarray, kwargs: dict) -> None:
    with pytest.raises(ValueError):
        correlated_equilibrium(U, **kwargs)


def test_bad_distribution() -> None:
    cons = ce_constraints(CHICKEN)
    with pytest.raises(ValueError, match="shape"):
        cons.contains(np.ones(4) / 4)
    with pytest.raises(ValueError, match="sum to 1"):
        cons.contains(np.ones((2, 2)))
