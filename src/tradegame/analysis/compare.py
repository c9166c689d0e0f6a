"""Paired comparison of scenarios: what changes, by how much, and how sure we are.

Two scenarios (a scenario and a variant of it, or two files) are run on
**common random numbers**: with the same seed, draw *k* of a parameter they
share is the same number on both sides, so the difference of what the two
sides play in draw *k* is the effect of the change alone, and the per-draw
differences have a far smaller variance than two independent runs would
(Law 2015, *Simulation Modeling and Analysis*, section 11.2). Each quantity's
difference is the mean of the per-draw differences, with the standard error
of that mean and a 95 % normal interval.

Quantities are matched by name: outcomes by label, lever options by
(player, lever, option), expected payoffs by player; one missing on a side
counts as probability 0 there (a payoff is then not compared). Expected
payoffs are compared over the draws in which both sides have an equilibrium.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from tradegame.errors import TradegameError
from tradegame.montecarlo.chunks import ChunkSolver
from tradegame.montecarlo.cluster import run_columns
from tradegame.montecarlo.result import NO_EQUILIBRIUM, Z_95
from tradegame.play.options import RunOptions
from tradegame.scenario.load import Scenario
from tradegame.scenario.sampling import BLOCK

__all__ = ["Comparison", "Difference", "compare"]

#: Draws a comparison makes at once (a whole number of sampling blocks).
_CHUNK = 8 * BLOCK


@dataclass(frozen=True)
class Difference:
    """One quantity on both sides, and their paired difference.

    Attributes
    ----------
    key : tuple of str
        The outcome's label; (player, lever, option); or the player.
    base, other : float
        The quantity on each side (a probability, or an expected payoff).
    difference : float
        The mean of the per-draw differences, other minus base.
    std_error : float
        Its standard error (per-draw differences' standard deviation / sqrt(n)).
    ci95 : (float, float)
        ``difference -+ 1.96 std_error``.
    draws : int
        Draws compared (all draws, or for payoffs those with an equilibrium on both sides).
    """

    key: tuple[str, ...]
    base: float
    other: float
    difference: float
    std_error: float
    ci95: tuple[float, float]
    draws: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": list(self.key),
            "base": self.base,
            "other": self.other,
            "difference": self.difference,
            "std_error": self.std_error,
            "ci95": list(self.ci95),
            "draws": self.draws,
        }


@dataclass(frozen=True)
class Comparison:
    """Two scenarios run on common random numbers, quantity by quantity.

    Attributes
    ----------
    base, other : str
        What each side is ("madrid_2025.yaml", "variant us_eases_chips").
    samples, seed : int
    outcomes, lever_options, payoffs : tuple of Difference
    parameters_only_in_base, parameters_only_in_other : tuple of str
        Uncertain parameters one side has and the other lacks (their draws are
        not shared).
    parameters_changed : tuple of str
        Parameters both sides have with different distributions.
    """

    base: str
    other: str
    samples: int
    seed: int
    outcomes: tuple[Difference, ...]
    lever_options: tuple[Difference, ...]
    payoffs: tuple[Difference, ...]
    parameters_only_in_base: tuple[str, ...] = ()
    parameters_only_in_other: tuple[str, ...] = ()
    parameters_changed: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "base": self.base,
            "other": self.other,
            "samples": self.samples,
            "seed": self.seed,
            "method": "paired differences on common random numbers (same seed, draw k of a "
            "shared parameter equal on both sides); 95 % normal intervals",
            "parameters": {
                "only_in_base": list(self.parameters_only_in_base),
                "only_in_other": list(self.parameters_only_in_other),
                "changed": list(self.parameters_changed),
            },
            "outcomes": [d.to_dict() for d in self.outcomes],
            "lever_options": [d.to_dict() for d in self.lever_options],
            "expected_payoffs": [d.to_dict() for d in self.payoffs],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, allow_nan=False) + "\n"


class _Side:
    """One side of a comparison: its per-draw quantities, in named columns."""

    def __init__(self, scenario: Scenario, seed: int) -> None:
        self.solver = ChunkSolver(scenario, RunOptions.resolve(scenario), seed)
        play = self.solver.play
        self.outcomes = (*scenario.outcome_labels, NO_EQUILIBRIUM)
        self.players = play.players
        self.levers = [tuple(k) for k in play.lever_keys]
        self.K = len(scenario.outcome_labels)

    def columns(self, start: int, stop: int) -> NDArray[np.float64]:
        """Per-draw columns of draws ``start:stop``: outcomes, no-equilibrium, payoffs, levers."""
        return self.solver.columns(start, stop)[0]


def _block_means(cols: NDArray[np.float64]) -> NDArray[np.float64]:
    """Column means as a run computes them: sums per sampling block, added in block order.

    So a side's probabilities are exactly those of :func:`tradegame.simulate`
    with the same seed and samples.
    """
    total = np.zeros(cols.shape[1])
    for b0 in range(0, cols.shape[0], BLOCK):
        total = total + cols[b0 : b0 + BLOCK].sum(axis=0)
    return total / cols.shape[0]


def _difference(
    key: tuple[str, ...],
    a: NDArray[np.float64],
    b: NDArray[np.float64],
    means: tuple[float, float] | None = None,
) -> Difference:
    """The paired difference of per-draw values ``b - a`` (means given, or computed)."""
    n = a.shape[0]
    if n == 0:
        nan = math.nan
        return Difference(key, nan, nan, nan, nan, (nan, nan), 0)
    d = b - a
    diff = float(d.mean())
    var = float(((d - diff) ** 2).sum() / (n - 1)) if n > 1 else 0.0
    se = math.sqrt(var / n)
    base, other = means if means is not None else (float(a.mean()), float(b.mean()))
    return Difference(key, base, other, diff, se, (diff - Z_95 * se, diff + Z_95 * se), n)


def _parameters(base: Scenario, other: Scenario) -> tuple[tuple[str, ...], ...]:
    a, b = base.spec.parameters, other.spec.parameters
    only_a = tuple(k for k in a if k not in b)
    only_b = tuple(k for k in b if k not in a)
    changed = tuple(k for k in a if k in b and a[k] != b[k])
    return only_a, only_b, changed


def compare(
    base: Scenario,
    others: Scenario | Sequence[Scenario],
    *,
    samples: int | None = None,
    seed: int | None = None,
    names: Sequence[str] | None = None,
    workers: int = 1,
    scheduler: str | None = None,
) -> tuple[Comparison, ...]:
    """Compare a scenario with one or more others on common random numbers.

    Parameters
    ----------
    base : Scenario
    others : Scenario or sequence of Scenario
        Each is compared with ``base`` (variants of it, or other files).
    samples : int, optional
        Draws; default ``base``'s ``analysis.samples``.
    seed : int, optional
        Default ``base``'s ``analysis.seed``, else 0 (a comparison is always
        seeded: its sides must share their draws).
    names : sequence of str, optional
        What to call each side, ``base`` first; default the scenarios' files.
    workers : int, default 1
        Worker processes of a local Dask cluster solving the sides' draws
        (:func:`~tradegame.montecarlo.cluster.run_columns`). Does not change the result.
    scheduler : str, optional
        The address of a running Dask scheduler whose workers solve them; not with
        ``workers``. Does not change the result.

    Returns
    -------
    tuple of Comparison
        One per scenario of ``others``, in order.

    Raises
    ------
    TradegameError
        A side that cannot be run (its own located errors), or samples out of range.

    Examples
    --------
    >>> import tradegame as tg
    >>> sc = tg.load_scenario("classroom/chicken")
    >>> (same,) = tg.compare(sc, sc, samples=2048, seed=1)
    >>> {d.key[0]: d.difference for d in same.outcomes}["crash"]
    0.0
    """
    sides = [others] if isinstance(others, Scenario) else list(others)
    n = int(samples if samples is not None else base.analysis.samples)
    if n < 2:
        raise CompareError("a comparison needs at least 2 draws")
    seed = int(seed if seed is not None else (base.analysis.seed or 0))
    labels = list(names) if names is not None else [sc.source for sc in (base, *sides)]
    every = [_Side(sc, seed) for sc in (base, *sides)]
    # Every side's per-draw columns at once, so that a cluster solves them side by side.
    columns = run_columns(
        [(side.solver, n) for side in every], _CHUNK, workers=workers, scheduler=scheduler
    )
    results = []
    for k, sc in enumerate(sides):
        results.append(
            _compare_two(
                (every[0], columns[0]),
                (every[k + 1], columns[k + 1]),
                base,
                sc,
                n,
                seed,
                labels[0],
                labels[k + 1],
            )
        )
    return tuple(results)


class CompareError(TradegameError, ValueError):
    """A comparison that cannot be made as asked."""


def _compare_two(
    side_a: tuple[_Side, NDArray[np.float64]],
    side_b: tuple[_Side, NDArray[np.float64]],
    sa: Scenario,
    sb: Scenario,
    n: int,
    seed: int,
    name_a: str,
    name_b: str,
) -> Comparison:
    (a, cols_a), (b, cols_b) = side_a, side_b
    outcome_keys = list(dict.fromkeys((*a.outcomes, *b.outcomes)))
    lever_keys = list(dict.fromkeys((*a.levers, *b.levers)))
    players = [p for p in a.players if p in b.players]
    # cols_a, cols_b: per-draw values of every compared quantity, both sides (kept whole:
    # the comparison's memory is (draws x quantities) floats per side).

    mean_a, mean_b = _block_means(cols_a), _block_means(cols_b)

    def column(side: _Side, key: tuple[str, ...], lever: bool) -> int | None:
        if lever:
            if key not in side.levers:
                return None
            return side.K + 1 + len(side.players) + side.levers.index(key)
        return side.outcomes.index(key[0]) if key[0] in side.outcomes else None

    def probability(key: tuple[str, ...], lever: bool = False) -> Difference:
        ia, ib = column(a, key, lever), column(b, key, lever)
        va = cols_a[:, ia] if ia is not None else np.zeros(n)
        vb = cols_b[:, ib] if ib is not None else np.zeros(n)
        means = (
            float(mean_a[ia]) if ia is not None else 0.0,
            float(mean_b[ib]) if ib is not None else 0.0,
        )
        return _difference(key, va, vb, means)

    both = (cols_a[:, a.K] == 0) & (cols_b[:, b.K] == 0)  # an equilibrium on both sides
    only_a, only_b, changed = _parameters(sa, sb)
    return Comparison(
        base=name_a,
        other=name_b,
        samples=n,
        seed=seed,
        outcomes=tuple(probability((k,)) for k in outcome_keys),
        lever_options=tuple(probability(k, lever=True) for k in lever_keys),
        payoffs=tuple(
            _difference(
                (p,),
                cols_a[both, a.K + 1 + a.players.index(p)],
                cols_b[both, b.K + 1 + b.players.index(p)],
            )
            for p in players
        ),
        parameters_only_in_base=only_a,
        parameters_only_in_other=only_b,
        parameters_changed=changed,
    )
