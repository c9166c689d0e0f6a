"""The commands of the ``tradegame`` command line that work on one scenario: run, solve,
tree, export, import, validate, schema and list (each a function with its options).

What they share is in :mod:`tradegame.cli.shared`; running them as a program (exit
codes, signals, one-line errors) is :func:`tradegame.cli.main`.
"""

# No ``from __future__ import annotations``: Typer reads the options from the
# annotations, and evaluating them as strings (twice, for each command) would
# cost every start of the command line a few tens of milliseconds.

from pathlib import Path
from typing import Annotated

import typer

from tradegame._output import atomic_write_text, write_stdout
from tradegame._text import printable
from tradegame.cli.shared import (
    MAX_MEMORY_GIB,
    MAX_SEED,
    MAX_TREE_NODES,
    BadInput,
    DisagreementOption,
    DpiOption,
    FigureStyleName,
    FixOption,
    MaxMemoryOption,
    NoEquilibriumOption,
    QreLambdaOption,
    ScenarioArg,
    SchedulerOption,
    SelectionOption,
    SetOption,
    SolutionOption,
    StyleOption,
    VariantOption,
    WorkersOption,
    app,
    check_budget,
    check_output,
    check_plot_name,
    check_workers,
    draws_refused,
    err,
    finite_option,
    load,
    out,
    run_options_checked,
    write_document,
)
from tradegame.errors import ScenarioError, ScenarioIssue
from tradegame.scenario.vocabulary import MAX_SAMPLES, EfgForm, GameFormat


