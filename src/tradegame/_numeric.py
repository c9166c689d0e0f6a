"""Small numerical helpers shared by the pipeline stages."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["piece_rows", "piecewise_matmul", "transpose_into"]

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
    from tradegame._numeric_kernel import transpose_into as kernel  # numba: when first used

    if source.ndim != 2 or out.shape != source.shape[::-1]:
        raise ValueError(f"cannot transpose {source.shape} into {out.shape}")
    kernel(source, out, add)
