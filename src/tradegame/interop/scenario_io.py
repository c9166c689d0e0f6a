"""Between Gambit games and tradegame scenarios: export a central game, import a file.

``tradegame export`` writes a scenario's central game (every parameter at its
median): a simultaneous game as ``.nfg`` (its strategic form) or ``.efg``
(each player moving once without seeing the others), a sequential game as
``.efg`` (its tree) or ``.nfg`` (its reduced normal form). Players and options
are written with their labels.

``tradegame import`` turns a Gambit file into a scenario: an ``.nfg`` into a
simultaneous scenario (a matrix for two players, a table otherwise); an
``.efg`` into a sequential scenario when the tree is a *stage game* - every
play meets the same movers in the same order with the same actions, and each
information set is "what the mover has seen of the earlier stages" - which is
the class of trees tradegame's scenarios describe. Names that are not valid
identifiers are rewritten; the original texts are kept as labels, so exporting
the imported scenario gives back the same game.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import numpy as np
import yaml

from tradegame.interop.gambit import GambitFormatError, NfgGame, write_efg, write_nfg
from tradegame.model.stages import Stage
from tradegame.model.tree import GameTree
from tradegame.scenario.load import Scenario

__all__ = ["export_scenario", "scenario_from_efg", "scenario_from_nfg"]


# ----------------------------------------------------------------------- export


def export_scenario(scenario: Scenario, fmt: str) -> str:
    """A scenario's central game as Gambit text, ``fmt`` "nfg" or "efg"."""
    from tradegame.model.central import central_payoffs, central_stage_game
    from tradegame.model.normal_form import reduced_normal_form

    # The description travels as Gambit's comment, so that import then export is the identity.
    comment = scenario.spec.description or ""
    players = tuple(p.label for p in scenario.players)
    if scenario.is_sequential:
        g = central_stage_game(scenario)
        if fmt == "nfg":
            U, labels = reduced_normal_form(g.V, g.stages, g.players, g.chance_probs)
            return write_nfg(U, players, labels, scenario.title, comment)
        stages = tuple(
            Stage(
                st.name,
                None if st.mover is None else _label_of(scenario, st.mover),
                st.actions,
                st.observes,
            )
            for st in g.stages
        )
        tree = GameTree.from_stages(g.V, stages, players, g.chance_probs, scenario.title)
        tree.comment = comment
        return write_efg(tree)
    game, U = central_payoffs(scenario)
    labels = tuple(
        tuple(
            "/".join(lv.label(int(k)) for lv, k in zip(p.levers, row, strict=True))
            for row in game.strategy_options(i)
        )
        for i, p in enumerate(scenario.players)
    )
    if fmt == "nfg":
        return write_nfg(U, players, labels, scenario.title, comment)
    stages = tuple(
        Stage(p.name, p.label, labels[i], observes=()) for i, p in enumerate(scenario.players)
    )
    tree = GameTree.from_stages(U, stages, players, None, scenario.title)
    tree.comment = comment
    return write_efg(tree)


def _label_of(scenario: Scenario, player: str) -> str:
    return next(p.label for p in scenario.players if p.name == player)


# ----------------------------------------------------------------------- import


def _identifier(text: str, prefix: str, taken: set[str]) -> str:
    name = re.sub(r"\W+", "_", text.strip(), flags=re.ASCII).strip("_") or prefix
    if name[0].isdigit():
        name = f"{prefix}{name}"
    if (
        name
        in (
            "min",
            "max",
            "abs",
            "exp",
            "log",
            "sqrt",
            "where",
            "clip",
            "True",
            "False",
            "None",
            "otherwise",
        )
        or not name.isidentifier()
    ):
        name = f"{prefix}_{name}"
    base, k = name, 2
    while name in taken:
        name = f"{base}_{k}"
        k += 1
    taken.add(name)
    return name


def _number(x: float) -> float | int:
    return int(x) if float(x).is_integer() and abs(x) < 2**53 else float(x)


def _dump(doc: dict[str, Any], header: str) -> str:
    if not doc.get("description"):
        doc.pop("description", None)
    # Flow style for the innermost lists (table rows, matrix cells) keeps them on one line.
    return header + yaml.safe_dump(
        doc, sort_keys=False, allow_unicode=True, width=100, default_flow_style=None
    )


def _options(labels: Sequence[str], prefix: str) -> tuple[dict[str, Any], list[str]]:
    taken: set[str] = set()
    names = [_identifier(label, prefix, taken) for label in labels]
    return {n: {"label": lab} for n, lab in zip(names, labels, strict=True)}, names


