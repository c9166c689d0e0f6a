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

are solved for all draws at once. Rather than solving each system, every
minor of the augmented matrices ``[B^T | 1]`` and ``[A | 1]`` is computed
once per game by Laplace expansion (each ``k x k`` minor from ``k`` of the
``(k-1) x (k-1)`` ones), with the draws on the last array axis; Cramer's rule
then gives each basic solution, and the Schur complement gives the slack of
every other constraint, as ratios of those minors. For 6x6 games this is a
few thousand multiply-adds per game instead of about two thousand separate
small solves. Basis ``(I, J)`` of *P* and basis ``(I, J)`` of *Q* carry
complementary label sets, so in a nondegenerate game ``(x, y)`` is an
equilibrium exactly when both solutions are feasible: this is support
enumeration for equal-size supports (Dickhaut & Kaplan 1991), with the label
bookkeeping of the polytope view.

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

from functools import lru_cache
from itertools import combinations
from math import comb
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from tradegame.solvers._bimatrix import (
    BoolArray,
    FloatArray,
    IntArray,
    check_bimatrix_batch,
    check_size,
    lexsort_rows,
    normalize,
    singular_threshold,
    support_pairs,
)
from tradegame.solvers.mixed_nash_2p import DEFAULT_TOL, _enumerate_extreme

__all__ = ["BatchEquilibria", "mixed_nash_2p_batch"]

