"""The table of pipeline steps that :func:`cxinsight.analyse` walks.

Each :class:`Step` names the public function it runs, what it reads from the corpus
(``requires``), what it adds (``assigns``), the parameter that receives the run's seed and the
way the embedding model chosen in ``embed`` reaches it. :func:`steps` returns the table as a
DataFrame (the step tables in the documentation are generated from it), :func:`check_options`
validates the options of a run before any work, and :func:`run_step` runs one step on a corpus
the way ``analyse`` does.

Notation of ``requires`` and ``assigns``: ``segments`` is the table written by
:func:`cxinsight.segment` with its own columns; ``segments.valence`` one column of it;
``tables.themes`` a result table; ``meta.themes`` a key of ``corpus.meta``; a trailing ``*``
matches a family of names (``segments.p_*``); a trailing ``?`` marks something that is present
only in some studies (a manifest, group columns).
"""

from __future__ import annotations

import collections.abc as cabc
import importlib
import inspect
import numbers
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cxinsight.corpus import Corpus
from cxinsight.errors import OptionError

__all__ = ["Step", "STEPS", "steps", "step", "check_options", "run_step", "steps_markdown"]


@dataclass(frozen=True)
class Step:
    """One step of the pipeline.

    Attributes
    ----------
    name : str
        Option name in :func:`cxinsight.analyse` (``themes={...}``).
    function : str
        The public function it runs, ``"module:name"``.
    provenance : str
        Name the step records in ``corpus.provenance``.
    description : str
        What it does, in a few words (progress lines, documentation).
    requires : tuple of str
        What it reads from the corpus.
    assigns : tuple of str
        What it adds to the corpus.
    seed : str or None
        Parameter that receives the run's ``seed`` (``None``: deterministic without one).
    model : str or None
        How the embedding model chosen in ``embed`` reaches the step: ``"model"`` (a parameter
        of the function), ``"<parameter>.embedding_model"`` (a parameter of its estimator), or
        ``"corpus"`` (:func:`cxinsight.embeddings.encode_for` reads it from the corpus).
    estimator : str or None
        ``"module:Class"`` whose parameters may also be given in the step's options; they build
        the estimator passed as ``estimator_param`` (or are passed on as they are when
        ``estimator_param`` is ``None``).
    estimator_param : str or None
        Parameter of the function that takes the estimator object.
    optional : bool
        Whether ``analyse(<name>=False)`` may skip it.
    rewrites : tuple of str
        Tables it may change in place of adding to them (only ``anonymise``).
    cost : float
        Relative time per segment, for the progress estimate.
    """

    name: str
    function: str
    provenance: str
    description: str
    requires: tuple[str, ...]
    assigns: tuple[str, ...]
    seed: str | None = None
    model: str | None = None
    estimator: str | None = None
    estimator_param: str | None = None
    optional: bool = True
    rewrites: tuple[str, ...] = ()
    cost: float = 1.0
    fixed: tuple[str, ...] = field(default=())

    def load(self) -> Callable[..., Any]:
        """Import and return the step's public function."""
        module, name = self.function.split(":")
        return getattr(importlib.import_module(module), name)

    def load_estimator(self) -> type | None:
        """Import and return the estimator class (``None`` when the step has none)."""
        if self.estimator is None:
            return None
        module, name = self.estimator.split(":")
        return getattr(importlib.import_module(module), name)


