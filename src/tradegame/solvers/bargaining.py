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
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from tradegame.solvers.validation import check_game, check_payoff_batch

__all__ = [
    "BargainingBatch",
    "BargainingSolution",
    "bargaining_batch",
    "kalai_smorodinsky",
    "nash_bargaining",
    "pareto_frontier",
]

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
    arr = check_game(U, players=2, copy=True)
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


# ---------------------------------------------------------------------------
# Batched bargaining solutions (Monte Carlo draws)
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BargainingBatch:
    """Bargaining solutions of D two-player games and the lotteries that achieve them.

    Attributes
    ----------
    weights : ndarray of float, shape (D, A_0 * A_1)
        Probability of each profile (C order); rows sum to 1.
    point : ndarray of float, shape (D, 2)
        The players' payoffs at the solution.
    gains : ndarray of bool, shape (D,)
        Whether some feasible payoff pair strictly dominates the disagreement
        point (otherwise the solution is the Pareto-efficient point with
        ``u >= d``, see :func:`bargaining_batch`).
    """

    weights: NDArray[np.float64]
    point: NDArray[np.float64]
    gains: NDArray[np.bool_]


def _compact(mask: NDArray[np.bool_], *arrays: NDArray[Any]) -> tuple[NDArray[Any], ...]:
    """Move the entries of each row where ``mask`` holds to the front, keeping their order.

    Returns the count per row, then each array cut to the largest count (at least 1).
    """
    count = mask.sum(axis=1)
    w = max(1, int(count.max(initial=0)))
    pos = np.argsort(~mask, axis=1, kind="stable")[:, :w]
    out = [np.take_along_axis(a, pos if a.ndim == 2 else pos[:, :, None], axis=1) for a in arrays]
    return (count, *out)


#: Draws with at most this many Pareto points find their frontier from all slopes at once.
_SLOPE_WIDTH = 256


