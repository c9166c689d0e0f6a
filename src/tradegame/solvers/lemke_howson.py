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

:func:`lemke_howson_batch` follows the same path in a stack of games (for
Monte Carlo draws).

Both run in compiled kernels (:mod:`tradegame.solvers._bimatrix_kernel`: the
scaling, the finiteness check and the pivots of one game, and a loop over the
games), since on a tableau of a few dozen entries NumPy's per-call overhead is
nearly all the cost; float64 matrices go to them unconverted. Their pivots are
those of the NumPy code kept as ``_lemke_howson_numpy`` and
``_lemke_howson_batch_numpy``, bit for bit (tested).
"""

from __future__ import annotations

from types import ModuleType
from typing import NoReturn

import numpy as np
from numpy.typing import ArrayLike

from tradegame.solvers._bimatrix import (
    FloatArray,
    IntArray,
)
from tradegame.solvers.validation import check_bimatrix, check_bimatrix_batch

__all__ = ["lemke_howson", "lemke_howson_batch"]


def _kernel() -> ModuleType:
    """The compiled kernels, imported on first use: importing the solvers does not load Numba."""
    import tradegame.solvers._bimatrix_kernel as kernel

    return kernel


def _pivot_tol() -> float:
    """Entries of the scaled tableau at or below this count as nonpositive in the ratio test,
    and ratios within it count as ties (the kernels' constant)."""
    return float(_kernel().PIVOT_TOL)


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
    >>> x.round(12).tolist(), y.round(12).tolist()
    ([0.5, 0.5], [0.5, 0.5])
    """
    if (
        type(A) is np.ndarray
        and type(B) is np.ndarray
        and A.dtype is _FLOAT64
        and B.dtype is _FLOAT64
        and A.ndim == 2
        and A.shape == B.shape
        and A.size
    ):
        # Already float64 matrices: the kernel checks finiteness itself, and a
        # failed check goes back to check_bimatrix for its message.
        a, b = A, B
    else:
        a, b = check_bimatrix(A, B)
    m, n = a.shape
    if type(label) is not int:
        if isinstance(label, bool) or not isinstance(label, int | np.integer):
            raise ValueError(f"label must be an integer, got {label!r}")
        label = int(label)
    if not 0 <= label < m + n:
        raise ValueError(f"label must be in 0..{m + n - 1} for a {m}x{n} game, got {label}")
    # The scaling, the finiteness check and the pivots run in the compiled kernel: the
    # same operations, bit for bit, as _lemke_howson_numpy(normalize(a), normalize(b), label).
    x, y, status, normalized = _kernel().lemke_howson_one(a, b, label)
    if status:
        _kernel_failed(status, A, B)
    if normalized:
        return x, y
    return x / x.sum(), y / y.sum()


#: The dtype of float64 arrays in native byte order, the only one the kernel is given as is.
_FLOAT64 = np.dtype(np.float64)


def _kernel_failed(status: int, A: ArrayLike, B: ArrayLike) -> NoReturn:
    """Raise the error of a failed :func:`~._bimatrix_kernel.lemke_howson_one` call."""
    if status == _kernel().LH_NOT_FINITE:
        check_bimatrix(A, B)  # raises PayoffError with the usual message
    if status == _kernel().LH_UNBOUNDED:  # pragma: no cover - the polytopes are bounded
        raise RuntimeError("unbounded ray in Lemke-Howson; payoffs are not well scaled")
    raise RuntimeError(  # pragma: no cover - the lexicographic rule makes the path finite
        "Lemke-Howson did not terminate; please report this game"
    )


def _lemke_howson_numpy(a: FloatArray, b: FloatArray, label: int) -> tuple[FloatArray, FloatArray]:
    """:func:`lemke_howson` in NumPy on payoffs scaled into [1, 2] (the kernel's reference)."""
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
    rows = np.flatnonzero(column > _pivot_tol())
    if len(rows) == 0:  # pragma: no cover - the polytopes are bounded
        raise RuntimeError("unbounded ray in Lemke-Howson; payoffs are not well scaled")
    ratio = tab[rows, -1] / column[rows]
    best = ratio.min()
    rows = rows[ratio <= best + _pivot_tol() * max(1.0, abs(best))]
    if len(rows) > 1:
        # A tie in the ordinary ratio (a degenerate vertex): compare the rows of
        # the basis inverse, scaled the same way, column by column.
        ratios = tab[rows[:, None], lex[None, 1:]] / column[rows, None]
        for j in range(ratios.shape[1]):
            best = ratios[:, j].min()
            near = ratios[:, j] <= best + _pivot_tol() * max(1.0, abs(best))
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


def lemke_howson_batch(
    A: ArrayLike, B: ArrayLike | None = None, label: int | np.integer = 0
) -> tuple[np.ndarray, np.ndarray]:
    """One Nash equilibrium of each of a stack of bimatrix games, vectorised over draws.

    Runs the same lexicographic Lemke–Howson path as :func:`lemke_howson` in
    every game, in one compiled loop over the games. Its NumPy reference,
    ``_lemke_howson_batch_numpy``, starts all draws in the same tableau and
    alternates between the two in step, each pivot a handful of array
    operations over the draws still on their path; both give every draw bit
    for bit what :func:`lemke_howson` gives it alone.

    Parameters
    ----------
    A : array_like, shape S + (m, n), or S + (2, m, n) when ``B`` is None
        Row player's payoffs per draw, or the full payoff array ``U``.
    B : array_like, shape S + (m, n), optional
        Column player's payoffs per draw.
    label : int, default 0
        Label dropped first, as in :func:`lemke_howson`.

    Returns
    -------
    x : ndarray, shape S + (m,)
    y : ndarray, shape S + (n,)
        Per draw, the equilibrium :func:`lemke_howson` returns for that game.

    Raises
    ------
    ValueError
        On malformed payoffs or a label out of range.
    """
    a, b = check_bimatrix_batch(A, B)
    lead = a.shape[:-2]
    m, n = a.shape[-2:]
    if isinstance(label, bool) or not isinstance(label, int | np.integer):
        raise ValueError(f"label must be an integer, got {label!r}")
    if not 0 <= label < m + n:
        raise ValueError(f"label must be in 0..{m + n - 1} for {m}x{n} games, got {label}")
    # One compiled call walks every game's path: bit for bit lemke_howson on each game,
    # and _lemke_howson_batch_numpy(normalize(a), normalize(b), label) on the stack.
    x, y, status, normalized = _kernel().lemke_howson_many(
        np.ascontiguousarray(a.reshape(-1, m, n)),
        np.ascontiguousarray(b.reshape(-1, m, n)),
        int(label),
    )
    if status:
        _kernel_failed(status, a, b)  # pragma: no cover - checked finite above
    if not normalized:
        x = x / x.sum(axis=1, keepdims=True)
        y = y / y.sum(axis=1, keepdims=True)
    return x.reshape(*lead, m), y.reshape(*lead, n)


def _lemke_howson_batch_numpy(
    a: FloatArray, b: FloatArray, label: int
) -> tuple[FloatArray, FloatArray]:
    """:func:`lemke_howson_batch` in NumPy on (D, m, n) payoffs scaled into [1, 2].

    The reference of the compiled loop: every pivot vectorised over the draws
    still on their path.
    """
    D, m, n = a.shape
    width = m + n + 1
    tab_p = np.zeros((D, n, width))
    tab_p[:, :, :m] = np.swapaxes(b, 1, 2)
    tab_p[:, :, m : m + n] = np.eye(n)
    tab_p[:, :, -1] = 1.0
    tab_q = np.zeros((D, m, width))
    tab_q[:, :, :m] = np.eye(m)
    tab_q[:, :, m : m + n] = a
    tab_q[:, :, -1] = 1.0
    basis_p = np.tile(np.arange(m, m + n), (D, 1))
    basis_q = np.tile(np.arange(m), (D, 1))
    lex_p = np.arange(m, m + n)
    lex_q = np.arange(m)

    entering = np.full(D, label)
    active = np.arange(D)
    in_p = label < m
    for _ in range(4 * (2 ** min(m + n, 30)) + 10):
        if len(active) == 0:
            break
        if in_p:
            leaving = _pivot_batch(tab_p, basis_p, lex_p, active, entering[active])
        else:
            leaving = _pivot_batch(tab_q, basis_q, lex_q, active, entering[active])
        entering[active] = leaving
        active = active[leaving != label]
        in_p = not in_p
    else:  # pragma: no cover - the lexicographic rule makes every path finite
        raise RuntimeError("Lemke-Howson did not terminate; please report these games")

    x = np.zeros((D, m))
    y = np.zeros((D, n))
    d, r = np.nonzero(basis_p < m)
    x[d, basis_p[d, r]] = tab_p[d, r, -1]
    d, r = np.nonzero(basis_q >= m)
    y[d, basis_q[d, r] - m] = tab_q[d, r, -1]
    np.clip(x, 0.0, None, out=x)
    np.clip(y, 0.0, None, out=y)
    return x / x.sum(axis=1, keepdims=True), y / y.sum(axis=1, keepdims=True)


def _pivot_batch(
    tab: FloatArray, basis: IntArray, lex: IntArray, draws: IntArray, col: IntArray
) -> IntArray:
    """One lexicographic pivot in each of ``draws``; returns the leaving labels.

    ``tab`` (D, rows, width) and ``basis`` (D, rows) are updated in place.
    """
    T = tab[draws]
    idx = np.arange(len(draws))
    column = T[idx, :, col]  # (Da, rows)
    positive = column > _pivot_tol()
    if not positive.any(axis=1).all():  # pragma: no cover - the polytopes are bounded
        raise RuntimeError("unbounded ray in Lemke-Howson; payoffs are not well scaled")
    safe = np.where(positive, column, 1.0)
    ratio = np.where(positive, T[:, :, -1] / safe, np.inf)
    best = ratio.min(axis=1, keepdims=True)
    cand = ratio <= best + _pivot_tol() * np.maximum(1.0, np.abs(best))
    # Ties in the ordinary ratio (degenerate vertices) are broken on the basis
    # inverse, column by column, exactly as the single-game version does.
    for j in lex:
        if not (cand.sum(axis=1) > 1).any():
            break
        vals = np.where(cand, T[:, :, j] / safe, np.inf)
        best = vals.min(axis=1, keepdims=True)
        cand &= vals <= best + _pivot_tol() * np.maximum(1.0, np.abs(best))
    r = np.argmax(cand, axis=1)
    pivot_row = T[idx, r] / column[idx, r, None]
    T -= column[:, :, None] * pivot_row[:, None, :]
    T[idx, r] = pivot_row
    tab[draws] = T
    leaving = basis[draws, r]
    basis[draws, r] = col
    return leaving
