r"""The steps of a repeated game (grim trigger: :math:`R/(1-\delta) \ge T + \delta
P/(1-\delta)`, Fudenberg & Tirole 1991, §5.1) and of Rubinstein bargaining (Rubinstein
1982; Osborne & Rubinstein 1994, §7.3)."""

from __future__ import annotations

from typing import Any

from tradegame.analysis.explain.blocks import (
    Block,
    Equation,
    Equations,
    Paragraph,
    Section,
    Table,
    frac,
    frac_tex,
    num,
    pn,
    profile_text,
)
from tradegame.analysis.explain.steps import Steps


class DynamicSteps(Steps):
    """Sections of a repeated game and of alternating-offers bargaining."""

    # --- repeated games and bargaining
    def repeated(self, rep: Any) -> Section:
        c = self.c
        g = rep.grim
        d = float(rep.discount)
        coop = profile_text(tuple(c.strategies[i][a] for i, a in enumerate(rep.cooperation)))
        pun = profile_text(tuple(c.strategies[i][a] for i, a in enumerate(rep.punishment)))
        blocks: list[Block] = [
            Paragraph(
                f"The stage game is played forever; payoffs are discounted by d = {num(d)} per "
                f"round. Grim trigger: play {coop} as long as everyone has; after any deviation "
                f"play {pun} forever. A player i compares cooperating forever, R_i/(1 - d), "
                "with the best one-round deviation T_i followed by punishment P_i forever: "
                "cooperation is an equilibrium when R_i/(1 - d) >= T_i + d P_i/(1 - d), "
                "that is d >= (T_i - R_i)/(T_i - P_i)."
            )
        ]
        rows = []
        for i, p in enumerate(self.players):
            R, T, P = float(g.reward[i]), float(g.temptation[i]), float(g.punishment[i])
            crit = float(g.per_player[i])
            dev = c.strategies[i][g.best_deviation[i]]
            rows.append(
                (
                    p,
                    num(R),
                    f"{num(T)} ({dev})",
                    num(P),
                    f"({num(T)} - {num(R)})/({num(T)} - {num(P)}) = {num(crit)}"
                    if T > R and T > P
                    else num(crit),
                )
            )
        blocks.append(
            Table(
                (
                    "player",
                    "R (cooperate)",
                    "T (best deviation)",
                    "P (punishment)",
                    "d* of the player",
                ),
                tuple(rows),
            )
        )
        derivations: dict[tuple[float, float, float], list[str]] = {}
        for i, p in enumerate(self.players):
            R, T, P = float(g.reward[i]), float(g.temptation[i]), float(g.punishment[i])
            if T > R and T > P:
                derivations.setdefault((R, T, P), []).append(p)
        for (R, T, P), who in derivations.items():
            blocks.append(Paragraph(f"For {' and '.join(who)}:"))
            blocks.append(Equations(_grim_steps(R, T, P)))
        crit = float(g.critical_delta)
        verdict = (
            f"The critical discount factor is d* = {num(crit)} (the largest of the players'). "
            + (
                f"With d = {num(d)} >= {num(crit)}, cooperation is sustained."
                if rep.sustained
                else f"With d = {num(d)} < {num(crit)}, cooperation is not sustained: the "
                "stage game's equilibrium is played."
                if g.sustainable
                else f"Cooperation cannot be sustained for any d < 1: {g.reason}"
            )
        )
        blocks.append(Paragraph(verdict))
        return Section("repeated", "The repeated game: grim trigger", tuple(blocks))

    def bargaining(self, bar: Any) -> Section:
        pie = float(bar.pie)
        pr, rs = bar.proposer, bar.responder
        dp, dr = float(bar.discounts[pr]), float(bar.discounts[rs])
        x = (1 - dr) / (1 - dp * dr)
        y = (1 - dp) / (1 - dp * dr)
        blocks: list[Block] = [
            Paragraph(
                f"{pr} and {rs} alternate offers to split a pie of {num(pie)}, {pr} first; "
                f"each round of delay shrinks what a player gets by their discount factor "
                f"(d_p = {num(dp)} for {pr}, d_r = {num(dr)} for {rs}). In the unique "
                "subgame-perfect equilibrium (Rubinstein 1982) every player proposes the same "
                "split whenever it is their turn, and the first offer is accepted. Let x be "
                f"the share of the pie {pr} keeps when proposing and y the share {rs} keeps "
                f"when proposing. {rs} accepts exactly what rejecting is worth: proposing y "
                f"one round later, d_r y now; likewise {pr} when {rs} proposes:"
            ),
            Equations(
                (
                    Equation("1 - x = d_r y", r"1 - x &= \delta_r\, y"),
                    Equation("1 - y = d_p x", r"1 - y &= \delta_p\, x"),
                    Equation(
                        "x = 1 - d_r (1 - d_p x)  =>  (1 - d_p d_r) x = 1 - d_r",
                        r"x &= 1 - \delta_r (1 - \delta_p x) \iff "
                        r"(1 - \delta_p\delta_r)\, x = 1 - \delta_r",
                    ),
                    Equation(
                        f"x = (1 - d_r) / (1 - d_p d_r) = (1 - {num(dr)}) / (1 - {num(dp)} * "
                        f"{num(dr)}) = {num(x)}",
                        rf"x &= \frac{{1-\delta_r}}{{1-\delta_p\delta_r}} = "
                        rf"\frac{{1-{num(dr)}}}{{1-{num(dp)}\cdot{num(dr)}}} = {num(x)}",
                    ),
                    Equation(
                        f"y = (1 - d_p) / (1 - d_p d_r) = {num(y)}",
                        rf"y &= \frac{{1-\delta_p}}{{1-\delta_p\delta_r}} = {num(y)}",
                    ),
                )
            ),
            Paragraph(
                f"Shares: {pr} gets {num(float(bar.shares[pr]))} and {rs} gets "
                f"{num(float(bar.shares[rs]))} of the pie of {num(pie)} "
                "(the fractions x and 1 - x of it). "
                f"First-mover advantage: proposing first gives {pr} x = {num(x)}, answering "
                f"first would give it 1 - y = d_p x = {num(dp * x)}. With equal discount "
                "factors d the proposer gets 1/(1 + d) > 1/2; as both factors approach 1 the "
                "split approaches half each and the advantage vanishes. Between the two, the "
                "more patient player gets more."
            ),
        ]
        return Section("bargaining", "Rubinstein bargaining", tuple(blocks))


def _grim_steps(R: float, T: float, P: float) -> tuple[Equation, ...]:
    """``R/(1-d) >= T + d P/(1-d)`` solved for ``d``, line by line."""
    crit = (T - R) / (T - P)
    return (
        Equation(
            f"{num(R)}/(1 - d) >= {num(T)} + {pn(P)} d/(1 - d)",
            rf"\frac{{{num(R)}}}{{1-\delta}} &\ge {num(T)} + \frac{{{pn(P)}\,\delta}}{{1-\delta}}",
        ),
        Equation(
            f"{num(R)} >= {num(T)} (1 - d) + {pn(P)} d",
            rf"{num(R)} &\ge {num(T)}\,(1-\delta) + {pn(P)}\,\delta",
        ),
        Equation(
            f"({num(T)} - {pn(P)}) d >= {num(T)} - {pn(R)}",
            rf"({num(T)} - {pn(P)})\,\delta &\ge {num(T)} - {pn(R)}",
        ),
        Equation(f"d >= {frac(crit)}", rf"\delta &\ge {frac_tex(crit)}"),
    )
