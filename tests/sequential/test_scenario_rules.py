"""Sequential scenarios: what outcome rules may read, how hidden moves are played, bad stages."""

from __future__ import annotations

import json
import math

import pytest

import tradegame as tg

# Chance picks 'good' with probability q ~ U(0.2, 0.8); then a moves; b sees the
# chance move but not a's (imperfect information).
BASE = """\
tradegame: 1
title: hidden move after chance
players:
  a:
    levers:
      x: {lo: {v: 1}, hi: {v: 2}}
  b:
    levers:
      y: [l, r]
parameters:
  q: {dist: uniform, low: 0.2, high: 0.8}
chance:
  nature:
    options: {good: q, bad: 1 - q}
stages:
  - chance: nature
  - player: a
    levers: [x]
  - player: b
    levers: [y]
    observes: [nature]
payoffs:
  a: "x_v * (nature == 'good') - (y == 'r')"
  b: "(y == 'r') * (x == 'hi') + (nature == 'bad')"
outcomes:
  good_luck: nature == 'good'
  otherwise: bad_luck
analysis: {samples: 20000, seed: 4}
"""


def test_outcome_rules_read_chance_levers() -> None:
    """P(nature = good) = E[q] = 1/2, whatever the players do."""
    res = tg.simulate(tg.parse_scenario(BASE), samples=20000, seed=4)
    p = res.outcome_probabilities["good_luck"]
    # The draw's mass on 'good' is q itself: sd of the mean is sd(q) / sqrt(n).
    sd = (0.6 / math.sqrt(12)) / math.sqrt(20000)
    assert abs(p - 0.5) < 2.576 * sd


@pytest.mark.parametrize(
    "selection", ["uniform", "payoff_dominant", "risk_dominant", "mixed", "qre"]
)
def test_hidden_moves_take_every_selection_rule(selection: str) -> None:
    res = tg.simulate(tg.parse_scenario(BASE), samples=2048, seed=1, selection=selection)
    doc = json.loads(res.to_json())
    assert doc["method"]["options"]["selection"] == selection
    assert "reduced normal form" in doc["method"]["selection_rule"]
    assert math.isclose(sum(o["probability"] for o in doc["outcomes"]), 1.0, abs_tol=1e-12)


@pytest.mark.parametrize(
    ("old", "new", "fragment"),
    [
        ("options: {good: q, bad: 1 - q}", "options: {good: 0.3, bad: 0.6}", "sum to 1"),
        ("options: {good: q, bad: 1 - q}", "options: {good: x_v, bad: 1 - q}", "unknown name"),
        ("    levers: [y]\n", "    levers: [y]\n    label: x\n", "stage label 'x' is used"),
        ("players:\n  a:", "players:\n  chance:", "'chance' is reserved"),
        ("analysis: {samples", "analysis: {solution: correlated, samples", "simultaneous-move"),
    ],
    ids=[
        "fixed probabilities",
        "option field in probability",
        "same label",
        "player chance",
        "simultaneous concept",
    ],
)
def test_bad_sequential_files_are_refused_at_validation(old: str, new: str, fragment: str) -> None:
    assert old in BASE
    with pytest.raises(tg.ScenarioError) as info:
        tg.parse_scenario(BASE.replace(old, new, 1))
    assert any(fragment in issue.message for issue in info.value.issues), info.value
    assert all(issue.location.line >= 1 for issue in info.value.issues)


INVEST = """\
tradegame: 1
title: invest after a chance move
players:
  firm:
    levers:
      move: [invest, wait]
  registrar:                      # a second player, who always files the result
    levers:
      filing: [file, ignore]
parameters:
  q: {dist: uniform, low: 0.2, high: 0.8}
chance:
  market:
    options: {boom: q, bust: 1 - q}
stages:
  - chance: market
  - player: firm
    levers: [move]
  - player: registrar
    levers: [filing]
payoffs:
  firm: "where(move == 'invest', where(market == 'boom', q - 0.5, -1), 0)"
  registrar: "filing == 'file'"
outcomes:
  boom_investment: market == 'boom' and move == 'invest'
  otherwise: no_investment
"""


def test_path_probability_after_a_uniform_chance_move_is_the_closed_form() -> None:
    """P(boom, then invest) = E[q 1{q > 1/2}] for q ~ U(0.2, 0.8).

    After a boom the firm invests exactly when q - 1/2 > 0 (backward induction);
    after a bust it waits. Each draw contributes q 1{q > 1/2} to the path's
    probability, so the estimate is a mean of i.i.d. draws of that variable.
    """
    a, b, n = 0.2, 0.8, 40_000
    mean = (b**2 - 0.25) / 2 / (b - a)  # int_{1/2}^{b} q dq / (b - a) = 0.325
    second = (b**3 - 0.125) / 3 / (b - a)
    half_width = 2.576 * math.sqrt((second - mean**2) / n)  # 99 %
    res = tg.simulate(tg.parse_scenario(INVEST), samples=n, seed=2026)
    paths = {p.label.removesuffix(" > filing: file"): p.probability for p in res.paths}
    assert abs(paths["market: boom > move: invest"] - mean) < half_width
    assert "market: bust > move: invest" not in paths  # never optimal after a bust
    assert abs(res.outcome_probabilities["boom_investment"] - mean) < half_width
    # The other two paths carry the rest: E[q 1{q <= 1/2}] and E[1 - q].
    waited = (0.25 - a**2) / 2 / (b - a)
    assert abs(paths["market: boom > move: wait"] - waited) < half_width
    assert abs(paths["market: bust > move: wait"] - (1 - (a + b) / 2)) < 3 * half_width


