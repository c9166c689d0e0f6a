"""Terminal tables (rich) of a solved central game: what ``tradegame solve`` prints.

The payoff table with best responses, a sequential game's moves and play, the
dominance trace, mixed equilibria, a repeated game's grim trigger, a bargaining
game's shares, and what a run plays at the medians; nothing is solved here (the
data come from :class:`~tradegame.play.solution.CentralSolution`). Scenario text
is shown as plain text, as in every table of :mod:`tradegame.report.table`.
"""

from __future__ import annotations

import dataclasses
import math
import re
from typing import TYPE_CHECKING

import numpy as np
from rich.console import Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from tradegame._text import printable
from tradegame.montecarlo.result import NO_EQUILIBRIUM
from tradegame.play.solution import CentralSolution
from tradegame.report.table import TextTable, percent, plain_table, stack_tables

if TYPE_CHECKING:
    from tradegame.play.central_play import CentralPlay

__all__ = [
    "bargaining_tables",
    "central_game_tables",
    "description_panel",
    "dominance_table",
    "mixed_equilibria_table",
    "played_table",
    "repeated_table",
    "sequential_tables",
]

#: Largest central game printed as a table.
MAX_TABLE_PROFILES = 2_000
#: Most plays listed in the table of what a run plays at the medians (the most likely).
MAX_PLAYS_SHOWN = 20


def _matrix_width(labels: list[list[str]], U: np.ndarray) -> int:
    """Characters a two-player matrix table needs: the row labels, then one column each."""
    cell = max(len(f"{x:.2f}*") for x in U.reshape(-1)) * 2 + 2
    columns = [max(len(lab), cell) for lab in labels[1]]
    return max(len(lab) for lab in labels[0]) + sum(c + 3 for c in columns) + 4


def central_game_tables(central: CentralSolution, width: int | None = None) -> Group:
    """The central game's tables: payoffs with best responses, or moves and play.

    Simultaneous games: for two players a table with the first player's
    strategies as rows and the second's as columns, each cell showing both
    payoffs, a ``*`` marking a best response; for more players, or when that
    matrix would be wider than ``width`` characters, one row per profile.
    Then the pure equilibria. Sequential games: see :func:`sequential_tables`.

    Parameters
    ----------
    central : CentralSolution
        From :func:`tradegame.solve`; nothing is solved here.
    width : int, optional
        Characters the tables may take.
    """
    if central.bargaining is not None or central.repeated is not None:
        return _kind_tables(central, width)
    if central.moves:
        return sequential_tables(central)
    U, br = central.payoffs, central.best_responses
    assert U is not None and br is not None
    names = list(central.players)
    n_profiles = math.prod(U.shape[1:])
    if n_profiles > MAX_TABLE_PROFILES:
        return Group(
            Text(
                f"The central game has {n_profiles:,} profiles; tables are shown "
                f"up to {MAX_TABLE_PROFILES:,}. Export it with 'tradegame export'."
            )
        )
    eq = np.zeros(U.shape[1:], dtype=bool)
    for idx in central.pure_equilibria:
        eq[idx] = True
    parts: list[Table | Text] = []
    strategy_names = [list(s) for s in central.strategies]
    fits = width is None or _matrix_width(strategy_names, U) <= width
    if len(names) == 2 and fits:
        t = TextTable(
            title=f"{central.title}: central game — rows {names[0]}, columns {names[1]}; "
            "cells 'row, column' payoffs, * best response, bold = equilibrium",
            title_justify="left",
            show_lines=True,
        )
        t.add_column(f"{names[0]} \\ {names[1]}")
        for label in strategy_names[1]:
            t.add_column(label, justify="center")
        for r, rlabel in enumerate(strategy_names[0]):
            cells = []
            for c in range(U.shape[2]):
                a = f"{U[0, r, c]:.2f}{'*' if br[0, r, c] else ''}"
                b = f"{U[1, r, c]:.2f}{'*' if br[1, r, c] else ''}"
                cells.append(Text(f"{a}, {b}", style="bold green" if eq[r, c] else ""))
            t.add_row(rlabel, *cells)
        parts.append(t)
    else:
        t = TextTable(
            title=f"{central.title}: central game, one row per profile; u(player) is "
            "the player's payoff, * a best response, eq a pure equilibrium",
            title_justify="left",
        )
        for n in names:
            t.add_column(n, overflow="fold")
        for n in names:
            t.add_column(f"u({n})", justify="right")
        t.add_column("eq")
        for idx in np.ndindex(*U.shape[1:]):
            labels = central.profile_labels(idx)
            pays = [f"{U[(i, *idx)]:.2f}{'*' if br[(i, *idx)] else ''}" for i in range(len(names))]
            t.add_row(*labels, *pays, "yes" if eq[idx] else "")
        parts.append(t)
    eqs = TextTable(title="Pure Nash equilibria", title_justify="left")
    for n in names:
        eqs.add_column(n, overflow="fold")
    for n in names:
        eqs.add_column(f"payoff {n}", justify="right")
    for idx in central.pure_equilibria:
        eqs.add_row(
            *central.profile_labels(idx),
            *[f"{U[(i, *idx)]:.2f}" for i in range(len(names))],
        )
    if not central.pure_equilibria:
        eqs.add_row(*(["—"] * (2 * len(names))))
    parts += [Text(""), eqs]
    return Group(*parts)


