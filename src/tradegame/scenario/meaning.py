"""The meaning pass: a schema-valid scenario file checked and compiled into a :class:`Scenario`.

:func:`check_meaning` checks what the schema cannot (names, sizes, stages or the
tree, chance probabilities, discounts) and compiles every expression against the
names it may use: terms, payoffs (expressions, a matrix or a table, see
:func:`_table_cells`), outcome rules; it raises :class:`~tradegame.errors.ScenarioError`
with every problem found, each located in the file.
"""

from __future__ import annotations

import hashlib
import itertools
import math

import numpy as np

from tradegame.errors import ScenarioError
from tradegame.scenario.checks import Checker
from tradegame.scenario.expressions import CompiledExpression, Namespace
from tradegame.scenario.issues import suggest_name
from tradegame.scenario.load import (
    MAX_PROFILES,
    NO_OUTCOME,
    BargainingPlan,
    LeverSpec,
    PlayerSpec,
    RepeatedPlan,
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

__all__ = ["bargaining_names", "check_meaning", "strategy_labels"]


def strategy_labels(player: PlayerSpec) -> list[str]:
    """A player's strategies, one option per lever joined by '/', in C order over its levers."""
    return ["/".join(combo) for combo in itertools.product(*(lv.options for lv in player.levers))]


def bargaining_names(players: tuple[PlayerSpec, ...]) -> list[str]:
    """The names a bargaining scenario's outcome rules may read beside parameters and terms.

    ``share_<player>``: the player's fraction of the pie; ``payoff_<player>``: what it
    gets (fraction times pie).
    """
    return [f"{kind}_{p.name}" for kind in ("share", "payoff") for p in players]


def _fixed_value(compiled: CompiledExpression | None) -> float | None:
    """The value of an expression that reads no name (``None`` otherwise)."""
    if compiled is None or compiled.names:
        return None
    return float(compiled.evaluate({}))


def _repeated_plan(
    ck: Checker,
    spec: ScenarioFile,
    players: tuple[PlayerSpec, ...],
    numbers: Namespace,
) -> RepeatedPlan | None:
    """Check and compile 'repeated:' (simultaneous scenarios only)."""
    block = spec.repeated
    if block is None:
        return None
    if spec.stages is not None or spec.tree is not None or spec.bargaining is not None:
        ck.add(
            ("repeated",),
            "'repeated:' repeats a simultaneous game; this scenario has "
            + ("'stages:'" if spec.stages else "a 'tree:'" if spec.tree else "'bargaining:'"),
            key=True,
        )
        return None
    discount = ck.compile(block.discount, numbers, ("repeated", "discount"))
    value = _fixed_value(discount)
    if value is not None and not 0 < value < 1:
        ck.add(("repeated", "discount"), f"discount {value:g} must be strictly between 0 and 1")
    profiles: dict[str, tuple[int, ...] | None] = {}
    for key in ("cooperation", "punishment"):
        given: dict[str, str] | None = getattr(block, key)
        if given is None:
            profiles[key] = None
            continue
        names = [p.name for p in players]
        ok = True
        for pname in given:
            if pname not in names:
                ck.add(
                    ("repeated", key, pname),
                    f"{pname!r} is not a player{suggest_name(pname, names)} "
                    f"(players: {', '.join(names)})",
                    key=True,
                )
                ok = False
        missing = [n for n in names if n not in given]
        if missing and ok:  # an unknown name is most likely the missing player misspelt
            ck.add(
                ("repeated", key),
                f"'{key}' needs a strategy for every player; missing {', '.join(missing)}",
            )
            ok = False
        profile = []
        for p in players:
            if p.name not in given:
                continue
            labels = strategy_labels(p)
            chosen = given[p.name]
            if chosen not in labels:
                shown = ", ".join(labels[:10]) + (", ..." if len(labels) > 10 else "")
                ck.add(
                    ("repeated", key, p.name),
                    f"{chosen!r} is not a strategy of {p.name}{suggest_name(chosen, labels)} "
                    f"(strategies: {shown})",
                )
                ok = False
            else:
                profile.append(labels.index(chosen))
        profiles[key] = tuple(profile) if ok else None
    if discount is None or profiles["cooperation"] is None:
        return None
    if block.punishment is not None and profiles["punishment"] is None:
        return None
    return RepeatedPlan(discount, profiles["cooperation"], profiles["punishment"])


def _bargaining_plan(
    ck: Checker,
    spec: ScenarioFile,
    players: tuple[PlayerSpec, ...],
    numbers: Namespace,
) -> tuple[BargainingPlan | None, tuple[CompiledExpression | None, ...]]:
    """Check and compile 'bargaining:' and the two players' discount factors."""
    block = spec.bargaining
    assert block is not None
    for key in ("stages", "tree", "payoffs"):
        if getattr(spec, key) is not None:
            ck.add(
                (key,),
                f"a 'bargaining:' scenario has no '{key}:' (the alternating-offers game and "
                "its payoffs, share times pie, follow from the block and the discounts)",
                key=True,
            )
    if spec.chance:
        ck.add(("chance",), "a 'bargaining:' scenario has no chance levers", key=True)
    if len(players) != 2:
        ck.add(
            ("players",),
            f"'bargaining:' divides a pie between 2 players; this scenario has {len(players)}",
        )
    discounts: list[CompiledExpression | None] = []
    for p in players:
        pspec = spec.players[p.name]
        if pspec.levers is not None or pspec.strategies is not None:
            ck.add(
                ("players", p.name, "levers" if pspec.levers is not None else "strategies"),
                f"player {p.name!r} of a 'bargaining:' scenario has no levers or strategies "
                "(its moves, offers and answers, are the alternating-offers game's)",
                key=True,
            )
        path: tuple[str | int, ...] = ("players", p.name, "discount")
        if pspec.discount is None:
            ck.add(
                ("players", p.name),
                f"player {p.name!r} needs 'discount:' (its discount factor per rejected "
                "offer, in (0, 1)) in a 'bargaining:' scenario",
                key=True,
            )
            discounts.append(None)
            continue
        compiled = ck.compile(pspec.discount, numbers, path)
        value = _fixed_value(compiled)
        if value is not None and not 0 < value < 1:
            ck.add(path, f"discount {value:g} must be strictly between 0 and 1")
        discounts.append(compiled)
    pie = ck.compile(block.pie, numbers, ("bargaining", "pie"))
    value = _fixed_value(pie)
    if value is not None and not (math.isfinite(value) and value > 0):
        ck.add(("bargaining", "pie"), f"pie {value:g} must be positive")
    names = [p.name for p in players]
    if block.proposer not in names:
        ck.add(
            ("bargaining", "proposer"),
            f"proposer {block.proposer!r} is not a player{suggest_name(block.proposer, names)} "
            f"(players: {', '.join(names)})",
        )
        return None, tuple(discounts)
    if pie is None:
        return None, tuple(discounts)
    return BargainingPlan(pie, names.index(block.proposer)), tuple(discounts)


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
    is_bargaining = spec.bargaining is not None and not is_tree
    if not is_bargaining:
        for pname, pspec in spec.players.items():
            if pspec.levers is None and pspec.strategies is None:
                ck.add(
                    ("players", pname),
                    f"player {pname!r} needs 'strategies:' or 'levers:' (only the players "
                    "of a 'bargaining:' scenario have neither)",
                    key=True,
                )
    if is_tree:
        stages = None
        check_tree_sections(ck, spec)
    else:
        stages = ck.stages(players)
        for key in ("payoffs", "outcomes"):
            if getattr(spec, key) is None and not (is_bargaining and key == "payoffs"):
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

    bargaining: BargainingPlan | None = None
    if is_bargaining:
        bargaining, discounts = _bargaining_plan(ck, spec, players, probability_ns)
        taken = set(ns.numbers)
        for extra in bargaining_names(players):
            if extra in taken:
                ck.add(
                    ("parameters", extra) if extra in spec.parameters else ("terms", extra),
                    f"{extra!r} is the name outcome rules of a 'bargaining:' scenario read "
                    "for a player's share or payoff; name this otherwise",
                    key=True,
                )
    else:
        discounts = _discounts(ck, spec, players, stages, probability_ns)
    repeated = _repeated_plan(ck, spec, players, probability_ns)

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
    if is_bargaining:
        outcome_ns = Namespace(
            ns.numbers | frozenset(bargaining_names(players)), {}, ns.conditions, ns.removed
        )
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
        repeated=repeated,
        bargaining=bargaining,
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
