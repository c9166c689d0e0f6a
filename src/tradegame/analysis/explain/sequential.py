"""The steps of a sequential game with perfect information: backward induction node by
node (Kuhn 1953; Osborne 2004, §5.5) and the Nash equilibria of its reduced normal form
that are not subgame-perfect, each with the threat that is not credible (Selten 1975)."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from tradegame.analysis.explain.blocks import (
    MAX_EQUILIBRIA,
    MAX_NODES,
    MAX_NORMAL_FORM_CELLS,
    MAX_OPTIONS,
    MAX_TABLE_AXIS,
    TOL,
    Block,
    Bullets,
    Paragraph,
    PayoffTable,
    Section,
    Table,
    frac,
    num,
    plural,
    profile_text,
    vec,
)
from tradegame.analysis.explain.normal_form import pure_best
from tradegame.analysis.explain.steps import Steps
from tradegame.model.normal_form import TooManyStrategies
from tradegame.model.tree import GameTree, Node
from tradegame.solvers.pure_nash import pure_nash
from tradegame.solvers.tree_normal_form import tree_normal_form


class SequentialSteps(Steps):
    """Sections of a game tree with perfect information."""

    # --- sequential games
    def _history(self, tree: GameTree, node: Node) -> str:
        if not node:
            return "at the start"
        steps = []
        for depth in range(len(node)):
            parent = node[:depth]
            label = tree.graph.edges[parent, node[: depth + 1]].get("label") or str(node[depth] + 1)
            name = self._move_name(tree, parent)
            steps.append(f"{name}: {label}" if name else label)
        return "after " + " -> ".join(steps)

    def _mover(self, tree: GameTree, node: Node) -> str:
        d = tree.graph.nodes[node]
        if d["kind"] == "chance":
            return "chance"
        return str(d["player"])

    def _move_name(self, tree: GameTree, node: Node) -> str:
        d = tree.graph.nodes[node]
        s = d.get("stage")
        if s is not None and s < len(self.c.moves):
            return self.c.moves[s].name
        return str(d.get("name") or d.get("infoset_label") or "")

    def backward(self) -> Section:
        c = self.c
        tree = c.tree
        assert tree is not None
        uniform = str(c.tie_break) == "uniform"
        values, choices = induction_values(tree, uniform)
        path = c.path or frozenset()
        decisions = [n for n in tree.nodes() if tree.graph.nodes[n]["kind"] != "terminal"]
        shown = decisions
        note = ""
        if len(decisions) > MAX_NODES:
            shown = [n for n in decisions if n in path]
            note = (
                f"The tree has {len(decisions):,} decision and chance nodes; the "
                f"{len(shown)} on the subgame-perfect path are shown (each of the others is "
                "solved the same way; 'tradegame solve' lists the full strategy)."
            )
        shown = sorted(shown, key=lambda n: (-len(n), n))
        index = {p: i for i, p in enumerate(tree.players)}
        rows: list[tuple[str, ...]] = []
        for node in shown:
            d = tree.graph.nodes[node]
            kids = tree.children(node)
            acts = [tree.graph.edges[node, k].get("label") or str(k[-1] + 1) for k in kids]
            if d["kind"] == "chance":
                probs = d.get("probs") or ()
                opts = "; ".join(
                    f"{a} ({frac(pr)}): {vec(values[k])}"
                    for a, pr, k in zip(acts, probs, kids, strict=False)
                )
                rows.append(
                    (self._history(tree, node), "chance", opts, "expected " + vec(values[node]))
                )
                continue
            i = index[d["player"]]
            own = [float(values[k][i]) for k in kids]
            best_kids = choices[node]
            ranked = sorted(zip(acts, own, strict=True), key=lambda t: -t[1])
            listed = list(zip(acts, own, strict=True)) if len(acts) <= MAX_OPTIONS else ranked
            opts = "; ".join(f"{a}: {num(v)}" for a, v in listed[:MAX_OPTIONS])
            if len(acts) > MAX_OPTIONS:
                opts += f"; ({len(acts) - MAX_OPTIONS} more options, none paying more)"
            ties = [acts[kids.index(k)] for k in best_kids]
            if len(ties) == 1:
                pick = ties[0]
            elif uniform:
                pick = f"{' or '.join(ties)} (a tie: each equally likely, tie_break uniform)"
            else:
                pick = f"{ties[0]} (a tie with {', '.join(ties[1:])}: tie_break first)"
            name = self._move_name(tree, node)
            rows.append(
                (
                    self._history(tree, node),
                    d["player"] + (f" ({name})" if name else ""),
                    opts,
                    pick + " -> " + vec(values[node]),
                )
            )
        blocks: list[Block] = [
            Paragraph(
                "Backward induction solves the game from its end: at each last decision the "
                "mover takes the option that pays them most; that choice fixes the value of "
                "the node for the decision before it, and so on back to the start. Each row "
                "gives the mover's payoff from each option (what follows played optimally) "
                "and the choice, with the payoffs " + profile_text(tree.players) + " it leads to."
            ),
            Table(
                ("node", "mover", "mover's payoff by option", "choice -> payoffs"),
                tuple(rows),
                note,
            ),
        ]
        if len(decisions) > MAX_NODES:
            blocks.append(self._by_move(tree, decisions, choices))
        value = c.values or {p: float(values[()][i]) for i, p in enumerate(tree.players)}
        plays = [
            " -> ".join(f"{k}: {v}" for k, v in e.strategies.items())
            + (f" (outcome {e.outcome})" if e.outcome else "")
            + (
                f", probability {frac(e.probability)}"
                if e.probability is not None and len(c.equilibria) > 1
                else ""
            )
            for e in c.equilibria[:MAX_EQUILIBRIA]
        ]
        if len(plays) == 1:
            blocks.append(Paragraph(f"The subgame-perfect play: {plays[0]}."))
        elif plays:
            blocks.append(
                Paragraph(
                    "Chance moves and indifferent movers make several plays of the "
                    "subgame-perfect equilibrium:"
                )
            )
            blocks.append(Bullets(tuple(plays)))
        blocks.append(
            Paragraph(
                "Expected payoffs: " + ", ".join(f"{p} {num(v)}" for p, v in value.items()) + "."
            )
        )
        return Section("backward", "Backward induction", tuple(blocks))

    def _by_move(
        self, tree: GameTree, decisions: list[Node], choices: dict[Node, list[Node]]
    ) -> Table:
        """A large tree summarised move by move: how often each option is chosen."""
        counts: dict[str, dict[str, int]] = {}
        movers: dict[str, str] = {}
        nodes: dict[str, int] = {}
        for node in decisions:
            d = tree.graph.nodes[node]
            name = self._move_name(tree, node) or self._mover(tree, node)
            movers[name] = self._mover(tree, node)
            nodes[name] = nodes.get(name, 0) + 1
            for k in choices.get(node, []):
                label = tree.graph.edges[node, k].get("label") or str(k[-1] + 1)
                counts.setdefault(name, {})
                counts[name][label] = counts[name].get(label, 0) + 1
            if d["kind"] == "chance":
                counts.setdefault(name, {})
        rows = []
        for name, n in nodes.items():
            chosen = sorted(counts.get(name, {}).items(), key=lambda t: -t[1])
            text = ", ".join(f"{a} at {k}" for a, k in chosen[:MAX_OPTIONS])
            if len(chosen) > MAX_OPTIONS:
                text += f", ... ({len(chosen) - MAX_OPTIONS} more options)"
            rows.append((name, movers[name], f"{n:,}", text or "(chance)"))
        return Table(
            ("move", "mover", "nodes", "option chosen, at how many of its nodes"),
            tuple(rows),
            "Backward induction over the whole tree, move by move (ties counted under each "
            "option chosen).",
        )

    def nash_not_spe(self) -> Section | None:
        c = self.c
        tree = c.tree
        assert tree is not None
        if len(tree) > 2000:
            return None
        try:
            nf = tree_normal_form(tree, limit=MAX_NORMAL_FORM_CELLS)
        except (ValueError, TooManyStrategies):
            return None
        U = nf.payoffs[0]
        if U[0].size > MAX_NORMAL_FORM_CELLS:
            return None
        mask = pure_nash(U)
        eqs = [tuple(int(a) for a in e) for e in np.argwhere(mask)]
        spe_choice = tree.subgame_choices()
        index = {p: i for i, p in enumerate(tree.players)}
        rows: list[tuple[str, ...]] = []
        spe_rows: list[str] = []
        spe_profiles: list[tuple[int, ...]] = []
        for e in eqs:
            profile: dict[Any, int] = {}
            for n, a in spe_choice.items():
                profile.setdefault(tree.graph.nodes[n]["infoset"], a)
            for i, s in enumerate(e):
                profile.update(nf.plans[i][s])
            vals = tree.subgame_values(profile)
            threats = []
            for n in tree.nodes("decision"):
                d = tree.graph.nodes[n]
                a = profile[d["infoset"]]
                i = index[d["player"]]
                kids = tree.children(n)
                own = [float(vals[k][i]) for k in kids]
                if max(own) > own[a] + TOL:
                    acts = [tree.graph.edges[n, k].get("label") or str(k[-1] + 1) for k in kids]
                    b = int(np.argmax(own))
                    threats.append(
                        {
                            "player": d["player"],
                            "node": n,
                            "action": acts[a],
                            "better": acts[b],
                            "payoff": own[a],
                            "better_payoff": own[b],
                            "history": self._history(tree, n),
                        }
                    )
            labels = tuple(nf.labels[i][s] for i, s in enumerate(e))
            pays = [float(U[(i, *e)]) for i in range(len(tree.players))]
            if not threats:
                spe_profiles.append(e)
                spe_rows.append(f"{profile_text(labels)} {vec(pays)}")
                continue
            self.not_spe.append({"profile": labels, "payoffs": pays, "threats": threats})
            if len(rows) >= MAX_EQUILIBRIA:
                continue
            t = threats[0]
            rows.append(
                (
                    profile_text(labels),
                    vec(pays),
                    f"'{t['action']}' {t['history']} is not credible: there {t['player']} gets "
                    f"{num(t['payoff'])} by {t['action']} and {num(t['better_payoff'])} > "
                    f"{num(t['payoff'])} by {t['better']}",
                )
            )
        if len(tree.players) == 2 and all(len(x) <= MAX_TABLE_AXIS for x in nf.labels):
            self.tree_table = PayoffTable(
                tuple(tree.players),
                tuple(tuple(x) for x in nf.labels),
                U,
                pure_best(U),
                tuple(eqs),
                tuple(spe_profiles),
            )
        blocks: list[Block] = [
            Paragraph(
                "In the normal form each player picks a whole plan at the start. Its pure Nash "
                f"equilibria ({len(eqs)}): "
                + (
                    "the subgame-perfect one"
                    + ("s " if len(spe_rows) > 1 else " ")
                    + ", ".join(spe_rows)
                    if spe_rows
                    else "none subgame-perfect"
                )
                + (
                    f", and {plural(len(self.not_spe), 'other')} that "
                    + ("prescribes" if len(self.not_spe) == 1 else "prescribe")
                    + ", off the path of play, an action the mover would not take if the "
                    "moment came: a threat that is not credible. Subgame perfection requires "
                    "optimal play at every node, also those the equilibrium never reaches:"
                    if rows
                    else "; every one of them is subgame-perfect."
                )
            )
        ]
        if rows:
            blocks.append(
                Table(
                    ("Nash equilibrium (plans)", "payoffs", "why not subgame-perfect"),
                    tuple(rows),
                    ""
                    if len(self.not_spe) <= len(rows)
                    else f"The first {len(rows)} of {len(self.not_spe)}.",
                )
            )
        return Section("nash", "Nash equilibria and credible threats", tuple(blocks))


def induction_values(
    tree: GameTree, uniform: bool = False
) -> tuple[dict[Node, NDArray[np.float64]], dict[Node, list[Node]]]:
    """Backward induction on a tree with perfect information, node by node.

    Parameters
    ----------
    tree : GameTree
        One draw (the central game).
    uniform : bool, default False
        How an indifferent mover chooses: ``False`` the first best option (tie_break
        ``first``), ``True`` each best option equally likely (``uniform``).

    Returns
    -------
    values : dict of node to ndarray, shape (n,)
        The payoffs of play from each node on.
    choices : dict of node to list of node
        At each decision node, the children of the options chosen (one unless tied
        and ``uniform``).
    """
    index = {p: i for i, p in enumerate(tree.players)}
    values: dict[Node, NDArray[np.float64]] = {}
    choices: dict[Node, list[Node]] = {}
    for node in sorted(tree.nodes(), key=len, reverse=True):
        d = tree.graph.nodes[node]
        if d["kind"] == "terminal":
            values[node] = np.asarray(tree.terminal_payoffs(node), dtype=float)
            continue
        kids = tree.children(node)
        if d["kind"] == "chance":
            probs = d.get("probs") or ()
            values[node] = sum(
                (float(pr) * values[k] for pr, k in zip(probs, kids, strict=True)),
                np.zeros(len(tree.players)),
            )
            continue
        own = np.array([values[k][index[d["player"]]] for k in kids])
        best = [k for k, v in zip(kids, own, strict=True) if v >= own.max() - TOL]
        chosen = best if uniform else best[:1]
        choices[node] = chosen
        values[node] = np.mean([values[k] for k in chosen], axis=0)
    return values, choices
