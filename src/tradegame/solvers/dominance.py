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

from tradegame.solvers.validation import check_game, check_payoff_batch

__all__ = ["DominanceResult", "Elimination", "eliminate_dominated", "strict_dominance_batch"]


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
    arr = check_game(U, copy=True)
    if not (tol >= 0.0 and np.isfinite(tol)):
        raise ValueError(f"tol must be a finite non-negative number, got {tol}")
    scale = max(1.0, float(np.abs(arr).max()))
    return _eliminate(arr, bool(weak), bool(mixed), tol * scale)


# ---------------------------------------------------------------------------
# Batched strict dominance (Monte Carlo draws)
# ---------------------------------------------------------------------------


def own_rows_batch(U: NDArray[np.float64], i: int) -> NDArray[np.float64]:
    """Player *i*'s payoffs with their own action first and the others' profiles flat.

    Parameters
    ----------
    U : ndarray, shape (D, n, A_0, ..., A_{n-1})
    i : int

    Returns
    -------
    ndarray, shape (D, A_i, prod_{j != i} A_j)
        The others' profiles in C order of their axes (player order).
    """
    ui = np.moveaxis(U[:, i], 1 + i, 1)
    return ui.reshape(ui.shape[0], ui.shape[1], -1)


def others_alive(alive: list[NDArray[np.bool_]], i: int) -> NDArray[np.bool_]:
    """Which profiles of the players other than *i* survive, shape (D, prod_{j != i} A_j)."""
    D = alive[0].shape[0]
    out = np.ones((D, 1), dtype=bool)
    for j, a in enumerate(alive):
        if j != i:
            out = (out[:, :, None] & a[:, None, :]).reshape(D, -1)
    return out


def _pure_rounds(
    own: list[NDArray[np.float64]], alive: list[NDArray[np.bool_]], tol: NDArray[np.float64]
) -> None:
    """Remove pure-strictly-dominated actions, round by round, until none is left (in place).

    Each round tests every surviving action against the game at the start of
    the round, for the draws that changed in the previous round only.
    """
    active = np.arange(alive[0].shape[0])
    while active.size:
        now = [a[active] for a in alive]
        changed = np.zeros(active.size, dtype=bool)
        removals = []
        for i, M in enumerate(own):
            Ma = M[active]
            opp = others_alive(now, i)[:, None, :]  # (d, 1, Q)
            dominated = np.zeros(now[i].shape, dtype=bool)
            for b in range(Ma.shape[1]):
                # Does action b beat each action by more than tol at every surviving profile?
                beats = ((Ma[:, b : b + 1, :] - Ma) > tol[active, None, None]) | ~opp
                dominated |= beats.all(axis=2) & now[i][:, b : b + 1]
            dominated &= now[i]
            removals.append(dominated)
            changed |= dominated.any(axis=1)
        for i, r in enumerate(removals):
            alive[i][active] = now[i] & ~r
        active = active[changed]


def _best_against_two(M: NDArray[np.float64], a: int, tol: float) -> bool:
    """Whether row ``a`` of M is a best response (within tol) to a belief on two columns.

    Against ``lam * column q + (1 - lam) * column r``, row ``a`` is within tol
    of every row b where ``beta_b + lam * (alpha_b - beta_b) >= -tol``, with
    ``alpha_b = M[a, q] - M[b, q]`` and ``beta_b = M[a, r] - M[b, r]``: an
    interval of ``lam`` per row, and ``a`` is a best response where they all
    meet inside [0, 1]. Such an action is never strictly dominated (by more than
    tol), so no linear program is needed for it.
    """
    q, r = np.triu_indices(M.shape[1], k=1)
    alpha = M[a][q][:, None] - M[:, q].T  # (pairs, rows)
    beta = M[a][r][:, None] - M[:, r].T
    slope = alpha - beta
    with np.errstate(divide="ignore", invalid="ignore"):
        bound = (-tol - beta) / slope
    lo = np.where(slope > 0, bound, -np.inf).max(axis=1, initial=0.0)
    hi = np.where(slope < 0, bound, np.inf).min(axis=1, initial=1.0)
    flat_ok = np.where(slope == 0, beta >= -tol, True).all(axis=1)
    return bool((flat_ok & (lo <= hi)).any())


def strict_dominance_batch(
    U: ArrayLike, n_players: int | None = None, mixed: bool = True, tol: float = 1e-9
) -> tuple[NDArray[np.bool_], ...]:
    """Actions surviving iterated elimination of strictly dominated actions, per draw.

    Parameters
    ----------
    U : array_like, shape (D, n, A_0, ..., A_{n-1})
        Payoffs of D games (draws).
    n_players : int, optional
        Number of players; default ``U.ndim - 2``.
    mixed : bool, default True
        Also remove actions strictly dominated by a mixed strategy (one HiGHS
        linear program per candidate, as :func:`eliminate_dominated`); with
        False only pure actions dominate, and nothing but NumPy is used.
    tol : float, default 1e-9
        A dominating strategy must do better by more than
        ``tol * max(1, max |U_d|)`` at every surviving profile of the others
        (draw *d*'s own scale), as in :func:`eliminate_dominated`.

    Returns
    -------
    tuple of ndarray of bool
        ``surviving[i]`` has shape (D, A_i): player *i*'s surviving actions.

    Notes
    -----
    Pure dominance is tested for all draws at once, round after round, until
    no draw changes. Only then are the remaining actions of a player with at
    least three left tested for domination by a mixture, and only those that
    are not a best response (within the tolerance) to any surviving profile of
    the others: a best response to some profile is never strictly dominated.
    Strict dominance does not depend on the order of removal, so the sets are
    those of :func:`eliminate_dominated` with ``weak=False``. Each draw's
    answer depends on that draw alone, whatever the batch.
    """
    arr, n = check_payoff_batch(U, n_players, copy=True)
    if not (tol >= 0.0 and np.isfinite(tol)):
        raise ValueError(f"tol must be a finite non-negative number, got {tol}")
    D = arr.shape[0]
    scaled = tol * np.maximum(1.0, np.abs(arr.reshape(D, -1)).max(axis=1))  # (D,)
    own = [own_rows_batch(arr, i) for i in range(n)]
    alive = [np.ones((D, arr.shape[2 + i]), dtype=bool) for i in range(n)]
    pending = np.ones(D, dtype=bool)  # draws not yet tested for mixed domination
    while True:
        _pure_rounds(own, alive, scaled)
        if not mixed:
            break
        changed = np.zeros(D, dtype=bool)
        for d in np.flatnonzero(pending):
            removals: list[tuple[int, int]] = []
            for i, M in enumerate(own):
                rows = np.flatnonzero(alive[i][d])
                if rows.size < 3:
                    continue
                cols = np.flatnonzero(others_alive([a[d : d + 1] for a in alive], i)[0])
                sub = M[d][np.ix_(rows, cols)]
                never_best = (sub < sub.max(axis=0) - scaled[d]).all(axis=1)
                for k in np.flatnonzero(never_best):
                    if _best_against_two(sub, int(k), float(scaled[d])):
                        continue  # a best response to some belief: not dominated
                    if _mixed_dominator(sub, int(k), False, float(scaled[d])) is not None:
                        removals.append((i, int(rows[k])))
            for i, action in removals:
                alive[i][d, action] = False
            changed[d] = bool(removals)
        pending = changed
        if not pending.any():
            break
    return tuple(alive)
