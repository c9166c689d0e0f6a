"""Fuzzing the command line: every input ends in exit code 0 or 2, with located messages.

The contract (from the hardening issue): ``tradegame validate FILE`` and
``tradegame run FILE -n 256 -q`` end every input with exit code 0 or 2; exit 2
comes with exactly one ``error: FILE:LINE:COLUMN: message`` line per problem on
stderr (``validate`` prints ``FILE:LINE:COLUMN: message``, without ``error: ``),
never exit code 1, never a traceback, never a hang; output files are written
atomically (all or nothing, no temporary files left behind).

The CLI runs in-process (``tradegame.cli.main``) on generated files: valid
scenarios from ``strategies.py`` (all must validate and run) and mutated ones
(wrong types, missing and duplicate keys, unknown names, odd numbers, deep
nesting, truncation, byte flips, garbage, alias bombs, very long lines). Each
case is bounded by :data:`CASE_SECONDS` through ``SIGALRM``. A few nasty files
also go through ``python -m tradegame`` in a subprocess with a timeout.

The default run makes about 2,100 generated cases (about a minute on 2 cores).
A longer campaign::

    TRADEGAME_FUZZ_EXAMPLES=20000 pytest tests/hardening -p no:randomly -x

``TRADEGAME_FUZZ_EXAMPLES`` sets the examples of every fuzz test (it only
raises the defaults); failures are shrunk and saved in ``.hypothesis/`` and
replayed first on the next run. ``TRADEGAME_FUZZ_SECONDS`` changes the
per-case time bound (default 10 s).

Bugs the fuzzing found keep one reproducer each (``test_bug_*``), so that they
stay fixed; the general fuzz tests no longer filter their input classes out.
"""

from __future__ import annotations

import json
import math
import os
import re
import resource
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from fuzzing import CASE_SECONDS, fuzz_settings, time_limit
from hypothesis import assume, given
from hypothesis import strategies as st
from strategies import (
    Mutant,
    ScenarioCase,
    alias_bomb_files,
    binary_garbage_files,
    byte_flip_files,
    dump_yaml,
    long_line_files,
    scenario_cases,
    structural_mutants,
    truncated_files,
)

from tradegame.cli import main

# --- running the CLI ----------------------------------------------------------


@dataclass
class Outcome:
    """Exit code and captured output of one CLI call."""

    args: list[str]
    code: int
    out: str
    err: str


def call(capsys: pytest.CaptureFixture[str], *args: str) -> Outcome:
    """Run ``tradegame ARGS`` in-process, bounded in time, capturing its output."""
    capsys.readouterr()
    with time_limit(CASE_SECONDS):
        code = main(list(args))
    captured = capsys.readouterr()
    return Outcome(list(args), code, captured.out, captured.err)


def check_contract(o: Outcome, path: str) -> None:
    """Exit 0 or 2; on 2, every stderr line is ``[error: ]PATH:LINE:COLUMN: message``."""
    where = f"tradegame {' '.join(o.args)}"
    assert o.code in (0, 2), f"{where}: exit {o.code}\nstderr: {o.err[-2000:]}"
    assert "Traceback" not in o.err + o.out, f"{where}: traceback\n{o.err[-2000:]}"
    prefix = "" if o.args[0] == "validate" else "error: "
    if o.code == 2:
        lines = o.err.splitlines()
        assert lines, f"{where}: exit 2 without a message"
        pattern = re.compile(rf"{re.escape(prefix + path)}:[1-9][0-9]*:[1-9][0-9]*: \S")
        bad = [line for line in lines if not pattern.match(line)]
        assert not bad, (
            f"{where}: stderr lines not of the form {prefix}FILE:LINE:COLUMN: ...: {bad}"
        )
    elif o.args[0] == "validate":
        # Hindsight warnings (an undated source in a forecast...) are located lines too.
        warning = re.compile(rf"{re.escape(path)}:[1-9][0-9]*:[1-9][0-9]*: warning: \S")
        odd = [line for line in o.err.splitlines() if not warning.match(line)]
        assert o.out == f"{path}: ok\n" and not odd, f"{where}: {o.out!r} {o.err!r}"
    else:
        assert o.err == "", f"{where}: exit 0 with stderr {o.err[-2000:]!r}"


