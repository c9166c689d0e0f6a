"""Bad scenario files: exit code 2, one clear line naming file:line:column, no traceback."""

from __future__ import annotations

import re
import subprocess
import sys
import time

import pytest

import tradegame as tg
from tradegame.scenario.yaml_source import MAX_FILE_BYTES, MAX_NODES

GOOD = """\
tradegame: 1
title: Test game
players:
  us:
    levers:
      tariffs:
        low: {rate: 0.1}
        high: {rate: 0.5}
      chips: [keep, ease]
  china:
    strategies: [approve, block]
parameters:
  value: {dist: normal, mean: 1.0, sd: 0.5}
  cost: {dist: uniform, low: 0, high: 2}
payoffs:
  us: value * (china == 'approve') - tariffs_rate
  china: tariffs_rate * 2 - cost * (chips == 'keep')
outcomes:
  deal: china == 'approve'
  otherwise: no_deal
analysis: {samples: 100, seed: 1}
"""


def mutate(old: str, new: str) -> str:
    assert old in GOOD, old
    return GOOD.replace(old, new, 1)


# (id, file text, line, column, fragment of the message)
CASES = [
    ("yaml syntax", mutate("title: Test game", "title: [Test game"), 3, 8, "YAML syntax error"),
    ("tab indentation", mutate("  us:\n", "\tus:\n"), 4, 1, "YAML syntax error"),
    ("duplicate key", mutate("  cost:", "  value:"), 14, 3, "duplicate key 'value'"),
    (
        "misspelt top key",
        mutate("title: Test game", "title: Test game\nunits: x\nunit: y"),
        4,
        1,
        "unknown key 'unit'; did you mean 'units'?",
    ),
    (
        "unknown key, nothing close",
        mutate("title: Test game", "title: Test game\ncolour: red"),
        3,
        1,
        "unknown key 'colour'",
    ),
    ("missing title", mutate("title: Test game\n", ""), 1, 1, "missing required key 'title'"),
    ("wrong version", mutate("tradegame: 1", "tradegame: 2"), 1, 12, "format version"),
    (
        "unknown distribution",
        mutate("dist: normal", "dist: gaussian"),
        13,
        10,
        "unknown distribution 'gaussian'",
    ),
    ("negative sd", mutate("sd: 0.5", "sd: -0.5"), 13, 40, "sd"),
    ("low above high", mutate("low: 0, high: 2", "low: 3, high: 2"), 14, 9, "low (3.0)"),
    ("string for number", mutate("mean: 1.0", "mean: lots"), 13, 31, "mean"),
    (
        "one player",
        GOOD.split("  china:")[0] + GOOD.split("[approve, block]\n")[1],
        4,
        3,
        "a game needs 2 to 16 players",
    ),
    ("empty lever", mutate("chips: [keep, ease]", "chips: []"), 9, 14, "chips: needs at least 1"),
    (
        "duplicate option",
        mutate("chips: [keep, ease]", "chips: [keep, keep]"),
        9,
        14,
        "option 'keep' twice",
    ),
    (
        "bad lever name",
        mutate("chips: [keep, ease]", "2chips: [keep, ease]"),
        9,
        7,
        "'2chips' is not a valid name",
    ),
    (
        "lever and parameter share a name",
        mutate("  cost:", "  chips:").replace("cost *", "1 *"),
        14,
        3,
        "already used",
    ),
    ("reserved name", mutate("  cost:", "  max:").replace("cost *", "1 *"), 14, 3, "reserved"),
    ("unknown name in payoff", mutate("value * (", "valeu * ("), 16, 7, "did you mean 'value'"),
    (
        "unknown option",
        mutate("china == 'approve') -", "china == 'aprove') -"),
        16,
        25,
        "did you mean 'approve'",
    ),
    (
        "attribute access",
        mutate("tariffs_rate * 2", "tariffs_rate.real * 2"),
        17,
        10,
        "attribute access",
    ),
    ("import attempt", mutate("value * (", "__import__('os') * ("), 16, 7, "__import__"),
    (
        "payoff for unknown player",
        mutate("  china: tariffs_rate", "  chna: tariffs_rate"),
        17,
        3,
        "did you mean 'china'",
    ),
    (
        "numeric outcome",
        mutate("deal: china == 'approve'", "deal: value * 2"),
        19,
        9,
        "needs a condition",
    ),
    (
        "otherwise not last",
        mutate("  otherwise: no_deal", "  otherwise: no_deal\n  late: chips == 'keep'"),
        20,
        3,
        "last outcome rule",
    ),
    ("samples zero", mutate("samples: 100", "samples: 0"), 21, 21, "samples"),
    (
        "probabilities do not sum",
        mutate(
            "cost: {dist: uniform, low: 0, high: 2}",
            "cost: {dist: choice, values: [1, 2], probabilities: [0.5, 0.6]}",
        ),
        14,
        9,
        "sum to 1.1",
    ),
    (
        "unknown selection",
        mutate("samples: 100", "selection: random, samples: 100"),
        21,
        23,
        "selection",
    ),
    ("not a mapping", "- just\n- a list\n", 1, 1, "must be a mapping"),
    ("empty file", "", 1, 1, "empty"),
    ("binary garbage", "tradegame: 1\ntitle: \x00\x01\x02", 2, 8, "character"),
    (
        "both strategies and levers",
        mutate(
            "strategies: [approve, block]", "strategies: [approve, block]\n    levers: {x: [a, b]}"
        ),
        11,
        5,
        "exactly one",
    ),
]


