"""The meaning pass: a schema-valid scenario file checked and compiled into a :class:`Scenario`.

:func:`check_meaning` checks what the schema cannot (names, sizes, stages or the
tree, chance probabilities, discounts) and compiles every expression against the
names it may use: terms, payoffs (expressions, a matrix or a table, see
:func:`_table_cells`), outcome rules; it raises :class:`~tradegame.errors.ScenarioError`
with every problem found, each located in the file.
"""

from __future__ import annotations

import hashlib
import math

import numpy as np

from tradegame.errors import ScenarioError
from tradegame.scenario.checks import Checker
from tradegame.scenario.expressions import CompiledExpression, Namespace
from tradegame.scenario.issues import suggest_name
from tradegame.scenario.load import (
    MAX_PROFILES,
    NO_OUTCOME,
    LeverSpec,
    PlayerSpec,
    Scenario,
    StagePlan,
)
from tradegame.scenario.schema import (
    ChanceOption,
    MatrixPayoffs,
    ScenarioFile,
    TablePayoffs,
)
from tradegame.scenario.tree_plan import check_tree_sections, tree_plan
from tradegame.scenario.vocabulary import OUTCOME_CATEGORIES, Solution
from tradegame.scenario.yaml_source import YamlDocument

__all__ = ["check_meaning"]


def _discounts(
    ck: Checker,
    spec: ScenarioFile,
    players: tuple[PlayerSpec, ...],
    stages: tuple[StagePlan, ...] | None,
    numbers: Namespace,
) -> tuple[CompiledExpression | None, ...]:
    """Each player's compiled discount factor per period of delay (None: no discounting)."""
    delays = stages is not None and any(plan.delay for plan in stages)
    out: list[CompiledExpression | None] = []
    for p in players:
        text = spec.players[p.name].discount
        path: tuple[str | int, ...] = ("players", p.name, "discount")
        compiled = None
        if text is not None and not delays and not ck.doc.removed:
            # (After a --fix that removed every delaying option it is unused on purpose.)
            ck.add(
                path,
                "'discount' needs stages with 'delay:' options (what delays the game); "
                "without them it changes nothing",
                key=True,
            )
        elif text is not None:
            # Like chance probabilities, a discount varies by draw only.
            compiled = ck.compile(text, numbers, path)
            if compiled is not None and not compiled.names:
                value = float(compiled.evaluate({}))
                if not 0 < value <= 1:
                    ck.add(path, f"discount {value:g} must be in (0, 1]")
        out.append(compiled)
    return tuple(out)


def _outcome_names(spec: ScenarioFile) -> list[str]:
    """The outcome labels the file declares: rules, then the fallback; or the tree's."""
    if spec.tree is not None:
        return list(spec.tree.outcomes)
    rules = spec.outcomes or {}
    names = [label for label in rules if label != "otherwise"]
    fallback = rules.get("otherwise")
    if fallback is not None and fallback not in names:
        names.append(fallback)
    return names


def _check_record(ck: Checker, spec: ScenarioFile) -> None:
    """Check 'observed:' and 'categories:' against the outcome labels and 'sources:'.

    The observed outcome and every key of 'categories' must be outcome labels, every
    label needs a category from the fixed set, and the observed sources must be keys
    of 'sources:'; 'observed:' needs 'as_of:' before 'resolved' and 'categories:'.
    """
    labels = _outcome_names(spec)
    known = [*labels, NO_OUTCOME] if spec.tree is not None else labels
    listed = ", ".join(labels)
    observed = spec.observed
    if observed is not None:
        if spec.as_of is None:
            ck.add(
                ("observed",),
                "'observed:' needs 'as_of:' (the day before the round: what the forecast knew)",
                key=True,
            )
        elif observed.resolved <= spec.as_of:
            ck.add(
                ("observed", "resolved"),
                f"resolved {observed.resolved} must come after as_of {spec.as_of} (the "
                "window closes after the forecast was made)",
            )
        if spec.categories is None:
            ck.add(
                ("observed",),
                "'observed:' needs 'categories:' (each outcome label -> deal, partial_deal, "
                "extension, no_change or escalation), which the backtest compares rounds by",
                key=True,
            )
        if observed.outcome not in known:
            ck.add(
                ("observed", "outcome"),
                f"observed outcome {observed.outcome!r} is not an outcome label of this "
                f"scenario{suggest_name(observed.outcome, known)} (labels: {listed})",
            )
        keys = list(spec.sources or {})
        for k, key in enumerate(observed.sources):
            if key not in keys:
                ck.add(
                    ("observed", "sources", k),
                    f"{key!r} is not a key of 'sources:'{suggest_name(key, keys)}"
                    + (f" (keys: {', '.join(keys)})" if keys else " (the file has none)"),
                )
    if spec.categories is None:
        return
    for label, category in spec.categories.items():
        if label not in known:
            ck.add(
                ("categories", label),
                f"{label!r} is not an outcome label of this scenario"
                f"{suggest_name(label, known)} (labels: {listed})",
                key=True,
            )
        if category not in OUTCOME_CATEGORIES:
            ck.add(
                ("categories", label),
                f"category {category!r} of {label!r} is not one of "
                f"{', '.join(OUTCOME_CATEGORIES)}"
                + suggest_name(category, list(OUTCOME_CATEGORIES)),
            )
    missing = [label for label in labels if label not in spec.categories]
    if missing:
        ck.add(
            ("categories",),
            f"no category for outcome label{'s' if len(missing) > 1 else ''} "
            f"{', '.join(missing)}: every label needs one",
            key=True,
        )


