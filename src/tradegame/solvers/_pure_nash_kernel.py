"""Compiled kernels of :mod:`tradegame.solvers.pure_nash`, behind a private boundary.

The NumPy reference (:func:`tradegame.solvers.pure_nash._best_response_mask_numpy`)
keeps the draws first, ``U[d, i, a_0, ..., a_{n-1}]``, and reduces over an
action axis of a few entries with a stride of the whole game: about 9 ns an
entry. These kernels read each game once where it lies, still draws first,
while it is in cache: per player the maximum of each line of that player's
action axis (the column maxima of ``A`` and the row maxima of ``B`` in a
bimatrix game), then the comparisons. They make the same comparisons on the
same values as the reference, so their booleans are the reference's exactly
(tested in ``tests/solvers/test_pure_nash_kernel.py``):

- a maximum is exact in any dtype, whatever the order of the entries;
- with a tolerance the threshold is ``best - tol`` in the array's dtype, as
  NumPy computes it; the caller gives the array in the dtype in which NumPy
  would subtract and compare (:func:`tradegame.solvers.pure_nash._kernel_input`).

Each game is a flat row of ``P = A_0 * ... * A_{n-1}`` profiles per player,
in C order. Player *i*'s action axis splits it into ``pre[i]`` blocks of
``length[i]`` lines of ``post[i]`` contiguous entries (``pre[i] = A_0 ...
A_{i-1}``, ``post[i] = A_{i+1} ... A_{n-1}``). The kernels run on one core:
the worker pool and Dask spread draws over cores.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit
from numpy.typing import NDArray

IntArray = NDArray[np.intp]
BoolArray = NDArray[np.bool_]

_OPTIONS: dict[str, Any] = {"cache": True, "error_model": "numpy", "nogil": True}


@njit(**_OPTIONS)
def _player_flags(
    ui: Any,
    pre: int,
    length: int,
    post: int,
    tol: Any,
    use_tol: bool,
    best: Any,
    out: BoolArray,
    combine: bool,
) -> None:
    """Best-response flags of one player in one game, written to or ANDed into ``out``.

    ``ui`` and ``out`` are the game's flat rows of ``P`` entries; ``best`` is
    scratch of at least ``post`` entries. The rows are indexed through
    reshaped views, with loop counters as indices: an index Numba can prove
    non-negative needs no wrap-around test, and the loops vectorise.
    """
    if post == 1:
        # The player's actions are contiguous: one maximum per row.
        rows = ui.reshape((pre, length))
        flags = out.reshape((pre, length))
        for a in range(pre):
            row = rows[a]
            b = row[0]
            for k in range(1, length):
                x = row[k]
                b = x if x > b else b
            if use_tol:
                b = b - tol
            flag = flags[a]
            if combine:
                for k in range(length):
                    flag[k] &= row[k] >= b
            else:
                for k in range(length):
                    flag[k] = row[k] >= b
        return
    blocks = ui.reshape((pre, length, post))
    flag_blocks = out.reshape((pre, length, post))
    for a in range(pre):
        block = blocks[a]
        flags = flag_blocks[a]
        # The maxima of ``post`` lines at once, along contiguous rows.
        row = block[0]
        for j in range(post):
            best[j] = row[j]
        for k in range(1, length):
            row = block[k]
            for j in range(post):
                x = row[j]
                best[j] = x if x > best[j] else best[j]
        if use_tol:
            for j in range(post):
                best[j] = best[j] - tol
        for k in range(length):
            row = block[k]
            flag = flags[k]
            if combine:
                for j in range(post):
                    flag[j] &= row[j] >= best[j]
            else:
                for j in range(post):
                    flag[j] = row[j] >= best[j]


@njit(**_OPTIONS)
def best_responses(
    u: Any,
    pre: IntArray,
    length: IntArray,
    post: IntArray,
    tol: Any,
    use_tol: bool,
    out: BoolArray,
) -> None:
    """Fill ``out`` (D, n, P) with every player's best-response flags.

    ``u`` is (D, n, P), C-contiguous; ``out[d, i, p]`` is ``u[d, i, p] >=
    max - tol`` over player *i*'s line through profile ``p`` (``>= max``
    without ``use_tol``).
    """
    D, n, _ = u.shape
    best = np.empty(max(1, post.max()), dtype=u.dtype)
    for d in range(D):
        for i in range(n):
            _player_flags(u[d, i], pre[i], length[i], post[i], tol, use_tol, best, out[d, i], False)


@njit(**_OPTIONS)
def equilibria(
    u: Any,
    pre: IntArray,
    length: IntArray,
    post: IntArray,
    tol: Any,
    use_tol: bool,
    out: BoolArray,
) -> None:
    """Fill ``out`` (D, P) with the pure-equilibrium flags: every player's, ANDed.

    As :func:`best_responses`, reduced over players without storing them.
    """
    D, n, _ = u.shape
    best = np.empty(max(1, post.max()), dtype=u.dtype)
    for d in range(D):
        o = out[d]
        for i in range(n):
            _player_flags(u[d, i], pre[i], length[i], post[i], tol, use_tol, best, o, i > 0)


@njit(**_OPTIONS)
def bimatrix_equilibria(u: Any, tol: Any, use_tol: bool, out: BoolArray) -> None:
    """Fill ``out`` (D, R, C) with the pure equilibria of two-player games ``u`` (D, 2, R, C).

    The special case of :func:`equilibria` that the pipeline mostly runs:
    the column maxima of ``A``, then one pass over each row that finds the
    row's maximum of ``B`` and writes both comparisons at once.
    """
    D, _, R, C = u.shape
    colmax = np.empty(C, dtype=u.dtype)
    for d in range(D):
        A = u[d, 0]
        B = u[d, 1]
        o = out[d]
        for c in range(C):
            colmax[c] = A[0, c]
        for r in range(1, R):
            for c in range(C):
                x = A[r, c]
                colmax[c] = x if x > colmax[c] else colmax[c]
        if use_tol:
            for c in range(C):
                colmax[c] = colmax[c] - tol
        for r in range(R):
            b = B[r, 0]
            for c in range(1, C):
                x = B[r, c]
                b = x if x > b else b
            if use_tol:
                b = b - tol
            for c in range(C):
                o[r, c] = (A[r, c] >= colmax[c]) & (B[r, c] >= b)
