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

__all__ = ["MaxminResult", "PureMaxmin", "maxmin", "pure_maxmin"]


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


def _check(U: ArrayLike, n_players: int | None) -> tuple[NDArray[np.float64], int]:
    arr = np.asarray(U)
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == np.bool_):
        raise ValueError(f"payoff array must be numeric, got dtype {arr.dtype}")
    if n_players is None:
        n_players = arr.ndim - 1
        if n_players < 1 or arr.shape[0] != n_players:
            raise ValueError(
                f"cannot read shape {arr.shape} as (n, A_0, ..., A_{{n-1}}): pass n_players= "
                "when the array has leading draw axes"
            )
    lead = arr.ndim - 1 - n_players
    if n_players < 1 or lead < 0 or arr.shape[lead] != n_players:
        raise ValueError(
            f"payoff array of shape {arr.shape} does not end with a player axis of length "
            f"{n_players} followed by {n_players} action axes"
        )
    if 0 in arr.shape:
        raise ValueError(f"payoff array has an empty axis: shape {arr.shape}")
    arr = arr.astype(np.float64)
    if not np.isfinite(arr).all():
        raise ValueError("payoff array contains NaN or infinite values")
    return arr, n_players


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
    arr, n = _check(U, n_players)
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
    arr, n = _check(U, None)
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
