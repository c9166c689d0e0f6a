"""Monte Carlo simulation: closed-form probabilities, reproducibility, selection rules."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

import tradegame as tg
from tradegame.montecarlo.result import wilson_interval
from tradegame.scenario.sampling import BLOCK

SIGN_GAME = """\
tradegame: 1
title: Sign of a normal parameter decides the equilibrium
players:
  row: {{strategies: [a, b]}}
  col: {{strategies: [a, b]}}
parameters:
  theta: {{dist: normal, mean: {mean}, sd: {sd}}}
payoffs:
  # Row's 'a' pays theta, 'b' pays 0, whatever col does; col matches row.
  matrix:
    - [[theta, 1], [theta, 0]]
    - [[0, 0], [0, 1]]
outcomes:
  row_plays_a: row == 'a'
  otherwise: row_plays_b
analysis: {{samples: 40000, seed: 123}}
"""


@pytest.mark.parametrize(("mean", "sd"), [(0.3, 1.0), (-1.0, 2.0), (2.0, 1.0)])
def test_probability_matches_closed_form_within_99_percent(mean: float, sd: float) -> None:
    sc = tg.parse_scenario(SIGN_GAME.format(mean=mean, sd=sd))
    res = tg.simulate(sc)
    exact = stats.norm.cdf(mean / sd)  # P(theta > 0) = Phi(mu / sigma)
    n = res.samples
    half_width = stats.norm.ppf(0.995) * np.sqrt(exact * (1 - exact) / n)
    got = res.outcome_probabilities["row_plays_a"]
    assert abs(got - exact) <= half_width, (got, exact, half_width)
    # Every draw has exactly one equilibrium (theta = 0 has probability zero).
    assert res.equilibrium_counts == {1: n}
    assert res.outcome_probabilities["no_pure_equilibrium"] == 0.0


def test_wilson_interval_covers_and_matches_known_values() -> None:
    low, high = wilson_interval(50, 100)
    assert low == pytest.approx(0.4038315, abs=1e-6)
    assert high == pytest.approx(0.5961685, abs=1e-6)
    assert wilson_interval(0, 10)[0] == 0.0 and wilson_interval(10, 10)[1] == 1.0


def test_wilson_coverage_is_near_95_percent() -> None:
    rng = np.random.default_rng(0)
    p, n = 0.12, 400
    hits = rng.binomial(n, p, size=4000)
    covered = np.mean([lo <= p <= hi for lo, hi in (wilson_interval(h, n) for h in hits)])
    assert 0.93 <= covered <= 0.97


def test_same_seed_same_json_whatever_the_chunk_size() -> None:
    sc = tg.load_scenario("madrid_2025")
    samples = 3 * BLOCK + 123
    docs = {
        tg.simulate(sc, samples, seed=99, chunk_size=c).to_json()
        for c in (1, BLOCK, 2 * BLOCK, 10 * BLOCK)
    }
    assert len(docs) == 1


def test_different_seeds_differ_and_no_seed_is_recorded() -> None:
    sc = tg.load_scenario("classroom/chicken")
    a = tg.simulate(sc, 2000, seed=1)
    b = tg.simulate(sc, 2000, seed=2)
    assert a.to_json() != b.to_json()
    fresh = tg.simulate(
        sc.__class__(
            **{
                **sc.__dict__,
                "spec": sc.spec.model_copy(
                    update={"analysis": sc.spec.analysis.model_copy(update={"seed": None})}
                ),
            }
        ),
        500,
    )
    again = tg.simulate(sc, 500, seed=fresh.seed)
    assert fresh.to_dict()["outcomes"] == again.to_dict()["outcomes"]


def test_more_samples_extend_fewer() -> None:
    sc = tg.parse_scenario(SIGN_GAME.format(mean=0.0, sd=1.0))
    from tradegame.scenario.sampling import ParameterSampler

    sampler = ParameterSampler(sc.spec.parameters, 5)
    long = sampler.draws(0, 5000)["theta"]
    np.testing.assert_array_equal(sampler.draws(0, 1000)["theta"], long[:1000])
    np.testing.assert_array_equal(sampler.draws(1000, 4500)["theta"], long[1000:4500])


def test_outcome_probabilities_sum_to_one_and_lever_options_are_consistent() -> None:
    sc = tg.load_scenario("madrid_2025")
    res = tg.simulate(sc, 4000, seed=3)
    assert sum(res.outcome_probabilities.values()) == pytest.approx(1.0)
    with_eq = 1.0 - res.outcome_probabilities["no_pure_equilibrium"]
    for levers in res.lever_options.values():
        for options in levers.values():
            assert sum(options.values()) == pytest.approx(with_eq)
    assert sum(res.equilibrium_counts.values()) == 4000


NO_EQ_GAME = """\
tradegame: 1
title: Matching pennies half the time
players:
  row: {strategies: [heads, tails]}
  col: {strategies: [heads, tails]}