PATIENCE = """\
tradegame: 1
title: wait for a larger pie
players:
  a:
    levers:
      timing: [now, later]
    discount: delta
  b:
    levers:
      answer: [accept, refuse]
parameters:
  delta: {dist: uniform, low: 0.5, high: 0.9}
stages:
  - player: a
    levers: [timing]
    delay: {later: 1}
  - player: b
    levers: [answer]
payoffs:
  a: "where(timing == 'now', 1, 1.5) * (answer == 'accept')"
  b: "answer == 'accept'"
outcomes:
  waited: timing == 'later'
  otherwise: took_it
"""


def test_delay_is_discounted_per_period() -> None:
    """Waiting one period turns 1.5 into 1.5 delta: worth it exactly when delta > 2/3."""
    n = 40_000
    res = tg.simulate(tg.parse_scenario(PATIENCE), samples=n, seed=8)
    exact = (0.9 - 2 / 3) / 0.4
    half_width = 2.576 * math.sqrt(exact * (1 - exact) / n)
    assert abs(res.outcome_probabilities["waited"] - exact) < half_width
    # The central game (delta at its median 0.7): 1.5 * 0.7 = 1.05 > 1, so a waits.
    (eq,) = res.central_game.equilibria
    assert eq.levers["timing"] == "later" and eq.payoffs["a"] == pytest.approx(1.05)
    assert eq.payoffs["b"] == 1.0  # b does not discount


def test_without_discount_delay_costs_nothing() -> None:
    sc = tg.parse_scenario(PATIENCE.replace("    discount: delta\n", ""))
    res = tg.simulate(sc, samples=2048, seed=8)
    assert res.outcome_probabilities["waited"] == 1.0


@pytest.mark.parametrize(
    ("old", "new", "fragment"),
    [
        ("    delay: {later: 1}\n", "", "'discount' needs stages with 'delay:'"),
        ("delay: {later: 1}", "delay: {latr: 1}", "did you mean 'later'"),
        ("delay: {later: 1}", "delay: {later: -1}", "greater than or equal to 0"),
        ("discount: delta", "discount: 1.5", "must be in (0, 1]"),
        ("discount: delta", "discount: timing == 'now'", "unknown name"),
    ],
    ids=["discount without delay", "unknown option", "negative delay", "above 1", "lever"],
)
def test_bad_discounting_is_refused_at_validation(old: str, new: str, fragment: str) -> None:
    assert old in PATIENCE
    with pytest.raises(tg.ScenarioError) as info:
        tg.parse_scenario(PATIENCE.replace(old, new, 1))
    assert any(fragment in issue.message for issue in info.value.issues), info.value


def test_discount_outside_its_range_in_a_draw_is_named() -> None:
    text = PATIENCE.replace("low: 0.5, high: 0.9", "low: 0.5, high: 1.5")
    with pytest.raises(tg.ScenarioError) as info:
        tg.simulate(tg.parse_scenario(text), samples=2048, seed=1)
    (issue,) = info.value.issues
    assert "discount of 'a'" in issue.message and "in draw" in issue.message


def test_a_runs_reduced_normal_form_counts_in_its_memory_limit() -> None:
    """Imperfect information is played through the reduced normal form: its size per draw
    and its (plans, histories) matrices count in the memory check, which refuses a run
    that would not fit before anything of their size exists."""
    text = """\
tradegame: 1
title: blind moves
players:
  a: {levers: {x: [p, q, r, s], z: [p, q, r, s]}}
  b: {levers: {y: [p, q, r, s]}}
stages:
  - player: a
    levers: [x]
  - player: b
    levers: [y]
    observes: []
  - player: a
    levers: [z]
    observes: [y]
payoffs:
  a: "(x == 'p') + (z == 'q') * (y == 'q')"
  b: "(y == 'p') * (x == 'p')"
outcomes:
  otherwise: done
"""
    sc = tg.parse_scenario(text, "blind.yaml")
    from tradegame.play.kinds import play_class
    from tradegame.play.options import RunOptions

    need = play_class(sc).memory(sc, RunOptions.resolve(sc))
    assert "reduced strategies" in need.size
    # a: 4 first moves x 4**4 answers to y; b: 4 plans; the profiles' payoffs per draw counted.
    assert need.per_draw >= 4 * 4**4 * 4 * (2 * 2 + 6) * 8
    with pytest.raises(tg.ScenarioError, match="reduced strategies"):
        tg.simulate(sc, samples=2048, seed=1, max_memory=need.fixed + need.per_draw * 100)
    assert tg.simulate(sc, samples=2048, seed=1).samples == 2048