def _frontier_batch(
    V: NDArray[np.float64],
) -> tuple[NDArray[np.intp], NDArray[np.float64], NDArray[np.intp]]:
    """Vertices of the Pareto frontier of conv(V) for every draw, by increasing ``u_1``.

    Parameters
    ----------
    V : ndarray, shape (D, P, 2)
        Payoff pair of each profile.

    Returns
    -------
    count : ndarray of int, shape (D,)
        Number of frontier vertices h_d.
    points : ndarray, shape (D, h, 2)
        The vertices (rows beyond ``count`` repeat padding).
    profiles : ndarray of int, shape (D, h)
        A profile with each vertex's payoffs.

    Notes
    -----
    The Pareto filter is :func:`_frontier`'s (scan by decreasing ``u_1``, larger
    ``u_2`` first, keep a point when it beats every ``u_2`` seen). A Pareto
    point is a vertex when it lies strictly above the segment joining any
    Pareto point on its left to any on its right: the smallest slope into it
    exceeds the largest slope out of it. Only min, max and elementwise
    arithmetic are used, so padding never changes a draw's answer. Draws with
    more than :data:`_SLOPE_WIDTH` Pareto points use :func:`_frontier`'s chain.
    """
    D = V.shape[0]
    o1 = np.argsort(-V[:, :, 1], axis=1, kind="stable")
    o2 = np.argsort(-np.take_along_axis(V[:, :, 0], o1, axis=1), axis=1, kind="stable")
    order = np.take_along_axis(o1, o2, axis=1)  # decreasing u1, then u2, then index
    u2 = np.take_along_axis(V[:, :, 1], order, axis=1)
    seen = np.maximum.accumulate(u2, axis=1)
    keep = u2 > np.concatenate([np.full((D, 1), -np.inf), seen[:, :-1]], axis=1)
    m, pidx = _compact(keep[:, ::-1], order[:, ::-1])
    width = pidx.shape[1]
    pts = V[np.arange(D)[:, None], pidx]  # (D, width, 2)
    valid = np.arange(width) < m[:, None]
    vertex = np.zeros((D, width), dtype=bool)
    # Draws with few Pareto points: all slopes at once (padded to the widest of
    # them); a draw with many (a near constant-sum game) walks its chain instead.
    # Which way a draw goes depends on that draw only.
    narrow = np.flatnonzero(m <= _SLOPE_WIDTH)
    w = max(1, int(m[narrow].max(initial=1)))
    rows = max(1, 2**21 // (w * w))
    upper = np.triu(np.ones((w, w), dtype=bool), k=1)  # [i, j]: i < j
    for s in range(0, narrow.size, rows):
        sel = narrow[s : s + rows]
        x, y, ok = pts[sel, :w, 0], pts[sel, :w, 1], valid[sel, :w]
        pair = upper & ok[:, :, None] & ok[:, None, :]
        with np.errstate(divide="ignore", invalid="ignore"):
            slope = (y[:, None, :] - y[:, :, None]) / (x[:, None, :] - x[:, :, None])
        into = np.where(pair, slope, np.inf).min(axis=1)  # over i < k, for each k
        out_of = np.where(pair, slope, -np.inf).max(axis=2)  # over j > k, for each k
        vertex[sel, :w] = ok & (into > out_of)
    for d in np.flatnonzero(m > _SLOPE_WIDTH):
        vertex[d, _frontier(pts[d, : m[d]])] = True
    count, points, profiles = _compact(vertex, pts, pidx)
    return count, points, profiles


def bargaining_batch(
    U: ArrayLike, disagreement: ArrayLike, method: str = "nash"
) -> BargainingBatch:
    """Nash or Kalai–Smorodinsky solution of D two-player games, as lotteries over profiles.

    Parameters
    ----------
    U : array_like, shape (D, 2, A_0, A_1)
        Payoffs of D two-player games (draws).
    disagreement : array_like, shape (D, 2)
        Each draw's disagreement point *d*.
    method : {"nash", "kalai_smorodinsky"}

    Returns
    -------
    BargainingBatch

    Notes
    -----
    The same solutions as :func:`nash_bargaining` and
    :func:`kalai_smorodinsky` (frontier, closed forms per edge, tie rules),
    for all draws at once with NumPy. The lottery puts weight ``1 - t`` and
    ``t`` on the two frontier vertices at the ends of the solution's edge (one
    vertex alone when ``t`` is within 1e-12 of 0 or 1), and splits each
    vertex's weight equally among the profiles with exactly its payoffs (the
    scalar functions name one of them).

    Where no feasible point strictly dominates *d* (the scalar functions
    raise), both solutions are taken as their limit: the one Pareto-efficient
    point with ``u >= d`` (``d`` itself when it is on the frontier), found as
    the frontier point whose smaller gain ``min(u_1 - d_1, u_2 - d_2)`` is
    largest (0 there).

    Examples
    --------
    Dividing a dollar from (0, 0): even odds on the two profiles that give it
    all to one player.

    >>> U = [[[[1, 0], [0, 0]], [[0, 1], [0, 0]]]]
    >>> bargaining_batch(U, [[0, 0]]).weights.tolist()
    [[0.5, 0.5, 0.0, 0.0]]
    """
    arr, _ = check_payoff_batch(U, players=2)
    D = arr.shape[0]
    d = np.asarray(disagreement, dtype=np.float64)
    if d.shape != (D, 2) or not np.isfinite(d).all():
        raise ValueError(f"disagreement points must be finite, of shape ({D}, 2)")
    if method not in ("nash", "kalai_smorodinsky"):
        raise ValueError(f"unknown bargaining method {method!r}; known: nash, kalai_smorodinsky")
    P = arr.shape[2] * arr.shape[3]
    V = arr.reshape(D, 2, P).transpose(0, 2, 1)  # (D, P, 2)
    nf, F, _ = _frontier_batch(V)
    if F.shape[1] == 1:  # every draw's frontier is one point: pad an (unused) edge
        F = np.concatenate([F, F], axis=1)
    rows = np.arange(D)
    edge_ok = np.arange(F.shape[1] - 1) < (nf - 1)[:, None]  # (D, E)
    p, q = F[:, :-1], F[:, 1:]
    delta = np.where(edge_ok[:, :, None], q - p, np.array([1.0, -1.0]))  # padding: harmless
    single = nf == 1

    def span(dd: NDArray[np.float64]) -> tuple[NDArray[Any], NDArray[Any], NDArray[Any]]:
        """Edge parameters keeping both gains over dd non-negative, and the gains at t=0."""
        a = p - dd[:, None, :]
        lo = np.maximum(0.0, -a[..., 0] / delta[..., 0])
        hi = np.minimum(1.0, a[..., 1] / -delta[..., 1])
        return a, lo, hi

    # Nash: the concave quadratic (a0 + t D0)(a1 + t D1) on each edge.
    a, lo, hi = span(d)
    ok = edge_ok & (lo <= hi)
    t_nash = -(a[..., 0] * delta[..., 1] + a[..., 1] * delta[..., 0]) / (
        2.0 * delta[..., 0] * delta[..., 1]
    )
    t_nash = np.minimum(np.maximum(t_nash, lo), hi)
    value = np.where(
        ok, (a[..., 0] + t_nash * delta[..., 0]) * (a[..., 1] + t_nash * delta[..., 1]), -np.inf
    )
    edge = value.argmax(axis=1)
    best = value[rows, edge]
    g = F[:, 0] - d
    best = np.where(single, np.where((g >= 0).all(axis=1), g[:, 0] * g[:, 1], -np.inf), best)
    gains = best > 0.0
    t = np.where(single, 0.0, t_nash[rows, edge])
    edge = np.where(single, 0, edge)

    if method == "kalai_smorodinsky":
        vert_ok = np.arange(F.shape[1]) < nf[:, None]
        ideal = np.stack(
            [
                np.where(vert_ok & (F[..., 1] >= d[:, 1:2]), F[..., 0], -np.inf).max(axis=1),
                np.where(vert_ok & (F[..., 0] >= d[:, 0:1]), F[..., 1], -np.inf).max(axis=1),
            ],
            axis=1,
        )
        cross0 = edge_ok & (p[..., 1] >= d[:, 1:2]) & (d[:, 1:2] > q[..., 1])
        at0 = p[..., 0] + delta[..., 0] * (p[..., 1] - d[:, 1:2]) / -delta[..., 1]
        cross1 = edge_ok & (p[..., 0] < d[:, 0:1]) & (d[:, 0:1] <= q[..., 0])
        at1 = p[..., 1] + delta[..., 1] * (d[:, 0:1] - p[..., 0]) / delta[..., 0]
        ideal[:, 0] = np.maximum(ideal[:, 0], np.where(cross0, at0, -np.inf).max(axis=1))
        ideal[:, 1] = np.maximum(ideal[:, 1], np.where(cross1, at1, -np.inf).max(axis=1))
        r = np.where(gains[:, None], ideal - d, 1.0)  # > 0 where there are gains
        det = delta[..., 0] * r[:, 1:2] - delta[..., 1] * r[:, 0:1]
        w = p - d[:, None, :]
        t_ks = (r[:, 0:1] * w[..., 1] - r[:, 1:2] * w[..., 0]) / det
        hit = edge_ok & (t_ks >= -1e-12) & (t_ks <= 1.0 + 1e-12)
        e_ks = hit.argmax(axis=1)
        t = np.where(single, 0.0, np.clip(t_ks[rows, e_ks], 0.0, 1.0))
        edge = np.where(single, 0, e_ks)

    if not gains.all():
        # No strict gains: the frontier point whose smaller gain is largest. Then
        # the gain is 0 and the point is the only one of the frontier with u >= d
        # (two would have strict gains between them), whatever rounding did to d.
        a = p - d[:, None, :]
        t_eq = np.clip((a[..., 1] - a[..., 0]) / (delta[..., 0] - delta[..., 1]), 0.0, 1.0)
        smaller = np.minimum(a[..., 0] + t_eq * delta[..., 0], a[..., 1] + t_eq * delta[..., 1])
        e_deg = np.where(edge_ok, smaller, -np.inf).argmax(axis=1)
        t = np.where(gains, t, np.where(single, 0.0, t_eq[rows, e_deg]))
        edge = np.where(gains, edge, np.where(single, 0, e_deg))

    t = np.where(t <= _ENDPOINT_TOL, 0.0, np.where(t >= 1.0 - _ENDPOINT_TOL, 1.0, t))
    nxt = np.minimum(edge + 1, F.shape[1] - 1)
    start, end = F[rows, edge], F[rows, nxt]
    point = np.where(t[:, None] > 0, (1.0 - t)[:, None] * start + t[:, None] * end, start)
    weights = np.zeros((D, P))
    for ends, share in ((start, 1.0 - t), (end, t)):
        same = (V == ends[:, None, :]).all(axis=2)  # (D, P) profiles with those payoffs
        split = share[:, None] * same / same.sum(axis=1, keepdims=True)
        weights += np.where(share[:, None] > 0, split, 0.0)
    return BargainingBatch(weights=weights, point=point, gains=gains)
