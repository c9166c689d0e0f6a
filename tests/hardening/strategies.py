"""Hypothesis strategies for fuzzing tradegame scenario files.

Two families:

* **valid scenarios** (:func:`scenarios`, :func:`expression_scenarios`,
  :func:`matrix_scenarios`): Python dicts that the loader must accept and the
  simulator must run, plus their YAML text (:func:`scenario_texts`);
* **mutations** (:func:`mutants` and the ``mutate_*`` / ``*_files`` strategies):
  valid scenarios broken in one way (wrong types, missing or duplicate keys,
  unknown names, odd numbers, deep nesting, truncation, garbage bytes, alias
  bombs, very long lines). The CLI must answer every one of them with exit code
  0 or 2 and located one-line messages.

Every generated name is unique in the scenario's namespace by construction: each
kind of name has its own prefix (``pl`` players, ``lv`` levers, ``f`` option
fields, ``par`` parameters, ``tm`` terms), followed by an index and a random
suffix, so that ``<lever>_<field>`` can never collide with a parameter or term.
"""

from __future__ import annotations

import copy
import datetime as dt
import math
import string
from dataclasses import dataclass, field
from typing import Any

import yaml
from hypothesis import strategies as st

__all__ = [
    "MAX_PROFILES",
    "NASTY_FLOATS",
    "Mutant",
    "ScenarioCase",
    "alias_bomb_files",
    "binary_garbage_files",
    "byte_flip_files",
    "dump_yaml",
    "expression_scenarios",
    "long_line_files",
    "matrix_scenarios",
    "mutants",
    "profile_count",
    "scenario_cases",
    "scenario_texts",
    "scenarios",
    "structural_mutants",
    "textual_mutants",
    "truncated_files",
]

#: Numbers at the edges of float64 (and beyond, as YAML integers).
NASTY_FLOATS: tuple[Any, ...] = (
    1e308,
    -1e308,
    1e-308,
    -1e-308,
    5e-324,
    -0.0,
    0.0,
    math.nan,
    math.inf,
    -math.inf,
    1.7976931348623157e308,
    2.2250738585072014e-308,
    10**400,
    -(10**400),
    2**63,
    -(2**63) - 1,
)

#: Most strategy profiles of a generated valid scenario: larger games are refused by the
#: simulator's memory budget (a ScenarioError, exit 2), which is not what valid cases test.
MAX_PROFILES = 200

_BOOL = st.booleans()


def _pick(draw: st.DrawFn, items: Any) -> Any:
    """One element of a non-empty sequence (cheaper than building ``sampled_from``)."""
    items = list(items)
    return items[draw(st.integers(0, len(items) - 1))]


_SUFFIX = st.text(alphabet=string.ascii_letters + string.digits + "_", max_size=4)


def _TEXT(min_size: int = 0, max_size: int | None = None) -> st.SearchStrategy[str]:
    """Free text of a valid scenario: no control characters but tab and newline, no
    surrogates (scenario text may not hold them: see ``input_strategies.py``)."""
    chars = st.characters(exclude_categories=("Cc", "Cs"), include_characters="\t\n")
    return st.text(chars, min_size=min_size, max_size=max_size)


# --- YAML ----------------------------------------------------------------------


