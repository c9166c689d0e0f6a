r"""Logit quantal response equilibrium on the principal branch, batched.

A logit QRE at precision :math:`\lambda \ge 0` (McKelvey & Palfrey 1995) is a
mixed profile :math:`p` with, for every player *i* and action *a*,

.. math::

    p_i(a) = \frac{\exp(\lambda\, u_i(a, p_{-i}))}{\sum_b \exp(\lambda\, u_i(b, p_{-i}))}.

At :math:`\lambda = 0` the unique solution is the centroid, and for generic
games the solutions form a smooth curve in :math:`(p, \lambda)`, the
*principal branch*, which starts there (Turocy 2005, "A dynamic homotopy
interpretation of the logistic quantal response equilibrium
correspondence", *Games and Economic Behavior* 51). The branch may bend back
in :math:`\lambda`, so stepping :math:`\lambda` forward and correcting at
fixed :math:`\lambda` can jump to another branch; instead the branch is
followed along its arc length with a predictor–corrector method (Allgower &
Georg, *Numerical Continuation Methods*, 1990, ch. 2 and 6), as Gambit does.

Unknowns and equations
----------------------
The unknowns are :math:`z = (x, \lambda)` with :math:`x_i(a) = \log p_i(a)`,
so that probabilities near zero stay well resolved. For each player, with
action 0 as reference, the :math:`A_i` equations are

.. math::

    \sum_a e^{x_i(a)} - 1 = 0, \qquad
    x_i(a) - x_i(0) - \lambda\,[u_i(a, p_{-i}) - u_i(0, p_{-i})] = 0
    \quad (a \ge 1),

:math:`N = \sum_i A_i` equations in :math:`N + 1` unknowns, whose solution
set is the QRE correspondence.

Path following
--------------
Each step predicts along the unit tangent, :math:`z + h t`, and corrects by
Newton's method restricted to the hyperplane through the prediction normal to
*t* (pseudo-arclength), solving the bordered system
:math:`[J; t^\top]\,\delta = [-H; 0]`. The same bordered matrix yields the new
tangent, whose orientation is fixed by :math:`t_{\mathrm{old}}^\top t > 0`, so
the trace never turns round. Step lengths adapt as in Allgower & Georg
(sec. 6.1): a step is rejected and halved when the first Newton correction
exceeds ``_MAX_DIST`` (0.4), the Newton contraction rate exceeds
``_MAX_CONTR`` (0.6), the tangent turns by more than ``_MAX_ANGLE`` (22.5
degrees), the whole correction exceeds ``_MAX_OFFSET`` (0.4) times the step
length (on a smooth branch it is about curvature x h^2 / 2, so a larger one
means Newton landed on another branch), the correction is large for how
little the tangent turned (the signature of a jump to a nearby, roughly
parallel branch), the orientation of the branch -- the sign of
:math:`\det [J; t^\top]`, constant along a regular branch -- changes (a jump
across an almost-degenerate fold, or a bifurcation point; as in Gambit's
tracer), or Newton fails to converge; on
success the next step grows or shrinks by at most ``_MAX_DECEL`` (2) according
to how close those quantities came to their limits, and never exceeds
``_H_MAX`` (1). These limits are deliberately tighter than speed alone would
suggest: with steps of 4 and a looser distance test the corrector was seen to
land on another branch of a random 3-player game. A change of orientation is
accepted only on steps shorter than ``_H_FLIP`` (1e-4), which lets the trace
pass the genuine bifurcation points of non-generic (e.g. symmetric) games.

A step whose prediction would carry :math:`\lambda` past the next requested
value is shortened to land on it (if the corrected point overshoots, the next
step aims back; if it overshoots with the branch already turning back, the
step is rejected), so the answer is the *first* crossing of the branch with
the requested :math:`\lambda`.

Large and tiny lambda
---------------------
Where the branch tends to a pure profile, the log-probabilities of the other
actions fall like :math:`-\lambda` times a payoff gap, so the branch's arc
length in ``z`` grows like :math:`\lambda` while the branch itself becomes a
straight line. Steps capped at a fixed length would then need about
:math:`\lambda` steps (10^6 at the documented maximum). Instead a free step
may grow up to ``_H_GROW`` (0.5) times :math:`|z|` when that exceeds
``_H_MAX``: still subject to every test above, so on a curved stretch it
shrinks as before, but on the straight tail :math:`\lambda` grows by a
constant factor per step and 10^6 is reached in some fifty steps. While
:math:`|z| \le 2` the cap is ``_H_MAX`` as before; beyond, answers move only
within the tolerances below (and the tracer is faster: 2.5x at
:math:`\lambda = 10` on the logit QRE row of ``benchmarks/run.py``). Rounding in the equations grows
with :math:`|z|`, so the fixed-:math:`\lambda` polish stops at ``POLISH_TOL``
times :math:`1 + \max|z|`.

Up to :math:`\lambda \max|\Delta u| \le` ``_TINY`` (1e-8), with
:math:`\Delta u` the payoff differences, the first-order point
:math:`z_0 + \lambda\, t_0 / t_{0,\lambda}` from the centroid along the
initial tangent is returned: its error, of order
:math:`(\lambda \max|\Delta u|)^2`, is below rounding, whereas a step
that short would ask the corrector for corrections below rounding level (the
tracer used to stop there with a collapsed step).

A trace that is lost anyway is tried again in equivalent coordinates (see
:func:`_retrace`): with each player's reference action (the first) swapped for
the one most played where the trace stopped -- a vanishing reference, with
log-probability about :math:`-\lambda` times a payoff gap, feeds rounding of
order :math:`\epsilon\lambda` into every equation, which actions that tie in
the limit amplify by :math:`\lambda^2` -- and with payoffs divided by their
largest difference and :math:`\lambda` multiplied by it; then with tighter
corrector tolerances (``_PATH_TOL_RETRY``), for sharp folds where Newton's
method converges only linearly and its error estimate is too optimistic.
None of these changes the branch nor where it first crosses a target, only
the numerics. The NumPy tracer does not retry. What still fails, in our
random search only games whose limit is a continuum of equilibria (many
exact ties) at :math:`\lambda \gtrsim 10^5`, raises
:class:`QREConvergenceError`.

Tolerances
----------
Along the path the corrector stops when the estimated remaining error (last
Newton step times the contraction rate) is below ``_PATH_TOL`` (1e-4 in the
Euclidean norm of ``z``, as Gambit uses). Once an aimed step lands within
``_LAM_TOL`` (1e-3, relative) of a requested :math:`\lambda`, Newton's method
at exactly that :math:`\lambda` runs until its step is below ``POLISH_TOL``
(1e-13) or stops shrinking; the log-probabilities are then accurate to about
1e-13 and the fixed-point equations hold to about 1e-14 in probability. At a
bifurcation point, where the fixed-:math:`\lambda` Jacobian is singular, the
aimed steps are instead continued until :math:`\lambda` is within 1e-13.

Implementation
--------------
:func:`logit_qre` and :func:`logit_qre_batch` run a compiled per-game tracer
(Numba, :mod:`tradegame.solvers._logit_qre_kernel`) that loops over the games
of a batch. On these tiny systems (10 x 10 for a 3-player 3x3x3 game) NumPy's
per-call overhead, not arithmetic, dominated the vectorised tracer; the kernel
is about 7x faster there (and 6x on large 2-player games), and since every
game is traced on its own, a game's answer is bit-identical whatever batch it
is solved in. The kernel follows the same algorithm with the same constants
(read from this module at each call) and solves the bordered system through a
reduced one (see its docstring), which is mathematically the same step. It is
compiled on first use and cached on disk; importing this module does not
import Numba.

The vectorised NumPy tracer :func:`trace` is kept for recording the path
(:mod:`tradegame.solvers.logit_fit`) and as the reference the kernel is tested
against: every array carries a leading draw axis, each draw has its own step
length, and draws drop out of the working set as they finish, so no Python
loop runs over draws.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from types import ModuleType
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike, NDArray

from tradegame.errors import TradegameError
from tradegame.solvers.validation import check_game, check_payoffs

if TYPE_CHECKING:
    from tradegame.solvers._logit_qre_kernel import StepControl

__all__ = ["QREConvergenceError", "logit_qre", "logit_qre_batch"]

FloatArray = NDArray[np.float64]

# Step-length control (Allgower & Georg 1990, sec. 6.1). Distances are in the
# Euclidean norm of z = (log p, lambda).
_H_START = 1.0
_H_MAX = 1.0
_H_GROW = 0.5  # ... or this fraction of |z|, if larger: see "Large and tiny lambda" above
_H_MIN = 1e-10
_MAX_DIST = 0.4  # largest acceptable first Newton correction
_MAX_CONTR = 0.6  # largest acceptable Newton contraction rate
_MAX_ANGLE = np.pi / 8  # largest acceptable turn of the tangent per step
_MAX_OFFSET = 0.4  # largest acceptable total correction, relative to the step length
_MAX_DECEL = 2.0  # largest factor by which h may shrink or grow per step
_H_FLIP = 1e-4  # steps at least this long may not change the branch orientation
_PATH_TOL = 1e-4
_PATH_TOL_RETRY = (1e-6, 1e-8)  # tighter, for games whose trace was lost (see _retrace)
_PATH_MAXITER = 8
POLISH_TOL = 1e-13
POLISH_MAXITER = 40
_LETTERS = "abcdefghijklmnopqrstuvwxy"  # einsum axis names; "z" is the draw axis
_LAM_TOL = 1e-3  # relative closeness in lambda at which a target is polished
_LAM_TOL_FINE = 1e-13  # ... or accepted as is, where the fixed-lambda solve fails
_MAX_STEPS = 100_000
_TINY = 1e-8  # lambda * max|payoff difference| up to which the first-order point is exact


class QREConvergenceError(TradegameError, RuntimeError):
    """The principal branch could not be followed (step length collapsed).

    Parameters
    ----------
    message : str
    draws : sequence of int, optional
        Indices, within the batch, of the games whose branch was lost.
    lam : float, optional
        The largest precision asked for.
    """

    def __init__(
        self, message: str, *, draws: Sequence[int] = (), lam: float | None = None
    ) -> None:
        super().__init__(message)
        self.draws = tuple(int(d) for d in draws)
        self.lam = lam


@dataclass(frozen=True)
class Layout:
    """Where each player's actions sit in the flat unknown vector."""

    n: int
    sizes: tuple[int, ...]
    offsets: tuple[int, ...]

    @property
    def N(self) -> int:
        return sum(self.sizes)

    @classmethod
    def of(cls, sizes: Sequence[int]) -> Layout:
        offsets = tuple(int(o) for o in np.concatenate([[0], np.cumsum(sizes)[:-1]]))
        return cls(len(sizes), tuple(int(s) for s in sizes), offsets)

    def block(self, i: int) -> slice:
        return slice(self.offsets[i], self.offsets[i] + self.sizes[i])

    @cached_property
    def template(self) -> FloatArray:
        """The constant entries of the bordered Jacobian, shape (N + 1, N + 1)."""
        T = np.zeros((self.N + 1, self.N + 1))
        for o, A in zip(self.offsets, self.sizes, strict=True):
            idx = np.arange(o + 1, o + A)
            T[idx, idx] = 1.0
            T[idx, o] = -1.0
        return T


