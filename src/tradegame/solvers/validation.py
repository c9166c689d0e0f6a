r"""The solver contract: one check of payoff arrays, shared by every solver.

Every public solver takes payoffs in the convention of :mod:`tradegame.model`,
:math:`U[\dots, i, a_0, \dots, a_{n-1}]` is player *i*'s payoff at the profile
:math:`a`, and refuses the same bad input in the same way, here, before any
array work starts (validate once at the edge, then hand plain arrays to the
kernels). A payoff array is accepted when

1. its dtype is a real number type or bool (not object, string or complex);
2. its shape is the one the solver documents: one game ``(n, A_0, ..., A_{n-1})``
   (:func:`check_game`), one game with optional leading draw axes
   ``(..., n, A_0, ..., A_{n-1})`` (:func:`check_payoffs`), exactly one draw axis
   ``(D, n, A_0, ..., A_{n-1})`` (:func:`check_payoff_batch`), or the two
   matrices of a two-player game (:func:`check_bimatrix`,
   :func:`check_bimatrix_batch`);
3. every player has at least one action (an empty draw axis is an empty batch,
   which is allowed);
4. every entry is finite.

Any failure is a :class:`PayoffError`, a ``ValueError``; a dtype that is not
numeric is the subclass :class:`PayoffTypeError`, also a ``TypeError``,
because ``logit_qre`` raised ``TypeError`` there before the contract and code
that caught it must still catch it.

The finiteness check is the single full pass over the data that the solvers
already made; integer and boolean arrays skip it, as they cannot hold NaN.
Float64 input is not copied unless the solver asks (``copy=True``), as those
that keep the array in their result or work on it in place do.
"""

from __future__ import annotations

from typing import Any, Literal, overload

import numpy as np
from numpy.typing import ArrayLike, NDArray

from tradegame.errors import TradegameError

__all__ = [
    "PayoffError",
    "PayoffTypeError",
    "check_bimatrix",
    "check_bimatrix_batch",
    "check_finite",
    "check_game",
    "check_payoff_batch",
    "check_payoffs",
    "numeric_array",
]

FloatArray = NDArray[np.float64]

#: Arrays up to this size are checked entry by entry: on one game the set-up of
#: the summing path (its floating-point error state) costs more than the look.
_SMALL = 1 << 14


class PayoffError(TradegameError, ValueError):
    """A payoff array that breaks the solver contract (shape, actions, NaN or inf)."""


class PayoffTypeError(PayoffError, TypeError):
    """A payoff array whose entries are not real numbers."""


def numeric_array(U: ArrayLike, name: str = "payoff array") -> NDArray[np.generic]:
    """``U`` as an array of real numbers or bools, without copying.

    Parameters
    ----------
    U : array_like
        Payoffs.
    name : str, default "payoff array"
        How messages call ``U``.

    Returns
    -------
    ndarray
        ``np.asarray(U)``, its dtype a real number type or bool.

    Raises
    ------
    PayoffTypeError
        On object, string or complex entries, or a ragged nested sequence.
    """
    try:
        arr = np.asarray(U)
    except (TypeError, ValueError) as exc:  # ragged nesting: NumPy refuses the shape
        raise PayoffTypeError(f"{name} must be numeric: {exc}") from None
    if arr.dtype.kind not in "biuf":
        raise PayoffTypeError(f"{name} must be numeric, got dtype {arr.dtype}")
    return arr


def check_finite(arr: NDArray[np.generic], name: str = "payoff array") -> None:
    """Refuse NaN and infinite entries; integer and bool arrays pass at no cost."""
    if arr.dtype.kind != "f":
        return
    if arr.size <= _SMALL:
        finite = bool(np.isfinite(arr).all())
    else:
        # A finite sum means every entry is finite; only a sum that overflowed needs
        # the exact look. The sum avoids a boolean temporary as large as the batch. Its
        # overflow is expected with large finite payoffs and must not warn the user.
        with np.errstate(over="ignore", invalid="ignore"):
            total = np.add.reduce(arr, axis=None)
        finite = bool(np.isfinite(total)) or bool(np.isfinite(arr).all())
    if not finite:
        raise PayoffError(f"{name} contains NaN or infinite values")


def _check_actions(shape: tuple[int, ...], n: int, name: str) -> None:
    if 0 in shape[len(shape) - n :]:
        raise PayoffError(f"every player needs at least one action, got {name} of shape {shape}")


def _players_text(players: int) -> str:
    return "two-player" if players == 2 else f"{players}-player"


