"""The statistics behind the insights, on inputs with known answers."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from cxinsight.insights import (
    benjamini_hochberg,
    bootstrap_mean_ci,
    fisher_exact,
    min_attainable_p,
    spearman,
)


@pytest.mark.parametrize("a,na,b,nb", [(5, 5, 0, 5), (5, 5, 1, 5), (3, 4, 1, 6), (0, 3, 6, 7), (2, 9, 2, 9)])
def test_fisher_matches_scipy(a, na, b, nb):
    odds, p = fisher_exact(a, na, b, nb)
    ref = stats.fisher_exact([[a, na - a], [b, nb - b]])
    assert p == pytest.approx(ref[1])
    assert odds == pytest.approx(ref[0]) or (np.isinf(odds) and np.isinf(ref[0]))


def test_fisher_known_value_all_vs_none():
    # 5 of 5 vs 0 of 5: two of the C(10, 5) = 252 equally likely tables are this extreme
    assert fisher_exact(5, 5, 0, 5)[1] == pytest.approx(2 / 252)


def test_fisher_rejects_impossible_counts():
    with pytest.raises(ValueError, match="between 0 and its group size"):
        fisher_exact(6, 5, 0, 5)


def test_benjamini_hochberg_hand_computed():
    # sorted: 0.01, 0.03, 0.04, 0.20 with m = 4 -> 0.04, 0.06, 0.0533, 0.20,
    # then step-up monotonicity makes 0.06 -> 0.0533
    adj = benjamini_hochberg([0.04, 0.01, 0.20, 0.03])
    assert adj == pytest.approx([0.04 * 4 / 3, 0.04, 0.20, 0.04 * 4 / 3])


def test_benjamini_hochberg_ignores_nan_and_caps_at_one():
    adj = benjamini_hochberg([0.5, np.nan, 0.9, 0.6])
    assert np.isnan(adj[1])
    # m = 3: 0.5*3/1 = 1.5, 0.6*3/2 = 0.9, 0.9*3/3 = 0.9 -> step-up gives 0.9 for all three
    assert adj[[0, 2, 3]] == pytest.approx([0.9, 0.9, 0.9])


def test_benjamini_hochberg_matches_scipy():
    rng = np.random.default_rng(3)
    p = rng.uniform(size=40) ** 2
    assert benjamini_hochberg(p) == pytest.approx(stats.false_discovery_control(p, method="bh"))


def test_benjamini_hochberg_rejects_bad_input():
    with pytest.raises(ValueError):
        benjamini_hochberg([0.2, 1.5])


def test_min_attainable_p():
    # 5 mentions among 5 + 5 participants: the best split 5/0 gives 2/252
    assert min_attainable_p(5, 5, 5) == pytest.approx(2 / 252)
    # a single mention can never be significant
    assert min_attainable_p(5, 5, 1) == pytest.approx(1.0)


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 40), st.integers(1, 40), st.data())
def test_min_attainable_p_equals_the_smallest_over_every_split(n_a, n_b, data):
    # the shortcut (only the two ends of the support) against trying every possible split
    total = data.draw(st.integers(0, n_a + n_b))
    lo, hi = max(0, total - n_b), min(n_a, total)
    brute = min(fisher_exact(a, n_a, total - a, n_b)[1] for a in range(lo, hi + 1))
    assert min_attainable_p(n_a, n_b, total) == pytest.approx(brute, rel=1e-9, abs=1e-300)


def test_bootstrap_ci_contains_mean_and_is_deterministic():
    x = [-0.8, -0.6, -0.5, -0.7, -0.2, -0.9]
    m, lo, hi = bootstrap_mean_ci(x, seed=1)
    assert m == pytest.approx(np.mean(x))
    assert lo < m < hi
    assert bootstrap_mean_ci(x, seed=1) == (m, lo, hi)
    assert np.isnan(bootstrap_mean_ci([0.3])[1])


def test_spearman_sign_and_small_n():
    kpi = [0, 2, 3, 5, 8, 9, 10]
    mention = [1, 1, 1, 1, 0, 0, 0]
    rho, p, n = spearman(mention, kpi)
    assert rho < -0.8 and p < 0.05 and n == 7
    assert np.isnan(spearman([1, 0, 1], [3, 4, 5])[0])  # fewer than 4 pairs
    assert np.isnan(spearman([1, 1, 1, 1], [3, 4, 5, 6])[0])  # constant input


def test_large_samples_get_the_normal_interval_close_to_the_bootstrap():
    """Above ANALYTIC_FROM values the interval is analytic (linear cost for large surveys) and
    agrees with a bootstrap of the same values to within Monte-Carlo error."""
    import numpy as np

    from cxinsight.insights import stats

    rng = np.random.default_rng(1)
    x = np.clip(rng.normal(-0.1, 0.4, size=stats.ANALYTIC_FROM + 1), -1, 1)
    mean, lo, hi = stats.bootstrap_mean_ci(x, seed=0)
    assert lo < mean < hi
    idx = rng.integers(0, x.size, size=(2000, x.size))
    boot = np.percentile(x[idx].mean(axis=1), [2.5, 97.5])
    assert abs(lo - boot[0]) < 0.003 and abs(hi - boot[1]) < 0.003
