"""Strategies from levers, profile order, and payoff building against a direct loop."""

from __future__ import annotations

import itertools

import numpy as np

import tradegame as tg
from tradegame.model.build import build_payoffs, evaluation_environment
from tradegame.model.game import GameStructure

TEXT = """\
tradegame: 1
title: Three players with levers
players:
  a:
    levers:
      x: {lo: {v: 1}, hi: {v: 2}}
      y: [p, q, r]
  b: {strategies: [s, t]}
  c:
    levers:
      z: {one: {w: 10}, two: {w: 20}}
parameters:
  k: {dist: normal, mean: 0, sd: 1}
terms:
  base: k * x_v
payoffs:
  a: base + (y == 'q') * 3 - z_w / 10 + (b == 't')
  b: "max(k, 0) * (b == 's') + x_v * z_w"
  c: -base + where(y == 'r', 5, 0) + (z == 'two') * k ** 2
outcomes:
  q_and_two: y == 'q' and z == 'two'
  otherwise: other
"""


def test_strategies_enumerate_levers_in_c_order() -> None:
    game = GameStructure.from_scenario(tg.parse_scenario(TEXT))
    assert game.shape == (6, 2, 2)
    assert game.strategy_labels(0) == ["lo/p", "lo/q", "lo/r", "hi/p", "hi/q", "hi/r"]
    prof = np.ravel_multi_index((4, 1, 0), game.shape)
    assert game.profile_labels(int(prof)) == {"x": "hi", "y": "q", "b": "t", "z": "one"}


def test_payoffs_equal_a_direct_loop_over_profiles() -> None:
    sc = tg.parse_scenario(TEXT)
    game = GameStructure.from_scenario(sc)
    ks = np.array([-1.5, 0.0, 0.7, 2.0])
    U = build_payoffs(sc, game, evaluation_environment(sc, game, {"k": ks}), len(ks))
    assert U.shape == (4, 3, 6, 2, 2)
    for d, k in enumerate(ks):
        for (xi, yi), bi, zi in itertools.product(
            itertools.product(range(2), range(3)), range(2), range(2)
        ):
            x_v, z_w = (1, 2)[xi], (10, 20)[zi]
            base = k * x_v
            a = base + (yi == 1) * 3 - z_w / 10 + (bi == 1)
            b = max(k, 0) * (bi == 0) + x_v * z_w
            c = -base + (5 if yi == 2 else 0) + (zi == 1) * k**2
            idx = (xi * 3 + yi, bi, zi)
            np.testing.assert_allclose(U[(d, slice(None), *idx)], [a, b, c], rtol=1e-13, atol=1e-12)


def test_levers_a_payoff_ignores_give_exact_ties() -> None:
    # b's payoff ignores y: the three y options give bit-identical payoffs to b.
    sc = tg.parse_scenario(TEXT)
    game = GameStructure.from_scenario(sc)
    ks = np.random.default_rng(0).normal(size=300)
    U = build_payoffs(sc, game, evaluation_environment(sc, game, {"k": ks}), len(ks))
    ub = U[:, 1].reshape(300, 2, 3, 2, 2)
    assert (ub[:, :, 0] == ub[:, :, 1]).all() and (ub[:, :, 1] == ub[:, :, 2]).all()
