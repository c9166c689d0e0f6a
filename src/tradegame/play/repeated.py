r"""Repeated games (``repeated:``): grim trigger over a batch of draws.

A simultaneous scenario with a ``repeated:`` block is its stage game played
forever with a common discount factor :math:`\delta`. Each player plays its
cooperation strategy until someone deviates and its punishment strategy (a
pure stage equilibrium) forever after. With :math:`R_i`, :math:`T_i` and
:math:`P_i` player *i*'s payoff on the path, at its best one-shot deviation
and in the punishment, grim trigger is a subgame-perfect equilibrium exactly
when

.. math::

    \delta^* = \max_i \frac{T_i - R_i}{T_i - P_i} \le \delta

(and, in the rare game where some player prefers the punishment to the path,
:math:`\delta` at most a bound; see :mod:`tradegame.solvers.repeated`, whose
one-game :func:`~tradegame.solvers.repeated.grim_trigger` this kernel repeats
over the draw axis). Fudenberg & Tirole (1991), section 5.1; Osborne (2004),
ch. 14.

How a run plays a draw: where the punishment profile is a stage equilibrium
of the draw's game and the draw's discount factor sustains cooperation, the
cooperation profile is played in every period (its per-period payoffs are the
draw's payoffs; the outcome rules read the played profile). Elsewhere the
draw plays the stage game as the scenario's ``analysis:`` says (its solution
concept and selection), as if it were not repeated.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from tradegame.errors import ScenarioError, ScenarioIssue
from tradegame.model.build import build_payoffs, evaluation_environment
from tradegame.model.game import GameStructure
from tradegame.play.base import medians
from tradegame.scenario.load import Scenario
from tradegame.solvers.pure_nash import pure_nash

__all__ = ["GrimBatch", "grim_trigger_batch", "punishment_profile"]


def punishment_profile(scenario: Scenario, game: GameStructure | None = None) -> tuple[int, ...]:
    """The punishment of a ``repeated:`` scenario: the file's, checked, else the unique pure
    equilibrium of the stage game at the parameters' medians.

    Parameters
    ----------
    scenario : Scenario
        A simultaneous scenario with ``repeated:``.
    game : GameStructure, optional
        Its grid (made from the scenario when not given).

    Returns
    -------
    tuple of int
        A strategy index per player.

    Raises
    ------
    ScenarioError
        Located at 'repeated:', when the given profile is not a pure equilibrium
        of the stage game at the medians, or when there is not exactly one
        pure equilibrium to default to.
    """
    plan = scenario.repeated
    assert plan is not None
    game = game if game is not None else GameStructure.from_scenario(scenario)
    _, params = medians(scenario)
    env = evaluation_environment(scenario, game, params)
    U = build_payoffs(scenario, game, env, 1)[0]
    found = [tuple(int(a) for a in idx) for idx in np.argwhere(pure_nash(U))]
    labels = [game.strategy_labels(i) for i in range(game.n_players)]

    def named(profile: tuple[int, ...]) -> str:
        return "(" + ", ".join(labels[i][a] for i, a in enumerate(profile)) + ")"

    listed = ", ".join(named(e) for e in found)
    if plan.punishment is not None:
        if plan.punishment not in found:
            raise ScenarioError(
                ScenarioIssue(
                    scenario.locate(("repeated", "punishment")),
                    f"punishment {named(plan.punishment)} is not a pure equilibrium of the "
                    "stage game at the parameters' medians"
                    + (f" (its pure equilibria: {listed})" if found else " (it has none)"),
                )
            )
        return plan.punishment
    if len(found) != 1:
        raise ScenarioError(
            ScenarioIssue(
                scenario.locate(("repeated",)),
                f"the stage game has {len(found)} pure equilibria at the parameters' medians"
                + (f" ({listed})" if found else "")
                + "; say which one punishes a deviation with 'punishment:'",
            )
        )
    return found[0]


@dataclass(frozen=True)
class GrimBatch:
    """Grim trigger in each draw of a batch.

    Attributes
    ----------
    critical : ndarray, shape (D,)
        ``max_i (T_i - R_i) / (T_i - P_i)`` (0 when nobody gains by deviating,
        ``inf`` when no discount factor below 1 sustains cooperation).
    max_delta : ndarray, shape (D,)
        The largest sustaining discount factor (1 unless a player prefers the
        punishment to the path).
    punishment_ok : ndarray of bool, shape (D,)
        Whether the punishment profile is a pure equilibrium of the draw's stage game.
    sustained : ndarray of bool, shape (D,)
        ``punishment_ok & (critical <= delta <= max_delta)``.
    """

    critical: NDArray[np.float64]
    max_delta: NDArray[np.float64]
    punishment_ok: NDArray[np.bool_]
    sustained: NDArray[np.bool_]


def _unilateral(U: NDArray[np.float64], i: int, profile: tuple[int, ...]) -> NDArray[np.float64]:
    """Player *i*'s payoffs, shape (D, S_i), over its strategies, the others at ``profile``."""
    idx: list[int | slice] = [slice(None), i, *profile]
    idx[2 + i] = slice(None)
    return np.asarray(U[tuple(idx)], dtype=np.float64)


