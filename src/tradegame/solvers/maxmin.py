r"""Maxmin (security) values and strategies of each player in an n-player game.

Player *i*'s maxmin value is what *i* can guarantee whatever the others do,

.. math::

    \underline v_i = \max_{\sigma_i \in \Delta(A_i)} \;\min_{a_{-i} \in A_{-i}}
    \sum_{a_i} \sigma_i(a_i)\, u_i(a_i, a_{-i}),

(Osborne & Rubinstein 1994, §2.5; Myerson 1991, §3.8; von Neumann's theorem makes
it the value of a two-player zero-sum game). It is the linear program

.. math::

    \max_{\sigma, v} v \quad \text{s.t.}\quad \sum_{a_i}\sigma(a_i)u_i(a_i, a_{-i})
    \ge v \ \ \forall a_{-i},\qquad \sigma \in \Delta(A_i).

With *n* > 2 players the others are treated as one coalition that may pick any
joint profile :math:`a_{-i}`, i.e. the inner minimum runs over pure profiles of
the others. Because the inner objective is linear in each opponent's mixture
for fixed :math:`\sigma_i`, this equals the minimum over independent mixtures
too, so the value is also the maxmin against non-cooperating opponents. (This is
not true of the *minmax* punishment value, where the order of moves is reversed.)

The *pure* maxmin restricts player *i* to pure actions:
:math:`\max_{a_i}\min_{a_{-i}} u_i(a_i, a_{-i})`; it is vectorised over batch axes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from tradegame.solvers.validation import check_payoff_batch, check_payoffs

__all__ = ["MaxminBatch", "MaxminResult", "PureMaxmin", "maxmin", "maxmin_batch", "pure_maxmin"]


@dataclass(frozen=True, slots=True)
class MaxminResult:
    """Maxmin values and strategies of every player of one game.

    Attributes
    ----------
    value : ndarray of float, shape (n,)
        Mixed maxmin (security) value of each player.
    strategies : tuple of ndarray
        ``strategies[i]`` has shape (A_i,): a maxmin mixed strategy of player *i*.
    pure_value : ndarray of float, shape (n,)
        Maxmin value when each player is restricted to pure actions
        (``pure_value <= value``).
    pure_actions : tuple of int
        A pure maxmin action of each player (the first one in case of ties).
    """

    value: NDArray[np.float64]
    strategies: tuple[NDArray[np.float64], ...]
    pure_value: NDArray[np.float64]
    pure_actions: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class PureMaxmin:
    """Pure maxmin values and actions, batched.

    Attributes
    ----------
    value : ndarray of float, shape (..., n)
        ``max_{a_i} min_{a_{-i}} u_i`` for every player.
    actions : ndarray of int, shape (..., n)
        A maximising action of each player (the first one in case of ties).
    """

    value: NDArray[np.float64]
    actions: NDArray[np.intp]


def _own_rows(U: NDArray[np.float64], i: int, lead: int, n: int) -> NDArray[np.float64]:
    """Player i's payoffs as (..., A_i, P_{-i}): own action first, others' profiles flat."""
    ui = U[(slice(None),) * lead + (i,)]
    ui = np.moveaxis(ui, lead + i, lead)
    return ui.reshape((*ui.shape[: lead + 1], -1))


def _maxmin_lp(M: NDArray[np.float64]) -> tuple[float, NDArray[np.float64]]:
    """Security LP for a payoff matrix M of shape (A_i, P_{-i})."""
    k, P = M.shape
    c = np.zeros(k + 1)
    c[-1] = -1.0
    from scipy.optimize import linprog  # imported on use: SciPy's optimize is slow to load

    res = linprog(
        c,
        A_ub=np.hstack([-M.T, np.ones((P, 1))]),
        b_ub=np.zeros(P),
        A_eq=np.r_[np.ones(k), 0.0][None, :],
        b_eq=[1.0],
        bounds=[(0, None)] * k + [(None, None)],
        method="highs",
    )
    if res.status != 0:  # pragma: no cover - bounded and feasible by construction
        raise RuntimeError(f"maxmin LP failed: {res.message}")
    sigma = np.clip(res.x[:k], 0.0, None)
    sigma /= sigma.sum()
    # Report the guarantee of the returned (cleaned) strategy, not the LP's float.
    return float((sigma @ M).min()), sigma


def pure_maxmin(U: ArrayLike, n_players: int | None = None) -> PureMaxmin:
    """Pure-strategy maxmin value and action of every player, batched.

    Parameters
    ----------
    U : array_like, shape (..., n, A_0, ..., A_{n-1})
        Payoffs; leading axes are batch (draw) axes.
    n_players : int, optional
        Number of players; required when ``U`` has leading batch axes.

    Returns
    -------
    PureMaxmin
        ``value`` and ``actions`` of shape (..., n).

    Raises
    ------
    ValueError
        On a bad shape or NaN/inf payoffs.

    Examples
    --------
    >>> U = [[[3, 0], [5, 1]], [[3, 5], [0, 1]]]
    >>> pure_maxmin(U).value.tolist(), pure_maxmin(U).actions.tolist()
    ([1.0, 1.0], [1, 1])
    """
    arr, n = check_payoffs(U, n_players, copy=True)
    lead = arr.ndim - 1 - n
    values, actions = [], []
    for i in range(n):
        worst = _own_rows(arr, i, lead, n).min(axis=-1)  # (..., A_i)
        actions.append(worst.argmax(axis=-1))
        values.append(worst.max(axis=-1))
    return PureMaxmin(value=np.stack(values, axis=-1), actions=np.stack(actions, axis=-1))


def maxmin(U: ArrayLike) -> MaxminResult:
    """Mixed maxmin (security) value and strategy of every player of one game.

    Parameters
    ----------
    U : array_like, shape (n, A_0, ..., A_{n-1})
        Payoffs of a single game (no batch axes; loop over draws for those).

    Returns
    -------
    MaxminResult
        Per player: the maxmin value, a maxmin mixed strategy, and the pure
        maxmin value and action.

    Raises
    ------
    ValueError
        On a bad shape or NaN/inf payoffs.

    Notes
    -----
    For *n* > 2 the opponents are a coalition choosing any joint pure profile
    (see the module docstring; the value is the same as against independent
    opponents). A mixed strategy's guarantee is the minimum over pure opponent
    profiles, which is what the returned ``value`` reports.

    Examples
    --------
    Matching pennies: each player guarantees 0 with the 50/50 mixture, but
    only -1 with a pure action.

    >>> U = [[[1, -1], [-1, 1]], [[-1, 1], [1, -1]]]
    >>> r = maxmin(U)
    >>> r.value.round(9).tolist(), r.strategies[0].round(9).tolist(), r.pure_value.tolist()
    ([0.0, 0.0], [0.5, 0.5], [-1.0, -1.0])
    """
    arr, n = check_payoffs(U, copy=True)
    values = np.empty(n)
    strategies = []
    for i in range(n):
        values[i], sigma = _maxmin_lp(_own_rows(arr, i, 0, n))
        strategies.append(sigma)
    pure = pure_maxmin(arr)
    return MaxminResult(
        value=values,
        strategies=tuple(strategies),
        pure_value=pure.value,
        pure_actions=tuple(int(a) for a in pure.actions),
    )


# ---------------------------------------------------------------------------
# Batched maxmin strategies (Monte Carlo draws)
# ---------------------------------------------------------------------------

#: A two-action player's maxmin strategy is found in closed form when the others
#: have at most this many profiles (the candidates are all pairwise crossings).
MAX_CLOSED_FORM_PROFILES = 32


@dataclass(frozen=True, slots=True)
class MaxminBatch:
    """Maxmin values and strategies of every player of D games.

    Attributes
    ----------
    value : ndarray of float, shape (D, n)
        Each player's maxmin value: with strategies, the guarantee of the
        returned strategy (its worst payoff over the others' pure profiles).
    strategies : tuple of ndarray
        ``strategies[i]`` has shape (D, A_i): player *i*'s maxmin strategy per
        draw (see :func:`maxmin_batch` for which one); empty without strategies.
    """

    value: NDArray[np.float64]
    strategies: tuple[NDArray[np.float64], ...]


def _security_lp(
    M: NDArray[np.float64], tol: float, strategy: bool
) -> tuple[float, NDArray[np.float64]]:
    """Maxmin value and strategy of the matrix M (A_i, P_{-i}) by HiGHS.

    Variables ``(sigma, v)``: maximise v subject to ``M.T @ sigma >= v``; with
    ``strategy``, then the mean payoff over the others' profiles, then the
    weights in action order (:func:`~tradegame.solvers.correlated.lexicographic_lp`,
    which stops once the optimum is unique).
    """
    from tradegame.solvers.correlated import LEX_TOL, lexicographic_lp

    k, Q = M.shape
    if not strategy:  # the value only: one LP, no duals needed (milp is the cheaper call)
        from scipy.optimize import Bounds, LinearConstraint, milp

        res = milp(
            np.r_[np.zeros(k), -1.0],
            constraints=[
                LinearConstraint(np.hstack([M.T, -np.ones((Q, 1))]), 0.0, np.inf),
                LinearConstraint(np.r_[np.ones(k), 0.0][None, :], 1.0, 1.0),
            ],
            bounds=Bounds(np.r_[np.zeros(k), -np.inf], np.inf),
        )
        if res.status != 0:  # pragma: no cover - bounded and feasible by construction
            raise RuntimeError(f"maxmin LP failed: {res.message}")
        sigma = np.clip(res.x[:k], 0.0, None)
        sigma /= sigma.sum()
        return float((sigma @ M).min()), sigma
    x, unique = lexicographic_lp(
        [np.eye(k + 1)[k]],
        np.hstack([-M.T, np.ones((Q, 1))]),
        np.zeros(Q),
        np.r_[np.ones(k), 0.0][None, :],
        np.ones(1),
        np.r_[np.zeros(k, dtype=bool), True],
        [tol],
    )
    sigma = np.clip(x[:k], 0.0, None)
    sigma /= sigma.sum()
    if not unique:
        # Among the strategies guaranteeing the value (within tol), the best on
        # average, then lexicographic; over sigma alone, so that v, which the
        # later objectives leave free, cannot make the optimum look tied.
        v = float((sigma @ M).min())
        x, _ = lexicographic_lp(
            [M.mean(axis=1), *np.eye(k)],
            -M.T,
            np.full(Q, -(v - tol)),
            np.ones((1, k)),
            np.ones(1),
            np.zeros(k, dtype=bool),
            [tol] + [LEX_TOL] * k,
        )
        sigma = np.clip(x, 0.0, None)
        sigma /= sigma.sum()
    # Report the guarantee of the returned (cleaned) strategy, not the LP's float.
    return float((sigma @ M).min()), sigma


def _two_actions(
    M: NDArray[np.float64], tol: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Maxmin of a two-action player in closed form, batched.

    ``M`` has shape (D, 2, Q). The guarantee of weight ``s`` on action 0 is the
    lower envelope ``f(s) = min_q (s M[0, q] + (1 - s) M[1, q])``, concave and
    piecewise linear, so its maxima are at 0, 1 or crossings of two lines.
    Returns the value (D,) and the weight s (D,) chosen by the rule of
    :func:`maxmin_batch`.
    """
    D, _, Q = M.shape
    slope = M[:, 0] - M[:, 1]  # (D, Q): line q is M[1, q] + s * slope[q]
    q, r = np.triu_indices(Q, k=1)
    den = slope[:, q] - slope[:, r]
    with np.errstate(divide="ignore", invalid="ignore"):
        cross = (M[:, 1, r] - M[:, 1, q]) / den
    cross = np.where((den != 0) & (cross > 0) & (cross < 1), cross, 0.0)
    s = np.concatenate([np.zeros((D, 1)), np.ones((D, 1)), cross], axis=1)  # (D, C)
    f = (M[:, 1, None, :] + s[:, :, None] * slope[:, None, :]).min(axis=2)  # (D, C)
    best = f.max(axis=1, keepdims=True)
    near = f >= best - tol[:, None]
    lo = np.where(near, s, np.inf).min(axis=1)
    hi = np.where(near, s, -np.inf).max(axis=1)
    # Among the maximisers (an interval), the better one against uniform play of
    # the others; equal means: the more weight on the first action.
    # (Within the tolerance, as the linear programs of other players judge it.)
    mean = M.mean(axis=2)  # (D, 2)
    chosen = np.where((mean[:, 1] - mean[:, 0]) * (hi - lo) <= tol, hi, lo)
    value = (M[:, 1] + chosen[:, None] * slope).min(axis=1)
    return value, chosen


def maxmin_batch(
    U: ArrayLike, n_players: int | None = None, strategies: bool = True, tol: float = 1e-9
) -> MaxminBatch:
    """Mixed maxmin (security) values and strategies of every player, per draw.

    Parameters
    ----------
    U : array_like, shape (D, n, A_0, ..., A_{n-1})
        Payoffs of D games (draws).
    n_players : int, optional
        Number of players; default ``U.ndim - 2``.
    strategies : bool, default True
        Also choose each player's maxmin strategy (otherwise only the values,
        which need one linear program less where one is needed at all).
    tol : float, default 1e-9
        Payoff tolerance, scaled by ``max(1, max |U_d|)`` per draw: strategies
        guaranteeing the value within it count as maxmin strategies.

    Returns
    -------
    MaxminBatch

    Notes
    -----
    Which maxmin strategy, when several guarantee the value (within the
    tolerance): the one with the largest mean payoff over the others' pure
    profiles (the best against opponents taken to play every profile equally
    likely); ties beyond that (strategies equally good on average too) go to
    the most weight on the first action, then on the second, and so on
    (lexicographic), which makes the strategy unique.

    Computed without a linear program where the maths allows, for all draws
    at once: a player with one action; a player with two (the envelope of
    lines, in closed form, when the others have at most
    :data:`MAX_CLOSED_FORM_PROFILES` profiles); and a *pure saddle*, where the
    pure maxmin equals the pure minmax of the player's payoff matrix (the value;
    and the strategy too when some column's maximum is attained by the maxmin
    action alone, by more than the tolerance, which makes that action the only
    maxmin strategy). Other draws solve the security LP with HiGHS, one draw at
    a time (:func:`~tradegame.solvers.correlated.lexicographic_lp`: one LP when
    the optimum is unique), so each draw's answer depends on that draw alone.

    Examples
    --------
    Matching pennies: 50/50 guarantees 0.

    >>> U = [[[[1, -1], [-1, 1]], [[-1, 1], [1, -1]]]]
    >>> r = maxmin_batch(U)
    >>> r.value.tolist(), r.strategies[0].tolist()
    ([[0.0, 0.0]], [[0.5, 0.5]])
    """
    from tradegame.solvers.dominance import own_rows_batch

    arr, n = check_payoff_batch(U, n_players, copy=True)
    if not (tol >= 0.0 and np.isfinite(tol)):
        raise ValueError(f"tol must be a finite non-negative number, got {tol}")
    D = arr.shape[0]
    scaled = tol * np.maximum(1.0, np.abs(arr.reshape(D, -1)).max(axis=1))
    values = np.empty((D, n))
    sigmas: list[NDArray[np.float64]] = []
    for i in range(n):
        M = own_rows_batch(arr, i)  # (D, A, Q)
        A, Q = M.shape[1], M.shape[2]
        sigma = np.zeros((D, A))
        if A == 1:
            values[:, i] = M[:, 0].min(axis=1)
            sigma[:, 0] = 1.0
            sigmas.append(sigma)
            continue
        if A == 2 and Q <= MAX_CLOSED_FORM_PROFILES:
            rows = max(1, 2**20 // (Q * Q))  # slices of draws: (rows, Q^2 / 2, Q) arrays
            for s0 in range(0, D, rows):
                part = slice(s0, s0 + rows)
                values[part, i], s = _two_actions(M[part], scaled[part])
                sigma[part, 0], sigma[part, 1] = s, 1.0 - s
            sigmas.append(sigma)
            continue
        worst = M.min(axis=2)  # (D, A)
        col_best = M.max(axis=1)  # (D, Q)
        low = worst.max(axis=1)
        saddle = low == col_best.min(axis=1)
        done = saddle.copy()
        values[saddle, i] = low[saddle]
        if strategies:
            action = worst.argmax(axis=1)
            second = -np.partition(-M, 1, axis=1)[:, 1]  # (D, Q) second-best in each column
            alone = ((col_best == low[:, None]) & (second < low[:, None] - scaled[:, None])).any(
                axis=1
            )
            done = saddle & alone
            sigma[np.flatnonzero(done), action[done]] = 1.0
        for d in np.flatnonzero(~done):
            values[d, i], sigma[d] = _security_lp(M[d], float(scaled[d]), strategies)
        sigmas.append(sigma)
    return MaxminBatch(value=values, strategies=tuple(sigmas) if strategies else ())
