"""Errors tradegame raises on purpose, under one base class.

:class:`TradegameError` is the base of every exception class tradegame defines,
so a caller can tell "tradegame refused this" from a bug with one ``except``.
Classes that were ``ValueError`` (or ``RuntimeError``) before the base existed
keep that base too, so code that caught them as such still does.

:class:`ScenarioError` is the error that reaches the user from a scenario file:
every one names a file, a line and a column.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ClusterError", "Location", "ScenarioError", "ScenarioIssue", "TradegameError"]


class TradegameError(Exception):
    """Base class of every exception tradegame defines."""


class ClusterError(TradegameError, ValueError):
    """A Dask scheduler that cannot be reached, or Dask not installed (one line)."""


@dataclass(frozen=True, slots=True)
class Location:
    """A place in a scenario file; ``line`` and ``column`` count from 1.

    Line 0 is a place outside any file, named by ``file`` alone: the
    command-line override that set a value (``--set analysis.seed``).
    """

    file: str
    line: int = 1
    column: int = 1

    def __str__(self) -> str:
        if self.line == 0:
            return self.file
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True, slots=True)
class ScenarioIssue:
    """One problem found in a scenario file, with where it is."""

    location: Location
    message: str

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


class ScenarioError(TradegameError):
    """A scenario file that cannot be used, with every problem found in it.

    Attributes
    ----------
    issues : list of ScenarioIssue
        All problems found, in file order where known. At least one.
    file, line, column
        Where the first problem is (``line`` and ``column`` count from 1).
    """

    def __init__(self, issues: list[ScenarioIssue] | ScenarioIssue) -> None:
        if isinstance(issues, ScenarioIssue):
            issues = [issues]
        if not issues:
            raise ValueError("ScenarioError needs at least one issue")
        self.issues = sorted(issues, key=lambda i: (i.location.line, i.location.column))
        first = self.issues[0]
        self.file = first.location.file
        self.line = first.location.line
        self.column = first.location.column
        super().__init__(str(first))

    @classmethod
    def at(cls, file: str, line: int, column: int, message: str) -> ScenarioError:
        """An error with a single issue at ``file:line:column``."""
        return cls(ScenarioIssue(Location(file, line, column), message))

    def __str__(self) -> str:
        return "\n".join(str(i) for i in self.issues)
