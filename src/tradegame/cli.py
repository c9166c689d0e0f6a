"""The ``tradegame`` command line: a thin layer over the pipeline.

Exit codes: 0 success, 2 bad input (with ``file:line:column: message`` on
stderr), 1 internal error, 130 interrupted (Ctrl-C), 143 terminated (SIGTERM).
``--debug`` anywhere on the command line shows the traceback of an error.
"""

from __future__ import annotations

import json
import signal
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from tradegame._text import printable
from tradegame._version import __version__
from tradegame.errors import ScenarioError
from tradegame.model.build import NonFiniteError
from tradegame.montecarlo.simulate import SOLUTIONS, CheckpointError, RunOptionError, RunOptions
from tradegame.solvers.logit_qre import QREConvergenceError

app = typer.Typer(
    name="tradegame",
    help="Game-theoretic negotiation simulator: equilibria and outcome probabilities "
    "from YAML scenarios.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
# Scenario text (titles, labels, units) is printed as it is: no rich markup, no emoji codes.
out = Console(emoji=False, markup=False)
err = Console(stderr=True, emoji=False, markup=False)

ScenarioArg = Annotated[
    str,
    typer.Argument(
        help="Scenario file, the name of a shipped scenario (see 'tradegame list'), "
        "or '-' for standard input."
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
    from tradegame.model.budget import check_budget, command_cost
    from tradegame.montecarlo.simulate import default_memory_limit

    limit = default_memory_limit() if max_memory is None else int(max_memory * 2**30)
    check_budget(sc, command, command_cost(sc, kind), limit)


class BadInput(Exception):
    """Input the user must fix; printed as one line, exit code 2."""


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


#: The scenario read from standard input by this command, if any: standard input
#: can be read once, and an error found later is located in it (``_non_finite``).
_from_stdin: dict[str, Any] = {}


def _load(path: str) -> Any:
    from tradegame.scenario.load import load_scenario

    if path == "-":
        if "-" not in _from_stdin:
            _from_stdin["-"] = load_scenario(path)
        return _from_stdin["-"]
    return load_scenario(path)


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


@app.command()
def run(
    scenario: ScenarioArg,
    samples: Annotated[
        int | None,
        typer.Option(
            "--samples", "-n", min=1, help="Number of Monte Carlo draws (default: the scenario's)."
        ),
    ] = None,
    seed: Annotated[
        int | None,
        typer.Option(
            "--seed", min=0, help="Random seed (default: the scenario's, else fresh and recorded)."
        ),
    ] = None,
    selection: Annotated[
        str | None,
        typer.Option(
            "--selection",
            help="Equilibrium selection: uniform, payoff_dominant, risk_dominant, mixed or qre.",
        ),
    ] = None,
    json_path: Annotated[
        Path | None,
        typer.Option("--json", help="Write the result document as JSON ('-' for standard output)."),
    ] = None,
    csv_path: Annotated[Path | None, typer.Option("--csv", help="Write outcomes as CSV.")] = None,
    plot_path: Annotated[
        Path | None,
        typer.Option(
            "--plot", help="Write a bar chart of outcome probabilities (.png, .svg, .pdf)."
        ),
    ] = None,
    chunk_size: Annotated[
        int | None,
        typer.Option(
            "--chunk-size",
            min=1,
            help="Draws solved at once, rounded up to a multiple of 2048 "
            "(memory only; never changes results).",
        ),
    ] = None,
    solution: Annotated[
        str | None,
        typer.Option(
            "--solution",
            help="Solution concept: pure_nash, mixed_nash, qre, subgame_perfect (with stages), "
            "or for simultaneous moves correlated, maxmin, nash_bargaining, kalai_smorodinsky, "
            "rationalizable.",
        ),
    ] = None,
    disagreement: Annotated[
        str | None,
        typer.Option(
            "--disagreement",
            help="Disagreement point of nash_bargaining and kalai_smorodinsky: maxmin "
            "(the players' maxmin values) or nash (the selected pure equilibrium's payoffs).",
        ),
    ] = None,
    no_equilibrium: Annotated[
        str | None,
        typer.Option(
            "--no-equilibrium",
            help="What draws without a pure equilibrium play: mixed, qre or report.",
        ),
    ] = None,
    qre_lambda: Annotated[
        float | None, typer.Option("--qre-lambda", min=0.0, help="Precision of the logit QRE.")
    ] = None,
    workers: Annotated[
        int, typer.Option("--workers", min=1, help="Processes to run on (never changes results).")
    ] = 1,
    checkpoint: Annotated[
        Path | None,
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
            min=0.001,
            help="GiB the run's arrays may use (default: half the machine's memory, at most 8).",
        ),
    ] = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No table, no progress bar.")
    ] = False,
) -> None:
    """Simulate a scenario: outcome probabilities with 95 % intervals."""
    from tradegame.montecarlo.selection import SELECTION_RULES
    from tradegame.montecarlo.simulate import simulate
    from tradegame.report.files import write_csv, write_json
    from tradegame.report.table import result_tables

    if selection is not None and selection not in SELECTION_RULES:
        raise BadInput(
            f"--selection: unknown rule {selection!r}; choose from {', '.join(SELECTION_RULES)}"
        )
    if solution is not None and solution not in SOLUTIONS:
        raise BadInput(f"--solution: unknown {solution!r}; choose from {', '.join(SOLUTIONS)}")
    if disagreement is not None and disagreement not in ("maxmin", "nash"):
        raise BadInput(f"--disagreement: unknown {disagreement!r}; choose from maxmin, nash")
    if no_equilibrium is not None and no_equilibrium not in ("mixed", "qre", "report"):
        raise BadInput(
            f"--no-equilibrium: unknown {no_equilibrium!r}; choose from mixed, qre, report"
        )
    for p in (json_path, csv_path, plot_path, checkpoint):
        if p is not None and str(p) != "-" and not p.parent.exists():
            raise BadInput(f"{p}: directory {p.parent} does not exist")
    if plot_path is not None and plot_path.suffix.lower() not in (".png", ".svg", ".pdf"):
        raise BadInput(f"--plot {plot_path}: use a .png, .svg or .pdf file name")
    sc = _load(scenario)
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
    to_stdout = json_path is not None and str(json_path) == "-"
    with _progress(not quiet and not to_stdout) as progress:
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
        )
    if json_path is not None:
        if to_stdout:
            sys.stdout.write(result.to_json())
        else:
            write_json(result, json_path)
    if csv_path is not None:
        write_csv(result, csv_path)
    if plot_path is not None:
        from tradegame.report.plot import plot_outcomes

        plot_outcomes(result, plot_path)
    if not quiet and not to_stdout:
        out.print(result_tables(result))


