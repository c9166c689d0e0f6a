"""An mkdocs hook: the pages made at build time rather than kept as files under docs/.

- ``reference/cli.md``, the command-line reference, made on each build by walking
  ``typer.main.get_command(tradegame.cli.app)``: a new command or option appears in
  the reference by itself, with the help text that ``--help`` prints;
- ``reference/api.md`` and ``reference/solvers.md``, the Python API from the
  docstrings (mkdocstrings), one entry per public name of ``tradegame`` and of
  ``tradegame.solvers``, read from their ``__all__`` at build time;
- ``classroom-games.md``, only while the repository has no such page (helper
  "library" writes it): a list of the shipped ``classroom/`` scenarios with their
  titles and descriptions, so the navigation never points at nothing;
- ``security.md``, the repository's ``SECURITY.md`` (one file, shown in the site too);
- ``reference/benchmarks.md``, the repository's ``benchmarks/README.md``: how the
  benchmark runner measures and its latest table of ratios.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

PAGE = "reference/cli.md"
SECURITY = Path(__file__).resolve().parents[2] / "SECURITY.md"
BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks" / "README.md"


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _command_section(name: str, command: Any, parent_ctx: Any) -> list[str]:
    ctx = command.context_class(command, info_name=name, parent=parent_ctx)
    lines = [f"## `tradegame {name}`", ""]
    if command.help:
        lines += [command.help.strip(), ""]
    lines += ["```text", command.get_usage(ctx).strip(), "```", ""]
    rows = []
    for param in command.get_params(ctx):
        if getattr(param, "hidden", False):
            continue
        record = param.get_help_record(ctx)
        if record is None:
            continue
        names, help_text = record
        kind = "argument" if param.param_type_name == "argument" else "option"
        rows.append(f"| `{_cell(names)}` | {kind} | {_cell(help_text or '')} |")
    if rows:
        lines += ["| name | kind | what it does |", "| --- | --- | --- |", *rows, ""]
    return lines


def cli_reference_markdown() -> str:
    """The command-line reference as Markdown, one section per command.

    Returns
    -------
    str
        A page: an introduction, a list of the commands and, for each, its help,
        its usage line and a table of its arguments and options.
    """
    import typer

    from tradegame.cli import app

    group = typer.main.get_command(app)
    root = group.context_class(group, info_name="tradegame")
    names = group.list_commands(root)
    lines = [
        "# Command-line reference",
        "",
        "This page is generated from the program itself each time the documentation is "
        "built: it is what `tradegame COMMAND --help` prints. Options that every command "
        "shares: `--debug` anywhere on the line shows the traceback of an error; "
        "`--install-completion` installs shell completion. Exit codes: 0 success, "
        "2 bad input (one located line on standard error), 1 internal error, "
        "130 interrupted.",
        "",
        "| command | what it does |",
        "| --- | --- |",
    ]
    for name in names:
        command = group.get_command(root, name)
        summary = _cell(command.get_short_help_str(200))
        lines.append(f"| [`{name}`](#tradegame-{name}) | {summary} |")
    lines.append("")
    for name in names:
        lines += _command_section(name, group.get_command(root, name), root)
    return "\n".join(lines)


# The order of a reader's first session; names not listed follow alphabetically.
FIRST = [
    "load_scenario", "parse_scenario", "solve", "simulate", "explain", "compare", "sweep",
    "sensitivity", "backtest", "Scenario", "CentralSolution", "SimulationResult",
    "Explanation", "Comparison", "Sweep", "Sensitivity", "Backtest",
]  # fmt: skip


def _order(name: str) -> tuple[int, str]:
    return (FIRST.index(name) if name in FIRST else len(FIRST), name)


def _api_entries(names: list[str], where: dict[str, str]) -> list[str]:
    functions = sorted((n for n in names if n[0].islower()), key=_order)
    classes = sorted((n for n in names if n[0].isupper()), key=_order)
    lines: list[str] = []
    for title, group in (("Functions", functions), ("Classes", classes)):
        if group:
            lines += [f"## {title}", ""]
            for name in group:
                lines += [f"::: {where[name]}.{name}", "    options:", "      heading_level: 3", ""]
    return lines


def api_markdown() -> str:
    """The page of the top-level API: ``import tradegame as tg``, every public name."""
    import tradegame

    names = [n for n in tradegame.__all__ if n not in ("__version__", "solvers")]
    where = {n: getattr(tradegame, n).__module__ for n in names}
    lines = [
        "# Python API",
        "",
        "Everything public is reachable from the top level, `import tradegame as tg` "
        "(the names load on first use). The solvers over arrays are on "
        "[their own page](solvers.md). This page is generated from the docstrings at "
        "build time.",
        "",
        *_api_entries(names, where),
    ]
    return "\n".join(lines)


def solvers_markdown() -> str:
    """The page of ``tradegame.solvers``: every public solver and result type."""
    from tradegame import solvers

    names = list(solvers.__all__)
    where = {n: getattr(solvers, n).__module__ for n in names}
    lines = [
        "# Solvers",
        "",
        "::: tradegame.solvers",
        "    options:",
        "      show_root_heading: false",
        "      members: false",
        "",
        *_api_entries(names, where),
    ]
    return "\n".join(lines)


def classroom_markdown() -> str:
    """A stand-in page of the classroom games: each shipped scenario's title and description."""
    import yaml

    from tradegame.scenario.library import shipped_scenarios

    lines = ["# Classroom games", "", "The games shipped under `classroom/`:", ""]
    for shipped in shipped_scenarios():
        if shipped.name.startswith("classroom/"):
            doc = yaml.safe_load(shipped.path.read_text("utf-8"))
            lines += [f"## `{shipped.name}`", "", f"**{shipped.title}**", ""]
            lines += [str(doc.get("description", "")).strip(), ""]
    return "\n".join(lines)


def on_files(files: Any, config: Any) -> Any:
    """Add the generated command-line reference to the site's files (mkdocs hook)."""
    from mkdocs.structure.files import File

    files.append(File.generated(config, PAGE, content=cli_reference_markdown()))
    files.append(File.generated(config, "reference/api.md", content=api_markdown()))
    files.append(File.generated(config, "reference/solvers.md", content=solvers_markdown()))
    if files.get_file_from_path("classroom-games.md") is None:
        files.append(File.generated(config, "classroom-games.md", content=classroom_markdown()))
    files.append(File.generated(config, "security.md", content=SECURITY.read_text("utf-8")))
    files.append(
        File.generated(config, "reference/benchmarks.md", content=BENCHMARKS.read_text("utf-8"))
    )
    return files
