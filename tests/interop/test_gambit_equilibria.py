"""Gambit solves the exported central game of every shipped scenario; ours are among its.

Each shipped scenario's central game (every parameter at its median) is exported
as ``.nfg`` and ``.efg``, read by pygambit and solved by Gambit:

* ``enumpure_solve`` on the ``.nfg`` (the strategic form, or the reduced normal
  form of a sequential game): the pure equilibria of a simultaneous central game
  (``solve(...).equilibria``) are exactly Gambit's; the subgame-perfect
  profile of a sequential one, as a reduced plan per player, is among them.
* ``enumpure_solve`` on the ``.efg``: every equilibrium the project reports
  (a pure profile, or for a sequential game the distribution over terminal
  histories its equilibrium reaches, chance included) is the play of one of
  Gambit's pure equilibria. ``enumpure_agent_solve``: the subgame-perfect
  behaviour profile is one of Gambit's agent-form pure equilibria.
* ``enummixed_solve`` on a two-player ``.nfg``: our pure equilibria are among
  Gambit's extreme equilibria, and the extreme equilibria tradegame's own vertex
  enumeration finds are the same set (within 1e-7).

Scenarios with a ``tree:`` export their central tree and its reduced normal form
(:func:`tradegame.solvers.tree_normal_form.tree_normal_form`): its pure equilibria are
exactly Gambit's, and the plays the central game reports (its subgame-perfect
play, or for imperfect information the play of the equilibrium the run's rule
chooses: the card game has no pure one and plays its mixed equilibrium) are the
plays of an equilibrium Gambit finds on the ``.efg`` (``enumpure_solve``, or
``lcp_solve`` for two players).
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from interop_support import IDS, SCENARIOS, TOO_LARGE, profile_of

from tradegame.interop.scenario_io import export_scenario
from tradegame.model.normal_form import plan_index, reduced_normal_form, reduced_strategies
from tradegame.model.tree import GameTree
from tradegame.play.central import central_payoffs, central_tree
from tradegame.play.options import RunOptions
from tradegame.play.solve import solve
from tradegame.play.stages import central_stage_game
from tradegame.play.tree import TreePlay
from tradegame.scenario.load import Scenario, load_scenario
from tradegame.scenario.sampling import ParameterSampler
from tradegame.solvers.backward_induction import backward_induction
from tradegame.solvers.mixed_nash_2p import mixed_nash_2p
from tradegame.solvers.pure_nash import pure_nash
from tradegame.solvers.tree_normal_form import tree_normal_form

gbt = pytest.importorskip("pygambit")
pytestmark = pytest.mark.gambit


def _pure(eq: Any, players: Any) -> tuple[int, ...]:
    """A pure strategy profile of Gambit as strategy indices."""
    return tuple(
        next(j for j, s in enumerate(p.strategies) if float(eq[s]) == 1.0) for p in players
    )


def _plays(game: Any, behaviour: Any) -> dict[tuple[int, ...], float]:
    """Terminal histories (action indices) a behaviour profile reaches, with probabilities."""
    out: dict[tuple[int, ...], float] = {}

    def visit(node: Any, path: tuple[int, ...]) -> None:
        if node.is_terminal:
            p = float(behaviour.realiz_prob(node))
            if p > 0:
                out[path] = p
            return
        for a, child in enumerate(node.children):
            visit(child, (*path, a))

    visit(game.root, ())
    return out


def _subgame_perfect(scenario: Scenario) -> tuple[Any, dict[Any, int], GameTree]:
    """The central game's stages and its backward-induction profile by information set."""
    g = central_stage_game(scenario)
    res = backward_induction(g.V, g.stages, g.players, g.chance_probs, scenario.analysis.tie_break)
    tree = GameTree.from_stages(g.V, g.stages, g.players, g.chance_probs)
    return g, tree.profile_from_arrays(res.strategy), tree


def _tree_plays(scenario: Scenario) -> dict[tuple[int, ...], float]:
    """A tree scenario's central play: terminal history -> probability."""
    options = RunOptions.resolve(scenario)
    model = TreePlay(scenario, options)
    medians = ParameterSampler(scenario.spec.parameters, 0).medians()
    weights = model.play_batch({k: np.array([v]) for k, v in medians.items()}, 1).weights
    terminals = model.structure.terminals
    return {terminals[t]: float(weights[0, t]) for t in np.flatnonzero(weights[0] > 0)}


def _ours(scenario: Scenario) -> list[dict[tuple[int, ...], float]]:
    """The project's equilibria as plays: one pure profile each, or a sequential game's paths."""
    if scenario.is_tree:
        return [_tree_plays(scenario)]
    eqs = solve(scenario).equilibria
    if scenario.is_sequential:
        return [{profile_of(scenario, e): float(e.probability or 0) for e in eqs}]
    return [{profile_of(scenario, e): 1.0} for e in eqs]


@pytest.mark.parametrize("path", SCENARIOS, ids=IDS)
def test_gambit_pure_equilibria_of_the_exported_nfg_include_ours(path: Path) -> None:
    scenario = load_scenario(str(path))
    game = gbt.read_nfg(io.StringIO(export_scenario(scenario, "nfg")))
    theirs = {_pure(eq, game.players) for eq in gbt.nash.enumpure_solve(game).equilibria}
    if scenario.is_tree:
        U = tree_normal_form(central_tree(scenario)).payoffs[0]
        assert {tuple(int(x) for x in e) for e in np.argwhere(pure_nash(U))} == theirs
        return
    if not scenario.is_sequential:
        ours = {profile_of(scenario, e) for e in solve(scenario).equilibria}
        assert ours <= theirs
        # Exported numbers read back exactly, so no tie is lost or made: the same set.
        assert ours == theirs
        return
    g, profile, _ = _subgame_perfect(scenario)
    plans = reduced_strategies(g.stages, g.players)
    spe = tuple(plan_index(plans[i], profile) for i in range(len(g.players)))
    assert spe in theirs


