r"""The steps of a normal form: the payoff table with best responses, iterated
elimination of strictly dominated strategies (Fudenberg & Tirole 1991, §2.1), pure
equilibria and their deviations, Pareto comparisons and payoff dominance (Harsanyi &
Selten 1988, §5.6), mixed equilibria (2x2: the indifference conditions, Osborne 2004,
§4.3) and risk dominance (Harsanyi & Selten 1988, §3.9)."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from tradegame.analysis.explain.blocks import (
    MAX_DEVIATIONS,
    MAX_EQUILIBRIA,
    MAX_MIXED,
    MAX_MIXED_DETAIL,
    MAX_PROFILES,
    MAX_TABLE_AXIS,
    TOL,
    Block,
    Bullets,
    Equation,
    Equations,
    Paragraph,
    Section,
    Table,
    frac,
    frac_tex,
    num,
    plural,
    pn,
    profile_text,
    vec,
)
from tradegame.analysis.explain.steps import Steps
from tradegame.scenario.vocabulary import Selection
from tradegame.solvers.dominance import DominanceResult, Elimination
from tradegame.solvers.pareto import pareto_optimal


class NormalFormSteps(Steps):
    """Sections of a game given by its payoff table."""

    def payoff_table(
        self,
        U: NDArray[np.float64],
        best: NDArray[np.bool_] | None,
        strategies: Sequence[Sequence[str]],
        title: str = "",
    ) -> Table:
        n = len(self.players)
        if best is None:
            best = pure_best(U)
        units = (
            f" Payoffs in {self.scenario.spec.units.strip()}." if self.scenario.spec.units else ""
        )
        legend = (
            "Each cell lists the payoffs "
            + profile_text(self.players)
            + "; * marks a best response: that player cannot do better against the others' "
            "strategies. A cell starred for every player is a pure Nash equilibrium." + units
        )
        if n == 2:
            m, k = U.shape[1:]
            rows_shown, cols_shown = min(m, MAX_TABLE_AXIS), min(k, MAX_TABLE_AXIS)
            header = (f"{self.players[0]} \\ {self.players[1]}", *strategies[1][:cols_shown])
            rows = tuple(
                (
                    strategies[0][a],
                    *(
                        _cell([U[0, a, b], U[1, a, b]], [best[0, a, b], best[1, a, b]])
                        for b in range(cols_shown)
                    ),
                )
                for a in range(rows_shown)
            )
            if rows_shown < m or cols_shown < k:
                legend += (
                    f" The table is {m} x {k}; only the first {rows_shown} x {cols_shown} "
                    "strategies are shown."
                )
            return Table(header, rows, title + legend if title else legend, corner=True)
        shape = U.shape[1:]
        cells = int(np.prod(shape))
        profiles = list(itertools.islice(itertools.product(*map(range, shape)), MAX_PROFILES))
        header = (*self.players, *(f"payoff {p}" for p in self.players))
        rows = tuple(
            (
                *(strategies[i][a] for i, a in enumerate(prof)),
                *(num(U[(i, *prof)]) + ("*" if best[(i, *prof)] else "") for i in range(n)),
            )
            for prof in profiles
        )
        if cells > len(profiles):
            legend += f" The game has {cells:,} profiles; the first {len(profiles)} are shown."
        legend = legend.replace("Each cell lists the payoffs", "Payoffs of")
        return Table(header, rows, legend.replace("A cell starred", "A row starred"))

    # --- dominance
    def dominance(self) -> Section:
        c = self.c
        d = c.dominance
        if d is None:
            return Section("dominance", "Iterated elimination of dominated strategies", ())
        if not d.trace:
            return Section(
                "dominance",
                "Iterated elimination of dominated strategies",
                (
                    Paragraph(
                        "No strategy is strictly dominated, by a pure strategy or by a mixture "
                        "of strategies: elimination removes nothing."
                    ),
                ),
            )
        assert c.payoffs is not None
        blocks: list[Block] = [
            Paragraph(
                "A strategy is strictly dominated when another strategy, or a mixture of "
                "strategies, gives the same player strictly more against every combination "
                "of the others' remaining strategies. A rational player never plays it, so it "
                "is removed; removals can make other strategies dominated in the next round."
            )
        ]
        for r in range(1, d.rounds + 1):
            rows = tuple(self._removal(c.payoffs, d, e) for e in d.trace if e.round == r)
            left = "; ".join(
                f"{p}: " + ", ".join(c.strategies[i][a] for a in alive)
                for i, (p, alive) in enumerate(
                    zip(self.players, alive_at(d, r, c.payoffs.shape[1:]), strict=True)
                )
            )
            blocks.append(Paragraph(f"Round {r} (strategies left: {left}):"))
            blocks.append(
                Table(
                    ("player", "removed", "dominated by", "dominator's payoffs > removed one's"),
                    rows,
                )
            )
        surviving = [
            f"{p}: " + ", ".join(c.strategies[i][a] for a in d.surviving[i])
            for i, p in enumerate(self.players)
        ]
        blocks.append(Paragraph("What survives: " + "; ".join(surviving) + "."))
        if d.solved:
            prof = tuple(c.strategies[i][s[0]] for i, s in enumerate(d.surviving))
            blocks.append(
                Paragraph(
                    f"The game is dominance solvable: only {profile_text(prof)} survives, so it "
                    "is the unique Nash equilibrium."
                )
            )
        elif len(self.players) == 2 and d.payoffs.size <= 4 * MAX_TABLE_AXIS**2:
            blocks.append(
                self.payoff_table(
                    d.payoffs,
                    None,
                    [[c.strategies[i][a] for a in s] for i, s in enumerate(d.surviving)],
                    "The reduced game. ",
                )
            )
        return Section("dominance", "Iterated elimination of dominated strategies", tuple(blocks))

    def _removal(
        self, U: NDArray[np.float64], d: DominanceResult, e: Elimination
    ) -> tuple[str, str, str, str]:
        c = self.c
        i = e.player
        alive = alive_at(d, e.round, U.shape[1:])
        M = own_rows(U, i, alive)  # (A_i, K): own action x others' live profiles
        others = [j for j in range(len(self.players)) if j != i]
        profs = list(itertools.product(*(alive[j] for j in others)))
        against = ", ".join(
            "/".join(c.strategies[j][a] for j, a in zip(others, p, strict=True)) for p in profs
        )
        labels = c.strategies[i]
        if e.by_mixture:
            w = np.asarray(e.dominated_by, dtype=float)
            mix = " + ".join(f"{frac(w[b])} {labels[b]}" for b in np.flatnonzero(w > 1e-12))
            dom = w @ M
            by = f"the mixture {mix}"
        else:
            b = int(e.dominated_by)
            dom = M[b]
            by = labels[b]
        shown = 10
        cut = "" if len(profs) <= shown else f" ... ({len(profs)} in all)"
        whom = "/".join(self.players[j] for j in others)
        ineq = f"{vec(dom[:shown])}{cut} > {vec(M[e.action][:shown])}{cut}" + (
            f" against {whom} = {against}" if len(profs) <= shown else ""
        )
        if not e.strict:
            ineq = ineq.replace(" > ", " >= ")
        return (self.players[i], labels[e.action], by, ineq)

    # --- pure equilibria
    def pure(self) -> Section:
        c = self.c
        U = c.payoffs
        assert U is not None
        eqs = c.pure_equilibria
        title = "Pure Nash equilibria"
        if not eqs:
            return Section("pure", title, self._no_pure(U))
        blocks: list[Block] = [
            Paragraph(
                f"The game has {plural(len(eqs), 'pure Nash equilibrium', 'pure Nash equilibria')}"
                ". At an equilibrium no player gains by changing strategy alone: every "
                "deviation below pays at most what the equilibrium pays."
            )
        ]
        for e in eqs[:MAX_EQUILIBRIA]:
            labels = c.profile_labels(e)
            pay = [U[(i, *e)] for i in range(len(self.players))]
            blocks.append(Paragraph(f"Equilibrium {profile_text(labels)} with payoffs {vec(pay)}."))
            rows: list[tuple[str, ...]] = []
            for i, p in enumerate(self.players):
                devs = deviations(U, e, i)
                devs.sort(key=lambda t: -t[1])
                for a, v in devs[:MAX_DEVIATIONS]:
                    rows.append(
                        (
                            p,
                            f"{c.strategies[i][e[i]]} -> {c.strategies[i][a]}",
                            num(v),
                            num(pay[i]),
                            num(v - pay[i]),
                        )
                    )
                if len(devs) > MAX_DEVIATIONS:
                    rows.append(
                        (p, f"({len(devs) - MAX_DEVIATIONS} more, paying less)", "", "", "")
                    )
            if rows:
                blocks.append(
                    Table(
                        ("player", "deviation", "payoff after", "at equilibrium", "gain"),
                        tuple(rows),
                    )
                )
        if len(eqs) > MAX_EQUILIBRIA:
            blocks.append(Paragraph(f"({len(eqs) - MAX_EQUILIBRIA} more equilibria not shown.)"))
        return Section("pure", title, tuple(blocks))

    def _no_pure(self, U: NDArray[np.float64]) -> tuple[Block, ...]:
        c = self.c
        n = len(self.players)
        rows: list[tuple[str, ...]] = []
        shape = U.shape[1:]
        for prof in itertools.islice(itertools.product(*map(range, shape)), MAX_PROFILES):
            for i in range(n):
                devs = deviations(U, prof, i)
                here = U[(i, *prof)]
                if not devs:
                    continue
                a, v = max(devs, key=lambda t: t[1])
                if v > here + TOL:
                    rows.append(
                        (
                            profile_text(c.profile_labels(prof)),
                            self.players[i],
                            f"{c.strategies[i][prof[i]]} -> {c.strategies[i][a]}",
                            f"{num(here)} -> {num(v)}",
                        )
                    )
                    break
        cells = int(np.prod(shape))
        caption = (
            "" if cells <= MAX_PROFILES else f"The first {MAX_PROFILES} of {cells:,} profiles."
        )
        return (
            Paragraph(
                "The game has no pure Nash equilibrium: at every profile some player gains by "
                "changing strategy alone, as the table shows."
            ),
            Table(("profile", "player", "deviation", "payoff"), tuple(rows), caption),
        )

    # --- Pareto
    def pareto(self) -> Section:
        c = self.c
        U = c.payoffs
        assert U is not None
        n = len(self.players)
        optimal = pareto_optimal(U)
        flat = U.reshape(n, -1)
        shape = U.shape[1:]
        items: list[str] = []
        for e in c.pure_equilibria[:MAX_EQUILIBRIA]:
            labels = profile_text(c.profile_labels(e))
            if optimal[e]:
                items.append(
                    f"The equilibrium {labels} is Pareto-optimal: no profile gives every player "
                    "at least as much and someone more."
                )
                continue
            v = np.array([U[(i, *e)] for i in range(n)])
            better = np.all(flat >= v[:, None] - TOL, axis=0) & np.any(
                flat > v[:, None] + TOL, axis=0
            )
            idx = sorted(
                np.flatnonzero(better).tolist(),
                key=lambda k: (not optimal.reshape(-1)[k], -flat[:, k].sum()),
            )
            names = [
                f"{profile_text(c.profile_labels(_index(k, shape)))}, with {vec(flat[:, k])}"
                for k in idx[:3]
            ]
            more = f" (and {len(idx) - 3} more)" if len(idx) > 3 else ""
            items.append(
                f"The equilibrium {labels}, with payoffs {vec(v)}, is Pareto-dominated by "
                + " and by ".join(names)
                + more
                + ": every player gets at least as much there, someone more."
            )
        eqs = c.pure_equilibria
        if len(eqs) >= 2:
            pays = np.array([[U[(i, *e)] for i in range(n)] for e in eqs])
            dominant = [
                k
                for k in range(len(eqs))
                if all(
                    np.all(pays[k] >= pays[j] - TOL) and np.any(pays[k] > pays[j] + TOL)
                    for j in range(len(eqs))
                    if j != k and not np.allclose(pays[j], pays[k])
                )
                and not any(np.allclose(pays[j], pays[k]) for j in range(len(eqs)) if j != k)
            ]
            if dominant:
                k = dominant[0]
                items.append(
                    f"{profile_text(c.profile_labels(eqs[k]))} is payoff-dominant: it gives every "
                    "player at least as much as any other equilibrium, and someone more "
                    "(Harsanyi and Selten's payoff dominance)."
                )
            else:
                undominated = [
                    profile_text(c.profile_labels(eqs[k]))
                    for k in range(len(eqs))
                    if not any(
                        np.all(pays[j] >= pays[k] - TOL) and np.any(pays[j] > pays[k] + TOL)
                        for j in range(len(eqs))
                    )
                ]
                items.append(
                    "No equilibrium is payoff-dominant (better for everyone than every other "
                    "equilibrium); not Pareto-dominated by another equilibrium: "
                    + ", ".join(undominated)
                    + "."
                )
        return Section("pareto", "Pareto comparisons", (Bullets(tuple(items)),) if items else ())

    # --- mixed equilibria
    def mixed(self) -> Section:
        c = self.c
        U = c.payoffs
        assert U is not None
        title = "Mixed strategies"
        if c.mixed_equilibria is None:
            return Section(
                "mixed",
                title,
                (Paragraph("The mixed equilibria were not computed: the game is too large."),),
            )
        m, k = U.shape[1:]
        eqs = list(c.mixed_equilibria)
        blocks: list[Block] = []
        interior = [(x, y) for x, y in eqs if (x > 1e-9).sum() > 1 or (y > 1e-9).sum() > 1]
        if (m, k) == (2, 2):
            full = [(x, y) for x, y in eqs if np.all(x > 1e-9) and np.all(y > 1e-9)]
            if full:
                blocks.extend(self._indifference(U, full[0]))
            elif not interior:
                blocks.append(
                    Paragraph(
                        "No equilibrium has a player mixing: "
                        + (
                            "the pure equilibria above are the only ones."
                            if c.pure_equilibria
                            else "see above."
                        )
                    )
                )
        if (m, k) != (2, 2) or (
            interior and not any(np.all(x > 1e-9) and np.all(y > 1e-9) for x, y in eqs)
        ):
            if not interior:
                blocks.append(
                    Paragraph(
                        "Every extreme equilibrium is pure: no player mixes in any of them "
                        "(found by vertex enumeration of the best-response polytopes)."
                    )
                )
            else:
                blocks.append(
                    Paragraph(
                        "The game has "
                        + plural(len(eqs), "extreme equilibrium", "extreme equilibria")
                        + " (vertex enumeration of the best-response polytopes); in each, every "
                        "strategy of a player's support pays the same against the other's mix, "
                        "and no strategy outside it pays more."
                    )
                )
                rows = []
                for x, y in eqs[:MAX_MIXED]:
                    rows.append(
                        tuple(
                            ", ".join(
                                f"{c.strategies[i][a]} {frac(z[a])}"
                                for a in np.flatnonzero(z > 1e-9)
                            )
                            for i, z in enumerate((x, y))
                        )
                        + tuple(num(c.mixed_payoff(i, x, y)) for i in range(2))
                    )
                cap = "" if len(eqs) <= MAX_MIXED else f"The first {MAX_MIXED} of {len(eqs)}."
                blocks.append(
                    Table(
                        (
                            f"{self.players[0]} mixes",
                            f"{self.players[1]} mixes",
                            f"payoff {self.players[0]}",
                            f"payoff {self.players[1]}",
                        ),
                        tuple(rows),
                        cap,
                    )
                )
                mixing = [(x, y) for x, y in eqs if (x > 1e-9).sum() > 1 or (y > 1e-9).sum() > 1]
                for x, y in mixing[:MAX_MIXED_DETAIL]:
                    blocks.append(self._support_check(U, x, y))
        return Section("mixed", title, tuple(blocks))

    def _support_check(
        self, U: NDArray[np.float64], x: NDArray[np.float64], y: NDArray[np.float64]
    ) -> Bullets:
        """Each pure strategy's payoff against the other's mix: equal on the support."""
        c = self.c
        against = (U[0] @ y, x @ U[1])
        mixes = (x, y)
        items = []
        for i, p in enumerate(self.players):
            other = mixes[1 - i]
            mix = ", ".join(
                f"{c.strategies[1 - i][a]} {frac(other[a])}" for a in np.flatnonzero(other > 1e-9)
            )
            pays = ", ".join(
                f"{c.strategies[i][a]} {num(v)}"
                + (" (in the support)" if mixes[i][a] > 1e-9 else "")
                for a, v in enumerate(against[i][:MAX_TABLE_AXIS])
            )
            items.append(f"{p}'s strategies against {mix}: {pays}.")
        return Bullets(tuple(items))

    def _indifference(
        self, U: NDArray[np.float64], eq: tuple[NDArray[np.float64], NDArray[np.float64]]
    ) -> list[Block]:
        c = self.c
        A, B = U[0], U[1]
        r0, r1 = c.strategies[0]
        c0, c1 = c.strategies[1]
        rp, cp = self.players
        q, q_rhs, q_coef = _solve_indifference(A[0, 0], A[0, 1], A[1, 0], A[1, 1])
        p, p_rhs, p_coef = _solve_indifference(B[0, 0], B[1, 0], B[0, 1], B[1, 1])
        self.mixed_2x2 = (p, q)
        vr = float(np.array([p, 1 - p]) @ A @ np.array([q, 1 - q]))
        vc = float(np.array([p, 1 - p]) @ B @ np.array([q, 1 - q]))
        blocks: list[Block] = [
            Paragraph(
                f"In the mixed equilibrium {rp} plays {r0} with probability p and {r1} with "
                f"1 - p; {cp} plays {c0} with probability q and {c1} with 1 - q. A player "
                "mixes only if both strategies pay the same, so each player's mix makes the "
                f"other indifferent. {cp}'s q makes {rp} indifferent between {r0} (left) and "
                f"{r1} (right):"
            ),
            Equations(_steps("q", A[0, 0], A[0, 1], A[1, 0], A[1, 1], q_coef, q_rhs, q)),
            Paragraph(f"{rp}'s p makes {cp} indifferent between {c0} (left) and {c1} (right):"),
            Equations(_steps("p", B[0, 0], B[1, 0], B[0, 1], B[1, 1], p_coef, p_rhs, p)),
            Paragraph(
                f"So {rp} plays {r0} with probability {frac(p)} and {r1} with {frac(1 - p)}; "
                f"{cp} plays {c0} with probability {frac(q)} and {c1} with {frac(1 - q)}. "
                f"Expected payoffs: {rp} {num(vr)}, {cp} {num(vc)} (each equal to the payoff "
                "of either pure strategy against the other's mix)."
            ),
        ]
        return blocks

    # --- risk dominance
    def risk(self) -> Section | None:
        c = self.c
        U = c.payoffs
        assert U is not None
        eqs = c.pure_equilibria
        if len(eqs) < 2 or U.shape[1] < 2 or U.shape[2] < 2:
            return None
        losses = [risk_losses(U, e) for e in eqs]
        strict = sum(1 for a, b in losses if a > TOL and b > TOL)
        asked = self.options.selection == Selection.RISK_DOMINANT
        if not (asked or (U.shape[1:] == (2, 2) and strict == 2)):
            return None
        rows = []
        products = [a * b for a, b in losses]
        for e, (la, lb), prod in zip(eqs, losses, products, strict=True):
            rows.append((profile_text(c.profile_labels(e)), num(la), num(lb), num(prod)))
        best = max(products)
        winners = [
            profile_text(c.profile_labels(e))
            for e, pr in zip(eqs, products, strict=True)
            if pr >= best - TOL
        ]
        text = (
            "Risk dominance (Harsanyi and Selten) compares equilibria by how much each player "
            "loses by deviating from them alone: the equilibrium with the larger product of "
            "the two losses is the safer one to coordinate on."
        )
        verdict = (
            f"{winners[0]} risk-dominates: its Nash product {num(best)} is the largest."
            if len(winners) == 1
            else "Tie: " + ", ".join(winners) + f" share the largest Nash product {num(best)}."
        )
        return Section(
            "risk",
            "Risk dominance",
            (
                Paragraph(text),
                Table(
                    (
                        "equilibrium",
                        f"loss of {self.players[0]}",
                        f"loss of {self.players[1]}",
                        "Nash product",
                    ),
                    tuple(rows),
                    "A player's loss: the equilibrium payoff minus the best payoff of a "
                    "different strategy against the other's equilibrium strategy.",
                ),
                Paragraph(verdict),
            ),
        )


# ---------------------------------------------------------------------------- helpers
def _index(k: int, shape: Sequence[int]) -> tuple[int, ...]:
    return tuple(int(z) for z in np.unravel_index(k, tuple(shape)))


def _cell(values: Sequence[float], best: Sequence[bool]) -> str:
    return ", ".join(num(v) + ("*" if b else "") for v, b in zip(values, best, strict=True))


def pure_best(U: NDArray[np.float64]) -> NDArray[np.bool_]:
    """``best[i, ...]``: player *i*'s strategy at that profile is a best response."""
    n = U.shape[0]
    return np.stack([U[i] >= U[i].max(axis=i, keepdims=True) - TOL for i in range(n)])


