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

from tradegame._numeric import piecewise_matmul
from tradegame.errors import ScenarioError, ScenarioIssue, TradegameError
from tradegame.model.game import GameStructure
from tradegame.scenario.expressions import Pairs, dense_value
from tradegame.scenario.load import Scenario

__all__ = [
    "Environment",
    "NonFiniteError",
    "build_outcomes",
    "build_payoffs",
    "evaluation_environment",
]


class NonFiniteError(TradegameError, ValueError):
    """A payoff or term is NaN or infinite for some draw.

    Attributes
    ----------
    what : str
        The term or player whose value is not finite.
    draw : int
        Index (within the evaluated range) of the first such draw.
    """

    def __init__(self, what: str, draw: int, value: float, path: tuple[str, ...] = ()) -> None:
        super().__init__(f"{what} is {value} in draw {draw}")
        self.what = what
        self.draw = draw
        self.value = value
        self.path = path
        """Where in the scenario file the value is defined, e.g. ('payoffs', 'us')."""


class Environment(dict[str, Any]):
    """Names -> arrays for evaluating expressions, with terms in separable form.

    Parameters are stored as ``(D, 1)`` arrays and levers and option fields as
    ``(1, P)``. Terms are kept as pairs (see
    :meth:`~tradegame.scenario.expressions.CompiledExpression.evaluate_pairs`)
    in :attr:`pairs`; a term's whole ``(D, P)`` value is formed only if an
    expression needs it (a comparison or function of it, say).
    """

    def __init__(self, values: Mapping[str, Any]) -> None:
        super().__init__(values)
        self.pairs: dict[str, Pairs] = {}

    def __missing__(self, name: str) -> Any:
        if name in self.pairs:
            value = dense_value(self.pairs[name])
            self[name] = value
            return value
        raise KeyError(name)


def evaluation_environment(
    scenario: Scenario,
    game: GameStructure | None,
    parameters: Mapping[str, NDArray[np.float64]],
) -> Environment:
    """Names -> arrays for evaluating expressions, terms included.

    Parameters
    ----------
    game : GameStructure or None
        Its levers and option fields join the environment (``None``: a
        scenario with a 'tree:', whose expressions read no lever).
    parameters : mapping of str to ndarray, shape (D,)
        One value per draw for every parameter.

    Returns
    -------
    Environment
        Parameters as ``(D, 1)``, levers and option fields as ``(1, P)``,
        terms as separable pairs (whole arrays on demand).

    Raises
    ------
    NonFiniteError
        When a term is NaN or infinite, naming it and the draw.
    """
    env = Environment(
        {name: np.asarray(v, dtype=np.float64)[:, None] for name, v in parameters.items()}
    )
    if game is not None:
        env.update(game.profile_environment())
    for name, expr in scenario.terms:
        pairs = expr.evaluate_pairs(env, env.pairs)
        for g, h in pairs:
            _check_finite(g, f"term {name!r}", ("terms", name))
            _check_finite(h, f"term {name!r}", ("terms", name), draw_axis=False)
        env.pairs[name] = pairs
    return env


def _combine(pairs: Pairs, n_draws: int, n_profiles: int) -> NDArray[np.float64]:
    """Sum of ``g * h`` over pairs, as a ``(D, P)`` array.

    Pairs with a draw-only ``g`` and a profile-only ``h`` form ``G (D, K)``
    and ``H (K, P)``, and their sum is one matrix product. Two guarantees
    the solvers and reproducibility need:

    * profiles with equal columns of ``H`` (they differ only in levers the
      payoff ignores) get bit-for-bit equal payoffs, because the product is
      taken over the distinct columns only and copied out; ties stay ties;
    * the product is computed by :func:`tradegame._numeric.piecewise_matmul`,
      so every draw's arithmetic is the same whatever the chunk size.

    Pairs whose ``g`` is a whole ``(D, P)`` array are added elementwise.
    """
    low_g, low_h, whole = [], [], []
    for g, h in pairs:
        g = np.asarray(g, dtype=np.float64)
        h = np.asarray(h, dtype=np.float64)
        if g.ndim == 2 and g.shape[1] > 1:
            whole.append(g * h)
        else:
            low_g.append(np.broadcast_to(g.reshape(-1, 1), (n_draws, 1)))
            low_h.append(np.broadcast_to(h.reshape(1, -1), (1, n_profiles)))
    out = np.zeros((n_draws, n_profiles))
    if low_g:
        G = np.concatenate(low_g, axis=1)  # (D, K)
        H = np.concatenate(low_h, axis=0)  # (K, P)
        distinct, which = _distinct_columns(H)
        all_distinct = distinct.shape[1] == n_profiles
        right = np.ascontiguousarray(H if all_distinct else distinct)
        if all_distinct:
            piecewise_matmul(G, right, out=out)
        else:
            out[:] = piecewise_matmul(G, right)[:, which.reshape(-1)]
    for w in whole:
        out += w
    return out