@app.command()
def run(
    scenario: ScenarioArg,
    samples: Annotated[
        int | None,
        typer.Option(
            "--samples",
            "-n",
            min=1,
            max=MAX_SAMPLES,
            help=f"Number of Monte Carlo draws, at most {MAX_SAMPLES:,} (default: the scenario's).",
        ),
    ] = None,
    seed: Annotated[
        int | None,
        typer.Option(
            "--seed",
            min=0,
            max=MAX_SEED,
            help="Random seed, 0 to 2**63-1 (default: the scenario's, else fresh and recorded).",
        ),
    ] = None,
    selection: SelectionOption = None,
    json_path: Annotated[
        str | None,
        typer.Option("--json", help="Write the result document as JSON ('-' for standard output)."),
    ] = None,
    csv_path: Annotated[str | None, typer.Option("--csv", help="Write outcomes as CSV.")] = None,
    plot_path: Annotated[
        str | None,
        typer.Option(
            "--plot",
            help="Write a bar chart of outcome probabilities (.png, .svg, .pdf; "
            "PNG to a device or pipe).",
        ),
    ] = None,
    style: StyleOption = FigureStyleName.TALK,
    dpi: DpiOption = None,
    chunk_size: Annotated[
        int | None,
        typer.Option(
            "--chunk-size",
            min=1,
            max=MAX_SAMPLES,
            help="Draws solved at once, rounded up to a multiple of 2048 "
            "(memory only; never changes results).",
        ),
    ] = None,
    solution: SolutionOption = None,
    disagreement: DisagreementOption = None,
    no_equilibrium: NoEquilibriumOption = None,
    qre_lambda: QreLambdaOption = None,
    workers: WorkersOption = 1,
    scheduler: SchedulerOption = None,
    checkpoint: Annotated[
        str | None,
        typer.Option(
            "--checkpoint",
            help="Record progress in this file; if it exists, resume from it "
            "(the result is identical to an uninterrupted run).",
        ),
    ] = None,
    max_memory: Annotated[
        float | None,
        typer.Option(
            "--max-memory",
            callback=finite_option(0.001, MAX_MEMORY_GIB),
            help=f"GiB the run's arrays may use, 0.001 to {MAX_MEMORY_GIB:g} "
            "(default: half the machine's memory, at most 8).",
        ),
    ] = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No table, no progress bar.")
    ] = False,
    precision: Annotated[
        float | None,
        typer.Option(
            "--precision",
            callback=finite_option(1e-5, 0.5),
            help="Keep drawing blocks of 2048 until every outcome's 95 % half-width is below "
            "this (0.005 = half a percentage point), or --max-samples is reached.",
        ),
    ] = None,
    max_samples: Annotated[
        int | None,
        typer.Option(
            "--max-samples",
            min=1,
            max=MAX_SAMPLES,
            help=f"Cap on draws with --precision (default {MAX_SAMPLES:,}).",
        ),
    ] = None,
    qmc: Annotated[
        bool,
        typer.Option(
            "--qmc",
            help="Quasi-Monte Carlo: 16 independently scrambled Sobol sequences; intervals "
            "from the spread of their means (samples rounded up to blocks of 2048).",
        ),
    ] = False,
    words: Annotated[
        bool,
        typer.Option(
            "--words", help="Show ICD 203 likelihood words ('likely', ...) beside probabilities."
        ),
    ] = False,
    draws_path: Annotated[
        str | None,
        typer.Option(
            "--draws",
            help="Write every draw's parameters, plays with their weights, outcome masses and "
            "payoffs (.parquet or .csv); not with a checkpoint holding finished blocks.",
        ),
    ] = None,
    set_: SetOption = None,
    fix: FixOption = None,
    variant: VariantOption = None,
) -> None:
    """Simulate a scenario: outcome probabilities with 95 % intervals."""
    from tradegame.montecarlo.simulate import simulate
    from tradegame.play.options import RunOptions
    from tradegame.report.files import DRAWS_FORMATS, write_csv, write_draws, write_json
    from tradegame.report.table import result_tables

    for path in (json_path, csv_path, plot_path, checkpoint, draws_path):
        check_output(path)
    if plot_path is not None:
        check_plot_name(plot_path, "--plot")
    if max_samples is not None and precision is None:
        raise BadInput("--max-samples: only with --precision (it caps a run that keeps drawing)")
    if draws_path is not None and Path(draws_path).suffix.lower() not in DRAWS_FORMATS:
        raise BadInput(f"--draws {draws_path}: use a .parquet or .csv file name")
    check_workers(workers, scheduler)
    sc = load(scenario, set_, fix, variant)
    with run_options_checked(sc):
        RunOptions.resolve(
            sc,
            solution=solution,
            selection=selection,
            no_equilibrium=no_equilibrium,
            qre_lambda=qre_lambda,
            disagreement=disagreement,
        )
    to_stdout = json_path == "-"
    # A bar on standard error once the run looks longer than a second (simulate draws it).
    progress = not quiet and not to_stdout
    with draws_refused(draws_path):
        result = simulate(
            sc,
            samples,
            seed,
            selection=selection,
            solution=solution,
            no_equilibrium=no_equilibrium,
            qre_lambda=qre_lambda,
            disagreement=disagreement,
            chunk_size=chunk_size,
            workers=workers,
            scheduler=scheduler,
            checkpoint=checkpoint,
            max_memory=None if max_memory is None else int(max_memory * 2**30),
            progress=progress,
            precision=precision,
            max_samples=max_samples,
            qmc=qmc,
            keep_draws=draws_path is not None,
        )
    if draws_path is not None:
        write_draws(result, draws_path)
    if json_path is not None:
        if to_stdout:
            write_stdout(result.to_json())
        else:
            write_json(result, json_path)
    if csv_path is not None:
        write_csv(result, csv_path)
    if plot_path is not None:
        from tradegame.report.plot import outcome_labels, plot_outcomes

        plot_outcomes(result, plot_path, style=style, dpi=dpi, labels=outcome_labels(sc))
    if not quiet and not to_stdout:
        out.print(result_tables(result, words=words))


