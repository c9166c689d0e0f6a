"""Adding a selection rule the way ``docs/contributing.md`` says, and seeing a run use it.

The walk-through has three steps: a member of ``Selection`` (in
``scenario/vocabulary.py``), the rule's function in ``PURE_RULES`` and its
sentence in ``SELECTION_RULES`` (in ``play/selection.py``). A test cannot
edit the source, so :func:`add_rule` takes the same three steps at run time
(and undoes them afterwards); everything downstream — option checking, the
play rule, the run, its JSON — is the project's own code, unchanged.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import numpy as np
import pytest
from numpy.typing import NDArray

import tradegame as tg
from tradegame.play.selection import PURE_RULES, SELECTION_RULES, KeepRule, select
from tradegame.scenario.vocabulary import Selection, UnknownChoice, parse_choice

# Stag hunt with an uncertain prize: every draw has exactly two pure equilibria,
# (stag, stag) first in profile order and (hare, hare) last, with different outcomes.
STAG_HUNT = """\
tradegame: 1
title: Stag hunt with an uncertain prize
players:
  row: {strategies: [stag, hare]}
  col: {strategies: [stag, hare]}
parameters:
  prize: {dist: uniform, low: 3, high: 5}
payoffs:
  matrix:
    - [[prize, prize], [0, 2]]
    - [[2, 0], [2, 2]]
outcomes:
  both_stag: row == 'stag' and col == 'stag'
  both_hare: row == 'hare' and col == 'hare'
  otherwise: split
"""


def _first_listed(
    mask: NDArray[np.bool_], U: NDArray[np.float64], shape: tuple[int, ...] | None
) -> NDArray[np.bool_]:
    """A toy rule: the equilibrium first in profile order."""
    keep = np.zeros_like(mask)
    has = mask.any(axis=1)
    keep[np.flatnonzero(has), np.argmax(mask, axis=1)[has]] = True
    return keep


def _last_listed(
    mask: NDArray[np.bool_], U: NDArray[np.float64], shape: tuple[int, ...] | None
) -> NDArray[np.bool_]:
    """A toy rule: the equilibrium last in profile order."""
    return _first_listed(mask[:, ::-1], U[:, :, ::-1], shape)[:, ::-1]


@pytest.fixture
def add_rule(
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Callable[[str, KeepRule, str], Selection]]:
    """The walk-through's three steps, at run time; monkeypatch undoes them."""

    def add(value: str, keep: KeepRule, sentence: str) -> Selection:
        member = str.__new__(Selection, value)  # step 1: a member of Selection
        member._name_ = value.upper()
        member._value_ = value
        monkeypatch.setitem(Selection._member_map_, value.upper(), member)
        monkeypatch.setitem(Selection._value2member_map_, value, member)
        monkeypatch.setattr(Selection, "_member_names_", [*Selection._member_names_, value.upper()])
        monkeypatch.setitem(PURE_RULES, member, keep)  # step 2: the rule
        monkeypatch.setitem(SELECTION_RULES, member, sentence)  # step 3: its sentence
        return member

    yield add


def test_a_new_rule_is_a_choice_and_a_run_plays_it(add_rule) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(UnknownChoice):
        parse_choice(Selection, "first_listed")
    first = add_rule("first_listed", _first_listed, "the pure equilibrium first in profile order")
    last = add_rule("last_listed", _last_listed, "the pure equilibrium last in profile order")
    assert parse_choice(Selection, "first_listed") is first
    assert first in list(Selection)

    sc = tg.parse_scenario(STAG_HUNT, "stag_hunt.yaml")
    runs = {
        rule: tg.simulate(sc, samples=3000, seed=5, selection=rule)
        for rule in ("uniform", "first_listed", "last_listed")
    }
    assert set(runs["uniform"].equilibrium_counts) == {2}  # two equilibria in every draw
    # Closed form: the first equilibrium is (stag, stag), the last (hare, hare).
    assert runs["first_listed"].outcome_probabilities["both_stag"] == 1.0
    assert runs["last_listed"].outcome_probabilities["both_hare"] == 1.0
    # The defining property: with two equilibria per draw, 'uniform' is the average
    # of the two toy rules, outcome by outcome.
    for outcome, p in runs["uniform"].outcome_probabilities.items():
        pf = runs["first_listed"].outcome_probabilities[outcome]
        pl = runs["last_listed"].outcome_probabilities[outcome]
        assert p == pytest.approx((pf + pl) / 2, abs=1e-12), outcome
    # The run says which rule it used, in the rule's own words.
    doc = json.loads(runs["first_listed"].to_json())
    assert doc["method"]["selection"] == "first_listed"
    assert "first in profile order" in doc["method"]["selection_rule"]
    assert last in PURE_RULES


def test_a_rule_keeps_only_equilibria(add_rule) -> None:  # type: ignore[no-untyped-def]
    """What ``select`` makes of any registered rule: weights on equilibria, summing to 1."""
    add_rule("first_listed", _first_listed, "the pure equilibrium first in profile order")
    rng = np.random.default_rng(0)
    mask = rng.random((200, 6)) < 0.3
    U = rng.normal(size=(200, 2, 6))
    for rule in (*PURE_RULES, "first_listed"):
        if rule == Selection.RISK_DOMINANT:
            w = select(mask, U, rule, shape=(2, 3))
        else:
            w = select(mask, U, rule)
        assert np.all(w[~mask] == 0)
        has = mask.any(axis=1)
        np.testing.assert_allclose(w[has].sum(axis=1), 1.0)
        assert np.all(w[~has] == 0)


def test_the_registry_and_the_vocabulary_agree() -> None:
    """Every pure rule has a name and a sentence; every name but mixed and qre has a rule."""
    assert set(PURE_RULES) <= set(SELECTION_RULES) == set(Selection)
    assert set(Selection) - set(PURE_RULES) == {Selection.MIXED, Selection.QRE}
