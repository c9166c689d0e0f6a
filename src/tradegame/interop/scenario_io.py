"""Between Gambit games and tradegame scenarios: export a central game, import a file.

``tradegame export`` writes a scenario's central game (every parameter at its
median): a simultaneous game as ``.nfg`` (its strategic form) or ``.efg``
(each player moving once without seeing the others), a sequential game as
``.efg`` (its tree) or ``.nfg`` (its reduced normal form). Players, options
and stages are written with their labels; ``.nfg`` in Gambit's own layout (the
outcome version), the description as Gambit's comment.

``tradegame import`` turns a Gambit file into a scenario: an ``.nfg`` into a
simultaneous scenario (a matrix for two players, a table otherwise); an
``.efg`` into a sequential scenario when the tree is a *stage game* - every
play meets the same movers in the same order with the same actions (and
chance the same probabilities), and each information set is "what the mover
has seen of the earlier stages" - which is the class of trees tradegame's
scenarios describe. Plays may be shorter than others when they end at an
action that ends the game at that stage (the same action, wherever it is
chosen at that depth, ends every play, and the game has perfect
information): the stage then lists it under ``ends:``. Other trees are
refused with a one-line reason: a tree whose plays differ in length in any
other way could only be imported by adding moves, and exporting it would not
give back the same tree.

Names that are not valid scenario names are rewritten (over-long ones cut
and ended with a hash of the text, so the same text always gives the same
name); the original texts are kept as labels. Exporting the imported scenario
then gives back the same game: the same text for every file export writes,
and for other files the same game with the labels the scenario format cannot
hold rewritten (information-set and outcome labels; chance actions' labels
that are not names).
"""

from __future__ import annotations

import hashlib
import itertools
import keyword
import re
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import yaml

from tradegame.interop.gambit import GambitFormatError, NfgGame, write_efg, write_nfg
from tradegame.model.game import GameStructure
from tradegame.model.stages import Stage
from tradegame.model.tree import GameTree
from tradegame.scenario.load import Scenario

__all__ = ["export_scenario", "scenario_from_efg", "scenario_from_nfg"]


# ----------------------------------------------------------------------- export


def export_scenario(scenario: Scenario, fmt: str) -> str:
    """A scenario's central game as Gambit text.

    Parameters
    ----------
    scenario : Scenario
    fmt : {"nfg", "efg"}
        ``.nfg`` is written in Gambit's own layout (the outcome version, one
        unlabelled outcome per profile); ``.efg`` as :func:`~.gambit.write_efg` does.

    Returns
    -------
    str
    """
    from tradegame.model.central import central_payoffs, central_stage_game
    from tradegame.model.normal_form import reduced_normal_form

    # The description travels as Gambit's comment, so that import then export is the identity.
    comment = scenario.spec.description or ""
    players = tuple(p.label for p in scenario.players)
    if scenario.is_sequential:
        g = central_stage_game(scenario)
        structure = GameStructure.from_scenario(scenario)
        # Players, stages and actions are written with their labels (names stay internal).
        stages = tuple(
            Stage(
                st.name,
                None if st.mover is None else _label_of(scenario, st.mover),
                _option_labels(structure, k),
                st.observes,
                st.ends,
            )
            for k, st in enumerate(g.stages)
        )
        if fmt == "nfg":
            U, labels = reduced_normal_form(g.V, stages, players, g.chance_probs)
            return write_nfg(U, players, labels, scenario.title, comment, version="outcome")
        tree = GameTree.from_stages(g.V, stages, players, g.chance_probs, scenario.title)
        tree.comment = comment
        return write_efg(tree)
    game, U = central_payoffs(scenario)
    labels = tuple(_option_labels(game, i) for i in range(len(scenario.players)))
    if fmt == "nfg":
        return write_nfg(U, players, labels, scenario.title, comment, version="outcome")
    stages = tuple(
        Stage(p.name, p.label, labels[i], observes=()) for i, p in enumerate(scenario.players)
    )
    tree = GameTree.from_stages(U, stages, players, None, scenario.title)
    tree.comment = comment
    return write_efg(tree)


