"""A scenario's 'tree:' checked and compiled into a :class:`~tradegame.scenario.load.TreePlan`.

:func:`check_tree_sections` refuses the sections a scenario with a tree does not
have; :func:`tree_plan` walks the nodes (in preorder, with an explicit stack, so
deep trees are fine), checks moves, options and outcomes, and compiles each
outcome's payoffs.
"""

from __future__ import annotations

from tradegame.scenario.checks import Checker
from tradegame.scenario.expressions import Namespace
from tradegame.scenario.issues import suggest_name
from tradegame.scenario.load import (
    MAX_TREE_NODES,
    NO_OUTCOME,
    LeverSpec,
    PlayerSpec,
    TreeNodePlan,
    TreeOutcomePlan,
    TreePlan,
)
from tradegame.scenario.schema import ScenarioFile, TreeNode
from tradegame.scenario.vocabulary import Solution

__all__ = ["check_tree_sections", "tree_plan"]


def check_tree_sections(ck: Checker, spec: ScenarioFile) -> None:
    """A scenario with a 'tree:' has no stages, payoffs or outcome rules of its own."""
    for key, why in (
        ("stages", "the tree gives the order of moves"),
        ("payoffs", "the tree's outcomes carry the payoffs"),
        ("outcomes", "the outcome of a play is the outcome of the node where it ends"),
    ):
        if getattr(spec, key) is not None:
            ck.add((key,), f"a scenario with a 'tree:' has no '{key}:' ({why})", key=True)
    solution = spec.analysis.solution
    if solution is not None and solution != Solution.SUBGAME_PERFECT:
        ck.add(
            ("analysis", "solution"),
            f"'{solution}' is for simultaneous-move scenarios; a scenario with a 'tree:' is "
            "solved with 'subgame_perfect' (backward induction; or leave it out)",
        )
    for pname, player in spec.players.items():
        if player.discount is not None:
            ck.add(
                ("players", pname, "discount"),
                "'discount' needs stages with 'delay:' options; in a 'tree:' write the "
                "discounted payoffs into the outcomes",
                key=True,
            )


