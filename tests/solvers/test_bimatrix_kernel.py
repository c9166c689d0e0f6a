"""The compiled two-player kernels against the NumPy references they replace.

``solvers/_bimatrix_kernel.py`` does the same floating-point operations in the
same order as the NumPy code kept beside its callers, so the tests ask for
equality bit for bit (``np.array_equal``, which also treats ``-0.0`` and
``0.0`` alike), on continuous payoffs and on small-integer payoffs, whose
games are degenerate (ties, singular bases, extra labels). Each kernel's
defining property is checked too: minors are determinants, equilibria have
zero regret.
"""

from __future__ import annotations

import importlib

import numpy as np
import pytest

from tradegame.solvers._bimatrix import lexsort_rows, normalize
from tradegame.solvers._bimatrix_kernel import normalize_many, order_by_draw_then_rows
from tradegame.solvers.validation import PayoffError

# ``tradegame.solvers`` exports functions under the modules' names.
LH = importlib.import_module("tradegame.solvers.lemke_howson")
MB = importlib.import_module("tradegame.solvers.mixed_nash_2p_batch")
KB = importlib.import_module("tradegame.solvers._bimatrix_kernel")

SHAPES = [(1, 1), (1, 3), (2, 2), (3, 3), (2, 5), (4, 3), (6, 6), (5, 7)]


