"""Problems found in a scenario file, each located at its line and column.

:class:`IssueLog` collects :class:`~tradegame.errors.ScenarioIssue` objects for a
document, pointing expression errors inside the expression where the file allows;
:func:`suggest_name` makes the "did you mean" hints of the meaning checks.
"""

from __future__ import annotations

from tradegame.errors import Location, ScenarioIssue
from tradegame.scenario.expressions import ExpressionError
from tradegame.scenario.yaml_source import YamlDocument

__all__ = ["IssueLog", "suggest_name"]


class IssueLog:
    """Problems found in a document, each located in the file."""

    def __init__(self, doc: YamlDocument) -> None:
        self.doc = doc
        self.src = doc.source
        self.issues: list[ScenarioIssue] = []
        self.lines = doc.text.splitlines()

    def add(self, path: tuple[str | int, ...], message: str, *, key: bool = False) -> None:
        self.issues.append(ScenarioIssue(self.src.locate(path, key=key), message))

    def add_expression_error(self, path: tuple[str | int, ...], exc: ExpressionError) -> None:
        loc = self.src.locate(path)
        line, column = loc.line, loc.column
        # Point inside the expression when it sits on one line of the file as written.
        text = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        rest = text[column - 1 :]
        if exc.line == 0 and rest[:1] in ("'", '"'):
            column += 1 + exc.offset
        elif exc.line == 0 and rest[:1] not in ("|", ">"):
            column += exc.offset
        self.issues.append(ScenarioIssue(Location(loc.file, line, column), exc.message))


def suggest_name(name: str, candidates: list[str]) -> str:
    """``"; did you mean 'x'?"`` for the candidate closest to ``name`` (``""`` if none is close)."""
    import difflib

    close = difflib.get_close_matches(name, candidates, n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""
