"""Sampling the uncertain parameters, reproducibly in fixed blocks.

Draw ``k`` of a run always has the same parameter values whatever the chunk
size, the number of workers or the backend: the draw axis is cut into fixed
blocks of :data:`BLOCK` draws, and block ``b`` is sampled from its own
``numpy.random.Generator`` seeded with ``SeedSequence(seed, spawn_key=(b,))``
(the child streams of ``SeedSequence(seed).spawn``). Within a block the
parameters are sampled in file order. A run with more samples extends a run
with fewer: its first draws are the same.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import NDArray
from scipy import special

from tradegame.scenario.schema import (
    Beta,
    Choice,
    Fixed,
    LogNormal,
    Normal,
    Triangular,
    TruncatedNormal,
    Uniform,
)

__all__ = ["BLOCK", "ParameterSampler", "median", "quantile", "sample"]

#: Draws per sampling block: the unit of reproducibility and of summation.
BLOCK = 2048

Dist = Normal | TruncatedNormal | LogNormal | Uniform | Triangular | Beta | Fixed | Choice


def sample(dist: Dist, rng: np.random.Generator, size: int) -> NDArray[np.float64]:
    """Draw ``size`` values of one parameter.

    Returns
    -------
    ndarray of float64, shape (size,)
    """
    if isinstance(dist, Normal):
        return rng.normal(dist.mean, dist.sd, size)
    if isinstance(dist, TruncatedNormal):
        # Inverse-CDF sampling keeps one uniform per draw (no rejection loop).
        a = special.ndtr((dist.low - dist.mean) / dist.sd)
        b = special.ndtr((dist.high - dist.mean) / dist.sd)
        u = rng.random(size)
        x = dist.mean + dist.sd * special.ndtri(a + u * (b - a))
        return np.clip(x, dist.low, dist.high)
    if isinstance(dist, LogNormal):
        return dist.median * np.exp(dist.sigma * rng.standard_normal(size))
    if isinstance(dist, Uniform):
        return rng.uniform(dist.low, dist.high, size)
    if isinstance(dist, Triangular):
        return rng.triangular(dist.low, dist.mode, dist.high, size)
    if isinstance(dist, Beta):
        return dist.low + (dist.high - dist.low) * rng.beta(dist.a, dist.b, size)
    if isinstance(dist, Fixed):
        return np.full(size, dist.value, dtype=np.float64)
    if isinstance(dist, Choice):
        values = np.asarray(dist.values, dtype=np.float64)
        return rng.choice(values, size=size, p=dist.probabilities)
    raise TypeError(f"unknown distribution {type(dist).__name__}")


def median(dist: Dist) -> float:
    """The median of a parameter's distribution (used for the central game)."""
    if isinstance(dist, Normal):
        return dist.mean
    if isinstance(dist, TruncatedNormal):
        a = special.ndtr((dist.low - dist.mean) / dist.sd)
        b = special.ndtr((dist.high - dist.mean) / dist.sd)
        return float(dist.mean + dist.sd * special.ndtri(a + 0.5 * (b - a)))
    if isinstance(dist, LogNormal):
        return dist.median
    if isinstance(dist, Uniform):
        return 0.5 * (dist.low + dist.high)
    if isinstance(dist, Triangular):
        # The half of the mass lies below the median on the wider side of the mode.
        width = dist.high - dist.low
        if dist.mode - dist.low >= 0.5 * width:
            return float(dist.low + np.sqrt(0.5 * width * (dist.mode - dist.low)))
        return float(dist.high - np.sqrt(0.5 * width * (dist.high - dist.mode)))
    if isinstance(dist, Beta):
        return float(dist.low + (dist.high - dist.low) * special.betaincinv(dist.a, dist.b, 0.5))
    if isinstance(dist, Fixed):
        return dist.value
    if isinstance(dist, Choice):
        values = np.asarray(dist.values, dtype=np.float64)
        probs = (
            np.full(len(values), 1 / len(values))
            if dist.probabilities is None
            else np.asarray(dist.probabilities)
        )
        order = np.argsort(values, kind="stable")
        cum = np.cumsum(probs[order])
        return float(values[order][np.searchsorted(cum, 0.5 - 1e-12)])
    raise TypeError(f"unknown distribution {type(dist).__name__}")


