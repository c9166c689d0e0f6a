"""Hypothesis generators of small scenario files whose central game is too large to build.

Each generator gives ``(text, size)``: the YAML text of a scenario that loads
(under the 5,000,000 profile limit and the YAML limits) and the number the
budget of :mod:`tradegame.model.budget` counts for it, over
:data:`~tradegame.model.budget.MAX_CENTRAL_ENTRIES`:

* :func:`oversized_stage_scenarios`: two players moving in turn over stages of
  2 to 4 options (payoff entries = 2 x histories);
* :func:`oversized_simultaneous_scenarios`: 2 to 4 players with several levers
  each (payoff entries = players x profiles);
* :func:`oversized_tree_scenarios`: trees of about a hundred nodes with
  imperfect information, whose reduced normal form is large (payoff entries =
  2 x plans of one x plans of the other).

``tests/hardening/test_command_budgets.py`` checks that they generate what they
claim.
"""

from __future__ import annotations

import math

from hypothesis import strategies as st

from tradegame.model.budget import MAX_CENTRAL_ENTRIES
from tradegame.scenario.load import MAX_PROFILES


def _options(k: int) -> str:
    return "[" + ", ".join(f"o{j}" for j in range(k)) + "]"


def stage_scenario(options: list[int]) -> str:
    """Two players alternating over stages with the given numbers of options."""
    lines = ["tradegame: 1", "title: many stages", "players:"]
    for p in ("a", "b"):
        lines += [f"  {p}:", "    levers:"]
        lines += [f"      {p}{s}: {_options(k)}" for s, k in enumerate(options) if "ab"[s % 2] == p]
    lines.append("stages:")
    for s in range(len(options)):
        p = "ab"[s % 2]
        lines += [f"  - player: {p}", f"    levers: [{p}{s}]"]
    a_terms = [f"({'ab'[s % 2]}{s} == 'o0')" for s in range(0, len(options), 2)]
    b_terms = [f"({'ab'[s % 2]}{s} == 'o1')" for s in range(1, len(options), 2)] or ["1"]
    lines += ["payoffs:", f"  a: {' + '.join(a_terms)}", f"  b: {' + '.join(b_terms)}"]
    lines += ["outcomes:", "  deal: a0 == 'o0'", "  otherwise: none"]
    return "\n".join(lines) + "\n"


@st.composite
def oversized_stage_scenarios(draw: st.DrawFn) -> tuple[str, int]:
    """Stage scenarios with more than MAX_CENTRAL_ENTRIES payoffs (and at most 5 M histories)."""
    options = draw(st.lists(st.integers(2, 4), min_size=1, max_size=5))
    # Binary stages up to just over the limit: every example is over it (by at most
    # a factor 2, so under the 5 M profiles of loading).
    while 2 * math.prod(options) <= MAX_CENTRAL_ENTRIES:
        options.append(2)
    return stage_scenario(options), 2 * math.prod(options)


def simultaneous_scenario(levers: list[list[int]]) -> str:
    """One player per list, with one lever per number (its number of options)."""
    lines = ["tradegame: 1", "title: many profiles", "players:"]
    for i, player in enumerate(levers):
        lines += [f"  p{i}:", "    levers:"]
        lines += [f"      l{i}_{j}: {_options(k)}" for j, k in enumerate(player)]
    lines.append("payoffs:")
    lines += [f"  p{i}: (l{i}_0 == 'o0') + 0.5" for i in range(len(levers))]
    lines += ["outcomes:", "  deal: l0_0 == 'o0'", "  otherwise: none"]
    return "\n".join(lines) + "\n"


@st.composite
def oversized_simultaneous_scenarios(draw: st.DrawFn) -> tuple[str, int]:
    """Simultaneous scenarios with more than MAX_CENTRAL_ENTRIES payoffs (at most 5 M profiles)."""
    n = draw(st.integers(2, 4))
    levers = [draw(st.lists(st.integers(2, 12), min_size=1, max_size=2)) for _ in range(n)]
    player = 0
    while n * math.prod(k for p in levers for k in p) <= MAX_CENTRAL_ENTRIES:
        levers[player].append(draw(st.integers(2, 3)))
        player = (player + 1) % n
    while math.prod(k for p in levers for k in p) > MAX_PROFILES:
        # One option fewer on the largest lever: each step divides the profiles by at most
        # 3/2, so they stay over MAX_CENTRAL_ENTRIES / n (at most 2**20 / 2) on the way down.
        p = max(levers, key=max)
        p[p.index(max(p))] -= 1
    entries = n * math.prod(k for p in levers for k in p)
    assert entries > MAX_CENTRAL_ENTRIES
    return simultaneous_scenario(levers), entries


def tree_scenario(k: int) -> str:
    """A chance move of ``k`` options, then a private lever of each player per option,
    and a lever of the second player shared by all ``k`` branches (imperfect
    information): 2**k plans for the first player, 2**(k + 1) for the second.
    """
    lines = ["tradegame: 1", "title: many plans", "players:", "  a:", "    levers:"]
    lines += [f"      a{i}: [x, y]" for i in range(k)]
    lines += ["  b:", "    levers:", "      shared: [x, y]"]
    lines += [f"      b{i}: [x, y]" for i in range(k)]
    probs = ", ".join(f"o{i}: {1 / k!r}" for i in range(k))
    lines += ["chance:", "  c:", f"    options: {{{probs}}}"]
    lines += [
        "tree:",
        "  outcomes:",
        "    w: {payoffs: {a: 1, b: 0}}",
        "    l: {payoffs: {a: 0, b: 1}}",
        "  root:",
        "    move: c",
        "    then:",
    ]
    for i in range(k):
        lines.append(
            f"      o{i}: {{move: a{i}, then: {{x: {{move: b{i}, then: {{x: w, y: l}}}}, "
            "y: {move: shared, then: {x: l, y: w}}}}"
        )
    return "\n".join(lines) + "\n"


@st.composite
def oversized_tree_scenarios(draw: st.DrawFn) -> tuple[str, int]:
    """Tree scenarios of about 100 nodes whose reduced normal form is over the limit."""
    k = draw(st.integers(10, 12))
    return tree_scenario(k), 2 * 2**k * 2 ** (k + 1)
