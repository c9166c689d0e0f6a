"""The commands of the ``tradegame`` command line that answer the analyst's questions:
compare, sensitivity, sweep, report and backtest (each a function with its options).

What they share is in :mod:`tradegame.cli.shared`.
"""

# No ``from __future__ import annotations``: Typer reads the options from the
# annotations, and evaluating them as strings (twice, for each command) would
# cost every start of the command line a few tens of milliseconds.

from pathlib import Path
from typing import Annotated

import typer

import tradegame.cli.commands  # noqa: F401  (the one-scenario commands first in --help)
from tradegame._output import atomic_write_text
from tradegame._text import printable
from tradegame.cli.shared import (
    MAX_SEED,
    AnalysisSeedOption,
    BadInput,
    DpiOption,
    FigureOption,
    FigureStyleName,
    FixOption,
    JsonOption,
    MaxMemoryOption,
    ScenarioArg,
    SchedulerOption,
    SetOption,
    StyleOption,
    VariantOption,
    WorkersOption,
    app,
    check_budget,
    check_output,
    check_plot_name,
    check_workers,
    load,
    out,
    write_document,
)
from tradegame.scenario.vocabulary import MAX_SAMPLES


@app.command()
def compare(
    scenario: ScenarioArg,
    others: Annotated[
        list[str] | None,
        typer.Argument(help="Scenarios to compare with the first (files or shipped names)."),
    ] = None,
    variants: Annotated[
        list[str] | None,
        typer.Option(
            "--variant",
            metavar="NAME",
            help="Compare with this variant of the scenario's 'variants:' block (repeatable).",
        ),
    ] = None,
    set_: SetOption = None,
    fix: FixOption = None,
    samples: Annotated[
        int | None,
        typer.Option(
            "--samples",
            "-n",
            min=2,
            max=MAX_SAMPLES,
            help="Paired draws (default: the first scenario's samples).",
        ),
    ] = None,
    seed: AnalysisSeedOption = None,
    json_path: JsonOption = None,
    plot_path: FigureOption = None,
    style: StyleOption = FigureStyleName.TALK,
    dpi: DpiOption = None,
    workers: WorkersOption = 1,
    scheduler: SchedulerOption = None,
) -> None:
    """Compare a scenario with its variants, a what-if (--set, --fix) or other files.

    Every side is run on common random numbers (the same seed: draw k of a
    shared parameter is the same number on each side); differences are paired,
    with 95 % intervals.
    """
    import json as json_module

    from tradegame.analysis.compare import CompareError
    from tradegame.analysis.compare import compare as compare_scenarios
    from tradegame.report.compare import comparison_tables, plot_comparisons

    check_output(json_path)
    check_output(plot_path)
    if plot_path is not None:
        check_plot_name(plot_path, "--plot")
    check_workers(workers, scheduler)
    base = load(scenario)
    sides = [load(o) for o in others or []]
    names = [scenario, *(others or [])]
    for v in variants or []:
        sides.append(load(scenario, None, None, v))
        names.append(f"variant {v}")
    if set_ or fix:
        sides.append(load(scenario, set_, fix, None))
        names.append(
            " ".join([*(f"--set {x}" for x in set_ or []), *(f"--fix {x}" for x in fix or [])])
        )
    if not sides:
        raise BadInput(
            "compare needs something to compare the scenario with: another scenario, "
            "--variant NAME, or --set/--fix"
        )
    try:
        comparisons = compare_scenarios(
            base,
            sides,
            samples=samples,
            seed=seed,
            names=names,
            workers=workers,
            scheduler=scheduler,
        )
    except CompareError as exc:
        raise BadInput(str(exc)) from None
    if json_path is not None:
        doc = json_module.dumps([c.to_dict() for c in comparisons], indent=2, allow_nan=False)
        write_document(json_path, doc + "\n")
    if plot_path is not None:
        from tradegame.report.plot import outcome_labels

        plot_comparisons(comparisons, plot_path, style=style, dpi=dpi, labels=outcome_labels(base))
    if json_path != "-":
        for c in comparisons:
            out.print(comparison_tables(c))


