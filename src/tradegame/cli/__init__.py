"""The ``tradegame`` command line: a thin layer over the pipeline.

Exit codes: 0 success; 2 bad input (with ``file:line:column: message`` on
stderr), a bad command-line value (one line, ``error: Invalid value for
'--option': ...``) or an output that cannot be written (``error: PATH: cannot
write: reason``, PATH being ``standard output`` for standard output); 1
internal error; 130 interrupted (Ctrl-C); 141 standard output closed by its
reader (a broken pipe, as in ``tradegame schema | head``; nothing is printed);
143 terminated (SIGTERM). ``--debug`` anywhere on the command line shows the
traceback of an error.

Output paths are checked before any computation (a directory, a missing
parent, a parent that is a file, an empty name), so that a long run does not
fail at its end; the write itself still reports what only writing can find
(a full disk). All files are written by :func:`tradegame.report.files.write_output`.

The commands are in :mod:`tradegame.cli.commands`; this module runs them as a
program (:func:`main`).
"""

from __future__ import annotations

import errno
import signal
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

import typer

from tradegame._output import OutputError
from tradegame._text import printable
from tradegame.cli import (
    analysis,  # noqa: F401  (registers the commands: see there)
    teach,  # noqa: F401  (registers explain)
)
from tradegame.cli.shared import BadInput, app, err, forget_loaded, last_loaded, out
from tradegame.errors import ClusterError, ScenarioError

if TYPE_CHECKING:
    from tradegame.model.build import NonFiniteError
    from tradegame.solvers.logit_qre import QREConvergenceError

__all__ = ["BadInput", "Interrupted", "app", "main", "out"]


def _print_error(message: str) -> None:
    # Messages quote file names and scenario text: no control character reaches the terminal.
    err.print(printable(message), markup=False, highlight=False, soft_wrap=True)


class Interrupted(BaseException):
    """Ctrl-C or SIGTERM; not an Exception, so no library code swallows it."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


def _on_signal(signum: int, frame: Any) -> None:
    raise Interrupted(130 if signum == signal.SIGINT else 143)


def main(argv: list[str] | None = None, early_signals: Sequence[int] = ()) -> int:
    """Entry point of the ``tradegame`` command; returns the exit code.

    Parameters
    ----------
    argv : list of str, optional
        The arguments (default ``sys.argv[1:]``).
    early_signals : sequence of int
        Signals that arrived before this function could handle them (while the
        console script imported it); the first one ends the program as soon as
        the handlers are in place.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    if debug:
        args.remove("--debug")
    previous = {}
    try:
        for sig in (signal.SIGTERM, signal.SIGINT):
            previous[sig] = signal.signal(sig, _on_signal)
    except ValueError:  # not in the main thread (e.g. under a test runner's thread)
        pass
    try:
        if early_signals:
            code = 130 if early_signals[0] == signal.SIGINT else 143
            _print_error("interrupted" if code == 130 else "terminated")
            return code
        code = _dispatch(args, debug)
        if code == 0:
            try:  # what is still buffered fails here, not at exit with a traceback
                sys.stdout.flush()
            except OSError as exc:
                return _output_failed(OutputError("standard output", exc.strerror or "", exc.errno))
        return code
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _output_failed(exc: OutputError) -> int:
    if exc.path == "standard output" and exc.code == errno.EPIPE:
        return 141  # the reader went away (| head): not an error worth a line, as with cat
    _print_error(f"error: {exc}")
    return 2


def _usage_error(exc: typer.TyperException) -> int:
    """One line for a bad command line (Typer's own would print four)."""
    code = int(getattr(exc, "exit_code", 2))
    if type(exc).__name__ == "NoArgsIsHelpError":
        exc.show()  # type: ignore[attr-defined]  # "tradegame" alone: the help, as before
        return code
    message = " ".join(exc.format_message().split())
    # Typer checks enum choices through pydantic, whose prefix says nothing to a user.
    message = message.replace(": Value error, ", ": ")
    ctx = getattr(exc, "ctx", None)
    hint = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
    _print_error(f"error: {message}{hint}")
    return code


#: The top-level flags that are not given are False rather than unset: Typer checks an
#: unset value through pydantic, and importing pydantic would cost 'tradegame run
#: --help' (and every command) a tenth of a second before the command's own help.
_ROOT_FLAGS_OFF = {"help": False, "install_completion": False, "show_completion": False}