@app.command()
def solve(scenario: ScenarioArg, max_memory: MaxMemoryOption = None) -> None:
    """Solve the central game (parameters at their medians), without Monte Carlo."""
    from tradegame.report.table import central_game_tables

    sc = _load(scenario)
    _check_budget(sc, "solve", "solve", max_memory)
    out.print(central_game_tables(sc, width=out.width))


@app.command()
def tree(
    scenario: ScenarioArg,
    plot: Annotated[
        Path, typer.Option("--plot", "-o", help="Image to write (.png, .svg, .pdf).")
    ] = Path("tree.png"),
    max_nodes: Annotated[
        int, typer.Option("--max-nodes", min=1, help="Collapse off-path subtrees beyond this.")
    ] = 400,
    max_memory: MaxMemoryOption = None,
) -> None:
    """Draw the game tree of a sequential scenario's central game, equilibrium path marked."""
    import numpy as np

    from tradegame.model.central import central_stage_game
    from tradegame.model.stages import played_prefix
    from tradegame.model.tree import GameTree
    from tradegame.report.tree_plot import plot_tree
    from tradegame.solvers.backward_induction import backward_induction

    if plot.suffix.lower() not in (".png", ".svg", ".pdf"):
        raise BadInput(f"--plot {plot}: use a .png, .svg or .pdf file name")
    if not plot.parent.exists():
        raise BadInput(f"{plot}: directory {plot.parent} does not exist")
    sc = _load(scenario)
    if not sc.is_sequential:
        raise BadInput(
            f"{sc.source}: 'tree' draws sequential scenarios (with 'stages:' or a 'tree:'); "
            "this one is simultaneous: see 'tradegame solve'"
        )
    _check_budget(sc, "tree", "tree", max_memory)
    path = None
    if sc.is_tree:
        from tradegame.model.scenario_tree import central_tree
        from tradegame.solvers.tree_solvers import tree_backward_induction

        game_tree = central_tree(sc)
        if game_tree.is_perfect_information():
            solved = tree_backward_induction(game_tree, sc.analysis.tie_break)
            path = {n for n, p in solved.node_probs.items() if p[0] > 0}
    else:
        g = central_stage_game(sc)
        game_tree = GameTree.from_stages(g.V, g.stages, g.players, g.chance_probs, sc.title)
    if not sc.is_tree and g.perfect_information:
        res = backward_induction(g.V, g.stages, g.players, g.chance_probs, sc.analysis.tie_break)
        ends = [played_prefix(g.stages, h) for h in np.argwhere(res.path_probs > 0)]
        path = {h[:k] for h in ends for k in range(len(h) + 1)}
    plot_tree(game_tree, path, plot, max_nodes=max_nodes)
    n = game_tree.graph.number_of_nodes()
    elided = (
        f"; off-path subtrees collapsed to show at most {max_nodes} (--max-nodes shows more)"
        if n > max_nodes
        else ""
    )
    out.print(
        printable(f"wrote {plot} ({n} nodes{', equilibrium path in red' if path else ''}{elided})"),
        markup=False,
        highlight=False,
        soft_wrap=True,
    )


