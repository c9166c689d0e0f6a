"""Writing a run's result: its JSON document, its outcome table as CSV, its draws.

Files are written by :func:`tradegame._output.write_output` (atomically, or
through to a device or pipe; see there); its names are re-exported here.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

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
    "DRAWS_FORMATS",
    "STDOUT",
    "OutputError",
    "StandardOutput",
    "atomic_write",
    "atomic_write_text",
    "check_output_path",
    "csv_provenance",
    "result_csv",
    "write_csv",
    "write_draws",
    "write_json",
    "write_output",
    "write_stdout",
]


def write_json(result: SimulationResult, path: str | Path) -> None:
    """Write the result's JSON document (see :func:`write_output`)."""
    atomic_write_text(path, result.to_json())


def csv_provenance(result: SimulationResult) -> list[tuple[str, Any]]:
    """What the CSV says of how the result was made: the JSON document's keys and values.

    Keys are the JSON's, dotted (``scenario.sha256``, ``method.seed``); the
    options of the run are one key, ``method.options``, whose value is a JSON
    object.
    """
    doc = result.to_dict()
    method = doc["method"]
    return [
        ("tradegame_version", doc["tradegame_version"]),
        *((f"scenario.{k}", v) for k, v in doc["scenario"].items()),
        *(
            (f"method.{k}", method[k])
            for k in (
                "solution_concept",
                "selection",
                "selection_rule",
                "no_equilibrium",
                "samples",
                "seed",
                "confidence_interval",
                "options",
            )
        ),
        *((f"environment.{k}", v) for k, v in doc["environment"].items()),
    ]


def result_csv(result: SimulationResult) -> str:
    """Outcome table as CSV, after its provenance as comment lines.

    The file begins with one line per item of :func:`csv_provenance`,
    ``# key: value`` with the value in JSON (strings quoted, so that a title
    or file name cannot break the line), then the table: columns ``label``,
    ``probability``, ``count``, ``ci95_low``, ``ci95_high``, ``std_error``,
    named as in the JSON's ``outcomes`` (``ci95`` split in two; ``std_error``
    empty when it cannot be estimated, a single draw). ``pandas.read_csv(path,
    comment="#")`` skips the comment lines; outcome labels are identifiers,
    so no ``#`` occurs in the table.
    """
    buf = io.StringIO()
    for key, value in csv_provenance(result):
        # JSON escapes every control character: one physical line per item.
        buf.write(f"# {key}: {json.dumps(value, ensure_ascii=False, allow_nan=False)}\n")
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["label", "probability", "count", "ci95_low", "ci95_high", "std_error"])
    for o in result.outcomes:
        se = "" if o.std_error is None else repr(o.std_error)
        w.writerow(
            [o.label, repr(o.probability), repr(o.count), repr(o.ci95[0]), repr(o.ci95[1]), se]
        )
    return buf.getvalue()


def write_csv(result: SimulationResult, path: str | Path) -> None:
    """Write the outcome table as CSV (see :func:`write_output`)."""
    atomic_write_text(path, result_csv(result))


#: File name extensions ``--draws`` takes, and the format each writes.
DRAWS_FORMATS = {".parquet": "parquet", ".csv": "csv"}


def write_draws(result: SimulationResult, path: str | Path) -> None:
    """Write the run's per-draw frame (:attr:`SimulationResult.draws`) by its extension.

    ``.parquet`` (Apache Parquet, by pyarrow: typed columns, read back
    exactly) or ``.csv`` (floats written as Python writes them, so they read
    back exactly with ``pandas.read_csv``). Written through
    :func:`write_output` (atomically, or to a device or pipe).

    Raises
    ------
    ValueError
        When the result kept no draws, or the extension is neither.
    """
    frame = result.draws
    if frame is None:
        raise ValueError("the run kept no draws: simulate(..., keep_draws=True)")
    fmt = DRAWS_FORMATS.get(Path(path).suffix.lower())
    if fmt is None:
        raise ValueError(f"{path}: use a .parquet or .csv file name")
    if fmt == "parquet":
        atomic_write(path, lambda f: frame.to_parquet(f, engine="pyarrow", index=False))
    else:
        atomic_write_text(path, frame.to_csv(index=False, lineterminator="\n"))