@app.command()
def solve(
    scenario: ScenarioArg,
    json_path: Annotated[
        str | None,
        typer.Option(
            "--json",
            help="Write the solved central game as JSON ('-' for standard output): the "
            "description, payoffs, equilibria (mixed ones too for two players) and "
            "'played_at_medians', what a run plays there.",
        ),
    ] = None,
    dominance: Annotated[
        bool,
        typer.Option(
            "--dominance",
            help="Also eliminate strictly dominated strategies round by round; show the trace.",
        ),
    ] = False,
    mixed: Annotated[
        bool,
        typer.Option(
            "--mixed",
            help="Show the mixed Nash equilibria of a two-player game even when it has pure "
            "ones (a game without a pure equilibrium shows them anyway).",
        ),
    ] = False,
    solution: SolutionOption = None,
    selection: SelectionOption = None,
    no_equilibrium: NoEquilibriumOption = None,
    qre_lambda: QreLambdaOption = None,
    disagreement: DisagreementOption = None,
    max_memory: MaxMemoryOption = None,
    set_: SetOption = None,
    fix: FixOption = None,
    variant: VariantOption = None,
) -> None:
    """Solve the central game (parameters at their medians), without Monte Carlo.

    Prints the scenario's description, the payoff table with best responses,
    the equilibria (mixed ones for two-player games without a pure one, or
    with --mixed) and what a run plays at the medians: the solution concept
    and selection (the scenario's, or --solution and --selection) applied as
    'run' applies them, each play with its probability.
    """
    from rich.text import Text

    from tradegame.play.central_play import central_play, solve_document
    from tradegame.play.solve import solve as solve_central
    from tradegame.report.central_tables import (
        central_game_tables,
        description_panel,
        dominance_table,
        mixed_equilibria_table,
        played_table,
    )

    check_output(json_path)
    sc = load(scenario, set_, fix, variant)
    check_budget(sc, "solve", "solve", max_memory)
    with run_options_checked(sc):
        central = solve_central(
            sc,
            dominance=dominance,
            solution=solution,
            selection=selection,
            no_equilibrium=no_equilibrium,
            qre_lambda=qre_lambda,
            disagreement=disagreement,
        )
        played = central_play(
            sc,
            solution=solution,
            selection=selection,
            no_equilibrium=no_equilibrium,
            qre_lambda=qre_lambda,
            disagreement=disagreement,
        )
    write_document(json_path, solve_document(central, played, sc.spec.description))
    if json_path == "-":
        return
    if sc.spec.description:
        out.print(description_panel(sc.title, sc.spec.description))
    out.print(central_game_tables(central, width=out.width))
    mixed_part = mixed_equilibria_table(central, asked=mixed)
    if mixed_part is not None:
        out.print(Text(""))
        out.print(mixed_part)
    if central.dominance is not None:
        out.print(dominance_table(central))
    if central.payoffs is not None:
        # A normal form: the concept and selection decide what is played. (A game solved
        # on its tree has shown its path, with the tie rule, already.)
        out.print(Text(""))
        out.print(played_table(played))


