r"""Pure-strategy Nash equilibria of n-player normal-form games, batched.

A profile :math:`a = (a_0, \dots, a_{n-1})` is a pure Nash equilibrium when
every player's action is a best response to the others':

.. math::

    u_i(a_i, a_{-i}) \ge u_i(b, a_{-i}) \quad \text{for all players } i
    \text{ and actions } b.

For each player the maximum over that player's own action axis is taken once
(``keepdims``), and the profile is a best response where the payoff reaches it;
the equilibrium mask is the logical AND over players. Ties count as best
responses, as in Gambit's ``enumpure_solve``.

The draws come first in this convention, so each of these maxima runs over an
axis of a few entries whose neighbours lie a whole game apart: about 9 ns an
entry in NumPy, against a fraction of a nanosecond along a contiguous axis. The
work is therefore done by compiled kernels
(:mod:`tradegame.solvers._pure_nash_kernel`) that read each game once where it
lies; the NumPy code is kept as their reference
(:func:`_best_response_mask_numpy`, :func:`_pure_nash_numpy`), which they match
exactly, and still runs the rare inputs the kernels do not take (a tolerance
whose arithmetic NumPy would do in a narrow dtype, unsigned 64-bit integers)
and the first entries a process solves: Numba's set-up in a process costs
about as much as NumPy comparing 2**25 entries, more than a classroom run
ever compares (:func:`_kernel_pays`).
"""

from __future__ import annotations

import math
from types import ModuleType

import numpy as np
from numpy.typing import ArrayLike, NDArray

from tradegame.solvers.validation import check_payoffs

BoolArray = NDArray[np.bool_]
IntArray = NDArray[np.intp]

#: The dtypes the kernels are compiled for; other inputs are converted to one of
#: them when NumPy would compare in it, or go to the NumPy reference.
_KERNEL_DTYPES = (np.dtype(np.float64), np.dtype(np.int64))

#: Payoff entries NumPy compares in about the time Numba takes to set up in a
#: process and load the kernels (0.25-0.35 s, once): the kernels take over once
#: a process has solved this many entries, so that a classroom run of a few
#: thousand small games never pays that set-up and a long run pays it early.
_SETUP_ENTRIES = 1 << 25

#: Payoff entries solved in this process so far (see :data:`_SETUP_ENTRIES`).
_entries_solved = 0

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


def _best_response_mask(arr: NDArray[np.generic], n: int, tol: float) -> BoolArray:
    """:func:`best_response_mask` of a checked array with ``n`` players."""
    prepared = _kernel_input(arr, n, tol) if _kernel_pays(arr.size) else None
    if prepared is None:
        return _best_response_mask_numpy(arr, n, tol)
    u, tol_value, use_tol, pre, length, post = prepared
    out = np.empty(u.shape, dtype=bool)
    if u.size:
        _kernel().best_responses(u, pre, length, post, tol_value, use_tol, out)
    return out.reshape(arr.shape)


def _pure_nash(arr: NDArray[np.generic], n: int, tol: float) -> BoolArray:
    """:func:`pure_nash` of a checked array with ``n`` players."""
    prepared = _kernel_input(arr, n, tol) if _kernel_pays(arr.size) else None
    if prepared is None:
        return _pure_nash_numpy(arr, n, tol)
    u, tol_value, use_tol, pre, length, post = prepared
    D, _, P = u.shape
    out = np.empty((D, P), dtype=bool)
    if out.size:
        kernel = _kernel()
        if n == 2:
            R, C = int(length[0]), int(length[1])
            kernel.bimatrix_equilibria(
                u.reshape(D, 2, R, C), tol_value, use_tol, out.reshape(D, R, C)
            )
        else:
            kernel.equilibria(u, pre, length, post, tol_value, use_tol, out)
    lead = arr.ndim - 1 - n
    return out.reshape(arr.shape[:lead] + arr.shape[lead + 1 :])


