"""The commands of the ``tradegame`` command line: the Typer ``app``, one function per
command with its options, and what they share (the consoles, :class:`BadInput`, option
bounds, output-path checks, the scenarios loaded).

Running them as a program (exit codes, signals, one-line errors) is
:func:`tradegame.cli.main`.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from tradegame._text import printable
from tradegame._version import __version__
from tradegame.errors import ScenarioError, ScenarioIssue, TradegameError
from tradegame.montecarlo.simulate import MAX_SAMPLES
from tradegame.play.options import RunOptionError, RunOptions
from tradegame.report.files import (
    StandardOutput,
    atomic_write_text,
    check_output_path,
    write_stdout,
)
from tradegame.scenario.schema import Analysis
from tradegame.scenario.vocabulary import (
    Disagreement,
    EfgForm,
    GameFormat,
    NoEquilibrium,
    Selection,
    Solution,
)

app = typer.Typer(
    name="tradegame",
    help="Game-theoretic negotiation simulator: equilibria and outcome probabilities "
    "from YAML scenarios.",
    add_completion=True,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
# Scenario text (titles, labels, units) is printed as it is: no rich markup, no emoji codes.
# Standard output through a proxy whose write errors (a full device) are OutputError.
out = Console(file=StandardOutput(), emoji=False, markup=False)  # type: ignore[arg-type]
err = Console(stderr=True, emoji=False, markup=False)

ScenarioArg = Annotated[
    str,
    typer.Argument(
        help="Scenario file, the name of a shipped scenario (see 'tradegame list'), "
        "or '-' for standard input."
    ),
]


SetOption = Annotated[
    list[str] | None,
    typer.Option(
        "--set",
        metavar="PATH=VALUE",
        help="Override a scalar of the scenario, e.g. parameters.china_resolve.median=24 "
        "(VALUE read as YAML; repeatable). The file is not changed.",
    ),
]
FixOption = Annotated[
    list[str] | None,
    typer.Option(
        "--fix",
        metavar="LEVER=OPTION[,OPTION]",
        help="Restrict a lever to some of its options (repeatable); a chance lever's kept "
        "options are renormalised.",
    ),
]
VariantOption = Annotated[
    str | None,
    typer.Option(
        "--variant",
        metavar="NAME",
        help="Apply one variant of the scenario's 'variants:' block (before any --set and --fix).",
    ),
]


MaxMemoryOption = Annotated[
    float | None,
    typer.Option(
        "--max-memory",
        min=0.001,
        help="GiB the command may use (default: half the machine's memory, at most 8).",
    ),
]


def _check_budget(sc: Any, command: str, kind: str, max_memory: float | None) -> None:
    """Refuse, before anything of the game's size exists, work over the command's budget.

    The same limits and ``--max-memory`` default as ``run``
    (:mod:`tradegame.model.budget`).
    """
    from tradegame.model.budget import check_budget
    from tradegame.montecarlo.simulate import default_memory_limit
    from tradegame.play.kinds import command_cost

    limit = default_memory_limit() if max_memory is None else int(max_memory * 2**30)
    check_budget(sc, command, command_cost(sc, kind), limit)


class BadInput(TradegameError):
    """Input the user must fix; printed as one line, exit code 2."""


def _schema_limit(field: str, bound: str) -> Any:
    """A bound (``ge``, ``le``) of an ``analysis:`` field, so options and files agree."""
    for item in Analysis.model_fields[field].metadata:
        if hasattr(item, bound):
            return getattr(item, bound)
    raise LookupError(f"analysis.{field} has no {bound} bound")


#: Bounds of the numeric options, checked when the command line is parsed.
MAX_SEED = 2**63 - 1  # as in scenario files: a seed fits a signed 64-bit integer
MAX_QRE_LAMBDA: float = _schema_limit("qre_lambda", "le")
MAX_WORKERS = 256
MAX_MEMORY_GIB = 1024.0
MAX_TREE_NODES = 1_000_000


def _finite(low: float, high: float) -> Any:
    """A Typer callback refusing NaN, infinities and values outside ``[low, high]``."""

    def check(value: float | None) -> float | None:
        if value is not None and not (math.isfinite(value) and low <= value <= high):
            raise typer.BadParameter(f"{value} is not a number from {low:g} to {high:g}")
        return value

    return check


def _output(path: str | None) -> str | None:
    """Check an output path before any work (see :func:`check_output_path`)."""
    if path is None or path == "-":
        return path
    check_output_path(path)
    return path


def _plot_name(path: str, option: str) -> None:
    # A device or pipe (-o /dev/null) takes PNG whatever its name; a file says its format.
    if Path(path).suffix.lower() in (".png", ".svg", ".pdf"):
        return
    try:
        special = not Path(path).is_file() and Path(path).exists()
    except OSError:
        special = False
    if not special:
        raise BadInput(f"{option} {path}: use a .png, .svg or .pdf file name")


def _version(value: bool) -> None:
    if value:
        out.print(f"tradegame {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks of errors.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """tradegame: how likely is a deal, and why."""


#: The scenarios this command loaded, by path: standard input can be read only once,
#: and an error found later (a non-finite payoff, a QRE that fails) is located in the
#: scenario that was loaded, not in a guess at which argument named it.
_loaded: dict[Any, Any] = {}


def _overrides(sets: list[str] | None, fixes: list[str] | None, variant: str | None) -> Any:
    """The ``--variant``, ``--set`` and ``--fix`` options as one record."""
    from tradegame.scenario.overrides import Overrides, parse_fix_option, parse_set_option

    return Overrides(
        variant,
        tuple(parse_set_option(s) for s in sets or ()),
        tuple(parse_fix_option(f) for f in fixes or ()),
    )


def _load(
    path: str,
    sets: list[str] | None = None,
    fixes: list[str] | None = None,
    variant: str | None = None,
) -> Any:
    """The scenario at ``path``, with the command's overrides applied (loaded once)."""
    from tradegame.scenario.load import load_scenario

    if path not in _loaded:
        _loaded[path] = load_scenario(path)
    overrides = _overrides(sets, fixes, variant)
    if not overrides:
        return _loaded[path]
    key = (path, overrides)
    if key not in _loaded:
        _loaded[key] = _loaded[path].apply(overrides)
    return _loaded[key]


