"""Compiled kernels of the two-player solvers, behind a private boundary.

Each function here is the Numba version of a NumPy reference kept beside its
caller, doing the same floating-point operations in the same order, so that
its results are bit for bit those of the reference (tested in
``tests/solvers/test_bimatrix_kernel.py``):

- :func:`minors_level` computes one level of the minors of ``[C | 1]``, as a
  step of :func:`tradegame.solvers.mixed_nash_2p_batch._all_minors_numpy`;
- :func:`basis_solutions` gives the basic solution, feasibility and extra
  labels of every basis from those minors, as
  :func:`tradegame.solvers.mixed_nash_2p_batch._basis_solutions_numpy`, but
  stops at the first negative coordinate and reads the slacks only of bases
  whose coordinates are feasible (most are not);
- :func:`lemke_howson_one` follows the lexicographic Lemke–Howson path in one
  game, as :func:`tradegame.solvers.lemke_howson._lemke_howson_numpy`, without
  NumPy's per-call overhead on a tableau of a few dozen entries.

The kernels take plain arrays checked by their callers; none allocates but
:func:`lemke_howson_one`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]
BoolArray = NDArray[np.bool_]

_OPTIONS: dict[str, Any] = {"cache": True, "error_model": "numpy"}


@njit(**_OPTIONS)
def minors_level(
    flat: FloatArray, prev: FloatArray, entry: IntArray, sub: IntArray, sign: FloatArray
) -> FloatArray:
    """One level of minors by expansion along the first row, draws on the last axis.

    ``out[i] = sum_t sign[t] * flat[entry[i, t]] * prev[sub[i, t]]``, summed
    left to right with the first term assigned and the others added or
    subtracted, as the NumPy reference does.
    """
    N, k = entry.shape
    D = flat.shape[1]
    out = np.empty((N, D))
    for i in range(N):
        e = entry[i, 0]
        s = sub[i, 0]
        for d in range(D):
            out[i, d] = flat[e, d] * prev[s, d]
        for t in range(1, k):
            e = entry[i, t]
            s = sub[i, t]
            if sign[t] > 0:
                for d in range(D):
                    out[i, d] += flat[e, d] * prev[s, d]
            else:
                for d in range(D):
                    out[i, d] -= flat[e, d] * prev[s, d]
    return out


@njit(**_OPTIONS)
def _feasibility(
    minors_k: FloatArray,
    minors_next: FloatArray,
    det_i: IntArray,
    num_i: IntArray,
    num_sign: FloatArray,
    slack_i: IntArray,
    slack_sign: FloatArray,
    tol: float,
    threshold: float,
    feasible: BoolArray,
    extra: BoolArray,
) -> None:
    """Fill ``feasible`` and ``extra`` (P, D) for every basis of one support size.

    The loops over draws are branch-free so that they vectorise; the slacks
    of a basis are read only when some draw's coordinates are all feasible.
    """
    P, k = num_i.shape
    D = minors_k.shape[1]
    n_slack = slack_i.shape[1]
    inv = np.empty(D)
    low = np.empty(D)
    for p in range(P):
        det_row = minors_k[det_i[p]]
        for d in range(D):
            det = det_row[d]
            inv[d] = 1.0 / det if abs(det) > threshold else 0.0
            low[d] = np.inf
        for t in range(k):
            row = minors_k[num_i[p, t]]
            scale = num_sign[t]
            for d in range(D):
                low[d] = min(low[d], row[d] * (scale * inv[d]))
        candidates = False
        for d in range(D):
            candidates |= low[d] >= -tol
        if candidates:
            for j in range(n_slack):
                row = minors_next[slack_i[p, j]]
                scale = slack_sign[p, j]
                for d in range(D):
                    low[d] = min(low[d], row[d] * (scale * inv[d]))
        for d in range(D):
            f = abs(det_row[d]) > threshold and low[d] >= -tol
            feasible[p, d] = f
            extra[p, d] = f and low[d] <= tol


@njit(**_OPTIONS)
def _coordinates(
    minors_k: FloatArray,
    det_i: IntArray,
    num_i: IntArray,
    num_sign: FloatArray,
    support: IntArray,
    p: int,
    d: int,
    out: FloatArray,
) -> None:
    """Write basis ``p``'s solution in draw ``d`` into ``out`` at its support."""
    inv = 1.0 / minors_k[det_i[p], d]
    for t in range(num_i.shape[1]):
        out[support[p, t]] = minors_k[num_i[p, t], d] * (num_sign[t] * inv)


