"""The documentation site builds with ``mkdocs build --strict`` and its generated pages
say what the program does: every command of the Typer app with every option, every
public name of the API."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import typer
import yaml

import tradegame
from tradegame import solvers
from tradegame.cli import app

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", "mkdocs.yml", "-d", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return out


def _text(page: Path) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.read_text("utf-8")))


def test_strict_build_makes_every_page_of_the_nav(site: Path) -> None:
    config = yaml.load((ROOT / "mkdocs.yml").read_text("utf-8"), Loader=yaml.BaseLoader)

    def leaves(nav: object) -> list[str]:
        if isinstance(nav, str):
            return [nav]
        if isinstance(nav, list):
            return [p for item in nav for p in leaves(item)]
        if isinstance(nav, dict):
            return [p for value in nav.values() for p in leaves(value)]
        return []

    pages = leaves(config["nav"])
    assert len(pages) >= 20
    for page in pages:
        html = site / (page.removesuffix(".md").removesuffix("index") + "/index.html")
        html = site / "index.html" if page == "index.md" else html
        assert html.exists(), page


def test_cli_reference_lists_every_command_and_option(site: Path) -> None:
    text = _text(site / "reference" / "cli" / "index.html")
    group = typer.main.get_command(app)
    ctx = group.context_class(group, info_name="tradegame")
    names = group.list_commands(ctx)
    assert {"run", "solve", "tree", "export", "validate"} <= set(names)
    for name in names:
        command = group.get_command(ctx, name)
        assert f"tradegame {name}" in text, name
        sub = command.context_class(command, info_name=name, parent=ctx)
        for param in command.get_params(sub):
            for opt in param.opts:
                if opt.startswith("-"):
                    assert opt in text, f"{name} {opt}"


def test_api_pages_document_every_public_name(site: Path) -> None:
    api = (site / "reference" / "api" / "index.html").read_text("utf-8")
    for name in tradegame.__all__:
        if name in ("__version__", "solvers"):
            continue
        module = getattr(tradegame, name).__module__
        assert f'id="{module}.{name}"' in api, name
    solver_page = (site / "reference" / "solvers" / "index.html").read_text("utf-8")
    for name in solvers.__all__:
        module = getattr(solvers, name).__module__
        assert f'id="{module}.{name}"' in solver_page, name
    # The docstrings are rendered, not only the names: a parameter table of solve.
    assert "Parameters" in _text(site / "reference" / "api" / "index.html")


def test_security_page_is_the_repository_file(site: Path) -> None:
    text = _text(site / "security" / "index.html")
    first = next(
        line.lstrip("# ").strip()
        for line in (ROOT / "SECURITY.md").read_text("utf-8").splitlines()
        if line.strip()
    )
    assert first in text


def test_benchmarks_page_is_the_runner_readme(site: Path) -> None:
    """The benchmark table in the site is ``benchmarks/README.md`` itself (one copy)."""
    text = _text(site / "reference" / "benchmarks" / "index.html")
    readme = (ROOT / "benchmarks" / "README.md").read_text("utf-8")
    assert "benchmarks/run.py" in text
    row = next(line for line in readme.splitlines() if line.startswith("| pure"))
    first_cell = row.split("|")[1].strip()
    assert first_cell.replace("×", "") in text.replace("×", "")