parameters:
  stakes: {dist: uniform, low: -1, high: 1}
payoffs:
  # stakes > 0: matching pennies (no pure equilibrium); stakes < 0: col is
  # indifferent, so (heads, tails) and (tails, heads) are equilibria.
  matrix:
    - [[stakes, "-max(stakes, 0)"], [-stakes, "max(stakes, 0)"]]
    - [[-stakes, "max(stakes, 0)"], [stakes, "-max(stakes, 0)"]]
outcomes:
  match: row == col_heads
  otherwise: mismatch
analysis: {samples: 20000, seed: 4}
"""


def test_draws_without_pure_equilibrium_are_reported_not_dropped() -> None:
    text = NO_EQ_GAME.replace("row == col_heads", "(row == 'heads') == (col == 'heads')")
    res = tg.simulate(tg.parse_scenario(text), no_equilibrium="report")
    p_none = res.outcome_probabilities["no_pure_equilibrium"]
    lo, hi = next(o.ci95 for o in res.outcomes if o.label == "no_pure_equilibrium")
    assert lo <= 0.5 <= hi  # P(stakes > 0) = 1/2
    assert sum(res.outcome_probabilities.values()) == pytest.approx(1.0)
    assert res.equilibrium_counts[0] == pytest.approx(p_none * res.samples)
    assert set(res.equilibrium_counts) == {0, 2}
    assert res.outcome_probabilities["match"] == 0.0


STAG = """\
tradegame: 1
title: Stag hunt, fixed payoffs
players:
  row: {strategies: [stag, hare]}
  col: {strategies: [stag, hare]}
payoffs:
  matrix:
    - [[4, 4], [0, 3]]
    - [[3, 0], [3, 3]]
outcomes:
  stag: row == 'stag' and col == 'stag'
  hare: row == 'hare' and col == 'hare'
  otherwise: mixed_up
analysis: {samples: 100, seed: 1}
"""


def test_selection_rules() -> None:
    sc = tg.parse_scenario(STAG)
    uniform = tg.simulate(sc, selection="uniform").outcome_probabilities
    assert uniform["stag"] == 0.5 and uniform["hare"] == 0.5
    dominant = tg.simulate(sc, selection="payoff_dominant")
    assert dominant.outcome_probabilities["stag"] == 1.0
    assert dominant.expected_payoffs == {"row": 4.0, "col": 4.0}
    assert dominant.to_dict()["method"]["selection"] == "payoff_dominant"
    with pytest.raises(ValueError, match="unknown selection"):
        tg.simulate(sc, selection="random")


def test_payoff_dominant_keeps_pareto_incomparable_equilibria() -> None:
    from tradegame.play.selection import select

    # Battle of the sexes: two equilibria, neither dominates: both kept.
    mask = np.array([[True, False, False, True]])
    U = np.array([[[2.0, 0, 0, 1], [1.0, 0, 0, 2]]])
    np.testing.assert_array_equal(select(mask, U, "payoff_dominant"), [[0.5, 0, 0, 0.5]])


def test_result_records_how_it_was_made() -> None:
    sc = tg.load_scenario("classroom/prisoners_dilemma")
    doc = tg.simulate(sc, 300, seed=8).to_dict()
    assert doc["scenario"]["sha256"] == sc.sha256 and len(sc.sha256) == 64
    assert doc["tradegame_version"] == tg.__version__
    method = doc["method"]
    assert (method["seed"], method["samples"], method["solution_concept"]) == (8, 300, "pure_nash")
    assert "no pure equilibrium" in method["no_equilibrium"]
    assert doc["central_game"]["pure_equilibria"][0]["strategies"] == {
        "row": "defect",
        "col": "defect",
    }


def _within_99(got: float, exact: float, n: int) -> bool:
    return abs(got - exact) <= stats.norm.ppf(0.995) * np.sqrt(exact * (1 - exact) / n) + 1e-12


def test_draws_without_pure_equilibrium_play_their_mixed_equilibrium_by_default() -> None:
    text = NO_EQ_GAME.replace("row == col_heads", "(row == 'heads') == (col == 'heads')")
    res = tg.simulate(tg.parse_scenario(text))
    # stakes > 0 (half the draws): matching pennies, mixed (1/2, 1/2), match with 1/2;
    # stakes < 0: the pure equilibria mismatch. So P(match) = 1/4 exactly.
    assert _within_99(res.outcome_probabilities["match"], 0.25, res.samples)
    assert res.outcome_probabilities["no_pure_equilibrium"] == 0.0
    assert "mixed equilibrium" in res.to_dict()["method"]["no_equilibrium"]
    assert 0 in res.equilibrium_counts  # still counted as draws without a pure equilibrium


def test_qre_at_lambda_zero_is_uniform_play() -> None:
    text = NO_EQ_GAME.replace("row == col_heads", "(row == 'heads') == (col == 'heads')")
    res = tg.simulate(tg.parse_scenario(text), 2048, solution="qre", qre_lambda=0.0)
    assert res.outcome_probabilities["match"] == pytest.approx(0.5, abs=1e-12)
    assert res.to_dict()["method"]["solution_concept"] == "qre"


def test_risk_dominance_picks_the_safe_equilibrium_of_the_stag_hunt() -> None:
    res = tg.simulate(tg.parse_scenario(STAG), selection="risk_dominant")
    # Deviation-loss products: (stag, stag) 1 * 1 = 1, (hare, hare) 3 * 3 = 9.
    assert res.outcome_probabilities["hare"] == 1.0


# A 3 x 3 coordination game with three pure equilibria on the diagonal, where payoff
# and risk dominance disagree: (top, left) pays (9, 9) but a deviation costs only 1.
THREE_BY_THREE = """\
tradegame: 1
title: payoff against risk dominance
players:
  row: {strategies: [top, middle, bottom]}
  col: {strategies: [left, centre, right]}
