"""Parameter sampling: each distribution against SciPy, medians, blocks."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from tradegame.scenario.sampling import BLOCK, ParameterSampler, median, sample
from tradegame.scenario.schema import (
    Beta,
    Choice,
    Fixed,
    LogNormal,
    Normal,
    Triangular,
    TruncatedNormal,
    Uniform,
)

CASES = [
    (Normal(dist="normal", mean=2.0, sd=0.5), stats.norm(2.0, 0.5)),
    (
        TruncatedNormal(dist="truncnormal", mean=1.0, sd=2.0, low=0.0, high=3.0),
        stats.truncnorm(-0.5, 1.0, loc=1.0, scale=2.0),
    ),
    (LogNormal(dist="lognormal", median=3.0, sigma=0.4), stats.lognorm(0.4, scale=3.0)),
    (Uniform(dist="uniform", low=-1.0, high=4.0), stats.uniform(-1.0, 5.0)),
    (
        Triangular(dist="triangular", low=0.0, mode=1.0, high=3.0),
        stats.triang(1 / 3, loc=0.0, scale=3.0),
    ),
    (Beta(dist="beta", a=2.0, b=5.0, low=10.0, high=20.0), stats.beta(2.0, 5.0, loc=10, scale=10)),
]


@pytest.mark.parametrize(("dist", "reference"), CASES, ids=[c[0].dist for c in CASES])
def test_samples_follow_the_distribution(dist, reference) -> None:
    x = sample(dist, np.random.default_rng(1), 20_000)
    assert stats.kstest(x, reference.cdf).pvalue > 1e-3
    assert median(dist) == pytest.approx(reference.median(), rel=1e-9)


def test_choice_and_fixed() -> None:
    c = Choice(dist="choice", values=[1.0, 2.0, 5.0], probabilities=[0.2, 0.3, 0.5])
    x = sample(c, np.random.default_rng(2), 50_000)
    for v, p in zip(c.values, c.probabilities, strict=True):
        assert abs(np.mean(x == v) - p) < 4 * np.sqrt(p * (1 - p) / x.size)
    assert median(c) == 2.0  # cumulative 0.2, 0.5: the median is the value reaching 1/2
    assert median(Choice(dist="choice", values=[3.0, 1.0])) == 1.0
    f = Fixed(dist="fixed", value=7.5)
    assert (sample(f, np.random.default_rng(0), 3) == 7.5).all() and median(f) == 7.5


def test_draws_are_independent_of_how_they_are_requested() -> None:
    params = {"a": Normal(dist="normal", mean=0, sd=1), "b": Uniform(dist="uniform", low=0, high=1)}
    s = ParameterSampler(params, 42)
    whole = s.draws(0, 3 * BLOCK)
    parts = [s.draws(a, b) for a, b in [(0, 100), (100, BLOCK + 7), (BLOCK + 7, 3 * BLOCK)]]
    for name in params:
        np.testing.assert_array_equal(whole[name], np.concatenate([p[name] for p in parts]))
    assert not np.array_equal(whole["a"][:BLOCK], whole["a"][BLOCK : 2 * BLOCK])
    other = ParameterSampler(params, 43).draws(0, 10)
    assert not np.array_equal(other["a"], whole["a"][:10])


def test_invalid_distribution_parameters_are_refused() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="greater than 0"):
        Normal(dist="normal", mean=0, sd=0)
    with pytest.raises(ValidationError, match="no probability"):
        TruncatedNormal(dist="truncnormal", mean=0, sd=1, low=50, high=60)
    with pytest.raises(ValidationError, match="mode"):
        Triangular(dist="triangular", low=0, mode=5, high=3)
    with pytest.raises(ValidationError, match="sum to"):
        Choice(dist="choice", values=[1, 2], probabilities=[0.5, 0.4])


def test_a_parameters_draws_do_not_depend_on_the_others() -> None:
    # Common random numbers: adding, removing or reordering parameters leaves draw k
    # of every other parameter the same number.
    a = LogNormal(dist="lognormal", median=3.0, sigma=0.4)
    b = Uniform(dist="uniform", low=0.0, high=1.0)
    c = Normal(dist="normal", mean=0.0, sd=1.0)
    alone = ParameterSampler({"a": a}, 7).draws(100, 2 * BLOCK + 5)["a"]
    more = ParameterSampler({"c": c, "a": a, "b": b}, 7).draws(100, 2 * BLOCK + 5)
    np.testing.assert_array_equal(alone, more["a"])
    fewer = ParameterSampler({"b": b, "a": a}, 7).draws(100, 2 * BLOCK + 5)
    np.testing.assert_array_equal(fewer["b"], more["b"])
    # ... while distinct parameters of one run are distinct streams.
    assert abs(np.corrcoef(more["a"], more["b"])[0, 1]) < 0.1


def test_changing_a_distribution_moves_each_draw_coherently() -> None:
    def draws(dist):
        return ParameterSampler({"x": dist}, 3).draws(0, BLOCK)["x"]

    base = draws(LogNormal(dist="lognormal", median=3.0, sigma=0.4))
    np.testing.assert_allclose(
        draws(LogNormal(dist="lognormal", median=6.0, sigma=0.4)), 2 * base, rtol=1e-14
    )
    normal = draws(Normal(dist="normal", mean=1.0, sd=2.0))
    np.testing.assert_allclose(draws(Normal(dist="normal", mean=4.0, sd=2.0)), normal + 3.0)
    wide = draws(Normal(dist="normal", mean=1.0, sd=4.0))
    np.testing.assert_allclose(wide - 1.0, 2 * (normal - 1.0))
    uni = draws(Uniform(dist="uniform", low=0.0, high=1.0))
    np.testing.assert_allclose(draws(Uniform(dist="uniform", low=2.0, high=6.0)), 2 + 4 * uni)


@pytest.mark.parametrize(
    "dist",
    [c[0] for c in CASES]
    + [Choice(dist="choice", values=[5.0, 1.0, 2.0], probabilities=[0.2, 0.3, 0.5])],
    ids=[c[0].dist for c in CASES] + ["choice"],
)
def test_every_family_is_a_monotone_transform_of_one_variate(dist) -> None:
    # The draws of every parameter are ordered as its uniform variates are: the
    # transform is the quantile function, so it is also the right distribution.
    s = ParameterSampler({"x": dist}, 11)
    u = s.block_uniforms(0)["x"]
    x = s.block(0)["x"]
    order = np.argsort(u)
    assert (np.diff(x[order]) >= 0).all()
    assert ((0 < u) & (u < 1)).all()


def test_sobol_points_are_reproducible_uniform_and_balanced() -> None:
    params = {"a": Normal(dist="normal", mean=0, sd=1), "b": Uniform(dist="uniform", low=0, high=1)}
    s = ParameterSampler(params, 5, "sobol")
    whole = s.draws(0, 4 * BLOCK)
    parts = [s.draws(a, b) for a, b in [(0, 700), (700, 3 * BLOCK + 1), (3 * BLOCK + 1, 4 * BLOCK)]]
    for name in params:
        np.testing.assert_array_equal(whole[name], np.concatenate([p[name] for p in parts]))
    u = np.concatenate([s.block_uniforms(b)["b"] for b in range(4)])
    assert stats.kstest(u, "uniform").pvalue > 1e-3
    # Each replicate's first 2**m points are a (0, m, 1)-net: exactly one point in
    # each of the 2**m equal intervals (the balance plain Monte Carlo lacks).
    from tradegame.scenario.sampling import REPLICATES

    per = 4 * BLOCK // REPLICATES
    for r in range(REPLICATES):
        cells = np.floor(u[r::REPLICATES][:per] * per).astype(int)
        assert sorted(cells) == list(range(per))
    # Independent scramblings: replicates differ.
    assert not np.array_equal(u[0::REPLICATES], u[1::REPLICATES])
    other = ParameterSampler(params, 6, "sobol").draws(0, 4 * BLOCK)
    assert not np.array_equal(whole["a"], other["a"])


@pytest.mark.parametrize(
    ("dist", "doubled"),
    [
        (
            TruncatedNormal(dist="truncnormal", mean=1.0, sd=2.0, low=0.0, high=3.0),
            TruncatedNormal(dist="truncnormal", mean=2.0, sd=4.0, low=0.0, high=6.0),
        ),
        (
            Triangular(dist="triangular", low=1.0, mode=2.0, high=5.0),
            Triangular(dist="triangular", low=2.0, mode=4.0, high=10.0),
        ),
        (
            Beta(dist="beta", a=2.0, b=5.0, low=1.0, high=3.0),
            Beta(dist="beta", a=2.0, b=5.0, low=2.0, high=6.0),
        ),
        (
            Choice(dist="choice", values=[3.0, 1.0, 2.0], probabilities=[0.2, 0.3, 0.5]),
            Choice(dist="choice", values=[6.0, 2.0, 4.0], probabilities=[0.2, 0.3, 0.5]),
        ),
    ],
    ids=["truncnormal", "triangular", "beta", "choice"],
)
def test_scaling_a_distribution_scales_each_draw(dist, doubled) -> None:
    # Every family is a quantile transform, and quantiles scale with the distribution.
    for scheme in ("monte_carlo", "sobol"):
        base = ParameterSampler({"x": dist}, 9, scheme).draws(0, BLOCK)["x"]
        twice = ParameterSampler({"x": doubled}, 9, scheme).draws(0, BLOCK)["x"]
        np.testing.assert_allclose(twice, 2 * base, rtol=1e-12)


def test_quantiles_are_the_distributions_and_the_median_is_the_half() -> None:
    from tradegame.scenario.sampling import quantile
    from tradegame.scenario.schema import (
        Beta,
        Choice,
        LogNormal,
        Normal,
        Triangular,
        TruncatedNormal,
        Uniform,
    )

    dists = [
        Normal(dist="normal", mean=1, sd=2),
        TruncatedNormal(dist="truncnormal", mean=0, sd=1, low=-0.5, high=2),
        LogNormal(dist="lognormal", median=3, sigma=0.5),
        Uniform(dist="uniform", low=1, high=3),
        Triangular(dist="triangular", low=0, mode=1, high=4),
        Triangular(dist="triangular", low=0, mode=3.5, high=4),
        Beta(dist="beta", a=2, b=5, low=0, high=10),
        Choice(dist="choice", values=[1, 2, 5], probabilities=[0.2, 0.5, 0.3]),
    ]
    rng = np.random.default_rng(0)
    for d in dists:
        assert float(quantile(d, np.array([0.5]))[0]) == pytest.approx(median(d), rel=1e-12)
        x = sample(d, rng, 200_000)
        qs = [float(v) for v in quantile(d, np.array([0.05, 0.1, 0.5, 0.9, 0.95]))]
        assert qs == sorted(qs)
        for q, value in zip((0.1, 0.9), (qs[1], qs[3]), strict=True):
            # The empirical quantile's error is about sqrt(q (1 - q) / n) / density: < 0.02 here.
            assert abs(value - np.quantile(x, q)) < 0.02 * (1 + abs(value)), (type(d).__name__, q)