def grim_trigger_batch(
    U: NDArray[np.float64],
    cooperation: tuple[int, ...],
    punishment: tuple[int, ...],
    delta: NDArray[np.float64],
    tol: float = 1e-12,
) -> GrimBatch:
    """Whether grim trigger sustains the cooperation profile in each draw.

    Parameters
    ----------
    U : ndarray, shape (D, n, S_0, ..., S_{n-1})
        The draws' stage games.
    cooperation, punishment : tuple of int, length n
        Pure profiles (strategy indices).
    delta : ndarray, shape (D,)
        Each draw's discount factor.
    tol : float
        Payoff differences up to ``tol`` are ties (as in
        :func:`~tradegame.solvers.repeated.grim_trigger`).

    Returns
    -------
    GrimBatch
        Per draw, the same critical discount factor as
        :func:`~tradegame.solvers.repeated.grim_trigger` of that draw's game.

    Examples
    --------
    Two draws of the prisoner's dilemma (T, R, P, S = 5, 3, 1, 0: critical
    factor 1/2), one patient and one not:

    >>> pd = np.array([[[3.0, 0.0], [5.0, 1.0]], [[3.0, 5.0], [0.0, 1.0]]])
    >>> batch = grim_trigger_batch(np.stack([pd, pd]), (0, 0), (1, 1), np.array([0.6, 0.4]))
    >>> batch.critical.tolist(), batch.sustained.tolist()
    ([0.5, 0.5], [True, False])
    """
    n_draws, n = U.shape[0], U.shape[1]
    lower = np.zeros((n_draws, n))
    upper = np.ones((n_draws, n))
    ok = np.ones(n_draws, dtype=bool)
    blocked = np.zeros(n_draws, dtype=bool)  # some player makes the target unsustainable
    for i in range(n):  # players, not draws: every line below is over the whole batch
        path = _unilateral(U, i, cooperation)  # (D, S_i)
        R = path[:, cooperation[i]]
        if path.shape[1] > 1:
            others = path.copy()
            others[:, cooperation[i]] = -np.inf
            T = others.max(axis=1)
        else:
            T = R.copy()
        pun = _unilateral(U, i, punishment)
        P = pun[:, punishment[i]]
        ok &= pun.max(axis=1) <= P + tol
        tempted = T > R + tol
        rewarded = (P > R + tol) & ~tempted & (path.shape[1] > 1)
        hopeless = tempted & (P >= R - tol)
        lower[:, i] = np.where(
            hopeless,
            np.inf,
            np.where(tempted, (T - R) / np.where(tempted & ~hopeless, T - P, 1.0), 0.0),
        )
        upper[:, i] = np.where(rewarded, (R - T) / np.where(rewarded, P - T, 1.0), 1.0)
        blocked |= hopeless | (rewarded & (upper[:, i] <= tol))
    critical = lower.max(axis=1)
    max_delta = upper.min(axis=1)
    blocked |= critical > max_delta
    critical = np.where(blocked, np.inf, critical)
    sustained = ok & ~blocked & (critical <= delta) & (delta <= max_delta)
    return GrimBatch(critical, max_delta, ok, sustained)