def sequential_tables(central: CentralSolution) -> Group:
    """A sequential game's central game: its moves, and how it is played.

    The stages (or the tree's levers) in order. With perfect information,
    backward induction's choice at every history of every stage (or at every
    decision node), off the path too, up to 200 rows, and the path with its
    probability. With imperfect information, the reduced normal form's pure
    equilibria (and, for two players without one, its extreme mixed equilibria).
    """
    title = f"{central.title}: central game (parameters at their medians)"
    tree = central.kind == "tree"  # a tree's moves are levers at nodes; a stage game's, stages
    parts: list[Table | Text] = [_tree_moves(title, central) if tree else _stages(title, central)]
    if central.unreached:
        parts.append(Text("(levers not listed are never reached)"))
    parts.append(Text(""))
    players = list(central.players)
    if not central.strategy:
        title = (
            "Pure Nash equilibria of the reduced normal form (imperfect information; "
            "'*' an information set the plan does not reach)"
            if tree
            else "Pure Nash equilibria of the reduced normal form (imperfect information)"
        )
        return Group(*parts, _normal_form_equilibria(title, central))
    plan = TextTable(
        title=(
            "Subgame-perfect strategy: what the mover does at every decision node "
            "('*' on the equilibrium path)"
            if tree
            else "Subgame-perfect strategy: what each mover does after every history "
            "('*' on the equilibrium path)"
        ),
        title_justify="left",
    )
    if tree:
        for c in ("node", "mover", "does"):
            plan.add_column(c)
    else:
        for c in ("stage", "after", "does"):
            plan.add_column(c)
    plan.add_column("tie", justify="center")
    for row in central.strategy[:200]:
        if tree:
            plan.add_row(
                row["node"] + (" *" if row["on_path"] else ""),
                row["mover"],
                f"{row['lever']}: {row['action']}",
                "yes" if row["tie"] else "",
            )
        else:
            after = ", ".join(f"{k}={v}" for k, v in row["after"].items()) or "(start)"
            plan.add_row(
                row["stage"],
                after + (" *" if row["on_path"] else ""),
                row["action"],
                "yes" if row["tie"] else "",
            )
    path = TextTable(
        title=f"Equilibrium path (tie rule: {central.tie_break})", title_justify="left"
    )
    path.add_column("path")
    path.add_column("probability", justify="right")
    if tree:
        path.add_column("outcome")
    for p in players:
        path.add_column(f"payoff {p}", justify="right")
    for e in central.equilibria:
        path.add_row(
            " > ".join(f"{k}: {v}" for k, v in e.strategies.items()) or "(start)",
            percent(float(e.probability or 0.0)),
            *([e.outcome] if tree else []),
            *[f"{e.payoffs[p]:.2f}" for p in players],
        )
    values = central.values or {}
    text = ", ".join(f"{p} {values[p]:.2f}" for p in players if p in values)
    return Group(*parts, plan, Text(""), path, Text(printable(f"Expected payoffs: {text}")))


def _stages(title: str, central: CentralSolution) -> Table:
    """The order of moves of a stage game: mover, options, what the mover has seen."""
    order = TextTable(title=title + " - order of moves", title_justify="left")
    order.add_column("stage", justify="right")
    order.add_column("mover")
    order.add_column("options")
    order.add_column("has seen")
    for k, st in enumerate(central.moves):
        seen = "everything before" if st.observes is None else (", ".join(st.observes) or "nothing")
        # Options that end the game are marked "(ends)".
        names = [a + (" (ends)" if j in st.ends else "") for j, a in enumerate(st.options)]
        if st.mover is None:
            opts = ", ".join(f"{a} ({p:.0%})" for a, p in zip(names, st.probabilities, strict=True))
            order.add_row(str(k + 1), "chance", opts, "")
        else:
            order.add_row(str(k + 1), st.mover, ", ".join(names), seen)
    return order


