"""Which assumptions drive the answer: a tornado and global sensitivity indices.

Two views of how each uncertain parameter moves each outcome's probability:

**Tornado** (one at a time): every parameter at its median but one, which is
moved from its 10th to its 90th percentile; the central game is played at
both points (:meth:`GamePlay.batch_columns`, all rows in one batch) and each
outcome's probability read off. Deterministic given the medians; the bar of a
parameter is the change from low to high.

**Global indices** (all at once, from the Monte Carlo draws themselves): the
PAWN index (Pianosi & Wagener 2015, *Environ. Model. Softw.* 67; 2018, 105)
computed with SALib from the run's given data: for each parameter, the median
over ``S`` conditioning slices of the Kolmogorov–Smirnov distance between the
distribution of the outcome's per-draw mass and its distribution given the
parameter in the slice. Unlike variance-based or density-based indices it
needs neither a special sampling design nor a continuous output (outcome
masses are mostly 0 or 1). Its 95 % interval comes from a bootstrap over
draws (percentile interval shifted by the bootstrap's bias estimate, since
resampling repeats draws and inflates a KS distance); an independent dummy
parameter, drawn alongside, gives the index an inert parameter gets by chance.

A parameter is **dead** when neither view sees it: its tornado bar is zero
for every outcome and its global index is within the dummy's for every
outcome. Dead parameters are a modelling smell: an assumption that was
elicited, sourced and argued over, and that changes nothing.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from tradegame.errors import TradegameError
from tradegame.montecarlo.chunks import ChunkSolver
from tradegame.montecarlo.cluster import run_columns
from tradegame.play.kinds import play_for
from tradegame.play.options import RunOptions
from tradegame.scenario.load import Scenario
from tradegame.scenario.sampling import BLOCK, median, quantile
from tradegame.scenario.schema import Fixed

__all__ = [
    "GlobalIndex",
    "Sensitivity",
    "SensitivityError",
    "TornadoBar",
    "pawn_medians",
    "sensitivity",
]

#: Conditioning slices of the PAWN index.
PAWN_SLICES = 10
#: Bootstrap resamples for the global indices' intervals.
BOOTSTRAP = 20
#: Name of the inert dummy parameter in the global analysis.
DUMMY = "(dummy)"


class SensitivityError(TradegameError, ValueError):
    """A sensitivity analysis that cannot be made (no uncertain parameter, too few draws)."""


@dataclass(frozen=True)
class TornadoBar:
    """One parameter moved from a low to a high percentile, the others at their medians.

    Attributes
    ----------
    parameter : str
    low, high : float
        The parameter's values at the low and high percentiles.
    probabilities_low, probabilities_high : dict of str to float
        Each outcome's probability (the central game's play mass) at each end.
    """

    parameter: str
    low: float
    high: float
    probabilities_low: dict[str, float]
    probabilities_high: dict[str, float]
    central: dict[str, float]

    def effect(self, outcome: str) -> float:
        """The change of the outcome's probability from the low to the high end."""
        return self.probabilities_high[outcome] - self.probabilities_low[outcome]

    def span(self, outcome: str) -> float:
        """The range the outcome's probability covers over low, median and high.

        Not ``|effect|``: an effect need not be monotone (both ends may leave the
        median's equilibrium), and the bar spans all three points.
        """
        points = (
            self.probabilities_low[outcome],
            self.central[outcome],
            self.probabilities_high[outcome],
        )
        return max(points) - min(points)

    @property
    def swing(self) -> float:
        """The largest span of any outcome's probability: the bar's length."""
        return max(self.span(o) for o in self.probabilities_low)


@dataclass(frozen=True)
class GlobalIndex:
    """A parameter's PAWN index for one outcome, with its bootstrap interval."""

    parameter: str
    outcome: str
    index: float
    ci95: tuple[float, float]


