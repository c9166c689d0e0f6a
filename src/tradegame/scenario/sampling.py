"""Sampling the uncertain parameters: common random numbers, in fixed blocks.

Every draw is a transform of a uniform variate ``u`` in (0, 1) by the
distribution's quantile function (:func:`quantile`), so draw ``k`` of a
parameter moves *monotonically and coherently* when its distribution changes:
doubling a lognormal's median doubles every draw, widening a uniform's bounds
stretches every draw about the same ``u``. That is what makes paired
differences between two runs precise (common random numbers).

Two schemes give the variates:

``monte_carlo`` (the default)
    The draw axis is cut into fixed blocks of :data:`BLOCK` draws, and in
    block ``b`` each parameter has its **own** ``numpy.random.Generator``,
    seeded with ``SeedSequence(seed, spawn_key=(b, name_key(name)))``
    (:func:`name_key`, a stable hash of the parameter's name). Draw ``k`` of a
    parameter is therefore the same number in every run with the same seed,
    whatever other parameters the scenario has, in whatever order; whatever
    the chunk size, the number of workers or the backend; and a run with more
    samples extends one with fewer.
``sobol`` (``--qmc``)
    Randomised quasi-Monte Carlo: :data:`REPLICATES` independently scrambled
    Sobol sequences (``scipy.stats.qmc.Sobol``, Owen scrambling; Owen 1997,
    "Scrambled net variance for integrals of smooth functions", Ann. Statist.
    25, 1541-1562), one dimension per parameter in the order of their
    :func:`name_key`. In block ``b``, draw ``i`` is point
    ``b * BLOCK / R + i // R`` of replicate ``r = i % R``: every block holds
    the same number of points of each replicate, so blocks stay the unit of
    reproducibility. The replicates are independent, so the spread of their
    means is an honest standard error (:mod:`tradegame.montecarlo.result`).
    Draw ``k`` is the same in runs with the same seed and the same parameter
    *names*; adding or removing a parameter changes the Sobol points (their
    dimension), so common random numbers across different parameter sets
    hold for ``monte_carlo`` only.
"""

from __future__ import annotations

import hashlib
import warnings
from collections.abc import Mapping
from typing import Literal

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

__all__ = [
    "BLOCK",
    "REPLICATES",
    "SCHEMES",
    "ParameterSampler",
    "median",
    "name_key",
    "quantile",
    "sample",
    "uniforms",
]

#: Draws per sampling block: the unit of reproducibility and of summation.
BLOCK = 2048
#: Independent scramblings of the Sobol sequence in a ``sobol`` run (divides BLOCK).
REPLICATES = 16
#: The sampling schemes: plain Monte Carlo and scrambled Sobol points.
SCHEMES = ("monte_carlo", "sobol")
Scheme = Literal["monte_carlo", "sobol"]

Dist = Normal | TruncatedNormal | LogNormal | Uniform | Triangular | Beta | Fixed | Choice

# The spawn key of the Sobol scramblings: three entries, where a Monte Carlo
# block's key has two, so the streams never coincide.
_SOBOL_KEY = 0x536F626F6C


def name_key(name: str) -> int:
    """A stable 64-bit key of a parameter name (the first 8 bytes of its SHA-256).

    Python's ``hash`` of a string changes from one process to the next; this
    does not, so a parameter's stream is the same in every run and worker.
    """
    return int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:8], "big")


def uniforms(rng: np.random.Generator, size: int) -> NDArray[np.float64]:
    """``size`` uniform variates strictly inside (0, 1): ``(j + 1/2) / 2**52``.

    Never 0 or 1, so that quantile functions with infinite tails (normal,
    lognormal) stay finite.

    Returns
    -------
    ndarray of float64, shape (size,)
    """
    return (rng.integers(0, 1 << 52, size).astype(np.float64) + 0.5) * 2.0**-52


def quantile(dist: Dist, u: NDArray[np.float64]) -> NDArray[np.float64]:
    """The distribution's quantile function (inverse CDF) at ``u``.

    Non-decreasing in ``u``: the draws of two versions of a distribution at the
    same ``u`` are paired (common random numbers). A ``choice`` maps ``u`` to
    its values in increasing order.

    Parameters
    ----------
    dist : distribution
    u : ndarray of float64, shape (D,)
        In (0, 1).

    Returns
    -------
    ndarray of float64, shape (D,)
    """
    if isinstance(dist, Normal):
        return dist.mean + dist.sd * special.ndtri(u)
    if isinstance(dist, TruncatedNormal):
        a = special.ndtr((dist.low - dist.mean) / dist.sd)
        b = special.ndtr((dist.high - dist.mean) / dist.sd)
        x = dist.mean + dist.sd * special.ndtri(a + u * (b - a))
        return np.clip(x, dist.low, dist.high)
    if isinstance(dist, LogNormal):
        return dist.median * np.exp(dist.sigma * special.ndtri(u))
    if isinstance(dist, Uniform):
        return dist.low + (dist.high - dist.low) * u
    if isinstance(dist, Triangular):
        lo, mode, hi = dist.low, dist.mode, dist.high
        width = hi - lo
        split = (mode - lo) / width  # the CDF at the mode
        left = lo + np.sqrt(u * width * (mode - lo))
        right = hi - np.sqrt((1.0 - u) * width * (hi - mode))
        return np.where(u < split, left, right)
    if isinstance(dist, Beta):
        return dist.low + (dist.high - dist.low) * special.betaincinv(dist.a, dist.b, u)
    if isinstance(dist, Fixed):
        return np.full(u.shape, dist.value, dtype=np.float64)
    if isinstance(dist, Choice):
        values = np.asarray(dist.values, dtype=np.float64)
        probs = (
            np.full(len(values), 1 / len(values))
            if dist.probabilities is None
            else np.asarray(dist.probabilities, dtype=np.float64)
        )
        order = np.argsort(values, kind="stable")
        cum = np.cumsum(probs[order])
        index = np.minimum(np.searchsorted(cum / cum[-1], u, side="right"), len(values) - 1)
        return values[order][index]
    raise TypeError(f"unknown distribution {type(dist).__name__}")


