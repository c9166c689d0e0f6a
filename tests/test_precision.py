"""Standard errors, precision targets, quasi-Monte Carlo, common random numbers, words."""

from __future__ import annotations

import csv
import io
import itertools
import json
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

import tradegame as tg
from tradegame.montecarlo.checkpoint import CheckpointError
from tradegame.montecarlo.result import mean_estimates
from tradegame.report.table import ICD_203, likelihood_word, likelihood_words, result_tables
from tradegame.scenario.sampling import BLOCK, REPLICATES

# Row's 'a' pays theta, 'b' pays 0; col matches row: row plays 'a' iff theta > 0,
# so P(row_plays_a) = Phi(mean / sd), and row's expected payoff is E[max(theta, 0)].
SIGN_GAME = """\
tradegame: 1
title: Sign of a normal parameter decides the equilibrium
players:
  row: {{strategies: [a, b]}}
  col: {{strategies: [a, b]}}
parameters:
  theta: {{dist: normal, mean: {mean}, sd: {sd}}}
{extra}payoffs:
  matrix:
    - [[theta, 1], [theta, 0]]
    - [[0, 0], [0, 1]]
outcomes:
  row_plays_a: row == 'a'
  otherwise: row_plays_b
analysis: {{samples: 4096, seed: 123}}
"""


def _sign(mean: float = 0.3, sd: float = 1.0, extra: str = "") -> tg.Scenario:
    return tg.parse_scenario(SIGN_GAME.format(mean=mean, sd=sd, extra=extra))


def _closed_form(mean: float = 0.3, sd: float = 1.0) -> float:
    return float(stats.norm.cdf(mean / sd))


def _expected_positive_part(mean: float = 0.3, sd: float = 1.0) -> float:
    # E[max(theta, 0)] for theta ~ N(mean, sd^2): mean Phi(m/s) + s phi(m/s).
    z = mean / sd
    return float(mean * stats.norm.cdf(z) + sd * stats.norm.pdf(z))


# ---------------------------------------------------------------- standard errors


def test_std_error_is_the_sample_standard_deviation_over_root_n() -> None:
    res = tg.simulate(_sign(), 5000, seed=1)
    for o in res.outcomes:
        n, s = res.samples, o.count
        # Per-draw values are 0 or 1 here: the sample variance of s ones among n.
        var = (s - s * s / n) / (n - 1)
        assert o.std_error == pytest.approx(np.sqrt(var / n), rel=1e-9)
    # Lever options and payoffs carry theirs too, in the same shape.
    assert set(res.lever_options_std_error) == set(res.lever_options)
    se_a = res.lever_options_std_error["row"]["row"]["a"]
    assert se_a == pytest.approx(res.outcomes[0].std_error, rel=1e-9)
    assert res.expected_payoffs_std_error["row"] > 0


def test_mean_estimates_match_numpy_on_random_columns() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(1000, 3)) * [1.0, 5.0, 0.1]
    mean, se = mean_estimates(x.sum(axis=0)[None], (x * x).sum(axis=0), 1000)
    np.testing.assert_allclose(mean, x.mean(axis=0))
    np.testing.assert_allclose(se, x.std(axis=0, ddof=1) / np.sqrt(1000))
    # Replicates: the standard error of the mean of the replicate means.
    groups = x.reshape(100, 10, 3).sum(axis=0)  # draw i in replicate i % 10
    mean, se = mean_estimates(groups, (x * x).sum(axis=0), 100)
    reps = x.reshape(100, 10, 3).mean(axis=0)
    np.testing.assert_allclose(mean, x.mean(axis=0))
    np.testing.assert_allclose(se, reps.std(axis=0, ddof=1) / np.sqrt(10))


def test_payoff_interval_covers_the_closed_form() -> None:
    res = tg.simulate(_sign(), 20_000, seed=2)
    exact = _expected_positive_part()
    se = res.expected_payoffs_std_error["row"]
    assert abs(res.expected_payoffs["row"] - exact) <= stats.norm.ppf(0.9995) * se


