r"""Shared array kernels for the two-player (bimatrix) solvers.

The mixed-equilibrium solvers work on the best-response polytopes of
von Stengel (2007, "Equilibrium computation for two-player games in strategic
and extensive form", chapter 3 of *Algorithmic Game Theory*):

.. math::

    P = \{x \in \mathbb{R}^m : x \ge 0,\ B^\top x \le 1\}, \qquad
    Q = \{y \in \mathbb{R}^n : A y \le 1,\ y \ge 0\},

for payoffs made positive. Both have the shape :math:`\{z \ge 0 : C z \le 1\}`
with a positive constraint matrix ``C`` (``C = B^T`` for *P*, ``C = A`` for
*Q*). A vertex of such a polytope has ``dim`` linearly independent tight
constraints: ``d - k`` coordinates at zero and ``k`` rows of ``C`` at one,
so every vertex other than the origin solves a square system
``C[rows, support] z[support] = 1`` for a support and a row set of equal size
``k``. This module enumerates those systems for many games at once.
"""

from __future__ import annotations

from functools import lru_cache
from itertools import combinations
from math import comb

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]
BoolArray = NDArray[np.bool_]

#: A k x k system is treated as singular when ``|det|`` is at or below this
#: times ``k ** (k / 2)``. With entries scaled into [1, 2] every row norm lies
#: in ``[sqrt(k), 2 sqrt(k)]``, so this is Hadamard's ratio ``|det| / prod(row
#: norms)`` (1 for orthogonal rows, 0 when singular) up to a factor ``2 ** k``.
#: A basis this close to singular gives a point whose coordinates are
#: meaningless at double precision, and a truly singular but consistent system
#: would otherwise yield an arbitrary non-vertex point of a face.
SINGULAR_RATIO = 1e-11

#: Hard cap on the number of square systems per polytope, C(m+n, m) - 1, so a
#: large game fails fast with advice instead of exhausting memory.
MAX_BASES = 3_000_000


def check_size(m: int, n: int) -> None:
    """Refuse games whose polytopes have too many candidate bases to enumerate."""
    n_bases = comb(m + n, m) - 1
    if n_bases > MAX_BASES:
        raise ValueError(
            f"a {m}x{n} game has {n_bases} candidate bases per best-response polytope, "
            f"more than the {MAX_BASES} this enumeration allows; use lemke_howson for one "
            "equilibrium of a large game"
        )


def normalize(M: FloatArray) -> FloatArray:
    """Affinely rescale each payoff matrix into [1, 2] over its last two axes.

    Equilibria are invariant under a positive affine change of one player's
    payoffs, and positive entries make *P* and *Q* bounded. Fixing the range
    also makes every tolerance in the solvers relative to the payoff range.
    A constant matrix becomes all ones.
    """
    # Reducing over one flattened axis is markedly faster than over two small ones.
    flat = M.reshape(*M.shape[:-2], M.shape[-2] * M.shape[-1])
    lo = np.asarray(flat.min(axis=-1))[..., None, None]
    span = np.asarray(flat.max(axis=-1))[..., None, None] - lo
    span = np.where(span > 0, span, 1.0)
    out = M - lo
    out /= span
    out += 1.0
    return out


@lru_cache(maxsize=256)
def support_pairs(m: int, n: int, k: int) -> tuple[IntArray, IntArray]:
    """All pairs (I, J) with I ⊆ range(m), J ⊆ range(n) and |I| = |J| = k.

    Returns
    -------
    I : ndarray of intp, shape (C(m, k) * C(n, k), k)
    J : ndarray of intp, shape (C(m, k) * C(n, k), k)
        Rows are sorted index tuples; pairs are ordered with I varying slowest.
    """
    rows = np.array(list(combinations(range(m), k)), dtype=np.intp).reshape(-1, k)
    cols = np.array(list(combinations(range(n), k)), dtype=np.intp).reshape(-1, k)
    row_sets = np.repeat(rows, len(cols), axis=0)
    col_sets = np.tile(cols, (len(rows), 1))
    row_sets.setflags(write=False)
    col_sets.setflags(write=False)
    return row_sets, col_sets


def singular_threshold(k: int) -> float:
    """``|det|`` at or below which a k x k basis of scaled payoffs counts as singular."""
    return SINGULAR_RATIO * float(k) ** (k / 2)


def solve_ones(M: FloatArray) -> tuple[FloatArray, BoolArray]:
    """Solve ``M u = 1`` for a stack of small square matrices, stack axes last.

    Parameters
    ----------
    M : ndarray, shape (k, k, ...)
        ``M[r, c]`` is the array of entries (r, c) over all stacked systems.
        Keeping the stack axes last makes every step below one elementwise
        operation over the whole batch.

    Returns
    -------
    u : ndarray, shape (k, ...)
        The solutions; zeros where a matrix is (numerically) singular.
    ok : ndarray of bool, shape (...)
        False where ``|det M|`` is at or below :func:`singular_threshold`.

    Notes
    -----
    For ``k <= 3`` Cramer's rule is written out; above that, Gaussian
    elimination with partial pivoting runs over the batch. Both beat stacked
    LAPACK calls several times over on matrices this small, where LAPACK's
    per-matrix overhead dominates.
    """
    k = M.shape[0]
    if k <= 3:
        det, adj1 = _cramer(M)
        ok = np.abs(det) > singular_threshold(k)
        safe = np.where(ok, det, 1.0)
        return np.where(ok, adj1 / safe, 0.0), ok
    return _eliminate(M)


