"""Scenario files: YAML reading with locations, the schema, expressions, loading.

:class:`Scenario`, :func:`load_scenario` and :func:`parse_scenario` are imported
on first use (PEP 562): importing a light module of this package, such as
:mod:`tradegame.scenario.vocabulary` for the command line's option types, does not
load pydantic, YAML and NumPy with the loader.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from tradegame.scenario.load import Scenario, load_scenario, parse_scenario

__all__ = ["Scenario", "load_scenario", "parse_scenario"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        import importlib

        value = getattr(importlib.import_module("tradegame.scenario.load"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'tradegame.scenario' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
