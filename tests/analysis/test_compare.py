"""``tg.compare`` and ``tradegame compare``: paired differences on common random numbers."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

import tradegame as tg

# One uncertain number x ~ U(0, 1) decides the outcome: P(high) = 1 - threshold exactly.
THRESHOLD = """\
tradegame: 1
title: A threshold
players:
  a: {strategies: [go, stay]}
  b: {strategies: [go, stay]}
parameters:
  x: {dist: uniform, low: 0, high: 1}
  threshold: THRESHOLD
payoffs:
  matrix:
    - [[1, 1], [0, 0]]
    - [[0, 0], [0, 0]]
outcomes:
  high: x > threshold
  otherwise: low
"""


def _threshold(t: float, extra: str = "") -> tg.Scenario:
    text = THRESHOLD.replace("THRESHOLD", repr(t)) + extra
    return tg.parse_scenario(text, f"threshold_{t}.yaml")


@pytest.mark.parametrize(
    "name", ["madrid_2025", "classroom/ultimatum", "tiktok_deadline", "classroom/card_game"]
)
def test_a_scenario_compared_with_itself_differs_by_exactly_zero(name: str) -> None:
    sc = tg.load_scenario(name)
    (c,) = tg.compare(sc, sc, samples=4096, seed=2)
    for d in (*c.outcomes, *c.lever_options, *c.payoffs):
        assert d.difference == 0.0 and d.std_error == 0.0 and d.ci95 == (0.0, 0.0), d.key
        assert d.base == d.other
    assert not (c.parameters_only_in_base or c.parameters_only_in_other or c.parameters_changed)


def test_each_side_is_exactly_its_own_run() -> None:
    a, sc_b = tg.load_scenario("madrid_2025"), tg.load_scenario("classroom/chicken")
    (c,) = tg.compare(a, sc_b, samples=5000, seed=9)
    for side, sc in (("base", a), ("other", sc_b)):
        run = tg.simulate(sc, samples=5000, seed=9)
        got = {
            d.key[0]: getattr(d, side) for d in c.outcomes if d.key[0] in run.outcome_probabilities
        }
        assert got == {k: v for k, v in run.outcome_probabilities.items()}


def test_common_random_numbers_narrow_the_interval_and_cover_the_truth() -> None:
    """P(high) falls by exactly 0.02 from threshold 0.50 to 0.52. Paired on common random
    numbers the per-draw difference is 1 on x in (0.50, 0.52) only: its interval is far
    narrower than that of two independent runs, and covers -0.02."""
    n = 20_000
    base, other = _threshold(0.5), _threshold(0.52)
    (c,) = tg.compare(base, other, samples=n, seed=4)
    high = next(d for d in c.outcomes if d.key == ("high",))
    assert high.ci95[0] <= -0.02 <= high.ci95[1]
    # Independent draws: two runs with different seeds, the unpaired interval.
    p1 = tg.simulate(base, samples=n, seed=4).outcome_probabilities["high"]
    p2 = tg.simulate(other, samples=n, seed=5).outcome_probabilities["high"]
    independent_se = math.sqrt(p1 * (1 - p1) / n + p2 * (1 - p2) / n)
    assert independent_se >= 3 * high.std_error
    # The paired standard error is what the closed form says: sqrt(q (1 - q) / n), q = 0.02.
    assert high.std_error == pytest.approx(math.sqrt(0.02 * 0.98 / n), rel=0.15)


def test_coverage_of_the_paired_interval_over_seeds() -> None:
    base, other = _threshold(0.4), _threshold(0.45)
    covered = 0
    for seed in range(40):
        (c,) = tg.compare(base, other, samples=2048, seed=seed)
        d = next(d for d in c.outcomes if d.key == ("high",))
        covered += d.ci95[0] <= -0.05 <= d.ci95[1]
    assert covered >= 33  # 95 % nominal: 38 expected, 33 is 2.6 sd below


def test_parameters_on_one_side_only_are_stated() -> None:
    base = _threshold(0.5)
    text = THRESHOLD.replace("THRESHOLD", "0.5").replace(
        "parameters:\n", "parameters:\n  noise: {dist: normal, mean: 0, sd: 1}\n"
    )
    other = tg.parse_scenario(text, "noisy.yaml")
    (c,) = tg.compare(base, other, samples=2048, seed=1)
    assert c.parameters_only_in_other == ("noise",)
    assert c.parameters_only_in_base == () and c.parameters_changed == ()
    (c2,) = tg.compare(base, _threshold(0.6), samples=2048, seed=1)
    assert c2.parameters_changed == ("threshold",)


def test_compare_on_the_command_line(cli: Any, tmp_path: Any) -> None:
    a = tmp_path / "a.yaml"
    b = tmp_path / "b.yaml"
    a.write_text(THRESHOLD.replace("THRESHOLD", "0.5"))
    b.write_text(THRESHOLD.replace("THRESHOLD", "0.6"))
    res = cli("compare", a, b, "-n", "4096", "--seed", "3", "--json", "-")
    assert res.code == 0, res.stderr
    (doc,) = json.loads(res.stdout)
    high = next(d for d in doc["outcomes"] if d["key"] == ["high"])
    assert high["base"] == pytest.approx(0.5, abs=0.03) and high["other"] == pytest.approx(
        0.4, abs=0.03
    )
    assert high["ci95"][0] <= -0.1 <= high["ci95"][1]
    plot = tmp_path / "diff.svg"
    res = cli("compare", a, b, "-n", "2048", "--plot", plot)
    assert res.code == 0 and plot.read_text().startswith("<?xml")
    assert "Outcome probabilities" in res.stdout and "high" in res.stdout
    lone = cli("compare", a)
    assert lone.code == 2 and lone.stderr.count("\n") == 1


def test_compare_a_scenario_with_its_variants_and_a_what_if(cli: Any) -> None:
    res = cli(
        "compare",
        "madrid_2025",
        "--variant",
        "us_eases_chips",
        "--set",
        "parameters.china_resolve.median=0.3",
        "-n",
        "2048",
        "--seed",
        "4",
        "--json",
        "-",
    )
    assert res.code == 0, res.stderr
    eases, same = json.loads(res.stdout)
    assert eases["other"] == "variant us_eases_chips"
    ease = next(d for d in eases["lever_options"] if d["key"] == ["us", "chips", "ease"])
    assert ease["other"] == 1.0  # the variant fixes the lever to 'ease'
    # Setting a parameter to the value it has changes nothing, draw by draw.
    assert same["other"].startswith("--set")
    assert all(d["difference"] == 0.0 for d in same["outcomes"] + same["lever_options"])
    nothing = cli("compare", "madrid_2025")
    assert nothing.code == 2 and nothing.stderr.count("\n") == 1
    unknown = cli("compare", "madrid_2025", "--variant", "dovish")
    assert unknown.code == 2 and "dovish" in unknown.stderr
