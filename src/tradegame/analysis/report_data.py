"""Everything a scenario's report shows, computed once: the HTML report formats it.

:func:`gather` runs, with one seed and one sample count, the Monte Carlo run
(:func:`tradegame.simulate`), the central game (:func:`tradegame.solve`), the
comparison with the scenario's variants and any other scenarios
(:func:`tradegame.compare`, on common random numbers) and the sensitivity
analysis (:func:`tradegame.sensitivity`), and collects the assumptions with
their 10th, 50th and 90th percentiles. The report layer only formats the
:class:`ReportData` (it never solves a game).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from tradegame._version import __version__
from tradegame.analysis.compare import Comparison, compare
from tradegame.analysis.sensitivity import Sensitivity, SensitivityError, sensitivity
from tradegame.errors import ScenarioError
from tradegame.montecarlo.result import SimulationResult, run_environment
from tradegame.montecarlo.simulate import simulate
from tradegame.play.solution import CentralSolution
from tradegame.play.solve import solve
from tradegame.scenario.load import Scenario
from tradegame.scenario.sampling import Dist, quantile
from tradegame.scenario.schema import Fixed

__all__ = ["PERCENTILES", "Assumption", "ReportData", "gather", "variant_names"]

#: The percentiles the assumptions are shown at.
PERCENTILES = (0.1, 0.5, 0.9)

#: Fewest draws of a sensitivity analysis (:func:`tradegame.sensitivity`).
MIN_SENSITIVITY_SAMPLES = 200


@dataclass(frozen=True)
class Assumption:
    """One parameter of the scenario: its distribution, percentiles and source.

    Attributes
    ----------
    name : str
    distribution : distribution
        As written in the file (``dist`` and its numbers, ``unit``, ``source``).
    percentiles : tuple of float, shape (3,)
        The values at :data:`PERCENTILES` (10th, 50th, 90th).
    """

    name: str
    distribution: Dist
    percentiles: tuple[float, float, float]

    @property
    def uncertain(self) -> bool:
        return not isinstance(self.distribution, Fixed)


@dataclass(frozen=True)
class ReportData:
    """What a report of one scenario shows, computed with one seed and sample count.

    Attributes
    ----------
    scenario : Scenario
    samples, seed : int
        Of every Monte Carlo part (run, comparisons, global sensitivity).
    assumptions : tuple of Assumption
        The parameters in file order.
    central : CentralSolution
        The central game (parameters at their medians), solved.
    result : SimulationResult
    comparisons : tuple of Comparison
        The scenario against each variant, then each other scenario.
    compared : tuple of (str, str or None)
        Each comparison's other side: its name and its description (a variant's).
    sensitivity : Sensitivity or None
    sensitivity_note : str or None
        Why there is no sensitivity analysis, when there is none.
    environment : dict of str to str
        Versions of tradegame, Python, NumPy and SciPy.
    others : tuple of str
        The files of the other scenarios compared (not variants).
    variants_skipped : tuple of (str, str)
        Variants that cannot be applied on top of the scenario's overrides, and why.
    """

    scenario: Scenario
    samples: int
    seed: int
    assumptions: tuple[Assumption, ...]
    central: CentralSolution
    result: SimulationResult
    comparisons: tuple[Comparison, ...]
    compared: tuple[tuple[str, str | None], ...]
    sensitivity: Sensitivity | None
    sensitivity_note: str | None
    environment: dict[str, str]
    others: tuple[str, ...] = ()
    variants_skipped: tuple[tuple[str, str], ...] = ()


def variant_names(scenario: Scenario) -> tuple[str, ...]:
    """The names of the scenario's ``variants:`` block, in file order (none without one)."""
    return tuple(scenario.spec.variants)


def gather(
    scenario: Scenario,
    *,
    samples: int | None = None,
    seed: int | None = None,
    others: Sequence[Scenario] = (),
    progress: Callable[[int, int], None] | bool | None = None,
) -> ReportData:
    """Run, solve, compare and analyse a scenario for its report.

    Parameters
    ----------
    scenario : Scenario
    samples : int, optional
        Draws of every Monte Carlo part; default the scenario's ``analysis.samples``.
    seed : int, optional
        Default the scenario's ``analysis.seed``, else a fresh one (recorded in the
        result, and used by the comparisons and the sensitivity analysis too).
    others : sequence of Scenario
        Scenarios to compare with this one, after its variants.
    progress : callable or bool, optional
        The Monte Carlo run's progress, as :func:`tradegame.simulate` takes it
        (a callable, ``True`` for a bar, ``False`` for none, ``None`` for a bar
        in an interactive session).

    Returns
    -------
    ReportData

    Examples
    --------
    >>> import tradegame as tg
    >>> from tradegame.analysis.report_data import gather
    >>> data = gather(tg.load_scenario("classroom/chicken"), samples=2048, seed=1)
    >>> [a.name for a in data.assumptions], data.sensitivity.ranking
    (['crash_cost'], ('crash_cost',))
    """
    result = simulate(scenario, samples, seed, progress=progress)
    n, seed = result.samples, result.seed
    central = solve(scenario)
    dists = scenario.spec.parameters
    assumptions = tuple(Assumption(name, d, _percentiles(d)) for name, d in dists.items())
    # A report of a variant compares it with the others, not with itself. A variant is
    # applied on top of the report's own --set and --fix; one that cannot be (it keeps an
    # option a --fix removed) is named with the reason, not compared.
    variants = {}
    sides = []
    skipped = []
    for name, v in scenario.spec.variants.items():
        if name == scenario.overrides.variant:
            continue
        try:
            sides.append(scenario.variant(name))
        except ScenarioError as exc:
            skipped.append((name, "; ".join(i.message for i in exc.issues)))
            continue
        variants[name] = v
    names = [f"variant {name}" for name in variants] + [o.source for o in others]
    described = [v.description for v in variants.values()]
    compared = tuple(zip(names, [*described, *([None] * len(others))], strict=True))
    comparisons: tuple[Comparison, ...] = ()
    if sides or others:
        comparisons = compare(
            scenario, [*sides, *others], samples=n, seed=seed, names=[scenario.source, *names]
        )
    analysis: Sensitivity | None = None
    note = None
    if n < MIN_SENSITIVITY_SAMPLES:
        note = f"a sensitivity analysis needs at least {MIN_SENSITIVITY_SAMPLES} draws; this "
        note += f"report has {n:,}"
    else:
        try:
            analysis = sensitivity(scenario, samples=n, seed=seed)
        except SensitivityError as exc:
            note = str(exc)
    return ReportData(
        scenario=scenario,
        samples=n,
        seed=seed,
        assumptions=assumptions,
        central=central,
        result=result,
        comparisons=comparisons,
        compared=compared,
        sensitivity=analysis,
        sensitivity_note=note,
        environment={"tradegame": __version__, **run_environment()},
        others=tuple(o.source for o in others),
        variants_skipped=tuple(skipped),
    )


def _percentiles(dist: Dist) -> tuple[float, float, float]:
    lo, mid, hi = (float(x) for x in quantile(dist, np.array(PERCENTILES, dtype=np.float64)))
    return lo, mid, hi