@app.command()
def sensitivity(
    scenario: ScenarioArg,
    samples: Annotated[
        int | None,
        typer.Option(
            "--samples",
            "-n",
            min=200,
            max=MAX_SAMPLES,
            help="Draws for the global indices (default: the scenario's samples).",
        ),
    ] = None,
    seed: AnalysisSeedOption = None,
    outcome: Annotated[
        str | None,
        typer.Option("--outcome", help="The tornado's outcome (default: the one moved most)."),
    ] = None,
    set_: SetOption = None,
    fix: FixOption = None,
    variant: VariantOption = None,
    json_path: JsonOption = None,
    plot_path: FigureOption = None,
    style: StyleOption = FigureStyleName.TALK,
    dpi: DpiOption = None,
    workers: WorkersOption = 1,
    scheduler: SchedulerOption = None,
) -> None:
    """Which assumptions drive the answer: a tornado, global indices, dead parameters."""
    from tradegame.analysis.sensitivity import SensitivityError
    from tradegame.analysis.sensitivity import sensitivity as analyse
    from tradegame.report.sensitivity import plot_sensitivity, sensitivity_tables

    check_output(json_path)
    check_output(plot_path)
    if plot_path is not None:
        check_plot_name(plot_path, "--plot")
    check_workers(workers, scheduler)
    sc = load(scenario, set_, fix, variant)
    if outcome is not None and outcome not in sc.outcome_labels:
        raise BadInput(
            f"--outcome: {outcome!r} is not an outcome of {sc.source}; "
            f"its outcomes: {', '.join(sc.outcome_labels)}"
        )
    try:
        result = analyse(sc, samples=samples, seed=seed, workers=workers, scheduler=scheduler)
    except SensitivityError as exc:
        raise BadInput(str(exc)) from None
    write_document(json_path, result.to_json())
    if plot_path is not None:
        from tradegame.report.plot import outcome_labels

        plot_sensitivity(
            result, plot_path, outcome, style=style, dpi=dpi, labels=outcome_labels(sc)
        )
    if json_path != "-":
        out.print(sensitivity_tables(result))


@app.command()
def sweep(
    scenario: ScenarioArg,
    params: Annotated[
        list[str],
        typer.Option(
            "--param",
            "-p",
            help="PATH=LO:HI:N (N values from LO to HI), PATH=V1,V2,... or fix.LEVER=OPT1,OPT2; "
            "once or twice.",
        ),
    ],
    samples: Annotated[
        int | None,
        typer.Option(
            "--samples", "-n", min=1, max=MAX_SAMPLES, help="Draws per point (default: the file's)."
        ),
    ] = None,
    seed: AnalysisSeedOption = None,
    json_path: JsonOption = None,
    csv_path: Annotated[
        str | None,
        typer.Option("--csv", help="Write the grid as CSV, a row per point and outcome."),
    ] = None,
    plot_path: FigureOption = None,
    style: StyleOption = FigureStyleName.TALK,
    dpi: DpiOption = None,
    set_: SetOption = None,
    fix: FixOption = None,
    variant: VariantOption = None,
    workers: WorkersOption = 1,
    scheduler: SchedulerOption = None,
) -> None:
    """Outcome probabilities over a grid of one or two settings, on common random numbers."""
    from tradegame.analysis.sweep import SweepError, parse_axis
    from tradegame.analysis.sweep import sweep as run_sweep
    from tradegame.report.sweep import plot_sweep, sweep_table

    for path in (json_path, csv_path, plot_path):
        check_output(path)
    if plot_path is not None:
        check_plot_name(plot_path, "--plot")
    check_workers(workers, scheduler)
    try:
        axes = [parse_axis(p) for p in params]
    except SweepError as exc:
        raise BadInput(f"--param {exc}") from None
    if len(axes) > 2:
        raise BadInput("--param: a sweep takes one or two axes")
    sc = load(scenario, set_, fix, variant)
    try:
        result = run_sweep(
            sc, axes, samples=samples, seed=seed, workers=workers, scheduler=scheduler
        )
    except SweepError as exc:
        raise BadInput(str(exc)) from None
    write_document(json_path, result.to_json())
    if csv_path is not None:
        write_document(csv_path, result.to_csv())
    if plot_path is not None:
        from tradegame.report.plot import outcome_labels

        plot_sweep(result, plot_path, style=style, dpi=dpi, labels=outcome_labels(sc))
    if json_path != "-":
        out.print(sweep_table(result))


