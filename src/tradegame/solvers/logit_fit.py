r"""Maximum-likelihood fit of the logit QRE precision to observed choices.

Given counts :math:`c_i(a)` of how often player *i* was seen choosing action
*a*, the log-likelihood of a precision :math:`\lambda` under the principal
branch of the logit QRE (McKelvey & Palfrey 1995) is

.. math::

    \ell(\lambda) = \sum_i \sum_a c_i(a) \log p_i(a; \lambda),

without the multinomial constant, which does not depend on :math:`\lambda`.

Method
------
The principal branch is traced once from :math:`\lambda = 0` to
``lam_max`` by the arc-length continuation of :mod:`tradegame.solvers.logit_qre`
(Turocy 2005; Allgower & Georg 1990), and :math:`\ell` is evaluated at every
accepted point; the tracer's steps are short enough (at most 1 in the norm of
``(log p, lambda)``) that this grid locates the best stretch of the branch.
Around the best point :math:`z_k` the branch is then parametrised by the offset
:math:`\sigma` along its tangent :math:`t_k` (each point found by Newton's
method on the hyperplane :math:`t_k^\top (z - z_k) = \sigma`), which stays
valid where the branch bends back in :math:`\lambda`, and :math:`\ell` is
maximised over :math:`\sigma` between the neighbouring points with SciPy's
bounded scalar minimiser (Brent's method). Gambit's ``logit_estimate``
follows the same branch but stops at the first local maximum; here the
global maximum over :math:`[0, \lambda_{\max}]` is returned.

Tolerances: :math:`\sigma` is located to ``xatol = 1e-10`` and each branch
point is solved to a Newton step below 1e-13, so :math:`\hat\lambda` is
accurate to well below the statistical error of any realistic sample.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from tradegame.solvers.logit_qre import (
    POLISH_MAXITER,
    POLISH_TOL,
    FloatArray,
    Layout,
    QREConvergenceError,
    newton,
    trace,
)
from tradegame.solvers.validation import check_game

__all__ = ["fit_logit_lambda"]


def _check_counts(counts: Sequence[ArrayLike], lay: Layout) -> FloatArray:
    if len(counts) != lay.n:
        raise ValueError(f"counts must hold one vector per player ({lay.n}), got {len(counts)}")
    flat = []
    for i, c in enumerate(counts):
        arr = np.asarray(c, dtype=np.float64)
        if arr.shape != (lay.sizes[i],):
            raise ValueError(
                f"counts for player {i} must have shape ({lay.sizes[i]},), got {arr.shape}"
            )
        flat.append(arr)
    c = np.concatenate(flat)
    if not np.all(np.isfinite(c)):
        raise ValueError("counts contain NaN or infinite values")
    if np.any(c < 0):
        raise ValueError("counts must be non-negative")
    if not np.any(c > 0):
        raise ValueError("counts are all zero: there is nothing to fit")
    return c


def _loglik(z: FloatArray, c: FloatArray, lay: Layout) -> FloatArray:
    """Log-likelihood at branch points ``z`` of shape (k, N + 1); shape (k,).

    Log-probabilities are renormalised so that the tracer's tolerance on the
    sum-to-one equations does not leak into the likelihood.
    """
    total = np.zeros(z.shape[0])
    for i in range(lay.n):
        x = z[:, lay.block(i)]
        xmax = x.max(axis=1, keepdims=True)
        logp = x - xmax - np.log(np.exp(x - xmax).sum(axis=1, keepdims=True))
        ci = c[lay.block(i)]
        # 0 * log(0) counts as 0: unobserved actions contribute nothing.
        total += np.where(ci > 0, ci * logp, 0.0).sum(axis=1)
    return total


def fit_logit_lambda(
    U: ArrayLike, counts: Sequence[ArrayLike], lam_max: float = 100.0
) -> tuple[float, float]:
    r"""Maximum-likelihood precision :math:`\hat\lambda` of the logit QRE.

    Parameters
    ----------
    U : array_like, shape (n, A_0, ..., A_{n-1})
        Payoff array of one game, ``U[i, a_0, ..., a_{n-1}]`` being player
        *i*'s payoff.
    counts : sequence of n array_like, shapes (A_i,)
        Observed choice counts (or frequencies) per player; non-negative.
    lam_max : float, default 100.0
        Upper end of the search over :math:`\lambda`. Tracing cost grows with
        ``lam_max`` times the payoff scale.

    Returns
    -------
    lam_hat : float
        Maximiser of the log-likelihood on the principal branch over
        :math:`[0, \lambda_{\max}]`.
    loglik : float
        :math:`\sum_i \sum_a c_i(a) \log p_i(a; \hat\lambda)` (no multinomial
        constant).

    Raises
    ------
    ValueError
        Bad payoffs, counts of the wrong shape, negative or non-finite
        counts, all-zero counts, or ``lam_max`` not positive and finite.
    QREConvergenceError
        The branch could not be followed.

    Warns
    -----
    RuntimeWarning
        When the likelihood is still increasing at ``lam_max`` (the data are
        closer to a Nash equilibrium than any QRE up to ``lam_max``).

    Examples
    --------
    >>> import numpy as np
    >>> U = np.array([[[2.0, 2.0], [0.0, 0.0]], [[1.0, 0.0], [0.0, 1.0]]])
    >>> lam, ll = fit_logit_lambda(U, [[88, 12], [70, 30]])
    >>> round(lam, 3)
    1.028
    """
    from scipy.optimize import minimize_scalar  # imported on use: SciPy's optimize is slow to load

    arr = check_game(U)
    lay = Layout.of(arr.shape[1:])
    c = _check_counts(counts, lay)
    if not np.isfinite(lam_max) or lam_max <= 0:
        raise ValueError(f"lam_max must be positive and finite, got {lam_max!r}")
    N = lay.N
    U1 = arr[None]
    out, path = trace(U1, lay, np.array([float(lam_max)]), record=True)
    zs = np.concatenate([p[0] for p in path] + [out[0]])
    ts = np.concatenate([p[1] for p in path] + [path[-1][1]])
    # The tracer may step a hair beyond lam_max before aiming back; keep [0, lam_max].
    keep = zs[:, N] <= lam_max * (1 + 1e-12)
    zs, ts = zs[keep], ts[keep]
    ll = _loglik(zs, c, lay)
    k = int(np.argmax(ll))
    zk, tk = zs[k], ts[k]

    lo = float(tk @ (zs[k - 1] - zk)) if k > 0 else 0.0
    hi = float(tk @ (zs[k + 1] - zk)) if k + 1 < zs.shape[0] else 0.0

    def point(sigma: float) -> NDArray[np.float64]:
        # Start from the chord to the neighbouring branch point, which lies on the
        # same hyperplane and, unlike the tangent line, hugs the branch.
        if sigma > 0 and hi > 0:
            z0 = zk + (sigma / hi) * (zs[k + 1] - zk)
        elif sigma < 0 and lo < 0:
            z0 = zk + (sigma / lo) * (zs[k - 1] - zk)
        else:
            z0 = zk.copy()
        z, _, ok, _, _, _ = newton(
            U1, z0[None], tk[None], lay, POLISH_TOL, POLISH_MAXITER, control=False
        )
        if not ok[0]:
            raise QREConvergenceError("Newton's method failed near the likelihood maximum")
        return z[0]

    best_z, best_ll = zk, float(ll[k])
    if hi > lo:

        def negll(sigma: float) -> float:
            z = point(sigma)
            if z[N] < 0 or z[N] > lam_max:
                return np.inf
            return -float(_loglik(z[None], c, lay)[0])

        res = minimize_scalar(negll, bounds=(lo, hi), method="bounded", options={"xatol": 1e-10})
        if np.isfinite(res.fun) and -res.fun > best_ll:
            best_z, best_ll = point(float(res.x)), -float(res.fun)
    lam_hat = float(best_z[N])
    if lam_hat >= lam_max * (1 - 1e-9):
        warnings.warn(
            f"the log-likelihood is still increasing at lam_max = {lam_max:g}; "
            "the estimate sits on the boundary (raise lam_max)",
            RuntimeWarning,
            stacklevel=2,
        )
    return lam_hat, best_ll
