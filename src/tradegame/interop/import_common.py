"""What the Gambit importers share: scenario names for labels, refusals, the last check.

:func:`identifier` makes a valid, unused scenario name of any label;
:func:`refuse` makes a :class:`~tradegame.interop.gambit.GambitFormatError` at the
part of the Gambit file concerned, and the ``check_*`` functions refuse games a
scenario cannot hold (player count, title, a player who never moves);
:func:`check_imported` loads the scenario text an importer wrote, as the last
guard; :func:`labelled_options`, :func:`yaml_number` and :func:`dump_scenario`
write the scenario. Used by :mod:`tradegame.interop.import_nfg`,
:mod:`tradegame.interop.import_stages` and :mod:`tradegame.interop.import_tree`.
"""

from __future__ import annotations

import hashlib
import keyword
import re
from collections.abc import Hashable, Sequence
from typing import Any

import yaml

from tradegame.errors import ScenarioError
from tradegame.interop.gambit import GambitFormatError, NfgGame, source_of
from tradegame.model.tree import GameTree
from tradegame.scenario.load import parse_scenario

__all__ = [
    "MAX_OPTIONS",
    "PLAYER_RESERVED",
    "check_every_player_moves",
    "check_imported",
    "check_player_count",
    "check_title",
    "dump_scenario",
    "identifier",
    "labelled_options",
    "refuse",
    "yaml_number",
]

#: Names that expressions reserve (see docs/scenario-format.md, "Names").
_RESERVED = frozenset(
    {"min", "max", "abs", "exp", "log", "sqrt", "where", "clip", "True", "False", "None"}
    | {"otherwise"}
)
#: Longest name a scenario accepts.
_MAX_NAME = 64


def identifier(
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


#: Players may not be called 'chance' (results list chance levers under that key).
PLAYER_RESERVED = frozenset({"chance"})


#: Most options of a lever (and children of a tree node), as the scenario schema has it.
MAX_OPTIONS = 1000
#: Longest title of a scenario.
_MAX_TITLE = 300


def check_player_count(n: int, game: NfgGame | GameTree) -> None:
    if not 2 <= n <= 16:
        raise refuse(
            f"the game has {n} player{'s' if n != 1 else ''}; scenarios have 2 to 16 players",
            game,
            "players",
        )


def refuse(message: str, game: NfgGame | GameTree, part: Hashable) -> GambitFormatError:
    """A :class:`GambitFormatError` at a part of the file the game was read from (see
    :class:`~.gambit.GambitSource`), or unlocated for a game made otherwise."""
    src = source_of(game)
    return GambitFormatError(message) if src is None else src.error(message, part)


def check_title(title: str, game: NfgGame | GameTree) -> None:
    if len(title) > _MAX_TITLE:
        raise refuse(
            f"the title has {len(title):,} characters; a scenario's title has at most {_MAX_TITLE}",
            game,
            "title",
        )


def check_every_player_moves(tree: GameTree, moving: set[str]) -> None:
    silent = [i for i, p in enumerate(tree.players) if p not in moving]
    if silent:
        raise refuse(
            f"player {tree.players[silent[0]]!r} never moves; scenarios need every player to move",
            tree,
            ("player", silent[0]),
        )


def check_imported(text: str, game: NfgGame | GameTree, part: Hashable) -> None:
    """Load an imported scenario's text; a problem is refused at ``part`` of the Gambit file.

    What the importers check beforehand covers the limits of scenario files that a
    Gambit game can meet; this is the last guard, so that what ``tradegame import``
    writes always loads and an error never points into text the user has not seen.

    Raises
    ------
    GambitFormatError
        ``the game does not fit in a scenario file: <the loader's first message>``,
        at ``part`` (see :class:`~.gambit.GambitSource`).
    """
    try:
        parse_scenario(text, "<imported>")
    except ScenarioError as exc:
        raise refuse(
            f"the game does not fit in a scenario file: {exc.issues[0].message}", game, part
        ) from None


def labelled_options(labels: Sequence[str], prefix: str) -> tuple[dict[str, Any], list[str]]:
    """Option names for Gambit's labels, and the options with their labels."""
    taken: set[str] = set()
    names = [identifier(label, prefix, taken) for label in labels]
    return {n: {"label": lab} for n, lab in zip(names, labels, strict=True)}, names


def dump_scenario(doc: dict[str, Any], header: str) -> str:
    if not doc.get("description"):
        doc.pop("description", None)
    # Flow style for the innermost lists (table rows, matrix cells) keeps them on one line.
    return header + yaml.safe_dump(
        doc, sort_keys=False, allow_unicode=True, width=100, default_flow_style=None
    )


def yaml_number(x: float) -> float | int:
    return int(x) if float(x).is_integer() and abs(x) < 2**53 else float(x)
