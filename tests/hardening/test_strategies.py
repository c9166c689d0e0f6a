"""The scenario generators themselves: valid cases load and simulate, mutants are bytes.

If these fail, the fuzz tests in ``test_fuzz_cli.py`` would report generator
mistakes as tradegame bugs; they are the generators' own contract.
"""

from __future__ import annotations

import math

import pytest
import yaml
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from strategies import (
    MAX_PROFILES,
    Mutant,
    ScenarioCase,
    dump_yaml,
    expression_scenarios,
    matrix_scenarios,
    mutants,
    profile_count,
    scenario_cases,
    scenario_texts,
    stage_scenarios,
    structural_mutants,
)

import tradegame

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(scenario_cases())
def test_generated_scenario_loads_and_simulates(case: ScenarioCase) -> None:
    sc = tradegame.parse_scenario(case.text)
    result = tradegame.simulate(sc, samples=256, seed=0)
    probs = [o.probability for o in result.outcomes]
    assert math.isclose(sum(probs), 1.0, rel_tol=1e-9, abs_tol=1e-9)
    assert profile_count(case.data) <= MAX_PROFILES


@SETTINGS
@given(matrix_scenarios())
def test_generated_matrix_game_loads(data: dict) -> None:
    sc = tradegame.parse_scenario(dump_yaml(data))
    assert [p.name for p in sc.players] == list(data["players"])
    tradegame.simulate(sc, samples=256, seed=1)


@SETTINGS
@given(stage_scenarios())
def test_generated_stage_game_decides_every_lever_once_and_solves(data: dict) -> None:
    sc = tradegame.parse_scenario(dump_yaml(data))
    assert sc.is_sequential and not sc.is_tree
    decided = [lv for stage in data["stages"] for lv in stage.get("levers", [stage.get("chance")])]
    levers = [lv for p in data["players"].values() for lv in p["levers"]] + list(
        data.get("chance", {})
    )
    assert sorted(decided) == sorted(levers)
    try:
        result = tradegame.simulate(sc, samples=256, seed=2)
    except tradegame.ScenarioError as exc:
        # Imperfect information over many stages can have more plans than the engine
        # enumerates, or a normal form over the memory limit: refused, located, up front.
        assert "reduced strategies" in str(exc), str(exc)
        return
    assert result.solution == "subgame_perfect"
    assert math.isclose(sum(o.probability for o in result.outcomes), 1.0, abs_tol=1e-9)


@SETTINGS
@given(expression_scenarios())
def test_generated_expression_game_loads(data: dict) -> None:
    sc = tradegame.parse_scenario(dump_yaml(data, flow=True))
    assert 2 <= len(sc.players) <= 3
    assert all(1 <= len(p.levers) <= 3 for p in sc.players)
    assert all(1 <= len(lv.options) <= 4 for lv in sc.levers)
    assert sc.fallback_outcome == data["outcomes"]["otherwise"]


@SETTINGS
@given(scenario_texts())
def test_text_round_trips_through_yaml(text: str) -> None:
    assert isinstance(yaml.safe_load(text), dict)


def test_every_distribution_kind_is_generated() -> None:
    seen: set[str] = set()

    @settings(
        max_examples=200, deadline=None, database=None, phases=[Phase.generate], derandomize=True
    )
    @given(expression_scenarios())
    def collect(data: dict) -> None:
        for p in data.get("parameters", {}).values():
            seen.add(p["dist"] if isinstance(p, dict) else "bare")

    collect()
    assert seen >= {
        "normal",
        "truncnormal",
        "lognormal",
        "uniform",
        "triangular",
        "beta",
        "fixed",
        "choice",
        "bare",
    }


@SETTINGS
@given(mutants())
def test_mutants_are_bytes_with_a_kind(m: Mutant) -> None:
    assert isinstance(m.content, bytes) and m.kind


def test_every_structural_mutation_kind_is_generated() -> None:
    seen: set[str] = set()

    # Derandomized: the same examples every run, so that the check cannot be flaky.
    @settings(
        max_examples=400, deadline=None, database=None, phases=[Phase.generate], derandomize=True
    )
    @given(structural_mutants())
    def collect(m: Mutant) -> None:
        seen.add(m.kind)

    collect()
    assert seen == {
        "wrong_type",
        "missing_key",
        "unknown_name",
        "empty_options",
        "unicode_name",
        "nasty_number",
        "deep_nesting",
    }


@settings(max_examples=30, deadline=None)
@given(st.data())
def test_unknown_name_mutants_are_rejected(data: st.DataObject) -> None:
    m = data.draw(structural_mutants().filter(lambda m: m.kind == "unknown_name"))
    with pytest.raises(tradegame.ScenarioError):
        tradegame.parse_scenario(m.content.decode("utf-8"))
