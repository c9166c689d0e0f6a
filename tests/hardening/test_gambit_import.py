"""Hostile Gambit files through ``tradegame import`` and the import API (issue 9, class 7).

The contract, for any file: ``tradegame import FILE`` ends with exit 0 (and
writes a scenario that loads) or exit 2 with one line ``error: FILE:LINE:COLUMN:
message``, FILE being the file the user gave (never the generated scenario,
``<imported>``), with no traceback, within a time bound per case; the API
(:func:`read_nfg`, :func:`read_efg`, :func:`scenario_from_nfg`,
:func:`scenario_from_efg`) raises nothing but :class:`GambitFormatError`, with
its line and column. A few files that cost without bound before (gigabytes, tens
of seconds) run in a subprocess under a memory cap.

``TRADEGAME_FUZZ_EXAMPLES`` and ``TRADEGAME_FUZZ_SECONDS`` raise the number of
cases and change the time bound, as for the other fuzz tests.
"""

from __future__ import annotations

import io
import os
import re
import resource
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from fuzzing import CASE_SECONDS, fuzz_settings, time_limit
from gambit_strategies import (
    HOSTILE_NUMBERS,
    GambitCase,
    chain_efg,
    emptied_lists,
    hostile_gambit_files,
    number_swaps,
    seed_files,
    structural_members,
    truncated_or_flipped,
    wide_efg,
)
from hypothesis import given

from tradegame.cli import main
from tradegame.interop.gambit import GambitFormatError, read_efg, read_nfg
from tradegame.interop.scenario_io import scenario_from_efg, scenario_from_nfg
from tradegame.scenario.load import parse_scenario


def import_file(
    capsys: pytest.CaptureFixture[str], directory: Path, case: GambitCase, *extra: str
) -> tuple[int, str, str, Path]:
    """``tradegame import`` of the case in-process: exit code, stdout, stderr, output path."""
    path = directory / f"case{case.suffix}"
    path.write_bytes(case.content)
    out = directory / "imported.yaml"
    out.unlink(missing_ok=True)
    capsys.readouterr()
    with time_limit(CASE_SECONDS):
        code = main(["import", str(path), "-o", str(out), *extra])
    captured = capsys.readouterr()
    return code, captured.out, captured.err, out


def check_import_contract(code: int, err: str, path: Path, out: Path, case: Any) -> None:
    """Exit 0 with a scenario that loads, or exit 2 with one located line in the user's file."""
    assert code in (0, 2), f"{case}: exit {code}\n{err[-2000:]}"
    assert "Traceback" not in err, f"{case}: traceback\n{err[-2000:]}"
    if code == 0:
        assert err == "", f"{case}: {err!r}"
        parse_scenario(out.read_text(encoding="utf-8"), str(out))
        return
    assert not out.exists(), f"{case}: an output file despite the error"
    lines = err.splitlines()
    pattern = re.compile(rf"error: {re.escape(str(path))}:[1-9][0-9]*:[1-9][0-9]*: \S[^\n]*")
    assert len(lines) == 1 and pattern.fullmatch(lines[0]), f"{case}: {err!r}"


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    return tmp_path


# --- the generators' own contract ----------------------------------------------------


def test_the_seeds_are_valid_gambit_files() -> None:
    """Every seed reads (the mutants start from valid files), and pygambit reads them too."""
    gbt = pytest.importorskip("pygambit")
    seeds = seed_files()
    assert {".nfg", ".efg"} <= {s for s, _ in seeds} and len(seeds) >= 10
    for suffix, text in seeds:
        game = read_nfg(text) if suffix == ".nfg" else read_efg(text)
        assert game is not None
        parsed = gbt.read_nfg if suffix == ".nfg" else gbt.read_efg
        parsed(io.StringIO(text))


@fuzz_settings(40)
@given(truncated_or_flipped())
def test_truncated_or_flipped_files_differ_from_their_seed(case: GambitCase) -> None:
    seeds = {text.encode() for _, text in seed_files()}
    if case.what.startswith("truncated"):
        assert any(s.startswith(case.content) for s in seeds)
    else:  # one to three bytes replaced, each by one byte
        same_length = [s for s in seeds if len(s) == len(case.content)]
        assert any(
            sum(a != b for a, b in zip(s, case.content, strict=True)) <= 3 for s in same_length
        )


