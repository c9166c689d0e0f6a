"""Exchange with other game-theory software: Gambit's ``.nfg`` and ``.efg`` text formats."""

from tradegame.interop.gambit import (
    GambitFormatError,
    NfgGame,
    read_efg,
    read_nfg,
    write_efg,
    write_nfg,
)

__all__ = ["GambitFormatError", "NfgGame", "read_efg", "read_nfg", "write_efg", "write_nfg"]
