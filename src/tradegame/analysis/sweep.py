"""Sweeps: outcome probabilities over a grid of one or two settings.

Each point of the grid is the scenario with its settings overridden
(:meth:`Scenario.with_overrides`: a scalar of the file set to the point's
value, or a lever fixed to one of its options) and run with the same seed,
so the points share their draws (common random numbers): the curves are
smooth where the model is, and a step between two points is the model's,
not sampling noise's.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import yaml

from tradegame.errors import TradegameError
from tradegame.montecarlo.simulate import simulate_many
from tradegame.scenario.load import Scenario

__all__ = ["MAX_POINTS", "Sweep", "SweepAxis", "SweepError", "SweepPoint", "parse_axis", "sweep"]

#: Most grid points a sweep may have (each is a full run).
MAX_POINTS = 400
#: Prefix of an axis that fixes a lever to each of some options in turn.
FIX = "fix."


class SweepError(TradegameError, ValueError):
    """A sweep axis that cannot be read, or a grid too large."""


@dataclass(frozen=True)
class SweepAxis:
    """One setting swept over values.

    Attributes
    ----------
    path : str
        A dotted path of a scalar of the file (``parameters.x.median``), or
        ``fix.LEVER`` to fix a lever to each value (an option) in turn.
    values : tuple
        Numbers, or other scalars (option names, selection rules).
    """

    path: str
    values: tuple[Any, ...]

    @property
    def fixes(self) -> bool:
        return self.path.startswith(FIX)

    @property
    def numeric(self) -> bool:
        return all(isinstance(v, int | float) and not isinstance(v, bool) for v in self.values)


def parse_axis(text: str) -> SweepAxis:
    """An axis from ``PATH=LO:HI:N`` (N evenly spaced numbers) or ``PATH=V1,V2,...``.

    ``fix.LEVER=OPT1,OPT2`` fixes the lever to each option in turn. Values of a
    list are read as YAML scalars (``2``, ``0.5``, ``risk_dominant``).

    Examples
    --------
    >>> parse_axis("parameters.x.median=1:3:5").values
    (1.0, 1.5, 2.0, 2.5, 3.0)
    >>> parse_axis("fix.tariffs=hold,raise")
    SweepAxis(path='fix.tariffs', values=('hold', 'raise'))

    Raises
    ------
    SweepError
        One line saying what is wrong and what is expected.
    """
    path, sep, spec = text.partition("=")
    path = path.strip()
    if not sep or not path or not spec.strip():
        raise SweepError(f"{text!r}: expected PATH=LO:HI:N or PATH=V1,V2,...")
    if path.startswith(FIX):
        options = tuple(o.strip() for o in spec.split(",") if o.strip())
        if not options or path == FIX:
            raise SweepError(f"{text!r}: expected fix.LEVER=OPTION,OPTION,...")
        return SweepAxis(path, options)
    parts = spec.split(":")
    if len(parts) not in (1, 3):
        raise SweepError(f"{text!r}: a range is LO:HI:N (two numbers and a count)")
    if len(parts) == 3:
        try:
            lo, hi, n = float(parts[0]), float(parts[1]), int(parts[2])
        except ValueError:
            raise SweepError(f"{text!r}: LO:HI:N needs two numbers and a count") from None
        if not (np.isfinite(lo) and np.isfinite(hi)) or not 2 <= n <= MAX_POINTS:
            raise SweepError(f"{text!r}: LO and HI finite, N from 2 to {MAX_POINTS}")
        return SweepAxis(path, tuple(float(v) for v in np.linspace(lo, hi, n)))
    values = []
    for item in spec.split(","):
        try:
            values.append(yaml.safe_load(item.strip()))
        except yaml.YAMLError:
            raise SweepError(f"{text!r}: {item.strip()!r} is not a scalar value") from None
    if not values or any(isinstance(v, dict | list) or v is None for v in values):
        raise SweepError(f"{text!r}: the values must be scalars, separated by commas")
    return SweepAxis(path, tuple(values))


@dataclass(frozen=True)
class SweepPoint:
    """One grid point: its values and each outcome's probability there.

    Attributes
    ----------
    values : tuple
        One per axis.
    probabilities, std_errors : dict of str to float
    ci95 : dict of str to (float, float)
    """

    values: tuple[Any, ...]
    probabilities: dict[str, float]
    std_errors: dict[str, float]
    ci95: dict[str, tuple[float, float]]

    @property
    def most_likely(self) -> str:
        return max(self.probabilities, key=lambda o: self.probabilities[o])


@dataclass(frozen=True)
class Sweep:
    """Outcome probabilities over a grid of settings, on common random numbers.

    Attributes
    ----------
    scenario : str
    samples, seed : int
    axes : tuple of SweepAxis
        One or two.
    outcomes : tuple of str
    points : tuple of SweepPoint
        In C order over the axes (the last axis fastest).
    """

    scenario: str
    samples: int
    seed: int
    axes: tuple[SweepAxis, ...]
    outcomes: tuple[str, ...]
    points: tuple[SweepPoint, ...]

    def grid(self, outcome: str) -> np.ndarray:
        """The outcome's probability over the grid, shape ``(len(axis_0), [len(axis_1)])``."""
        shape = tuple(len(a.values) for a in self.axes)
        return np.array([p.probabilities.get(outcome, 0.0) for p in self.points]).reshape(shape)

    def to_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "samples": self.samples,
            "seed": self.seed,
            "method": "each point run with the same seed: common random numbers across points",
            "axes": [{"path": a.path, "values": list(a.values)} for a in self.axes],
            "points": [
                {
                    "values": list(p.values),
                    "probabilities": p.probabilities,
                    "std_errors": p.std_errors,
                    "ci95": {o: list(ci) for o, ci in p.ci95.items()},
                }
                for p in self.points
            ],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, allow_nan=False) + "\n"

    def to_csv(self) -> str:
        """One row per point and outcome: the axes' values, probability, std_error, interval."""
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        columns = ["outcome", "probability", "std_error", "ci95_low", "ci95_high"]
        w.writerow([*(a.path for a in self.axes), *columns])
        for p in self.points:
            for o in self.outcomes:
                lo, hi = p.ci95[o]
                w.writerow([*p.values, o, repr(p.probabilities[o]), repr(p.std_errors[o]), lo, hi])
        return buf.getvalue()


