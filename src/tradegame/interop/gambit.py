r"""Gambit's text formats: strategic games (``.nfg``) and extensive games (``.efg``).

Written from the format description in the Gambit manual ("Game representation
formats"; McKelvey, McLennan & Turocy, *Gambit: Software Tools for Game Theory*).
Whitespace is not significant outside double-quoted labels; inside labels a
double quote is escaped with a backslash. Gambit (16.7) reads a backslash before
any other character as itself (``x\wedge`` in a comment stays ``x\wedge``), so the
reader unescapes only ``\"`` and ``\\``, and the writer escapes a backslash only
where it must be: before a double quote or another backslash, and at the end of a
label. Numbers are integers, decimals or rationals ``p/q``.

Strategic games (``.nfg``) come in two versions. The *payoff* version::

    NFG 1 R "title" { "Player 1" "Player 2" } { { "s1" "s2" } { "t1" "t2" } }
    "comment"

    u1(s1,t1) u2(s1,t1)
    u1(s2,t1) u2(s2,t1)
    ...

has one line per pure-strategy profile, the *first* player's strategy varying fastest
(so the profiles are the C-order ravel of ``U`` transposed). The *outcome* version,
which is what Gambit itself writes (and the layout of every ``.nfg`` shipped with
Gambit), lists outcomes (label and payoffs), then an outcome number per profile in
the same order::

    NFG 1 R "title" { "Player 1" "Player 2" }

    { { "s1" "s2" }
    { "t1" "t2" }
    }
    "comment"

    {
    { "" u1(s1,t1), u2(s1,t1) }
    { "" u1(s2,t1), u2(s2,t1) }
    ...
    }
    1 2 ...

:func:`write_nfg` writes either (``version=``), the outcome version in exactly
Gambit's layout with one unlabelled outcome per profile. The reader accepts both,
and strategy counts (``{ 2 2 }``) instead of names.

Extensive games (``.efg``)::

    EFG 2 R "title" { "Player 1" "Player 2" }
    "comment"

    c "node" 1 "infoset" { "h" 1/3 "t" 2/3 } 0
    p "node" 1 1 "infoset" { "l" "r" } 0
    t "node" 1 "outcome" { 1, 2.5 }
    t "" 0
    ...

nodes in preorder: ``c`` chance (infoset number, label, actions with
probabilities), ``p`` personal (player number from 1, infoset number, label,
actions), ``t`` terminal; each ends with an outcome number (0 = none), followed
by the outcome's label and payoffs. The action list of an information set and the
label and payoffs of an outcome may be omitted when already given; the reader
accepts that and the writer always writes them in full, as Gambit does.

Identities. :func:`read_efg` keys each information set by ``(player number,
infoset number)`` and records each node's outcome number as ``outcome_key``;
:func:`write_efg` numbers information sets per player (chance is player 0) and
outcomes globally, both in order of first appearance in preorder, by those keys:
two outcomes stay two outcomes even when their labels and payoffs are equal. Nodes
without ``outcome_key`` (trees built from stages) share an outcome when they have
the same outcome label and payoffs. So ``write_efg(read_efg(text))`` is the file
renumbered in order of first appearance, which is how Gambit itself writes files.

Payoffs are written as integers, as ``p/q`` when they are the nearest float of
a simple fraction (denominator up to 10^6, not a finite decimal: 5/12, 1/3), else
as shortest round-trip decimals; chance probabilities as rationals (nearest with
denominator up to 10^9, the last one adjusted so that they sum to exactly one),
since Gambit computes with them exactly.

Reading untrusted files. :func:`read_nfg` and :func:`read_efg` raise
:class:`GambitFormatError` and nothing else for any text, with the line and
column of the problem. They refuse what Gambit (16.7) refuses (empty action
lists, an information set given again with other actions, labels or chance
probabilities, chance probabilities that are negative or do not sum to exactly
one in rationals, an outcome given again with other payoffs or label, player
and outcome numbers out of range) and bound the work before allocating: the
text (:data:`MAX_FILE_BYTES`), strategy profiles (:data:`MAX_PROFILES`), tree
nodes (:data:`MAX_TREE_NODES`) and depth (:data:`MAX_TREE_DEPTH`), the length
of numbers (:data:`MAX_NUMBER_CHARS`); payoffs must be finite floats, also
summed along a play. Decimal payoffs are converted by ``float`` (so
``1e-100000000`` is 0.0 at once, where exact rational arithmetic would build a
power of ten with a hundred million digits); chance probabilities, which are
checked exactly, may have decimal exponents up to :data:`MAX_EXACT_EXPONENT`.
The games keep where their parts are in the file (:func:`source_of`), so that
the importers of :mod:`tradegame.interop.scenario_io` locate their refusals too.
"""

from __future__ import annotations

from tradegame.interop.efg import MAX_TREE_DEPTH, MAX_TREE_NODES, SOURCE_KEY, read_efg, write_efg
from tradegame.interop.gambit_text import (
    MAX_EXACT_EXPONENT,
    MAX_FILE_BYTES,
    MAX_NUMBER_CHARS,
    GambitFormatError,
    GambitSource,
    exact_number,
    exact_probabilities,
    fraction_of,
)
from tradegame.interop.nfg import MAX_NFG_PLAYERS, MAX_PROFILES, NfgGame, read_nfg, write_nfg
from tradegame.model.tree import GameTree

__all__ = [
    "MAX_EXACT_EXPONENT",
    "MAX_FILE_BYTES",
    "MAX_NFG_PLAYERS",
    "MAX_NUMBER_CHARS",
    "MAX_PROFILES",
    "MAX_TREE_DEPTH",
    "MAX_TREE_NODES",
    "GambitFormatError",
    "GambitSource",
    "NfgGame",
    "exact_number",
    "exact_probabilities",
    "fraction_of",
    "read_efg",
    "read_nfg",
    "source_of",
    "write_efg",
    "write_nfg",
]


def source_of(game: NfgGame | GameTree) -> GambitSource | None:
    """Where the parts of a game read by :func:`read_nfg` or :func:`read_efg` are in its
    file (None for a game made otherwise)."""
    if isinstance(game, NfgGame):
        return game.source
    src = game.graph.graph.get(SOURCE_KEY)
    return src if isinstance(src, GambitSource) else None