#: Every step, in the order analyse runs them.
STEPS: tuple[Step, ...] = (
    Step("read", "cxinsight.ingest:read", "read", "read transcripts",
         requires=("path",),
         assigns=("turns", "participants", "meta.files", "meta.skipped", "meta.aliases?",
                  "meta.speakers?", "meta.manifest?", "meta.*?"),
         optional=False, cost=0.5, fixed=("manifest",)),
    Step("segment", "cxinsight.segmentation:segment", "segment", "split into segments",
         requires=("turns",), assigns=("segments", "meta.segmentation"),
         optional=False, cost=1.0),
    Step("anonymise", "cxinsight.anonymisation:anonymise", "anonymise", "pseudonymise",
         requires=("turns", "participants", "segments"),
         assigns=("participants.participant_code?", "meta.anonymisation"),
         seed="seed", estimator="cxinsight.anonymisation:Anonymiser",
         rewrites=("turns", "participants", "segments", "tables", "meta"), cost=1.0),
    Step("embed", "cxinsight.embeddings:embed", "embed", "embed segments",
         requires=("segments.text",), assigns=("embeddings", "meta.embedding"),
         model="model", cost=8.0),
    Step("emotions", "cxinsight.emotions:tag_emotions", "tag_emotions", "tag emotions",
         requires=("segments", "embeddings"),
         assigns=("segments.valence", "segments.emotion", "segments.emotion_score",
                  "segments.emotions", "segments.question_kind", "segments.request",
                  "segments.kind", "segments.p_*", "meta.emotions"),
         model="tagger.embedding_model", estimator="cxinsight.emotions:EmotionTagger",
         estimator_param="tagger", cost=0.5),
    Step("themes", "cxinsight.themes:extract_themes", "extract_themes", "find themes",
         requires=("segments", "embeddings"),
         assigns=("segments.theme", "segments.theme_label", "tables.themes", "meta.themes"),
         seed="seed", model="model.embedding_model", estimator="cxinsight.themes:ThemeModel",
         estimator_param="model", cost=12.0, fixed=("codebook",)),
    Step("stages", "cxinsight.journey:assign_stages", "assign_stages", "assign journey stages",
         requires=("segments", "embeddings"),
         assigns=("segments.stage", "segments.stage_confidence", "segments.stage_source",
                  "meta.stages", "meta.journey"),
         model="model", cost=1.0, fixed=("journey",)),
    Step("curve", "cxinsight.journey:journey_curve", "journey_curve", "journey curves",
         requires=("segments", "segments.stage", "segments.valence", "segments.emotion?"),
         assigns=("tables.journey_curve", "tables.journey_curve_*?"),
         seed="seed", cost=0.7, fixed=("journey",)),
    Step("moments", "cxinsight.journey:moments", "moments", "highs and lows",
         requires=("segments", "segments.stage", "segments.valence", "segments.emotion",
                   "segments.emotion_score?", "segments.theme", "segments.theme_label",
                   "tables.themes"),
         assigns=("tables.moments",), seed="seed", cost=0.3, fixed=("journey",)),
    Step("insights", "cxinsight.insights:synthesise", "synthesise", "synthesise insights",
         requires=("segments", "segments.valence", "segments.emotion", "segments.emotion_score",
                   "segments.theme", "segments.theme_label", "segments.stage",
                   "tables.themes", "meta.journey?"),
         assigns=("tables.insights", "tables.contrasts"), seed="seed", cost=0.7),
    Step("opportunities", "cxinsight.insights:opportunities", "opportunities", "opportunities",
         requires=("segments", "segments.stage", "segments.valence", "segments.emotion",
                   "segments.emotion_score?", "segments.theme", "segments.theme_label",
                   "tables.themes", "tables.journey_curve", "tables.journey_curve_*?",
                   "meta.journey?"),
         assigns=("tables.opportunities",), seed="seed", cost=0.7),
)

_BY_NAME = {s.name: s for s in STEPS}
#: Steps that only make sense when the study follows the journey map.
JOURNEY_STEPS = ("curve", "moments", "opportunities")


def step(name: str) -> Step:
    """Return the step called ``name``.

    Raises
    ------
    OptionError
        An unknown name; the message lists the steps.
    """
    try:
        return _BY_NAME[name]
    except KeyError:
        raise OptionError(f"there is no step {name!r}; the steps are {[s.name for s in STEPS]}.") from None


def steps() -> pd.DataFrame:
    """Return the pipeline's steps as a table, in the order :func:`cxinsight.analyse` runs them.

    Returns
    -------
    DataFrame
        One row per step: ``step`` (its option name in ``analyse``), ``function``,
        ``provenance``, ``description``, ``requires``, ``assigns`` (comma-separated, see the
        module docstring for the notation), ``seed`` (parameter given the run's seed, empty when
        the step is deterministic), ``model`` (how the embedding model reaches it), ``options``
        (the parameters its options may set) and ``optional``.

    Examples
    --------
    >>> import cxinsight as cx
    >>> cx.steps()[["step", "function", "seed"]].head(3)  # doctest: +SKIP
    """
    rows = []
    for s in STEPS:
        rows.append({
            "step": s.name,
            "function": s.function.replace(":", "."),
            "provenance": s.provenance,
            "description": s.description,
            "requires": ", ".join(s.requires),
            "assigns": ", ".join(s.assigns),
            "seed": s.seed or "",
            "model": s.model or "",
            "options": ", ".join(sorted(accepted_options(s))),
            "optional": s.optional,
        })
    return pd.DataFrame(rows)


