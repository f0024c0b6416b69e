"""Reduce and cluster segment embeddings: the step that decides which segments share a theme.

The default pipeline was chosen by measurement (see ``benchmarks/bench_themes.py`` and
``docs/themes.md``): UMAP to a few dimensions (seeded), then Ward agglomerative clustering with
the number of themes estimated from the data, or k-means when the study is too large for Ward's
quadratic memory. HDBSCAN remains available (``clustering="hdbscan"``) with a size-aware
``min_cluster_size``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from cxinsight import _malloc

#: Above this many segments k-means replaces Ward (Ward's O(n^2) time and memory; on Banking77's
#: 10,003 queries k-means on the UMAP points matches Ward: NMI 0.825 vs 0.826, see docs).
WARD_MAX_SEGMENTS = 5_000
#: k-means is fitted on a seeded sample of at most this many points (all points are assigned)
KMEANS_MAX_FIT = 50_000
#: contexts (turns) per block when segments are blended with their turn's context
CONTEXT_BLOCK = 8_192
#: UMAP layout epochs on large inputs (UMAP's own default there is 200): on Banking77, 50
#: epochs gave the same clusters (NMI 0.822 vs 0.823) in 4.3 instead of 8.9 CPU seconds.
LARGE_N_EPOCHS = 50
#: The estimated number of themes is never below this (silhouettes favour 2-3 broad groups on
#: short, diffuse texts such as tweets, which a researcher cannot use).
MIN_ESTIMATED_THEMES = 5
#: Below this many segments the embeddings are clustered directly, without UMAP.
UMAP_MIN_SEGMENTS = 300
#: On interview studies (turn contexts known, number of themes estimated), the fine Ward cut
#: is merged until every theme holds at least this share of the themed segments (see
#: ``docs/themes.md``: 0.0225 keeps all 9 planted themes of the sample study under seeds
#: 0, 1, 2 and 42 once filler is left out; 0.025 lost one under all four).
INTERVIEW_MIN_THEME_SHARE = 0.0225


def default_min_theme_size(n: int) -> int:
    """Smallest theme worth reporting for a study of ``n`` segments.

    Grows like the square root of the study's size: 6 segments for 500, 11 for 2,000,
    18 for 5,000, 56 for 50,000 (never below 5).

    Parameters
    ----------
    n : int
        Number of segments being clustered.

    Returns
    -------
    int
    """
    return max(5, int(round(math.sqrt(max(n, 0)) / 4.0)))


def make_umap(n: int, n_components: int, n_neighbors: int, random_state: int | None) -> Any:
    """Return a seeded UMAP reducer sized for ``n`` segments (cosine metric, ``min_dist=0``)."""
    from umap import UMAP

    from cxinsight.themes import _jit_cache

    _jit_cache.enable()  # compiled UMAP code is kept between processes
    return UMAP(
        n_epochs=LARGE_N_EPOCHS if n >= 4096 else None,
        n_neighbors=max(2, min(n_neighbors, n - 1)),
        n_components=max(2, min(n_components, n - 2)),
        min_dist=0.0,
        metric="cosine",
        random_state=random_state,
        low_memory=True,
        n_jobs=1,
    )


#: Rows of the warm-up's random study (at least 4,096, so that UMAP takes its large-study path).
WARM_UP_ROWS = 6_000


def warm_up(n_components: int = 10, n_neighbors: int = 15) -> None:
    """Compile the UMAP code a large study's themes step runs, on a small random study.

    Most of UMAP's and pynndescent's numba functions are loaded from the on-disk store
    (:mod:`cxinsight.themes._jit_cache`), but the neighbour search, which takes its distance
    function as an argument, is compiled in every process: about 12 CPU seconds before the
    first theme of a large study. Fitting a seeded UMAP with the same metric and types on
    6,000 random 8-dimensional unit vectors (fitted on 5,000, the rest placed with
    ``transform``) compiles the same functions in about 11 s, so the local engine runs this
    while the encoding workers embed the study (:func:`cxinsight.embeddings.meanwhile`). The
    machine code is the same either way, so results do not change; its warnings are silenced.
    """
    from cxinsight.themes._backend import quiet

    x = np.random.RandomState(0).standard_normal((WARM_UP_ROWS, 8)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    with quiet():
        reduce(x, n_components, n_neighbors, 0, max_fit=WARM_UP_ROWS - 1_000)


def reduce(embeddings: np.ndarray, n_components: int, n_neighbors: int,
           random_state: int | None, max_fit: int | None = None,
           rows: np.ndarray | None = None) -> np.ndarray:
    """Reduce L2-normalised embeddings with a seeded cosine UMAP.

    Below 4,096 rows UMAP computes all pairwise distances through a per-pair numba call,
    which takes seconds; here the cosine distance matrix is computed in one matrix product
    and passed as ``metric="precomputed"`` (same neighbours, same result, ~10x faster).

    Above ``max_fit`` rows, UMAP is fitted on a seeded sample of ``max_fit`` rows and the
    others are placed with ``UMAP.transform``: the cost then grows linearly with the study
    (UMAP's own fit grows like ``n^1.3``).

    Parameters
    ----------
    embeddings : ndarray (n, dim) or BlendedRows
        The vectors, or a source that computes the rows asked for.
    n_components, n_neighbors : int
    random_state : int or None
    max_fit : int, optional
        Largest number of rows UMAP is fitted on; ``None`` fits on all rows.
    rows : ndarray of int, optional
        Reduce ``embeddings[rows]`` only (taken without copying the whole selection first).

    Returns
    -------
    ndarray (n, n_components)
        One row per reduced row, in the order of ``rows``.
    """
    if rows is not None and len(rows) == len(embeddings) \
            and np.array_equal(rows, np.arange(len(embeddings))):
        rows = None
    n = len(embeddings) if rows is None else len(rows)
    if max_fit is not None and n > max_fit:
        rng = np.random.RandomState(0 if random_state is None else random_state)
        fit_rows = np.sort(rng.choice(n, int(max_fit), replace=False))
        rest = np.setdiff1d(np.arange(n), fit_rows)
        umap = make_umap(len(fit_rows), n_components, n_neighbors, random_state)
        umap.fit(rows_of(embeddings, fit_rows if rows is None else rows[fit_rows]))
        out = np.empty((n, umap.embedding_.shape[1]), dtype=np.float64)
        out[fit_rows] = umap.embedding_
        _malloc.trim()  # the fit's freed graphs go back before transform allocates its own
        out[rest] = umap.transform(rows_of(embeddings, rest if rows is None else rows[rest]))
        return out
    embeddings = rows_of(embeddings, rows)
    umap = make_umap(n, n_components, n_neighbors, random_state)
    if n < 4096:
        x = np.asarray(embeddings, dtype=np.float64)
        dist = np.clip(1.0 - x @ x.T, 0.0, 2.0)
        np.fill_diagonal(dist, 0.0)
        umap.set_params(metric="precomputed")
        return np.asarray(umap.fit_transform(dist))
    return np.asarray(umap.fit_transform(embeddings))


def hdbscan_labels(points: np.ndarray, min_size: int, min_samples: int | None = None) -> np.ndarray:
    """Cluster ``points`` with HDBSCAN (outliers are ``-1``)."""
    import hdbscan

    model = hdbscan.HDBSCAN(
        min_cluster_size=int(min_size),
        min_samples=min_samples,
        metric="euclidean",
        cluster_selection_method="eom",
    )
    return np.asarray(model.fit(points).labels_, dtype=int)


def estimate_n_themes(
    points: np.ndarray,
    min_size: int,
    random_state: int | None = 0,
    max_points: int = 2000,
    contexts: list[str] | None = None,
) -> int:
    """Estimate how many themes ``points`` hold: the Ward cut with the best silhouette.

    A Ward tree is built on (a seeded sample of at most ``max_points`` of) the reduced points;
    it is cut at about 30 candidate numbers of themes, spaced geometrically between 2 and
    ``len(points) / min_size`` (at most 300), and the cut with the highest silhouette wins
    (the smaller k on ties). On Banking77 this picks 79 for the 77 intents (see
    ``docs/themes.md``).

    When ``contexts`` (turns) are given, the tree and the silhouettes are computed on one
    point per turn (the mean of its segments): segments blended with their turn's context sit
    almost on top of each other, which would otherwise reward cutting the study into turns.
    Interview silhouettes are flat, so k is then also kept at or above ``1.5 * sqrt(turns)``
    (about 28 for 350 answers): a finer cut keeps small planted themes apart, and
    :meth:`ThemeModel.hierarchy` / :meth:`ThemeModel.merge` join themes afterwards.

    Parameters
    ----------
    points : ndarray
        Reduced (UMAP) coordinates.
    min_size : int
        Smallest theme size; bounds the largest k tried.
    random_state : int or None
    max_points : int, default 2000
    contexts : list of str, optional
        Turn key per point.

    Returns
    -------
    int
    """
    from scipy.cluster.hierarchy import fcluster, linkage
    from sklearn.metrics import silhouette_score

    n = len(points)
    pts = np.asarray(points, dtype=np.float64)
    if contexts is not None:
        _, codes = np.unique(np.asarray(contexts, dtype=object).astype(str), return_inverse=True)
        sums = np.zeros((codes.max() + 1, pts.shape[1]))
        np.add.at(sums, codes, pts)
        pts = sums / np.bincount(codes)[:, None]
    rng = np.random.RandomState(0 if random_state is None else random_state)
    if len(pts) > max_points:
        pts = pts[np.sort(rng.choice(len(pts), max_points, replace=False))]
    upper = int(min(300, max(2, n // max(min_size, 1)), len(pts) - 1))
    if upper <= 2:
        return 2
    lower = int(min(upper, MIN_ESTIMATED_THEMES))
    if contexts is not None:
        lower = int(min(upper, max(2, round(1.5 * np.sqrt(len(pts))))))
    candidates = sorted({int(k) for k in np.geomspace(lower, upper, 30).round()} - {0, 1})
    from sklearn.metrics import pairwise_distances

    tree = linkage(pts, method="ward")
    dist = pairwise_distances(pts)  # once, reused by every candidate cut
    best_k, best_score = candidates[0], -np.inf
    for k in candidates:
        cut = fcluster(tree, k, criterion="maxclust")
        if len(np.unique(cut)) < 2:
            continue
        score = float(silhouette_score(dist, cut, metric="precomputed"))
        if score > best_score + 1e-9:
            best_k, best_score = k, score
    return int(best_k)


def merge_small_themes(points: np.ndarray, labels: np.ndarray, min_size: int,
                       min_themes: int = 2, max_themes: int | None = None) -> np.ndarray:
    """Merge the smallest theme into its nearest theme until the themes are few and large enough.

    "Nearest" is the highest cosine similarity between theme centroids in the reduced space,
    measured around the centre of all points (so that direction, not distance from the origin,
    decides). One theme is merged at a time, smallest first (ties: lowest id), so a small,
    distinct theme is joined to the theme it most resembles rather than to a large neighbour
    by default. This turns a fine cut (which keeps small themes apart) into a number of themes
    a researcher can report, without the coarse Ward cut's habit of fusing small themes.

    Centroids are kept as running sums: a merge updates the one centroid it changes, so the
    cost is one pass over the points plus ``O(k^2)`` per merge (not a pass per merge).

    Parameters
    ----------
    points : ndarray (n, d)
        Reduced coordinates the labels were found on.
    labels : ndarray of int
        Theme per row (no outliers).
    min_size : int
        Smallest theme size kept.
    min_themes : int, default 2
        Never merge below this many themes.
    max_themes : int, optional
        Also merge while there are more themes than this.

    Returns
    -------
    ndarray of int
        New labels (the input is not changed); ids are a subset of the input ids.
    """
    labels = np.asarray(labels)
    pts = np.asarray(points, dtype=np.float64)
    pts = pts - pts.mean(axis=0)
    ids, codes = np.unique(labels, return_inverse=True)
    k = len(ids)
    sums = np.zeros((k, pts.shape[1]))
    np.add.at(sums, codes, pts)
    counts = np.bincount(codes, minlength=k).astype(np.int64)

    def unit(v: np.ndarray) -> np.ndarray:
        return v / np.maximum(np.linalg.norm(v, axis=-1, keepdims=True), 1e-12)

    cents = unit(sums / np.maximum(counts, 1)[:, None])
    parent = np.arange(k)
    alive = np.ones(k, dtype=bool)
    floor = max(int(min_themes), 1)
    while True:
        live = np.flatnonzero(alive)
        if len(live) <= floor:
            break
        sizes = counts[live]
        crowded = max_themes is not None and len(live) > int(max_themes)
        if sizes.min() >= min_size and not crowded:
            break
        small = int(live[int(np.argmin(sizes))])
        sims = cents[live] @ cents[small]
        sims[live == small] = -np.inf
        dest = int(live[int(np.argmax(sims))])
        sums[dest] += sums[small]
        counts[dest] += counts[small]
        cents[dest] = unit(sums[dest] / counts[dest])
        alive[small] = False
        parent[small] = dest
    root = parent.copy()
    for _ in range(k):  # resolve chains of merges
        nxt = parent[root]
        if np.array_equal(nxt, root):
            break
        root = nxt
    return ids[root[codes]]


def enforce_min_size(embeddings: np.ndarray, labels: np.ndarray, min_size: int,
                     keep: set[int] | None = None, threshold: float | None = None) -> np.ndarray:
    """Dissolve themes smaller than ``min_size``: their segments join the nearest other theme.

    Themes are dissolved smallest first (ties: lowest id); a segment whose nearest remaining
    centroid is less similar than ``threshold`` becomes an outlier (``-1``). Themes in ``keep``
    (codebook themes) are never dissolved.

    Parameters
    ----------
    embeddings : ndarray (n, dim)
        L2-normalised.
    labels : ndarray of int
    min_size : int
    keep : set of int, optional
    threshold : float, optional

    Returns
    -------
    ndarray of int
        New labels (the input is not changed).
    """
    labels = np.asarray(labels).copy()
    keep = set(keep or ())
    while True:
        ids, sizes = np.unique(labels[labels >= 0], return_counts=True)
        small = [(s, t) for t, s in zip(ids.tolist(), sizes.tolist()) if s < min_size and t not in keep]
        others = [t for t in ids.tolist()]
        if not small or len(others) <= 1:
            return labels
        _, theme = min(small)
        rest = [t for t in others if t != theme]
        members = np.flatnonzero(labels == theme)
        cents = centroid_matrix(embeddings, labels, rest)
        sims = embeddings[members] @ cents.T
        best = np.argmax(sims, axis=1)
        new = np.asarray(rest)[best]
        if threshold is not None:
            new = np.where(sims[np.arange(len(best)), best] >= threshold, new, -1)
        labels[members] = new


def partition(points: np.ndarray, k: int, method: str, random_state: int | None) -> np.ndarray:
    """Split ``points`` into exactly ``k`` groups with Ward or k-means.

    Parameters
    ----------
    points : ndarray
    k : int
    method : {"agglomerative", "kmeans"}
    random_state : int or None

    Returns
    -------
    ndarray of int
    """
    k = int(min(k, len(points)))
    if method == "agglomerative":
        from sklearn.cluster import AgglomerativeClustering

        return AgglomerativeClustering(n_clusters=k, linkage="ward").fit_predict(points)
    from sklearn.cluster import KMeans

    model = KMeans(n_clusters=k, n_init=10, random_state=random_state)
    if len(points) <= KMEANS_MAX_FIT:
        return model.fit_predict(points)
    # a large study: centres from a seeded sample, every point to its nearest centre (linear
    # in the study; ten restarts on 140k points took 45 s for the same centres to 1e-3)
    rng = np.random.RandomState(0 if random_state is None else random_state)
    rows = np.sort(rng.choice(len(points), KMEANS_MAX_FIT, replace=False))
    return model.fit(points[rows]).predict(points)


def assign_outliers(
    labels: np.ndarray, embeddings: np.ndarray, threshold: float | None,
    exclude: set[int] | None = None,
) -> np.ndarray:
    """Give outliers (``-1``) the theme whose centroid is most similar, when similar enough.

    Parameters
    ----------
    labels : ndarray of int
    embeddings : ndarray
        L2-normalised embeddings, same rows as ``labels``.
    threshold : float or None
        Minimum cosine similarity to the theme centroid; ``None`` keeps every outlier.

    Returns
    -------
    ndarray of int
        New labels (the input is not changed).
    """
    labels = np.asarray(labels).copy()
    outliers = labels == -1
    ids = sorted(set(labels.tolist()) - {-1} - set(exclude or ()))
    if threshold is None or not outliers.any() or not ids:
        return labels
    centroids = centroid_matrix(embeddings, labels, ids)
    sims = embeddings[outliers] @ centroids.T
    best = np.argmax(sims, axis=1)
    ok = sims[np.arange(len(best)), best] >= threshold
    new = np.where(ok, np.asarray(ids)[best], -1)
    labels[outliers] = new
    return labels


def _context_means(embeddings: np.ndarray, contexts: list[str]):
    """Yield ``(rows, local, means)`` per block of contexts: the rows of the block's contexts,
    each row's context within the block, and the L2-normalised float64 context means.

    In blocks of contexts: the float64 means and intermediates of a whole large study took
    over 1 GB. Each context's sum adds its rows in row order (``np.add.reduceat`` along rows
    adds row after row), as one ``np.add.at`` over all rows does, and each row's arithmetic is
    the same, so the result is identical (tested bit for bit against ``np.add.at``).
    """
    _, codes = np.unique(np.asarray(contexts, dtype=object).astype(str), return_inverse=True)
    codes = codes.reshape(-1)
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(0, codes.max() + 2))
    for first in range(0, len(bounds) - 1, CONTEXT_BLOCK):
        last = min(first + CONTEXT_BLOCK, len(bounds) - 1)
        rows = order[bounds[first]:bounds[last]]
        local = codes[rows] - first
        # every context of the block has rows, sorted by context and in row order within one:
        # a float64 running sum per context, added row after row as np.add.at adds them
        means = np.add.reduceat(embeddings[rows].astype(np.float64),
                                bounds[first:last] - bounds[first], axis=0)
        means /= np.maximum(np.linalg.norm(means, axis=1, keepdims=True), 1e-12)
        yield rows, local, means


def _blend(embeddings: np.ndarray, rows: np.ndarray, means: np.ndarray, weight: float) -> np.ndarray:
    block = embeddings[rows] + weight * means
    block /= np.maximum(np.linalg.norm(block, axis=1, keepdims=True), 1e-12)
    return block


def with_context(embeddings: np.ndarray, contexts: list[str] | None, weight: float) -> np.ndarray:
    """Blend each segment's embedding with the mean of its context (turn), then re-normalise.

    Parameters
    ----------
    embeddings : ndarray (n, dim)
        L2-normalised.
    contexts : list of str or None
        Context key per row (segments of one turn share a key). ``None`` returns the input.
    weight : float
        Weight of the context mean; 0 returns the input.

    Returns
    -------
    ndarray (n, dim), L2-normalised
    """
    if contexts is None or weight <= 0:
        return embeddings
    out = np.empty(embeddings.shape, dtype=np.float32)
    for rows, local, means in _context_means(embeddings, contexts):
        out[rows] = _blend(embeddings, rows, means[local], weight)
    return out


class RowsOf:
    """The rows ``rows`` of ``base``, taken when indexed instead of copied at once.

    A corpus's themed segments are most of its rows; their vectors are copied into the fitted
    model only after UMAP has run (``np.asarray`` gives the copy), so that a large study does
    not hold the copy and UMAP's working memory at the same time.

    Parameters
    ----------
    base : ndarray (n, dim)
    rows : ndarray of int
    """

    def __init__(self, base: np.ndarray, rows: np.ndarray) -> None:
        self.base, self.rows = base, np.asarray(rows, dtype=np.int64)
        self.shape = (len(self.rows), base.shape[1])
        self.dtype = base.dtype
        self.ndim = 2

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, index: Any) -> np.ndarray:
        return self.base[self.rows[index]]

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        out = self.base[self.rows]
        return out if dtype is None else out.astype(dtype, copy=False)


class BlendedRows:
    """The rows of :func:`with_context` computed when they are asked for.

    A large study's UMAP takes its fitting sample and then the other rows; taking them from
    this source instead of a blended copy of the whole matrix keeps one matrix of the study's
    size out of memory while UMAP runs. :meth:`rows_at` gives exactly the rows of
    ``with_context(embeddings, contexts, weight)`` (each row's arithmetic is the same).

    Parameters
    ----------
    embeddings : ndarray (n, dim)
        L2-normalised.
    contexts : list of str or None
    weight : float
    """

    def __init__(self, embeddings: np.ndarray, contexts: list[str] | None, weight: float) -> None:
        self.embeddings, self.contexts, self.weight = embeddings, contexts, float(weight)
        self.shape = embeddings.shape

    def __len__(self) -> int:
        return len(self.embeddings)

    def rows_at(self, wanted: np.ndarray) -> np.ndarray:
        """Blended rows ``wanted`` (distinct row numbers), in that order."""
        wanted = np.asarray(wanted, dtype=np.int64)
        if self.contexts is None or self.weight <= 0:
            return self.embeddings[wanted]
        where = np.full(len(self.embeddings), -1, dtype=np.int64)
        where[wanted] = np.arange(len(wanted))
        out = np.empty((len(wanted), self.embeddings.shape[1]), dtype=np.float32)
        for rows, local, means in _context_means(self.embeddings, self.contexts):
            at = where[rows]
            keep = at >= 0
            if keep.any():
                out[at[keep]] = _blend(self.embeddings, rows[keep], means[local[keep]], self.weight)
        return out


def rows_of(source: np.ndarray | BlendedRows, rows: np.ndarray | None) -> np.ndarray:
    """``source[rows]`` (all rows when ``rows`` is None) of a matrix or a :class:`BlendedRows`."""
    if isinstance(source, BlendedRows):
        return source.rows_at(np.arange(len(source)) if rows is None else rows)
    return source if rows is None else source[rows]


def centroid_matrix(embeddings: np.ndarray, labels: np.ndarray, ids: list[int]) -> np.ndarray:
    """Return the L2-normalised mean embedding of each theme in ``ids`` (one row each)."""
    rows = []
    for t in ids:
        v = embeddings[labels == t].mean(axis=0)
        rows.append(v / max(float(np.linalg.norm(v)), 1e-12))
    if not rows:
        return np.zeros((0, embeddings.shape[1]), dtype=np.float32)
    return np.vstack(rows).astype(np.float32)
