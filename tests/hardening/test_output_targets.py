"""Output targets: special files are written through, write errors are one line.

Every command that writes a file goes through one writer
(:func:`tradegame.report.files.write_output`). The properties tested here, each
over generated members of its class (``output_strategies.py``):

* a target that is not a regular file — a character device, a FIFO, a chain of
  symbolic links to one, ``/dev/stdout`` — stays what it was and receives the
  bytes (or, for a device that refuses them, the run ends in one line, exit 2);
* a symbolic link to a regular file stays a link; the file it points to is
  replaced;
* a path that cannot be written (empty, ``.``, a directory, a parent that is a
  file or missing, a name over the limit), a full, inode-less or read-only file
  system, or a full standard output ends in exactly one line
  ``error: PATH: cannot write: REASON`` and exit code 2 — never an internal
  error — with the old file untouched and no temporary file left;
* legal names up to the 255-byte limit are written (the temporary name is
  shortened).

Tests that need root (``mknod``, ``mount``) are skipped with a message without it.
"""

from __future__ import annotations

import errno
import os
import stat
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from output_strategies import (
    BAD_KINDS,
    DEVICES,
    RUN,
    SCENARIO,
    WRITERS,
    SpecialTarget,
    bad_output_paths,
    long_names,
    make_bad,
    make_special,
    special_targets,
    writer_args,
    writers,
)

import tradegame

#: Subprocesses run the tradegame the tests import (PYTHONPATH may point at another tree).
SRC = str(Path(tradegame.__file__).resolve().parents[1])
ROOT = os.geteuid() == 0

#: Writers whose output is the same bytes every time (plots carry dates or versions).
_STABLE = ("run --json", "run --csv", "export -o", "solve --json", "schema -o")


def _settings(examples: int) -> settings:
    return settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


@contextmanager
def _inside(directory: Path) -> Iterator[None]:
    old = os.getcwd()
    os.chdir(directory)
    try:
        yield
    finally:
        os.chdir(old)


def _listing(directory: Path) -> set[str]:
    return {p.name for p in directory.iterdir()}


def _one_error_line(stderr: str, path: str) -> str:
    """Assert ``stderr`` is one line ``error: PATH: cannot write: ...``; return the reason."""
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    shown = path if path else "''"
    prefix = f"error: {shown}: cannot write: "
    assert lines[0].startswith(prefix), (lines[0], prefix)
    assert "Traceback" not in stderr and "internal error" not in stderr
    return lines[0][len(prefix) :]


_EXPECTED: dict[str, bytes] = {}


def _expected_bytes(cli, writer: str) -> bytes:
    """What ``writer`` writes to a regular file (computed once per writer)."""
    if writer not in _EXPECTED:
        with tempfile.TemporaryDirectory() as d:
            out = Path(d) / f"out{WRITERS[writer][1]}"
            result = cli(*writer_args(writer, str(out)))
            assert result.code == 0, result.stderr
            _EXPECTED[writer] = out.read_bytes()
    return _EXPECTED[writer]


# --- the generators ------------------------------------------------------------------


@_settings(30)
@given(target=special_targets())
def test_special_target_generator_makes_special_nodes(target: SpecialTarget) -> None:
    if not ROOT and target.kind != "fifo":
        pytest.skip("making a character device needs root (mknod)")
    with tempfile.TemporaryDirectory() as d:
        path, node = make_special(target, Path(d))
        chain = 0
        p = path
        while p.is_symlink():
            chain += 1
            p = Path(d) / os.readlink(p)
        assert chain == target.links and p == node
        st_ = os.stat(path)
        assert not stat.S_ISREG(st_.st_mode)
        if target.kind == "fifo":
            assert stat.S_ISFIFO(st_.st_mode)
        else:
            assert stat.S_ISCHR(st_.st_mode)
            assert (os.major(st_.st_rdev), os.minor(st_.st_rdev)) == DEVICES[target.kind]


@_settings(40)
@given(bad=bad_output_paths())
def test_bad_path_generator_makes_unwritable_paths(bad: tuple[str, int]) -> None:
    with tempfile.TemporaryDirectory() as d, _inside(Path(d)):
        path = make_bad(bad, Path(d))
        with pytest.raises(OSError):
            open(path, "wb").close()  # the open itself is what must fail