def steps_markdown() -> str:
    """Return the step table as Markdown (the table in ``docs/data_model.md``)."""
    df = steps()
    cols = ["step", "function", "requires", "assigns", "seed", "model"]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for _, row in df.iterrows():
        cells = []
        for c in cols:
            v = str(row[c])
            cells.append(f"`{v}`" if c in ("step", "function") else (v or "-"))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------- options
def _signature_params(func: Callable[..., Any]) -> tuple[dict[str, inspect.Parameter], bool]:
    sig = inspect.signature(func)
    named = {n: p for n, p in sig.parameters.items()
             if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and n != "self"}
    var_kw = any(p.kind == p.VAR_KEYWORD for p in sig.parameters.values())
    return named, var_kw


def _parameters(s: Step) -> tuple[dict[str, inspect.Parameter], dict[str, inspect.Parameter]]:
    """Parameters settable through the step's options: (function's, estimator's)."""
    func_params, _ = _signature_params(s.load())
    first = next(iter(func_params), None)
    func_params = {n: p for n, p in func_params.items() if n != first}  # the corpus (or path)
    for n in s.fixed:
        func_params.pop(n, None)  # given by analyse's own arguments
    est_params: dict[str, inspect.Parameter] = {}
    cls = s.load_estimator()
    if cls is not None:
        est_params, _ = _signature_params(cls.__init__)
        if s.estimator_param is not None:
            func_params.pop(s.estimator_param, None)
    return func_params, est_params


def accepted_options(s: Step) -> set[str]:
    """Names of the parameters the options of step ``s`` may set."""
    if s.name == "read":
        from cxinsight.ingest import reader

        known = getattr(reader, "READ_OPTIONS", None)
        if known is not None:
            return set(known)
    func_params, est_params = _parameters(s)
    return set(func_params) | set(est_params)


_SIMPLE_TYPES: dict[str, tuple[type, ...]] = {
    "int": (numbers.Integral,), "float": (numbers.Real,), "str": (str,),
    "bool": (bool, np.bool_), "None": (type(None),),
    "list": (list, tuple), "tuple": (tuple, list), "dict": (dict, cabc.Mapping),
    "Mapping": (cabc.Mapping,), "Sequence": (cabc.Sequence,), "Iterable": (cabc.Iterable,),
    "Path": (os.PathLike, str), "os.PathLike": (os.PathLike, str), "PathLike": (os.PathLike, str),
}


def _allowed_types(annotation: Any) -> tuple[type, ...] | None:
    """Types an annotation such as ``'int | str'`` allows, or ``None`` when not simple enough."""
    if annotation is inspect.Parameter.empty:
        return None
    text = annotation if isinstance(annotation, str) else getattr(annotation, "__name__", None)
    if not isinstance(text, str) or "Literal" in text or "Callable" in text:
        return None
    out: list[type] = []
    for part in text.split("|"):
        base = part.strip().split("[", 1)[0].strip()
        if base not in _SIMPLE_TYPES:
            return None
        out.extend(_SIMPLE_TYPES[base])
    return tuple(out)


def _type_ok(value: Any, allowed: tuple[type, ...]) -> bool:
    if isinstance(value, (bool, np.bool_)) and bool not in allowed:
        return False  # True is an int to Python, not to a user asking for a count
    return isinstance(value, allowed)


def _check_value(s: Step, name: str, param: inspect.Parameter, value: Any) -> None:
    allowed = _allowed_types(param.annotation)
    if allowed is None or _type_ok(value, allowed):
        return
    raise OptionError(
        f"analyse({s.name}={{{name!r}: {value!r}}}): {name} must be {param.annotation}, "
        f"got {type(value).__name__}."
    )


