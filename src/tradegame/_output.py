"""Writing output files: every file tradegame writes goes through :func:`write_output`.

A bottom layer (it imports nothing of tradegame), so that any layer can write
a file: the Monte Carlo layer its checkpoints, the reports their files.

What happens depends on what the target is when the write starts:

* **missing, or a regular file** — the bytes go to a temporary file beside the
  target, are flushed to disk, and replace the target with :func:`os.replace`.
  A reader, or a run interrupted half-way, never sees a partial file: the
  target keeps its old content or gets the whole new one. The new file keeps
  the permissions (and, where allowed, the owner) of the file it replaces, or
  gets those of a newly created file (0666 less the umask).
* **a symbolic link to a regular file** (or a dangling one) — the file the
  link points to is replaced as above; the link stays a link.
* **not a regular file** (after following links): a character device such as
  ``/dev/null`` or ``/dev/full``, a named pipe, a socket, a terminal,
  ``/dev/stdout`` when standard output is a pipe — the bytes are written
  through, as a shell redirection would: no temporary file, no rename, no
  change of mode. The node stays what it was. Atomicity has no meaning there.
* **the file that is standard output or standard error** (``/dev/stdout``
  when standard output is redirected to a file) — the bytes are written to
  that stream, after what was already printed, as ``--json -`` would.

Every failure to write — a directory, a missing or non-directory parent, a
full, read-only or inode-less file system, no permission, a name too long —
is one :class:`OutputError` naming the path and the reason; the temporary
file is removed and the target is untouched. The temporary file's name is
shortened when needed so that it fits the file system's name limit whatever
the target's name.
"""

from __future__ import annotations

import errno
import io
import os
import stat
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from tradegame.errors import TradegameError

__all__ = [
    "STDOUT",
    "OutputError",
    "StandardOutput",
    "atomic_write",
    "atomic_write_text",
    "check_output_path",
    "write_output",
    "write_stdout",
]

#: How standard output is named in messages.
STDOUT = "standard output"

# mkstemp adds 8 random characters; with the leading dot, the dot before them
# and the ".tmp" suffix a temporary name is 14 bytes longer than its stem.
_TEMP_EXTRA = 1 + 1 + 8 + len(".tmp")


class OutputError(TradegameError):
    """An output file (or standard output) that cannot be written.

    Parameters
    ----------
    path : str
        The path as the user gave it (or :data:`STDOUT`).
    reason : str
        Why, e.g. ``"No space left on device"`` or ``"is a directory"``.
    code : int, optional
        The ``errno`` of the failure, when there is one (``errno.EPIPE`` tells
        a closed pipe apart from a real error).
    """

    def __init__(self, path: str, reason: str, code: int | None = None) -> None:
        super().__init__(path, reason)
        self.path = path
        self.reason = reason
        self.code = code

    def __str__(self) -> str:
        return f"{_display(self.path)}: cannot write: {self.reason}"


def _display(path: str) -> str:
    # An empty name would print as ": cannot write", which reads as a bug.
    return path if path else "''"


def _error(path: str, exc: OSError) -> OutputError:
    reason = exc.strerror or str(exc)
    return OutputError(path, reason, exc.errno)


def check_output_path(path: str | os.PathLike[str]) -> None:
    """Refuse, before any long computation, a path that cannot be written.

    Catches what can be known in advance: an empty name, a directory, a
    parent that does not exist or is not a directory, a name over the file
    system's limit, a directory (or file) without write permission or on a
    read-only file system. A full disk can only be found by writing; that is
    reported by :func:`write_output`.

    Raises
    ------
    OutputError
        Naming the path and the reason.
    """
    name = os.fspath(path)
    st = _stat_target(name)
    if st is not None and not stat.S_ISREG(st.st_mode):
        if not os.access(name, os.W_OK):
            raise OutputError(name, "permission denied")
        return
    directory = os.path.dirname(_resolve_link(name)) or "."
    try:
        dst = os.stat(directory)
    except FileNotFoundError:
        raise OutputError(name, f"directory {directory} does not exist") from None
    except OSError as exc:
        raise _error(name, exc) from None
    if not stat.S_ISDIR(dst.st_mode):
        raise OutputError(name, f"{directory} is not a directory")
    if len(os.fsencode(os.path.basename(name))) > _name_max(directory):
        raise OutputError(name, "File name too long")
    if not os.access(directory, os.W_OK):
        try:
            read_only = bool(os.statvfs(directory).f_flag & os.ST_RDONLY)
        except OSError:
            read_only = False
        # The reason in the words of strerror, as when the write itself fails.
        raise OutputError(
            name, "Read-only file system" if read_only else f"directory {directory} is not writable"
        )


def _stat_target(name: str) -> os.stat_result | None:
    """What the target is (following links), None if it does not exist yet.

    Raises
    ------
    OutputError
        An empty name, a directory, or a path that cannot be looked at (a parent
        that is a file, a name too long, a loop of links, no permission).
    """
    if name == "":
        raise OutputError(name, "empty file name")
    try:
        st = os.stat(name)
    except FileNotFoundError:
        return None
    except OSError as exc:  # ENOTDIR (a parent is a file), ENAMETOOLONG, ELOOP, EACCES
        raise _error(name, exc) from None
    if stat.S_ISDIR(st.st_mode):
        raise OutputError(name, "is a directory")
    return st


