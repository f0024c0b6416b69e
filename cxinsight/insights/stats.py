"""Small, tested statistics used by the insight synthesis.

Everything here works on participants, not sentences: a participant who talks about a theme
twenty times counts once, and confidence intervals resample participants.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np
from scipy import stats as _st

from cxinsight.errors import InputError


def benjamini_hochberg(pvalues: Sequence[float]) -> np.ndarray:
    """Return Benjamini–Hochberg adjusted p-values (false discovery rate), in input order.

    Parameters
    ----------
    pvalues : sequence of float
        Raw p-values. ``NaN`` entries are ignored (not counted in the number of tests) and
        returned as ``NaN``.

    Returns
    -------
    ndarray of float
        ``p_adj[i] = min over k >= rank(i) of p_(k) * m / k``, capped at 1, where ``m`` is the
        number of non-missing p-values and ``p_(k)`` the k-th smallest.

    Examples
    --------
    >>> benjamini_hochberg([0.01, 0.04, 0.03, 0.20]).round(4).tolist()
    [0.04, 0.0533, 0.0533, 0.2]
    """
    p = np.asarray(pvalues, dtype=float)
    out = np.full(p.shape, np.nan)
    ok = ~np.isnan(p)
    m = int(ok.sum())
    if m == 0:
        return out
    if np.any((p[ok] < 0) | (p[ok] > 1)):
        raise InputError("p-values must lie in [0, 1].")
    idx = np.flatnonzero(ok)
    order = np.argsort(p[idx], kind="mergesort")
    ranked = p[idx][order] * m / np.arange(1, m + 1)
    # enforce monotonicity from the largest p-value down
    ranked = np.minimum.accumulate(ranked[::-1])[::-1]
    adj = np.empty(m)
    adj[order] = np.minimum(ranked, 1.0)
    out[idx] = adj
    return out


def fisher_exact(a: int, n_a: int, b: int, n_b: int) -> tuple[float, float]:
    """Two-sided Fisher's exact test of "a of n_a" against "b of n_b".

    Parameters
    ----------
    a, n_a : int
        Participants in group A who mention something, and group A's size.
    b, n_b : int
        The same for group B.

    Returns
    -------
    (odds_ratio, p_value) : tuple of float
        As :func:`scipy.stats.fisher_exact` on ``[[a, n_a - a], [b, n_b - b]]``.
    """
    _check_counts(a, n_a, b, n_b)
    return _fisher(int(a), int(n_a), int(b), int(n_b))


@lru_cache(maxsize=65536)
def _fisher(a: int, n_a: int, b: int, n_b: int) -> tuple[float, float]:
    res = _st.fisher_exact([[a, n_a - a], [b, n_b - b]], alternative="two-sided")
    return float(res[0]), float(res[1])


def min_attainable_p(n_a: int, n_b: int, total_mentions: int) -> float:
    """Smallest two-sided Fisher p-value possible with these margins (Tarone's screen).

    A comparison whose best possible outcome cannot reach significance carries no information
    and, left in, only inflates the multiple-testing correction. Tarone (1990) showed such tests
    can be left out of the family.

    Parameters
    ----------
    n_a, n_b : int
        Group sizes.
    total_mentions : int
        Participants mentioning the item in both groups together.

    Returns
    -------
    float
    """
    return _min_p(int(n_a), int(n_b), int(total_mentions))


@lru_cache(maxsize=8192)
def _min_p(n_a: int, n_b: int, total_mentions: int) -> float:
    # The two-sided p-value of a table is the total probability of all tables no more likely
    # than it, so it grows with the table's own probability. With the margins fixed, the
    # hypergeometric probability is unimodal in ``a``: the least likely table, and so the
    # smallest p-value, is at one end of the support. Two tests instead of one per possible
    # ``a`` (which took minutes for groups of thousands).
    lo, hi = max(0, total_mentions - n_b), min(n_a, total_mentions)
    return min(fisher_exact(a, n_a, total_mentions - a, n_b)[1] for a in {lo, hi})


def _check_counts(a: int, n_a: int, b: int, n_b: int) -> None:
    for name, k, n in (("a", a, n_a), ("b", b, n_b)):
        if not (0 <= k <= n):
            raise InputError(f"count {name}={k} must lie between 0 and its group size {n}.")


def bootstrap_mean_ci(
    values: Sequence[float],
    *,
    n_boot: int = 1000,
    level: float = 0.95,
    seed: int = 0,
) -> tuple[float, float, float]:
    """Mean of ``values`` with a percentile bootstrap confidence interval.

    Pass one value per participant (their own mean) so that the interval resamples
    participants, not sentences.

    Parameters
    ----------
    values : sequence of float
        ``NaN`` entries are dropped.
    n_boot : int, default 1000
        Bootstrap resamples.
    level : float, default 0.95
        Confidence level.
    seed : int, default 0
        Seed of the resampling (same seed, same interval).

    Returns
    -------
    (mean, low, high) : tuple of float
        ``low``/``high`` are ``NaN`` with fewer than two values. Above :data:`ANALYTIC_FROM`
        values the normal-theory interval is returned (the bootstrap's cost grows as
        ``n_boot`` x n and its result converges to it).
    """
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    if x.size == 0:
        return float("nan"), float("nan"), float("nan")
    mean = float(x.mean())
    if x.size < 2:
        return mean, float("nan"), float("nan")
    if x.size > ANALYTIC_FROM:
        # the bootstrap would cost n_boot x n; with this many participants the mean is
        # normal to well within the bootstrap's own Monte-Carlo error (central limit theorem)
        from scipy.stats import norm

        half = float(norm.ppf(0.5 + level / 2)) * float(x.std(ddof=1)) / np.sqrt(x.size)
        return mean, mean - half, mean + half
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, x.size, size=(n_boot, x.size))
    means = x[idx].mean(axis=1)
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(means, [tail, 100 - tail])
    return mean, float(low), float(high)


#: From this many values, :func:`bootstrap_mean_ci` gives the normal-theory interval instead of
#: resampling (large surveys): same interval to about 0.001 on valence, linear cost.
ANALYTIC_FROM = 2_000


def spearman(x: Sequence[float], y: Sequence[float]) -> tuple[float, float, int]:
    """Spearman rank correlation of paired values, ignoring pairs with a missing value.

    Returns
    -------
    (rho, p_value, n) : tuple
        ``rho`` and ``p_value`` are ``NaN`` with fewer than 4 pairs or a constant input.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    ok = ~(np.isnan(x) | np.isnan(y))
    x, y = x[ok], y[ok]
    n = int(x.size)
    if n < 4 or np.all(x == x[0]) or np.all(y == y[0]):
        return float("nan"), float("nan"), n
    res = _st.spearmanr(x, y)
    return float(res.statistic), float(res.pvalue), n
