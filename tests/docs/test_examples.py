"""Every code example of the documentation runs (see ``doc_examples`` for the rules).

A wrong example fails here: a Python block that raises, a command that exits with
another code than its shown output implies, or a shown output line that the command
does not print.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from doc_examples import (
    DOCS,
    ROOT,
    Block,
    Command,
    bash_commands,
    blocks,
    commands,
    missing_output,
    pages,
)

# Blocks that are shown but not run: fragments of files (YAML without a title, JSON,
# plain text) and the contributors' shell commands, which run the test suite itself.
SHOWN_ONLY = {"yaml", "json", "text", "csv"}
BASH_PAGES = {"contributing.md"}  # developer commands: `pytest`, `ruff`, ... (not examples)


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env.update({"COLUMNS": "120", "TERM": "dumb", "NO_COLOR": "1", "MPLBACKEND": "Agg"})
    env.pop("FORCE_COLOR", None)
    return env


def _workdir(tmp_path: Path) -> Path:
    # Examples name shipped scenarios and files of the repository by relative paths.
    for name in ("scenarios", "tests", "examples"):
        if (ROOT / name).exists():
            (tmp_path / name).symlink_to(ROOT / name)
    return tmp_path


#: A plain ``tradegame ...`` command, optionally with its standard output sent to a file:
#: run in this process (no interpreter start-up per command); anything else runs in bash.
_PLAIN = re.compile(r"^tradegame(?P<args>[^|;&<>`$()]*?)(?:\s+>\s*(?P<out>[^\s|;&<>]+))?$")


def _run_in_process(match: re.Match[str], cwd: Path) -> tuple[int, str]:
    from tradegame.cli import main

    old = Path.cwd()
    saved = {k: os.environ.get(k) for k in ("COLUMNS", "TERM", "NO_COLOR", "MPLBACKEND")}
    os.environ.update({"COLUMNS": "120", "TERM": "dumb", "NO_COLOR": "1", "MPLBACKEND": "Agg"})
    stdout, stderr = io.StringIO(), io.StringIO()
    os.chdir(cwd)
    try:
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            code = main(shlex.split(match["args"]))
    finally:
        os.chdir(old)
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        import matplotlib.pyplot as plt

        plt.close("all")
    if match["out"]:
        (cwd / match["out"]).write_text(stdout.getvalue(), "utf-8")
        return code, stderr.getvalue()
    return code, stdout.getvalue() + stderr.getvalue()


def run_command(command: Command, cwd: Path, where: str) -> None:
    match = _PLAIN.match(command.line)
    if match is not None:
        code, printed = _run_in_process(match, cwd)
        _check(command, code, printed, where)
        return
    proc = subprocess.run(
        ["bash", "-o", "pipefail", "-c", command.line],
        cwd=cwd,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=600,
        stdin=subprocess.DEVNULL,
    )
    _check(command, proc.returncode, proc.stdout + proc.stderr, where)


def _check(command: Command, code: int, printed: str, where: str) -> None:
    expected = 2 if command.expects_error else 0
    assert code == expected, (
        f"{where}: `{command.line}` exited {code}, expected {expected}:\n" + printed[-3000:]
    )
    lost = missing_output(command.shown, printed)
    assert lost is None, f"{where}: `{command.line}` did not print {lost!r}; it printed:\n{printed}"


def run_page(page: Path, cwd: Path) -> int:
    """Run every example of ``page`` in ``cwd``; return how many blocks ran."""
    namespace: dict[str, object] = {"__name__": "__docs__"}
    ran = 0
    for block in blocks(page):
        if block.lang == "yaml" and block.title:
            (cwd / block.title).write_text(block.text, "utf-8")
        elif block.lang == "python" and block.title and block.title.startswith("src/"):
            # Lines to add to a source file (contributing.md): they must at least compile.
            compile(block.text, block.where, "exec")
        elif block.lang == "python":
            _exec(block, namespace, cwd)
            ran += 1
        elif block.lang == "console":
            for command in commands(block):
                run_command(command, cwd, block.where)
            ran += 1
        elif block.lang in ("bash", "sh") and page.name not in BASH_PAGES:
            for command in bash_commands(block):
                run_command(command, cwd, block.where)
            ran += 1
        elif block.lang == "bash":
            pass  # contributing.md: the developers' own commands (the suite itself, linters)
        else:
            assert block.lang in SHOWN_ONLY, f"{block.where}: unknown block language {block.lang}"
    return ran


def _exec(block: Block, namespace: dict[str, object], cwd: Path) -> None:
    old = Path.cwd()
    os.chdir(cwd)
    try:
        code = compile(block.text, block.where, "exec")
        exec(code, namespace)
    finally:
        os.chdir(old)
        import matplotlib.pyplot as plt

        plt.close("all")


PAGES = pages()


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(DOCS)) for p in PAGES])
def test_page_examples_run(page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MPLBACKEND", "Agg")
    run_page(page, _workdir(tmp_path))


def test_the_teaching_pages_have_examples() -> None:
    """The tutorials and how-to guides show what to type, and it is run above."""
    for page in PAGES:
        if page.parent.name in ("tutorials", "how-to"):
            langs = {b.lang for b in blocks(page)}
            assert langs & {"python", "console"}, f"{page}: no example"


def test_a_wrong_example_fails(tmp_path: Path) -> None:
    """The checks above can fail: a wrong output, a wrong exit code, a raising block."""
    page = tmp_path / "wrong.md"
    good = "```console\n$ tradegame list\nclassroom/prisoners_dilemma\n```\n"
    page.write_text(good, "utf-8")
    run_page(page, tmp_path)
    for bad in (
        "```console\n$ tradegame list\nno_such_scenario_is_listed\n```\n",
        "```console\n$ tradegame solve no_such_file.yaml\n```\n",
        "```console\n$ tradegame list\nerror: nothing\n```\n",
        "```python\nimport tradegame as tg\nassert tg.solve is None\n```\n",
    ):
        page.write_text(bad, "utf-8")
        with pytest.raises(AssertionError):
            run_page(page, tmp_path)


def test_console_blocks_parse() -> None:
    block = Block(
        DOCS / "x.md",
        1,
        "console",
        None,
        "$ tradegame run a \\\n    --seed 7\nline one\n...\nline two\n$ tradegame list\n",
    )
    cmds = commands(block)
    assert [c.line for c in cmds] == ["tradegame run a  --seed 7", "tradegame list"]
    assert cmds[0].shown == ["line one", "...", "line two"]
    assert missing_output(cmds[0].shown, "x\nline  one\ny\nline two\n") is None
    assert missing_output(cmds[0].shown, "line two\nline one\n") == "line two"


def test_bash_blocks_parse() -> None:
    text = "# a comment\ntradegame run a \\\n  --seed 7\n\ntradegame list\n"
    block = Block(DOCS / "x.md", 1, "bash", None, text)
    assert [c.line for c in bash_commands(block)] == ["tradegame run a  --seed 7", "tradegame list"]
