"""The compiled pure-equilibrium kernels against the NumPy reference they replace.

``solvers/_pure_nash_kernel.py`` makes the reference's comparisons on the same
values, so its booleans must be the reference's exactly: on continuous payoffs
and on small-integer payoffs full of ties, with and without a tolerance, in
every dtype the contract accepts, for one to four players, with no, one or
several leading axes and with empty batches. Each case also checks that the
kernel path was the one taken, so that the comparison cannot pass by running
the reference twice, and the defining property: a profile is an equilibrium
exactly when every player's action there is a best response.
"""

from __future__ import annotations

import importlib
import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tradegame.solvers._pure_nash_kernel as kernel
from tradegame.solvers import PayoffError, best_response_mask, pure_nash

# ``tradegame.solvers`` exports the function under the module's name.
PN = importlib.import_module("tradegame.solvers.pure_nash")


@pytest.fixture(autouse=True)
def _kernels_from_the_first_entry(monkeypatch: pytest.MonkeyPatch) -> None:
    # A process solves its first 2**25 entries with NumPy (Numba's set-up would
    # cost more): these tests are about the kernels, which must run at once.
    monkeypatch.setattr(PN, "_SETUP_ENTRIES", -1)


ACTIONS = [(3,), (18, 8), (1, 5), (4, 1), (3, 2, 4), (2, 2, 2, 3)]
DTYPES = [np.float64, np.float32, np.float16, np.int64, np.int32, np.int8, np.uint8, np.bool_]


def _games(lead: tuple[int, ...], actions: tuple[int, ...], dtype: type, seed: int) -> np.ndarray:
    """Games of ``actions`` with leading axes ``lead``: half small integers (ties), half spread."""
    rng = np.random.default_rng(seed)
    shape = (*lead, len(actions), *actions)
    if np.dtype(dtype) == np.bool_:
        return rng.integers(0, 2, size=shape).astype(bool)
    ties = rng.integers(0, 3, size=shape)
    if np.dtype(dtype).kind == "f":
        spread = rng.normal(scale=4.0, size=shape)
    else:
        info = np.iinfo(dtype)
        spread = rng.integers(max(info.min, -100), min(info.max, 100), size=shape)
    flat_ties = ties.reshape(-1, *shape[len(lead) :])
    flat = spread.reshape(flat_ties.shape)
    flat[::2] = flat_ties[::2]
    return flat.reshape(shape).astype(dtype)


def _reference(U: np.ndarray, n: int, tol: float) -> tuple[np.ndarray, np.ndarray]:
    return PN._best_response_mask_numpy(U, n, tol), PN._pure_nash_numpy(U, n, tol)


def _check(U: np.ndarray, n: int, tol: float, kernel_path: bool = True) -> None:
    assert (PN._kernel_input(U, n, tol) is not None) == kernel_path
    br_want, eq_want = _reference(U, n, tol)
    br = best_response_mask(U, n_players=n, tol=tol)
    eq = pure_nash(U, n_players=n, tol=tol)
    assert br.dtype == eq.dtype == np.bool_
    assert br.shape == br_want.shape and np.array_equal(br, br_want)
    assert eq.shape == eq_want.shape and np.array_equal(eq, eq_want)
    # The defining property: an equilibrium is a profile of best responses.
    lead = U.ndim - 1 - n
    assert np.array_equal(eq, br.all(axis=lead))