@dataclass(frozen=True)
class Sensitivity:
    """Tornado and global indices of a scenario's uncertain parameters.

    Attributes
    ----------
    scenario : str
    samples, seed : int
    percentiles : (float, float)
        The tornado's low and high percentiles (0.1, 0.9).
    central : dict of str to float
        Each outcome's probability with every parameter at its median.
    tornado : tuple of TornadoBar
        Longest bar first.
    indices : tuple of GlobalIndex
        Every (parameter, outcome) pair, the dummy included.
    ranking : tuple of str
        Parameters by their largest global index over outcomes, largest first.
    dead : tuple of str
        Parameters neither view sees (see the module docstring).
    """

    scenario: str
    samples: int
    seed: int
    percentiles: tuple[float, float]
    central: dict[str, float]
    tornado: tuple[TornadoBar, ...]
    indices: tuple[GlobalIndex, ...]
    ranking: tuple[str, ...]
    dead: tuple[str, ...]

    def index(self, parameter: str, outcome: str) -> GlobalIndex:
        return next(i for i in self.indices if (i.parameter, i.outcome) == (parameter, outcome))

    def top_index(self, parameter: str) -> float:
        """The parameter's largest global index over outcomes."""
        return max(i.index for i in self.indices if i.parameter == parameter)

    def to_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "samples": self.samples,
            "seed": self.seed,
            "method": {
                "tornado": f"each uncertain parameter from its {self.percentiles[0]:.0%} to its "
                f"{self.percentiles[1]:.0%} percentile, the others at their medians",
                "global": f"PAWN index (median KS distance over {PAWN_SLICES} slices, SALib) "
                f"from the Monte Carlo draws; 95 % bootstrap intervals ({BOOTSTRAP} resamples); "
                f"the dummy parameter {DUMMY!r} is inert",
            },
            "central": self.central,
            "tornado": [
                {
                    "parameter": b.parameter,
                    "low": b.low,
                    "high": b.high,
                    "probabilities_low": b.probabilities_low,
                    "probabilities_high": b.probabilities_high,
                }
                for b in self.tornado
            ],
            "global": [
                {
                    "parameter": i.parameter,
                    "outcome": i.outcome,
                    "index": i.index,
                    "ci95": list(i.ci95),
                }
                for i in self.indices
            ],
            "ranking": list(self.ranking),
            "dead": list(self.dead),
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, allow_nan=False) + "\n"


def sensitivity(
    scenario: Scenario,
    *,
    samples: int | None = None,
    seed: int | None = None,
    percentiles: tuple[float, float] = (0.1, 0.9),
    workers: int = 1,
    scheduler: str | None = None,
) -> Sensitivity:
    """Tornado and global sensitivity of a scenario's outcome probabilities.

    Parameters
    ----------
    scenario : Scenario
    samples : int, optional
        Draws for the global indices; default the scenario's ``analysis.samples``.
    seed : int, optional
        Default the scenario's ``analysis.seed``, else 0.
    percentiles : (float, float)
        The tornado's low and high percentiles.
    workers : int, default 1
        Worker processes of a local Dask cluster solving the global indices' draws
        (:func:`~tradegame.montecarlo.cluster.run_columns`). Does not change the result.
    scheduler : str, optional
        The address of a running Dask scheduler whose workers solve them; not with
        ``workers``. Does not change the result.

    Returns
    -------
    Sensitivity

    Raises
    ------
    SensitivityError
        A scenario without uncertain parameters, or fewer than 200 draws.

    Examples
    --------
    >>> import tradegame as tg
    >>> s = tg.sensitivity(tg.load_scenario("classroom/chicken"), samples=2048, seed=1)
    >>> s.ranking
    ('crash_cost',)
    """
    options = RunOptions.resolve(scenario)
    uncertain = [k for k, d in scenario.spec.parameters.items() if not isinstance(d, Fixed)]
    if not uncertain:
        raise SensitivityError(
            f"{scenario.source}: no uncertain parameter: every one is fixed, nothing to vary"
        )
    n = int(samples if samples is not None else scenario.analysis.samples)
    if n < 200:
        raise SensitivityError("a sensitivity analysis needs at least 200 draws")
    seed = int(seed if seed is not None else (scenario.analysis.seed or 0))
    outcomes = list(scenario.outcome_labels)
    central, bars = _tornado(scenario, options, uncertain, percentiles)
    indices = _global(scenario, options, uncertain, n, seed, outcomes, workers, scheduler)
    by_index = {p: max(i.index for i in indices if i.parameter == p) for p in uncertain}
    ranking = tuple(sorted(uncertain, key=lambda p: -by_index[p]))
    dummy_high = {i.outcome: i.ci95[1] for i in indices if i.parameter == DUMMY}
    dead = tuple(
        p
        for p in uncertain
        if all(b.swing == 0 for b in bars if b.parameter == p)
        and all(i.index <= dummy_high[i.outcome] for i in indices if i.parameter == p)
    )
    return Sensitivity(
        scenario=scenario.source,
        samples=n,
        seed=seed,
        percentiles=percentiles,
        central=central,
        tornado=tuple(sorted(bars, key=lambda b: -b.swing)),
        indices=tuple(indices),
        ranking=ranking,
        dead=dead,
    )


