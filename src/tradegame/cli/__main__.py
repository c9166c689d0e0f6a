"""``python -m tradegame.cli``: the command line."""

import sys

from tradegame.cli import main

sys.exit(main())
