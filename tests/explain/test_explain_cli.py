"""``tradegame explain`` on the command line: formats, --output, --plot, errors, and every
shipped scenario explained quickly and without error."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from explain_cases import CASES

from tradegame.scenario.library import shipped_scenarios

SHIPPED = sorted(s.name for s in shipped_scenarios())


def test_terminal_format_prints_every_section(cli) -> None:
    r = cli("explain", CASES["prisoners_dilemma"])
    assert r.code == 0, r.stderr
    for title in ("The game", "Iterated elimination", "Pure Nash equilibria", "Pareto"):
        assert title in r.stdout
    assert "Two suspects choose" in r.stdout  # the scenario's description


def test_markdown_and_latex_to_standard_output_and_to_a_file(cli, tmp_path: Path) -> None:
    r = cli("explain", CASES["battle_of_the_sexes"], "--format", "markdown")
    assert r.code == 0 and r.stdout.startswith("# Battle of the sexes")
    out = tmp_path / "notes.tex"
    r = cli("explain", CASES["battle_of_the_sexes"], "--format", "latex", "--output", out)
    assert r.code == 0 and r.stdout == ""
    tex = out.read_text(encoding="utf-8")
    assert "\\begin{align*}" in tex and "\\begin{tabular}" in tex and "q &= \\tfrac{1}{3}" in tex


def test_output_needs_a_document_format(cli, tmp_path: Path) -> None:
    r = cli("explain", CASES["prisoners_dilemma"], "--output", tmp_path / "x.md")
    assert r.code == 2 and "--format markdown or latex" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_set_fix_and_selection_reach_the_explanation(cli) -> None:
    r = cli(
        "explain",
        CASES["entry_deterrence"],
        "--set",
        "parameters.reputation_value.low=4",
        "--format",
        "markdown",
    )
    assert r.code == 0
    assert "reputation\\_value = 4.5" in r.stdout and "is not credible: there" not in r.stdout
    r = cli("explain", "classroom/stag_hunt", "--selection", "risk_dominant")
    assert r.code == 0 and "Nash product" in r.stdout


@pytest.mark.parametrize("suffix", [".png", ".svg", ".pdf"])
def test_plot_writes_the_payoff_figure(cli, tmp_path: Path, suffix: str) -> None:
    out = tmp_path / f"table{suffix}"
    r = cli("explain", CASES["battle_of_the_sexes"], "--plot", out, "--style", "paper")
    assert r.code == 0, r.stderr
    head = out.read_bytes()[:8]
    assert head.startswith({".png": b"\x89PNG", ".svg": b"<?xml", ".pdf": b"%PDF"}[suffix])


def test_plot_svg_is_deterministic(cli, tmp_path: Path) -> None:
    a, b = tmp_path / "a.svg", tmp_path / "b.svg"
    for path in (a, b):
        assert cli("explain", CASES["mixed_dominator"], "--plot", path).code == 0
    assert a.read_bytes() == b.read_bytes()


def test_plot_dpi_sets_the_png_size(cli, tmp_path: Path) -> None:
    import struct

    sizes = []
    for dpi in ("50", "100"):
        out = tmp_path / f"t{dpi}.png"
        assert cli("explain", CASES["prisoners_dilemma"], "--plot", out, "--dpi", dpi).code == 0
        sizes.append(struct.unpack(">II", out.read_bytes()[16:24]))
    assert sizes[1][0] == pytest.approx(2 * sizes[0][0], abs=2)


def test_plot_of_a_game_without_a_table_is_refused_before_any_output(cli, tmp_path: Path) -> None:
    out = tmp_path / "madrid.png"
    r = cli("explain", "madrid_2025", "--plot", out)
    assert r.code == 2 and r.stdout == "" and "no payoff table" in r.stderr
    assert not out.exists()


def test_a_solution_that_does_not_fit_is_one_line(cli) -> None:
    r = cli("explain", "classroom/chicken", "--solution", "subgame_perfect")
    assert r.code == 2 and r.stderr.startswith("error: --solution subgame_perfect: ")
    assert len(r.stderr.strip().splitlines()) == 1


def test_bad_plot_name_and_bad_scenario_are_one_line_errors(cli, tmp_path: Path) -> None:
    r = cli("explain", CASES["prisoners_dilemma"], "--plot", tmp_path / "x.gif")
    assert r.code == 2 and "--plot" in r.stderr
    bad = tmp_path / "bad.yaml"
    bad.write_text("tradegame: 1\ntitle: x\nplayers: 3\n", encoding="utf-8")
    r = cli("explain", bad)
    assert r.code == 2 and "Traceback" not in r.stderr
    assert r.stderr.startswith(f"error: {bad}:3:") and len(r.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("name", SHIPPED)
def test_every_shipped_scenario_is_explained_quickly(cli, name: str) -> None:
    start = time.perf_counter()
    r = cli("explain", name, "--format", "markdown")
    took = time.perf_counter() - start
    assert r.code == 0, r.stderr
    assert r.stdout.startswith("# ") and "## What the analysis plays" in r.stdout
    assert took < 60  # a bound against hangs (Madrid's tree has thousands of nodes)