def check_game(
    U: ArrayLike, players: int | None = None, copy: bool = False, name: str = "payoff array"
) -> FloatArray:
    """One game of shape ``(n, A_0, ..., A_{n-1})`` as a finite float64 array.

    Parameters
    ----------
    U : array_like, shape (n, A_0, ..., A_{n-1})
        Payoffs of one game, ``n = U.ndim - 1`` players.
    players : int, optional
        The number of players the solver needs, if it needs a given one.
    copy : bool, default False
        Always return a copy, for solvers that keep the array in their result
        or work on it in place (it must not change with the caller's array).
    name : str, default "payoff array"
        How messages call ``U``.

    Returns
    -------
    ndarray of float64, shape (n, A_0, ..., A_{n-1})
        A copy when ``U`` was not float64 already or ``copy`` is True.

    Raises
    ------
    PayoffTypeError
        On entries that are not real numbers.
    PayoffError
        On another shape, a player without actions, NaN or infinite entries.
    """
    arr = numeric_array(U, name)
    n = arr.ndim - 1
    if n < 1 or arr.shape[0] != n:
        raise PayoffError(
            f"{name} of shape {arr.shape} is not (n, A_0, ..., A_{{n-1}}): its first axis "
            "must have length n = ndim - 1, one payoff array per player"
        )
    if players is not None and n != players:
        raise _not_for(arr.shape, players, "", name)
    return _finite_floats(arr, n, copy, name)


def _not_for(shape: tuple[int, ...], players: int, lead: str, name: str) -> PayoffError:
    """The error for a game of another number of players than the solver takes."""
    axes = ", ".join(f"A_{i}" for i in range(players))
    return PayoffError(
        f"{name} of shape {shape} is not ({lead}{players}, {axes}): this solver takes "
        f"{_players_text(players)} games"
    )


def _finite_floats(arr: NDArray[Any], n: int, copy: bool, name: str) -> FloatArray:
    """``arr`` as float64 (a copy if asked), once its actions and entries are checked."""
    _check_actions(arr.shape, n, name)
    out = arr.astype(np.float64, copy=copy)
    check_finite(out, name)
    return out


def _n_players(n_players: object) -> int:
    # bool is an int to Python; a flag where a count is meant is a mistake.
    if isinstance(n_players, bool) or not isinstance(n_players, int | np.integer):
        raise PayoffError(f"n_players must be a positive integer, got {n_players!r}")
    if n_players < 1:
        raise PayoffError(f"n_players must be a positive integer, got {n_players!r}")
    return int(n_players)


@overload
def check_payoffs(
    U: ArrayLike,
    n_players: int | None = None,
    as_float: Literal[True] = True,
    copy: bool = False,
    name: str = "payoff array",
) -> tuple[FloatArray, int]: ...


@overload
def check_payoffs(
    U: ArrayLike,
    n_players: int | None,
    as_float: Literal[False],
    copy: bool = False,
    name: str = "payoff array",
) -> tuple[NDArray[np.generic], int]: ...


@overload
def check_payoffs(
    U: ArrayLike,
    n_players: int | None = None,
    *,
    as_float: Literal[False],
    copy: bool = False,
    name: str = "payoff array",
) -> tuple[NDArray[np.generic], int]: ...


def check_payoffs(
    U: ArrayLike,
    n_players: int | None = None,
    as_float: bool = True,
    copy: bool = False,
    name: str = "payoff array",
) -> tuple[NDArray[np.generic], int]:
    """Games with optional leading draw axes, ``(..., n, A_0, ..., A_{n-1})``.

    Parameters
    ----------
    U : array_like, shape (..., n, A_0, ..., A_{n-1})
        Payoffs; leading axes are batch (draw) axes.
    n_players : int, optional
        Number of players *n*. Needed only when ``U`` has leading batch axes;
        otherwise it is ``U.ndim - 1``.
    as_float : bool, default True
        Return float64 (a copy when ``U`` was another dtype). With False the
        array keeps its dtype, for solvers that only compare payoffs: exact
        for integers beyond 2**53, and no copy.
    copy : bool, default False
        Always return a copy (see :func:`check_game`).
    name : str, default "payoff array"
        How messages call ``U``.

    Returns
    -------
    arr : ndarray, shape (..., n, A_0, ..., A_{n-1})
    n : int
        The number of players.

    Raises
    ------
    PayoffTypeError
        On entries that are not real numbers.
    PayoffError
        On a shape that does not end with a player axis of length *n* and *n*
        action axes, an invalid ``n_players``, a player without actions, NaN or
        infinite entries.
    """
    arr = numeric_array(U, name)
    if n_players is None:
        n = arr.ndim - 1
        if n < 1 or arr.shape[0] != n:
            raise PayoffError(
                f"{name} of shape {arr.shape} is not (n, A_0, ..., A_{{n-1}}): its first axis "
                "must have length n = ndim - 1, so the number of players cannot be inferred; "
                "pass n_players= when the array has leading draw axes"
            )
    else:
        n = _n_players(n_players)
    lead = arr.ndim - 1 - n
    if lead < 0 or arr.shape[lead] != n:
        raise PayoffError(
            f"{name} of shape {arr.shape} does not end with a player axis of length {n} "
            f"followed by {n} action axes"
        )
    _check_actions(arr.shape, n, name)
    if as_float:
        arr = arr.astype(np.float64, copy=copy)
    elif copy:
        arr = arr.copy()
    check_finite(arr, name)
    return arr, n