def _label_of(scenario: Scenario, player: str) -> str:
    return next(p.label for p in scenario.players if p.name == player)


def _option_labels(game: GameStructure, axis: int) -> tuple[str, ...]:
    """Labels of the strategies (or stage actions) of one axis: option labels joined by '/'."""
    levers = game.axes[axis]
    return tuple(
        "/".join(levers[j].label(int(k)) for j, k in enumerate(row))
        for row in game.strategy_options(axis)
    )


# ----------------------------------------------------------------------- import

#: Names that expressions reserve (see docs/scenario-format.md, "Names").
_RESERVED = frozenset(
    {"min", "max", "abs", "exp", "log", "sqrt", "where", "clip", "True", "False", "None"}
    | {"otherwise"}
)
#: Longest name a scenario accepts.
_MAX_NAME = 64


def _identifier(
    text: str, prefix: str, taken: set[str], reserved: frozenset[str] = frozenset()
) -> str:
    """A valid, unused scenario name for ``text``; it is added to ``taken``.

    Runs of characters other than ASCII letters, digits and underscores become
    ``_``; a name starting with a digit, or reserved, gets ``prefix``. A name
    longer than 64 characters is cut and ends with 8 hex digits of the SHA-256
    of ``text``, so the same text always gives the same name. A name already
    taken gets ``_2``, ``_3``, ... (cut to stay within 64 characters).
    """
    name = re.sub(r"\W+", "_", text.strip(), flags=re.ASCII).strip("_") or prefix
    if name[0].isdigit():
        name = f"{prefix}{name}"
    if name in _RESERVED or name in reserved or keyword.iskeyword(name):
        name = f"{prefix}_{name}"
    if len(name) > _MAX_NAME:
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]
        name = f"{name[: _MAX_NAME - 9].rstrip('_')}_{digest}"
    base, k = name, 2
    while name in taken:
        suffix = f"_{k}"
        name = f"{base[: _MAX_NAME - len(suffix)]}{suffix}"
        k += 1
    taken.add(name)
    return name