def check_options(options: Mapping[str, Any]) -> dict[str, dict[str, Any] | bool]:
    """Validate the per-step options of a run before any work is done.

    Parameters
    ----------
    options : mapping
        Step name to a dict of parameters, ``False`` (skip), ``True`` (run with defaults; for
        ``stages`` it also forces stages on a study that does not follow the journey) or
        ``None`` (defaults).

    Returns
    -------
    dict
        Step name to a dict of parameters or ``False``, for every step.

    Raises
    ------
    OptionError
        An unknown step, a required step switched off, an unknown parameter (the message lists
        the accepted ones) or a value of the wrong type.
    """
    unknown = sorted(set(options) - set(_BY_NAME))
    if unknown:
        raise OptionError(
            f"analyse() got unknown option(s) {unknown}. Step options are "
            f"{[s.name for s in STEPS]} (anonymiser options go in anonymise_options={{...}}), "
            "e.g. themes={'min_theme_size': 8}; see cx.steps()."
        )
    out: dict[str, dict[str, Any] | bool] = {}
    for s in STEPS:
        opts = options.get(s.name)
        if opts is False:
            if not s.optional:
                raise OptionError(f"analyse(): the {s.name!r} step cannot be skipped.")
            out[s.name] = False
            continue
        if opts is None or opts is True:
            out[s.name] = {}
            continue
        if not isinstance(opts, Mapping):
            raise OptionError(
                f"analyse({s.name}=...) must be a dict of parameters, True or False, "
                f"got {type(opts).__name__}."
            )
        opts = dict(opts)
        if s.name == "read":
            out[s.name] = opts  # the reader checks its own options, naming the file
            continue
        func_params, est_params = _parameters(s)
        bad = sorted(set(opts) - set(func_params) - set(est_params))
        if bad:
            fn = s.function.split(":")[1]
            accepted = sorted(set(func_params) | set(est_params))
            raise OptionError(
                f"analyse({s.name}={{...}}): {fn}() has no parameter(s) {bad}; it accepts "
                f"{accepted}."
            )
        for name, value in opts.items():
            param = func_params.get(name) or est_params[name]
            _check_value(s, name, param, value)
        out[s.name] = opts
    return out


# ---------------------------------------------------------------------------- running
@dataclass
class Context:
    """What :func:`run_step` needs besides the step's own options."""

    seed: int = 0
    journey: Any = None
    codebook: Any = None
    manifest: Any = None
    force_stages: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def _embedding_model(corpus: Corpus) -> Any:
    from cxinsight.embeddings import corpus_model

    return corpus_model(corpus)


def _kwargs(s: Step, corpus: Corpus | None, opts: Mapping[str, Any], ctx: Context) -> dict[str, Any]:
    """Split ``opts`` between function and estimator, then add seed, model and fixed inputs."""
    func = s.load()
    func_names, func_var_kw = _signature_params(func)
    func_params, est_params = _parameters(s) if s.name != "read" else ({}, {})
    kwargs = {k: v for k, v in opts.items() if k in func_params or k not in est_params}
    est_kw = {k: v for k, v in opts.items() if k in est_params and k not in func_params}
    model = _embedding_model(corpus) if corpus is not None and s.model else None

    # the run's seed: to the function when it takes one, else to its estimator
    if s.seed is not None:
        if s.seed in func_params:
            kwargs.setdefault(s.seed, ctx.seed)
        elif s.estimator is not None:
            for name in ("seed", "random_state"):
                if name in est_params:
                    est_kw.setdefault(name, ctx.seed)
                    break
    # the embedding model chosen in embed
    if model is not None and s.model == "model" and s.name != "embed" and "model" in func_names:
        kwargs.setdefault("model", model)
    if model is not None and s.model and s.model.endswith(".embedding_model") \
            and "embedding_model" in est_params:
        est_kw.setdefault("embedding_model", model)
    # inputs given to analyse itself
    fixed = {"journey": ctx.journey, "codebook": ctx.codebook, "manifest": ctx.manifest}
    for name in s.fixed:
        if fixed.get(name) is not None and (name in func_names or func_var_kw):
            kwargs.setdefault(name, fixed[name])
    if s.name == "stages" and ctx.force_stages and "force" in func_names:
        kwargs.setdefault("force", True)
    # an estimator built from its options
    if est_kw:
        if s.estimator_param is None:
            kwargs.update(est_kw)
        elif kwargs.get(s.estimator_param) is None:
            kwargs[s.estimator_param] = s.load_estimator()(**est_kw)
    return kwargs


