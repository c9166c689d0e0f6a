r"""Nash and Kalai–Smorodinsky bargaining solutions of two-player games.

The feasible set :math:`S` is the convex hull of the payoff pairs of the pure
profiles of a two-player game (the players can agree on any lottery over
profiles), and :math:`d` is the disagreement point, supplied by the caller. The
scenario layer defaults :math:`d` to the payoffs of a stage equilibrium or to the
players' maxmin values (:func:`tradegame.solvers.maxmin.maxmin`); this module only
takes it as given.

*Nash (1950)*: the unique maximiser of the Nash product
:math:`(u_1 - d_1)(u_2 - d_2)` over :math:`\{u \in S : u \ge d\}`
(Osborne & Rubinstein 1994, ch. 15; Myerson 1991, §8.2).

*Kalai & Smorodinsky (1975)*: with the ideal point
:math:`I_i = \max\{u_i : u \in S,\ u \ge d\}`, the Pareto-efficient point of
:math:`S` on the segment from :math:`d` to :math:`I`; it equalises the relative
gains :math:`(u_i - d_i)/(I_i - d_i)` (Myerson 1991, §8.6).

Both lie on the Pareto frontier of :math:`S`, which for two players is a
polyline: the upper-right convex chain through some of the payoff points. It is
built exactly (Pareto filter, then Andrew's monotone-chain upper hull), and both
solutions are found edge by edge in closed form: along an edge
:math:`p + t(q - p)` the Nash product is a concave quadratic in :math:`t`, and the
Kalai–Smorodinsky point is the intersection of two lines. No grid is used. The
answer is reported as a point and as a lottery over at most two pure profiles
(the endpoints of the frontier edge it lies on).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["BargainingSolution", "kalai_smorodinsky", "nash_bargaining", "pareto_frontier"]

# Edge parameters this close to 0 or 1 are reported as a single profile.
_ENDPOINT_TOL = 1e-12


@dataclass(frozen=True, slots=True)
class BargainingSolution:
    """A bargaining solution and the lottery over profiles that achieves it.

    Attributes
    ----------
    point : ndarray of float, shape (2,)
        Payoffs of the two players at the solution.
    profiles : tuple of (int, int)
        One or two pure profiles ``(a_0, a_1)``, the endpoints of the frontier
        edge containing the point (one when it is a vertex).
    weights : tuple of float
        Probabilities of ``profiles`` (sum 1); ``point`` is the weighted sum of
        their payoff pairs.
    disagreement : ndarray of float, shape (2,)
        The disagreement point *d* used.
    ideal : ndarray of float, shape (2,)
        The ideal (utopia) point of the individually rational part of the
        feasible set.
    method : str
        ``"nash"`` or ``"kalai-smorodinsky"``.
    """

    point: NDArray[np.float64]
    profiles: tuple[tuple[int, int], ...]
    weights: tuple[float, ...]
    disagreement: NDArray[np.float64]
    ideal: NDArray[np.float64]
    method: str

    @property
    def nash_product(self) -> float:
        """``(u_1 - d_1)(u_2 - d_2)`` at the solution."""
        g = self.point - self.disagreement
        return float(g[0] * g[1])

    @property
    def relative_gains(self) -> NDArray[np.float64]:
        """``(u_i - d_i) / (I_i - d_i)`` for both players, shape (2,)."""
        return np.asarray((self.point - self.disagreement) / (self.ideal - self.disagreement))


def _check(
    U: ArrayLike, disagreement: ArrayLike | None
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    arr = np.asarray(U)
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == np.bool_):
        raise ValueError(f"payoff array must be numeric, got dtype {arr.dtype}")
    if arr.ndim != 3 or arr.shape[0] != 2 or 0 in arr.shape:
        raise ValueError(
            f"bargaining needs a two-player game of shape (2, A_0, A_1), got {arr.shape}"
        )
    arr = arr.astype(np.float64)
    if not np.isfinite(arr).all():
        raise ValueError("payoff array contains NaN or infinite values")
    if disagreement is None:
        raise ValueError("a disagreement point of shape (2,) is required")
    d = np.asarray(disagreement, dtype=np.float64)
    if d.shape != (2,):
        raise ValueError(f"disagreement point must have shape (2,), got {d.shape}")
    if not np.isfinite(d).all():
        raise ValueError("disagreement point contains NaN or infinite values")
    return arr, d


def _frontier(V: NDArray[np.float64]) -> NDArray[np.intp]:
    """Indices of the vertices of the Pareto frontier of conv(V), by increasing ``u_1``.

    ``V`` has shape (K, 2). Along the result ``u_1`` increases and ``u_2``
    strictly decreases, and consecutive vertices are joined by frontier edges.
    """
    # Pareto filter: scanning by decreasing u1 (larger u2 first on ties), a point
    # survives iff it beats every u2 seen so far; this also drops duplicates.
    order = np.lexsort((-V[:, 1], -V[:, 0]))
    keep: list[int] = []
    best = -np.inf
    for k in order:
        if V[k, 1] > best:
            keep.append(int(k))
            best = V[k, 1]
    keep.reverse()
    # Upper hull of the Pareto points (Andrew's monotone chain): drop any point on
    # or below the segment joining its neighbours, as it is not a vertex.
    hull: list[int] = []
    for k in keep:
        while len(hull) >= 2:
            o, a = V[hull[-2]], V[hull[-1]]
            cross = (a[0] - o[0]) * (V[k, 1] - o[1]) - (a[1] - o[1]) * (V[k, 0] - o[0])
            if cross < 0:
                break
            hull.pop()
        hull.append(k)
    return np.array(hull, dtype=np.intp)


def _ideal(P: NDArray[np.float64], d: NDArray[np.float64]) -> NDArray[np.float64]:
    """Ideal point over frontier vertices ``P`` (shape (m, 2)) restricted to ``u >= d``."""
    ideal = np.array([-np.inf, -np.inf])
    for v in P:
        if v[1] >= d[1]:
            ideal[0] = max(ideal[0], v[0])
        if v[0] >= d[0]:
            ideal[1] = max(ideal[1], v[1])
    for p, q in pairwise(P):
        delta = q - p
        # Best u1 keeping u2 >= d2 is where the edge crosses u2 = d2 (u2 falls along it).
        if p[1] >= d[1] > q[1]:
            ideal[0] = max(ideal[0], p[0] + delta[0] * (p[1] - d[1]) / -delta[1])
        # Best u2 keeping u1 >= d1 is where the edge crosses u1 = d1 (u1 rises along it).
        if p[0] < d[0] <= q[0]:
            ideal[1] = max(ideal[1], p[1] + delta[1] * (d[0] - p[0]) / delta[0])
    return ideal


def _solution(
    V: NDArray[np.float64],
    idx: NDArray[np.intp],
    edge: int,
    t: float,
    d: NDArray[np.float64],
    ideal: NDArray[np.float64],
    shape: tuple[int, int],
    method: str,
) -> BargainingSolution:
    def profile(k: int) -> tuple[int, int]:
        a0, a1 = np.unravel_index(k, shape)
        return int(a0), int(a1)

    if len(idx) == 1 or t <= _ENDPOINT_TOL:
        ks, ws = [int(idx[edge])], [1.0]
    elif t >= 1.0 - _ENDPOINT_TOL:
        ks, ws = [int(idx[edge + 1])], [1.0]
    else:
        ks, ws = [int(idx[edge]), int(idx[edge + 1])], [1.0 - t, t]
    point = np.asarray(sum(w * V[k] for k, w in zip(ks, ws, strict=True)), dtype=np.float64)
    return BargainingSolution(
        point=point,
        profiles=tuple(profile(k) for k in ks),
        weights=tuple(ws),
        disagreement=d,
        ideal=ideal,
        method=method,
    )


def _nash_kernel(
    V: NDArray[np.float64], idx: NDArray[np.intp], d: NDArray[np.float64]
) -> tuple[int, float, float]:
    """Best (edge, t, Nash product) over the frontier, restricted to u >= d."""
    P = V[idx]
    best = (0, 0.0, -np.inf)
    if len(P) == 1:
        g = P[0] - d
        return (0, 0.0, float(g[0] * g[1])) if np.all(g >= 0) else best
    for e, (p, q) in enumerate(pairwise(P)):
        a = p - d
        delta = q - p  # delta[0] > 0 > delta[1] on the frontier
        # Both gains are non-negative for t in [lo, hi]; outside, the product can be
        # positive only with both gains negative, which is not individually rational.
        lo = max(0.0, -a[0] / delta[0])
        hi = min(1.0, a[1] / -delta[1])
        if lo > hi:
            continue
        # Stationary point of the concave quadratic (a0 + t D0)(a1 + t D1).
        t = -(a[0] * delta[1] + a[1] * delta[0]) / (2.0 * delta[0] * delta[1])
        t = min(max(t, lo), hi)
        value = (a[0] + t * delta[0]) * (a[1] + t * delta[1])
        if value > best[2]:
            best = (e, float(t), float(value))
    return best


def _prepare(
    U: ArrayLike, disagreement: ArrayLike | None
) -> tuple[NDArray[np.float64], NDArray[np.intp], NDArray[np.float64], tuple[int, int]]:
    arr, d = _check(U, disagreement)
    V = arr.reshape(2, -1).T  # (K, 2): payoff pair of each profile, C order
    idx = _frontier(V)
    _, _, value = _nash_kernel(V, idx, d)
    # The Nash product is positive somewhere iff some feasible point strictly dominates d.
    if not value > 0.0:
        raise ValueError(
            f"no feasible payoff pair strictly dominates the disagreement point {d.tolist()}: "
            "there are no gains from bargaining"
        )
    return V, idx, d, (arr.shape[1], arr.shape[2])


def pareto_frontier(U: ArrayLike) -> NDArray[np.float64]:
    """Vertices of the Pareto frontier of the convex hull of a game's payoff pairs.

    Parameters
    ----------
    U : array_like, shape (2, A_0, A_1)
        Payoffs of a two-player game.

    Returns
    -------
    ndarray of float, shape (m, 2)
        Frontier vertices by increasing payoff of player 0 (player 1's payoff
        strictly decreases); consecutive rows are joined by frontier edges.

    Examples
    --------
    >>> pareto_frontier([[[0, 1], [2, 0]], [[0, 2], [1, 0]]]).tolist()
    [[1.0, 2.0], [2.0, 1.0]]
    """
    arr, _ = _check(U, np.zeros(2))
    V = arr.reshape(2, -1).T
    return np.asarray(V[_frontier(V)])


def nash_bargaining(U: ArrayLike, disagreement: ArrayLike) -> BargainingSolution:
    """Nash (1950) bargaining solution over the convex hull of the pure payoffs.

    Parameters
    ----------
    U : array_like, shape (2, A_0, A_1)
        Payoffs of a two-player game; the feasible set is the convex hull of
        the pairs ``(U[0, a_0, a_1], U[1, a_0, a_1])``.
    disagreement : array_like, shape (2,)
        Disagreement point *d*. It need not be feasible; the scenario layer
        usually passes equilibrium payoffs or maxmin values.

    Returns
    -------
    BargainingSolution
        The maximiser of ``(u_1 - d_1)(u_2 - d_2)`` over feasible ``u >= d`` and
        a lottery over at most two profiles achieving it.

    Raises
    ------
    ValueError
        If no feasible point strictly dominates *d*, or on bad shapes or
        NaN/inf input.

    Examples
    --------
    Dividing a dollar (feasible set the triangle (0,0), (1,0), (0,1)) from
    d = (0, 0) gives the even split:

    >>> U = [[[1, 0], [0, 0]], [[0, 1], [0, 0]]]
    >>> nash_bargaining(U, [0, 0]).point.tolist()
    [0.5, 0.5]
    """
    V, idx, d, shape = _prepare(U, disagreement)
    edge, t, _ = _nash_kernel(V, idx, d)
    return _solution(V, idx, edge, t, d, _ideal(V[idx], d), shape, "nash")


def kalai_smorodinsky(U: ArrayLike, disagreement: ArrayLike) -> BargainingSolution:
    """Kalai & Smorodinsky (1975) solution over the convex hull of the pure payoffs.

    Parameters
    ----------
    U : array_like, shape (2, A_0, A_1)
        Payoffs of a two-player game; the feasible set is the convex hull of
        the payoff pairs of its pure profiles.
    disagreement : array_like, shape (2,)
        Disagreement point *d* (see :func:`nash_bargaining`).

    Returns
    -------
    BargainingSolution
        The Pareto-frontier point on the segment from *d* to the ideal point
        *I* (where the relative gains ``(u_i - d_i) / (I_i - d_i)`` are equal),
        with a lottery over at most two profiles achieving it.

    Raises
    ------
    ValueError
        If no feasible point strictly dominates *d*, or on bad shapes or
        NaN/inf input.

    Examples
    --------
    Feasible set conv{(0, 1), (1, 0.5), (1, 0)} from d = (0, 0): the ideal point
    is (1, 1), so the solution is on the diagonal, at (2/3, 2/3); the Nash
    solution is (1, 0.5) instead.

    >>> U = [[[0, 1, 1]], [[1, 0.5, 0]]]
    >>> kalai_smorodinsky(U, [0, 0]).point.round(12).tolist()
    [0.666666666667, 0.666666666667]
    """
    V, idx, d, shape = _prepare(U, disagreement)
    P = V[idx]
    ideal = _ideal(P, d)
    if len(P) == 1:
        return _solution(V, idx, 0, 0.0, d, ideal, shape, "kalai-smorodinsky")
    r = ideal - d  # > 0: some frontier point strictly dominates d
    best: tuple[int, float] | None = None
    for e, (p, q) in enumerate(pairwise(P)):
        delta = q - p
        # Solve d + s r = p + t delta; the determinant is positive as r > 0 and the
        # edge slopes downwards, so the ray from d crosses the chain exactly once.
        det = delta[0] * r[1] - delta[1] * r[0]
        w = p - d
        t = (r[0] * w[1] - r[1] * w[0]) / det
        if -1e-12 <= t <= 1.0 + 1e-12:
            best = (e, min(max(float(t), 0.0), 1.0))
            break
    if best is None:  # pragma: no cover - excluded by the ideal-point construction
        raise RuntimeError("the segment from d to the ideal point misses the Pareto frontier")
    return _solution(V, idx, best[0], best[1], d, ideal, shape, "kalai-smorodinsky")
