"""A safe compiler from scenario expressions to vectorised NumPy functions.

Payoff, term and outcome expressions are Python-like formulas::

    - pass_through * tariffs_rate * us_imports_bn + 2 * (tiktok_sale == 'approve')

They are parsed with :func:`ast.parse` and every node is checked against a
whitelist; the accepted tree is then turned into a tree of small Python
closures over NumPy arrays. User text is never given to ``eval`` or ``exec``,
and nothing but the whitelisted operations can run:

========================  ===============================================
allowed                   meaning
========================  ===============================================
numbers, ``True/False``   constants (all arithmetic is in float64)
names                     parameters, terms, option fields, levers
``+ - * / ** %``          arithmetic, elementwise
``== != < <= > >=``       comparisons (chains allowed); a lever is compared
                          with an option name: ``tariffs == 'raise'``,
                          ``tariffs in ('hold', 'raise')``
``and or not``            elementwise logic; booleans count 1/0 in arithmetic
``a if cond else b``      elementwise choice
functions                 ``min max abs exp log sqrt where clip``
========================  ===============================================

Values broadcast: parameters vary along draws (shape ``(D, 1)``), levers and
option fields along profiles (``(1, P)``), so an expression evaluates to an
array that broadcasts to ``(D, P)``.
"""

from __future__ import annotations

import ast
import difflib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tradegame.errors import TradegameError
from tradegame.scenario.pairs import (
    Compressed,
    Pairs,
    apply_binary,
    as_pairs,
    dense_pairs,
    negated,
    times,
)

__all__ = [
    "MAX_EXPRESSION_DEPTH",
    "MAX_EXPRESSION_LENGTH",
    "CompiledExpression",
    "ExpressionError",
    "Namespace",
    "compile_expression",
]

#: Longest expression accepted, in characters.
MAX_EXPRESSION_LENGTH = 5_000
#: Deepest expression tree accepted.
MAX_EXPRESSION_DEPTH = 60

Evaluator = Callable[[Mapping[str, Any]], Any]
PairEvaluator = Callable[[Mapping[str, Any], Mapping[str, Pairs]], Pairs]


