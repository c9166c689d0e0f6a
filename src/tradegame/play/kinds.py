"""The implementation of :class:`~tradegame.play.base.GamePlay` for each kind of game."""

from __future__ import annotations

from tradegame.model.budget import CommandCost
from tradegame.play.bargaining import BargainingPlay
from tradegame.play.base import GamePlay
from tradegame.play.options import RunOptions
from tradegame.play.simultaneous import SimultaneousPlay
from tradegame.play.stages import StagesPlay
from tradegame.play.tree import TreePlay
from tradegame.scenario.load import Scenario
from tradegame.scenario.vocabulary import GameKind

__all__ = ["PLAYS", "command_cost", "play_class", "play_for"]

#: Kind of game -> the class that plays its draws.
PLAYS: dict[GameKind, type[GamePlay]] = {
    GameKind.SIMULTANEOUS: SimultaneousPlay,
    GameKind.STAGES: StagesPlay,
    GameKind.TREE: TreePlay,
    GameKind.BARGAINING: BargainingPlay,
}


def play_class(scenario: Scenario) -> type[GamePlay]:
    """The class that plays the scenario's kind of game."""
    return PLAYS[scenario.kind]


def play_for(scenario: Scenario, options: RunOptions) -> GamePlay:
    """How the scenario's draws are played under options from :meth:`RunOptions.resolve`.

    Raises
    ------
    ScenarioError
        When the game is too large to prepare (too many reduced strategies).
    """
    return play_class(scenario)(scenario, options)


def command_cost(scenario: Scenario, command: str) -> CommandCost:
    """What ``command`` (``solve``, ``tree``, ``nfg``, ``efg``) builds for the scenario.

    Counted from the scenario's structure alone (see
    :meth:`~tradegame.play.base.GamePlay.command_cost`), for
    :func:`tradegame.model.budget.check_budget`.
    """
    return play_class(scenario).command_cost(scenario, command)