@njit(**_OPTIONS)
def support_size_equilibria(
    x_minors: FloatArray,
    x_next: FloatArray,
    x_det: IntArray,
    x_num: IntArray,
    x_num_sign: FloatArray,
    x_slack: IntArray,
    x_slack_sign: FloatArray,
    y_minors: FloatArray,
    y_next: FloatArray,
    y_det: IntArray,
    y_num: IntArray,
    y_num_sign: FloatArray,
    y_slack: IntArray,
    y_slack_sign: FloatArray,
    rows: IntArray,
    cols: IntArray,
    m: int,
    n: int,
    tol: float,
    threshold: float,
    degenerate: BoolArray,
) -> tuple[IntArray, FloatArray, FloatArray]:
    """Equilibria with supports of one size ``k`` in a chunk of draws.

    The *x* arguments are the minors of *P* (``[B^T | 1]``) at levels ``k``
    and ``k + 1`` and the minor indices of :func:`_pair_tables` for its bases,
    the *y* arguments those of *Q* (``[A | 1]``); basis ``p`` of both has row
    support ``rows[p]`` and column support ``cols[p]``.

    Returns the draw, ``x`` (E, m) and ``y`` (E, n) (unnormalised) of every
    basis feasible in both polytopes, in row-major (basis, draw) order, and
    sets ``degenerate[d]`` where a feasible basis has an extra label.
    """
    P = rows.shape[0]
    D = x_minors.shape[1]
    fx = np.empty((P, D), np.bool_)
    ex = np.empty((P, D), np.bool_)
    fy = np.empty((P, D), np.bool_)
    ey = np.empty((P, D), np.bool_)
    _feasibility(
        x_minors, x_next, x_det, x_num, x_num_sign, x_slack, x_slack_sign, tol, threshold, fx, ex
    )
    _feasibility(
        y_minors, y_next, y_det, y_num, y_num_sign, y_slack, y_slack_sign, tol, threshold, fy, ey
    )
    count = 0
    for p in range(P):
        for d in range(D):
            if ex[p, d] or ey[p, d]:
                degenerate[d] = True
            if fx[p, d] and fy[p, d]:
                count += 1
    draw = np.empty(count, np.intp)
    x = np.zeros((count, m))
    y = np.zeros((count, n))
    e = 0
    for p in range(P):
        for d in range(D):
            if fx[p, d] and fy[p, d]:
                draw[e] = d
                _coordinates(x_minors, x_det, x_num, x_num_sign, rows, p, d, x[e])
                _coordinates(y_minors, y_det, y_num, y_num_sign, cols, p, d, y[e])
                e += 1
    return draw, x, y


#: Entries of the scaled Lemke–Howson tableau at or below this count as nonpositive in
#: the ratio test, and ratios within it count as ties. Kept here, where Numba reads it at
#: compile time, so that a change invalidates the on-disk cache.
PIVOT_TOL = 1e-12

#: ``status`` codes of :func:`lemke_howson_one`.
LH_OK = 0
LH_NOT_FINITE = 1
LH_UNBOUNDED = 2
LH_NO_END = 3


@njit(**_OPTIONS)
def _range(M: FloatArray) -> tuple[float, float]:
    """``lo`` and ``span`` of :func:`tradegame.solvers._bimatrix.normalize` for one matrix."""
    lo = M[0, 0]
    hi = M[0, 0]
    for i in range(M.shape[0]):
        for j in range(M.shape[1]):
            lo = min(lo, M[i, j])
            hi = max(hi, M[i, j])
    span = hi - lo
    if not span > 0:
        span = 1.0
    return lo, span


