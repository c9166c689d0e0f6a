"""The expression compiler: what it computes, and what it refuses before running anything."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tradegame.scenario.expressions import (
    MAX_EXPRESSION_LENGTH,
    ExpressionError,
    Namespace,
    compile_expression,
)

NS = Namespace(
    numbers=frozenset({"x", "y", "rate"}),
    levers={"tariffs": ("cut", "hold", "raise"), "sale": ("approve", "block")},
)
# Two draws (rows) by three profiles (columns).
ENV = {
    "x": np.array([[1.0], [4.0]]),
    "y": np.array([[2.0], [-1.0]]),
    "rate": np.array([[0.2, 0.3, 0.6]]),
    "tariffs": np.array([[0, 1, 2]]),
    "sale": np.array([[0, 1, 0]]),
}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("x + y * 2", lambda x, y, r, t, s: x + y * 2),
        ("x ** 2 - y / 4 % 3", lambda x, y, r, t, s: x**2 - (y / 4) % 3),
        ("-x * rate", lambda x, y, r, t, s: -x * r),
        ("x * (tariffs == 'raise')", lambda x, y, r, t, s: x * (t == 2)),
        (
            "tariffs in ('cut', 'hold') and sale != 'block'",
            lambda x, y, r, t, s: (t < 2) & (s != 1),
        ),
        ("not (sale == 'approve')", lambda x, y, r, t, s: s == 1),
        ("tariffs not in ['raise']", lambda x, y, r, t, s: t != 2),
        ("x if sale == 'approve' else y", lambda x, y, r, t, s: np.where(s == 0, x, y)),
        ("0 < y < 3", lambda x, y, r, t, s: (y > 0) & (y < 3)),
        (
            "max(x, y, 3) + min(x, y)",
            lambda x, y, r, t, s: np.maximum(np.maximum(x, y), 3) + np.minimum(x, y),
        ),
        (
            "abs(y) + exp(0) + log(x) + sqrt(x)",
            lambda x, y, r, t, s: abs(y) + 1 + np.log(x) + np.sqrt(x),
        ),
        (
            "where(y > 0, x, 0) + clip(y, 0, 1)",
            lambda x, y, r, t, s: np.where(y > 0, x, 0) + np.clip(y, 0, 1),
        ),
        ("2.5", lambda x, y, r, t, s: 2.5),
        ("x * True + (sale == 'block') * 1", lambda x, y, r, t, s: x + (s == 1)),
        # Booleans in arithmetic are 0/1, whether a constant comparison or a per-draw one.
        ("((3.0 / 10) == 8.0) - (y > x)", lambda x, y, r, t, s: 0.0 - (y > x)),
        ("(x > 0) - (sale == 'block') + (1 == 1)", lambda x, y, r, t, s: 1.0 - (s == 1) + 1),
    ],
)
def test_values(text: str, expected) -> None:
    got = compile_expression(text, NS).evaluate(ENV)
    want = expected(ENV["x"], ENV["y"], ENV["rate"], ENV["tariffs"], ENV["sale"])
    np.testing.assert_allclose(np.broadcast_to(got, (2, 3)), np.broadcast_to(want, (2, 3)))


def test_conditions_are_marked_boolean_and_names_recorded() -> None:
    cond = compile_expression("sale == 'approve' or x > 2", NS)
    assert cond.is_boolean
    assert cond.names == {"sale", "x"}
    assert not compile_expression("x * 2", NS).is_boolean


def test_numbers_compile_to_constants() -> None:
    assert compile_expression(3, NS).evaluate({}) == 3.0


# Each of these must be refused at compile time with a message containing the fragment.
ADVERSARIAL = [
    ("__import__('os').system('touch /tmp/pwned')", "only the named functions"),
    ("__import__('os')", "unknown function '__import__'"),
    ("open('/etc/passwd')", "unknown function 'open'"),
    ("eval('1')", "unknown function 'eval'"),
    ("x.__class__", "attribute access"),
    ("x.__class__.__bases__[0].__subclasses__()", "only the named functions"),
    ("().__class__", "not allowed"),
    ("[x for x in y]", "comprehensions"),
    ("(lambda: 1)()", "only the named functions"),
    ("lambda: 1", "lambda"),
    ("{1: 2}", "dictionaries"),
    ("{x}", "sets"),
    ("x[0]", "indexing"),
    ("f'{x}'", "f-strings"),
    ("(y := 3)", "assignment"),
    ("max(*[x])", "arguments"),
    ("max(*[x], y)", "starred"),
    ("min(x, y, key=abs)", "keyword"),
    ("10**10**10", "overflows"),
    ("1 / 0", "divides by zero"),
    ("9" * 400, "too large"),
    ("x" * (MAX_EXPRESSION_LENGTH + 1), "characters long"),
    ("x + " * 30_000 + "x", "characters long"),
    ("(" * 10_000 + "x" + ")" * 10_000, "characters long"),
    ("(" * 100 + "x" + ")" * 100, "nested"),
    ("(" * 2_400 + "x" + ")" * 2_400, "nested"),  # deep, yet within the length limit
    ("-" * 200 + "x", "nested"),
    ("x if y else " * 70 + "x", "nested"),
    ("import os", "syntax"),
    ("x = 1", "syntax"),
    ("x; y", "syntax"),
    ("x +", "syntax"),
    ("", "empty"),
    ("xx + 1", "did you mean 'x'"),
    ("tarifs == 'cut'", "did you mean 'tariffs'"),
    ("tariffs == 'rase'", "did you mean 'raise'"),
    ("tariffs == 'lower'", "not an option of lever 'tariffs'"),
    ("tariffs + 1", "compare it"),
    ("tariffs", "alone is not a value"),
    ("tariffs < 'raise'", "== or !="),
    ("tariffs == x", "option names"),
    ("'hold' + x", "text can only be compared"),
    ("'hold'", "only text"),
    ("x in (1, 2)", "option names after 'in'"),
    ("x in ('cut',)", "'in' tests a lever"),
    ("x is None", "not allowed"),
    ("min", "is a function"),
    ("abs(x, y)", "takes 1 arguments"),
    ("sqrt()", "takes 1 arguments"),
    ("exp(x)(y)", "only the named functions"),
    ("print(x)", "unknown function 'print'"),
    ("getattr(x, 'y')", "unknown function"),
    ("b'bytes'", "not allowed"),
    ("1j", "not allowed"),
    ("...", "not allowed"),
    ("await x", "not allowed"),
    ("x @ y", "not allowed"),
    ("x // y", "not allowed"),
    ("x << 2", "not allowed"),
    ("~x", "not allowed"),
]


@pytest.mark.parametrize(("text", "fragment"), ADVERSARIAL, ids=[a[0][:30] for a in ADVERSARIAL])
def test_adversarial_expressions_are_refused(text: str, fragment: str) -> None:
    with pytest.raises(ExpressionError) as info:
        compile_expression(text, NS)
    assert fragment in info.value.message
    assert "\n" not in info.value.message


def test_refusals_create_no_file_and_run_nothing(tmp_path, monkeypatch) -> None:
    import builtins
    import os
    import subprocess

    monkeypatch.chdir(tmp_path)
    calls: list[str] = []
    for name, module in (("system", os), ("popen", os), ("Popen", subprocess)):
        monkeypatch.setattr(module, name, lambda *a, _n=name, **k: calls.append(_n))
    real_open = builtins.open
    monkeypatch.setattr(
        builtins, "open", lambda *a, **k: calls.append("open") or real_open(*a, **k)
    )
    for text, _ in ADVERSARIAL:
        with pytest.raises(ExpressionError):
            compile_expression(text.replace("/tmp/pwned", str(tmp_path / "pwned")), NS)
    assert calls == []
    assert list(tmp_path.iterdir()) == []


# Names a Python programmer would fear: as parameter names they are plain numbers,
# and calling them is refused like calling any other name.
SHADOWS = Namespace(
    numbers=frozenset({"open", "eval", "exec", "__import__", "__builtins__", "print", "min"}),
    levers={},
)


def test_names_shadowing_builtins_are_plain_numbers() -> None:
    env = {n: np.array([[float(k)]]) for k, n in enumerate(sorted(SHADOWS.numbers), start=1)}
    got = compile_expression("open + eval * exec - __import__ + __builtins__ + print", SHADOWS)
    want = (
        env["open"] + env["eval"] * env["exec"] - env["__import__"] + env["__builtins__"]
    ) + env["print"]
    np.testing.assert_array_equal(got.evaluate(env), want)
    # A parameter named like an allowed function is the parameter where it is a value...
    assert compile_expression("min + 1", SHADOWS).evaluate(env) == env["min"] + 1
    # ... and the function where it is called.
    assert compile_expression("min(open, eval)", SHADOWS).evaluate(env) == min(
        env["open"], env["eval"]
    )


@pytest.mark.parametrize(
    "text", ["__import__('os')", "open('/etc/passwd')", "eval('1')", "exec('x')", "print(open)"]
)
def test_calling_a_shadowing_name_is_refused(text: str) -> None:
    with pytest.raises(ExpressionError) as info:
        compile_expression(text, SHADOWS)
    assert "unknown function" in info.value.message


_SANDBOX_PROBE = """
import json, resource, sys, time
from tradegame.scenario.expressions import ExpressionError, Namespace, compile_expression
import tests_expressions_cases as cases

