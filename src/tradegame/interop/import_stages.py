"""Import of a Gambit extensive game as a scenario with ``stages:`` (a stage game).

:func:`stage_scenario_from_efg`: depth *s* of the tree becomes stage *s* with
one lever; the tree must be a stage game (every play meets the same movers in
the same order with the same actions, information sets are "what the mover has
seen of earlier stages", and plays that end early end at an action that ends
the game at that stage), else it is refused with a one-line reason.
"""

from __future__ import annotations

import functools
import itertools
import math
from fractions import Fraction
from typing import Any

from tradegame.interop.import_common import (
    MAX_OPTIONS,
    PLAYER_RESERVED,
    check_every_player_moves,
    check_imported,
    check_player_count,
    check_title,
    dump_scenario,
    identifier,
    labelled_options,
    refuse,
    yaml_number,
)
from tradegame.model.tree import GameTree
from tradegame.scenario.yaml_source import MAX_NODES

__all__ = ["stage_scenario_from_efg"]


def stage_scenario_from_efg(tree: GameTree, source: str = "", *, check: bool = True) -> str:
    """A scenario with ``stages:`` (YAML text) for a stage game read from ``.efg``.

    Depth *s* of the tree becomes stage *s* with one lever (a chance lever for
    chance moves); Gambit's action labels become the options' labels. The
    stage is named after its information sets when their labels are the ones
    :func:`export_scenario` writes (``"<stage>"`` for a stage with one
    information set, ``"<stage>|<stage>=<action>,..."`` naming what the mover
    has seen), so that exporting the scenario writes them again; otherwise it
    is named ``move<s>``. Outcome labels and node labels are not kept (a stage
    scenario has no place for them). With ``check`` (the default) the text is
    loaded before it is returned (:func:`check_imported`).

    Raises
    ------
    GambitFormatError
        With a one-line reason, when the tree is not a stage game (see the
        module docstring), a player never moves, or there are fewer than two
        players.
    """
    check_player_count(len(tree.players), tree)
    check_title(tree.title, tree)
    g = tree.graph
    terminals = sorted(n for n in g.nodes if g.nodes[n]["kind"] == "terminal")
    depth = max(len(t) for t in terminals)
    if depth > _max_stages():
        raise refuse(
            f"the tree has plays {depth} moves long; a scenario with stages has at most "
            f"{_max_stages()} stages",
            tree,
            next(t for t in terminals if len(t) == depth),
        )
    movers_at = _movers_by_depth(tree, depth)
    ends = _ending_actions(tree, movers_at)
    player_taken: set[str] = set()
    player_names = {p: identifier(p, "player", player_taken, PLAYER_RESERVED) for p in tree.players}
    taken: set[str] = set()
    stages: list[dict[str, Any]] = []
    levers: dict[str, dict[str, Any]] = {p: {} for p in tree.players}
    chance: dict[str, Any] = {}
    lever_order: list[str] = []
    stage_names: list[str] = []
    action_labels: list[tuple[str, ...]] = []
    option_names: list[list[str]] = []
    for s in range(depth):
        nodes = movers_at[s]
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
            raise refuse(
                f"only stage games can become scenarios: the moves at depth {s + 1} differ "
                f"between plays ({detail})",
                tree,
                _first_differing(g, nodes),
            )
        labels = next(iter(actions))
        is_chance = kinds == {"chance"}
        if is_chance:
            probs = {tuple(g.nodes[n]["probs"]) for n in nodes}
            if len(probs) != 1:
                first = tuple(g.nodes[nodes[0]]["probs"])
                raise refuse(
                    f"only stage games can become scenarios: the chance probabilities at depth "
                    f"{s + 1} differ between plays",
                    tree,
                    next(n for n in nodes if tuple(g.nodes[n]["probs"]) != first),
                )
            # Chance sees everything: export labels its information sets with the whole history.
            seen: list[int] | None = list(range(s))
        else:
            seen = _observed(tree, nodes, s)
            if seen is not None and any(ends):
                raise refuse(
                    "only stage games can become scenarios: plays of different lengths need "
                    f"perfect information, and the mover at depth {s + 1} has not seen every "
                    "earlier move",
                    tree,
                    nodes[0],
                )
        name = _stage_name(
            tree, nodes, list(range(s)) if seen is None else seen, stage_names, action_labels
        )
        if name in stage_names:
            name = ""  # two stages may not share a name: keep the lever's
        lever = identifier(name or f"move{s + 1}", "move", taken)
        stage_names.append(name or lever)
        lever_order.append(lever)
        action_labels.append(labels)
        if is_chance:
            # Chance options have no labels: their names are all a scenario keeps.
            _, names = labelled_options(labels, "a")
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
        opts, names = labelled_options(labels, "a")
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
    check_every_player_moves(tree, {p for p in tree.players if levers[p]})
    for s, names in enumerate(option_names):
        if len(names) > MAX_OPTIONS:
            raise refuse(
                f"the move at depth {s + 1} has {len(names):,} actions; a scenario's lever has "
                f"at most {MAX_OPTIONS:,} options",
                tree,
                movers_at[s][0],
            )
    n_rows = math.prod(len(x) for x in option_names)
    if n_rows * (len(option_names) + len(tree.players) + 1) > MAX_NODES:
        raise refuse(
            f"the payoff table of a scenario with stages would have {len(option_names)} "
            f"levers and {'more than 10^9' if n_rows > 10**9 else f'{n_rows:,}'} rows, more "
            f"than a scenario file holds ({MAX_NODES:,} values)",
            tree,
            (),
        )
    rows = []
    for h in itertools.product(*(range(len(x)) for x in option_names)):
        # A play that ended early: every continuation has its payoffs (they cannot matter).
        t = next(h[:s] for s in range(1, depth + 1) if h[:s] in g and _is_terminal(g, h[:s]))
        pay = tree.terminal_payoffs(t)
        rows.append([option_names[s][a] for s, a in enumerate(h)] + [yaml_number(x) for x in pay])
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
    text = dump_scenario(doc, f"# Imported from Gambit ({source}) by tradegame import\n")
    if check:
        check_imported(text, tree, ())
    return text


