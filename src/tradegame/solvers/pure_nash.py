r"""Pure-strategy Nash equilibria of n-player normal-form games, batched.

A profile :math:`a = (a_0, \dots, a_{n-1})` is a pure Nash equilibrium when
every player's action is a best response to the others':

.. math::

    u_i(a_i, a_{-i}) \ge u_i(b, a_{-i}) \quad \text{for all players } i
    \text{ and actions } b.

For each player the maximum over that player's own action axis is taken once
(``keepdims``), and the profile is a best response where the payoff reaches it;
the equilibrium mask is the logical AND over players. Ties count as best
responses, as in Gambit's ``enumpure_solve``. The work is a handful of
vectorised reductions over the whole batch, with no Python loop over draws.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from tradegame.solvers.validation import check_payoffs

__all__ = ["best_response_mask", "pure_nash"]


def best_response_mask(
    U: ArrayLike, n_players: int | None = None, tol: float = 0.0
) -> NDArray[np.bool_]:
    """Where each player's action is a best response to the others'.

    Parameters
    ----------
    U : array_like, shape (..., n, A_0, ..., A_{n-1})
        Payoff array; leading axes are batch (draw) axes.
    n_players : int, optional
        Number of players *n*. Needed only when ``U`` has leading batch axes;
        otherwise it is ``U.ndim - 1``.
    tol : float, default 0.0
        An action is a best response when its payoff is at least the maximum
        minus ``tol``. ``0.0`` is exact comparison, as Gambit does.

    Returns
    -------
    ndarray of bool, shape (..., n, A_0, ..., A_{n-1})
        ``mask[..., i, a]`` is True when ``a_i`` is a best response of player
        *i* to ``a_{-i}``.

    Raises
    ------
    PayoffError
        On a shape that is not (..., n, A_0, ..., A_{n-1}), a player without
        actions, NaN or infinite payoffs (:mod:`tradegame.solvers.validation`);
        :class:`PayoffTypeError` on entries that are not real numbers.
    """
    arr, n = check_payoffs(U, n_players, as_float=False)
    return _best_response_mask(arr, n, tol)


def _best_response_mask(arr: NDArray[np.generic], n: int, tol: float) -> NDArray[np.bool_]:
    """Kernel of :func:`best_response_mask` on a checked array with ``n`` players."""
    lead = arr.ndim - 1 - n
    out = np.empty(arr.shape, dtype=bool)
    for i in range(n):
        ui = arr[(slice(None),) * lead + (i,)]
        best = ui.max(axis=lead + i, keepdims=True)
        np.greater_equal(ui, best - tol if tol else best, out=out[(slice(None),) * lead + (i,)])
    return out


def pure_nash(U: ArrayLike, n_players: int | None = None, tol: float = 0.0) -> NDArray[np.bool_]:
    """Mask of the pure Nash equilibria of one game or a batch of games.

    Parameters
    ----------
    U : array_like, shape (..., n, A_0, ..., A_{n-1})
        Payoff array in tradegame's convention: ``U[..., i, a_0, ..., a_{n-1}]``
        is player *i*'s payoff; leading axes are draws.
    n_players : int, optional
        Number of players; required when ``U`` has leading batch axes.
    tol : float, default 0.0
        Payoff tolerance for best responses (see :func:`best_response_mask`).

    Returns
    -------
    ndarray of bool, shape (..., A_0, ..., A_{n-1})
        True at every profile that is a pure Nash equilibrium.

    Raises
    ------
    PayoffError
        As :func:`best_response_mask`.

    Examples
    --------
    Prisoner's dilemma (action 1 is "defect"):

    >>> import numpy as np
    >>> U = np.array([[[3, 0], [5, 1]], [[3, 5], [0, 1]]])
    >>> np.argwhere(pure_nash(U)).tolist()
    [[1, 1]]
    """
    arr, n = check_payoffs(U, n_players, as_float=False)
    lead = arr.ndim - 1 - n
    br = _best_response_mask(arr, n, tol)
    return np.logical_and.reduce(br, axis=lead)