def _tree_moves(title: str, central: CentralSolution) -> Table:
    """The levers of a game tree: mover, options, and how many nodes each moves at."""
    moves = TextTable(title=title + " - moves", title_justify="left")
    moves.add_column("lever")
    moves.add_column("mover")
    moves.add_column("options")
    moves.add_column("nodes", justify="right")
    for m in central.moves:
        if m.mover is None:
            opts = ", ".join(
                f"{a} ({p:.0%})" for a, p in zip(m.options, m.probabilities, strict=True)
            )
            moves.add_row(m.name, "chance", opts, str(m.nodes))
        else:
            moves.add_row(m.name, m.mover, ", ".join(m.options), str(m.nodes))
    return moves


def _normal_form_equilibria(title: str, central: CentralSolution) -> Table:
    """The pure Nash equilibria of a reduced normal form, one row each ('none' if none).

    Two players without a pure equilibrium: also the extreme mixed equilibria
    (what a run plays instead, by default), when the game is small enough to list them.
    """
    U = central.payoffs
    assert U is not None
    players = central.players
    t = TextTable(title=title, title_justify="left")
    for p in players:
        t.add_column(p)
    for p in players:
        t.add_column(f"payoff {p}", justify="right")
    for idx in central.pure_equilibria:
        t.add_row(
            *central.profile_labels(idx),
            *[f"{U[(i, *idx)]:.2f}" for i in range(len(players))],
        )
    if not central.pure_equilibria:
        t.add_row(*(["none"] * (2 * len(players))))
    if central.pure_equilibria or central.mixed_equilibria is None:
        return t
    m = TextTable(
        title="Extreme mixed equilibria (each plan played with its probability)",
        title_justify="left",
    )
    for p in players:
        m.add_column(p, overflow="fold")
    for p in players:
        m.add_column(f"payoff {p}", justify="right")
    for x, y in central.mixed_equilibria:
        mixes = [
            ", ".join(f"{central.strategies[i][k]} {w:.3g}" for k, w in enumerate(z) if w > 1e-12)
            for i, z in enumerate((x, y))
        ]
        pays = [central.mixed_payoff(i, x, y) for i in range(2)]
        m.add_row(*mixes, *[f"{v:.2f}" for v in pays])
    return stack_tables(t, m)


def dominance_table(central: CentralSolution) -> Table:
    """The iterated elimination of strictly dominated strategies, round by round.

    One row per strategy removed: the round, the player, the strategy and what
    dominates it (a strategy, or a mix of strategies with their weights); then
    what survives.
    """
    d = central.dominance
    assert d is not None
    t = TextTable(
        title="Iterated elimination of strictly dominated strategies (pure and mixed dominators)",
        caption="survive: "
        + "; ".join(
            f"{p}: " + ", ".join(central.strategies[i][a] for a in d.surviving[i])
            for i, p in enumerate(central.players)
        ),
        title_justify="left",
        caption_justify="left",
    )
    t.add_column("round", justify="right")
    t.add_column("player")
    t.add_column("removes", overflow="fold")
    t.add_column("dominated by", overflow="fold")
    for e in d.trace:
        labels = central.strategies[e.player]
        dominator = e.dominated_by
        if isinstance(dominator, np.ndarray):  # a mixed strategy
            by = ", ".join(f"{labels[k]} {w:.3g}" for k, w in enumerate(dominator) if w > 1e-12)
        else:
            by = labels[int(dominator)]
        t.add_row(str(e.round), central.players[e.player], labels[e.action], by)
    if not d.trace:
        t.add_row("—", "—", "nothing is strictly dominated", "—")
    return t


def _kind_tables(central: CentralSolution, width: int | None) -> Group:
    """A bargaining game's shares, or a repeated game's stage game and grim trigger."""
    if central.bargaining is not None:
        return bargaining_tables(central)
    stage = central_game_tables(dataclasses.replace(central, repeated=None), width)
    return Group(stage, Text(""), repeated_table(central))


def _delta(x: float) -> str:
    return f"{x:.4g}" if math.isfinite(x) else "none below 1"