def _dispatch(args: list[str], debug: bool) -> int:
    forget_loaded()
    try:
        try:
            # Not standalone: usage errors come here, to be printed on one line.
            code = app(
                args=args,
                prog_name="tradegame",
                standalone_mode=False,
                default_map=_ROOT_FLAGS_OFF,
            )
        except SystemError as exc:
            # A signal's exception raised just as a compiled (Numba) kernel returned
            # comes back as a SystemError caused by it (through one SystemError per
            # C layer it crossed): it is the signal's, still.
            cause: BaseException | None = exc
            while isinstance(cause, SystemError):
                cause = cause.__cause__
            if isinstance(cause, Interrupted | KeyboardInterrupt):
                raise cause from None
            raise
        return code if isinstance(code, int) else 0
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except typer.Abort:
        _print_error("interrupted")
        return 130
    except typer.TyperException as exc:  # usage errors, bad option values
        return _usage_error(exc)
    except OutputError as exc:
        if debug:
            raise
        return _output_failed(exc)
    except Interrupted as exc:
        _print_error("interrupted" if exc.code == 130 else "terminated")
        return exc.code
    except ScenarioError as exc:
        if debug:
            raise
        for issue in exc.issues:
            _print_error(f"error: {issue}")
        return 2
    except (BadInput, ClusterError) as exc:
        if debug:
            raise
        _print_error(f"error: {exc}")
        return 2
    except KeyboardInterrupt:
        _print_error("interrupted")
        return 130
    except MemoryError:
        if debug:
            raise
        _print_error(
            "error: the machine ran out of memory for this run; lower the limit "
            "(--max-memory, in GiB) or the chunk size (--chunk-size)"
        )
        return 1
    except Exception as exc:
        if debug:
            raise
        code = _pipeline_error(exc, args)
        if code is not None:
            return code
        _print_error(
            f"internal error: {type(exc).__name__}: {exc} "
            "(rerun with --debug for the traceback, and please report it)"
        )
        return 1


def _raised(exc: Exception, module: str, name: str) -> bool:
    """Whether ``exc`` is a ``module.name``, without importing ``module``.

    A module that is not imported cannot have raised its exception, and importing
    it to find out would bring back the start-up time that importing the pipeline
    inside each command saves.
    """
    found = sys.modules.get(module)
    return found is not None and isinstance(exc, getattr(found, name))


def _pipeline_error(exc: Exception, args: list[str]) -> int | None:
    """The exit code of an error of the pipeline that the user can fix (after printing
    it on one line), or None for an internal error."""
    if _raised(exc, "tradegame.model.build", "NonFiniteError"):
        return _non_finite(cast("NonFiniteError", exc))
    if _raised(exc, "tradegame.montecarlo.checkpoint", "CheckpointError") or _raised(
        exc, "tradegame.model.normal_form", "TooManyStrategies"
    ):  # a bad checkpoint file; a normal form asked of a game too large for one
        _print_error(f"error: {exc}")
        return 2
    if _raised(exc, "tradegame.solvers.logit_qre", "QREConvergenceError"):
        return _qre_failure(cast("QREConvergenceError", exc), args)
    return None


def _non_finite(exc: NonFiniteError) -> int:
    sc = last_loaded()
    where = "" if sc is None else f"{sc.locate(exc.path)}: "
    _print_error(
        f"error: {where}{exc.what} is {exc.value} in draw {exc.draw}; "
        "check its parameters' ranges (log of a negative, division by zero, overflow)"
    )
    return 2


def _qre_failure(exc: QREConvergenceError, args: list[str]) -> int:
    # Point at what set the precision: the option, else the file's key, else the file.
    opt = next((a for a in args if a == "--qre-lambda" or a.startswith("--qre-lambda=")), None)
    sc = last_loaded()
    if opt is not None:
        where = "--qre-lambda: "
    elif sc is not None:
        where = f"{sc.locate(('analysis', 'qre_lambda'))}: "
    else:
        where = ""
    lam = "" if exc.lam is None else f" at lambda = {exc.lam:g}"
    # The solver's draw numbers count within one chunk, so they are left out here.
    reason = str(exc).split(" (draw")[0]
    _print_error(
        f"error: {where}the logit QRE{lam} could not be computed in {len(exc.draws) or 'some'} "
        f"draw(s) ({reason}); a smaller qre_lambda may work"
    )
    return 2
