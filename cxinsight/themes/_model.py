"""ThemeModel: a scikit-learn style estimator around BERTopic for interview themes."""

from __future__ import annotations

import copy
import inspect
import json
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cxinsight.corpus import Corpus
from cxinsight.errors import TooLittleTextError
from cxinsight.estimator import Estimator
from cxinsight.themes import _cluster
from cxinsight.themes._backend import bertopic_module, make_embedder, quiet
from cxinsight.themes._codebook import (
    DEFAULT_CODEBOOK_THRESHOLD,
    CodebookLike,
    codebook_similarity,
    read_codebook,
)
from cxinsight.themes._labels import (
    LABEL_QUOTES,
    central_quotes,
    label_found_in,
    label_from_keyphrases,
    phrase_labels,
    without_placeholders,
)
from cxinsight.themes._text import default_vectorizer, is_filler

#: Fewer segments than this cannot support themes; ``fit`` raises :class:`TooLittleTextError`.
MIN_SEGMENTS = 30
#: Version of the on-disk layout written by :meth:`ThemeModel.save`.
SAVE_FORMAT_VERSION = 1
_CLUSTERINGS = ("auto", "agglomerative", "kmeans", "hdbscan")


def themable_mask(segments: pd.DataFrame, min_words: int = 3) -> tuple[np.ndarray, dict[str, int]]:
    """Return which segments are themed, and how many were excluded for each reason.

    Themes are found in participant speech only (:func:`cxinsight.speech.participant_mask`):
    interviewer segments, back-channels
    ("yeah", "mm-hmm"), segments shorter than ``min_words`` words and filler or small talk
    ("Um, okay", "Yeah, that's a good question": see :func:`cxinsight.themes.is_filler`) are
    left out. In an interview where no segment has the role ``participant`` (transcripts
    without speaker roles), every segment that is not ``interviewer`` is used.

    Parameters
    ----------
    segments : DataFrame
        A corpus's ``segments`` table.
    min_words : int, default 3

    Returns
    -------
    mask : ndarray of bool
    excluded : dict
        ``{"interviewer": n, "backchannel": n, "empty": n, "short": n, "filler": n}`` (each
        segment counted under its first reason, in that order).
    """
    from cxinsight.speech import participant_mask

    # the one shared definition of participant speech (per interview: without speaker roles,
    # every segment not spoken by the interviewer); back-channels are counted separately below
    speaker_ok = pd.Series(participant_mask(segments, backchannels="include"), index=segments.index)
    text = segments["text"].fillna("").astype(str)
    if "n_words" in segments:
        words = segments["n_words"].fillna(0).astype(int)
    else:
        words = text.str.split().str.len()
    bc = (segments["is_backchannel"].fillna(False).astype(bool) if "is_backchannel" in segments
          else pd.Series(False, segments.index))
    empty = text.str.strip() == ""
    long_enough = speaker_ok & ~bc & ~empty & (words >= min_words)
    filler = pd.Series(False, segments.index)
    filler[long_enough] = [is_filler(t) for t in text[long_enough]]
    excluded = {
        "interviewer": int((~speaker_ok).sum()),
        "backchannel": int((speaker_ok & bc).sum()),
        "empty": int((speaker_ok & ~bc & empty).sum()),
        "short": int((speaker_ok & ~bc & ~empty & (words < min_words)).sum()),
        "filler": int(filler.sum()),
    }
    mask = (long_enough & ~filler).to_numpy()
    return mask, excluded


class _NoPlacement:
    """BERTopic's reduction step when the themes are already decided (``y`` given).

    BERTopic's own pass-through (``BaseDimensionalityReduction``) hands the full embeddings to
    the clustering step, and BERTopic copies them on the way (``np.nan_to_num``): 0.4 GB at
    the peak of a 140,000-segment study for a result nobody reads, since the clustering step
    only takes the given themes. One zero column per document is returned instead; the topic
    vectors are still computed from the full embeddings.
    """

    def fit(self, X: Any = None, y: Any = None) -> _NoPlacement:  # noqa: N803 - BERTopic's names
        return self

    def transform(self, X: Any) -> np.ndarray:  # noqa: N803
        return np.zeros((len(X), 1), dtype=np.float32)


