"""Journey emotion curves and the moments (peaks and troughs) that matter.

This module is the one definition of the journey curve (:func:`journey_curve`) and of its
highs and lows (:func:`moments`); reports and insights call these functions.

The curve is one valence score per stage (and per group), computed so that every participant
weighs the same however much they talk: the mean of the participants' own stage means, with a
bootstrap confidence interval that resamples participants (not segments). A point resting on
fewer than :data:`MIN_PARTICIPANTS` participants gets no interval and is marked unreliable.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cxinsight.corpus import Corpus
from cxinsight.errors import InputError, JourneyNotApplicableError, MissingStepError
from cxinsight.journey.applicability import MIN_PARTICIPANTS
from cxinsight.journey.maps import JourneyError, JourneyMap
from cxinsight.speech import participant_mask

#: Column of the curve and moments tables that holds the group when ``by`` is given.
GROUP = "group"
CURVE_COLUMNS = [
    "stage", "stage_label", "stage_order", "valence", "ci_low", "ci_high",
    "n_participants", "n_segments", "reliable", "leading_emotions",
]
_NEUTRAL = "neutral"


def journey_of(corpus: Corpus, journey: Any = None) -> JourneyMap:
    """Return the journey a corpus was staged with (``meta["journey"]["map"]``), or the default."""
    if journey is not None:
        return JourneyMap.coerce(journey)
    spec = corpus.meta.get("journey")
    if isinstance(spec, Mapping) and isinstance(spec.get("map"), Mapping):
        return JourneyMap.from_dict(spec["map"])
    if isinstance(spec, Mapping) and spec.get("stages") and isinstance(spec["stages"][0], Mapping):
        return JourneyMap.from_dict(spec)  # written by cxinsight 0.1
    return JourneyMap.default()


def require_applicable(corpus: Corpus, what: str = "a journey curve") -> None:
    """Raise :class:`JourneyNotApplicableError` when ``assign_stages`` found no journey.

    A corpus without the record (stages set by hand, or by cxinsight 0.1) passes.
    """
    info = corpus.meta.get("journey")
    if isinstance(info, Mapping) and info.get("applicable") is False:
        reason = str(info.get("reason") or "the study does not follow the journey map").rstrip(".")
        raise JourneyNotApplicableError(
            f"This study has no {what}: {reason}. If it does follow the journey, assign stages "
            "anyway with `corpus = cx.assign_stages(corpus, force=True)` (or pass your own "
            "journey map) and try again."
        )


def stage_data(corpus: Corpus, by: str | None = None, journey: Any = None) -> tuple[pd.DataFrame, JourneyMap]:
    """Return the participant segments that count for curves, with a ``group`` column.

    Keeps participant segments with a stage and a valence, drops back-channels, adds
    ``participant`` (= ``interview_id``, one participant per interview), ``who`` (the
    ``participant_code`` when the corpus is pseudonymised, else the interview id) and ``group``.
    """
    seg = corpus.require("segments", ["valence"], "cx.tag_emotions(corpus)")
    seg = corpus.require("segments", ["stage", "role", "interview_id"], "cx.assign_stages(corpus)")
    journey = journey_of(corpus, journey)
    speech = participant_mask(seg)
    data = seg[speech & seg["stage"].notna().to_numpy() & seg["valence"].notna().to_numpy()]
    data = data.copy()
    data["stage"] = data["stage"].astype(str)
    unknown = sorted(set(data["stage"]) - set(journey.names))
    if unknown:
        raise JourneyError(
            f"The segments have stage(s) {unknown} that are not in the journey {journey.name!r} "
            f"({journey.names}). Pass the journey they come from: "
            "cx.journey_curve(corpus, journey=my_journey)."
        )
    data["valence"] = data["valence"].astype(float)
    data["participant"] = data["interview_id"].astype(str)
    # how quotes name their speaker: the pseudonymous participant code when there is one
    parts = corpus.participants
    if "participant_code" in parts.columns:
        codes = dict(zip(parts["interview_id"].astype(str), parts["participant_code"]))
        data["who"] = data["participant"].map(codes).fillna(data["participant"]).astype(str)
    else:
        data["who"] = data["participant"]
    if by is None:
        data[GROUP] = "all"
    else:
        parts = corpus.participants
        if by not in parts.columns:
            raise KeyError(
                f"by={by!r} is not a column of corpus.participants; available columns are "
                f"{[c for c in parts.columns if c != 'interview_id']}."
            )
        key = parts[["interview_id", by]].copy()
        key["interview_id"] = key["interview_id"].astype(str)
        key = key.drop_duplicates("interview_id")
        mapping = dict(zip(key["interview_id"], key[by]))
        data[GROUP] = data["participant"].map(mapping)
        data[GROUP] = data[GROUP].where(data[GROUP].notna(), "unknown").astype(str)
    return data, journey


def _groups(corpus: Corpus, data: pd.DataFrame, by: str | None) -> list[str]:
    """Groups in a stable order: the participants table's order of first appearance."""
    if by is None:
        return ["all"]
    vals = corpus.participants[by]
    order = [str(v) for v in pd.unique(vals.dropna())]
    extra = sorted(set(data[GROUP]) - set(order))
    return order + extra