#: Work arrays are sized to about this many float64 entries per chunk of draws.
_CHUNK_ELEMENTS = 1 << 17


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

    Notes
    -----
    Meant for the small games of Monte Carlo studies: work and memory per draw
    grow like ``C(m + n + 1, m)`` (1,716 minors per polytope for 6x6); draws
    are processed in cache-sized chunks, so memory beyond the inputs and
    outputs stays at a few megabytes whatever ``D``.
    Minors are sums of products of payoffs scaled into [1, 2]; up to 6x6 and
    beyond, their rounding errors stay orders of magnitude below ``tol``.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> U = rng.normal(size=(1000, 2, 3, 3))
    >>> res = mixed_nash_2p_batch(U)
    >>> res.x.shape[:1], bool((res.n_equilibria % 2 == 1)[~res.degenerate].all())
    ((1000,), True)
    """
    a, b = check_bimatrix_batch(A, B)
    if not (0.0 < tol < 1e-2):
        raise ValueError(f"tol must be in (0, 0.01), got {tol}")
    lead = a.shape[:-2]
    m, n = a.shape[-2:]
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
    aT = np.moveaxis(a, 0, -1)  # Q's constraint matrices, (m, n, D)
    bT = np.moveaxis(b, 0, -1).swapaxes(0, 1)  # P's, (n, m, D)
    degenerate = np.zeros(D, dtype=bool)
    draws: list[IntArray] = []
    xs: list[FloatArray] = []
    ys: list[FloatArray] = []
    # Largest work arrays per draw: one level of minors, or one support size's slacks.
    big = max(m, n)
    per_draw = max(
        max(comb(big, k) * comb(big + 1, k), comb(m, k) * comb(n, k) * big)
        for k in range(1, min(m, n) + 1)
    )
    step = max(1, _CHUNK_ELEMENTS // per_draw)
    for lo in range(0, D, step):
        hi = min(D, lo + step)
        minors_x = _all_minors(bT[..., lo:hi])
        minors_y = _all_minors(aT[..., lo:hi])
        for k in range(1, min(m, n) + 1):
            rows, cols = support_pairs(m, n, k)
            zx, fx, ex = _basis_solutions(minors_x, _pair_tables(n, m, k, False), tol)
            zy, fy, ey = _basis_solutions(minors_y, _pair_tables(m, n, k, True), tol)
            degenerate[lo:hi] |= (fx & ex).any(axis=0) | (fy & ey).any(axis=0)
            p, d = np.nonzero(fx & fy)
            x = np.zeros((len(p), m))
            y = np.zeros((len(p), n))
            np.put_along_axis(x, rows[p], zx[:, p, d].T, axis=1)
            np.put_along_axis(y, cols[p], zy[:, p, d].T, axis=1)
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


# --- all minors of [C | 1] by Laplace expansion ---------------------------------------------
#
# For a basis with support S and tight rows R of {z >= 0 : C z <= 1} (|R| = |S| = k), Cramer's
# rule gives z_t = det(C[R, S] with column t replaced by 1) / det(C[R, S]), and the Schur
# complement gives the slack of any other row j as
# 1 - (C z)_j = det([[C[R, S], 1], [C[j, S], 1]]) / det(C[R, S]).
# All three are minors of the augmented matrix [C | 1], so computing every minor once, each
# k x k one from k of the (k-1) x (k-1) ones by expanding along its first row, replaces
# thousands of independent small solves with a few thousand multiply-adds per game.


def _colex_rank(combos: IntArray) -> IntArray:
    """Colexicographic rank of each sorted combination (last axis), among those of its size.

    Uses the combinatorial number system, ``rank = sum_t C(c_t, t + 1)``, so no
    table of combinations is needed; colex rank does not depend on the size of
    the ground set, which keeps sub-minor indices simple.
    """
    k = combos.shape[-1]
    if k == 0:
        return np.zeros(combos.shape[:-1], np.intp)
    top = int(combos.max()) + 1 if combos.size else 1
    binom = np.array([[comb(v, t + 1) for t in range(k)] for v in range(top)], np.intp)
    return binom[combos, np.arange(k)].sum(axis=-1)


def _combos_colex(size: int, k: int) -> IntArray:
    """All k-subsets of ``range(size)`` as sorted rows (N, k), in colex rank order."""
    lex = np.array(list(combinations(range(size), k)), np.intp).reshape(-1, k)
    out = np.empty_like(lex)
    out[_colex_rank(lex)] = lex
    return out


@lru_cache(maxsize=64)
def _minor_tables(r: int, c: int) -> tuple[tuple[IntArray, IntArray, FloatArray], ...]:
    """Gather tables computing all minors of an (r, c) matrix level by level.

    Level ``k`` lists the minors ``(R, S)`` at index ``colex(R) * C(c, k) +
    colex(S)``. Entry ``k - 2`` of the result serves level ``k >= 2`` with,
    for every minor: ``entry`` (N, k), the flat index ``R[0] * c + S[t]`` of
    the first-row entries; ``sub`` (N, k), the level ``k - 1`` index of minor
    ``(R[1:], S without S[t])``; and ``sign`` (k,), ``(-1) ** t``.
    """
    out = []
    for k in range(2, min(r, c) + 1):
        R = _combos_colex(r, k)
        S = _combos_colex(c, k)
        sub_r = _colex_rank(R[:, 1:])
        sub_s = np.stack([_colex_rank(np.delete(S, t, axis=1)) for t in range(k)], axis=1)
        entry = R[:, 0, None, None] * c + S[None, :, :]  # (NR, NS, k)
        sub = sub_r[:, None, None] * comb(c, k - 1) + sub_s[None, :, :]
        sign = np.array([(-1.0) ** t for t in range(k)])
        out.append((entry.reshape(-1, k), sub.reshape(-1, k), sign))
    return tuple(out)


def _all_minors(C: FloatArray) -> list[FloatArray]:
    """Every minor of ``[C | 1]`` for a stack of matrices.

    Parameters
    ----------
    C : ndarray, shape (r, d, D)

    Returns
    -------
    list of ndarray
        Element ``k - 1`` has shape (C(r, k) * C(d + 1, k), D): the k x k
        minors in the order of :func:`_minor_tables`, with column ``d`` the
        column of ones.
    """
    r, d, D = C.shape
    c = d + 1
    aug = np.empty((r, c, D))
    aug[:, :d] = C
    aug[:, d] = 1.0
    flat = aug.reshape(r * c, D)
    levels = [flat]
    for entry, sub, sign in _minor_tables(r, c):
        prev = levels[-1]
        acc = flat[entry[:, 0]] * prev[sub[:, 0]]
        for t in range(1, len(sign)):
            term = flat[entry[:, t]] * prev[sub[:, t]]
            if sign[t] > 0:
                acc += term
            else:
                acc -= term
        levels.append(acc)
    return levels


@lru_cache(maxsize=256)
def _pair_tables(
    r: int, d: int, k: int, support_second: bool
) -> tuple[IntArray, IntArray, FloatArray, IntArray, FloatArray]:
    """Minor indices giving the basic solution of every basis of support size ``k``.

    The polytope is ``{z in R^d : z >= 0, C z <= 1}`` with ``C`` of shape
    (r, d); bases are enumerated as :func:`support_pairs` lists them, the
    support being its second factor when ``support_second`` (else its first)
    and the tight rows the other one.

    Returns
    -------
    det : ndarray of intp, shape (P,)
        Level-``k`` index of ``det C[R, S]``.
    num, num_sign : ndarray, shapes (P, k) and (k,)
        Level-``k`` indices and signs of the Cramer numerators of ``z[S]``.
    slack, slack_sign : ndarray, shapes (P, r - k)
        Level-``k + 1`` indices and signs of the slack numerators of the rows
        outside ``R``, in increasing row order.
    """
    c = d + 1
    if support_second:
        R, S = support_pairs(r, d, k)
    else:
        S, R = support_pairs(d, r, k)
    P = len(R)
    base = _colex_rank(R) * comb(c, k)
    det = base + _colex_rank(S)
    # Column t replaced by the ones column (index d, the last) costs k-1-t swaps
    # to move it into sorted position.
    ones = np.full((P, 1), d)
    num = np.stack(
        [base + _colex_rank(np.hstack([np.delete(S, t, axis=1), ones])) for t in range(k)],
        axis=1,
    ).reshape(P, k)
    num_sign = np.array([(-1.0) ** (k - 1 - t) for t in range(k)])
    # Rows outside R, ascending: each adds one row to the (k+1) x (k+1) minor.
    outside = np.ones((P, r), bool)
    np.put_along_axis(outside, R, False, axis=1)
    J = np.nonzero(outside)[1].reshape(P, r - k)
    R2 = np.sort(np.concatenate([np.repeat(R[:, None, :], r - k, axis=1), J[..., None]], 2), 2)
    slack = _colex_rank(R2) * comb(c, k + 1) + _colex_rank(np.hstack([S, ones]))[:, None]
    # Moving row j below the rows of R costs one swap per row of R above it.
    above = (R[:, None, :] > J[..., None]).sum(axis=-1)
    slack_sign = np.where(above % 2 == 0, 1.0, -1.0)
    return det, num, num_sign, slack.reshape(P, r - k), slack_sign.reshape(P, r - k)


def _basis_solutions(
    minors: list[FloatArray],
    tables: tuple[IntArray, IntArray, FloatArray, IntArray, FloatArray],
    tol: float,
) -> tuple[FloatArray, BoolArray, BoolArray]:
    """Basic solutions from minors: ``z`` (k, P, D), ``feasible`` and ``extra`` (P, D).

    ``extra`` marks solutions with more labels than the dimension (a zero in
    the support or a tight row outside the basis).
    """
    det_i, num_i, num_sign, slack_i, slack_sign = tables
    k = num_i.shape[1]
    det = minors[k - 1][det_i]
    ok = np.abs(det) > singular_threshold(k)
    inv = np.divide(1.0, det, out=np.zeros_like(det), where=ok)
    z = minors[k - 1][num_i.T] * (num_sign[:, None, None] * inv)
    # One reduction serves both tests: feasible needs every value >= -tol, and
    # a feasible point has an extra label when its smallest value is <= tol.
    low = z.min(axis=0)
    if slack_i.shape[1]:
        slack = minors[k][slack_i.T] * (slack_sign.T[:, :, None] * inv)
        np.minimum(low, slack.min(axis=0), out=low)
    feasible = ok & (low >= -tol)
    extra = low <= tol
    return z, feasible, extra