def last_loaded() -> Any:
    """The scenario this command loaded last, or None."""
    return next(reversed(_loaded.values()), None)


def forget_loaded() -> None:
    """Forget the scenarios loaded so far: each command line loads its own."""
    _loaded.clear()


@contextmanager
def _progress(enabled: bool) -> Iterator[Any]:
    """A progress callback that shows a bar once a run looks longer than a second."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    state: dict[str, Any] = {"bar": None, "task": None, "t0": time.perf_counter()}

    def update(done: int, total: int) -> None:
        if not enabled:
            return
        if state["bar"] is None:
            elapsed = time.perf_counter() - state["t0"]
            if done >= total or elapsed / done * total < 1.0:
                return
            bar = Progress(
                TextColumn("simulating"),
                BarColumn(),
                TextColumn("{task.completed:,}/{task.total:,} draws"),
                TimeRemainingColumn(),
                console=err,
                transient=True,
            )
            bar.start()
            state["bar"], state["task"] = bar, bar.add_task("run", total=total)
        state["bar"].update(state["task"], completed=done)

    try:
        yield update
    finally:
        if state["bar"] is not None:
            state["bar"].stop()


@contextmanager
def _draws_refused(path: str | None) -> Iterator[None]:
    """A run's draws that would not fit in memory: one line naming ``--draws``."""
    from tradegame.montecarlo.draws import DrawsMemoryError

    try:
        yield
    except DrawsMemoryError as exc:
        raise BadInput(f"--draws {path}: {exc} (--samples, --max-memory in GiB)") from None


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
    selection: Annotated[
        Selection | None,
        typer.Option(
            "--selection",
            help="Equilibrium selection: each pure equilibrium equally likely, the payoff- or "
            "risk-dominant ones, or the mixed equilibrium or the QRE in every draw.",
        ),
    ] = None,
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
    solution: Annotated[
        Solution | None,
        typer.Option(
            "--solution",
            help="Solution concept: subgame_perfect for scenarios with stages or a tree; "
            "correlated, maxmin, nash_bargaining, kalai_smorodinsky and rationalizable for "
            "simultaneous moves only.",
        ),
    ] = None,
    disagreement: Annotated[
        Disagreement | None,
        typer.Option(
            "--disagreement",
            help="Disagreement point of nash_bargaining and kalai_smorodinsky: maxmin "
            "(the players' maxmin values) or nash (the selected pure equilibrium's payoffs).",
        ),
    ] = None,
    no_equilibrium: Annotated[
        NoEquilibrium | None,
        typer.Option(
            "--no-equilibrium",
            help="What draws without a pure equilibrium play: their mixed equilibrium, their "
            "QRE, or reported as the outcome no_pure_equilibrium.",
        ),
    ] = None,
    qre_lambda: Annotated[
        float | None,
        typer.Option(
            "--qre-lambda",
            callback=_finite(0.0, MAX_QRE_LAMBDA),
            help=f"Precision of the logit QRE, 0 to {MAX_QRE_LAMBDA:g}.",
        ),
    ] = None,
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            min=1,
            max=MAX_WORKERS,
            help=f"Processes to run on, at most {MAX_WORKERS} (never changes results).",
        ),
    ] = 1,
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
            callback=_finite(0.001, MAX_MEMORY_GIB),
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
            callback=_finite(1e-5, 0.5),
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
    from tradegame.report.files import DRAWS_FORMATS, write_csv, write_draws, write_json
    from tradegame.report.table import result_tables

    for path in (json_path, csv_path, plot_path, checkpoint, draws_path):
        _output(path)
    if plot_path is not None:
        _plot_name(plot_path, "--plot")
    if max_samples is not None and precision is None:
        raise BadInput("--max-samples: only with --precision (it caps a run that keeps drawing)")
    if draws_path is not None and Path(draws_path).suffix.lower() not in DRAWS_FORMATS:
        raise BadInput(f"--draws {draws_path}: use a .parquet or .csv file name")
    sc = _load(scenario, set_, fix, variant)
    try:
        RunOptions.resolve(
            sc,
            solution=solution,
            selection=selection,
            no_equilibrium=no_equilibrium,
            qre_lambda=qre_lambda,
            disagreement=disagreement,
        )
    except RunOptionError as exc:  # the file's own choices fail located, as ScenarioError
        raise BadInput(
            f"--{exc.option.replace('_', '-')} {exc.value}: {exc.reason} (scenario {sc.source})"
        ) from None
    to_stdout = json_path == "-"
    with _progress(not quiet and not to_stdout) as progress, _draws_refused(draws_path):
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
        from tradegame.report.plot import plot_outcomes

        plot_outcomes(result, plot_path)
    if not quiet and not to_stdout:
        out.print(result_tables(result, words=words))