def test_json_and_csv_carry_std_error(cli, tmp_path: Path) -> None:
    j, c = tmp_path / "r.json", tmp_path / "r.csv"
    result = cli("run", "classroom/chicken", "-n", "3000", "--seed", "5", "--json", j, "--csv", c)
    assert result.code == 0, result.stderr
    doc = json.loads(j.read_text())
    table = [line for line in c.read_text().splitlines(True) if not line.startswith("#")]
    rows = list(csv.DictReader(io.StringIO("".join(table))))
    for row, o in zip(rows, doc["outcomes"], strict=True):
        assert float(row["std_error"]) == o["std_error"]
        p, n = o["probability"], 3000
        # Chicken's per-draw masses are fractional: at most the Bernoulli bound.
        assert o["std_error"] <= np.sqrt(p * (1 - p) / (n - 1)) + 1e-12
    assert "s.e. (pp)" in result.stdout
    assert set(doc["expected_payoffs_std_error"]) == set(doc["expected_payoffs"])
    assert doc["method"]["sampling"] == {"scheme": "monte_carlo", "replicates": 1}


# ---------------------------------------------------------------- precision


@pytest.mark.parametrize("target", [0.01, 0.004])
def test_precision_stops_below_the_target_and_covers_the_truth(target: float) -> None:
    res = tg.simulate(_sign(), 2048, seed=3, precision=target)
    assert res.precision is not None and res.precision["reached"]
    assert all(o.half_width < target for o in res.outcomes)
    assert res.samples % BLOCK == 0
    # The run did need more than its first block: the first one alone was too wide.
    first = tg.simulate(_sign(), 2048, seed=3)
    assert max(o.half_width for o in first.outcomes) >= target
    lo, hi = res.outcomes[0].ci95
    assert lo <= _closed_form() <= hi
    # A run of that many draws without a target is the same run.
    plain = tg.simulate(_sign(), res.samples, seed=3)
    assert plain.outcomes == res.outcomes


def test_precision_stops_at_the_cap_and_says_so() -> None:
    res = tg.simulate(_sign(), 2048, seed=3, precision=0.001, max_samples=3 * BLOCK + 5)
    assert res.precision == {
        "target": 0.001,
        "max_samples": 3 * BLOCK + 5,
        "reached": False,
        "half_width": max(o.half_width for o in res.outcomes),
    }
    assert res.samples == 3 * BLOCK + 5
    text = _render(res)
    assert "NOT reached" in text and "6,149" in text


def test_precision_runs_are_byte_reproducible_whatever_the_chunks(tmp_path: Path) -> None:
    sc = tg.load_scenario("classroom/chicken")
    docs = {
        tg.simulate(sc, 2048, seed=8, precision=0.006, chunk_size=c).to_json()
        for c in (BLOCK, 3 * BLOCK, 64 * BLOCK)
    }
    ck = tmp_path / "ck.json"
    docs.add(tg.simulate(sc, 2048, seed=8, precision=0.006, checkpoint=ck).to_json())
    docs.add(tg.simulate(sc, 2048, seed=8, precision=0.006, checkpoint=ck).to_json())  # resumed
    assert len(docs) == 1


def test_bad_precision_options_are_refused_in_one_line(cli) -> None:
    result = cli("run", "classroom/chicken", "--max-samples", "10000")
    assert result.code == 2 and "--max-samples" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    result = cli("run", "classroom/chicken", "--precision", "0")
    assert result.code == 2 and "--precision" in result.stderr and "Traceback" not in result.stderr


# ---------------------------------------------------------------- quasi-Monte Carlo


