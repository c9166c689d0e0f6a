"""The commands of the ``tradegame`` command line for a classroom: ``explain``.

``tradegame explain SCENARIO`` prints the central game solved step by step (the
payoff table with best responses marked, iterated dominance, each equilibrium and
why, mixed equilibria from the indifference conditions, risk dominance, backward
induction and non-credible threats, repeated games and bargaining); the content
is :mod:`tradegame.analysis.explain`, the rendering :mod:`tradegame.report.explain`.
"""

# No ``from __future__ import annotations``: Typer reads the options from the
# annotations, and evaluating them as strings (twice, for each command) would
# cost every start of the command line a few tens of milliseconds.

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from tradegame._text import printable
from tradegame.cli.shared import (
    BadInput,
    DpiOption,
    FigureStyleName,
    FixOption,
    MaxMemoryOption,
    ScenarioArg,
    SetOption,
    StyleOption,
    VariantOption,
    app,
    check_budget,
    check_output,
    check_plot_name,
    load,
    out,
    run_options_checked,
    write_document,
)
from tradegame.scenario.vocabulary import Selection, Solution


class ExplainFormat(StrEnum):
    """What ``explain --format`` writes."""

    TERMINAL = "terminal"
    MARKDOWN = "markdown"
    LATEX = "latex"


@app.command()
def explain(
    scenario: ScenarioArg,
    fmt: Annotated[
        ExplainFormat,
        typer.Option(
            "--format",
            "-f",
            help="terminal (tables, for reading), markdown or latex (for course notes).",
        ),
    ] = ExplainFormat.TERMINAL,
    output: Annotated[
        str | None,
        typer.Option(
            "--output",
            "-o",
            help="Write the markdown or latex document to this file (default: standard output).",
        ),
    ] = None,
    plot: Annotated[
        str | None,
        typer.Option(
            "--plot",
            help="Also draw the payoff table, best responses and equilibria marked, and for "
            "2x2 games the best-response diagram in mixed strategies (.png, .svg, .pdf).",
        ),
    ] = None,
    style: StyleOption = FigureStyleName.TALK,
    dpi: DpiOption = None,
    solution: Annotated[
        Solution | None,
        typer.Option("--solution", help="Solution concept of the last section (as 'solve')."),
    ] = None,
    selection: Annotated[
        Selection | None,
        typer.Option("--selection", help="Equilibrium selection (as 'solve')."),
    ] = None,
    max_memory: MaxMemoryOption = None,
    set_: SetOption = None,
    fix: FixOption = None,
    variant: VariantOption = None,
) -> None:
    """Explain the central game step by step: how each equilibrium is found, and why."""
    from tradegame.analysis.explain import explain_scenario
    from tradegame.report.explain import render_latex, render_markdown, render_terminal
    from tradegame.report.payoff_figure import plot_payoff_figure

    if output is not None and fmt == "terminal":
        raise BadInput("--output writes a document: use it with --format markdown or latex")
    check_output(output)
    if plot is not None:
        check_output(plot)
        check_plot_name(plot, "--plot")
    sc = load(scenario, set_, fix, variant)
    check_budget(sc, "solve", "solve", max_memory)
    with run_options_checked(sc):
        account = explain_scenario(
            sc,
            solution=None if solution is None else str(solution),
            selection=None if selection is None else str(selection),
        )
    if plot is not None and account.table is None:
        raise BadInput(
            f"--plot {plot}: this game has no payoff table small enough to draw "
            "(see 'tradegame tree' for its tree)"
        )
    if fmt == "terminal":
        out.print(render_terminal(account), soft_wrap=False)
    else:
        text = render_markdown(account) if fmt == "markdown" else render_latex(account)
        write_document(output if output is not None else "-", text)
    if plot is not None:
        plot_payoff_figure(account, Path(plot), style=str(style), dpi=dpi)
        if output is not None or fmt == "terminal":
            out.print(printable(f"wrote {plot}"), markup=False, highlight=False, soft_wrap=True)
