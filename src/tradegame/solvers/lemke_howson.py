r"""One Nash equilibrium of a bimatrix game by the Lemke–Howson algorithm.

Method
------
Lemke & Howson (1964, "Equilibrium points of bimatrix games", *J. SIAM*
12:413-423), in the tableau form of von Stengel (2007, chapter 3 of
*Algorithmic Game Theory*). With payoffs scaled to be positive,
the best-response polytopes are written as two systems with slacks,

.. math::

    B^\top x + s = 1,\quad x, s \ge 0 \qquad\text{and}\qquad
    r + A y = 1,\quad r, y \ge 0,

and every variable carries a label: ``x_i`` and ``r_i`` label ``i``,
``s_j`` and ``y_j`` label ``m + j``. Starting from the artificial equilibrium
(all slacks basic) the variable with the chosen ``label`` enters one system;
whichever variable leaves, its partner with the same label enters the other
system, and so on, until the chosen label itself leaves. The final basic
solutions are vertices of the two polytopes forming a completely labelled
pair, i.e. an (extreme) equilibrium.

The minimum-ratio test breaks ties lexicographically on the columns that
started as the identity, which is the same as perturbing the right-hand side
by ``(eps, eps^2, ...)`` for an infinitesimal ``eps``: the perturbed game is
nondegenerate, so the path is unique and cannot cycle even when the actual
game is degenerate.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from tradegame.solvers._bimatrix import FloatArray, IntArray, check_bimatrix, normalize

__all__ = ["lemke_howson"]

#: Entries of the scaled tableau at or below this count as nonpositive in the
#: ratio test, and ratios within it count as ties.
_PIVOT_TOL = 1e-12


def lemke_howson(
    A: ArrayLike, B: ArrayLike, label: int | np.integer = 0
) -> tuple[np.ndarray, np.ndarray]:
    """One Nash equilibrium of ``(A, B)`` by complementary pivoting.

    Parameters
    ----------
    A : array_like, shape (m, n)
        Row player's payoffs (``U[0]``).
    B : array_like, shape (m, n)
        Column player's payoffs (``U[1]``).
    label : int, default 0
        The label dropped first, in ``0 .. m + n - 1``: ``i < m`` is the row
        player's action ``i``, ``m + j`` is the column player's action ``j``
        (the same convention as QuantEcon's ``init_pivot``). Different labels
        can lead to different equilibria.

    Returns
    -------
    x : ndarray, shape (m,)
    y : ndarray, shape (n,)
        Mixed strategies, nonnegative and summing to one, forming an extreme
        Nash equilibrium (one of those :func:`mixed_nash_2p` lists).

    Raises
    ------
    ValueError
        On malformed payoffs (see :func:`mixed_nash_2p`) or a label out of range.

    Examples
    --------
    >>> import numpy as np
    >>> A = np.array([[1, -1], [-1, 1]])  # matching pennies
    >>> x, y = lemke_howson(A, -A)
    >>> x.tolist(), y.tolist()
    ([0.5, 0.5], [0.5, 0.5])
    """
    a, b = check_bimatrix(A, B)
    m, n = a.shape
    if isinstance(label, bool) or not isinstance(label, int | np.integer):
        raise ValueError(f"label must be an integer, got {label!r}")
    if not 0 <= label < m + n:
        raise ValueError(f"label must be in 0..{m + n - 1} for a {m}x{n} game, got {label}")
    return _lemke_howson(normalize(a), normalize(b), int(label))


def _lemke_howson(a: FloatArray, b: FloatArray, label: int) -> tuple[FloatArray, FloatArray]:
    m, n = a.shape
    # Tableau columns are indexed by label, then the right-hand side.
    tab_p = np.hstack([b.T, np.eye(n), np.ones((n, 1))])  # rows: columns of the game
    tab_q = np.hstack([np.eye(m), a, np.ones((m, 1))])  # rows: rows of the game
    basis_p = np.arange(m, m + n)
    basis_q = np.arange(m)
    # Columns that started as the identity hold the current basis inverse; they
    # give the lexicographic order of the perturbed right-hand side.
    lex_p = np.r_[m + n, m : m + n]
    lex_q = np.r_[m + n, 0:m]

    entering = label
    # The dropped label is a nonbasic x_i in P when i < m, else a nonbasic y_j
    # in Q; afterwards the pivots alternate, since the label that just left
    # one system is the duplicate whose partner must enter the other.
    in_p = label < m
    # Each basis pair is visited at most once on the path, which bounds the steps.
    for _ in range(4 * (2 ** min(m + n, 30)) + 10):
        if in_p:
            leaving = _pivot(tab_p, basis_p, lex_p, entering)
        else:
            leaving = _pivot(tab_q, basis_q, lex_q, entering)
        if leaving == label:
            break
        entering = leaving
        in_p = not in_p
    else:  # pragma: no cover - the lexicographic rule makes the path finite
        raise RuntimeError("Lemke-Howson did not terminate; please report this game")

    x = np.zeros(m)
    y = np.zeros(n)
    for row, lab in enumerate(basis_p):
        if lab < m:
            x[lab] = tab_p[row, -1]
    for row, lab in enumerate(basis_q):
        if lab >= m:
            y[lab - m] = tab_q[row, -1]
    x = np.clip(x, 0.0, None)
    y = np.clip(y, 0.0, None)
    return x / x.sum(), y / y.sum()


def _pivot(tab: FloatArray, basis: IntArray, lex: IntArray, col: int) -> int:
    """Bring ``col`` into the basis by the lexicographic minimum-ratio test.

    Updates ``tab`` and ``basis`` in place and returns the label that left.
    """
    column = tab[:, col]
    rows = np.flatnonzero(column > _PIVOT_TOL)
    if len(rows) == 0:  # pragma: no cover - the polytopes are bounded
        raise RuntimeError("unbounded ray in Lemke-Howson; payoffs are not well scaled")
    ratio = tab[rows, -1] / column[rows]
    best = ratio.min()
    rows = rows[ratio <= best + _PIVOT_TOL * max(1.0, abs(best))]
    if len(rows) > 1:
        # A tie in the ordinary ratio (a degenerate vertex): compare the rows of
        # the basis inverse, scaled the same way, column by column.
        ratios = tab[rows[:, None], lex[None, 1:]] / column[rows, None]
        for j in range(ratios.shape[1]):
            best = ratios[:, j].min()
            near = ratios[:, j] <= best + _PIVOT_TOL * max(1.0, abs(best))
            rows, ratios = rows[near], ratios[near]
            if len(rows) == 1:
                break
    r = int(rows[0])
    pivot_row = tab[r] / tab[r, col]
    tab -= np.outer(column, pivot_row)  # zeroes the column, row r included
    tab[r] = pivot_row
    leaving = int(basis[r])
    basis[r] = col
    return leaving