def test_qmc_coverage_of_a_closed_form_is_about_95_percent() -> None:
    sc = _sign(0.3, 1.0)
    exact = _closed_form(0.3, 1.0)
    covered = []
    for seed in range(60):
        res = tg.simulate(sc, BLOCK, seed=seed, qmc=True)
        lo, hi = res.outcomes[0].ci95
        covered.append(lo <= exact <= hi)
    # 95 % nominal; 60 runs: a generous band (binomial sd about 2.8 %).
    assert 0.85 <= np.mean(covered) <= 1.0


def test_qmc_intervals_are_narrower_than_monte_carlo_on_a_smooth_problem() -> None:
    sc = _sign(0.3, 1.0)
    exact = _expected_positive_part()
    ratios, payoff_ratios = [], []
    for seed in range(5):
        mc = tg.simulate(sc, 4 * BLOCK, seed=seed)
        qmc = tg.simulate(sc, 4 * BLOCK, seed=seed, qmc=True)
        assert qmc.samples == mc.samples
        assert qmc.sampling == {"scheme": "sobol", "replicates": REPLICATES}
        ratios.append(qmc.outcomes[0].half_width / mc.outcomes[0].half_width)
        # The expected payoff E[max(theta, 0)] is a smooth integral: QMC's home ground.
        payoff_ratios.append(
            qmc.expected_payoffs_std_error["row"] / mc.expected_payoffs_std_error["row"]
        )
        se = qmc.expected_payoffs_std_error["row"]
        assert abs(qmc.expected_payoffs["row"] - exact) <= 4 * se
    assert np.median(ratios) < 1.0
    assert np.median(payoff_ratios) < 0.3


def test_qmc_rounds_to_whole_blocks_and_is_reproducible() -> None:
    sc = tg.load_scenario("madrid_2025")
    a = tg.simulate(sc, 3000, seed=4, qmc=True, chunk_size=BLOCK)
    b = tg.simulate(sc, 3000, seed=4, qmc=True, workers=2, chunk_size=BLOCK)
    assert a.samples == 2 * BLOCK
    assert a.to_json() == b.to_json()
    assert a.to_json() != tg.simulate(sc, 3000, seed=5, qmc=True).to_json()
    doc = json.loads(a.to_json())
    assert "Sobol" in doc["method"]["confidence_interval"]


def test_a_checkpoint_of_another_sampling_scheme_is_refused(tmp_path: Path) -> None:
    sc = tg.load_scenario("classroom/chicken")
    ck = tmp_path / "ck.json"
    tg.simulate(sc, 2 * BLOCK, seed=1, checkpoint=ck)
    before = ck.read_bytes()
    with pytest.raises(CheckpointError, match="sampling"):
        tg.simulate(sc, 2 * BLOCK, seed=1, checkpoint=ck, qmc=True)
    with pytest.raises(CheckpointError, match="another run"):
        tg.simulate(sc, 2 * BLOCK, seed=1, checkpoint=ck, precision=0.01)
    assert ck.read_bytes() == before


# ---------------------------------------------------------------- common random numbers


def test_an_unrelated_parameter_leaves_a_run_unchanged() -> None:
    # Common random numbers, end to end: theta's draws do not depend on others.
    plain = tg.simulate(_sign(), 5000, seed=6)
    extra = "  unused: {dist: lognormal, median: 2, sigma: 1}\n"
    more = tg.simulate(_sign(extra=extra), 5000, seed=6)
    assert more.outcomes == plain.outcomes
    assert more.expected_payoffs == plain.expected_payoffs


def test_paired_runs_differ_draw_by_draw_by_the_change() -> None:
    # Shifting theta's mean moves every draw by the shift: P(row_plays_a) rises by
    # exactly the share of draws whose theta crossed zero, never falls.
    low = tg.simulate(_sign(0.0), 5000, seed=7)
    high = tg.simulate(_sign(0.1), 5000, seed=7)
    gained = high.outcomes[0].count - low.outcomes[0].count
    assert gained >= 0
    exact = 5000 * (_closed_form(0.1) - _closed_form(0.0))
    assert abs(gained - exact) <= 4 * np.sqrt(exact)


