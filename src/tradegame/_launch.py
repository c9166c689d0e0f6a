"""The ``tradegame`` console script.

The command line imports NumPy, SciPy, pydantic and rich, which takes a
noticeable fraction of a second. Ctrl-C or SIGTERM in that time must end the
program with exit code 130 or 143 and one line, as at any other time. An
exception raised from a signal handler in the middle of those imports is not
safe: library import code may swallow it (the run then goes on to the end) or
CPython may end the process by the signal itself. So until
:func:`tradegame.cli.main` installs its own handlers, signals are only
remembered, and ``main`` acts on them as soon as it starts.
"""

from __future__ import annotations

import signal
import sys
from types import FrameType

_early_signals: list[int] = []


def _remember(signum: int, frame: FrameType | None) -> None:
    _early_signals.append(signum)


def console_main() -> None:
    """Import the command line and run it; exit with its code."""
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, _remember)
    from tradegame.cli import main

    sys.exit(main(early_signals=_early_signals))
