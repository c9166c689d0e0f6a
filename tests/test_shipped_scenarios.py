"""Every shipped scenario is validated, solved and simulated; Madrid is checked for sense."""

from __future__ import annotations

import json

import numpy as np
import pytest

import tradegame as tg
from tradegame.model.build import build_payoffs, evaluation_environment
from tradegame.model.game import GameStructure
from tradegame.play.solve import solve
from tradegame.scenario.library import shipped_scenarios
from tradegame.solvers import pure_nash

NAMES = [s.name for s in shipped_scenarios()]


def test_the_library_has_madrid_and_classics() -> None:
    assert {"madrid_2025", "classroom/prisoners_dilemma", "classroom/chicken"} <= set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_validates_solves_and_simulates(name: str, cli) -> None:
    assert cli("validate", name).code == 0
    solved = cli("solve", name)
    assert solved.code == 0 and "equilibri" in solved.stdout.lower()
    sc = tg.load_scenario(name)
    res = tg.simulate(sc, samples=3000, seed=1)
    assert sum(res.outcome_probabilities.values()) == pytest.approx(1.0)
    if sc.is_sequential:
        paths = res.central_game.equilibria
        assert sum(e.probability for e in paths) == pytest.approx(1.0)
        # At most the 50 most likely paths are listed: all of them when fewer are played.
        listed = sum(p.probability for p in res.paths)
        assert res.paths and listed <= 1.0 + 1e-9
        if len(res.paths) < 50:
            assert listed == pytest.approx(1.0)
        return
    # The central game's equilibria really are equilibria of the median game.
    game = GameStructure.from_scenario(sc)
    medians = {k: np.array([v]) for k, v in solve(sc).parameters.items()}
    U = build_payoffs(sc, game, evaluation_environment(sc, game, medians), 1)[0]
    mask = pure_nash(U)
    assert mask.sum() == len(res.central_game.equilibria)


@pytest.mark.parametrize("name", NAMES)
def test_every_parameter_states_a_source_or_assumption(name: str) -> None:
    sc = tg.load_scenario(name)
    for pname, dist in sc.spec.parameters.items():
        assert dist.source, f"{name}: parameter {pname} has no source"


def test_madrid_distribution_is_defensible() -> None:
    sc = tg.load_scenario("madrid_2025")
    assert len(sc.players[0].levers) >= 3 and len(sc.players[1].levers) >= 2
    res = tg.simulate(sc, samples=20_000, seed=2025)
    probs = res.outcome_probabilities
    assert sum(p > 0.01 for p in probs.values()) >= 3
    assert max(probs.values()) < 0.80
    # The central game is a sequential game: its paths carry the chance of Beijing's resolve.
    paths = res.central_game.equilibria
    assert sum(e.probability for e in paths) == pytest.approx(1.0)
    assert {"extended_grace_period", "escalation", "protracted_talks"} <= set(probs)
    assert json.loads(res.to_json())["units"].startswith("$ billion")
