"""The command line: outputs, names of shipped scenarios, schema, atomic files."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


def test_run_writes_json_csv_and_plot(cli, tmp_path: Path) -> None:
    j, c, p = tmp_path / "r.json", tmp_path / "r.csv", tmp_path / "r.png"
    result = cli(
        "run",
        "classroom/chicken",
        "-n",
        "3000",
        "--seed",
        "5",
        "--json",
        j,
        "--csv",
        c,
        "--plot",
        p,
    )
    assert result.code == 0, result.stderr
    assert "one_backs_down" in result.stdout and "95 % interval" in result.stdout
    doc = json.loads(j.read_text())
    assert doc["method"]["samples"] == 3000 and doc["method"]["seed"] == 5
    # The provenance comes first, as comment lines; the table's columns are named as the JSON's.
    lines = c.read_text().splitlines(keepends=True)
    rows = list(csv.DictReader(line for line in lines if not line.startswith("#")))
    assert [r["label"] for r in rows] == [o["label"] for o in doc["outcomes"]]
    assert float(rows[0]["probability"]) == doc["outcomes"][0]["probability"]
    assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert sorted(os.listdir(tmp_path)) == ["r.csv", "r.json", "r.png"]  # no temporary files


def test_output_files_get_ordinary_permissions(cli, tmp_path: Path) -> None:
    """Atomic writes go through a private temporary file; the result must not stay private."""
    fresh, kept = tmp_path / "fresh.json", tmp_path / "kept.csv"
    kept.write_text("old\n")
    kept.chmod(0o640)
    result = cli("run", "classroom/chicken", "-n", "500", "-q", "--json", fresh, "--csv", kept)
    assert result.code == 0, result.stderr
    umask = os.umask(0o022)
    os.umask(umask)
    assert fresh.stat().st_mode & 0o777 == 0o666 & ~umask
    assert kept.stat().st_mode & 0o777 == 0o640  # an overwritten file keeps its mode
    assert kept.read_text().startswith("# tradegame_version: ")  # rewritten, not appended to


def test_same_seed_same_json_bytes_through_the_cli(cli, tmp_path: Path) -> None:
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    cli("run", "madrid_2025", "-n", "5000", "--seed", "1", "--json", a, "-q")
    cli(
        "run", "madrid_2025", "-n", "5000", "--seed", "1", "--json", b, "-q", "--chunk-size", "2048"
    )
    assert a.read_bytes() == b.read_bytes()


def test_json_to_stdout(cli) -> None:
    result = cli("run", "classroom/prisoners_dilemma", "--json", "-")
    assert result.code == 0
    assert json.loads(result.stdout)["scenario"]["title"] == "Prisoner's dilemma"


def test_run_by_name_from_any_directory(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "tradegame", "run", "madrid_2025", "-n", "2048", "--json", "-"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["scenario"]["file"] == "madrid_2025.yaml"


def test_list_shows_titles(cli) -> None:
    result = cli("list")
    assert result.code == 0
    assert "madrid_2025" in result.stdout and "Prisoner's dilemma" in result.stdout


def test_schema_is_json_schema_that_accepts_shipped_files(cli, tmp_path: Path) -> None:
    result = cli("schema")
    schema = json.loads(result.stdout)
    assert schema["$schema"].startswith("https://json-schema.org/")
    assert {"players", "title"} <= set(schema["required"])
    assert schema["oneOf"] == [
        {"required": ["payoffs", "outcomes"]},
        {"required": ["tree"]},
        {"required": ["bargaining", "outcomes"]},
    ]
    assert schema["additionalProperties"] is False
    out = tmp_path / "schema.json"
    assert cli("schema", "-o", out).code == 0 and json.loads(out.read_text()) == schema


def test_solve_marks_best_responses_and_equilibria(cli) -> None:
    result = cli("solve", "classroom/prisoners_dilemma")
    assert result.code == 0
    assert "1.00*, 1.00*" in result.stdout  # (defect, defect): both best responses


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["run", "madrid_2025", "--selection", "random"], "'random' is not one of"),
        (["run", "madrid_2025", "--plot", "x.gif"], ".png, .svg or .pdf"),
        (["run", "madrid_2025", "--json", "/no/such/dir/x.json"], "does not exist"),
        (["run", "madrid_2025", "--samples", "0"], "samples"),
        (["run"], "Missing argument"),
        (["frobnicate"], "No such command"),
    ],
)
def test_bad_options_exit_2_without_traceback(cli, args, fragment) -> None:
    result = cli(*args)
    assert result.code == 2
    assert fragment in result.stderr and "Traceback" not in result.stderr


def test_version(cli) -> None:
    import tradegame

    assert tradegame.__version__ in cli("--version").stdout


@pytest.mark.parametrize(("signal_code", "word"), [(130, "interrupted"), (143, "terminated")])
def test_a_signal_caught_inside_a_compiled_kernel_still_ends_the_run_as_one(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], signal_code: int, word: str
) -> None:
    """The signal handler's exception, raised as a Numba kernel returns, comes back wrapped
    in a SystemError per C layer it crossed; the command still ends with the signal's code."""
    import tradegame.cli as cli

    def app(**kwargs: object) -> None:
        try:
            try:
                raise cli.Interrupted(signal_code)
            except cli.Interrupted as exc:
                raise SystemError(
                    "_numba_unpickle returned a result with an exception set"
                ) from exc
        except SystemError as exc:
            raise SystemError("CPUDispatcher returned a result with an exception set") from exc

    monkeypatch.setattr(cli, "app", app)
    assert cli.main(["run", "madrid_2025"]) == signal_code
    err = capsys.readouterr().err
    assert word in err and "internal error" not in err and "Traceback" not in err
