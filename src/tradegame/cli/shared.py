"""What the commands of the ``tradegame`` command line share: the Typer ``app``, the
consoles, :class:`BadInput`, the option types and bounds, output-path checks, the
scenarios a command loaded (with their overrides) and the progress display.

The commands are in :mod:`tradegame.cli.commands` (one scenario: run, solve, tree,
export, import, validate, schema, list) and :mod:`tradegame.cli.analysis` (the
analyst's questions: compare, sensitivity, sweep, report, backtest); running them as a
program (exit codes, signals, one-line errors) is :func:`tradegame.cli.main`.
"""

# No ``from __future__ import annotations``: Typer reads the options from the
# annotations, and evaluating them as strings (twice, for each command) would
# cost every start of the command line a few tens of milliseconds.

import math
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

# Only the standard library, Typer, rich and tradegame's light modules at the top
# (tests/test_cli_startup.py): '--help' and a command's parsing never wait for NumPy,
# SciPy or pydantic, and each command imports what it uses in its body.
from tradegame._output import (
    StandardOutput,
    atomic_write_text,
    check_output_path,
    write_stdout,
)
from tradegame._version import __version__
from tradegame.errors import TradegameError
from tradegame.scenario.vocabulary import (
    MAX_QRE_LAMBDA,
    Disagreement,
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

#: Bound of ``--workers`` (a local Dask cluster or process pool of that many processes).
MAX_WORKERS = 256
WorkersOption = Annotated[
    int,
    typer.Option(
        "--workers",
        min=1,
        max=MAX_WORKERS,
        help=f"Worker processes on this machine, at most {MAX_WORKERS}; more than its cores "
        "gains nothing (never changes results).",
    ),
]
SchedulerOption = Annotated[
    str | None,
    typer.Option(
        "--scheduler",
        metavar="ADDRESS",
        help="A running Dask scheduler (tcp://host:8786) whose workers do the work, "
        "instead of --workers (never changes results).",
    ),
]


def check_workers(workers: int, scheduler: str | None) -> None:
    """Refuse ``--workers`` with ``--scheduler``: the cluster has its own workers."""
    if scheduler is not None and workers != 1:
        raise BadInput("--workers: not with --scheduler (the cluster's workers solve the draws)")


AnalysisSeedOption = Annotated[
    int | None,
    typer.Option(
        "--seed",
        min=0,
        max=2**63 - 1,
        help="Random seed, shared by every run the command makes (common random numbers; "
        "default: the scenario's, else 0).",
    ),
]
JsonOption = Annotated[
    str | None,
    typer.Option("--json", help="Write the result as JSON ('-' for standard output)."),
]
FigureOption = Annotated[
    str | None,
    typer.Option("--plot", help="Write the figure (.png, .svg, .pdf; PNG to a device or pipe)."),
]


class FigureStyleName(StrEnum):
    """The figure styles of :mod:`tradegame.report.style`, as ``--style`` choices."""

    TALK = "talk"
    PAPER = "paper"


StyleOption = Annotated[
    FigureStyleName,
    typer.Option(
        "--style",
        help="Figure style: 'talk' (large fonts and thick lines, for a projector) or 'paper' "
        "(journal-sized).",
    ),
]
DpiOption = Annotated[
    int | None,
    typer.Option("--dpi", min=10, max=1200, help="PNG resolution (default: the style's)."),
]

# How a run solves and plays each draw: one definition for 'run' and 'solve' (which
# shows what a run plays at the medians), checked by RunOptions.resolve.
SolutionOption = Annotated[
    Solution | None,
    typer.Option(
        "--solution",
        help="Solution concept: subgame_perfect for scenarios with stages or a tree; "
        "correlated, maxmin, nash_bargaining, kalai_smorodinsky and rationalizable for "
        "simultaneous moves only (default: the scenario's).",
    ),
]
SelectionOption = Annotated[
    Selection | None,
    typer.Option(
        "--selection",
        help="Equilibrium selection: each pure equilibrium equally likely, the payoff- or "
        "risk-dominant ones, or the mixed equilibrium or the QRE in every draw "
        "(default: the scenario's).",
    ),
]
NoEquilibriumOption = Annotated[
    NoEquilibrium | None,
    typer.Option(
        "--no-equilibrium",
        help="What draws without a pure equilibrium play: their mixed equilibrium, their "
        "QRE, or reported as the outcome no_pure_equilibrium.",
    ),
]
DisagreementOption = Annotated[
    Disagreement | None,
    typer.Option(
        "--disagreement",
        help="Disagreement point of nash_bargaining and kalai_smorodinsky: maxmin "
        "(the players' maxmin values) or nash (the selected pure equilibrium's payoffs).",
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


def check_budget(sc: Any, command: str, kind: str, max_memory: float | None) -> None:
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


#: Bounds of the numeric options, checked when the command line is parsed (those of
#: ``analysis:`` fields are the schema's: MAX_SAMPLES, MAX_QRE_LAMBDA in the vocabulary).
MAX_SEED = 2**63 - 1  # as in scenario files: a seed fits a signed 64-bit integer
MAX_MEMORY_GIB = 1024.0
MAX_TREE_NODES = 1_000_000


def finite_option(low: float, high: float) -> Any:
    """A Typer callback refusing NaN, infinities and values outside ``[low, high]``."""

    def check(value: float | None) -> float | None:
        if value is not None and not (math.isfinite(value) and low <= value <= high):
            raise typer.BadParameter(f"{value} is not a number from {low:g} to {high:g}")
        return value

    return check


def check_output(path: str | None) -> str | None:
    """Check an output path before any work (see :func:`check_output_path`)."""
    if path is None or path == "-":
        return path
    check_output_path(path)
    return path


def write_document(path: str | None, text: str) -> None:
    """Write a command's document: nowhere (``None``), standard output (``-``) or a file
    (through the one writer, :func:`atomic_write_text`)."""
    if path == "-":
        write_stdout(text)
    elif path is not None:
        atomic_write_text(path, text)


def check_plot_name(path: str, option: str) -> None:
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


def load(
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
def run_options_checked(sc: Any) -> Iterator[None]:
    """Inside: a run option that does not fit the scenario (``RunOptionError``) fails as
    bad input in one line naming the option, its value, why, and the scenario."""
    from tradegame.play.options import RunOptionError

    try:
        yield
    except RunOptionError as exc:  # the file's own choices fail located, as ScenarioError
        raise BadInput(
            f"--{exc.option.replace('_', '-')} {exc.value}: {exc.reason} (scenario {sc.source})"
        ) from None


@contextmanager
def draws_refused(path: str | None) -> Iterator[None]:
    """A run's draws that would not fit in memory: one line naming ``--draws``."""
    from tradegame.montecarlo.draws import DrawsMemoryError

    try:
        yield
    except DrawsMemoryError as exc:
        raise BadInput(f"--draws {path}: {exc} (--samples, --max-memory in GiB)") from None


QreLambdaOption = Annotated[
    float | None,
    typer.Option(
        "--qre-lambda",
        callback=finite_option(0.0, MAX_QRE_LAMBDA),
        help=f"Precision of the logit QRE, 0 to {MAX_QRE_LAMBDA:g}.",
    ),
]
