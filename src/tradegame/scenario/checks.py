"""The checker of a schema-valid scenario file: players and levers, names, stages.

:class:`Checker` records problems as :class:`~tradegame.scenario.issues.IssueLog`
does and checks what needs the whole file: the players' levers and option fields,
that names are unique and not reserved (the namespace expressions compile
against), and the order of moves given by 'stages:'. It also compiles
expressions, recording their errors. :mod:`tradegame.scenario.meaning` drives it.
"""

from __future__ import annotations

import keyword
from typing import Any

from tradegame.scenario.expressions import (
    CompiledExpression,
    ExpressionError,
    Namespace,
    compile_expression,
)
from tradegame.scenario.issues import IssueLog, suggest_name
from tradegame.scenario.load import LeverSpec, PlayerSpec, StagePlan
from tradegame.scenario.schema import MatrixPayoffs, ScenarioFile
from tradegame.scenario.vocabulary import Solution
from tradegame.scenario.yaml_source import YamlDocument

__all__ = ["Checker"]

_RESERVED = frozenset(
    {
        "min",
        "max",
        "abs",
        "exp",
        "log",
        "sqrt",
        "where",
        "clip",
        "True",
        "False",
        "None",
        "otherwise",
    }
)


class Checker(IssueLog):
    """Checks what needs the whole (schema-valid) file: names, expressions, sizes."""

    def __init__(self, doc: YamlDocument, spec: ScenarioFile) -> None:
        super().__init__(doc)
        self.spec = spec

    def players(self) -> tuple[PlayerSpec, ...]:
        out = []
        for pname, player in self.spec.players.items():
            if pname == "chance":
                # Results file chance levers under 'chance', beside the players.
                self.add(
                    ("players", pname),
                    "'chance' is reserved for chance moves; name the player otherwise",
                    key=True,
                )
            levers: list[LeverSpec] = []
            if player.strategies is not None:
                raw: dict[str, Any] = {pname: player.strategies}
            else:
                raw = dict(player.levers or {})
            for lname, options in raw.items():
                base = (
                    ("players", pname, "levers", lname)
                    if player.levers
                    else ("players", pname, "strategies")
                )
                if isinstance(options, list):
                    names = tuple(options)
                    labels = names
                    fields: dict[str, tuple[float, ...]] = {}
                else:
                    names = tuple(options)
                    for opt, values in options.items():
                        for key, value in (values or {}).items():
                            if (key == "label") != isinstance(value, str):
                                self.add(
                                    (*base, opt, key),
                                    f"{key!r} of option {opt!r} must be "
                                    + ("text" if key == "label" else "a number"),
                                )
                    labels = tuple(str((options[o] or {}).get("label", o)) for o in names)
                    options = {
                        o: {k: v for k, v in (options[o] or {}).items() if k != "label"}
                        for o in names
                    }
                    field_sets = [set((v or {}).keys()) for v in options.values()]
                    all_fields = sorted(set().union(*field_sets))
                    for opt, fs in zip(names, field_sets, strict=True):
                        missing = [f for f in all_fields if f not in fs]
                        if missing:
                            self.add(
                                (*base, opt),
                                f"option {opt!r} of lever {lname!r} lacks "
                                f"{', '.join(missing)} (every option needs the same numbers)",
                            )
                    # A non-number was reported above; 0.0 stands in so checking goes on.
                    fields = {
                        f: tuple(
                            float(v)
                            if isinstance(v := (options[o] or {}).get(f, 0.0), int | float)
                            else 0.0
                            for o in names
                        )
                        for f in all_fields
                    }
                if len(set(names)) != len(names):
                    dup = sorted({n for n in names if names.count(n) > 1})
                    self.add(base, f"lever {lname!r} lists option {dup[0]!r} twice")
                levers.append(LeverSpec(lname, names, fields, labels))
            out.append(PlayerSpec(pname, player.label or pname, tuple(levers)))
        return tuple(out)

    def namespace(self, players: tuple[PlayerSpec, ...]) -> tuple[Namespace, list[str]]:
        """Check that names are unique and not reserved; return the namespace."""
        owners: dict[str, tuple[str, tuple[str | int, ...]]] = {}

        def claim(name: str, what: str, path: tuple[str | int, ...]) -> None:
            if name in _RESERVED or keyword.iskeyword(name):
                self.add(path, f"{what} name {name!r} is reserved; choose another", key=True)
            elif name in owners:
                other = owners[name][0]
                self.add(path, f"{what} name {name!r} is already used by {other}", key=True)
            else:
                owners[name] = (what, path)

        for p in players:
            for lv in p.levers:
                path: tuple[str | int, ...] = ("players", p.name, "levers", lv.name)
                if self.spec.players[p.name].strategies is not None:
                    path = ("players", p.name, "strategies")
                claim(lv.name, f"lever of {p.name}", path)
        for cname in self.spec.chance:
            claim(cname, "chance lever", ("chance", cname))
        for p in players:
            for lv in p.levers:
                for f in lv.fields:
                    claim(
                        f"{lv.name}_{f}",
                        f"option field of lever {lv.name!r}",
                        ("players", p.name, "levers", lv.name),
                    )
        for name in self.spec.parameters:
            claim(name, "parameter", ("parameters", name))
        terms: list[str] = []
        for name in self.spec.terms:
            claim(name, "term", ("terms", name))
            terms.append(name)
        numbers = {
            n
            for n, (what, _) in owners.items()
            if not what.startswith("lever of") and what != "chance lever"
        }
        levers = {lv.name: lv.options for p in players for lv in p.levers}
        levers.update({c: tuple(spec.options) for c, spec in self.spec.chance.items()})
        return Namespace(frozenset(numbers - set(terms)), levers, removed=self.doc.removed), terms

    def _stage_options(
        self, players: tuple[PlayerSpec, ...], levers: tuple[str, ...]
    ) -> dict[str, tuple[str, ...]]:
        """Options of each of a stage's levers (player levers or a chance lever)."""
        options = {lv.name: lv.options for p in players for lv in p.levers}
        options.update({c: tuple(cl.options) for c, cl in self.spec.chance.items()})
        return {lv: options[lv] for lv in levers if lv in options}

    def stages(self, players: tuple[PlayerSpec, ...]) -> tuple[StagePlan, ...] | None:
        """Check 'stages:' against players and chance levers."""
        if self.spec.stages is None:
            for cname in self.spec.chance:
                self.add(
                    ("chance", cname),
                    "chance levers need 'stages:' saying when they happen",
                    key=True,
                )
            return None
        owner = {lv.name: p.name for p in players for lv in p.levers}
        by_player = {p.name: [lv.name for lv in p.levers] for p in players}
        decided: dict[str, int] = {}
        plans: list[StagePlan] = []
        for k, st in enumerate(self.spec.stages):
            path: tuple[str | int, ...] = ("stages", k)
            if st.chance is not None:
                if st.chance not in self.spec.chance:
                    self.add(
                        (*path, "chance"),
                        f"unknown chance lever {st.chance!r}"
                        f"{suggest_name(st.chance, list(self.spec.chance))}; declare it "
                        "under 'chance:'",
                    )
                    continue
                levers: tuple[str, ...] = (st.chance,)
                mover = None
                label = st.label or self.spec.chance[st.chance].label or st.chance
            else:
                assert st.player is not None
                if st.player not in by_player:
                    self.add(
                        (*path, "player"),
                        f"unknown player {st.player!r}{suggest_name(st.player, list(by_player))}",
                    )
                    continue
                levers = tuple(st.levers or by_player[st.player])
                bad = [lv for lv in levers if owner.get(lv) != st.player]
                for lv in bad:
                    whose = f"a lever of {owner[lv]}" if lv in owner else "not a lever"
                    self.add(
                        (*path, "levers"),
                        f"{lv!r} is {whose}; {st.player}'s levers are "
                        f"{', '.join(by_player[st.player])}",
                    )
                if bad:
                    continue
                mover = st.player
                label = st.label or "/".join(levers)
            for lv in levers:
                if lv in decided:
                    self.add(path, f"lever {lv!r} is already decided at stage {decided[lv] + 1}")
                decided[lv] = k
            observes = None
            if st.observes is not None:
                for o in st.observes:
                    if o not in decided or decided[o] >= k:
                        self.add(
                            (*path, "observes"),
                            f"stage {k + 1} cannot observe {o!r}: "
                            "only levers decided at earlier stages",
                        )
                observes = tuple(st.observes)
            if label in (plan.label for plan in plans):
                # Results name stages by label: two alike would overwrite each other.
                self.add(
                    (*path, "label") if st.label is not None else path,
                    f"stage label {label!r} is used by an earlier stage; give this one a 'label:'",
                )
            delay: list[tuple[str, str, float]] = []
            for opt, periods in (st.delay or {}).items():
                options_of = self._stage_options(players, levers)
                owners = [lv for lv, opts in options_of.items() if opt in opts]
                if len(owners) != 1:
                    known = sorted({o for opts in options_of.values() for o in opts})
                    self.add(
                        (*path, "delay", opt),
                        f"delay option {opt!r} is "
                        + (
                            "an option of several levers here; rename one"
                            if owners
                            else f"not an option of this stage{suggest_name(opt, known)}"
                        ),
                        key=True,
                    )
                    continue
                delay.append((owners[0], opt, float(periods)))
            ends: list[tuple[str, str]] = []
            for j, opt in enumerate(st.ends or ()):
                options_of = self._stage_options(players, levers)
                owners = [lv for lv, opts in options_of.items() if opt in opts]
                if len(owners) != 1:
                    known = sorted({o for opts in options_of.values() for o in opts})
                    self.add(
                        (*path, "ends", j),
                        f"'ends' option {opt!r} is "
                        + (
                            "an option of several levers here; rename one"
                            if owners
                            else f"not an option of this stage{suggest_name(opt, known)}"
                        ),
                    )
                    continue
                if (owners[0], opt) in ends:
                    self.add((*path, "ends", j), f"'ends' lists option {opt!r} twice")
                    continue
                ends.append((owners[0], opt))
            plans.append(StagePlan(mover, levers, observes, label, tuple(delay), tuple(ends)))
        for lv, p in owner.items():
            if lv not in decided:
                self.add(("stages",), f"lever {lv!r} of {p} is not decided at any stage")
        for cname in self.spec.chance:
            if cname not in decided:
                self.add(
                    ("chance", cname), f"chance lever {cname!r} is not used by any stage", key=True
                )
        if any(plan.ends for plan in plans) and len(plans) == len(self.spec.stages):
            for k, plan in enumerate(plans):
                earlier = {lv for p in plans[:k] for lv in p.levers}
                if plan.observes is not None and set(plan.observes) != earlier:
                    self.add(
                        ("stages", k, "observes"),
                        "a scenario whose stages end the game ('ends:') needs perfect "
                        "information: every stage observes every earlier one (the reduced "
                        "normal form would count strategies at histories never played)",
                    )
        if isinstance(self.spec.payoffs, MatrixPayoffs):
            self.add(
                ("payoffs", "matrix"),
                "sequential scenarios give payoffs as expressions, one per player, not a matrix",
            )
        solution = self.spec.analysis.solution
        if solution is not None and solution != Solution.SUBGAME_PERFECT:
            # The simultaneous-move concepts (pure_nash, correlated, ...) do not apply.
            self.add(
                ("analysis", "solution"),
                f"'{solution}' is for simultaneous-move scenarios; this one has 'stages:' and "
                "is solved with 'subgame_perfect' (backward induction; or leave it out)",
            )
        return tuple(plans)

    def compile(
        self, text: Any, ns: Namespace, path: tuple[str | int, ...]
    ) -> CompiledExpression | None:
        try:
            return compile_expression(text, ns)
        except ExpressionError as exc:
            self.add_expression_error(path, exc)
            return None
