"""The structure of a game built from a scenario's levers: its axes and profiles.

A simultaneous game has one axis per player: a player's strategy is one option
of each of their levers, enumerated in C order over the levers (the last lever
varies fastest), and profiles in C order over players. A sequential game has
one axis per stage instead: a stage's actions are the options of the levers it
decides, and a profile is a terminal history (one action per stage).
:class:`GameStructure` holds, for every lever, the option each profile uses,
so that expressions over levers become arrays over profiles.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
from numpy.typing import NDArray

from tradegame.model.stages import Stage, canonical_index, reached_mask
from tradegame.scenario.load import LeverSpec, PlayerSpec, Scenario

__all__ = ["GameStructure"]


@dataclass(frozen=True)
class GameStructure:
    """Players, their strategies and the profile grid of a scenario's game.

    Attributes
    ----------
    players : tuple of PlayerSpec
    axes : tuple of tuple of LeverSpec
        The levers of each axis of the profile grid: each player's levers
        (simultaneous games, the default) or each stage's (sequential games).
    axis_names : tuple of str
        Player names, or stage labels.
    shape : tuple of int
        ``(A_0, ..., A_{m-1})``: number of strategies (or stage actions) per axis.
    """

    players: tuple[PlayerSpec, ...]
    axes: tuple[tuple[LeverSpec, ...], ...] = ()
    axis_names: tuple[str, ...] = ()
    ends: tuple[tuple[tuple[str, str], ...], ...] = ()
    """Sequential games: per stage, the (lever, option) pairs that end the game."""
    shape: tuple[int, ...] = field(init=False)

    def __post_init__(self) -> None:
        if not self.axes:
            object.__setattr__(self, "axes", tuple(p.levers for p in self.players))
            object.__setattr__(self, "axis_names", tuple(p.name for p in self.players))
        shape = tuple(math.prod(len(lv.options) for lv in axis) for axis in self.axes)
        object.__setattr__(self, "shape", shape)

    @classmethod
    def from_scenario(cls, scenario: Scenario) -> GameStructure:
        axes = scenario.axes
        return cls(
            scenario.players,
            tuple(levers for _, levers, _ in axes),
            tuple(name for name, _, _ in axes),
            tuple(ends for _, _, ends in axes),
        )

    @property
    def n_players(self) -> int:
        return len(self.players)

    @property
    def n_profiles(self) -> int:
        return int(np.prod(self.shape))

    def strategy_options(self, player: int) -> NDArray[np.intp]:
        """Option index of each lever for each of a player's strategies.

        Returns
        -------
        ndarray of int, shape (A_player, L_player)
        """
        sizes = [len(lv.options) for lv in self.axes[player]]
        grid = np.indices(sizes).reshape(len(sizes), -1).T
        return grid.astype(np.intp)

    def strategy_labels(self, player: int) -> list[str]:
        """Readable name of each strategy, e.g. ``'hold/keep/extend'``."""
        levers = self.axes[player]
        return [
            "/".join(levers[j].options[k] for j, k in enumerate(row))
            for row in self.strategy_options(player)
        ]

    def ending_actions(self, axis: int) -> tuple[int, ...]:
        """Indices of the actions of a stage that end the game (``()``: none)."""
        if not self.ends or not self.ends[axis]:
            return ()
        names = [lv.name for lv in self.axes[axis]]
        table = self.strategy_options(axis)  # (A_axis, L_axis)
        hit = np.zeros(table.shape[0], dtype=bool)
        for lever, option in self.ends[axis]:
            j = names.index(lever)
            hit |= table[:, j] == self.axes[axis][j].options.index(option)
        return tuple(int(a) for a in np.flatnonzero(hit))

    @cached_property
    def _stages(self) -> tuple[Stage, ...]:
        """Bare stages (name and actions, ends) for the profile bookkeeping."""
        return tuple(
            Stage(str(i), None, tuple(map(str, range(a))), ends=self.ending_actions(i))
            for i, a in enumerate(self.shape)
        )

    @cached_property
    def canonical(self) -> NDArray[np.intp]:
        """Flat index of each profile's canonical profile.

        Returns
        -------
        ndarray of intp, shape (P,)
            The profile itself unless a stage ended the game; then every later stage
            at its first action (:func:`tradegame.model.stages.canonical_index`).
        """
        if not any(self.ends):
            return np.arange(self.n_profiles, dtype=np.intp)
        return canonical_index(self._stages).reshape(-1)

    @cached_property
    def stage_reached(self) -> NDArray[np.bool_]:
        """Whether each axis (stage) is played in each profile.

        Returns
        -------
        ndarray of bool, shape (m, P)
            All True for simultaneous games and sequential games without ``ends``.
        """
        if not any(self.ends):
            return np.ones((len(self.shape), self.n_profiles), dtype=bool)
        return reached_mask(self._stages).reshape(len(self.shape), -1)

    def played_stages(self, flat_index: int) -> int:
        """How many stages the profile with this flat index plays (all, without ends)."""
        return int(self.stage_reached[:, flat_index].sum())

    @cached_property
    def canonical_lever_profiles(self) -> dict[str, NDArray[np.intp]]:
        """:attr:`lever_profiles` at each profile's canonical profile, shape (P,) each.

        Levers of stages after the end are at their first option: payoffs, outcomes
        and delays of a play that ended are evaluated there.
        """
        if not any(self.ends):
            return self.lever_profiles
        return {name: idx[self.canonical] for name, idx in self.lever_profiles.items()}

    @cached_property
    def lever_profiles(self) -> dict[str, NDArray[np.intp]]:
        """For each lever, the option index it takes in each profile.

        Returns
        -------
        dict of str to ndarray of int, shape (P,)
            ``P = prod(shape)``; profiles in C order over players.
        """
        out: dict[str, NDArray[np.intp]] = {}
        grids = np.indices(self.shape).reshape(len(self.shape), -1)  # (axes, P)
        for i, axis in enumerate(self.axes):
            table = self.strategy_options(i)  # (A_i, L_i)
            for j, lever in enumerate(axis):
                out[lever.name] = table[grids[i], j]
        return out

    def profile_environment(self) -> dict[str, NDArray[np.float64] | NDArray[np.intp]]:
        """Values of levers and option fields over profiles, shaped ``(1, P)``.

        Levers map to option indices; a field ``f`` of lever ``L`` is named ``L_f``.
        """
        env: dict[str, NDArray[np.float64] | NDArray[np.intp]] = {}
        for axis in self.axes:
            for lever in axis:
                idx = self.canonical_lever_profiles[lever.name]
                env[lever.name] = idx[None, :]
                for fname, values in lever.fields.items():
                    env[f"{lever.name}_{fname}"] = np.asarray(values, dtype=np.float64)[idx][
                        None, :
                    ]
        return env

    def profile_labels(self, flat_index: int) -> dict[str, str]:
        """Lever -> option chosen in the profile with this flat index."""
        return {
            name: self._lever_options[name][int(idx[flat_index])]
            for name, idx in self.lever_profiles.items()
        }

    def profile_strategies(self, flat_index: int) -> tuple[str, ...]:
        """Each player's strategy label in the profile with this flat index."""
        multi = np.unravel_index(flat_index, self.shape)
        return tuple(self.strategy_labels(i)[int(a)] for i, a in enumerate(multi))

    @cached_property
    def _lever_options(self) -> dict[str, tuple[str, ...]]:
        return {lv.name: lv.options for axis in self.axes for lv in axis}