@app.command()
def solve(
    scenario: ScenarioArg,
    json_path: Annotated[
        str | None,
        typer.Option(
            "--json", help="Write the solved central game as JSON ('-' for standard output)."
        ),
    ] = None,
    dominance: Annotated[
        bool,
        typer.Option(
            "--dominance",
            help="Also eliminate strictly dominated strategies round by round; show the trace.",
        ),
    ] = False,
    max_memory: MaxMemoryOption = None,
    set_: SetOption = None,
    fix: FixOption = None,
    variant: VariantOption = None,
) -> None:
    """Solve the central game (parameters at their medians), without Monte Carlo."""
    from tradegame.play.solve import solve as solve_central
    from tradegame.report.table import central_game_tables, dominance_table

    _output(None if json_path == "-" else json_path)
    sc = _load(scenario, set_, fix, variant)
    _check_budget(sc, "solve", "solve", max_memory)
    central = solve_central(sc, dominance=dominance)
    if json_path == "-":
        write_stdout(central.to_json())
        return
    if json_path is not None:
        atomic_write_text(json_path, central.to_json())
    out.print(central_game_tables(central, width=out.width))
    if central.dominance is not None:
        out.print(dominance_table(central))


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
            help=f"Collapse off-path subtrees beyond this (at most {MAX_TREE_NODES:,}).",
        ),
    ] = 400,
    max_memory: MaxMemoryOption = None,
    set_: SetOption = None,
    fix: FixOption = None,
    variant: VariantOption = None,
) -> None:
    """Draw the game tree of a sequential scenario's central game, equilibrium path marked."""
    from tradegame.play.kinds import play_class
    from tradegame.play.solve import solve as solve_central
    from tradegame.report.tree_plot import plot_tree

    _output(plot)
    _plot_name(plot, "--plot")
    sc = _load(scenario, set_, fix, variant)
    if not play_class(sc).sequential:
        raise BadInput(
            f"{sc.source}: 'tree' draws sequential scenarios (with 'stages:' or a 'tree:'); "
            "this one is simultaneous: see 'tradegame solve'"
        )
    _check_budget(sc, "tree", "tree", max_memory)
    central = solve_central(sc, game_tree=True, normal_form=False)
    assert central.tree is not None
    plot_tree(central.tree, central.path, Path(plot), max_nodes=max_nodes)
    n = len(central.tree)
    elided = (
        f"; off-path subtrees collapsed to show at most {max_nodes} (--max-nodes shows more)"
        if n > max_nodes
        else ""
    )
    out.print(
        printable(
            f"wrote {plot} ({n} nodes{', equilibrium path in red' if central.path else ''}{elided})"
        ),
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

    _output(output)
    sc = _load(scenario, set_, fix, variant)
    _check_budget(sc, f"export --format {fmt}", fmt, max_memory)
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
    from tradegame.report.files import atomic_write_text
    from tradegame.scenario.yaml_source import read_regular_file

    suffix = file.suffix.lower()
    if suffix not in (".nfg", ".efg"):
        raise BadInput(f"{file}: expected a .nfg or .efg file")
    _output(output)
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
    failed = 0
    for f in files:
        try:
            # The file's own analysis choices are checked as a run checks them.
            sc = _load(f, set_, fix, variant)
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
    from tradegame.report.files import atomic_write_text
    from tradegame.scenario.schema import scenario_json_schema

    _output(output)
    text = json.dumps(scenario_json_schema(), indent=2) + "\n"
    if output is None:
        write_stdout(text)
    else:
        atomic_write_text(output, text)


@app.command("list")
def list_scenarios() -> None:
    """List the scenarios shipped with tradegame."""
    from tradegame.scenario.library import shipped_scenarios

    t = Table(title="Shipped scenarios (run one with 'tradegame run NAME')", title_justify="left")
    t.add_column("name")
    t.add_column("title")
    for s in shipped_scenarios():
        t.add_row(printable(s.name), printable(s.title))
    out.print(t)


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
    seed: Annotated[
        int | None,
        typer.Option(
            "--seed",
            min=0,
            max=MAX_SEED,
            help="Random seed shared by every side (default: the first scenario's, else 0).",
        ),
    ] = None,
    json_path: Annotated[
        str | None,
        typer.Option("--json", help="Write the comparison as JSON ('-' for standard output)."),
    ] = None,
    plot_path: Annotated[
        str | None,
        typer.Option(
            "--plot", help="Write a dot-and-interval plot of the differences (.png, .svg, .pdf)."
        ),
    ] = None,
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

    _output(None if json_path == "-" else json_path)
    _output(plot_path)
    if plot_path is not None:
        _plot_name(plot_path, "--plot")
    base = _load(scenario)
    sides = [_load(o) for o in others or []]
    names = [scenario, *(others or [])]
    for v in variants or []:
        sides.append(_load(scenario, None, None, v))
        names.append(f"variant {v}")
    if set_ or fix:
        sides.append(_load(scenario, set_, fix, None))
        names.append(
            " ".join([*(f"--set {x}" for x in set_ or []), *(f"--fix {x}" for x in fix or [])])
        )
    if not sides:
        raise BadInput(
            "compare needs something to compare the scenario with: another scenario, "
            "--variant NAME, or --set/--fix"
        )
    try:
        comparisons = compare_scenarios(base, sides, samples=samples, seed=seed, names=names)
    except CompareError as exc:
        raise BadInput(str(exc)) from None
    if json_path is not None:
        doc = json_module.dumps([c.to_dict() for c in comparisons], indent=2, allow_nan=False)
        if json_path == "-":
            write_stdout(doc + "\n")
        else:
            atomic_write_text(json_path, doc + "\n")
    if plot_path is not None:
        plot_comparisons(comparisons, plot_path)
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
    seed: Annotated[
        int | None,
        typer.Option(
            "--seed", min=0, max=MAX_SEED, help="Random seed (default: the scenario's, else 0)."
        ),
    ] = None,
    outcome: Annotated[
        str | None,
        typer.Option("--outcome", help="The tornado's outcome (default: the one moved most)."),
    ] = None,
    set_: SetOption = None,
    fix: FixOption = None,
    variant: VariantOption = None,
    json_path: Annotated[
        str | None,
        typer.Option("--json", help="Write the analysis as JSON ('-' for standard output)."),
    ] = None,
    plot_path: Annotated[
        str | None,
        typer.Option("--plot", help="Write the tornado and the global indices (.png, .svg, .pdf)."),
    ] = None,
) -> None:
    """Which assumptions drive the answer: a tornado, global indices, dead parameters."""
    from tradegame.analysis.sensitivity import SensitivityError
    from tradegame.analysis.sensitivity import sensitivity as analyse
    from tradegame.report.sensitivity import plot_sensitivity, sensitivity_tables

    _output(None if json_path == "-" else json_path)
    _output(plot_path)
    if plot_path is not None:
        _plot_name(plot_path, "--plot")
    sc = _load(scenario, set_, fix, variant)
    if outcome is not None and outcome not in sc.outcome_labels:
        raise BadInput(
            f"--outcome: {outcome!r} is not an outcome of {sc.source}; "
            f"its outcomes: {', '.join(sc.outcome_labels)}"
        )
    try:
        result = analyse(sc, samples=samples, seed=seed)
    except SensitivityError as exc:
        raise BadInput(str(exc)) from None
    if json_path == "-":
        write_stdout(result.to_json())
    elif json_path is not None:
        atomic_write_text(json_path, result.to_json())
    if plot_path is not None:
        plot_sensitivity(result, plot_path, outcome)
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
    seed: Annotated[
        int | None,
        typer.Option(
            "--seed", min=0, max=MAX_SEED, help="Random seed (default: the scenario's, else 0)."
        ),
    ] = None,
    json_path: Annotated[
        str | None,
        typer.Option("--json", help="Write the grid as JSON ('-' for standard output)."),
    ] = None,
    csv_path: Annotated[
        str | None,
        typer.Option("--csv", help="Write the grid as CSV, a row per point and outcome."),
    ] = None,
    plot_path: Annotated[
        str | None,
        typer.Option("--plot", help="Write lines with bands, or a map for two axes (.png, .svg)."),
    ] = None,
    set_: SetOption = None,
    fix: FixOption = None,
    variant: VariantOption = None,
) -> None:
    """Outcome probabilities over a grid of one or two settings, on common random numbers."""
    from tradegame.analysis.sweep import SweepError, parse_axis
    from tradegame.analysis.sweep import sweep as run_sweep
    from tradegame.report.sweep import plot_sweep, sweep_table

    for path in (None if json_path == "-" else json_path, csv_path, plot_path):
        _output(path)
    if plot_path is not None:
        _plot_name(plot_path, "--plot")
    try:
        axes = [parse_axis(p) for p in params]
    except SweepError as exc:
        raise BadInput(f"--param {exc}") from None
    if len(axes) > 2:
        raise BadInput("--param: a sweep takes one or two axes")
    sc = _load(scenario, set_, fix, variant)
    try:
        result = run_sweep(sc, axes, samples=samples, seed=seed)
    except SweepError as exc:
        raise BadInput(str(exc)) from None
    if json_path == "-":
        write_stdout(result.to_json())
    elif json_path is not None:
        atomic_write_text(json_path, result.to_json())
    if csv_path is not None:
        atomic_write_text(csv_path, result.to_csv())
    if plot_path is not None:
        plot_sweep(result, plot_path)
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
) -> None:
    """Write one self-contained HTML report: assumptions, equilibria, outcomes, variants,
    sensitivity, and how to reproduce it."""
    from tradegame.analysis.report_data import gather
    from tradegame.report.html import format_report

    _output(output)
    sc = _load(scenario, set_, fix, variant)
    others = [_load(o) for o in compare_with or ()]
    _check_budget(sc, "report", "solve", max_memory)
    RunOptions.resolve(sc)  # the file's own analysis choices, located, before any draw
    with _progress(True) as progress:
        data = gather(sc, samples=samples, seed=seed, others=others, progress=progress)
    atomic_write_text(output, format_report(data, output))
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
    json_path: Annotated[
        str | None,
        typer.Option("--json", help="Write the backtest as JSON ('-' for standard output)."),
    ] = None,
    csv_path: Annotated[
        str | None,
        typer.Option("--csv", help="Write a row per round as CSV ('-' for standard output)."),
    ] = None,
) -> None:
    """Score history scenarios' forecasts against what happened: Brier and log scores of
    the model, a uniform forecast and the earlier rounds' base rate, and a reliability
    table. With a few rounds, an illustration, not a validation."""
    from tradegame.analysis.backtest import backtest as run_backtest
    from tradegame.report.backtest import backtest_tables

    if json_path == "-" and csv_path == "-":
        raise BadInput("--json - and --csv -: only one of them can go to standard output")
    for path in (json_path, csv_path):
        _output(None if path == "-" else path)
    scenarios = [_load(f) for f in _history_files(paths)]
    result = run_backtest(scenarios, samples=samples, seed=seed)
    for path, text in ((json_path, result.to_json), (csv_path, result.to_csv)):
        if path == "-":
            write_stdout(text())
        elif path is not None:
            atomic_write_text(path, text())
    if "-" not in (json_path, csv_path):
        out.print(backtest_tables(result))
