"""A progress bar for runs started from Python, in terminals and notebooks.

The command line shows its own bar (``tradegame run``); a run started from
Python shows this one when asked (``progress=True``) or, by default, when the
session is interactive: standard error is a terminal, or the code runs in a
Jupyter kernel. Scripts with redirected output, pipelines and tests get no
bar unless they ask. Like the command line's, the bar appears only once the
run looks longer than a second, so quick runs print nothing.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["interactive", "progress_bar"]

ProgressCallback = Callable[[int, int], None]


def interactive() -> bool:
    """Whether a person is watching: a Jupyter kernel, or standard error on a terminal."""
    shell = sys.modules.get("IPython")
    if shell is not None:
        get = getattr(shell, "get_ipython", None)
        ip = get() if callable(get) else None
        if ip is not None and "IPKernelApp" in getattr(ip, "config", {}):
            return True
    try:
        return bool(sys.stderr is not None and sys.stderr.isatty())
    except (AttributeError, ValueError):  # a closed or replaced stream
        return False


@contextmanager
def progress_bar(progress: ProgressCallback | bool | None) -> Iterator[ProgressCallback | None]:
    """The callback a run reports its progress to, as ``simulate``'s ``progress`` asks.

    Parameters
    ----------
    progress : callable, bool or None
        A callable is used as it is; ``True`` makes a bar; ``False`` none;
        ``None`` a bar when :func:`interactive`.

    Yields
    ------
    callable or None
        ``report(done, total)``, or ``None`` when nothing is to be shown.
    """
    if callable(progress):
        yield progress
        return
    if progress is False or (progress is None and not interactive()):
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    state: dict[str, Any] = {"bar": None, "task": None, "t0": time.perf_counter()}

    def report(done: int, total: int) -> None:
        if state["bar"] is None:
            elapsed = time.perf_counter() - state["t0"]
            if done >= total or elapsed / max(done, 1) * total < 1.0:
                return
            bar = Progress(
                TextColumn("simulating"),
                BarColumn(),
                TextColumn("{task.completed:,}/{task.total:,} draws"),
                TimeRemainingColumn(),
                # Scenario text never reaches the bar; markup off all the same.
                console=Console(stderr=True, emoji=False, markup=False),
                transient=True,
            )
            bar.start()
            state["bar"], state["task"] = bar, bar.add_task("run", total=total)
        state["bar"].update(state["task"], completed=done)

    try:
        yield report
    finally:
        if state["bar"] is not None:
            state["bar"].stop()
