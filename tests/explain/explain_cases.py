"""The golden cases of ``tradegame explain`` and how each is rendered (shared by the tests
and by ``make_golden.py``, which rewrites the files after a reviewed change)."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console

HERE = Path(__file__).parent
DATA = HERE / "data"
GOLDEN = HERE / "golden"

#: Golden case -> scenario file: the five games of issue 13 (copies of the shipped
#: classroom files, so that an edit of those does not move these outputs).
CASES = {
    "prisoners_dilemma": DATA / "prisoners_dilemma.yaml",
    "battle_of_the_sexes": DATA / "battle_of_the_sexes.yaml",
    "mixed_dominator": DATA / "mixed_dominator.yaml",
    "entry_deterrence": DATA / "entry_deterrence.yaml",
    "repeated_prisoners_dilemma": DATA / "repeated_prisoners_dilemma.yaml",
}

#: The terminal width the golden text is rendered at (colours off).
WIDTH = 100


def terminal_text(path: Path) -> str:
    """``tradegame explain PATH`` as plain text at :data:`WIDTH` columns."""
    import tradegame as tg

    buf = io.StringIO()
    console = Console(
        file=buf, width=WIDTH, color_system=None, emoji=False, markup=False, highlight=False
    )
    console.print(tg.explain(path))
    # Trailing spaces are rich's padding, not content.
    return "\n".join(line.rstrip() for line in buf.getvalue().splitlines()) + "\n"


def markdown_text(path: Path) -> str:
    """``tradegame explain PATH --format markdown``."""
    import tradegame as tg

    return tg.explain(path).to_markdown()


def golden_files(name: str) -> tuple[Path, Path]:
    """The terminal and Markdown golden files of a case."""
    return GOLDEN / f"{name}.txt", GOLDEN / f"{name}.md"
