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

All of this runs in one compiled pass over blocks of draws
(:func:`~tradegame.solvers._bimatrix_kernel.extreme_equilibria`): scaling, the
minors, the bases of each support size (reading a basis's slacks only when its
coordinates are feasible, as most are not), the coordinates of the bases
feasible in both polytopes, and, for games of up to 7 actions a side, the
normalisation and the order of each draw's equilibria; for a 3x3 game the
arithmetic is a few hundred operations, and the NumPy calls around it used to
cost more. The NumPy code it replaces is kept beside it (``_all_minors_numpy``,
``_support_size_numpy``, ``_nondegenerate_numpy``) and the tests hold the two
equal bit for bit.

Degenerate draws
----------------
Matching bases is only complete for nondegenerate games. A game is
degenerate exactly when some vertex of *P* or *Q* has more labels than its
dimension (von Stengel 2007, chapter 3: a face with too many labels has a
vertex with at least as many), and every vertex is the solution of some
nonsingular basis, so counting the tight constraints at every feasible basic
solution detects degeneracy without missing any. Those draws (ties in
integer payoffs, dominated-but-tied actions, continua of equilibria) are
flagged and, unless ``fallback=False``, solved again by the exact method of
:func:`~tradegame.solvers.mixed_nash_2p`: vertex enumeration of both
polytopes, merging the copies of a degenerate vertex by label set, and
matching complementary label sets. That step is batched too (see
:func:`_enumerate_extreme_many`): :func:`~tradegame.solvers._bimatrix.basis_vertices`
works elementwise over its trailing draw axis, so stacking the degenerate
draws there gives every draw bit for bit the values the per-game kernel
computes, and the per-draw bookkeeping (deduplication, pairing, sorting) is
done with bit masks over (draw, vertex) arrays. Draws of continuous random
payoffs are nondegenerate with probability one, but reduced normal forms of
game trees and integer payoffs are degenerate in most or all draws.
"""

from __future__ import annotations

from functools import lru_cache
from itertools import combinations
from math import comb
from types import ModuleType
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from tradegame.solvers._bimatrix import (
    BoolArray,
    FloatArray,
    IntArray,
    basis_vertices,
    check_size,
    lexsort_rows,
    normalize,
    singular_threshold,
    support_pairs,
)
from tradegame.solvers.mixed_nash_2p import DEFAULT_TOL, PAIR_CHUNK, enumerate_extreme
from tradegame.solvers.validation import check_bimatrix_batch

__all__ = ["BatchEquilibria", "mixed_nash_2p_batch"]


def _kernel() -> ModuleType:
    """The compiled kernels, imported on first use: importing the solvers does not load Numba."""
    import tradegame.solvers._bimatrix_kernel as kernel

    return kernel


#: Work arrays are sized to about this many float64 entries per chunk of draws.
_CHUNK_ELEMENTS = 1 << 17

#: Most draws per block of the compiled pass: long enough for its loops over draws to
#: vectorise well, short enough for a block of small games to stay in cache.
_BLOCK_DRAWS = 128

#: The compiled pass's scratch space is sized to about this many float64 entries (8 MB).
_BLOCK_ELEMENTS = 1 << 20

#: Largest number of actions for which the compiled pass normalises and orders the
#: equilibria itself: NumPy sums fewer than 8 terms of a row strictly left to right.
_MAX_ORDERED_IN_KERNEL = 7

#: Largest label count (m + n) whose label sets fit the int64 bit masks of the
#: batched degenerate path.
_MAX_MASK_LABELS = 62

#: Largest support size for which the batched degenerate path is bit-identical
#: to the per-game one: NumPy sums fewer than 8 terms strictly left to right
#: whatever the array layout, but longer contiguous sums pairwise, and the
#: back substitution of :func:`~tradegame.solvers._bimatrix.solve_ones` sums
#: up to ``k - 1`` terms, contiguously when a call holds a single system.
_MAX_BATCHED_SUPPORT = 8


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
        Solve degenerate draws with the exact method of :func:`mixed_nash_2p`,
        batched over those draws (bit-identical to solving each alone). With
        False they are only flagged.

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
    are processed in blocks of at most 128 whose scratch space is about 8 MB
    (more only when a single draw needs more), so memory beyond the inputs and
    outputs does not grow with ``D``.
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
    D = int(np.prod(lead, dtype=np.intp))
    a = np.ascontiguousarray(a.reshape(D, m, n))
    b = np.ascontiguousarray(b.reshape(D, m, n))
    draw, x, y, degenerate = _nondegenerate(a, b, tol)
    if fallback and degenerate.any():
        redo = np.flatnonzero(degenerate)
        redo_draw, redo_x, redo_y = _enumerate_extreme_many(
            _kernel().normalize_many(a[redo]), _kernel().normalize_many(b[redo]), tol
        )
        draw = np.concatenate([draw, redo[redo_draw]])
        x = np.concatenate([x, redo_x])
        y = np.concatenate([y, redo_y])
        # Sort by draw, then (x, y) exactly as the per-game solver orders them: the
        # order of lexsort_rows(draw[:, None], x, y), by a compiled stable sort.
        keys = np.round(np.hstack([x, y]), 9) + 0.0  # + 0.0 turns -0.0 into 0.0
        order = _kernel().order_by_draw_then_rows(draw, keys, D)
        draw, x, y = draw[order], x[order], y[order]
    count = np.bincount(draw, minlength=D)
    K = int(count.max(initial=0))
    # One buffer for both players' strategies: a single large allocation is cheaper
    # to map than two (the allocator keeps or hugepage-backs it).
    both = np.empty(D * K * (m + n))
    xp = both[: D * K * m].reshape(D, K, m)
    yp = both[D * K * m :].reshape(D, K, n)
    valid = np.empty((D, K), dtype=bool)
    _kernel().pad_by_draw(draw, x, y, count, xp, yp, valid)
    return BatchEquilibria(
        x=xp.reshape(*lead, K, m),
        y=yp.reshape(*lead, K, n),
        valid=valid.reshape(*lead, K),
        n_equilibria=count.reshape(lead),
        degenerate=degenerate.reshape(lead),
    )


def _block_size(m: int, n: int) -> int:
    """Draws per block of :func:`_nondegenerate`, its scratch kept near :data:`_BLOCK_ELEMENTS`.

    Per draw the pass holds every minor of both polytopes, the inverse
    determinant of every basis of both, and four bytes of masks per basis.
    """
    x_rows = sum(comb(n, k) * comb(m + 1, k) for k in range(1, min(n, m + 1) + 1))
    y_rows = sum(comb(m, k) * comb(n + 1, k) for k in range(1, min(m, n + 1) + 1))
    bases = comb(m + n, m) - 1
    per_draw = x_rows + y_rows + 2 * bases + bases // 2  # in float64 entries
    return max(1, min(_BLOCK_DRAWS, _BLOCK_ELEMENTS // per_draw))


def _nondegenerate(
    a: FloatArray, b: FloatArray, tol: float, block: int | None = None
) -> tuple[IntArray, FloatArray, FloatArray, BoolArray]:
    """Equilibria of the nondegenerate draws of raw (D, m, n) payoffs, by the compiled pass.

    ``block`` draws go through the pass at a time (default :func:`_block_size`);
    results do not depend on it.

    Returns
    -------
    draw : ndarray of intp, shape (E,)
    x : ndarray, shape (E, m)
    y : ndarray, shape (E, n)
        Every equilibrium of every draw not found degenerate, normalised, by
        draw and then in :func:`mixed_nash_2p`'s order: bit for bit those of
        :func:`_nondegenerate_numpy`.
    degenerate : ndarray of bool, shape (D,)
        Draws where a feasible basis has more labels than the dimension.
    """
    D, m, n = a.shape
    if D == 0:
        return np.empty(0, np.intp), np.empty((0, m)), np.empty((0, n)), np.empty(0, bool)
    x_tables, y_tables, rows, cols, thresholds = _kernel_tables(m, n)
    finish = max(m, n) <= _MAX_ORDERED_IN_KERNEL
    draw, x, y, degenerate = _kernel().extreme_equilibria(
        a, b, x_tables, y_tables, rows, cols, thresholds, tol, block or _block_size(m, n), finish
    )
    if not finish:
        x /= x.sum(axis=1, keepdims=True)
        y /= y.sum(axis=1, keepdims=True)
        keys = np.round(np.hstack([x, y]), 9) + 0.0
        order = _kernel().order_by_draw_then_rows(draw, keys, D)
        draw, x, y = draw[order], x[order], y[order]
    return draw, x, y, degenerate


def _nondegenerate_numpy(
    a: FloatArray, b: FloatArray, tol: float
) -> tuple[IntArray, FloatArray, FloatArray, BoolArray]:
    """The NumPy reference of :func:`_nondegenerate`, all draws in one chunk."""
    D, m, n = a.shape
    an, bn = normalize(a), normalize(b)
    minors_x = _all_minors_numpy(np.moveaxis(bn, 0, -1).swapaxes(0, 1))  # P's B^T, (n, m, D)
    minors_y = _all_minors_numpy(np.moveaxis(an, 0, -1))  # Q's A, (m, n, D)
    degenerate = np.zeros(D, dtype=bool)
    found = [
        _support_size_numpy(minors_x, minors_y, k, m, n, tol, degenerate)
        for k in range(1, min(m, n) + 1)
    ]
    draw = np.concatenate([f[0] for f in found])
    x = np.concatenate([f[1] for f in found])
    y = np.concatenate([f[2] for f in found])
    keep = ~degenerate[draw]
    draw, x, y = draw[keep], x[keep], y[keep]
    x /= x.sum(axis=1, keepdims=True)
    y /= y.sum(axis=1, keepdims=True)
    order = lexsort_rows(draw[:, None].astype(np.float64), x, y)
    return draw[order], x[order], y[order], degenerate


#: Per polytope, the flattened tables of the compiled pass (see :func:`_kernel_tables`).
_Tables = tuple[NDArray[np.generic], ...]


@lru_cache(maxsize=64)
def _kernel_tables(m: int, n: int) -> tuple[_Tables, _Tables, IntArray, IntArray, FloatArray]:
    """The index tables of :func:`~tradegame.solvers._bimatrix_kernel.extreme_equilibria`.

    Returns *P*'s and *Q*'s tables (:func:`_minor_tables` and :func:`_pair_tables`
    flattened, with offsets, in the layout the kernel's comment describes), the
    row and column supports of every basis (flat, at the offsets of ``num``) and
    the singular threshold of each support size.
    """
    sizes = range(1, min(m, n) + 1)

    def polytope(r: int, d: int, support_second: bool) -> tuple[NDArray[np.generic], ...]:
        minors = _minor_tables(r, d + 1)
        level = np.cumsum([0, r * (d + 1), *(len(e) for e, _, _ in minors)])
        term = np.cumsum([0, *(e.size for e, _, _ in minors)])
        pairs = [_pair_tables(r, d, k, support_second) for k in sizes]
        return tuple(
            np.ascontiguousarray(t, dtype=dtype)
            for t, dtype in (
                (level, np.intp),
                (term, np.intp),
                (_flat([e for e, _, _ in minors]), np.intp),
                (_flat([s for _, s, _ in minors]), np.intp),
                (np.cumsum([0, *(len(det) for det, *_ in pairs)]), np.intp),
                (_flat([det for det, *_ in pairs]), np.intp),
                (_flat([num for _, num, *_ in pairs]), np.intp),
                (np.cumsum([0, *(num.size for _, num, *_ in pairs)]), np.intp),
                (_flat([slack for *_, slack, _ in pairs]), np.intp),
                (_flat([sign for *_, sign in pairs]), np.float64),
                (np.cumsum([0, *(slack.size for *_, slack, _ in pairs)]), np.intp),
            )
        )

    rows = _flat([support_pairs(m, n, k)[0] for k in sizes]).astype(np.intp)
    cols = _flat([support_pairs(m, n, k)[1] for k in sizes]).astype(np.intp)
    thresholds = np.array([singular_threshold(k) for k in sizes])
    return polytope(n, m, False), polytope(m, n, True), rows, cols, thresholds


def _flat(arrays: list[NDArray[np.generic]]) -> NDArray[np.generic]:
    """The arrays raveled and joined (an empty int array when there are none)."""
    return np.concatenate([np.ravel(t) for t in arrays]) if arrays else np.empty(0, np.intp)


# --- exact vertex enumeration of many (degenerate) games at once ----------------------------


def _enumerate_extreme_many(
    a: FloatArray, b: FloatArray, tol: float
) -> tuple[IntArray, FloatArray, FloatArray]:
    """:func:`~tradegame.solvers.mixed_nash_2p.enumerate_extreme` for a stack of games.

    Parameters
    ----------
    a, b : ndarray, shape (D, m, n)
        Payoffs already scaled into [1, 2], one game per draw.
    tol : float
        Tolerance, as in :func:`mixed_nash_2p_batch`.

    Returns
    -------
    draw : ndarray of intp, shape (E,)
        Draw of each equilibrium, ascending.
    x : ndarray, shape (E, m)
    y : ndarray, shape (E, n)
        The equilibria of draw ``t`` are the rows where ``draw == t``, equal
        bit for bit and in the same order to ``enumerate_extreme(a[t], b[t],
        tol)``, so results do not depend on which draws share a call.

    Notes
    -----
    Games with more than :data:`_MAX_MASK_LABELS` labels or supports larger
    than :data:`_MAX_BATCHED_SUPPORT` are solved one at a time by the
    per-game kernel.
    """
    D, m, n = a.shape
    if m + n > _MAX_MASK_LABELS or min(m, n) > _MAX_BATCHED_SUPPORT:
        extra = [enumerate_extreme(a[t], b[t], tol) for t in range(D)]
        draw = np.concatenate(
            [np.full(len(e[0]), t, np.intp) for t, e in enumerate(extra)] or [np.empty(0, np.intp)]
        )
        x = np.concatenate([e[0] for e in extra] or [np.empty((0, m))])
        y = np.concatenate([e[1] for e in extra] or [np.empty((0, n))])
        return draw, x, y
    p_constraints = np.moveaxis(b, 0, -1).swapaxes(0, 1)  # B^T per draw, (n, m, D)
    q_constraints = np.moveaxis(a, 0, -1)  # A per draw, (m, n, D)
    step = max(1, _CHUNK_ELEMENTS // max(_vertex_work(n, m), _vertex_work(m, n)))
    draws: list[IntArray] = [np.empty(0, np.intp)]
    xs: list[FloatArray] = [np.empty((0, m))]
    ys: list[FloatArray] = [np.empty((0, n))]
    for lo in range(0, D, step):
        hi = min(D, lo + step)
        # P: support over rows (x); its labels are the zero rows, then the tight columns.
        x_draw, x_vertex, x_zero, x_tight = _polytope_many(
            p_constraints[..., lo:hi], tol, transpose=False
        )
        # Q: support over columns (y); its labels are the tight rows, then the zero columns.
        y_draw, y_vertex, y_zero, y_tight = _polytope_many(
            q_constraints[..., lo:hi], tol, transpose=True
        )
        ix, iy = _complementary_many(
            x_draw,
            _label_masks(x_zero, x_tight),
            y_draw,
            _label_masks(y_tight, y_zero),
            hi - lo,
            m + n,
        )
        # Same expressions as the per-game kernel, so the same rounding.
        x = x_vertex[ix] / x_vertex[ix].sum(axis=1, keepdims=True)
        y = y_vertex[iy] / y_vertex[iy].sum(axis=1, keepdims=True)
        draw = x_draw[ix]
        # lexsort is stable and ties keep the per-draw pairing order, as per game.
        order = lexsort_rows(draw[:, None].astype(np.float64), x, y)
        draws.append(draw[order] + lo)
        xs.append(x[order])
        ys.append(y[order])
    return np.concatenate(draws), np.concatenate(xs), np.concatenate(ys)


def _vertex_work(r: int, d: int) -> int:
    """Float64 entries per draw of the largest work arrays of :func:`_polytope_many`.

    Per support size ``k`` with ``P`` bases, :func:`basis_vertices` holds
    about ``P * (2 k (k + 1) + r)`` entries per draw; the feasible points and
    their labels take at most ``P * (2 d + r)`` more.
    """
    return max(
        comb(r, k) * comb(d, k) * (2 * k * (k + 1) + 2 * r + 2 * d) for k in range(1, min(r, d) + 1)
    )


def _label_masks(first: BoolArray, second: BoolArray) -> NDArray[np.int64]:
    """Label sets as int64 bit masks: bit ``i`` for ``first[:, i]``, then ``second``'s bits."""
    labels = np.hstack([first, second])
    weights = np.left_shift(np.int64(1), np.arange(labels.shape[1], dtype=np.int64))
    return labels.astype(np.int64) @ weights


def _polytope_many(
    C: FloatArray, tol: float, *, transpose: bool
) -> tuple[IntArray, FloatArray, BoolArray, BoolArray]:
    """Distinct nonzero vertices of ``{z >= 0 : C z <= 1}`` for a stack of draws.

    Parameters
    ----------
    C : ndarray, shape (r, d, D)
        Constraint matrices, draws on the last axis.
    tol : float
        Tolerance for feasibility and for tight constraints.
    transpose : bool
        As in :func:`~tradegame.solvers.mixed_nash_2p._polytope`.

    Returns
    -------
    draw : ndarray of intp, shape (V,)
        Draw of each vertex, ascending.
    z : ndarray, shape (V, d)
    zero : ndarray of bool, shape (V, d)
    tight : ndarray of bool, shape (V, r)
        Per draw, the rows :func:`~tradegame.solvers.mixed_nash_2p._polytope`
        returns for that draw alone, in its order: the first basis (by
        support size, then basis) reaching each label set.
    """
    r, d, _ = C.shape
    draws: list[IntArray] = []
    zs: list[FloatArray] = []
    zeros: list[BoolArray] = []
    tights: list[BoolArray] = []
    for k in range(1, min(r, d) + 1):
        if transpose:
            rows, support = support_pairs(r, d, k)
        else:
            support, rows = support_pairs(d, r, k)
        for lo in range(0, len(support), PAIR_CHUNK):
            sup, row = support[lo : lo + PAIR_CHUNK], rows[lo : lo + PAIR_CHUNK]
            u, feasible, _, Cz = basis_vertices(C, sup, row, tol)
            basis, draw = np.nonzero(feasible)
            z = np.zeros((len(basis), d))
            np.put_along_axis(z, sup[basis], u[:, basis, draw].T, axis=1)
            draws.append(draw)
            zs.append(z)
            zeros.append(np.abs(z) <= tol)
            tights.append(np.abs(Cz[:, basis, draw].T - 1.0) <= tol)
    draw = np.concatenate(draws)
    z = np.concatenate(zs)
    zero = np.concatenate(zeros)
    tight = np.concatenate(tights)
    # Copies of a degenerate vertex share its label set, and distinct vertices
    # of one polytope never do (see _polytope). The stable sort by (draw, labels)
    # puts each group's earliest basis first; keep those, in (draw, basis) order.
    mask = _label_masks(zero, tight)
    by_labels = np.lexsort((mask, draw))
    sorted_draw, sorted_mask = draw[by_labels], mask[by_labels]
    starts = np.ones(len(by_labels), bool)
    starts[1:] = (sorted_draw[1:] != sorted_draw[:-1]) | (sorted_mask[1:] != sorted_mask[:-1])
    first = by_labels[starts]
    first = first[np.lexsort((first, draw[first]))]
    return draw[first], z[first], zero[first], tight[first]


def _complementary_many(
    x_draw: IntArray,
    x_labels: NDArray[np.int64],
    y_draw: IntArray,
    y_labels: NDArray[np.int64],
    n_draws: int,
    n_labels: int,
) -> tuple[IntArray, IntArray]:
    """Row indices of the (vertex of P, vertex of Q) pairs of one draw covering every label.

    ``x_draw`` (Vx,) and ``y_draw`` (Vy,) are ascending; ``x_labels`` (Vx,)
    and ``y_labels`` (Vy,) are the label bit masks over ``n_labels`` (m + n)
    labels. Pairs come out by draw, then in the row-major order of the
    per-game ``np.nonzero`` over (vertex of P, vertex of Q).
    """
    x_count = np.bincount(x_draw, minlength=n_draws)
    y_count = np.bincount(y_draw, minlength=n_draws)
    x_start = np.cumsum(x_count) - x_count
    y_start = np.cumsum(y_count) - y_count
    # Pad to (draws, most vertices of a draw); padded slots are masked out below.
    x_pad = np.zeros((n_draws, int(x_count.max(initial=0))), np.int64)
    y_pad = np.zeros((n_draws, int(y_count.max(initial=0))), np.int64)
    x_slot = np.arange(len(x_draw)) - x_start[x_draw]
    y_slot = np.arange(len(y_draw)) - y_start[y_draw]
    x_pad[x_draw, x_slot] = x_labels
    y_pad[y_draw, y_slot] = y_labels
    x_real = np.zeros(x_pad.shape, bool)
    y_real = np.zeros(y_pad.shape, bool)
    x_real[x_draw, x_slot] = True
    y_real[y_draw, y_slot] = True
    full = np.int64((1 << n_labels) - 1)
    comp = (x_pad[:, :, None] | y_pad[:, None, :]) == full
    comp &= x_real[:, :, None] & y_real[:, None, :]
    draw, ix, iy = np.nonzero(comp)
    return x_start[draw] + ix, y_start[draw] + iy


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


def _augmented(C: FloatArray) -> FloatArray:
    """``[C | 1]`` of a stack (r, d, D) of matrices, flattened to (r * (d + 1), D)."""
    r, d, D = C.shape
    aug = np.empty((r, d + 1, D))
    aug[:, :d] = C
    aug[:, d] = 1.0
    return aug.reshape(r * (d + 1), D)


def _all_minors_numpy(C: FloatArray) -> list[FloatArray]:
    """Every minor of ``[C | 1]`` for a stack of matrices (the NumPy reference).

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
    r, d, _ = C.shape
    flat = _augmented(C)
    levels = [flat]
    for entry, sub, sign in _minor_tables(r, d + 1):
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


def _support_size_numpy(
    minors_x: list[FloatArray],
    minors_y: list[FloatArray],
    k: int,
    m: int,
    n: int,
    tol: float,
    degenerate: BoolArray,
) -> tuple[IntArray, FloatArray, FloatArray]:
    """Equilibria of support size ``k`` in a chunk of draws (part of :func:`_nondegenerate_numpy`).

    Parameters
    ----------
    minors_x, minors_y : list of ndarray
        :func:`_all_minors_numpy` of *P*'s ``B^T`` (n, m, D) and *Q*'s ``A`` (m, n, D).
    k, m, n : int
        Support size and game shape.
    tol : float
        Tolerance, as in :func:`mixed_nash_2p_batch`.
    degenerate : ndarray of bool, shape (D,)
        Set (in place) where a feasible basis has more labels than the dimension.

    Returns
    -------
    draw : ndarray of intp, shape (E,)
    x : ndarray, shape (E, m)
    y : ndarray, shape (E, n)
        Draw and unnormalised strategies of every basis ``(I, J)`` feasible in
        both polytopes, in row-major (basis, draw) order.
    """
    rows, cols = support_pairs(m, n, k)
    zx, fx, ex = _basis_solutions_numpy(minors_x, _pair_tables(n, m, k, False), tol)
    zy, fy, ey = _basis_solutions_numpy(minors_y, _pair_tables(m, n, k, True), tol)
    degenerate |= (fx & ex).any(axis=0) | (fy & ey).any(axis=0)
    p, d = np.nonzero(fx & fy)
    x = np.zeros((len(p), m))
    y = np.zeros((len(p), n))
    np.put_along_axis(x, rows[p], zx[:, p, d].T, axis=1)
    np.put_along_axis(y, cols[p], zy[:, p, d].T, axis=1)
    return d, x, y


def _basis_solutions_numpy(
    minors: list[FloatArray],
    tables: tuple[IntArray, IntArray, FloatArray, IntArray, FloatArray],
    tol: float,
) -> tuple[FloatArray, BoolArray, BoolArray]:
    """Basic solutions from minors: ``z`` (k, P, D), ``feasible`` and ``extra`` (P, D).

    Part of :func:`_support_size_numpy`, the NumPy reference of the compiled
    kernel. ``extra`` marks feasible solutions with more labels than the
    dimension (a zero in the support or a tight row outside the basis).
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
    extra = feasible & (low <= tol)
    return z, feasible, extra