def _at(scenario: Scenario, axes: Sequence[SweepAxis], values: tuple[Any, ...]) -> Scenario:
    sets = {a.path: v for a, v in zip(axes, values, strict=True) if not a.fixes}
    fix = {a.path[len(FIX) :]: [v] for a, v in zip(axes, values, strict=True) if a.fixes}
    return scenario.with_overrides(sets, fix=fix)


def sweep(
    scenario: Scenario,
    axes: Sequence[SweepAxis | str],
    *,
    samples: int | None = None,
    seed: int | None = None,
    workers: int = 1,
    scheduler: str | None = None,
) -> Sweep:
    """Outcome probabilities over a grid of one or two settings, on common random numbers.

    Parameters
    ----------
    scenario : Scenario
    axes : sequence of SweepAxis or str
        One or two axes (strings are read by :func:`parse_axis`).
    samples : int, optional
        Draws per point; default the scenario's ``analysis.samples``.
    seed : int, optional
        Default the scenario's ``analysis.seed``, else 0.
    workers : int, default 1
        Worker processes of a local Dask cluster, each solving whole grid points
        (:func:`~tradegame.montecarlo.simulate.simulate_many`). Does not change the result.
    scheduler : str, optional
        The address of a running Dask scheduler whose workers solve the grid
        points; not with ``workers``. Does not change the result.

    Returns
    -------
    Sweep

    Raises
    ------
    SweepError
        Not one or two axes, or more than :data:`MAX_POINTS` points.
    ScenarioError
        A point whose overrides do not fit the scenario (located at the override).

    Examples
    --------
    >>> import tradegame as tg
    >>> sc = tg.load_scenario("classroom/chicken")
    >>> s = tg.sweep(sc, ["parameters.crash_cost.median=0.5:4:3"], samples=2048, seed=1)
    >>> [round(p.probabilities["crash"], 2) for p in s.points]
    [0.91, 0.05, 0.0]
    """
    parsed = tuple(a if isinstance(a, SweepAxis) else parse_axis(a) for a in axes)
    if not 1 <= len(parsed) <= 2:
        raise SweepError("a sweep takes one or two axes (--param)")
    size = int(np.prod([len(a.values) for a in parsed]))
    if size > MAX_POINTS:
        raise SweepError(f"the grid has {size:,} points, over the limit of {MAX_POINTS}")
    for axis in parsed:
        if not axis.fixes and not _in_file(scenario, axis.path):
            # An override may add a key (a new parameter, say): a sweep of one changes nothing.
            raise SweepError(f"--param {axis.path}: the scenario has no such value to sweep")
    n = int(samples if samples is not None else scenario.analysis.samples)
    seed = int(seed if seed is not None else (scenario.analysis.seed or 0))
    points = []
    outcomes: dict[str, None] = {}
    grid = _product(parsed)
    runs = [(_at(scenario, parsed, values), {"samples": n, "seed": seed}) for values in grid]
    for values, result in zip(
        grid, simulate_many(runs, workers=workers, scheduler=scheduler), strict=True
    ):
        for o in result.outcomes:
            outcomes.setdefault(o.label, None)
        points.append(
            SweepPoint(
                values=values,
                probabilities={o.label: o.probability for o in result.outcomes},
                std_errors={o.label: o.std_error or 0.0 for o in result.outcomes},
                ci95={o.label: tuple(o.ci95) for o in result.outcomes},  # type: ignore[misc]
            )
        )
    labels = tuple(outcomes)
    full = tuple(
        SweepPoint(
            p.values,
            {o: p.probabilities.get(o, 0.0) for o in labels},
            {o: p.std_errors.get(o, 0.0) for o in labels},
            {o: p.ci95.get(o, (0.0, 0.0)) for o in labels},
        )
        for p in points
    )
    return Sweep(scenario.source, n, seed, parsed, labels, full)


def _in_file(scenario: Scenario, path: str) -> bool:
    """Whether the dotted path names a value written in the scenario's file."""
    if scenario.source_map is None:
        return True
    key = tuple(int(p) if p.isdigit() else p for p in path.split("."))
    return key in scenario.source_map.values


def _product(axes: Sequence[SweepAxis]) -> list[tuple[Any, ...]]:
    if len(axes) == 1:
        return [(v,) for v in axes[0].values]
    return [(u, v) for u in axes[0].values for v in axes[1].values]
