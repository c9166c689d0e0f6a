"""One option vocabulary: the schema, the run options and the command line take it from one place.

Every member of each vocabulary must be accepted by each consumer, and a
non-member refused by each, so that a choice added to (or removed from) an
enum reaches the scenario files, ``RunOptions`` and ``--help`` together.
"""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Any

import pytest
import typer.main
from pydantic import ValidationError

import tradegame as tg
from tradegame.cli import app
from tradegame.play.concepts import CONCEPTS
from tradegame.play.options import RunOptionError, RunOptions
from tradegame.play.selection import SELECTION_RULES
from tradegame.scenario.schema import Analysis, scenario_json_schema
from tradegame.scenario.vocabulary import (
    BARGAINING,
    PURE_SELECTIONS,
    Disagreement,
    EfgForm,
    GameFormat,
    NoEquilibrium,
    Selection,
    Solution,
    TieBreak,
    UnknownChoice,
    parse_choice,
)

#: The scenario file's ``analysis:`` keys and their vocabularies.
ANALYSIS_CHOICES: dict[str, type[StrEnum]] = {
    "solution": Solution,
    "selection": Selection,
    "no_equilibrium": NoEquilibrium,
    "disagreement": Disagreement,
    "tie_break": TieBreak,
}
#: (command, option, parameter name, vocabulary) of every fixed-choice option.
CLI_CHOICES = [
    ("run", "--solution", "solution", Solution),
    ("run", "--selection", "selection", Selection),
    ("run", "--no-equilibrium", "no_equilibrium", NoEquilibrium),
    ("run", "--disagreement", "disagreement", Disagreement),
    ("export", "--format", "fmt", GameFormat),
    ("import", "--form", "form", EfgForm),
]
#: What the run options call each vocabulary in their messages.
RUN_KINDS = {
    "solution": (Solution, "solution"),
    "selection": (Selection, "selection rule"),
    "no_equilibrium": (NoEquilibrium, "no-equilibrium rule"),
    "disagreement": (Disagreement, "disagreement point"),
}
NOT_A_CHOICE = "bogus_choice"


def test_members_are_their_strings() -> None:
    # What keeps run JSON, checkpoints and messages unchanged by the enums.
    assert Solution.PURE_NASH == "pure_nash" and f"{Selection.RISK_DOMINANT}" == "risk_dominant"
    assert json.dumps({"s": Solution.MAXMIN}) == '{"s": "maxmin"}'
    assert {Solution.QRE: 1}["qre"] == 1 and {"qre": 1}[Selection.QRE] == 1


def test_parse_choice_is_the_one_check() -> None:
    for kind in (*ANALYSIS_CHOICES.values(), GameFormat, EfgForm):
        for member in kind:
            assert parse_choice(kind, member.value) is member
            assert parse_choice(kind, member) is member
        with pytest.raises(UnknownChoice, match=f"^unknown .*'{NOT_A_CHOICE}'; known: ") as info:
            parse_choice(kind, NOT_A_CHOICE)
        assert str(info.value).endswith(", ".join(m.value for m in kind))
    assert issubclass(UnknownChoice, ValueError)


def test_subsets_and_descriptions_are_of_the_vocabulary() -> None:
    assert set(BARGAINING) < set(CONCEPTS) < set(Solution)
    assert set(PURE_SELECTIONS) < set(Selection)
    # Every selection rule is described (the result's method says it in a sentence).
    assert list(SELECTION_RULES) == list(Selection)


@pytest.mark.parametrize(("key", "kind"), list(ANALYSIS_CHOICES.items()))
def test_schema_takes_its_choices_from_the_vocabulary(key: str, kind: type[StrEnum]) -> None:
    prop = scenario_json_schema()["properties"]["analysis"]
    if "$ref" in prop:
        name = prop["$ref"].rsplit("/", 1)[1]
        prop = scenario_json_schema()["$defs"][name]
    field = prop["properties"][key]
    listed = next(s for s in field.get("anyOf", [field]) if "enum" in s)
    assert (listed["enum"], listed["type"]) == ([m.value for m in kind], "string")
    for member in kind:
        assert getattr(Analysis.model_validate({key: member.value}), key) is member
    with pytest.raises(ValidationError):
        Analysis.model_validate({key: NOT_A_CHOICE})


CHICKEN = "classroom/chicken"


@pytest.mark.parametrize("option", list(RUN_KINDS))
def test_run_options_take_their_choices_from_the_vocabulary(option: str) -> None:
    sc = tg.load_scenario(CHICKEN)
    kind, what = RUN_KINDS[option]
    for member in kind:
        try:
            opts = RunOptions.resolve(sc, **{option: member.value})
        except RunOptionError as exc:
            # Refused for not fitting this scenario (subgame_perfect without stages), never
            # as an unknown value.
            assert not exc.reason.startswith("unknown"), exc.reason
        else:
            assert getattr(opts, option) is member
    with pytest.raises(RunOptionError) as info:
        RunOptions.resolve(sc, **{option: NOT_A_CHOICE})
    known = ", ".join(m.value for m in kind)
    assert info.value.reason == f"unknown {what} '{NOT_A_CHOICE}'; known: {known}"


def _param(command: str, name: str) -> tuple[Any, Any]:
    """The Typer command and its parameter ``name`` (Typer's own classes are private)."""
    group = typer.main.get_command(app)
    cmd = group.commands[command]  # type: ignore[attr-defined]
    return cmd, next(p for p in cmd.params if p.name == name)


@pytest.mark.parametrize(("command", "option", "name", "kind"), CLI_CHOICES)
def test_command_line_takes_its_choices_from_the_vocabulary(
    command: str, option: str, name: str, kind: type[StrEnum], cli
) -> None:
    cmd, param = _param(command, name)
    target = "game.efg" if command == "import" else "madrid_2025"
    for member in kind:
        ctx = cmd.make_context(command, [target, option, member.value])
        assert ctx.params[name] is member
    # The shell completes the members, in order, and only those that fit what is typed.
    ctx = cmd.make_context(command, [target], resilient_parsing=True)
    assert [c.value for c in param.shell_complete(ctx, "")] == [m.value for m in kind]
    first = next(iter(kind)).value
    assert first in [c.value for c in param.shell_complete(ctx, first[:2])]
    # A non-member is refused on one line, exit 2, with the members listed.
    result = cli(command, target, option, NOT_A_CHOICE)
    assert result.code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    listed = ", ".join(repr(m.value) for m in kind)
    assert lines[0].startswith(f"error: Invalid value for '{option}'"), lines[0]
    assert f": '{NOT_A_CHOICE}' is not one of {listed}. (see" in lines[0], lines[0]


@pytest.mark.parametrize(
    "command", sorted({c for c, *_ in CLI_CHOICES}), ids=lambda c: f"{c} --help"
)
def test_help_lists_the_choices(command: str, cli) -> None:
    result = cli(command, "--help")
    assert result.code == 0
    text = " ".join(result.stdout.split())
    for c, option, _, kind in CLI_CHOICES:
        if c == command:
            assert f"{option} <{'|'.join(m.value for m in kind)}>" in text, (option, text)


def test_completion_is_on(cli) -> None:
    result = cli("--help")
    assert result.code == 0
    assert "--install-completion" in result.stdout and "--show-completion" in result.stdout
