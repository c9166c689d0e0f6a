"""Every command is bounded like ``run``: small files cannot make it take gigabytes or minutes.

Issue 9, class 5: a 1.3 KB scenario of 22 binary stages (4.2 M histories)
made ``solve``, ``tree`` and ``export`` climb to about 3 GB; a 5 M profile
simultaneous game kept ``export --format nfg`` busy past 40 s; 40,000 outcome
rules made ``run`` quadratic. The defining properties checked here:

* each command refuses an oversized central game (stages, simultaneous, or a
  tree's reduced normal form) with exit 2 and one ``error: FILE:LINE:COL:``
  line naming the limit, quickly, and under a memory cap of 1.5 GB;
* the counts the budget uses are exact (the tree of a stage game) and games at
  the limits, and every shipped scenario, pass;
* labelling profiles with K outcome rules costs O(K) label comparisons.
"""

from __future__ import annotations

import dataclasses
import os
import re
import resource
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
from budget_strategies import (
    oversized_simultaneous_scenarios,
    oversized_stage_scenarios,
    oversized_tree_scenarios,
    simultaneous_scenario,
    stage_scenario,
    tree_scenario,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tradegame
from tradegame.errors import ScenarioError
from tradegame.model.budget import (
    MAX_CENTRAL_ENTRIES,
    CommandCost,
    check_budget,
    stage_tree_nodes,
)
from tradegame.play.kinds import command_cost
from tradegame.scenario.load import load_scenario, parse_scenario

# The subprocesses run the code under test (the package this process imports).
SRC = Path(tradegame.__file__).resolve().parents[1]
MEMORY_CAP = 1536 * 2**20
SECONDS = 60  # generous: the refusals take about a second, the original took minutes
LOCATED = re.compile(r"^error: .+:\d+:\d+: .*limit")

COMMANDS = {
    "solve": ["solve"],
    "tree": ["tree", "--plot", "{dir}/t.png"],
    "nfg": ["export", "--format", "nfg", "-o", "{dir}/g.nfg"],
    "efg": ["export", "--format", "efg", "-o", "{dir}/g.efg"],
}


def _cap() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


def _run_capped(args: list[str]) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    return subprocess.run(
        [sys.executable, "-m", "tradegame", *args],
        capture_output=True,
        text=True,
        timeout=SECONDS,
        preexec_fn=_cap,
        env=env,
    )


def _assert_refused(code: int, stderr: str) -> None:
    lines = stderr.strip().splitlines()
    assert code == 2, stderr
    assert len(lines) == 1 and LOCATED.match(lines[0]), stderr
    assert "Traceback" not in stderr


# The issue's files: 22 binary stages (1.3 KB), 5 M simultaneous profiles, and a
# 71-node tree whose normal form has 1,024 x 2,048 plans.
ISSUE_FILES = {
    "stages": stage_scenario([2] * 22),
    "simultaneous": simultaneous_scenario([[50], [50], [40], [50]]),
    "tree": tree_scenario(10),
}
# What each command must do with them: refuse (2), or do the work within the bounds (0).
EXPECTED = {
    ("stages", "solve"): 2,
    ("stages", "tree"): 2,
    ("stages", "nfg"): 2,
    ("stages", "efg"): 2,
    ("simultaneous", "solve"): 2,
    ("simultaneous", "tree"): 2,  # not sequential: refused as before
    ("simultaneous", "nfg"): 2,
    ("simultaneous", "efg"): 2,
    ("tree", "solve"): 2,  # imperfect information: solved through the normal form
    ("tree", "tree"): 0,  # drawing 71 nodes is honest work
    ("tree", "nfg"): 2,
    ("tree", "efg"): 0,
}


@pytest.mark.parametrize(("kind", "command"), sorted(EXPECTED))
def test_issue_files_bounded_under_memory_cap(kind: str, command: str, tmp_path: Path) -> None:
    path = tmp_path / f"{kind}.yaml"
    path.write_text(ISSUE_FILES[kind], encoding="utf-8")
    args = [a.format(dir=tmp_path) for a in COMMANDS[command]]
    proc = _run_capped([args[0], str(path), *args[1:]])
    if EXPECTED[kind, command] == 2:
        if kind == "simultaneous" and command == "tree":
            assert proc.returncode == 2 and "sequential" in proc.stderr
        else:
            _assert_refused(proc.returncode, proc.stderr)
    else:
        assert proc.returncode == 0, proc.stderr


@contextmanager
def _bounded(seconds: int) -> Iterator[None]:
    """Fail (instead of hanging) when a case takes longer than ``seconds``."""

    def expire(signum: int, frame: object) -> None:
        raise TimeoutError(f"over {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _refused_by_every_command(cli: Callable[..., object], path: Path, commands: list[str]) -> None:
    for command in commands:
        args = [a.format(dir=path.parent) for a in COMMANDS[command]]
        with _bounded(20):
            res = cli(args[0], path, *args[1:])
        _assert_refused(res.code, res.stderr)  # type: ignore[attr-defined]


CLASS_SETTINGS = settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@CLASS_SETTINGS
@given(case=oversized_stage_scenarios())
def test_oversized_stage_games_refused_by_every_command(
    case: tuple[str, int], cli: Callable[..., object], tmp_path: Path
) -> None:
    path = tmp_path / "stages.yaml"
    path.write_text(case[0], encoding="utf-8")
    _refused_by_every_command(cli, path, ["solve", "tree", "nfg", "efg"])


@CLASS_SETTINGS
@given(case=oversized_simultaneous_scenarios())
def test_oversized_simultaneous_games_refused_by_every_command(
    case: tuple[str, int], cli: Callable[..., object], tmp_path: Path
) -> None:
    path = tmp_path / "simultaneous.yaml"
    path.write_text(case[0], encoding="utf-8")
    _refused_by_every_command(cli, path, ["solve", "nfg", "efg"])


@CLASS_SETTINGS
@given(case=oversized_tree_scenarios())
def test_oversized_normal_forms_of_trees_refused(
    case: tuple[str, int], cli: Callable[..., object], tmp_path: Path
) -> None:
    path = tmp_path / "tree.yaml"
    path.write_text(case[0], encoding="utf-8")
    _refused_by_every_command(cli, path, ["solve", "nfg"])


# --- the generators generate what they claim -------------------------------------------


@settings(max_examples=15, deadline=None)
@given(
    case=st.one_of(oversized_stage_scenarios(), oversized_simultaneous_scenarios()),
)
def test_generators_give_loadable_games_over_the_limit(case: tuple[str, int]) -> None:
    text, entries = case
    sc = parse_scenario(text, "generated.yaml")  # loads: under 5 M profiles
    assert command_cost(sc, "solve").entries == entries > MAX_CENTRAL_ENTRIES


@settings(max_examples=3, deadline=None)
@given(case=oversized_tree_scenarios())
def test_tree_generator_gives_small_trees_with_large_normal_forms(case: tuple[str, int]) -> None:
    from tradegame.play.central import central_tree
    from tradegame.solvers.tree_normal_form import tree_reduced_strategies

    text, entries = case
    sc = parse_scenario(text, "generated.yaml")
    assert sc.tree is not None and len(sc.tree.nodes) < 200
    tree = central_tree(sc)
    plans = [len(tree_reduced_strategies(tree, p)) for p in tree.players]
    assert 2 * plans[0] * plans[1] == entries > MAX_CENTRAL_ENTRIES


# --- the counts are exact, and the limits do not refuse reasonable games ----------------


@settings(max_examples=30, deadline=None)
@given(options=st.lists(st.integers(2, 4), min_size=1, max_size=6), data=st.data())
def test_stage_tree_nodes_counts_the_drawn_tree(options: list[int], data: st.DataObject) -> None:
    from tradegame.model.stages import Stage
    from tradegame.model.tree import GameTree

    # Ends only where a later stage exists and at least one option goes on.
    ends = [
        tuple(range(data.draw(st.integers(0, k - 1)))) if s < len(options) - 1 else ()
        for s, k in enumerate(options)
    ]
    stages = tuple(
        Stage(f"s{s}", "ab"[s % 2], tuple(f"o{j}" for j in range(k)), None, ends[s])
        for s, k in enumerate(options)
    )
    V = np.zeros((2, *options))
    tree = GameTree.from_stages(V, stages, ("a", "b"))
    expected = tree.graph.number_of_nodes()
    assert stage_tree_nodes(tuple(options), tuple(len(e) for e in ends)) == expected


def test_limits_are_inclusive() -> None:
    sc = parse_scenario(stage_scenario([2, 2]), "small.yaml")
    check_budget(sc, "solve", CommandCost(MAX_CENTRAL_ENTRIES), 2**40)
    with pytest.raises(Exception, match="over its limit of 1,048,576"):
        check_budget(sc, "solve", CommandCost(MAX_CENTRAL_ENTRIES + 1), 2**40)
    with pytest.raises(Exception, match=r"--max-memory"):
        check_budget(sc, "solve", CommandCost(1000), 1000)


def test_shipped_scenarios_within_every_budget() -> None:
    from tradegame.montecarlo.simulate import default_memory_limit
    from tradegame.scenario.library import shipped_scenarios

    for s in shipped_scenarios():
        sc = load_scenario(s.name)
        for command in ("solve", "tree", "nfg", "efg"):
            if sc.kind == "bargaining" and command != "solve":
                # no finite tree or normal form: refused in one located line instead
                with pytest.raises(ScenarioError, match="has no end"):
                    command_cost(sc, command)
                continue
            check_budget(sc, command, command_cost(sc, command), default_memory_limit())


def test_games_just_under_the_limits_work(cli: Callable[..., object], tmp_path: Path) -> None:
    # 15 binary stages: 65,535 tree nodes (limit 200,000), 65,536 payoffs (limit 1,048,576).
    stages = tmp_path / "stages.yaml"
    stages.write_text(stage_scenario([2] * 15), encoding="utf-8")
    for command in ("solve", "efg"):
        args = [a.format(dir=tmp_path) for a in COMMANDS[command]]
        res = cli(args[0], stages, *args[1:])
        assert res.code == 0, res.stderr  # type: ignore[attr-defined]


@pytest.mark.slow
def test_nfg_just_under_the_limit_is_written(cli: Callable[..., object], tmp_path: Path) -> None:
    # 3 players x 327,680 profiles = 983,040 payoffs, 6 % under the limit.
    simultaneous = tmp_path / "simultaneous.yaml"
    simultaneous.write_text(simultaneous_scenario([[64], [64], [80]]), "utf-8")
    sc = load_scenario(simultaneous)
    assert command_cost(sc, "nfg").entries <= MAX_CENTRAL_ENTRIES
    res = cli("export", simultaneous, "--format", "nfg", "-o", tmp_path / "g.nfg")
    assert res.code == 0, res.stderr  # type: ignore[attr-defined]


# --- outcome rules cost O(K) ------------------------------------------------------------


class _CountingLabel(str):
    """A label that counts how often it is compared for equality with another object."""

    comparisons = 0

    def __eq__(self, other: object) -> bool:
        _CountingLabel.comparisons += 1
        return str.__eq__(self, other)

    __hash__ = str.__hash__


@pytest.mark.parametrize("rules", [500, 4000])
def test_outcome_rules_cost_linear_label_comparisons(rules: int) -> None:
    from tradegame.model.build import build_outcomes, evaluation_environment
    from tradegame.model.game import GameStructure

    sc = parse_scenario(
        simultaneous_scenario([[2], [2]]).replace(
            "  deal: l0_0 == 'o0'", "  deal: l0_0 == 'o0' and l1_0 == 'o1'"
        ),
        "rules.yaml",
    )
    rule = sc.outcomes[0][1]
    labelled = tuple((_CountingLabel(f"r{k}"), rule) for k in range(rules))
    sc = dataclasses.replace(sc, outcomes=labelled)
    game = GameStructure.from_scenario(sc)
    env = evaluation_environment(sc, game, {})
    _CountingLabel.comparisons = 0
    labels = build_outcomes(sc, game, env, 1)
    # Profile (o0, o1) is the first rule's; the rest fall through to the fallback.
    assert labels[0].tolist() == [len(labelled), 0, len(labelled), len(labelled)]
    assert _CountingLabel.comparisons <= 4 * rules