class ExpressionError(TradegameError, ValueError):
    """An expression that is not allowed or not valid.

    Attributes
    ----------
    offset : int
        0-based character offset of the problem in the expression's text.
    line : int
        0-based line of the problem within the expression's text.
    """

    def __init__(self, message: str, line: int = 0, offset: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.offset = offset


@dataclass(frozen=True)
class Namespace:
    """The names an expression may use.

    Parameters
    ----------
    numbers : set of str
        Names of numeric values: parameters, terms and option fields.
    levers : dict of str to list of str
        Lever name -> its option names; levers may only be compared with
        option names.
    """

    numbers: frozenset[str] = frozenset()
    levers: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    conditions: frozenset[str] = frozenset()
    """Names among ``numbers`` whose values are truth values (condition terms)."""
    removed: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Lever name -> options a ``--fix`` removed from the game. Comparing the lever
    with one stays valid and is simply false (``==``) or true (``!=``): the lever
    never takes it, so expressions written for the whole game keep their meaning."""

    def all_names(self) -> list[str]:
        return sorted(set(self.numbers) | set(self.levers))


@dataclass(frozen=True)
class CompiledExpression:
    """An accepted expression and its vectorised evaluator.

    Attributes
    ----------
    text : str
        The source text.
    names : frozenset of str
        Every name the expression reads.
    is_boolean : bool
        True when the expression's value is a truth value (a condition).
    """

    text: str
    names: frozenset[str]
    is_boolean: bool
    _evaluate: Evaluator
    _pairs: PairEvaluator | None = None

    def evaluate(self, env: Mapping[str, Any]) -> Any:
        """Evaluate over arrays.

        Parameters
        ----------
        env : mapping of str to ndarray
            A value for every name in :attr:`names`; levers map to integer
            option indices. Arrays must broadcast together.

        Returns
        -------
        ndarray or float
            The value, broadcast from the inputs (float64, or bool for a
            condition).
        """
        with np.errstate(all="ignore"):
            return self._evaluate(env)

    def evaluate_pairs(self, env: Mapping[str, Any], penv: Mapping[str, Pairs]) -> Pairs:
        """Evaluate as a sum of separable products, without forming ``(D, P)`` arrays.

        Sums and products of draw-only values (parameters, shape ``(D, 1)``) and
        profile-only values (levers, option fields, shape ``(1, P)``) are kept as
        pairs ``(g, h)`` with ``value = sum(g * h)``; a payoff is then one small
        matrix product, ``G @ H``. Any other operation on a value that varies
        along both axes evaluates it whole, so the result is always exact.

        Parameters
        ----------
        env : mapping
            As for :meth:`evaluate`.
        penv : mapping of str to list of pairs
            Pair forms of terms already evaluated this way.

        Returns
        -------
        list of (g, h)
            ``g`` broadcastable to ``(D, 1)`` or a whole ``(D, P)`` array,
            ``h`` broadcastable to ``(1, P)``.
        """
        with np.errstate(all="ignore"):
            if self._pairs is None:
                return as_pairs(self._evaluate(env))
            return self._pairs(env, penv)


_ARITHMETIC: dict[type[ast.operator], tuple[str, Callable[[Any, Any], Any]]] = {
    ast.Add: ("+", np.add),
    ast.Sub: ("-", np.subtract),
    ast.Mult: ("*", np.multiply),
    ast.Div: ("/", np.true_divide),
    ast.Pow: ("**", np.power),
    ast.Mod: ("%", np.mod),
}

_COMPARE: dict[type[ast.cmpop], Callable[[Any, Any], Any]] = {
    ast.Eq: np.equal,
    ast.NotEq: np.not_equal,
    ast.Lt: np.less,
    ast.LtE: np.less_equal,
    ast.Gt: np.greater,
    ast.GtE: np.greater_equal,
}


def _reduce(fn: Callable[[Any, Any], Any]) -> Callable[..., Any]:
    def apply(*args: Any) -> Any:
        out = args[0]
        for a in args[1:]:
            out = fn(out, a)
        return out

    return apply


# name -> (min args, max args, implementation, returns boolean)
_FUNCTIONS: dict[str, tuple[int, int, Callable[..., Any]]] = {
    "min": (2, 32, _reduce(np.minimum)),
    "max": (2, 32, _reduce(np.maximum)),
    "abs": (1, 1, np.abs),
    "exp": (1, 1, np.exp),
    "log": (1, 1, np.log),
    "sqrt": (1, 1, np.sqrt),
    "where": (3, 3, lambda c, a, b: np.where(c, a, b)),
    "clip": (3, 3, lambda x, lo, hi: np.minimum(np.maximum(x, lo), hi)),
}

_NODE_NAMES: dict[type[ast.AST], str] = {
    ast.Attribute: "attribute access (a.b)",
    ast.Subscript: "indexing (a[b])",
    ast.Lambda: "lambda",
    ast.ListComp: "comprehensions",
    ast.SetComp: "comprehensions",
    ast.DictComp: "comprehensions",
    ast.GeneratorExp: "comprehensions",
    ast.Dict: "dictionaries",
    ast.Set: "sets",
    ast.Starred: "starred arguments",
    ast.NamedExpr: "assignment (:=)",
    ast.JoinedStr: "f-strings",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.YieldFrom: "yield",
    ast.Slice: "slices",
}


@dataclass
class _Node:
    fn: Evaluator
    kind: str  # "number", "bool", "lever", "string", "strings"
    lever: str | None = None
    constant: Any = None
    pairs: PairEvaluator | None = None
    names: frozenset[str] = frozenset()
    """The names the node's subtree reads (set by the compiler)."""

    def pair_fn(self) -> PairEvaluator:
        """The separable evaluator; nodes without one are evaluated whole."""
        if self.pairs is not None:
            return self.pairs
        fn, names = self.fn, self.names
        return lambda env, penv: dense_pairs(fn, names, env, penv)


def _constant(value: float | bool) -> _Node:
    def fn(env: Mapping[str, Any]) -> Any:
        return value

    def pairs(env: Mapping[str, Any], penv: Mapping[str, Pairs]) -> Pairs:
        return [(float(value), 1.0)]

    return _Node(fn, "bool" if isinstance(value, bool) else "number", constant=value, pairs=pairs)


#: Operators a student may write for another meaning, with what to write instead.
_OPERATOR_HINTS: dict[type[ast.AST], str] = {
    ast.BitAnd: "'&' is not allowed: write 'and' to require both conditions",
    ast.BitOr: "'|' is not allowed: write 'or' for either condition",
    ast.Invert: "'~' is not allowed: write 'not' to negate a condition",
}

_COMPARE_TEXT: dict[type[ast.AST], str] = {
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.In: "in",
    ast.NotIn: "not in",
    ast.Is: "is",
    ast.IsNot: "is not",
}

#: Tokens of other languages an expression may contain by mistake (checked longest first),
#: each with what to write instead; only looked for when the expression does not parse.
_SYNTAX_HINTS: tuple[tuple[str, str], ...] = (
    ("===", "'===' is not an operator: compare with =="),
    ("&&", "'&&' is not an operator: write 'and'"),
    ("||", "'||' is not an operator: write 'or'"),
    ("=>", "'=>' is not an operator: write >="),
    ("=<", "'=<' is not an operator: write <="),
    ("<>", "'<>' is not an operator: write !="),
)


#: ``^`` is exclusive or in Python, and binds more loosely than ``*``: ``2 * x^2`` is
#: ``(2 * x) ^ 2``. What was meant is the text with ``**`` for ``^``.
_CARET = "'^' is not a power here: use ** for powers"


def _quote_option_hint(option: str, lever: str, op: str) -> str:
    return (
        f"unknown name {option!r}: it is an option of lever {lever!r}, and option names "
        f"go in quotes: {lever} {op} '{option}'"
    )


def _syntax_hint(text: str) -> tuple[int, str] | None:
    """A likely cause of a syntax error, at its offset: a token of another language.

    Quoted text is skipped, so an option name may contain anything.
    """
    masked = re.sub(r"'[^']*'|\"[^\"]*\"", lambda m: " " * len(m.group()), text)
    for token, hint in _SYNTAX_HINTS:
        at = masked.find(token)
        if at >= 0:
            return at, hint
    single = re.search(r"(?<![=!<>])=(?![=])", masked)
    if single is not None:
        return single.start(), "a single '=' is not a comparison: write == to test equality"
    bang = re.search(r"!(?!=)", masked)
    if bang is not None:
        return bang.start(), "'!' is not an operator: write 'not' to negate a condition"
    return None


def _suggest(name: str, candidates: list[str]) -> str:
    close = difflib.get_close_matches(name, candidates, n=1, cutoff=0.6)
    if close:
        return f"; did you mean {close[0]!r}?"
    if not candidates:
        return ""
    shown = ", ".join(candidates[:12]) + (", ..." if len(candidates) > 12 else "")
    return f"; known names: {shown}"


class _Compiler:
    def __init__(self, namespace: Namespace) -> None:
        self.ns = namespace
        self.names: set[str] = set()

    def fail(self, node: ast.AST, message: str) -> ExpressionError:
        return ExpressionError(
            message, getattr(node, "lineno", 1) - 1, getattr(node, "col_offset", 0)
        )

    def compile(self, node: ast.AST, depth: int = 0) -> _Node:
        if depth > MAX_EXPRESSION_DEPTH:
            raise self.fail(node, f"expression is nested more than {MAX_EXPRESSION_DEPTH} deep")
        method = getattr(self, "_" + type(node).__name__, None)
        if method is None:
            what = _NODE_NAMES.get(type(node), type(node).__name__)
            raise self.fail(node, f"not allowed in expressions: {what}")
        result: _Node = method(node, depth + 1)
        if result.pairs is None:
            result.names = frozenset(n.id for n in ast.walk(node) if isinstance(n, ast.Name))
        return result

    def number(self, node: ast.AST, depth: int, compiled: _Node | None = None) -> Evaluator:
        """Compile ``node`` as a numeric (or boolean) value."""
        c = compiled if compiled is not None else self.compile(node, depth)
        if c.kind == "lever":
            raise self.fail(
                node,
                f"lever {c.lever!r} has option names, not a number: compare it, "
                f"e.g. {c.lever} == '{self.ns.levers[c.lever or ''][0]}'",
            )
        if c.kind in ("string", "strings"):
            raise self.fail(node, "text can only be compared with a lever, e.g. lever == 'option'")
        return c.fn

    # --- leaves -----------------------------------------------------------
    def _Constant(self, node: ast.Constant, depth: int) -> _Node:
        v = node.value
        if isinstance(v, bool):
            return _constant(v)
        if isinstance(v, int | float):
            if isinstance(v, int) and abs(v) > 10**300:
                raise self.fail(node, "number is too large")
            return _constant(float(v))
        if isinstance(v, str):
            return _Node(lambda env: v, "string", constant=v)
        raise self.fail(node, f"constant {v!r} is not allowed in expressions")

    def _Name(self, node: ast.Name, depth: int) -> _Node:
        name = node.id
        if name in self.ns.levers:
            self.names.add(name)
            return _Node(lambda env: env[name], "lever", lever=name)
        if name in self.ns.numbers:
            self.names.add(name)
            kind = "bool" if name in self.ns.conditions else "number"

            def pairs(env: Mapping[str, Any], penv: Mapping[str, Pairs]) -> Pairs:
                found = penv.get(name)
                return found if found is not None else as_pairs(env[name])

            return _Node(lambda env: env[name], kind, pairs=pairs)
        if name in ("True", "False"):
            v = name == "True"
            return _Node(lambda env: v, "bool", constant=v)
        if name in _FUNCTIONS:
            raise self.fail(node, f"{name!r} is a function: call it, e.g. {name}(...)")
        owners = [lv for lv, options in self.ns.levers.items() if name in options]
        if owners:
            raise self.fail(node, _quote_option_hint(name, owners[0], "=="))
        raise self.fail(node, f"unknown name {name!r}{_suggest(name, self.ns.all_names())}")

    def _Tuple(self, node: ast.Tuple | ast.List, depth: int) -> _Node:
        items = [self.compile(e, depth) for e in node.elts]
        if not items or any(i.kind != "string" for i in items):
            raise self.fail(
                node, "lists are only allowed as option names after 'in': x in ('a', 'b')"
            )
        return _Node(lambda env: None, "strings", constant=tuple(i.constant for i in items))

    _List = _Tuple

    # --- operators --------------------------------------------------------
    def _BinOp(self, node: ast.BinOp, depth: int) -> _Node:
        op = _ARITHMETIC.get(type(node.op))
        if op is None:
            hint = _OPERATOR_HINTS.get(type(node.op))
            if isinstance(node.op, ast.BitXor):
                # Spreadsheets and calculators write powers with ^; Python's ^ is xor.
                hint = _CARET  # compile_expression shows the expression rewritten
            raise self.fail(node, hint or f"operator {type(node.op).__name__} is not allowed")
        fn = op[1]
        lc = self.compile(node.left, depth)
        rc = self.compile(node.right, depth)
        left = self.number(node.left, depth, lc)
        right = self.number(node.right, depth, rc)
        if isinstance(lc.constant, float) and isinstance(rc.constant, float):
            # Fold constants now, so that 10**10**10 is refused before anything runs.
            try:
                # Underflow to a subnormal or zero is harmless rounding, not an error.
                with np.errstate(all="raise", under="ignore"):
                    value = float(fn(np.float64(lc.constant), np.float64(rc.constant)))
            except (FloatingPointError, ZeroDivisionError, OverflowError):
                raise self.fail(node, "constant arithmetic overflows or divides by zero") from None
            return _constant(value)

        def as_float(x: Any) -> Any:
            # Booleans in arithmetic count as 0/1; NumPy refuses bool - bool (np.bool_ scalars too).
            return (
                np.asarray(x, dtype=np.float64)
                if isinstance(x, bool | np.bool_ | np.ndarray)
                else x
            )

        dense = _Node(lambda env: fn(as_float(left(env)), as_float(right(env))), "number")
        lp, rp = lc.pair_fn(), rc.pair_fn()
        op_type = type(node.op)
        if op_type is ast.Add:
            dense.pairs = lambda env, penv: lp(env, penv) + rp(env, penv)
        elif op_type is ast.Sub:
            dense.pairs = lambda env, penv: lp(env, penv) + negated(rp(env, penv))
        elif op_type is ast.Mult:
            dense.pairs = lambda env, penv: times(lp(env, penv), rp(env, penv))
        elif op_type is ast.Div:

            def divide(env: Mapping[str, Any], penv: Mapping[str, Pairs]) -> Pairs:
                den = rp(env, penv)
                if len(den) != 1:
                    return as_pairs(dense.fn(env))
                (gd, hd), num = den[0], lp(env, penv)
                return [
                    (apply_binary(np.true_divide, g, gd), np.true_divide(h, hd)) for g, h in num
                ]

            dense.pairs = divide
        elif op_type is ast.Pow and isinstance(rc.constant, float) and rc.constant.is_integer():
            k = rc.constant

            def power(env: Mapping[str, Any], penv: Mapping[str, Pairs]) -> Pairs:
                base = lp(env, penv)
                if len(base) != 1:
                    return as_pairs(dense.fn(env))
                g, h = base[0]
                if isinstance(g, Compressed):
                    powered: Any = Compressed(np.power(g.values.astype(float), k), g.index)
                else:
                    powered = np.power(np.asarray(g, dtype=float), k)
                return [(powered, np.power(np.asarray(h, dtype=float), k))]

            dense.pairs = power
        return dense

    def _UnaryOp(self, node: ast.UnaryOp, depth: int) -> _Node:
        inner = self.compile(node.operand, depth)
        operand = self.number(node.operand, depth, inner)
        if isinstance(node.op, ast.Not):
            return _Node(lambda env: np.logical_not(operand(env)), "bool")
        if isinstance(node.op, ast.USub):
            if isinstance(inner.constant, float):
                return _constant(-inner.constant)
            ip = inner.pair_fn()
            return _Node(
                lambda env: np.negative(np.asarray(operand(env), dtype=float)),
                "number",
                pairs=lambda env, penv: negated(ip(env, penv)),
            )
        if isinstance(node.op, ast.UAdd):
            return _Node(
                lambda env: np.asarray(operand(env), dtype=float), "number", pairs=inner.pair_fn()
            )
        hint = _OPERATOR_HINTS.get(type(node.op))
        raise self.fail(node, hint or f"operator {type(node.op).__name__} is not allowed")

    def _BoolOp(self, node: ast.BoolOp, depth: int) -> _Node:
        parts = [self.number(v, depth) for v in node.values]
        fn = np.logical_and if isinstance(node.op, ast.And) else np.logical_or

        def run(env: Mapping[str, Any]) -> Any:
            out = parts[0](env)
            for p in parts[1:]:
                out = fn(out, p(env))
            return out

        return _Node(run, "bool")

    def _Compare(self, node: ast.Compare, depth: int) -> _Node:
        operands = [node.left, *node.comparators]
        # `row == cooperate`: an option written without quotes, next to its lever.
        for k, op in enumerate(node.ops):
            pair = (operands[k], operands[k + 1])
            left, right = pair
            if (
                isinstance(op, ast.In | ast.NotIn)
                and isinstance(left, ast.Name)
                and left.id in self.ns.levers
                and isinstance(right, ast.Tuple | ast.List)
            ):
                bare = [
                    e
                    for e in right.elts
                    if isinstance(e, ast.Name) and e.id in self.ns.levers[left.id]
                ]
                if bare:
                    quoted = ", ".join(
                        repr(e.id) if isinstance(e, ast.Name) else ast.unparse(e)
                        for e in right.elts
                    )
                    raise self.fail(
                        bare[0],
                        f"unknown name {bare[0].id!r}: it is an option of lever {left.id!r}, "
                        f"and option names go in quotes: {left.id} {_COMPARE_TEXT[type(op)]} "
                        f"({quoted})",
                    )
            for lever_ast, other in (pair, pair[::-1]):
                if (
                    isinstance(lever_ast, ast.Name)
                    and isinstance(other, ast.Name)
                    and lever_ast.id in self.ns.levers
                    and other.id not in self.ns.levers
                    and other.id not in self.ns.numbers
                    and other.id in self.ns.levers[lever_ast.id]
                ):
                    raise self.fail(
                        other, _quote_option_hint(other.id, lever_ast.id, _COMPARE_TEXT[type(op)])
                    )
        compiled = [self.compile(o, depth) for o in operands]
        tests: list[Evaluator] = []
        for k, op in enumerate(node.ops):
            a, b = compiled[k], compiled[k + 1]
            tests.append(self._comparison(node, op, a, b, operands[k], operands[k + 1]))

        def run(env: Mapping[str, Any]) -> Any:
            out = tests[0](env)
            for t in tests[1:]:
                out = np.logical_and(out, t(env))
            return out

        return _Node(run, "bool")

    def _comparison(
        self, node: ast.AST, op: ast.cmpop, a: _Node, b: _Node, a_ast: ast.AST, b_ast: ast.AST
    ) -> Evaluator:
        if isinstance(op, ast.In | ast.NotIn):
            if a.kind != "lever" or b.kind not in ("strings", "string"):
                raise self.fail(node, "'in' tests a lever against option names: x in ('a', 'b')")
            options = b.constant if b.kind == "strings" else (b.constant,)
            idx = [self._option_index(b_ast, a.lever or "", o) for o in options]
            negate = isinstance(op, ast.NotIn)
            fa = a.fn

            def run_in(env: Mapping[str, Any]) -> Any:
                res = np.isin(fa(env), idx)
                return np.logical_not(res) if negate else res

            return run_in
        if isinstance(op, ast.Is | ast.IsNot):
            raise self.fail(node, "'is' is not allowed; use == or !=")
        fn = _COMPARE[type(op)]
        if a.kind == "lever" or b.kind == "lever":
            lever_node, other, other_ast = (a, b, b_ast) if a.kind == "lever" else (b, a, a_ast)
            if other.kind != "string":
                raise self.fail(
                    other_ast,
                    f"lever {lever_node.lever!r} must be compared with one of its option names "
                    "in quotes: "
                    + ", ".join(repr(o) for o in self.ns.levers[lever_node.lever or ""]),
                )
            if not isinstance(op, ast.Eq | ast.NotEq):
                raise self.fail(node, "levers can only be compared with == or != (or 'in')")
            k = self._option_index(other_ast, lever_node.lever or "", other.constant)
            fl = lever_node.fn
            return lambda env: fn(fl(env), k)
        if a.kind in ("string", "strings") or b.kind in ("string", "strings"):
            raise self.fail(node, "text can only be compared with a lever, e.g. lever == 'option'")
        fa, fb = a.fn, b.fn
        return lambda env: fn(fa(env), fb(env))

    def _option_index(self, node: ast.AST, lever: str, option: str) -> int:
        options = list(self.ns.levers[lever])
        if option in self.ns.removed.get(lever, ()):
            return -1  # no option has this index: == is false, != is true
        if option not in options:
            raise self.fail(
                node,
                f"{option!r} is not an option of lever {lever!r}"
                f"{_suggest(option, options) if difflib.get_close_matches(option, options) else ''}"
                f" (options: {', '.join(options)})",
            )
        return options.index(option)

    def _IfExp(self, node: ast.IfExp, depth: int) -> _Node:
        cond = self.number(node.test, depth)
        yes = self.number(node.body, depth)
        no = self.number(node.orelse, depth)
        return _Node(lambda env: np.where(cond(env), yes(env), no(env)), "number")

    def _Call(self, node: ast.Call, depth: int) -> _Node:
        if not isinstance(node.func, ast.Name):
            raise self.fail(
                node,
                "only the named functions min, max, abs, exp, log, sqrt, "
                "where and clip can be called",
            )
        name = node.func.id
        spec = _FUNCTIONS.get(name)
        if spec is None:
            close = difflib.get_close_matches(name, sorted(_FUNCTIONS), n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise self.fail(
                node.func,
                f"unknown function {name!r}{hint} (allowed: {', '.join(sorted(_FUNCTIONS))})",
            )
        if node.keywords:
            raise self.fail(node, f"{name}() takes no keyword arguments")
        lo, hi, impl = spec
        if not lo <= len(node.args) <= hi:
            want = str(lo) if lo == hi else f"{lo} or more"
            raise self.fail(node, f"{name}() takes {want} arguments, got {len(node.args)}")
        args = [self.number(a, depth) for a in node.args]
        kind = "number"
        return _Node(lambda env: impl(*(a(env) for a in args)), kind)


def compile_expression(text: str | float | int | bool, namespace: Namespace) -> CompiledExpression:
    """Check an expression against the whitelist and compile it.

    Parameters
    ----------
    text : str or number
        The expression; a bare YAML number is accepted as a constant.
    namespace : Namespace
        The names the expression may use.

    Returns
    -------
    CompiledExpression

    Raises
    ------
    ExpressionError
        Syntax errors, disallowed constructs, unknown names (with the closest
        valid name suggested), unknown lever options, and expressions over
        the length or depth limits. Nothing is evaluated before this check.
    """
    if isinstance(text, bool) or not isinstance(text, str | int | float):
        raise ExpressionError(f"expected an expression (text or a number), got {text!r}")
    if not isinstance(text, str):
        value = float(text)
        return CompiledExpression(
            str(text), frozenset(), False, lambda env: value, lambda env, penv: [(value, 1.0)]
        )
    if len(text) > MAX_EXPRESSION_LENGTH:
        raise ExpressionError(
            f"expression is {len(text):,} characters long; the limit is {MAX_EXPRESSION_LENGTH:,}"
        )
    if not text.strip():
        raise ExpressionError("expression is empty")
    # Parentheses are the one construct that nests without an operator between levels;
    # refuse deep nesting before the parser, whose own limit reports it obscurely.
    depth = max_depth = 0
    for ch in text:
        if ch in "([{":
            depth += 1
            max_depth = max(max_depth, depth)
        elif ch in ")]}":
            depth -= 1
    if max_depth > MAX_EXPRESSION_DEPTH:
        raise ExpressionError(f"expression is nested more than {MAX_EXPRESSION_DEPTH} deep")
    source = text.strip()
    lead = len(text) - len(text.lstrip())
    try:
        tree = ast.parse(source.replace("\n", " "), mode="eval")
    except SyntaxError as exc:
        offset = max((exc.offset or 1) - 1, 0) + lead
        msg = exc.msg
        if msg.startswith("invalid syntax"):
            msg = "invalid syntax"
        found = _syntax_hint(source)
        if found is not None:
            hint_offset, hint = found
            raise ExpressionError(
                f"expression syntax error: {hint}", 0, hint_offset + lead
            ) from None
        raise ExpressionError(f"expression syntax error: {msg}", 0, offset) from None
    except (RecursionError, MemoryError, ValueError) as exc:
        raise ExpressionError(f"expression cannot be parsed: {type(exc).__name__}") from None
    compiler = _Compiler(namespace)
    try:
        root = compiler.compile(tree.body)
    except ExpressionError as exc:
        if exc.message == _CARET:
            masked = re.sub(r"'[^']*'|\"[^\"]*\"", lambda m: " " * len(m.group()), source)
            meant = "".join(
                "**" if ch == "^" and masked[k] == "^" else ch for k, ch in enumerate(source)
            )
            offset = masked.find("^")
            raise ExpressionError(
                f"{_CARET}: {meant}", exc.line, (offset if offset >= 0 else exc.offset) + lead
            ) from None
        exc.offset += lead
        raise
    except RecursionError:
        raise ExpressionError(
            f"expression is nested more than {MAX_EXPRESSION_DEPTH} deep"
        ) from None
    if root.kind == "lever":
        raise ExpressionError(
            f"lever {root.lever!r} alone is not a value: compare it with an option name", 0, lead
        )
    if root.kind in ("string", "strings"):
        raise ExpressionError("an expression cannot be only text", 0, lead)
    return CompiledExpression(
        text, frozenset(compiler.names), root.kind == "bool", root.fn, root.pair_fn()
    )
