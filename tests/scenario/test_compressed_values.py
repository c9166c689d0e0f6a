"""Whole values evaluated on distinct profiles: the same numbers as evaluated on every profile.

An expression mixing parameters and levers that is not a sum of separable
products (``where(lever == 'a', parameter, 1)``, ``sqrt(...)``) is evaluated on
one profile per group of equal inputs and kept compressed
(:class:`~tradegame.scenario.pairs.Compressed`). Every test here compares
the compressed route with the whole evaluation, with ``==`` on floats.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import tradegame as tg
from tradegame.model.build import Environment, build_payoffs, evaluation_environment
from tradegame.model.game import GameStructure
from tradegame.scenario.expressions import Namespace, compile_expression
from tradegame.scenario.pairs import Compressed, dense_value

LEVERS = {"a": ("x", "y", "z"), "b": ("u", "v"), "c": ("p", "q", "r", "s")}
PROFILES = list(itertools.product(*(range(len(o)) for o in LEVERS.values())))  # 24


def _environment(draws: int, seed: int) -> Environment:
    rng = np.random.default_rng(seed)
    values = {name: np.array([[p[k] for p in PROFILES]]) for k, name in enumerate(LEVERS)}
    values["c_w"] = np.array([[[0.5, 1.5, -2.0, 4.0][p[2]] for p in PROFILES]])  # a field
    for name in ("p1", "p2", "p3"):
        values[name] = rng.normal(size=(draws, 1)) * 3.0
    values["pos"] = rng.uniform(0.1, 5.0, size=(draws, 1))
    return Environment(values)


NS = Namespace(
    numbers=frozenset({"p1", "p2", "p3", "pos", "c_w", "t1", "t2"}),
    levers=dict(LEVERS),
)

EXPRESSIONS = [
    "where(a == 'x', p1, 1)",
    "p2 * where(a == 'y', 1, pos) * (b == 'v')",
    "sqrt(where(b == 'u', pos, 0.2)) - sqrt(0.2)",
    "max(p1, c_w) * p2 - min(p3, c_w * 2)",
    "exp(where(c in ('p', 'q'), p1 / 4, p2 / 4)) + (a == 'z') * p3",
    "t1 * t2 + t1 / pos - t2 ** 2",
    "where(a == 'x', t1, t2) * (c == 's')",
    "abs(p1 - c_w) if b == 'u' else clip(p2, -1, c_w)",
]


TERMS = (("t1", "where(a == 'y', p1, p2) * pos"), ("t2", "sqrt(pos) * c_w"))


def _evaluated(text: str, draws: int, seed: int) -> tuple[np.ndarray, np.ndarray, list]:
    """The value through pairs and through whole evaluation, and the pairs."""
    env = _environment(draws, seed)
    for name, term in TERMS:
        env.pairs[name] = compile_expression(term, NS).evaluate_pairs(env, env.pairs)
    expr = compile_expression(text, NS)
    pairs = expr.evaluate_pairs(env, env.pairs)
    shape = (draws, len(PROFILES))
    through_pairs = np.broadcast_to(dense_value(pairs), shape)
    whole = np.broadcast_to(np.asarray(expr.evaluate(env), dtype=np.float64), shape)
    return through_pairs, whole, pairs


@pytest.mark.parametrize("text", EXPRESSIONS)
def test_compressed_evaluation_is_the_whole_evaluation_bit_for_bit(
    text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tradegame.scenario.pairs as pairs_module

    for draws, seed in ((1, 0), (7, 1), (64, 2)):
        got, whole, pairs = _evaluated(text, draws, seed)
        with monkeypatch.context() as m:
            m.setattr(pairs_module, "_reduced_environment", lambda *a: None)
            want, want_whole, _ = _evaluated(text, draws, seed)
        for a, b in ((got, want), (whole, want_whole)):
            assert np.array_equal(a, b)
            assert np.array_equal(np.signbit(a), np.signbit(b))
        if draws > 1 and text.startswith("where(a == 'x', p1"):
            assert any(isinstance(g, Compressed) for g, _ in pairs)  # the route is taken


def test_a_compressed_value_keeps_one_column_per_group() -> None:
    env = _environment(5, 3)
    ((g, h),) = compile_expression("where(a == 'x', p1, 1)", NS).evaluate_pairs(env, env.pairs)
    # Profiles are grouped by the inputs read: lever a's three options, not 24 profiles.
    assert isinstance(g, Compressed) and g.values.shape == (5, 3) and h == 1.0
    assert np.array_equal(g.full(), np.where(env["a"] == 0, env["p1"], 1.0))


def test_payoffs_of_madrid_with_and_without_compression_are_equal(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The shipped Madrid reads a whole term (a deal's share): its payoffs do not move."""
    import tradegame.scenario.pairs as pairs_module

    scenario = tg.load_scenario("madrid_2025")
    game = GameStructure.from_scenario(scenario)
    from tradegame.scenario.sampling import ParameterSampler

    params = ParameterSampler(scenario.spec.parameters, 11).draws(0, 300)
    compressed = build_payoffs(scenario, game, evaluation_environment(scenario, game, params), 300)
    monkeypatch.setattr(pairs_module, "_reduced_environment", lambda *a: None)
    whole = build_payoffs(scenario, game, evaluation_environment(scenario, game, params), 300)
    assert np.array_equal(compressed, whole)
