"""Writing output files atomically: a temporary file beside the target, then rename.

A reader (or a run interrupted half-way) never sees a partial file: the
target either keeps its old content or gets the whole new one.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO

from tradegame.montecarlo.result import SimulationResult

__all__ = ["atomic_write", "atomic_write_text", "result_csv", "write_csv", "write_json"]


def atomic_write(path: str | Path, write: Callable[[IO[bytes]], object]) -> None:
    """Write a file through ``write(fileobj)`` atomically.

    The data goes to a temporary file in the target's directory, is flushed
    to disk, and replaces the target with :func:`os.replace`. On any error the
    temporary file is removed and the target is untouched. The new file gets the
    permissions of the file it replaces, or else those of a newly created file
    (0666 less the umask), not the private 0600 of a temporary file.
    """
    target = Path(path)
    directory = target.parent if str(target.parent) else Path(".")
    try:
        mode = target.stat().st_mode & 0o7777
    except OSError:
        mode = 0o666 & ~_umask()
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    try:
        os.chmod(tmp, mode)
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def _umask() -> int:
    # The umask can only be read by setting it; set it straight back.
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def atomic_write_text(path: str | Path, text: str) -> None:
    """Write UTF-8 text atomically (see :func:`atomic_write`)."""
    data = text.encode("utf-8")
    atomic_write(path, lambda fh: fh.write(data))


def write_json(result: SimulationResult, path: str | Path) -> None:
    """Write the result's JSON document atomically."""
    atomic_write_text(path, result.to_json())


def result_csv(result: SimulationResult) -> str:
    """Outcome table as CSV: label, probability, count, ci95_low, ci95_high."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["outcome", "probability", "count", "ci95_low", "ci95_high"])
    for o in result.outcomes:
        w.writerow([o.label, repr(o.probability), repr(o.count), repr(o.ci95[0]), repr(o.ci95[1])])
    return buf.getvalue()


def write_csv(result: SimulationResult, path: str | Path) -> None:
    """Write the outcome table as CSV, atomically."""
    atomic_write_text(path, result_csv(result))
