"""Equilibrium solvers, one module per method, all over NumPy arrays.

Every solver takes payoff arrays in the convention of :mod:`tradegame.model`:
``U[..., i, a_0, ..., a_{n-1}]`` with leading batch (draw) axes.
"""

from tradegame.solvers.pure_nash import best_response_mask, pure_nash

__all__ = ["best_response_mask", "pure_nash"]