@pytest.mark.parametrize(
    ("text", "line", "column", "fragment"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_bad_file_gives_one_located_line_and_exit_2(
    cli, write_scenario, text, line, column, fragment
) -> None:
    path = write_scenario(text)
    for command in ("validate", "run"):
        result = cli(command, path)
        assert result.code == 2, result
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, result.stderr
        assert "Traceback" not in result.stderr
        match = re.match(r"(?:error: )?(.+):(\d+):(\d+): (.+)$", lines[0])
        assert match, lines[0]
        assert match.group(1) == str(path)
        assert (int(match.group(2)), int(match.group(3))) == (line, column), lines[0]
        assert fragment in match.group(4)


def test_good_file_is_valid(cli, write_scenario) -> None:
    result = cli("validate", write_scenario(GOOD))
    assert result.code == 0 and result.stdout.strip().endswith(": ok")


def test_validate_reports_every_error_of_a_file(cli, write_scenario) -> None:
    text = mutate("value * (", "valeu * (").replace("cost * (", "cots * (")
    text = text.replace("deal: china == 'approve'", "deal: china == 'aprove'")
    result = cli("validate", write_scenario(text))
    lines = result.stderr.strip().splitlines()
    assert result.code == 2
    assert [int(re.search(r":(\d+):\d+:", ln).group(1)) for ln in lines] == [16, 17, 19]


def test_scenario_error_carries_line_and_column(write_scenario) -> None:
    path = write_scenario(mutate("value * (", "valeu * ("))
    with pytest.raises(tg.ScenarioError) as info:
        tg.load_scenario(path)
    assert (info.value.line, info.value.column) == (16, 7)
    assert info.value.file == str(path)


def test_missing_file(cli, tmp_path) -> None:
    result = cli("run", tmp_path / "nope.yaml")
    assert result.code == 2
    assert result.stderr.startswith(f"error: {tmp_path / 'nope.yaml'}:1:1: no such file")
    assert result.stderr.count("\n") == 1 and "did you mean" not in result.stderr


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("madrid", "madrid_2025"),
        ("chicken", "classroom/chicken"),
        ("classroom/chiken", "classroom/chicken"),
    ],
)
def test_mistyped_shipped_name_gets_a_suggestion(cli, typed, meant) -> None:
    result = cli("run", typed)
    assert result.code == 2
    assert f"did you mean the shipped scenario {meant!r}?" in result.stderr