def _is_terminal(g: Any, node: tuple[int, ...]) -> bool:
    return bool(g.nodes[node]["kind"] == "terminal")


@functools.cache
def _max_stages() -> int:
    """The most stages a scenario has (the schema's limit)."""
    from tradegame.scenario.schema import ScenarioFile

    stages = ScenarioFile.model_json_schema()["properties"]["stages"]["anyOf"][0]
    return int(stages["maxItems"])


def _movers_by_depth(tree: GameTree, depth: int) -> list[list[tuple[int, ...]]]:
    """The decision and chance nodes at each depth below ``depth``, in preorder."""
    out: list[list[tuple[int, ...]]] = [[] for _ in range(depth)]
    for n in tree.nodes():
        if not _is_terminal(tree.graph, n):
            out[len(n)].append(n)
    return out


def _ending_actions(
    tree: GameTree, movers_at: list[list[tuple[int, ...]]]
) -> list[tuple[int, ...]]:
    """Per depth, the actions that end the game there (plays shorter than the longest).

    Raises
    ------
    GambitFormatError
        When a short play is not "an action that ends the game at that stage": the
        same action must end it wherever it is chosen at that depth.
    """
    g = tree.graph
    depth = len(movers_at)
    ends: list[tuple[int, ...]] = []
    for s, movers in enumerate(movers_at):
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
            raise refuse(
                "only stage games can become scenarios: plays of different lengths must end "
                f"at an action that ends the game wherever it is chosen, and action {a + 1} at "
                f"depth {s + 1} ends some plays but not others",
                tree,
                next(n for n in movers if (*n, a) in g),
            )
        ends.append(tuple(sorted(ending)))
    return ends


def _first_differing(g: Any, nodes: list[tuple[int, ...]]) -> tuple[int, ...]:
    """The first node whose kind, mover or actions differ from the first one's."""

    def sig(n: tuple[int, ...]) -> tuple[Any, ...]:
        d = g.nodes[n]
        return (d["kind"], d.get("player"), tuple(d["actions"]))

    return next((n for n in nodes if sig(n) != sig(nodes[0])), nodes[0])


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


def _fraction(x: float) -> float | str:
    f = Fraction(x).limit_denominator(10**9)
    return yaml_number(x) if f.denominator == 1 or abs(float(f) - x) > 1e-15 else float(f)


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
        seen_here = tuple(n[t] for t in seen)
        by_seen.setdefault(seen_here, set()).add(g.nodes[n]["infoset"])
        if len(by_seen[seen_here]) != 1:
            raise refuse(
                f"only stage games can become scenarios: the information sets at depth "
                f"{s + 1} are not 'what the mover has seen of earlier moves'",
                tree,
                n,
            )
    return None if seen == list(range(s)) else seen
