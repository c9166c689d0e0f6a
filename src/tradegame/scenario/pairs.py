"""Values as sums of separable products: the pair algebra of the expression compiler.

An expression's value over draws and profiles is kept, where it can be, as pairs
``(g, h)`` with ``value = sum(g * h)``: ``g`` varies along draws (shape ``(D, 1)``),
``h`` along profiles (``(1, P)``), so that a payoff is one small matrix product
(:func:`tradegame.model.build.build_payoffs`). A value that varies along both axes
and is no such sum is a "whole" draw factor: an array ``(D, P)``, or a
:class:`Compressed` one evaluated on the distinct profiles of what it reads.
Every operation here is elementwise on the same numbers as the whole evaluation
would do, so a value read back (:func:`dense_value`) is the same, bit for bit.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "MAX_PAIRS",
    "Compressed",
    "Pairs",
    "apply_binary",
    "as_pairs",
    "dense_pairs",
    "dense_value",
    "negated",
    "times",
]

#: A value as ``sum(g * h)`` over its pairs.
Pairs = list[tuple[Any, Any]]

#: Most (draw, profile) pairs a product may expand to before it is evaluated whole.
MAX_PAIRS = 64


def as_pairs(value: Any) -> Pairs:
    """Split a value into one (draw factor, profile factor) pair by its shape.

    Values varying only along profiles have shape ``(1, P)``; only along draws,
    ``(D, 1)``; along both, ``(D, P)`` (kept whole as the draw factor).
    """
    arr = np.asarray(value)
    if arr.ndim == 2 and arr.shape[0] == 1:
        return [(1.0, arr)]
    return [(arr, 1.0)]


@dataclass(frozen=True)
class Compressed:
    """A value that varies along draws and profiles, stored once per distinct column.

    ``values[:, index[p]]`` is the value at profile ``p``: a whole ``(D, P)`` value
    (an expression mixing parameters and levers that is not a sum of separable
    products) whose profiles differ only in the few levers it reads is computed
    on ``M`` representative profiles, ``M`` often a handful where ``P`` is
    thousands. Every operation on it is elementwise on the same numbers, so its
    :meth:`full` value is bit for bit the whole value's.

    Attributes
    ----------
    values : ndarray, shape (D, M)
    index : ndarray of int, shape (P,)

    Examples
    --------
    Two draws of a value that takes one of two columns over four profiles:

    >>> value = Compressed(np.array([[1.0, 5.0], [2.0, 6.0]]), np.array([0, 1, 1, 0]))
    >>> value.shape, value.full().tolist()
    ((2, 4), [[1.0, 5.0, 5.0, 1.0], [2.0, 6.0, 6.0, 2.0]])
    """

    values: NDArray[Any]
    index: NDArray[np.intp]

    @property
    def ndim(self) -> int:
        return 2

    @property
    def shape(self) -> tuple[int, int]:
        return (self.values.shape[0], self.index.shape[0])

    def full(self) -> NDArray[Any]:
        """The ``(D, P)`` value."""
        return self.values[:, self.index]


def apply_binary(fn: Callable[..., Any], x: Any, y: Any, **kw: Any) -> Any:
    """``fn(x, y)`` for operands that may be :class:`Compressed` (the same numbers)."""
    cx, cy = isinstance(x, Compressed), isinstance(y, Compressed)
    if cx and cy:
        M = y.values.shape[1]
        joint, index = np.unique(x.index * M + y.index, return_inverse=True)
        return Compressed(
            fn(x.values[:, joint // M], y.values[:, joint % M], **kw), index.reshape(-1)
        )
    if cx:
        if np.ndim(y) == 2 and np.shape(y)[1] > 1:  # varies along profiles: whole
            return fn(x.full(), y, **kw)
        return Compressed(fn(x.values, y, **kw), x.index)
    if cy:
        if np.ndim(x) == 2 and np.shape(x)[1] > 1:
            return fn(x, y.full(), **kw)
        return Compressed(fn(x, y.values, **kw), y.index)
    return fn(x, y, **kw)


def _full(value: Any) -> Any:
    return value.full() if isinstance(value, Compressed) else value


def dense_value(pairs: Pairs) -> Any:
    """The value ``sum(g * h)`` of pairs, broadcast to ``(D, P)`` (or less).

    Examples
    --------
    >>> draws = np.array([[1.0], [2.0]])  # (D, 1)
    >>> profiles = np.array([[0.0, 1.0, 3.0]])  # (1, P)
    >>> dense_value([(draws, profiles), (1.5, 1.0)]).tolist()
    [[1.5, 2.5, 4.5], [1.5, 3.5, 7.5]]
    """
    out: Any = None
    for g, h in pairs:
        term = np.multiply(_full(g), h, dtype=np.float64)
        out = term if out is None else out + term
    return out


def negated(pairs: Pairs) -> Pairs:
    """The value's negative, pair by pair (on the draw factors)."""
    return [
        (
            Compressed(np.negative(g.values, dtype=np.float64), g.index)
            if isinstance(g, Compressed)
            else np.negative(g, dtype=np.float64),
            h,
        )
        for g, h in pairs
    ]


