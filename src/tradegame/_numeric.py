"""Small numerical helpers shared by the pipeline stages."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "COMPILED_SETUP_WORK",
    "column_sums",
    "compiled_pays",
    "gather_columns",
    "piece_rows",
    "piecewise_matmul",
    "scale_rows",
    "take_columns",
    "transpose_into",
]

#: Array entries NumPy processes in about the time Numba takes to start in a process
#: and load compiled kernels from their cache (0.2-0.35 s, once).
COMPILED_SETUP_WORK = 1 << 25

#: Entries handed to :func:`compiled_pays` in this process so far.
_work_seen = 0


def compiled_pays(work: int) -> bool:
    """Whether a compiled kernel should do ``work`` more entries (its NumPy twin agrees exactly).

    Renting skis before buying them: NumPy does the work until the process has
    seen :data:`COMPILED_SETUP_WORK` entries, this call's included; from then on
    the kernels, whose start-up (Numba's, and loading each kernel from its cache)
    has then cost at most as much again as the work it saves. A classroom run of
    a few thousand small games never loads a kernel; a long run loads them within
    its first batches. Either way the numbers are the same, bit for bit.

    Examples
    --------
    >>> isinstance(compiled_pays(0), bool)
    True
    """
    global _work_seen
    _work_seen += work
    return _work_seen > COMPILED_SETUP_WORK


#: OpenBLAS runs a matrix product on one thread below about this many multiply-adds;
#: on small products extra threads only add synchronisation (and, on a busy
#: machine, long waits).
_SINGLE_THREAD_WORK = 2**18
#: Pieces never straddle a sampling block (2048 draws): they divide it.
_MAX_PIECE = 2048


def piece_rows(inner: int, columns: int) -> int:
    """Rows per piece for :func:`piecewise_matmul`: a power of two dividing 2048."""
    rows = max(1, _SINGLE_THREAD_WORK // max(1, inner * columns))
    return int(min(_MAX_PIECE, 1 << (rows.bit_length() - 1)))


def piecewise_matmul(
    left: NDArray[np.float64], right: NDArray[np.float64], out: NDArray[np.float64] | None = None
) -> NDArray[np.float64]:
    """``left @ right`` computed in fixed-size row pieces.

    Parameters
    ----------
    left : ndarray, shape (D, K)
    right : ndarray, shape (K, N)
    out : ndarray, shape (D, N), optional

    Returns
    -------
    ndarray, shape (D, N)

    Notes
    -----
    Every piece has exactly :func:`piece_rows` rows (the last is zero-padded)
    and starts at a multiple of that size. A row's result therefore comes from
    a product of the same shape, at the same position, whatever ``D`` is:
    results do not change with the chunk size a caller uses, which the
    byte-for-byte reproducibility of simulations relies on. The pieces are
    small enough for a single-threaded BLAS call.
    """
    n_rows, inner = left.shape
    columns = right.shape[1]
    if out is None:
        out = np.empty((n_rows, columns))
    rows = piece_rows(inner, columns)
    rhs = np.ascontiguousarray(right, dtype=np.float64)
    # Column-major left factor: several times faster in OpenBLAS for these shapes.
    buf = np.zeros((rows, inner), order="F")
    # Non-finite inputs give non-finite outputs, which callers detect and report by
    # name and draw; NumPy's own warning would only add noise on stderr.
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        for start in range(0, n_rows, rows):
            stop = min(start + rows, n_rows)
            buf[: stop - start] = left[start:stop]
            if stop - start < rows:
                buf[stop - start :] = 0.0
            out[start:stop] = (buf @ rhs)[: stop - start]
    return out


def transpose_into(
    source: NDArray[np.float64], out: NDArray[np.float64], *, add: bool = False
) -> None:
    """``out[...] = source.T`` for 2-D float64 arrays, several times faster than NumPy's copy.

    Copies in tiles that stay in cache (a compiled kernel); the values are copied,
    so bit for bit those of ``source.T``. Used where a batch changes layout
    between draws-last solving and draws-first results.

    Parameters
    ----------
    source : ndarray of float64, shape (R, C)
    out : ndarray of float64, shape (C, R)
        Written in place; may be a view whose rows are strided.
    add : bool, default False
        ``out += source.T`` instead (the same additions as NumPy's).

    Examples
    --------
    >>> source = np.arange(6.0).reshape(2, 3)
    >>> out = np.empty((3, 2))
    >>> transpose_into(source, out)
    >>> out.tolist()
    [[0.0, 3.0], [1.0, 4.0], [2.0, 5.0]]
    """
    if source.ndim != 2 or out.shape != source.shape[::-1]:
        raise ValueError(f"cannot transpose {source.shape} into {out.shape}")
    if not compiled_pays(source.size):
        if add:
            out += source.T
        else:
            out[...] = source.T
        return
    from tradegame._numeric_kernel import transpose_into as kernel  # numba: when first used

    kernel(source, out, add)


def gather_columns(
    source: NDArray[np.float64], which: NDArray[np.intp], start: int, out: NDArray[np.float64]
) -> None:
    """``out[:] = source[start:start + S, which].T``: chosen columns, laid out draws last.

    A compiled copy (several times faster than NumPy's fancy indexing and
    transposition, and without their temporaries); the values are copied.

    Parameters
    ----------
    source : ndarray of float64, shape (D, M)
        Draws first.
    which : ndarray of int, shape (P,)
        The column each row of ``out`` copies (each in ``range(M)``).
    start : int
        The first draw copied (``start + S <= D``).
    out : ndarray of float64, shape (P, S)

    Examples
    --------
    >>> source = np.arange(6.0).reshape(3, 2)
    >>> out = np.empty((3, 2))
    >>> gather_columns(source, np.array([1, 0, 1]), 1, out)
    >>> out.tolist()
    [[3.0, 5.0], [2.0, 4.0], [3.0, 5.0]]
    """
    _check_rows(source, which, start, out)
    if not compiled_pays(out.size):
        out[...] = source[start : start + out.shape[1], which].T
        return
    from tradegame._numeric_kernel import gather_columns as kernel  # numba: when first used

    kernel(source, which, start, out)


def take_columns(
    source: NDArray[np.float64],
    which: NDArray[np.intp],
    out: NDArray[np.float64] | None = None,
) -> NDArray[np.float64]:
    """``source[:, which]``, compiled: several times faster than NumPy's fancy indexing.

    Parameters
    ----------
    source : ndarray of float64, shape (D, M)
    which : ndarray of int, shape (P,)
        Each in ``range(M)``.
    out : ndarray of float64, shape (D, P), optional
        Where to write (its rows may be strided).

    Returns
    -------
    ndarray of float64, shape (D, P)
        ``out``, or a new array: the values of ``source[:, which]``.

    Examples
    --------
    >>> take_columns(np.arange(6.0).reshape(2, 3), np.array([2, 2, 0])).tolist()
    [[2.0, 2.0, 0.0], [5.0, 5.0, 3.0]]
    """
    if out is None:
        out = np.empty((source.shape[0], which.shape[0]))
    _check_rows(source, which, 0, out.T)
    if not compiled_pays(out.size):
        out[...] = source[:, which]
        return out
    from tradegame._numeric_kernel import take_columns as kernel  # numba: when first used

    kernel(source, which, out)
    return out


def scale_rows(
    out: NDArray[np.float64], factors: NDArray[np.float64], which: NDArray[np.intp], start: int
) -> None:
    """``out *= factors[start:start + S, which].T`` in place (compiled, no temporaries).

    Parameters
    ----------
    out : ndarray of float64, shape (P, S)
    factors : ndarray of float64, shape (D, M)
    which : ndarray of int, shape (P,)
    start : int

    Examples
    --------
    >>> out = np.ones((2, 2))
    >>> scale_rows(out, np.array([[1.0, 0.5], [1.0, 0.25]]), np.array([1, 0]), 0)
    >>> out.tolist()
    [[0.5, 0.25], [1.0, 1.0]]
    """
    _check_rows(factors, which, start, out)
    if not compiled_pays(out.size):
        out *= factors[start : start + out.shape[1], which].T
        return
    from tradegame._numeric_kernel import scale_rows as kernel  # numba: when first used

    kernel(out, factors, which, start)


def _check_rows(
    source: NDArray[np.float64], which: NDArray[np.intp], start: int, out: NDArray[np.float64]
) -> None:
    """The kernels read unchecked: refuse shapes and indices out of range."""
    if (
        source.ndim != 2
        or out.ndim != 2
        or which.shape != (out.shape[0],)
        or not 0 <= start <= start + out.shape[1] <= source.shape[0]
        or (which.size and not 0 <= int(which.min()) <= int(which.max()) < source.shape[1])
    ):
        raise ValueError(
            f"cannot take columns {which.shape} of {source.shape} "
            f"from draw {start} into {out.shape}"
        )


def column_sums(
    part: NDArray[np.float64], groups: int = 1
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Column sums per replicate and sums of squares, in one pass, bit for bit NumPy's.

    ``(part.reshape(-1, groups, C).sum(axis=0), (part * part).sum(axis=0))``: NumPy
    adds the rows of a C-ordered array of two or more columns one by one, in order,
    and so does the compiled pass (without the squares' temporary). A single column
    is summed pairwise by NumPy: it is left to NumPy.

    Parameters
    ----------
    part : ndarray of float64, shape (R, C)
        ``R`` a positive multiple of ``groups``.
    groups : int, default 1
        Replicates: row ``r`` belongs to replicate ``r % groups``.

    Returns
    -------
    sums : ndarray, shape (groups, C)
    squares : ndarray, shape (C,)

    Examples
    --------
    >>> sums, squares = column_sums(np.array([[1.0, 2.0], [3.0, 4.0]]))
    >>> sums.tolist(), squares.tolist()
    ([[4.0, 6.0]], [10.0, 20.0])
    """
    R, C = part.shape
    if R == 0 or R % groups:
        raise ValueError(f"{R} rows are not a positive multiple of {groups} replicates")
    if C < 2 or not part.flags.c_contiguous or not compiled_pays(part.size):
        return part.reshape(-1, groups, C).sum(axis=0), (part * part).sum(axis=0)
    from tradegame._numeric_kernel import column_sums as kernel  # numba: when first used

    return kernel(part, groups)
