"""The walkthrough notebook runs from top to bottom in a fresh kernel (the current
Python) and shows what it promises: HTML tables of the scenario, the solved central
game and the run, a plot, the what-if comparison and the explanation of a classroom
game."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).resolve().parents[2] / "examples" / "walkthrough.ipynb"


@pytest.fixture(scope="module")
def executed(tmp_path_factory: pytest.TempPathFactory) -> nbformat.NotebookNode:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = NotebookClient(
        nb,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path_factory.mktemp("notebook"))}},
    )
    client.execute()
    return nb


def _outputs(nb: nbformat.NotebookNode, marker: str) -> list[dict]:
    cells = [c for c in nb.cells if c.cell_type == "code" and marker in c.source]
    assert cells, marker
    return [o for c in cells for o in c.get("outputs", [])]


def test_stored_without_outputs() -> None:
    """The repository keeps the notebook clean; the outputs come from running it here."""
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert not cell.get("outputs") and cell.get("execution_count") is None


def test_runs_without_errors(executed: nbformat.NotebookNode) -> None:
    for cell in executed.cells:
        for output in cell.get("outputs", []):
            assert output.get("output_type") != "error", output


@pytest.mark.parametrize(
    ("marker", "expected"),
    [
        ('sc = tg.load_scenario("madrid_2025")', "Madrid"),
        ("central = tg.solve(sc)", "<table"),
        ("res = tg.simulate(sc", "escalation"),
        ("pd_game = tg.load_scenario", "defect"),
    ],
)
def test_rich_tables(executed: nbformat.NotebookNode, marker: str, expected: str) -> None:
    html = [o["data"]["text/html"] for o in _outputs(executed, marker) if "data" in o]
    assert html and any(expected in h for h in html), marker


def test_plot_and_comparison(executed: nbformat.NotebookNode) -> None:
    plots = [o for o in _outputs(executed, "ax.barh") if "image/png" in o.get("data", {})]
    assert len(plots) == 1
    table = [o for o in _outputs(executed, "tg.compare(") if "text/html" in o.get("data", {})]
    assert table and "escalation" in table[0]["data"]["text/html"]
