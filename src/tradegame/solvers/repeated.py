r"""Grim-trigger sustainability of a target profile in an infinitely repeated game.

Players repeat a stage game with common discount factor :math:`\delta`. Under
*grim trigger* they play the target profile :math:`a^*` until someone deviates,
and a given stage Nash equilibrium :math:`e` forever after. With

* :math:`R_i = u_i(a^*)`, player *i*'s reward on the path,
* :math:`T_i = \max_{b_i \ne a^*_i} u_i(b_i, a^*_{-i})`, the best one-shot deviation payoff,
* :math:`P_i = u_i(e)`, the punishment payoff,

a deviation does not pay when :math:`R_i/(1-\delta) \ge T_i + \delta P_i/(1-\delta)`,
i.e. :math:`\delta \ge (T_i - R_i)/(T_i - P_i)`. The strategy profile is a
subgame-perfect equilibrium for every

.. math::

    \delta \ge \delta^* = \max_i \frac{T_i - R_i}{T_i - P_i},

with the term taken as 0 for players who gain nothing by deviating
(:math:`T_i \le R_i`); the punishment phase is an equilibrium because :math:`e` is
a stage equilibrium (Fudenberg & Tirole 1991, §5.1; Osborne & Rubinstein 1994,
ch. 8; Friedman 1971). When some player gains by deviating but the punishment is
no worse than the target (:math:`P_i \ge R_i`), no :math:`\delta < 1` sustains the
target; the result then says so instead of returning a number. In the unusual
case :math:`P_i > R_i \ge T_i` a player would deviate on purpose, to trigger the
punishment, once :math:`\delta > (R_i - T_i)/(P_i - T_i)`; that upper limit is
reported as ``max_delta``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from tradegame.solvers.validation import check_game

__all__ = ["GrimTrigger", "grim_trigger"]


@dataclass(frozen=True, slots=True)
class GrimTrigger:
    """Critical discount factor of grim trigger for one target profile.

    Attributes
    ----------
    critical_delta : float
        Smallest discount factor sustaining the target (``0.0`` when nobody
        gains by deviating); ``math.inf`` when no ``delta < 1`` does.
    sustainable : bool
        False when the target cannot be sustained for any ``delta < 1``.
    per_player : ndarray of float, shape (n,)
        Each player's own threshold ``(T_i - R_i) / (T_i - P_i)`` (0 without a
        profitable deviation, ``inf`` when unsustainable for that player).
    reward, temptation, punishment : ndarray of float, shape (n,)
        ``R_i``, ``T_i`` and ``P_i``.
    best_deviation : tuple of int
        Each player's best action other than the target's (the target action
        for a player with a single action).
    target : tuple of int
        The target profile.
    max_delta : float
        Largest sustaining discount factor; ``1.0`` (no upper limit) unless some
        player gets *more* from the punishment than from the target, in which
        case a patient enough player deviates on purpose to trigger it.
    reason : str
        Why the target is not sustainable, or ``""``.
    """

    critical_delta: float
    sustainable: bool
    per_player: NDArray[np.float64]
    reward: NDArray[np.float64]
    temptation: NDArray[np.float64]
    punishment: NDArray[np.float64]
    best_deviation: tuple[int, ...]
    target: tuple[int, ...]
    max_delta: float = 1.0
    reason: str = ""

    def sustains(self, delta: float) -> bool:
        """Whether grim trigger sustains the target at discount factor ``delta``."""
        if not 0.0 < delta < 1.0:
            raise ValueError(f"discount factor must lie strictly between 0 and 1, got {delta}")
        return self.sustainable and self.critical_delta <= delta <= self.max_delta


def _check_profile(name: str, profile: Sequence[int], shape: tuple[int, ...]) -> tuple[int, ...]:
    prof = tuple(int(a) for a in profile)
    if len(prof) != len(shape) or any(not 0 <= a < m for a, m in zip(prof, shape, strict=True)):
        raise ValueError(
            f"{name} {tuple(profile)} is not a pure profile of a game with actions {shape}"
        )
    return prof


def _payoffs_at(U: NDArray[np.float64], profile: tuple[int, ...]) -> NDArray[np.float64]:
    """Payoff vector, shape (n,), of a pure profile."""
    return np.array([U[i][profile] for i in range(U.shape[0])])


def _deviations(
    U: NDArray[np.float64], target: tuple[int, ...]
) -> tuple[NDArray[np.float64], list[int]]:
    """Best payoff T_i over actions other than the target's, others held at the target.

    A player with a single action cannot deviate; T_i = R_i is reported then.
    """
    n = U.shape[0]
    temptation = np.empty(n)
    best: list[int] = []
    for i in range(n):
        idx: list[int | slice] = list(target)
        idx[i] = slice(None)
        row = U[(i, *idx)].copy()
        if row.size == 1:
            best.append(target[i])
            temptation[i] = row[0]
            continue
        row[target[i]] = -np.inf
        b = int(row.argmax())
        best.append(b)
        temptation[i] = row[b]
    return temptation, best


def grim_trigger(
    U: ArrayLike,
    target: Sequence[int],
    punishment: Sequence[int] | None = None,
    punishment_payoffs: ArrayLike | None = None,
    tol: float = 1e-12,
) -> GrimTrigger:
    """Critical discount factor above which grim trigger sustains a target profile.

    Parameters
    ----------
    U : array_like, shape (n, A_0, ..., A_{n-1})
        Stage-game payoffs.
    target : sequence of int, length n
        The pure profile to sustain on the equilibrium path.
    punishment : sequence of int, length n, optional
        A pure stage Nash equilibrium played forever after a deviation. It is
        checked to be a Nash equilibrium.
    punishment_payoffs : array_like, shape (n,), optional
        Instead of ``punishment``: the stage-equilibrium payoffs to revert to,
        e.g. of a mixed equilibrium computed elsewhere (not checked).
    tol : float, default 1e-12
        Payoff differences up to ``tol`` count as ties (no profitable
        deviation; punishment not worse than the target).

    Returns
    -------
    GrimTrigger
        ``critical_delta`` = ``max_i (T_i - R_i) / (T_i - P_i)``, 0 if nobody
        gains by deviating, ``inf`` with ``sustainable=False`` and a ``reason``
        if some player gains by deviating but is not hurt by the punishment.
        Grim trigger is a subgame-perfect equilibrium exactly for
        ``critical_delta <= delta <= max_delta`` (see :meth:`GrimTrigger.sustains`).

    Raises
    ------
    ValueError
        On bad shapes, NaN/inf, a profile out of range, a punishment profile
        that is not a stage Nash equilibrium, or not exactly one of
        ``punishment`` / ``punishment_payoffs``.

    Examples
    --------
    Prisoner's dilemma with T = 5, R = 3, P = 1: cooperation is sustainable for
    delta >= (5 - 3) / (5 - 1) = 1/2.

    >>> U = [[[3, 0], [5, 1]], [[3, 5], [0, 1]]]
    >>> grim_trigger(U, target=(0, 0), punishment=(1, 1)).critical_delta
    0.5
    """
    arr = check_game(U, copy=True)
    n = arr.shape[0]
    shape = arr.shape[1:]
    prof = _check_profile("target", target, shape)
    if (punishment is None) == (punishment_payoffs is None):
        raise ValueError("give exactly one of punishment (a profile) or punishment_payoffs")
    if not (tol >= 0.0 and math.isfinite(tol)):
        raise ValueError(f"tol must be a finite non-negative number, got {tol}")
    if punishment is not None:
        pun = _check_profile("punishment", punishment, shape)
        gains, _ = _deviations(arr, pun)
        P = _payoffs_at(arr, pun)
        if np.any(gains > P + tol):
            who = int(np.argmax(gains - P))
            raise ValueError(
                f"punishment {pun} is not a stage Nash equilibrium: player {who} gains "
                f"{gains[who] - P[who]:g} by deviating"
            )
    else:
        P = np.asarray(punishment_payoffs, dtype=np.float64)
        if P.shape != (n,):
            raise ValueError(f"punishment_payoffs must have shape ({n},), got {P.shape}")
        if not np.isfinite(P).all():
            raise ValueError("punishment_payoffs contain NaN or infinite values")
    R = _payoffs_at(arr, prof)
    T, best = _deviations(arr, prof)
    return _critical(R, T, P, tuple(best), prof, tol)


def _critical(
    R: NDArray[np.float64],
    T: NDArray[np.float64],
    P: NDArray[np.float64],
    best: tuple[int, ...],
    target: tuple[int, ...],
    tol: float,
) -> GrimTrigger:
    # Player i does not deviate iff R_i >= (1 - delta) T_i + delta P_i: a convex
    # combination of T_i and P_i, so the answer is an interval of delta.
    n = R.shape[0]
    lower = np.zeros(n)
    upper = np.ones(n)
    reasons: list[str] = []
    for i in range(n):
        tempted = T[i] > R[i] + tol
        rewarded = P[i] > R[i] + tol  # the "punishment" is better than the target
        if tempted and P[i] >= R[i] - tol:
            lower[i] = math.inf
            reasons.append(
                f"player {i} gains {T[i] - R[i]:g} by deviating while the punishment payoff "
                f"{P[i]:g} is not below the target payoff {R[i]:g}"
            )
        elif tempted:
            lower[i] = (T[i] - R[i]) / (T[i] - P[i])
        elif rewarded and best[i] != target[i]:
            # Deviating costs R_i - T_i >= 0 once but earns P_i > R_i forever after,
            # which pays when the future weighs enough: only delta <= bound is safe.
            upper[i] = (R[i] - T[i]) / (P[i] - T[i])
            if upper[i] <= tol:
                reasons.append(
                    f"player {i} prefers the punishment payoff {P[i]:g} to the target payoff "
                    f"{R[i]:g} and loses nothing by deviating"
                )
    critical = float(lower.max()) if n else 0.0
    max_delta = float(upper.min()) if n else 1.0
    if not reasons and critical > max_delta:
        reasons.append(
            f"the discount factor would have to be at least {critical:g} and at most {max_delta:g}"
        )
    sustainable = not reasons
    return GrimTrigger(
        critical_delta=critical if sustainable else math.inf,
        sustainable=sustainable,
        per_player=lower,
        reward=R.copy(),
        temptation=T,
        punishment=P.copy(),
        best_deviation=best,
        target=target,
        max_delta=max_delta,
        reason="; ".join(reasons),
    )