def check_payoff_batch(
    U: ArrayLike,
    n_players: int | None = None,
    players: int | None = None,
    copy: bool = False,
    name: str = "payoff array",
) -> tuple[FloatArray, int]:
    """A batch of games with exactly one draw axis, ``(D, n, A_0, ..., A_{n-1})``.

    Parameters
    ----------
    U : array_like, shape (D, n, A_0, ..., A_{n-1})
        Payoffs of ``D`` games (``D`` may be 0).
    n_players : int, optional
        Number of players; ``U.ndim - 2`` when omitted.
    players : int, optional
        The number of players the solver needs, if it needs a given one.
    copy : bool, default False
        Always return a copy (see :func:`check_game`).
    name : str, default "payoff array"
        How messages call ``U``.

    Returns
    -------
    arr : ndarray of float64, shape (D, n, A_0, ..., A_{n-1})
    n : int

    Raises
    ------
    PayoffTypeError
        On entries that are not real numbers.
    PayoffError
        On another shape, a player without actions, NaN or infinite entries.
    """
    arr = numeric_array(U, name)
    n = arr.ndim - 2 if n_players is None else _n_players(n_players)
    if players is not None and (arr.ndim != players + 2 or n != players):
        raise _not_for(arr.shape, players, "D, ", name)
    if n < 1 or arr.ndim != n + 2 or arr.shape[1] != n:
        raise PayoffError(
            f"{name} of shape {arr.shape} is not (D, n, A_0, ..., A_{{n-1}}) "
            "with a draw axis, n players and one action axis per player"
        )
    return _finite_floats(arr, n, copy, name), n


def _matrix(M: ArrayLike, name: str) -> FloatArray:
    out = numeric_array(M, name).astype(np.float64, copy=False)
    check_finite(out, name)
    return out


def check_bimatrix(A: ArrayLike, B: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """One two-player game as its payoff matrices, float64 of shape (m, n).

    Raises
    ------
    PayoffTypeError
        On entries that are not real numbers.
    PayoffError
        On matrices that are not 2-D, differ in shape, have an empty axis or
        hold NaN or infinite entries.
    """
    a = _matrix(A, "payoff matrix A")
    b = _matrix(B, "payoff matrix B")
    if a.ndim != 2 or b.ndim != 2:
        raise PayoffError(
            f"A and B must be 2-D payoff matrices of shape (m, n), got shapes {a.shape} and "
            f"{b.shape}"
        )
    if a.shape != b.shape:
        raise PayoffError(f"A and B must have the same shape, got {a.shape} and {b.shape}")
    _check_actions(a.shape, 2, "payoff matrix A")
    return a, b


def check_bimatrix_batch(A: ArrayLike, B: ArrayLike | None) -> tuple[FloatArray, FloatArray]:
    """A stack of two-player games given as ``(A, B)`` or as ``U``.

    Parameters
    ----------
    A : array_like, shape S + (m, n), or S + (2, m, n) when ``B`` is None
        Player 1's payoff matrices, or the payoff array ``U`` of both players.
    B : array_like, shape S + (m, n), optional
        Player 2's payoff matrices.

    Returns
    -------
    a, b : ndarray of float64, shape S + (m, n)

    Raises
    ------
    PayoffTypeError
        On entries that are not real numbers.
    PayoffError
        On shapes other than those above, an empty action axis, NaN or
        infinite entries.
    """
    if B is None:
        u = _matrix(A, "payoff array U")
        if u.ndim < 3 or u.shape[-3] != 2:
            raise PayoffError(
                f"with B omitted, the payoff array must have shape (..., 2, m, n), got {u.shape}"
            )
        a, b = u[..., 0, :, :], u[..., 1, :, :]
    else:
        a = _matrix(A, "payoff matrix A")
        b = _matrix(B, "payoff matrix B")
        if a.ndim < 2 or a.shape != b.shape:
            raise PayoffError(
                f"A and B must have the same shape (..., m, n), got {a.shape} and {b.shape}"
            )
    _check_actions(a.shape, 2, "payoff matrix A")
    return a, b