def check_meaning(doc: YamlDocument, spec: ScenarioFile, name: str) -> Scenario:
    """The scenario of a schema-valid file, checked and compiled (raises ScenarioError)."""
    ck = Checker(doc, spec)
    players = ck.players()
    is_tree = spec.tree is not None
    if is_tree:
        stages = None
        check_tree_sections(ck, spec)
    else:
        stages = ck.stages(players)
        for key in ("payoffs", "outcomes"):
            if getattr(spec, key) is None:
                ck.add((), f"missing required key {key!r} (or give the game as a 'tree:')")
        if len(spec.players) < 2:
            ck.add(
                ("players",),
                "a game needs 2 to 16 players (a one-player decision problem can be given "
                "as a 'tree:')",
            )
        if ck.issues:  # as a schema error: later checks would only repeat it
            raise ScenarioError(ck.issues)
    if stages is None and not is_tree and spec.analysis.solution == Solution.SUBGAME_PERFECT:
        ck.add(
            ("analysis", "solution"),
            "'subgame_perfect' needs 'stages:' or a 'tree:' (the order of "
            "moves); simultaneous games use 'pure_nash'",
        )
    chance_levers = tuple(
        LeverSpec(
            c,
            tuple(cl.options),
            {},
            tuple(v.label if isinstance(v, ChanceOption) else o for o, v in cl.options.items()),
        )
        for c, cl in spec.chance.items()
    )
    n_profiles = math.prod(len(lv.options) for p in players for lv in p.levers) * math.prod(
        len(lv.options) for lv in chance_levers
    )
    if n_profiles > MAX_PROFILES and not is_tree:
        sizes = " x ".join(str(len(lv.options)) for p in players for lv in p.levers)
        ck.add(
            ("players",),
            f"the game has {n_profiles:,} strategy profiles ({sizes} options), "
            f"more than the {MAX_PROFILES:,} tradegame can solve; use fewer levers or options",
        )
        raise ScenarioError(ck.issues)
    ns, term_names = ck.namespace(players)
    # Option fields vary by profile, like levers: not usable where only draws vary.
    option_fields = frozenset(
        f"{lv.name}_{f}" for p in players for lv in p.levers for f in lv.fields
    )
    if isinstance(spec.payoffs, MatrixPayoffs | TablePayoffs) or is_tree:
        # Matrix and table cells (and tree outcomes) are numbers per draw; terms feeding
        # them cannot read levers.
        ns = Namespace(ns.numbers - option_fields, {}, ns.conditions, ns.removed)

    terms: list[tuple[str, CompiledExpression]] = []
    for tname in term_names:
        compiled = ck.compile(spec.terms[tname], ns, ("terms", tname))
        conditions = ns.conditions
        if compiled is not None:
            terms.append((tname, compiled))
            if compiled.is_boolean:
                conditions = conditions | {tname}
        ns = Namespace(ns.numbers | {tname}, ns.levers, conditions, ns.removed)

    # Chance probabilities vary by draw only: parameters and terms that read no lever.
    lever_names = set(ns.levers)
    lever_free = set(ns.numbers) - {t for t, _ in terms} - option_fields
    for tname, texpr in terms:
        if not (texpr.names & lever_names) and texpr.names <= lever_free | {tname}:
            lever_free.add(tname)
    probability_ns = Namespace(frozenset(lever_free), {}, ns.conditions)
    chance_probabilities = []
    for cname, cl in spec.chance.items():
        compiled_probs = [
            ck.compile(
                v.probability if isinstance(v, ChanceOption) else v,
                probability_ns,
                ("chance", cname, "options", opt)
                + (("probability",) if isinstance(v, ChanceOption) else ()),
            )
            for opt, v in cl.options.items()
        ]
        chance_probabilities.append(tuple(c for c in compiled_probs if c is not None))
        if all(c is not None and not c.names for c in compiled_probs):
            # Numbers only: check them now, not in the first draw of a run.
            fixed = [float(c.evaluate({})) for c in compiled_probs if c is not None]
            listed = ", ".join(f"{p:g}" for p in fixed)
            if not all(math.isfinite(p) for p in fixed):
                # Checked first: fsum refuses a sum of inf and -inf with a ValueError.
                ck.add(
                    ("chance", cname, "options"),
                    f"probabilities of chance lever {cname!r} are {listed}: they must be "
                    "finite, non-negative and sum to 1",
                )
            elif any(p < 0 for p in fixed) or not math.isclose(
                math.fsum(fixed), 1.0, rel_tol=0, abs_tol=1e-9
            ):
                ck.add(
                    ("chance", cname, "options"),
                    f"probabilities of chance lever {cname!r} are {listed} "
                    f"(sum {math.fsum(fixed):g}): they must be non-negative and sum to 1",
                )

    discounts = _discounts(ck, spec, players, stages, probability_ns)

    payoffs: tuple[CompiledExpression, ...] | None = None
    cells: tuple[tuple[CompiledExpression, ...], ...] | None = None
    tree = tree_plan(ck, spec, players, chance_levers, probability_ns) if is_tree else None
    if spec.payoffs is None:
        pass
    elif isinstance(spec.payoffs, TablePayoffs):
        cells = _table_cells(ck, spec.payoffs, players, stages, chance_levers, ns)
    elif isinstance(spec.payoffs, MatrixPayoffs):
        if len(players) != 2:
            ck.add(
                ("payoffs", "matrix"),
                f"a payoff matrix needs exactly 2 players, this scenario has {len(players)}",
            )
        elif any(len(p.levers) != 1 for p in players):
            ck.add(
                ("payoffs", "matrix"),
                "a payoff matrix needs players given by 'strategies:' or a single lever each",
            )
        else:
            rows, cols = len(players[0].levers[0].options), len(players[1].levers[0].options)
            if len(spec.payoffs.matrix) != rows:
                ck.add(
                    ("payoffs", "matrix"),
                    f"matrix has {len(spec.payoffs.matrix)} rows; "
                    f"{players[0].name} has {rows} strategies",
                )
            matrix_cells = []
            for r, row in enumerate(spec.payoffs.matrix):
                if len(row) != cols:
                    ck.add(
                        ("payoffs", "matrix", r),
                        f"row {r + 1} has {len(row)} cells; "
                        f"{players[1].name} has {cols} strategies",
                    )
                cell_row = []
                for c, cell in enumerate(row):
                    pair = tuple(
                        ck.compile(v, ns, ("payoffs", "matrix", r, c, i))
                        for i, v in enumerate(cell)
                    )
                    cell_row.append(pair)
                matrix_cells.append(tuple(cell_row))
            if not ck.issues:
                cells = tuple(
                    tuple(x for x in pair if x is not None) for row in matrix_cells for pair in row
                )
    else:
        names = [p.name for p in players]
        missing = [n for n in names if n not in spec.payoffs]
        unknown = [p for p in spec.payoffs if p not in names]
        for pname in unknown:
            hint = f"; did you mean {missing[0]!r}?" if len(missing) == 1 == len(unknown) else ""
            ck.add(
                ("payoffs", pname),
                f"payoff for unknown player {pname!r}{hint} (players: {', '.join(names)})",
                key=True,
            )
        if missing and not unknown:
            ck.add(
                ("payoffs",),
                f"no payoff for player{'s' if len(missing) > 1 else ''} {', '.join(missing)}",
            )
        compiled_payoffs = [
            ck.compile(spec.payoffs[n], ns, ("payoffs", n)) for n in names if n in spec.payoffs
        ]
        if not missing and all(c is not None for c in compiled_payoffs):
            payoffs = tuple(c for c in compiled_payoffs if c is not None)

    outcomes: list[tuple[str, CompiledExpression]] = []
    fallback = ""
    labels = list(spec.outcomes or {})
    if spec.outcomes is None:
        pass
    elif "otherwise" not in spec.outcomes:
        ck.add(
            ("outcomes",),
            "the last outcome rule must be 'otherwise: <label>' (the outcome when no rule holds)",
        )
    elif labels[-1] != "otherwise":
        ck.add(("outcomes", "otherwise"), "'otherwise' must be the last outcome rule", key=True)
    else:
        fallback = spec.outcomes["otherwise"]
        if not fallback.isidentifier():
            ck.add(("outcomes", "otherwise"), f"outcome label {fallback!r} must be a name")
    # Outcome rules label profiles: they read every lever, chance levers included.
    levers = {lv.name: lv.options for p in players for lv in p.levers}
    levers.update({lv.name: lv.options for lv in chance_levers})
    outcome_ns = Namespace(ns.numbers | option_fields, levers, ns.conditions, ns.removed)
    for label, text in (spec.outcomes or {}).items():
        if label == "otherwise":
            continue
        compiled = ck.compile(text, outcome_ns, ("outcomes", label))
        if compiled is not None:
            if not compiled.is_boolean:
                ck.add(
                    ("outcomes", label),
                    f"outcome {label!r} needs a condition (true or "
                    f"false), e.g. tariffs == 'raise'; got a number",
                )
            outcomes.append((label, compiled))

    _check_record(ck, spec)
    if ck.issues:
        raise ScenarioError(ck.issues)
    return Scenario(
        source=name,
        sha256=hashlib.sha256(doc.text.encode("utf-8")).hexdigest(),
        spec=spec,
        players=players,
        terms=tuple(terms),
        payoffs=payoffs,
        cells=cells,
        outcomes=tuple(outcomes),
        fallback_outcome=fallback,
        source_map=doc.source,
        stages=stages,
        chance=chance_levers,
        chance_probabilities=tuple(chance_probabilities),
        text=doc.text,
        discounts=discounts,
        tree=tree,
    )


