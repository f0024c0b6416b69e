"""Stage and theme summaries, and the opportunities that follow from the journey's highs and lows."""

from __future__ import annotations

import inspect
import math
from typing import Any

import numpy as np
import pandas as pd

from cxinsight.corpus import Corpus
from cxinsight.errors import InputError
from cxinsight.insights._common import (
    empty_like,
    fmt_num,
    group_columns,
    journey_status,
    nice,
    participant_codes,
    participant_segments,
)
from cxinsight.insights.stats import bootstrap_mean_ci
from cxinsight.insights.synthesis import group_phrase

#: Columns of :func:`opportunities`.
OPPORTUNITY_COLUMNS = [
    "rank", "kind", "moment", "group_column", "group", "stage", "valence", "ci_low", "ci_high",
    "n_participants", "drivers", "driver_themes", "quotes", "quote_participants", "statement",
]


def _with_stage(corpus: Corpus) -> pd.DataFrame:
    corpus.require("segments", ["valence"], "cx.tag_emotions(corpus)")
    corpus.require("segments", ["stage"], "cx.assign_stages(corpus)")
    seg = participant_segments(corpus)
    seg = seg[seg["stage"].notna() & seg["valence"].notna()].copy()
    seg["interview_id"] = seg["interview_id"].astype(str)
    seg["stage"] = seg["stage"].astype(str)
    return seg


def _leading(g: pd.DataFrame) -> str:
    if "emotion" not in g.columns:
        return ""
    emo = g["emotion"].dropna().astype(str)
    emo = emo[emo != "neutral"]
    if emo.empty:
        return "neutral"
    return ", ".join(emo.value_counts().head(2).index)


def stage_summary(
    corpus: Corpus, by: str | None = None, *, n_boot: int = 1000, level: float = 0.95, seed: int = 0
) -> pd.DataFrame:
    """Mean valence per journey stage (and group): the journey curve's stages that have data.

    The figures are :func:`cxinsight.journey_curve`'s (one definition of the curve: the mean of
    the participants' own stage means, bootstrap over participants), without its empty stages,
    with ``group`` named after ``by`` and ``emotions`` (= ``leading_emotions``).

    Parameters
    ----------
    corpus : Corpus
        With ``valence`` and ``stage`` columns on its segments.
    by : str, optional
        A column of ``corpus.participants`` (e.g. ``"segment"``).
    n_boot, level, seed
        Bootstrap over participants.

    Returns
    -------
    DataFrame
        ``[by], stage, stage_label, stage_order, valence, ci_low, ci_high, n_participants,
        n_segments, leading_emotions, emotions`` in journey order.
    """
    from cxinsight.journey.curve import journey_curve

    corpus.require("segments", ["valence"], "cx.tag_emotions(corpus)")
    corpus.require("segments", ["stage"], "cx.assign_stages(corpus)")
    if by is not None and by not in corpus.participants.columns:
        raise InputError(f"by={by!r} is not a column of corpus.participants.")
    curve = journey_curve(corpus, by, n_boot=n_boot, seed=seed, ci=level)
    curve = curve[curve["n_participants"] > 0]
    if by is not None and by not in curve.columns and "group" in curve.columns:
        curve = curve.rename(columns={"group": by})
    curve = curve.assign(emotions=curve["leading_emotions"] if "leading_emotions" in curve else "")
    return curve.reset_index(drop=True)