@_settings(30)
@given(data=st.data())
def test_long_name_generator_makes_legal_names_near_the_limit(data: st.DataObject) -> None:
    suffix = data.draw(st.sampled_from([".json", ".png", ".csv"]))
    name = data.draw(long_names(suffix))
    assert 242 <= len(name.encode()) <= 255 and name.endswith(suffix)
    with tempfile.TemporaryDirectory() as d:
        (Path(d) / name).write_bytes(b"x")  # legal: the file system takes it


# --- special files as output -------------------------------------------------------


class _FifoReader:
    """Reads a FIFO to its end in a thread, as a program at the other end of a pipe would."""

    def __init__(self, fifo: Path) -> None:
        self.fifo = fifo
        self.data = b""
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        with open(self.fifo, "rb") as fh:
            self.data = fh.read()

    def finish(self) -> bytes:
        if self.thread.is_alive():
            self.thread.join(5)
        if self.thread.is_alive():  # nobody opened the FIFO for writing: let the reader see its end
            try:
                os.close(os.open(self.fifo, os.O_WRONLY | os.O_NONBLOCK))
            except OSError:
                pass
            self.thread.join(5)
        return self.data


@_settings(25)
@given(writer=writers(), target=special_targets())
def test_special_files_are_written_through_and_stay_what_they_were(
    cli, writer: str, target: SpecialTarget
) -> None:
    if not ROOT and target.kind != "fifo":
        pytest.skip("making a character device needs root (mknod)")
    with tempfile.TemporaryDirectory() as d:
        directory = Path(d)
        path, node = make_special(target, directory)
        before = {p.name: os.lstat(p) for p in directory.iterdir()}
        reader = _FifoReader(node) if target.kind == "fifo" else None
        result = cli(*writer_args(writer, str(path)))
        data = reader.finish() if reader is not None else b""
        if target.accepts:
            assert result.code == 0, result.stderr
        else:
            assert result.code == 2
            assert _one_error_line(result.stderr, str(path)) == "No space left on device"
        # Every node is what it was: same inode, same type, links still links.
        after = {p.name: os.lstat(p) for p in directory.iterdir()}
        assert set(after) == set(before), "a temporary file was left or a node removed"
        for name, old in before.items():
            new = after[name]
            assert (new.st_ino, new.st_mode, new.st_rdev) == (old.st_ino, old.st_mode, old.st_rdev)
        if reader is not None:
            if writer in _STABLE:
                assert data == _expected_bytes(cli, writer)
            else:
                assert data[:5] in (b"\x89PNG\r", b"<?xml")


def _lstat_key(path: str) -> tuple[int, int, int]:
    s = os.lstat(path)
    return (s.st_ino, s.st_mode, s.st_rdev)


@contextmanager
def _guard_dev() -> Iterator[None]:
    """Fail, and repair, if /dev/null or /dev/stdout stop being what they are."""
    null, stdout = _lstat_key("/dev/null"), os.lstat("/dev/stdout")
    try:
        yield
    finally:
        damaged = []
        if _lstat_key("/dev/null")[1:] != null[1:]:
            damaged.append("/dev/null")
            os.unlink("/dev/null")
            os.mknod("/dev/null", 0o666 | stat.S_IFCHR, os.makedev(1, 3))
            os.chmod("/dev/null", 0o666)
        if stat.S_ISLNK(stdout.st_mode) and not os.path.islink("/dev/stdout"):
            damaged.append("/dev/stdout")
            os.unlink("/dev/stdout")
            os.symlink("/proc/self/fd/1", "/dev/stdout")
        assert not damaged, f"{damaged} replaced by a regular file (repaired)"


def _tradegame(*args: str, **kwargs) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=SRC)
    kwargs.setdefault("timeout", 120)
    return subprocess.run([sys.executable, "-m", "tradegame", *args], env=env, **kwargs)


