"""Monte Carlo over a scenario's uncertain parameters: sampling, selection, simulation."""

from tradegame.montecarlo.result import SimulationResult
from tradegame.montecarlo.simulate import simulate

__all__ = ["SimulationResult", "simulate"]
