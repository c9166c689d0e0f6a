"""What every hardening test shares: how many cases, how long one may take, and the bound.

``TRADEGAME_FUZZ_EXAMPLES`` raises the examples of every fuzz test (never lowers them);
``TRADEGAME_FUZZ_SECONDS`` is the per-case time bound (default 10 s).
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from hypothesis import HealthCheck, settings

#: Upper bound on one call, in seconds (SIGALRM in-process, timeout in subprocesses).
CASE_SECONDS = float(os.environ.get("TRADEGAME_FUZZ_SECONDS", "10"))
_FLOOR = int(os.environ.get("TRADEGAME_FUZZ_EXAMPLES", "0"))


def fuzz_settings(examples: int, **kwargs: Any) -> settings:
    """Settings of a fuzz test: ``examples`` cases, or more with TRADEGAME_FUZZ_EXAMPLES."""
    return settings(
        max_examples=max(examples, _FLOOR),
        deadline=None,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
            HealthCheck.large_base_example,
        ],
        **kwargs,
    )


class CaseTimeout(BaseException):
    """A call ran longer than its bound (BaseException: the CLI must not catch it)."""


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise :class:`CaseTimeout` in this (main) thread after ``seconds``."""

    def on_alarm(signum: int, frame: Any) -> None:
        raise CaseTimeout(f"took more than {seconds} s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
