"""Compiled per-game tracer of the logit QRE principal branch.

The same predictor–corrector algorithm, step-length control and tolerances as
the NumPy tracer :func:`tradegame.solvers.logit_qre.trace` (see the docstring
of :mod:`tradegame.solvers.logit_qre`), written for one game at a time and
compiled with Numba; :func:`trace_batch` loops over the games. On tiny
systems (10 x 10 for a 3-player 3x3x3 game) this avoids NumPy's per-call
overhead, which otherwise dominates, and it makes each game's result
independent of the rest of the batch by construction.

The step-control constants are passed in at call time as a
:class:`StepControl` (built from the module constants of
:mod:`~tradegame.solvers.logit_qre`), so they are never frozen into Numba's
on-disk cache (``cache=True``).

Every function but :func:`trace_batch`, which allocates the workspace, is
compiled with ``_nrt=False`` (no Numba runtime: they may not allocate). With
the runtime, each call atomically increments and decrements the reference
count of every array argument, which Numba fails to elide in functions with
branches or early returns; on these small functions that bookkeeping took
about 40% of the run time.

Payoffs come flattened: ``U[g, i, s]`` is player *i*'s payoff in game *g* at
the pure profile with flat C-order index *s*; ``offs[i]`` is where player
*i*'s block starts in the unknown vector ``z = (log p, lambda)`` of length
``N + 1``, and ``idx[s, i] = offs[i] + a_i`` locates the action ``a_i`` of
player *i* in profile *s*.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np
from numba import njit
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

_OPTIONS: dict[str, Any] = {"cache": True, "error_model": "numpy"}
# "_nrt" is how Numba itself spells the option (see numba.extending.register_jitable).
_NO_RUNTIME: dict[str, Any] = {**_OPTIONS, "_nrt": False}

#: ``status`` codes written by :func:`trace_batch`.
OK = 0
STEP_COLLAPSED = 1
TOO_MANY_STEPS = 2


class StepControl(NamedTuple):
    """Step-length control and tolerances; see :mod:`tradegame.solvers.logit_qre`."""

    h_start: float
    h_max: float
    h_grow: float
    h_min: float
    max_dist: float
    max_contr: float
    max_angle: float
    max_offset: float
    max_decel: float
    h_flip: float
    path_tol: float
    path_maxiter: int
    polish_tol: float
    polish_maxiter: int
    lam_tol: float
    lam_tol_fine: float
    max_steps: int
    tiny: float


class Workspace(NamedTuple):
    """Scratch arrays for one game, reused across the batch."""

    p: FloatArray  # (N,) probabilities
    dv: FloatArray  # (N,) expected payoff differences to each player's first action
    q: FloatArray  # (2 n + 2,) partial products of probabilities (n > 3 only)
    M: FloatArray  # (N, N) derivatives of those differences
    pinv: FloatArray  # (n,) reciprocals of the sums of the probabilities per player
    R: FloatArray  # (K, K + 2) reduced system and its two right-hand sides, K = N + 1 - n
    r: FloatArray  # (N + 1,) first right-hand side of the full system, [-H; 0]
    u: FloatArray  # (2, K) solutions of the reduced system
    delta: FloatArray  # (N + 1,) Newton step
    w: FloatArray  # (N + 1,) kernel direction (unnormalised tangent)
    z: FloatArray  # (N + 1,) current point of the trace
    t: FloatArray  # (N + 1,) unit tangent there
    zp: FloatArray  # (N + 1,) predicted point
    zn: FloatArray  # (N + 1,) corrected point
    zs: FloatArray  # (N + 1,) point at a target
    e: FloatArray  # (N + 1,) last unit vector


@njit(**_NO_RUNTIME)
def _payoff_derivatives(
    Ug: FloatArray, idx: IntArray, n: int, p: FloatArray, q: FloatArray, M: FloatArray
) -> None:
    """``M[o_i + a, o_j + b] = d G_i(a, p_{-i}) / d p_j(b)`` for i != j, into ``M``.

    ``G_i`` is the expected value of the flattened payoffs ``Ug[i]``; with
    ``Ug`` the payoff differences of :func:`_payoff_differences` it is
    ``u_i(a, p_{-i}) - u_i(0, p_{-i})``.

    Parameters
    ----------
    Ug : ndarray, shape (n, S)
    idx : ndarray of int64, shape (S, n)
        ``idx[s, k] = o_k + a_k``: where player k's action in profile s sits in ``p``.
    p : ndarray, shape (N,)
        Probabilities.
    q : ndarray, shape (2 n + 2,)
        Workspace.
    M : ndarray, shape (N, N)
        Output; the diagonal blocks are left zero.
    """
    S = idx.shape[0]
    M[:, :] = 0.0
    # Straight-line code for two and three players, the common cases, is several
    # times faster than the general loop below.
    if n == 2:
        for s in range(S):
            a, b = idx[s, 0], idx[s, 1]
            M[a, b] += Ug[0, s]
            M[b, a] += Ug[1, s]
        return
    if n == 3:
        for s in range(S):
            a, b, c = idx[s, 0], idx[s, 1], idx[s, 2]
            pa, pb, pc = p[a], p[b], p[c]
            M[a, b] += Ug[0, s] * pc
            M[a, c] += Ug[0, s] * pb
            M[b, a] += Ug[1, s] * pc
            M[b, c] += Ug[1, s] * pa
            M[c, a] += Ug[2, s] * pb
            M[c, b] += Ug[2, s] * pa
        return
    for s in range(S):
        # q[k] = product of p over players < k; q[n + 1 + k] = ... over players >= k.
        q[0] = 1.0
        for k in range(n):
            q[k + 1] = q[k] * p[idx[s, k]]
        q[2 * n + 1] = 1.0
        for k in range(n - 1, -1, -1):
            q[n + 1 + k] = q[n + 2 + k] * p[idx[s, k]]
        for i in range(n - 1):
            ri = idx[s, i]
            mid = q[i]  # running product over players < j except i
            for j in range(i + 1, n):
                rj = idx[s, j]
                f = mid * q[n + 2 + j]  # product over players other than i and j
                M[ri, rj] += Ug[i, s] * f
                M[rj, ri] += Ug[j, s] * f
                mid *= p[rj]


@njit(**_NO_RUNTIME)
def _payoff_differences(
    U: FloatArray, idx: IntArray, sizes: IntArray, offs: IntArray, dU: FloatArray
) -> None:
    """``dU[i, s] = U[i, s] - U[i, s']``, s' being profile s with player i's action set to 0.

    Parameters
    ----------
    U, dU : ndarray, shape (n, S)
        Flattened payoffs of one game, and the output.
    idx : ndarray of int64, shape (S, n)
    sizes, offs : ndarray of int64, shape (n,)
    """
    n, S = U.shape
    stride = 1
    for i in range(n - 1, -1, -1):
        for s in range(S):
            dU[i, s] = U[i, s] - U[i, s - (idx[s, i] - offs[i]) * stride]
        stride *= sizes[i]


@njit(**_NO_RUNTIME)
def _system(
    dU: FloatArray,
    idx: IntArray,
    sizes: IntArray,
    offs: IntArray,
    z: FloatArray,
    row: FloatArray,
    ws: Workspace,
) -> None:
    """Bordered Newton system of one game at ``z``, reduced by its block structure.

    The bordered system ``B delta = rhs`` with ``B = [J; row]`` is solved for
    ``rhs = [-H; 0]`` (Newton step) and ``rhs = e_last`` (kernel direction).
    Player i's diagonal block of J is ``D_i``, with first row ``p_i`` and rows
    ``e_a - e_0`` (a >= 1), and the sum-to-one rows of J are zero outside it.
    Substituting ``delta = T u``, ``T = diag(D_0^{-1}, ..., D_{n-1}^{-1}, 1)``
    turns those rows into unit rows, so ``u`` at each player's first action is
    the right-hand side there and the other ``K = N + 1 - n`` unknowns solve a
    dense K x K system, which is written to ``ws.R``. ``D_i`` is well
    conditioned (``det D_i = sum(p_i) = 1`` on the branch, entries in [-1, 1]),
    and ``det B = det R * prod_i sum(p_i)``, so ``sign det B = sign det R``.

    Parameters
    ----------
    dU : ndarray, shape (n, S)
        Payoff differences of the game (:func:`_payoff_differences`).
    idx : ndarray of int64, shape (S, n)
    sizes, offs : ndarray of int64, shape (n,)
    z : ndarray, shape (N + 1,)
        Log-probabilities then lambda.
    row : ndarray, shape (N + 1,)
        Bordering row appended below the N x (N + 1) Jacobian.
    ws : Workspace
        Fills ``p``, ``pinv``, ``r`` (the first right-hand side at each
        player's first action) and ``R`` (the reduced system augmented by its
        two right-hand sides).
    """
    n = sizes.size
    N = z.size - 1
    K = N + 1 - n  # reduced unknowns: actions a >= 1 of every player, then lambda
    lam = z[N]
    p, dv, M, R, r, pinv = ws.p, ws.dv, ws.M, ws.R, ws.r, ws.pinv
    for k in range(N):
        p[k] = math.exp(z[k])
    # dv[o_i + a] = u_i(a, p_{-i}) - u_i(0, p_{-i}); M: its derivatives.
    if n == 1:
        for a in range(N):
            dv[a] = dU[0, a]
    else:
        _payoff_derivatives(dU, idx, n, p, ws.q, M)
        for i in range(n):
            j0 = 1 if i == 0 else 0
            for a in range(1, sizes[i]):
                acc = 0.0
                for b in range(sizes[j0]):
                    acc += M[offs[i] + a, offs[j0] + b] * p[offs[j0] + b]
                dv[offs[i] + a] = acc
    for i in range(n):
        total = 0.0
        for a in range(sizes[i]):
            total += p[offs[i] + a]
        pinv[i] = 1.0 / total
        r[offs[i]] = 1.0 - total
    R[:, :] = 0.0
    for i in range(n):
        o = offs[i]
        for a in range(1, sizes[i]):
            rr = o + a  # row of J
            rho = rr - i - 1  # row of R
            rhs = lam * dv[rr] - (z[rr] - z[o])
            R[rho, rho] = 1.0
            R[rho, K - 1] = -dv[rr]
            # Block j of this row of J is -lam * p_j * M[rr, block j]; times D_j^{-1}
            # that is -lam * p_j * (M[rr, block j] - c), c = M[rr, block j] . p_j / sum(p_j),
            # where M[rr, block j] . p_j = dv[rr].
            for j in range(n):
                if j == i:
                    continue
                oj = offs[j]
                c = dv[rr] * pinv[j]
                rhs += lam * c * r[oj]
                for b in range(1, sizes[j]):
                    R[rho, oj - j - 1 + b] = -lam * p[oj + b] * (M[rr, oj + b] - c)
            R[rho, K] = rhs
    rhs = 0.0
    for j in range(n):
        oj = offs[j]
        y0 = 0.0
        for b in range(sizes[j]):
            y0 += row[oj + b]
        y0 *= pinv[j]
        rhs -= y0 * r[oj]
        for b in range(1, sizes[j]):
            R[K - 1, oj - j - 1 + b] = row[oj + b] - p[oj + b] * y0
    R[K - 1, K - 1] = row[N]
    R[K - 1, K] = rhs
    R[K - 1, K + 1] = 1.0


@njit(**_NO_RUNTIME)
def _solve(sizes: IntArray, offs: IntArray, ws: Workspace) -> float:
    """Solve the system set up by :func:`_system`, into ``ws.delta`` and ``ws.w``.

    Gaussian elimination with partial pivoting on ``ws.R`` (overwritten), then
    ``delta = T u``; ``ws.delta`` solves ``B delta = [-H; 0]`` and ``ws.w``
    solves ``B w = e_last``, both of shape (N + 1,).

    Parameters
    ----------
    sizes, offs : ndarray of int64, shape (n,)
    ws : Workspace

    Returns
    -------
    float
        Sign of ``det B``; 0.0, with NaN solutions, where a pivot is exactly
        zero (a singular system fails its own draw only).
    """
    R, u, p, pinv, delta, w = ws.R, ws.u, ws.p, ws.pinv, ws.delta, ws.w
    K = R.shape[0]
    C = K + 2
    n = sizes.size
    N = delta.size - 1
    sign = 1.0
    for k in range(K):
        piv = k
        best = abs(R[k, k])
        for i in range(k + 1, K):
            x = abs(R[i, k])
            if x > best:
                best, piv = x, i
        if not best > 0.0:
            delta[:] = np.nan
            w[:] = np.nan
            return 0.0
        if piv != k:
            sign = -sign
            for c in range(k, C):
                R[k, c], R[piv, c] = R[piv, c], R[k, c]
        if R[k, k] < 0.0:
            sign = -sign
        d = 1.0 / R[k, k]
        R[k, k] = d  # the reciprocal pivot, for the back substitution
        # Unsigned column indices spare the innermost loop Numba's wrap-around of
        # negative indices, which keeps LLVM from vectorising it (2x on large games).
        uk, uC = np.uint64(k), np.uint64(C)
        for i in range(k + 1, K):
            f = R[i, k] * d
            if f != 0.0:
                for c in range(uk + np.uint64(1), uC):
                    R[i, c] -= f * R[uk, c]
    for i in range(K - 1, -1, -1):
        x = R[i, K]
        y = R[i, K + 1]
        for c in range(i + 1, K):
            x -= R[i, c] * u[0, c]
            y -= R[i, c] * u[1, c]
        u[0, i] = x * R[i, i]
        u[1, i] = y * R[i, i]
    # Undo the substitution: delta_j = D_j^{-1} u_j per player, u_j[0] = rhs there.
    for j in range(n):
        oj = offs[j]
        bj = oj - j - 1
        s1 = 0.0
        s2 = 0.0
        for b in range(1, sizes[j]):
            s1 += p[oj + b] * u[0, bj + b]
            s2 += p[oj + b] * u[1, bj + b]
        d1 = (ws.r[oj] - s1) * pinv[j]
        d2 = -s2 * pinv[j]
        delta[oj] = d1
        w[oj] = d2
        for b in range(1, sizes[j]):
            delta[oj + b] = d1 + u[0, bj + b]
            w[oj + b] = d2 + u[1, bj + b]
    delta[N] = u[0, K - 1]
    w[N] = u[1, K - 1]
    return sign


@njit(**_NO_RUNTIME)
def _newton(
    dU: FloatArray,
    idx: IntArray,
    sizes: IntArray,
    offs: IntArray,
    z: FloatArray,
    row: FloatArray,
    tol: float,
    maxiter: int,
    control: bool,
    ctl: StepControl,
    ws: Workspace,
) -> tuple[bool, float, float, float]:
    """Newton's method on H(z) = 0 restricted by ``row . delta = 0``, one game.

    Parameters
    ----------
    dU, idx, sizes, offs
        As for :func:`_system`.
    z : ndarray, shape (N + 1,)
        Starting point, overwritten by the final iterate.
    row : ndarray, shape (N + 1,)
        Normal of the hyperplane the iterates stay on.
    tol : float
        Convergence tolerance on the estimated remaining error.
    maxiter : int
    control : bool
        Apply the path-following rejection tests (first step and contraction
        rate); when False, iterate until converged or ``maxiter``.
    ctl : StepControl
    ws : Workspace
        On return ``ws.w`` holds the kernel direction of the last bordered
        Jacobian (an unnormalised tangent).

    Returns
    -------
    ok : bool
        Converged (and, with ``control``, passed the tests).
    dist1 : float
        Length of the first Newton step.
    contr : float
        Largest contraction rate seen.
    sign : float
        With ``control``, the sign of the determinant of the bordered Jacobian
        at convergence (0 where not converged or without control).
    """
    N1 = z.size
    delta = ws.delta
    ok = False
    failed = False
    dist1 = 0.0
    contr = 0.0
    sign = 0.0
    prev = np.inf
    for it in range(maxiter):
        _system(dU, idx, sizes, offs, z, row, ws)
        sgn = _solve(sizes, offs, ws)
        d = 0.0
        for k in range(N1):
            d += delta[k] * delta[k]
            z[k] += delta[k]
        d = math.sqrt(d)
        bad = not math.isfinite(d)
        if it == 0:
            dist1 = d
        else:
            # Quadratic convergence stalls at rounding level; avoid counting that as divergence.
            rate = d / (prev + 1e-3 * tol)
            if not rate <= contr:
                contr = rate
        if control:
            bad = bad or dist1 > ctl.max_dist or contr > ctl.max_contr
        elif it > 0 and d >= prev and not bad and d < 1e3 * tol:
            # Once the step no longer shrinks, rounding dominates: stop there.
            ok = True
        # With contraction rate r the error left after this step is about r * d
        # (Deuflhard's a-posteriori estimate), which saves the confirming iteration.
        est = d if it == 0 else min(d, d * d / (prev + 1e-3 * tol))
        prev = d
        if est <= tol and not bad:
            ok = True
            if control:
                # Orientation of the branch at the (nearly) final point.
                sign = sgn
        if bad:
            failed = True
        if ok or failed:
            break
    if failed:
        ok = False
    for k in range(N1):
        if not math.isfinite(z[k]):
            ok = False
    return ok, dist1, contr, sign


@njit(**_NO_RUNTIME)
def _norm(x: FloatArray) -> float:
    """Euclidean norm of a vector."""
    acc = 0.0
    for k in range(x.size):
        acc += x[k] * x[k]
    return math.sqrt(acc)


@njit(**_NO_RUNTIME)
def _advance(zs: FloatArray, targets: FloatArray, nxt: int, out: FloatArray) -> int:
    """Answer every pending target that ``zs`` has reached; the new ``nxt``."""
    N = zs.size - 1
    while nxt < targets.size and targets[nxt] <= zs[N]:
        for k in range(N + 1):
            out[nxt, k] = zs[k]
        nxt += 1
    return nxt


@njit(**_NO_RUNTIME)
def _trace_one(
    dU: FloatArray,
    idx: IntArray,
    sizes: IntArray,
    offs: IntArray,
    targets: FloatArray,
    ctl: StepControl,
    ws: Workspace,
    out: FloatArray,
) -> int:
    """Follow one game's principal branch to each target; a ``status`` code.

    Parameters
    ----------
    dU : ndarray, shape (n, S)
        Payoff differences of the game (:func:`_payoff_differences`).
    idx, sizes, offs
        As for :func:`_system`.
    targets : ndarray, shape (L,)
        Non-decreasing, non-negative lambda values.
    ctl : StepControl
    ws : Workspace
    out : ndarray, shape (L, N + 1)
        Output: ``(log p, lambda)`` at the first crossing of each target.
    """
    n = sizes.size
    N1 = ws.w.size
    N = N1 - 1
    z, t, zn, zp, zs, e, w = ws.z, ws.t, ws.zn, ws.zp, ws.zs, ws.e, ws.w
    for k in range(N1):
        e[k] = 0.0
    e[N] = 1.0

    # The centroid at lambda = 0 and the unit tangent there towards lambda > 0.
    for i in range(n):
        for a in range(sizes[i]):
            z[offs[i] + a] = -math.log(sizes[i])
    z[N] = 0.0
    _system(dU, idx, sizes, offs, z, e, ws)
    orient = _solve(sizes, offs, ws)
    nw = _norm(w)
    for k in range(N1):
        t[k] = w[k] / nw

    h = ctl.h_start
    fine = False  # the fixed-lambda Newton failed: aim to rounding level
    nxt = _advance(z, targets, 0, out)  # index of the next target not yet reached
    # Up to lambda * max|dU| = ctl.tiny the first-order point z + lambda * t / t[N] is
    # the QRE to rounding (the second-order term is of size (lambda * max|dU|)^2), and
    # stepping there would ask the corrector for corrections below rounding level.
    big = 0.0
    for i in range(n):
        for s in range(dU.shape[1]):
            big = max(big, abs(dU[i, s]))
    while nxt < targets.size and targets[nxt] * big <= ctl.tiny:
        tau = targets[nxt]
        for k in range(N):
            zs[k] = z[k] + tau / t[N] * t[k]
        zs[N] = tau
        nxt = _advance(zs, targets, nxt, out)
    cos_max = math.cos(ctl.max_angle)
    steps = 0
    while nxt < targets.size:
        steps += 1
        if steps > ctl.max_steps:
            return TOO_MANY_STEPS
        tau = targets[nxt]
        gap = tau - z[N]
        aim = t[N] > 0 and gap < h * t[N]
        step = gap / t[N] if aim else h
        for k in range(N1):
            zp[k] = z[k] + step * t[k]
            zn[k] = zp[k]
        ok, dist1, contr, sgn = _newton(
            dU, idx, sizes, offs, zn, t, ctl.path_tol, ctl.path_maxiter, True, ctl, ws
        )
        nw = _norm(w)
        cosang = 0.0
        offset = 0.0
        for k in range(N1):
            cosang += w[k] / nw * t[k]
            offset += (zn[k] - zp[k]) ** 2
        offset = math.sqrt(offset)
        ok = ok and math.isfinite(cosang) and cosang >= cos_max
        # A correction large next to the step means Newton landed on another branch ...
        ok = ok and offset <= ctl.max_offset * abs(step)
        # ... as does one large for how little the tangent turned.
        turn = math.sqrt(min(max(1.0 - cosang * cosang, 0.0), 1.0))
        ok = ok and offset <= (0.75 * turn + 0.02) * abs(step) + 10 * ctl.path_tol
        # Past the target with the branch already heading back: a shorter step must
        # find the crossing inside this one.
        over = zn[N] > tau + ctl.lam_tol * (1 + tau)
        ok = ok and not (over and w[N] / nw <= 0)
        # The orientation may change only on steps shorter than h_flip.
        if ok and sgn != orient and not abs(step) < ctl.h_flip:
            ok = False

        if not ok:
            h = abs(step) / 2.0
            if fine and h < 1e-6 and abs(gap) <= 1e-9 * (1 + tau):
                # On a bifurcation point itself even the bordered system is singular.
                for k in range(N):
                    zs[k] = z[k]
                zs[N] = tau
                nxt = _advance(zs, targets, nxt, out)
                h = ctl.h_start
            elif h < ctl.h_min:
                return STEP_COLLAPSED
            continue

        angle = math.acos(min(max(cosang, -1.0), 1.0))
        decel = max(
            math.sqrt(dist1 / ctl.max_dist),
            math.sqrt(contr / ctl.max_contr),
            angle / ctl.max_angle,
        )
        decel = min(max(decel * ctl.max_decel, 1.0 / ctl.max_decel), ctl.max_decel)
        for k in range(N1):
            z[k] = zn[k]
            t[k] = w[k] / nw
        orient = sgn
        if not aim:
            h = min(h / decel, max(ctl.h_max, ctl.h_grow * _norm(z)))
        else:
            # An aimed step says nothing about the free step length, but its turning
            # still caps the next free step: the branch may be about to fold.
            h = min(h, abs(step) * ctl.max_angle / (ctl.max_decel * angle))
        tol = (ctl.lam_tol_fine if fine else ctl.lam_tol) * (1 + tau)
        if abs(z[N] - tau) <= tol:
            for k in range(N):
                zs[k] = z[k]
            zs[N] = tau
            good = True
            if not fine:
                # Rounding in the equations grows with |z| (log-probabilities of order
                # -lambda * payoff gap), so the tolerance scales with it.
                scale = 0.0
                for k in range(N1):
                    scale = max(scale, abs(zs[k]))
                tol = ctl.polish_tol * (1.0 + scale)
                good = _newton(
                    dU, idx, sizes, offs, zs, e, tol, ctl.polish_maxiter, False, ctl, ws
                )[0]
            if good:
                nxt = _advance(zs, targets, nxt, out)
            else:
                # The fixed-lambda Jacobian is singular at a bifurcation point; there
                # the aimed steps, which use the bordered system, go on to full precision.
                fine = True
    return OK


@njit(**_OPTIONS)
def trace_batch(
    U: FloatArray,
    idx: IntArray,
    sizes: IntArray,
    offs: IntArray,
    targets: FloatArray,
    ctl: StepControl,
    out: FloatArray,
    status: IntArray,
    last: FloatArray,
) -> None:
    """Follow the principal branch of every game up to each target lambda.

    Parameters
    ----------
    U : ndarray, shape (m, n, S)
        Flattened payoffs, ``S = A_0 * ... * A_{n-1}``.
    idx : ndarray of int64, shape (S, n)
        ``idx[s, k] = offs[k] + a_k`` for the actions ``a`` of flat profile s.
    sizes, offs : ndarray of int64, shape (n,)
        Action counts and where each player's block starts in ``z``.
    targets : ndarray, shape (L,)
        Non-decreasing, non-negative lambda values.
    ctl : StepControl
    out : ndarray, shape (m, L, N + 1)
        Output: ``(log p, lambda)`` at the first crossing of each target.
    status : ndarray of int64, shape (m,)
        Output: ``OK``, ``STEP_COLLAPSED`` or ``TOO_MANY_STEPS`` per game.
    last : ndarray, shape (m, N + 1)
        Output: the last point accepted on each game's branch (where a failed
        trace stopped).
    """
    n = sizes.size
    N = 0
    for i in range(n):
        N += sizes[i]
    ws = Workspace(
        p=np.empty(N),
        dv=np.empty(N),
        q=np.empty(2 * n + 2),
        M=np.empty((N, N)),
        pinv=np.empty(n),
        R=np.empty((N + 1 - n, N + 3 - n)),
        r=np.empty(N + 1),
        u=np.empty((2, N + 1 - n)),
        delta=np.empty(N + 1),
        w=np.empty(N + 1),
        z=np.empty(N + 1),
        t=np.empty(N + 1),
        zp=np.empty(N + 1),
        zn=np.empty(N + 1),
        zs=np.empty(N + 1),
        e=np.empty(N + 1),
    )
    dU = np.empty(U.shape[1:])
    for g in range(U.shape[0]):
        _payoff_differences(U[g], idx, sizes, offs, dU)
        status[g] = _trace_one(dU, idx, sizes, offs, targets, ctl, ws, out[g])
        for k in range(N + 1):
            last[g, k] = ws.z[k]