def _kernel_pays(size: int) -> bool:
    """Whether the kernels should solve ``size`` more entries (both paths agree exactly).

    The rule of renting skis before buying them: NumPy solves until the
    process has solved :data:`_SETUP_ENTRIES` entries, this call included;
    from then on, the kernels, whose set-up has then cost at most as much
    again as the work it saves.
    """
    global _entries_solved
    _entries_solved += size
    return _entries_solved > _SETUP_ENTRIES


def _kernel() -> ModuleType:
    # Deferred, as in logit_qre: importing the solvers (for the command line, or
    # a single game) does not import Numba; the compiled code loads on first use.
    import tradegame.solvers._pure_nash_kernel as kernel

    return kernel


def _kernel_input(
    arr: NDArray[np.generic], n: int, tol: float
) -> tuple[NDArray[np.generic], np.generic, bool, IntArray, IntArray, IntArray] | None:
    """The kernels' arguments for ``arr``, or None when the NumPy reference must run.

    The reference compares ``U >= best`` in the array's dtype, or, with a
    tolerance, ``U >= best - tol`` in the dtype of NumPy's ``best - tol``
    (float64 for integers and a float ``tol``, the array's own dtype for a
    float array and a Python float). The kernels get the array in the dtype
    of that comparison, converted once (exactly: an integer or a narrower
    float becomes the same number in float64 or int64, and the maximum of
    converted numbers is the converted maximum, as the conversion keeps the
    order), and ``tol`` in it too, so they make the reference's comparisons.

    Returns
    -------
    u : ndarray, shape (D, n, P), C-contiguous, float64 or int64
        The games, one flat row of ``P`` profiles per player.
    tol : scalar of ``u``'s dtype
    use_tol : bool
        Whether the reference subtracts ``tol`` (it does when ``tol`` is truthy).
    pre, length, post : ndarray of intp, shape (n,)
        Player *i*'s action axis splits a row into ``pre[i]`` blocks of
        ``length[i]`` lines of ``post[i]`` entries.
    """
    use_tol = bool(tol)
    if use_tol:
        try:
            threshold = (np.zeros(1, arr.dtype) - tol).dtype
        except (TypeError, ValueError, OverflowError):
            return None  # the reference raises the same error
        dtype = np.result_type(arr.dtype, threshold)
        if dtype != threshold:
            return None
    elif arr.dtype.kind == "f":
        dtype = np.dtype(np.float64)
    elif arr.dtype.kind in "bi" or arr.dtype.itemsize < 8:
        dtype = np.dtype(np.int64)
    else:
        return None  # uint64 does not fit int64
    if dtype not in _KERNEL_DTYPES:
        return None
    lead = arr.ndim - 1 - n
    actions = arr.shape[lead + 1 :]
    P = math.prod(actions)
    u = np.ascontiguousarray(arr, dtype=dtype).reshape(math.prod(arr.shape[:lead]), n, P)
    # Plain integers here: on one game, NumPy's per-call costs would outweigh the kernel.
    pre = [math.prod(actions[:i]) for i in range(n)]
    post = [P // (pre[i] * actions[i]) for i in range(n)]
    return (
        u,
        dtype.type(tol),
        use_tol,
        np.array(pre, dtype=np.intp),
        np.array(actions, dtype=np.intp),
        np.array(post, dtype=np.intp),
    )


def _best_response_mask_numpy(arr: NDArray[np.generic], n: int, tol: float) -> BoolArray:
    """The NumPy reference of :func:`best_response_mask` on a checked array.

    One ``max`` (``keepdims``) over each player's action axis and a comparison.
    """
    lead = arr.ndim - 1 - n
    out = np.empty(arr.shape, dtype=bool)
    for i in range(n):
        ui = arr[(slice(None),) * lead + (i,)]
        best = ui.max(axis=lead + i, keepdims=True)
        np.greater_equal(ui, best - tol if tol else best, out=out[(slice(None),) * lead + (i,)])
    return out


def _pure_nash_numpy(arr: NDArray[np.generic], n: int, tol: float) -> BoolArray:
    """The NumPy reference of :func:`pure_nash` on a checked array."""
    lead = arr.ndim - 1 - n
    return np.logical_and.reduce(_best_response_mask_numpy(arr, n, tol), axis=lead)


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
    return _pure_nash(arr, n, tol)