@pytest.mark.parametrize("path", SCENARIOS, ids=IDS)
def test_gambit_equilibria_of_the_exported_efg_include_ours(path: Path) -> None:
    scenario = load_scenario(str(path))
    game = gbt.read_efg(io.StringIO(export_scenario(scenario, "efg")))
    pure = [_plays(game, eq.as_behavior()) for eq in gbt.nash.enumpure_solve(game).equilibria]
    plays = list(pure)
    if scenario.is_tree and len(game.players) == 2:
        plays += [_plays(game, eq) for eq in gbt.nash.lcp_solve(game, rational=False).equilibria]
    if len(pure) > 1 and scenario.analysis.selection == "uniform":
        # Several pure equilibria, each equally likely: a run plays their average.
        average: dict[Any, float] = {}
        for p in pure:
            for h, w in p.items():
                average[h] = average.get(h, 0.0) + w / len(pure)
        plays.append({h: w for h, w in average.items() if w > 0})
    for ours in _ours(scenario):
        assert any(
            p.keys() == ours.keys() and all(abs(p[h] - ours[h]) < 1e-9 for h in ours) for p in plays
        ), ours
    if not scenario.is_sequential or scenario.is_tree:
        return
    # The subgame-perfect profile, action by information set, among the agent-form equilibria.
    _, profile, tree = _subgame_perfect(scenario)
    rank: dict[Any, tuple[int, int]] = {}
    for node in tree.nodes("decision"):
        d = tree.node(node)
        i = tree.players.index(d["player"])
        if d["infoset"] not in rank:
            rank[d["infoset"]] = (i, sum(1 for r in rank.values() if r[0] == i))
    spe = {rank[key]: a for key, a in profile.items()}
    agent = []
    for eq in gbt.nash.enumpure_agent_solve(game).equilibria:
        agent.append(
            {
                (i, infoset.number): next(
                    a for a, act in enumerate(infoset.actions) if float(eq[act]) == 1.0
                )
                for i, p in enumerate(game.players)
                for infoset in p.infosets
            }
        )
    assert spe in agent


@pytest.mark.parametrize("path", SCENARIOS, ids=IDS)
def test_gambit_mixed_equilibria_of_a_two_player_nfg_include_ours(path: Path) -> None:
    scenario = load_scenario(str(path))
    if scenario.is_tree:
        U = tree_normal_form(central_tree(scenario)).payoffs[0]
    elif scenario.is_sequential:
        g = central_stage_game(scenario)
        U, _ = reduced_normal_form(g.V, g.stages, g.players, g.chance_probs)
    else:
        _, U = central_payoffs(scenario)
    if U.shape[0] != 2:
        pytest.skip("enummixed_solve is for two-player games")
    try:
        extreme = mixed_nash_2p(U[0], U[1])
    except ValueError as exc:
        # The ultimatum game's 6 x 64 reduced normal form: Gambit's enummixed_solve does
        # not finish within minutes on it either.
        pytest.skip(f"too large for vertex enumeration: {exc}")
    game = gbt.read_nfg(io.StringIO(export_scenario(scenario, "nfg")))
    # Floating point: exact rationals take minutes on decimal payoffs (Madrid).
    result = gbt.nash.enummixed_solve(game, rational=False)
    theirs = [
        np.concatenate([[float(eq[s]) for s in p.strategies] for p in game.players])
        for eq in result.equilibria
    ]

    def found(x: np.ndarray) -> bool:
        return any(np.allclose(x, t, rtol=0, atol=1e-7) for t in theirs)

    m, n = U.shape[1:]
    if scenario.is_tree:
        pure = {tuple(int(x) for x in e) for e in np.argwhere(pure_nash(U))}
    elif scenario.is_sequential:
        gs, profile, _ = _subgame_perfect(scenario)
        plans = reduced_strategies(gs.stages, gs.players)
        pure = {tuple(plan_index(plans[i], profile) for i in range(2))}
    else:
        pure = {profile_of(scenario, e) for e in solve(scenario).equilibria}
    for r, c in pure:
        assert found(np.concatenate([np.eye(m)[r], np.eye(n)[c]]))
    ours = [np.concatenate([x, y]) for x, y in extreme]
    assert all(found(x) for x in ours)
    assert len(ours) == len(theirs)


@pytest.mark.parametrize("path", TOO_LARGE, ids=lambda p: p.stem)
def test_a_game_too_large_for_a_normal_form_exports_as_a_tree(path: Path, cli: Any) -> None:
    """Its .nfg is refused in one located line; its .efg is written and Gambit reads it back
    with the same number of terminal nodes as the central tree."""
    nfg = cli("export", path, "-f", "nfg")
    assert nfg.code == 2 and nfg.stderr.count("\n") == 1 and "reduced strategies" in nfg.stderr
    efg = cli("export", path, "-f", "efg")
    assert efg.code == 0, efg.stderr
    game = gbt.read_efg(io.StringIO(efg.stdout))
    central = solve(load_scenario(str(path)), game_tree=True)
    assert central.tree is not None
    assert len(game.root.plays) == len(central.tree.nodes("terminal"))