@app.command()
def export(
    scenario: ScenarioArg,
    fmt: Annotated[str, typer.Option("--format", "-f", help="nfg or efg.")] = "nfg",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File to write (default: stdout).")
    ] = None,
    max_memory: MaxMemoryOption = None,
) -> None:
    """Write the central game (parameters at medians) as a Gambit .nfg or .efg file."""
    from tradegame.interop.scenario_io import export_scenario
    from tradegame.report.files import atomic_write_text

    if fmt not in ("nfg", "efg"):
        raise BadInput(f"--format: {fmt!r} is not nfg or efg")
    if output is not None and not output.parent.exists():
        raise BadInput(f"{output}: directory {output.parent} does not exist")
    sc = _load(scenario)
    _check_budget(sc, f"export --format {fmt}", fmt, max_memory)
    text = export_scenario(sc, fmt)
    if output is None:
        sys.stdout.write(text)
    else:
        atomic_write_text(output, text)


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="A Gambit .nfg or .efg file.")],
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Scenario file to write (default: stdout)."),
    ] = None,
    form: Annotated[
        str,
        typer.Option(
            "--form",
            help=".efg: 'tree' (node by node, every label kept), 'stages' (a stage game "
            "as 'stages:', labels of information sets and outcomes dropped) or 'auto' "
            "(stages when they give the file back, else the tree).",
        ),
    ] = "auto",
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

    suffix = file.suffix.lower()
    if suffix not in (".nfg", ".efg"):
        raise BadInput(f"{file}: expected a .nfg or .efg file")
    if form not in ("auto", "stages", "tree"):
        raise BadInput(f"--form {form}: use auto, stages or tree")
    if output is not None and not output.parent.exists():
        raise BadInput(f"{output}: directory {output.parent} does not exist")
    try:
        # At most one byte over the limit is read: a huge file costs nothing.
        with file.open("rb") as f:
            data = f.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise BadInput(f"{file}:1:1: no such file") from None
    except OSError as exc:
        raise BadInput(f"{file}:1:1: cannot read: {exc.strerror or exc}") from None
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
            scenario_text = scenario_from_efg(read_efg(text), file.name, form)  # type: ignore[arg-type]
    except GambitFormatError as exc:
        raise BadInput(f"{file}:{exc.where}: {exc.message}") from None
    if output is None:
        sys.stdout.write(scenario_text)
    else:
        atomic_write_text(output, scenario_text)


@app.command()
def validate(
    files: Annotated[list[str], typer.Argument(help="Scenario files to check.")],
) -> None:
    """Check scenario files and report every problem in each; exit 2 if any has one."""
    failed = 0
    for f in files:
        try:
            # The file's own analysis choices are checked as a run checks them.
            RunOptions.resolve(_load(f))
        except ScenarioError as exc:
            failed += 1
            for issue in exc.issues:
                err.print(printable(str(issue)), markup=False, highlight=False, soft_wrap=True)
        else:
            name = "<stdin>" if f == "-" else f
            out.print(printable(f"{name}: ok"), markup=False, highlight=False, soft_wrap=True)
    if failed:
        raise typer.Exit(2)


@app.command()
def schema(
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write to a file instead of standard output."),
    ] = None,
) -> None:
    """Print the JSON Schema of scenario files (for editors' completion and checks)."""
    from tradegame.report.files import atomic_write_text
    from tradegame.scenario.schema import scenario_json_schema

    text = json.dumps(scenario_json_schema(), indent=2) + "\n"
    if output is None:
        sys.stdout.write(text)
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