def times(a: Pairs, b: Pairs) -> Pairs:
    """The product of two values as pairs: every pair of one times every pair of the other.

    Past :data:`MAX_PAIRS` products the value is formed whole instead.
    """
    if len(a) * len(b) > MAX_PAIRS:
        return [(np.multiply(dense_value(a), dense_value(b)), 1.0)]
    return [(_product(ga, gb), _product(ha, hb)) for ga, ha in a for gb, hb in b]


def _product(x: Any, y: Any) -> Any:
    """``x * y`` in float64; a float64 array times the number 1.0 is that array, not a copy.

    Multiplying by 1.0 is exact, so the value is the same, bit for bit; skipping the
    copy matters for the ``(D, P)`` arrays of values that vary along draws and
    profiles, which a pair's other factor often leaves at 1.0.
    """
    if type(y) is float and y == 1.0 and _is_float64(x):
        return x
    if type(x) is float and x == 1.0 and _is_float64(y):
        return y
    return apply_binary(np.multiply, x, y, dtype=np.float64)


def _is_float64(x: Any) -> bool:
    if isinstance(x, Compressed):
        return bool(x.values.dtype == np.float64)
    return isinstance(x, np.ndarray) and x.dtype == np.float64


def dense_pairs(
    fn: Callable[[Mapping[str, Any]], Any],
    names: frozenset[str],
    env: Mapping[str, Any],
    penv: Mapping[str, Pairs],
) -> Pairs:
    """A value evaluated whole, on the distinct profiles of the levers it reads.

    The profiles are grouped by the values of everything the expression reads
    that varies along them (levers, option fields, the profile factors of terms);
    the expression is evaluated on one profile of each group, elementwise on the
    same numbers, and spread back: a :class:`Compressed` value (or a profile-only
    one). Where grouping saves little, or a term read is itself whole, the value
    is evaluated on every profile.
    """
    reduced = _reduced_environment(names, env, penv)
    if reduced is None:
        return as_pairs(fn(env))
    sub, which = reduced
    value = np.asarray(fn(sub))
    if value.ndim == 2 and value.shape[1] > 1:
        if value.shape[0] == 1:
            return [(1.0, value[:, which])]
        return [(Compressed(value, which), 1.0)]
    return as_pairs(value)


def _reduced_environment(
    names: frozenset[str], env: Mapping[str, Any], penv: Mapping[str, Pairs]
) -> tuple[Any, NDArray[np.intp]] | None:
    """The environment on one profile per group of equal inputs, and each profile's group."""
    rows: list[NDArray[Any]] = []
    profiles = 0
    for name in names:
        if name in penv:
            for g, h in penv[name]:
                if isinstance(g, Compressed):
                    rows.append(g.index)
                elif np.ndim(g) == 2 and np.shape(g)[1] > 1:
                    return None  # a whole term: nothing to group by
                if np.ndim(h) == 2 and np.shape(h)[1] > 1:
                    rows.append(np.asarray(h)[0])
        elif isinstance(env, dict) and name in env:
            value = dict.__getitem__(env, name)
            if np.ndim(value) == 2 and np.shape(value)[1] > 1:
                if np.shape(value)[0] != 1:
                    return None
                rows.append(np.asarray(value)[0])
    if not rows:
        return None
    profiles = rows[0].shape[0]
    if any(r.shape[0] != profiles for r in rows):
        return None
    keys = np.stack([np.asarray(r, dtype=np.float64) for r in rows])
    order = np.lexsort(keys[::-1])
    ordered = keys[:, order]
    first = np.ones(profiles, dtype=bool)
    first[1:] = (ordered[:, 1:] != ordered[:, :-1]).any(axis=0)
    groups = int(first.sum())
    if groups < 2 or groups * 2 > profiles:
        # One group would lose the profile axis (the value's shape is part of its
        # meaning: a whole value is added after the payoff product, not in it).
        return None
    which = np.empty(profiles, dtype=np.intp)
    which[order] = np.cumsum(first) - 1
    representative = order[first]

    def restrict(x: Any) -> Any:
        if isinstance(x, Compressed):
            return x.values[:, x.index[representative]]
        if isinstance(x, np.ndarray) and x.ndim == 2 and x.shape[1] == profiles:
            return x[:, representative]
        return x

    sub = type(env)({k: restrict(v) for k, v in dict.items(env)}) if isinstance(env, dict) else None
    if sub is None:
        return None
    if hasattr(env, "pairs"):  # the model's Environment: terms' pairs restricted too
        restricted = {k: [(restrict(g), restrict(h)) for g, h in v] for k, v in penv.items()}
        setattr(sub, "pairs", restricted)  # noqa: B010 (an attribute of a dict subclass)
    return sub, which
