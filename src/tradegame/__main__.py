"""``python -m tradegame``: the command line."""

from tradegame._launch import console_main

console_main()