def _table_cells(
    ck: Checker,
    table: TablePayoffs,
    players: tuple[PlayerSpec, ...],
    stages: tuple[StagePlan, ...] | None,
    chance_levers: tuple[LeverSpec, ...],
    ns: Namespace,
) -> tuple[tuple[CompiledExpression, ...], ...] | None:
    """Per-profile payoffs from a table, or None after recording problems."""
    spec = table.table
    all_levers = {lv.name: lv for p in players for lv in p.levers}
    all_levers.update({lv.name: lv for lv in chance_levers})
    if stages is None:
        order = [lv.name for p in players for lv in p.levers]
    else:
        order = [name for st in stages for name in st.levers]
    base = ("payoffs", "table")
    if sorted(spec.levers) != sorted(order):
        missing = [x for x in order if x not in spec.levers]
        extra = [x for x in spec.levers if x not in order]
        detail = (
            "; ".join(
                part
                for part in (
                    f"missing {', '.join(missing)}" if missing else "",
                    f"unknown {', '.join(extra)}" if extra else "",
                )
                if part
            )
            or "a lever is listed twice"
        )
        ck.add((*base, "levers"), f"the table must list every lever once ({detail})")
        return None
    sizes = [len(all_levers[name].options) for name in order]
    n = len(players)
    width = len(spec.levers) + n
    found: dict[int, tuple[CompiledExpression, ...]] = {}
    lever_free = Namespace(ns.numbers, {}, ns.conditions)
    for r, row in enumerate(spec.rows):
        path = (*base, "rows", r)
        if len(row) != width:
            ck.add(
                path,
                f"row {r + 1} has {len(row)} entries; expected {width} "
                f"({len(spec.levers)} options, then {n} payoffs)",
            )
            continue
        index = []
        for j, name in enumerate(spec.levers):
            options = all_levers[name].options
            value = str(row[j])
            if value not in options:
                ck.add(
                    (*path, j),
                    f"{value!r} is not an option of {name!r} (options: {', '.join(options)})",
                )
                break
            index.append(options.index(value))
        else:
            by_name = dict(zip(spec.levers, index, strict=True))
            flat = int(np.ravel_multi_index([by_name[x] for x in order], sizes))
            if flat in found:
                ck.add(path, f"row {r + 1} repeats a combination of options")
                continue
            compiled = [
                ck.compile(v, lever_free, (*path, len(spec.levers) + i))
                for i, v in enumerate(row[len(spec.levers) :])
            ]
            if all(c is not None for c in compiled):
                found[flat] = tuple(c for c in compiled if c is not None)
    total = math.prod(sizes)
    if not ck.issues and len(found) != total:
        ck.add(
            (*base, "rows"),
            f"the table has {len(found)} of the {total} combinations of "
            "options; every one needs a row",
        )
        return None
    return tuple(found[p] for p in range(total)) if len(found) == total else None