def _cramer(M: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Determinant and ``adj(M) @ 1`` for k <= 3, elementwise over the stack."""
    k = M.shape[0]
    if k == 1:
        return M[0, 0], np.ones_like(M[0])
    if k == 2:
        a, b, c, d = M[0, 0], M[0, 1], M[1, 0], M[1, 1]
        return a * d - b * c, np.stack([d - b, a - c])
    m = M
    # cij is entry (i, j) of the adjugate; adj(M) @ 1 is its row sums.
    c00 = m[1, 1] * m[2, 2] - m[1, 2] * m[2, 1]
    c01 = m[0, 2] * m[2, 1] - m[0, 1] * m[2, 2]
    c02 = m[0, 1] * m[1, 2] - m[0, 2] * m[1, 1]
    c10 = m[1, 2] * m[2, 0] - m[1, 0] * m[2, 2]
    c11 = m[0, 0] * m[2, 2] - m[0, 2] * m[2, 0]
    c12 = m[0, 2] * m[1, 0] - m[0, 0] * m[1, 2]
    c20 = m[1, 0] * m[2, 1] - m[1, 1] * m[2, 0]
    c21 = m[0, 1] * m[2, 0] - m[0, 0] * m[2, 1]
    c22 = m[0, 0] * m[1, 1] - m[0, 1] * m[1, 0]
    det = m[0, 0] * c00 + m[0, 1] * c10 + m[0, 2] * c20
    return det, np.stack([c00 + c01 + c02, c10 + c11 + c12, c20 + c21 + c22])


def _eliminate(M: FloatArray) -> tuple[FloatArray, BoolArray]:
    """Gaussian elimination with partial pivoting on ``[M | 1]``, stack axes last."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return _eliminate_kernel(M)


def _eliminate_kernel(M: FloatArray) -> tuple[FloatArray, BoolArray]:
    k = M.shape[0]
    batch = M.shape[2:]
    a = np.empty((k, k + 1, *batch))
    a[:, :k] = M
    a[:, k] = 1.0
    det = np.ones(batch)
    for c in range(k):
        if c < k - 1:
            p = c + np.argmax(np.abs(a[c:, c]), axis=0)[None, None]
            row_c = a[c].copy()
            a[c] = np.take_along_axis(a, p, axis=0)[0]
            np.put_along_axis(a, p, row_c[None], axis=0)
        piv = a[c, c]
        det *= piv
        # A zero pivot means the matrix is singular; any finite stand-in keeps
        # the arithmetic quiet and the result is masked out below.
        piv = np.where(piv != 0.0, piv, 1.0)
        a[c, c:] /= piv
        if c < k - 1:
            a[c + 1 :, c:] -= a[c + 1 :, c, None] * a[c, None, c:]
    u = np.empty((k, *batch))
    for r in range(k - 1, -1, -1):
        u[r] = a[r, k] - (a[r, r + 1 : k] * u[r + 1 :]).sum(axis=0)
    ok = np.abs(det) > singular_threshold(k)
    u[:, ~ok] = 0.0
    return u, ok


def basis_vertices(
    C: FloatArray, support: IntArray, rows: IntArray, tol: float
) -> tuple[FloatArray, BoolArray, BoolArray, FloatArray]:
    """Candidate vertices of ``{z >= 0 : C z <= 1}`` from given bases, batched.

    Parameters
    ----------
    C : ndarray, shape (r, d, D)
        Positive constraint matrices of ``D`` games, draws on the last axis.
    support, rows : ndarray of intp, shape (P, k)
        For each of ``P`` bases, the ``k`` coordinates left free and the ``k``
        rows of ``C`` made tight; the other ``d - k`` coordinates are zero.
    tol : float
        Feasibility tolerance (payoffs are scaled to [1, 2]).

    Returns
    -------
    u : ndarray, shape (k, P, D)
        The free coordinates ``z[support]`` of each basic solution (zeros for
        singular bases).
    feasible : ndarray of bool, shape (P, D)
        The basis is nonsingular and its solution lies in the polytope.
    ok : ndarray of bool, shape (P, D)
        The basis is nonsingular.
    Cz : ndarray, shape (r, P, D)
        Row activities ``C z``; a row is tight (a label) where this is 1.
    """
    k = support.shape[1]
    sub = C[rows.T[:, None, :], support.T[None, :, :]]  # (k, k, P, D)
    u, ok = solve_ones(sub)
    Cz = C[:, support[:, 0]] * u[0]
    for j in range(1, k):
        Cz += C[:, support[:, j]] * u[j]
    feasible = ok & (u >= -tol).all(axis=0) & (Cz <= 1.0 + tol).all(axis=0)
    return u, feasible, ok, Cz


def lexsort_rows(*keys: FloatArray, decimals: int = 9) -> IntArray:
    """Row order sorting ascending by the columns of ``keys`` in turn.

    Each key is a 2-D array (rows, columns); columns are compared left to
    right, earlier keys first. Values are rounded to ``decimals`` so that
    round-off cannot change the order of profiles that agree to that precision.
    """
    cols: list[FloatArray] = []
    for key in keys:
        r = np.round(key, decimals) + 0.0  # + 0.0 turns -0.0 into 0.0
        cols.extend(r[:, j] for j in range(r.shape[1]))
    # np.lexsort treats its last key as the primary one.
    return np.lexsort(cols[::-1])
