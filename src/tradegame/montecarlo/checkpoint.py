"""Checkpoint files: a run's finished blocks, written atomically, read back strictly.

A checkpoint holds the run's identity (:func:`checkpoint_identity`), the
sums of every finished block and a digest over both
(:func:`checkpoint_digest`). :func:`load_checkpoint` reads it with bounded,
strict parsing and refuses, in one line and before any draw, a file that is
damaged or belongs to another run.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import os
import re
import stat
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from tradegame._version import __version__
from tradegame.errors import TradegameError
from tradegame.montecarlo.chunks import ChunkSolver
from tradegame.montecarlo.result import (
    run_environment,
)
from tradegame.scenario.load import Scenario
from tradegame.scenario.sampling import BLOCK

__all__ = [
    "CHECKPOINT_FORMAT",
    "CheckpointError",
    "checkpoint_digest",
    "checkpoint_identity",
    "load_checkpoint",
    "save_checkpoint",
]


class CheckpointError(TradegameError, ValueError):
    """A checkpoint file that does not belong to this run, or cannot be read."""


#: Version of the checkpoint format that :func:`save_checkpoint` writes and
#: :func:`load_checkpoint` reads. Formats 1 (before the digest) and 2 (before sums
#: of squares and sampling schemes) are refused.
CHECKPOINT_FORMAT = 3
#: Bytes of a checkpoint besides its blocks (the header, with the run's options).
_CHECKPOINT_HEADER_BYTES = 64 * 1024
#: Longest hex float :meth:`float.hex` writes ('-0x1.fffffffffffffp+1023' is 24).
_HEX_CHARS = 24
_INDEX = re.compile(r"(?:0|[1-9][0-9]{0,11})\Z")
_RETRY = "delete it or choose another --checkpoint file"
_OTHER = "choose another --checkpoint file"


def checkpoint_identity(
    scenario: Scenario,
    solver: ChunkSolver,
    seed: int,
    samples: int,
    precision: float | None = None,
) -> dict[str, Any]:
    """What a checkpoint must match to be resumed: everything a block's sums depend on.

    The scenario file's sha256 and the overrides applied to it, the seed,
    the sample count (a precision run's cap), the precision target, every
    :class:`RunOptions` field, the sampling scheme and its number of
    replicates, the tradegame version and the NumPy, SciPy and Python
    versions (the result records them, and its bytes may depend on them),
    the sampling block size and the number of outcomes and of summed columns
    per block.
    """
    K = len(scenario.outcome_labels)
    play = solver.play
    paths = play.n_plays if play.reports_paths else 0
    n = len(play.players)
    overrides = scenario.overrides.to_dict()
    return {
        "scenario_sha256": scenario.sha256,
        # A checkpoint of another variant (or other overrides) of the file is refused;
        # the key is absent without overrides, so older checkpoints still resume.
        **({"overrides": overrides} if overrides else {}),
        "tradegame_version": __version__,
        "environment": run_environment(),
        "seed": int(seed),
        "samples": int(samples),
        "precision": precision,
        "options": dataclasses.asdict(solver.options),
        "sampling": {"scheme": solver.sampler.scheme, "replicates": solver.sampler.groups},
        "block": BLOCK,
        "outcomes": K,
        "players": n,
        "columns": K + 1 + n + int(play.indicators.shape[1]) + paths,
    }


def checkpoint_digest(identity: dict[str, Any], blocks: dict[str, Any]) -> str:
    """The sha256 a checkpoint stores, over the run's identity and the blocks' content.

    It is the hex sha256 of the ASCII JSON of ``{"tradegame_checkpoint": 3,
    "run": identity, "blocks": blocks}`` with sorted keys and no spaces
    (``separators=(",", ":")``), where ``blocks`` is the file's ``"blocks"``
    object. Since the identity is hashed with the blocks, blocks of another
    run under this run's header do not match. The digest detects damage and
    mixing, not deliberate forgery: whoever recomputes it can write any sums.
    """
    canonical = json.dumps(
        {"tradegame_checkpoint": CHECKPOINT_FORMAT, "run": identity, "blocks": blocks},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=True,
        allow_nan=False,
    )
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()


def _short(value: Any) -> str:
    """A value for a one-line message: its JSON, cut to 60 characters."""
    try:
        text = json.dumps(value, sort_keys=True, ensure_ascii=True)
    except (TypeError, ValueError):  # pragma: no cover - parsed JSON always dumps
        text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _same(a: Any, b: Any) -> bool:
    """Equal as JSON: ``true`` is not ``1`` and ``1.0`` is not ``1`` (unlike ``==``)."""
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # json keeps the last of duplicate keys; two entries for one block are damage.
    doc: dict[str, Any] = {}
    for key, value in pairs:
        if key in doc:
            raise ValueError(f"duplicate key {_short(key)}")
        doc[key] = value
    return doc


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _short_int(text: str) -> int:
    # Python refuses over 4,300 digits with advice about sys.set_int_max_str_digits;
    # say it plainly (a seed may be long, but not that long: the file is bounded).
    if len(text) > 4000:
        raise ValueError(f"an integer of {len(text):,} digits")
    return int(text)


def _read_bounded(p: Path, limit: int) -> bytes | None:
    """The file's bytes, or ``None`` if it does not exist.

    Opened without blocking (a FIFO would wait for a writer) and refused
    unless a regular file; at most ``limit`` bytes are read.
    """
    try:
        fd = os.open(p, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        return None
    except IsADirectoryError:  # Windows cannot open directories
        raise CheckpointError(f"{p}: checkpoint is a directory, not a file; {_OTHER}") from None
    except OSError as exc:
        raise CheckpointError(
            f"{p}: checkpoint cannot be read ({exc.strerror or type(exc).__name__}); {_RETRY}"
        ) from None
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise CheckpointError(f"{p}: checkpoint is a directory, not a file; {_OTHER}")
        if not stat.S_ISREG(mode):
            raise CheckpointError(
                f"{p}: checkpoint is not a regular file (a device, pipe or socket); {_OTHER}"
            )
        chunks = []
        size = 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise CheckpointError(
            f"{p}: checkpoint cannot be read ({exc.strerror or type(exc).__name__}); {_RETRY}"
        ) from None
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > limit:
        raise CheckpointError(
            f"{p}: checkpoint is damaged (over {limit:,} bytes, more than a checkpoint of "
            f"this run can hold); {_RETRY}"
        )
    return data


def _block_sums(values: Any, columns: int, where: str, what: str = "sums") -> NDArray[np.float64]:
    """A block's sums from their hex strings, each canonical and finite."""
    if not isinstance(values, list):
        raise ValueError(f"{where} {what} are not a list")
    if len(values) != columns:
        raise ValueError(f"{where} has {len(values)} {what}, this run has {columns}")
    sums = np.empty(columns)
    for j, text in enumerate(values):
        if not isinstance(text, str) or len(text) > _HEX_CHARS:
            raise ValueError(f"{where} sum {j} is not a hex float")
        try:
            x = float.fromhex(text)
        except (ValueError, OverflowError):
            raise ValueError(f"{where} sum {j} {_short(text)} is not a finite hex float") from None
        if not math.isfinite(x):
            raise ValueError(f"{where} sum {j} is {text}, not finite")
        if x.hex() != text:  # only what save_checkpoint writes: one spelling per number
            raise ValueError(f"{where} sum {j} {_short(text)} is not as float.hex writes it")
        sums[j] = x
    return sums


def _block_counts(values: Any, size: int, where: str) -> dict[int, int]:
    """A block's histogram of equilibrium counts; its draws add up to the block's size."""
    if not isinstance(values, dict):
        raise ValueError(f"{where} equilibria are not an object")
    counts: dict[int, int] = {}
    for key, c in values.items():
        if not _INDEX.match(key):
            raise ValueError(f"{where} equilibrium count {_short(key)} is not a count")
        if type(c) is not int or c < 1:
            raise ValueError(f"{where} has {_short(c)} draws with {key} equilibria")
        counts[int(key)] = c
    if sum(counts.values()) != size:
        raise ValueError(f"{where} counts {sum(counts.values())} draws, not {size}")
    return counts


def _check_masses(sums: NDArray[np.float64], size: int, K: int, n_players: int, where: str) -> None:
    """Every column but the payoffs adds up per-draw probabilities: within [0, size]."""
    masses = np.concatenate([sums[: K + 1], sums[K + 1 + n_players :]])
    slack = 1e-6 * size  # rounding in the sums of probabilities
    bad = np.flatnonzero((masses < -slack) | (masses > size + slack))
    if bad.size:
        j = int(bad[0]) + (0 if bad[0] <= K else n_players)
        raise ValueError(f"{where} sum {j} is {float(sums[j])!r}, outside [0, {size}]")
    if sums[K] != round(sums[K]):
        raise ValueError(f"{where} counts {float(sums[K])!r} draws without equilibrium")


Block = tuple[NDArray[np.float64], NDArray[np.float64], dict[int, int]]


def load_checkpoint(path: str | Path, meta: dict[str, Any]) -> dict[int, Block]:
    """Finished blocks from a checkpoint file (empty if the file does not exist).

    Nothing in the file is used unless all of it checks out: a regular file of
    bounded size (from the run's blocks and columns), UTF-8 JSON without
    duplicate keys, format :data:`CHECKPOINT_FORMAT`, a header equal to
    ``meta`` (:func:`checkpoint_identity`), block indexes in range, sums of
    the run's column count, finite, in canonical hex, probability masses
    within the block's size, equilibrium counts that add up to the block's
    draws, and a digest (:func:`checkpoint_digest`) over this run's identity
    and the blocks. The file is only read.

    Parameters
    ----------
    path : path
    meta : dict
        This run's identity, from :func:`checkpoint_identity`.

    Returns
    -------
    dict
        Block index to (sums per replicate, shape (replicates, columns); sums
        of squares, shape (columns,); equilibrium-count histogram).

    Raises
    ------
    CheckpointError
        One line naming the file and what is wrong: not a file, not a
        tradegame checkpoint, an older format, damaged, or for another run.
    """
    p = Path(path)
    block = int(meta["block"])
    samples = int(meta["samples"])
    columns = int(meta["columns"])
    n_blocks = -(-samples // block)
    groups = int(meta["sampling"]["replicates"])
    per_block = 96 + (groups + 1) * columns * (_HEX_CHARS + 4) + min(block, 4096) * 24
    data = _read_bounded(p, _CHECKPOINT_HEADER_BYTES + n_blocks * per_block)
    if data is None:
        return {}

    def damaged(why: str) -> CheckpointError:
        return CheckpointError(f"{p}: checkpoint is damaged ({why}); {_RETRY}")

    if not data.strip():
        raise damaged("empty file")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise damaged(f"not UTF-8 text: byte {exc.start}") from None
    try:
        doc = json.loads(
            text,
            object_pairs_hook=_no_duplicate_keys,
            parse_constant=_no_constant,
            parse_int=_short_int,
        )
    except json.JSONDecodeError as exc:
        raise damaged(f"not JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}") from None
    except RecursionError:
        raise damaged("nested too deeply") from None
    except ValueError as exc:  # duplicate keys, NaN, long integers
        raise damaged(str(exc).splitlines()[0]) from None
    if not isinstance(doc, dict) or "tradegame_checkpoint" not in doc:
        raise CheckpointError(f"{p}: not a tradegame checkpoint file; {_RETRY}")
    version = doc["tradegame_checkpoint"]
    if not _same(version, CHECKPOINT_FORMAT):
        if type(version) is int and 0 < version < CHECKPOINT_FORMAT:
            raise CheckpointError(
                f"{p}: checkpoint is from an older tradegame (format {version}); "
                f"tradegame {__version__} reads format {CHECKPOINT_FORMAT} only; {_RETRY}"
            )
        raise CheckpointError(
            f"{p}: checkpoint format {_short(version)} is not supported (tradegame "
            f"{__version__} reads format {CHECKPOINT_FORMAT}); {_RETRY}"
        )
    if set(doc) != {"tradegame_checkpoint", "run", "blocks", "digest"}:
        raise damaged(f"keys {_short(sorted(doc))}, not run, blocks and digest")
    run = doc["run"]
    if not isinstance(run, dict):
        raise damaged("'run' is not an object")
    # Overrides are in the identity only when some were applied (older checkpoints
    # have none): compared first, so a run of another variant is named as such.
    theirs_over, ours_over = run.get("overrides", {}), meta.get("overrides", {})
    if not _same(theirs_over, ours_over):
        raise CheckpointError(
            f"{p}: checkpoint is for another run (overrides {_short(theirs_over)}, this run "
            f"{_short(ours_over)}); {_RETRY}"
        )
    for key, value in meta.items():
        if key not in run:
            raise damaged(f"the run has no {key!r}")
        if not _same(run[key], value):
            ours, theirs = value, run[key]
            if isinstance(ours, dict) and isinstance(theirs, dict):
                # Name the option that differs, not the whole object.
                for sub in sorted(set(ours) | set(theirs)):
                    if not _same(ours.get(sub), theirs.get(sub)):
                        key, ours, theirs = f"{key}.{sub}", ours.get(sub), theirs.get(sub)
                        break
            raise CheckpointError(
                f"{p}: checkpoint is for another run ({key} {_short(theirs)}, this run "
                f"{_short(ours)}); {_RETRY}"
            )
    if set(run) != set(meta):
        raise damaged(f"unknown run fields {_short(sorted(set(run) - set(meta)))}")
    entries = doc["blocks"]
    if not isinstance(entries, dict):
        raise damaged("'blocks' is not an object")
    K = int(meta["outcomes"])
    n_players = int(meta["players"])
    blocks: dict[int, Block] = {}
    try:
        for key, entry in entries.items():
            if not _INDEX.match(key) or int(key) >= n_blocks:
                raise ValueError(
                    f"block {_short(key)} is not a block index of this run (0 to {n_blocks - 1})"
                )
            b = int(key)
            where = f"block {b}"
            if not isinstance(entry, dict) or set(entry) != {"sums", "squares", "equilibria"}:
                raise ValueError(f"{where} is not an object of sums, squares and equilibria")
            size = min(block, samples - b * block)
            sums = _block_sums(entry["sums"], groups * columns, where).reshape(groups, columns)
            for g in range(groups):
                _check_masses(sums[g], -(-size // groups), K, n_players, where)
            squares = _block_sums(entry["squares"], columns, where, "squares")
            if (squares < 0).any():
                raise ValueError(f"{where} has a negative sum of squares")
            blocks[b] = (sums, squares, _block_counts(entry["equilibria"], size, where))
    except ValueError as exc:
        raise damaged(str(exc)) from None
    digest = doc["digest"]
    if not isinstance(digest, str) or digest != checkpoint_digest(meta, entries):
        raise damaged(
            "its digest does not match its content: edited, or holding blocks of another run"
        )
    return blocks


def save_checkpoint(
    path: str | Path,
    meta: dict[str, Any],
    blocks: dict[int, Block],
) -> None:
    """Write finished blocks atomically; floats in hex, so nothing is rounded.

    The file holds the format, the run's identity ``meta``
    (:func:`checkpoint_identity`), the blocks and their digest
    (:func:`checkpoint_digest`). A block whose sums are not finite (payoffs
    near 1e308 overflowing) is not recorded: the run ends in an error naming
    the player, and a resumed run recomputes the block and ends the same way.

    Raises
    ------
    CheckpointError
        When the file cannot be written (one line, naming it).
    """
    from tradegame._output import atomic_write_text

    entries = {
        str(b): {
            "sums": [float(x).hex() for x in sums.reshape(-1)],
            "squares": [float(x).hex() for x in squares],
            "equilibria": {str(k): int(v) for k, v in sorted(counts.items())},
        }
        for b, (sums, squares, counts) in sorted(blocks.items())
        if np.isfinite(sums).all() and np.isfinite(squares).all()
    }
    doc = {
        "tradegame_checkpoint": CHECKPOINT_FORMAT,
        "run": meta,
        "blocks": entries,
        "digest": checkpoint_digest(meta, entries),
    }
    try:
        atomic_write_text(path, json.dumps(doc) + "\n")
    except OSError as exc:  # e.g. a read-only directory: say so, not "internal error"
        raise CheckpointError(
            f"{path}: checkpoint cannot be written ({exc.strerror or type(exc).__name__}); {_OTHER}"
        ) from None