def _print_error(message: str) -> None:
    # Messages quote file names and scenario text: no control character reaches the terminal.
    err.print(printable(message), markup=False, highlight=False, soft_wrap=True)


class Interrupted(BaseException):
    """Ctrl-C or SIGTERM; not an Exception, so no library code swallows it."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


def _on_signal(signum: int, frame: Any) -> None:
    raise Interrupted(130 if signum == signal.SIGINT else 143)


def main(argv: list[str] | None = None, early_signals: Sequence[int] = ()) -> int:
    """Entry point of the ``tradegame`` command; returns the exit code.

    Parameters
    ----------
    argv : list of str, optional
        The arguments (default ``sys.argv[1:]``).
    early_signals : sequence of int
        Signals that arrived before this function could handle them (while the
        console script imported it); the first one ends the program as soon as
        the handlers are in place.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    if debug:
        args.remove("--debug")
    previous = {}
    try:
        for sig in (signal.SIGTERM, signal.SIGINT):
            previous[sig] = signal.signal(sig, _on_signal)
    except ValueError:  # not in the main thread (e.g. under a test runner's thread)
        pass
    try:
        if early_signals:
            code = 130 if early_signals[0] == signal.SIGINT else 143
            _print_error("interrupted" if code == 130 else "terminated")
            return code
        return _dispatch(args, debug)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _dispatch(args: list[str], debug: bool) -> int:
    _from_stdin.clear()
    try:
        app(args=args, prog_name="tradegame")
        return 0
    except SystemExit as exc:  # Typer ends every standalone run, and usage errors, this way
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except Interrupted as exc:
        _print_error("interrupted" if exc.code == 130 else "terminated")
        return exc.code
    except ScenarioError as exc:
        if debug:
            raise
        for issue in exc.issues:
            _print_error(f"error: {issue}")
        return 2
    except NonFiniteError as exc:
        if debug:
            raise
        return _non_finite(exc, args)
    except (BadInput, CheckpointError) as exc:
        if debug:
            raise
        _print_error(f"error: {exc}")
        return 2
    except QREConvergenceError as exc:
        if debug:
            raise
        return _qre_failure(exc, args)
    except KeyboardInterrupt:
        _print_error("interrupted")
        return 130
    except MemoryError:
        if debug:
            raise
        _print_error(
            "error: the machine ran out of memory for this run; lower the limit "
            "(--max-memory, in GiB) or the chunk size (--chunk-size)"
        )
        return 1
    except Exception as exc:
        if debug:
            raise
        _print_error(
            f"internal error: {type(exc).__name__}: {exc} "
            "(rerun with --debug for the traceback, and please report it)"
        )
        return 1


def _non_finite(exc: NonFiniteError, args: list[str]) -> int:
    where = ""
    scenario = next((a for a in args if not a.startswith("-") and a not in app_commands()), None)
    if "-" in _from_stdin:  # read from standard input, which cannot be read again
        where = f"{_from_stdin['-'].locate(exc.path)}: "
    elif scenario is not None:
        try:
            sc = _load(scenario)
            where = f"{sc.locate(exc.path)}: "
        except Exception:
            where = f"{scenario}: "
    _print_error(
        f"error: {where}{exc.what} is {exc.value} in draw {exc.draw}; "
        "check its parameters' ranges (log of a negative, division by zero, overflow)"
    )
    return 2


def _qre_failure(exc: QREConvergenceError, args: list[str]) -> int:
    # Point at what set the precision: the option, else the file's key, else the file.
    where = ""
    opt = next((a for a in args if a == "--qre-lambda" or a.startswith("--qre-lambda=")), None)
    scenario = next((a for a in args if not a.startswith("-") and a not in app_commands()), None)
    if opt is not None:
        where = "--qre-lambda: "
    elif scenario is not None:
        try:
            sc = _load(scenario)
            where = f"{sc.locate(('analysis', 'qre_lambda'))}: "
        except Exception:
            where = f"{scenario}: "
    lam = "" if exc.lam is None else f" at lambda = {exc.lam:g}"
    # The solver's draw numbers count within one chunk, so they are left out here.
    reason = str(exc).split(" (draw")[0]
    _print_error(
        f"error: {where}the logit QRE{lam} could not be computed in {len(exc.draws) or 'some'} "
        f"draw(s) ({reason}); a smaller qre_lambda may work"
    )
    return 2


def app_commands() -> set[str]:
    return {"run", "solve", "validate", "schema", "list", "tree", "export", "import"}


if __name__ == "__main__":
    sys.exit(main())