# At most 1 GiB of address space beyond what is mapped now: a refusal may not allocate much.
soft, hard = resource.getrlimit(resource.RLIMIT_AS)
with open("/proc/self/statm") as fh:
    mapped = int(fh.read().split()[0]) * resource.getpagesize()
resource.setrlimit(resource.RLIMIT_AS, (mapped + 2**30, hard))

events = []
WATCHED = ("os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork", "subprocess.Popen",
           "socket.", "ctypes.", "os.remove", "os.rename", "os.mkdir", "shutil.")

def hook(event, args):
    if event == "open" and isinstance(args[1], str) and any(c in args[1] for c in "wax+"):
        events.append(f"open for writing: {args[0]}")
    elif event.startswith(WATCHED):
        events.append(event)

sys.addaudithook(hook)
slowest = 0.0
for text, _ in cases.ADVERSARIAL:
    start = time.perf_counter()
    try:
        compile_expression(text, cases.NS)
        events.append(f"accepted: {text[:40]}")
    except ExpressionError:
        pass
    slowest = max(slowest, time.perf_counter() - start)
print(json.dumps({"events": events, "slowest": slowest}))
"""


def test_sandbox_in_a_real_process_touches_nothing(tmp_path) -> None:
    """The adversarial corpus, compiled in a fresh interpreter under an audit hook.

    Python's audit hooks see every file opened for writing, process started,
    socket used and library loaded, however it is reached; the process also runs
    under a memory limit, and each refusal is timed.
    """
    import json
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    shutil.copy(Path(__file__), tmp_path / "tests_expressions_cases.py")
    out = subprocess.run(
        [sys.executable, "-c", _SANDBOX_PROBE],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    report = json.loads(out.stdout.strip().splitlines()[-1])
    assert report["events"] == []
    # Bounded time: each refusal is a parse and a walk, far below a second.
    assert report["slowest"] < 1.0, report
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "__pycache__") == [
        "tests_expressions_cases.py"
    ]


def test_error_offsets_point_at_the_problem() -> None:
    with pytest.raises(ExpressionError) as info:
        compile_expression("x + tarifs", NS)
    assert info.value.offset == 4


def test_results_are_float_arrays_even_from_booleans() -> None:
    got = compile_expression("(sale == 'approve') + (sale == 'approve')", NS).evaluate(ENV)
    assert got.dtype == np.float64
    assert got.tolist() == [[2.0, 0.0, 2.0]]


def test_nan_propagates_rather_than_raising() -> None:
    got = compile_expression("log(y)", NS).evaluate(ENV)
    assert math.isnan(got[1, 0])


def test_boolean_scalars_in_arithmetic_count_as_numbers() -> None:
    """A term that is a constant condition reaches arithmetic as a NumPy bool scalar, which
    NumPy refuses to subtract: the engine counts it as 0 or 1, like Python's bools."""
    ns = Namespace(numbers=frozenset({"yes", "no"}), levers={})
    env = {"yes": np.True_, "no": np.False_}
    assert float(compile_expression("no - yes", ns).evaluate(env)) == -1.0
    assert float(compile_expression("yes - no + (1 == 1)", ns).evaluate(env)) == 2.0
