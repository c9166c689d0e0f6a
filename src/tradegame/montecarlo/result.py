"""Result objects of a Monte Carlo run, and their JSON document.

A result says how it was made: the scenario (title, file, SHA-256), the
tradegame version, seed, number of samples, solution concept and selection
rule. Its JSON (``to_json``) contains no timestamps or machine details, so the
same scenario, seed and version give the same bytes.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tradegame.play.solution import CentralEquilibrium, CentralGame

__all__ = [
    "NO_EQUILIBRIUM",
    "CentralEquilibrium",
    "CentralGame",
    "OutcomeEstimate",
    "SimulationResult",
    "run_environment",
    "wilson_interval",
]

#: Outcome label of draws whose game has no pure Nash equilibrium.
NO_EQUILIBRIUM = "no_pure_equilibrium"

Z_95 = 1.959963984540054


def wilson_interval(successes: float, n: int, z: float = Z_95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion.

    Parameters
    ----------
    successes : float
        Number (or expected number, with fractional weights) of successes.
    n : int
        Number of trials, > 0.
    z : float
        Normal quantile; the default gives a 95 % interval.

    Returns
    -------
    (low, high) : tuple of float
        Bounds within [0, 1]. Wilson (1927), JASA 22, 209-212.
    """
    if n <= 0:
        raise ValueError("n must be positive")
    p = min(max(successes / n, 0.0), 1.0)
    z2 = z * z
    denom = 1.0 + z2 / n
    centre = (p + z2 / (2 * n)) / denom
    half = z / denom * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    low = 0.0 if p == 0.0 else max(0.0, centre - half)
    high = 1.0 if p == 1.0 else min(1.0, centre + half)
    return low, high


@dataclass(frozen=True)
class OutcomeEstimate:
    """Estimated probability of one outcome.

    ``count`` is the number of draws on which it happens (a sum of
    selection weights, so fractional when a draw has several equilibria);
    ``ci95`` is the 95 % Wilson interval.
    """

    label: str
    probability: float
    count: float
    ci95: tuple[float, float]

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "probability": self.probability,
            "count": self.count,
            "ci95": list(self.ci95),
        }


@dataclass(frozen=True)
class SimulationResult:
    """Outcome probabilities of a scenario by Monte Carlo, and how they were made.

    Attributes
    ----------
    outcomes : tuple of OutcomeEstimate
        One per outcome label in rule order, then ``no_pure_equilibrium``
        (draws whose game has no pure equilibrium).
    expected_payoffs : dict
        Player -> mean payoff over draws that have an equilibrium, under the
        selection rule.
    lever_options : dict
        Player -> lever -> option -> probability that the option is played
        (over all draws; sums to the share of draws with an equilibrium).
    equilibrium_counts : dict
        Number of pure equilibria -> number of draws with that many.
    """

    scenario_title: str
    scenario_file: str
    scenario_sha256: str
    tradegame_version: str
    seed: int
    samples: int
    solution: str
    selection: str
    selection_rule: str
    no_equilibrium_rule: str
    units: str | None
    outcomes: tuple[OutcomeEstimate, ...]
    expected_payoffs: dict[str, float | None]
    lever_options: dict[str, dict[str, dict[str, float]]]
    equilibrium_counts: dict[int, int]
    central_game: CentralGame
    paths: tuple[OutcomeEstimate, ...] = ()
    """Sequential games: probability of each path of play (stage by stage), most
    likely first, at most 50."""
    options: dict[str, Any] = field(default_factory=dict)
    """The run's settings as passed to :func:`~tradegame.simulate` (solution,
    selection, no_equilibrium, qre_lambda, tie_break): with the seed, the sample
    count and the scenario file they reproduce the result."""
    environment: dict[str, str] = field(default_factory=dict)
    """Versions of Python, NumPy and SciPy, whose generators and special
    functions the sampled numbers depend on."""
    overrides: dict[str, Any] = field(default_factory=dict)
    """What was applied to the scenario file (``variant``, ``set``, ``fix``; see
    :class:`~tradegame.scenario.overrides.Overrides`); empty for the file as written."""

    @property
    def outcome_probabilities(self) -> dict[str, float]:
        """Outcome label -> estimated probability."""
        return {o.label: o.probability for o in self.outcomes}

    def to_dict(self) -> dict[str, Any]:
        """The JSON document of ``tradegame run --json``, as plain Python objects."""
        return {
            "tradegame_version": self.tradegame_version,
            "scenario": {
                "title": self.scenario_title,
                "file": self.scenario_file,
                "sha256": self.scenario_sha256,
                # Only when some were applied: runs of files as written keep their bytes.
                **({"overrides": self.overrides} if self.overrides else {}),
            },
            "method": {
                "solution_concept": self.solution,
                "selection": self.selection,
                "selection_rule": self.selection_rule,
                "no_equilibrium": self.no_equilibrium_rule,
                "samples": self.samples,
                "seed": self.seed,
                "confidence_interval": "95% Wilson score interval",
                "options": self.options,
            },
            "environment": self.environment,
            "units": self.units,
            "outcomes": [o.to_dict() for o in self.outcomes],
            "expected_payoffs": self.expected_payoffs,
            "lever_options": self.lever_options,
            "equilibrium_counts": {str(k): v for k, v in sorted(self.equilibrium_counts.items())},
            "central_game": self.central_game.to_dict(),
            **({"paths": [p.to_dict() for p in self.paths]} if self.paths else {}),
        }

    def to_json(self) -> str:
        """Canonical JSON text (UTF-8, 2-space indent, newline at the end)."""
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def run_environment() -> dict[str, str]:
    """The versions a run's bytes may depend on: Python, NumPy and SciPy."""
    import platform

    import scipy

    return {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
    }