def write_output(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path``: atomically if it is (to be) a regular file, else through.

    See the module docstring for what happens to each kind of target.

    Raises
    ------
    OutputError
        When the data cannot be written; nothing partial is left in a regular
        file and no temporary file remains.
    """
    name = os.fspath(path)
    st = _stat_target(name)
    if st is not None and not stat.S_ISREG(st.st_mode):
        _write_through(name, data, truncate=False)
        return
    if st is not None:
        stream = _standard_stream(st)
        if stream is not None:
            _write_stream(name, stream, data)
            return
    target = _resolve_link(name)
    if st is not None and not _same_file(target, st):
        # A descriptor alias (/proc/self/fd/N) of a file that has no name any
        # more: there is nothing to rename onto, so write through it.
        _write_through(name, data, truncate=True)
        return
    _replace(name, target, data, st)


def _resolve_link(name: str) -> str:
    # Replacing a symbolic link would turn it into a file; replace what it points to.
    return os.path.realpath(name) if os.path.islink(name) else name


def _same_file(path: str, st: os.stat_result) -> bool:
    try:
        other = os.stat(path)
    except OSError:
        return False
    return (other.st_dev, other.st_ino) == (st.st_dev, st.st_ino)


def _standard_stream(st: os.stat_result) -> int | None:
    for fd in (1, 2):
        try:
            fst = os.fstat(fd)
        except OSError:
            continue
        if (fst.st_dev, fst.st_ino) == (st.st_dev, st.st_ino):
            return fd
    return None


def _write_stream(name: str, fd: int, data: bytes) -> None:
    # What Python already buffered for this stream goes first, to keep the order.
    stream = sys.stdout if fd == 1 else sys.stderr
    try:
        if stream is not None:
            stream.flush()
        _write_all(fd, data)
    except OSError as exc:
        raise _error(name, exc) from None


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def _write_through(name: str, data: bytes, *, truncate: bool) -> None:
    # No O_CREAT: a node that vanished since it was looked at is an error, not a new file.
    flags = os.O_WRONLY | os.O_CLOEXEC | (os.O_TRUNC if truncate else 0)
    try:
        fd = os.open(name, flags)
    except OSError as exc:  # a socket gives ENXIO, a FIFO on a read-only mount EROFS, ...
        raise _error(name, exc) from None
    try:
        _write_all(fd, data)
    except OSError as exc:
        raise _error(name, exc) from None
    finally:
        os.close(fd)


def _name_max(directory: str) -> int:
    try:
        return int(os.pathconf(directory, "PC_NAME_MAX"))
    except (OSError, ValueError):
        return 255


def _temp_prefix(basename: str, directory: str) -> str:
    # Long names are shortened (by whole characters) so the temporary name fits NAME_MAX.
    budget = _name_max(directory) - _TEMP_EXTRA
    stem = basename
    while stem and len(os.fsencode(stem)) > budget:
        stem = stem[: max(0, min(len(stem) - 1, budget))]
    return f".{stem}."


def _replace(name: str, target: str, data: bytes, old: os.stat_result | None) -> None:
    directory = os.path.dirname(target) or "."
    mode = old.st_mode & 0o7777 if old is not None else 0o666 & ~_umask()
    try:
        fd, tmp = tempfile.mkstemp(
            prefix=_temp_prefix(os.path.basename(target), directory), suffix=".tmp", dir=directory
        )
    except OSError as exc:  # EROFS, EACCES, ENOSPC (no free inodes), ENOTDIR, ENOENT
        raise _error(name, exc) from None
    closed = False
    try:
        os.fchmod(fd, mode)
        if old is not None and (old.st_uid, old.st_gid) != (os.geteuid(), os.getegid()):
            try:
                os.fchown(fd, old.st_uid, old.st_gid)
            except OSError:
                pass  # only root may give a file away; the content is what matters
        _write_all(fd, data)
        try:
            os.fsync(fd)
        except OSError as exc:
            if exc.errno not in (errno.EINVAL, errno.ENOTSUP):  # file systems without fsync
                raise
        os.close(fd)
        closed = True
        os.replace(tmp, target)
    except BaseException as exc:
        if not closed:
            os.close(fd)
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        if isinstance(exc, OSError):
            raise _error(name, exc) from None
        raise


def _umask() -> int:
    # The umask can only be read by setting it; set it straight back.
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_stdout(text: str) -> None:
    """Print ``text`` on standard output and flush it, so that a write error shows here.

    Raises
    ------
    OutputError
        Named :data:`STDOUT`, e.g. when standard output is a full device or a
        closed pipe (``code`` is then ``errno.EPIPE``).
    """
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except OSError as exc:
        raise _error(STDOUT, exc) from None


class StandardOutput:
    """``sys.stdout`` as it is at each call, whose write errors are :class:`OutputError`.

    Given to rich's console as its file, so that a table printed to a full
    device or a closed pipe ends in the same one-line error as any output.
    """

    def write(self, text: str) -> int:
        try:
            return sys.stdout.write(text)
        except OSError as exc:
            raise _error(STDOUT, exc) from None

    def flush(self) -> None:
        try:
            sys.stdout.flush()
        except OSError as exc:
            raise _error(STDOUT, exc) from None

    def __getattr__(self, name: str) -> Any:
        return getattr(sys.stdout, name)


def atomic_write(path: str | Path, write: Callable[[IO[bytes]], object]) -> None:
    """Write what ``write(fileobj)`` writes to ``path`` (see :func:`write_output`).

    The bytes are collected in memory first, so that nothing reaches the
    target unless ``write`` finishes.
    """
    buf = io.BytesIO()
    write(buf)
    write_output(path, buf.getvalue())


def atomic_write_text(path: str | Path, text: str) -> None:
    """Write UTF-8 text (see :func:`write_output`)."""
    write_output(path, text.encode("utf-8"))