# The limits promise a refusal "within a second"; the bound asserted here is looser so
# that a loaded machine does not fail the suite, yet far below the half minute that
# composing such a file node by node in Python takes.
REFUSAL_SECONDS = 3.0


def test_alias_bomb_is_refused_quickly(cli, write_scenario) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for k in range(1, 9):
        lines.append(f"a{k}: &a{k} [{', '.join([f'*a{k - 1}'] * 10)}]")
    path = write_scenario("\n".join(lines) + "\n")
    start = time.perf_counter()
    result = cli("validate", path)
    assert time.perf_counter() - start < REFUSAL_SECONDS
    assert result.code == 2
    assert "nodes" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "text",
    [
        "x: [" + ",".join(["1"] * (MAX_NODES + 1)) + "]\n",  # flow style, one line
        "x:\n" + "".join(f"- {i % 10}\n" for i in range(MAX_NODES + 1)),  # block style
    ],
    ids=["flow", "block"],
)
def test_too_many_nodes_is_refused_quickly(cli, write_scenario, text) -> None:
    assert len(text.encode()) < MAX_FILE_BYTES  # the node limit, not the size limit, applies
    path = write_scenario(text)
    start = time.perf_counter()
    result = cli("validate", path)
    assert time.perf_counter() - start < REFUSAL_SECONDS
    assert result.code == 2
    assert f"more than {MAX_NODES:,} nodes" in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_oversized_file_is_refused_before_parsing(cli, write_scenario) -> None:
    path = write_scenario("# padding\n" * (MAX_FILE_BYTES // 10 + 1))
    result = cli("validate", path)
    assert result.code == 2
    assert "limit for scenarios" in result.stderr


def test_nan_payoff_names_player_and_draw(cli, write_scenario) -> None:
    text = mutate(
        "cost: {dist: uniform, low: 0, high: 2}", "cost: {dist: uniform, low: -1, high: 2}"
    )
    text = text.replace("- cost * (chips == 'keep')", "- log(cost)")
    result = cli("run", write_scenario(text))
    assert result.code == 2
    assert "payoff of 'china'" in result.stderr and "draw" in result.stderr
    assert re.search(r":17:\d+:", result.stderr)


def test_debug_shows_traceback_in_a_real_process(write_scenario) -> None:
    path = write_scenario(mutate("value * (", "valeu * ("))
    plain = subprocess.run(
        [sys.executable, "-m", "tradegame", "run", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert plain.returncode == 2 and "Traceback" not in plain.stderr
    assert plain.stderr.count("\n") == 1
    debug = subprocess.run(
        [sys.executable, "-m", "tradegame", "--debug", "run", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert debug.returncode != 0 and "Traceback" in debug.stderr


def test_overflowing_parameter_is_named_with_its_draw(cli, write_scenario) -> None:
    text = mutate(
        "cost: {dist: uniform, low: 0, high: 2}",
        "cost: {dist: lognormal, median: 1.0e300, sigma: 50}",
    )
    result = cli("run", write_scenario(text))
    assert result.code == 2
    assert "parameter 'cost' is inf in draw" in result.stderr
    assert re.search(r":14:\d+:", result.stderr)


def test_validate_reports_expression_errors_beside_schema_errors(cli, write_scenario) -> None:
    """A schema error does not hide the expressions' own errors (syntax, forbidden calls)."""
    text = mutate("sd: 0.5", "sdev: 0.5")  # schema error in a parameter
    text = text.replace("- cost * (chips == 'keep')", "- cost * (chips == 'keep') +")
    assert text.count("+\n") >= 1
    result = cli("validate", write_scenario(text))
    assert result.code == 2
    lines = result.stderr.strip().splitlines()
    assert any("unknown key 'sdev'" in line for line in lines), lines
    assert any("expression syntax error" in line for line in lines), lines
    assert all(re.match(r".+:\d+:\d+: \S", line) for line in lines), lines