@njit(**_OPTIONS)
def _lh_pivot(
    tab: FloatArray,
    basis: IntArray,
    lex: IntArray,
    col: int,
    column: FloatArray,
    ratio: FloatArray,
    pivot_row: FloatArray,
    rows: IntArray,
) -> int:
    """One lexicographic pivot, as :func:`tradegame.solvers.lemke_howson._pivot`.

    ``column``, ``ratio``, ``pivot_row`` and ``rows`` are scratch space.
    Returns the leaving label, or -1 for an unbounded ray.
    """
    rows_n, width = tab.shape
    count = 0
    for i in range(rows_n):
        column[i] = tab[i, col]
        if column[i] > PIVOT_TOL:
            rows[count] = i
            ratio[count] = tab[i, width - 1] / column[i]
            count += 1
    if count == 0:
        return -1
    best = ratio[0]
    for c in range(1, count):
        best = min(best, ratio[c])
    kept = 0
    for c in range(count):
        if ratio[c] <= best + PIVOT_TOL * max(1.0, abs(best)):
            rows[kept] = rows[c]
            kept += 1
    count = kept
    if count > 1:
        # Ties in the ordinary ratio: the rows of the basis inverse, column by column.
        for jj in range(1, lex.shape[0]):
            j = lex[jj]
            for c in range(count):
                ratio[c] = tab[rows[c], j] / column[rows[c]]
            best = ratio[0]
            for c in range(1, count):
                best = min(best, ratio[c])
            kept = 0
            for c in range(count):
                if ratio[c] <= best + PIVOT_TOL * max(1.0, abs(best)):
                    rows[kept] = rows[c]
                    kept += 1
            count = kept
            if count == 1:
                break
    r = rows[0]
    pivot = tab[r, col]
    for j in range(width):
        pivot_row[j] = tab[r, j] / pivot
    for i in range(rows_n):
        for j in range(width):
            tab[i, j] -= column[i] * pivot_row[j]
    for j in range(width):
        tab[r, j] = pivot_row[j]
    leaving = basis[r]
    basis[r] = col
    return int(leaving)


@njit(**_OPTIONS)
def _sum_in_order(v: FloatArray) -> float:
    """``v.sum()`` as NumPy computes it for fewer than 8 entries: left to right."""
    total = v[0]
    for i in range(1, v.shape[0]):
        total += v[i]
    return total


@njit(**_OPTIONS)
def lemke_howson_one(
    A: FloatArray, B: FloatArray, label: int
) -> tuple[FloatArray, FloatArray, int, bool]:
    """Lemke–Howson on one game: ``(x, y, status, normalized)``.

    ``A`` and ``B`` are the raw (m, n) payoffs, checked here for finiteness
    (``status`` :data:`LH_NOT_FINITE`) and scaled into [1, 2] as
    :func:`~tradegame.solvers._bimatrix.normalize` does. ``x`` and ``y`` are
    normalised to sum to one when ``normalized`` (m and n at most 7, where a
    sum left to right is NumPy's); otherwise the caller divides by NumPy's sum.
    """
    m, n = A.shape
    x = np.zeros(m)
    y = np.zeros(n)
    for i in range(m):
        for j in range(n):
            if not (np.isfinite(A[i, j]) and np.isfinite(B[i, j])):
                return x, y, LH_NOT_FINITE, False
    status = _lh_game(A, B, label, x, y)
    return x, y, status, status == LH_OK and m <= 7 and n <= 7


@njit(**_OPTIONS)
def lemke_howson_many(
    A: FloatArray, B: FloatArray, label: int
) -> tuple[FloatArray, FloatArray, int, bool]:
    """:func:`lemke_howson_one` for each of the (D, m, n) games, already checked finite.

    Returns ``x`` (D, m), ``y`` (D, n), the first failed status (or
    :data:`LH_OK`) and whether the rows are normalised.
    """
    D, m, n = A.shape
    x = np.zeros((D, m))
    y = np.zeros((D, n))
    for d in range(D):
        status = _lh_game(A[d], B[d], label, x[d], y[d])
        if status != LH_OK:
            return x, y, status, False
    return x, y, LH_OK, m <= 7 and n <= 7


