"""Hostile scenario input: special files, YAML tags, unsafe text, infinite chance
probabilities, run-time checks of the file's choices.

Each test takes a class of input (generated with ``input_strategies.py`` where
that is natural) and checks the property the class must have: refused at once
and located (``FILE:LINE:COLUMN: message``, exit code 2), with nothing on the
terminal a terminal would act on.
"""

from __future__ import annotations

import io
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fuzzing import time_limit
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from input_strategies import (
    MARKUP,
    SPECIAL_KINDS,
    TagMutant,
    TextMutant,
    file_kind,
    is_unsafe,
    make_special_file,
    special_files,
    tag_mutants,
    text_mutants,
    unsafe_texts,
)
from rich.console import Console
from strategies import scenario_cases

import tradegame
from tradegame.cli import main
from tradegame.scenario.yaml_source import MAX_FILE_BYTES

SHIPPED = Path(tradegame.__file__).parent / "scenarios"
SRC = str(Path(tradegame.__file__).parent.parent)

SETTINGS = settings(
    max_examples=int(os.environ.get("TRADEGAME_FUZZ_EXAMPLES", "0")) or 60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

#: ``[error: ]FILE:LINE:COLUMN: message``
LOCATED = re.compile(r"^(?:error: )?(?P<file>.+?):(?P<line>[1-9][0-9]*):(?P<col>[1-9][0-9]*): \S")


def call(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """``tradegame ARGS`` in this process, bounded in time: exit code, stdout, stderr."""
    capsys.readouterr()
    with time_limit(30):
        code = main([str(a) for a in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def unsafe_characters_in(text: str) -> list[str]:
    return sorted({repr(c) for c in text if is_unsafe(c)})


def assert_one_located_line(err: str, file: str, *, words: tuple[str, ...] = ()) -> re.Match:
    lines = err.splitlines()
    assert len(lines) == 1, f"expected one line, got {lines}"
    m = LOCATED.match(lines[0])
    assert m is not None and m["file"] == file, f"not located in {file}: {lines[0]!r}"
    assert all(w in lines[0] for w in words), f"{words} not in {lines[0]!r}"
    return m


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("input")


def fresh(base: Path) -> Path:
    return Path(tempfile.mkdtemp(dir=base))


# --- generators do what they claim ---------------------------------------------------------


@settings(max_examples=30, deadline=None)
@given(kind=special_files())
def test_special_file_generator_makes_that_kind(kind: str) -> None:
    with tempfile.TemporaryDirectory() as d:
        path, keep = make_special_file(kind, Path(d))
        try:
            assert file_kind(path) == SPECIAL_KINDS[kind]
        finally:
            if keep is not None:
                keep.close()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(m=text_mutants(scenario_cases()))
def test_text_mutant_generator_puts_unsafe_text_in_the_file(m: TextMutant) -> None:
    import yaml

    assert any(is_unsafe(c) for c in m.inserted)
    data = yaml.load(m.text, Loader=yaml.SafeLoader)  # PyYAML itself reads the escapes back
    node = data
    for part in m.path[:-1] if m.is_key else m.path:
        node = node[part]
    assert (m.inserted in node) if m.is_key else (node == m.inserted)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(m=tag_mutants(scenario_cases()))
def test_tag_mutant_generator_tags_a_node_of_that_kind(m: TagMutant) -> None:
    import yaml

    node = yaml.compose(m.text)
    for part in m.path:
        if isinstance(node, yaml.MappingNode):
            node = next(v for k, v in node.value if k.value == str(part) or k.value == part)
        else:
            node = node.value[part]
    expected = {"scalar": yaml.ScalarNode, "mapping": yaml.MappingNode}.get(
        m.kind, yaml.SequenceNode
    )
    assert isinstance(node, expected)
    assert node.tag.endswith(m.tag.lstrip("!").removeprefix("<").removesuffix(">"))


# --- class 6: paths that are not regular files ---------------------------------------------


def _tradegame_subprocess(args: list[str], stdin: Any = subprocess.DEVNULL) -> Any:
    """``python -m tradegame ARGS`` with a 1 GiB address-space limit and a 30 s bound."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (2**30, 2**30))

    env = {**os.environ, "PYTHONPATH": SRC}
    return subprocess.run(
        [sys.executable, "-m", "tradegame", *args],
        capture_output=True,
        text=True,
        timeout=30,
        preexec_fn=limit,
        env=env,
        stdin=stdin,
    )


@pytest.mark.parametrize("kind", sorted(SPECIAL_KINDS))
def test_special_files_are_refused_at_once(kind: str, tmp_path: Path) -> None:
    """A pipe, a device, a directory or a socket: one located line, exit 2, at once.

    In a subprocess under a memory limit and a timeout: before the fix a named
    pipe blocked ``validate`` for ever and ``/dev/zero`` was read until memory
    ran out.
    """
    path, keep = make_special_file(kind, tmp_path)
    try:
        t0 = time.perf_counter()
        try:
            proc = _tradegame_subprocess(["validate", str(path)])
        except subprocess.TimeoutExpired:
            pytest.fail(f"validate {kind} did not end within 30 s")
        elapsed = time.perf_counter() - t0
    finally:
        if keep is not None:
            keep.close()
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert (
        proc.stderr
        == f"{path}:1:1: not a regular file ({SPECIAL_KINDS[kind]}); expected a scenario file\n"
    )
    assert elapsed < 20


@pytest.mark.parametrize("kind", ["fifo", "dev_zero", "directory"])
def test_load_scenario_refuses_special_files_without_reading(
    kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The library call too: refused before anything is read (``os.read`` never called)."""
    import tradegame.scenario.yaml_source as ys

    if not hasattr(ys, "_read_at_most"):
        pytest.fail("the reader has no bounded read: /dev/zero would be read until memory ends")
    reads: list[int] = []
    real_read = os.read
    monkeypatch.setattr(ys.os, "read", lambda fd, n: reads.append(n) or real_read(fd, n))
    path, _ = make_special_file(kind, tmp_path)
    with time_limit(10), pytest.raises(tradegame.ScenarioError) as info:
        tradegame.load_scenario(path)
    assert str(info.value) == (
        f"{path}:1:1: not a regular file ({SPECIAL_KINDS[kind]}); expected a scenario file"
    )
    assert reads == []


class _Endless(io.RawIOBase):
    """Standard input that never ends (``yes``), counting what is read."""

    def __init__(self) -> None:
        self.given = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = len(buffer)
        buffer[:n] = b"a" * n
        self.given += n
        return n


def test_standard_input_as_dash(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """'-' reads the scenario from standard input: valid, invalid, and endless."""
    text = (SHIPPED / "classroom" / "chicken.yaml").read_text()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode())))
    assert call(capsys, "validate", "-") == (0, "<stdin>: ok\n", "")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode())))
    code, out, err = call(capsys, "run", "-", "-n", "64", "--json", "-")
    assert code == 0 and err == ""
    assert '"samples": 64' in out
    broken = text.replace("crash_cost:\n", "crash_cost:\n    what: 1\n", 1)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(broken.encode())))
    code, _, err = call(capsys, "run", "-", "-n", "64")
    assert code == 2
    assert_one_located_line(err, "<stdin>")
    endless = _Endless()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BufferedReader(endless)))
    code, _, err = call(capsys, "validate", "-")
    assert code == 2 and "larger than" in err
    assert_one_located_line(err, "<stdin>")
    # Bounded: the limit plus at most one buffer of read-ahead.
    assert endless.given <= MAX_FILE_BYTES + 1 + io.DEFAULT_BUFFER_SIZE


