"""The solver contract: every public solver refuses the same bad payoffs the same way.

Each public function of :mod:`tradegame.solvers` that takes payoffs is listed
once below with how it is called on its documented input: one game
``(n, A_0, ..., A_{n-1})``, a batch ``(D, n, A_0, ..., A_{n-1})``, or the two
matrices of a two-player game. Every one must refuse a wrong shape, entries
that are not real numbers, NaN, infinities and a player without actions, with
the same exception type (:class:`PayoffError`, a ``ValueError``; the subclass
:class:`PayoffTypeError` for non-numeric entries).

Also here: every exception class tradegame defines is a ``TradegameError``,
and no module imports a private name from another module.
"""

from __future__ import annotations

import ast
import copy
import importlib
import inspect
import pkgutil
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tradegame
import tradegame.solvers as solvers
from tradegame.errors import ScenarioError, TradegameError
from tradegame.model.stages import Stage
from tradegame.solvers.backward_induction import backward_induction
from tradegame.solvers.validation import PayoffError, PayoffTypeError

SRC = Path(tradegame.__file__).parent

#: Public functions of tradegame.solvers that take no payoff array, and why.
NO_PAYOFFS = {"rubinstein": "takes discount factors, not a game"}


def _counts(U: Any) -> list[np.ndarray]:
    # Valid counts for U's actions when its shape allows; payoffs are checked first.
    return [np.ones(a) for a in np.shape(U)[1:]]


def _target(U: Any) -> tuple[int, ...]:
    return (0,) * max(np.ndim(U) - 1, 0)


@dataclass(frozen=True)
class Solver:
    """How one public solver is called on its documented input.

    ``wrap(U, n)`` turns one game ``U`` of ``n`` players into that input and
    ``call(x, n)`` runs the solver on it.
    """

    name: str
    kind: str  # "game", "batch" or "bimatrix"
    call: Callable[[Any, int], object]
    two_player: bool = False

    def wrap(self, U: np.ndarray) -> Any:
        if self.kind == "game":
            return U
        if self.kind == "batch":
            return np.stack([U, U, U])  # D = 3, so no axis is mistaken for the player axis
        return (U[0], U[1])

    def run(self, U: np.ndarray) -> object:
        return self.call(self.wrap(U), U.shape[0])


SOLVERS = [
    Solver("best_response_mask", "game", lambda U, n: solvers.best_response_mask(U)),
    Solver("best_response_mask", "batch", lambda U, n: solvers.best_response_mask(U, n)),
    Solver("pure_nash", "game", lambda U, n: solvers.pure_nash(U)),
    Solver("pure_nash", "batch", lambda U, n: solvers.pure_nash(U, n)),
    Solver("pareto_optimal", "game", lambda U, n: solvers.pareto_optimal(U)),
    Solver("pareto_optimal", "batch", lambda U, n: solvers.pareto_optimal(U, n)),
    Solver("pure_maxmin", "game", lambda U, n: solvers.pure_maxmin(U)),
    Solver("pure_maxmin", "batch", lambda U, n: solvers.pure_maxmin(U, n)),
    Solver("maxmin", "game", lambda U, n: solvers.maxmin(U)),
    Solver("eliminate_dominated", "game", lambda U, n: solvers.eliminate_dominated(U)),
    Solver("ce_constraints", "game", lambda U, n: solvers.ce_constraints(U)),
    Solver("correlated_equilibrium", "game", lambda U, n: solvers.correlated_equilibrium(U)),
    Solver(
        "grim_trigger",
        "game",
        lambda U, n: solvers.grim_trigger(U, _target(U), punishment_payoffs=np.zeros(n)),
    ),
    Solver("logit_qre", "game", lambda U, n: solvers.logit_qre(U, 1.0)),
    Solver("fit_logit_lambda", "game", lambda U, n: solvers.fit_logit_lambda(U, _counts(U))),
    Solver("logit_qre_batch", "batch", lambda U, n: solvers.logit_qre_batch(U, 1.0, n)),
    Solver("nash_bargaining", "game", lambda U, n: solvers.nash_bargaining(U, (0, 0)), True),
    Solver("kalai_smorodinsky", "game", lambda U, n: solvers.kalai_smorodinsky(U, (0, 0)), True),
    Solver("pareto_frontier", "game", lambda U, n: solvers.pareto_frontier(U), True),
    Solver("mixed_nash_2p", "bimatrix", lambda AB, n: solvers.mixed_nash_2p(*AB), True),
    Solver("lemke_howson", "bimatrix", lambda AB, n: solvers.lemke_howson(*AB), True),
    Solver("mixed_nash_2p_batch", "batch", lambda U, n: solvers.mixed_nash_2p_batch(U), True),
    Solver("lemke_howson_batch", "batch", lambda U, n: solvers.lemke_howson_batch(U), True),
]
IDS = [f"{s.name}[{s.kind}]" for s in SOLVERS]

