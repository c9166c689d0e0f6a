"""Grim trigger: no profitable one-shot deviation at delta*, then the PD closed form."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from tradegame.solvers.pure_nash import pure_nash
from tradegame.solvers.repeated import grim_trigger

PD = np.array([[[3, 0], [5, 1]], [[3, 5], [0, 1]]], dtype=float)


def _deviation_gain(U: np.ndarray, target: tuple, punish: tuple, delta: float) -> float:
    """Largest gain of a one-shot deviation from grim trigger, by brute force over actions.

    Deviating to b: payoff u_i(b, a*_{-i}) today, then P_i forever, against R_i forever.
    """
    n = U.shape[0]
    best = -math.inf
    for i in range(n):
        R = U[(i, *target)]
        P = U[(i, *punish)]
        for b in range(U.shape[1 + i]):
            if b == target[i]:
                continue
            dev = list(target)
            dev[i] = b
            gain = (U[(i, *dev)] + delta * P / (1 - delta)) - R / (1 - delta)
            best = max(best, gain)
    return best


@settings(max_examples=40, deadline=None)
@given(
    arrays(np.float64, (2, 3, 3), elements=st.integers(-5, 5).map(float)),
    st.integers(0, 8),
)
def test_sustained_exactly_when_no_deviation_pays(U: np.ndarray, flat_target: int) -> None:
    nash = np.argwhere(pure_nash(U))
    assume(len(nash) > 0)
    punish = tuple(int(a) for a in nash[0])
    target = tuple(int(a) for a in np.unravel_index(flat_target, (3, 3)))
    g = grim_trigger(U, target, punish)
    # Defining property (one-shot deviation principle): grim trigger is an SPE at delta
    # iff no single deviation from the path pays; the punishment path is a stage NE.
    grid = [*np.linspace(0.01, 0.99, 99), g.critical_delta, g.max_delta]
    for delta in grid:
        if 0 < delta < 1:
            assert g.sustains(delta) == (_deviation_gain(U, target, punish, delta) <= 1e-9)
    if not g.sustainable:
        assert g.critical_delta == math.inf and g.reason
        return
    assert 0.0 <= g.critical_delta <= g.max_delta <= 1.0
    # Reference formula (Fudenberg & Tirole 1991, §5.1) in the usual case P < R.
    T, R, P = g.temptation, g.reward, g.punishment
    if np.all(P < R):
        ref = max([(T[i] - R[i]) / (T[i] - P[i]) for i in range(2) if T[i] > R[i]], default=0.0)
        assert g.critical_delta == pytest.approx(ref)
        assert g.max_delta == 1.0


def test_prisoners_dilemma() -> None:
    g = grim_trigger(PD, target=(0, 0), punishment=(1, 1))
    T, R, P = 5.0, 3.0, 1.0
    assert g.critical_delta == pytest.approx((T - R) / (T - P)) == pytest.approx(0.5)
    assert g.sustainable and g.reason == ""
    np.testing.assert_allclose(g.temptation, [5, 5])
    np.testing.assert_allclose(g.reward, [3, 3])
    np.testing.assert_allclose(g.punishment, [1, 1])
    assert g.best_deviation == (1, 1)
    assert g.sustains(0.5) and g.sustains(0.9) and not g.sustains(0.49)


@pytest.mark.parametrize(("T", "R", "P"), [(4.0, 3.0, 0.0), (10.0, 6.0, 2.0), (7.0, 2.0, 1.0)])
def test_general_prisoners_dilemma(T: float, R: float, P: float) -> None:
    S = -1.0
    U = np.array([[[R, S], [T, P]], [[R, T], [S, P]]])
    g = grim_trigger(U, (0, 0), (1, 1))
    assert g.critical_delta == pytest.approx((T - R) / (T - P))


def test_no_profitable_deviation_gives_zero() -> None:
    # The target is itself a stage equilibrium.
    g = grim_trigger(PD, target=(1, 1), punishment=(1, 1))
    assert g.critical_delta == 0.0 and g.sustainable
    assert g.best_deviation == (0, 0)
    assert g.sustains(0.01) and g.sustains(0.99)


def test_unsustainable_when_punishment_does_not_hurt() -> None:
    # Target (C, D) in the PD: player 0 gets S = 0 < P = 1 and gains by defecting.
    g = grim_trigger(PD, target=(0, 1), punishment=(1, 1))
    assert not g.sustainable
    assert g.critical_delta == math.inf
    assert g.per_player[0] == math.inf and g.per_player[1] == 0.0
    assert "player 0" in g.reason
    assert not g.sustains(0.99)


def test_punishment_better_than_target_caps_delta() -> None:
    # Player 0: R = 1, best deviation T = 0, but the "punishment" equilibrium pays P = 3;
    # a patient player 0 deviates on purpose once delta > (R - T)/(P - T) = 1/3.
    U = np.array([[[1, 0], [0, 3]], [[1, 0], [0, 1]]], dtype=float)
    g = grim_trigger(U, (0, 0), (1, 1))
    assert g.sustainable and g.critical_delta == 0.0
    assert g.max_delta == pytest.approx(1 / 3)
    assert g.sustains(0.2) and not g.sustains(0.5)
    assert _deviation_gain(U, (0, 0), (1, 1), 0.5) > 0 >= _deviation_gain(U, (0, 0), (1, 1), 0.2)


def test_mixed_punishment_payoffs() -> None:
    # Matching-pennies-like punishment given as payoffs: (T - R)/(T - P) with P = 0.
    g = grim_trigger(PD, target=(0, 0), punishment_payoffs=[0.0, 0.0])
    assert g.critical_delta == pytest.approx(2 / 5)


def test_three_players() -> None:
    # Public good: contributing (action 0) costs 1 and pays 1/2 to every player.
    # R = 3/2 - 1 = 1/2, T = 1 (free ride on two contributors), P = 0: delta* = 1/2.
    U = np.zeros((3, 2, 2, 2))
    for prof in np.ndindex(2, 2, 2):
        pot = 0.5 * sum(1 for a in prof if a == 0)
        for i in range(3):
            U[(i, *prof)] = pot - (1.0 if prof[i] == 0 else 0.0)
    assert pure_nash(U)[1, 1, 1]
    g = grim_trigger(U, (0, 0, 0), (1, 1, 1))
    np.testing.assert_allclose(g.reward, 0.5)
    np.testing.assert_allclose(g.temptation, 1.0)
    np.testing.assert_allclose(g.punishment, 0.0)
    assert g.critical_delta == pytest.approx(0.5)


@pytest.mark.parametrize(
    ("U", "kwargs"),
    [
        (np.zeros((3, 2, 2)), {"target": (0, 0), "punishment": (1, 1)}),
        (np.full((2, 2, 2), np.nan), {"target": (0, 0), "punishment": (1, 1)}),
        (PD, {"target": (0, 2), "punishment": (1, 1)}),
        (PD, {"target": (0,), "punishment": (1, 1)}),
        (PD, {"target": (0, 0), "punishment": (0, 0)}),  # not a Nash equilibrium
        (PD, {"target": (0, 0)}),
        (PD, {"target": (0, 0), "punishment": (1, 1), "punishment_payoffs": [1, 1]}),
        (PD, {"target": (0, 0), "punishment_payoffs": [1.0]}),
    ],
)
def test_bad_input(U: np.ndarray, kwargs: dict) -> None:
    with pytest.raises(ValueError):
        grim_trigger(U, **kwargs)


@pytest.mark.parametrize("delta", [0.0, 1.0, -0.1, 1.5])
def test_bad_discount_factor(delta: float) -> None:
    with pytest.raises(ValueError, match="discount factor"):
        grim_trigger(PD, (0, 0), (1, 1)).sustains(delta)