@fuzz_settings(40)
@given(number_swaps())
def test_number_swaps_hold_a_hostile_number(case: GambitCase) -> None:
    text = case.content.decode()
    assert any(n in text for n in HOSTILE_NUMBERS)


@fuzz_settings(40)
@given(emptied_lists())
def test_emptied_lists_hold_an_empty_list(case: GambitCase) -> None:
    assert b"{ }" in case.content


def test_chains_and_combs_are_as_deep_and_wide_as_said() -> None:
    for depth in (1, 2, 7, 120):
        tree = read_efg(chain_efg(depth))
        assert max(len(n) for n in tree.nodes()) == depth
    for nodes in (3, 9, 201):
        tree = read_efg(wide_efg(nodes))
        assert len(tree.nodes()) == nodes


@fuzz_settings(60)
@given(structural_members())
def test_structural_members_are_not_games_gambit_reads(case: GambitCase) -> None:
    """Each structural member is one Gambit (16.7) refuses too, or one beyond tradegame's
    bounds (which Gambit, computing exactly, may read)."""
    gbt = pytest.importorskip("pygambit")
    reader = gbt.read_nfg if case.suffix == ".nfg" else gbt.read_efg
    beyond_bounds = case.what in (
        "counts",
        "outcome counts",
        "chain",
        "overflowing sum",
        "players with one label",  # Gambit renames repeats; a tradegame tree cannot
    )
    if beyond_bounds:
        return
    with pytest.raises(Exception):  # noqa: B017 - pygambit raises several kinds
        reader(io.StringIO(case.content.decode()))


# --- the contract -----------------------------------------------------------------------


