r"""All extreme Nash equilibria of a bimatrix game, by vertex enumeration.

Method
------
Following Avis, Rosenberg, Savani & von Stengel (2010, "Enumeration of Nash
equilibria for two-player games", *Economic Theory* 42:9-37) and von Stengel
(2007, chapter 3 of *Algorithmic Game Theory*), scale both payoff matrices to
be positive and form the best-response polytopes

.. math::

    P = \{x \ge 0 : B^\top x \le 1\}, \qquad Q = \{y \ge 0 : A y \le 1\}.

Label a point of *P* with ``i`` when ``x_i = 0`` and with ``m + j`` when column
``j`` is a best response (``(B^T x)_j = 1``); label a point of *Q* with ``i``
when row ``i`` is a best response and with ``m + j`` when ``y_j = 0``. A pair
``(x, y) != (0, 0)`` whose labels together cover ``0 .. m+n-1`` is, after
scaling each to sum to one, a Nash equilibrium, and the extreme equilibria
(the vertices of the convex equilibrium components) are exactly the
completely labelled pairs of *vertices* of ``P x Q``. This holds for
degenerate games too, so ties and continua of equilibria are handled: the
result is the set Gambit's ``enummixed_solve`` returns.

Every vertex of *P* other than 0 solves ``B[I, J]^T x_I = 1`` with ``x = 0``
off a support ``I`` and ``|I| = |J|``; we solve all ``C(m+n, m) - 1`` such
systems at once, keep the feasible solutions, merge the copies of a degenerate
vertex (one per basis), and match label sets. The cost is exponential in the
game size, which is inherent to listing all equilibria: a 6x6 game takes
milliseconds, a 10x10 one seconds, and games with more than 3 million
candidate bases (beyond 12x12) are refused with a pointer to
:func:`~tradegame.solvers.lemke_howson`.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from tradegame.solvers._bimatrix import (
    BoolArray,
    FloatArray,
    IntArray,
    basis_vertices,
    check_size,
    lexsort_rows,
    normalize,
    support_pairs,
)
from tradegame.solvers.validation import check_bimatrix

__all__ = ["DEFAULT_TOL", "mixed_nash_2p"]

#: Default tolerance, relative to each player's payoff range (see ``tol``).
DEFAULT_TOL = 1e-9

#: Bases solved per vectorised call, bounding memory on larger games.
PAIR_CHUNK = 100_000


def mixed_nash_2p(
    A: ArrayLike, B: ArrayLike, tol: float = DEFAULT_TOL
) -> list[tuple[np.ndarray, np.ndarray]]:
    """All extreme Nash equilibria of the bimatrix game ``(A, B)``.

    Parameters
    ----------
    A : array_like, shape (m, n)
        Row player's payoffs, ``A[i, j]`` when row ``i`` meets column ``j``
        (``U[0]`` in tradegame's ``U[..., i, a0, a1]`` convention).
    B : array_like, shape (m, n)
        Column player's payoffs (``U[1]``).
    tol : float, default 1e-9
        Tolerance for feasibility, for a constraint being tight (a tie between
        best responses, a probability being zero) and for merging vertices.
        It applies after each player's payoffs are mapped affinely onto
        [1, 2], so it is relative to that player's payoff range: payoff
        differences below about ``tol * range`` count as ties. Exact ties in
        integer or rational payoffs are detected reliably; keep ``tol`` well
        above 1e-15 and well below the smallest payoff difference that should
        count.

    Returns
    -------
    list of (x, y)
        Each ``x`` has shape (m,) and ``y`` shape (n,), nonnegative and summing
        to one. In a nondegenerate game these are all the equilibria; in a
        degenerate one they are the extreme points of the equilibrium
        components (every equilibrium is a convex combination of extreme
        equilibria in the same component). Sorted ascending lexicographically
        by ``(x, y)`` after rounding to 9 decimals; no duplicates.

    Raises
    ------
    ValueError
        If ``A`` or ``B`` is not a 2-D numeric matrix, the shapes differ,
        an entry is NaN or infinite, or the game is too large to enumerate.

    Examples
    --------
    Battle of the sexes has two pure equilibria and one mixed one:

    >>> import numpy as np
    >>> A = np.array([[3, 0], [0, 2]]); B = np.array([[2, 0], [0, 3]])
    >>> [(x.round(3).tolist(), y.round(3).tolist()) for x, y in mixed_nash_2p(A, B)]
    [([0.0, 1.0], [0.0, 1.0]), ([0.6, 0.4], [0.4, 0.6]), ([1.0, 0.0], [1.0, 0.0])]
    """
    a, b = check_bimatrix(A, B)
    if not (0.0 < tol < 1e-2):
        raise ValueError(f"tol must be in (0, 0.01), got {tol}")
    m, n = a.shape
    check_size(m, n)
    x, y = enumerate_extreme(normalize(a), normalize(b), tol)
    return [(x[e].copy(), y[e].copy()) for e in range(len(x))]


def _polytope(
    C: FloatArray, tol: float, *, transpose: bool
) -> tuple[FloatArray, BoolArray, BoolArray]:
    """Distinct nonzero vertices of ``{z >= 0 : C z <= 1}`` with their labels.

    ``C`` has shape (r, d). Returns the vertices ``z`` (V, d) and their labels
    as masks ``zero`` (V, d), coordinates at zero, and ``tight`` (V, r), rows
    of ``C`` at one. With ``transpose`` the support index is the second factor
    of :func:`support_pairs` (the game's columns) rather than the first.
    """
    r, d = C.shape
    zs, zeros, tights = [], [], []
    for k in range(1, min(r, d) + 1):
        if transpose:
            rows, support = support_pairs(r, d, k)
        else:
            support, rows = support_pairs(d, r, k)
        for lo in range(0, len(support), PAIR_CHUNK):
            sup, row = support[lo : lo + PAIR_CHUNK], rows[lo : lo + PAIR_CHUNK]
            u, feasible, _, Cz = basis_vertices(C[..., None], sup, row, tol)
            f = feasible[:, 0]
            z = np.zeros((int(f.sum()), d))
            np.put_along_axis(z, sup[f], u[:, f, 0].T, axis=1)
            zs.append(z)
            zeros.append(np.abs(z) <= tol)
            tights.append(np.abs(Cz[:, f, 0].T - 1.0) <= tol)
    z = np.concatenate(zs)
    zero = np.concatenate(zeros)
    tight = np.concatenate(tights)
    # A degenerate vertex comes out once per basis among its tight constraints.
    # Its copies share one label set, and distinct vertices cannot (the tight
    # constraints contain a nonsingular basis, which fixes the point), so label
    # sets identify vertices exactly, with no tolerance on coordinates.
    _, first = np.unique(np.hstack([zero, tight]), axis=0, return_index=True)
    first.sort()
    return z[first], zero[first], tight[first]


def _complementary(
    x_zero: BoolArray, x_tight: BoolArray, y_zero: BoolArray, y_tight: BoolArray
) -> tuple[IntArray, IntArray]:
    """Index pairs (vertex of P, vertex of Q) whose labels cover every action.

    Labels ``0..m-1``: row ``i`` unplayed by ``x`` or a best response to ``y``;
    labels ``m..m+n-1``: column ``j`` a best response to ``x`` or unplayed by ``y``.
    """
    lx = np.hstack([x_zero, x_tight])
    ly = np.hstack([y_tight, y_zero])
    n_labels = lx.shape[1]
    if n_labels <= 62:
        # Bit masks turn the (Vx, Vy, m + n) comparison into one integer OR.
        weights = np.left_shift(np.int64(1), np.arange(n_labels, dtype=np.int64))
        bx = lx.astype(np.int64) @ weights
        by = ly.astype(np.int64) @ weights
        full = np.int64((1 << n_labels) - 1)
        comp = (bx[:, None] | by[None, :]) == full
    else:
        comp = (lx[:, None, :] | ly[None, :, :]).all(axis=-1)
    ix, iy = np.nonzero(comp)
    return ix, iy


def enumerate_extreme(a: FloatArray, b: FloatArray, tol: float) -> tuple[FloatArray, FloatArray]:
    """Kernel of :func:`mixed_nash_2p` on payoffs already scaled into [1, 2].

    Returns ``x`` (E, m) and ``y`` (E, n), sorted, one row per extreme
    equilibrium.
    """
    # P: support over rows (x), tight rows of B^T are columns of the game.
    xv, x_zero, x_tight = _polytope(b.T, tol, transpose=False)
    # Q: support over columns (y), tight rows of A are rows of the game.
    yv, y_zero, y_tight = _polytope(a, tol, transpose=True)
    ix, iy = _complementary(x_zero, x_tight, y_zero, y_tight)
    x = xv[ix] / xv[ix].sum(axis=1, keepdims=True)
    y = yv[iy] / yv[iy].sum(axis=1, keepdims=True)
    # Distinct nonzero vertices of P scale to distinct strategies (a ray from
    # the origin leaves P through a single point), so no duplicates can arise.
    order = lexsort_rows(x, y)
    return x[order], y[order]
