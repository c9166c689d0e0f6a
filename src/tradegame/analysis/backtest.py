"""Backtest: score the forecasts of history scenarios against what happened.

A *history scenario* is a scenario of one negotiating round written as of the
day before it (``as_of:``), with an ``observed:`` block (the outcome that
happened within a stated resolution window) and a ``categories:`` block that
maps each of its outcome labels to one of the common categories
:data:`~tradegame.scenario.vocabulary.OUTCOME_CATEGORIES` (deal, partial_deal, extension,
no_change, escalation). Categories make rounds with different outcome labels
comparable, and make a forecast that is not the model's possible.

For each round, in ``as_of`` order, :func:`backtest` simulates the scenario
and compares three forecasts of the round's category:

- **model**: :math:`p_k = \\sum_{o \\in k} P(o)`, the simulated probabilities
  of the round's outcomes summed by category. Mass on outcomes without a
  category (``no_pure_equilibrium`` when the file reports draws without an
  equilibrium and does not map it) goes to no category and is reported as
  ``unassigned``: it counts against the model, as a forecast of none of them.
- **uniform**: :math:`1/m` on each of the :math:`m` categories the round's
  scenario can reach (those its outcome labels map to), 0 on the others.
- **base rate**: the observed categories of the *earlier* rounds, Laplace-
  smoothed over the :math:`K = 5` categories,
  :math:`p_k = (c_k + 1) / (r + K)` after :math:`r` earlier rounds of which
  :math:`c_k` fell in category :math:`k` (the first round: uniform over the five).

Each forecast :math:`p` of a round whose observed category is :math:`j` gets
two scores, both lower-is-better and both proper (Gneiting and Raftery 2007,
*JASA* 102, 359-378):

- the multi-category Brier score (Brier 1950, *Monthly Weather Review* 78, 1-3),
  :math:`\\sum_k (p_k - y_k)^2` with :math:`y_k = [k = j]`: 0 for a certain and
  right forecast, 2 for a certain and wrong one;
- the log score :math:`-\\ln \\max(p_j, 10^{-6})`: 0 for a certain and right
  forecast; the floor keeps an impossible-but-observed category finite
  (:math:`\\approx 13.8`).

The reliability table bins the model's probabilities of every (round,
category) pair and gives, per bin, the number of pairs, their mean
probability and how often the category was the one observed (a calibrated
forecaster's observed frequency is close to its mean probability).

With a handful of rounds this is an **illustration, not a validation**: six
rounds cannot tell a good forecaster from a lucky one, a reliability table of
thirty pairs has bins of two or three, and the rounds are neither independent
nor drawn at random (they are the rounds that happened, chosen after the fact).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tradegame._version import __version__
from tradegame.errors import Location, ScenarioError, ScenarioIssue, TradegameError
from tradegame.montecarlo.result import NO_EQUILIBRIUM
from tradegame.montecarlo.simulate import simulate
from tradegame.scenario.load import Scenario
from tradegame.scenario.vocabulary import OUTCOME_CATEGORIES

#: The common categories, in the order tables list them.
CATEGORIES = OUTCOME_CATEGORIES

__all__ = [
    "CATEGORIES",
    "FORECASTERS",
    "LOG_FLOOR",
    "Backtest",
    "BacktestError",
    "ReliabilityBin",
    "Round",
    "Scores",
    "backtest",
    "base_rate",
    "brier_score",
    "check_history",
    "log_score",
    "reliability",
    "uniform_forecast",
]

#: The forecasts scored against each round, in the order tables show them.
FORECASTERS = ("model", "uniform", "base_rate")
#: Smallest probability the log score takes: -ln(1e-6) ~ 13.8 for an outcome given 0.
LOG_FLOOR = 1e-6


def caveat(rounds: int) -> str:
    """The sentence every backtest output carries: what a few rounds can say."""
    return (
        f"{rounds} round{'s' if rounds != 1 else ''}: an illustration of how the forecasts "
        "score, not a validation of the model (too few rounds, not independent, chosen after "
        "the fact)"
    )


class BacktestError(TradegameError, ValueError):
    """A backtest that cannot be made as asked (no rounds)."""


@dataclass(frozen=True)
class Scores:
    """The two scores of one forecast (or their total or mean over rounds).

    Attributes
    ----------
    brier : float
        Multi-category Brier score, :math:`\\sum_k (p_k - y_k)^2`, in [0, 2].
    log : float
        Log score, :math:`-\\ln \\max(p_j, 10^{-6})` for the observed category j.
    """

    brier: float
    log: float

    def to_dict(self) -> dict[str, float]:
        return {"brier": self.brier, "log": self.log}


def brier_score(p: Mapping[str, float], observed: str) -> float:
    """Multi-category Brier score of forecast ``p`` when ``observed`` happened.

    Parameters
    ----------
    p : mapping of str to float
        Category -> forecast probability; a category left out has probability 0.
    observed : str
        The category that happened.

    Returns
    -------
    float
        :math:`\\sum_k (p_k - y_k)^2` over :data:`CATEGORIES`, with
        :math:`y_k = 1` for the observed category and 0 for the others.

    Examples
    --------
    >>> brier_score({"deal": 0.5, "escalation": 0.5}, "deal")
    0.5
    """
    return math.fsum((p.get(k, 0.0) - (1.0 if k == observed else 0.0)) ** 2 for k in CATEGORIES)


def log_score(p: Mapping[str, float], observed: str) -> float:
    """Log score :math:`-\\ln \\max(p_j, 10^{-6})` of forecast ``p`` when ``observed`` happened.

    Examples
    --------
    >>> round(log_score({"deal": 0.5}, "deal"), 6)
    0.693147
    >>> round(log_score({"deal": 1.0}, "escalation"), 3)
    13.816
    """
    return -math.log(max(p.get(observed, 0.0), LOG_FLOOR))


def uniform_forecast(reachable: Sequence[str]) -> dict[str, float]:
    """Equal probability on each reachable category, 0 on the others.

    Examples
    --------
    >>> uniform_forecast(["deal", "escalation"])["deal"]
    0.5
    """
    m = len(set(reachable))
    return {k: (1.0 / m if k in reachable else 0.0) for k in CATEGORIES}


def base_rate(earlier: Sequence[str]) -> dict[str, float]:
    """The Laplace-smoothed frequency of the earlier rounds' observed categories.

    Parameters
    ----------
    earlier : sequence of str
        The observed category of each earlier round.

    Returns
    -------
    dict
        Category -> :math:`(c_k + 1) / (r + K)`, with :math:`c_k` the number of
        earlier rounds in category k, :math:`r` their number and :math:`K = 5`;
        uniform when there are none.

    Examples
    --------
    >>> base_rate(["deal", "deal", "extension"])["deal"]
    0.375
    """
    r = len(earlier)
    return {k: (sum(1 for e in earlier if e == k) + 1) / (r + len(CATEGORIES)) for k in CATEGORIES}


@dataclass(frozen=True)
class ReliabilityBin:
    """One bin of predicted probability: how often what was given that much happened.

    Attributes
    ----------
    low, high : float
        The bin's bounds: ``low <= p < high`` (the last bin includes 1).
    count : int
        (Round, category) pairs whose forecast fell in the bin.
    mean_predicted : float or None
        Their mean forecast probability (None for an empty bin).
    observed_frequency : float or None
        The share of them whose category was the one observed (None for an empty bin).
    observed : int
        How many of them were observed.
    """

    low: float
    high: float
    count: int
    mean_predicted: float | None
    observed_frequency: float | None
    observed: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "low": self.low,
            "high": self.high,
            "count": self.count,
            "observed": self.observed,
            "mean_predicted": self.mean_predicted,
            "observed_frequency": self.observed_frequency,
        }


def reliability(pairs: Sequence[tuple[float, bool]], bins: int = 5) -> tuple[ReliabilityBin, ...]:
    """Reliability table of ``(probability, happened)`` pairs in ``bins`` equal bins of [0, 1].

    Examples
    --------
    >>> [b.count for b in reliability([(0.1, False), (0.9, True), (1.0, True)], bins=2)]
    [1, 2]
    """
    if bins < 1:
        raise BacktestError("a reliability table needs at least one bin")
    members: list[list[tuple[float, bool]]] = [[] for _ in range(bins)]
    for p, hit in pairs:
        # A sum of estimates lands a hair below a bin's edge (0.19999999999999 for 0.2):
        # within 1e-9 of it counts as on it.
        members[min(max(math.floor(p * bins + 1e-9), 0), bins - 1)].append((p, hit))
    out = []
    for b, m in enumerate(members):
        hits = sum(1 for _, h in m if h)
        out.append(
            ReliabilityBin(
                low=b / bins,
                high=(b + 1) / bins,
                count=len(m),
                mean_predicted=math.fsum(p for p, _ in m) / len(m) if m else None,
                observed_frequency=hits / len(m) if m else None,
                observed=hits,
            )
        )
    return tuple(out)


@dataclass(frozen=True)
class Round:
    """One scored round.

    Attributes
    ----------
    source, title : str
        The scenario's file and title.
    as_of, resolved : datetime.date
        The day the forecast is written as of, and the day the window closed.
    window : str
        The resolution window, in words.
    observed : str
        The outcome label that happened.
    category : str
        Its category.
    p_observed : float
        The model's probability of the observed outcome.
    p_observed_std_error : float or None
        Its Monte Carlo standard error.
    forecasts : dict
        Forecaster (:data:`FORECASTERS`) -> category -> probability.
    unassigned : float
        The model's probability of outcomes mapped to no category.
    scores : dict
        Forecaster -> :class:`Scores` of this round.
    samples, seed : int
        The run's draws and seed.
    solution : str
        The solution concept the run used.
    sha256 : str
        SHA-256 of the scenario's text (any edit of the file changes it).
    """

    source: str
    title: str
    as_of: dt.date
    resolved: dt.date
    window: str
    observed: str
    category: str
    p_observed: float
    p_observed_std_error: float | None
    forecasts: dict[str, dict[str, float]]
    unassigned: float
    scores: dict[str, Scores]
    samples: int
    seed: int
    solution: str = ""
    sha256: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "sha256": self.sha256,
            "title": self.title,
            "as_of": self.as_of.isoformat(),
            "resolved": self.resolved.isoformat(),
            "window": self.window,
            "observed": self.observed,
            "category": self.category,
            "p_observed": self.p_observed,
            "p_observed_std_error": self.p_observed_std_error,
            "forecasts": self.forecasts,
            "unassigned": self.unassigned,
            "scores": {f: s.to_dict() for f, s in self.scores.items()},
            "samples": self.samples,
            "seed": self.seed,
            "solution": self.solution,
        }


@dataclass(frozen=True)
class Backtest:
    """Scores of the model, a uniform forecast and the base rate over history rounds.

    Attributes
    ----------
    rounds : tuple of Round
        In ``as_of`` order.
    totals, means : dict
        Forecaster -> :class:`Scores` summed, and averaged, over the rounds.
    reliability : tuple of ReliabilityBin
        The model's reliability over all (round, category) pairs.
    caveat : str
        What so few rounds can say (see the module's docstring).
    """

    rounds: tuple[Round, ...]
    totals: dict[str, Scores]
    means: dict[str, Scores]
    reliability: tuple[ReliabilityBin, ...]
    caveat: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "tradegame_version": __version__,
            "caveat": self.caveat,
            "method": {
                "categories": list(CATEGORIES),
                "brier": "sum over the categories of (p_k - y_k)^2",
                "log": f"-ln max(p of the observed category, {LOG_FLOOR:g})",
                "model": "the simulated probabilities of the round's outcomes, summed by category",
                "uniform": "1/m on each of the m categories the round's scenario can reach",
                "base_rate": "the earlier rounds' observed categories, Laplace-smoothed over "
                "the 5 categories ((count + 1) / (rounds + 5)); the first round: uniform",
            },
            "rounds": [r.to_dict() for r in self.rounds],
            "totals": {f: s.to_dict() for f, s in self.totals.items()},
            "means": {f: s.to_dict() for f, s in self.means.items()},
            "reliability": [b.to_dict() for b in self.reliability],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, allow_nan=False) + "\n"

    def to_csv(self) -> str:
        """One row per round: dates, what happened, its probabilities, each score, each
        category's model probability; the caveat first, as a comment line."""
        buf = io.StringIO()
        buf.write(f"# {self.caveat}\n")
        w = csv.writer(buf, lineterminator="\n")
        scores = [f"{f}_{s}" for f in FORECASTERS for s in ("brier", "log")]
        w.writerow(
            [
                "as_of",
                "resolved",
                "source",
                "title",
                "observed",
                "category",
                "p_observed",
                "p_category",
                *scores,
                *(f"model_{k}" for k in CATEGORIES),
                "unassigned",
                "samples",
                "seed",
            ]
        )
        for r in self.rounds:
            w.writerow(
                [
                    r.as_of.isoformat(),
                    r.resolved.isoformat(),
                    r.source,
                    r.title,
                    r.observed,
                    r.category,
                    repr(r.p_observed),
                    repr(r.forecasts["model"][r.category]),
                    *(repr(getattr(r.scores[f], s)) for f in FORECASTERS for s in ("brier", "log")),
                    *(repr(r.forecasts["model"][k]) for k in CATEGORIES),
                    repr(r.unassigned),
                    r.samples,
                    r.seed,
                ]
            )
        return buf.getvalue()


def check_history(scenario: Scenario) -> None:
    """Refuse, located, a scenario that cannot be scored as a history round.

    It needs ``as_of:``, ``observed:`` (an outcome of the scenario, a window
    that closes no earlier than ``as_of``, sources that are keys of
    ``sources:``) and ``categories:`` for every outcome label.

    Raises
    ------
    ScenarioError
        With every problem found, each at its file, line and column.
    """
    spec = scenario.spec
    observed = getattr(spec, "observed", None)
    categories = getattr(spec, "categories", None)
    if observed is None:
        raise ScenarioError(
            ScenarioIssue(
                Location(scenario.source, 1, 1),
                "not a history scenario: it has no 'observed:' block (what happened in the "
                "round, within a stated window), so a backtest cannot score it",
            )
        )
    issues: list[ScenarioIssue] = []

    def issue(path: tuple[str | int, ...], message: str) -> None:
        issues.append(ScenarioIssue(scenario.locate(path), message))

    labels = scenario.outcome_labels
    if spec.as_of is None:
        issue(("observed",), "a history scenario needs 'as_of:' (the day before the round)")
    elif observed.resolved < spec.as_of:
        issue(
            ("observed", "resolved"),
            f"the window closes ({observed.resolved}) before the scenario's as_of ({spec.as_of})",
        )
    if observed.outcome not in labels:
        issue(
            ("observed", "outcome"),
            f"{observed.outcome!r} is not an outcome of this scenario; its outcomes: "
            f"{', '.join(labels)}",
        )
    known = spec.sources or {}
    for k, key in enumerate(observed.sources):
        if key not in known:
            issue(("observed", "sources", k), f"{key!r} is not a key of 'sources:'")
    if categories is None:
        issue(
            ("observed",),
            "a history scenario needs 'categories:' (every outcome label -> one of "
            f"{', '.join(CATEGORIES)})",
        )
    else:
        for label in categories:
            if label not in labels and label != NO_EQUILIBRIUM:
                issue(("categories", label), f"{label!r} is not an outcome of this scenario")
        missing = [label for label in labels if label not in categories]
        if missing:
            issue(("categories",), f"no category for the outcome(s) {', '.join(missing)}")
    if issues:
        raise ScenarioError(issues)


def _score(p: Mapping[str, float], category: str) -> Scores:
    return Scores(brier_score(p, category), log_score(p, category))


def backtest(
    scenarios: Sequence[Scenario],
    *,
    samples: int | None = None,
    seed: int | None = None,
    bins: int = 5,
) -> Backtest:
    """Score history scenarios' forecasts against what happened.

    Rounds are taken in ``as_of`` order (then by file); each is simulated
    with its own analysis choices. See the module's docstring for the
    forecasts and the scores. With a handful of rounds the result is an
    illustration of the scoring, not a validation of the model.

    Parameters
    ----------
    scenarios : sequence of Scenario
        History scenarios (with ``as_of:``, ``observed:`` and ``categories:``).
    samples : int, optional
        Draws per round; default each file's ``analysis.samples``.
    seed : int, optional
        Seed of every round; default each file's ``analysis.seed``, else fresh
        (recorded in the round).
    bins : int
        Bins of the reliability table (equal widths over [0, 1]; a probability
        within 1e-9 below an edge counts as on it).

    Returns
    -------
    Backtest

    Raises
    ------
    ScenarioError
        Every problem of every scenario that is not a usable history round, located.
    BacktestError
        No scenarios.

    Examples
    --------
    >>> import tradegame as tg
    >>> from tradegame.analysis.backtest import backtest
    >>> sc = tg.parse_scenario('''
    ... tradegame: 1
    ... title: A round decided by chance
    ... as_of: 2025-05-09
    ... sources: {statement: "A joint statement, 12 May 2025"}
    ... players:
    ...   a: {strategies: [go]}
    ...   b: {strategies: [go]}
    ... chance:
    ...   luck: {options: {good: 0.75, bad: 0.25}}
    ... stages: [{chance: luck}, {player: a}, {player: b}]
    ... payoffs: {a: 0, b: 0}
    ... outcomes: {truce: "luck == 'good'", otherwise: tariffs_up}
    ... observed: {outcome: truce, window: the round, resolved: 2025-05-12,
    ...            sources: [statement]}
    ... categories: {truce: deal, tariffs_up: escalation}
    ... ''', "round.yaml")
    >>> bt = backtest([sc], samples=2048, seed=1)
    >>> round(bt.rounds[0].scores["model"].brier, 6)   # (0.75 - 1)^2 + 0.25^2
    0.125
    """
    if not scenarios:
        raise BacktestError("a backtest needs at least one history scenario")
    issues: list[ScenarioIssue] = []
    for sc in scenarios:
        try:
            check_history(sc)
        except ScenarioError as exc:
            issues += exc.issues
    if issues:
        raise ScenarioError(issues)
    ordered = sorted(scenarios, key=lambda sc: (sc.spec.as_of, sc.source))
    rounds: list[Round] = []
    for sc in ordered:
        spec = sc.spec
        observed, categories = spec.observed, spec.categories
        assert observed is not None and categories is not None and spec.as_of is not None
        result = simulate(sc, samples, seed)
        by_label = {o.label: o for o in result.outcomes}
        model = dict.fromkeys(CATEGORIES, 0.0)
        unassigned = 0.0
        for label, est in by_label.items():
            if label in categories:
                model[categories[label]] += est.probability
            else:
                unassigned += est.probability
        # Sums of estimates can stray past 1 by rounding; a probability cannot.
        model = {k: min(max(v, 0.0), 1.0) for k, v in model.items()}
        reachable = [categories[label] for label in sc.outcome_labels]
        forecasts = {
            "model": model,
            "uniform": uniform_forecast(reachable),
            "base_rate": base_rate([r.category for r in rounds]),
        }
        category = categories[observed.outcome]
        est = by_label[observed.outcome]
        rounds.append(
            Round(
                source=sc.source,
                title=sc.title,
                as_of=spec.as_of,
                resolved=observed.resolved,
                window=observed.window,
                observed=observed.outcome,
                category=category,
                p_observed=est.probability,
                p_observed_std_error=est.std_error,
                forecasts=forecasts,
                unassigned=max(unassigned, 0.0),
                scores={f: _score(p, category) for f, p in forecasts.items()},
                samples=result.samples,
                seed=result.seed,
                solution=result.solution,
                sha256=sc.sha256,
            )
        )
    n = len(rounds)
    totals = {
        f: Scores(
            math.fsum(r.scores[f].brier for r in rounds), math.fsum(r.scores[f].log for r in rounds)
        )
        for f in FORECASTERS
    }
    means = {f: Scores(s.brier / n, s.log / n) for f, s in totals.items()}
    pairs = [(r.forecasts["model"][k], k == r.category) for r in rounds for k in CATEGORIES]
    return Backtest(
        rounds=tuple(rounds),
        totals=totals,
        means=means,
        reliability=reliability(pairs, bins),
        caveat=caveat(n),
    )
