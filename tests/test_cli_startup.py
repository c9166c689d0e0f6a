"""The command line starts without the pipeline: what ``--help`` imports.

``tradegame --help``, ``--version`` and each command's ``--help`` import the
standard library, Typer and rich and tradegame's light modules only; NumPy, SciPy,
pydantic and the rest are imported inside the command that uses them (issue 14,
item 4). Each case runs ``python -X importtime -m tradegame ...`` in a fresh
process and reads the modules it imported from the report on standard error. The
time it takes is measured by ``benchmarks/run.py --only startup``, never here.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import tradegame

#: The source tree of the tradegame under test, for the child process.
SOURCE = str(Path(tradegame.__file__).resolve().parents[1])

#: What the start of the command line may import besides the standard library.
THIRD_PARTY = {
    "typer",
    "click",  # Typer's own (vendored in recent versions, imported in older ones)
    "rich",
    "shellingham",  # Typer's shell detection, for completion
    "pygments",
    "markdown_it",
    "mdurl",
    "annotated_doc",
    "typing_extensions",
    "colorama",
    "_distutils_hack",  # setuptools' .pth hook, run by site
    "sitecustomize",
    "usercustomize",
    "org",  # copy and pickle probe for Jython's org.python.core (a failed import)
}

#: tradegame's modules that import nothing heavy.
LIGHT = {
    "tradegame",
    "tradegame._launch",
    "tradegame._output",
    "tradegame._text",
    "tradegame._version",
    "tradegame.errors",
    "tradegame.scenario",
    "tradegame.scenario.vocabulary",
}

HEAVY = {"numpy", "scipy", "pandas", "matplotlib", "pydantic", "numba", "networkx", "yaml"}


def imported(*args: str) -> tuple[set[str], str]:
    """The modules ``python -X importtime -m tradegame ARGS`` imports, and its output."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([SOURCE, os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "tradegame", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    modules = {
        line.rsplit("|", 1)[1].strip()
        for line in proc.stderr.splitlines()
        if line.startswith("import time:") and not line.rstrip().endswith("imported package")
    }
    assert "tradegame.cli" in modules  # the report was read
    return modules, proc.stdout


def test_importtime_report_is_read() -> None:
    # The check below cannot pass vacuously: a command that runs the pipeline shows it.
    modules, _ = imported("schema")
    assert "pydantic" in modules


@pytest.mark.parametrize(
    "args",
    [
        ("--help",),
        ("--version",),
        ("run", "--help"),
        ("solve", "--help"),
        ("explain", "--help"),
        ("sweep", "--help"),
    ],
    ids=" ".join,
)
def test_help_imports_only_typer_rich_and_light_modules(args: tuple[str, ...]) -> None:
    modules, stdout = imported(*args)
    top = {m.split(".")[0] for m in modules}
    assert not top & HEAVY, f"'tradegame {' '.join(args)}' imports {sorted(top & HEAVY)}"
    foreign = top - set(sys.stdlib_module_names) - THIRD_PARTY - {"tradegame"}
    assert not foreign, f"'tradegame {' '.join(args)}' imports {sorted(foreign)}"
    ours = {m for m in modules if m.split(".")[0] == "tradegame"}
    heavy_ours = {m for m in ours if m not in LIGHT and not m.startswith("tradegame.cli")}
    assert not heavy_ours, f"'tradegame {' '.join(args)}' imports {sorted(heavy_ours)}"
    # And it still says what it should.
    if args == ("--version",):
        assert stdout.strip() == f"tradegame {tradegame.__version__}"
    else:
        assert stdout.startswith("Usage: tradegame")
        assert "--help" in stdout
