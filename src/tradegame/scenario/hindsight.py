"""Hindsight: what a forecast scenario cites that it could not have known.

A scenario with ``as_of:`` is a forecast written on that day; it may use only
what was public then. :func:`hindsight_findings` reads the dates of its
``sources:`` and finds

- a source published after ``as_of`` (a source listed in ``observed.sources``
  is exempt: it reports how the round came out, which a history scenario must
  cite), and
- a source without a date (plain text), whose date cannot be checked.

A source dated to a month or a year only counts as published on the period's
last day, the latest it may have appeared, so a month that ends after ``as_of``
is found too. The findings are warnings: ``tradegame validate`` prints them and
still exits 0; runs stay silent.
"""

from __future__ import annotations

from collections.abc import Callable

from tradegame.errors import Location, ScenarioIssue
from tradegame.scenario.schema import ScenarioFile, Source

__all__ = ["hindsight_findings"]


def hindsight_findings(
    spec: ScenarioFile, locate: Callable[[tuple[str | int, ...]], Location]
) -> tuple[ScenarioIssue, ...]:
    """The sources of a forecast dated after its ``as_of``, or not dated at all.

    Parameters
    ----------
    spec : ScenarioFile
        The validated file.
    locate : callable
        Path in the file -> its location (e.g. :meth:`Scenario.locate`).

    Returns
    -------
    tuple of ScenarioIssue
        One per finding, in the order of 'sources:'; empty for a scenario
        without ``as_of`` (not a forecast) or without sources.
    """
    as_of = spec.as_of
    if as_of is None or not spec.sources:
        return ()
    exempt = set(spec.observed.sources) if spec.observed is not None else set()
    found = []
    for key, entry in spec.sources.items():
        if not isinstance(entry, Source):
            found.append(
                ScenarioIssue(
                    locate(("sources", key)),
                    f"source {key!r} has no date; a forecast (as_of {as_of}) dates every "
                    "source, as {cite: ..., date: YYYY-MM-DD}, so that hindsight can be checked",
                )
            )
        elif entry.latest > as_of and key not in exempt:
            when = (
                f"dated {entry.date}"
                if entry.latest == entry.date
                else f"dated {entry.date} (possibly up to {entry.latest})"
            )
            found.append(
                ScenarioIssue(
                    locate(("sources", key, "date")),
                    f"source {key!r} is {when}, after the scenario's as_of {as_of}: a "
                    "forecast uses only what was known then (a source that reports the "
                    "outcome belongs in observed.sources)",
                )
            )
    return tuple(found)
