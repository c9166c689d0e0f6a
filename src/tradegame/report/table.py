"""Terminal tables (rich) for simulation results and central games."""

from __future__ import annotations

import numpy as np
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from tradegame.model.build import build_payoffs, evaluation_environment
from tradegame.model.game import GameStructure
from tradegame.montecarlo.result import SimulationResult
from tradegame.montecarlo.sampling import ParameterSampler
from tradegame.scenario.load import Scenario
from tradegame.solvers.pure_nash import best_response_mask, pure_nash

__all__ = ["central_game_tables", "result_tables"]


def _pct(x: float) -> str:
    return f"{100 * x:.1f} %"


def result_tables(result: SimulationResult) -> Group:
    """Outcome probabilities, central-game equilibria and expected payoffs."""
    t = Table(
        title=f"{result.scenario_title}",
        caption=(
            f"{result.samples:,} draws · seed {result.seed} · {result.solution} · "
            f"selection: {result.selection}"
        ),
        title_justify="left",
    )
    t.add_column("outcome")
    t.add_column("probability", justify="right")
    t.add_column("95 % interval", justify="right")
    t.add_column("draws", justify="right")
    for o in result.outcomes:
        style = "dim" if o.count == 0 else None
        t.add_row(
            o.label,
            _pct(o.probability),
            f"{_pct(o.ci95[0])} – {_pct(o.ci95[1])}",
            f"{o.count:,.0f}" if float(o.count).is_integer() else f"{o.count:,.1f}",
            style=style,
        )
    players = list(result.expected_payoffs)
    equilibria = result.central_game.equilibria
    sequential = bool(equilibria) and equilibria[0].probability is not None
    columns = list(equilibria[0].strategies) if equilibria else players
    eq = Table(
        title="Equilibrium play of the central game (parameters at their medians)"
        if sequential
        else "Pure equilibria of the central game (parameters at their medians)",
        title_justify="left",
    )
    for c in columns:
        eq.add_column(c)
    if sequential:
        eq.add_column("probability", justify="right")
    eq.add_column("outcome")
    for p in players:
        eq.add_column(f"payoff {p}", justify="right")
    for e in equilibria:
        extra = [_pct(e.probability or 0.0)] if sequential else []
        eq.add_row(
            *[e.strategies[c] for c in columns],
            *extra,
            e.outcome,
            *[f"{e.payoffs[p]:.2f}" for p in players],
        )
    if not equilibria:
        eq.add_row(*(["—"] * len(columns)), "no pure equilibrium", *(["—"] * len(players)))
    parts: list[Table | Text] = [t, Text(""), eq, Text("")]
    if result.paths:
        paths = Table(title="Most likely paths of play", title_justify="left")
        paths.add_column("path")
        paths.add_column("probability", justify="right")
        paths.add_column("95 % interval", justify="right")
        for path in result.paths[:10]:
            paths.add_row(
                path.label, _pct(path.probability), f"{_pct(path.ci95[0])} – {_pct(path.ci95[1])}"
            )
        parts += [paths, Text("")]
    pay = Table(
        title=f"Expected payoffs{f' ({result.units})' if result.units else ''}",
        title_justify="left",
    )
    pay.add_column("player")
    pay.add_column("expected payoff", justify="right")
    for p, v in result.expected_payoffs.items():
        pay.add_row(p, "—" if v is None else f"{v:.2f}")
    return Group(*parts, pay)


def central_game_tables(scenario: Scenario) -> Group:
    """The central game's payoff table with best responses marked, and its equilibria.

    For two players the table has the first player's strategies as rows and
    the second's as columns; each cell shows both payoffs, a ``*`` marking a
    best response. For more players, one row per profile.
    """
    game = GameStructure.from_scenario(scenario)
    medians = ParameterSampler(scenario.spec.parameters, 0).medians()
    env = evaluation_environment(scenario, game, {k: np.array([v]) for k, v in medians.items()})
    U = build_payoffs(scenario, game, env, 1)[0]
    br = best_response_mask(U)
    eq = pure_nash(U)
    parts: list[Table | Text] = []
    names = [p.name for p in game.players]
    if game.n_players == 2:
        t = Table(
            title=f"{scenario.title}: central game — rows {names[0]}, columns {names[1]}; "
            "cells 'row, column' payoffs, * best response, bold = equilibrium",
            title_justify="left",
            show_lines=True,
        )
        t.add_column(f"{names[0]} \\ {names[1]}")
        for label in game.strategy_labels(1):
            t.add_column(label, justify="center")
        for r, rlabel in enumerate(game.strategy_labels(0)):
            cells = []
            for c in range(game.shape[1]):
                a = f"{U[0, r, c]:.2f}{'*' if br[0, r, c] else ''}"
                b = f"{U[1, r, c]:.2f}{'*' if br[1, r, c] else ''}"
                cells.append(Text(f"{a}, {b}", style="bold green" if eq[r, c] else ""))
            t.add_row(rlabel, *cells)
        parts.append(t)
    else:
        t = Table(
            title=f"{scenario.title}: central game, one row per profile; * best response",
            title_justify="left",
        )
        for n in names:
            t.add_column(n)
        for n in names:
            t.add_column(f"payoff {n}", justify="right")
        t.add_column("equilibrium")
        for idx in np.ndindex(*game.shape):
            labels = [game.strategy_labels(i)[a] for i, a in enumerate(idx)]
            pays = [f"{U[(i, *idx)]:.2f}{'*' if br[(i, *idx)] else ''}" for i in range(len(names))]
            t.add_row(*labels, *pays, "yes" if eq[idx] else "")
        parts.append(t)
    eqs = Table(title="Pure Nash equilibria", title_justify="left")
    for n in names:
        eqs.add_column(n)
    for n in names:
        eqs.add_column(f"payoff {n}", justify="right")
    for idx in map(tuple, np.argwhere(eq)):
        eqs.add_row(
            *[game.strategy_labels(i)[a] for i, a in enumerate(idx)],
            *[f"{U[(i, *idx)]:.2f}" for i in range(len(names))],
        )
    if not eq.any():
        eqs.add_row(*(["—"] * (2 * len(names))))
    parts += [Text(""), eqs]
    return Group(*parts)


def print_group(group: Group, console: Console | None = None) -> None:
    (console or Console()).print(group)