def repeated_table(central: CentralSolution) -> Group:
    """Grim trigger in a repeated game: each player's R, T, P and threshold, then the verdict.

    Parameters
    ----------
    central : CentralSolution
        With :attr:`~CentralSolution.repeated` (from :func:`tradegame.solve`).
    """
    rep = central.repeated
    assert rep is not None
    g = rep.grim
    coop = ", ".join(central.profile_labels(rep.cooperation))
    pun = ", ".join(central.profile_labels(rep.punishment))
    t = plain_table(
        "player",
        "R: path payoff",
        "T: best deviation",
        "P: punishment",
        "(T-R)/(T-P)",
        title=f"Repeated game, grim trigger: play ({coop}) until someone deviates, "
        f"then ({pun}) forever",
    )
    for i, p in enumerate(central.players):
        deviation = central.strategies[i][g.best_deviation[i]]
        t.add_row(
            p,
            f"{g.reward[i]:.4g}",
            f"{g.temptation[i]:.4g} ({deviation})",
            f"{g.punishment[i]:.4g}",
            _delta(float(g.per_player[i])) if g.temptation[i] > g.reward[i] else "0 (no gain)",
        )
    if not g.sustainable:
        verdict = f"No discount factor below 1 sustains ({coop}): {g.reason}."
    else:
        bound = f" and at most {g.max_delta:.4g}" if g.max_delta < 1 else ""
        verdict = (
            f"Critical discount factor: {_delta(g.critical_delta)} (the largest of the "
            f"players' (T - R) / (T - P)){bound}. At the medians the discount factor is "
            f"{rep.discount:.4g}: cooperation is "
            + (
                "sustained (grim trigger is a subgame-perfect equilibrium)."
                if rep.sustained
                else "not sustained; the stage game is played, as without repetition."
            )
        )
    return Group(t, Text(verdict))


def bargaining_tables(central: CentralSolution) -> Group:
    """Rubinstein bargaining: each player's role, discount factor, share and payoff.

    Parameters
    ----------
    central : CentralSolution
        With :attr:`~CentralSolution.bargaining` (from :func:`tradegame.solve`).
    """
    b = central.bargaining
    assert b is not None
    t = plain_table(
        "player",
        "role",
        "discount factor",
        "share of the pie",
        "payoff",
        title=f"{central.title}: Rubinstein bargaining over a pie of {b.pie:.4g} "
        "(parameters at their medians)",
    )
    for p in central.players:
        t.add_row(
            p,
            "proposer" if p == b.proposer else "responder",
            f"{b.discounts[p]:.4g}",
            f"{b.shares[p]:.4f}",
            f"{b.shares[p] * b.pie:.4g}",
        )
    dp, dr = b.discounts[b.proposer], b.discounts[b.responder]
    why = (
        f"The unique subgame-perfect equilibrium agrees at once: {b.proposer} offers "
        f"{b.responder} exactly what {b.responder} would get by rejecting and proposing "
        f"next period, discounted. {b.proposer}'s share (1 - d_r) / (1 - d_p d_r) = "
        f"(1 - {dr:.4g}) / (1 - {dp:.4g} x {dr:.4g}) = {b.shares[b.proposer]:.4f}."
    )
    return Group(t, Text(why))


def description_panel(title: str, description: str | None) -> Panel:
    """The scenario's title and ``description:`` in a dim panel, wrapped to the console.

    Parameters
    ----------
    title : str
    description : str or None
        Shown as written (plain text, no markup); the panel has the title alone
        without one.
    """
    # Paragraphs (blank lines) kept; lines within one rewrapped to the console's width.
    paragraphs = re.split(r"\n\s*\n", (description or "").strip())
    body = Text(printable("\n\n".join(" ".join(p.split()) for p in paragraphs)), style="dim")
    return Panel(
        body if description else Text("(no description)", style="dim"),
        title=Text(printable(title), style="bold"),
        title_align="left",
        border_style="dim",
    )


def _mix(labels: tuple[str, ...], z: np.ndarray) -> str:
    return ", ".join(f"{labels[k]} {w:.4g}" for k, w in enumerate(z) if w > 1e-12)