def write(directory: Path, content: bytes | str, name: str = "case.yaml") -> str:
    """Write a case file in ``directory`` and return its path as the CLI will print it."""
    path = directory / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return str(path)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


def fresh_dir(base: Path) -> Path:
    return Path(tempfile.mkdtemp(dir=base))


# --- valid scenarios ------------------------------------------------------------------


@fuzz_settings(450)
@given(case=scenario_cases())
def test_valid_scenarios_validate(
    case: ScenarioCase, workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(workdir, case.text)
    o = call(capsys, "validate", path)
    check_contract(o, path)
    assert o.code == 0, o.err


@fuzz_settings(160)
@given(case=scenario_cases(), with_files=st.booleans())
def test_valid_scenarios_run(
    case: ScenarioCase, with_files: bool, workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(workdir, case.text)
    out_dir = fresh_dir(workdir)
    extra = ["--json", str(out_dir / "r.json"), "--csv", str(out_dir / "r.csv")]
    o = call(capsys, "run", path, "-n", "256", "-q", *(extra if with_files else []))
    check_contract(o, path)
    assert o.code == 0, o.err
    if with_files:
        assert sorted(os.listdir(out_dir)) == ["r.csv", "r.json"]
        doc = json.loads((out_dir / "r.json").read_text(encoding="utf-8"))
        assert math.isclose(sum(x["probability"] for x in doc["outcomes"]), 1.0, abs_tol=1e-9)


# --- mutated scenarios ----------------------------------------------------------------


def validate_then_run(
    m: Mutant, workdir: Path, capsys: pytest.CaptureFixture[str], *, run: bool = True
) -> Outcome:
    """Validate a mutant; if it is accepted, also run it (with output files)."""
    path = write(workdir, m.content)
    o = call(capsys, "validate", path)
    check_contract(o, path)
    if o.code == 0 and run:
        out_dir = fresh_dir(workdir)
        files = ["--json", str(out_dir / "r.json")]
        r = call(capsys, "run", path, "-n", "256", "-q", *files)
        check_contract(r, path)
        # Atomic output: the whole file on success, nothing (no temporary file) on failure.
        assert os.listdir(out_dir) == (["r.json"] if r.code == 0 and files else [])
    return o


@fuzz_settings(550)
@given(m=structural_mutants())
def test_structural_mutants(m: Mutant, workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    o = validate_then_run(m, workdir, capsys)
    if m.kind in ("unknown_name", "deep_nesting"):
        assert o.code == 2


@fuzz_settings(350)
@given(m=st.one_of(truncated_files(), byte_flip_files()))
def test_truncated_and_flipped_files(
    m: Mutant, workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    validate_then_run(m, workdir, capsys)


@fuzz_settings(200)
@given(m=binary_garbage_files())
def test_binary_garbage(m: Mutant, workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    o = validate_then_run(m, workdir, capsys, run=False)
    assert o.code == 2


def _whole_item(line: str) -> bool:
    """Whether the line is a whole ``key: value`` item (not the start of a multi-line scalar)."""
    try:
        return isinstance(yaml.safe_load(line.strip()), dict)
    except yaml.YAMLError:
        return False


@st.composite
def duplicate_key_files(draw: st.DrawFn) -> Mutant:
    """A valid scenario in block style with one ``key:`` line repeated right after itself."""
    case = draw(scenario_cases())
    text = dump_yaml(case.data, flow=False)
    lines = text.splitlines(keepends=True)
    keyed = [
        i
        for i, line in enumerate(lines)
        if re.match(r"^ *[A-Za-z_][A-Za-z0-9_]*:( |$)", line)
        and not (line.rstrip().endswith(":") and i + 1 < len(lines) and "- " in lines[i + 1][:40])
        and _whole_item(line)
    ]
    i = keyed[draw(st.integers(0, len(keyed) - 1))]
    lines.insert(i + 1, lines[i])
    return Mutant("".join(lines).encode("utf-8"), "duplicate_key")


@fuzz_settings(150)
@given(m=duplicate_key_files())
def test_duplicate_keys(m: Mutant, workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    o = validate_then_run(m, workdir, capsys, run=False)
    assert o.code == 2 and "duplicate key" in o.err, o.err


@fuzz_settings(25)
@given(m=alias_bomb_files())
def test_alias_bombs(m: Mutant, workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    validate_then_run(m, workdir, capsys, run=False)


@fuzz_settings(30)
@given(m=long_line_files())
def test_long_lines(m: Mutant, workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    validate_then_run(m, workdir, capsys)


@fuzz_settings(200)
@given(case=scenario_cases(), data=st.data())
def test_odd_numbers_in_valid_scenarios(
    case: ScenarioCase, data: st.DataObject, workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every distribution field set to an edge value, written in YAML's own spellings."""
    spellings = [
        "1e308",
        "-1e308",
        "1e-308",
        "-1e-308",
        "-0.0",
        ".nan",
        ".NaN",
        ".inf",
        "-.inf",
        "1e999",
        "0x7fffffffffffffff",
        "1_000_000",
        "5e-324",
        "179769313486231570000000000000000000000000000000000000000000000000000000000000000"
        "00000000000000000000000000000000000000000000000000000000000000000000000000000000"
        "00000000000000000000000000000000000000000000000000000000000000000000000000000000"
        "00000000000000000000000000000000000000000000000000000000000000000000000000000000",
    ]
    text = case.text
    numbers = list(re.finditer(r"(?<=: )-?[0-9][0-9.e+-]*(?=\s*$)", text, re.MULTILINE))
    assume(numbers)
    target = numbers[data.draw(st.integers(0, len(numbers) - 1))]
    spelling = data.draw(st.sampled_from(spellings))
    mutated = text[: target.start()] + spelling + text[target.end() :]
    content = mutated.encode("utf-8")
    import yaml

    try:
        parsed = yaml.safe_load(mutated)
    except yaml.YAMLError:
        parsed = None
    validate_then_run(Mutant(content, "odd_number", parsed), workdir, capsys)


# --- subprocess: the real entry point -----------------------------------------------

VALID = """\
tradegame: 1
title: t
players:
  a: {strategies: [x, y]}
  b: {strategies: [u, v]}
parameters:
  p: {dist: normal, mean: 1, sd: 1}
payoffs:
  a: "p * (a == 'x')"
  b: "1 + (b == 'u')"
outcomes:
  both: a == 'x' and b == 'u'
  otherwise: other
"""


def _bomb() -> str:
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for i in range(1, 10):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    return "\n".join(lines) + "\n"


NASTY_FILES: dict[str, bytes] = {
    "alias_bomb": _bomb().encode(),
    "deep_flow": ("a: " + "[" * 100_000 + "]" * 100_000 + "\n").encode(),
    "deep_block": "".join("  " * i + "k:\n" for i in range(300)).encode(),
    "binary": bytes(range(256)) * 4,
    "not_utf8": VALID.encode("utf-8").replace(b"title: t", b"title: \xff\xfe"),
    "truncated_utf8": ("tradegame: 1\ntitle: é" * 3).encode("utf-8")[:-1],
    "nul_byte": VALID.encode().replace(b"title: t", b"title: \x00"),
    "empty": b"",
    "bom_only": b"\xef\xbb\xbf",
    "two_documents": (VALID + "---\n" + VALID).encode(),
    "python_tag": b"!!python/object/apply:os.system ['echo pwned']\n",
    "long_line": ("title: " + "x" * 1_500_000 + "\n").encode(),
    "too_big": b"# " + b"y" * (3 * 1024 * 1024) + b"\n",
    "huge_expression": VALID.replace("1 + (b == 'u')", "+".join(["1"] * 2400)).encode(),
    "nested_expression": VALID.replace("1 + (b == 'u')", "(" * 500 + "1" + ")" * 500).encode(),
    "power_tower": VALID.replace("1 + (b == 'u')", "9 ** 9 ** 9 ** 9").encode(),
}


def run_subprocess(*args: str, limit_memory: bool = False) -> subprocess.CompletedProcess[str]:
    """``python -m tradegame ARGS`` with a timeout (and optionally a 3 GiB address-space cap)."""

    def cap() -> None:  # pragma: no cover - runs in the child
        resource.setrlimit(resource.RLIMIT_AS, (3 * 2**30, 3 * 2**30))

    return subprocess.run(
        [sys.executable, "-m", "tradegame", *args],
        capture_output=True,
        text=True,
        errors="replace",
        timeout=CASE_SECONDS + 20,  # + interpreter and numpy/scipy start-up
        preexec_fn=cap if limit_memory else None,
        env={**os.environ, "PYTHONWARNINGS": "default", "COLUMNS": "80"},
    )


def check_subprocess(proc: subprocess.CompletedProcess[str], path: str, command: str) -> None:
    check_contract(Outcome([command, path], proc.returncode, proc.stdout, proc.stderr), path)


def test_nasty_files_in_one_subprocess(tmp_path: Path) -> None:
    """All nasty files in one ``validate`` call (one interpreter start-up)."""
    paths = [write(tmp_path, NASTY_FILES[name], f"{name}.yaml") for name in sorted(NASTY_FILES)]
    proc = run_subprocess("validate", *paths)
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr and proc.stdout == ""
    pattern = re.compile(
        "(" + "|".join(re.escape(p) for p in paths) + r"):[1-9][0-9]*:[1-9][0-9]*: \S"
    )
    bad = [line for line in proc.stderr.splitlines() if not pattern.match(line)]
    assert not bad, bad
    for p in paths:  # every file has at least one problem reported
        assert f"{p}:" in proc.stderr, p


def test_valid_file_runs_in_a_subprocess(tmp_path: Path) -> None:
    path = write(tmp_path, VALID)
    proc = run_subprocess("run", path, "-n", "256", "-q", "--json", str(tmp_path / "r.json"))
    check_subprocess(proc, path, "run")
    assert proc.returncode == 0
    assert sorted(os.listdir(tmp_path)) == ["case.yaml", "r.json"]


# --- bugs the fuzzing found: one reproducer each, so that they stay fixed ----------------

BUG_TIMESTAMP = "tradegame: 1\nas_of: !!timestamp x\n"

BUG_MERGE = "a: &x [1]\nb:\n  <<: *x\n"

BUG_UNIFORM = VALID.replace(
    "p: {dist: normal, mean: 1, sd: 1}", "p: {dist: uniform, low: -1e308, high: 1e308}"
)

BUG_BETA = VALID.replace(
    "p: {dist: normal, mean: 1, sd: 1}", "p: {dist: beta, a: 1e-308, b: 1e-308}"
)

BUG_WARNINGS = VALID.replace("p * (a == 'x')", "log(p - p) * (a == 'x')")

BUG_EMOJI = "\n" * 99 + "bogus: 1\n"

BUG_JSON_INF = VALID.replace("p * (a == 'x')", "1e308")

BUG_BIG_GAME = (
    "tradegame: 1\ntitle: big\nplayers:\n"
    "  a: {strategies: [" + ", ".join(f"a{i}" for i in range(1000)) + "]}\n"
    "  b: {strategies: [" + ", ".join(f"b{i}" for i in range(1000)) + "]}\n"
    "payoffs:\n  a: 1\n  b: 1\noutcomes:\n  otherwise: z\n"
)


def test_bug_bad_timestamp_tag(tmp_path: Path, capsys) -> None:
    path = write(tmp_path, BUG_TIMESTAMP)
    check_contract(call(capsys, "validate", path), path)


def test_bug_merge_error_is_one_line(tmp_path: Path, capsys) -> None:
    path = write(tmp_path, BUG_MERGE)
    check_contract(call(capsys, "validate", path), path)


def test_bug_uniform_range_overflow(tmp_path: Path, capsys) -> None:
    path = write(tmp_path, BUG_UNIFORM)
    check_contract(call(capsys, "run", path, "-n", "256", "-q"), path)


def test_bug_beta_tiny_shape_median(tmp_path: Path, capsys) -> None:
    path = write(tmp_path, BUG_BETA)
    check_contract(call(capsys, "run", path, "-n", "256", "-q"), path)


def test_bug_runtime_warnings_on_stderr(tmp_path: Path) -> None:
    path = write(tmp_path, BUG_WARNINGS)
    check_subprocess(run_subprocess("run", path, "-n", "256", "-q"), path, "run")


def test_bug_big_game_exhausts_memory(tmp_path: Path) -> None:
    path = write(tmp_path, BUG_BIG_GAME)
    proc = run_subprocess("run", path, "-n", "256", "-q", limit_memory=True)
    check_subprocess(proc, path, "run")


def test_bug_line_100_stays_text(tmp_path: Path, capsys) -> None:
    path = write(tmp_path, BUG_EMOJI)
    o = call(capsys, "validate", path)
    assert f"{path}:100:1: " in o.err, o.err


def test_bug_json_inf_expected_payoff(tmp_path: Path, capsys) -> None:
    path = write(tmp_path, BUG_JSON_INF)
    o = call(capsys, "run", path, "-n", "256", "-q", "--json", str(tmp_path / "r.json"))
    check_contract(o, path)


def test_bug_overflowing_sums_warn_on_stderr(tmp_path: Path) -> None:
    """Block sums of payoffs near 1e308 overflowed with a NumPy warning before the error line."""
    path = write(tmp_path, BUG_JSON_INF)
    proc = run_subprocess("run", path, "-n", "4096", "-q")
    check_subprocess(proc, path, "run")
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1, proc.stderr


def test_bug_out_of_range_unicode_escape(tmp_path: Path, capsys) -> None:
    """A flipped byte made '\\U7fffffff' in a quoted string: PyYAML's chr() ValueError was an
    internal error (exit 1); now one located YAML syntax error."""
    path = write(tmp_path, 'tradegame: 1\ntitle: "bad \\U7fffffff escape"\n')
    o = call(capsys, "validate", path)
    check_contract(o, path)
    assert o.code == 2 and ":2:15: YAML syntax error: bad escape" in o.err


BUG_TREE_SUM_OVERFLOW = """\
tradegame: 1
title: Outcomes that are finite alone, infinite summed along a play
players:
  pl0:
    levers:
      lv0: [o0, o1]
tree:
  outcomes:
    out0:
      payoffs:
        pl0: 1.0e+308
  root:
    move: lv0
    outcome: out0
    then:
      o0: out0
      o1: out0
"""


@pytest.mark.parametrize(
    "command",
    [
        ("run", "-n", "256", "-q", "{path}"),  # a number before the path: it was taken for it
        ("solve", "{path}"),
        ("tree", "-o", "{out}", "{path}"),
        ("export", "--format", "efg", "{path}"),
        ("export", "--format", "nfg", "{path}"),
    ],
)
def test_bug_tree_payoffs_overflow_along_a_play(
    command: tuple[str, ...], tmp_path: Path, capsys
) -> None:
    """Found by test_structural_mutants: two payoffs of 1e308 paid on one play (an inner
    node's outcome and a leaf's) sum to inf; every command ended in an internal error.
    Now one line at the outcome's payoff, whatever the order of the arguments."""
    path = write(tmp_path, BUG_TREE_SUM_OVERFLOW)
    args = [a.format(path=path, out=tmp_path / "t.png") for a in command]
    o = call(capsys, *args)
    check_contract(o, path)
    assert o.code == 2, o.err
    assert o.err.startswith(f"error: {path}:11:14: the payoff of 'pl0' summed along the play"), (
        o.err
    )
    assert o.err.count("\n") == 1 and not (tmp_path / "t.png").exists()
