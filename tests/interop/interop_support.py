"""Shared by the Gambit interoperability tests: the shipped scenarios, equilibria as indices."""

from __future__ import annotations

from pathlib import Path

import numpy as np

import tradegame
from tradegame.model.game import GameStructure
from tradegame.play.solution import CentralEquilibrium
from tradegame.scenario.load import Scenario
from tradegame.scenario.vocabulary import GameKind

SCENARIO_DIR = Path(tradegame.__file__).parent / "scenarios"
#: Every shipped scenario Gambit's formats can hold (Rubinstein bargaining, an infinite game
#: of alternating offers, has none: its export is refused, tested with the bargaining kind).
ALL_SCENARIOS = sorted(
    p
    for p in SCENARIO_DIR.rglob("*.yaml")
    if tradegame.load_scenario(p).kind is not GameKind.BARGAINING
)

#: Most reduced strategies a player may have for Gambit's enumerations to be a test oracle.
GAMBIT_STRATEGIES = 5_000


def _gambit_sized(path: Path) -> bool:
    """Whether Gambit can enumerate the scenario's normal form (every player's reduced
    strategies counted without building them beyond the limit)."""
    from tradegame.errors import ScenarioError
    from tradegame.model.normal_form import TooManyStrategies, reduced_strategies
    from tradegame.play.central import central_tree
    from tradegame.play.stages import central_stage_game
    from tradegame.solvers.tree_normal_form import tree_reduced_strategies

    sc = tradegame.load_scenario(path)
    try:
        if sc.is_tree:
            tree = central_tree(sc)
            counts = [
                len(tree_reduced_strategies(tree, p, GAMBIT_STRATEGIES)) for p in tree.players
            ]
        elif sc.is_sequential:
            g = central_stage_game(sc)
            counts = [len(p) for p in reduced_strategies(g.stages, g.players, GAMBIT_STRATEGIES)]
        else:
            counts = list(GameStructure.from_scenario(sc).shape)
    except (TooManyStrategies, ScenarioError):
        return False
    return max(counts) <= GAMBIT_STRATEGIES


#: The shipped scenarios whose normal form Gambit can enumerate (the rebuilt Madrid game's
#: United States has about 6 x 4**36 plans: it is checked against brute force elsewhere).
SCENARIOS = [p for p in ALL_SCENARIOS if _gambit_sized(p)]
IDS = [p.relative_to(SCENARIO_DIR).with_suffix("").as_posix() for p in SCENARIOS]
TOO_LARGE = [p for p in ALL_SCENARIOS if p not in SCENARIOS]


def profile_of(scenario: Scenario, eq: CentralEquilibrium) -> tuple[int, ...]:
    """Index of an equilibrium's strategy (or stage action) on each axis of the game."""
    game = GameStructure.from_scenario(scenario)
    out = []
    for axis in game.axes:
        options = [lv.options.index(eq.levers[lv.name]) for lv in axis]
        out.append(int(np.ravel_multi_index(options, [len(lv.options) for lv in axis])))
    return tuple(out)