def _games(shape: tuple[int, int], D: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``D`` games of ``shape``: the first third small-integer payoffs, the rest normal."""
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(D, *shape))
    B = rng.normal(size=(D, *shape))
    k = D // 3
    A[:k] = rng.integers(0, 3, size=(k, *shape))
    B[:k] = rng.integers(0, 3, size=(k, *shape))
    return A, B


def _constraints(shape: tuple[int, int], D: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """P's ``B^T`` (n, m, D) and Q's ``A`` (m, n, D), scaled as the batch solver scales them."""
    A, B = _games(shape, D, seed)
    a, b = normalize(A), normalize(B)
    return np.moveaxis(b, 0, -1).swapaxes(0, 1), np.moveaxis(a, 0, -1)


def _kernel_minors(M: np.ndarray, transpose: bool, tables: tuple) -> list[np.ndarray]:
    """The compiled pass's minors of ``[C | 1]`` for all of ``M``'s games, split by level."""
    level, term, entry, sub = tables[:4]
    D = M.shape[0]
    S = np.empty((level[-1], D))
    KB._load_block(M, 0, D, transpose, np.empty(D), np.empty(D), S)
    KB._minors_block(S, level, term, entry, sub, D)
    return [S[level[k] : level[k + 1]] for k in range(len(level) - 1)]


@pytest.mark.parametrize("shape", SHAPES)
def test_minors_are_the_references_bit_for_bit_and_are_determinants(
    shape: tuple[int, int],
) -> None:
    A, B = _games(shape, 60, 1)
    x_tables, y_tables, *_ = MB._kernel_tables(*shape)
    for M, transpose, tables, C in zip(
        (B, A), (True, False), (x_tables, y_tables), _constraints(shape, 60, 1), strict=True
    ):
        got = _kernel_minors(M, transpose, tables)
        want = MB._all_minors_numpy(C)
        assert len(got) == len(want) == min(C.shape[0], C.shape[1] + 1)
        for g, w in zip(got, want, strict=True):
            assert g.shape == w.shape and np.array_equal(g, w)
        # The defining property: entry colex(R) * C(c, k) + colex(S) of level k
        # is the determinant of [C | 1][R, S].
        r, d, D = C.shape
        aug = np.concatenate([C, np.ones((r, 1, D))], axis=1)
        for k, level in enumerate(got, start=1):
            rows = MB._combos_colex(r, k)
            cols = MB._combos_colex(d + 1, k)
            for i, R in enumerate(rows):
                for j, S in enumerate(cols):
                    sub = np.moveaxis(aug[np.ix_(R, S)], -1, 0)
                    np.testing.assert_allclose(
                        level[i * len(cols) + j], np.linalg.det(sub), rtol=0, atol=1e-12
                    )


def _regret_rows(
    A: np.ndarray, B: np.ndarray, draw: np.ndarray, x: np.ndarray, y: np.ndarray
) -> np.ndarray:
    """Each row's largest gain from a deviation, relative to the payoff range."""
    a, b = A[draw], B[draw]
    ay = np.einsum("eij,ej->ei", a, y)
    xb = np.einsum("ei,eij->ej", x, b)
    ra = np.ptp(a.reshape(len(draw), -1), axis=1)
    rb = np.ptp(b.reshape(len(draw), -1), axis=1)
    gain_a = (ay.max(axis=1) - np.einsum("ei,ei->e", x, ay)) / np.maximum(ra, 1e-300)
    gain_b = (xb.max(axis=1) - np.einsum("ej,ej->e", xb, y)) / np.maximum(rb, 1e-300)
    return np.maximum(gain_a, gain_b)


@pytest.mark.parametrize("shape", [*SHAPES, (3, 1), (7, 7), (8, 8), (9, 4)])
@pytest.mark.parametrize("block", [1, 7, 256])
def test_compiled_pass_is_the_reference_bit_for_bit(shape: tuple[int, int], block: int) -> None:
    # Above 7 actions the kernel leaves normalising and ordering to NumPy: both paths.
    A, B = _games(shape, 90, 2)
    got = MB._nondegenerate(A, B, 1e-9, block=block)
    want = MB._nondegenerate_numpy(A, B, 1e-9)
    for g, w in zip(got, want, strict=True):
        assert g.shape == w.shape and np.array_equal(g, w)
    draw, x, y, degenerate = got
    # Integer payoffs (the first third) are degenerate but for 1x1; normal ones are not.
    assert degenerate[:30].any() or shape == (1, 1)
    assert not degenerate[30:].any()
    # The defining property: every row is an equilibrium (zero regret) of its draw, each
    # nondegenerate draw has one (an odd number), and no degenerate draw has rows.
    assert (_regret_rows(A, B, draw, x, y) <= 1e-9).all()
    assert np.allclose(x.sum(axis=1), 1.0) and np.allclose(y.sum(axis=1), 1.0)
    count = np.bincount(draw, minlength=90)
    assert (count[~degenerate] % 2 == 1).all() and (count[degenerate] == 0).all()
    assert (np.diff(draw) >= 0).all()


@pytest.mark.parametrize("shape", SHAPES)
def test_batch_solver_is_unchanged_by_the_kernels(
    shape: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    A, B = _games(shape, 150, 3)
    got = MB.mixed_nash_2p_batch(A, B)
    monkeypatch.setattr(MB, "_nondegenerate", MB._nondegenerate_numpy)
    want = MB.mixed_nash_2p_batch(A, B)
    for field in want._fields:
        g, w = getattr(got, field), getattr(want, field)
        assert g.shape == w.shape and np.array_equal(g, w, equal_nan=True), field
    # Both paths were exercised: integer payoffs give degenerate draws (except 1x1), normal not.
    assert want.degenerate[:50].any() or shape == (1, 1)
    assert not want.degenerate[50:].any()


def test_pad_by_draw_is_the_scatter_into_nan() -> None:
    rng = np.random.default_rng(7)
    D, m, n = 40, 3, 2
    draw = np.sort(rng.integers(0, D, size=90)).astype(np.intp)
    x, y = rng.normal(size=(90, m)), rng.normal(size=(90, n))
    count = np.bincount(draw, minlength=D)
    K = int(count.max())
    xp, yp = np.empty((D, K, m)), np.empty((D, K, n))
    valid = np.empty((D, K), bool)
    KB.pad_by_draw(draw, x, y, count, xp, yp, valid)
    slot = np.arange(90) - (np.cumsum(count) - count)[draw]
    want_x, want_y = np.full((D, K, m), np.nan), np.full((D, K, n), np.nan)
    want_valid = np.zeros((D, K), bool)
    want_x[draw, slot], want_y[draw, slot], want_valid[draw, slot] = x, y, True
    assert np.array_equal(xp, want_x, equal_nan=True) and np.array_equal(yp, want_y, equal_nan=True)
    assert np.array_equal(valid, want_valid) and (valid.sum(axis=1) == count).all()


def test_normalize_many_is_normalize_bit_for_bit() -> None:
    rng = np.random.default_rng(8)
    M = rng.normal(size=(200, 4, 5)) * 10.0 ** rng.integers(-3, 4, size=(200, 1, 1))
    M[:20] = 7.0  # constant games become all ones
    M[20:40] = rng.integers(-2, 3, size=(20, 4, 5))
    got = normalize_many(M)
    assert np.array_equal(got, normalize(M))
    assert got.min() == 1.0 and got.max() == 2.0 and (got[:20] == 1.0).all()


def test_sort_kernel_orders_as_lexsort_rows_with_ties_stable() -> None:
    rng = np.random.default_rng(9)
    E, D = 3000, 400
    draw = rng.integers(0, D, size=E).astype(np.intp)
    # Few distinct values, so that many rows tie on a prefix or entirely; -0.0 equals 0.0.
    x = rng.integers(0, 3, size=(E, 3)) / 3.0
    y = rng.integers(0, 2, size=(E, 2)) * rng.choice([-0.0, 0.5], size=(E, 2))
    keys = np.round(np.hstack([x, y]), 9) + 0.0
    got = order_by_draw_then_rows(draw, keys, D)
    want = lexsort_rows(draw[:, None].astype(np.float64), x, y)
    assert np.array_equal(got, want)
    assert (np.diff(draw[got]) >= 0).all()


def _regret(A: np.ndarray, B: np.ndarray, x: np.ndarray, y: np.ndarray) -> float:
    ra, rb = max(float(np.ptp(A)), 1e-300), max(float(np.ptp(B)), 1e-300)
    return float(max((np.max(A @ y) - x @ A @ y) / ra, (np.max(x @ B) - x @ B @ y) / rb))


@pytest.mark.parametrize("shape", [*SHAPES, (7, 7), (8, 8), (9, 4), (10, 10)])
def test_lemke_howson_kernel_is_the_reference_bit_for_bit(shape: tuple[int, int]) -> None:
    # Above 7 actions the kernel leaves the final division to NumPy's sum: both paths.
    A, B = _games(shape, 30, 4)
    for a, b in zip(A, B, strict=True):
        for label in range(sum(shape)):
            x, y = LH.lemke_howson(a, b, label)
            xr, yr = LH._lemke_howson_numpy(normalize(a), normalize(b), label)
            assert np.array_equal(x, xr) and np.array_equal(y, yr)
            assert _regret(a, b, x, y) <= 1e-9


@pytest.mark.parametrize("shape", [*SHAPES, (8, 8), (9, 4)])
def test_lemke_howson_batch_kernel_is_the_reference_and_each_game_alone(
    shape: tuple[int, int],
) -> None:
    A, B = _games(shape, 60, 6)
    U = np.stack([A, B], axis=1)  # the (D, 2, m, n) form: strided views of U
    for label in range(sum(shape)):
        x, y = LH.lemke_howson_batch(A, B, label)
        xr, yr = LH._lemke_howson_batch_numpy(normalize(A), normalize(B), label)
        assert np.array_equal(x, xr) and np.array_equal(y, yr)
        xu, yu = LH.lemke_howson_batch(U, None, label)
        assert np.array_equal(xu, x) and np.array_equal(yu, y)
        for d in (0, 59):
            xd, yd = LH.lemke_howson(A[d], B[d], label)
            assert np.array_equal(x[d], xd) and np.array_equal(y[d], yd)
            assert _regret(A[d], B[d], xd, yd) <= 1e-9


def test_lemke_howson_takes_any_numeric_layout_with_the_same_result() -> None:
    rng = np.random.default_rng(5)
    A, B = rng.normal(size=(6, 6)), rng.normal(size=(6, 6))
    x, _ = LH.lemke_howson(A, B, 3)
    wide = np.zeros((6, 12))
    wide[:, ::2] = A
    for a, b in [
        (A.tolist(), B.tolist()),
        (np.asfortranarray(A), np.asfortranarray(B)),
        (wide[:, ::2], B),
        (A.astype(np.float32).astype(np.float64), B),
    ]:
        xa, ya = LH.lemke_howson(a, b, 3)
        xr, yr = LH._lemke_howson_numpy(
            normalize(np.asarray(a, float)), normalize(np.asarray(b, float)), 3
        )
        assert np.array_equal(xa, xr) and np.array_equal(ya, yr)
    assert np.array_equal(LH.lemke_howson(wide[:, ::2], B, 3)[0], x)
    ints = rng.integers(-3, 4, size=(2, 4, 5))
    xi, yi = LH.lemke_howson(ints[0], ints[1], 0)
    xr, yr = LH._lemke_howson_numpy(normalize(ints[0] * 1.0), normalize(ints[1] * 1.0), 0)
    assert np.array_equal(xi, xr) and np.array_equal(yi, yr)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_lemke_howson_refuses_non_finite_payoffs_on_the_compiled_path(bad: float) -> None:
    A = np.ones((3, 3))
    B = np.ones((3, 3))
    B[2, 1] = bad
    with pytest.raises(PayoffError, match=r"^payoff matrix B contains NaN or infinite values$"):
        LH.lemke_howson(A, B, 0)
    with pytest.raises(PayoffError, match=r"^payoff matrix A contains NaN or infinite values$"):
        LH.lemke_howson(B, A, 0)
