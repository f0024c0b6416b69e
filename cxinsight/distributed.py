"""Run :func:`cxinsight.analyse` on a Dask cluster: ``analyse(..., engine="dask")``.

The Dask engine walks the same table of steps as the local engine (:mod:`cxinsight.step_table`)
and changes only *where* some of them run:

=============  ==========================================================================
step           where it runs
=============  ==========================================================================
segment        on the workers, one task per partition of whole interviews
anonymise      detection turn by turn on the workers (from 5,000 turns, in blocks of
               1,000); pseudonyms are linked and replaced on the driver, study-wide
embed          on the workers: the study's *distinct* texts not in the driver's cache,
               in blocks; the precision (float32/bfloat16) is chosen once for the study
emotions       on the driver: its matrix products round the last bit of a row differently
               when the rows are split differently (BLAS blocking), enough to flip a
               borderline emotion; it costs under 1% of a run
themes         on the driver, on all the gathered vectors, exactly as the local engine
stages         on the driver (its centring uses a study-wide mean of stage similarities)
curve ...      on the driver (study-wide tables)
=============  ==========================================================================

Every step that runs on the workers is row-wise or interview-wise, and every vector is
independent of the other texts it is computed with (see
:func:`cxinsight.embeddings.encode_batch_independent`), so a Dask run gives the same segments,
emotions, themes, stages and insights as a single-process run with the same seed.

Dask is an optional extra: ``pip install "cxinsight[dask]"``.
"""

from __future__ import annotations

import os
import time
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from cxinsight import _malloc
from cxinsight.corpus import Corpus
from cxinsight.errors import CxInsightError, OptionalDependencyError, OptionError
from cxinsight.step_table import Context, Step, execute

__all__ = ["DaskEngine", "LocalEngine", "ENGINES", "engine_for", "dask_client",
           "partition_interviews"]

#: Engines accepted by ``analyse(engine=...)``.
ENGINES = ("local", "dask")
#: Steps run per partition of whole interviews on the workers (steps whose every row is
#: computed exactly the same however the rows are split; see the module docstring).
PARTITIONED_STEPS: tuple[str, ...] = ("segment",)
#: Target number of turns per partition (a partition is never split inside an interview).
TURNS_PER_PARTITION = 20_000
#: Distinct texts per embedding task.
TEXTS_PER_TASK = 4_096


def _distributed() -> Any:
    try:
        import distributed
    except ImportError as err:
        raise OptionalDependencyError(
            "engine='dask' needs dask.distributed, which is an optional extra: install it with "
            "`pip install \"cxinsight[dask]\"` (or `pip install \"dask[distributed]\"`), or use "
            "engine='local'.") from err
    return distributed


def dask_client(scheduler: Any = None, *, n_workers: int | None = None) -> tuple[Any, bool]:
    """Return a ``distributed.Client`` for ``scheduler`` and whether this call created it.

    Parameters
    ----------
    scheduler : None, str or distributed.Client
        ``None`` starts a :class:`distributed.LocalCluster` on this machine (one single-thread
        worker process per core; see :func:`cxinsight.embeddings.default_workers`); a string is
        the address of a running scheduler (``"tcp://10.0.0.5:8786"``); a ``Client`` is used as
        it is.
    n_workers : int, optional
        Workers of the local cluster started when ``scheduler`` is ``None``.

    Returns
    -------
    (Client, bool)
        The client, and ``True`` when it (and its cluster) must be closed after the run.

    Raises
    ------
    OptionalDependencyError
        dask.distributed is not installed.
    OptionError
        ``scheduler`` is neither ``None``, an address nor a Client.
    """
    dist = _distributed()
    if isinstance(scheduler, dist.Client):
        return scheduler, False
    if scheduler is None:
        from cxinsight.embeddings import default_workers

        cluster = dist.LocalCluster(n_workers=n_workers or default_workers(),
                                    threads_per_worker=1, processes=True,
                                    dashboard_address=None)
        return dist.Client(cluster), True
    if isinstance(scheduler, (str, os.PathLike)):
        return dist.Client(str(scheduler)), True
    raise OptionError(
        f"scheduler={scheduler!r}: give None (a local cluster), the address of a Dask scheduler "
        "such as 'tcp://10.0.0.5:8786', or a distributed.Client.")