def _participant_matrix(g: pd.DataFrame, stages: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Per-participant stage means (NaN where absent) and segment counts."""
    means = g.pivot_table(index="participant", columns="stage", values="valence", aggfunc="mean")
    counts = g.pivot_table(index="participant", columns="stage", values="valence", aggfunc="count")
    means = means.reindex(columns=stages)
    counts = counts.reindex(columns=stages).fillna(0)
    return means.to_numpy(dtype=float), counts.to_numpy(dtype=float)


def _leading_emotions(g: pd.DataFrame, n: int = 3, min_share: float = 0.05) -> str:
    """Participant-weighted shares of non-neutral emotion families, strongest first."""
    if "emotion" not in g.columns or g["emotion"].isna().all():
        return ""
    e = g.dropna(subset=["emotion"])
    shares = (
        e.groupby("participant")["emotion"].value_counts(normalize=True).unstack(fill_value=0)
    ).mean(axis=0)
    shares = shares.drop(labels=[_NEUTRAL], errors="ignore").sort_values(ascending=False)
    shares = shares[shares >= min_share].head(n)
    return "; ".join(f"{name} {share:.0%}" for name, share in shares.items())


def journey_curve(
    corpus: Corpus,
    by: str | None = None,
    *,
    n_boot: int = 1000,
    seed: int = 0,
    ci: float = 0.95,
    journey: JourneyMap | Mapping | str | Path | None = None,
    min_participants: int = MIN_PARTICIPANTS,
) -> pd.DataFrame:
    """Mean valence per journey stage (and per group), participants weighted equally.

    Parameters
    ----------
    corpus : Corpus
        With ``valence`` (``cx.tag_emotions``) and ``stage`` (``cx.assign_stages``).
    by : str, optional
        A column of ``corpus.participants`` (``"segment"``, ``"nps_group"``): one curve per
        value.
    n_boot : int, default 1000
        Bootstrap resamples of participants for the confidence interval.
    seed : int, default 0
        Seed of the bootstrap (same seed, same interval).
    ci : float, default 0.95
        Coverage of the interval.
    journey : JourneyMap, optional
        Defaults to the journey ``assign_stages`` used (``corpus.meta["journey"]``).
    min_participants : int, default 5
        A point resting on fewer participants gets no interval (``ci_low``/``ci_high`` NaN)
        and ``reliable`` False: a bootstrap over two or three people says nothing.

    Returns
    -------
    DataFrame
        One row per stage (per group), in journey order, with ``group`` (when ``by``),
        ``stage``, ``stage_label``, ``stage_order``, ``valence`` (mean of per-participant
        stage means), ``ci_low``, ``ci_high`` (percentile bootstrap over participants; NaN with
        fewer than ``min_participants`` participants), ``n_participants``, ``n_segments``,
        ``reliable`` (at least ``min_participants`` participants) and
        ``leading_emotions`` (non-neutral ``emotion`` families with their participant-weighted
        shares). A stage without data is a gap: ``valence`` NaN and ``n_participants`` 0,
        never 0. ``attrs["by"]`` holds ``by``.

    Raises
    ------
    JourneyNotApplicableError
        When ``assign_stages`` decided the study does not follow the journey
        (``corpus.meta["journey"]["applicable"]`` False); the message names
        ``cx.assign_stages(corpus, force=True)``.

    Notes
    -----
    A participant is an interview (``interview_id``): the study has one participant per
    interview. Only participant speech (:func:`cxinsight.speech.participant_mask`) with a
    stage counts; back-channels never do.
    """
    if not isinstance(n_boot, (int, np.integer)) or n_boot < 0:
        raise InputError(f"n_boot must be a non-negative integer, got {n_boot!r}.")
    if not 0 < ci < 1:
        raise InputError(f"ci must be between 0 and 1, got {ci!r}.")
    if not isinstance(min_participants, (int, np.integer)) or min_participants < 2:
        raise InputError(f"min_participants must be an integer of at least 2, got {min_participants!r}.")
    require_applicable(corpus)
    data, journey = stage_data(corpus, by, journey)
    stages = journey.names
    rng = np.random.default_rng(seed)
    alpha = (1 - ci) / 2
    rows = []
    for group in _groups(corpus, data, by):
        g = data[data[GROUP] == group]
        means, counts = _participant_matrix(g, stages)
        n_part = (~np.isnan(means)).sum(axis=0) if len(means) else np.zeros(len(stages), int)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            val = np.nanmean(means, axis=0) if len(means) else np.full(len(stages), np.nan)
            lo = np.full(len(stages), np.nan)
            hi = np.full(len(stages), np.nan)
            if len(means) >= 2 and n_boot > 0:
                idx = rng.integers(0, len(means), size=(n_boot, len(means)))
                boot = np.nanmean(means[idx], axis=1)  # n_boot x stages
                lo = np.nanquantile(boot, alpha, axis=0)
                hi = np.nanquantile(boot, 1 - alpha, axis=0)
        for s, name in enumerate(stages):
            ok = n_part[s] >= min_participants
            rows.append({
                GROUP: group,
                "stage": name,
                "stage_label": journey.label(name),
                "stage_order": s,
                "valence": float(val[s]) if n_part[s] else np.nan,
                "ci_low": float(lo[s]) if ok else np.nan,
                "ci_high": float(hi[s]) if ok else np.nan,
                "n_participants": int(n_part[s]),
                "n_segments": int(counts[:, s].sum()) if len(counts) else 0,
                "reliable": bool(ok),
                "leading_emotions": _leading_emotions(g[g["stage"] == name]),
            })
    cols = ([GROUP] if by is not None else []) + CURVE_COLUMNS
    out = pd.DataFrame(rows)
    out = out[cols] if len(out) else pd.DataFrame(columns=cols)
    out = out.astype({"n_participants": "int64", "n_segments": "int64", "stage_order": "int64",
                      "reliable": "bool"})
    out.attrs["by"] = by
    out.attrs["journey"] = journey.name
    return out


# ---------------------------------------------------------------------- quotes and moments
def shorten(text: str, max_chars: int = 80) -> str:
    """Return ``text`` cut at a word boundary to at most ``max_chars`` characters."""
    text = " ".join(str(text).split())
    if len(text) <= max_chars:
        return text
    cut = text[: max_chars - 1].rsplit(" ", 1)[0].rstrip(",;:-")
    return cut + "\u2026"


def top_quotes(
    data: pd.DataFrame, direction: int, n: int = 3, min_words: int = 6, max_words: int = 40
) -> pd.DataFrame:
    """Pick up to ``n`` quotes in ``direction`` (+1 highs, -1 lows), one per participant.

    Quotes are participant segments whose valence has the sign of ``direction``, of readable
    length, strongest first (ties broken by ``emotion_score`` then ``segment_id``).
    """
    d = data[np.sign(data["valence"]) == np.sign(direction)]
    if "n_words" in d.columns:
        words = d["n_words"]
    else:
        words = d["text"].astype(str).str.split().str.len()
    d = d[(words >= min_words) & (words <= max_words)]
    if d.empty:
        return d
    d = d.assign(
        _strength=d["valence"].abs(),
        _score=d["emotion_score"] if "emotion_score" in d.columns else 0.0,
        _id=d["segment_id"] if "segment_id" in d.columns else d.index.astype(str),
    )
    d = d.sort_values(["_strength", "_score", "_id"], ascending=[False, False, True])
    d = d.drop_duplicates("participant").drop_duplicates("text")
    return d.head(n).drop(columns=["_strength", "_score", "_id"])


def _local_extrema(values: np.ndarray) -> list[tuple[int, str]]:
    """Indices of local maxima ("high") and minima ("low") of a curve with gaps skipped."""
    present = [i for i, v in enumerate(values) if not np.isnan(v)]
    out = []
    if len(present) < 2:
        return [(i, "high") for i in present]
    for j, i in enumerate(present):
        nbrs = [values[present[j - 1]]] if j > 0 else []
        nbrs += [values[present[j + 1]]] if j + 1 < len(present) else []
        if all(values[i] > v for v in nbrs):
            out.append((i, "high"))
        elif all(values[i] < v for v in nbrs):
            out.append((i, "low"))
    return out


def _driving_themes(g: pd.DataFrame, direction: int, n: int) -> Any:
    if "theme_label" not in g.columns:
        return pd.NA
    d = g[(np.sign(g["valence"]) == np.sign(direction)) & g["theme_label"].notna()]
    if "theme" in d.columns:
        d = d[pd.to_numeric(d["theme"], errors="coerce").fillna(-1) != -1]
    if d.empty:
        return ""
    stats = d.groupby("theme_label").agg(
        participants=("participant", "nunique"), weight=("valence", lambda v: float(v.abs().sum()))
    ).sort_values(["participants", "weight"], ascending=False).head(n)
    return "; ".join(f"{label} ({int(r.participants)})" for label, r in stats.iterrows())


def moments(
    corpus: Corpus,
    by: str | None = None,
    *,
    n_quotes: int = 3,
    n_themes: int = 3,
    min_prominence: float = 0.05,
    n_boot: int = 1000,
    seed: int = 0,
    journey: JourneyMap | Mapping | str | Path | None = None,
    min_participants: int = MIN_PARTICIPANTS,
) -> pd.DataFrame:
    """The peaks and troughs of the journey curve, with the themes and quotes behind them.

    Parameters
    ----------
    corpus : Corpus
        With ``valence`` and ``stage`` (and optionally ``theme_label``).
    by : str, optional
        A column of ``corpus.participants``: moments of each group's curve.
    n_quotes, n_themes : int
        How many quotes and themes to list per moment.
    min_prominence : float, default 0.05
        Extrema closer than this to the mean of their curve are not moments.
    n_boot, seed : int
        Passed to :func:`journey_curve`.
    journey : JourneyMap, optional
    min_participants : int, default 5
        Only curve points resting on at least this many participants (``reliable``) can be
        moments; the others are treated as gaps when finding highs and lows.

    Returns
    -------
    DataFrame
        One row per moment, ranked by ``prominence`` (distance of the stage's valence from
        the mean of its curve): ``rank``, ``kind`` (``"high"``: a local maximum of the curve
        above its mean, ``"low"``: a local minimum below it; ends of the curve count), ``action`` (``"elevate"`` or
        ``"mitigate"``), ``group`` (when ``by``), ``stage``, ``stage_label``, ``valence``,
        ``ci_low``, ``ci_high``, ``n_participants``, ``prominence``, ``themes`` (theme labels of
        the segments pulling that way, with the number of participants; <NA> when the corpus
        has no ``theme_label``), ``quotes`` (list of ``"text" (participant_code)``, or ``interview_id`` when the corpus
        is not pseudonymised) and
        ``segment_ids`` (their sources).

    Raises
    ------
    JourneyNotApplicableError
        When the study does not follow the journey (see :func:`journey_curve`).
    """
    require_applicable(corpus, "journey highs and lows")
    curve = journey_curve(corpus, by, n_boot=n_boot, seed=seed, journey=journey,
                          min_participants=min_participants)
    data, journey = stage_data(corpus, by, journey)
    rows = []
    groups = [None] if by is None else list(pd.unique(curve[GROUP]))
    for group in groups:
        c = curve if group is None else curve[curve[GROUP] == group]
        vals = c["valence"].to_numpy(dtype=float)
        vals = np.where(c["reliable"].to_numpy(dtype=bool), vals, np.nan)
        if np.isnan(vals).all():
            continue
        centre = float(np.nanmean(vals))
        gdata = data if group is None else data[data[GROUP] == group]
        for i, kind in _local_extrema(vals):
            r = c.iloc[i]
            offset = float(r["valence"]) - centre
            # a high must stand above its curve's mean, a low below it
            if abs(offset) < min_prominence or np.sign(offset) != (1 if kind == "high" else -1):
                continue
            direction = 1 if kind == "high" else -1
            sdata = gdata[gdata["stage"] == r["stage"]]
            q = top_quotes(sdata, direction, n_quotes)
            row = {
                "kind": kind,
                "action": "elevate" if kind == "high" else "mitigate",
                GROUP: group,
                "stage": r["stage"],
                "stage_label": r["stage_label"],
                "valence": float(r["valence"]),
                "ci_low": r["ci_low"],
                "ci_high": r["ci_high"],
                "n_participants": int(r["n_participants"]),
                "prominence": abs(float(r["valence"]) - centre),
                "themes": _driving_themes(sdata, direction, n_themes),
                "quotes": [f"\u201c{t}\u201d ({p})" for t, p in zip(q["text"], q["who"])],
                "segment_ids": list(q["segment_id"]) if "segment_id" in q.columns else [],
            }
            rows.append(row)
    cols = ["rank", "kind", "action"] + ([GROUP] if by is not None else []) + [
        "stage", "stage_label", "valence", "ci_low", "ci_high", "n_participants", "prominence",
        "themes", "quotes", "segment_ids",
    ]
    if not rows:
        if curve["n_participants"].sum() == 0:
            raise MissingStepError(
                "No participant segment has both a stage and a valence, so there are no moments. "
                "Check that `cx.assign_stages(corpus)` and `cx.tag_emotions(corpus)` ran."
            )
        return pd.DataFrame(columns=cols)
    out = pd.DataFrame(rows).sort_values(["prominence", "kind", "stage"], ascending=[False, True, True])
    out["rank"] = np.arange(1, len(out) + 1)
    out = out.reset_index(drop=True)[cols]
    out.attrs["by"] = by
    return out
