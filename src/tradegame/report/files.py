"""Writing a run's result: its JSON document and its outcome table as CSV.

Files are written by :func:`tradegame._output.write_output` (atomically, or
through to a device or pipe; see there); its names are re-exported here.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from tradegame._output import (
    STDOUT,
    OutputError,
    StandardOutput,
    atomic_write,
    atomic_write_text,
    check_output_path,
    write_output,
    write_stdout,
)
from tradegame.montecarlo.result import SimulationResult

__all__ = [
    "STDOUT",
    "OutputError",
    "StandardOutput",
    "atomic_write",
    "atomic_write_text",
    "check_output_path",
    "result_csv",
    "write_csv",
    "write_json",
    "write_output",
    "write_stdout",
]


def write_json(result: SimulationResult, path: str | Path) -> None:
    """Write the result's JSON document (see :func:`write_output`)."""
    atomic_write_text(path, result.to_json())


def result_csv(result: SimulationResult) -> str:
    """Outcome table as CSV: label, probability, count, ci95_low, ci95_high, std_error.

    ``std_error`` is the Monte Carlo standard error of the probability, empty
    when it cannot be estimated (a single draw).
    """
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["outcome", "probability", "count", "ci95_low", "ci95_high", "std_error"])
    for o in result.outcomes:
        se = "" if o.std_error is None else repr(o.std_error)
        w.writerow(
            [o.label, repr(o.probability), repr(o.count), repr(o.ci95[0]), repr(o.ci95[1]), se]
        )
    return buf.getvalue()


def write_csv(result: SimulationResult, path: str | Path) -> None:
    """Write the outcome table as CSV (see :func:`write_output`)."""
    atomic_write_text(path, result_csv(result))
