r"""All extreme equilibria of many small bimatrix games at once.

Method
------
The vertex-enumeration method of :mod:`tradegame.solvers.mixed_nash_2p`
(Avis, Rosenberg, Savani & von Stengel 2010; von Stengel 2007, chapter 3 of
*Algorithmic Game Theory*), reorganised so that the loop runs over bases and
the draws sit on an array axis. For every support size ``k`` and every
pair of row set ``I`` and column set ``J`` with ``|I| = |J| = k``, the two
square systems

.. math::

    B[I, J]^\top x_I = 1, \qquad A[I, J]\, y_J = 1

are solved for all draws in one vectorised pass (Cramer's rule written out
for ``k <= 3``, Gaussian elimination with partial pivoting above, each step
elementwise over the draws). Basis ``(I, J)`` of *P* and
basis ``(I, J)`` of *Q* carry complementary label sets, so in a
nondegenerate game ``(x, y)`` is an equilibrium exactly when both solutions
are feasible: this is support enumeration for equal-size supports (Dickhaut &
Kaplan 1991), with the label bookkeeping of the polytope view.

Degenerate draws
----------------
Matching bases is only complete for nondegenerate games. A game is
degenerate exactly when some vertex of *P* or *Q* has more labels than its
dimension (von Stengel 2007, chapter 3: a face with too many labels has a
vertex with at least as many), and every vertex is the solution of some
nonsingular basis, so counting the tight constraints at every feasible basic
solution detects degeneracy without missing any. Those draws (ties in
integer payoffs, dominated-but-tied actions, continua of equilibria) are
flagged and, unless ``fallback=False``, solved again one at a time by the
exact method of :func:`~tradegame.solvers.mixed_nash_2p`. Draws of
continuous random payoffs are nondegenerate with probability one, so for
Monte Carlo the fallback is rare.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from tradegame.solvers._bimatrix import (
    BoolArray,
    FloatArray,
    IntArray,
    as_payoff_array,
    basis_vertices,
    check_size,
    lexsort_rows,
    normalize,
    support_pairs,
)
from tradegame.solvers.mixed_nash_2p import DEFAULT_TOL, _enumerate_extreme

__all__ = ["BatchEquilibria", "mixed_nash_2p_batch"]

#: Work arrays are sized to about this many float64 entries per chunk of draws.
_CHUNK_ELEMENTS = 1 << 21


class BatchEquilibria(NamedTuple):
    """Extreme equilibria of a batch of bimatrix games, padded to a common count.

    With leading draw shape ``S`` (often ``(D,)``), ``m`` rows, ``n`` columns
    and ``K`` the largest number of equilibria of any draw:

    Attributes
    ----------
    x : ndarray, shape S + (K, m)
        Row player's mixed strategies; ``NaN`` where ``valid`` is False.
    y : ndarray, shape S + (K, n)
        Column player's mixed strategies; ``NaN`` where ``valid`` is False.
    valid : ndarray of bool, shape S + (K,)
        Which of the ``K`` slots hold an equilibrium; the valid slots of a
        draw come first, in the order :func:`mixed_nash_2p` returns them.
    n_equilibria : ndarray of int, shape S
        Number of extreme equilibria of each draw (``valid.sum(-1)``).
    degenerate : ndarray of bool, shape S
        Draws found degenerate. With ``fallback=True`` their equilibria come
        from the exact per-game method; with ``fallback=False`` they have no
        valid slots.
    """

    x: FloatArray
    y: FloatArray
    valid: BoolArray
    n_equilibria: IntArray
    degenerate: BoolArray


def mixed_nash_2p_batch(
    A: ArrayLike,
    B: ArrayLike | None = None,
    *,
    tol: float = DEFAULT_TOL,
    fallback: bool = True,
) -> BatchEquilibria:
    """Extreme Nash equilibria of a stack of bimatrix games, vectorised over draws.

    Parameters
    ----------
    A : array_like, shape S + (m, n), or S + (2, m, n) when ``B`` is None
        Row player's payoffs for every draw; or, with ``B`` omitted, the full
        payoff array ``U[..., i, a0, a1]`` in tradegame's convention.
    B : array_like, shape S + (m, n), optional
        Column player's payoffs, same shape as ``A``.
    tol : float, default 1e-9
        Tolerance relative to each player's payoff range, as in
        :func:`mixed_nash_2p`; it also decides which draws count as degenerate.
    fallback : bool, default True
        Solve degenerate draws with the exact per-game method (a Python loop
        over those draws only). With False they are only flagged.

    Returns
    -------
    BatchEquilibria
        Named tuple ``(x, y, valid, n_equilibria, degenerate)`` with the per-draw sets
        padded to the largest count; for every draw the valid slots equal
        ``mixed_nash_2p(A[d], B[d], tol)`` in the same order.

    Raises
    ------
    ValueError
        On non-numeric, NaN or infinite payoffs, mismatched shapes, a missing
        player axis of length 2 when ``B`` is None, or games too large to
        enumerate.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> U = rng.normal(size=(1000, 2, 3, 3))
    >>> res = mixed_nash_2p_batch(U)
    >>> res.x.shape[:1], bool((res.n_equilibria % 2 == 1)[~res.degenerate].all())
    ((1000,), True)
    """
    if B is None:
        u = as_payoff_array(A, "U")
        if u.ndim < 3 or u.shape[-3] != 2:
            raise ValueError(
                f"with B omitted, the payoff array must have shape (..., 2, m, n), got {u.shape}"
            )
        a, b = u[..., 0, :, :], u[..., 1, :, :]
    else:
        a = as_payoff_array(A, "A")
        b = as_payoff_array(B, "B")
        if a.ndim < 2 or a.shape != b.shape:
            raise ValueError(
                f"A and B must have the same shape (..., m, n), got {a.shape} and {b.shape}"
            )
    if not (0.0 < tol < 1e-2):
        raise ValueError(f"tol must be in (0, 0.01), got {tol}")
    lead = a.shape[:-2]
    m, n = a.shape[-2:]
    if m == 0 or n == 0:
        raise ValueError(f"each player needs at least one action, got {m}x{n} games")
    check_size(m, n)
    an = normalize(a.reshape(-1, m, n))
    bn = normalize(b.reshape(-1, m, n))
    x, y, valid, degenerate = _batch_kernel(an, bn, tol, fallback)
    K = valid.shape[1]
    return BatchEquilibria(
        x=x.reshape(*lead, K, m),
        y=y.reshape(*lead, K, n),
        valid=valid.reshape(*lead, K),
        n_equilibria=valid.sum(axis=1).reshape(lead),
        degenerate=degenerate.reshape(lead),
    )


def _batch_kernel(
    a: FloatArray, b: FloatArray, tol: float, fallback: bool
) -> tuple[FloatArray, FloatArray, BoolArray, BoolArray]:
    """Padded equilibria of (D, m, n) games with payoffs scaled into [1, 2]."""
    D, m, n = a.shape
    if D == 0:
        return np.empty((0, 0, m)), np.empty((0, 0, n)), np.empty((0, 0), bool), np.empty(0, bool)
    # Draws go on the last axis so each step is one elementwise pass over them.
    aT = np.ascontiguousarray(np.moveaxis(a, 0, -1))  # Q's constraints, (m, n, D)
    bT = np.ascontiguousarray(np.moveaxis(b, 0, -1).swapaxes(0, 1))  # P's, (n, m, D)
    degenerate = np.zeros(D, dtype=bool)
    draws: list[IntArray] = []
    xs: list[FloatArray] = []
    ys: list[FloatArray] = []
    for k in range(1, min(m, n) + 1):
        rows, cols = support_pairs(m, n, k)
        P = len(rows)
        step = max(1, _CHUNK_ELEMENTS // (P * (k * k + 2 * max(m, n))))
        for lo in range(0, D, step):
            hi = min(D, lo + step)
            ux, fx, _, bx = basis_vertices(bT[..., lo:hi], rows, cols, tol)
            uy, fy, _, ay = basis_vertices(aT[..., lo:hi], cols, rows, tol)
            # A feasible basis with a zero among its free coordinates or a tight
            # row outside its basis is a vertex with too many labels.
            extra_x = (np.abs(ux) <= tol).any(axis=0) | ((np.abs(bx - 1.0) <= tol).sum(axis=0) > k)
            extra_y = (np.abs(uy) <= tol).any(axis=0) | ((np.abs(ay - 1.0) <= tol).sum(axis=0) > k)
            degenerate[lo:hi] |= (fx & extra_x).any(axis=0) | (fy & extra_y).any(axis=0)
            p, d = np.nonzero(fx & fy)
            x = np.zeros((len(p), m))
            y = np.zeros((len(p), n))
            np.put_along_axis(x, rows[p], ux[:, p, d].T, axis=1)
            np.put_along_axis(y, cols[p], uy[:, p, d].T, axis=1)
            draws.append(d + lo)
            xs.append(x)
            ys.append(y)

    draw = np.concatenate(draws)
    x = np.concatenate(xs)
    y = np.concatenate(ys)
    keep = ~degenerate[draw]
    draw, x, y = draw[keep], x[keep], y[keep]
    x /= x.sum(axis=1, keepdims=True)
    y /= y.sum(axis=1, keepdims=True)

    if fallback:
        redo = np.flatnonzero(degenerate)
        extra = [_enumerate_extreme(a[d], b[d], tol) for d in redo]
        if extra:
            draw = np.concatenate(
                [draw, *(np.full(len(e[0]), d) for d, e in zip(redo, extra, strict=True))]
            )
            x = np.concatenate([x, *(e[0] for e in extra)])
            y = np.concatenate([y, *(e[1] for e in extra)])

    # Sort by draw, then (x, y) exactly as the per-game solver orders them.
    order = lexsort_rows(draw[:, None].astype(np.float64), x, y)
    draw, x, y = draw[order], x[order], y[order]
    count = np.bincount(draw, minlength=D)
    K = int(count.max())
    slot = np.arange(len(draw)) - (np.cumsum(count) - count)[draw]
    xp = np.full((D, K, m), np.nan)
    yp = np.full((D, K, n), np.nan)
    valid = np.zeros((D, K), dtype=bool)
    xp[draw, slot] = x
    yp[draw, slot] = y
    valid[draw, slot] = True
    return xp, yp, valid, degenerate
