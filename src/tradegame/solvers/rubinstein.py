r"""Rubinstein (1982) alternating-offers bargaining: the subgame-perfect split.

Two players divide a pie of size :math:`\pi`; they alternate proposals, the
responder accepts or rejects, and a rejection delays the game one period, which
discounts player *i*'s payoff by :math:`\delta_i \in (0, 1)`. The unique
subgame-perfect equilibrium has immediate agreement, with the first proposer
getting

.. math::

    x^* = \pi\,\frac{1 - \delta_2}{1 - \delta_1 \delta_2},

where :math:`\delta_1` is the proposer's discount factor and :math:`\delta_2` the
responder's (Rubinstein 1982; Osborne & Rubinstein 1994, §7.3; Fudenberg & Tirole 1991,
§4.4). With a common :math:`\delta` this is :math:`\pi/(1 + \delta)`:
the first-mover advantage vanishes as :math:`\delta \to 1`.

Every function is vectorised: discount factors may be arrays (e.g. Monte Carlo
draws) and broadcast together with the pie size.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["RubinsteinSplit", "rubinstein"]


@dataclass(frozen=True, slots=True)
class RubinsteinSplit:
    """Subgame-perfect division of the pie in the alternating-offers game.

    Attributes
    ----------
    shares : ndarray of float, shape (..., 2)
        ``shares[..., i]`` is player *i*'s part of the pie (players 0 and 1;
        they add up to ``pie``).
    proposer : int
        The player who makes the first offer (0 or 1).
    delta : ndarray of float, shape (..., 2)
        Discount factors of players 0 and 1, broadcast together.
    pie : ndarray of float, shape (...)
        Size of the pie.
    """

    shares: NDArray[np.float64]
    proposer: int
    delta: NDArray[np.float64]
    pie: NDArray[np.float64]

    @property
    def proposer_share(self) -> NDArray[np.float64]:
        """Share of the first proposer, shape (...)."""
        return np.asarray(self.shares[..., self.proposer])


def _check_discount(name: str, value: ArrayLike) -> NDArray[np.float64]:
    arr = np.asarray(value, dtype=np.float64)
    if np.isnan(arr).any():
        raise ValueError(f"{name} contains NaN")
    if not np.all((arr > 0.0) & (arr < 1.0)):
        raise ValueError(f"{name} must lie strictly between 0 and 1, got {arr.tolist()}")
    return arr


def _shares(
    d_prop: NDArray[np.float64], d_resp: NDArray[np.float64], pie: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    # The proposer offers the responder exactly what the responder would get as the
    # next proposer, discounted; solving the two indifferences gives this closed form.
    first = pie * (1.0 - d_resp) / (1.0 - d_prop * d_resp)
    return first, pie - first


def rubinstein(
    delta1: ArrayLike,
    delta2: ArrayLike | None = None,
    pie: ArrayLike = 1.0,
    proposer: int = 0,
) -> RubinsteinSplit:
    """Subgame-perfect shares of Rubinstein's alternating-offers game.

    Parameters
    ----------
    delta1 : float or array_like
        Discount factor of player 0 (the first player), in (0, 1).
    delta2 : float or array_like, optional
        Discount factor of player 1, in (0, 1). Defaults to ``delta1`` (a common
        discount factor).
    pie : float or array_like, default 1.0
        Size of the pie; finite and positive. Broadcast with the discount factors.
    proposer : {0, 1}, default 0
        Who makes the first offer.

    Returns
    -------
    RubinsteinSplit
        ``shares[..., 0]`` and ``shares[..., 1]``: with player 0 proposing,
        ``pie * (1 - delta2) / (1 - delta1 * delta2)`` and the rest.

    Raises
    ------
    ValueError
        If a discount factor is outside the open interval (0, 1), NaN, the pie
        is not positive and finite, or ``proposer`` is not 0 or 1.

    Examples
    --------
    >>> rubinstein(0.5).shares.round(6).tolist()
    [0.666667, 0.333333]
    >>> rubinstein(0.9, 0.5, pie=10).shares.round(6).tolist()
    [9.090909, 0.909091]
    """
    d1 = _check_discount("delta1", delta1)
    d2 = d1 if delta2 is None else _check_discount("delta2", delta2)
    size = np.asarray(pie, dtype=np.float64)
    if not np.all(np.isfinite(size) & (size > 0)):
        raise ValueError(f"pie must be positive and finite, got {size.tolist()}")
    if proposer not in (0, 1):
        raise ValueError(f"proposer must be 0 or 1, got {proposer!r}")
    d1, d2, size = np.broadcast_arrays(d1, d2, size)
    if proposer == 0:
        s0, s1 = _shares(d1, d2, size)
    else:
        s1, s0 = _shares(d2, d1, size)
    return RubinsteinSplit(
        shares=np.stack([s0, s1], axis=-1),
        proposer=proposer,
        delta=np.stack([d1, d2], axis=-1),
        pie=np.asarray(size, dtype=np.float64),
    )
