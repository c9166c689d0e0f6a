"""``python -m tradegame``: the command line."""

from tradegame.cli import console_main

console_main()
