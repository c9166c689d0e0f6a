"""Compiled kernel of a run's per-draw columns for plays with few paths, behind a private boundary.

:func:`sparse_columns` computes, from a piece of draws laid out with the draws
last, the outcome masses, expected payoffs and lever-option masses that
:func:`tradegame.play.base.play_columns` computes with a matrix product and an
``einsum`` over every play. Where a draw puts positive probability on at most
two plays (backward induction with the first best action and at most two chance
outcomes, say), every other term of those sums is an exact zero, so any order of
summation gives the same two-term sum: the kernel reads those two plays only and
its columns are ``play_columns``'s bit for bit (tested in
``tests/sequential/test_draws_last.py``). A piece with a draw of three or more
plays is refused (the caller falls back to ``play_columns``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit
from numpy.typing import NDArray

_OPTIONS: dict[str, Any] = {"cache": True, "error_model": "numpy"}


@njit(**_OPTIONS)
def sparse_columns(
    path: NDArray[np.float64],
    payoffs: NDArray[np.float64],
    labels: NDArray[np.intp],
    indicators: NDArray[np.float64],
    K: int,
    out: NDArray[np.float64],
) -> bool:
    """The columns of a piece whose draws each have at most two plays; False if one has more.

    Parameters
    ----------
    path : ndarray, shape (T, S)
        Probability of each play in each draw (non-negative).
    payoffs : ndarray, shape (n, T, S)
        Every player's payoff at every play.
    labels : ndarray of int, shape (1, T) or (S, T)
        Outcome index of each play.
    indicators : ndarray, shape (T, L)
        1 where a play uses a lever option, else 0.
    K : int
        Number of outcomes.
    out : ndarray, shape (S, K + 1 + n + L [+ T])
        Written in its first ``K + 1 + n + L`` columns (the caller writes the
        paths' columns).
    """
    T, S = path.shape
    n = payoffs.shape[0]
    L = indicators.shape[1]
    first = np.full(S, -1, dtype=np.intp)
    second = np.full(S, -1, dtype=np.intp)
    for t in range(T):
        largest = 0.0  # a fast pass over the row: most plays have no mass in any draw
        for d in range(S):
            largest = max(largest, path[t, d])
        if largest == 0.0:
            continue
        for d in range(S):
            if path[t, d] != 0.0:
                if first[d] < 0:
                    first[d] = t
                elif second[d] < 0:
                    second[d] = t
                else:
                    return False
    per_draw = labels.shape[0] > 1
    for d in range(S):
        for c in range(K + 1 + n + L):
            out[d, c] = 0.0
        total = 0.0
        for which in (first[d], second[d]):
            if which < 0:
                continue
            w = path[which, d]
            total += w
            label = labels[d if per_draw else 0, which]
            if 0 <= label < K:
                out[d, label] += w
            for i in range(n):
                out[d, K + 1 + i] += w * payoffs[i, which, d]
            for j in range(L):
                out[d, K + 1 + n + j] += w * indicators[which, j]
        out[d, K] = 1.0 if total < 0.5 else 0.0
    return True
