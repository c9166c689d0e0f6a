"""The ``tradegame`` console script.

The command line imports NumPy, SciPy, pydantic and rich, which takes a
noticeable fraction of a second; Ctrl-C in that time must end the program
with exit code 130 and one line, like Ctrl-C at any other time, not with a
traceback from inside an import. :func:`tradegame.cli.main` handles signals
once it runs; this wrapper covers the imports before it.
"""

from __future__ import annotations

import sys


def console_main() -> None:
    """Import the command line and run it; exit with its code."""
    try:
        from tradegame.cli import main
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        sys.exit(130)
    sys.exit(main())