class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]
    """Safe dumper that never emits anchors/aliases for shared sub-objects."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def dump_yaml(data: Any, *, flow: bool | None = False, width: int = 100) -> str:
    """Serialise ``data`` as YAML in file order (block style unless ``flow``)."""
    return yaml.dump(
        data,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=flow,
        width=width,
    )


# --- valid scenarios -------------------------------------------------------------


@dataclass
class _Names:
    """What an expression may use at some point of a scenario."""

    numbers: list[str] = field(default_factory=list)
    """Numeric names: parameters, numeric terms, option fields."""
    conditions: list[str] = field(default_factory=list)
    """Condition terms (truth values)."""
    levers: dict[str, list[str]] = field(default_factory=dict)
    """Lever -> option names (empty in matrix games, whose cells are numbers per draw)."""


def _number(draw: st.DrawFn, low: float = -100.0, high: float = 100.0) -> float:
    """A moderate finite float, sometimes an integer-valued one."""
    if draw(_BOOL):
        return float(draw(st.integers(int(low), int(high))))
    return draw(st.floats(low, high, allow_nan=False, allow_infinity=False, allow_subnormal=False))


_DIST_KINDS = (
    "normal",
    "truncnormal",
    "lognormal",
    "uniform",
    "triangular",
    "beta",
    "fixed",
    "choice",
    "bare",
)
_NUMERIC_OPS = ("add", "sub", "mul", "div", "neg", "minmax", "abs", "fn", "clip", "if")


def _distribution(draw: st.DrawFn) -> Any:
    """One parameter: a distribution mapping of any kind, or a bare number."""
    kind = _pick(draw, _DIST_KINDS)
    sd = draw(st.floats(0.01, 50, allow_nan=False))
    if kind == "bare":
        return _number(draw)
    if kind == "normal":
        d: dict[str, Any] = {"dist": "normal", "mean": _number(draw), "sd": sd}
    elif kind == "truncnormal":
        mean = _number(draw)
        low = mean - draw(st.floats(0.1, 3)) * sd
        high = mean + draw(st.floats(0.1, 3)) * sd
        d = {"dist": "truncnormal", "mean": mean, "sd": sd, "low": low, "high": high}
    elif kind == "lognormal":
        d = {
            "dist": "lognormal",
            "median": draw(st.floats(0.01, 100)),
            "sigma": draw(st.floats(0.01, 1.5)),
        }
    elif kind == "uniform":
        low = _number(draw)
        d = {"dist": "uniform", "low": low, "high": low + draw(st.floats(0.01, 100))}
    elif kind == "triangular":
        low = _number(draw)
        high = low + draw(st.floats(0.01, 100))
        mode = low + draw(st.floats(0, 1)) * (high - low)
        d = {"dist": "triangular", "low": low, "mode": min(max(mode, low), high), "high": high}
    elif kind == "beta":
        d = {"dist": "beta", "a": draw(st.floats(0.1, 20)), "b": draw(st.floats(0.1, 20))}
        if draw(_BOOL):
            d["low"] = _number(draw)
            d["high"] = d["low"] + draw(st.floats(0.01, 100))
    elif kind == "fixed":
        d = {"dist": "fixed", "value": _number(draw)}
    else:
        values = [_number(draw) for _ in range(draw(st.integers(1, 5)))]
        d = {"dist": "choice", "values": values}
        if draw(_BOOL):
            weights = [draw(st.integers(0, 4)) for _ in values]
            if sum(weights) == 0:
                weights[0] = 1
            total = sum(weights)
            probs = [w / total for w in weights]
            probs[-1] = max(0.0, 1.0 - math.fsum(probs[:-1]))
            d["probabilities"] = probs
    if draw(st.integers(0, 4)) == 0:
        d["description"] = draw(_TEXT(max_size=20))
        d["unit"] = "$ bn"
        d["source"] = "assumption: generated"
    return d


def _q(option: str) -> str:
    return f"'{option}'"


def _condition(draw: st.DrawFn, names: _Names, depth: int = 2) -> str:
    """A condition (truth value) over the levers, numbers and condition terms."""
    choices = ["true"]
    if names.levers:
        choices += ["eq", "ne", "in"]
    if names.numbers:
        choices += ["cmp"]
    if names.conditions:
        choices += ["term"]
    if depth > 0:
        choices += ["and", "or", "not"]
    kind = _pick(draw, choices)
    if kind == "true":
        return _pick(draw, ["True", "False"])
    if kind in ("eq", "ne", "in"):
        lever = _pick(draw, sorted(names.levers))
        options = names.levers[lever]
        if kind == "in":
            some = [_pick(draw, options) for _ in range(draw(st.integers(1, 3)))]
            inner = ", ".join(_q(o) for o in some)
            return f"{lever} in ({inner},)" if len(some) == 1 else f"{lever} in ({inner})"
        op = "==" if kind == "eq" else "!="
        return f"{lever} {op} {_q(_pick(draw, options))}"
    if kind == "cmp":
        op = _pick(draw, ["<", "<=", ">", ">=", "==", "!="])
        return f"{_numeric(draw, names, 1)} {op} {_numeric(draw, names, 0)}"
    if kind == "term":
        return _pick(draw, names.conditions)
    if kind == "not":
        return f"not ({_condition(draw, names, depth - 1)})"
    a = _condition(draw, names, depth - 1)
    b = _condition(draw, names, depth - 1)
    return f"({a}) {kind} ({b})"


def _numeric(draw: st.DrawFn, names: _Names, depth: int = 3) -> str:
    """A numeric expression that stays finite for moderate inputs.

    Grammar: atoms (numbers, numeric names, conditions counted as 0/1) combined
    with ``+ - *``, division by a nonzero constant, ``min max abs clip where``,
    ``sqrt(abs(.))``, ``log(1 + abs(.))`` and ``a if cond else b``.
    """
    atoms = ["const"]
    if names.numbers:
        atoms += ["name", "name"]
    if names.levers or names.conditions:
        atoms += ["cond"]
    if depth <= 0:
        kind = _pick(draw, atoms)
    else:
        kind = _pick(draw, [*atoms, *_NUMERIC_OPS])
    if kind == "const":
        value = _number(draw, -10, 10)
        return f"({value!r})" if value < 0 or str(value).startswith("-") else repr(value)
    if kind == "name":
        return _pick(draw, names.numbers)
    if kind == "cond":
        return f"({_condition(draw, names, 0)})"

    def sub() -> str:
        return _numeric(draw, names, depth - 1)

    if kind in ("add", "sub", "mul"):
        op = {"add": "+", "sub": "-", "mul": "*"}[kind]
        return f"({sub()} {op} {sub()})"
    if kind == "div":
        return f"({sub()} / {_pick(draw, ['2', '3.5', '10', '0.5'])})"
    if kind == "neg":
        return f"-({sub()})"
    if kind == "minmax":
        fn = _pick(draw, ["min", "max"])
        args = [sub() for _ in range(draw(st.integers(2, 3)))]
        return f"{fn}({', '.join(args)})"
    if kind == "abs":
        return f"abs({sub()})"
    if kind == "fn":
        fn = _pick(draw, ["sqrt(abs({}))", "log(1 + abs({}))", "exp(-abs({}))"])
        return fn.format(sub())
    if kind == "clip":
        return f"clip({sub()}, -5, 5)"
    cond = _condition(draw, names, 1)
    if draw(_BOOL):
        return f"where({cond}, {sub()}, {sub()})"
    return f"({sub()} if {cond} else {sub()})"


@st.composite
def _common(draw: st.DrawFn, data: dict[str, Any]) -> None:
    """Optional top-level documentation keys, added in place."""
    if draw(_BOOL):
        data["description"] = draw(_TEXT(max_size=60))
    if draw(_BOOL):
        data["as_of"] = draw(st.dates(dt.date(1990, 1, 1), dt.date(2100, 12, 31)))
    if draw(_BOOL):
        data["units"] = "$ billion a year"
    if draw(_BOOL):
        data["sources"] = {"src": "A source", "other": draw(_TEXT(max_size=30))}


@st.composite
def _parameters(draw: st.DrawFn, suffix: str) -> dict[str, Any]:
    n = draw(st.integers(0, 8))
    return {f"par{i}_{suffix}": _distribution(draw) for i in range(n)}


@st.composite
def _analysis(draw: st.DrawFn) -> dict[str, Any] | None:
    """An analysis block (or None): selection rule, samples, seed, each optional."""
    if not draw(_BOOL):
        return None
    out: dict[str, Any] = {}
    if draw(_BOOL):
        out["solution"] = "pure_nash"
    if draw(_BOOL):
        out["selection"] = _pick(draw, ["uniform", "payoff_dominant"])
    if draw(_BOOL):
        out["samples"] = draw(st.integers(1, 50_000))
    if draw(_BOOL):
        out["seed"] = draw(st.integers(0, 2**63 - 1))
    return out


@st.composite
def _outcomes(draw: st.DrawFn, names: _Names, suffix: str) -> dict[str, str]:
    """Outcome rules (0-4 conditions) ending in ``otherwise: <label>``."""
    n = draw(st.integers(0, 4))
    rules = {f"out{i}{suffix}": _condition(draw, names) for i in range(n)}
    rules["otherwise"] = f"rest{suffix}"
    return rules


@st.composite
def _terms(draw: st.DrawFn, names: _Names, suffix: str) -> dict[str, str]:
    """0-4 terms, each numeric or a condition, using earlier names; updates ``names``."""
    terms: dict[str, str] = {}
    for i in range(draw(st.integers(0, 4))):
        name = f"tm{i}_{suffix}"
        if draw(_BOOL) and (names.levers or names.numbers or names.conditions):
            terms[name] = _condition(draw, names, 1)
            names.conditions.append(name)
        else:
            terms[name] = _numeric(draw, names, 2)
            names.numbers.append(name)
    return terms


@st.composite
def expression_scenarios(draw: st.DrawFn) -> dict[str, Any]:
    """A valid scenario with 2-3 players, 1-3 levers each, payoffs as expressions.

    Levers are plain option lists or option mappings with numeric fields (every
    option of a lever has the same fields; ``null`` options when there are none);
    parameters cover every distribution kind and bare numbers; terms, payoffs
    and outcome rules come from the expression grammar of :func:`_numeric` and
    :func:`_condition`.
    """
    s = draw(_SUFFIX)
    data: dict[str, Any] = {"tradegame": 1, "title": draw(_TEXT(min_size=1, max_size=40))}
    draw(_common(data))
    names = _Names()
    players: dict[str, Any] = {}
    lever_no = 0
    profiles = 1
    for p in range(draw(st.integers(2, 3))):
        levers: dict[str, Any] = {}
        for _ in range(draw(st.integers(1, 3))):
            lname = f"lv{lever_no}{s}"
            lever_no += 1
            n_opt = draw(st.integers(1, max(1, min(4, MAX_PROFILES // profiles))))
            profiles *= n_opt
            options = [f"o{k}{s}" for k in range(n_opt)]
            names.levers[lname] = options
            if draw(_BOOL):
                levers[lname] = options
            else:
                fields = [f"f{j}{s}" for j in range(draw(st.integers(0, 2)))]
                levers[lname] = {
                    o: ({f: _number(draw, -5, 5) for f in fields} if fields else None)
                    for o in options
                }
                names.numbers.extend(f"{lname}_{f}" for f in fields)
        player: dict[str, Any] = {"levers": levers}
        if draw(_BOOL):
            player = {"label": draw(_TEXT(max_size=20)), **player}
        if draw(st.integers(0, 3)) == 0:
            player["description"] = draw(_TEXT(max_size=20))
        players[f"pl{p}{s}"] = player
    data["players"] = players
    params = draw(_parameters(s))
    names.numbers.extend(params)
    if params:
        data["parameters"] = params
    terms = draw(_terms(names, s))
    if terms:
        data["terms"] = terms
    payoffs: dict[str, Any] = {}
    for pname in players:
        payoffs[pname] = _numeric(draw, names) if draw(_BOOL) else _number(draw, -10, 10)
    data["payoffs"] = payoffs
    data["outcomes"] = draw(_outcomes(names, s))
    analysis = draw(_analysis())
    if analysis is not None:
        data["analysis"] = analysis
    return data


@st.composite
def matrix_scenarios(draw: st.DrawFn) -> dict[str, Any]:
    """A valid two-player matrix game with ``strategies:`` shorthand.

    Cells are numbers or expressions over parameters and terms (no levers:
    a matrix cell is a number per draw); outcome rules compare the players'
    strategies (each player's single lever is named after the player).
    """
    s = draw(_SUFFIX)
    data: dict[str, Any] = {"tradegame": 1, "title": draw(_TEXT(min_size=1, max_size=40))}
    draw(_common(data))
    rows = [f"r{k}{s}" for k in range(draw(st.integers(1, 4)))]
    cols = [f"c{k}{s}" for k in range(draw(st.integers(1, 4)))]
    row_p, col_p = f"pl0{s}", f"pl1{s}"
    data["players"] = {
        row_p: {"label": "Row", "strategies": rows},
        col_p: {"strategies": cols},
    }
    if draw(_BOOL):  # a single lever each is the other form matrices accept
        data["players"][col_p] = {"levers": {f"lv1{s}": cols}}
        col_lever = f"lv1{s}"
    else:
        col_lever = col_p
    names = _Names()
    params = draw(_parameters(s))
    names.numbers.extend(params)
    if params:
        data["parameters"] = params
    terms = draw(_terms(names, s))
    if terms:
        data["terms"] = terms

    def cell() -> Any:
        return _number(draw, -10, 10) if draw(_BOOL) else _numeric(draw, names, 2)

    data["payoffs"] = {"matrix": [[[cell(), cell()] for _ in cols] for _ in rows]}
    outcome_names = _Names(
        numbers=names.numbers,
        conditions=names.conditions,
        levers={row_p: rows, col_lever: cols},
    )
    data["outcomes"] = draw(_outcomes(outcome_names, s))
    analysis = draw(_analysis())
    if analysis is not None:
        data["analysis"] = analysis
    return data


@st.composite
def tree_scenarios(draw: st.DrawFn) -> dict[str, Any]:
    """A valid scenario with a ``tree:``: 1-3 players, chance levers, any tree shape.

    The tree (depth at most 4, 1-3 options per lever) is grown from the root;
    each inner node moves a new lever (of a random player, or of chance) or one
    already used with as many options (an information set of several nodes, so
    imperfect information and imperfect recall happen); the first inner nodes
    on the leftmost branch give every player a lever. Outcomes are shared
    between terminals, sometimes paid at inner nodes, and pay numbers or
    expressions over parameters and terms; some terminals pay nothing.
    """
    s = draw(_SUFFIX)
    data: dict[str, Any] = {"tradegame": 1, "title": draw(_TEXT(min_size=1, max_size=40))}
    draw(_common(data))
    players = [f"pl{p}{s}" for p in range(draw(st.integers(1, 3)))]
    names = _Names()
    params = draw(_parameters(s))
    names.numbers.extend(params)
    params[f"pc{s}"] = {"dist": "uniform", "low": 0.1, "high": 0.9}
    terms = draw(_terms(names, s))
    levers: dict[str, tuple[str | None, list[str]]] = {}  # lever -> (player or None, options)
    outcomes: dict[str, dict[str, Any]] = {}
    unowned = list(players)

    def payoff() -> Any:
        return _number(draw, -10, 10) if draw(_BOOL) else _numeric(draw, names, 2)

    def outcome() -> str:
        if outcomes and draw(_BOOL):
            return _pick(draw, list(outcomes))
        name = f"out{len(outcomes)}{s}"
        outcomes[name] = {"payoffs": {p: payoff() for p in players}}
        if draw(st.integers(0, 3)) == 0:
            outcomes[name]["label"] = draw(_TEXT(max_size=12))
        return name

    def node(depth: int) -> Any:
        if not unowned and (depth >= 4 or draw(st.integers(0, 2)) == 0):
            kind = draw(st.integers(0, 5))
            if kind == 0:
                return {"label": draw(_TEXT(max_size=8))}  # pays nothing
            return outcome() if kind > 1 else {"outcome": outcome()}
        if levers and not unowned and draw(_BOOL):
            lever = _pick(draw, list(levers))  # another node of an information set
        else:
            lever = f"lv{len(levers)}{s}"
            owner = unowned.pop(0) if unowned else None
            if owner is None and draw(st.integers(0, 2)) > 0:
                owner = _pick(draw, players)
            n_opt = draw(st.integers(1, 3))
            levers[lever] = (owner, [f"o{k}{s}" for k in range(n_opt)])
        out: dict[str, Any] = {"move": lever}
        if draw(st.integers(0, 5)) == 0:
            out["outcome"] = outcome()
        if draw(st.integers(0, 5)) == 0:
            out["label"] = draw(_TEXT(max_size=8))
        out["then"] = {o: node(depth + 1) for o in levers[lever][1]}
        return out

    root = node(0)
    if not outcomes:  # a tree needs an outcome somewhere
        root["outcome"] = outcome()
    data["players"] = {
        p: {"levers": {lv: opts for lv, (owner, opts) in levers.items() if owner == p}}
        for p in players
    }
    chance = {lv: opts for lv, (owner, opts) in levers.items() if owner is None}
    if not any(len(opts) == 2 for opts in chance.values()):
        del params[f"pc{s}"]  # only two-option chance levers use it
    if params:
        data["parameters"] = params
    if terms:
        data["terms"] = terms
    if chance:
        data["chance"] = {}
        for lv, opts in chance.items():
            if len(opts) == 2:
                probs: dict[str, Any] = {opts[0]: f"pc{s}", opts[1]: f"1 - pc{s}"}
            else:
                probs = {o: f"1/{len(opts)}" for o in opts}
            if draw(_BOOL):
                probs[opts[0]] = {"probability": probs[opts[0]], "label": "first"}
            data["chance"][lv] = {"options": probs}
    data["tree"] = {"outcomes": outcomes, "root": root}
    if draw(st.integers(0, 3)) == 0:
        data["analysis"] = {"tie_break": _pick(draw, ["first", "uniform"])}
    return data


@st.composite
def stage_scenarios(draw: st.DrawFn) -> dict[str, Any]:
    """A valid sequential scenario: an expression scenario whose levers are decided in stages.

    Every lever is decided at exactly one stage; a player's levers may be split over
    several stages, in any order of players; a stage observes all, some or none of the
    earlier levers (perfect or imperfect information); some stages end the game on
    one of their options; a chance lever with constant or parameter-driven
    probabilities may move at a stage of its own. The solution is subgame-perfect.
    """
    data = draw(expression_scenarios())
    s = next(iter(data["players"]))[3:]  # the suffix the expression scenario drew
    stages: list[dict[str, Any]] = []
    for pname, player in data["players"].items():
        levers = list(player["levers"])
        draw(st.randoms(use_true_random=False)).shuffle(levers)
        cut = draw(st.integers(1, len(levers)))
        for group in (levers[:cut], levers[cut:]):
            if group:
                stages.append({"player": pname, "levers": group})
    draw(st.randoms(use_true_random=False)).shuffle(stages)
    profiles = 1
    for p in data["players"].values():
        for options in p["levers"].values():
            profiles *= len(options)
    if profiles * 2 <= MAX_PROFILES and draw(_BOOL):
        if draw(_BOOL):
            probabilities: dict[str, Any] = {f"c0{s}": 0.25, f"c1{s}": 0.75}
        else:
            data.setdefault("parameters", {})[f"pc{s}"] = {
                "dist": "uniform",
                "low": 0.1,
                "high": 0.9,
            }
            probabilities = {f"c0{s}": f"pc{s}", f"c1{s}": f"1 - pc{s}"}
        data["chance"] = {f"ch{s}": {"options": probabilities}}
        stages.insert(draw(st.integers(0, len(stages))), {"chance": f"ch{s}"})
    # Hidden moves are solved through the reduced normal form, whose strategies grow
    # exponentially with the information sets: only small games get them, and no 'ends:'
    # (a game that can end early needs perfect information).
    imperfect = profiles <= 24 and draw(st.integers(0, 2)) == 0
    decided: list[str] = []
    for stage in stages:
        if "player" in stage:
            if imperfect and decided and draw(_BOOL):
                stage["observes"] = sorted(draw(st.sets(st.sampled_from(decided))))
            lever = stage["levers"][0]
            options = data["players"][stage["player"]]["levers"][lever]
            one_lever = len(stage["levers"]) == 1 and len(options) > 1
            if not imperfect and one_lever and draw(st.integers(0, 3)) == 0:
                stage["ends"] = [next(iter(options))]
            decided.extend(stage["levers"])
        else:
            decided.append(stage["chance"])
    data["stages"] = stages
    analysis = data.get("analysis") or {}
    analysis = {k: v for k, v in analysis.items() if k in ("samples", "seed")}
    if draw(_BOOL):
        analysis["tie_break"] = _pick(draw, ["first", "uniform"])
    if analysis:
        data["analysis"] = analysis
    else:
        data.pop("analysis", None)
    return data


def scenarios() -> st.SearchStrategy[dict[str, Any]]:
    """Any valid scenario dict: expression form (1 in 3), stages, matrix form or a game tree."""
    return st.one_of(
        expression_scenarios(),
        expression_scenarios(),
        stage_scenarios(),
        matrix_scenarios(),
        tree_scenarios(),
        stage_scenarios(),
    )


@st.composite
def scenario_texts(draw: st.DrawFn) -> str:
    """A valid scenario serialised as YAML (block, flow or mixed style, any width)."""
    data = draw(scenarios())
    return dump_yaml(
        data,
        flow=_pick(draw, [False, None, True]),
        width=_pick(draw, [60, 100, 10_000]),
    )


@dataclass
class ScenarioCase:
    """A valid scenario as data and as text."""

    data: dict[str, Any]
    text: str


@st.composite
def scenario_cases(draw: st.DrawFn) -> ScenarioCase:
    """A valid scenario as :class:`ScenarioCase` (dict and YAML text)."""
    data = draw(scenarios())
    return ScenarioCase(data, dump_yaml(data, flow=_pick(draw, [False, None])))


def _plays(node: Any) -> int:
    """Number of terminal nodes below a tree node (a string child is one)."""
    count, stack = 0, [node]
    while stack:
        n = stack.pop()
        then = n.get("then") if isinstance(n, dict) else None
        if isinstance(then, dict) and then:
            stack.extend(then.values())
        else:
            count += 1
    return count


def profile_count(data: Any) -> int:
    """Size of a scenario dict's game: its pure strategy profiles, or for a scenario with a
    ``tree:`` its plays (terminal nodes), which is what a tree's work grows with (1 if it
    has no usable players)."""
    tree = data.get("tree") if isinstance(data, dict) else None
    if isinstance(tree, dict) and "root" in tree:
        return _plays(tree["root"])
    total = 1
    players = data.get("players") if isinstance(data, dict) else None
    if not isinstance(players, dict):
        return 1
    for player in players.values():
        if not isinstance(player, dict):
            continue
        levers = player.get("levers")
        strategies = player.get("strategies")
        if isinstance(strategies, list | dict):
            total *= max(1, len(strategies))
        if isinstance(levers, dict):
            for options in levers.values():
                if isinstance(options, list | dict):
                    total *= max(1, len(options))
    return total


# --- mutations ---------------------------------------------------------------


@dataclass
class Mutant:
    """A broken (or odd but maybe valid) scenario file and how it was made."""

    content: bytes
    kind: str
    data: Any = None
    """The mutated dict, for structural mutations (None for textual ones)."""


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path (keys and indices) to a node of a nested dict/list, root first."""
    out = [prefix]
    if isinstance(node, dict):
        for k, v in node.items():
            out.extend(_paths(v, (*prefix, k)))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out.extend(_paths(v, (*prefix, i)))
    return out