# ---------------------------------------------------------------------------
# Input checking
# ---------------------------------------------------------------------------


def _check_lambdas(lam: float | ArrayLike) -> tuple[FloatArray, bool]:
    arr = np.asarray(lam, dtype=np.float64)
    scalar = arr.ndim == 0
    arr = np.atleast_1d(arr)
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError("lam must be a non-negative number or a non-empty 1-D sequence")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"lam must be finite, got {arr.tolist()}")
    if np.any(arr < 0):
        raise ValueError(f"lam must be non-negative, got {arr.tolist()}")
    if np.any(np.diff(arr) < 0):
        raise ValueError(f"a sequence of lam values must be increasing, got {arr.tolist()}")
    return arr, scalar


# ---------------------------------------------------------------------------
# Kernel: system, Jacobian, Newton, path following over a batch of games
# ---------------------------------------------------------------------------


def _split(z: FloatArray, lay: Layout) -> list[FloatArray]:
    return [z[:, lay.block(i)] for i in range(lay.n)]


def _payoff_terms(
    U: FloatArray, probs: list[FloatArray], lay: Layout
) -> tuple[list[FloatArray], dict[tuple[int, int], FloatArray]]:
    """Expected action payoffs and their derivatives in the others' strategies.

    Parameters
    ----------
    U : ndarray, shape (m, n, A_0, ..., A_{n-1})
    probs : list of n ndarrays, shapes (m, A_i)

    Returns
    -------
    v : list of n ndarrays, shapes (m, A_i)
        ``v[i][:, a] = u_i(a, p_{-i})``.
    M : dict mapping (i, j), i != j, to ndarray of shape (m, A_i, A_j)
        ``M[i, j][:, a, b] = d u_i(a, p_{-i}) / d p_j(b)``.
    """
    n = lay.n
    v: list[FloatArray] = []
    M: dict[tuple[int, int], FloatArray] = {}
    for i in range(n):
        Ui = U[:, i]
        if n == 1:
            v.append(Ui)
            continue
        for j in range(n):
            if j == i:
                continue
            T = Ui
            # Contract from the highest axis down so lower axes keep their index;
            # two-operand einsum is much faster here than multiply-and-sum.
            for k in reversed(range(n)):
                if k in (i, j):
                    continue
                axes = _LETTERS[: T.ndim - 1]
                kept = axes[:k] + axes[k + 1 :]
                T = np.einsum(f"z{axes},z{axes[k]}->z{kept}", T, probs[k])
            M[i, j] = T if i < j else np.swapaxes(T, 1, 2)
        j0 = 1 if i == 0 else 0
        v.append(np.einsum("mab,mb->ma", M[i, j0], probs[j0]))
    return v, M


