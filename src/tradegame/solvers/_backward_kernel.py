"""Compiled kernel of backward induction, behind a private boundary.

:func:`player_stage` is the Numba version of one player stage of
:func:`tradegame.solvers.backward_induction._backward_draws_last` (the NumPy
reference kept beside its caller), doing the same floating-point operations in
the same order, so that its results are bit for bit the reference's (tested in
``tests/solvers/test_backward_kernel.py``). It reads each payoff once where the
reference makes a dozen passes over the stage's arrays.

The kernel takes plain arrays checked by its caller.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]

_OPTIONS: dict[str, Any] = {"cache": True, "error_model": "numpy"}


@njit(**_OPTIONS)
def player_stage(
    W: FloatArray, mover: int, tol: float, uniform: bool, values: bool
) -> tuple[FloatArray, FloatArray]:
    """One player stage of backward induction, draws on the last axis.

    Parameters
    ----------
    W : ndarray, shape (n, H, A, S)
        Every player's value after each of the ``A`` actions at each of the
        ``H`` histories of the stage, in each of ``S`` draws (finite).
    mover : int
        The player who moves.
    tol : float
        Actions within ``tol`` of the best count as tied (0: exactly).
    uniform : bool
        Mix uniformly over tied actions (else take the first).
    values : bool
        Compute the values at the stage's histories (not needed at the root).

    Returns
    -------
    W_next : ndarray, shape (n, H, S)
        The values under the mover's choice (empty when ``values`` is False).
    behaviour : ndarray, shape (H, A, S)
        The probability of each action.
    """
    n, H, A, S = W.shape
    W_next = np.empty((n, H, S) if values else (n, 0, S))
    behaviour = np.empty((H, A, S))
    best = np.empty(S)
    thr = np.empty(S)
    count = np.empty(S)
    chosen = np.empty(S, dtype=np.intp)
    for h in range(H):
        for d in range(S):
            best[d] = W[mover, h, 0, d]
        for a in range(1, A):
            for d in range(S):
                v = W[mover, h, a, d]
                if v > best[d]:
                    best[d] = v
        for d in range(S):
            thr[d] = best[d] - tol if tol != 0.0 else best[d]
        if uniform:
            for d in range(S):
                count[d] = 0.0
            for a in range(A):
                for d in range(S):
                    if W[mover, h, a, d] >= thr[d]:
                        count[d] += 1.0
            for a in range(A):
                for d in range(S):
                    hit = 1.0 if W[mover, h, a, d] >= thr[d] else 0.0
                    behaviour[h, a, d] = hit / count[d]
            if values:
                for j in range(n):
                    for d in range(S):
                        W_next[j, h, d] = W[j, h, 0, d] * behaviour[h, 0, d]
                    for a in range(1, A):
                        for d in range(S):
                            W_next[j, h, d] += W[j, h, a, d] * behaviour[h, a, d]
        else:
            for d in range(S):
                chosen[d] = A  # none yet
            for a in range(A):  # the lowest tied index wins
                for d in range(S):
                    if chosen[d] == A and W[mover, h, a, d] >= thr[d]:
                        chosen[d] = a
            for a in range(A):
                for d in range(S):
                    behaviour[h, a, d] = 1.0 if chosen[d] == a else 0.0
            if values:
                for j in range(n):
                    for d in range(S):
                        W_next[j, h, d] = W[j, h, chosen[d], d]
    return W_next, behaviour