def _get(node: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        node = node[part]
    return node


def _set(node: Any, path: tuple[Any, ...], value: Any) -> None:
    _get(node, path[:-1])[path[-1]] = value


_ANY_VALUE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.lists(st.integers(0, 3), max_size=3),
    st.dictionaries(st.text(max_size=4), st.integers(0, 3), max_size=2),
    st.sampled_from(NASTY_FLOATS),
    st.dates(),
)


def _wrong_type(value: Any) -> st.SearchStrategy[Any]:
    """A value whose type differs from ``value``'s."""
    return _ANY_VALUE.filter(lambda v: type(v) is not type(value))


_UNICODE_NAMES = st.one_of(
    st.text(min_size=1, max_size=8),
    st.sampled_from(
        ["é", "日本", "ß_x", "a\u200bb", "Ω", "x-y", "1abc", "a b", "", "_" * 70, "ǅ", "ﬁ", "𝔘"]
    ),
)


def _rename_key(mapping: dict[str, Any], old: Any, new: Any) -> dict[str, Any]:
    return {(new if k == old else k): v for k, v in mapping.items()}


@st.composite
def structural_mutants(draw: st.DrawFn) -> Mutant:
    """A valid scenario dict changed in one structural way, then dumped as YAML.

    Kinds: ``wrong_type`` (a node replaced by a value of another type),
    ``missing_key`` (a mapping key removed), ``unknown_name`` (an expression
    replaced by one using an unknown name or lever option), ``empty_options``
    (a lever or strategy list emptied), ``unicode_name`` (a key renamed with
    non-identifier text), ``nasty_number`` (a number replaced by an edge value:
    1e308, 1e-308, -0.0, nan, inf, 10**400, ...), ``deep_nesting`` (a value
    replaced by lists/maps nested 30-120 deep).
    """
    data = copy.deepcopy(draw(scenarios()))
    kind = draw(
        st.sampled_from(
            [
                "wrong_type",
                "missing_key",
                "unknown_name",
                "empty_options",
                "unicode_name",
                "nasty_number",
                "deep_nesting",
            ]
        )
    )
    paths = [p for p in _paths(data) if p]
    if kind == "wrong_type":
        path = draw(st.sampled_from(paths))
        _set(data, path, draw(_wrong_type(_get(data, path))))
    elif kind == "missing_key":
        dict_paths = [p for p in paths if isinstance(p[-1], str)]
        path = draw(st.sampled_from(dict_paths))
        del _get(data, path[:-1])[path[-1]]
    elif kind == "unknown_name":
        expr_paths = [
            p
            for p in paths
            if p[0] in ("payoffs", "terms", "outcomes")
            and isinstance(_get(data, p), str)
            and p[-1] != "otherwise"
        ]
        bad = draw(
            st.sampled_from(
                [
                    "nosuchname + 1",
                    "par_unknown * 2",  # no index: never a generated parameter name
                    "{lever} == 'no_such_option'",
                    "{lever} in ('no_such_option', 'x')",
                    "{lever} + 1",
                    "{lever}",
                    "'text'",
                    "mni(1, 2)",
                    "__import__('os')",
                    "().__class__",
                    "1 +",
                    "",
                    "min(1)",
                ]
            )
        )
        lever = next(iter(_all_levers(data)), "x")
        if expr_paths:
            _set(data, draw(st.sampled_from(expr_paths)), bad.format(lever=lever))
        else:
            data["terms"] = {"tm_bad": bad.format(lever=lever)}
    elif kind == "empty_options":
        targets = [
            p
            for p in paths
            if len(p) >= 3
            and p[0] == "players"
            and (p[-1] == "strategies" or (len(p) == 4 and p[2] == "levers"))
        ]
        path = draw(st.sampled_from(targets))
        _set(data, path, draw(st.sampled_from([[], {}, None, [None], {"": None}])))
    elif kind == "unicode_name":
        key_paths = [p for p in paths if isinstance(p[-1], str)]
        path = draw(st.sampled_from(key_paths))
        parent = _get(data, path[:-1])
        new = draw(_UNICODE_NAMES.filter(lambda k: k not in parent))
        renamed = _rename_key(parent, path[-1], new)
        if len(path) == 1:
            data = renamed
        else:
            _set(data, path[:-1], renamed)
    elif kind == "nasty_number":
        num_paths = [
            p
            for p in paths
            if isinstance(_get(data, p), int | float) and not isinstance(_get(data, p), bool)
        ]
        if not num_paths:
            num_paths = [("analysis",)]
        _set(data, draw(st.sampled_from(num_paths)), draw(st.sampled_from(NASTY_FLOATS)))
    else:
        depth = draw(st.integers(30, 120))
        nested: Any = _pick(draw, [1, "x", None])
        as_list = draw(_BOOL)
        for _ in range(depth):
            nested = [nested] if as_list else {"a": nested}
        _set(data, draw(st.sampled_from(paths)), nested)
    return Mutant(dump_yaml(data, flow=_pick(draw, [False, None])).encode(), kind, data)