def scenario_from_nfg(game: NfgGame, source: str = "") -> str:
    """A simultaneous scenario (YAML text) for a strategic game read from ``.nfg``.

    Each player gets one lever; strategies become its options, with Gambit's
    strategy labels as the options' labels. Exporting the scenario as ``.nfg``
    gives back the same game in Gambit's layout.

    Raises
    ------
    GambitFormatError
        When the game has fewer than two players (scenarios need 2 to 16).
    """
    _check_player_count(len(game.players))
    taken: set[str] = set()
    names = [_identifier(p, "player", taken, _PLAYER_RESERVED) for p in game.players]
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

    Depth *s* of the tree becomes stage *s* with one lever (a chance lever for
    chance moves); Gambit's action labels become the options' labels. The
    stage is named after its information sets when their labels are the ones
    :func:`export_scenario` writes (``"<stage>"`` for a stage with one
    information set, ``"<stage>|<stage>=<action>,..."`` naming what the mover
    has seen), so that exporting the scenario writes them again; otherwise it
    is named ``move<s>``.

    Raises
    ------
    GambitFormatError
        With a one-line reason, when the tree is not a stage game (see the
        module docstring), a player never moves, or there are fewer than two
        players.
    """
    _check_player_count(len(tree.players))
    g = tree.graph
    terminals = sorted(n for n in g.nodes if g.nodes[n]["kind"] == "terminal")
    depth = max(len(t) for t in terminals)
    ends = _ending_actions(tree, depth)
    player_taken: set[str] = set()
    player_names = {
        p: _identifier(p, "player", player_taken, _PLAYER_RESERVED) for p in tree.players
    }
    taken: set[str] = set()
    stages: list[dict[str, Any]] = []
    levers: dict[str, dict[str, Any]] = {p: {} for p in tree.players}
    chance: dict[str, Any] = {}
    lever_order: list[str] = []
    stage_names: list[str] = []
    action_labels: list[tuple[str, ...]] = []
    option_names: list[list[str]] = []
    for s in range(depth):
        nodes = sorted(n for n in g.nodes if len(n) == s and g.nodes[n]["kind"] != "terminal")
        kinds = {g.nodes[n]["kind"] for n in nodes}
        actions = {tuple(g.nodes[n]["actions"]) for n in nodes}
        movers = {g.nodes[n].get("player") for n in nodes}
        if len(kinds) != 1 or len(actions) != 1 or len(movers) != 1:
            if len(kinds) != 1:
                detail = "chance in some plays, a player in others"
            elif len(movers) != 1:
                detail = "the mover: " + " or ".join(repr(m) for m in sorted(movers, key=str))
            else:
                detail = "the actions: " + " or ".join(
                    "{" + ", ".join(repr(a) for a in x) + "}" for x in sorted(actions)
                )
            raise GambitFormatError(
                f"only stage games can become scenarios: the moves at depth {s + 1} differ "
                f"between plays ({detail})"
            )
        labels = next(iter(actions))
        is_chance = kinds == {"chance"}
        if is_chance:
            probs = {tuple(g.nodes[n]["probs"]) for n in nodes}
            if len(probs) != 1:
                raise GambitFormatError(
                    f"only stage games can become scenarios: the chance probabilities at depth "
                    f"{s + 1} differ between plays"
                )
            # Chance sees everything: export labels its information sets with the whole history.
            seen: list[int] | None = list(range(s))
        else:
            seen = _observed(tree, nodes, s)
            if seen is not None and any(ends):
                raise GambitFormatError(
                    "only stage games can become scenarios: plays of different lengths need "
                    f"perfect information, and the mover at depth {s + 1} has not seen every "
                    "earlier move"
                )
        name = _stage_name(
            tree, nodes, list(range(s)) if seen is None else seen, stage_names, action_labels
        )
        if name in stage_names:
            name = ""  # two stages may not share a name: keep the lever's
        lever = _identifier(name or f"move{s + 1}", "move", taken)
        stage_names.append(name or lever)
        lever_order.append(lever)
        action_labels.append(labels)
        if is_chance:
            # Chance options have no labels: their names are all a scenario keeps.
            _, names = _options(labels, "a")
            option_names.append(names)
            p = next(iter(probs))
            chance[lever] = {
                **({"label": name} if name else {}),
                "options": {n: _fraction(x) for n, x in zip(names, p, strict=True)},
            }
            stages.append(
                {"chance": lever, **({"ends": [names[a] for a in ends[s]]} if ends[s] else {})}
            )
            continue
        opts, names = _options(labels, "a")
        option_names.append(names)
        player = next(iter(movers))
        levers[player][lever] = opts
        stage: dict[str, Any] = {"player": player_names[player], "levers": [lever]}
        if seen is not None:
            stage["observes"] = [lever_order[t] for t in seen]
        if name and name != lever:
            stage["label"] = name
        if ends[s]:
            stage["ends"] = [names[a] for a in ends[s]]
        stages.append(stage)
    silent = [p for p in tree.players if not levers[p]]
    if silent:
        raise GambitFormatError(
            f"player {silent[0]!r} never moves; scenarios need every player to move"
        )
    rows = []
    for h in itertools.product(*(range(len(x)) for x in option_names)):
        # A play that ended early: every continuation has its payoffs (they cannot matter).
        t = next(h[:s] for s in range(1, depth + 1) if h[:s] in g and _is_terminal(g, h[:s]))
        pay = tree.terminal_payoffs(t)
        rows.append([option_names[s][a] for s, a in enumerate(h)] + [_number(x) for x in pay])
    doc = {
        "tradegame": 1,
        "title": tree.title or "Imported extensive game",
        "description": tree.comment,
        "players": {player_names[p]: {"label": p, "levers": levers[p]} for p in tree.players},
        **({"chance": chance} if chance else {}),
        "stages": stages,
        "payoffs": {"table": {"levers": lever_order, "rows": rows}},
        "outcomes": {"otherwise": "played"},
        "analysis": {"samples": 1},
    }
    return _dump(doc, f"# Imported from Gambit ({source}) by tradegame import\n")


def _is_terminal(g: Any, node: tuple[int, ...]) -> bool:
    return bool(g.nodes[node]["kind"] == "terminal")


def _ending_actions(tree: GameTree, depth: int) -> list[tuple[int, ...]]:
    """Per depth, the actions that end the game there (plays shorter than ``depth``).

    Raises
    ------
    GambitFormatError
        When a short play is not "an action that ends the game at that stage": the
        same action must end it wherever it is chosen at that depth.
    """
    g = tree.graph
    ends: list[tuple[int, ...]] = []
    for s in range(depth):
        movers = sorted(n for n in g.nodes if len(n) == s and not _is_terminal(g, n))
        ending: set[int] = set()
        going_on: set[int] = set()
        for n in movers:
            for c in tree.children(n):
                if s + 1 < depth and _is_terminal(g, c):
                    ending.add(c[-1])
                else:
                    going_on.add(c[-1])
        if ending & going_on:
            a = min(ending & going_on)
            raise GambitFormatError(
                "only stage games can become scenarios: plays of different lengths must end "
                f"at an action that ends the game wherever it is chosen, and action {a + 1} at "
                f"depth {s + 1} ends some plays but not others"
            )
        ends.append(tuple(sorted(ending)))
    return ends


#: Players may not be called 'chance' (results list chance levers under that key).
_PLAYER_RESERVED = frozenset({"chance"})


def _check_player_count(n: int) -> None:
    if not 2 <= n <= 16:
        raise GambitFormatError(
            f"the game has {n} player{'s' if n != 1 else ''}; scenarios have 2 to 16 players"
        )


def _options(labels: Sequence[str], prefix: str) -> tuple[dict[str, Any], list[str]]:
    """Option names for Gambit's labels, and the options with their labels."""
    taken: set[str] = set()
    names = [_identifier(label, prefix, taken) for label in labels]
    return {n: {"label": lab} for n, lab in zip(names, labels, strict=True)}, names


