"""Import of a Gambit strategic game (``.nfg``) as a simultaneous scenario.

:func:`scenario_from_nfg`: each player gets one lever whose options are the
strategies; the payoffs become a matrix for two players, a table otherwise.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

from tradegame.interop.gambit import NfgGame
from tradegame.interop.import_common import (
    MAX_OPTIONS,
    PLAYER_RESERVED,
    check_imported,
    check_player_count,
    check_title,
    dump_scenario,
    identifier,
    labelled_options,
    refuse,
    yaml_number,
)
from tradegame.scenario.yaml_source import MAX_NODES

__all__ = ["scenario_from_nfg"]


def scenario_from_nfg(game: NfgGame, source: str = "") -> str:
    """A simultaneous scenario (YAML text) for a strategic game read from ``.nfg``.

    Each player gets one lever; strategies become its options, with Gambit's
    strategy labels as the options' labels. Exporting the scenario as ``.nfg``
    gives back the same game in Gambit's layout.

    Raises
    ------
    GambitFormatError
        When a scenario cannot hold the game: fewer than two players or more than 16,
        a title over 300 characters, a player with more than 1,000 strategies, or a
        payoff table too large for a scenario file (located in the file read, when
        the game was read by :func:`~.gambit.read_nfg`).
    """
    check_player_count(len(game.players), game)
    check_title(game.title, game)
    for i, strategies in enumerate(game.strategy_labels):
        if len(strategies) > MAX_OPTIONS:
            raise refuse(
                f"player {i + 1} has {len(strategies):,} strategies; a scenario's lever has "
                f"at most {MAX_OPTIONS:,} options",
                game,
                ("strategies", i),
            )
    n_prof = math.prod(len(x) for x in game.strategy_labels)
    # Each profile is at least a list of n payoffs in the scenario's YAML: refuse a table
    # the scenario file cannot hold before building it.
    if n_prof * (len(game.players) + 1) > MAX_NODES:
        raise refuse(
            f"the game has {n_prof:,} strategy profiles of {len(game.players)} players; the "
            f"payoff table of a scenario file holds at most {MAX_NODES:,} values",
            game,
            "strategies",
        )
    taken: set[str] = set()
    names = [identifier(p, "player", taken, PLAYER_RESERVED) for p in game.players]
    players: dict[str, Any] = {}
    option_names: list[list[str]] = []
    for name, label, strategies in zip(names, game.players, game.strategy_labels, strict=True):
        opts, opt_names = labelled_options(strategies, "s")
        option_names.append(opt_names)
        players[name] = {"label": label, "levers": {name: opts}}
    U = game.U
    if len(names) == 2:
        payoffs: dict[str, Any] = {
            "matrix": [
                [[yaml_number(U[0, r, c]), yaml_number(U[1, r, c])] for c in range(U.shape[2])]
                for r in range(U.shape[1])
            ]
        }
    else:
        rows = []
        for idx in itertools.product(*(range(s) for s in U.shape[1:])):
            rows.append(
                [option_names[i][a] for i, a in enumerate(idx)]
                + [yaml_number(U[(i, *idx)]) for i in range(len(names))]
            )
        payoffs = {"table": {"levers": names, "rows": rows}}
    doc = {
        "tradegame": 1,
        "title": game.title or "Imported strategic game",
        "description": game.comment,
        "players": players,
        "payoffs": payoffs,
        "outcomes": {"otherwise": "played"},
        "analysis": {"samples": 1},
    }
    text = dump_scenario(doc, f"# Imported from Gambit ({source}) by tradegame import\n")
    check_imported(text, game, "strategies")
    return text
