r"""Pareto-optimal pure profiles of n-player games, batched over draws.

A profile :math:`a` is *Pareto optimal* among the pure profiles when no other
profile :math:`b` makes every player at least as well off and one strictly better,

.. math::

    \nexists\, b:\; u_i(b) \ge u_i(a)\ \forall i \ \text{and}\ u_j(b) > u_j(a)\ \text{for some } j,

and *weakly* Pareto optimal when no profile makes every player strictly better off
(Myerson 1991, §8.2; Osborne & Rubinstein 1994, ch. 15). Only pure profiles are
compared here; efficiency over the convex hull of payoffs is the business of
:mod:`tradegame.solvers.bargaining`.

The kernel compares every pair of profiles with broadcasting, in blocks of
dominating candidates so that memory stays bounded for large games.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

from tradegame.solvers.validation import check_payoffs

__all__ = ["pareto_optimal"]

# Upper bound on the elements of one boolean comparison block.
_BLOCK_ELEMENTS = 1 << 22


def _pareto_kernel(V: NDArray[np.float64], weak: bool, tol: float) -> NDArray[np.bool_]:
    """``V`` of shape (B, P, n) payoff vectors; returns the undominated mask (B, P)."""
    B, P, n = V.shape
    dominated = np.zeros((B, P), dtype=bool)
    block = max(1, _BLOCK_ELEMENTS // max(1, B * P * n))
    for start in range(0, P, block):
        # cand: (B, k, 1, n) possible dominators against every profile (B, 1, P, n).
        cand = V[:, start : start + block, None, :]
        diff = cand - V[:, None, :, :]
        if weak:
            dom = np.all(diff > tol, axis=-1)
        else:
            dom = np.all(diff >= -tol, axis=-1) & np.any(diff > tol, axis=-1)
        dominated |= dom.any(axis=1)
    return ~dominated


def pareto_optimal(
    U: ArrayLike, n_players: int | None = None, weak: bool = False, tol: float = 0.0
) -> NDArray[np.bool_]:
    """Mask of the Pareto-optimal pure profiles of one game or a batch of games.

    Parameters
    ----------
    U : array_like, shape (..., n, A_0, ..., A_{n-1})
        Payoffs, ``U[..., i, a_0, ..., a_{n-1}]`` for player *i*; leading axes
        are batch (draw) axes.
    n_players : int, optional
        Number of players; required when ``U`` has leading batch axes.
    weak : bool, default False
        Return the *weakly* Pareto-optimal profiles instead (no other profile
        is strictly better for every player). That set contains the Pareto set.
    tol : float, default 0.0
        Payoff differences within ``tol`` count as ties.

    Returns
    -------
    ndarray of bool, shape (..., A_0, ..., A_{n-1})
        True at every profile that no other pure profile Pareto-dominates.
        Profiles with identical payoff vectors do not dominate each other, so
        both are kept.

    Raises
    ------
    ValueError
        On a shape that is not (..., n, A_0, ..., A_{n-1}), NaN/inf payoffs or a
        negative ``tol``.

    Examples
    --------
    In the prisoner's dilemma every profile except mutual defection is Pareto
    optimal:

    >>> U = [[[3, 0], [5, 1]], [[3, 5], [0, 1]]]
    >>> pareto_optimal(U).astype(int).tolist()
    [[1, 1], [1, 0]]
    """
    arr, n = check_payoffs(U, n_players, copy=True)
    if not (tol >= 0.0 and math.isfinite(tol)):
        raise ValueError(f"tol must be a finite non-negative number, got {tol}")
    batch = arr.shape[: arr.ndim - 1 - n]
    actions = arr.shape[arr.ndim - n :]
    # (..., n, A...) -> (B, P, n): one row of n payoffs per profile.
    V = np.moveaxis(arr.reshape((*batch, n, -1)), -2, -1).reshape(-1, math.prod(actions), n)
    return _pareto_kernel(V, bool(weak), float(tol)).reshape((*batch, *actions))