def scenario_from_nfg(game: NfgGame, source: str = "") -> str:
    """A simultaneous scenario (YAML text) for a strategic game read from ``.nfg``."""
    taken: set[str] = set()
    names = [_identifier(p, "player", taken) for p in game.players]
    players: dict[str, Any] = {}
    option_names: list[list[str]] = []
    for name, label, strategies in zip(names, game.players, game.strategy_labels, strict=True):
        opts, opt_names = _options(strategies, "s")
        option_names.append(opt_names)
        players[name] = {"label": label, "levers": {name: opts}}
    U = game.U
    if len(names) == 2:
        payoffs: dict[str, Any] = {
            "matrix": [
                [[_number(U[0, r, c]), _number(U[1, r, c])] for c in range(U.shape[2])]
                for r in range(U.shape[1])
            ]
        }
    else:
        rows = []
        for idx in itertools.product(*(range(s) for s in U.shape[1:])):
            rows.append(
                [option_names[i][a] for i, a in enumerate(idx)]
                + [_number(U[(i, *idx)]) for i in range(len(names))]
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
    return _dump(doc, f"# Imported from Gambit ({source}) by tradegame import\n")


def scenario_from_efg(tree: GameTree, source: str = "") -> str:
    """A sequential scenario (YAML text) for an extensive game read from ``.efg``.

    Raises
    ------
    GambitFormatError
        When the tree is not a stage game (see the module docstring).
    """
    g = tree.graph
    terminals = sorted(n for n in g.nodes if g.nodes[n]["kind"] == "terminal")
    depth = len(terminals[0])
    if any(len(t) != depth for t in terminals):
        raise GambitFormatError(
            "only stage games can become scenarios: every play must pass the same number of "
            "moves, and this tree's plays have different lengths"
        )
    taken: set[str] = set()
    player_names = {p: _identifier(p, "player", taken) for p in tree.players}
    stages: list[dict[str, Any]] = []
    levers: dict[str, dict[str, Any]] = {p: {} for p in tree.players}
    chance: dict[str, Any] = {}
    lever_order: list[str] = []
    option_names: list[list[str]] = []
    for s in range(depth):
        nodes = sorted(n for n in g.nodes if len(n) == s)
        kinds = {g.nodes[n]["kind"] for n in nodes}
        actions = {tuple(g.nodes[n]["actions"]) for n in nodes}
        movers = {g.nodes[n].get("player") for n in nodes}
        if len(kinds) != 1 or len(actions) != 1 or len(movers) != 1:
            raise GambitFormatError(
                f"only stage games can become scenarios: the moves at depth {s + 1} differ "
                "(mover, kind or actions) between plays"
            )
        labels = list(next(iter(actions)))
        first = nodes[0]
        # Trees written by tradegame label information sets "<stage>|<history seen>".
        infoset_label = str(g.nodes[first].get("infoset_label") or "").split("|")[0].strip()
        lever = _identifier(infoset_label or f"move{s + 1}", "move", taken)
        _, names = _options(labels, "a")
        option_names.append(names)
        lever_order.append(lever)
        if kinds == {"chance"}:
            probs = {tuple(g.nodes[n]["probs"]) for n in nodes}
            if len(probs) != 1:
                raise GambitFormatError(
                    f"only stage games can become scenarios: the chance probabilities at depth "
                    f"{s + 1} differ between plays"
                )
            p = next(iter(probs))
            chance[lever] = {
                "label": infoset_label or lever,
                "options": {n: _fraction(x) for n, x in zip(names, p, strict=True)},
            }
            stages.append({"chance": lever})
            continue
        player = next(iter(movers))
        levers[player][lever] = {n: {"label": lab} for n, lab in zip(names, labels, strict=True)}
        observes = _observed(tree, nodes, s)
        stage: dict[str, Any] = {"player": player_names[player], "levers": [lever]}
        if observes is not None:
            stage["observes"] = [lever_order[t] for t in observes]
        stages.append(stage)
    rows = []
    for t in terminals:
        pay = tree.terminal_payoffs(t)
        rows.append([option_names[s][a] for s, a in enumerate(t)] + [_number(x) for x in pay])
    doc = {
        "tradegame": 1,
        "title": tree.title or "Imported extensive game",
        "description": tree.comment,
        "players": {
            player_names[p]: {"label": p, "levers": levers[p]} for p in tree.players if levers[p]
        },
        **({"chance": chance} if chance else {}),
        "stages": stages,
        "payoffs": {"table": {"levers": lever_order, "rows": rows}},
        "outcomes": {"otherwise": "played"},
        "analysis": {"samples": 1},
    }
    silent = [p for p in tree.players if not levers[p]]
    if silent:
        raise GambitFormatError(
            f"player {silent[0]!r} never moves; scenarios need every player to move"
        )
    return _dump(doc, f"# Imported from Gambit ({source}) by tradegame import\n")


def _fraction(x: float) -> float | str:
    f = Fraction(x).limit_denominator(10**9)
    return _number(x) if f.denominator == 1 or abs(float(f) - x) > 1e-15 else float(f)


def _observed(tree: GameTree, nodes: list[tuple[int, ...]], s: int) -> list[int] | None:
    """Earlier stages the mover at depth s sees, or None when it sees them all."""
    g = tree.graph
    groups: dict[Any, list[tuple[int, ...]]] = {}
    for n in nodes:
        groups.setdefault(g.nodes[n]["infoset"], []).append(n)
    seen = [
        t for t in range(s) if all(len({m[t] for m in members}) == 1 for members in groups.values())
    ]
    # The information sets must be exactly "same actions at the seen stages".
    by_seen: dict[tuple[int, ...], set[Any]] = {}
    for n in nodes:
        by_seen.setdefault(tuple(n[t] for t in seen), set()).add(g.nodes[n]["infoset"])
    if any(len(keys) != 1 for keys in by_seen.values()):
        raise GambitFormatError(
            f"only stage games can become scenarios: the information sets at depth {s + 1} "
            "are not 'what the mover has seen of earlier moves'"
        )
    return None if seen == list(range(s)) else seen


# Silence the unused-import check for numpy (used in type positions by callers).
_ = np