def sample(dist: Dist, rng: np.random.Generator, size: int) -> NDArray[np.float64]:
    """Draw ``size`` values of one parameter: :func:`quantile` of :func:`uniforms`.

    Returns
    -------
    ndarray of float64, shape (size,)
    """
    return quantile(dist, uniforms(rng, size))


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


class ParameterSampler:
    """Samples all parameters of a scenario for any range of draws.

    Parameters
    ----------
    parameters : mapping of str to distribution
    seed : int
        Root seed of the run.
    scheme : {"monte_carlo", "sobol"}
        Where the uniform variates come from (see the module's docstring).
    """

    def __init__(
        self, parameters: Mapping[str, Dist], seed: int, scheme: Scheme = "monte_carlo"
    ) -> None:
        if scheme not in SCHEMES:
            raise ValueError(f"unknown sampling scheme {scheme!r}")
        self.parameters = dict(parameters)
        self.seed = int(seed)
        self.scheme: Scheme = scheme
        self.keys = {name: name_key(name) for name in self.parameters}
        # Sobol dimensions in the order of the names' keys: not the file's order.
        self.dimensions = sorted(self.parameters, key=lambda name: (self.keys[name], name))

    @property
    def groups(self) -> int:
        """Independent replicates in a block: 1, or :data:`REPLICATES` for ``sobol``."""
        return REPLICATES if self.scheme == "sobol" else 1

    def _stream(self, block: int, name: str) -> np.random.Generator:
        """The generator of one parameter in one block: keyed by both, nothing else."""
        seq = np.random.SeedSequence(self.seed, spawn_key=(block, self.keys[name]))
        return np.random.Generator(np.random.PCG64(seq))

    def block_uniforms(self, index: int, count: int = 1) -> dict[str, NDArray[np.float64]]:
        """The uniform variates of blocks ``index`` to ``index + count - 1``.

        Returns
        -------
        dict of str to ndarray of float64, shape (count * BLOCK,)
        """
        if self.scheme == "monte_carlo":
            return {
                name: np.concatenate(
                    [uniforms(self._stream(b, name), BLOCK) for b in range(index, index + count)]
                )
                for name in self.parameters
            }
        from scipy.stats import qmc

        d = len(self.dimensions)
        if d == 0:
            return {}
        per = BLOCK // REPLICATES
        points = np.empty((count * per, REPLICATES, d))
        for r in range(REPLICATES):
            # One engine per replicate for the whole range: scrambling is the costly part.
            seq = np.random.SeedSequence(self.seed, spawn_key=(_SOBOL_KEY, r, 0))
            engine = qmc.Sobol(d, scramble=True, seed=np.random.Generator(np.random.PCG64(seq)))
            if index:  # scipy cannot fast-forward by zero points
                engine.fast_forward(index * per)
            with warnings.catch_warnings():
                # Balance needs powers of two: per is one, and so is every prefix of blocks.
                warnings.simplefilter("ignore", UserWarning)
                points[:, r, :] = engine.random(count * per)
        # Draw g of the range is point g // R of replicate g % R. Sobol points are
        # multiples of 2**-30 (scipy's default bits): the cell's midpoint keeps u in (0, 1).
        flat = points.reshape(count * BLOCK, d) + 2.0**-31
        return {name: flat[:, j].copy() for j, name in enumerate(self.dimensions)}

    def block(self, index: int, count: int = 1) -> dict[str, NDArray[np.float64]]:
        """All parameters for blocks ``index`` to ``index + count - 1``, shape (count * BLOCK,)."""
        u = self.block_uniforms(index, count)
        # Overflow to inf is reported by the caller, naming the parameter and draw.
        with np.errstate(over="ignore", invalid="ignore"):
            return {name: quantile(dist, u[name]) for name, dist in self.parameters.items()}

    def draws(self, start: int, stop: int) -> dict[str, NDArray[np.float64]]:
        """Parameter values of draws ``start`` to ``stop - 1``.

        Returns
        -------
        dict of str to ndarray of float64, shape (stop - start,)
        """
        if stop <= start:
            return {name: np.empty(0) for name in self.parameters}
        first, last = start // BLOCK, (stop - 1) // BLOCK
        values = self.block(first, last - first + 1)
        lo = start - first * BLOCK
        hi = lo + (stop - start)
        return {name: values[name][lo:hi] for name in self.parameters}

    def medians(self) -> dict[str, float]:
        """Median of every parameter."""
        return {name: median(dist) for name, dist in self.parameters.items()}
