"""The state the groups of steps share (:class:`Steps`)."""

from __future__ import annotations

from typing import Any

from tradegame.analysis.explain.blocks import PayoffTable
from tradegame.play.options import RunOptions
from tradegame.play.solution import CentralSolution
from tradegame.scenario.load import Scenario


class Steps:
    """What every group of steps reads: the scenario, its solved central game, the run's
    options, and what the steps found on the way."""

    scenario: Scenario
    c: CentralSolution
    options: RunOptions
    players: tuple[str, ...]
    label: dict[str, str]
    mixed_2x2: tuple[float, float] | None
    not_spe: list[dict[str, Any]]
    tree_table: PayoffTable | None