payoffs:
  matrix:
    - [[9, 9], [0, 8], [0, 0]]
    - [[8, 0], [7, 7], [0, 0]]
    - [[0, 0], [0, 0], [2, 2]]
outcomes:
  best: row == 'top' and col == 'left'
  safe: row == 'middle' and col == 'centre'
  otherwise: poor
analysis: {samples: 100, seed: 1}
"""


def test_risk_dominance_in_a_larger_game_is_the_product_of_deviation_losses() -> None:
    """Products: (top, left) (9-8)(9-8) = 1, (middle, centre) 7 * 7 = 49, (bottom, right) 4."""
    sc = tg.parse_scenario(THREE_BY_THREE)
    assert tg.simulate(sc, selection="risk_dominant").outcome_probabilities["safe"] == 1.0
    assert tg.simulate(sc, selection="payoff_dominant").outcome_probabilities["best"] == 1.0
    uniform = tg.simulate(sc, selection="uniform").outcome_probabilities
    assert uniform == pytest.approx(
        {"best": 1 / 3, "safe": 1 / 3, "poor": 1 / 3, "no_pure_equilibrium": 0.0}
    )


BATTLE = STAG.replace("[[4, 4], [0, 3]]", "[[2, 1], [0, 0]]").replace(
    "[[3, 0], [3, 3]]", "[[0, 0], [1, 2]]"
)


def test_mixed_nash_solution_averages_the_extreme_equilibria() -> None:
    # Battle of the sexes: (stag, stag), (hare, hare) and the mixed ((2/3, 1/3), (1/3, 2/3)).
    res = tg.simulate(tg.parse_scenario(BATTLE), solution="mixed_nash")
    mixed_stag = (2 / 3) * (1 / 3)
    assert res.outcome_probabilities["stag"] == pytest.approx((1 + mixed_stag) / 3)
    assert res.equilibrium_counts == {3: 100}


def test_options_that_do_not_fit_are_refused() -> None:
    sc = tg.parse_scenario(STAG)
    with pytest.raises(ValueError, match="subgame_perfect"):
        tg.simulate(sc, solution="subgame_perfect")
    with pytest.raises(ValueError, match="mixed_nash, selection"):
        tg.simulate(sc, solution="mixed_nash", selection="risk_dominant")


# Jordan's three-player cycle: 1 wants to match 2, 2 to match 3, 3 to differ from 1.
# No pure equilibrium; the centroid is the QRE at every lambda (payoff differences vanish).
JORDAN = """\
tradegame: 1
title: three-player cycle
players:
  p1: {strategies: [h, t]}
  p2: {strategies: [h, t]}
  p3: {strategies: [h, t]}
payoffs:
  p1: "(p1 == 'h') == (p2 == 'h')"
  p2: "(p2 == 'h') == (p3 == 'h')"
  p3: "(p3 == 'h') != (p1 == 'h')"
outcomes:
  all_heads: p1 == 'h' and p2 == 'h' and p3 == 'h'
  otherwise: other
analysis: {samples: 2048, seed: 3, qre_lambda: 4}
"""


def test_three_player_draws_without_pure_equilibrium_play_their_qre_by_default() -> None:
    res = tg.simulate(tg.parse_scenario(JORDAN))
    assert res.equilibrium_counts == {0: 2048}
    assert "logit QRE at lambda = 4" in res.no_equilibrium_rule
    assert res.outcome_probabilities["all_heads"] == pytest.approx(1 / 8, abs=1e-12)
    assert res.outcome_probabilities["no_pure_equilibrium"] == 0.0
    reported = tg.simulate(tg.parse_scenario(JORDAN), no_equilibrium="report")
    assert reported.outcome_probabilities["no_pure_equilibrium"] == 1.0
