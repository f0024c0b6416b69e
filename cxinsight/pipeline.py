"""One call for the whole analysis: :func:`analyse`.

``analyse`` reads a folder of transcripts (or continues from a corpus) and runs every stage in
order, recording each step's parameters and package versions in ``corpus.provenance``::

    read -> segment -> anonymise -> embed -> tag_emotions -> extract_themes -> assign_stages
         -> journey_curve (overall and by group) -> moments -> synthesise -> opportunities

Options for a step are passed as a dict named after the step (``themes={"min_cluster_size": 8}``);
``themes=False`` skips a step. Unknown step names and unknown parameters raise a ``TypeError``
that lists what is accepted.
"""

from __future__ import annotations

import importlib
import inspect
import os
import time
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from cxinsight.corpus import Corpus
from cxinsight.errors import CxInsightWarning, TranscriptFormatError

#: step option name -> (module, function, what it does)
STEPS: dict[str, tuple[str, str, str]] = {
    "read": ("cxinsight.ingest", "read", "read transcripts"),
    "segment": ("cxinsight.segmentation", "segment", "split into segments"),
    "anonymise": ("cxinsight.anonymisation", "anonymise", "pseudonymise"),
    "embed": ("cxinsight.embeddings", "embed", "embed segments"),
    "emotions": ("cxinsight.emotions", "tag_emotions", "tag emotions"),
    "themes": ("cxinsight.themes", "extract_themes", "find themes"),
    "stages": ("cxinsight.journey", "assign_stages", "assign journey stages"),
    "curve": ("cxinsight.journey", "journey_curve", "journey curves"),
    "moments": ("cxinsight.journey", "moments", "highs and lows"),
    "insights": ("cxinsight.insights", "synthesise", "synthesise insights"),
    "opportunities": ("cxinsight.insights", "opportunities", "opportunities"),
}
_REQUIRED = ("read", "segment")


class _Progress:
    """A tqdm bar on an interactive terminal, else one ``cxinsight: [k/n] step`` line per step."""

    def __init__(self, enabled: bool, total: int) -> None:
        import sys

        self.bar = None
        self.enabled = enabled
        self.total = total
        self.count = 0
        self.stream = sys.stderr
        if enabled and self.stream.isatty():
            from tqdm.auto import tqdm

            self.bar = tqdm(total=total, unit="step", leave=False, dynamic_ncols=True)

    def start(self, label: str) -> None:
        if self.bar is not None:
            self.bar.set_description(label)
        elif self.enabled:
            print(f"cxinsight: [{self.count + 1}/{self.total}] {label}", file=self.stream, flush=True)

    def done(self) -> None:
        self.count += 1
        if self.bar is not None:
            self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _function(step: str) -> Callable[..., Any] | None:
    module, name, _ = STEPS[step]
    try:
        mod = importlib.import_module(module)
    except ModuleNotFoundError as err:
        if err.name == module and step not in _REQUIRED:
            warnings.warn(f"Step {step!r} skipped: {module} is not installed in this version of "
                          "cxinsight.", CxInsightWarning, stacklevel=3)
            return None
        raise
    return getattr(mod, name)