@app.command()
def report(
    scenario: ScenarioArg,
    output: Annotated[
        str,
        typer.Option("--output", "-o", help="The HTML file to write."),
    ] = "report.html",
    samples: Annotated[
        int | None,
        typer.Option(
            "--samples",
            "-n",
            min=2,
            max=MAX_SAMPLES,
            help="Draws of the run, the comparisons and the sensitivity analysis "
            "(default: the scenario's).",
        ),
    ] = None,
    seed: Annotated[
        int | None,
        typer.Option(
            "--seed",
            min=0,
            max=MAX_SEED,
            help="Random seed, 0 to 2**63-1 (default: the scenario's, else fresh and shown).",
        ),
    ] = None,
    compare_with: Annotated[
        list[str] | None,
        typer.Option(
            "--compare",
            help="Another scenario to compare with this one, after its variants (repeatable).",
        ),
    ] = None,
    set_: SetOption = None,
    fix: FixOption = None,
    variant: VariantOption = None,
    max_memory: MaxMemoryOption = None,
    style: Annotated[
        FigureStyleName,
        typer.Option(
            "--style",
            help="Style of the page's figures: 'talk' (large fonts and thick lines, for a "
            "projector) or 'paper'.",
        ),
    ] = FigureStyleName.TALK,
) -> None:
    """Write one self-contained HTML report: assumptions, equilibria, outcomes, variants,
    sensitivity, and how to reproduce it."""
    from tradegame.analysis.report_data import gather
    from tradegame.play.options import RunOptions
    from tradegame.report.html import format_report

    check_output(output)
    sc = load(scenario, set_, fix, variant)
    others = [load(o) for o in compare_with or ()]
    check_budget(sc, "report", "solve", max_memory)
    RunOptions.resolve(sc)  # the file's own analysis choices, located, before any draw
    data = gather(sc, samples=samples, seed=seed, others=others, progress=True)
    atomic_write_text(output, format_report(data, output, style=style))
    out.print(
        printable(f"wrote {output} ({data.samples:,} draws, seed {data.seed})"),
        markup=False,
        highlight=False,
        soft_wrap=True,
    )


def _history_files(paths: list[str]) -> list[str]:
    """The scenario files named: a directory (or a shipped one, 'history') stands for its
    ``*.yaml`` files with an ``observed:`` block (not its subdirectories), sorted; one
    without any is refused."""
    import yaml

    from tradegame.scenario.library import shipped_directory

    files: list[str] = []
    for p in paths:
        path = shipped_directory(p) or Path(p)
        if not path.is_dir():
            files.append(p)
            continue
        found = sorted(q for q in path.iterdir() if q.suffix in (".yaml", ".yml") and q.is_file())
        history = []
        for q in found:
            try:
                data = yaml.safe_load(q.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, yaml.YAMLError):
                history.append(str(q))  # loading it reports what is wrong, located
                continue
            if isinstance(data, dict) and "observed" in data:
                history.append(str(q))
        if not history:
            raise BadInput(
                f"{p}: no history scenarios in this directory (scenario files with an "
                f"'observed:' block){'' if found else '; it has no .yaml files'}"
            )
        files += history
    return files


@app.command()
def backtest(
    paths: Annotated[
        list[str],
        typer.Argument(
            metavar="DIR_OR_FILES...",
            help="History scenarios (with 'observed:'), or directories of them.",
        ),
    ],
    samples: Annotated[
        int | None,
        typer.Option(
            "--samples",
            "-n",
            min=1,
            max=MAX_SAMPLES,
            help="Draws per round (default: each file's samples).",
        ),
    ] = None,
    seed: Annotated[
        int | None,
        typer.Option(
            "--seed",
            min=0,
            max=MAX_SEED,
            help="Random seed of every round (default: each file's, else fresh and recorded).",
        ),
    ] = None,
    json_path: JsonOption = None,
    csv_path: Annotated[
        str | None,
        typer.Option("--csv", help="Write a row per round as CSV ('-' for standard output)."),
    ] = None,
    plot_path: FigureOption = None,
    style: StyleOption = FigureStyleName.TALK,
    dpi: DpiOption = None,
) -> None:
    """Score history scenarios' forecasts against what happened: Brier and log scores of
    the model, a uniform forecast and the earlier rounds' base rate, and a reliability
    table. With a few rounds, an illustration, not a validation."""
    from tradegame.analysis.backtest import backtest as run_backtest
    from tradegame.report.backtest import backtest_tables, plot_backtest

    if json_path == "-" and csv_path == "-":
        raise BadInput("--json - and --csv -: only one of them can go to standard output")
    for path in (json_path, csv_path, plot_path):
        check_output(path)
    if plot_path is not None:
        check_plot_name(plot_path, "--plot")
    scenarios = [load(f) for f in _history_files(paths)]
    result = run_backtest(scenarios, samples=samples, seed=seed)
    for path, text in ((json_path, result.to_json), (csv_path, result.to_csv)):
        if path is not None:
            write_document(path, text())
    if plot_path is not None:
        plot_backtest(result, plot_path, style=style, dpi=dpi)
    if "-" not in (json_path, csv_path):
        out.print(backtest_tables(result))