def _all_levers(data: Any) -> list[str]:
    out: list[str] = []
    players = data.get("players") if isinstance(data, dict) else None
    if isinstance(players, dict):
        for pname, p in players.items():
            if isinstance(p, dict):
                if "strategies" in p:
                    out.append(str(pname))
                if isinstance(p.get("levers"), dict):
                    out.extend(str(k) for k in p["levers"])
    return out


@st.composite
def _duplicate_key(draw: st.DrawFn) -> Mutant:
    """Block-style YAML with one ``key: value`` line repeated (a textual duplicate key)."""
    text = dump_yaml(draw(scenarios()), flow=False)
    lines = text.splitlines(keepends=True)
    keyed = [i for i, line in enumerate(lines) if ":" in line and not line.lstrip().startswith("-")]
    i = draw(st.sampled_from(keyed))
    # A duplicate must sit at the same indentation in the same mapping: put it right after.
    lines.insert(i + 1, lines[i])
    return Mutant("".join(lines).encode(), "duplicate_key")


@st.composite
def truncated_files(draw: st.DrawFn) -> Mutant:
    """A valid scenario's UTF-8 bytes cut at a random byte (may split a character)."""
    raw = draw(scenario_texts()).encode("utf-8")
    return Mutant(raw[: draw(st.integers(0, len(raw)))], "truncated")