def partition_interviews(turns: pd.DataFrame, n_parts: int | None = None,
                         turns_per_part: int = TURNS_PER_PARTITION) -> list[list[str]]:
    """Split a study's interviews into partitions of about equal numbers of turns.

    Parameters
    ----------
    turns : DataFrame
        The study's turns (``interview_id`` column).
    n_parts : int, optional
        Number of partitions; by default one per ``turns_per_part`` turns.
    turns_per_part : int, default :data:`TURNS_PER_PARTITION`

    Returns
    -------
    list of list of str
        Interview ids per partition, in order of first appearance; none is empty, and an
        interview is never split.
    """
    ids = turns["interview_id"].astype(str)
    sizes = ids.value_counts(sort=False)
    order = pd.unique(ids)
    if n_parts is None:
        n_parts = max(1, int(np.ceil(len(ids) / max(1, turns_per_part))))
    n_parts = max(1, min(int(n_parts), len(order)))
    target = len(ids) / n_parts
    parts: list[list[str]] = [[]]
    filled = 0
    for i, iid in enumerate(order):
        left = len(order) - i  # interviews not yet placed, this one included
        if parts[-1] and len(parts) < n_parts and (
                filled >= target * len(parts) or left <= n_parts - len(parts)):
            parts.append([])
        parts[-1].append(iid)
        filled += int(sizes[iid])
    return parts


def _sub_corpus(corpus: Corpus, ids: Sequence[str], seg_rows: np.ndarray | None) -> Corpus:
    """The part of ``corpus`` holding interviews ``ids`` (segments ``seg_rows``)."""
    keep = set(ids)
    t = corpus.turns
    turns = t[t["interview_id"].astype(str).isin(keep)]
    p = corpus.participants
    participants = p[p["interview_id"].astype(str).isin(keep)]
    segments = embeddings = None
    if corpus.segments is not None and seg_rows is not None:
        segments = corpus.segments.iloc[seg_rows]
        if corpus.embeddings is not None:
            embeddings = np.asarray(corpus.embeddings)[seg_rows]
    return Corpus(turns, participants, segments, embeddings, {}, corpus.meta, [])


def _run_part(step: Step, part: Corpus, opts: Mapping[str, Any], ctx: Context
              ) -> tuple[pd.DataFrame, dict[str, Any], dict[str, Any] | None, list]:
    """Run one partitioned step on a worker; return its segments, meta, provenance, warnings."""
    _relax_malloc()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out, _ = execute(step, part, opts, ctx)
    notes = [(w.category, str(w.message)) for w in caught]
    return out.segments, out.meta, (out.provenance[-1] if out.provenance else None), notes


def _worker_call(fn: Any, *args: Any) -> Any:
    """Run ``fn(*args)`` on a Dask worker (another step's function, such as detection)."""
    _relax_malloc()
    return fn(*args)


#: glibc's mallopt parameters (malloc.h)
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
_MALLOC_RELAXED = False


def _relax_malloc() -> bool:
    """Undo, in this worker process, the memory trimming that Dask workers start with.

    Dask's nanny starts workers with ``MALLOC_TRIM_THRESHOLD_=65536``, which also fixes glibc's
    mmap threshold at 128 KiB: every tensor the encoder allocates then comes from a fresh
    ``mmap`` and goes back with ``munmap``, and embedding took twice the CPU of the same call
    outside Dask (17.7 vs 8.9 CPU s for 4,096 texts; the vectors are the same). Raising both
    thresholds once per worker process gives the in-process speed back (8.3 CPU s).

    Returns
    -------
    bool
        Whether the thresholds were changed (only when the variable is set, on glibc).
    """
    global _MALLOC_RELAXED
    if _MALLOC_RELAXED or not os.environ.get("MALLOC_TRIM_THRESHOLD_"):
        return False
    _MALLOC_RELAXED = True
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
        return bool(libc.mallopt(_M_MMAP_THRESHOLD, 32 << 20)) \
            and bool(libc.mallopt(_M_TRIM_THRESHOLD, 128 << 20))
    except (OSError, AttributeError):  # not glibc
        return False