def _distinct_columns(H: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.intp]]:
    """``np.unique(H, axis=1, return_inverse=True)``, in time ``O(K P log P)`` with small constants.

    The same distinct columns in the same (lexicographic, row 0 first) order, and the
    index of each column's distinct column. NumPy sorts the columns as structured
    records, whose comparisons are slow: 10 s for the 2**20 columns of a 20-stage
    game, against a fraction of a second for :func:`numpy.lexsort` of the rows.
    """
    K, P = H.shape
    if P == 0:
        return H[:, :0], np.zeros(0, dtype=np.intp)
    order = np.lexsort(H[::-1]) if K else np.zeros(P, dtype=np.intp)
    ordered = H[:, order]
    first = np.ones(P, dtype=bool)
    first[1:] = (ordered[:, 1:] != ordered[:, :-1]).any(axis=0)
    which = np.empty(P, dtype=np.intp)
    which[order] = np.cumsum(first) - 1
    return ordered[:, first], which


def _check_finite(value: Any, what: str, path: tuple[str, ...], *, draw_axis: bool = True) -> None:
    arr = np.asarray(value)
    if arr.dtype.kind == "f" and not np.isfinite(arr).all():
        bad = tuple(int(i) for i in np.argwhere(~np.isfinite(arr))[0]) if arr.ndim else ()
        draw = bad[0] if bad and draw_axis else 0
        raise NonFiniteError(what, draw, float(arr[bad]), path)


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
        For sequential games whose stages end the game ('ends:'), a profile that
        ended has the payoffs of its canonical profile (later stages at their first
        option): expressions see the later levers at their first option.

    Raises
    ------
    NonFiniteError
        When a payoff is NaN or infinite, naming the player and draw.
    """
    n = game.n_players
    P = game.n_profiles
    U = np.empty((n_draws, n, P), dtype=np.float64)
    if scenario.payoffs is not None:
        pairs_env = env.pairs if isinstance(env, Environment) else {}
        for i, expr in enumerate(scenario.payoffs):
            U[:, i, :] = _combine(expr.evaluate_pairs(env, pairs_env), n_draws, P)
    else:
        assert scenario.cells is not None
        for p, cell in enumerate(scenario.cells):
            for i, expr in enumerate(cell):
                value = np.asarray(expr.evaluate(env), dtype=np.float64)
                U[:, i, p] = np.broadcast_to(value.reshape(-1), (n_draws,))
        if any(game.ends):
            # A play that ended has the payoffs of its canonical profile.
            U = U[:, :, game.canonical]
    _discount_delays(scenario, game, env, U)
    for i, player in enumerate(game.players):
        if not np.isfinite(U[:, i]).all():
            d, p = np.argwhere(~np.isfinite(U[:, i]))[0]
            raise NonFiniteError(
                f"payoff of {player.name!r} at profile "
                f"{'; '.join(game.profile_strategies(int(p)))}",
                int(d),
                float(U[d, i, p]),
                ("payoffs", player.name) if scenario.payoffs is not None else ("payoffs",),
            )
    return U.reshape((n_draws, n, *game.shape))


def profile_delays(scenario: Scenario, game: GameStructure) -> NDArray[np.float64]:
    """Periods of delay along each profile (terminal history) of a sequential scenario.

    Returns
    -------
    ndarray, shape (P,)
        The sum, over stages, of the ``delay`` of the option chosen there.
    """
    total = np.zeros(game.n_profiles)
    for plan in scenario.stages or ():
        for lever, option, periods in plan.delay:
            options = next(
                lv.options
                for lv in (*(lv for p in scenario.players for lv in p.levers), *scenario.chance)
                if lv.name == lever
            )
            total += periods * (game.canonical_lever_profiles[lever] == options.index(option))
    return total


def _discount_delays(
    scenario: Scenario, game: GameStructure, env: Mapping[str, Any], U: NDArray[np.float64]
) -> None:
    """Multiply player *i*'s payoffs by ``discount_i ** delay`` in place.

    Parameters
    ----------
    U : ndarray, shape (D, n, P)
    """
    if not any(d is not None for d in scenario.discounts):
        return
    n_draws = U.shape[0]
    delays = profile_delays(scenario, game)
    for i, expr in enumerate(scenario.discounts):
        if expr is None:
            continue
        delta = np.broadcast_to(
            np.asarray(expr.evaluate(env), dtype=np.float64).reshape(-1), (n_draws,)
        )
        bad = np.flatnonzero(~((delta > 0) & (delta <= 1)))
        if bad.size:
            name = game.players[i].name
            raise ScenarioError(
                ScenarioIssue(
                    scenario.locate(("players", name, "discount")),
                    f"discount of {name!r} is {delta[bad[0]]:g} in draw {int(bad[0])}; "
                    "it must be in (0, 1]",
                )
            )
        U[:, i, :] *= delta[:, None] ** delays[None, :]


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
    # Label -> index once: looking each rule's label up in the tuple made K rules cost K**2.
    index = {label: k for k, label in enumerate(scenario.outcome_labels)}
    fallback = index[scenario.fallback_outcome]
    out = np.full((1, P), fallback, dtype=np.intp)
    decided = np.zeros((1, P), dtype=bool)
    # One rule at a time, so memory does not grow with the number of rules; the arrays
    # gain the draw axis only when a rule reads a parameter.
    for label, expr in scenario.outcomes:
        v = np.asarray(expr.evaluate(env), dtype=bool)
        if v.ndim == 2 and v.shape[0] > 1 and out.shape[0] == 1:
            out = np.repeat(out, n_draws, axis=0)
            decided = np.repeat(decided, n_draws, axis=0)
        hit = np.broadcast_to(v, out.shape) & ~decided
        out[hit] = index[label]
        decided |= hit
    return out
