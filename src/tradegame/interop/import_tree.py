"""Import of any Gambit extensive game as a scenario with a ``tree:``.

:func:`tree_scenario_from_efg` keeps the tree node by node (information sets as
levers, outcomes as named outcomes, every label), and writes the nested
``tree.root`` without recursion (:func:`_tree_lines`), so deep trees are fine.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Hashable, Mapping
from typing import Any

import yaml

from tradegame.interop.gambit import fraction_of
from tradegame.interop.import_common import (
    MAX_OPTIONS,
    PLAYER_RESERVED,
    check_every_player_moves,
    check_imported,
    check_title,
    dump_scenario,
    identifier,
    labelled_options,
    refuse,
    yaml_number,
)
from tradegame.model.tree import GameTree
from tradegame.scenario.load import NO_OUTCOME
from tradegame.scenario.yaml_source import MAX_DEPTH, MAX_NODES

__all__ = ["tree_scenario_from_efg"]

#: Most levers of a player, as the scenario schema has it.
_MAX_LEVERS = 1000
#: The most players a scenario has.
_MAX_PLAYERS = 16
#: A chance probability as written: a whole number, ``"p/q"``, or a float.
_Probability = int | float | str


def tree_scenario_from_efg(tree: GameTree, source: str = "") -> str:
    """A scenario with a ``tree:`` (YAML text) for any extensive game read from ``.efg``.

    The scenario holds the tree node by node, and everything of the file that a
    Gambit game is: exporting it as ``.efg`` writes the same file (renumbered in
    order of first appearance, as tradegame's writer does). Names:

    * players: their labels made names (:func:`identifier`; ``chance`` is
      reserved), with the label kept as ``label:``;
    * levers: one per information set (a chance lever per chance information set),
      named after its label when it has one (made a name), else
      ``<player>_<k>`` (``chance_<k>``) with *k* the information set's number
      among the player's in order of first appearance in preorder; a non-empty
      label is kept in ``tree.infoset_labels``;
    * options: their action labels made names, each name distinct within its lever
      (two chance actions labelled ``1/2`` become ``a1_2`` and ``a1_2_2``), with the
      label kept as ``label:`` wherever the name differs from it;
    * outcomes: their labels made names, ``outcome<k>`` (*k*: its number in order
      of first appearance) when the label has no letter, digit or underscore,
      with the label kept as ``label:`` wherever the name differs (an empty label
      too). Outcomes are told apart by the nodes' ``outcome_key`` (the outcome
      number :func:`~.gambit.read_efg` records), else by label and payoffs.

    Chance probabilities are written exactly: a fraction with a denominator up to
    10^6 as the expression ``"p/q"`` (which evaluates to the same float), any other
    number as a float (whose text reads back to the same float); the Gambit writer
    turns each back into the same rational. Node labels, outcomes on non-terminal
    nodes and terminal nodes without an outcome are kept; title and comment
    become the title and the description.

    The nested ``tree.root`` is written by :func:`_tree_lines`, a loop over the
    nodes with an explicit stack, so deep trees never meet Python's recursion
    limit here (the rest of the file is shallow and written by PyYAML).

    Raises
    ------
    GambitFormatError
        With a one-line reason, when the scenario format cannot hold the tree: no
        players or more than 16, a player who never moves, a tree deeper than
        scenario files nest, or any other limit of scenario files (the text is
        loaded before it is returned).
    """
    n = len(tree.players)
    if not 1 <= n <= _MAX_PLAYERS:
        raise refuse(
            f"the game has {n} player{'s' if n != 1 else ''}; scenarios with a tree have 1 to "
            f"{_MAX_PLAYERS} players",
            tree,
            "players",
        )
    check_title(tree.title, tree)
    g = tree.graph
    nodes = tree.nodes()
    # YAML nesting of each node: the document, 'tree:', 'root:' at 2, then two levels
    # ('then:' and the child) per move; a node written as a mapping adds one for its values.
    too_deep = [
        h for h in nodes if 2 + 2 * len(h) + (0 if _is_bare_terminal(g.nodes[h]) else 1) > MAX_DEPTH
    ]
    if too_deep:
        raise refuse(
            f"the tree has plays {max(map(len, nodes))} moves long; scenario files nest at "
            f"most {MAX_DEPTH} levels, which holds trees about {(MAX_DEPTH - 3) // 2} moves deep",
            tree,
            too_deep[0],
        )
    player_taken: set[str] = set()
    player_names = {p: identifier(p, "player", player_taken, PLAYER_RESERVED) for p in tree.players}
    levers, infoset_labels, options = _tree_levers(tree, player_names)
    check_every_player_moves(tree, {who for who, _ in levers.values() if who is not None})
    outcome_of, outcomes = _tree_outcomes(tree, player_names, NO_OUTCOME)
    _check_yaml_size(tree, nodes, outcome_of, len(outcomes))

    players_doc: dict[str, Any] = {
        player_names[p]: {"label": p, "levers": {}} for p in tree.players
    }
    chance_doc: dict[str, Any] = {}
    for key, (who, lever) in levers.items():
        d = g.nodes[options[key][0]]
        names = options[key][1]
        labels = [str(a) for a in d["actions"]]
        if who is None:
            chance_doc[lever] = {
                "options": {
                    name: _probability(p)
                    if name == label
                    else {"probability": _probability(p), "label": label}
                    for name, label, p in zip(names, labels, d["probs"], strict=True)
                }
            }
        elif names == labels:
            players_doc[player_names[who]]["levers"][lever] = list(names)
        else:
            players_doc[player_names[who]]["levers"][lever] = {
                name: {} if name == label else {"label": label}
                for name, label in zip(names, labels, strict=True)
            }

    # Each node as YAML data, built in preorder: a child is added to its parent's
    # 'then:', whose option order is then the action order.
    then: dict[tuple[int, ...], dict[str, Any]] = {}
    root: dict[str, Any] = {}
    for h in nodes:
        d = g.nodes[h]
        outcome = outcome_of.get(h)
        label = str(d.get("name") or "")
        rep: Any
        if _is_bare_terminal(d):
            rep = outcome
        else:
            rep = {}
            if d["kind"] != "terminal":
                rep["move"] = levers[_infoset_key(d)][1]
            if label:
                rep["label"] = label
            if outcome is not None:
                rep["outcome"] = outcome
            if d["kind"] != "terminal":
                rep["then"] = then[h] = {}
        if h:
            parent = g.nodes[h[:-1]]
            then[h[:-1]][options[_infoset_key(parent)][1][h[-1]]] = rep
        else:
            root = rep
    doc = {
        "tradegame": 1,
        "title": tree.title or "Imported extensive game",
        "description": tree.comment,
        "players": players_doc,
        **({"chance": chance_doc} if chance_doc else {}),
        "analysis": {"samples": 1},
        # Last, so that 'root:' can follow as the last key of 'tree:'.
        "tree": {
            **({"infoset_labels": infoset_labels} if infoset_labels else {}),
            "outcomes": outcomes,
        },
    }
    text = dump_scenario(doc, f"# Imported from Gambit ({source}) by tradegame import\n")
    text += "\n".join(_tree_lines("root", root, indent=2)) + "\n"
    check_imported(text, tree, ())
    return text


def _check_yaml_size(
    tree: GameTree, nodes: list[tuple[int, ...]], outcome_of: Mapping[Any, str], n_outcomes: int
) -> None:
    """Refuse, at the node where it happens, a tree whose scenario has more YAML values
    than a scenario file holds (counted as the loader counts them, before writing it).

    Each outcome is at least a key, a mapping, ``payoffs:`` and its mapping, and a key
    and a value per player; each node a key (its option, or ``root``) and either a bare
    outcome name or a mapping with ``move:`` and ``then:`` and their values, and
    ``label:`` and ``outcome:`` when it has them. The rest of the file is not counted,
    so this is a lower bound and :func:`check_imported` stays the last guard.
    """
    g = tree.graph
    count = n_outcomes * (4 + 2 * len(tree.players))
    for h in nodes:
        d = g.nodes[h]
        if _is_bare_terminal(d):
            count += 2
        else:
            count += 2 + 2 * (d["kind"] != "terminal") * 2
            count += 2 * bool(d.get("name")) + 2 * (h in outcome_of)
        if count > MAX_NODES:
            raise refuse(
                f"the tree is too large for a scenario file: its scenario has more than "
                f"{MAX_NODES:,} YAML values by this node (the most a scenario file holds; "
                f"the tree has {len(nodes):,} nodes)",
                tree,
                h,
            )


#: Longest line :func:`_tree_lines` writes a mapping of names on (else one key a line).
_FLOW_WIDTH = 100


def _tree_lines(key: str, value: Any, indent: int) -> list[str]:
    """``key: value`` as YAML lines, for nested mappings of scalars, without recursion.

    Block style, except that a mapping whose values are all scalars is written on one
    line (``{fight: war, accommodate: share}``) when that line is at most 100
    characters, as PyYAML's ``default_flow_style=None`` does.
    """
    lines: list[str] = []
    stack: list[tuple[int, str, Any]] = [(indent, key, value)]
    while stack:
        at, k, v = stack.pop()
        head = f"{' ' * at}{_yaml_scalar(k)}:"
        if not isinstance(v, dict):
            lines.append(f"{head} {_yaml_scalar(v)}")
            continue
        if not any(isinstance(x, dict) for x in v.values()):
            items = ", ".join(f"{_yaml_scalar(a)}: {_yaml_scalar(b)}" for a, b in v.items())
            line = f"{head} {{{items}}}"
            if len(line) <= _FLOW_WIDTH or not v:
                lines.append(line)
                continue
        lines.append(head)
        stack.extend((at + 2, a, b) for a, b in reversed(v.items()))
    return lines


#: Characters YAML reads as line breaks.
_LINE_BREAKS = frozenset("\n\r\x85\u2028\u2029")


#: Names that may be written plain, if YAML does not read them as something else.
_PLAIN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_STR_TAG = "tag:yaml.org,2002:str"


@functools.lru_cache(maxsize=1 << 16, typed=True)
def _yaml_scalar(value: Any) -> str:
    """A scalar as YAML text on one line, valid as a key or value in block or flow style.

    PyYAML's own choice of style in a flow sequence (plain when it can, quoted when it
    must), or double quotes (with escapes) when that would span lines. A name that
    YAML reads as a string is plain at once (what PyYAML writes for it); other values
    go through PyYAML, cached: a tree's names and outcomes repeat, and one PyYAML
    round trip costs about 0.1 ms, which made 50,000-node trees take half a minute.
    """
    if (
        isinstance(value, str)
        and _PLAIN_NAME.fullmatch(value)
        and yaml.resolver.Resolver().resolve(yaml.ScalarNode, value, (True, False)) == _STR_TAG
    ):
        return value
    styles: tuple[dict[str, Any], ...] = (
        {"allow_unicode": True},
        {"allow_unicode": True, "default_style": '"'},
        {"default_style": '"'},
    )
    for style in styles:
        text = yaml.safe_dump([value], default_flow_style=True, width=2**31, **style)
        body = text.strip()[1:-1]
        if not _LINE_BREAKS.intersection(body) and yaml.safe_load(f"[{body}]") == [value]:
            return body
    raise ValueError(f"cannot write {value!r} as a YAML scalar on one line")


def _is_bare_terminal(d: dict[str, Any]) -> bool:
    """Whether a node is written as a bare outcome name (a terminal without a label)."""
    return bool(d["kind"] == "terminal" and d.get("payoffs") is not None and not d.get("name"))


def _infoset_key(d: dict[str, Any]) -> tuple[str | None, Any]:
    """A node's information set, told apart by mover (``None``: chance)."""
    return (None if d["kind"] == "chance" else d["player"], d["infoset"])