def deviations(U: NDArray[np.float64], profile: Sequence[int], i: int) -> list[tuple[int, float]]:
    """Player *i*'s other strategies at ``profile``, each with the payoff it would get."""
    out = []
    for a in range(U.shape[1 + i]):
        if a == profile[i]:
            continue
        dev = list(profile)
        dev[i] = a
        out.append((a, float(U[(i, *dev)])))
    return out


def alive_at(d: DominanceResult, rnd: int, shape: Sequence[int]) -> list[list[int]]:
    """Each player's strategies at the start of round ``rnd`` of an elimination."""
    gone = {(e.player, e.action) for e in d.trace if e.round < rnd}
    return [[a for a in range(m) if (i, a) not in gone] for i, m in enumerate(shape)]


def own_rows(U: NDArray[np.float64], i: int, alive: Sequence[Sequence[int]]) -> NDArray[np.float64]:
    """Player *i*'s payoffs, shape (A_i, K): own strategy x the others' live profiles."""
    sub = U[i]
    for j, keep in enumerate(alive):
        if j != i:
            sub = np.take(sub, keep, axis=j)
    return np.moveaxis(sub, i, 0).reshape(sub.shape[i], -1)


def risk_losses(U: NDArray[np.float64], e: Sequence[int]) -> tuple[float, float]:
    """The two players' deviation losses at a pure equilibrium of a bimatrix game."""
    a, b = e
    A, B = U[0], U[1]
    la = float(A[a, b] - np.max(np.delete(A[:, b], a)))
    lb = float(B[a, b] - np.max(np.delete(B[a, :], b)))
    return la, lb