class ThemeModel(Estimator):
    """Find themes in interview segments: BERTopic representations over a tuned clustering.

    Segments are embedded once (or the corpus's cached embeddings are used), reduced with a
    seeded UMAP, and partitioned into themes; BERTopic then describes each theme with c-TF-IDF
    keywords and KeyBERT-inspired + MMR keyphrases computed with the same embedding model.
    Each theme gets a short label, central quotes from different participants and its
    prevalence (share of participants who mention it).

    Parameters
    ----------
    n_themes : int, optional
        Number of themes. By default estimated from the data: the cut of a Ward tree over the
        reduced embeddings with the best silhouette.
    min_theme_size : int, optional
        Smallest theme, in segments. By default grows with the study: ``max(5, sqrt(n) / 4)``.
        Clustered themes below it are dissolved into their members' nearest themes (when
        ``n_themes`` is given, only if ``min_theme_size`` is given as well).
    max_themes : int or None, default 30
        When the number of themes is estimated, the fine cut is merged (smallest theme into its
        nearest) until at most this many themes remain, so that a plain list of answers gives a
        set a researcher can read (about 5-30) rather than hundreds. ``None``: no cap.
    min_theme_share : float, optional
        When the number of themes is estimated, the fine cut is merged (smallest theme into
        its nearest theme, one at a time) until every theme holds at least this share of the
        clustered segments. By default 0.025 on interview studies (turn contexts known) and no
        merging otherwise; raise it (e.g. 0.04) for fewer, broader themes.
    clustering : {"auto", "agglomerative", "kmeans", "hdbscan"}, default "auto"
        How reduced embeddings are grouped. ``"auto"``: Ward agglomerative up to 5,000
        segments, k-means above. ``"hdbscan"``: BERTopic's usual density clustering with a
        size-aware ``min_cluster_size``; its outliers are then reassigned (see
        ``outlier_threshold``).
    n_components : int, default 10
        UMAP output dimensions. Studies under 300 segments are clustered on the embeddings
        themselves (UMAP is unstable on so few points).
    n_neighbors : int, default 15
        UMAP neighbourhood size.
    reduction_sample : int or None, default 50000
        UMAP is fitted on at most this many segments (a seeded sample) and the others are placed
        with ``UMAP.transform``, so large studies cost time in proportion to their size.
        ``None`` fits UMAP on every segment.
    drop_filler : bool, default True
        Segments that are filler or small talk ("Um, okay", "Yeah, that's a good question":
        no content word once spoken fillers, stop words and small-talk phrases are removed,
        see :func:`cxinsight.themes.is_filler`) never form or join a theme: they are outliers
        (``-1``), counted in ``n_filler_``.
    outlier_threshold : float or None, default 0.2
        A segment whose cosine similarity to its theme's centroid is below this is an outlier
        (theme ``-1``); HDBSCAN outliers at or above it are reassigned to the nearest theme.
        ``None`` never creates or reassigns outliers.
    context_weight : float, default 1.0
        How much a segment's turn (its neighbouring sentences) counts when grouping: each
        segment is clustered on ``normalise(own + context_weight * turn mean)``. A sentence
        such as "I felt good about it" then lands with the theme of the answer it belongs to.
        Used only when contexts are known (a corpus, or ``contexts=`` in :meth:`fit`); ``0``
        clusters sentences on their own.
    codebook : dict, DataFrame or path, optional
        The researcher's themes: ``{name: description or [seed phrases]}``, or a CSV/YAML file
        (see :func:`cxinsight.themes.read_codebook`). Segments similar enough to a codebook theme
        get it (zero-shot); the rest are clustered into new themes.
    codebook_threshold : float, default 0.40
        Cosine similarity needed for a codebook theme, calibrated for all-MiniLM-L6-v2.
    codebook_only : bool, default False
        Do not cluster the rest: segments matching no codebook theme are outliers.
    n_keywords : int, default 10
    n_quotes : int, default 3
    embedding_model : str or path, optional
        Local embedding model (see :func:`cxinsight.embeddings.resolve_model`); must be the one
        the embeddings you pass were made with.
    umap_model : estimator, optional
        Replaces the default seeded UMAP (anything with ``fit_transform``).
    cluster_model : estimator, optional
        Any clusterer with ``fit`` and ``labels_`` (BERTopic style); replaces the clustering
        step, and ``n_themes``/``min_theme_size`` are then not used for it.
    hdbscan_model : estimator, optional
        Alias of ``cluster_model`` (BERTopic's name).
    vectorizer_model : CountVectorizer, optional
        Vectoriser for c-TF-IDF; default :func:`cxinsight.themes.default_vectorizer`.
    ctfidf_model : ClassTfidfTransformer, optional
        BERTopic's c-TF-IDF model; default ``ClassTfidfTransformer()``.
    representation_model : BERTopic representation, optional
        A BERTopic representation (e.g. KeyBERT-inspired + MMR) for the ``keywords`` column;
        by default the keywords are c-TF-IDF's.
    label_style : {"phrase", "keywords"}, default "phrase"
        ``"phrase"``: each theme is named by a noun or verb phrase taken from its own quotes
        (spaCy's parser, see :func:`cxinsight.themes.phrase_labels`) and checked against them;
        ``"keywords"``: the top keyphrases joined by commas.
    min_segments : int, default 30
        Fewer segments raise :class:`TooLittleTextError`.
    random_state : int or None, default 42
        Seed for UMAP, k-means and splits: same inputs and seed give the same themes;
        another seed may give other themes.

    Attributes
    ----------
    labels_ : ndarray of int
        Theme of each fitted segment (``-1`` outlier).
    themes_ : DataFrame
        One row per theme: ``theme``, ``label``, ``label_in_quotes`` (every content word of
        the label occurs in the theme's segments), ``size``, ``share``, ``n_participants``,
        ``prevalence``, ``keywords`` (c-TF-IDF), ``keyphrases`` (phrases found in the quotes,
        best first), ``quotes``, ``quote_interviews``, ``quote_segment_ids``, ``source``
        (``codebook``/``cluster``/``edit``).
    filler_ : ndarray of bool
        Which fitted texts were filler or small talk (see ``drop_filler``).
    n_filler_ : int
        How many fitted texts were filler.
    sources_ : dict
        Theme id to how it came about (``codebook``/``cluster``/``edit``).
    centroids_ : ndarray (n_themes, dim)
        Normalised mean embedding per theme, rows in ``themes_`` order.
    topic_model_ : bertopic.BERTopic or None
        The BERTopic model holding the representations (``None`` after :meth:`load`).
    """

    def __init__(
        self,
        n_themes: int | None = None,
        *,
        min_theme_size: int | None = None,
        min_theme_share: float | None = None,
        max_themes: int | None = 30,
        clustering: str = "auto",
        n_components: int = 10,
        n_neighbors: int = 15,
        reduction_sample: int | None = 50_000,
        drop_filler: bool = True,
        outlier_threshold: float | None = 0.2,
        context_weight: float = 1.0,
        codebook: CodebookLike | None = None,
        codebook_threshold: float = DEFAULT_CODEBOOK_THRESHOLD,
        codebook_only: bool = False,
        n_keywords: int = 10,
        n_quotes: int = 3,
        embedding_model: Any = None,
        umap_model: Any = None,
        cluster_model: Any = None,
        hdbscan_model: Any = None,
        vectorizer_model: Any = None,
        ctfidf_model: Any = None,
        representation_model: Any = None,
        label_style: str = "phrase",
        min_segments: int = MIN_SEGMENTS,
        random_state: int | None = 42,
    ) -> None:
        self.n_themes = n_themes
        self.min_theme_size = min_theme_size
        self.min_theme_share = min_theme_share
        self.max_themes = max_themes
        self.clustering = clustering
        self.n_components = n_components
        self.n_neighbors = n_neighbors
        self.reduction_sample = reduction_sample
        self.drop_filler = drop_filler
        self.outlier_threshold = outlier_threshold
        self.context_weight = context_weight
        self.codebook = codebook
        self.codebook_threshold = codebook_threshold
        self.codebook_only = codebook_only
        self.n_keywords = n_keywords
        self.n_quotes = n_quotes
        self.embedding_model = embedding_model
        self.umap_model = umap_model
        self.cluster_model = cluster_model
        self.hdbscan_model = hdbscan_model
        self.vectorizer_model = vectorizer_model
        self.ctfidf_model = ctfidf_model
        self.representation_model = representation_model
        self.label_style = label_style
        self.min_segments = min_segments
        self.random_state = random_state

    # ------------------------------------------------------------------ estimator plumbing
    def __repr__(self) -> str:
        defaults = {
            n: p.default for n, p in inspect.signature(type(self).__init__).parameters.items()
        }
        shown = []
        for name, value in self.get_params().items():
            default = defaults.get(name)
            try:
                same = value is default or bool(value == default)
            except Exception:  # noqa: BLE001 - arrays, DataFrames
                same = False
            if not same:
                shown.append(f"{name}={value!r}" if not isinstance(value, pd.DataFrame) else
                             f"{name}=<DataFrame>")
        return f"ThemeModel({', '.join(shown)})"

    def _check_params(self) -> None:
        def bad(name: str, value: Any, want: str) -> ValueError:
            return ValueError(f"ThemeModel({name}={value!r}): {name} must be {want}.")

        if self.clustering not in _CLUSTERINGS:
            raise bad("clustering", self.clustering, f"one of {list(_CLUSTERINGS)}")
        if self.n_themes is not None and (not isinstance(self.n_themes, (int, np.integer))
                                          or self.n_themes < 1):
            raise bad("n_themes", self.n_themes, "a positive int or None (estimate)")
        if self.min_theme_size is not None and (
            not isinstance(self.min_theme_size, (int, np.integer)) or self.min_theme_size < 2
        ):
            raise bad("min_theme_size", self.min_theme_size, "an int >= 2 or None (size-aware)")
        if self.label_style not in ("phrase", "keywords"):
            raise bad("label_style", self.label_style, "'phrase' or 'keywords'")
        for name in ("max_themes", "reduction_sample"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, (int, np.integer)) or value < 2):
                raise bad(name, value, "an int >= 2 or None")
        if self.reduction_sample is not None and self.reduction_sample < 100:
            raise bad("reduction_sample", self.reduction_sample, "at least 100 (or None)")
        for name in ("n_components", "n_neighbors", "n_keywords", "n_quotes", "min_segments"):
            value = getattr(self, name)
            if not isinstance(value, (int, np.integer)) or value < 1:
                raise bad(name, value, "a positive int")
        if self.min_theme_share is not None and (
            not isinstance(self.min_theme_share, (int, float)) or not 0 <= self.min_theme_share < 0.5
        ):
            raise bad("min_theme_share", self.min_theme_share, "a share in [0, 0.5) or None")
        if not isinstance(self.context_weight, (int, float)) or self.context_weight < 0:
            raise bad("context_weight", self.context_weight, "a number >= 0")
        if self.outlier_threshold is not None and not -1.0 <= float(self.outlier_threshold) <= 1.0:
            raise bad("outlier_threshold", self.outlier_threshold, "a cosine similarity in [-1, 1] or None")
        if not -1.0 <= float(self.codebook_threshold) <= 1.0:
            raise bad("codebook_threshold", self.codebook_threshold, "a cosine similarity in [-1, 1]")
        if self.cluster_model is not None and self.hdbscan_model is not None:
            raise ValueError("Pass either cluster_model or hdbscan_model (its alias), not both.")
        if self.codebook_only and self.codebook is None:
            raise ValueError("codebook_only=True needs a codebook: ThemeModel(codebook={...}, codebook_only=True).")

    def _require_fitted(self) -> None:
        self._check_fitted(
            "labels_", "model.fit(texts) or cx.extract_themes(corpus, model=model), or load a "
            "saved model with ThemeModel.load(path),")

    # ------------------------------------------------------------------ inputs
    def _inputs(
        self, data: Any, embeddings: np.ndarray | None, groups: Sequence[str] | None,
        contexts: Sequence[Any] | None = None,
    ) -> tuple[list[str], np.ndarray, list[str], list[str], list[str] | None]:
        """Return texts, embeddings, groups (participants), ids and contexts for ``data``."""
        if isinstance(data, Corpus):
            segments = data.require("segments", ["text"], "cx.segment(corpus)")
            mask, _ = themable_mask(segments)
            if embeddings is None:
                if data.embeddings is None:
                    from cxinsight.errors import MissingStepError

                    raise MissingStepError(
                        "The corpus has no embeddings yet: run `corpus = cx.embed(corpus)` "
                        "before fitting a ThemeModel on it."
                    )
                embeddings = data.embeddings[mask]
            rows = segments[mask]
            texts = rows["text"].astype(str).tolist()
            groups = rows["interview_id"].astype(str).tolist() if "interview_id" in rows else None
            ids = (rows["segment_id"].astype(str).tolist() if "segment_id" in rows
                   else [str(i) for i in rows.index])
            if contexts is None and {"interview_id", "turn"} <= set(rows.columns):
                contexts = (rows["interview_id"].astype(str) + "\x1f" + rows["turn"].astype(str)).tolist()
        else:
            if isinstance(data, str) or not isinstance(data, (Sequence, pd.Series, np.ndarray)):
                raise TypeError(
                    "ThemeModel.fit expects a Corpus or a list of texts; got "
                    f"{type(data).__name__}."
                )
            texts = ["" if t is None else str(t) for t in list(data)]
            ids = [str(i) for i in range(len(texts))]
        if embeddings is None:
            from cxinsight.embeddings import encode

            embeddings = encode(texts, self.embedding_model, show_progress=None)
        lazy = isinstance(embeddings, _cluster.RowsOf) and embeddings.dtype == np.float32
        if not lazy:  # (a corpus's own rows are copied after UMAP: see _cluster.RowsOf)
            embeddings = np.asarray(embeddings, dtype=np.float32)
        if embeddings.ndim != 2 or len(embeddings) != len(texts):
            raise ValueError(
                f"embeddings must have one row per text ({len(texts)} texts, embeddings of "
                f"shape {embeddings.shape})."
            )
        # leave normalised vectors bit-identical (checked in blocks: no whole-matrix temporary)
        if any(np.any(np.abs(np.linalg.norm(embeddings[i:i + 16_384], axis=1) - 1.0) > 1e-3)
               for i in range(0, len(embeddings), 16_384)):
            embeddings = np.asarray(embeddings)
            embeddings = embeddings / np.maximum(np.linalg.norm(embeddings, axis=1, keepdims=True), 1e-12)
        if groups is None:
            groups = ids
        groups = [str(g) for g in groups]
        if len(groups) != len(texts):
            raise ValueError(f"groups must have one entry per text ({len(texts)}), got {len(groups)}.")
        if contexts is not None:
            contexts = [str(c) for c in contexts]
            if len(contexts) != len(texts):
                raise ValueError(
                    f"contexts must have one entry per text ({len(texts)}), got {len(contexts)}.")
        return texts, embeddings, groups, ids, contexts

    # ------------------------------------------------------------------ fitting
    def fit(
        self,
        X: Corpus | Sequence[str],
        embeddings: np.ndarray | None = None,
        *,
        groups: Sequence[str] | None = None,
        contexts: Sequence[Any] | None = None,
    ) -> ThemeModel:
        """Find themes in a corpus or a list of texts.

        Parameters
        ----------
        X : Corpus or sequence of str
            A segmented, embedded corpus (participant segments that are not back-channels and
            have at least 3 words are used) or the texts themselves.
        embeddings : ndarray, optional
            Precomputed embeddings, one row per text (for a corpus: per themed segment). By
            default the corpus's embeddings, or the texts embedded through the cxinsight cache.
        groups : sequence of str, optional
            The participant (interview id) of each text, used for quotes and prevalence. A
            corpus provides ``interview_id``.
        contexts : sequence, optional
            The turn (or passage) each text belongs to; texts of the same turn share context
            (see ``context_weight``). A corpus provides ``(interview_id, turn)``.

        Returns
        -------
        ThemeModel
            ``self``, fitted.

        Raises
        ------
        TooLittleTextError
            With fewer than ``min_segments`` usable texts.
        """
        from threadpoolctl import threadpool_limits

        self._check_params()
        texts, emb, grp, ids, ctx = self._inputs(X, embeddings, groups, contexts)
        # one BLAS/OpenMP thread: sums split over threads round differently, and a borderline
        # segment would change theme with the machine's core count
        with threadpool_limits(limits=1):
            self._fit_arrays(texts, emb, grp, ids, ctx)
        return self

    def fit_predict(
        self,
        X: Corpus | Sequence[str],
        embeddings: np.ndarray | None = None,
        *,
        groups: Sequence[str] | None = None,
        contexts: Sequence[Any] | None = None,
    ) -> np.ndarray:
        """Fit and return the theme of each text (``-1`` for outliers).

        Parameters
        ----------
        X, embeddings, groups, contexts
            As in :meth:`fit`.

        Returns
        -------
        ndarray of int, shape (n_texts,)
        """
        return self.fit(X, embeddings, groups=groups, contexts=contexts).labels_.copy()

    def _fit_arrays(self, texts: list[str], emb: np.ndarray, groups: list[str], ids: list[str],
                    contexts: list[str] | None = None) -> None:
        t0 = time.perf_counter()
        n = len(texts)
        filler = (np.array([is_filler(t) for t in texts], dtype=bool) if self.drop_filler
                  else np.zeros(n, dtype=bool))
        usable = sum(1 for t, f in zip(texts, filler) if t.strip() and not f)
        if usable < self.min_segments:
            raise TooLittleTextError(
                f"Only {usable} usable segments to find themes in ({int(filler.sum())} more were "
                f"filler or small talk); at least {self.min_segments} "
                "are needed for themes to mean anything. Add more interviews, lower "
                "`min_words` in cx.extract_themes(...), or code this study by hand (for a "
                "fixed set of themes, use ThemeModel(codebook={...}, codebook_only=True, "
                "min_segments=1))."
            )
        labels = np.full(n, -1, dtype=int)
        book = read_codebook(self.codebook) if self.codebook is not None else None
        weight = float(self.context_weight)
        work = None  # the blended matrix; without a codebook, made only after UMAP (see below)
        free = ~filler
        if book:  # the codebook is matched against every blended row at once
            emb = np.asarray(emb)
            work = _cluster.with_context(emb, contexts, weight)
            sims = codebook_similarity(work, book, self.embedding_model)
            best = np.argmax(sims, axis=1)
            hit = (sims[np.arange(n), best] >= float(self.codebook_threshold)) & ~filler
            labels[hit] = best[hit]
            free = ~hit & ~filler
        offset = len(book) if book else 0
        min_size = self.min_theme_size or _cluster.default_min_theme_size(int(free.sum()))
        clustered_k = None
        if not self.codebook_only and free.sum() >= max(2 * min_size, 10):
            ctx_free = None if contexts is None else [c for c, f in zip(contexts, free) if f]
            # blended rows computed as UMAP asks for them: neither the blended matrix nor the
            # copy of a corpus's rows (``emb`` a RowsOf) is held while UMAP's memory is
            source = work if work is not None else _cluster.BlendedRows(emb, contexts, weight)
            sub, clustered_k = self._cluster(source, min_size, ctx_free, rows=np.flatnonzero(free))
            labels[free] = np.where(sub >= 0, sub + offset, -1)
        emb = np.asarray(emb)
        if work is None:
            work = _cluster.with_context(emb, contexts, weight)
        # outliers: drop far-away members, give close outliers the nearest theme
        if self.outlier_threshold is not None:
            labels = self._apply_outlier_threshold(labels, work, keep=set(range(offset)))
            labels[filler] = -1
        # every clustered theme holds at least min_size segments (codebook themes are kept);
        # a number of themes given by the researcher is kept unless min_theme_size is given too
        if self.n_themes is None or self.min_theme_size is not None:
            labels = _cluster.enforce_min_size(work, labels, min_size, keep=set(range(offset)),
                                               threshold=self.outlier_threshold)
        labels[filler] = -1
        # the blended copy is not used from here on: free it before the representations
        # (BERTopic's step), which would otherwise raise a large study's peak memory
        del work
        labels = self._renumber(labels, offset)
        source = {t: ("codebook" if t < offset else "cluster") for t in set(labels.tolist()) - {-1}}
        self.codebook_ = book
        self.custom_labels_: dict[int, str] = {t: name for t, name in enumerate(book or {})}
        self.documents_ = list(texts)
        self.embeddings_ = emb
        self.groups_ = list(groups)
        self.segment_ids_ = list(ids)
        self.labels_ = labels
        self.filler_ = filler
        self.n_filler_ = int(filler.sum())
        self.sources_ = source
        self.n_estimated_ = clustered_k
        self._describe()
        self.fit_seconds_ = time.perf_counter() - t0

    def _cluster(self, emb: np.ndarray | _cluster.BlendedRows, min_size: int, contexts: list[str] | None = None,
                 rows: np.ndarray | None = None) -> tuple[np.ndarray, int | None]:
        """Cluster free (non-codebook) segments, ``emb[rows]`` (all rows when ``rows`` is
        None; ``emb`` a matrix or rows computed on demand); return their labels and the
        number of themes used.

        The rows are taken from ``emb`` only where needed, so that a large study's UMAP
        sample and the rest are copied, not the whole matrix once more.
        """
        rows = np.arange(len(emb)) if rows is None else np.asarray(rows)
        n = len(rows)
        custom = self.cluster_model if self.cluster_model is not None else self.hdbscan_model
        with quiet():
            if self.umap_model is not None:
                points = copy.deepcopy(self.umap_model).fit_transform(_cluster.rows_of(emb, rows))
            elif n < _cluster.UMAP_MIN_SEGMENTS:
                points = _cluster.rows_of(emb, rows)  # UMAP's neighbour graph is unreliable on a handful of segments
            else:
                points = _cluster.reduce(emb, self.n_components, self.n_neighbors, self.random_state,
                                         max_fit=self.reduction_sample, rows=rows)
            if custom is not None:
                model = copy.deepcopy(custom)
                model.fit(points)
                labels = np.asarray(model.labels_, dtype=int)
                k = len(set(labels.tolist()) - {-1})
            elif self.clustering == "hdbscan":
                labels = _cluster.hdbscan_labels(points, min_size)
                k = len(set(labels.tolist()) - {-1})
                labels = _cluster.assign_outliers(labels, _cluster.rows_of(emb, rows), self.outlier_threshold)
            else:
                use_ctx = contexts if self.context_weight > 0 else None
                k = self.n_themes or _cluster.estimate_n_themes(
                    points, min_size, self.random_state, contexts=use_ctx)
                method = self.clustering
                if method == "auto":
                    method = "agglomerative" if n <= _cluster.WARD_MAX_SEGMENTS else "kmeans"
                labels = _cluster.partition(points, k, method, self.random_state)
                share = self.min_theme_share
                if share is None and use_ctx is not None:
                    share = _cluster.INTERVIEW_MIN_THEME_SHARE
                if self.n_themes is None:
                    # the fine cut keeps small themes apart; merge it to a researcher-sized set
                    floor = max(min_size, int(np.ceil(float(share or 0.0) * n)))
                    labels = _cluster.merge_small_themes(points, labels, floor,
                                                         max_themes=self.max_themes)
                    k = len(np.unique(labels))
        return labels, int(k)

    def _apply_outlier_threshold(self, labels: np.ndarray, emb: np.ndarray, keep: set[int]) -> np.ndarray:
        labels = labels.copy()
        ids = sorted(set(labels.tolist()) - {-1})
        if not ids:
            return labels
        cents = _cluster.centroid_matrix(emb, labels, ids)
        pos = {t: i for i, t in enumerate(ids)}
        own = np.array([emb[i] @ cents[pos[t]] if t != -1 else 1.0 for i, t in enumerate(labels)])
        far = (labels != -1) & (own < float(self.outlier_threshold)) & ~np.isin(labels, list(keep))
        labels[far] = -1
        return _cluster.assign_outliers(labels, emb, self.outlier_threshold, exclude=keep)

    @staticmethod
    def _renumber(labels: np.ndarray, offset: int) -> np.ndarray:
        """Codebook themes keep ids ``0..offset-1``; clustered themes follow, largest first."""
        out = labels.copy()
        clustered = [t for t in set(labels.tolist()) if t >= offset]
        first = {t: int(np.argmax(labels == t)) for t in clustered}
        order = sorted(clustered, key=lambda t: (-int((labels == t).sum()), first[t]))
        for new, old in enumerate(order, start=offset):
            out[labels == old] = new
        return out

    # ------------------------------------------------------------------ representations
    def _make_representation(self) -> Any:
        if self.representation_model is not None:
            return copy.deepcopy(self.representation_model)
        return None

    def _describe(self) -> None:
        """(Re)compute keywords, phrases, labels, quotes, centroids and ``themes_``."""
        labels = self.labels_
        ids = sorted(set(labels.tolist()) - {-1})
        keywords: dict[int, list[str]] = {t: [] for t in ids}
        phrases: dict[int, list[str]] = {t: [] for t in ids}
        self.topic_model_ = None
        if ids:
            keywords, phrases = self._bertopic_representations(labels, ids)
        emb = self.embeddings_
        self.centroids_ = _cluster.centroid_matrix(emb, labels, ids)
        groups = np.asarray(self.groups_)
        n_groups = len(set(self.groups_))
        members_of = {t: np.flatnonzero(labels == t) for t in ids}
        ordered = {}  # members, most central first
        for pos, t in enumerate(ids):
            members = members_of[t]
            sims = emb[members] @ self.centroids_[pos]
            ordered[t] = members[np.lexsort((np.arange(len(sims)), -sims))]
        fallback = {t: without_placeholders(phrases[t] or keywords[t]) for t in ids}
        named: dict[int, tuple[str, list[str]]] = {}
        if self.label_style == "phrase" and ids:
            todo = [t for t in ids if not self.custom_labels_.get(t)]
            found = phrase_labels([[self.documents_[i] for i in ordered[t][:LABEL_QUOTES]] for t in todo],
                                  [fallback[t] for t in todo])
            named = dict(zip(todo, found))
        rows = []
        for pos, t in enumerate(ids):
            members = members_of[t]
            picks = central_quotes(emb[members], self.centroids_[pos], groups[members], self.n_quotes)
            chosen = members[picks]
            texts = [self.documents_[i] for i in members]
            label, found_phrases = named.get(t, ("", []))
            if label and not label_found_in(label, texts):
                label = ""  # a phrase label must be made of the theme's own words
            label = self.custom_labels_.get(t) or label or label_from_keyphrases(fallback[t])
            n_part = len(set(groups[members].tolist()))
            rows.append({
                "theme": t,
                "label": label,
                "label_in_quotes": bool(label_found_in(label, texts)),
                "size": int(len(members)),
                "share": len(members) / len(labels),
                "n_participants": n_part,
                "prevalence": n_part / n_groups if n_groups else 0.0,
                "keywords": without_placeholders(keywords[t]),
                "keyphrases": list(found_phrases) or fallback[t],
                "quotes": [self.documents_[i] for i in chosen],
                "quote_interviews": [str(groups[i]) for i in chosen],
                "quote_segment_ids": [self.segment_ids_[i] for i in chosen],
                "source": self.sources_.get(t, "cluster"),
            })
        columns = ["theme", "label", "label_in_quotes", "size", "share", "n_participants",
                   "prevalence", "keywords", "keyphrases", "quotes", "quote_interviews",
                   "quote_segment_ids", "source"]
        self.themes_ = pd.DataFrame(rows, columns=columns)
        self.themes_["theme"] = self.themes_["theme"].astype("int64")

    def _bertopic_representations(
        self, labels: np.ndarray, ids: list[int]
    ) -> tuple[dict[int, list[str]], dict[int, list[str]]]:
        """Fit BERTopic on the fixed assignments (manual topic modelling) and read its words."""
        bt = bertopic_module()
        from bertopic.cluster import BaseCluster
        from bertopic.vectorizers import ClassTfidfTransformer

        vectorizer = (copy.deepcopy(self.vectorizer_model) if self.vectorizer_model is not None
                      else default_vectorizer())
        ctfidf = (copy.deepcopy(self.ctfidf_model) if self.ctfidf_model is not None
                  else ClassTfidfTransformer())
        model = bt.BERTopic(
            embedding_model=make_embedder(self.embedding_model),
            umap_model=_NoPlacement(),
            hdbscan_model=BaseCluster(),
            vectorizer_model=vectorizer,
            ctfidf_model=ctfidf,
            representation_model=self._make_representation(),
            top_n_words=self.n_keywords,
            calculate_probabilities=False,
            verbose=False,
        )
        docs = [d if d.strip() else "." for d in self.documents_]
        with quiet():
            predicted = model.fit_transform(docs, embeddings=self.embeddings_, y=labels)[0]
        mapping: dict[int, int] = {}
        for ours, theirs in zip(labels.tolist(), list(predicted)):
            mapping.setdefault(int(theirs), int(ours))
        keywords: dict[int, list[str]] = {t: [] for t in ids}
        phrases: dict[int, list[str]] = {t: [] for t in ids}
        aspects = getattr(model, "topic_aspects_", {}) or {}
        aspect = aspects.get("KeyPhrases")
        for theirs, ours in mapping.items():
            if ours == -1:
                continue
            words = [w for w, s in (model.get_topic(theirs) or []) if w and s > 0]
            keywords[ours] = words[: self.n_keywords]
            if aspect is not None:
                phrases[ours] = [w for w, _ in aspect.get(theirs, []) if w][: self.n_keywords]
            else:
                phrases[ours] = list(keywords[ours])
        self.topic_model_ = model
        return keywords, phrases

    # ------------------------------------------------------------------ prediction
    def transform(self, X: Corpus | Sequence[str], embeddings: np.ndarray | None = None) -> np.ndarray:
        """Assign new texts to the fitted themes (nearest theme centroid).

        A text whose cosine similarity to its nearest centroid is below ``outlier_threshold``
        is an outlier (``-1``).

        Parameters
        ----------
        X : Corpus or sequence of str
        embeddings : ndarray, optional
            Precomputed embeddings made with the same model.

        Returns
        -------
        ndarray of int
        """
        self._require_fitted()
        texts, emb, _, _, _ = self._inputs(X, embeddings, None)
        return self._assign(emb)

    def _assign(self, emb: np.ndarray) -> np.ndarray:
        if len(self.centroids_) == 0:
            return np.full(len(emb), -1, dtype=int)
        sims = emb @ self.centroids_.T
        best = np.argmax(sims, axis=1)
        ids = self.themes_["theme"].to_numpy()
        out = ids[best].astype(int)
        if self.outlier_threshold is not None:
            out[sims[np.arange(len(best)), best] < float(self.outlier_threshold)] = -1
        return out

    def label_of(self, theme: int) -> str:
        """Return the label of ``theme`` (``"outlier"`` for ``-1``)."""
        self._require_fitted()
        if int(theme) == -1:
            return "outlier"
        row = self.themes_.loc[self.themes_["theme"] == int(theme), "label"]
        if row.empty:
            raise KeyError(f"No theme {theme}; themes are {self.themes_['theme'].tolist()}.")
        return str(row.iloc[0])

    # ------------------------------------------------------------------ researcher edits
    def _edited(self, labels: np.ndarray, source: dict[int, str], custom: dict[int, str]) -> ThemeModel:
        new = copy.copy(self)
        new.labels_ = labels
        new.sources_ = source
        new.custom_labels_ = custom
        new._describe()
        return new

    def _known(self, theme: int) -> int:
        known = set(self.themes_["theme"].tolist())
        if int(theme) not in known:
            raise KeyError(f"No theme {theme}; the fitted themes are {sorted(known)}.")
        return int(theme)

    def merge(self, themes: Sequence[int], label: str | None = None) -> ThemeModel:
        """Return a new model where ``themes`` are one theme (keeping the smallest id).

        Parameters
        ----------
        themes : sequence of int
            At least two theme ids.
        label : str, optional
            Name of the merged theme; by default a new label is computed.

        Returns
        -------
        ThemeModel
        """
        self._require_fitted()
        self._require_documents()
        ids = sorted({self._known(t) for t in themes})
        if len(ids) < 2:
            raise ValueError(f"merge needs at least two different themes, got {list(themes)}.")
        keep = ids[0]
        labels = self.labels_.copy()
        labels[np.isin(labels, ids)] = keep
        custom = {t: v for t, v in self.custom_labels_.items() if t not in ids}
        if label:
            custom[keep] = label
        source = {t: s for t, s in self.sources_.items() if t not in ids[1:]}
        source[keep] = "edit"
        return self._edited(labels, source, custom)

    def rename(self, names: Mapping[int, str]) -> ThemeModel:
        """Return a new model with researcher-chosen labels.

        Parameters
        ----------
        names : mapping of int to str
            ``{theme id: "label"}``.

        Returns
        -------
        ThemeModel
        """
        self._require_fitted()
        custom = dict(self.custom_labels_)
        for t, name in names.items():
            custom[self._known(t)] = str(name)
        new = copy.copy(self)
        new.custom_labels_ = custom
        new.themes_ = self.themes_.copy()
        new.themes_["label"] = [custom.get(t, lab) for t, lab in zip(new.themes_["theme"], new.themes_["label"])]
        return new

    def split(self, theme: int, n: int = 2) -> ThemeModel:
        """Return a new model where ``theme`` is split into ``n`` themes (k-means, seeded).

        The largest part keeps the id; the others get new ids after the current largest id.

        Parameters
        ----------
        theme : int
        n : int, default 2

        Returns
        -------
        ThemeModel
        """
        self._require_fitted()
        self._require_documents()
        theme = self._known(theme)
        members = np.flatnonzero(self.labels_ == theme)
        if n < 2 or n > len(members):
            raise ValueError(f"Theme {theme} has {len(members)} segments; split it into 2..{len(members)} parts.")
        from sklearn.cluster import KMeans

        parts = KMeans(n_clusters=n, n_init=10, random_state=self.random_state).fit_predict(
            self.embeddings_[members])
        sizes = np.bincount(parts, minlength=n)
        order = sorted(range(n), key=lambda p: (-sizes[p], p))
        next_id = int(max(self.themes_["theme"].max(), theme)) + 1
        labels = self.labels_.copy()
        source = dict(self.sources_)
        source[theme] = "edit"
        for rank, p in enumerate(order):
            new_id = theme if rank == 0 else next_id + rank - 1
            labels[members[parts == p]] = new_id
            source[new_id] = "edit"
        custom = {t: v for t, v in self.custom_labels_.items() if t != theme}
        return self._edited(labels, source, custom)

    def hierarchy(self) -> pd.DataFrame:
        """Return how themes nest: an average-linkage tree over theme centroids (cosine).

        Returns
        -------
        DataFrame
            One row per merge, closest first: ``parent`` (new id above the theme ids),
            ``left``, ``right`` (theme or parent ids), ``distance`` (cosine), ``themes`` (leaf
            theme ids under the parent), ``size`` (segments) and ``label`` (labels of its two
            largest themes).
        """
        self._require_fitted()
        ids = self.themes_["theme"].tolist()
        cols = ["parent", "left", "right", "distance", "themes", "size", "label"]
        if len(ids) < 2:
            return pd.DataFrame(columns=cols)
        from scipy.cluster.hierarchy import linkage

        Z = linkage(self.centroids_.astype(np.float64), method="average", metric="cosine")
        sizes = dict(zip(ids, self.themes_["size"]))
        labels = dict(zip(ids, self.themes_["label"]))
        base = max(ids) + 1
        node_id = list(ids)
        leaves: list[list[int]] = [[t] for t in ids]
        rows = []
        for i, (a, b, dist, _) in enumerate(Z):
            a, b = int(a), int(b)
            members = leaves[a] + leaves[b]
            leaves.append(members)
            node_id.append(base + i)
            top = sorted(members, key=lambda t: -sizes[t])[:2]
            rows.append({
                "parent": base + i, "left": node_id[a], "right": node_id[b],
                "distance": float(dist), "themes": sorted(members),
                "size": int(sum(sizes[t] for t in members)),
                "label": " + ".join(labels[t] for t in top),
            })
        return pd.DataFrame(rows, columns=cols)

    # ------------------------------------------------------------------ persistence
    def save(self, path: str | Path, *, include_documents: bool = True, overwrite: bool = False) -> Path:
        """Save the fitted model to a folder (JSON + NumPy; no pickles, no BERTopic files).

        Parameters
        ----------
        path : str or Path
            Folder to create.
        include_documents : bool, default True
            Also store the fitted texts and embeddings so that :meth:`merge` and :meth:`split`
            work after loading. Set False to keep only themes and centroids (``transform`` and
            ``rename`` still work).
        overwrite : bool, default False

        Returns
        -------
        Path
        """
        self._require_fitted()
        path = Path(path)
        if (path / "theme_model.json").exists() and not overwrite:
            raise FileExistsError(f"{path} already holds a saved ThemeModel; pass overwrite=True.")
        path.mkdir(parents=True, exist_ok=True)
        params = {}
        for name, value in self.get_params().items():
            if name.endswith("_model") and name != "embedding_model":
                continue  # sub-model objects are not stored; defaults are used after load
            if name == "codebook":
                continue
            params[name] = value if isinstance(value, (int, float, str, bool, type(None))) else str(value)
        themes = self.themes_.copy()
        doc = {
            "format": SAVE_FORMAT_VERSION,
            "params": params,
            "codebook": self.codebook_,
            "custom_labels": {str(k): v for k, v in self.custom_labels_.items()},
            "source": {str(k): v for k, v in self.sources_.items()},
            "n_estimated": self.n_estimated_,
            "themes": json.loads(themes.to_json(orient="records")),
            "has_documents": bool(include_documents),
        }
        if include_documents:
            doc["documents"] = self.documents_
            doc["groups"] = self.groups_
            doc["segment_ids"] = self.segment_ids_
        (path / "theme_model.json").write_text(json.dumps(doc, ensure_ascii=False), "utf-8")
        arrays = {"centroids": self.centroids_, "labels": self.labels_}
        if include_documents:
            arrays["embeddings"] = self.embeddings_
        np.savez_compressed(path / "arrays.npz", **arrays)
        return path

    @classmethod
    def load(cls, path: str | Path) -> ThemeModel:
        """Load a model written by :meth:`save` (offline: no hub, no BERTopic loading).

        Parameters
        ----------
        path : str or Path

        Returns
        -------
        ThemeModel
        """
        path = Path(path)
        doc_path = path / "theme_model.json"
        if not doc_path.exists():
            raise FileNotFoundError(f"{path} holds no saved ThemeModel (no theme_model.json); "
                                    "save one with model.save(path).")
        doc = json.loads(doc_path.read_text("utf-8"))
        if doc.get("format") != SAVE_FORMAT_VERSION:
            raise ValueError(f"{path}: saved with format {doc.get('format')}, this cxinsight reads "
                             f"format {SAVE_FORMAT_VERSION}.")
        valid = set(cls._param_names())
        model = cls(**{k: v for k, v in doc["params"].items() if k in valid})
        model.codebook = doc.get("codebook")
        model.codebook_ = doc.get("codebook")
        with np.load(path / "arrays.npz", allow_pickle=False) as arrays:
            model.centroids_ = arrays["centroids"].astype(np.float32)
            model.labels_ = arrays["labels"].astype(int)
            embeddings = arrays["embeddings"].astype(np.float32) if "embeddings" in arrays else None
        model.custom_labels_ = {int(k): v for k, v in doc["custom_labels"].items()}
        model.sources_ = {int(k): v for k, v in doc["source"].items()}
        model.n_estimated_ = doc.get("n_estimated")
        themes = pd.DataFrame(doc["themes"])
        if not themes.empty:
            themes["theme"] = themes["theme"].astype("int64")
        model.themes_ = themes
        model.topic_model_ = None
        if doc.get("has_documents"):
            model.documents_ = doc["documents"]
            model.groups_ = doc["groups"]
            model.segment_ids_ = doc["segment_ids"]
            model.embeddings_ = embeddings
        return model

    def _require_documents(self) -> None:
        if getattr(self, "documents_", None) is None:
            raise ValueError("This model was saved without its documents (include_documents=False); "
                             "refit it to merge or split themes.")