@st.composite
def byte_flip_files(draw: st.DrawFn) -> Mutant:
    """A valid scenario with 1-8 bytes replaced by random bytes."""
    raw = bytearray(draw(scenario_texts()).encode("utf-8"))
    for _ in range(draw(st.integers(1, 8))):
        if raw:
            raw[draw(st.integers(0, len(raw) - 1))] = draw(st.integers(0, 255))
    return Mutant(bytes(raw), "byte_flip")


@st.composite
def binary_garbage_files(draw: st.DrawFn) -> Mutant:
    """Random bytes, sometimes behind a valid-looking first line."""
    junk = draw(st.binary(max_size=400))
    prefix = _pick(draw, [b"", b"tradegame: 1\n", b"\xef\xbb\xbf", b"---\n"])
    return Mutant(prefix + junk, "binary")


@st.composite
def alias_bomb_files(draw: st.DrawFn) -> Mutant:
    """A 'billion laughs' document: each anchor lists the previous one ``width`` times.

    The bomb sits in a place a scenario allows free text/mappings (``sources``,
    a player ``description``) or replaces the whole document.
    """
    levels = draw(st.integers(3, 12))
    width = draw(st.integers(2, 12))
    lines = ["bomb0: &a0 [lol, lol]"]
    for i in range(1, levels):
        refs = ", ".join([f"*a{i - 1}"] * width)
        lines.append(f"bomb{i}: &a{i} [{refs}]")
    base = dump_yaml(draw(scenarios()), flow=False)
    where = _pick(draw, ["top", "sources", "merge"])
    if where == "top":
        text = "\n".join(lines) + "\n" + base
    elif where == "sources":
        body = "\n".join("  " + line for line in lines)
        text = base.replace("tradegame: 1\n", f"tradegame: 1\nsources:\n{body}\n", 1)
        if "\nsources:" in base:
            text = text.replace("\nsources:", "\nsources_dup:", 1)
    else:
        text = "\n".join(lines) + f"\nplayers: *a{levels - 1}\n"
    return Mutant(text.encode(), "alias_bomb")