def _tornado(
    scenario: Scenario,
    options: RunOptions,
    uncertain: list[str],
    percentiles: tuple[float, float],
) -> tuple[dict[str, float], list[TornadoBar]]:
    """The central game at the medians and with each parameter at each end, one batch."""
    dists = scenario.spec.parameters
    medians = {k: median(d) for k, d in dists.items()}
    rows = 1 + 2 * len(uncertain)
    params = {k: np.full(rows, v) for k, v in medians.items()}
    ends = {}
    for j, p in enumerate(uncertain):
        lo, hi = (float(x) for x in quantile(dists[p], np.array(percentiles, dtype=np.float64)))
        params[p][1 + 2 * j] = lo
        params[p][2 + 2 * j] = hi
        ends[p] = (lo, hi)
    cols, _ = play_for(scenario, options).batch_columns(params, rows)
    labels = scenario.outcome_labels

    def probabilities(r: int) -> dict[str, float]:
        return {o: float(cols[r, k]) for k, o in enumerate(labels)}

    central = probabilities(0)
    bars = [
        TornadoBar(p, *ends[p], probabilities(1 + 2 * j), probabilities(2 + 2 * j), central)
        for j, p in enumerate(uncertain)
    ]
    return central, bars


def pawn_medians(
    X: NDArray[np.float64], Y: NDArray[np.float64], slices: int = PAWN_SLICES
) -> NDArray[np.float64]:
    """The PAWN index of every column of ``X`` for the output ``Y``: what SALib computes.

    For each parameter the draws are cut at its empirical quantiles into
    ``slices`` slices (a slice holds ``q_s <= x < q_{s+1}``, as
    ``SALib.analyze.pawn`` does), and the index is the median over slices of the
    two-sample Kolmogorov–Smirnov statistic between ``Y`` in the slice and all of
    ``Y``. Vectorised over the output's distinct values, so that bootstrap
    resamples cost little; ``tests/analysis`` checks it equals SALib's.

    Parameters
    ----------
    X : ndarray, shape (n, d)
    Y : ndarray, shape (n,)

    Returns
    -------
    ndarray, shape (d,)
    """
    values = np.unique(Y)
    ys = np.sort(Y)
    F = np.searchsorted(ys, values, side="right") / Y.shape[0]
    edges = np.linspace(0, 1, slices + 1)
    out = np.empty(X.shape[1])
    for j in range(X.shape[1]):
        x = X[:, j]
        q = np.quantile(x, edges)
        stats = []
        for s_ in range(slices):
            sel = np.sort(Y[(x >= q[s_]) & (x < q[s_ + 1])])
            if sel.size == 0:
                continue
            Fs = np.searchsorted(sel, values, side="right") / sel.size
            stats.append(np.abs(Fs - F).max())
        out[j] = np.median(stats) if stats else 0.0
    return out


def _global(
    scenario: Scenario,
    options: RunOptions,
    uncertain: list[str],
    n: int,
    seed: int,
    outcomes: list[str],
    workers: int = 1,
    scheduler: str | None = None,
) -> list[GlobalIndex]:
    """PAWN indices of every parameter (and an inert dummy) for every outcome."""
    from SALib.analyze import pawn

    solver = ChunkSolver(scenario, options, seed)
    (cols,) = run_columns([(solver, n)], 8 * BLOCK, workers=workers, scheduler=scheduler)
    draws = solver.sampler.draws(0, n)
    # The dummy: independent of everything the run drew (its own stream of the seed).
    dummy = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(2**31 - 1,))).random(n)
    names = [*uncertain, DUMMY]
    X = np.column_stack([*(draws[p] for p in uncertain), dummy])
    problem = {
        "num_vars": len(names),
        "names": names,
        "bounds": [[float(c.min()), float(c.max()) + 1e-12] for c in X.T],
    }
    boot = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(2**31 - 2,)))
    resamples = [boot.integers(0, n, n) for _ in range(BOOTSTRAP)]
    out: list[GlobalIndex] = []
    for k, outcome in enumerate(outcomes):
        Y = cols[:, k]
        if np.all(Y == Y[0]):  # the outcome never varies: no parameter moves it
            out += [GlobalIndex(p, outcome, 0.0, (0.0, 0.0)) for p in names]
            continue
        point = _pawn(pawn, problem, X, Y, seed)
        spread = np.array([pawn_medians(X[r], Y[r]) for r in resamples])
        # Resampled draws repeat rows, which inflates a KS distance: the percentile interval is
        # shifted by the bootstrap's estimate of that bias (mean of resamples - estimate).
        bias = spread.mean(axis=0) - point
        lo, hi = np.quantile(spread, [0.025, 0.975], axis=0) - bias
        lo, hi = np.maximum(lo, 0.0), np.maximum(hi, point)
        out += [
            GlobalIndex(p, outcome, float(point[j]), (float(lo[j]), float(hi[j])))
            for j, p in enumerate(names)
        ]
    return out


def _pawn(
    pawn: Any, problem: dict[str, Any], X: NDArray[np.float64], Y: NDArray[np.float64], seed: int
) -> NDArray[np.float64]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = pawn.analyze(problem, X, Y, S=PAWN_SLICES, print_to_console=False, seed=seed)
    return np.nan_to_num(np.asarray(res["median"], dtype=np.float64))
