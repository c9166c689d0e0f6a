"""Monte Carlo over uncertain parameters: runs in chunks, workers, checkpoints, results."""

from tradegame.montecarlo.result import SimulationResult
from tradegame.montecarlo.simulate import simulate

__all__ = ["SimulationResult", "simulate"]
