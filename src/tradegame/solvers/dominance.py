r"""Iterated elimination of dominated strategies, by pure and mixed strategies.

Player *i*'s action :math:`a` is *strictly dominated* in a game when some mixed
strategy :math:`\sigma` of the same player does strictly better against every
profile of the others' surviving actions,

.. math::

    \sum_b \sigma(b)\, u_i(b, a_{-i}) > u_i(a, a_{-i}) \quad \text{for all } a_{-i},

and *weakly dominated* when ``>=`` holds everywhere and ``>`` somewhere
(Fudenberg & Tirole 1991, §2.1; Osborne & Rubinstein 1994, §4.2; Myerson 1991,
§3.1). Domination by a mixture matters: an action can be beaten by a 50/50 mix of
two others while neither of them beats it alone (Fudenberg & Tirole 1991,
§2.1.1). A pure dominator is looked for first (cheap, and easier to read in the
trace); otherwise one linear program per candidate decides mixed domination.

Each *round* tests every surviving action of every player against the game as it
stood at the start of the round and removes all the dominated ones at once. For
strict dominance the surviving set does not depend on the order of removal
(Osborne & Rubinstein 1994, §4.2); for weak dominance it can (§4.3), and this
simultaneous order is the convention used here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["DominanceResult", "Elimination", "eliminate_dominated"]


@dataclass(frozen=True, slots=True)
class Elimination:
    """One removed action in the trace of :func:`eliminate_dominated`.

    Attributes
    ----------
    round : int
        Round of removal, counting from 1.
    player : int
        The player whose action is removed.
    action : int
        Index of the removed action in the *original* game.
    dominated_by : int or ndarray of float, shape (A_player,)
        A pure action index (original numbering) that dominates it, or a mixed
        strategy over the player's original actions (zero off the actions that
        survived to this round) when no pure action does.
    strict : bool
        True when the domination is strict, False when only weak.
    """

    round: int
    player: int
    action: int
    dominated_by: int | NDArray[np.float64]
    strict: bool

    @property
    def kind(self) -> str:
        """``"strict"`` or ``"weak"``."""
        return "strict" if self.strict else "weak"

    @property
    def by_mixture(self) -> bool:
        """True when the dominator is a mixed strategy rather than a pure action."""
        return not isinstance(self.dominated_by, int)


@dataclass(frozen=True, slots=True)
class DominanceResult:
    """Outcome of :func:`eliminate_dominated`.

    Attributes
    ----------
    surviving : tuple of tuple of int
        ``surviving[i]`` lists player *i*'s surviving actions (original indices,
        increasing).
    trace : tuple of Elimination
        Every removal, in order.
    payoffs : ndarray, shape (n, B_0, ..., B_{n-1})
        The reduced game, ``B_i = len(surviving[i])``.
    rounds : int
        Number of rounds in which something was removed.
    weak, mixed : bool
        The options the elimination was run with.
    tol : float
        Absolute payoff tolerance that was used.
    """

    surviving: tuple[tuple[int, ...], ...]
    trace: tuple[Elimination, ...]
    payoffs: NDArray[np.float64] = field(repr=False, compare=False)
    rounds: int
    weak: bool
    mixed: bool
    tol: float

    @property
    def solved(self) -> bool:
        """True when one action per player survives (dominance solvable)."""
        return all(len(s) == 1 for s in self.surviving)


def _check_game(U: ArrayLike) -> NDArray[np.float64]:
    arr = np.asarray(U)
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == np.bool_):
        raise ValueError(f"payoff array must be numeric, got dtype {arr.dtype}")
    arr = arr.astype(np.float64)
    n = arr.ndim - 1
    if n < 1 or arr.shape[0] != n:
        raise ValueError(
            f"payoff array of shape {arr.shape} is not (n, A_0, ..., A_{{n-1}}) "
            "with n players and one action axis per player"
        )
    if 0 in arr.shape:
        raise ValueError(f"every player needs at least one action, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError("payoff array contains NaN or infinite values")
    return arr


def _pure_dominator(
    M: NDArray[np.float64], a: int, weak: bool, tol: float
) -> tuple[int, bool] | None:
    """Row of ``M`` other than ``a`` that dominates row ``a``; strict ones first."""
    diff = M - M[a]
    others = np.arange(M.shape[0]) != a
    strict = others & np.all(diff > tol, axis=1)
    if strict.any():
        return int(np.flatnonzero(strict)[0]), True
    if weak:
        weakly = others & np.all(diff >= -tol, axis=1) & np.any(diff > tol, axis=1)
        if weakly.any():
            return int(np.flatnonzero(weakly)[0]), False
    return None


def _mixed_dominator(
    M: NDArray[np.float64], a: int, weak: bool, tol: float
) -> tuple[NDArray[np.float64], bool] | None:
    """Mixture over the rows of ``M`` other than ``a`` that dominates row ``a``.

    The mixture may put no weight on ``a`` itself without loss: if
    ``s a + (1 - s) tau`` dominates ``a`` then so does ``tau``.
    """
    rows = np.flatnonzero(np.arange(M.shape[0]) != a)
    B = M[rows]  # (k, P)
    k, P = B.shape
    # Strict: max eps s.t. B^T s >= M[a] + eps, s in the simplex (variables s, eps).
    c = np.zeros(k + 1)
    c[-1] = -1.0
    A_ub = np.hstack([-B.T, np.ones((P, 1))])
    from scipy.optimize import linprog  # imported on use: SciPy's optimize is slow to load

    res = linprog(
        c,
        A_ub=A_ub,
        b_ub=-M[a],
        A_eq=np.r_[np.ones(k), 0.0][None, :],
        b_eq=[1.0],
        bounds=[(0, None)] * k + [(None, None)],
        method="highs",
    )
    if res.status != 0:  # pragma: no cover - the LP is always feasible and bounded
        raise RuntimeError(f"dominance LP failed: {res.message}")
    eps = -res.fun
    if eps > tol:
        return _embed(res.x[:k], rows, M.shape[0]), True
    if not weak or eps < -tol:
        return None
    # Weak: among mixtures that are never worse, maximise the total gain; the
    # action is weakly dominated exactly when that total is positive. The
    # constraints are not relaxed by tol: a relaxed LP would trade a violation of
    # size tol for a "gain" of similar size elsewhere.
    res = linprog(
        -B.sum(axis=1),
        A_ub=-B.T,
        b_ub=-M[a],
        A_eq=np.ones((1, k)),
        b_eq=[1.0],
        bounds=[(0, None)] * k,
        method="highs",
    )
    if res.status != 0:
        return None
    gains = B.T @ res.x - M[a]
    if gains.min() >= -tol and gains.max() > tol:
        return _embed(res.x, rows, M.shape[0]), False
    return None


def _embed(weights: NDArray[np.float64], rows: NDArray[np.intp], size: int) -> NDArray[np.float64]:
    out = np.zeros(size)
    out[rows] = np.clip(weights, 0.0, None)
    return out / out.sum()


def _eliminate(U: NDArray[np.float64], weak: bool, mixed: bool, tol: float) -> DominanceResult:
    n = U.shape[0]
    alive = [list(range(U.shape[1 + i])) for i in range(n)]
    trace: list[Elimination] = []
    rounds = 0
    while True:
        sub = U[np.ix_(range(n), *alive)]
        removals: list[tuple[int, int, int | NDArray[np.float64], bool]] = []
        for i in range(n):
            if len(alive[i]) < 2:
                continue
            # Rows: player i's surviving actions; columns: the others' surviving profiles.
            M = np.moveaxis(sub[i], i, 0).reshape(len(alive[i]), -1)
            for a in range(len(alive[i])):
                found_pure = _pure_dominator(M, a, weak, tol)
                if found_pure is not None:
                    b, strict = found_pure
                    removals.append((i, alive[i][a], alive[i][b], strict))
                    continue
                if mixed and len(alive[i]) > 2:
                    found_mixed = _mixed_dominator(M, a, weak, tol)
                    if found_mixed is not None:
                        sigma, strict = found_mixed
                        full = np.zeros(U.shape[1 + i])
                        full[alive[i]] = sigma
                        removals.append((i, alive[i][a], full, strict))
        if not removals:
            break
        rounds += 1
        for i, action, by, strict in removals:
            trace.append(Elimination(rounds, i, action, by, strict))
            alive[i].remove(action)
    return DominanceResult(
        surviving=tuple(tuple(s) for s in alive),
        trace=tuple(trace),
        payoffs=U[np.ix_(range(n), *alive)],
        rounds=rounds,
        weak=weak,
        mixed=mixed,
        tol=tol,
    )


def eliminate_dominated(
    U: ArrayLike, weak: bool = False, mixed: bool = True, tol: float = 1e-9
) -> DominanceResult:
    """Iteratively remove dominated actions of an n-player game.

    Parameters
    ----------
    U : array_like, shape (n, A_0, ..., A_{n-1})
        Payoffs, ``U[i, a_0, ..., a_{n-1}]`` for player *i* (one game, no batch
        axes).
    weak : bool, default False
        Also remove weakly dominated actions. The result then depends on the
        order of removal; here all actions dominated at the start of a round are
        removed together.
    mixed : bool, default True
        Allow dominating mixed strategies (one linear program per candidate);
        with False only pure actions can dominate.
    tol : float, default 1e-9
        Absolute payoff tolerance: a payoff difference counts as positive only
        above ``tol`` and as negative only below ``-tol``. It is scaled by
        ``max(1, max|U|)`` so that it stays meaningful for large payoffs.

    Returns
    -------
    DominanceResult
        Surviving action indices per player, the trace of removals (round,
        player, action, dominator, strict/weak) and the reduced payoff array.

    Raises
    ------
    ValueError
        If ``U`` is not a single game's payoff array, holds NaN/inf, or ``tol``
        is negative.

    Notes
    -----
    An action is strictly dominated by a mixture exactly when it is never a
    best response to any (possibly correlated) belief about the others' play
    (Pearce 1984; Fudenberg & Tirole 1991, §2.1; for n > 2 players the belief
    must be allowed to be correlated). Every pure Nash equilibrium survives strict
    elimination (Fudenberg & Tirole 1991, §2.1).

    Examples
    --------
    Prisoner's dilemma (action 1 is "defect") is solved in one round:

    >>> U = [[[3, 0], [5, 1]], [[3, 5], [0, 1]]]
    >>> eliminate_dominated(U).surviving
    ((1,), (1,))
    """
    arr = _check_game(U)
    if not (tol >= 0.0 and np.isfinite(tol)):
        raise ValueError(f"tol must be a finite non-negative number, got {tol}")
    scale = max(1.0, float(np.abs(arr).max()))
    return _eliminate(arr, bool(weak), bool(mixed), tol * scale)
