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
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from tradegame._html import html_block, html_table
from tradegame.play.solution import CentralEquilibrium, CentralGame

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "NO_EQUILIBRIUM",
    "CentralEquilibrium",
    "CentralGame",
    "OutcomeEstimate",
    "SimulationResult",
    "mean_estimates",
    "run_environment",
    "t975",
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


def t975(df: int) -> float:
    """The 97.5 % quantile of Student's t with ``df`` degrees of freedom."""
    from scipy import stats

    return float(stats.t.ppf(0.975, df))


def mean_estimates(
    sums: NDArray[np.float64], squares: NDArray[np.float64], n: NDArray[np.float64] | float
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Means and their Monte Carlo standard errors from sums per replicate.

    Two estimators, by the number of rows of ``sums``:

    * one row (plain Monte Carlo, independent draws): the mean ``S / n`` and
      the standard error ``sqrt(s^2 / n)``, with ``s^2 = (Q - S^2 / n) / (n - 1)``
      the sample variance of the per-draw values (``Q`` their sum of squares);
    * ``R > 1`` rows (randomised quasi-Monte Carlo, ``R`` independent
      scramblings of one point set): the mean of all draws, and the standard
      error of the mean of the ``R`` replicate means,
      ``sd(m_1, ..., m_R) / sqrt(R)`` (Owen 1997; L'Ecuyer and Lemieux 2002,
      "Recent advances in randomized quasi-Monte Carlo methods"). The
      replicates are independent and identically distributed, whatever the
      dependence of the points within one, so this is honest.

    Parameters
    ----------
    sums : ndarray, shape (R, C)
        Sum of each column's per-draw values over each replicate's draws.
    squares : ndarray, shape (C,)
        Sum of the squares of the per-draw values over all draws (read for R = 1).
    n : float or ndarray of shape (R, C) or (C,)
        Draws the means are over, per replicate (broadcast against ``sums``).

    Returns
    -------
    mean : ndarray, shape (C,)
    std_error : ndarray, shape (C,)
        NaN where it cannot be estimated (fewer than two draws or replicates).
    """
    n_r = np.broadcast_to(np.asarray(n, dtype=np.float64), sums.shape)
    total_n = n_r.sum(axis=0)
    total = sums.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        mean = total / total_n
        if sums.shape[0] == 1:
            var = np.maximum(squares - total * mean, 0.0) / (total_n - 1)
            se = np.sqrt(var / total_n)
            se = np.where(total_n >= 2, se, np.nan)
        else:
            means = sums / n_r
            ok = n_r > 0
            k = ok.sum(axis=0)
            m = np.where(ok, means, 0.0)
            centre = m.sum(axis=0) / k
            var = (np.where(ok, means - centre, 0.0) ** 2).sum(axis=0) / (k - 1)
            se = np.where(k >= 2, np.sqrt(var / k), np.nan)
    return mean, se


@dataclass(frozen=True)
class OutcomeEstimate:
    """Estimated probability of one outcome (or path of play).

    ``count`` is the number of draws on which it happens (a sum of
    selection weights, so fractional when a draw has several equilibria);
    ``ci95`` is the 95 % interval (Wilson's for plain Monte Carlo, Student's
    t over the replicates for quasi-Monte Carlo); ``std_error`` is the Monte
    Carlo standard error of ``probability`` (``None`` with a single draw).
    """

    label: str
    probability: float
    count: float
    ci95: tuple[float, float]
    std_error: float | None = None

    @property
    def half_width(self) -> float:
        """The larger distance from the estimate to a bound of its 95 % interval."""
        return max(self.probability - self.ci95[0], self.ci95[1] - self.probability)

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "probability": self.probability,
            "std_error": self.std_error,
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
    expected_payoffs_std_error, lever_options_std_error : dict
        The Monte Carlo standard errors of ``expected_payoffs`` and
        ``lever_options``, in the same shape (``None`` where not estimable).
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
    expected_payoffs_std_error: dict[str, float | None] = field(default_factory=dict)
    lever_options_std_error: dict[str, dict[str, dict[str, float | None]]] = field(
        default_factory=dict
    )
    sampling: dict[str, Any] = field(
        default_factory=lambda: {"scheme": "monte_carlo", "replicates": 1}
    )
    """How the draws were made: ``scheme`` (``monte_carlo`` or ``sobol``) and
    the number of independent ``replicates`` the intervals come from."""
    precision: dict[str, Any] | None = None
    """With a precision target: ``target`` (the 95 % half-width asked for),
    ``max_samples`` (the cap), ``reached`` (every outcome's half-width below
    the target) and ``half_width`` (the largest one at the end)."""

    draws: pd.DataFrame | None = field(default=None, compare=False, repr=False)
    """Every draw's parameters, plays, outcome masses and payoffs, one row per
    draw, when the run kept them (``simulate(..., keep_draws=True)``), else
    ``None``; the columns are described in
    :func:`tradegame.montecarlo.draws.draws_frame`. Not part of the JSON."""

    overrides: dict[str, Any] = field(default_factory=dict)
    """What was applied to the scenario file (``variant``, ``set``, ``fix``; see
    :class:`~tradegame.scenario.overrides.Overrides`); empty for the file as written."""

    @property
    def confidence_interval(self) -> str:
        """How the 95 % intervals were computed, in words."""
        if self.sampling.get("scheme") == "sobol":
            r = self.sampling["replicates"]
            return (
                f"95% Student t interval over {r} independent scramblings of a Sobol "
                "sequence (randomised quasi-Monte Carlo)"
            )
        return "95% Wilson score interval"

    @property
    def certain_outcome(self) -> str | None:
        """The outcome that happens in every draw, if there is one (else ``None``).

        Then the uncertainty in the parameters never changes the answer, and
        an interval around 100 % says nothing more.
        """
        for o in self.outcomes:
            if o.count == self.samples:  # a sum of per-draw masses, each at most 1
                return o.label
        return None

    def to_frame(self) -> pd.DataFrame:
        """The outcome table as a pandas DataFrame, one row per outcome.

        Columns ``label``, ``probability``, ``count``, ``ci95_low`` and
        ``ci95_high``, named as in the JSON document and the CSV
        (``outcomes[].label``, ..., ``ci95`` split in two), in rule order
        with ``no_pure_equilibrium`` last.
        """
        import pandas as pd

        return pd.DataFrame(
            {
                "label": [o.label for o in self.outcomes],
                "probability": np.array([o.probability for o in self.outcomes], dtype=np.float64),
                "count": np.array([o.count for o in self.outcomes], dtype=np.float64),
                "ci95_low": np.array([o.ci95[0] for o in self.outcomes], dtype=np.float64),
                "ci95_high": np.array([o.ci95[1] for o in self.outcomes], dtype=np.float64),
            }
        )

    def _repr_html_(self) -> str:
        """The outcome table for Jupyter; scenario text escaped (see :mod:`tradegame._html`)."""
        rows = [
            (o.label, f"{o.probability:.4f}", f"{o.ci95[0]:.4f} to {o.ci95[1]:.4f}", f"{o.count:g}")
            for o in self.outcomes
        ]
        payoffs = [
            (p, "n/a" if v is None else f"{v:.4g}") for p, v in self.expected_payoffs.items()
        ]
        return html_block(
            self.scenario_title,
            [
                f"{self.samples:,} draws, seed {self.seed}; {self.solution}, "
                f"selection {self.selection}; scenario {self.scenario_file} "
                f"(sha256 {self.scenario_sha256[:12]}...); tradegame {self.tradegame_version}"
            ],
            [
                html_table(["outcome", "probability", "95% interval", "draws"], rows),
                html_table(
                    ["player", f"expected payoff{f' ({self.units})' if self.units else ''}"],
                    payoffs,
                ),
            ],
        )

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
                "confidence_interval": self.confidence_interval,
                "sampling": self.sampling,
                **({"precision": self.precision} if self.precision is not None else {}),
                "options": self.options,
            },
            "environment": self.environment,
            "units": self.units,
            "outcomes": [o.to_dict() for o in self.outcomes],
            "expected_payoffs": self.expected_payoffs,
            "expected_payoffs_std_error": self.expected_payoffs_std_error,
            "lever_options": self.lever_options,
            "lever_options_std_error": self.lever_options_std_error,
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
