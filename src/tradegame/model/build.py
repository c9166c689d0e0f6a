"""Building payoff arrays and outcome labels from a scenario and parameter draws.

Expressions evaluate over a broadcast grid: parameters have shape ``(D, 1)``
(draws), levers and option fields ``(1, P)`` (profiles), so a payoff
expression gives player *i*'s payoffs for every draw and profile at once;
the result is reshaped to the package's convention ``U[d, i, a_0, ..., a_{n-1}]``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from numpy.typing import NDArray

from tradegame.model.game import GameStructure
from tradegame.scenario.load import Scenario

__all__ = ["NonFiniteError", "build_outcomes", "build_payoffs", "evaluation_environment"]


class NonFiniteError(ValueError):
    """A payoff or term is NaN or infinite for some draw.

    Attributes
    ----------
    what : str
        The term or player whose value is not finite.
    draw : int
        Index (within the evaluated range) of the first such draw.
    """

    def __init__(
        self, what: str, draw: int, value: float, path: tuple[str, ...] = ()
    ) -> None:
        super().__init__(f"{what} is {value} in draw {draw}")
        self.what = what
        self.draw = draw
        self.value = value
        self.path = path
        """Where in the scenario file the value is defined, e.g. ('payoffs', 'us')."""


def evaluation_environment(
    scenario: Scenario, game: GameStructure, parameters: Mapping[str, NDArray[np.float64]]
) -> dict[str, Any]:
    """Names -> arrays for evaluating expressions, terms included.

    Parameters
    ----------
    parameters : mapping of str to ndarray, shape (D,)
        One value per draw for every parameter.

    Returns
    -------
    dict of str to ndarray
        Parameters as ``(D, 1)``, levers and option fields as ``(1, P)``,
        terms as whatever their expressions broadcast to.
    """
    env: dict[str, Any] = {name: np.asarray(v, dtype=np.float64)[:, None]
                           for name, v in parameters.items()}
    env.update(game.profile_environment())
    for name, expr in scenario.terms:
        value = expr.evaluate(env)
        _check_finite(value, f"term {name!r}", ("terms", name))
        env[name] = value
    return env


def _check_finite(value: Any, what: str, path: tuple[str, ...]) -> None:
    arr = np.asarray(value)
    if arr.dtype.kind == "f" and not np.isfinite(arr).all():
        bad = np.argwhere(~np.isfinite(arr))[0]
        draw = int(bad[0]) if arr.ndim >= 1 else 0
        raise NonFiniteError(what, draw, float(arr[tuple(bad)]), path)


def build_payoffs(
    scenario: Scenario, game: GameStructure, env: Mapping[str, Any], n_draws: int
) -> NDArray[np.float64]:
    """Payoff arrays of every draw's game.

    Parameters
    ----------
    env : mapping
        The :func:`evaluation_environment` of these draws.
    n_draws : int
        Number of draws *D*.

    Returns
    -------
    ndarray of float64, shape (D, n, A_0, ..., A_{n-1})

    Raises
    ------
    NonFiniteError
        When a payoff is NaN or infinite, naming the player and draw.
    """
    n = game.n_players
    P = game.n_profiles
    U = np.empty((n_draws, n, P), dtype=np.float64)
    if scenario.payoffs is not None:
        for i, expr in enumerate(scenario.payoffs):
            U[:, i, :] = np.broadcast_to(expr.evaluate(env), (n_draws, P))
    else:
        assert scenario.matrix is not None
        cols = game.shape[1]
        for r, row in enumerate(scenario.matrix):
            for c, cell in enumerate(row):
                for i, expr in enumerate(cell):
                    value = np.asarray(expr.evaluate(env), dtype=np.float64)
                    U[:, i, r * cols + c] = np.broadcast_to(value.reshape(-1), (n_draws,))
    for i, player in enumerate(game.players):
        if not np.isfinite(U[:, i]).all():
            d, p = np.argwhere(~np.isfinite(U[:, i]))[0]
            raise NonFiniteError(
                f"payoff of {player.name!r} at profile {'; '.join(game.profile_strategies(int(p)))}",
                int(d),
                float(U[d, i, p]),
                ("payoffs", player.name) if scenario.payoffs is not None else ("payoffs",),
            )
    return U.reshape((n_draws, n, *game.shape))


def build_outcomes(
    scenario: Scenario, game: GameStructure, env: Mapping[str, Any], n_draws: int
) -> NDArray[np.intp]:
    """Outcome index of every profile (and draw, if rules read parameters).

    The first rule that holds names the outcome; profiles no rule matches get
    the fallback, the last label of ``scenario.outcome_labels``.

    Returns
    -------
    ndarray of int, shape (1, P) or (D, P)
        Index into ``scenario.outcome_labels``; shape ``(1, P)`` when no rule
        depends on a parameter.
    """
    P = game.n_profiles
    labels = scenario.outcome_labels
    rows = 1
    values = []
    for _, expr in scenario.outcomes:
        v = np.asarray(expr.evaluate(env), dtype=bool)
        if v.ndim == 2 and v.shape[0] > 1:
            rows = n_draws
        values.append(v)
    out = np.full((rows, P), labels.index(scenario.fallback_outcome), dtype=np.intp)
    decided = np.zeros((rows, P), dtype=bool)
    for (label, _), v in zip(scenario.outcomes, values, strict=True):
        hit = np.broadcast_to(v, (rows, P)) & ~decided
        out[hit] = labels.index(label)
        decided |= hit
    return out
