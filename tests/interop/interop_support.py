"""Shared by the Gambit interoperability tests: the shipped scenarios, equilibria as indices."""

from __future__ import annotations

from pathlib import Path

import numpy as np

import tradegame
from tradegame.model.game import GameStructure
from tradegame.play.solution import CentralEquilibrium
from tradegame.scenario.load import Scenario

SCENARIO_DIR = Path(tradegame.__file__).parent / "scenarios"
SCENARIOS = sorted(SCENARIO_DIR.rglob("*.yaml"))
IDS = [p.relative_to(SCENARIO_DIR).with_suffix("").as_posix() for p in SCENARIOS]


def profile_of(scenario: Scenario, eq: CentralEquilibrium) -> tuple[int, ...]:
    """Index of an equilibrium's strategy (or stage action) on each axis of the game."""
    game = GameStructure.from_scenario(scenario)
    out = []
    for axis in game.axes:
        options = [lv.options.index(eq.levers[lv.name]) for lv in axis]
        out.append(int(np.ravel_multi_index(options, [len(lv.options) for lv in axis])))
    return tuple(out)
