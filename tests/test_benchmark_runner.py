"""The benchmark runner's smoke run: ``python benchmarks/run.py --quick`` writes a full table.

Timings are never asserted (they belong to the runner's output, as ratios measured
on the machine of the day); this checks that every row of issue 14's table is
measured or skipped with a reason, that every measured row has a ratio against its
reference, and that the JSON says where and when it was made.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RUNNER = ROOT / "benchmarks" / "run.py"

#: Every row the runner reports; ``madrid_linear`` and ``madrid_peak_big`` only with --full.
ROWS = {
    "pure2p_gambit_build",
    "pure2p_gambit_solve",
    "pure2p_quantecon",
    "pure2p_floor",
    "pure3p_gambit_build",
    "pure3p_quantecon",
    "pure3p_floor",
    "mixed6_gambit",
    "mixed6_quantecon",
    "mixed3_gambit",
    "mixed3_quantecon",
    "degenerate4",
    "qre_gambit",
    "qre_gambit_build",
    "lh_quantecon",
    "lh_batch_quantecon",
    "bi_recursive",
    "bi_floor",
    "startup",
    "madrid_e2e",
    "madrid_peak",
    "workers",
    "sweep",
}

#: A row may be skipped only for a missing reference library or a CLI that does not start.
SKIP_REASONS = ("is not installed", "the CLI does not start", "only with --full")


def _finite_positive(x: object) -> bool:
    return isinstance(x, int | float) and math.isfinite(x) and x > 0


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, str]:
    out = tmp_path_factory.mktemp("bench")
    # The cap guards against a hang only: the quick run takes about a minute on 2 cores.
    proc = subprocess.run(
        [sys.executable, str(RUNNER), "--quick", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=900,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    files = list(out.glob("run-*-quick.json"))
    assert len(files) == 1
    return json.loads(files[0].read_text(encoding="utf-8")), proc.stdout


@pytest.mark.slow
def test_quick_run_records_its_provenance(quick_run: tuple[dict, str]) -> None:
    doc, _ = quick_run
    assert doc["runner"] == "benchmarks/run.py"
    assert doc["mode"] == "quick" and doc["repeats"] == 1
    assert doc["created"].endswith("+00:00")
    commit = doc["git"]["commit"]
    assert commit is None or len(commit) == 40
    machine = doc["machine"]
    assert machine["cpu_count"] >= 1 and machine["python"]
    assert {"numpy", "pygambit", "quantecon"} <= set(machine["versions"])
    assert len(machine["load_average_start"]) == 3


@pytest.mark.slow
def test_every_row_is_measured_with_a_ratio_or_skipped_with_a_reason(
    quick_run: tuple[dict, str],
) -> None:
    doc, stdout = quick_run
    measured = {row["id"] for row in doc["rows"]}
    skipped = {s["id"]: s["reason"] for s in doc["skipped"]}
    assert not measured & set(skipped)
    assert ROWS <= measured | set(skipped)
    for reason in skipped.values():
        assert any(r in reason for r in SKIP_REASONS), reason
    for row in doc["rows"]:
        for part in ("measured", "reference", "ratio"):
            stats = row[part]
            assert _finite_positive(stats["median"]), (row["id"], part)
            assert stats["min"] <= stats["median"] <= stats["max"], (row["id"], part)
        assert row["reference"]["name"] and row["ratio"]["meaning"]
        assert (row["goal"] is None) == (row["met"] is None), row["id"]
        assert row["met"] in (None, True, False)
        assert row["task"] in stdout
    assert stdout.startswith("| row | measured | reference | ratio | goal | met? |")


@pytest.mark.slow
def test_goals_of_the_issue_are_all_in_the_table(quick_run: tuple[dict, str]) -> None:
    doc, _ = quick_run
    rows = {row["id"]: row for row in doc["rows"]}
    with_goal = {
        "pure2p_gambit_build",
        "pure2p_quantecon",
        "pure2p_floor",
        "mixed6_gambit",
        "mixed6_quantecon",
        "mixed3_gambit",
        "mixed3_quantecon",
        "qre_gambit",
        "lh_quantecon",
        "startup",
        "madrid_e2e",
        "workers",
    }
    for row_id in with_goal & set(rows):
        assert rows[row_id]["goal"] is not None, row_id


@pytest.mark.slow
def test_peaks_come_from_each_process_and_workers_agree(quick_run: tuple[dict, str]) -> None:
    doc, _ = quick_run
    rows = {row["id"]: row for row in doc["rows"]}
    assert _finite_positive(rows["madrid_e2e"]["peak_rss_mb"])
    assert rows["madrid_peak"]["measured"]["unit"] == "MB"
    # Two workers give the same JSON as one (a property of the engine, not a timing).
    assert rows["workers"]["info"]["json_identical"] is True


def test_only_measures_the_named_row_groups_and_what_they_need(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, str(RUNNER), "--quick", "--only", "lh,mixed3", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr
    (path,) = tmp_path.glob("run-*.json")
    doc = json.loads(path.read_text(encoding="utf-8"))
    rows = {row["id"] for row in doc["rows"]} | {s["id"] for s in doc["skipped"]}
    # Measured, or skipped for a missing reference: every row of the two groups, no other.
    assert rows == {"lh_quantecon", "lh_batch_quantecon", "mixed3_gambit", "mixed3_quantecon"}
    assert doc["only"] == ["mixed3", "lh"]


def test_only_adds_the_groups_a_ratio_needs_and_refuses_unknown_names() -> None:
    sys.path.insert(0, str(RUNNER.parent))
    try:
        import run  # type: ignore[import-not-found]
    finally:
        sys.path.remove(str(RUNNER.parent))
    assert run.row_groups(None) == set(run.ROW_GROUPS)
    assert run.row_groups("sweep") == {"sweep", "madrid", "pure2p"}
    assert run.row_groups(" lh , mixed6 ") == {"lh", "mixed6"}
    for bad in ("lh,nope", ",", ""):
        with pytest.raises(ValueError, match="--only takes comma-separated row groups"):
            run.row_groups(bad)
    proc = subprocess.run(
        [sys.executable, str(RUNNER), "--only", "nope"], capture_output=True, text=True, cwd=ROOT
    )
    assert proc.returncode == 2
    assert "--only takes comma-separated row groups" in proc.stderr.splitlines()[-1]