def _system(
    U: FloatArray, z: FloatArray, lay: Layout, row: FloatArray | None
) -> tuple[FloatArray, FloatArray | None]:
    """Residual H(z) and, if ``row`` is given, the bordered Jacobian [J; row].

    Parameters
    ----------
    U : ndarray, shape (m, n, A_0, ..., A_{n-1})
    z : ndarray, shape (m, N + 1)
        Log-probabilities then lambda.
    row : ndarray, shape (m, N + 1), optional
        Bordering row appended below the N x (N + 1) Jacobian.

    Returns
    -------
    H : ndarray, shape (m, N)
    B : ndarray, shape (m, N + 1, N + 1) or None
    """
    N = lay.N
    m = z.shape[0]
    lam = z[:, N]
    logs = _split(z, lay)
    probs = [np.exp(x) for x in logs]
    v, M = _payoff_terms(U, probs, lay)
    H = np.empty((m, N))
    B = None if row is None else np.repeat(lay.template[None], m, axis=0)
    for i in range(lay.n):
        o, A = lay.offsets[i], lay.sizes[i]
        H[:, o] = probs[i].sum(axis=1) - 1.0
        dv = v[i][:, 1:] - v[i][:, :1]
        H[:, o + 1 : o + A] = logs[i][:, 1:] - logs[i][:, :1] - lam[:, None] * dv
        if B is None:
            continue
        B[:, o, o : o + A] = probs[i]
        B[:, o + 1 : o + A, N] = -dv
        for j in range(lay.n):
            if j == i:
                continue
            dM = M[i, j][:, 1:, :] - M[i, j][:, :1, :]
            B[:, o + 1 : o + A, lay.block(j)] = -lam[:, None, None] * dM * probs[j][:, None, :]
    if B is not None:
        assert row is not None
        B[:, N, :] = row
    return H, B


