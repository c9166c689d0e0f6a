"""The ``tradegame`` console script.

The command line imports Typer and rich (a tenth of a second or two), and a
command then imports the pipeline it uses (NumPy, SciPy, pydantic: a noticeable
fraction of a second more). Ctrl-C or SIGTERM in that time must end the program
with exit code 130 or 143 and one line, as at any other time. An
exception raised from a signal handler in the middle of those imports is not
safe: library import code may swallow it (the run then goes on to the end) or
CPython may end the process by the signal itself. So until
:func:`tradegame.cli.main` installs its own handlers, signals are only
remembered, and ``main`` acts on them as soon as it starts. The pipeline that a
command imports afterwards is imported under ``main``'s handlers, whose exception
(``Interrupted``) is not an ``Exception``, so that no library's ``except
Exception`` swallows it (the moment "importing" of
``tests/hardening/test_cli_values_and_signals.py``).

The handlers are installed with the interpreter's built-in ``_signal`` module:
the ``signal`` module wraps it in enums, and importing ``enum`` (with
``functools`` and ``collections``) would keep the window in which Ctrl-C prints
a ``KeyboardInterrupt`` traceback open for milliseconds longer. What remains of
that window is the interpreter's own start-up (``site``), before any of our
code runs.

Standard output is flushed here, at the very end: a full device or a closed
pipe is reported by ``main`` as one line, and what could not be written is then
dropped instead of failing again, with a traceback, when Python exits.
"""

from __future__ import annotations

import _signal
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from types import FrameType

_early_signals: list[int] = []


def _remember(signum: int, frame: FrameType | None) -> None:
    _early_signals.append(signum)


def console_main() -> None:
    """Import the command line and run it; exit with its code."""
    for sig in (_signal.SIGINT, _signal.SIGTERM):
        _signal.signal(sig, _remember)
    from tradegame.cli import main

    code = main(early_signals=_early_signals)
    try:
        sys.stdout.flush()
    except OSError:
        _discard_stdout()
    sys.exit(code)


def _discard_stdout() -> None:
    import os

    # Python flushes sys.stdout again at exit; point it at /dev/null so that the
    # bytes that could not be written vanish instead of printing a traceback.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        sys.stdout.flush()
    except (OSError, ValueError):
        pass
