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
    ],
    ids=["fixed probabilities", "option field in probability", "same label", "player chance"],
)
def test_bad_sequential_files_are_refused_at_validation(old: str, new: str, fragment: str) -> None:
    assert old in BASE
    with pytest.raises(tg.ScenarioError) as info:
        tg.parse_scenario(BASE.replace(old, new, 1))
    assert any(fragment in issue.message for issue in info.value.issues), info.value
    assert all(issue.location.line >= 1 for issue in info.value.issues)