@app.command()
def tree(
    scenario: ScenarioArg,
    plot: Annotated[
        str,
        typer.Option(
            "--plot", "-o", help="Image to write (.png, .svg, .pdf; PNG to a device or pipe)."
        ),
    ] = "tree.png",
    max_nodes: Annotated[
        int,
        typer.Option(
            "--max-nodes",
            min=1,
            max=MAX_TREE_NODES,
            help="Collapse a tree with more nodes than this: subtrees off the equilibrium play "
            f"as triangles, a node's other actions beyond three as '+k more' (at most "
            f"{MAX_TREE_NODES:,}). A drawing wider than a page is split into pages.",
        ),
    ] = 400,
    style: StyleOption = FigureStyleName.TALK,
    dpi: DpiOption = None,
    max_memory: MaxMemoryOption = None,
    set_: SetOption = None,
    fix: FixOption = None,
    variant: VariantOption = None,
) -> None:
    """Draw the game tree of a sequential scenario's central game, equilibrium play marked
    (with the movers' probabilities when the equilibrium mixes)."""
    from tradegame.analysis.tree_play import tree_play
    from tradegame.play.kinds import play_class
    from tradegame.play.solve import solve as solve_central
    from tradegame.report.tree_plot import tree_figure

    check_output(plot)
    check_plot_name(plot, "--plot")
    sc = load(scenario, set_, fix, variant)
    if not play_class(sc).sequential:
        raise BadInput(
            f"{sc.source}: 'tree' draws sequential scenarios (with 'stages:' or a 'tree:'); "
            "this one is simultaneous: see 'tradegame solve'"
        )
    check_budget(sc, "tree", "tree", max_memory)
    try:  # imperfect information: the plays come from the reduced normal form
        central = solve_central(sc, game_tree=True)
    except ScenarioError:  # a normal form too large to solve: the tree alone, no play
        central = solve_central(sc, game_tree=True, normal_form=False)
    assert central.tree is not None
    play = tree_play(central)
    played = central.path if central.path else (play.played if play is not None else None)
    uncertain = any(getattr(p, "dist", "fixed") != "fixed" for p in sc.spec.parameters.values())
    medians = "The central game: every uncertain parameter at its median" if uncertain else None
    drawn = tree_figure(
        central.tree,
        played,
        Path(plot),
        title=sc.title,
        subtitle=medians,
        max_nodes=max_nodes,
        behaviour=play.behaviour if play is not None and play.mixed else None,
        players={p.name: p.label for p in sc.players},
        style=style,
        dpi=dpi,
    )
    said = [f"{drawn.nodes} nodes"]
    if played:
        said[0] += ", equilibrium " + ("play" if drawn.behaviour else "path") + " in red"
    if drawn.behaviour:
        said.append("the movers' probabilities on the edges")
    if drawn.collapsed:
        said.append(
            f"collapsed: {drawn.shown:,} of {drawn.nodes:,} nodes drawn, the rest as triangles "
            "and '+k more' markers (--max-nodes draws more)"
        )
    if drawn.pages > 1:
        said.append(
            f"too wide for one page at --style {style}: split into {drawn.pages} pages"
            + (", one file each" if len(drawn.files) > 1 else "")
            + ", each naming the page its cut branches continue on"
        )
    files = ", ".join(str(f) for f in drawn.files) if len(drawn.files) > 1 else plot
    out.print(
        printable(f"wrote {files} ({'; '.join(said)})"),
        markup=False,
        highlight=False,
        soft_wrap=True,
    )


@app.command()
def export(
    scenario: ScenarioArg,
    fmt: Annotated[GameFormat, typer.Option("--format", "-f", help="Gambit file format.")] = (
        GameFormat.NFG
    ),
    output: Annotated[
        str | None, typer.Option("--output", "-o", help="File to write (default: stdout).")
    ] = None,
    max_memory: MaxMemoryOption = None,
    set_: SetOption = None,
    fix: FixOption = None,
    variant: VariantOption = None,
) -> None:
    """Write the central game (parameters at medians) as a Gambit .nfg or .efg file."""
    from tradegame.interop.scenario_io import export_scenario

    check_output(output)
    sc = load(scenario, set_, fix, variant)
    check_budget(sc, f"export --format {fmt}", fmt, max_memory)
    text = export_scenario(sc, fmt)
    if output is None:
        write_stdout(text)
    else:
        atomic_write_text(output, text)


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="A Gambit .nfg or .efg file.")],
    output: Annotated[
        str | None,
        typer.Option("--output", "-o", help="Scenario file to write (default: stdout)."),
    ] = None,
    form: Annotated[
        EfgForm,
        typer.Option(
            "--form",
            help=".efg: 'tree' (node by node, every label kept), 'stages' (a stage game "
            "as 'stages:', labels of information sets and outcomes dropped) or 'auto' "
            "(stages when they give the file back, else the tree).",
        ),
    ] = EfgForm.AUTO,
) -> None:
    """Turn a Gambit .nfg or .efg file into a tradegame scenario."""
    from tradegame.interop.gambit import (
        MAX_FILE_BYTES,
        GambitFormatError,
        GambitSource,
        read_efg,
        read_nfg,
    )
    from tradegame.interop.scenario_io import scenario_from_efg, scenario_from_nfg
    from tradegame.scenario.yaml_source import read_regular_file

    suffix = file.suffix.lower()
    if suffix not in (".nfg", ".efg"):
        raise BadInput(f"{file}: expected a .nfg or .efg file")
    check_output(output)
    # A regular file only (a named pipe would block), and at most one byte over the limit.
    data = read_regular_file(file, str(file), "a Gambit .nfg or .efg file")
    if len(data) > MAX_FILE_BYTES:
        raise BadInput(
            f"{file}:1:1: the file is over {MAX_FILE_BYTES:,} bytes, the most tradegame reads "
            "(2 MiB, as for scenario files)"
        )
    try:
        text = data.decode("utf-8-sig")  # an editor's byte-order mark is not part of the text
    except UnicodeDecodeError as exc:
        before = data[: exc.start].decode("utf-8-sig", "replace")
        line, column = GambitSource(before, {}).position(len(before))
        raise BadInput(f"{file}:{line}:{column}: the file is not UTF-8 text") from None
    try:
        # Both importers load the scenario they write (and refuse, located in the Gambit
        # file, one that does not load), so what is written always loads.
        if suffix == ".nfg":
            scenario_text = scenario_from_nfg(read_nfg(text), file.name)
        else:
            scenario_text = scenario_from_efg(read_efg(text), file.name, form)
    except GambitFormatError as exc:
        raise BadInput(f"{file}:{exc.where}: {exc.message}") from None
    if output is None:
        write_stdout(scenario_text)
    else:
        atomic_write_text(output, scenario_text)