@st.composite
def long_line_files(draw: st.DrawFn) -> Mutant:
    """A scenario with a very long line: title, expression, key or comment (10 k-1 M chars)."""
    n = _pick(draw, [10_000, 100_000, 1_000_000])
    data = draw(scenarios())
    where = _pick(draw, ["title", "expression", "key", "comment", "sum"])
    if where == "title":
        data["title"] = "x" * n
    elif where == "expression":
        data["terms"] = {"tm_long": "1 + " * (n // 4) + "1"}
    elif where == "sum":
        data["terms"] = {"tm_long": "(" * min(n, 5000) + "1" + ")" * min(n, 5000)}
    elif where == "key":
        data["x" * n] = 1
    text = dump_yaml(data, flow=False, width=10**9)
    if where == "comment":
        text = "# " + "y" * n + "\n" + text
    return Mutant(text.encode(), f"long_{where}")


@st.composite
def textual_mutants(draw: st.DrawFn) -> Mutant:
    """A textual mutation: duplicate key, truncation, byte flips, garbage, bombs, long lines."""
    return draw(
        st.one_of(
            _duplicate_key(),
            truncated_files(),
            byte_flip_files(),
            binary_garbage_files(),
            alias_bomb_files(),
            long_line_files(),
        )
    )


def mutants() -> st.SearchStrategy[Mutant]:
    """Any mutation, structural or textual."""
    return st.one_of(structural_mutants(), textual_mutants())
