"""``tg.sweep`` and ``tradegame sweep``: outcome probabilities over a grid of settings."""

from __future__ import annotations

import csv
import io
import itertools
import json
from typing import Any

import numpy as np
import pytest

import tradegame as tg
from tradegame.analysis.sweep import SweepError, parse_axis

# P(high) = 1 - threshold exactly; player a's lever decides 'together' or not.
THRESHOLD = """\
tradegame: 1
title: A threshold
players:
  a: {strategies: [go, stay]}
  b: {strategies: [go, stay]}
parameters:
  x: {dist: uniform, low: 0, high: 1}
  threshold: 0.5
payoffs:
  matrix:                # going is dominant for both
    - [[2, 2], [2, 0]]
    - [[0, 2], [1, 1]]
outcomes:
  high: x > threshold and a == 'go'
  stayed: a == 'stay'
  otherwise: low
"""


def test_one_axis_follows_the_closed_form_and_common_draws_make_it_monotone() -> None:
    sc = tg.parse_scenario(THRESHOLD, "threshold.yaml")
    s = tg.sweep(sc, ["parameters.threshold=0.1:0.9:9"], samples=4096, seed=3)
    thresholds = [p.values[0] for p in s.points]
    np.testing.assert_allclose(thresholds, np.linspace(0.1, 0.9, 9))
    high = [p.probabilities["high"] for p in s.points]
    for t, p in zip(thresholds, s.points, strict=True):
        lo, hi = p.ci95["high"]
        assert lo <= 1 - t <= hi
    # The same draws at every point: P(x > t) can only fall as t rises, draw by draw.
    assert all(a >= b for a, b in itertools.pairwise(high))
    assert s.grid("high").shape == (9,)


def test_two_axes_and_a_fixed_lever() -> None:
    sc = tg.parse_scenario(THRESHOLD, "threshold.yaml")
    s = tg.sweep(sc, ["parameters.threshold=0.2,0.8", "fix.a=go,stay"], samples=2048, seed=1)
    assert s.grid("high").shape == (2, 2)
    by = {p.values: p for p in s.points}
    assert by[(0.2, "stay")].probabilities["stayed"] == 1.0
    assert by[(0.2, "go")].most_likely == "high"
    assert by[(0.8, "go")].most_likely == "low"
    assert by[(0.8, "go")].probabilities["stayed"] == 0.0


def test_axes_are_read_or_refused_in_one_line() -> None:
    assert parse_axis("analysis.selection=uniform,risk_dominant").values == (
        "uniform",
        "risk_dominant",
    )
    for bad in ("nothing", "x=", "x=1:2", "x=a:b:3", "x=0:1:1", "fix.=a", "x=[1, 2]", "x=a,{b"):
        with pytest.raises(SweepError):
            parse_axis(bad)


def test_sweep_on_the_command_line(cli: Any, tmp_path: Any) -> None:
    path = tmp_path / "threshold.yaml"
    path.write_text(THRESHOLD)
    out = tmp_path / "grid.csv"
    plot = tmp_path / "lines.svg"
    res = cli(
        "sweep",
        path,
        "-p",
        "parameters.threshold=0.25:0.75:3",
        "-n",
        "2048",
        "--csv",
        out,
        "--plot",
        plot,
    )
    assert res.code == 0, res.stderr
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    outcomes = {r["outcome"] for r in rows}
    assert {"high", "stayed", "low"} <= outcomes
    assert len(rows) == 3 * len(outcomes) and rows[0]["parameters.threshold"] == "0.25"
    assert plot.read_text().startswith("<?xml")
    res = cli(
        "sweep",
        path,
        "-p",
        "parameters.threshold=0.2,0.8",
        "-p",
        "fix.a=go,stay",
        "-n",
        "1024",
        "--json",
        "-",
    )
    assert res.code == 0, res.stderr
    assert len(json.loads(res.stdout)["points"]) == 4
    bad = cli("sweep", path, "-p", "parameters.threshold=1:2")
    assert bad.code == 2 and bad.stderr.count("\n") == 1 and "--param" in bad.stderr
    unknown = cli("sweep", path, "-p", "parameters.nope=1,2", "-n", "1024")
    assert unknown.code == 2 and unknown.stderr.count("\n") == 1