def _stage_name(
    tree: GameTree,
    nodes: list[tuple[int, ...]],
    seen: list[int],
    stage_names: list[str],
    action_labels: list[tuple[str, ...]],
) -> str:
    """The stage name that makes export write this depth's information-set labels, or ''.

    Export labels an information set ``name`` when the mover has seen nothing,
    else ``name|<stage>=<action>,...`` over the stages seen (chance: all earlier
    stages). The name is found when every information set's label has that form.
    """
    g = tree.graph
    names: set[str] = set()
    for n in nodes:
        label = str(g.nodes[n].get("infoset_label") or "")
        if not seen:
            names.add(label)
            continue
        tail = "|" + ",".join(f"{stage_names[o]}={action_labels[o][n[o]]}" for o in seen)
        names.add(label[: -len(tail)] if label.endswith(tail) else "")
    name = names.pop() if len(names) == 1 else ""
    return name if name.strip() else ""


def _dump(doc: dict[str, Any], header: str) -> str:
    if not doc.get("description"):
        doc.pop("description", None)
    # Flow style for the innermost lists (table rows, matrix cells) keeps them on one line.
    return header + yaml.safe_dump(
        doc, sort_keys=False, allow_unicode=True, width=100, default_flow_style=None
    )


def _number(x: float) -> float | int:
    return int(x) if float(x).is_integer() and abs(x) < 2**53 else float(x)


def _fraction(x: float) -> float | str:
    f = Fraction(x).limit_denominator(10**9)
    return _number(x) if f.denominator == 1 or abs(float(f) - x) > 1e-15 else float(f)


def _observed(tree: GameTree, nodes: list[tuple[int, ...]], s: int) -> list[int] | None:
    """Earlier stages the mover at depth s sees, or None when it sees them all.

    Raises
    ------
    GambitFormatError
        When the information sets are not "same actions at the stages seen".
    """
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