@app.command()
def validate(
    files: Annotated[list[str], typer.Argument(help="Scenario files to check.")],
    set_: SetOption = None,
    fix: FixOption = None,
    variant: VariantOption = None,
) -> None:
    """Check scenario files and report every problem in each; exit 2 if any has one.

    Every variant of a file is checked too (or only the overrides given). A
    forecast (a file with 'as_of:') gets a warning for each source dated after
    its as_of (except those in 'observed.sources') and each undated source; the
    exit code stays 0 when warnings are all there is.
    """
    from tradegame.play.options import RunOptions

    failed = 0
    for f in files:
        try:
            # The file's own analysis choices are checked as a run checks them.
            sc = load(f, set_, fix, variant)
            RunOptions.resolve(sc)
            if not sc.overrides:
                issues = []
                for name in sc.spec.variants:
                    try:
                        RunOptions.resolve(sc.variant(name))
                    except ScenarioError as exc:
                        issues += [
                            ScenarioIssue(i.location, f"variant {name!r}: {i.message}")
                            for i in exc.issues
                        ]
                if issues:
                    raise ScenarioError(issues)
        except ScenarioError as exc:
            failed += 1
            for issue in exc.issues:
                err.print(printable(str(issue)), markup=False, highlight=False, soft_wrap=True)
        else:
            # Hindsight is a warning: the file is usable, the forecast is suspect.
            for finding in sc.hindsight():
                err.print(
                    printable(f"{finding.location}: warning: {finding.message}"),
                    markup=False,
                    highlight=False,
                    soft_wrap=True,
                )
            name = "<stdin>" if f == "-" else f
            out.print(printable(f"{name}: ok"), markup=False, highlight=False, soft_wrap=True)
    if failed:
        raise typer.Exit(2)


@app.command()
def schema(
    output: Annotated[
        str | None,
        typer.Option("--output", "-o", help="Write to a file instead of standard output."),
    ] = None,
) -> None:
    """Print the JSON Schema of scenario files (for editors' completion and checks)."""
    import json

    from tradegame.scenario.schema import scenario_json_schema

    check_output(output)
    text = json.dumps(scenario_json_schema(), indent=2) + "\n"
    if output is None:
        write_stdout(text)
    else:
        atomic_write_text(output, text)


@app.command("list")
def list_scenarios() -> None:
    """List the scenarios shipped with tradegame."""
    from rich.table import Table

    from tradegame.scenario.library import shipped_scenarios

    t = Table(title="Shipped scenarios (run one with 'tradegame run NAME')", title_justify="left")
    t.add_column("name")
    t.add_column("title")
    for s in shipped_scenarios():
        t.add_row(printable(s.name), printable(s.title))
    out.print(t)
