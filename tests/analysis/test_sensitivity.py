"""``tg.sensitivity`` and ``tradegame sensitivity``: the parameter that decides comes first,
an inert one is named dead, by both methods."""

from __future__ import annotations

import json
import warnings
from typing import Any

import numpy as np
import pytest

import tradegame as tg
from tradegame.analysis.sensitivity import pawn_medians

# x alone decides the outcome; w shifts a payoff only; z is in no expression at all.
DECIDED = """\
tradegame: 1
title: One parameter decides
players:
  a: {strategies: [go, stay]}
  b: {strategies: [go, stay]}
parameters:
  x: {dist: uniform, low: 0, high: 1}
  w: {dist: normal, mean: 2, sd: 0.5}
  z: {dist: lognormal, median: 3, sigma: 0.4}
payoffs:
  matrix:
    - [[w, w], [0, 0]]
    - [[0, 0], [0, 0]]
outcomes:
  high: x > 0.5
  otherwise: low
"""


def test_the_deciding_parameter_ranks_first_and_the_inert_one_is_dead() -> None:
    sc = tg.parse_scenario(DECIDED, "decided.yaml")
    s = tg.sensitivity(sc, samples=8192, seed=3)
    # Tornado: x from its 10th (0.1) to 90th (0.9) percentile flips the outcome.
    bars = {b.parameter: b for b in s.tornado}
    assert s.tornado[0].parameter == "x"
    assert bars["x"].low == pytest.approx(0.1) and bars["x"].high == pytest.approx(0.9)
    assert bars["x"].effect("high") == 1.0 and bars["x"].swing == 1.0
    assert bars["w"].swing == 0.0 and bars["z"].swing == 0.0
    # Global: x first, far above the dummy; z within the dummy's reach.
    assert s.ranking[0] == "x"
    assert s.index("x", "high").ci95[0] > s.index("(dummy)", "high").ci95[1]
    assert "z" in s.dead and "w" in s.dead and "x" not in s.dead
    doc = json.loads(s.to_json())
    assert doc["ranking"][0] == "x" and "z" in doc["dead"]


def test_our_pawn_index_is_salibs() -> None:
    from SALib.analyze import pawn

    rng = np.random.default_rng(0)
    X = rng.random((3000, 4))
    outputs = {
        "binary": (X[:, 0] > 0.5).astype(float),
        "shares": np.round(X[:, 1] * 4) / 4,
        "continuous": X[:, 0] + X[:, 2] ** 2 + 0.1 * rng.random(3000),
    }
    problem = {"num_vars": 4, "names": list("abcd"), "bounds": [[0, 1]] * 4}
    for Y in outputs.values():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            theirs = pawn.analyze(problem, X, Y, S=10, print_to_console=False, seed=1)["median"]
        np.testing.assert_allclose(pawn_medians(X, Y), theirs, rtol=0, atol=1e-12)


def test_a_scenario_without_uncertainty_is_refused() -> None:
    text = (
        DECIDED.replace("{dist: uniform, low: 0, high: 1}", "0.3")
        .replace("{dist: normal, mean: 2, sd: 0.5}", "2")
        .replace("{dist: lognormal, median: 3, sigma: 0.4}", "3")
    )
    with pytest.raises(tg.TradegameError, match="no uncertain parameter"):
        tg.sensitivity(tg.parse_scenario(text, "fixed.yaml"), samples=1000)


def test_sensitivity_on_the_command_line(cli: Any, tmp_path: Any) -> None:
    path = tmp_path / "decided.yaml"
    path.write_text(DECIDED)
    res = cli("sensitivity", path, "-n", "4096", "--seed", "1", "--json", "-")
    assert res.code == 0, res.stderr
    doc = json.loads(res.stdout)
    assert doc["ranking"][0] == "x"
    plot = tmp_path / "tornado.svg"
    res = cli("sensitivity", path, "-n", "2048", "--plot", plot)
    assert res.code == 0 and plot.read_text().startswith("<?xml")
    assert "dead" in res.stdout and "x" in res.stdout
    bad = cli("sensitivity", path, "--outcome", "nope")
    assert bad.code == 2 and bad.stderr.count("\n") == 1 and "nope" in bad.stderr