def _group_columns(corpus: Corpus, by: Any) -> list[str]:
    if by is not None:
        by = [by] if isinstance(by, str) else list(by)
        missing = [b for b in by if b not in corpus.participants.columns]
        if missing:
            raise OptionError(f"curve={{'by': {by}}}: {missing} are not participant columns "
                              f"(available: {sorted(corpus.participants.columns)}).")
        return by
    try:
        from cxinsight.speech import group_columns
    except ImportError:  # pragma: no cover - older layout
        from cxinsight.insights._common import group_columns
    cands = list(group_columns(corpus.participants))
    preferred = [c for c in ("segment", "nps_group") if c in cands]
    return preferred or cands[:2]


def _table_step(s: Step, corpus: Corpus, kwargs: dict[str, Any]) -> Corpus:
    """Run a step whose function returns tables, and store them on a new corpus."""
    func = s.load()
    tables: dict[str, pd.DataFrame] = {}
    params = dict(kwargs)
    params.pop("journey", None)
    if s.name == "curve":
        by = _group_columns(corpus, kwargs.pop("by", None))
        tables["journey_curve"] = func(corpus, **kwargs)
        for col in by:
            table = func(corpus, by=col, **kwargs)
            if col not in table.columns and "group" in table.columns:
                table = table.rename(columns={"group": col})  # self-describing once saved
            tables[f"journey_curve_{col}"] = table
        params["by"] = by
    elif s.name == "insights":
        from cxinsight.insights import SynthesisParams, run_synthesis

        syn = run_synthesis(corpus, SynthesisParams(**kwargs))
        tables["insights"], tables["contrasts"] = syn.insights, syn.contrasts
        params = dict(syn.params)
    else:
        tables[s.name] = func(corpus, **kwargs)
    return corpus.with_step(s.provenance, params, tables={**corpus.tables, **tables})


def execute(s: Step, first: Any, opts: Mapping[str, Any], ctx: Context) -> tuple[Corpus, Any]:
    """Run step ``s`` on ``first`` (a corpus, or a path for ``read``).

    Returns
    -------
    (Corpus, Any)
        The new corpus and what else the step returned (the key, for ``anonymise``).
    """
    corpus = first if isinstance(first, Corpus) else None
    kwargs = _kwargs(s, corpus, opts, ctx)
    if s.name in ("curve", "moments", "insights", "opportunities"):
        return _table_step(s, corpus, kwargs), None
    result = s.load()(first, **kwargs)
    if isinstance(result, tuple):
        return result[0], result[1]
    return result, None


def run_step(corpus: Corpus | str | os.PathLike, name: str, *, seed: int = 0,
             journey: Any = None, codebook: Any = None, **options: Any) -> Corpus:
    """Run one step of the table on a corpus, exactly as :func:`cxinsight.analyse` would.

    Parameters
    ----------
    corpus : Corpus, or a path for ``"read"``
    name : str
        The step's name in :func:`steps`.
    seed : int, default 0
        Given to the step's seed parameter, if it has one.
    journey, codebook : optional
        As in :func:`cxinsight.analyse`.
    **options
        The step's options (checked as in ``analyse``).

    Returns
    -------
    Corpus
        A new corpus (the re-identification key of ``anonymise`` is dropped; use
        :func:`cxinsight.anonymise` to keep it).
    """
    s = step(name)
    opts = check_options({name: options})[name]
    ctx = Context(seed=seed, journey=journey, codebook=codebook)
    first = Path(corpus) if isinstance(corpus, (str, os.PathLike)) else corpus
    return execute(s, first, opts or {}, ctx)[0]


def _main() -> None:  # pragma: no cover - documentation helper
    print(steps_markdown(), end="")


if __name__ == "__main__":  # pragma: no cover - python -m cxinsight.step_table
    _main()