@fuzz_settings(200)
@given(case=hostile_gambit_files())
def test_hostile_gambit_files_import_or_fail_in_one_located_line(
    case: GambitCase, workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err, out = import_file(capsys, workdir, case)
    check_import_contract(code, err, workdir / f"case{case.suffix}", out, case)
    if code == 0:  # the scenario is the file's game: as many players, none merged
        text = case.content.decode("utf-8")
        game = read_nfg(text) if case.suffix == ".nfg" else read_efg(text)
        scenario = parse_scenario(out.read_text(encoding="utf-8"), str(out))
        assert len(scenario.players) == len(game.players), case


@fuzz_settings(40)
@given(case=hostile_gambit_files())
def test_hostile_efg_files_in_every_form(
    case: GambitCase, workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if case.suffix != ".efg":
        return
    for form in ("stages", "tree"):
        code, _, err, out = import_file(capsys, workdir, case, "--form", form)
        check_import_contract(code, err, workdir / f"case{case.suffix}", out, (case, form))


@fuzz_settings(150)
@given(case=hostile_gambit_files())
def test_the_api_raises_only_located_gambit_format_errors(case: GambitCase) -> None:
    try:
        text = case.content.decode("utf-8")
    except UnicodeDecodeError:
        return  # the API takes text: decoding is the caller's (the CLI's, tested above)
    with time_limit(CASE_SECONDS):
        try:
            if case.suffix == ".nfg":
                scenario_from_nfg(read_nfg(text))
            else:
                scenario_from_efg(read_efg(text))
        except GambitFormatError as exc:
            assert exc.line is not None and exc.column is not None, (case, exc)
            assert exc.line >= 1 and exc.column >= 1, (case, exc)
            assert "\n" not in str(exc)


# --- the members quoted in the issue, by name -------------------------------------------

H = 'EFG 2 R "t" { "A" "B" } ""\n'

#: Quoted member -> (file, suffix, where the error must point, words of the message).
QUOTED = {
    "empty player action list": (H + 'p "" 1 1 "" { } 0\n', ".efg", "2:13", "no actions"),
    "empty chance action list": (H + 'c "" 1 "" { } 0\n', ".efg", "2:11", "no actions"),
    "information set redefined with more actions": (
        H + 'p "" 1 1 "" { "a" "b" } 0\np "" 1 1 "" { "a" "b" "c" } 0\nt "" 0\n',
        ".efg",
        "3:13",
        "3 actions here and 2 at line 2",
    ),
    "negative chance probability": (
        H + 'c "" 1 "" { "a" -1/2 "b" 3/2 } 0\nt "" 0\nt "" 0\n',
        ".efg",
        "2:17",
        "negative",
    ),
    "chance probability over 1": (
        H + 'c "" 1 "" { "a" 3/2 "b" 0 } 0\nt "" 0\nt "" 0\n',
        ".efg",
        "2:17",
        "over 1",
    ),
    "chance probabilities not summing to 1": (
        H + 'c "" 1 "" { "a" 1/3 "b" 1/3 } 0\nt "" 0\nt "" 0\n',
        ".efg",
        "2:11",
        "sum to 2/3, not exactly 1",
    ),
    "payoff 1e400": (
        'NFG 1 R "t" { "A" "B" } { 1 1 }\n1e400 2\n',
        ".nfg",
        "2:1",
        "beyond the range of floating-point numbers",
    ),
    "efg payoff 1e400": (
        H + 't "" 1 "" { 1, 1e400 }\n',
        ".efg",
        "2:16",
        "payoff '1e400' is beyond the range of floating-point numbers",
    ),
    "strategy counts 4294967296": (
        'NFG 1 R "t" { "A" "B" } { 4294967296 4294967296 }\n',
        ".nfg",
        "1:27",
        "is over 5,000,000",
    ),
    "outcome version counts 100000": (
        'NFG 1 R "t" { "A" "B" } { 100000 100000 }\n{ { "" 1, 2 } }\n1 1\n',
        ".nfg",
        "1:34",
        "more than 5,000,000 strategy profiles",
    ),
    "100,000-deep chain": (chain_efg(100_000), ".efg", "127:1", "plays 100000 moves long"),
    # Not quoted, same class: 5,000,000 strategies counted, then 3 payoffs (labels for
    # the count took 440 MB before the missing payoffs were noticed).
    "strategy count 5,000,000 and 3 payoffs": (
        'NFG 1 R "t" { "A" "B" } { 5000000 1 }\n1 2 3\n',
        ".nfg",
        "2:1",
        "the file ends before the payoffs are complete",
    ),
    # The four that pointed into the generated scenario (<imported>:L:C) before.
    "title over 300 characters": (
        f'NFG 1 R "{"x" * 301}" {{ "A" "B" }} {{ 1 1 }}\n1 2\n',
        ".nfg",
        "1:9",
        "at most 300",
    ),
    "over 1000 strategies": (
        'NFG 1 R "t" { "A" "B" } { 1001 1 }\n' + " ".join(["1"] * 2002) + "\n",
        ".nfg",
        "1:27",
        "at most 1,000 options",
    ),
    "payoff table over the scenario file's size": (
        'NFG 1 R "t" { "A" "B" } { 300 300 }\n' + " ".join(["1"] * 180_000) + "\n",
        ".nfg",
        "1:25",
        "at most 100,000 values",
    ),
    "information set with over 1000 actions": (
        H
        + 'p "" 1 1 "" { '
        + " ".join(f'"a{i}"' for i in range(1001))
        + " } 0\n"
        + 'p "" 2 1 "" { "x" } 0\nt "" 1 "" { 1, 2 }\n'
        + 'p "" 2 1 0\nt "" 1\n' * 1000,
        ".efg",
        "2:1",
        "at most 1,000 options",
    ),
}


@pytest.mark.parametrize("member", list(QUOTED))
def test_quoted_members_fail_in_one_line_at_their_place(
    member: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text, suffix, where, words = QUOTED[member]
    case = GambitCase(text.encode(), suffix, member)
    code, _, err, out = import_file(capsys, tmp_path, case)
    check_import_contract(code, err, tmp_path / f"case{suffix}", out, member)
    assert code == 2
    assert err.startswith(f"error: {tmp_path / f'case{suffix}'}:{where}: "), err
    assert words in err, err
    assert "<imported>" not in err and "offset" not in err


@pytest.mark.parametrize("form", ["stages", "tree"])
def test_a_stage_import_beyond_the_scenario_limits_points_into_the_gambit_file(
    form: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text, suffix, where, words = QUOTED["information set with over 1000 actions"]
    code, _, err, _ = import_file(
        capsys, tmp_path, GambitCase(text.encode(), suffix, form), "--form", form
    )
    assert code == 2 and err.startswith(f"error: {tmp_path / 'case.efg'}:{where}: "), err
    assert words in err


def test_a_payoff_1e_minus_100000000_is_read_at_once_as_zero(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case = GambitCase(b'NFG 1 R "t" { "A" "B" } { 1 1 }\n1e-100000000 2\n', ".nfg", "tiny")
    with time_limit(5):
        code, _, err, _ = import_file(capsys, tmp_path, case)
    assert code == 0, err
    assert read_nfg(case.content.decode()).U[0, 0, 0] == 0.0


@pytest.mark.parametrize(
    "text",
    [
        H + 'p "" 1 1 "" { "a" "b" } 0\np "" 1 1 "" { "a" "c" } 0\nt "" 0\nt "" 0\nt "" 0\n',
        H + 'p "" 1 1 "x" { "a" } 0\np "" 1 1 "y" { "a" } 0\nt "" 0\n',
        H + 'c "" 1 "" { "a" 1/2 "b" 1/2 } 0\nc "" 1 "" { "a" 1/3 "b" 2/3 } 0\n'
        't "" 0\nt "" 0\nt "" 0\n',
        H + 'p "" 1 1 "" { "a" "b" } 0\nt "" 1 "x" { 1, 2 }\nt "" 1 "x" { 1, 3 }\n',
        H + 'p "" 1 1 "" { "a" "b" } 0\nt "" 1 "x" { 1, 2 }\nt "" 1 "y" { 1, 2 }\n',
        H + 'p "" 3 1 "" { "a" } 0\nt "" 0\n',
        'NFG 1 R "t" { "A" "B" } { 1 2 }\n{ { "" 1, 2 } }\n1 2\n',
        H + 'p "" 1 1 "" { "a" } 1 "" { 1e308, 0 }\np "" 2 1 "" { "b" } 0\nt "" 1\n',
        'NFG 1 R "t" { "A" "B" } { 1 1 }\n' + "9" * 5000 + " 1\n",
        'NFG 1 R "t" { "A" "B" } { 1 1 }\n1/0 1\n',
        H + 'c "" 1 "" { "a" 1e-5000 "b" 1 } 0\nt "" 0\nt "" 0\n',
        'EFG 2 R "t" { "A" "A" } ""\np "" 1 1 "" { "a" } 0\np "" 2 1 "" { "x" } 0\nt "" 0\n',
        H
        + 'c "" 1 "" { '
        + " ".join(f'"a{k}" 1/{10**990 + 2 * k + 1}' for k in range(8))
        + " } 0\n"
        + 't "" 0\n' * 8,
    ],
    ids=[
        "actions relabelled",
        "information set relabelled",
        "chance probabilities redefined",
        "outcome payoffs redefined",
        "outcome relabelled",
        "player number out of range",
        "outcome number out of range",
        "payoffs summing beyond floats",
        "5000-digit number",
        "zero denominator",
        "probability with a huge exponent",
        "two players with one label",
        "probabilities too fine to add exactly",
    ],
)
def test_semantic_errors_are_located_gambit_format_errors(text: str) -> None:
    """What Gambit refuses (or tradegame cannot hold) is a GambitFormatError with its place."""
    reader = read_nfg if text.startswith("NFG") else read_efg
    with pytest.raises(GambitFormatError) as info:
        reader(text)
    assert info.value.line is not None and info.value.column is not None, info.value


def test_a_file_over_2_mib_is_refused_without_reading_it_whole(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "big.nfg"
    with path.open("wb") as f:  # sparse: 1 GiB that costs nothing to write
        f.write(b'NFG 1 R "t" { "A" "B" } { 1 1 }\n1 2 ')
        f.seek(2**30)
        f.write(b"\n")
    capsys.readouterr()
    with time_limit(CASE_SECONDS):
        code = main(["import", str(path)])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith(f"error: {path}:1:1: the file is over 2,097,152 bytes")


@pytest.mark.parametrize("kind", ["named pipe", "directory", "link to /dev/zero", "socket"])
def test_a_gambit_path_that_is_not_a_regular_file_is_refused_at_once(
    kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Opening a named pipe blocks until a writer comes; /dev/zero never ends: neither is read.
    import socket

    path = tmp_path / "game.efg"
    held = None
    if kind == "named pipe":
        os.mkfifo(path)
    elif kind == "directory":
        path.mkdir()
    elif kind == "link to /dev/zero":
        path.symlink_to("/dev/zero")
    else:
        held = socket.socket(socket.AF_UNIX)
        held.bind(str(path))
    try:
        capsys.readouterr()
        with time_limit(CASE_SECONDS):
            code = main(["import", str(path)])
        err = capsys.readouterr().err
    finally:
        if held is not None:
            held.close()
    assert code == 2, err
    assert err.startswith(f"error: {path}:1:1: not a regular file ("), err
    assert len(err.splitlines()) == 1


# --- in a subprocess, under a memory cap --------------------------------------------------

#: Address-space cap of the subprocesses: the interpreter with NumPy, SciPy and pydantic
#: needs well under 1 GiB; the members below took 2.4 to 3.5 GB before.
MEMORY_CAP = 2 * 2**30


def _run_capped(path: Path) -> subprocess.CompletedProcess[str]:
    def cap() -> None:  # pragma: no cover - runs in the child
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))

    return subprocess.run(
        [sys.executable, "-m", "tradegame", "import", str(path)],
        capture_output=True,
        text=True,
        errors="replace",
        timeout=CASE_SECONDS + 30,  # + interpreter start-up on a loaded machine
        preexec_fn=cap,
        env={**os.environ, "COLUMNS": "80"},
    )


@pytest.mark.parametrize(
    "member", ["strategy counts 4294967296", "outcome version counts 100000", "100,000-deep chain"]
)
def test_costly_members_are_refused_under_a_memory_cap(member: str, tmp_path: Path) -> None:
    text, suffix, where, words = QUOTED[member]
    path = tmp_path / f"case{suffix}"
    path.write_text(text, encoding="utf-8")
    proc = _run_capped(path)
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert proc.stderr.startswith(f"error: {path}:{where}: ") and words in proc.stderr, proc.stderr
    assert len(proc.stderr.splitlines()) == 1 and "Traceback" not in proc.stderr


def test_every_refusal_of_the_stage_import_points_into_the_file() -> None:
    """The stage import refuses most of Gambit's example trees (not stage games, one
    player): each refusal names the node (or the player list) that is the reason."""
    gbt = pytest.importorskip("pygambit")
    files = sorted(Path(gbt.__file__).parent.rglob("*.efg"))
    refused = 0
    for path in files:
        text = path.read_text(encoding="utf-8")
        try:
            scenario_from_efg(read_efg(text), form="stages")
        except GambitFormatError as exc:
            refused += 1
            assert exc.line is not None and exc.column is not None, (path, exc)
            line = text.splitlines()[exc.line - 1]
            at = line[exc.column - 1 :]
            # A node (its type letter) or the player list.
            assert at[:2] in ("c ", "p ", "t ") or at.startswith("{"), (path, exc, line)
    assert refused >= 20


def test_a_scenario_that_does_not_load_is_refused_at_a_place_in_the_gambit_file() -> None:
    """The last guard of the importers (no hostile file reaches it: the checks before it
    refuse them with a better place) points into the Gambit file, never at the text
    generated from it."""
    from tradegame.interop.scenario_io import check_imported

    text = 'NFG 1 R "t" { "A" "B" }\n{ { "x" "y" } { "l" } }\n""\n1 2 3 4\n'
    game = read_nfg(text)
    with pytest.raises(GambitFormatError) as info:
        check_imported("tradegame: 2\n", game, "strategies")
    assert (info.value.line, info.value.column) == (2, 1)
    assert info.value.message.startswith("the game does not fit in a scenario file: ")
    tree = read_efg(H + 'p "" 1 1 "" { "a" } 0\np "" 2 1 "" { "x" } 0\nt "" 0\n')
    with pytest.raises(GambitFormatError) as info:
        check_imported("title: [\n", tree, (0,))
    assert (info.value.line, info.value.column) == (3, 1)


def test_a_byte_that_is_not_utf8_is_located_in_characters(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    content = 'NFG 1 R "t\u00e9'.encode() + b'\xff" { "A" "B" } { 1 1 }\n1 2\n'
    code, _, err, _ = import_file(capsys, tmp_path, GambitCase(content, ".nfg", "latin"))
    assert code == 2 and err == f"error: {tmp_path / 'case.nfg'}:1:12: the file is not UTF-8 text\n"