def theme_summary(
    corpus: Corpus, *, n_boot: int = 1000, level: float = 0.95, seed: int = 0, neutral_band: float = 0.1
) -> pd.DataFrame:
    """One row per theme: prevalence among participants and sentiment.

    Returns
    -------
    DataFrame
        ``theme, theme_label, n_participants, share, n_segments, valence, ci_low, ci_high,
        tone, emotions, stages`` sorted by ``n_participants`` (most widespread first).
        ``tone`` is ``negative``/``positive``/``neutral or mixed`` (±``neutral_band``);
        ``stages`` lists the two stages where most participants raise the theme (empty when
        the journey does not apply to the study).
    """
    corpus.require("segments", ["theme"], "cx.extract_themes(corpus)")
    corpus.require("segments", ["valence"], "cx.tag_emotions(corpus)")
    seg = participant_segments(corpus).copy()
    seg["interview_id"] = seg["interview_id"].astype(str)
    n_total = seg["interview_id"].nunique()
    staged = journey_status(corpus)[0] and "stage" in seg.columns
    seg["_t"] = pd.to_numeric(seg["theme"], errors="coerce")
    seg = seg[seg["_t"].notna() & (seg["_t"] >= 0) & seg["valence"].notna()]
    rows = []
    for t, g in seg.groupby("_t"):
        per = g.groupby("interview_id")["valence"].mean()
        mean, lo, hi = bootstrap_mean_ci(per.to_numpy(), n_boot=n_boot, level=level, seed=seed)
        label = g["theme_label"].dropna().astype(str) if "theme_label" in g.columns else pd.Series([], dtype=str)
        stages = ""
        if staged and g["stage"].notna().any():
            by_stage = g.dropna(subset=["stage"]).groupby("stage")["interview_id"].nunique()
            stages = ", ".join(nice(s) for s in by_stage.sort_values(ascending=False, kind="mergesort").head(2).index)
        tone = "negative" if mean <= -neutral_band else "positive" if mean >= neutral_band else "neutral or mixed"
        rows.append({
            "theme": int(t),
            "theme_label": label.mode().iloc[0] if not label.empty else f"theme {int(t)}",
            "n_participants": len(per), "share": len(per) / n_total if n_total else np.nan,
            "n_segments": len(g), "valence": mean, "ci_low": lo, "ci_high": hi, "tone": tone,
            "emotions": _leading(g), "stages": stages,
        })
    cols = ["theme", "theme_label", "n_participants", "share", "n_segments", "valence", "ci_low",
            "ci_high", "tone", "emotions", "stages"]
    out = pd.DataFrame(rows, columns=cols)
    return out.sort_values(["n_participants", "n_segments", "theme"], ascending=[False, False, True],
                           kind="mergesort").reset_index(drop=True)


def stored_curve(corpus: Corpus, by: str | None) -> pd.DataFrame | None:
    """The journey curve stored by :func:`cxinsight.analyse` (``tables["journey_curve[_<by>]"]``).

    A group curve whose group column is called ``group`` is returned with it renamed to ``by``.
    ``None`` when absent or without ``stage``/``valence``.
    """
    name = "journey_curve" if by is None else f"journey_curve_{by}"
    table = corpus.tables.get(name)
    if table is None or not {"stage", "valence"} <= set(table.columns):
        return None
    if by is not None and by not in table.columns:
        if "group" not in table.columns:
            return None
        table = table.rename(columns={"group": by})
    return table


def _curve(corpus: Corpus, by: str | None, n_boot: int, seed: int) -> pd.DataFrame:
    table = stored_curve(corpus, by)
    if table is not None:
        return table
    return stage_summary(corpus, by, n_boot=n_boot, seed=seed)


def _moments(corpus: Corpus, by: str | None, n_boot: int, seed: int, min_participants: int) -> pd.DataFrame:
    """The journey's highs and lows: the stored ``moments`` table or :func:`cxinsight.moments`."""
    from cxinsight.journey.curve import moments

    stored = corpus.tables.get("moments")
    if (by is None and min_participants == 5 and stored is not None
            and {"kind", "stage", "valence"} <= set(stored.columns)):
        if "group" not in stored.columns or stored["group"].isna().all():
            return stored
    opts: dict[str, Any] = {"n_boot": n_boot, "seed": seed}
    if "min_participants" in inspect.signature(moments).parameters:
        opts["min_participants"] = min_participants
    return moments(corpus, by, **opts)


