"""tradegame: game-theoretic negotiation simulator."""

from tradegame._version import __version__

__all__ = ["__version__"]
