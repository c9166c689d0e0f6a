"""tradegame: game-theoretic negotiation simulator.

>>> import tradegame as tg
>>> sc = tg.load_scenario("madrid_2025")            # doctest: +SKIP
>>> res = tg.simulate(sc, samples=100_000, seed=7)  # doctest: +SKIP
>>> res.outcome_probabilities                       # doctest: +SKIP
"""

from tradegame._version import __version__
from tradegame.errors import ScenarioError
from tradegame.montecarlo.result import SimulationResult
from tradegame.montecarlo.simulate import simulate
from tradegame.scenario.load import Scenario, load_scenario, parse_scenario

__all__ = [
    "Scenario",
    "ScenarioError",
    "SimulationResult",
    "__version__",
    "load_scenario",
    "parse_scenario",
    "simulate",
]