# ---------------------------------------------------------------- words and certainty


def test_icd_203_words_cover_the_scale_in_order() -> None:
    # ICD 203 (2015), D.6.b.(2)(a): seven bands, from almost no chance to almost certain.
    bands = [0.0, 0.05, 0.20, 0.45, 0.55, 0.80, 0.95, 1.0]
    words = [w for _, w in ICD_203]
    for (lo, hi), word in zip(itertools.pairwise(bands), words, strict=True):
        assert likelihood_word((lo + hi) / 2) == word
        assert likelihood_word(lo) == word  # a boundary belongs to the higher band
    assert likelihood_word(1.0) == "almost certain"
    assert likelihood_words(0.5, (0.44, 0.56)) == "roughly even chance (or unlikely, likely)"


def test_words_in_the_table(cli) -> None:
    result = cli("run", "madrid_2025", "-n", "4096", "--seed", "1", "--words")
    assert result.code == 0, result.stderr
    assert "ICD 203" in result.stdout
    assert "roughly even chance" in result.stdout or "likely" in result.stdout


def test_a_certain_outcome_gets_one_line_instead_of_an_interval() -> None:
    res = tg.simulate(tg.load_scenario("classroom/prisoners_dilemma"), 3000, seed=1)
    assert res.certain_outcome == "mutual_defection"
    text = _render(res)
    assert "mutual_defection in all 3,000 draws" in text
    assert "100.0 % –" not in text  # no spurious interval
    uncertain = tg.simulate(_sign(), 3000, seed=1)
    assert uncertain.certain_outcome is None
    assert "in all" not in _render(uncertain)


def _render(res: tg.SimulationResult) -> str:
    from rich.console import Console

    console = Console(width=200, record=True, file=io.StringIO())
    console.print(result_tables(res, words=True))
    return console.export_text()


TWO_SIGNS = SIGN_GAME.replace("theta: {{", "eta: {{dist: normal, mean: 0.2, sd: 2}}\n  theta: {{")
TWO_SIGNS = TWO_SIGNS.replace(
    "[[theta, 1], [theta, 0]]", '[["theta + eta", 1], ["theta + eta", 0]]'
)


def test_qmc_coverage_with_two_parameters_is_about_95_percent() -> None:
    # P(theta + eta > 0) = Phi((0.3 + 0.2) / sqrt(1 + 4)): the boundary is a line in
    # the unit square, crossing many Sobol cells, so replicates spread like MC's.
    sc = tg.parse_scenario(TWO_SIGNS.format(mean=0.3, sd=1.0, extra=""))
    exact = float(stats.norm.cdf(0.5 / np.sqrt(5.0)))
    covered = []
    for seed in range(60):
        res = tg.simulate(sc, BLOCK, seed=seed, qmc=True)
        lo, hi = res.outcomes[0].ci95
        covered.append(lo <= exact <= hi)
    assert 0.85 <= np.mean(covered) <= 1.0


def test_qmc_with_a_precision_target_and_a_checkpoint(tmp_path: Path) -> None:
    sc = _sign()
    ck = tmp_path / "ck.json"
    first = tg.simulate(sc, BLOCK, seed=2, qmc=True, precision=0.003, checkpoint=ck)
    assert first.precision is not None and first.precision["reached"]
    assert all(o.half_width < 0.003 for o in first.outcomes)
    assert first.samples % BLOCK == 0
    resumed = tg.simulate(sc, BLOCK, seed=2, qmc=True, precision=0.003, checkpoint=ck)
    fresh = tg.simulate(sc, BLOCK, seed=2, qmc=True, precision=0.003, chunk_size=3 * BLOCK)
    assert first.to_json() == resumed.to_json() == fresh.to_json()
    lo, hi = first.outcomes[0].ci95
    assert lo <= _closed_form() <= hi