def mixed_equilibria_table(central: CentralSolution, asked: bool = False) -> Table | Text | None:
    """The mixed Nash equilibria of a two-player central game, or why they are not shown.

    Shown for a two-player normal form without a pure equilibrium, and for any
    two-player normal form when ``asked`` (``solve --mixed``): every extreme
    equilibrium found by vertex enumeration, each player's probability of each
    of their strategies (those played) and the expected payoffs
    ``x^T A y``, ``x^T B y``. Equilibria that are pure are marked so.

    Parameters
    ----------
    central : CentralSolution
        Nothing is solved here: ``central.mixed_equilibria`` is shown.
    asked : bool, default False
        The user asked for the mixed equilibria.

    Returns
    -------
    Table, Text or None
        The table; a line saying why there is none to show (more than two
        players, a game too large to list them, a game solved on its tree);
        or ``None`` when nothing needs saying (a game with a pure equilibrium,
        not asked).
    """
    n = len(central.players)
    wanted = asked or (central.payoffs is not None and not central.pure_equilibria)
    if central.moves and not central.pure_equilibria and central.mixed_equilibria is not None:
        wanted = False  # sequential_tables shows them already
    if not wanted:
        return None
    if central.payoffs is None:
        return Text(
            "Mixed equilibria: none needed; this game has perfect information and is "
            "solved by backward induction on its tree, which always gives a pure "
            "subgame-perfect equilibrium."
        )
    if n != 2:
        return Text(
            f"Mixed equilibria are listed for two-player games only (vertex enumeration); "
            f"this game has {n} players. A run of it can play the logit QRE instead "
            "(--solution qre, or --no-equilibrium qre)."
        )
    if central.mixed_equilibria is None:
        shape = " x ".join(str(k) for k in central.payoffs.shape[1:])
        return Text(
            f"Mixed equilibria are not listed: the {shape} game is too large to enumerate "
            "them all; a run finds one by Lemke-Howson."
        )
    t = TextTable(
        title="Mixed Nash equilibria (each player's probability of each strategy played; "
        "expected payoffs)",
        title_justify="left",
    )
    t.add_column("")
    for p in central.players:
        t.add_column(p, overflow="fold")
    for p in central.players:
        t.add_column(f"payoff {p}", justify="right")
    for x, y in central.mixed_equilibria:
        pure = all(int((z > 1e-12).sum()) == 1 for z in (x, y))
        t.add_row(
            "pure" if pure else "mixed",
            *[_mix(central.strategies[i], z) for i, z in enumerate((x, y))],
            *[f"{central.mixed_payoff(i, x, y):.4g}" for i in range(2)],
        )
    if not central.mixed_equilibria:
        t.add_row("—", *(["none found"] * 2), "—", "—")
    return t


def played_table(played: CentralPlay) -> Table:
    """What a run plays at the medians: each play with its probability, and how it was chosen.

    The title names the solution concept and the selection in words; the
    caption says how many equilibria the concept found and what a draw
    without one plays.

    Parameters
    ----------
    played : CentralPlay
        From :func:`tradegame.play.central_play.central_play`; nothing is played here.
    """
    found = played.n_equilibria
    caption = (
        f"equilibria found at the medians: {found}; "
        f"selection {played.selection}: {played.selection_rule}; "
        f"{played.no_equilibrium_rule}."
    )
    title = f"What a run plays at the medians ({played.concept})"
    if played.fell_back:
        title += f": none here, and {played.no_equilibrium_rule}"
    t = TextTable(
        title=title,
        caption=caption,
        title_justify="left",
        caption_justify="left",
    )
    t.add_column("play", overflow="fold")
    t.add_column("probability", justify="right")
    t.add_column("outcome", overflow="fold")
    players = list(played.expected_payoffs) or (
        list(played.plays[0].payoffs) if played.plays else []
    )
    for p in players:
        t.add_column(f"payoff {p}", justify="right")
    for row in played.plays[:MAX_PLAYS_SHOWN]:
        t.add_row(
            row.play,
            f"{row.probability:.4g}",
            row.outcome,
            *[f"{row.payoffs[p]:.4g}" for p in players],
        )
    rest = played.plays[MAX_PLAYS_SHOWN:]
    if rest:  # a QRE or a mixed equilibrium with wide supports plays many profiles
        t.add_row(
            f"... {len(rest):,} more plays (see --json)",
            f"{sum(r.probability for r in rest):.4g}",
            "",
            *([""] * len(players)),
        )
    if played.no_equilibrium:
        t.add_row("no equilibrium", "1", NO_EQUILIBRIUM, *(["—"] * len(players)))
    elif len(played.plays) > 1:
        t.add_row(
            "expected",
            "",
            "",
            *[f"{played.expected_payoffs[p]:.4g}" for p in players],
        )
    return t
