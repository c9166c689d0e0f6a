"""Compiled helpers of :mod:`tradegame._numeric`, imported when first used (numba).

Each is tested against the NumPy operation it replaces (``tests/test_numeric.py``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]

_OPTIONS: dict[str, Any] = {"cache": True, "error_model": "numpy"}


@njit(**_OPTIONS)
def transpose_into(source: FloatArray, out: FloatArray, add: bool) -> None:
    """``out[:] = source.T`` (``out += source.T`` with ``add``) for 2-D arrays, in tiles.

    NumPy copies a transposed array element by element along the output's rows,
    reading the source a cache line per element; tiles of 16 x 16 read and write
    whole lines. A copy (or the same additions): bit for bit.

    Parameters
    ----------
    source : ndarray, shape (R, C)
    out : ndarray, shape (C, R)
        Written in place (its rows may be strided; each row contiguous).
    """
    R, C = source.shape
    tile = 16
    for r0 in range(0, R, tile):
        r1 = min(R, r0 + tile)
        for c0 in range(0, C, tile):
            c1 = min(C, c0 + tile)
            if add:
                for c in range(c0, c1):
                    for r in range(r0, r1):
                        out[c, r] = out[c, r] + source[r, c]
            else:
                for c in range(c0, c1):
                    for r in range(r0, r1):
                        out[c, r] = source[r, c]


@njit(**_OPTIONS)
def gather_columns(
    source: FloatArray, which: NDArray[np.intp], start: int, out: FloatArray
) -> None:
    """``out[p, d] = source[start + d, which[p]]``: columns of a draws-first array, draws last.

    Parameters
    ----------
    source : ndarray, shape (D, M)
    which : ndarray of int, shape (P,)
        The column of ``source`` each row of ``out`` copies.
    start : int
        The first draw copied.
    out : ndarray, shape (P, S)
    """
    P, S = out.shape
    for p in range(P):
        m = which[p]
        for d in range(S):
            out[p, d] = source[start + d, m]


@njit(**_OPTIONS)
def scale_rows(out: FloatArray, factors: FloatArray, which: NDArray[np.intp], start: int) -> None:
    """``out[p, d] *= factors[start + d, which[p]]`` in place.

    Parameters
    ----------
    out : ndarray, shape (P, S)
    factors : ndarray, shape (D, M)
    which : ndarray of int, shape (P,)
    start : int
    """
    P, S = out.shape
    for p in range(P):
        m = which[p]
        for d in range(S):
            out[p, d] = out[p, d] * factors[start + d, m]


@njit(**_OPTIONS)
def take_columns(source: FloatArray, which: NDArray[np.intp], out: FloatArray) -> None:
    """``out[d, p] = source[d, which[p]]``: chosen columns, draws first.

    Parameters
    ----------
    source : ndarray, shape (D, M)
    which : ndarray of int, shape (P,)
    out : ndarray, shape (D, P)
    """
    D, P = out.shape
    for d in range(D):
        for p in range(P):
            out[d, p] = source[d, which[p]]


@njit(**_OPTIONS)
def column_sums(part: FloatArray, groups: int) -> tuple[FloatArray, FloatArray]:
    """Each column's sum per replicate (row ``r`` in replicate ``r % groups``) and sum of squares.

    Row by row, in order, each sum starting from its first row: NumPy's order for
    ``part.sum(axis=0)`` over a C-ordered array of two or more columns (and for
    ``part.reshape(-1, groups, C).sum(axis=0)``), so bit for bit its sums.

    Parameters
    ----------
    part : ndarray, shape (R, C)
        ``R`` a multiple of ``groups``, at least ``groups``.
    groups : int

    Returns
    -------
    sums : ndarray, shape (groups, C)
    squares : ndarray, shape (C,)
    """
    R, C = part.shape
    sums = np.empty((groups, C))
    squares = np.empty(C)
    for c in range(C):
        squares[c] = part[0, c] * part[0, c]
    for r in range(groups):
        for c in range(C):
            sums[r, c] = part[r, c]
    for r in range(1, R):
        g = r % groups
        first = r < groups
        for c in range(C):
            x = part[r, c]
            if not first:
                sums[g, c] = sums[g, c] + x
            squares[c] = squares[c] + x * x
    return sums, squares