def _drivers(seg: pd.DataFrame, kind: str, max_drivers: int) -> list[dict[str, Any]]:
    if "theme" not in seg.columns:
        return []
    s = seg.assign(_t=pd.to_numeric(seg["theme"], errors="coerce"))
    s = s[s["_t"].notna() & (s["_t"] >= 0)]
    out = []
    for t, g in s.groupby("_t"):
        per = g.groupby("interview_id")["valence"].mean()
        mean = float(per.mean())
        if len(per) < 2 or (kind == "trough" and mean > -0.02) or (kind == "peak" and mean < 0.02):
            continue  # a driver has at least two participants and pulls the right way
        label = g["theme_label"].dropna().astype(str) if "theme_label" in g.columns else pd.Series([], dtype=str)
        out.append({"theme": int(t), "label": label.mode().iloc[0] if not label.empty else f"theme {int(t)}",
                    "n": len(per), "valence": mean, "weight": len(per) * abs(mean)})
    out.sort(key=lambda d: (-d["weight"], d["theme"]))
    return out[:max_drivers]


def _quotes_from(seg: pd.DataFrame, segment_ids: Any, codes: dict[str, str], n: int):
    """Quote texts and speakers for the moment's own quotes (its ``segment_ids``)."""
    if not isinstance(segment_ids, (list, tuple, np.ndarray)) or "segment_id" not in seg.columns:
        return [], []
    by_id = seg.drop_duplicates("segment_id").set_index(seg["segment_id"].drop_duplicates().astype(str))
    quotes, who = [], []
    for sid in [str(x) for x in segment_ids][:n]:
        if sid not in by_id.index:
            continue
        r = by_id.loc[sid]
        text = " ".join(str(r["text"]).split())
        quotes.append(text if len(text) <= 240 else text[:237].rsplit(" ", 1)[0] + "…")
        who.append(codes.get(str(r["interview_id"]), str(r["interview_id"])))
    return quotes, who


