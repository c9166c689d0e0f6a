"""tradegame: game-theoretic negotiation simulator.

>>> import tradegame as tg
>>> sc = tg.load_scenario("madrid_2025")            # doctest: +SKIP
>>> res = tg.simulate(sc, samples=100_000, seed=7)  # doctest: +SKIP
>>> res.outcome_probabilities                       # doctest: +SKIP
>>> tg.solve(sc).equilibria                         # doctest: +SKIP

The public names are imported on first use (PEP 562), so that ``import
tradegame`` is cheap and the command line can install its signal handling
before NumPy and SciPy load.
"""

from __future__ import annotations

from tradegame._version import __version__

# Not ``from typing import TYPE_CHECKING`` (nor importlib at the top): they take
# milliseconds to import, and every millisecond before the console script's
# signal handling is in place (tradegame._launch) is one in which Ctrl-C prints
# a traceback.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from tradegame import solvers
    from tradegame.analysis.backtest import Backtest, backtest
    from tradegame.analysis.compare import Comparison, compare
    from tradegame.analysis.sensitivity import Sensitivity, sensitivity
    from tradegame.analysis.sweep import Sweep, sweep
    from tradegame.errors import ScenarioError, TradegameError
    from tradegame.montecarlo.result import SimulationResult
    from tradegame.montecarlo.simulate import simulate
    from tradegame.play.solution import CentralSolution
    from tradegame.play.solve import solve
    from tradegame.report.explain import Explanation, explain
    from tradegame.scenario.load import Scenario, load_scenario, parse_scenario

__all__ = [
    "Backtest",
    "CentralSolution",
    "Comparison",
    "Explanation",
    "Scenario",
    "ScenarioError",
    "Sensitivity",
    "SimulationResult",
    "Sweep",
    "TradegameError",
    "__version__",
    "backtest",
    "compare",
    "explain",
    "load_scenario",
    "parse_scenario",
    "sensitivity",
    "simulate",
    "solve",
    "solvers",
    "sweep",
]

_WHERE = {
    "ScenarioError": "tradegame.errors",
    "TradegameError": "tradegame.errors",
    "SimulationResult": "tradegame.montecarlo.result",
    "simulate": "tradegame.montecarlo.simulate",
    "solve": "tradegame.play.solve",
    "backtest": "tradegame.analysis.backtest",
    "Backtest": "tradegame.analysis.backtest",
    "compare": "tradegame.analysis.compare",
    "Comparison": "tradegame.analysis.compare",
    "sensitivity": "tradegame.analysis.sensitivity",
    "Sensitivity": "tradegame.analysis.sensitivity",
    "sweep": "tradegame.analysis.sweep",
    "Sweep": "tradegame.analysis.sweep",
    "CentralSolution": "tradegame.play.solution",
    "explain": "tradegame.report.explain",
    "Explanation": "tradegame.report.explain",
    "Scenario": "tradegame.scenario.load",
    "load_scenario": "tradegame.scenario.load",
    "parse_scenario": "tradegame.scenario.load",
}


def __getattr__(name: str) -> Any:
    import importlib  # here, not above: see TYPE_CHECKING

    if name == "solvers":
        return importlib.import_module("tradegame.solvers")
    if name in _WHERE:
        value = getattr(importlib.import_module(_WHERE[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'tradegame' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
