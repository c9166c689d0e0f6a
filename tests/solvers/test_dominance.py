"""Iterated elimination of dominated strategies: defining properties, then textbook games."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.optimize import linprog

from tradegame.solvers.dominance import DominanceResult, eliminate_dominated
from tradegame.solvers.pure_nash import pure_nash


@st.composite
def games(draw: st.DrawFn, max_players: int = 3) -> np.ndarray:
    n = draw(st.integers(2, max_players))
    top = 4 if n == 2 else 3
    shape = tuple(draw(st.integers(1, top)) for _ in range(n))
    # Small integers make ties (and so weak dominance) frequent.
    return draw(arrays(np.int64, (n, *shape), elements=st.integers(-4, 4)))


def _own_matrix(U: np.ndarray, alive: list[list[int]], i: int) -> np.ndarray:
    """Player i's payoffs, rows = own surviving actions, columns = others' profiles."""
    n = U.shape[0]
    sub = U[np.ix_(range(n), *alive)].astype(float)
    return np.moveaxis(sub[i], i, 0).reshape(len(alive[i]), -1)


def _best_response_margin(M: np.ndarray, a: int) -> float:
    """max over beliefs p of min_b (M[a] - M[b]) . p; >= 0 iff row a is a best response to some p.

    This is the belief-side LP (Pearce's lemma), not the dominance LP of the solver.
    """
    k, P = M.shape
    others = [b for b in range(k) if b != a]
    if not others:
        return np.inf
    D = M[a] - M[others]  # (k-1, P)
    c = np.r_[np.zeros(P), -1.0]
    A_ub = np.hstack([-D, np.ones((len(others), 1))])
    res = linprog(
        c,
        A_ub=A_ub,
        b_ub=np.zeros(len(others)),
        A_eq=np.r_[np.ones(P), 0.0][None, :],
        b_eq=[1.0],
        bounds=[(0, None)] * P + [(None, None)],
        method="highs",
    )
    assert res.status == 0
    return float(-res.fun)


def _replay(U: np.ndarray, result: DominanceResult):
    """Yield (record, surviving sets at the start of its round)."""
    alive = [list(range(s)) for s in U.shape[1:]]
    by_round: dict[int, list] = {}
    for rec in result.trace:
        by_round.setdefault(rec.round, []).append(rec)
    for r in sorted(by_round):
        snapshot = [list(s) for s in alive]
        for rec in by_round[r]:
            yield rec, snapshot
        for rec in by_round[r]:
            alive[rec.player].remove(rec.action)
    assert [tuple(s) for s in alive] == list(result.surviving)


def _dominator_row(U, rec, snapshot) -> tuple[np.ndarray, np.ndarray]:
    M = _own_matrix(U, snapshot, rec.player)
    if rec.by_mixture:
        sigma = np.asarray(rec.dominated_by)
        assert sigma.min() >= -1e-12 and sigma.sum() == pytest.approx(1.0)
        # Only actions alive in this round may carry weight.
        dead = np.setdiff1d(np.arange(sigma.size), snapshot[rec.player])
        assert np.all(sigma[dead] == 0)
        row = sigma[snapshot[rec.player]] @ M
    else:
        row = M[snapshot[rec.player].index(rec.dominated_by)]
    return row, M[snapshot[rec.player].index(rec.action)]


# --- defining properties ---------------------------------------------------------------


@settings(max_examples=30, deadline=None)
@given(games())
def test_strict_trace_is_valid_and_survivors_are_best_responses(U: np.ndarray) -> None:
    result = eliminate_dominated(U)
    for rec, snapshot in _replay(U, result):
        assert rec.strict
        dom, row = _dominator_row(U, rec, snapshot)
        assert np.all(dom > row + 1e-9)
        # Never a best response to any belief about the others in that round.
        M = _own_matrix(U, snapshot, rec.player)
        assert _best_response_margin(M, snapshot[rec.player].index(rec.action)) < -1e-9
    # Reference: what survives is exactly what is a best response to some belief.
    alive = [list(s) for s in result.surviving]
    for i in range(U.shape[0]):
        M = _own_matrix(U, alive, i)
        for a in range(M.shape[0]):
            assert _best_response_margin(M, a) >= -1e-9


@settings(max_examples=40, deadline=None)
@given(games())
def test_pure_nash_equilibria_survive_strict_elimination(U: np.ndarray) -> None:
    result = eliminate_dominated(U)
    for profile in np.argwhere(pure_nash(U)):
        for i, a in enumerate(profile):
            assert a in result.surviving[i]


@settings(max_examples=25, deadline=None)
@given(games())
def test_weak_trace_is_valid_and_refines_strict(U: np.ndarray) -> None:
    weak = eliminate_dominated(U, weak=True)
    for rec, snapshot in _replay(U, weak):
        dom, row = _dominator_row(U, rec, snapshot)
        assert np.all(dom >= row - 1e-9) and np.any(dom > row + 1e-9)
        if rec.strict:
            assert np.all(dom > row + 1e-9)
    strict = eliminate_dominated(U)
    for i in range(U.shape[0]):
        assert set(weak.surviving[i]) <= set(strict.surviving[i])
        assert weak.surviving[i]  # never empties a player


@settings(max_examples=25, deadline=None)
@given(
    row=arrays(np.int64, st.integers(2, 5), elements=st.integers(-5, 5)),
    data=st.data(),
)
def test_weakly_dominated_kept_unless_weak(row: np.ndarray, data: st.DataObject) -> None:
    # Action 1 equals action 0 except one column where it is lower: weakly, not
    # strictly, dominated. The column player is indifferent, so nothing else moves.
    col = data.draw(st.integers(0, row.size - 1))
    drop = data.draw(st.integers(1, 3))
    U = np.zeros((2, 2, row.size), dtype=np.int64)
    U[0, 0] = row
    U[0, 1] = row
    U[0, 1, col] -= drop
    assert eliminate_dominated(U).surviving == ((0, 1), tuple(range(row.size)))
    weak = eliminate_dominated(U, weak=True)
    assert weak.surviving == ((0,), tuple(range(row.size)))
    (rec,) = weak.trace
    assert (rec.player, rec.action, rec.dominated_by, rec.strict) == (0, 1, 0, False)


# --- textbook games ---------------------------------------------------------------------


def test_mixture_dominates_middle_row() -> None:
    # Fudenberg & Tirole (1991) §2.1.1: M is beaten by neither U nor D, but by
    # the 50/50 mixture of them (payoffs 1/2 > 0 in both columns).
    U = np.zeros((2, 3, 2))
    U[0] = [[2, -1], [0, 0], [-1, 2]]
    result = eliminate_dominated(U)
    assert result.surviving == ((0, 2), (0, 1))
    (rec,) = result.trace
    assert (rec.round, rec.player, rec.action, rec.strict) == (1, 0, 1, True)
    assert rec.by_mixture
    dom = np.asarray(rec.dominated_by) @ U[0]
    assert np.all(dom > U[0, 1])
    np.testing.assert_allclose(rec.dominated_by, [0.5, 0.0, 0.5], atol=1e-9)
    # Pure domination alone cannot remove it.
    assert eliminate_dominated(U, mixed=False).surviving == ((0, 1, 2), (0, 1))


def test_prisoners_dilemma() -> None:
    U = np.array([[[3, 0], [5, 1]], [[3, 5], [0, 1]]])
    result = eliminate_dominated(U)
    assert result.solved and result.surviving == ((1,), (1,))
    assert result.rounds == 1
    assert result.payoffs.tolist() == [[[1.0]], [[1.0]]]


def test_three_round_elimination() -> None:
    # Gibbons (1992) Fig. 1.1.1: R < M for the column player, then D < U, then L < M.
    U = np.array([[[1, 1, 0], [0, 0, 2]], [[0, 2, 1], [3, 1, 0]]])
    result = eliminate_dominated(U)
    assert result.surviving == ((0,), (1,))
    assert [(r.round, r.player, r.action, r.dominated_by) for r in result.trace] == [
        (1, 1, 2, 1),
        (2, 0, 1, 0),
        (3, 1, 0, 1),
    ]


def test_three_players() -> None:
    # Player 2's action 1 is strictly worse everywhere; then the 2x2 is a PD.
    U = np.zeros((3, 2, 2, 2))
    pd = np.array([[[3, 0], [5, 1]], [[3, 5], [0, 1]]])
    U[:2, :, :, 0] = pd
    U[:2, :, :, 1] = pd
    U[2, :, :, 0] = 1.0
    result = eliminate_dominated(U)
    assert result.surviving == ((1,), (1,), (0,))


@pytest.mark.parametrize(
    "bad",
    [
        np.zeros((3, 2, 2)),
        np.zeros((2, 2)),
        np.array([[[np.nan, 0], [0, 0]], [[0, 0], [0, 0]]]),
        np.array([["a"]]),
    ],
)
def test_bad_input(bad: np.ndarray) -> None:
    with pytest.raises(ValueError):
        eliminate_dominated(bad)


def test_bad_tolerance() -> None:
    with pytest.raises(ValueError, match="tol"):
        eliminate_dominated(np.zeros((2, 2, 2)), tol=-1.0)