def quantile(dist: Dist, q: float) -> float:
    """The ``q``-quantile of a parameter's distribution, ``0 < q < 1``.

    Examples
    --------
    >>> from tradegame.scenario.schema import Uniform
    >>> quantile(Uniform(dist="uniform", low=2, high=4), 0.1)
    2.2
    """
    if not 0 < q < 1:
        raise ValueError(f"q must be in (0, 1), got {q}")
    if isinstance(dist, Normal):
        return float(dist.mean + dist.sd * special.ndtri(q))
    if isinstance(dist, TruncatedNormal):
        a = special.ndtr((dist.low - dist.mean) / dist.sd)
        b = special.ndtr((dist.high - dist.mean) / dist.sd)
        x = dist.mean + dist.sd * special.ndtri(a + q * (b - a))
        return float(np.clip(x, dist.low, dist.high))
    if isinstance(dist, LogNormal):
        return float(dist.median * np.exp(dist.sigma * special.ndtri(q)))
    if isinstance(dist, Uniform):
        return float(dist.low + q * (dist.high - dist.low))
    if isinstance(dist, Triangular):
        width = dist.high - dist.low
        split = (dist.mode - dist.low) / width if width > 0 else 0.5
        if q <= split:
            return float(dist.low + np.sqrt(q * width * (dist.mode - dist.low)))
        return float(dist.high - np.sqrt((1 - q) * width * (dist.high - dist.mode)))
    if isinstance(dist, Beta):
        return float(dist.low + (dist.high - dist.low) * special.betaincinv(dist.a, dist.b, q))
    if isinstance(dist, Fixed):
        return dist.value
    if isinstance(dist, Choice):
        values = np.asarray(dist.values, dtype=np.float64)
        probs = (
            np.full(len(values), 1 / len(values))
            if dist.probabilities is None
            else np.asarray(dist.probabilities)
        )
        order = np.argsort(values, kind="stable")
        cum = np.cumsum(probs[order])
        return float(values[order][min(len(values) - 1, int(np.searchsorted(cum, q - 1e-12)))])
    raise TypeError(f"unknown distribution {type(dist).__name__}")


class ParameterSampler:
    """Samples all parameters of a scenario for any range of draws.

    Parameters
    ----------
    parameters : mapping of str to distribution
        In file order.
    seed : int
        Root seed of the run.
    """

    def __init__(self, parameters: Mapping[str, Dist], seed: int) -> None:
        self.parameters = dict(parameters)
        self.seed = int(seed)

    def block(self, index: int) -> dict[str, NDArray[np.float64]]:
        """All parameters for block ``index`` (draws ``index*BLOCK`` to ``(index+1)*BLOCK``)."""
        seq = np.random.SeedSequence(self.seed, spawn_key=(index,))
        rng = np.random.Generator(np.random.PCG64(seq))
        # Overflow to inf is reported by the caller, naming the parameter and draw.
        with np.errstate(over="ignore", invalid="ignore"):
            return {name: sample(dist, rng, BLOCK) for name, dist in self.parameters.items()}

    def draws(self, start: int, stop: int) -> dict[str, NDArray[np.float64]]:
        """Parameter values of draws ``start`` to ``stop - 1``.

        Returns
        -------
        dict of str to ndarray of float64, shape (stop - start,)
        """
        if stop <= start:
            return {name: np.empty(0) for name in self.parameters}
        first, last = start // BLOCK, (stop - 1) // BLOCK
        blocks = [self.block(b) for b in range(first, last + 1)]
        lo = start - first * BLOCK
        hi = lo + (stop - start)
        return {
            name: np.concatenate([blk[name] for blk in blocks])[lo:hi] for name in self.parameters
        }

    def medians(self) -> dict[str, float]:
        """Median of every parameter."""
        return {name: median(dist) for name, dist in self.parameters.items()}