@pytest.mark.parametrize("actions", ACTIONS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_kernels_are_the_reference_without_tolerance(actions: tuple[int, ...], dtype: type) -> None:
    _check(_games((200,), actions, dtype, 1), len(actions), 0.0)


@pytest.mark.parametrize("actions", ACTIONS)
@pytest.mark.parametrize("tol", [1e-9, 0.5, 1.0, 2])
def test_kernels_are_the_reference_with_a_tolerance(actions: tuple[int, ...], tol: float) -> None:
    n = len(actions)
    # float64 arrays subtract and compare in float64; integers with a float
    # tolerance in float64 too (converted once), with an int one in int64.
    _check(_games((150,), actions, np.float64, 2), n, tol)
    _check(_games((150,), actions, np.int64, 3), n, tol)
    _check(_games((150,), actions, np.int32, 4), n, float(tol))
    U = _games((150,), actions, np.float64, 5)
    _check(U + rng_noise(U, 1e-10), n, tol)


def rng_noise(U: np.ndarray, scale: float) -> np.ndarray:
    """Perturbations of the order of a tolerance: near ties on either side of it."""
    return np.random.default_rng(6).uniform(-scale, scale, size=U.shape)


@pytest.mark.parametrize(
    ("dtype", "tol"),
    [(np.float32, 0.5), (np.float16, 0.5), (np.uint8, 1), (np.int8, np.float32(0.5))],
)
def test_narrow_tolerance_arithmetic_runs_the_reference(dtype: type, tol: float) -> None:
    # NumPy would subtract the tolerance in a dtype the kernels are not compiled
    # for (float32, float16, uint8 with its wrap-around): the reference runs.
    U = _games((50,), (3, 4), dtype, 7)
    _check(U, 2, tol, kernel_path=False)


@pytest.mark.parametrize("dtype", [np.float32, np.float16, np.int16, np.bool_])
def test_a_float64_tolerance_widens_the_comparison_to_float64(dtype: type) -> None:
    # NumPy subtracts a float64 scalar and compares in float64: the kernels too,
    # on the array converted once.
    U = _games((60,), (4, 3), dtype, 15)
    _check(U, 2, np.float64(0.25))
    _check(U, 2, np.float64(1e-3))


def test_uint64_runs_the_reference_and_agrees() -> None:
    U = _games((50,), (3, 4), np.uint8, 8).astype(np.uint64) + np.uint64(2**63)
    _check(U, 2, 0.0, kernel_path=False)


def test_integers_beyond_float_precision_compare_as_numpy_does() -> None:
    # With a float tolerance NumPy compares int64 payoffs in float64, where
    # 2**53 and 2**53 + 1 are equal; the kernels convert the same way.
    big = 2**53
    U = np.array([[[big, big + 1], [big + 1, big]], [[big + 1, big], [big, big + 1]]])
    _check(U, 2, 0.25)
    assert pure_nash(U, tol=0.25).all()
    _check(U, 2, 0.0)  # exact without a tolerance: int64 throughout
    assert not pure_nash(U).any()


@pytest.mark.parametrize("lead", [(), (7,), (3, 4), (2, 1, 3), (0,), (0, 5), (4, 0)])
@pytest.mark.parametrize("actions", [(2, 3), (2, 3, 2), (4,)])
def test_any_leading_axes_including_empty_batches(
    lead: tuple[int, ...], actions: tuple[int, ...]
) -> None:
    U = _games(lead, actions, np.float64, 9)
    _check(U, len(actions), 0.0)
    _check(U, len(actions), 0.5)
    eq = pure_nash(U, n_players=len(actions))
    assert eq.shape == (*lead, *actions)


def test_views_that_are_not_contiguous() -> None:
    base = _games((40,), (6, 6), np.float64, 10)
    for U in (base[::2], base[..., ::2, :], np.swapaxes(base, -1, -2), np.asfortranarray(base)):
        _check(U, 2, 0.0)
        _check(U, 2, 1e-3)


def test_bimatrix_kernel_is_the_general_kernel() -> None:
    # pure_nash runs the two-player special case; it must be the n-player kernel.
    for dtype, tol, use_tol in (
        (np.float64, 0.3, True),
        (np.float64, 0.0, False),
        (np.int64, 0, False),
    ):
        U = _games((300,), (5, 7), dtype, 11)
        u, tol_value, _, pre, length, post = PN._kernel_input(U, 2, tol)
        general = np.empty((300, 35), dtype=bool)
        kernel.equilibria(u, pre, length, post, tol_value, use_tol, general)
        special = np.empty((300, 5, 7), dtype=bool)
        kernel.bimatrix_equilibria(u.reshape(300, 2, 5, 7), tol_value, use_tol, special)
        assert np.array_equal(special.reshape(300, 35), general)
        assert np.array_equal(special, PN._pure_nash_numpy(U, 2, tol))


def test_matches_the_definition_on_small_games() -> None:
    rng = np.random.default_rng(12)
    for actions in ((2, 3), (3, 2, 2), (2, 2, 2, 2)):
        U = rng.integers(-2, 3, size=(30, len(actions), *actions))
        got = pure_nash(U, n_players=len(actions))
        n = len(actions)
        for d in range(30):
            for profile in itertools.product(*(range(a) for a in actions)):
                stable = all(
                    U[(d, i, *profile)] >= U[(d, i, *profile[:i], b, *profile[i + 1 :])]
                    for i in range(n)
                    for b in range(actions[i])
                )
                assert got[(d, *profile)] == stable


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nan_and_infinite_payoffs_are_refused_before_the_kernel(bad: float) -> None:
    U = _games((20,), (3, 3), np.float64, 13)
    U[5, 1, 2, 0] = bad
    with pytest.raises(PayoffError, match="NaN or infinite"):
        pure_nash(U, n_players=2)
    with pytest.raises(PayoffError, match="NaN or infinite"):
        best_response_mask(U, n_players=2)


@settings(max_examples=60, deadline=None)
@given(
    actions=st.lists(st.integers(1, 4), min_size=1, max_size=4),
    lead=st.lists(st.integers(0, 3), max_size=2),
    dtype=st.sampled_from([np.float64, np.int64, np.int16, np.float32, np.bool_]),
    tol=st.sampled_from([0.0, 1e-12, 0.5, 1.0]),
    seed=st.integers(0, 2**16),
)
def test_random_shapes_dtypes_and_tolerances(
    actions: list[int], lead: list[int], dtype: type, tol: float, seed: int
) -> None:
    U = _games(tuple(lead), tuple(actions), dtype, seed)
    n = len(actions)
    br_want, eq_want = _reference(U, n, tol)
    assert np.array_equal(best_response_mask(U, n_players=n, tol=tol), br_want)
    assert np.array_equal(pure_nash(U, n_players=n, tol=tol), eq_want)


def test_numpy_solves_until_the_kernels_pay_for_their_set_up(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls = []

    def counting_kernel() -> object:
        calls.append(1)
        return kernel

    monkeypatch.setattr(PN, "_kernel", counting_kernel)
    monkeypatch.setattr(PN, "_SETUP_ENTRIES", 1000)
    monkeypatch.setattr(PN, "_entries_solved", 0)
    U = _games((10,), (5, 8), np.float64, 14)  # 800 entries
    want = PN._pure_nash_numpy(U, 2, 0.0)
    assert np.array_equal(pure_nash(U, n_players=2), want)
    assert calls == []  # 800 entries solved: NumPy
    assert np.array_equal(pure_nash(U, n_players=2), want)
    assert calls == [1]  # 1,600: the kernels from now on
    assert np.array_equal(best_response_mask(U, n_players=2), PN._best_response_mask_numpy(U, 2, 0))
    assert calls == [1, 1]