#: Inputs of the wrong shape for each kind of input (batches called with n = 2).
BAD_SHAPES: dict[str, list[Any]] = {
    "game": [(), (3,), (2, 2), (3, 2, 2), (1, 2, 2), (2, 2, 2, 2)],
    "batch": [(), (3,), (2, 2), (3, 2, 2), (3, 3, 2, 2), (3, 1, 2, 2)],
    "bimatrix": [((3,), (3,)), ((2, 2, 2), (2, 2, 2)), ((2, 3), (3, 2)), ((2, 3), (2, 2))],
}

#: The prisoner's dilemma, which every solver above accepts.
PD = np.array([[[3.0, 0.0], [5.0, 1.0]], [[3.0, 5.0], [0.0, 1.0]]])


def _raises(solver: Solver, x: Any, n: int) -> BaseException:
    with pytest.raises(PayoffError) as info:
        solver.call(x, n)
    return info.value


def test_every_public_solver_is_covered() -> None:
    public = {n for n in solvers.__all__ if inspect.isfunction(getattr(solvers, n))}
    assert public - set(NO_PAYOFFS) == {s.name for s in SOLVERS}


@pytest.mark.parametrize("solver", SOLVERS, ids=IDS)
def test_a_valid_game_is_accepted(solver: Solver) -> None:
    # The adapters must call each solver correctly, or the refusals below prove nothing.
    solver.run(PD)


@pytest.mark.parametrize("solver", SOLVERS, ids=IDS)
def test_wrong_shapes_are_refused(solver: Solver) -> None:
    for shape in BAD_SHAPES[solver.kind]:
        if solver.kind == "bimatrix":
            x: Any = (np.zeros(shape[0]), np.zeros(shape[1]))
        else:
            x = np.zeros(shape)
        assert type(_raises(solver, x, 2)) is PayoffError, shape


@st.composite
def games(draw: st.DrawFn, two_player: bool) -> np.ndarray:
    """A finite game ``(n, A_0, ..., A_{n-1})`` with 1 to 3 actions per player."""
    n = 2 if two_player else draw(st.integers(1, 3), label="n")
    sizes = draw(st.lists(st.integers(1, 3), min_size=n, max_size=n), label="sizes")
    values = draw(
        st.lists(
            st.floats(-5, 5, allow_nan=False),
            min_size=n * int(np.prod(sizes)),
            max_size=n * int(np.prod(sizes)),
        )
    )
    return np.array(values, dtype=np.float64).reshape((n, *sizes))


SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize("solver", SOLVERS, ids=IDS)
@SETTINGS
@given(data=st.data())
def test_non_finite_payoffs_are_refused(solver: Solver, data: st.DataObject) -> None:
    U = data.draw(games(solver.two_player))
    where = tuple(data.draw(st.integers(0, k - 1)) for k in U.shape)
    U[where] = data.draw(st.sampled_from([np.nan, np.inf, -np.inf]))
    exc = _raises(solver, solver.wrap(U), U.shape[0])
    assert type(exc) is PayoffError
    assert "NaN or infinite" in str(exc)


