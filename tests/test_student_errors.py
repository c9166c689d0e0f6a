"""The mistakes a student makes in a first scenario, and the message each gets.

Every row is a small edit of a correct prisoner's dilemma, run through
``tradegame validate``: exit code 2, one located line per problem
(``file:line:column: message``), no traceback, and a message that says what
to write instead. Where a file has several problems, they come in one run.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

BASE = """\
tradegame: 1
title: Prisoner's dilemma
players:
  row: {strategies: [cooperate, defect]}
  col: {strategies: [cooperate, defect]}
parameters:
  temptation: 5
payoffs:
  matrix:
    - [[3, 3], [0, temptation]]
    - [[temptation, 0], [1, 1]]
outcomes:
  deal: row == 'cooperate' and col == 'cooperate'
  otherwise: no_deal
"""

#: (id, edits of BASE as (old, new) pairs, expected problems as (line, column, fragment)).
STUDENT_ERRORS: list[tuple[str, list[tuple[str, str]], list[tuple[int, int, str]]]] = [
    (
        "caret for a power",
        [("[0, temptation]]", "[0, temptation^2]]")],
        [(10, 30, "use ** for powers: temptation**2")],
    ),
    (
        "yes/no read as booleans",
        [
            ("[cooperate, defect]}\n  col", "[yes, no]}\n  col"),
            ("row == 'cooperate'", "row == 'yes'"),
        ],
        [
            (4, 21, "YAML reads yes, no without quotes as true/false (booleans)"),
            (4, 21, '["yes", "no"]'),
        ],
    ),
    (
        "on/off read as booleans",
        [
            ("col: {strategies: [cooperate, defect]}", "col: {strategies: [on, off]}"),
            ("col == 'cooperate'", "col == 'on'"),
        ],
        [(5, 21, 'put them in quotes: ["on", "off"]')],
    ),
    (
        "an outcome label read as a boolean",
        [("otherwise: no_deal", "otherwise: no")],
        [(14, 14, "YAML reads no without quotes as false (a boolean)"), (14, 14, 'quotes: "no"')],
    ),
    (
        "a colon in an unquoted title",
        [("title: Prisoner's dilemma", "title: Trade war: round 2")],
        [
            (2, 8, 'put the value in quotes: title: "Trade war: round 2"'),
            (2, 8, "fix it to see any other problems"),
        ],
    ),
    (
        "an option without quotes",
        [("row == 'cooperate'", "row == cooperate")],
        [
            (
                13,
                16,
                "it is an option of lever 'row', and option names go in quotes: row == 'cooperate'",
            )
        ],
    ),
    (
        "options without quotes after in",
        [("row == 'cooperate'", "row in (cooperate, defect)")],
        [(13, 17, "option names go in quotes: row in ('cooperate', 'defect')")],
    ),
    (
        "a single = for a comparison",
        [("row == 'cooperate'", "row = 'cooperate'")],
        [(13, 13, "a single '=' is not a comparison: write ==")],
    ),
    (
        "&& for and",
        [("'cooperate' and col", "'cooperate' && col")],
        [(13, 28, "'&&' is not an operator: write 'and'")],
    ),
    (
        "a tab in the indentation",
        [("  col: {strategies", "\tcol: {strategies")],
        [(5, 1, "a tab character; YAML indents with spaces only")],
    ),
    (
        "no otherwise",
        [("  otherwise: no_deal\n", "")],
        [(13, 3, "the last outcome rule must be 'otherwise: <label>'")],
    ),
    (
        "a misspelt player",
        [("row == 'cooperate'", "rwo == 'cooperate'")],
        [(13, 9, "unknown name 'rwo'; did you mean 'row'?")],
    ),
    (
        "a player given twice",
        [
            ("  col: {strategies: [cooperate, defect]}", "  row: {strategies: [a, b]}"),
            ("parameters:\n  temptation: 5", "parameters:\n  temptation: 5\n  temptation: 6"),
        ],
        [
            (5, 3, "duplicate key 'row' (first defined at line 4)"),
            (8, 3, "duplicate key 'temptation' (first defined at line 7)"),
        ],
    ),
    (
        "a list without brackets",
        [("  row: {strategies: [cooperate, defect]}", "  row:\n    strategies: cooperate, defect")],
        [(5, 17, "a list needs brackets: strategies: [cooperate, defect]")],
    ),
    (
        "a matrix cell with one payoff",
        [("[0, temptation]]", "[0]]")],
        [
            (
                10,
                16,
                "a matrix cell is [row player's payoff, column player's payoff]; this one has 1",
            )
        ],
    ),
    (
        "numbers as option names",
        [
            ("row: {strategies: [cooperate, defect]}", "row: {strategies: [10, 20]}"),
            ("row == 'cooperate'", "row == 'option_10'"),
        ],
        [
            (4, 22, "10 is a number, and option names are names"),
            (4, 22, "e.g. option_10"),
            (4, 26, "e.g. option_20"),
        ],
    ),
    (
        "no format version",
        [("tradegame: 1\n", "")],
        [(1, 1, "begin the file with 'tradegame: 1'")],
    ),
    (
        # Every problem in one run: a schema error no longer hides an unknown name.
        "a misspelt key and a misspelt name",
        [("title:", "titel:"), ("[0, temptation]]", "[0, temptaton]]")],
        [
            (2, 1, "unknown key 'titel'; did you mean 'title'?"),
            (10, 20, "unknown name 'temptaton'; did you mean 'temptation'?"),
        ],
    ),
    (
        "a parameter without its spread and an unquoted option",
        [
            ("temptation: 5", "temptation: {dist: normal, mean: 5}"),
            ("col == 'cooperate'", "col == defect"),
        ],
        [
            (7, 15, "missing required key 'sd'"),
            (13, 39, "option names go in quotes: col == 'defect'"),
        ],
    ),
]


def _edit(edits: list[tuple[str, str]]) -> str:
    text = BASE
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


def test_the_base_file_is_valid(cli, write_scenario) -> None:
    result = cli("validate", write_scenario(BASE))
    assert result.code == 0, result.stderr


@pytest.mark.parametrize(
    ("edits", "expected"),
    [pytest.param(e, x, id=name) for name, e, x in STUDENT_ERRORS],
)
def test_student_error_message(cli, write_scenario, edits, expected) -> None:
    path: Path = write_scenario(_edit(edits))
    result = cli("validate", path)
    assert result.code == 2
    assert "Traceback" not in result.stderr and result.stdout == ""
    lines = result.stderr.splitlines()
    # One line per problem, each located: file:line:column: message.
    located = [re.match(rf"{re.escape(str(path))}:(\d+):(\d+): (.+)$", line) for line in lines]
    assert all(located), lines
    problems = {(int(m[1]), int(m[2])): m[3] for m in located if m}
    assert len(problems) == len(lines)  # one message per place
    for line, column, fragment in expected:
        assert (line, column) in problems, (line, column, lines)
        assert fragment in problems[(line, column)], problems[(line, column)]
    assert len(problems) == len({(line, col) for line, col, _ in expected}), lines


NS_LEVERS = {"row": ("cooperate", "defect"), "col": ("cooperate", "defect")}


@pytest.mark.parametrize(
    ("text", "offset", "fragment"),
    [
        ("x^2", 1, "use ** for powers: x**2"),
        ("x ^ (y + 1)", 2, "use ** for powers: x ** (y + 1)"),
        ("2 * x^y", 5, "use ** for powers: 2 * x**y"),  # not (2 * x)**y, as ^ would parse
        ("cooperate != row", 0, "row != 'cooperate'"),  # the option on the left
        ("row not in [cooperate, 'defect']", 12, "row not in ('cooperate', 'defect')"),
        ("x if cooperate else y", 5, "option of lever 'row'"),  # no lever beside it
        ("x === y", 2, "'===' is not an operator: compare with =="),
        ("x || y", 2, "write 'or'"),
        ("!x", 0, "write 'not'"),
        ("x => y", 2, "write >="),
        ("x <> y", 2, "write !="),
        ("row == 'a=b' and x = 1", 19, "a single '=' is not a comparison"),  # quoted = skipped
        ("x | y", 0, "write 'or'"),
        ("x & y", 0, "write 'and'"),
        ("~x", 0, "write 'not'"),
    ],
)
def test_expression_hints(text: str, offset: int, fragment: str) -> None:
    from tradegame.scenario.expressions import ExpressionError, Namespace, compile_expression

    with pytest.raises(ExpressionError) as info:
        compile_expression(text, Namespace(frozenset({"x", "y"}), NS_LEVERS))
    assert fragment in info.value.message
    assert info.value.offset == offset


@pytest.mark.parametrize(
    "text", ["x**2", "row == 'cooperate' and x >= y", "x != y", "not x", "row in ('defect',)"]
)
def test_correct_expressions_get_no_hint(text: str) -> None:
    from tradegame.scenario.expressions import Namespace, compile_expression

    compile_expression(text, Namespace(frozenset({"x", "y"}), NS_LEVERS))
