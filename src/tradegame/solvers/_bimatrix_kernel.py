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
