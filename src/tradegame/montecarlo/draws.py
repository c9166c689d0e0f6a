"""Per-draw data of a run: what each draw sampled, played and paid.

A run that keeps its draws (``simulate(..., keep_draws=True)``, ``tradegame
run --draws FILE``) collects, for every sampling block, the draws' parameter
values, the plays each draw gives a positive weight to, and the per-draw
outcome masses and payoffs **exactly as the run adds them up**
(:meth:`~tradegame.play.base.GamePlay.batch_columns`). Blocks are collected
by index and joined in block order, so the frame does not depend on the
chunk size, the number of workers or which process solved a block.

The frame has one row per draw (see :func:`draws_frame`): the unit of the
Monte Carlo sample is the draw, so parameters, outcome masses and payoffs
line up in one row, a column sum is an aggregate of the run, and frames of
two runs with the same seed join on ``draw``. The plays with weight, of
which a draw usually has one and at most :attr:`GamePlay.n_plays`, go in one
column of JSON text (``plays``) rather than a row each, which would repeat
the draw's other values once per play; the heaviest play and its weight have
their own columns for the common case.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from tradegame.errors import TradegameError
from tradegame.montecarlo.result import NO_EQUILIBRIUM
from tradegame.play.base import PlayedBatch
from tradegame.scenario.sampling import BLOCK

if TYPE_CHECKING:
    import pandas as pd

    from tradegame.play.base import GamePlay

__all__ = ["BlockDraws", "DrawsMemoryError", "block_draws", "draws_frame", "kept_bytes_per_draw"]

#: Bytes a draw's two texts (its heaviest play's label and the JSON of all its
#: plays) take in the frame, as Python strings: a generous typical size, for the budget.
_TEXT_BYTES = 512


class DrawsMemoryError(TradegameError, ValueError):
    """A run asked to keep more draws than its memory limit holds (refused before any draw)."""


def kept_bytes_per_draw(n_parameters: int, n_outcomes: int, n_players: int) -> int:
    """Bytes a kept draw needs until the frame is made: its blocks' copy and its row.

    Parameters, outcome masses (``n_outcomes`` + 1) and payoffs, as float64,
    twice (the blocks' arrays, then the frame's columns), the frame's four
    numeric columns of its own, and its texts (:data:`_TEXT_BYTES`). An
    estimate for the memory limit, not a bound: long play labels take more.
    """
    return 16 * (n_parameters + n_outcomes + 1 + n_players) + 8 * 4 + _TEXT_BYTES


@dataclass(frozen=True)
class BlockDraws:
    """The per-draw data of one sampling block (``B`` draws, at most 2048).

    Attributes
    ----------
    start : int
        Index of the block's first draw in the run.
    parameters : ndarray, shape (B, m)
        The draws' values of the scenario's m parameters (in file order).
    columns : ndarray, shape (B, K + 1 + n)
        Mass of each of the K outcomes and of "no equilibrium", then the
        expected payoff of each of the n players: the run's per-draw columns,
        bit for bit.
    rows, plays : ndarray of int, shape (R,)
        Draw (row within the block) and play index of every play with a
        positive weight, by draw then play.
    weights : ndarray, shape (R,)
        Those plays' weights.
    """

    start: int
    parameters: NDArray[np.float64]
    columns: NDArray[np.float64]
    rows: NDArray[np.intp]
    plays: NDArray[np.intp]
    weights: NDArray[np.float64]


def block_draws(
    start: int,
    parameters: Mapping[str, NDArray[np.float64]],
    batch: PlayedBatch,
    columns: NDArray[np.float64],
    K: int,
    n: int,
) -> list[BlockDraws]:
    """Split a chunk's per-draw data into its sampling blocks.

    Parameters
    ----------
    start : int
        Index of the chunk's first draw (a multiple of the block size).
    parameters : dict of str to ndarray, each of shape (D,)
    batch : PlayedBatch
        The chunk played: weights of shape (D, T).
    columns : ndarray, shape (D, K + 1 + n + ...)
        The per-draw columns the run sums (``batch_columns``).
    K, n : int
        Numbers of outcomes and of players.
    """
    D = batch.weights.shape[0]
    values = np.empty((D, len(parameters)))
    for j, v in enumerate(parameters.values()):
        values[:, j] = v
    rows, plays = np.nonzero(batch.weights > 0)  # row-major: by draw, then play order
    out = []
    for b0 in range(0, D, BLOCK):
        lo, hi = np.searchsorted(rows, [b0, b0 + BLOCK])
        out.append(
            BlockDraws(
                start=start + b0,
                parameters=values[b0 : b0 + BLOCK].copy(),
                columns=columns[b0 : b0 + BLOCK, : K + 1 + n].copy(),
                rows=rows[lo:hi] - b0,
                plays=plays[lo:hi],
                weights=batch.weights[rows[lo:hi], plays[lo:hi]],
            )
        )
    return out


def draws_frame(
    blocks: Sequence[BlockDraws],
    play: GamePlay,
    parameter_names: Sequence[str],
    outcome_labels: Sequence[str],
) -> pd.DataFrame:
    """The run's draws as one pandas DataFrame, one row per draw, in draw order.

    Columns, in this order:

    ``draw`` (int)
        The draw's index in the run (draw *k* of a seed is the same numbers
        in every run of the scenario).
    ``block`` (int)
        Its sampling block, ``draw // 2048``: the run adds draws up block by
        block (see below).
    ``parameter.NAME`` (float), one per parameter
        The value sampled.
    ``play`` (str), ``play_weight`` (float)
        The play with the largest weight (the first in play order on a tie)
        and its weight; missing (NA) and 0 in a draw without an equilibrium.
    ``n_plays`` (int)
        How many plays have a positive weight.
    ``plays`` (str)
        All of them as JSON text, ``[["label", weight], ...]`` in play order
        (weights written as Python writes floats, so they read back exactly).
        A play is named by :meth:`GamePlay.path_label`: the profile of a
        simultaneous game (``"us: cut/tighten > china: approve"``), the path
        of a sequential one.
    ``outcome.LABEL`` (float), one per outcome, then ``outcome.no_pure_equilibrium``
        The draw's probability mass on the outcome (0 or 1 unless the draw
        has several plays with weight).
    ``payoff.PLAYER`` (float), one per player
        The player's expected payoff in the draw; NaN in a draw without an
        equilibrium (the run's expected payoffs average over the others).

    The run's outcome counts are these columns added up in a fixed order:
    within each block draw after draw (``np.add.accumulate``), then the
    blocks' sums in block order; so the same sums computed from the frame are
    the run's counts to the last bit.
    """
    import pandas as pd

    labels = [*outcome_labels, NO_EQUILIBRIUM]
    n_out = len(labels)
    parameters = np.concatenate([b.parameters for b in blocks])
    columns = np.concatenate([b.columns for b in blocks])
    D = columns.shape[0]
    draw = np.arange(D, dtype=np.int64)
    rows = np.concatenate([b.start + b.rows for b in blocks])  # draw of each play, ascending
    plays = np.concatenate([b.plays for b in blocks])
    weights = np.concatenate([b.weights for b in blocks])
    names = {int(t): play.path_label(int(t)) for t in np.unique(plays)}
    quoted = {t: json.dumps(name, ensure_ascii=False) for t, name in names.items()}
    n_plays = np.bincount(rows, minlength=D).astype(np.int64)
    first = np.concatenate([[0], np.cumsum(n_plays)[:-1]])  # each draw's first entry
    has = np.flatnonzero(n_plays)
    # Each draw's heaviest play, the first in play order on a tie: sorted by draw, then
    # weight downwards, then play, the first entry of each draw is it.
    order = np.lexsort((plays, -weights, rows))
    best = order[first[has]]
    top: list[str | None] = [None] * D
    for d, t in zip(has.tolist(), plays[best].tolist(), strict=True):
        top[d] = names[t]
    top_weight = np.zeros(D)
    top_weight[has] = weights[best]
    # The JSON of [[label, weight], ...] as json.dumps writes it (floats by repr), made
    # from pieces: one json.dumps per draw would be most of the frame's cost.
    pieces = [
        f"[{quoted[t]}, {w!r}]" for t, w in zip(plays.tolist(), weights.tolist(), strict=True)
    ]
    texts = ["[]"] * D
    for d, lo, k in zip(has.tolist(), first[has].tolist(), n_plays[has].tolist(), strict=True):
        texts[d] = "[" + ", ".join(pieces[lo : lo + k]) + "]"
    data: dict[str, object] = {"draw": draw, "block": draw // BLOCK}
    for j, name in enumerate(parameter_names):
        data[f"parameter.{name}"] = parameters[:, j]
    data["play"] = top
    data["play_weight"] = top_weight
    data["n_plays"] = n_plays
    data["plays"] = texts
    for k, label in enumerate(labels):
        data[f"outcome.{label}"] = columns[:, k]
    no_eq = columns[:, n_out - 1] > 0.5
    for i, player in enumerate(play.players):
        data[f"payoff.{player}"] = np.where(no_eq, np.nan, columns[:, n_out + i])
    return pd.DataFrame(data)