def _tree_levers(
    tree: GameTree, player_names: dict[str, str]
) -> tuple[
    dict[tuple[str | None, Any], tuple[str | None, str]],
    dict[str, str],
    dict[tuple[str | None, Any], tuple[tuple[int, ...], list[str]]],
]:
    """One lever per information set, in order of first appearance in preorder.

    Returns
    -------
    levers : dict
        Information set -> (the mover's label, or ``None`` for chance; lever name).
    infoset_labels : dict
        Lever -> its information set's label (non-empty ones only).
    options : dict
        Information set -> (its first node, the option names of its actions).
    """
    g = tree.graph
    taken: set[str] = set()
    levers: dict[tuple[str | None, Any], tuple[str | None, str]] = {}
    infoset_labels: dict[str, str] = {}
    options: dict[tuple[str | None, Any], tuple[tuple[int, ...], list[str]]] = {}
    count: dict[str | None, int] = {}
    for h in tree.nodes():
        d = g.nodes[h]
        if d["kind"] == "terminal":
            continue
        key = _infoset_key(d)
        if key in levers:
            continue
        who = key[0]
        count[who] = count.get(who, 0) + 1
        if len(d["actions"]) > MAX_OPTIONS:
            raise refuse(
                f"this information set has {len(d['actions']):,} actions; a scenario's lever "
                f"has at most {MAX_OPTIONS:,} options",
                tree,
                h,
            )
        if who is not None and count[who] > _MAX_LEVERS:
            raise refuse(
                f"player {who!r} has more than {_MAX_LEVERS:,} information sets; a scenario's "
                f"player has at most {_MAX_LEVERS:,} levers",
                tree,
                h,
            )
        prefix = "chance" if who is None else player_names[who]
        label = str(d.get("infoset_label") or "")
        text = label if label.strip() else f"{prefix}_{count[who]}"
        lever = identifier(text, prefix, taken)
        levers[key] = (who, lever)
        if label:
            infoset_labels[lever] = label
        _, names = labelled_options([str(a) for a in d["actions"]], "a")
        options[key] = (h, names)
    return levers, infoset_labels, options


