"""The Madrid scenario holds up: leverage bites, the article's outcomes are all
in play, and no parameter of the shipped trade scenarios is dead.

Issue 12, item 1. The leverage tests run the scenario and a changed copy on
common random numbers (``tg.compare``) and require some outcome's paired 95 %
interval to exclude zero: the change moved a best response somewhere (the
parameters enter the payoffs so that they can; an additive term that never
changed a choice would leave every difference exactly zero).
"""

from __future__ import annotations

import pytest

import tradegame as tg

#: The outcomes the article named, as labels of madrid_2025.
ARTICLE_OUTCOMES = (
    "extended_grace_period",
    "data_localisation_framework",
    "apps_for_chips",
    "comprehensive_deal",
    "failure_accelerates_ban",
    "protracted_talks",
    "escalation",
)

SAMPLES = 8192


@pytest.fixture(scope="module")
def madrid() -> tg.Scenario:
    return tg.load_scenario("madrid_2025")


@pytest.fixture(scope="module")
def madrid_run(madrid: tg.Scenario) -> tg.SimulationResult:
    return tg.simulate(madrid, samples=20000, seed=2025)


def _moved(base: tg.Scenario, other: tg.Scenario) -> list[tuple[str, float]]:
    """Outcomes whose paired 95 % interval of the difference excludes zero."""
    (cmp,) = tg.compare(base, other, samples=SAMPLES, seed=2025)
    return [(d.key[0], d.difference) for d in cmp.outcomes if d.ci95[0] > 0 or d.ci95[1] < 0]


def test_halving_rare_earth_exposure_moves_an_outcome(madrid: tg.Scenario) -> None:
    spec = madrid.spec.parameters["us_rare_earth_exposure"]
    half = {
        f"parameters.us_rare_earth_exposure.{k}": getattr(spec, k) / 2
        for k in ("low", "mode", "high")
    }
    moved = _moved(madrid, madrid.with_overrides(half))
    assert moved, "halving rare-earth exposure moved no outcome: the leverage does nothing"


def test_china_chip_value_near_zero_moves_an_outcome(madrid: tg.Scenario) -> None:
    near_zero = {
        "parameters.china_chip_value.low": 0.0,
        "parameters.china_chip_value.mode": 0.01,
        "parameters.china_chip_value.high": 0.02,
    }
    moved = _moved(madrid, madrid.with_overrides(near_zero))
    assert moved, "China's chip value near zero moved no outcome: chip access does nothing"


def test_article_outcomes_are_outcomes_of_the_scenario(madrid: tg.Scenario) -> None:
    assert set(ARTICLE_OUTCOMES) <= set(madrid.outcome_labels)


@pytest.mark.parametrize("label", ARTICLE_OUTCOMES)
def test_article_outcome_in_play_at_defaults(madrid_run: tg.SimulationResult, label: str) -> None:
    by_label = {o.label: o for o in madrid_run.outcomes}
    o = by_label[label]
    assert o.ci95[0] > 0.01, f"{label}: {o.probability:.4f}, interval {o.ci95}"
    assert o.ci95[1] < 0.80, f"{label}: {o.probability:.4f}, interval {o.ci95}"


def test_no_outcome_above_80_percent(madrid_run: tg.SimulationResult) -> None:
    assert max(o.probability for o in madrid_run.outcomes) < 0.80


@pytest.mark.parametrize("name", ["madrid_2025", "tiktok_deadline"])
def test_no_dead_parameter(name: str) -> None:
    """Every uncertain parameter moves some outcome (tornado or global index)."""
    s = tg.sensitivity(tg.load_scenario(name))
    assert s.dead == (), f"{name}: dead parameters {s.dead}"


def test_variants_keep_their_meaning(madrid: tg.Scenario) -> None:
    """us_eases_chips raises chip access; hawkish_beijing raises escalation."""
    eases = madrid.variant("us_eases_chips")
    (cmp,) = tg.compare(madrid, eases, samples=SAMPLES, seed=2025)
    ease = {d.key: d for d in cmp.lever_options}[("us", "chips", "ease")]
    assert ease.other == pytest.approx(1.0)
    hawk = madrid.variant("hawkish_beijing")
    (cmp,) = tg.compare(madrid, hawk, samples=SAMPLES, seed=2025)
    esc = {d.key[0]: d for d in cmp.outcomes}["escalation"]
    assert esc.ci95[0] > 0, esc