def _check_stdout_and_null(tmp_path: Path, stdout: str, null: str) -> None:
    """Write to ``stdout`` (an alias of standard output) and ``null`` (a null device)."""
    reference = tmp_path / "ref"
    reference.mkdir()
    r = _tradegame(*RUN, "--json", "r.json", "--csv", "r.csv", cwd=reference)
    assert r.returncode == 0
    expected = (reference / "r.json").read_bytes() + (reference / "r.csv").read_bytes()
    both = [*RUN, "--json", stdout, "--csv", stdout]
    # standard output a pipe: the alias -> /proc/self/fd/1 -> pipe
    r = _tradegame(*both, capture_output=True, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout == expected
    # standard output a regular file: written there, after what was in it
    target = tmp_path / "stdout.txt"
    target.write_bytes(b"first line\n")
    inode = target.stat().st_ino
    with open(target, "ab") as fh:
        r = _tradegame(*both, stdout=fh, cwd=tmp_path)
    assert r.returncode == 0
    assert target.stat().st_ino == inode
    assert target.read_bytes() == b"first line\n" + expected
    for args in (
        [*RUN, "--json", null, "--csv", null],
        ["export", SCENARIO, "-o", null],
    ):
        r = _tradegame(*args, capture_output=True, cwd=tmp_path)
        assert r.returncode == 0, r.stderr
        assert r.stderr == b""


@pytest.mark.slow
def test_stdout_aliases_and_null_devices_of_our_own(tmp_path: Path) -> None:
    """As below, on a symlink to /proc/self/fd/1 and a null device made for the test."""
    if not ROOT:
        pytest.skip("making a character device needs root (mknod)")
    own = tmp_path / "dev"
    own.mkdir()
    (own / "stdout").symlink_to("/proc/self/fd/1")
    os.mknod(own / "null", 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    before = {p.name: _lstat_key(str(p)) for p in own.iterdir()}
    _check_stdout_and_null(tmp_path, str(own / "stdout"), str(own / "null"))
    assert {p.name: _lstat_key(str(p)) for p in own.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dev", "ref", "stdout.txt"]


@pytest.mark.skipif(not os.path.islink("/dev/stdout"), reason="needs /dev/stdout as a symlink")
def test_dev_stdout_and_dev_null_from_a_subprocess(tmp_path: Path) -> None:
    """``--json /dev/stdout``, ``--csv /dev/stdout``, ``-o /dev/null``: nodes kept, bytes pass."""
    with _guard_dev():
        _check_stdout_and_null(tmp_path, "/dev/stdout", "/dev/null")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ref", "stdout.txt"]


@_settings(20)
@given(writer=writers(), links=st.integers(1, 3))
def test_a_link_to_a_regular_file_stays_a_link(cli, writer: str, links: int) -> None:
    with tempfile.TemporaryDirectory() as d:
        directory = Path(d)
        real = directory / f"real{WRITERS[writer][1]}"
        real.write_bytes(b"old")
        path = real
        for i in range(links):
            link = directory / f"link{i}{WRITERS[writer][1]}"
            link.symlink_to(path.name)
            path = link
        result = cli(*writer_args(writer, str(path)))
        assert result.code == 0, result.stderr
        assert all((directory / f"link{i}{WRITERS[writer][1]}").is_symlink() for i in range(links))
        assert real.read_bytes() != b"old" and real.stat().st_size > 0
        assert len(list(directory.iterdir())) == links + 1  # no temporary file left


# --- paths that cannot be written --------------------------------------------------


_CHECKPOINT = "run --checkpoint"


def _bad_args(writer: str, path: str) -> list[str]:
    if writer == _CHECKPOINT:
        return [*RUN, "--checkpoint", path]
    return writer_args(writer, path)


@_settings(60)
@given(writer=writers() | st.just(_CHECKPOINT), bad=bad_output_paths())
def test_unwritable_paths_end_in_one_line(cli, writer: str, bad: tuple[str, int]) -> None:
    with tempfile.TemporaryDirectory() as d, _inside(Path(d)):
        path = make_bad(bad, Path(d))
        before = {p: p.read_bytes() if p.is_file() else None for p in Path(d).rglob("*")}
        result = cli(*_bad_args(writer, path))
        assert result.code == 2, result.stderr
        _one_error_line(result.stderr, path)
        after = {p: p.read_bytes() if p.is_file() else None for p in Path(d).rglob("*")}
        assert after == before  # nothing written, nothing left, nothing changed


def test_bad_kinds_are_all_generated() -> None:
    # The generator covers each kind the issue lists.
    assert {"empty", "dot", "directory", "parent_is_file", "name_too_long"} <= set(BAD_KINDS)


@pytest.mark.parametrize("kind", ["directory", "parent_is_file", "empty"])
def test_an_unwritable_path_is_refused_before_the_run(tmp_path: Path, kind: str) -> None:
    """A billion draws are not computed only to find out that the output is a directory."""
    path = make_bad((kind, 300), tmp_path)
    try:
        r = _tradegame(
            "run", "madrid_2025", "-n", "1000000000", "-q", "--json", path,
            capture_output=True, text=True, cwd=tmp_path, timeout=60,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        pytest.fail("the output path was not checked before the run")
    assert r.returncode == 2
    _one_error_line(r.stderr, path)


@_settings(20)
@given(writer=writers(exclude=("tree -o",)), data=st.data())
def test_names_up_to_the_limit_are_written(cli, writer: str, data: st.DataObject) -> None:
    name = data.draw(long_names(WRITERS[writer][1]))
    with tempfile.TemporaryDirectory() as d:
        target = Path(d) / name
        result = cli(*writer_args(writer, str(target)))
        assert result.code == 0, result.stderr
        assert target.stat().st_size > 0
        assert [p.name for p in Path(d).iterdir()] == [name]


# --- full, inode-less and read-only file systems ---------------------------------------


def _mount_tmpfs(where: Path, options: str) -> None:
    if not ROOT:
        pytest.skip("mounting a small file system needs root")
    where.mkdir()
    r = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(where)],
        capture_output=True,
        text=True,
    )
    if r.returncode != 0:
        pytest.skip(f"mount is not permitted here: {r.stderr.strip()}")


def _unmount(where: Path) -> None:
    if subprocess.run(["umount", str(where)], capture_output=True).returncode != 0:
        subprocess.run(["umount", "-l", str(where)], capture_output=True)


def _fill_space(directory: Path) -> None:
    with open(directory / "filler", "wb", buffering=0) as fh:
        try:
            while True:
                fh.write(b"\0" * 4096)
        except OSError as exc:
            assert exc.errno == errno.ENOSPC


def _fill_inodes(directory: Path) -> None:
    for i in range(10_000):
        try:
            (directory / f"i{i}").touch()
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
            return
    raise AssertionError("the file system does not run out of inodes")


#: condition -> (mount options, what is done after the old outputs are in place, reason).
_CONDITIONS = {
    "full": ("size=256k,nr_inodes=1000", "space", "No space left on device"),
    "no_inodes": ("size=4m,nr_inodes=24", "inodes", "No space left on device"),
    "read_only": ("size=1m,nr_inodes=1000", "remount", "Read-only file system"),
}


@pytest.fixture(params=sorted(_CONDITIONS))
def small_fs(request, tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A tmpfs that is full, out of inodes or read-only, holding one old file per suffix."""
    options, spoil, reason = _CONDITIONS[request.param]
    where = tmp_path / "mnt"
    _mount_tmpfs(where, options)
    try:
        for suffix in {s for _, s in WRITERS.values()}:
            (where / f"old{suffix}").write_bytes(b"old content\n")
        if spoil == "space":
            _fill_space(where)
        elif spoil == "inodes":
            _fill_inodes(where)
        else:
            subprocess.run(["mount", "-o", "remount,ro", str(where)], check=True)
        yield where, reason
    finally:
        _unmount(where)


@_settings(12)
@given(writer=writers(), replace=st.booleans())
def test_full_inode_less_and_read_only_file_systems_end_in_one_line(
    cli, small_fs: tuple[Path, str], writer: str, replace: bool
) -> None:
    where, reason = small_fs
    suffix = WRITERS[writer][1]
    target = where / (f"old{suffix}" if replace else f"new{suffix}")
    before = {p.name: p.stat().st_size for p in where.iterdir()}
    result = cli(*writer_args(writer, str(target)))
    assert result.code == 2, result.stderr
    assert _one_error_line(result.stderr, str(target)) == reason
    assert {p.name: p.stat().st_size for p in where.iterdir()} == before
    if replace:
        assert target.read_bytes() == b"old content\n"


# --- standard output ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["schema"],
        [*RUN, "--json", "-"],
        ["run", SCENARIO, "-n", "2048"],  # the table
        ["export", SCENARIO],
        ["list"],
    ],
    ids=["schema", "json", "table", "export", "list"],
)
def test_a_full_standard_output_ends_in_one_line(args: list[str]) -> None:
    with open("/dev/full", "wb") as full:
        r = _tradegame(*args, stdout=full, stderr=subprocess.PIPE, text=True)
    assert r.returncode == 2, r.stderr
    assert r.stderr == "error: standard output: cannot write: No space left on device\n"


def test_a_closed_standard_output_ends_quietly_with_141() -> None:
    """``tradegame schema | head -1`` style: the reader went away; no traceback, no line."""
    env = dict(os.environ, PYTHONPATH=SRC)
    p = subprocess.Popen(
        [sys.executable, "-m", "tradegame", "schema"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert p.stdout is not None and p.stderr is not None
    p.stdout.close()  # before the program writes: its write gets EPIPE
    err = p.stderr.read()
    assert p.wait(120) == 141
    assert err == b""