def _solve_indifference(a: float, b: float, c: float, d: float) -> tuple[float, float, float]:
    """``z`` solving ``a z + b (1 - z) = c z + d (1 - z)``; with the equation's coefficient
    ``a - b - c + d`` and right-hand side ``d - b``."""
    coef = a - b - c + d
    rhs = d - b
    return rhs / coef, rhs, coef


def _lin(a: float, b: float, z: str, tex: bool = False) -> str:
    one = "(1-" + z + ")" if tex else "(1 - " + z + ")"
    mul = "" if tex else " "
    return f"{num(a)}{mul}{z} + {num(b)}{mul}{one}".replace("+ -", "- ")


def _steps(
    z: str, a: float, b: float, c: float, d: float, coef: float, rhs: float, val: float
) -> tuple[Equation, ...]:
    """``a z + b (1 - z) = c z + d (1 - z)`` solved for ``z``, line by line."""
    return (
        Equation(
            f"{_lin(a, b, z)} = {_lin(c, d, z)}", f"{_lin(a, b, z, True)} &= {_lin(c, d, z, True)}"
        ),
        Equation(
            f"({num(a)} - {pn(b)} - {pn(c)} + {pn(d)}) {z} = {num(d)} - {pn(b)}",
            rf"({num(a)} - {pn(b)} - {pn(c)} + {pn(d)})\,{z} &= {num(d)} - {pn(b)}",
        ),
        Equation(f"{num(coef)} {z} = {num(rhs)}", rf"{num(coef)}\,{z} &= {num(rhs)}"),
        Equation(
            f"{z} = {frac(val)}{_decimal(val)}", rf"{z} &= {frac_tex(val)}{_decimal(val, True)}"
        ),
    )


def _decimal(x: float, tex: bool = False) -> str:
    """`` = 0.75`` or `` ~ 0.3333`` after a fraction; empty when the number is whole."""
    if frac(x) == num(x):
        return ""
    exact = abs(float(num(x)) - x) < 1e-12
    if tex:
        return (" = " if exact else r" \approx ") + num(x)
    return (" = " if exact else " ~ ") + num(x)
