"""Rubinstein alternating offers: the indifference conditions first, then closed forms."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradegame.solvers.rubinstein import rubinstein

deltas = st.floats(0.01, 0.99)


@settings(max_examples=100, deadline=None)
@given(deltas, deltas, st.floats(0.1, 100.0))
def test_stationary_spe_conditions(d1: float, d2: float, pie: float) -> None:
    # Defining property (Rubinstein 1982): each responder is indifferent between
    # accepting and proposing next period. With x = player 0's share when 0 proposes
    # and y = player 1's share when 1 proposes: pie - x = d2 * y and pie - y = d1 * x.
    x = rubinstein(d1, d2, pie).shares[0]
    y = rubinstein(d1, d2, pie, proposer=1).shares[1]
    assert pie - x == pytest.approx(d2 * y, rel=1e-9)
    assert pie - y == pytest.approx(d1 * x, rel=1e-9)
    # Reference closed form.
    assert x == pytest.approx(pie * (1 - d2) / (1 - d1 * d2), rel=1e-12)


@settings(max_examples=50, deadline=None)
@given(deltas)
def test_common_discount_factor(d: float) -> None:
    split = rubinstein(d)
    assert split.shares.sum() == pytest.approx(1.0)
    assert split.proposer_share == pytest.approx(1 / (1 + d))
    assert split.shares[1] == pytest.approx(d / (1 + d))
    # First-mover advantage.
    assert split.shares[0] > split.shares[1]


def test_textbook_values() -> None:
    np.testing.assert_allclose(rubinstein(0.5).shares, [2 / 3, 1 / 3])
    np.testing.assert_allclose(
        rubinstein(0.9, 0.5, pie=10).shares, [10 * 0.5 / 0.55, 10 - 10 * 0.5 / 0.55]
    )
    # Player 1 proposing: share (1 - delta_0) / (1 - delta_0 delta_1) = 0.5 / 0.55.
    np.testing.assert_allclose(
        rubinstein(0.5, 0.9, proposer=1).shares, [1 - 0.5 / 0.55, 0.5 / 0.55]
    )
    # A patient enough responder beats an impatient proposer.
    assert rubinstein(0.1, 0.95).shares[1] > 0.5
    # As both discount factors tend to 1 with equal rates the split tends to 1/2.
    assert rubinstein(0.9999).shares[0] == pytest.approx(0.5, abs=1e-4)


def test_vectorised_over_draws() -> None:
    d1 = np.array([0.2, 0.5, 0.9])
    d2 = np.array([[0.5], [0.8]])
    split = rubinstein(d1, d2, pie=2.0)
    assert split.shares.shape == (2, 3, 2)
    assert split.delta.shape == (2, 3, 2)
    np.testing.assert_allclose(split.shares[..., 0], 2.0 * (1 - d2) / (1 - d1 * d2))
    np.testing.assert_allclose(split.shares.sum(axis=-1), 2.0)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"delta1": 0.0},
        {"delta1": 1.0},
        {"delta1": -0.5},
        {"delta1": float("nan")},
        {"delta1": 0.5, "delta2": 1.5},
        {"delta1": [0.5, 1.0]},
        {"delta1": 0.5, "pie": 0.0},
        {"delta1": 0.5, "pie": float("inf")},
        {"delta1": 0.5, "proposer": 2},
    ],
)
def test_bad_input(kwargs: dict) -> None:
    with pytest.raises(ValueError):
        rubinstein(**kwargs)