def _tree_outcomes(
    tree: GameTree, player_names: dict[str, str], reserved: str
) -> tuple[dict[tuple[int, ...], str], dict[str, Any]]:
    """The tree's outcomes, named, in order of first appearance in preorder.

    Returns
    -------
    outcome_of : dict
        Node -> the name of the outcome it pays (nodes with one only).
    outcomes : dict
        Name -> ``{label?, payoffs}`` as 'tree.outcomes' holds it.
    """
    g = tree.graph
    taken: set[str] = set()
    names: dict[Hashable, str] = {}
    outcome_of: dict[tuple[int, ...], str] = {}
    outcomes: dict[str, Any] = {}
    for h in tree.nodes():
        d = g.nodes[h]
        pay = d.get("payoffs")
        if pay is None:
            continue
        label = str(d.get("outcome") or "")
        values = tuple(float(x) for x in pay)
        ident = d.get("outcome_key")
        key: Hashable = ("merged", label, values) if ident is None else ("key", ident)
        if key not in names:
            usable = re.search(r"\w", label, flags=re.ASCII) is not None
            name = identifier(
                label if usable else f"outcome{len(names) + 1}",
                "outcome",
                taken,
                frozenset({reserved}),
            )
            names[key] = name
            outcomes[name] = {
                **({} if name == label else {"label": label}),
                "payoffs": {
                    player_names[p]: yaml_number(x)
                    for p, x in zip(tree.players, values, strict=True)
                },
            }
        outcome_of[h] = names[key]
    return outcome_of, outcomes


def _probability(p: float) -> _Probability:
    """A chance probability as scenario text that evaluates to exactly ``p``."""
    f = fraction_of(float(p))
    if f.denominator == 1:
        return int(f)
    if f.denominator <= 10**6:
        return f"{f.numerator}/{f.denominator}"
    return float(p)
