"""Golden outputs of ``tradegame explain``: terminal text (colours off, 100 columns) and
Markdown, for the prisoner's dilemma, battle of the sexes (its mixed equilibrium), the
3x3 game needing a mixed dominator, entry deterrence (Nash versus subgame-perfect) and
the repeated prisoner's dilemma. After an intended change: ``python
tests/explain/make_golden.py`` and review the diff."""

from __future__ import annotations

import pytest
from explain_cases import CASES, golden_files, markdown_text, terminal_text


@pytest.mark.parametrize("name", sorted(CASES))
def test_terminal_output_is_the_golden_one(name: str) -> None:
    text, _ = golden_files(name)
    assert terminal_text(CASES[name]) == text.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(CASES))
def test_markdown_output_is_the_golden_one(name: str) -> None:
    _, md = golden_files(name)
    assert markdown_text(CASES[name]) == md.read_text(encoding="utf-8")


def test_the_golden_files_say_what_each_game_teaches() -> None:
    # The facts the golden files must contain, so that regenerating them cannot
    # silently bless a wrong explanation.
    md = {name: golden_files(name)[1].read_text(encoding="utf-8") for name in CASES}
    assert "Pareto-dominated by (cooperate, cooperate)" in md["prisoners_dilemma"]
    assert "only (defect, defect) survives" in md["prisoners_dilemma"]
    assert "q = 1/3" in md["battle_of_the_sexes"] and "p = 2/3" in md["battle_of_the_sexes"]
    assert "the mixture 1/2 top + 1/2 middle" in md["mixed_dominator"]
    assert "only (top, left) survives" in md["mixed_dominator"]
    assert "'fight' after entry: enter is not credible" in md["entry_deterrence"]
    assert "d\\* = 0.5" in md["repeated_prisoners_dilemma"]