def _encode_task(texts: list[str], model: Any, batch_size: int, precision: str,
                 cache: bool) -> tuple[np.ndarray, str, list]:
    """Embed ``texts`` in one worker process (one thread); return vectors and model identity."""
    from cxinsight.embeddings import encode, resolve_model

    _relax_malloc()

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        vectors = encode(texts, model, batch_size=batch_size, cache=cache,
                         show_progress=False, precision=precision, workers=1)
    notes = [(w.category, str(w.message)) for w in caught]
    return np.asarray(vectors, dtype=np.float32), resolve_model(model).identity, notes


def _merge_values(values: list[Any]) -> Any:
    """Combine one meta entry computed on several partitions (counts add up)."""
    first = values[0]
    if all(v == first for v in values):
        return first
    if all(isinstance(v, bool) for v in values):
        return any(values)
    if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return sum(values)
    if all(isinstance(v, Mapping) for v in values):
        keys: list[Any] = []
        for v in values:
            keys.extend(k for k in v if k not in keys)
        return {k: _merge_values([v[k] for v in values if k in v]) for k in keys}
    return first


def _cpu_seconds() -> float:
    """CPU seconds of this process and of its encoding worker processes (as they report them:
    a pool held for the whole run has not ended, so the operating system's count of finished
    children would miss it)."""
    from cxinsight.embeddings import worker_cpu_seconds

    return time.process_time() + worker_cpu_seconds()


def _peak_mb() -> float:
    """Highest resident memory of this process so far, in MB (``ru_maxrss``)."""
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


#: Segments from which the engines compile the themes step's UMAP code while the study is
#: embedded (smaller studies' UMAP takes the path for fewer than 4,096 rows, which needs none
#: of it).
WARM_UP_FROM = 20_000


def _warm_up_themes() -> None:
    """:func:`cxinsight.themes._cluster.warm_up`; an error only loses the head start."""
    try:
        from cxinsight.themes._cluster import warm_up

        warm_up()
    except Exception:  # noqa: BLE001 - the themes step compiles what it needs itself
        pass


class LocalEngine:
    """Runs every step in this process (:func:`cxinsight.step_table.execute`).

    ``info["cpu_s"]`` holds the CPU seconds of each step (this process and the encoding
    worker processes it started); ``info["peak_mb"]`` the process's highest resident memory
    at the end of each step, so the step that raised the peak is the first to show it.
    """

    def __init__(self) -> None:
        from cxinsight.embeddings import hold_workers

        self.info: dict[str, Any] = {"engine": "local", "cpu_s": {}, "peak_mb": {}}
        hold_workers()  # one encoding pool for the run's steps (embed, then stages' turns)
        self._holding = True
        self._started: dict[str, bool] = {}  # background work already started (start_early)

    def execute(self, s: Step, first: Any, opts: Mapping[str, Any], ctx: Context
                ) -> tuple[Corpus, Any]:
        """Run step ``s`` on ``first`` in this process."""
        from cxinsight.anonymisation._parallel import detection_workers
        from cxinsight.embeddings import held_submit, meanwhile

        t = _cpu_seconds()
        lent = held_submit() if s.name == "anonymise" else None
        warm = _warm_up_themes if s.name == "embed" and self._started.get("warm") else None
        try:
            # the encoding workers, started for the next step, detect personal data meanwhile;
            # while they embed, this process compiles the themes step's UMAP code
            with detection_workers(lent), meanwhile(warm):
                return execute(s, first, opts, ctx)
        finally:
            if lent is not None:  # the workers held the recogniser: this process need not
                from cxinsight.anonymisation import ner

                ner.release()
            _malloc.trim()  # the next step's peak starts from what is in use, not freed
            self.info["cpu_s"][s.name] = round(_cpu_seconds() - t, 3)
            self.info["peak_mb"][s.name] = _peak_mb()

    def start_early(self, corpus: Corpus | None, upcoming: Mapping[str, Mapping[str, Any]],
                    ctx: Context) -> None:
        """Start work of later steps in the background; called before each step.

        Once the corpus is read and ``embed`` is still to run, the encoding workers start
        (they load the model while the study is segmented, then detect personal data for the
        anonymisation step); when ``embed`` is next, a study of at least
        :data:`WARM_UP_FROM` segments that will have themes gets its UMAP code compiled while
        the workers embed it; once it has embeddings and ``stages``
        is still to run, the whole turns that the stages step embeds are sent to them
        (computed while themes are found). ``upcoming`` maps the steps still to run to their
        options. Results are the same as without; a failure here is left to the step itself.
        """
        from cxinsight import embeddings

        if corpus is None:
            return
        try:
            # segments once known, else turns (a study has at least as many segments as turns)
            rows = corpus.segments if corpus.segments is not None else corpus.turns
            if "embed" in upcoming and not self._started.get("workers") and rows is not None and len(rows):
                self._started["workers"] = embeddings.start_workers(
                    len(rows), upcoming["embed"].get("model"))
            if next(iter(upcoming), None) == "embed":
                self._started["warm"] = "themes" in upcoming and corpus.segments is not None \
                    and len(corpus.segments) >= WARM_UP_FROM
            if "stages" in upcoming and "embed" not in upcoming \
                    and not self._started.get("turns") and corpus.embeddings is not None:
                from cxinsight.journey.stages import prefetch_turns
                from cxinsight.step_table import _kwargs, step

                self._started["turns"] = True
                prefetch_turns(corpus, **_kwargs(step("stages"), corpus, upcoming["stages"], ctx))
        except Exception:  # noqa: BLE001 - an optimisation only: the step computes what it needs
            return

    def close(self) -> None:
        """Shut down the encoding worker processes this run held (once)."""
        from cxinsight.embeddings import release_workers

        if self._holding:
            self._holding = False
            release_workers()