def tree_plan(
    ck: Checker,
    spec: ScenarioFile,
    players: tuple[PlayerSpec, ...],
    chance_levers: tuple[LeverSpec, ...],
    numbers: Namespace,
) -> TreePlan | None:
    """Check a scenario's 'tree:' and compile its outcomes' payoffs (None after problems).

    The nodes are walked in preorder with an explicit stack (trees may be deep).
    """
    assert spec.tree is not None
    tree = spec.tree
    base: tuple[str | int, ...] = ("tree",)
    owner = {lv.name: p.name for p in players for lv in p.levers}
    options = {lv.name: lv.options for p in players for lv in p.levers}
    options.update({lv.name: lv.options for lv in chance_levers})
    outcome_index = {name: k for k, name in enumerate(tree.outcomes)}
    if NO_OUTCOME in outcome_index:
        ck.add(
            (*base, "outcomes", NO_OUTCOME),
            f"{NO_OUTCOME!r} is reserved for plays that end without an outcome; choose another "
            "name",
            key=True,
        )
    for p in players:
        for lv in p.levers:
            if lv.fields:
                ck.add(
                    ("players", p.name, "levers", lv.name),
                    f"option fields ({', '.join(lv.fields)}) of lever {lv.name!r} have no use "
                    "in a tree, whose payoffs read no lever; write the numbers into the outcomes",
                )
    names = [p.name for p in players]
    compiled: list[TreeOutcomePlan] = []
    for oname, out in tree.outcomes.items():
        path = (*base, "outcomes", oname, "payoffs")
        missing = [n for n in names if n not in out.payoffs]
        for pname in out.payoffs:
            if pname not in names:
                ck.add(
                    (*path, pname),
                    f"payoff for unknown player {pname!r}{suggest_name(pname, missing)} "
                    f"(players: {', '.join(names)})",
                    key=True,
                )
        if missing:
            if all(pname in names for pname in out.payoffs):  # else a misspelling, reported
                ck.add(path, f"no payoff for {', '.join(missing)} (every player needs one)")
            continue
        exprs = [ck.compile(out.payoffs[n], numbers, (*path, n)) for n in names]
        compiled.append(
            TreeOutcomePlan(
                oname,
                oname if out.label is None else out.label,
                tuple(e for e in exprs if e is not None),
            )
        )
    nodes: list[TreeNodePlan] = []
    used_levers: set[str] = set()
    used_outcomes: set[str] = set()
    stack: list[tuple[TreeNode | str, tuple[int, ...], tuple[str | int, ...]]] = [
        (tree.root, (), (*base, "root"))
    ]
    while stack:
        node, history, path = stack.pop()
        if len(nodes) >= MAX_TREE_NODES:
            ck.add((*base, "root"), f"the tree has more than {MAX_TREE_NODES:,} nodes")
            return None
        if isinstance(node, str):  # a terminal node given by its outcome's name
            node = TreeNode(outcome=node)
            outcome_path = path
        else:
            outcome_path = (*path, "outcome")
        outcome = None
        if node.outcome is not None:
            if node.outcome not in outcome_index:
                ck.add(
                    outcome_path,
                    f"unknown outcome {node.outcome!r}"
                    f"{suggest_name(node.outcome, list(outcome_index))} (outcomes are "
                    "declared under 'tree: outcomes:')",
                )
            else:
                outcome = outcome_index[node.outcome]
                used_outcomes.add(node.outcome)
        lever = node.move
        if lever is None:
            if node.then is not None:
                ck.add((*path, "then"), "a node with 'then:' needs 'move:' (whose move it is)")
            nodes.append(TreeNodePlan(history, path, None, None, node.label or "", outcome))
            continue
        if lever not in options:
            ck.add(
                (*path, "move"),
                f"unknown lever {lever!r}{suggest_name(lever, list(options))} (a player's "
                "lever or a chance lever)",
            )
            continue
        used_levers.add(lever)
        nodes.append(
            TreeNodePlan(history, path, lever, owner.get(lever), node.label or "", outcome)
        )
        if node.then is None:
            ck.add(
                (*path, "move"), f"the move {lever!r} needs 'then:': the node each option leads to"
            )
            continue
        opts = options[lever]
        unknown = [o for o in node.then if o not in opts]
        missing = [o for o in opts if o not in node.then]
        for o in unknown:
            ck.add(
                (*path, "then", o),
                f"{o!r} is not an option of {lever!r}{suggest_name(o, missing)} "
                f"(options: {', '.join(opts)})",
                key=True,
            )
        if missing and not unknown:
            ck.add(
                (*path, "then"), f"no node for option {', '.join(map(repr, missing))} of {lever!r}"
            )
        if unknown or missing:
            continue
        # Children in the lever's option order; pushed reversed so preorder pops first.
        for a in reversed(range(len(opts))):
            stack.append((node.then[opts[a]], (*history, a), (*path, "then", opts[a])))
    if ck.issues:  # the walk stopped early: what it did not reach is not unused
        return None
    # A --fix cut branches of the tree: what only they reached is unused on purpose.
    if not ck.doc.removed:
        for p in players:
            for lv in p.levers:
                if lv.name not in used_levers:
                    ck.add(
                        ("players", p.name, "levers", lv.name),
                        f"lever {lv.name!r} is never moved in the tree",
                        key=True,
                    )
        for lv in chance_levers:
            if lv.name not in used_levers:
                ck.add(
                    ("chance", lv.name),
                    f"chance lever {lv.name!r} is never moved in the tree",
                    key=True,
                )
        for oname in tree.outcomes:
            if oname not in used_outcomes:
                ck.add(
                    (*base, "outcomes", oname),
                    f"outcome {oname!r} is never reached: no node of the tree pays it",
                    key=True,
                )
    for lname in tree.infoset_labels:
        if lname not in options:
            ck.add(
                (*base, "infoset_labels", lname),
                f"unknown lever {lname!r}{suggest_name(lname, list(options))}",
                key=True,
            )
    if ck.issues:
        return None
    return TreePlan(tuple(nodes), tuple(compiled), dict(tree.infoset_labels))
