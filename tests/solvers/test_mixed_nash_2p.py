"""Tests for mixed_nash_2p (vertex enumeration) and mixed_nash_2p_batch."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradegame.solvers.mixed_nash_2p import mixed_nash_2p
from tradegame.solvers.mixed_nash_2p_batch import mixed_nash_2p_batch

DATA = Path(__file__).parent.parent / "data"


def _records(name: str, field: str, kind: str | None = None) -> list[dict[str, Any]]:
    records = json.loads((DATA / name).read_text())["records"]
    return [r for r in records if field in r and (kind is None or r["kind"] == kind)]


RANDOM_MIXED = _records("gambit_random_games.json", "mixed", kind="mixed2")
DEGENERATE = _records("gambit_degenerate_games.json", "extreme_equilibria")


def max_regret(A: np.ndarray, B: np.ndarray, x: np.ndarray, y: np.ndarray) -> float:
    """Largest gain either player gets by deviating, divided by that player's payoff range.

    A player whose payoffs are all equal gains nothing by deviating: regret 0 (dividing
    its rounding residue, ~1e-16, by a tiny range would report a huge regret).
    """
    ra, rb = float(np.ptp(A)), float(np.ptp(B))
    row = (np.max(A @ y) - x @ A @ y) / ra if ra > 0 else 0.0
    col = (np.max(x @ B) - x @ B @ y) / rb if rb > 0 else 0.0
    return float(max(row, col))


def assert_equilibrium(A: np.ndarray, B: np.ndarray, x: np.ndarray, y: np.ndarray) -> None:
    m, n = np.shape(A)
    assert x.shape == (m,) and y.shape == (n,)
    assert np.all(x >= 0) and np.all(y >= 0)
    assert abs(x.sum() - 1) <= 1e-12 and abs(y.sum() - 1) <= 1e-12
    assert max_regret(A, B, x, y) <= 1e-9


def _dedup(profiles: list[tuple[np.ndarray, np.ndarray]], tol: float) -> list[np.ndarray]:
    out: list[np.ndarray] = []
    for x, y in profiles:
        v = np.concatenate([x, y])
        if not any(np.abs(v - w).max() <= tol for w in out):
            out.append(v)
    return out


def assert_same_set(ours: list[tuple[np.ndarray, np.ndarray]], ref: list[Any], tol: float = 1e-6):
    """Equal as sets of profiles, within ``tol``; ``ours`` must have no duplicates."""
    ref_arr = [(np.asarray(x, float), np.asarray(y, float)) for x, y in ref]
    mine = _dedup(ours, tol)
    assert len(mine) == len(ours), "result contains duplicate equilibria"
    theirs = _dedup(ref_arr, tol)
    for v in theirs:
        assert any(np.abs(v - w).max() <= tol for w in mine), f"missing equilibrium {v}"
    for w in mine:
        assert any(np.abs(v - w).max() <= tol for v in theirs), f"extra equilibrium {w}"


# --- the defining property on the Gambit oracle games ------------------------------------


@pytest.mark.parametrize(
    "rec", RANDOM_MIXED + DEGENERATE, ids=lambda r: str(np.shape(r["payoffs"]))
)
def test_every_result_is_an_equilibrium(rec: dict[str, Any]) -> None:
    A, B = np.asarray(rec["payoffs"], float)
    eqs = mixed_nash_2p(A, B)
    assert eqs, "every finite game has an equilibrium"
    for x, y in eqs:
        assert_equilibrium(A, B, x, y)


def test_oracle_files_are_present() -> None:
    assert len(RANDOM_MIXED) == 200
    assert len(DEGENERATE) == 150


@pytest.mark.parametrize("rec", RANDOM_MIXED, ids=lambda r: str(np.shape(r["payoffs"])))
def test_matches_gambit_on_random_games(rec: dict[str, Any]) -> None:
    A, B = np.asarray(rec["payoffs"], float)
    assert_same_set(mixed_nash_2p(A, B), rec["mixed"])


@pytest.mark.parametrize("rec", DEGENERATE, ids=lambda r: str(np.shape(r["payoffs"])))
def test_matches_gambit_on_degenerate_games(rec: dict[str, Any]) -> None:
    A, B = np.asarray(rec["payoffs"], float)
    assert_same_set(mixed_nash_2p(A, B), rec["extreme_equilibria"])


def test_batch_matches_gambit_records_grouped_by_shape() -> None:
    by_shape: dict[tuple[int, ...], list[dict[str, Any]]] = {}
    for rec in RANDOM_MIXED + DEGENERATE:
        by_shape.setdefault(np.shape(rec["payoffs"]), []).append(rec)
    for recs in by_shape.values():
        U = np.array([r["payoffs"] for r in recs], float)
        res = mixed_nash_2p_batch(U)
        for d, rec in enumerate(recs):
            ours = [(res.x[d, e], res.y[d, e]) for e in np.flatnonzero(res.valid[d])]
            assert_same_set(ours, rec["mixed"] if "mixed" in rec else rec["extreme_equilibria"])


# --- closed forms -------------------------------------------------------------------------


def test_matching_pennies() -> None:
    A = np.array([[1.0, -1.0], [-1.0, 1.0]])
    [(x, y)] = mixed_nash_2p(A, -A)
    np.testing.assert_allclose(x, [0.5, 0.5], atol=1e-12)
    np.testing.assert_allclose(y, [0.5, 0.5], atol=1e-12)


def test_battle_of_the_sexes() -> None:
    A = np.array([[3.0, 0.0], [0.0, 2.0]])
    B = np.array([[2.0, 0.0], [0.0, 3.0]])
    eqs = mixed_nash_2p(A, B)
    assert len(eqs) == 3
    # Sorted lexicographically by (x, y): (B, B), the mixed one, then (A, A).
    np.testing.assert_allclose(eqs[0][0], [0, 1])
    np.testing.assert_allclose(eqs[2][0], [1, 0])
    x, y = eqs[1]
    np.testing.assert_allclose(x, [3 / 5, 2 / 5], atol=1e-12)
    np.testing.assert_allclose(y, [2 / 5, 3 / 5], atol=1e-12)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_2x2_fully_mixed_closed_form(seed: int) -> None:
    rng = np.random.default_rng(seed)
    A, B = rng.normal(size=(2, 2, 2))
    # Make the game cyclic (like matching pennies) so its only equilibrium is fully mixed:
    # the row player prefers to match the column player, who prefers to mismatch.
    A = np.array([[abs(A[0, 0]) + 1, -abs(A[0, 1])], [-abs(A[1, 0]), abs(A[1, 1]) + 1]])
    B = np.array([[-abs(B[0, 0]), abs(B[0, 1]) + 1], [abs(B[1, 0]) + 1, -abs(B[1, 1])]])
    (a, b), (c, d) = A
    (e, f), (g, h) = B
    q = (d - b) / (a - b - c + d)  # column player's weight on column 0
    p = (h - g) / (e - f - g + h)  # row player's weight on row 0
    [(x, y)] = mixed_nash_2p(A, B)
    np.testing.assert_allclose(x, [p, 1 - p], atol=1e-10)
    np.testing.assert_allclose(y, [q, 1 - q], atol=1e-10)


# --- degenerate structure -----------------------------------------------------------------


def test_all_ties_give_every_pure_profile() -> None:
    # Every profile is an equilibrium; the extreme points are the pure profiles.
    Z = np.zeros((2, 3))
    eqs = mixed_nash_2p(Z, Z)
    assert len(eqs) == 6
    pure = {(int(np.argmax(x)), int(np.argmax(y))) for x, y in eqs}
    assert pure == {(i, j) for i in range(2) for j in range(3)}


def test_continuum_gives_its_endpoints() -> None:
    # Row 0 strictly dominates; the column player is indifferent, so (e0, y) is an
    # equilibrium for every y and the extreme ones are y = e0 and y = e1.
    A = np.array([[1.0, 1.0], [0.0, 0.0]])
    B = np.zeros((2, 2))
    eqs = mixed_nash_2p(A, B)
    assert [(x.tolist(), y.tolist()) for x, y in eqs] == [
        ([1.0, 0.0], [0.0, 1.0]),
        ([1.0, 0.0], [1.0, 0.0]),
    ]


def test_invariant_under_positive_affine_payoff_changes() -> None:
    rng = np.random.default_rng(3)
    A, B = rng.integers(-3, 4, size=(2, 4, 3)).astype(float)
    base = mixed_nash_2p(A, B)
    moved = mixed_nash_2p(1000.0 * A - 7.0, 0.001 * B + 5.0)
    assert len(base) == len(moved)
    for (x0, y0), (x1, y1) in zip(base, moved, strict=True):
        np.testing.assert_allclose(x0, x1, atol=1e-9)
        np.testing.assert_allclose(y0, y1, atol=1e-9)


def test_output_sorted_and_single_action_games() -> None:
    eqs = mixed_nash_2p([[1.0, 2.0, 0.5]], [[0.0, 3.0, 3.0]])
    assert [y.tolist() for _, y in eqs] == [[0.0, 0.0, 1.0], [0.0, 1.0, 0.0]]
    keys = [tuple(np.round(np.concatenate([x, y]), 9)) for x, y in mixed_nash_2p(*_bos())]
    assert keys == sorted(keys)


def _bos() -> tuple[np.ndarray, np.ndarray]:
    return np.array([[3.0, 0.0], [0.0, 2.0]]), np.array([[2.0, 0.0], [0.0, 3.0]])


# --- property tests -----------------------------------------------------------------------

shapes = st.tuples(st.integers(1, 4), st.integers(1, 4))


@st.composite
def generic_games(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    m, n = draw(shapes)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    A, B = rng.normal(size=(2, m, n))
    return A, B


@st.composite
def integer_games(draw: st.DrawFn, lo: int = -2, hi: int = 2) -> tuple[np.ndarray, np.ndarray]:
    m, n = draw(shapes)
    vals = draw(st.lists(st.integers(lo, hi), min_size=2 * m * n, max_size=2 * m * n))
    A, B = np.array(vals, float).reshape(2, m, n)
    return A, B


@settings(max_examples=80, deadline=None)
@given(generic_games())
def test_property_generic_games(game: tuple[np.ndarray, np.ndarray]) -> None:
    A, B = game
    eqs = mixed_nash_2p(A, B)
    # Nondegenerate games have an odd number of equilibria (Shapley 1974).
    assert len(eqs) % 2 == 1
    for x, y in eqs:
        assert_equilibrium(A, B, x, y)


@settings(max_examples=120, deadline=None)
@given(integer_games())
def test_property_degenerate_integer_games(game: tuple[np.ndarray, np.ndarray]) -> None:
    A, B = game
    eqs = mixed_nash_2p(A, B)
    assert eqs
    assert len(_dedup(eqs, 1e-9)) == len(eqs)
    for x, y in eqs:
        assert_equilibrium(A, B, x, y)


@settings(max_examples=40, deadline=None)
@given(integer_games(-1, 1))
def test_equilibria_in_a_component_are_covered(game: tuple[np.ndarray, np.ndarray]) -> None:
    # Every pure equilibrium lies in a component, so it is a convex combination of
    # extreme equilibria; in particular a pure equilibrium is itself extreme (a pure
    # strategy is a vertex of the simplex).
    A, B = game
    eqs = mixed_nash_2p(A, B)
    pure_a = A == A.max(axis=0, keepdims=True)
    pure_b = B == B.max(axis=1, keepdims=True)
    for i, j in np.argwhere(pure_a & pure_b):
        assert any(x[i] == 1.0 and y[j] == 1.0 for x, y in eqs)


# --- batched solver -----------------------------------------------------------------------


def _assert_batch_equals_per_game(A: np.ndarray, B: np.ndarray, **kw: Any) -> None:
    res = mixed_nash_2p_batch(A, B, **kw)
    D = len(A)
    assert res.x.shape[:2] == res.valid.shape and res.x.shape[0] == D
    for d in range(D):
        eqs = mixed_nash_2p(A[d], B[d])
        assert res.n_equilibria[d] == len(eqs)
        assert res.valid[d, : len(eqs)].all() and not res.valid[d, len(eqs) :].any()
        for e, (x, y) in enumerate(eqs):
            np.testing.assert_allclose(res.x[d, e], x, atol=1e-9)
            np.testing.assert_allclose(res.y[d, e], y, atol=1e-9)
        assert np.isnan(res.x[d, len(eqs) :]).all()


@settings(max_examples=30, deadline=None)
@given(shapes, st.integers(1, 40), st.integers(0, 2**32 - 1))
def test_batch_equals_per_game_generic(shape: tuple[int, int], D: int, seed: int) -> None:
    A, B = np.random.default_rng(seed).normal(size=(2, D, *shape))
    _assert_batch_equals_per_game(A, B)


@settings(max_examples=30, deadline=None)
@given(shapes, st.integers(1, 30), st.integers(0, 2**32 - 1))
def test_batch_equals_per_game_degenerate(shape: tuple[int, int], D: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    A, B = rng.integers(-2, 3, size=(2, D, *shape)).astype(float)
    _assert_batch_equals_per_game(A, B)


@pytest.mark.parametrize("shape", [(6, 6), (5, 3), (3, 6), (1, 7), (7, 1)])
def test_batch_equals_per_game_larger_games(shape: tuple[int, int]) -> None:
    rng = np.random.default_rng(sum(shape))
    A, B = rng.normal(size=(2, 4, *shape))
    _assert_batch_equals_per_game(A, B)
    A, B = rng.integers(-1, 2, size=(2, 4, *shape)).astype(float)
    _assert_batch_equals_per_game(A, B)


def test_batch_accepts_U_and_leading_axes() -> None:
    rng = np.random.default_rng(7)
    U = rng.normal(size=(4, 5, 2, 3, 2))
    res = mixed_nash_2p_batch(U)
    assert res.x.shape[:2] == (4, 5) and res.x.shape[-1] == 3 and res.y.shape[-1] == 2
    assert res.n_equilibria.shape == (4, 5) and res.degenerate.shape == (4, 5)
    flat = mixed_nash_2p_batch(U[..., 0, :, :].reshape(20, 3, 2), U[..., 1, :, :].reshape(20, 3, 2))
    np.testing.assert_array_equal(res.n_equilibria.ravel(), flat.n_equilibria)


def test_batch_flags_degenerate_draws_and_can_skip_them() -> None:
    rng = np.random.default_rng(11)
    A, B = rng.normal(size=(2, 6, 3, 3))
    A[2] = 0.0  # row player indifferent everywhere: degenerate
    B[4, :, 0] = B[4, :, 1]  # two identical columns for the column player: degenerate
    res = mixed_nash_2p_batch(A, B, fallback=False)
    assert res.degenerate.tolist() == [False, False, True, False, True, False]
    assert res.n_equilibria[2] == 0 and res.n_equilibria[4] == 0
    full = mixed_nash_2p_batch(A, B)
    assert full.n_equilibria[2] == len(mixed_nash_2p(A[2], B[2]))
    np.testing.assert_array_equal(
        full.n_equilibria[~full.degenerate], res.n_equilibria[~res.degenerate]
    )


def test_batch_zero_draws() -> None:
    res = mixed_nash_2p_batch(np.zeros((0, 3, 3)), np.zeros((0, 3, 3)))
    assert res.x.shape == (0, 0, 3) and res.n_equilibria.shape == (0,)


# --- input validation ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("A", "B", "match"),
    [
        (np.ones(3), np.ones(3), "2-D"),
        (np.ones((2, 2, 2)), np.ones((2, 2, 2)), "2-D"),
        (np.ones((2, 3)), np.ones((3, 2)), "same shape"),
        (np.ones((0, 3)), np.ones((0, 3)), "at least one action"),
        (np.array([[1.0, np.nan]]), np.ones((1, 2)), "NaN"),
        (np.ones((1, 2)), np.array([[1.0, np.inf]]), "NaN or infinite"),
        ([["a", "b"]], [[1, 2]], "numeric"),
    ],
)
def test_bad_input_raises(A: Any, B: Any, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        mixed_nash_2p(A, B)


def test_bad_tol_and_huge_game_raise() -> None:
    with pytest.raises(ValueError, match="tol"):
        mixed_nash_2p(np.ones((2, 2)), np.ones((2, 2)), tol=0.0)
    with pytest.raises(ValueError, match="lemke_howson"):
        mixed_nash_2p(np.ones((15, 15)), np.ones((15, 15)))


def test_batch_bad_input_raises() -> None:
    with pytest.raises(ValueError, match=r"\(\.\.\., 2, m, n\)"):
        mixed_nash_2p_batch(np.ones((5, 3, 3, 3)))
    with pytest.raises(ValueError, match="same shape"):
        mixed_nash_2p_batch(np.ones((5, 3, 3)), np.ones((5, 3, 2)))
    with pytest.raises(ValueError, match="NaN"):
        mixed_nash_2p_batch(np.full((2, 2, 2, 2), np.nan))
