"""The ``tradegame`` console script.

The command line imports NumPy, SciPy, pydantic and rich, which takes a
noticeable fraction of a second; Ctrl-C or SIGTERM in that time must end the
program with exit code 130 or 143 and one line, as at any other time, not
with a traceback from inside an import. :func:`tradegame.cli.main` handles
signals once it runs; this wrapper covers the imports before it.
"""

from __future__ import annotations

import signal
import sys
from types import FrameType


class _Terminated(BaseException):
    """SIGTERM arrived while the command line was being imported."""


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise _Terminated


def console_main() -> None:
    """Import the command line and run it; exit with its code."""
    signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        from tradegame.cli import main
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        sys.exit(130)
    except _Terminated:
        sys.stderr.write("terminated\n")
        sys.exit(143)
    sys.exit(main())
