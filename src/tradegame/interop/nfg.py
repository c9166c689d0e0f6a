"""Gambit strategic games (``.nfg``): :class:`NfgGame`, :func:`read_nfg`, :func:`write_nfg`.

Both versions of the format (payoff and outcome; see :mod:`tradegame.interop.gambit`)
are read, with the bounds of :func:`read_nfg`; :func:`write_nfg` writes either.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from tradegame.interop.gambit_text import (
    MAX_INDEX,
    GambitSource,
    Reader,
    payoff_text,
    quoted,
    read_header,
    shown,
)
from tradegame.scenario import load as _load

__all__ = ["MAX_NFG_PLAYERS", "MAX_PROFILES", "NfgGame", "read_nfg", "write_nfg"]

#: Most strategy profiles of a ``.nfg`` game: the limit of scenarios' games.
MAX_PROFILES = _load.MAX_PROFILES
#: Most players of a ``.nfg`` game (its payoff array has one axis per player, and NumPy
#: at most 64; scenarios have at most 16).
MAX_NFG_PLAYERS = 32


@dataclass(frozen=True)
class NfgGame:
    """A strategic game read from or written to a ``.nfg`` file.

    Attributes
    ----------
    U : ndarray of float, shape (n, S_0, ..., S_{n-1})
        Payoffs in tradegame's convention (no draw axes).
    players : tuple of str
    strategy_labels : tuple of tuple of str
    title, comment : str
    source : GambitSource or None
        Where its parts are in the file it was read from (:func:`read_nfg`).
    """

    U: NDArray[np.floating]
    players: tuple[str, ...]
    strategy_labels: tuple[tuple[str, ...], ...]
    title: str = ""
    comment: str = ""
    source: GambitSource | None = field(default=None, compare=False, repr=False)


# ---------------------------------------------------------------------- .nfg
def write_nfg(
    U: ArrayLike,
    players: Sequence[str],
    strategy_labels: Sequence[Sequence[str]] | None = None,
    title: str = "",
    comment: str = "",
    version: Literal["payoff", "outcome"] = "payoff",
) -> str:
    """Text of a Gambit ``.nfg`` file for one normal-form game.

    Parameters
    ----------
    U : array_like, shape (n, S_0, ..., S_{n-1})
        ``U[i, s_0, ..., s_{n-1}]`` is player *i*'s payoff (one draw: no batch axes).
        Payoffs are written as integers, ``p/q`` for a simple fraction (denominator
        up to 10^6, its nearest float given), else shortest round-trip decimals; an
        array of :class:`fractions.Fraction` (dtype object) is written through its
        nearest floats, so a simple exact fraction comes out exactly.
    players : sequence of str, length n
    strategy_labels : sequence of sequence of str, optional
        One label per strategy of each player; default ``"1", "2", ...``.
    title, comment : str
    version : {"payoff", "outcome"}, default "payoff"
        The payoff version, or the outcome version laid out as Gambit writes it
        (one unlabelled outcome per profile, numbered in profile order).

    Returns
    -------
    str
    """
    if version not in ("payoff", "outcome"):
        raise ValueError(f"version must be 'payoff' or 'outcome', got {version!r}")
    # Exact payoffs (Fractions) are written as their nearest float would be: p/q for a
    # simple fraction, else the shortest decimal, so that reading back gives the same text.
    arr = np.vectorize(float, otypes=[float])(U) if np.asarray(U).dtype == object else None
    arr = np.asarray(U, dtype=float) if arr is None else arr
    players = tuple(players)
    n = len(players)
    if arr.ndim != n + 1 or arr.shape[0] != n:
        raise ValueError(
            f"payoffs of shape {arr.shape} are not (n, S_0, ..., S_{{n-1}}) for {n} players "
            "(write one draw at a time)"
        )
    sizes = arr.shape[1:]
    if strategy_labels is None:
        strategy_labels = [[str(j + 1) for j in range(S)] for S in sizes]
    labels = [tuple(x) for x in strategy_labels]
    if [len(x) for x in labels] != list(sizes):
        raise ValueError(f"strategy label counts {[len(x) for x in labels]} != {list(sizes)}")
    # Gambit lists profiles with the first player's strategy varying fastest: that is the
    # C-order ravel of the array with the strategy axes reversed.
    flat = np.transpose(arr, (0, *range(n, 0, -1))).reshape(n, -1).T
    if version == "outcome":
        strategies = "\n".join("{ " + " ".join(quoted(s) for s in x) + " }" for x in labels)
        outcomes = "\n".join(
            '{ "" ' + ", ".join(payoff_text(v) for v in row) + " }" for row in flat
        )
        numbers = " ".join(str(j + 1) for j in range(len(flat)))
        return (
            f"NFG 1 R {quoted(title)} {{ {' '.join(quoted(p) for p in players)} }}\n\n"
            f"{{ {strategies}\n}}\n{quoted(comment)}\n\n{{\n{outcomes}\n}}\n{numbers}\n"
        )
    head = (
        f"NFG 1 R {quoted(title)} {{ {' '.join(quoted(p) for p in players)} }} "
        f"{{ {' '.join('{ ' + ' '.join(quoted(s) for s in x) + ' }' for x in labels)} }}"
    )
    body = "\n".join(" ".join(payoff_text(v) for v in row) for row in flat)
    return f"{head}\n{quoted(comment)}\n\n{body}\n"


def read_nfg(text: str) -> NfgGame:
    """Parse a Gambit ``.nfg`` file (payoff or outcome version) into an :class:`NfgGame`.

    Bounded before anything large is allocated: at most :data:`MAX_FILE_BYTES` of
    text, :data:`MAX_NFG_PLAYERS` players and :data:`MAX_PROFILES` strategy
    profiles; numbers of at most :data:`MAX_NUMBER_CHARS` characters, payoffs within
    the range of floats.

    Raises
    ------
    GambitFormatError
        For anything Gambit's format does not allow or these bounds refuse, with the
        line and column of the problem in ``text``.
    """
    r = Reader(text)
    title, players = read_header(r, "NFG", "1")
    n = len(players)
    if not 1 <= n <= MAX_NFG_PLAYERS:
        raise r.src.error(
            f"the game has {n} players; tradegame reads games of 1 to {MAX_NFG_PLAYERS}",
            ("player", MAX_NFG_PLAYERS) if n else "players",
        )
    r.marks["strategies"] = r.expect("brace", "{", what="'{' opening the strategy lists").pos
    named: list[tuple[str, ...]] = []
    counts: list[int] = []
    n_prof = 1
    by_name = r.at("brace", "{")
    for i in range(n):
        first = r.peek()
        if first is None or (first.kind == "brace" and first.text == "}"):
            raise r.fail(f"the strategy lists end after {i} of {n} players")
        r.marks[("strategies", i)] = first.pos
        if by_name:
            names_i = tuple(r.string_list(f"strategy names of player {i + 1}"))
            count = len(names_i)
        else:
            count = r.integer(f"strategy count of player {i + 1}", MAX_PROFILES)
        if count == 0:
            raise r.fail(f"player {i + 1} ({players[i]!r}) has no strategies", first)
        n_prof *= count
        if n_prof > MAX_PROFILES:
            raise r.fail(
                f"the game has more than {MAX_PROFILES:,} strategy profiles, the most "
                "tradegame reads",
                first,
            )
        counts.append(count)
        if by_name:
            named.append(names_i)
    r.expect("brace", "}", what="'}' closing the strategy lists")
    comment = r.string("comment") if r.at("str") else ""
    sizes = tuple(counts)
    if r.at("brace", "{"):
        flat = _nfg_outcomes(r, players, n_prof)
    else:
        start = r.peek()
        if len(r.toks) - r.i < n_prof * n:
            raise r.fail(
                f"the file ends before the payoffs are complete: {n_prof:,} profiles of "
                f"{n} players need {n_prof * n:,} payoffs, and {len(r.toks) - r.i:,} "
                "numbers follow",
                start,
            )
        vals = [r.number("payoff") for _ in range(n_prof * n)]
        flat = np.array(vals, dtype=float).reshape(n_prof, n)
    if not r.done():
        raise r.fail(f"unexpected {shown(r.toks[r.i].text)} after the payoffs")
    arr = flat.T.reshape((n, *sizes[::-1]))
    U = np.transpose(arr, (0, *range(n, 0, -1)))
    # Labels of counted strategies only now: the payoffs read show that the file (at most
    # 2 MiB) holds every profile, so a count of millions no longer costs before it fails.
    labels = tuple(named) if by_name else tuple(tuple(str(j + 1) for j in range(c)) for c in counts)
    return NfgGame(np.ascontiguousarray(U), players, labels, title, comment, r.src)


def _nfg_outcomes(r: Reader, players: tuple[str, ...], n_prof: int) -> NDArray[np.floating]:
    """The outcome version's outcomes and outcome numbers, as payoffs by profile."""
    n = len(players)
    r.i += 1
    outcomes: list[list[float]] = []
    while not r.at("brace", "}"):
        opening = r.expect("brace", "{", what="an outcome ('{') or '}'")
        r.string("outcome label")
        pay: list[float] = []
        while not r.at("brace", "}"):
            if len(pay) == n:
                raise r.fail(f"outcome {len(outcomes) + 1} has more than {n} payoffs")
            pay.append(r.number("payoff"))
        r.i += 1
        if len(pay) != n:
            raise r.fail(
                f"outcome {len(outcomes) + 1} has {len(pay)} payoffs for {n} players", opening
            )
        outcomes.append(pay)
    r.i += 1
    if len(r.toks) - r.i < n_prof:
        raise r.fail(
            f"the file ends before the outcome numbers are complete: {n_prof:,} profiles "
            f"need {n_prof:,}, and {len(r.toks) - r.i:,} follow"
        )
    table = np.zeros((len(outcomes) + 1, n))
    if outcomes:
        table[1:] = outcomes
    numbers = np.empty(n_prof, dtype=np.intp)
    for j in range(n_prof):
        tok = r.peek()
        o = r.integer("outcome number", MAX_INDEX)
        if o > len(outcomes):
            raise r.fail(
                f"profile {j + 1} refers to outcome {o}, and there are {len(outcomes)}", tok
            )
        numbers[j] = o
    return table[numbers]
