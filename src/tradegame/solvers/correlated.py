r"""Correlated equilibria of n-player games by linear programming.

A distribution :math:`p` over pure profiles is a *correlated equilibrium*
(Aumann 1974; Myerson 1991, §6.2; Osborne & Rubinstein 1994, §3.3) when no player,
told only their own recommended action :math:`a_i`, gains by switching to
:math:`b_i`:

.. math::

    \sum_{a_{-i}} p(a_i, a_{-i})\,\bigl[u_i(a_i, a_{-i}) - u_i(b_i, a_{-i})\bigr] \ge 0
    \quad \text{for all } i,\ a_i \ne b_i.

These :math:`\sum_i A_i(A_i - 1)` linear *incentive constraints*, with
:math:`p \ge 0` and :math:`\sum p = 1`, describe the set of correlated equilibria,
a polytope that contains every (mixed) Nash equilibrium as a product distribution.
:func:`ce_constraints` returns them as a matrix ``G`` with ``G @ p.ravel() >= 0``
so that membership can be tested directly; :func:`correlated_equilibrium`
maximises a linear objective (by default the sum of payoffs) over the polytope.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from tradegame.solvers.validation import check_game, check_payoff_batch

__all__ = [
    "CEConstraints",
    "CorrelatedEquilibrium",
    "ce_constraints",
    "correlated_equilibrium",
    "correlated_equilibrium_batch",
    "obedience_matrix",
]


@dataclass(frozen=True, slots=True)
class CEConstraints:
    """Incentive constraints of the correlated equilibria of one game.

    Attributes
    ----------
    matrix : ndarray of float, shape (m, A_0 * ... * A_{n-1})
        ``matrix @ p.ravel() >= 0`` (C order over the profile axes) are the
        incentive constraints, with ``m = sum_i A_i (A_i - 1)``.
    rows : tuple of (int, int, int)
        ``rows[k] = (i, a, b)``: row *k* says player *i*, told to play *a*,
        does not gain by playing *b* instead.
    shape : tuple of int
        ``(A_0, ..., A_{n-1})``, the shape of a distribution over profiles.
    """

    matrix: NDArray[np.float64] = field(repr=False, compare=False)
    rows: tuple[tuple[int, int, int], ...]
    shape: tuple[int, ...]

    def violation(self, p: ArrayLike) -> float:
        """Largest incentive-constraint violation of ``p`` (0 when all hold).

        Parameters
        ----------
        p : array_like, shape (A_0, ..., A_{n-1})
            A distribution over pure profiles.
        """
        q = self._check_distribution(p)
        if self.matrix.shape[0] == 0:
            return 0.0
        return float(max(0.0, -(self.matrix @ q.ravel()).min()))

    def contains(self, p: ArrayLike, tol: float = 1e-9) -> bool:
        """Whether ``p`` is a correlated equilibrium, up to ``tol``.

        Parameters
        ----------
        p : array_like, shape (A_0, ..., A_{n-1})
            A distribution over pure profiles; must be non-negative and sum to 1
            (within ``tol``), otherwise ValueError.
        tol : float, default 1e-9
            Allowed violation of each incentive constraint.
        """
        return self.violation(p) <= tol

    def _check_distribution(self, p: ArrayLike) -> NDArray[np.float64]:
        q = np.asarray(p, dtype=np.float64)
        if q.shape != self.shape:
            raise ValueError(f"distribution must have shape {self.shape}, got {q.shape}")
        if not np.isfinite(q).all():
            raise ValueError("distribution contains NaN or infinite values")
        if q.min() < -1e-9 or abs(q.sum() - 1.0) > 1e-6:
            raise ValueError("distribution must be non-negative and sum to 1")
        return q


@dataclass(frozen=True, slots=True)
class CorrelatedEquilibrium:
    """A correlated equilibrium maximising a linear objective.

    Attributes
    ----------
    distribution : ndarray of float, shape (A_0, ..., A_{n-1})
        Probability of each pure profile.
    payoffs : ndarray of float, shape (n,)
        Expected payoff of each player.
    objective_value : float
        Value of the objective that was maximised.
    objective : str
        ``"sum"``, ``"weights"`` or ``"custom"``: what was maximised.
    constraints : CEConstraints
        The incentive constraints (to test other distributions).
    """

    distribution: NDArray[np.float64]
    payoffs: NDArray[np.float64]
    objective_value: float
    objective: str
    constraints: CEConstraints = field(repr=False)


def _constraints(U: NDArray[np.float64]) -> CEConstraints:
    n = U.shape[0]
    shape = U.shape[1:]
    blocks: list[NDArray[np.float64]] = []
    rows: list[tuple[int, int, int]] = []
    for i in range(n):
        ui = np.moveaxis(U[i], i, 0)  # (A_i, others...)
        k = ui.shape[0]
        for a in range(k):
            for b in range(k):
                if a == b:
                    continue
                # Only profiles that recommend a to player i enter this constraint.
                row = np.zeros_like(ui)
                row[a] = ui[a] - ui[b]
                blocks.append(np.moveaxis(row, 0, i).ravel())
                rows.append((i, a, b))
    size = int(np.prod(shape))
    matrix = np.array(blocks) if blocks else np.zeros((0, size))
    return CEConstraints(matrix=matrix, rows=tuple(rows), shape=tuple(shape))


def ce_constraints(U: ArrayLike) -> CEConstraints:
    """Incentive constraints describing the correlated equilibria of a game.

    Parameters
    ----------
    U : array_like, shape (n, A_0, ..., A_{n-1})
        Payoffs of a single game.

    Returns
    -------
    CEConstraints
        Matrix ``G`` of shape (sum_i A_i (A_i - 1), prod_i A_i) with row labels;
        a distribution ``p`` of shape (A_0, ..., A_{n-1}) is a correlated
        equilibrium iff ``G @ p.ravel() >= 0`` (use ``.contains(p)``).

    Raises
    ------
    ValueError
        On a bad shape or NaN/inf payoffs.

    Examples
    --------
    Aumann's (1974) chicken: 1/3 on each profile but mutual "dare" is a
    correlated equilibrium.

    >>> U = [[[6, 2], [7, 0]], [[6, 7], [2, 0]]]
    >>> ce_constraints(U).contains([[1 / 3, 1 / 3], [1 / 3, 0]])
    True
    """
    return _constraints(check_game(U, copy=True))


def correlated_equilibrium(
    U: ArrayLike, weights: ArrayLike | None = None, objective: ArrayLike | None = None
) -> CorrelatedEquilibrium:
    """Correlated equilibrium maximising a linear objective.

    Parameters
    ----------
    U : array_like, shape (n, A_0, ..., A_{n-1})
        Payoffs of a single game.
    weights : array_like, shape (n,), optional
        Maximise ``sum_i weights[i] * E_p[u_i]``. Default: all ones, i.e. the
        sum of expected payoffs (utilitarian welfare).
    objective : array_like, shape (A_0, ..., A_{n-1}), optional
        Maximise ``sum_a objective[a] * p[a]`` instead (any linear objective,
        e.g. a negative payoff to find the worst CE for a player). Cannot be
        combined with ``weights``.

    Returns
    -------
    CorrelatedEquilibrium
        The distribution, the expected payoffs, the objective value and the
        constraints. The set is never empty (it contains the Nash equilibria),
        so the LP always has a solution; ties among optimal distributions are
        broken by the solver.

    Raises
    ------
    ValueError
        On a bad shape, NaN/inf, or a badly shaped ``weights``/``objective``.

    Examples
    --------
    In Aumann's (1974) chicken the best correlated equilibrium gives 21/4 to
    each player, more than the 14/3 of the mixed Nash equilibrium.

    >>> U = [[[6, 2], [7, 0]], [[6, 7], [2, 0]]]
    >>> ce = correlated_equilibrium(U)
    >>> ce.payoffs.round(6).tolist()
    [5.25, 5.25]
    """
    arr = check_game(U, copy=True)
    n = arr.shape[0]
    shape = arr.shape[1:]
    if weights is not None and objective is not None:
        raise ValueError("give either weights or objective, not both")
    if objective is not None:
        c = np.asarray(objective, dtype=np.float64)
        if c.shape != shape:
            raise ValueError(f"objective must have shape {shape}, got {c.shape}")
        kind = "custom"
    else:
        w = np.ones(n) if weights is None else np.asarray(weights, dtype=np.float64)
        if w.shape != (n,):
            raise ValueError(f"weights must have shape ({n},), got {w.shape}")
        c = np.tensordot(w, arr, axes=(0, 0))
        kind = "sum" if weights is None else "weights"
    if not np.isfinite(c).all():
        raise ValueError("objective or weights contain NaN or infinite values")
    cons = _constraints(arr)
    size = c.size
    from scipy.optimize import linprog  # imported on use: SciPy's optimize is slow to load

    res = linprog(
        -c.ravel(),
        A_ub=-cons.matrix if cons.matrix.shape[0] else None,
        b_ub=np.zeros(cons.matrix.shape[0]) if cons.matrix.shape[0] else None,
        A_eq=np.ones((1, size)),
        b_eq=[1.0],
        bounds=[(0, None)] * size,
        method="highs",
    )
    if res.status != 0:  # pragma: no cover - the polytope is non-empty and bounded
        raise RuntimeError(f"correlated equilibrium LP failed: {res.message}")
    p = np.clip(res.x, 0.0, None)
    p /= p.sum()
    dist = p.reshape(shape)
    payoffs = np.array([float((arr[i] * dist).sum()) for i in range(n)])
    return CorrelatedEquilibrium(
        distribution=dist,
        payoffs=payoffs,
        objective_value=float(c.ravel() @ p),
        objective=kind,
        constraints=cons,
    )


# ---------------------------------------------------------------------------
# Batched welfare-maximising correlated equilibria (Monte Carlo draws)
# ---------------------------------------------------------------------------

#: HiGHS tolerances for the per-draw LPs: tighter than its defaults (1e-7), so that
#: a tie tolerance of 1e-9 between optimal solutions means what it says.
HIGHS_OPTIONS = {"primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10}


def _unique_optimum(
    res: Any,
    A_ub: NDArray[np.float64],
    A_eq: NDArray[np.float64],
    free: NDArray[np.bool_],
    eps: float,
) -> bool:
    """Whether an LP's optimum is certainly unique, from its solution's duals.

    Every optimum has the variables with a positive reduced cost at their
    bound and the rows with a non-zero dual tight (complementary slackness);
    if those equations leave one solution, the optimum is unique. A dual that
    is not strictly complementary only makes the test say no.
    """
    at_bound = (np.abs(res.lower.marginals) > eps) & ~free
    tight = np.abs(res.ineqlin.marginals) > eps if A_ub.shape[0] else np.zeros(0, dtype=bool)
    loose = ~at_bound
    system = np.vstack([A_eq[:, loose], A_ub[tight][:, loose]])
    return bool(np.linalg.matrix_rank(system) == loose.sum())


def lexicographic_lp(
    objectives: list[NDArray[np.float64]],
    A_ub: NDArray[np.float64],
    b_ub: NDArray[np.float64],
    A_eq: NDArray[np.float64],
    b_eq: NDArray[np.float64],
    free: NDArray[np.bool_],
    tols: list[float],
) -> tuple[NDArray[np.float64], bool]:
    """Maximise ``objectives[0] @ x``; among the optima, ``objectives[1] @ x``; and so on.

    Parameters
    ----------
    objectives : list of ndarray, each shape (m,)
    A_ub, b_ub : ndarray, shapes (r, m) and (r,)
        ``A_ub @ x <= b_ub``.
    A_eq, b_eq : ndarray, shapes (e, m) and (e,)
    free : ndarray of bool, shape (m,)
        Variables without bounds; the others are ``>= 0``.
    tols : list of float
        ``tols[k]``: how far below its maximum objective *k* may be kept in the
        later stages (the tie tolerance of stage *k*).

    Returns
    -------
    x : ndarray, shape (m,)
        A basic optimal solution of the last stage solved. Stages stop as soon
        as the optimum is certainly unique (:func:`_unique_optimum`), so a
        generic problem needs one linear program. Solved by HiGHS's dual
        simplex with :data:`HIGHS_OPTIONS`.
    unique : bool
        Whether the last stage's optimum is certainly unique.
    """
    from scipy.optimize import linprog  # imported on use: SciPy's optimize is slow to load

    bounds = [(None, None) if f else (0.0, None) for f in free]
    x: NDArray[np.float64] | None = None
    unique = False
    for k, c in enumerate(objectives):
        res = linprog(
            -c,
            A_ub=A_ub if A_ub.shape[0] else None,
            b_ub=b_ub if A_ub.shape[0] else None,
            A_eq=A_eq,
            b_eq=b_eq,
            bounds=bounds,
            method="highs-ds",
            options=HIGHS_OPTIONS,
        )
        if res.status != 0:
            if x is None:  # pragma: no cover - callers pass feasible, bounded problems
                raise RuntimeError(f"linear program failed: {res.message}")
            break  # a later stage's numerical trouble: keep the earlier optimum
        x = np.asarray(res.x, dtype=np.float64)
        unique = _unique_optimum(res, A_ub, A_eq, free, tols[k])
        if unique or k == len(objectives) - 1:
            break
        A_ub = np.vstack([A_ub, -c[None, :]])
        b_ub = np.r_[b_ub, -(float(c @ x) - tols[k])]
    assert x is not None
    return x, unique


def obedience_matrix(U: NDArray[np.float64]) -> NDArray[np.float64]:
    """The incentive constraints of one game as a matrix, built without Python loops over rows.

    Parameters
    ----------
    U : ndarray, shape (n, A_0, ..., A_{n-1})

    Returns
    -------
    ndarray, shape (sum_i A_i (A_i - 1), prod_i A_i)
        The matrix of :func:`ce_constraints` (same rows, same order).
    """
    n = U.shape[0]
    blocks = []
    for i in range(n):
        ui = np.moveaxis(U[i], i, 0)
        k, others = ui.shape[0], ui.shape[1:]
        if k < 2:
            continue
        flat = ui.reshape(k, -1)
        diff = flat[:, None, :] - flat[None, :, :]  # [a, b, q] = u(a, q) - u(b, q)
        rows = np.zeros((k, k, k, flat.shape[1]))
        ar = np.arange(k)
        rows[ar, :, ar, :] = diff  # row (a, b) lives on the profiles where i plays a
        rows = rows[~np.eye(k, dtype=bool)].reshape(-1, k, *others)
        blocks.append(np.moveaxis(rows, 1, 1 + i).reshape(rows.shape[0], -1))
    size = int(np.prod(U.shape[1:]))
    return np.concatenate(blocks) if blocks else np.zeros((0, size))


#: Draws solved at once by the 2 x 2 closed form (its arrays take about 8 kB a draw).
_SQUARE_ROWS = 4096
#: Tie tolerance of the lexicographic stages, on probabilities: rounding only (a
#: larger one would let each later stage move the earlier ones by as much).
LEX_TOL = 1e-12


def _welfare_lp(U: NDArray[np.float64], tol: float) -> NDArray[np.float64]:
    """Welfare-maximising correlated equilibrium of one game, ties lexicographically."""
    n = U.shape[0]
    flat = U.reshape(n, -1)
    P = flat.shape[1]
    G = obedience_matrix(U)
    objectives = [flat.sum(axis=0), *np.eye(P)]
    x, _ = lexicographic_lp(
        objectives,
        -G,
        np.zeros(G.shape[0]),
        np.ones((1, P)),
        np.ones(1),
        np.zeros(P, dtype=bool),
        [tol] + [LEX_TOL] * P,
    )
    p = np.clip(x, 0.0, None)
    return np.asarray(p / p.sum())


def _welfare_2x2(U: NDArray[np.float64], tol: NDArray[np.float64]) -> NDArray[np.float64]:
    """:func:`_welfare_lp` for D two-by-two games at once, by vertex enumeration.

    ``U`` has shape (D, 2, 2, 2). The correlated equilibria are a polytope in
    the simplex of the 4 profiles, cut by 4 incentive constraints; each vertex
    makes 3 of the 8 inequalities (4 incentive, 4 non-negativity) tight. All 56
    choices are solved, the feasible ones kept, and the vertices filtered by
    welfare (within ``tol``, shape (D,)) and then lexicographically: the
    welfare-maximising face's lexicographic maximum is one of its vertices.
    """
    from itertools import combinations

    D = U.shape[0]
    A, B = U[:, 0], U[:, 1]
    G = np.zeros((D, 4, 4))  # the rows of obedience_matrix, profiles (0,0), (0,1), (1,0), (1,1)
    G[:, 0, 0], G[:, 0, 1] = A[:, 0, 0] - A[:, 1, 0], A[:, 0, 1] - A[:, 1, 1]
    G[:, 1, 2], G[:, 1, 3] = A[:, 1, 0] - A[:, 0, 0], A[:, 1, 1] - A[:, 0, 1]
    G[:, 2, 0], G[:, 2, 2] = B[:, 0, 0] - B[:, 0, 1], B[:, 1, 0] - B[:, 1, 1]
    G[:, 3, 1], G[:, 3, 3] = B[:, 0, 1] - B[:, 0, 0], B[:, 1, 1] - B[:, 1, 0]
    H = np.concatenate([G, np.broadcast_to(np.eye(4), (D, 4, 4))], axis=1)  # (D, 8, 4) >= 0
    choice = np.array(list(combinations(range(8), 3)))  # (56, 3)
    S = np.empty((D, len(choice), 4, 4))
    S[:, :, 0, :] = 1.0
    S[:, :, 1:, :] = H[:, choice, :]
    scale = np.prod(np.linalg.norm(S, axis=3), axis=2)
    singular = ~(np.abs(np.linalg.det(S)) > 1e-12 * scale)
    S[singular] = np.eye(4)
    rhs = np.zeros((D, len(choice), 4, 1))
    rhs[:, :, 0, 0] = 1.0
    p = np.linalg.solve(S, rhs)[..., 0]  # (D, 56, 4)
    # Elementwise products summed over a short last axis: the same arithmetic for
    # a draw whatever the batch (no BLAS, whose blocking depends on the shapes).
    slack = (H[:, None, :, :] * p[:, :, None, :]).sum(axis=3)  # (D, 56, 8)
    floor = -1e-12 * np.maximum(1.0, np.abs(H).max(axis=(1, 2)))
    ok = ~singular & (slack >= floor[:, None, None]).all(axis=2)
    welfare = (U.reshape(D, 2, 4).sum(axis=1)[:, None, :] * p).sum(axis=2)
    welfare = np.where(ok, welfare, -np.inf)
    keep = ok & (welfare >= welfare.max(axis=1, keepdims=True) - tol[:, None])
    for k in range(4):
        best = np.where(keep, p[:, :, k], -np.inf).max(axis=1, keepdims=True)
        keep &= p[:, :, k] >= best - LEX_TOL
    first = keep.argmax(axis=1)
    out = np.clip(p[np.arange(D), first], 0.0, None)
    return np.asarray(out / out.sum(axis=1, keepdims=True))


def correlated_equilibrium_batch(
    U: ArrayLike, n_players: int | None = None, tol: float = 1e-9
) -> NDArray[np.float64]:
    """The correlated equilibrium maximising the sum of payoffs, per draw.

    Parameters
    ----------
    U : array_like, shape (D, n, A_0, ..., A_{n-1})
        Payoffs of D games (draws).
    n_players : int, optional
        Number of players; default ``U.ndim - 2``.
    tol : float, default 1e-9
        Payoff tolerance, scaled by ``max(1, max |U_d|)`` per draw (for
        dominance, and for welfare ties).

    Returns
    -------
    ndarray of float, shape (D, A_0 * ... * A_{n-1})
        Each draw's distribution over profiles (C order); rows sum to 1.

    Notes
    -----
    Objective: the sum of the players' expected payoffs (utilitarian welfare).
    Ties, among the distributions within the tolerance of the best welfare:
    the most probability on the first profile (in the order profiles are
    listed, the last player's strategy changing fastest), then on the second,
    and so on (lexicographic; this makes the answer unique).

    No correlated equilibrium plays a strictly dominated action, so actions
    strictly dominated by pure actions are removed first (iteratively, all
    draws at once, :func:`~tradegame.solvers.dominance.strict_dominance_batch`)
    and the game that is left is solved: a draw left with one profile plays it;
    one whose unique welfare-maximising profile is a pure Nash equilibrium
    plays that profile (it is then the only optimum); a two-player game left
    with 2 x 2 strategies is solved in closed form (vertex enumeration, all
    such draws at once). Every other draw solves linear programs with HiGHS
    (:func:`lexicographic_lp`; one when the optimum is unique), one draw at a
    time. Each draw's answer depends on that draw alone.

    Examples
    --------
    Aumann's chicken: 1/4 on (dare, chicken), 1/4 on (chicken, dare), 1/2 on
    (chicken, chicken) gives each player 21/4.

    >>> U = [[[[6, 2], [7, 0]], [[6, 7], [2, 0]]]]
    >>> correlated_equilibrium_batch(U).round(6).tolist()
    [[0.5, 0.25, 0.25, 0.0]]
    """
    from tradegame.solvers.dominance import strict_dominance_batch
    from tradegame.solvers.pure_nash import pure_nash

    arr, n = check_payoff_batch(U, n_players, copy=True)
    if not (tol >= 0.0 and np.isfinite(tol)):
        raise ValueError(f"tol must be a finite non-negative number, got {tol}")
    D = arr.shape[0]
    shape = arr.shape[2:]
    P = int(np.prod(shape))
    scaled = tol * np.maximum(1.0, np.abs(arr.reshape(D, -1)).max(axis=1))
    alive = strict_dominance_batch(arr, n, mixed=False, tol=tol)
    kept = np.ones((D, 1), dtype=bool)
    for a in alive:
        kept = (kept[:, :, None] & a[:, None, :]).reshape(D, -1)  # (D, P)
    welfare = np.where(kept, arr.reshape(D, n, P).sum(axis=1), -np.inf)
    best = welfare.argmax(axis=1)
    rows = np.arange(D)
    top = welfare[rows, best]
    welfare[rows, best] = -np.inf
    unique = welfare.max(axis=1) < top - scaled
    equilibrium = pure_nash(arr, n_players=n).reshape(D, P)[rows, best]
    out = np.zeros((D, P))
    easy = unique & equilibrium  # includes the draws left with a single profile
    out[rows[easy], best[easy]] = 1.0
    counts = np.stack([a.sum(axis=1) for a in alive], axis=1)  # (D, n)
    square = ~easy & (n == 2) & (counts == 2).all(axis=1)
    for start in range(0, D, _SQUARE_ROWS):  # about 8 kB per draw: in slices
        ds = start + np.flatnonzero(square[start : start + _SQUARE_ROWS])
        if not ds.size:
            continue
        # The two surviving actions of each player, in order.
        r0 = np.argsort(~alive[0][ds], axis=1, kind="stable")[:, :2]  # (k, 2)
        r1 = np.argsort(~alive[1][ds], axis=1, kind="stable")[:, :2]
        sub = arr[
            ds[:, None, None, None],
            np.arange(2)[None, :, None, None],
            r0[:, None, :, None],
            r1[:, None, None, :],
        ]  # (k, 2, 2, 2)
        p = _welfare_2x2(sub, scaled[ds]).reshape(-1, 2, 2)
        full = np.zeros((ds.size, *shape))
        full[np.arange(ds.size)[:, None, None], r0[:, :, None], r1[:, None, :]] = p
        out[ds] = full.reshape(ds.size, -1)
    for d in np.flatnonzero(~easy & ~square):
        keep = [np.flatnonzero(a[d]) for a in alive]
        sub_game = arr[d][np.ix_(np.arange(n), *keep)]
        p_sub = _welfare_lp(sub_game, float(scaled[d]))
        full = np.zeros(shape)
        full[np.ix_(*keep)] = p_sub.reshape(sub_game.shape[1:])
        out[d] = full.ravel()
    return out