@pytest.mark.parametrize("solver", SOLVERS, ids=IDS)
@SETTINGS
@given(data=st.data())
def test_non_numeric_payoffs_are_refused(solver: Solver, data: st.DataObject) -> None:
    U = data.draw(games(solver.two_player))
    bad = data.draw(
        st.sampled_from(
            [U.astype(str), U.astype(object), U.astype(np.complex128), U.astype("datetime64[s]")]
        )
    )
    exc = _raises(solver, solver.wrap(bad), U.shape[0])
    assert type(exc) is PayoffTypeError
    # Both: the solvers raised ValueError here, logit_qre TypeError, before one contract.
    assert isinstance(exc, ValueError) and isinstance(exc, TypeError)
    assert "numeric" in str(exc)


@pytest.mark.parametrize("solver", SOLVERS, ids=IDS)
@SETTINGS
@given(data=st.data())
def test_a_player_without_actions_is_refused(solver: Solver, data: st.DataObject) -> None:
    U = data.draw(games(solver.two_player))
    empty = list(U.shape)
    empty[1 + data.draw(st.integers(0, U.shape[0] - 1))] = 0
    exc = _raises(solver, solver.wrap(np.zeros(empty)), U.shape[0])
    assert type(exc) is PayoffError
    assert "at least one action" in str(exc)


@pytest.mark.parametrize("solver", SOLVERS, ids=IDS)
@SETTINGS
@given(data=st.data())
def test_the_input_is_left_as_it_was(solver: Solver, data: st.DataObject) -> None:
    U = data.draw(games(solver.two_player))
    x = solver.wrap(U)
    before = copy.deepcopy(x)
    try:
        solver.run(U)
    except ValueError:
        pass  # a game a solver cannot answer (no bargaining gain, say): input still intact
    np.testing.assert_array_equal(x, before)


def _arrays(result: object) -> list[np.ndarray]:
    if isinstance(result, np.ndarray):
        return [result]
    if isinstance(result, list | tuple):
        return [a for r in result for a in _arrays(r)]
    if hasattr(result, "__dataclass_fields__"):
        return [a for f in result.__dataclass_fields__ for a in _arrays(getattr(result, f))]
    return []


@pytest.mark.parametrize("solver", SOLVERS, ids=IDS)
def test_results_do_not_share_the_callers_array(solver: Solver) -> None:
    # A result that is a view of the input would change when the caller reuses the array.
    x = solver.wrap(PD.copy())
    found = _arrays(solver.call(x, 2))
    inputs = list(x) if isinstance(x, tuple) else [x]
    assert not any(np.shares_memory(a, i) for a in found for i in inputs)


@pytest.mark.parametrize(
    ("V", "error"),
    [
        (np.array([[[0, 0], [-1, np.nan]], [[2, 2], [-1, 1]]]), PayoffError),
        (np.array([[[0, 0], [-1, -np.inf]], [[2, 2], [-1, 1]]]), PayoffError),
        (np.zeros((2, 2, 2)).astype(str), PayoffTypeError),
        (np.zeros((2, 2, 2), dtype=complex), PayoffTypeError),
    ],
)
def test_backward_induction_keeps_the_contract(V: np.ndarray, error: type) -> None:
    # Not in tradegame.solvers' __all__ (it takes stages), but a solver all the same.
    stages = (Stage("entry", "E", ("out", "in")), Stage("reply", "I", ("fight", "accommodate")))
    with pytest.raises(PayoffError) as info:
        backward_induction(V, stages, ("E", "I"))
    assert type(info.value) is error


def test_huge_finite_payoffs_pass_without_a_warning() -> None:
    # Their sum overflows: the check must then look at every entry, and stay quiet.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for draws in (1, 5000):  # one game, and a batch large enough to be summed
            U = np.full((draws, 2, 2, 2), 1.5e308)
            assert solvers.pure_nash(U, 2).all()
            assert solvers.pareto_optimal(U, 2).all()
            U[-1, 1, 1, 0] = np.inf
            with pytest.raises(PayoffError, match="NaN or infinite"):
                solvers.pure_nash(U, 2)


def test_ragged_payoffs_are_non_numeric() -> None:
    with pytest.raises(PayoffTypeError, match="numeric"):
        solvers.pure_nash([[[1, 2], [3]], [[1, 2], [3, 4]]])