def engine_for(engine: str = "local", scheduler: Any = None,
               partitions: int | None = None) -> LocalEngine | DaskEngine:
    """Return the step runner of ``analyse(engine=..., scheduler=...)``, checked before any work.

    A Dask engine connects to its scheduler (or starts its local cluster) only when its first
    step runs.

    Raises
    ------
    OptionError
        An unknown engine, or a scheduler given to the local engine.
    OptionalDependencyError
        ``engine="dask"`` without dask.distributed installed.
    """
    if engine == "local":
        if scheduler is not None:
            raise OptionError("scheduler= was given but engine='local'; pass engine='dask' to "
                              "run on that Dask scheduler.")
        return LocalEngine()
    if engine == "dask":
        return DaskEngine(scheduler, partitions=partitions)
    raise OptionError(f"engine={engine!r}: use one of {list(ENGINES)}.")


def _counts(col: pd.Series) -> dict[str, int]:
    return {str(k): int(v) for k, v in col.value_counts().items()}


class DaskEngine:
    """Runs steps of :mod:`cxinsight.step_table` on a Dask cluster (see the module docstring).

    Parameters
    ----------
    scheduler : None, str or distributed.Client
        See :func:`dask_client`.
    partitions : int, optional
        Partitions of whole interviews for the per-interview steps (default: one per
        :data:`TURNS_PER_PARTITION` turns, and at least one per worker).

    Examples
    --------
    >>> import cxinsight as cx
    >>> corpus = cx.analyse("interviews/", engine="dask",
    ...                     scheduler="tcp://10.0.0.5:8786")  # doctest: +SKIP
    """

    def __init__(self, scheduler: Any = None, *, partitions: int | None = None) -> None:
        if partitions is not None and (not isinstance(partitions, int) or partitions < 1):
            raise OptionError(f"partitions={partitions!r}: give a positive number of partitions.")
        dist = _distributed()
        if not (scheduler is None or isinstance(scheduler, (str, os.PathLike, dist.Client))):
            raise OptionError(
                f"scheduler={scheduler!r}: give None (a local cluster), the address of a Dask "
                "scheduler such as 'tcp://10.0.0.5:8786', or a distributed.Client.")
        self.scheduler = scheduler
        self.partitions = partitions
        self._client: Any = None
        self._own = False
        self.info: dict[str, Any] = {"engine": "dask", "steps_on_workers": [], "cpu_s": {}}
        self._turns: dict[str, Any] | None = None  # the stages' turns sent early to the workers
        self._detection_tasks = 0  # blocks of turns whose personal data the workers detected
        self._warm = False  # compile the themes step's UMAP code while the workers embed

    # ------------------------------------------------------------------ lifecycle
    @property
    def client(self) -> Any:
        """The ``distributed.Client``, connected (or its local cluster started) on first use."""
        if self._client is None:
            self._client, self._own = dask_client(self.scheduler)
            self.info["workers"] = self.n_workers()
        return self._client

    def n_workers(self) -> int:
        """Workers the scheduler knows of now (at least 1)."""
        try:
            return max(1, len(self.client.scheduler_info().get("workers", {})))
        except Exception:  # noqa: BLE001 - an unreachable scheduler fails later, clearly
            return 1

    def start_early(self, corpus: Corpus | None, upcoming: Mapping[str, Mapping[str, Any]],
                    ctx: Context) -> None:
        """Send the stages step's whole turns to the workers once the segments are embedded.

        (Before ``embed``, also note whether the driver should compile the themes step's UMAP
        code while the workers embed: a study of at least :data:`WARM_UP_FROM` segments.)

        The stages step runs on the driver; the whole participant turns it embeds are computed
        by the workers while the driver finds themes, and stored in the driver's cache before
        the stages step starts (:meth:`execute`), so its own ``encode`` finds them there.
        """
        if corpus is not None and next(iter(upcoming), None) == "embed":
            self._warm = "themes" in upcoming and corpus.segments is not None \
                and len(corpus.segments) >= WARM_UP_FROM
        if corpus is None or self._turns is not None or "stages" not in upcoming \
                or "embed" in upcoming or corpus.embeddings is None:
            return
        from cxinsight.embeddings import corpus_model
        from cxinsight.journey.stages import turn_texts
        from cxinsight.step_table import _kwargs, step

        self._turns = {}
        try:
            kwargs = _kwargs(step("stages"), corpus, upcoming["stages"], ctx)
            texts = turn_texts(corpus, **kwargs)
            model = kwargs.get("model")
            if texts:
                self._turns = self._submit_encoding(
                    texts, model if model is not None else corpus_model(corpus))
        except Exception:  # noqa: BLE001 - an optimisation only: the stages step embeds them itself
            self._turns = {}

    def close(self) -> None:
        """Close the client and the local cluster, when this engine started them."""
        if self._own and self._client is not None:
            cluster = getattr(self._client, "cluster", None)
            self._client.close()
            if cluster is not None:
                cluster.close()
        self._own = False
        self._client = None

    def __enter__(self) -> DaskEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ steps
    def execute(self, s: Step, first: Any, opts: Mapping[str, Any], ctx: Context
                ) -> tuple[Corpus, Any]:
        """Run step ``s`` like :func:`cxinsight.step_table.execute`, on the cluster if it can.

        ``info["cpu_s"]`` gets the CPU seconds the step took on the driver (not on workers).
        """
        t = _cpu_seconds()
        try:
            if s.name == "stages":
                if self._turns:  # the whole turns sent early, into the driver's cache
                    self._collect_encoding(self._turns)
                    if self._turns["futures"]:
                        self.info["steps_on_workers"].append("stages (whole turns embedded)")
                self._turns = {}  # collected (or never sent): not sent again in this run
            if isinstance(first, Corpus) and s.name in PARTITIONED_STEPS and len(first.turns) and (
                first.segments is None or len(first.segments)):
                return self._per_interview(s, first, opts, ctx), None
            if isinstance(first, Corpus) and s.name == "embed" and first.segments is not None:
                return self._embed(first, opts), None
            if s.name == "anonymise":
                from cxinsight.anonymisation._parallel import detection_workers

                # per-turn detection on the workers; linking and replacement on the driver
                sent = self._detection_tasks
                with detection_workers(self._submit_on_workers):
                    out = execute(s, first, opts, ctx)
                if self._detection_tasks > sent:
                    self.info["steps_on_workers"].append("anonymise (detection)")
                return out
            return execute(s, first, opts, ctx)
        finally:
            self.info["cpu_s"][s.name] = round(_cpu_seconds() - t, 3)

    def _submit_on_workers(self, fn: Any, *args: Any) -> Any:
        """``submit(fn, *args)`` on the cluster (a task per call; the worker's malloc relaxed)."""
        self._detection_tasks += 1
        return self.client.submit(_worker_call, fn, *args, pure=False)

    def _parts(self, corpus: Corpus) -> list[list[str]]:
        n = self.partitions
        if n is None:
            n = max(self.n_workers(),
                    int(np.ceil(len(corpus.turns) / TURNS_PER_PARTITION)))
        return partition_interviews(corpus.turns, n)

    def _per_interview(self, s: Step, corpus: Corpus, opts: Mapping[str, Any],
                       ctx: Context) -> Corpus:
        parts = self._parts(corpus)
        seg_rows: list[np.ndarray | None] = []
        if corpus.segments is not None:
            iid = corpus.segments["interview_id"].astype(str)
            seg_rows = [np.flatnonzero(iid.isin(set(ids)).to_numpy()) for ids in parts]
        else:
            seg_rows = [None] * len(parts)
        if corpus.segments is not None:  # interviews without segments have nothing to do
            kept = [(ids, rows) for ids, rows in zip(parts, seg_rows)
                    if rows is not None and len(rows)]
            parts, seg_rows = [k[0] for k in kept], [k[1] for k in kept]
        futures = [self.client.submit(_run_part, s, _sub_corpus(corpus, ids, rows), dict(opts),
                                      ctx, pure=False)
                   for ids, rows in zip(parts, seg_rows)]
        results = self.client.gather(futures)
        _reissue([n for r in results for n in r[3]])
        tables = [r[0] for r in results]
        segments = pd.concat(tables, ignore_index=True)
        segments = segments.iloc[self._order(corpus, segments, seg_rows, tables)]
        segments = segments.reset_index(drop=True)
        self.info["steps_on_workers"].append(s.name)
        self.info["partitions"] = len(parts)
        meta = dict(corpus.meta)
        before = set(corpus.meta)
        for key in dict.fromkeys(k for r in results for k in r[1]):
            values = [r[1][key] for r in results if key in r[1]]
            if key in before and all(v == corpus.meta[key] for v in values):
                continue
            meta[key] = _merge_values(values)
        if s.name == "emotions" and isinstance(meta.get("emotions"), dict) and len(segments):
            summary = dict(meta["emotions"])
            summary.update(segments=len(segments), families=_counts(segments["emotion"]),
                           mean_valence=float(segments["valence"].mean()),
                           question_kinds=_counts(segments["question_kind"]))
            meta["emotions"] = summary
        entry = next((r[2] for r in results if r[2] is not None), None)
        provenance = list(corpus.provenance) + ([entry] if entry is not None else [])
        changes: dict[str, Any] = {"segments": segments, "meta": meta, "provenance": provenance}
        if s.name == "segment":
            changes["embeddings"] = None
        return corpus.replace(**changes)

    @staticmethod
    def _order(corpus: Corpus, gathered: pd.DataFrame, seg_rows: list[np.ndarray | None],
               tables: list[pd.DataFrame]) -> np.ndarray:
        """Positions that put the gathered segments in the order of a single-process run."""
        if all(r is not None for r in seg_rows):
            rows = np.concatenate([r for r in seg_rows if r is not None])
            return np.argsort(rows, kind="stable")
        # new segments: in the order of their turns, then sentences
        t = corpus.turns
        ids = t["interview_id"].astype(str)
        if int((ids != ids.shift()).sum()) == ids.nunique():
            # each interview's turns are together and partitions follow them: already in order
            return np.arange(len(gathered))
        where = {(str(i), n): pos for pos, (i, n) in
                 enumerate(zip(t["interview_id"].astype(str), t["turn"]))}
        pos = np.fromiter((where.get((str(i), n), -1) for i, n in
                           zip(gathered["interview_id"].astype(str), gathered["turn"])),
                          dtype=np.int64, count=len(gathered))
        sentence = gathered["sentence"].to_numpy(dtype=np.int64)
        return np.lexsort((sentence, pos))

    def _submit_encoding(self, texts: Sequence[str], model: Any, batch_size: int = 64,
                         cache: bool = True, precision: str = "auto") -> dict[str, Any]:
        """Send the distinct ``texts`` not in the driver's cache to the workers, in blocks.

        Returns the pending job for :meth:`_collect_encoding` (the precision is chosen here,
        for these texts, as :func:`cxinsight.embeddings.encode` would choose it).
        """
        from cxinsight.embeddings import model_cache, resolve_model, resolve_precision, text_key

        spec = resolve_model(model)
        keys = [text_key(str(t)) for t in texts]
        distinct = dict(zip(keys, (str(t) for t in texts)))
        chosen = resolve_precision(precision, len(distinct))
        store = model_cache(spec, chosen) if cache else None
        found = store.get(list(distinct)) if store is not None else {}
        todo = sorted((k, t) for k, t in distinct.items() if k not in found)
        blocks = [todo[i:i + TEXTS_PER_TASK] for i in range(0, len(todo), TEXTS_PER_TASK)]
        # workers do not keep a cache of their own: the driver stores what they return
        futures = [self.client.submit(_encode_task, [t for _, t in b], model, batch_size,
                                      chosen, False, pure=False) for b in blocks]
        return {"spec": spec, "keys": keys, "precision": chosen, "store": store, "found": found,
                "todo": todo, "blocks": blocks, "futures": futures}

    @staticmethod
    def _collect_encoding(job: dict[str, Any]) -> dict[str, np.ndarray]:
        """Wait for a job of :meth:`_submit_encoding`; store and return every text's vector."""
        spec, store, found = job["spec"], job["store"], job["found"]
        for block, future in zip(job["blocks"], job["futures"]):
            vectors, identity, notes = future.result()
            _reissue(notes)
            if identity != spec.identity:
                raise CxInsightError(
                    f"A Dask worker embeds with model {identity!r} but this machine with "
                    f"{spec.identity!r}; install the same model on every worker (or pass "
                    "embed={'model': PATH} with a path valid on all of them).")
            block_keys = [k for k, _ in block]
            if store is not None:
                store.put(block_keys, vectors)
            found.update(zip(block_keys, vectors))
            future.release()
        return found

    def _embed(self, corpus: Corpus, opts: Mapping[str, Any]) -> Corpus:
        from cxinsight.embeddings import cpu_capability, with_embeddings

        unknown = sorted(set(opts) - {"model", "batch_size", "cache", "show_progress",
                                      "precision", "workers"})
        if unknown:  # pragma: no cover - check_options refuses them first
            raise OptionError(f"embed options {unknown} are not known to the Dask engine.")
        model = opts.get("model")
        batch_size = int(opts.get("batch_size", 64))
        texts = corpus.segments["text"].astype(str).tolist()
        job = self._submit_encoding(texts, model, batch_size, bool(opts.get("cache", True)),
                                    opts.get("precision", "auto"))
        if self._warm and job["futures"]:
            _warm_up_themes()  # the driver would only wait for the workers meanwhile
        found = self._collect_encoding(job)
        keys = job["keys"]
        if texts:
            vectors = np.stack([found[k] for k in keys]).astype(np.float32, copy=False)
        else:
            vectors = np.zeros((0, 0), dtype=np.float32)
        missed = {k for k, _ in job["todo"]}
        stats = {"model": job["spec"].identity, "origin": job["spec"].origin,
                 "dim": int(vectors.shape[1]), "precision": job["precision"], "threads": 1,
                 "workers": self.n_workers(), "cpu": cpu_capability(),
                 "cache_hits": sum(1 for k in keys if k not in missed),
                 "cache_misses": len(job["todo"]), "engine": "dask"}
        self.info["steps_on_workers"].append("embed")
        return with_embeddings(corpus, vectors, stats, model, batch_size)


def _reissue(notes: list[tuple[type[Warning], str]]) -> None:
    """Warn on the driver with what the workers warned (each message once)."""
    seen: set[tuple[type[Warning], str]] = set()
    for category, message in notes:
        if (category, message) in seen:
            continue
        seen.add((category, message))
        warnings.warn(message, category, stacklevel=3)