def opportunities(
    corpus: Corpus,
    *,
    by: str | list[str] | None = "auto",
    max_drivers: int = 3,
    n_quotes: int = 2,
    min_participants: int = 5,
    n_boot: int = 1000,
    seed: int = 0,
) -> pd.DataFrame:
    """Turn the journey's lows into "mitigate" and its highs into "elevate" opportunities.

    The highs and lows are the journey's own (:func:`cxinsight.moments`, or the stored
    ``corpus.tables["moments"]``): one definition of the curve and its moments for the whole
    library. A stage-level recommendation needs ``min_participants`` participants at that stage;
    moments resting on fewer are left out (their number is in ``attrs["held_back"]``). When the
    journey does not apply to the study (``corpus.meta["journey"]["applicable"]`` is ``False``
    or no segment has a stage) the table is empty and ``attrs["reason"]`` says why. Each
    opportunity names the themes driving it (participants and mean valence of each, in that
    stage and group) and the moment's quotes.

    Parameters
    ----------
    corpus : Corpus
        With ``valence`` and ``stage`` (and ideally ``theme``) on its segments.
    by : str, list of str, "auto" or None, default "auto"
        Participant columns for group-level moments. ``"auto"``: ``segment`` and ``nps_group``
        where they are comparison variables (:func:`cxinsight.speech.group_columns`).
    max_drivers : int, default 3
        Themes named per opportunity.
    n_quotes : int, default 2
        Quotes per opportunity, from different participants.
    min_participants : int, default 5
        Fewest participants at a stage for a recommendation there.
    n_boot, seed
        Bootstrap of the curve when it is not stored.

    Returns
    -------
    DataFrame
        Columns :data:`OPPORTUNITY_COLUMNS`; overall moments first, lows before highs.
    """
    if not isinstance(min_participants, int) or min_participants < 1:
        raise InputError(f"min_participants must be a positive integer, got {min_participants!r}.")
    applies, reason = journey_status(corpus)
    if not applies:
        out = empty_like(OPPORTUNITY_COLUMNS)
        out.attrs.update(reason=reason, held_back=0)
        return out
    seg = _with_stage(corpus)
    codes = participant_codes(corpus)
    parts = corpus.participants.assign(interview_id=corpus.participants["interview_id"].astype(str))
    if by == "auto":
        cands = group_columns(parts)
        by = [c for c in ("segment", "nps_group") if c in cands]
    elif isinstance(by, str):
        by = [by]
    by = list(by or [])
    plans: list[tuple[str | None, pd.DataFrame]] = [(None, _moments(corpus, None, n_boot, seed, min_participants))]
    for col in by:
        plans.append((col, _moments(corpus, col, n_boot, seed, min_participants)))
    rows: list[dict[str, Any]] = []
    held_back = 0
    for col, found in plans:
        for _, m in found.iterrows():
            n_p = int(m["n_participants"])
            if n_p < min_participants:
                held_back += 1
                continue
            level = None if col is None else str(m["group"])
            members = seg
            if col is not None:
                ids = set(parts.loc[parts[col].astype(str) == level, "interview_id"])
                members = seg[seg["interview_id"].isin(ids)]
            stage = str(m["stage"])
            kind = "trough" if str(m["kind"]) == "low" else "peak"
            here = members[members["stage"] == stage]
            drivers = _drivers(here, kind, max_drivers)
            quotes, who = _quotes_from(seg, m.get("segment_ids"), codes, n_quotes)
            row = {
                "kind": "mitigate" if kind == "trough" else "elevate", "moment": kind,
                "group_column": col, "group": level, "stage": stage,
                "valence": float(m["valence"]),
                "ci_low": float(m["ci_low"]) if pd.notna(m.get("ci_low")) else np.nan,
                "ci_high": float(m["ci_high"]) if pd.notna(m.get("ci_high")) else np.nan,
                "n_participants": n_p,
                "drivers": "; ".join(f"{d['label']} ({d['n']} participants, mean valence {fmt_num(d['valence'])})" for d in drivers),
                "driver_themes": [d["theme"] for d in drivers],
                "quotes": quotes, "quote_participants": who,
            }
            row["statement"] = _opportunity_statement(row, drivers)
            rows.append(row)
    if not rows:
        out = empty_like(OPPORTUNITY_COLUMNS)
        out.attrs.update(reason="no stage has enough participants for a high or a low",
                         held_back=held_back)
        return out
    out = pd.DataFrame(rows)
    out["_overall"] = out["group_column"].isna().map({True: 0, False: 1})
    out["_kind"] = out["kind"].map({"mitigate": 0, "elevate": 1})
    out["_strength"] = np.where(out["kind"] == "mitigate", out["valence"], -out["valence"])
    out = out.sort_values(["_overall", "group_column", "group", "_kind", "_strength"],
                          kind="mergesort", na_position="first")
    out["rank"] = np.arange(1, len(out) + 1)
    out = out[OPPORTUNITY_COLUMNS].reset_index(drop=True)
    out.attrs.update(reason="", held_back=held_back)
    return out


def _opportunity_statement(row: dict[str, Any], drivers: list[dict[str, Any]]) -> str:
    who = ""
    if row["group"] is not None:
        who = f"Among {group_phrase(row['group_column'], row['group'])}, "
    verb = "mitigate the low" if row["kind"] == "mitigate" else "elevate the high"
    verb = verb if who else verb.capitalize()
    ci = ""
    if not (math.isnan(row["ci_low"]) or math.isnan(row["ci_high"])):
        ci = f", 95% CI {fmt_num(row['ci_low'])} to {fmt_num(row['ci_high'])}"
    text = (f"{who}{verb} at the {nice(row['stage'])} stage (mean valence {fmt_num(row['valence'])}"
            f"{ci}; {row['n_participants']} participants)")
    if drivers:
        named = ", ".join(f"{d['label']} ({d['n']} participants, {fmt_num(d['valence'])})" for d in drivers)
        text += f": driven by {named}"
    return text + "."