def test_bimatrices_of_different_shapes_are_refused() -> None:
    with pytest.raises(PayoffError, match="same shape"):
        solvers.mixed_nash_2p_batch(np.zeros((3, 2, 2)), np.zeros((3, 2, 3)))


# --- one exception hierarchy --------------------------------------------------------------


def _tradegame_modules() -> list[str]:
    # __main__ would run the command line on import.
    names = [tradegame.__name__]
    for info in pkgutil.walk_packages(tradegame.__path__, tradegame.__name__ + "."):
        if not info.name.endswith("__main__"):
            names.append(info.name)
    return names


def _exception_classes() -> list[type[BaseException]]:
    found = []
    for name in _tradegame_modules():
        module = importlib.import_module(name)
        for obj in vars(module).values():
            if (
                inspect.isclass(obj)
                and issubclass(obj, BaseException)
                and obj.__module__ == module.__name__
            ):
                found.append(obj)
    return found


#: Exception classes that are signals to unwind, not errors (like KeyboardInterrupt).
CONTROL_FLOW = {"tradegame.cli.Interrupted"}


def _qualname(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


EXCEPTIONS = _exception_classes()


def test_the_exception_scan_finds_the_known_classes() -> None:
    names = {_qualname(c) for c in EXCEPTIONS}
    assert {
        "tradegame.errors.ScenarioError",
        "tradegame.solvers.validation.PayoffError",
        "tradegame.solvers.logit_qre.QREConvergenceError",
        "tradegame.model.build.NonFiniteError",
    } <= names
    assert CONTROL_FLOW | {"tradegame.cli.shared.BadInput"} <= names


@pytest.mark.parametrize(
    "cls",
    [c for c in EXCEPTIONS if _qualname(c) not in CONTROL_FLOW],
    ids=_qualname,
)
def test_every_exception_class_is_a_tradegame_error(cls: type[BaseException]) -> None:
    assert issubclass(cls, TradegameError)


def test_control_flow_exceptions_are_not_errors() -> None:
    for c in EXCEPTIONS:
        if _qualname(c) in CONTROL_FLOW:
            assert not issubclass(c, Exception)


#: What each class was before TradegameError existed: callers that caught it so still do.
FORMER_BASES = {
    "tradegame.interop.gambit_text.GambitFormatError": ValueError,
    "tradegame.model.normal_form.TooManyStrategies": ValueError,
    "tradegame.model.build.NonFiniteError": ValueError,
    "tradegame.play.options.RunOptionError": ValueError,
    "tradegame.montecarlo.checkpoint.CheckpointError": ValueError,
    "tradegame.scenario.expressions.ExpressionError": ValueError,
    "tradegame.solvers.logit_qre.QREConvergenceError": RuntimeError,
}


def test_former_bases_are_kept() -> None:
    by_name = {_qualname(c): c for c in EXCEPTIONS}
    for name, base in FORMER_BASES.items():
        assert issubclass(by_name[name], base), name
    assert issubclass(ScenarioError, TradegameError)
    assert issubclass(PayoffError, ValueError)


# --- no private names across modules ------------------------------------------------------


def private_imports(source: str, module: str) -> list[str]:
    """``from M import _name`` in ``source`` where M is another module (dunders allowed).

    A private module may be imported by path (``from tradegame._output import
    write``): its public names are the package's. A private *name* belongs to
    the module that defines it.
    """
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                name = alias.name
                if name.startswith("_") and not (name.startswith("__") and name.endswith("__")):
                    found.append(f"{module}:{node.lineno}: from {node.module} import {name}")
    return found


def test_the_private_import_scan_can_fail() -> None:
    assert private_imports("from tradegame.solvers import _logit_qre_kernel\n", "m")
    assert private_imports("def f():\n    from a.b import (x, _y)\n", "m")
    assert not private_imports("from tradegame._version import __version__\n", "m")
    assert not private_imports("from tradegame._output import write_atomic\n", "m")


def test_no_module_imports_a_private_name_from_another() -> None:
    found = []
    for path in sorted(SRC.rglob("*.py")):
        found += private_imports(path.read_text(encoding="utf-8"), str(path.relative_to(SRC)))
    assert found == []