@njit(**_OPTIONS)
def _lh_game(A: FloatArray, B: FloatArray, label: int, x: FloatArray, y: FloatArray) -> int:
    """Follow the path in one game, writing its equilibrium into ``x`` and ``y`` (zeros).

    All scratch space is two allocations, carved into the tableaux and buffers.
    """
    m, n = A.shape
    width = m + n + 1
    big = max(m, n)
    floats = np.zeros((m + n) * width + 2 * big + width)
    ints = np.empty(2 * (m + n + 1) + big, np.intp)
    tab_p = floats[: n * width].reshape((n, width))
    tab_q = floats[n * width : (m + n) * width].reshape((m, width))
    column = floats[(m + n) * width : (m + n) * width + big]
    ratio = floats[(m + n) * width + big : (m + n) * width + 2 * big]
    pivot_row = floats[(m + n) * width + 2 * big :]
    basis_p = ints[:n]
    basis_q = ints[n : m + n]
    lex_p = ints[m + n : m + 2 * n + 1]
    lex_q = ints[m + 2 * n + 1 : 2 * (m + n + 1)]
    rows = ints[2 * (m + n + 1) :]

    lo_a, span_a = _range(A)
    lo_b, span_b = _range(B)
    for j in range(n):
        for i in range(m):
            tab_p[j, i] = (B[i, j] - lo_b) / span_b + 1.0
        tab_p[j, m + j] = 1.0
        tab_p[j, width - 1] = 1.0
        basis_p[j] = m + j
        lex_p[j + 1] = m + j
    for i in range(m):
        tab_q[i, i] = 1.0
        for j in range(n):
            tab_q[i, m + j] = (A[i, j] - lo_a) / span_a + 1.0
        tab_q[i, width - 1] = 1.0
        basis_q[i] = i
        lex_q[i + 1] = i
    lex_p[0] = m + n
    lex_q[0] = m + n

    # Each basis pair is visited at most once on the path, which bounds the steps.
    max_steps = 4 * (2 ** min(m + n, 30)) + 10
    entering = label
    in_p = label < m
    done = False
    for _ in range(max_steps):
        if in_p:
            leaving = _lh_pivot(tab_p, basis_p, lex_p, entering, column, ratio, pivot_row, rows)
        else:
            leaving = _lh_pivot(tab_q, basis_q, lex_q, entering, column, ratio, pivot_row, rows)
        if leaving < 0:
            return LH_UNBOUNDED
        if leaving == label:
            done = True
            break
        entering = leaving
        in_p = not in_p
    if not done:
        return LH_NO_END

    for row in range(n):
        lab = basis_p[row]
        if lab < m:
            x[lab] = tab_p[row, width - 1]
    for row in range(m):
        lab = basis_q[row]
        if lab >= m:
            y[lab - m] = tab_q[row, width - 1]
    for i in range(m):
        x[i] = max(x[i], 0.0)
    for j in range(n):
        y[j] = max(y[j], 0.0)
    if m > 7 or n > 7:
        return LH_OK
    sx = _sum_in_order(x)
    sy = _sum_in_order(y)
    for i in range(m):
        x[i] = x[i] / sx
    for j in range(n):
        y[j] = y[j] / sy
    return LH_OK


@njit(**_OPTIONS)
def normalize_many(M: FloatArray) -> FloatArray:
    """:func:`tradegame.solvers._bimatrix.normalize` of a (D, m, n) stack, the same operations."""
    D, m, n = M.shape
    out = np.empty((D, m, n))
    for g in range(D):
        lo = M[g, 0, 0]
        hi = M[g, 0, 0]
        for i in range(m):
            for j in range(n):
                lo = min(lo, M[g, i, j])
                hi = max(hi, M[g, i, j])
        span = hi - lo
        if not span > 0:
            span = 1.0
        for i in range(m):
            for j in range(n):
                out[g, i, j] = (M[g, i, j] - lo) / span + 1.0
    return out


@njit(**_OPTIONS)
def order_by_draw_then_rows(draw: IntArray, keys: FloatArray, n_draws: int) -> IntArray:
    """Stable order by ``draw``, then by the rows of ``keys`` compared column by column.

    The order ``np.lexsort`` gives for the keys ``(draw, keys[:, 0], keys[:, 1], ...)``
    (all finite): a stable counting sort by draw, then a stable insertion sort
    within each draw's few rows.
    """
    E, K = keys.shape
    start = np.zeros(n_draws + 1, np.intp)
    for e in range(E):
        start[draw[e] + 1] += 1
    for d in range(n_draws):
        start[d + 1] += start[d]
    fill = start[:-1].copy()
    order = np.empty(E, np.intp)
    for e in range(E):
        order[fill[draw[e]]] = e
        fill[draw[e]] += 1
    for d in range(n_draws):
        for i in range(start[d] + 1, start[d + 1]):
            cur = order[i]
            j = i - 1
            while j >= start[d]:
                prev = order[j]
                # Move ``prev`` right only while it compares strictly greater (stability).
                greater = False
                for c in range(K):
                    if keys[prev, c] != keys[cur, c]:
                        greater = keys[prev, c] > keys[cur, c]
                        break
                if not greater:
                    break
                order[j + 1] = prev
                j -= 1
            order[j + 1] = cur
    return order