def _solve_bordered(B: FloatArray, H: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Newton step and kernel direction from the bordered Jacobian.

    Returns ``delta`` solving ``B delta = [-H; 0]`` and ``w`` solving
    ``B w = e_last`` (a tangent direction, not normalised), both (m, N + 1).
    """
    m, N1, _ = B.shape
    rhs = np.zeros((m, N1, 2))
    rhs[:, :-1, 0] = -H
    rhs[:, -1, 1] = 1.0
    with np.errstate(all="ignore"):
        try:
            sol = np.linalg.solve(B, rhs)
        except np.linalg.LinAlgError:
            # A singular system in one draw must not sink the whole batch.
            sol = np.full_like(rhs, np.nan)
            for k in range(m):
                try:
                    sol[k] = np.linalg.solve(B[k], rhs[k])
                except np.linalg.LinAlgError:
                    pass
    return sol[:, :, 0].astype(np.float64, copy=False), sol[:, :, 1].astype(np.float64, copy=False)


def newton(
    U: FloatArray,
    z: FloatArray,
    row: FloatArray,
    lay: Layout,
    tol: float | FloatArray,
    maxiter: int,
    *,
    control: bool,
) -> tuple[FloatArray, FloatArray, NDArray[np.bool_], FloatArray, FloatArray, FloatArray]:
    """Newton's method on H(z) = 0 restricted by ``row . delta = 0``, batched.

    Parameters
    ----------
    U : ndarray, shape (m, n, A_0, ..., A_{n-1})
    z : ndarray, shape (m, N + 1)
        Starting points.
    row : ndarray, shape (m, N + 1)
        Normal of the hyperplane the iterates stay on.
    control : bool
        Apply the path-following rejection tests (first step and contraction
        rate); when False, iterate until converged or ``maxiter``.

    Returns
    -------
    z : ndarray, shape (m, N + 1)
        Final iterates.
    w : ndarray, shape (m, N + 1)
        Kernel direction of the last bordered Jacobian (unnormalised tangent).
    ok : ndarray of bool, shape (m,)
        Converged (and, with ``control``, passed the tests).
    dist1 : ndarray, shape (m,)
        Length of the first Newton step.
    contr : ndarray, shape (m,)
        Largest contraction rate seen.
    sign : ndarray, shape (m,)
        With ``control``, the sign of the determinant of the bordered
        Jacobian at convergence (0 where not converged or without control).
    """
    m = z.shape[0]
    tol = np.broadcast_to(np.asarray(tol, dtype=np.float64), (m,))
    z = z.copy()
    w = np.zeros_like(z)
    ok = np.zeros(m, dtype=bool)
    failed = np.zeros(m, dtype=bool)
    dist1 = np.zeros(m)
    sign = np.zeros(m)
    contr = np.zeros(m)
    prev = np.full(m, np.inf)
    run = np.arange(m)
    for it in range(maxiter):
        if run.size == 0:
            break
        # A diverging trial iterate may overflow; it is then rejected, not reported.
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            H, B = _system(U[run], z[run], lay, row[run])
        assert B is not None
        delta, wr = _solve_bordered(B, H)
        w[run] = wr
        d = np.sqrt(np.einsum("ij,ij->i", delta, delta))
        z[run] += delta
        bad = ~np.isfinite(d)
        if it == 0:
            dist1[run] = d
        else:
            # Quadratic convergence stalls at rounding level; avoid counting that as divergence.
            rate = d / (prev[run] + 1e-3 * tol[run])
            contr[run] = np.maximum(contr[run], rate)
        if control:
            bad |= dist1[run] > _MAX_DIST
            bad |= contr[run] > _MAX_CONTR
        elif it > 0:
            # Once the step no longer shrinks, rounding dominates: stop there.
            stalled = d >= prev[run]
            ok[run[stalled & ~bad & (d < 1e3 * tol[run])]] = True
        # With contraction rate r the error left after this step is about r * d, which
        # saves the last, confirming iteration (Deuflhard's a-posteriori estimate).
        est = d if it == 0 else np.minimum(d, d * d / (prev[run] + 1e-3 * tol[run]))
        prev[run] = d
        conv = (est <= tol[run]) & ~bad
        ok[run[conv]] = True
        if control and np.any(conv):
            # Orientation of the branch at the (nearly) final point; see trace.
            sign[run[conv]] = np.linalg.slogdet(B[conv])[0]
        failed[run[bad]] = True
        run = run[~(ok[run] | failed[run])]
    ok &= ~failed
    ok &= np.all(np.isfinite(z), axis=1)
    return z, w, ok, dist1, contr, sign


def _max_payoff_difference(U: FloatArray, lay: Layout) -> FloatArray:
    """Largest ``|u_i(a, s_{-i}) - u_i(0, s_{-i})|`` per game, shape (m,)."""
    big = np.zeros(U.shape[0])
    for i in range(lay.n):
        Ui = U[:, i]
        d = np.abs(Ui - np.take(Ui, [0], axis=1 + i))
        big = np.maximum(big, d.reshape(U.shape[0], -1).max(axis=1))
    return big


def _start(lay: Layout, m: int) -> FloatArray:
    """The centroid at lambda = 0, shape (m, N + 1)."""
    N = lay.N
    z0 = np.zeros((m, N + 1))
    for i in range(lay.n):
        z0[:, lay.block(i)] = -np.log(lay.sizes[i])
    return z0


def _initial_tangent(U: FloatArray, z0: FloatArray, lay: Layout) -> tuple[FloatArray, FloatArray]:
    """Unit tangent at the centroid towards lambda > 0, and the branch orientation."""
    N = lay.N
    e = np.zeros_like(z0)
    e[:, N] = 1.0
    H, B = _system(U, z0, lay, e)
    assert B is not None
    _, w = _solve_bordered(B, H)
    return w / np.linalg.norm(w, axis=1, keepdims=True), np.linalg.slogdet(B)[0]


def _polish(U: FloatArray, z: FloatArray, lay: Layout) -> tuple[FloatArray, NDArray[np.bool_]]:
    """Newton's method at the fixed lambda ``z[:, N]`` from nearby branch points.

    Only ever started within ``_LAM_TOL`` in lambda of the answer: from
    farther away the fixed-lambda Jacobian, which is close to singular near
    folds of nearby branches, can send Newton astray.
    """
    e = np.zeros_like(z)
    e[:, lay.N] = 1.0
    # Rounding in the equations grows with |z| (log-probabilities of order
    # -lambda * payoff gap), so the tolerance scales with it.
    tol = POLISH_TOL * (1.0 + np.abs(z).max(axis=1))
    zf, _, ok, _, _, _ = newton(U, z, e, lay, tol, POLISH_MAXITER, control=False)
    return zf, ok


def trace(
    U: FloatArray,
    lay: Layout,
    targets: FloatArray,
    record: bool = False,
    lam_stop: float | None = None,
) -> tuple[FloatArray, list[tuple[FloatArray, FloatArray]]]:
    """Follow the principal branch of every game up to each target lambda.

    A step whose prediction would carry lambda past the next target is
    shortened to land on it (Newton's method on the step length, as in
    Allgower & Georg sec. 9.2 on locating special points); if the corrected
    point still overshoots, the next step aims back. A step that overshoots
    and finds the branch already turning back in lambda is rejected, so the
    first crossing is never skipped. Once within ``_LAM_TOL`` the point is
    polished at exactly the target.

    Parameters
    ----------
    U : ndarray, shape (m, n, A_0, ..., A_{n-1})
    targets : ndarray, shape (L,)
        Non-decreasing, non-negative lambda values.
    record : bool
        Keep every accepted point and its tangent (meant for m == 1).
    lam_stop : float, optional
        With ``record``, keep following past the targets until lambda
        reaches this value.

    Returns
    -------
    out : ndarray, shape (m, L, N + 1)
        ``(log p, lambda)`` at the first crossing of each target.
    path : list of (z, t), each ndarray of shape (m, N + 1)
        Accepted points and unit tangents in order, if ``record``.
    """
    m = U.shape[0]
    N = lay.N
    L = targets.size
    out = np.empty((m, L, N + 1))
    z = _start(lay, m)
    t, orient = _initial_tangent(U, z, lay)
    h = np.full(m, _H_START)
    nxt = np.zeros(m, dtype=np.intp)  # index of the next target not yet reached
    fine = np.zeros(m, dtype=bool)  # fixed-lambda Newton failed: aim to rounding level
    path: list[tuple[FloatArray, FloatArray]] = [(z.copy(), t.copy())] if record else []
    # Appending lam_stop as a last, unreported target keeps one code path.
    tg = targets if lam_stop is None else np.append(targets, max(lam_stop, targets[-1]))
    LT = tg.size

    def advance(rows: NDArray[np.intp], zs: FloatArray) -> None:
        # Duplicated targets are all answered by the same point.
        for _ in range(LT):
            k = nxt[rows]
            pend = k < LT
            # Points handed in sit at exactly their target, so compare exactly.
            hit = pend & (tg[np.minimum(k, LT - 1)] <= zs[:, N])
            if not np.any(hit):
                return
            sel = k[hit] < L
            out[rows[hit][sel], k[hit][sel]] = zs[hit][sel]
            nxt[rows[hit]] += 1

    advance(np.arange(m), z)
    # Tiny lambda: the first-order point is the answer to rounding (see _trace_one).
    big = _max_payoff_difference(U, lay)
    for _ in range(LT):
        k = nxt
        with np.errstate(invalid="ignore"):
            tiny = (k < LT) & (tg[np.minimum(k, LT - 1)] * big <= _TINY)
        if not np.any(tiny):
            break
        rows = np.flatnonzero(tiny)
        tau = tg[k[rows]]
        zt = z[rows] + (tau / t[rows, N])[:, None] * t[rows]
        zt[:, N] = tau
        advance(rows, zt)
    active = np.flatnonzero(nxt < LT)
    cos_max = np.cos(_MAX_ANGLE)
    steps = 0
    while active.size:
        steps += 1
        if steps > _MAX_STEPS:
            raise QREConvergenceError(
                f"path following exceeded {_MAX_STEPS} steps for draw(s) {active[:10].tolist()}"
            )
        za, ta, ha = z[active], t[active], h[active]
        tau = tg[nxt[active]]
        gap = tau - za[:, N]
        with np.errstate(divide="ignore", invalid="ignore"):
            aim = (ta[:, N] > 0) & (gap < ha * ta[:, N])
            step = np.where(aim, gap / ta[:, N], ha)
        zp = za + step[:, None] * ta
        zn, w, ok, dist1, contr, sgn = newton(
            U[active], zp, ta, lay, _PATH_TOL, _PATH_MAXITER, control=True
        )
        with np.errstate(all="ignore"):
            tn = w / np.linalg.norm(w, axis=1, keepdims=True)
            cosang = np.einsum("ij,ij->i", tn, ta)
        ok &= np.isfinite(cosang) & (cosang >= cos_max)
        # On a smooth branch the correction is ~ curvature * h^2 / 2; a correction that
        # is large next to h means Newton has landed on another branch.
        offset = np.sqrt(np.einsum("ij,ij->i", zn - zp, zn - zp))
        ok &= offset <= _MAX_OFFSET * np.abs(step)
        # Where the tangent turns monotonically by an angle a over the step, the
        # correction is at most sin(a) * h (a circle gives sin(a) * h / 2). A larger
        # one with little turning is the signature of a jump to a neighbouring,
        # roughly parallel branch, which the tests above can miss.
        with np.errstate(invalid="ignore"):
            turn = np.sqrt(np.clip(1.0 - cosang * cosang, 0.0, 1.0))
        ok &= offset <= (0.75 * turn + 0.02) * np.abs(step) + 10 * _PATH_TOL
        over = zn[:, N] > tau + _LAM_TOL * (1 + tau)
        # Past the target with the branch already heading back: the crossing lies
        # inside this step and a shorter one must find it.
        ok &= ~(over & (tn[:, N] <= 0))
        # Along a regular branch the sign of det [J; t^T] never changes (the tangent
        # is oriented by the previous one, which fixes the sign of the bordering row
        # against J). A change means the step crossed a bifurcation point or landed
        # on another branch: near an almost-degenerate fold two branches can pass
        # within a step of each other while every other test looks clean. As
        # Gambit does with its QR-based tangent, such steps are retried shorter;
        # only a step already shorter than _H_FLIP may cross, which lets the trace
        # pass genuine bifurcation points of non-generic games.
        flip = ok & (sgn != orient[active])
        ok &= ~flip | (np.abs(step) < _H_FLIP)

        rej = active[~ok]
        h[rej] = np.abs(step[~ok]) / 2.0
        # Sitting on a bifurcation point itself, even the bordered system is singular;
        # a point this close in lambda is the best available answer there.
        stuck = fine[rej] & (h[rej] < 1e-6) & (np.abs(gap[~ok]) <= 1e-9 * (1 + tau[~ok]))
        if np.any(stuck):
            zst = z[rej[stuck]].copy()
            zst[:, N] = tau[~ok][stuck]
            advance(rej[stuck], zst)
            h[rej[stuck]] = _H_START
            rej = rej[~stuck]
        if np.any(h[rej] < _H_MIN):
            bad = rej[h[rej] < _H_MIN]
            raise QREConvergenceError(
                "step length fell below its minimum while following the principal branch "
                f"(draw(s) {bad[:10].tolist()}); the game may be degenerate"
            )
        acc = active[ok]
        if acc.size:
            angle = np.arccos(np.clip(cosang[ok], -1.0, 1.0))
            decel = np.maximum.reduce(
                [
                    np.sqrt(dist1[ok] / _MAX_DIST),
                    np.sqrt(contr[ok] / _MAX_CONTR),
                    angle / _MAX_ANGLE,
                ]
            )
            decel = np.clip(decel * _MAX_DECEL, 1.0 / _MAX_DECEL, _MAX_DECEL)
            z[acc] = zn[ok]
            t[acc] = tn[ok]
            orient[acc] = sgn[ok]
            # A step shortened to aim at a target says nothing about the free step length.
            free = ~aim[ok]
            cap = np.maximum(_H_MAX, _H_GROW * np.linalg.norm(zn[ok][free], axis=1))
            h[acc[free]] = np.minimum(ha[ok][free] / decel[free], cap)
            # ... but its turning still measures the curvature, which must cap the
            # next free step: the branch may be about to fold.
            with np.errstate(divide="ignore"):
                h_curv = np.abs(step[ok]) * _MAX_ANGLE / (_MAX_DECEL * angle)
            h[acc[~free]] = np.minimum(h[acc[~free]], h_curv[~free])
            if record:
                path.append((z.copy(), t.copy()))
            tol = np.where(fine[acc], _LAM_TOL_FINE, _LAM_TOL) * (1 + tau[ok])
            close = np.abs(zn[ok][:, N] - tau[ok]) <= tol
            rows = acc[close]
            if rows.size:
                zc = z[rows].copy()
                zc[:, N] = tau[ok][close]
                # Draws already aimed to rounding level skip the fixed-lambda solve.
                todo = ~fine[rows]
                zs, good = zc.copy(), np.ones(rows.size, dtype=bool)
                if np.any(todo):
                    zs[todo], good[todo] = _polish(U[rows[todo]], zc[todo], lay)
                # The fixed-lambda Jacobian is singular at a bifurcation point; there
                # the aiming steps, which use the bordered system, go on to full precision.
                fine[rows[~good]] = True
                advance(rows[good], zs[good])
        active = np.flatnonzero(nxt < LT)
    return out, path


def _step_control() -> StepControl:
    """The module's step-control constants, read at call time (tests may patch them)."""
    from tradegame.solvers._logit_qre_kernel import StepControl

    return StepControl(
        h_start=_H_START,
        h_max=_H_MAX,
        h_grow=_H_GROW,
        h_min=_H_MIN,
        max_dist=_MAX_DIST,
        max_contr=_MAX_CONTR,
        max_angle=float(_MAX_ANGLE),
        max_offset=_MAX_OFFSET,
        max_decel=_MAX_DECEL,
        h_flip=_H_FLIP,
        path_tol=_PATH_TOL,
        path_maxiter=_PATH_MAXITER,
        polish_tol=POLISH_TOL,
        polish_maxiter=POLISH_MAXITER,
        lam_tol=_LAM_TOL,
        lam_tol_fine=_LAM_TOL_FINE,
        max_steps=_MAX_STEPS,
        tiny=_TINY,
    )


def _trace_compiled(U: FloatArray, lay: Layout, targets: FloatArray) -> FloatArray:
    """:func:`trace` without recording, by the compiled per-game kernel.

    Same algorithm, constants and errors as :func:`trace` (to rounding); each
    game is traced on its own, so its result does not depend on the rest of
    the batch. A game whose trace fails is traced once more with each
    player's actions reordered so that the reference action (the first, see
    the module docstring) is the one most played where the trace stopped.

    Parameters
    ----------
    U : ndarray, shape (m, n, A_0, ..., A_{n-1})
    lay : Layout
    targets : ndarray, shape (L,)
        Non-decreasing, non-negative lambda values.

    Returns
    -------
    ndarray, shape (m, L, N + 1)
        ``(log p, lambda)`` at the first crossing of each target.

    Raises
    ------
    QREConvergenceError
        Naming the draws whose branch could not be followed.
    """
    out, status, last = _run_kernel(U, lay, targets)
    kernel = _kernel()
    for g in np.flatnonzero(status != kernel.OK):
        if _retrace(U[g], lay, targets, last[g], out[g]):
            status[g] = kernel.OK
    if np.any(status != kernel.OK):
        collapsed = np.flatnonzero(status == kernel.STEP_COLLAPSED)
        too_long = np.flatnonzero(status == kernel.TOO_MANY_STEPS)
        problems = []
        if collapsed.size:
            problems.append(
                "step length fell below its minimum while following the principal branch "
                f"(draw(s) {collapsed[:10].tolist()}); the game may be degenerate"
            )
        if too_long.size:
            problems.append(
                f"path following exceeded {_MAX_STEPS} steps for draw(s) {too_long[:10].tolist()}"
            )
        raise QREConvergenceError(
            "; ".join(problems),
            draws=np.flatnonzero(status != kernel.OK).tolist(),
            lam=float(targets[-1]),
        )
    return out


def _retrace(
    Ug: FloatArray, lay: Layout, targets: FloatArray, last: FloatArray, out: FloatArray
) -> bool:
    """Trace one game again in equivalent coordinates; True, with ``out`` filled, if it worked.

    The principal branch, and where it first crosses each target, do not
    depend on the order of each player's actions nor on the payoff unit
    (the QRE of ``U`` at ``lam`` is that of ``U / s`` at ``lam * s``), but the
    numerics of the trace do:

    - With the reference action (the first) vanishing, its log-probability is
      about -lambda times a payoff gap, and rounding of order eps * lambda in
      the equations is amplified by lambda^2 through actions that tie in the
      limit, so the corrector stalls. Making each player's reference the
      action most played where the trace stopped (``last``) removes that.
    - With payoffs far from unit size, arc length is almost all lambda (tiny
      payoffs) or log-probability (huge ones). Payoffs scaled so that the
      largest payoff difference is 1, with lambda scaled inversely, restore
      the balance the step control was tuned for.
    - Near a point where the branch is almost singular Newton's method
      converges only linearly, its error estimate (which assumes quadratic
      convergence) is too optimistic, and the points accepted are further
      from the branch than ``_PATH_TOL``; every later step then starts with
      a large correction and is rejected. Tighter path tolerances
      (``_PATH_TOL_RETRY``) keep the points on the branch.

    Parameters
    ----------
    Ug : ndarray, shape (n, A_0, ..., A_{n-1})
    lay : Layout
    targets : ndarray, shape (L,)
    last : ndarray, shape (N + 1,)
        Where the failed trace stopped.
    out : ndarray, shape (L, N + 1)
        Output, in the game's own action order and lambda.
    """
    kernel = _kernel()
    perms = []
    for i in range(lay.n):
        best = int(np.argmax(last[lay.block(i)]))
        perm = np.arange(lay.sizes[i])
        perm[[0, best]] = perm[[best, 0]]
        perms.append(perm)
    permuted = Ug
    for i, perm in enumerate(perms):
        permuted = np.take(permuted, perm, axis=1 + i)
    scale = float(_max_payoff_difference(Ug[None], lay)[0])
    identity = all(p[0] == 0 for p in perms)
    # The first pass already ran the game as it is.
    variants: list[tuple[FloatArray, list[NDArray[np.intp]] | None, float, float]] = (
        [] if identity else [(permuted, perms, 1.0, _PATH_TOL)]
    )
    if scale > 0 and scale != 1.0:
        variants += [
            (permuted / scale, perms, scale, _PATH_TOL),
            (Ug / scale, None, scale, _PATH_TOL),
        ]
    variants += [(Ug, None, 1.0, tol) for tol in _PATH_TOL_RETRY]
    for V, order, s, tol in variants:
        res, status, _ = _run_kernel(V[None], lay, targets * s, path_tol=tol)
        if status[0] != kernel.OK:
            continue
        if order is None:
            out[:, : lay.N] = res[0][:, : lay.N]
        else:
            for i, perm in enumerate(order):
                out[:, lay.offsets[i] + perm] = res[0][:, lay.block(i)]
        out[:, lay.N] = targets
        return True
    return False


def _kernel() -> ModuleType:
    # Deferred so that importing the package (e.g. for the CLI) does not import Numba.
    import tradegame.solvers._logit_qre_kernel as kernel

    return kernel


def _run_kernel(
    U: FloatArray, lay: Layout, targets: FloatArray, path_tol: float | None = None
) -> tuple[FloatArray, NDArray[np.int64], FloatArray]:
    """One pass of the compiled tracer: answers, status codes and last points."""
    kernel = _kernel()
    ctl = _step_control()
    if path_tol is not None:
        ctl = ctl._replace(path_tol=path_tol)
    m = U.shape[0]
    S = int(np.prod(lay.sizes))
    flat = np.ascontiguousarray(U.reshape(m, lay.n, S), dtype=np.float64)
    offs = np.array(lay.offsets, dtype=np.int64)
    # idx[s, i]: where player i's action in the flat (C-order) profile s sits in z.
    idx = np.ascontiguousarray(np.indices(lay.sizes).reshape(lay.n, S).T + offs, dtype=np.int64)
    out = np.empty((m, targets.size, lay.N + 1))
    status = np.empty(m, dtype=np.int64)
    last = np.empty((m, lay.N + 1))
    kernel.trace_batch(
        flat,
        idx,
        np.array(lay.sizes, dtype=np.int64),
        offs,
        np.ascontiguousarray(targets, dtype=np.float64),
        ctl,
        out,
        status,
        last,
    )
    return out, status, last


def _to_profiles(zs: FloatArray, lay: Layout) -> list[FloatArray]:
    """Probabilities per player from points ``(..., N + 1)``; each row sums to one."""
    res = []
    for i in range(lay.n):
        p = np.exp(zs[..., lay.block(i)])
        res.append(p / p.sum(axis=-1, keepdims=True))
    return res


# ---------------------------------------------------------------------------
# Public functions
# ---------------------------------------------------------------------------


def logit_qre(U: ArrayLike, lam: float | ArrayLike) -> list[FloatArray] | list[list[FloatArray]]:
    r"""Logit QRE of one game on the principal branch at precision ``lam``.

    The branch is traced from the centroid at :math:`\lambda = 0` by
    predictor–corrector continuation in arc length (see the module docstring);
    where it crosses the requested :math:`\lambda` several times the first
    crossing is returned, which is what Gambit's ``logit_solve_lambda``
    returns.

    Parameters
    ----------
    U : array_like, shape (n, A_0, ..., A_{n-1})
        ``U[i, a_0, ..., a_{n-1}]`` is player *i*'s payoff at the pure profile
        ``(a_0, ..., a_{n-1})``. Finite real numbers.
    lam : float or sequence of float
        Precision :math:`\lambda \ge 0`, or a non-decreasing sequence of them
        (all answered from one trace of the branch).

    Returns
    -------
    list of n ndarrays, shapes (A_i,)
        The QRE profile when ``lam`` is a number.
    list of L such lists
        One profile per value when ``lam`` is a sequence of length L.

    Raises
    ------
    ValueError
        Malformed shapes, NaN or infinite payoffs, negative or non-finite
        ``lam``, or a decreasing sequence.
    QREConvergenceError
        The branch could not be followed (step length collapsed), which can
        happen only in degenerate games.

    Notes
    -----
    The fixed-point equations hold to about 1e-14 in probability; see the
    module docstring for the tolerances used.

    In non-generic games the branch can pass through a bifurcation point
    (e.g. symmetric coordination games, where the centroid is a QRE for every
    :math:`\lambda`). The tangent is oriented by the previous one, so the
    trace continues straight through such a point along the branch it was on;
    in a symmetric 2 x 2 coordination game it therefore stays at the centroid
    (Gambit 16.7 stops at the bifurcation there instead).

    Examples
    --------
    Matching pennies: the QRE is the centroid at every precision.

    >>> import numpy as np
    >>> U = np.array([[[1, -1], [-1, 1]], [[-1, 1], [1, -1]]])
    >>> [np.round(p, 6).tolist() for p in logit_qre(U, 3.0)]
    [[0.5, 0.5], [0.5, 0.5]]
    """
    arr = check_game(U)
    targets, scalar = _check_lambdas(lam)
    lay = Layout.of(arr.shape[1:])
    out = _trace_compiled(arr[None], lay, targets)
    profiles = _to_profiles(out[0], lay)  # per player, shape (L, A_i)
    per_lam = [[p[k] for p in profiles] for k in range(targets.size)]
    return per_lam[0] if scalar else per_lam


def logit_qre_batch(
    U: ArrayLike, lam: float | ArrayLike, n_players: int
) -> list[FloatArray] | list[list[FloatArray]]:
    r"""Logit QRE on the principal branch for a batch of games at once.

    A compiled loop traces each draw on its own, with its own step length;
    results equal :func:`logit_qre` draw by draw exactly, whatever the batch
    (its size or the other draws in it).

    Parameters
    ----------
    U : array_like, shape (..., n, A_0, ..., A_{n-1})
        Payoff arrays; leading axes (typically one Monte Carlo draw axis of
        length D) are batch axes.
    lam : float or sequence of float
        Precision :math:`\lambda \ge 0`, or a non-decreasing sequence.
    n_players : int
        Number of players *n*.

    Returns
    -------
    list of n ndarrays, shapes (..., A_i)
        Player *i*'s QRE probabilities per draw, when ``lam`` is a number.
    list of L such lists
        One per value when ``lam`` is a sequence of length L.

    Raises
    ------
    ValueError
        Malformed shapes, NaN or infinite payoffs, or bad ``lam``.
    QREConvergenceError
        Some draw's branch could not be followed; the message names it.

    Notes
    -----
    The first call after installation compiles the tracer with Numba (several
    seconds); the result is cached on disk, and later processes load it in a
    fraction of a second.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> U = rng.normal(size=(100, 3, 2, 2, 2))
    >>> p = logit_qre_batch(U, 2.0, n_players=3)
    >>> [x.shape for x in p]
    [(100, 2), (100, 2), (100, 2)]
    """
    arr, n = check_payoffs(U, n_players)
    targets, scalar = _check_lambdas(lam)
    lead = arr.shape[: arr.ndim - 1 - n]
    game_shape = arr.shape[arr.ndim - 1 - n :]
    lay = Layout.of(game_shape[1:])
    flat = arr.reshape((-1, *game_shape))
    if flat.shape[0] == 0:
        out = np.empty((0, targets.size, lay.N + 1))
    else:
        out = _trace_compiled(flat, lay, targets)
    profiles = _to_profiles(out, lay)  # per player, shape (D, L, A_i)
    per_lam = [
        [p[:, k].reshape((*lead, a)) for p, a in zip(profiles, lay.sizes, strict=True)]
        for k in range(targets.size)
    ]
    return per_lam[0] if scalar else per_lam
