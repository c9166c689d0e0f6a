"""Building payoff arrays and outcome labels from a scenario and parameter draws.

Expressions evaluate over a broadcast grid: parameters have shape ``(D, 1)``
(draws), levers and option fields ``(1, P)`` (profiles), so a payoff
expression gives player *i*'s payoffs for every draw and profile at once;
the result is reshaped to the package's convention ``U[d, i, a_0, ..., a_{n-1}]``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from tradegame._numeric import (
    gather_columns,
    piecewise_matmul,
    scale_rows,
    take_columns,
    transpose_into,
)
from tradegame.errors import ScenarioError, ScenarioIssue, TradegameError
from tradegame.model.game import GameStructure
from tradegame.scenario.load import Scenario
from tradegame.scenario.pairs import Compressed, Pairs, dense_value

__all__ = [
    "Environment",
    "NonFiniteError",
    "PayoffParts",
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


@dataclass(frozen=True)
class _Sum:
    """A payoff as ``sum(g * h)`` over pairs, before it is laid out.

    ``product`` (shape ``(D, M)``, or None when no pair is separable) holds the
    matrix product over the ``M`` distinct profile columns; ``which`` (shape
    ``(P,)``, or None when every column is distinct) the distinct column of each
    profile; ``whole`` the ``(D, P)`` values of pairs that vary along both axes,
    added in order.
    """

    product: NDArray[np.float64] | None
    which: NDArray[np.intp] | None
    whole: tuple[NDArray[np.float64] | tuple[Compressed, NDArray[np.float64] | None], ...]
    """Each a ``(D, P)`` value, or a compressed value and its profile factor
    (``(1, P)``, or None for 1.0): ``values[:, index[p]] * h[p]``."""

    def draws_first(self, out: NDArray[np.float64]) -> None:
        """Write the sum into ``out``, shape ``(D, P)`` (its rows may be strided)."""
        if self.product is None:
            out[...] = 0.0
        elif self.which is None:
            out[...] = self.product
        else:
            take_columns(self.product, self.which, out=out)
        for w in self.whole:
            if isinstance(w, tuple):
                compressed, h = w
                full = compressed.full()
                out += full if h is None else full * h
            else:
                out += w

    def draws_last(self, start: int, stop: int, out: NDArray[np.float64]) -> None:
        """Write draws ``start:stop`` of the sum into ``out``, shape ``(P, stop - start)``.

        The same numbers as :meth:`draws_first`, bit for bit (the same product, the
        same additions in the same order); copying the duplicate columns out is a
        copy of contiguous rows of draws.
        """
        if self.product is None:
            out[:] = 0.0
        elif self.which is None:
            transpose_into(self.product[start:stop], out)
        else:
            gather_columns(self.product, self.which, start, out)
        for w in self.whole:
            if isinstance(w, tuple):  # the same products, from the distinct columns
                compressed, h = w
                part = np.empty(out.shape)
                gather_columns(compressed.values, compressed.index, start, part)
                if h is not None:
                    part *= h.reshape(-1, 1)
                out += part
            else:
                transpose_into(w[start:stop], out, add=True)  # out += w[start:stop].T

    def finite_everywhere(self) -> bool:
        """Whether every value is known finite without looking at the laid-out sum.

        True when there is no whole pair and the product, over its distinct columns
        only, is finite: the laid-out values are copies of those.
        """
        return not self.whole and (self.product is None or bool(np.isfinite(self.product).all()))


def _combine(pairs: Pairs, n_draws: int, n_profiles: int) -> _Sum:
    """Sum of ``g * h`` over pairs, ready to be laid out as ``(D, P)`` or ``(P, D)``.

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
    low_g, low_h = [], []
    whole: list[NDArray[np.float64] | tuple[Compressed, NDArray[np.float64] | None]] = []
    for g, h in pairs:
        h = np.asarray(h, dtype=np.float64)
        if isinstance(g, Compressed):
            values = np.asarray(g.values, dtype=np.float64)
            factor = None if h.ndim == 0 and h == 1.0 else np.broadcast_to(h, (1, n_profiles))
            whole.append((Compressed(values, g.index), factor))
            continue
        g = np.asarray(g, dtype=np.float64)
        if g.ndim == 2 and g.shape[1] > 1:
            whole.append(g if h.ndim == 0 and h == 1.0 else g * h)  # x * 1.0 is x
        else:
            low_g.append(np.broadcast_to(g.reshape(-1, 1), (n_draws, 1)))
            low_h.append(np.broadcast_to(h.reshape(1, -1), (1, n_profiles)))
    if not low_g:
        return _Sum(None, None, tuple(whole))
    G = np.concatenate(low_g, axis=1)  # (D, K)
    H = np.concatenate(low_h, axis=0)  # (K, P)
    distinct, which = _distinct_columns(H)
    if distinct.shape[1] == n_profiles:
        return _Sum(piecewise_matmul(G, np.ascontiguousarray(H)), None, tuple(whole))
    product = piecewise_matmul(G, np.ascontiguousarray(distinct))
    return _Sum(product, which.reshape(-1), tuple(whole))


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
    if isinstance(value, Compressed):
        if np.isfinite(value.values).all():
            return
        value = value.full()  # the first bad entry, as the whole value names it
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

    See Also
    --------
    payoff_parts : The same numbers, laid out with the draws last.
    """
    n = game.n_players
    P = game.n_profiles
    U = np.empty((n_draws, n, P), dtype=np.float64)
    unchecked = list(range(n))
    if scenario.payoffs is not None:
        pairs_env = env.pairs if isinstance(env, Environment) else {}
        sums = [_combine(e.evaluate_pairs(env, pairs_env), n_draws, P) for e in scenario.payoffs]
        for i, total in enumerate(sums):
            total.draws_first(U[:, i, :])
        # A payoff known finite from its product's distinct columns is not checked again.
        unchecked = [i for i, total in enumerate(sums) if not total.finite_everywhere()]
    else:
        U = _cell_payoffs(scenario, game, env, n_draws)
    for i, factors in enumerate(_delay_factors(scenario, game, env, n_draws)):
        if factors is not None:
            U[:, i, :] *= factors[0][:, factors[1]]
    if any(not np.isfinite(U[:, i]).all() for i in unchecked):
        _check_payoffs_finite(scenario, game, U)  # raises, naming the first bad payoff
    return U.reshape((n_draws, n, *game.shape))


def _cell_payoffs(
    scenario: Scenario, game: GameStructure, env: Mapping[str, Any], n_draws: int
) -> NDArray[np.float64]:
    """Payoffs written cell by cell ('cells:'), shape ``(D, n, P)``."""
    assert scenario.cells is not None
    U = np.empty((n_draws, game.n_players, game.n_profiles), dtype=np.float64)
    for p, cell in enumerate(scenario.cells):
        for i, expr in enumerate(cell):
            value = np.asarray(expr.evaluate(env), dtype=np.float64)
            U[:, i, p] = np.broadcast_to(value.reshape(-1), (n_draws,))
    if any(game.ends):
        # A play that ended has the payoffs of its canonical profile.
        U = U[:, :, game.canonical]
    return U


def _check_payoffs_finite(scenario: Scenario, game: GameStructure, U: NDArray[np.float64]) -> None:
    """Raise :class:`NonFiniteError` at the first draw of the first player with a bad payoff."""
    for i, player in enumerate(game.players):
        if not np.isfinite(U[:, i]).all():
            d, p = (int(k) for k in np.argwhere(~np.isfinite(U[:, i]))[0])
            raise NonFiniteError(
                f"payoff of {player.name!r} at profile {'; '.join(game.profile_strategies(p))}",
                d,
                float(U[d, i, p]),
                ("payoffs", player.name) if scenario.payoffs is not None else ("payoffs",),
            )


class PayoffParts:
    """A batch's payoffs, computed but not yet laid out: the draws-last layout by pieces.

    :func:`build_payoffs` lays a batch's payoffs out draws first, ``(D, n, P)``.
    Solvers that reduce over the game's short axes (backward induction) run
    several times faster with the draws on the last, contiguous axis, and on a
    piece of the batch small enough to stay in cache: :meth:`draws_last` gives
    draws ``start:stop`` as ``(n, P, stop - start)``. The numbers are those of
    :func:`build_payoffs`, bit for bit: the payoff products are taken over the
    whole batch (:func:`~tradegame._numeric.piecewise_matmul`, as there) and only
    copied out, added and discounted here, in the same order.

    Parameters
    ----------
    scenario, game, env, n_draws
        As for :func:`build_payoffs`.

    Raises
    ------
    ScenarioError
        A discount factor outside (0, 1] (as :func:`build_payoffs`).

    Examples
    --------
    >>> import tradegame as tg
    >>> from tradegame.model.game import GameStructure
    >>> scenario = tg.load_scenario("scenarios/classroom/prisoners_dilemma.yaml")
    >>> game = GameStructure.from_scenario(scenario)
    >>> env = evaluation_environment(scenario, game, {})
    >>> last = PayoffParts(scenario, game, env, 1).draws_last(0, 1)
    >>> first = build_payoffs(scenario, game, env, 1)
    >>> last.shape, bool((last[..., 0] == first.reshape(1, 2, 4)[0]).all())
    ((2, 4, 1), True)
    """

    def __init__(
        self, scenario: Scenario, game: GameStructure, env: Mapping[str, Any], n_draws: int
    ) -> None:
        self.scenario = scenario
        self.game = game
        self.env = env
        self.n_draws = n_draws
        P = game.n_profiles
        self._sums: list[_Sum] = []
        self._cells: NDArray[np.float64] | None = None
        if scenario.payoffs is not None:
            pairs_env = env.pairs if isinstance(env, Environment) else {}
            self._sums = [
                _combine(expr.evaluate_pairs(env, pairs_env), n_draws, P)
                for expr in scenario.payoffs
            ]
        else:
            self._cells = _cell_payoffs(scenario, game, env, n_draws)
        self._factors = _delay_factors(scenario, game, env, n_draws)
        # Finiteness is checked on the products over their distinct columns, once for
        # the batch (a discount in (0, 1] keeps a finite payoff finite); only payoffs
        # with a whole (draws x profiles) term are checked piece by piece, laid out.
        if self._cells is not None:
            self._unchecked: list[int] = []
            if not np.isfinite(self._cells).all():
                build_payoffs(scenario, game, env, n_draws)  # raises, naming the first
        else:  # a payoff whose product is not finite is checked laid out, and raises then
            self._unchecked = [
                i for i, total in enumerate(self._sums) if not total.finite_everywhere()
            ]

    def draws_last(self, start: int, stop: int) -> NDArray[np.float64]:
        """Payoffs of draws ``start:stop``, shape ``(n, P, stop - start)``.

        Raises
        ------
        NonFiniteError
            When a payoff of the batch is not finite: the message of
            :func:`build_payoffs` (the first such draw of the whole batch).
        """
        n, P = self.game.n_players, self.game.n_profiles
        U = np.empty((n, P, stop - start))
        for i in range(n):
            if self._cells is not None:
                transpose_into(self._cells[start:stop, i], U[i])
            else:
                self._sums[i].draws_last(start, stop, U[i])
            factors = self._factors[i]
            if factors is not None:
                scale_rows(U[i], factors[0], factors[1], start)
        if any(not np.isfinite(U[i]).all() for i in self._unchecked):
            # The message names the batch's first bad draw, player by player.
            build_payoffs(self.scenario, self.game, self.env, self.n_draws)
        return U


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


def _delay_factors(
    scenario: Scenario, game: GameStructure, env: Mapping[str, Any], n_draws: int
) -> list[tuple[NDArray[np.float64], NDArray[np.intp]] | None]:
    """Each player's discount for delay: ``discount ** delay`` per draw and distinct delay.

    Returns
    -------
    list of (ndarray, ndarray) or None, one per player
        ``(factors, which)``: factors of shape ``(D, M)`` for the ``M`` distinct
        delays of the profiles, and the distinct delay of each profile, shape
        ``(P,)``; None for a player without a discount. A payoff is multiplied
        by ``factors[d, which[p]]``: the power is taken once per draw and
        distinct delay (a handful), not once per draw and profile.

    Raises
    ------
    ScenarioError
        A discount outside (0, 1], naming the player and the draw.
    """
    out: list[tuple[NDArray[np.float64], NDArray[np.intp]] | None] = [None] * game.n_players
    if not any(d is not None for d in scenario.discounts):
        return out
    distinct, which = np.unique(profile_delays(scenario, game), return_inverse=True)
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
        out[i] = (delta[:, None] ** distinct[None, :], which.reshape(-1))
    return out


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