def _accepts(func: Callable[..., Any]) -> tuple[set[str], bool]:
    sig = inspect.signature(func)
    names = {p.name for p in sig.parameters.values()
             if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
    var_kw = any(p.kind == p.VAR_KEYWORD for p in sig.parameters.values())
    return names, var_kw


def _check_options(step: str, func: Callable[..., Any], opts: Mapping[str, Any]) -> None:
    names, var_kw = _accepts(func)
    if var_kw:
        return
    unknown = sorted(set(opts) - names)
    if unknown:
        allowed = sorted(n for n in names if n != "corpus")
        raise TypeError(
            f"analyse({step}={{...}}): {func.__name__}() has no parameter(s) {unknown}; "
            f"it accepts {allowed}."
        )


def _call(step: str, func: Callable[..., Any], first: Any, opts: dict[str, Any], seed: int, **fixed: Any):
    names, var_kw = _accepts(func)
    kwargs = dict(opts)
    for k, v in fixed.items():
        if v is not None and (k in names or var_kw) and k not in kwargs:
            kwargs[k] = v
    for seed_name in ("seed", "random_state"):
        if seed_name in names and seed_name not in kwargs:
            kwargs[seed_name] = seed
            break
    return func(first, **kwargs)


def _release_warnings(caught: list, anonymised: bool) -> None:
    """Re-issue warnings raised before pseudonymisation without their (possibly personal) text.

    Reading and segmenting see the raw transcripts, so their warnings can quote names ("merged
    speaker label 'CM' into 'Jane Doe'"). When the study is pseudonymised they are summarised by
    category; the details are in the pseudonymised ``corpus.meta`` (``aliases``, ``skipped``).
    """
    if not anonymised:
        for w in caught:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
        return
    counts: dict[str, int] = {}
    for w in caught:
        counts[w.category.__name__] = counts.get(w.category.__name__, 0) + 1
    if counts:
        what = ", ".join(f"{n} {name}" for name, n in sorted(counts.items()))
        warnings.warn(
            f"{what} raised while reading the raw transcripts were held back because they can "
            "quote personal names; see the pseudonymised corpus.meta['aliases'] and "
            "corpus.meta['skipped'] for details.", CxInsightWarning, stacklevel=3)


def _group_columns(corpus: Corpus, by: Any) -> list[str]:
    if by is not None:
        by = [by] if isinstance(by, str) else list(by)
        missing = [b for b in by if b not in corpus.participants.columns]
        if missing:
            raise ValueError(f"curve={{'by': {by}}}: {missing} are not participant columns "
                             f"(available: {sorted(corpus.participants.columns)}).")
        return by
    from cxinsight.insights._common import group_columns

    p = corpus.participants
    cands = group_columns(p, len(p))
    preferred = [c for c in ("segment", "nps_group") if c in cands]
    return preferred or cands[:2]


def analyse(
    path_or_corpus: str | os.PathLike | Corpus,
    *,
    manifest: str | os.PathLike | None = None,
    journey: Any = None,
    codebook: Any = None,
    anonymise: bool = True,
    seed: int = 0,
    return_key: bool = False,
    key_path: str | os.PathLike | None = None,
    progress: bool = False,
    **options: Any,
) -> Corpus | tuple[Corpus, Any]:
    """Run the whole analysis of a study and return the analysed corpus.

    Parameters
    ----------
    path_or_corpus : str, path-like or Corpus
        A transcript file or folder (read with :func:`cxinsight.read`), or a corpus to continue:
        steps whose output the corpus already has are not run again.
    manifest : str or path-like, optional
        CSV/XLSX with one row per interview (segment, NPS, ...), passed to ``read``.
    journey : JourneyMap, dict or path, optional
        Custom journey for :func:`cxinsight.assign_stages` (default: the built-in journey).
    codebook : dict, DataFrame or path, optional
        Researcher codebook for :func:`cxinsight.extract_themes`.
    anonymise : bool, default True
        Pseudonymise before anything else is computed. The re-identification key is never put
        into the corpus: get it with ``return_key=True`` or save it with ``key_path=``.
    seed : int, default 0
        Passed to every step that takes a ``seed`` or ``random_state``, and to the bootstraps.
    return_key : bool, default False
        Return ``(corpus, key)`` instead of the corpus (``key`` is ``None`` when not anonymised).
    key_path : str or path-like, optional
        Save the key there (owner-only permissions; it refuses to overwrite an existing file).
    progress : bool, default False
        Show a progress bar on stderr.
    **options : dict or False
        Per-step options: ``read``, ``segment``, ``anonymise_options`` (for the anonymiser; see
        below), ``embed``, ``emotions``, ``themes``, ``stages``, ``curve`` (``{"by": [...]}``),
        ``moments``, ``insights`` (see :func:`cxinsight.synthesise`), ``opportunities``.
        ``False`` skips an optional step.

    Returns
    -------
    Corpus, or (Corpus, Key) with ``return_key=True``
        Tables added: ``journey_curve``, ``journey_curve_<group>`` for each group column,
        ``moments``, ``insights``, ``contrasts``, ``opportunities`` (when their steps ran).
        ``meta["pipeline"]`` holds the time each step took and the steps skipped.

    Raises
    ------
    TypeError
        Unknown step names or step parameters.
    TranscriptFormatError, FileNotFoundError, ValueError
        Bad input, from the reader.
    """
    if "anonymise_options" in options:
        options["anonymise"] = options.pop("anonymise_options")
    unknown = sorted(set(options) - set(STEPS))
    if unknown:
        raise TypeError(
            f"analyse() got unknown option(s) {unknown}. Step options are {sorted(STEPS)} "
            "(anonymiser options go in anonymise_options={...}), e.g. themes={'min_cluster_size': 8}."
        )
    for step, opts in options.items():
        if opts is False and step in _REQUIRED:
            raise ValueError(f"analyse(): the {step!r} step cannot be skipped.")
        if opts is not False and opts is not None and not isinstance(opts, Mapping):
            raise TypeError(f"analyse({step}=...) must be a dict of parameters or False, got {type(opts).__name__}.")
    opts_of = {s: dict(options.get(s) or {}) for s in STEPS}
    skip = {s for s, o in options.items() if o is False}
    if not anonymise:
        skip.add("anonymise")
    if key_path is not None and "anonymise" in skip:
        raise ValueError("key_path was given but anonymisation is switched off: there is no key to save.")
    if key_path is not None and Path(key_path).exists():
        raise FileExistsError(f"key_path {key_path} already exists; choose a new file (keys are never overwritten).")

    timings: dict[str, float] = {}
    skipped: list[str] = sorted(skip)
    key = None
    bar = _Progress(progress, total=len(STEPS))

    def run(step: str, label: str | None = None):
        if step in skip:
            bar.done()
            return None
        func = _function(step)
        if func is None:
            skipped.append(step)
            bar.done()
            return None
        _check_options(step, func, opts_of[step])
        bar.start(label or STEPS[step][2])
        return func

    held = warnings.catch_warnings(record=True)
    caught = held.__enter__()
    warnings.simplefilter("always")
    releasing = True
    try:
        t0 = time.perf_counter()
        if isinstance(path_or_corpus, Corpus):
            corpus = path_or_corpus
            bar.done()
        else:
            func = run("read")
            path = Path(path_or_corpus)
            if not path.exists():
                raise FileNotFoundError(f"{path} does not exist: pass a transcript file or a folder of transcripts.")
            corpus = _call("read", func, path, opts_of["read"], seed, manifest=manifest)
            bar.done()
            if corpus.turns.empty:
                raise TranscriptFormatError(
                    f"no transcripts found in {path} (no readable turns); supported formats are "
                    ".txt, .md, .vtt, .srt, .docx, .csv, .xlsx.", path)
        timings["read"] = time.perf_counter() - t0

        def timed(step: str, fn: Callable[[], Corpus]) -> Corpus:
            t = time.perf_counter()
            out = fn()
            timings[step] = round(time.perf_counter() - t, 3)
            bar.done()
            return out

        if corpus.segments is None:
            func = run("segment")
            corpus = timed("segment", lambda: _call("segment", func, corpus, opts_of["segment"], seed))
        else:
            bar.done()

        if "anonymise" not in corpus.steps and (func := run("anonymise")) is not None:
            t = time.perf_counter()
            corpus, key = _call("anonymise", func, corpus, opts_of["anonymise"], seed)
            timings["anonymise"] = round(time.perf_counter() - t, 3)
            bar.done()
            if key_path is not None:
                key.save(key_path)
        elif "anonymise" in corpus.steps:
            bar.done()
        releasing = False
        held.__exit__(None, None, None)
        _release_warnings(caught, anonymised="anonymise" in corpus.steps)

        needs = {"valence": "emotions", "theme": "themes", "stage": "stages"}
        wanted = any(col not in corpus.segments.columns and step not in skip for col, step in needs.items())
        if corpus.embeddings is None and wanted and (func := run("embed")) is not None:
            corpus = timed("embed", lambda: _call("embed", func, corpus, opts_of["embed"], seed))
        elif corpus.embeddings is not None or not wanted:
            bar.done()

        seg_cols = set(corpus.segments.columns)
        if "valence" not in seg_cols and (func := run("emotions")) is not None:
            corpus = timed("emotions", lambda: _call("emotions", func, corpus, opts_of["emotions"], seed))
        elif "valence" in seg_cols:
            bar.done()
        if "theme" not in seg_cols and (func := run("themes")) is not None:
            corpus = timed("themes", lambda: _call("themes", func, corpus, opts_of["themes"], seed,
                                                    codebook=codebook))
        elif "theme" in seg_cols:
            bar.done()
        if "stage" not in seg_cols and (func := run("stages")) is not None:
            corpus = timed("stages", lambda: _call("stages", func, corpus, opts_of["stages"], seed,
                                                    journey=journey))
        elif "stage" in seg_cols:
            bar.done()
        corpus = _tables(corpus, run, timed, opts_of, seed, journey)
    finally:
        if releasing:  # an error before anonymisation: keep the raw warnings out of sight too
            held.__exit__(None, None, None)
            _release_warnings(caught, anonymised=anonymise)
        bar.close()

    meta = dict(corpus.meta)
    meta["pipeline"] = {"timings_s": {k: round(v, 3) for k, v in timings.items()},
                        "skipped_steps": sorted(set(skipped)), "anonymised": "anonymise" in corpus.steps,
                        "seed": seed}
    corpus = corpus.replace(meta=meta)
    if return_key:
        return corpus, key
    return corpus


def _tables(corpus: Corpus, run, timed, opts_of: dict[str, dict[str, Any]], seed: int, journey: Any) -> Corpus:
    """Journey curves, moments, insights and opportunities, stored as corpus tables."""
    has = set(corpus.segments.columns)
    tables: dict[str, pd.DataFrame] = {}
    params: dict[str, Any] = {}

    if {"stage", "valence"} <= has and (func := run("curve")) is not None:
        curve_opts = dict(opts_of["curve"])
        by = _group_columns(corpus, curve_opts.pop("by", None))

        def curves() -> Corpus:
            tables["journey_curve"] = _call("curve", func, corpus, curve_opts, seed, journey=journey)
            for col in by:
                table = _call("curve", func, corpus, {**curve_opts, "by": col}, seed, journey=journey)
                if col not in table.columns and "group" in table.columns:
                    table = table.rename(columns={"group": col})  # self-describing once saved
                tables[f"journey_curve_{col}"] = table
            params["curve"] = {**curve_opts, "by": by}
            return corpus

        timed("curve", curves)

    staged = corpus.replace(tables={**corpus.tables, **tables}) if tables else corpus
    if {"stage", "valence"} <= has and (func := run("moments")) is not None:
        def moments() -> Corpus:
            tables["moments"] = _call("moments", func, staged, opts_of["moments"], seed, journey=journey)
            params["moments"] = opts_of["moments"]
            return corpus

        timed("moments", moments)

    if {"theme", "valence"} <= has and run("insights") is not None:
        from cxinsight.insights import SynthesisParams, run_synthesis

        ins_opts = dict(opts_of["insights"])
        ins_opts.setdefault("seed", seed)

        def insights() -> Corpus:
            syn = run_synthesis(staged, SynthesisParams(**ins_opts))
            tables["insights"], tables["contrasts"] = syn.insights, syn.contrasts
            params["insights"] = syn.params
            return corpus

        timed("insights", insights)

    if {"stage", "valence"} <= has and (func := run("opportunities")) is not None:
        def opps() -> Corpus:
            with_curves = corpus.replace(tables={**corpus.tables, **tables})
            opp_opts = dict(opts_of["opportunities"])
            tables["opportunities"] = _call("opportunities", func, with_curves, opp_opts, seed)
            params["opportunities"] = opp_opts
            return corpus

        timed("opportunities", opps)
    if not tables:
        return corpus
    return corpus.with_step("synthesise", params, tables={**corpus.tables, **tables})
