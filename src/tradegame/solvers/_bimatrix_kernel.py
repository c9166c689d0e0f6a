"""Compiled kernels of the two-player solvers, behind a private boundary.

Each function here is the Numba version of a NumPy reference kept beside its
caller, doing the same floating-point operations in the same order, so that
its results are bit for bit those of the reference (tested in
``tests/solvers/test_bimatrix_kernel.py``):

- :func:`extreme_equilibria` finds every equilibrium of a stack of
  nondegenerate games, as
  :func:`tradegame.solvers.mixed_nash_2p_batch._nondegenerate_numpy`: per block
  of draws it scales the payoffs, computes the minors of ``[C | 1]`` level by
  level (``_all_minors_numpy``), the feasibility and extra labels of every
  basis (``_basis_solutions_numpy``; it reads a basis's slacks only when some
  draw's coordinates are feasible, as most are not), and for each draw the
  points of the bases feasible in both polytopes, normalised and ordered, so
  that a 3x3 game costs its arithmetic rather than the NumPy calls around it;
- :func:`pad_by_draw` lays those rows out padded per draw;
- :func:`lemke_howson_one` follows the lexicographic Lemke–Howson path in one
  game, as :func:`tradegame.solvers.lemke_howson._lemke_howson_numpy`, without
  NumPy's per-call overhead on a tableau of a few dozen entries.

The kernels take plain arrays checked by their callers; only
:func:`extreme_equilibria` and :func:`lemke_howson_one` allocate (their scratch
space and results).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]
BoolArray = NDArray[np.bool_]

_OPTIONS: dict[str, Any] = {"cache": True, "error_model": "numpy"}


#: Entries of the scaled Lemke–Howson tableau at or below this count as nonpositive in
#: the ratio test, and ratios within it count as ties. Kept here, where Numba reads it at
#: compile time, so that a change invalidates the on-disk cache.
PIVOT_TOL = 1e-12

#: ``status`` codes of :func:`lemke_howson_one`.
LH_OK = 0
LH_NOT_FINITE = 1
LH_UNBOUNDED = 2
LH_NO_END = 3


@njit(**_OPTIONS)
def _range(M: FloatArray) -> tuple[float, float]:
    """``lo`` and ``span`` of :func:`tradegame.solvers._bimatrix.normalize` for one matrix."""
    lo = M[0, 0]
    hi = M[0, 0]
    for i in range(M.shape[0]):
        for j in range(M.shape[1]):
            lo = min(lo, M[i, j])
            hi = max(hi, M[i, j])
    span = hi - lo
    if not span > 0:
        span = 1.0
    return lo, span


@njit(**_OPTIONS)
def _keep_near_min(ratio: FloatArray, rows: IntArray, count: int) -> int:
    """Keep, in order, the first ``count`` rows whose ratio is within the tolerance of the least.

    Returns how many are kept (moved to the front of ``rows``).
    """
    best = ratio[0]
    for c in range(1, count):
        best = min(best, ratio[c])
    kept = 0
    for c in range(count):
        if ratio[c] <= best + PIVOT_TOL * max(1.0, abs(best)):
            rows[kept] = rows[c]
            kept += 1
    return kept


@njit(**_OPTIONS)
def _lh_pivot(
    tab: FloatArray,
    basis: IntArray,
    lex: IntArray,
    col: int,
    column: FloatArray,
    ratio: FloatArray,
    pivot_row: FloatArray,
    rows: IntArray,
) -> int:
    """One lexicographic pivot, as :func:`tradegame.solvers.lemke_howson._pivot`.

    ``column``, ``ratio``, ``pivot_row`` and ``rows`` are scratch space.
    Returns the leaving label, or -1 for an unbounded ray.
    """
    rows_n, width = tab.shape
    count = 0
    for i in range(rows_n):
        column[i] = tab[i, col]
        if column[i] > PIVOT_TOL:
            rows[count] = i
            ratio[count] = tab[i, width - 1] / column[i]
            count += 1
    if count == 0:
        return -1
    count = _keep_near_min(ratio, rows, count)
    if count > 1:
        # Ties in the ordinary ratio: the rows of the basis inverse, column by column.
        for jj in range(1, lex.shape[0]):
            j = lex[jj]
            for c in range(count):
                ratio[c] = tab[rows[c], j] / column[rows[c]]
            count = _keep_near_min(ratio, rows, count)
            if count == 1:
                break
    r = rows[0]
    pivot = tab[r, col]
    for j in range(width):
        pivot_row[j] = tab[r, j] / pivot
    for i in range(rows_n):
        for j in range(width):
            tab[i, j] -= column[i] * pivot_row[j]
    for j in range(width):
        tab[r, j] = pivot_row[j]
    leaving = basis[r]
    basis[r] = col
    return int(leaving)


@njit(**_OPTIONS)
def _sum_in_order(v: FloatArray) -> float:
    """``v.sum()`` as NumPy computes it for fewer than 8 entries: left to right."""
    total = v[0]
    for i in range(1, v.shape[0]):
        total += v[i]
    return total


@njit(**_OPTIONS)
def lemke_howson_one(
    A: FloatArray, B: FloatArray, label: int
) -> tuple[FloatArray, FloatArray, int, bool]:
    """Lemke–Howson on one game: ``(x, y, status, normalized)``.

    ``A`` and ``B`` are the raw (m, n) payoffs, checked here for finiteness
    (``status`` :data:`LH_NOT_FINITE`) and scaled into [1, 2] as
    :func:`~tradegame.solvers._bimatrix.normalize` does. ``x`` and ``y`` are
    normalised to sum to one when ``normalized`` (m and n at most 7, where a
    sum left to right is NumPy's); otherwise the caller divides by NumPy's sum.
    """
    m, n = A.shape
    x = np.zeros(m)
    y = np.zeros(n)
    for i in range(m):
        for j in range(n):
            if not (np.isfinite(A[i, j]) and np.isfinite(B[i, j])):
                return x, y, LH_NOT_FINITE, False
    status = _lh_game(A, B, label, x, y)
    return x, y, status, status == LH_OK and m <= 7 and n <= 7


@njit(**_OPTIONS)
def lemke_howson_many(
    A: FloatArray, B: FloatArray, label: int
) -> tuple[FloatArray, FloatArray, int, bool]:
    """:func:`lemke_howson_one` for each of the (D, m, n) games, already checked finite.

    Returns ``x`` (D, m), ``y`` (D, n), the first failed status (or
    :data:`LH_OK`) and whether the rows are normalised.
    """
    D, m, n = A.shape
    x = np.zeros((D, m))
    y = np.zeros((D, n))
    for d in range(D):
        status = _lh_game(A[d], B[d], label, x[d], y[d])
        if status != LH_OK:
            return x, y, status, False
    return x, y, LH_OK, m <= 7 and n <= 7


@njit(**_OPTIONS)
def _lh_game(A: FloatArray, B: FloatArray, label: int, x: FloatArray, y: FloatArray) -> int:
    """Follow the path in one game, writing its equilibrium into ``x`` and ``y`` (zeros).

    All scratch space is two allocations, carved into the tableaux and buffers.
    """
    m, n = A.shape
    width = m + n + 1
    big = max(m, n)
    floats = np.zeros((m + n) * width + 2 * big + width)
    ints = np.empty(2 * (m + n + 1) + big, np.intp)
    tab_p = floats[: n * width].reshape((n, width))
    tab_q = floats[n * width : (m + n) * width].reshape((m, width))
    column = floats[(m + n) * width : (m + n) * width + big]
    ratio = floats[(m + n) * width + big : (m + n) * width + 2 * big]
    pivot_row = floats[(m + n) * width + 2 * big :]
    basis_p = ints[:n]
    basis_q = ints[n : m + n]
    lex_p = ints[m + n : m + 2 * n + 1]
    lex_q = ints[m + 2 * n + 1 : 2 * (m + n + 1)]
    rows = ints[2 * (m + n + 1) :]

    lo_a, span_a = _range(A)
    lo_b, span_b = _range(B)
    for j in range(n):
        for i in range(m):
            tab_p[j, i] = (B[i, j] - lo_b) / span_b + 1.0
        tab_p[j, m + j] = 1.0
        tab_p[j, width - 1] = 1.0
        basis_p[j] = m + j
        lex_p[j + 1] = m + j
    for i in range(m):
        tab_q[i, i] = 1.0
        for j in range(n):
            tab_q[i, m + j] = (A[i, j] - lo_a) / span_a + 1.0
        tab_q[i, width - 1] = 1.0
        basis_q[i] = i
        lex_q[i + 1] = i
    lex_p[0] = m + n
    lex_q[0] = m + n

    # Each basis pair is visited at most once on the path, which bounds the steps.
    max_steps = 4 * (2 ** min(m + n, 30)) + 10
    entering = label
    in_p = label < m
    done = False
    for _ in range(max_steps):
        if in_p:
            leaving = _lh_pivot(tab_p, basis_p, lex_p, entering, column, ratio, pivot_row, rows)
        else:
            leaving = _lh_pivot(tab_q, basis_q, lex_q, entering, column, ratio, pivot_row, rows)
        if leaving < 0:
            return LH_UNBOUNDED
        if leaving == label:
            done = True
            break
        entering = leaving
        in_p = not in_p
    if not done:
        return LH_NO_END

    for row in range(n):
        lab = basis_p[row]
        if lab < m:
            x[lab] = tab_p[row, width - 1]
    for row in range(m):
        lab = basis_q[row]
        if lab >= m:
            y[lab - m] = tab_q[row, width - 1]
    for i in range(m):
        x[i] = max(x[i], 0.0)
    for j in range(n):
        y[j] = max(y[j], 0.0)
    if m > 7 or n > 7:
        return LH_OK
    sx = _sum_in_order(x)
    sy = _sum_in_order(y)
    for i in range(m):
        x[i] = x[i] / sx
    for j in range(n):
        y[j] = y[j] / sy
    return LH_OK


@njit(**_OPTIONS)
def normalize_many(M: FloatArray) -> FloatArray:
    """:func:`tradegame.solvers._bimatrix.normalize` of a (D, m, n) stack, the same operations."""
    D, m, n = M.shape
    out = np.empty((D, m, n))
    for g in range(D):
        lo = M[g, 0, 0]
        hi = M[g, 0, 0]
        for i in range(m):
            for j in range(n):
                lo = min(lo, M[g, i, j])
                hi = max(hi, M[g, i, j])
        span = hi - lo
        if not span > 0:
            span = 1.0
        for i in range(m):
            for j in range(n):
                out[g, i, j] = (M[g, i, j] - lo) / span + 1.0
    return out


@njit(**_OPTIONS)
def _row_after(keys: FloatArray, a: int, b: int, width: int) -> bool:
    """Whether row ``a`` of ``keys`` sorts strictly after row ``b`` (first differing column)."""
    for c in range(width):
        if keys[a, c] != keys[b, c]:
            return bool(keys[a, c] > keys[b, c])
    return False


@njit(**_OPTIONS)
def order_by_draw_then_rows(draw: IntArray, keys: FloatArray, n_draws: int) -> IntArray:
    """Stable order by ``draw``, then by the rows of ``keys`` compared column by column.

    The order ``np.lexsort`` gives for the keys ``(draw, keys[:, 0], keys[:, 1], ...)``
    (all finite): a stable counting sort by draw, then a stable insertion sort
    within each draw's few rows.
    """
    E, K = keys.shape
    start = np.zeros(n_draws + 1, np.intp)
    for e in range(E):
        start[draw[e] + 1] += 1
    for d in range(n_draws):
        start[d + 1] += start[d]
    fill = start[:-1].copy()
    order = np.empty(E, np.intp)
    for e in range(E):
        order[fill[draw[e]]] = e
        fill[draw[e]] += 1
    for d in range(n_draws):
        for i in range(start[d] + 1, start[d + 1]):
            cur = order[i]
            j = i - 1
            while j >= start[d]:
                prev = order[j]
                # Move ``prev`` right only while it compares strictly greater (stability).
                if not _row_after(keys, prev, cur, K):
                    break
                order[j + 1] = prev
                j -= 1
            order[j + 1] = cur
    return order


# --- all extreme equilibria of a stack of games, one pass over blocks of draws ----------------
#
# ``extreme_equilibria`` fuses the steps of the batched vertex enumeration (scaling, minors,
# the feasible bases of each support size, their coordinates, normalisation and order) into
# one compiled pass over blocks of draws, so that a small game costs its arithmetic and not
# the NumPy calls around it. Each polytope's tables arrive flattened with offsets (see
# ``tradegame.solvers.mixed_nash_2p_batch._kernel_tables``):
#
#   level  (L + 1,)  row of level k's first minor in the scratch is level[k - 1]; level 1 is
#                    [C | 1] itself, C(r, k) * C(d + 1, k) rows for level k
#   term   (L,)      start of level k's expansion terms (k >= 2) in entry and sub, at k - 2
#   entry, sub       per minor of level k, k flat indices into level 1 and k into level k - 1
#   base   (K + 1,)  first basis of support size k at base[k - 1]
#   det              per basis, its level-k index of det C[R, S]
#   num              per basis, k level-k indices of the Cramer numerators (flat, k a basis)
#   nnum   (K + 1,)  start of support size k's entries in num (and in the support tables)
#   slack, slack_sign  per basis, r - k level-(k + 1) indices and signs (flat)
#   nslack (K + 1,)  start of support size k's entries in slack and slack_sign


@njit(**_OPTIONS)
def _load_block(
    M: FloatArray,
    g0: int,
    wc: int,
    transpose: bool,
    lo: FloatArray,
    span: FloatArray,
    S: FloatArray,
) -> None:
    """Write ``[C | 1]`` of games ``g0 .. g0 + wc`` into level 1 of ``S`` (draws last).

    ``C`` is the game's matrix scaled into [1, 2] as :func:`normalize_many` scales it,
    transposed for *P* (``C = B^T``); ``lo`` and ``span`` are scratch space.
    """
    _, m, n = M.shape
    cols = (m if transpose else n) + 1
    for w in range(wc):
        lo[w] = M[g0 + w, 0, 0]
        span[w] = M[g0 + w, 0, 0]  # the largest entry, until the span replaces it
    # Entry by entry over the block's draws, so that the loops vectorise: the raw
    # entries are gathered once, then scaled in place.
    for i in range(m):
        for j in range(n):
            row = j * cols + i if transpose else i * cols + j
            for w in range(wc):
                v = M[g0 + w, i, j]
                S[row, w] = v
                lo[w] = v if v < lo[w] else lo[w]
                span[w] = v if v > span[w] else span[w]
    for w in range(wc):
        s = span[w] - lo[w]
        span[w] = s if s > 0 else 1.0
    for i in range(m):
        for j in range(n):
            row = j * cols + i if transpose else i * cols + j
            for w in range(wc):
                S[row, w] = (S[row, w] - lo[w]) / span[w] + 1.0
    for i in range(n if transpose else m):
        row = i * cols + cols - 1
        for w in range(wc):
            S[row, w] = 1.0


@njit(**_OPTIONS)
def _minors_block(
    S: FloatArray, level: IntArray, term: IntArray, entry: IntArray, sub: IntArray, wc: int
) -> None:
    """Levels 2 and up of the minors in ``S``, by expansion along the first row.

    ``S[level[k - 1] + i] = sum_t (-1) ** t * S[entry[i, t]] * S[level[k - 2] + sub[i, t]]``,
    summed left to right with the first term assigned and the others added or
    subtracted, as :func:`~tradegame.solvers.mixed_nash_2p_batch._all_minors_numpy` does.
    """
    for k in range(2, level.shape[0]):
        at = level[k - 1]
        prev = level[k - 2]
        t0 = term[k - 2]
        for i in range(level[k] - at):
            e = entry[t0 + i * k]
            s = prev + sub[t0 + i * k]
            for w in range(wc):
                S[at + i, w] = S[e, w] * S[s, w]
            for t in range(1, k):
                e = entry[t0 + i * k + t]
                s = prev + sub[t0 + i * k + t]
                if t % 2 == 0:
                    for w in range(wc):
                        S[at + i, w] += S[e, w] * S[s, w]
                else:
                    for w in range(wc):
                        S[at + i, w] -= S[e, w] * S[s, w]


@njit(**_OPTIONS)
def _feasible_bases(
    S: FloatArray,
    level: IntArray,
    base: IntArray,
    det: IntArray,
    num: IntArray,
    nnum: IntArray,
    slack: IntArray,
    slack_sign: FloatArray,
    nslack: IntArray,
    k: int,
    wc: int,
    tol: float,
    threshold: float,
    inv: FloatArray,
    low: FloatArray,
    feasible: BoolArray,
    extra: BoolArray,
) -> None:
    """Fill ``feasible`` and ``extra`` (P, block) for the bases of support size ``k``.

    The values of :func:`~tradegame.solvers.mixed_nash_2p_batch._basis_solutions_numpy`
    from the minors in ``S``. The loops over draws are branch-free so that they
    vectorise; the slacks of a basis are read only when some draw's coordinates are
    all feasible.
    """
    at = level[k - 1]
    nxt = level[min(k, level.shape[0] - 2)]
    P = base[k] - base[k - 1]
    n_slack = (nslack[k] - nslack[k - 1]) // P
    for p in range(P):
        det_row = at + det[base[k - 1] + p]
        # Branch-free loops over the block's draws, so that they vectorise.
        # The first coordinate starts the minimum (min(inf, v) is v).
        row = at + num[nnum[k - 1] + p * k]
        scale = 1.0 if (k - 1) % 2 == 0 else -1.0
        for w in range(wc):
            dv = S[det_row, w]
            q = 1.0 / dv
            iv = q if abs(dv) > threshold else 0.0
            inv[p, w] = iv
            low[w] = S[row, w] * (scale * iv)
        for t in range(1, k):
            row = at + num[nnum[k - 1] + p * k + t]
            scale = 1.0 if (k - 1 - t) % 2 == 0 else -1.0
            for w in range(wc):
                v = S[row, w] * (scale * inv[p, w])
                low[w] = v if v < low[w] else low[w]
        candidates = False
        for w in range(wc):
            candidates |= low[w] >= -tol
        if candidates:
            for j in range(n_slack):
                row = nxt + slack[nslack[k - 1] + p * n_slack + j]
                scale = slack_sign[nslack[k - 1] + p * n_slack + j]
                for w in range(wc):
                    v = S[row, w] * (scale * inv[p, w])
                    low[w] = v if v < low[w] else low[w]
        for w in range(wc):
            f = (abs(S[det_row, w]) > threshold) & (low[w] >= -tol)
            feasible[p, w] = f
            extra[p, w] = f & (low[w] <= tol)


@njit(**_OPTIONS)
def _block_points(
    Sx: FloatArray,
    x_inv: FloatArray,
    x_row: IntArray,
    fx: BoolArray,
    Sy: FloatArray,
    y_inv: FloatArray,
    y_row: IntArray,
    fy: BoolArray,
    point: IntArray,
    sign: FloatArray,
    rows: IntArray,
    cols: IntArray,
    deg: BoolArray,
    n_both: IntArray,
    only: IntArray,
    g0: int,
    wc: int,
    finish: bool,
    degenerate: BoolArray,
    draw: IntArray,
    x: FloatArray,
    y: FloatArray,
    E: int,
    keys: FloatArray,
    rank: IntArray,
) -> int:
    """Write the equilibria of a block's nondegenerate draws from row ``E``; return the next row.

    Each draw's rows are its bases feasible in both polytopes, in (support size, basis)
    order, then (with ``finish``) normalised and sorted. Basis ``i``'s coordinates are
    entries ``point[i] .. point[i + 1]`` of ``x_row`` and ``y_row`` (their minors' rows
    in ``Sx`` and ``Sy``), ``sign``, ``rows`` and ``cols`` (their places in ``x`` and
    ``y``). ``fx`` is overwritten with the bases feasible in both. ``x``, ``y`` and
    ``draw`` have room for every basis of every draw of the block.
    """
    m = x.shape[1]
    n = y.shape[1]
    n_bases = point.shape[0] - 1
    # How many bases of each draw are feasible in both polytopes, and which one when
    # there is only one (most draws): branch-free passes, so that they vectorise.
    for w in range(wc):
        n_both[w] = 0
        only[w] = 0
    for i in range(n_bases):
        for w in range(wc):
            both = fx[i, w] & fy[i, w]
            fx[i, w] = both
            n_both[w] += both
            only[w] += i * both
    for w in range(wc):
        if deg[w]:
            degenerate[g0 + w] = True
            continue
        first = E
        i = only[w] if n_both[w] == 1 else 0
        for _ in range(n_both[w]):
            if n_both[w] > 1:
                while not fx[i, w]:
                    i += 1
            draw[E] = g0 + w
            for j in range(m):
                x[E, j] = 0.0
            for j in range(n):
                y[E, j] = 0.0
            # z_t = numerator_t * (sign_t * (1 / det)), as _basis_solutions_numpy has it.
            inv_x = x_inv[i, w]
            inv_y = y_inv[i, w]
            for j in range(point[i], point[i + 1]):
                x[E, rows[j]] = Sx[x_row[j], w] * (sign[j] * inv_x)
                y[E, cols[j]] = Sy[y_row[j], w] * (sign[j] * inv_y)
            if finish:
                # x /= x.sum(): NumPy sums fewer than 8 entries left to right from 0.0, and
                # the zeros off the support (ascending, like the rows) change neither the
                # sum nor their quotient, so only the support is summed and divided.
                total_x = 0.0
                total_y = 0.0
                for j in range(point[i], point[i + 1]):
                    total_x += x[E, rows[j]]
                    total_y += y[E, cols[j]]
                for j in range(point[i], point[i + 1]):
                    x[E, rows[j]] = x[E, rows[j]] / total_x
                    y[E, cols[j]] = y[E, cols[j]] / total_y
            E += 1
            i += 1
        if not finish:
            continue
        if E - first < 2:
            continue
        # Stable insertion sort of the draw's rows, as order_by_draw_then_rows orders them.
        # The keys are the coordinates times 1e9, rounded: np.round(v, 9) divides these
        # by 1e9, which keeps their order (distinct integers of magnitude at most about
        # 1e9 stay distinct and in order), so the comparisons are the same. Written out
        # here: a call per draw would cost reference counting on every array passed.
        count = E - first
        for e in range(count):
            for i in range(m):
                keys[e, i] = np.rint(x[first + e, i] * 1e9)
            for j in range(n):
                keys[e, m + j] = np.rint(y[first + e, j] * 1e9)
            rank[e] = e
        moved = False
        for e in range(1, count):
            cur = rank[e]
            j = e - 1
            while j >= 0:
                prev = rank[j]
                if not _row_after(keys, prev, cur, m + n):
                    break
                rank[j + 1] = prev
                j -= 1
                moved = True
            rank[j + 1] = cur
        if not moved:
            continue
        for e in range(count):
            for i in range(m):
                keys[e, i] = x[first + rank[e], i]
            for j in range(n):
                keys[e, m + j] = y[first + rank[e], j]
        for e in range(count):
            for i in range(m):
                x[first + e, i] = keys[e, i]
            for j in range(n):
                y[first + e, j] = keys[e, m + j]
    return E


@njit(**_OPTIONS)
def extreme_equilibria(
    A: FloatArray,
    B: FloatArray,
    x_tables: tuple[Any, ...],
    y_tables: tuple[Any, ...],
    rows: IntArray,
    cols: IntArray,
    thresholds: FloatArray,
    tol: float,
    block: int,
    finish: bool,
) -> tuple[IntArray, FloatArray, FloatArray, BoolArray]:
    """Equilibria of every nondegenerate game of a (D, m, n) stack, from raw payoffs.

    Per block of ``block`` draws: both players' payoffs scaled into [1, 2]
    (:func:`normalize_many`), the minors of *P*'s ``[B^T | 1]`` (``x_tables``) and
    *Q*'s ``[A | 1]`` (``y_tables``) level by level, then for each support size the
    bases feasible in both polytopes (``rows`` and ``cols`` hold each basis's
    supports, flat, at the offsets of ``num``): the values of
    :func:`~tradegame.solvers.mixed_nash_2p_batch._nondegenerate_numpy`.

    Returns ``draw`` (E,), ``x`` (E, m), ``y`` (E, n) and ``degenerate`` (D,); rows of
    degenerate draws are left out. With ``finish`` (m and n at most 7, where NumPy sums a
    row left to right), the rows are divided by their sums and ordered by draw, then by
    the profile rounded to 9 decimals, ties kept in (support size, basis) order: the
    rows, values and order of ``x /= x.sum(axis=1, keepdims=True)`` and
    :func:`order_by_draw_then_rows`. Without it they are the unnormalised points, by
    draw and then in (support size, basis) order.
    """
    D, m, n = A.shape
    x_level, x_term, x_entry, x_sub, x_base, x_det, x_num, x_nnum, x_slack, x_sign, x_nsl = x_tables
    y_level, y_term, y_entry, y_sub, y_base, y_det, y_num, y_nnum, y_slack, y_sign, y_nsl = y_tables
    K = min(m, n)
    n_bases = x_base[K]
    # Per basis, its coordinates' entries in the num tables (consecutive), their minors'
    # rows in the scratch space and their signs: the indices the points need.
    point = np.empty(n_bases + 1, np.intp)
    x_row = np.empty(x_nnum[K], np.intp)
    y_row = np.empty(y_nnum[K], np.intp)
    sign = np.empty(x_nnum[K])
    for k in range(1, K + 1):
        for p in range(x_base[k] - x_base[k - 1]):
            at = x_nnum[k - 1] + p * k
            point[x_base[k - 1] + p] = at
            for t in range(k):
                x_row[at + t] = x_level[k - 1] + x_num[at + t]
                y_row[at + t] = y_level[k - 1] + y_num[at + t]
                sign[at + t] = 1.0 if (k - 1 - t) % 2 == 0 else -1.0
    point[n_bases] = x_nnum[K]
    Sx = np.empty((x_level[x_level.shape[0] - 1], block))
    Sy = np.empty((y_level[y_level.shape[0] - 1], block))
    span = np.empty(block)
    inv_x = np.empty((n_bases, block))  # 1 / det of every basis, 0 where singular
    inv_y = np.empty((n_bases, block))
    n_both = np.empty(block, np.intp)
    only = np.empty(block, np.intp)
    low = np.empty(block)
    # Feasible (f) and extra-label (e) masks of every basis of P (x) and Q (y).
    fx = np.empty((n_bases, block), np.bool_)
    ex = np.empty((n_bases, block), np.bool_)
    fy = np.empty((n_bases, block), np.bool_)
    ey = np.empty((n_bases, block), np.bool_)
    deg = np.empty(block, np.bool_)
    degenerate = np.zeros(D, np.bool_)
    cap = 2 * D + block * n_bases
    draw = np.empty(cap, np.intp)
    x = np.empty((cap, m))
    y = np.empty((cap, n))
    keys = np.empty((n_bases, m + n))
    rank = np.empty(n_bases, np.intp)
    E = 0
    for g0 in range(0, D, block):
        wc = min(block, D - g0)
        _load_block(B, g0, wc, True, low, span, Sx)
        _load_block(A, g0, wc, False, low, span, Sy)
        _minors_block(Sx, x_level, x_term, x_entry, x_sub, wc)
        _minors_block(Sy, y_level, y_term, y_entry, y_sub, wc)
        for k in range(1, K + 1):
            at = x_base[k - 1]
            threshold = thresholds[k - 1]
            _feasible_bases(
                Sx, x_level, x_base, x_det, x_num, x_nnum, x_slack, x_sign, x_nsl,
                k, wc, tol, threshold, inv_x[at:], low, fx[at:], ex[at:],
            )  # fmt: skip
            _feasible_bases(
                Sy, y_level, y_base, y_det, y_num, y_nnum, y_slack, y_sign, y_nsl,
                k, wc, tol, threshold, inv_y[at:], low, fy[at:], ey[at:],
            )  # fmt: skip
        for w in range(wc):
            deg[w] = False
        for i in range(n_bases):
            for w in range(wc):
                deg[w] |= ex[i, w] | ey[i, w]
        if E + wc * n_bases > cap:
            cap = max(2 * cap, E + wc * n_bases)
            draw2 = np.empty(cap, np.intp)
            x2 = np.empty((cap, m))
            y2 = np.empty((cap, n))
            draw2[:E] = draw[:E]
            x2[:E] = x[:E]
            y2[:E] = y[:E]
            draw, x, y = draw2, x2, y2
        E = _block_points(
            Sx, inv_x, x_row, fx, Sy, inv_y, y_row, fy, point, sign, rows, cols,
            deg, n_both, only, g0, wc, finish, degenerate, draw, x, y, E, keys, rank,
        )  # fmt: skip
    return draw[:E], x[:E], y[:E], degenerate


@njit(**_OPTIONS)
def pad_by_draw(
    draw: IntArray,
    x: FloatArray,
    y: FloatArray,
    count: IntArray,
    xp: FloatArray,
    yp: FloatArray,
    valid: BoolArray,
) -> None:
    """Rows ``x`` (E, m) and ``y`` (E, n), sorted by ``draw``, padded per draw with NaN.

    Fills ``xp`` (D, K, m), ``yp`` (D, K, n) and ``valid`` (D, K), ``count`` (D,) being
    the rows of each draw: the arrays the scatter ``xp[draw, slot] = x`` into NaN-filled
    ones gives. Flat indices and scalar loops: a row assignment per slot costs more
    than its copy.
    """
    D, K, m = xp.shape
    n = yp.shape[2]
    # Flat views: each draw's rows, then its padding, are contiguous runs.
    xf = xp.reshape(D * K * m)
    yf = yp.reshape(D * K * n)
    xs = x.reshape(x.shape[0] * m)
    ys = y.reshape(y.shape[0] * n)
    e = 0
    for d in range(D):
        c = count[d]
        at = d * K * m
        for i in range(c * m):
            xf[at + i] = xs[e * m + i]
        for i in range(c * m, K * m):
            xf[at + i] = np.nan
        at = d * K * n
        for j in range(c * n):
            yf[at + j] = ys[e * n + j]
        for j in range(c * n, K * n):
            yf[at + j] = np.nan
        for s in range(K):
            valid[d, s] = s < c
        e += c
