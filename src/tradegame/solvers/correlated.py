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

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "CEConstraints",
    "CorrelatedEquilibrium",
    "ce_constraints",
    "correlated_equilibrium",
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


def _check_game(U: ArrayLike) -> NDArray[np.float64]:
    arr = np.asarray(U)
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == np.bool_):
        raise ValueError(f"payoff array must be numeric, got dtype {arr.dtype}")
    n = arr.ndim - 1
    if n < 1 or arr.shape[0] != n:
        raise ValueError(
            f"payoff array of shape {arr.shape} is not (n, A_0, ..., A_{{n-1}}) "
            "with n players and one action axis per player"
        )
    if 0 in arr.shape:
        raise ValueError(f"every player needs at least one action, got shape {arr.shape}")
    arr = arr.astype(np.float64)
    if not np.isfinite(arr).all():
        raise ValueError("payoff array contains NaN or infinite values")
    return arr


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
    return _constraints(_check_game(U))


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
    arr = _check_game(U)
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