# --- class 11: YAML tags -------------------------------------------------------------------

_STANDARD = {"mapping": "!!map", "sequence": "!!seq"}


@SETTINGS
@given(m=tag_mutants(scenario_cases()))
def test_non_standard_tags_are_refused_on_every_node_kind(
    m: TagMutant, workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Any tag but YAML's standard ones, on a scalar, a mapping or a sequence: located error
    at the tag; the same node with its standard tag loads as before."""
    d = fresh(workdir)
    path = d / "tagged.yaml"
    path.write_text(m.text, encoding="utf-8")
    code, out, err = call(capsys, "validate", str(path))
    assert code == 2, f"{m.tag} on a {m.kind} at {m.path} was accepted: {out!r}"
    found = assert_one_located_line(err, str(path), words=("YAML tag",))
    line = m.text.splitlines()[int(found["line"]) - 1]
    assert line[int(found["col"]) - 1] == "!", f"not at the tag: {line!r} ({found[0]})"
    if m.kind in _STANDARD:
        standard = m.text.replace(m.tag, _STANDARD[m.kind], 1)
        path.write_text(standard, encoding="utf-8")
        assert call(capsys, "validate", str(path))[0] == 0, standard


# --- classes 4 and 12: control characters, surrogates, markup ---------------------------------


@SETTINGS
@given(
    m=text_mutants(scenario_cases()),
    command=st.sampled_from(["validate", "run", "solve", "export"]),
)
def test_unsafe_text_is_refused_where_it_is_and_never_printed(
    m: TextMutant, command: str, workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Control characters or a lone surrogate in any text (title, description, units,
    labels, names, expressions, keys): refused with one located line pointing at the
    string, exit 2; no output of any command carries a character a terminal acts on,
    and everything written is valid UTF-8."""
    d = fresh(workdir)
    path = d / "text.yaml"
    path.write_text(m.text, encoding="utf-8", errors="strict")
    args = {"validate": [], "run": ["-n", "64", "--json", "-"], "solve": [], "export": []}[command]
    code, out, err = call(capsys, command, str(path), *args)
    assert not unsafe_characters_in(out + err), (
        f"{command} printed {unsafe_characters_in(out + err)}"
    )
    (out + err).encode("utf-8")
    assert code == 2, f"{command} accepted {m.inserted!r} at {m.path}"
    found = assert_one_located_line(err, str(path))
    assert "control character" in err or "lone surrogate" in err, err
    line = m.text.splitlines()[int(found["line"]) - 1]
    # At the string's opening quote (double-quoted, or single-quoted with a raw NEL in it).
    assert line[int(found["col"]) - 1] in "\"'", f"not at the string: {line!r} ({found[0]})"


@pytest.mark.parametrize("markup", MARKUP)
def test_scenario_text_is_literal_whatever_console_prints_it(markup: str, tmp_path: Path) -> None:
    """Rich markup in a title or in units is text: tables printed by a console with markup
    on (as an HTML or recorded console would be) still show it character for character."""
    from tradegame.report.central_tables import central_game_tables
    from tradegame.report.table import print_group, result_tables

    text = (SHIPPED / "classroom" / "chicken.yaml").read_text()
    text = re.sub(r"(?m)^title: .*$", f"title: '{markup} Chicken {markup}'", text, count=1)
    text = text.replace("units: utility", f"units: '{markup} units'", 1)
    sc = tradegame.parse_scenario(text, "markup.yaml")
    result = tradegame.simulate(sc, samples=64, seed=0)
    for group in (central_game_tables(tradegame.solve(sc)), result_tables(result)):
        console = Console(record=True, markup=True, emoji=True, width=300, file=io.StringIO())
        print_group(group, console)
        shown = "".join(console.export_text().split())  # titles wrap to the table's width
        assert f"{markup}Chicken{markup}".replace(" ", "") in shown, shown[:500]
    assert f"{markup}units".replace(" ", "") in shown


@pytest.mark.parametrize(
    "name", ["\x1b[2J.yaml", "\x1b]0;pwned\x07.yaml", "\x9b31m.yaml", "a\rb.yaml"]
)
@pytest.mark.parametrize("valid", [True, False])
def test_file_names_are_printed_escaped(
    name: str, valid: bool, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A file named with escape sequences (``tradegame validate *`` in a downloaded folder)
    is named in messages with its control characters escaped."""
    path = tmp_path / name
    text = (SHIPPED / "classroom" / "chicken.yaml").read_text()
    path.write_text(text if valid else text.replace("players:", "players: 3\nx:", 1))
    for command in ("validate", "run"):
        code, out, err = call(
            capsys, command, str(path), *(["-n", "64", "-q"] if command == "run" else [])
        )
        assert code == (0 if valid else 2), err
        assert not unsafe_characters_in(out + err), repr(out + err)
        if not valid or command == "validate":
            escaped = "".join(f"\\x{ord(c):02x}" if is_unsafe(c) else c for c in name)
            assert escaped in out + err


# --- class 4: infinite and NaN chance probabilities ----------------------------------------

_CARD = (SHIPPED / "classroom" / "card_game.yaml").read_text()
_MADRID = (SHIPPED / "madrid_2025.yaml").read_text()


def _card(red: str, black: str) -> str:
    return _CARD.replace(
        "options: {red: 0.5, black: 0.5}", f'options: {{red: "{red}", black: "{black}"}}'
    )


def _stages(hard: str, soft: str) -> str:
    """madrid_2025 (a game with stages) with Beijing's resolve given other probabilities."""
    text = re.sub(r"hard: p_hard\n", f'hard: "{hard}"\n', _MADRID, count=1)
    assert text != _MADRID
    return re.sub(r"soft: 1 - p_hard\n", f'soft: "{soft}"\n', text, count=1)


@pytest.mark.parametrize(
    "pair",
    [
        ("1e999", "1 - 1e999"),
        ("-1e999", "1e999"),
        ("log(0)", "1 - log(0)"),
        ("exp(1000)", "1 - exp(1000)"),
        ("1e308 * 10", "-1e308 * 10"),
        ("0 * 1e999", "1"),
        ("1e999 - 1e999", "1"),
    ],
)
@pytest.mark.parametrize("form", ["tree", "stages"])
def test_infinite_constant_chance_probabilities_are_located(
    pair: tuple[str, str], form: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Probabilities that are infinite or NaN constants: one located line at load."""
    text = _card(*pair) if form == "tree" else _stages(*pair)
    path = tmp_path / "chance.yaml"
    path.write_text(text)
    code, out, err = call(capsys, "validate", str(path))
    assert code == 2, out + err
    # One line per problem: the compiler refuses overflowing constants ('1e308 * 10') one
    # by one; the others are one line about the lever's probabilities.
    for line in err.splitlines():
        assert_one_located_line(line, str(path))
    assert "probabilities of chance lever" in err or "constant arithmetic overflows" in err


@pytest.mark.parametrize(
    "pair",
    [
        ("exp(1000 * {p})", "1 - exp(1000 * {p})"),
        ("-exp(1000 * {p})", "exp(1000 * {p})"),
        ("sqrt({p} - {cut})", "1 - sqrt({p} - {cut})"),
        ("exp(10000 * {p}) * 0", "1"),
    ],
)
@pytest.mark.parametrize("form", ["tree", "stages"])
@pytest.mark.parametrize("command", ["run", "solve"])
def test_non_finite_chance_probabilities_in_a_draw_print_one_line(
    pair: tuple[str, str],
    form: str,
    command: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Infinite or NaN probabilities in some draw: the located error alone, no NumPy warning."""
    p, cut = ("bet", "1.9") if form == "tree" else ("p_hard", "0.7")
    a, b = (x.format(p=p, cut=cut) for x in pair)
    text = _card(a, b) if form == "tree" else _stages(a, b)
    path = tmp_path / "chance.yaml"
    path.write_text(text)
    with _no_warning_filter():
        code, _, err = call(
            capsys, command, str(path), *(["-n", "64", "-q"] if command == "run" else [])
        )
    assert code == 2, err
    assert "Warning" not in err
    assert_one_located_line(err, str(path), words=("probabilities of chance lever",))


@contextmanager
def _no_warning_filter() -> Iterator[None]:
    """Warnings printed as the command line prints them (pytest would capture them)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.showwarning = _show_on_stderr  # type: ignore[assignment]
        yield


def _show_on_stderr(
    message: Any, category: Any, filename: str, lineno: int, file: Any = None, line: Any = None
) -> None:
    import warnings

    sys.stderr.write(warnings.formatwarning(message, category, filename, lineno, line))


# --- class 8: the file's analysis choices, checked at run time, located ---------------------

_THREE = """\
tradegame: 1
title: three players
players:
  a: {strategies: [x, y]}
  b: {strategies: [x, y]}
  c: {strategies: [x, y]}
payoffs:
  a: "1 + (a == 'x')"
  b: "1 + (b == 'y')"
  c: "1"
outcomes:
  otherwise: done
analysis:
  samples: 64
"""


@pytest.mark.parametrize(
    "choice",
    [
        "solution: nash_bargaining",
        "solution: kalai_smorodinsky",
        "solution: mixed_nash",
        "selection: mixed",
        "selection: risk_dominant",
        "no_equilibrium: mixed",
    ],
)
@pytest.mark.parametrize("command", ["validate", "run"])
def test_analysis_choices_that_do_not_fit_are_located(
    choice: str, command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A choice of the file's 'analysis' that does not fit the scenario (two-player concepts
    in a three-player game) is located at its value, by 'run' and by 'validate'."""
    text = _THREE + f"  {choice}\n"
    path = tmp_path / "s.yaml"
    path.write_text(text)
    code, out, err = call(capsys, command, str(path), *(["-q"] if command == "run" else []))
    assert code == 2, out + err
    found = assert_one_located_line(err, str(path))
    lines = text.splitlines()
    key = choice.split(": ")[0]
    assert int(found["line"]) == lines.index(f"  {choice}") + 1
    assert int(found["col"]) == len(f"  {key}: ") + 1


@pytest.mark.parametrize(
    "option",
    [
        ("--solution", "nash_bargaining"),
        ("--solution", "mixed_nash"),
        ("--selection", "risk_dominant"),
        ("--no-equilibrium", "mixed"),
    ],
)
def test_command_line_choices_that_do_not_fit_name_the_option(
    option: tuple[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The same conflicts chosen on the command line name the option, not a file position."""
    path = tmp_path / "s.yaml"
    path.write_text(_THREE)
    code, _, err = call(capsys, "run", str(path), *option, "-q")
    assert code == 2
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {option[0]} {option[1]}: "), lines
    assert str(path) in lines[0]


def test_unsafe_texts_have_an_unsafe_character() -> None:
    @settings(max_examples=50)
    @given(unsafe_texts())
    def check(text: str) -> None:
        assert any(is_unsafe(c) for c in text)

    check()
