"""Stage and theme summaries, and the opportunities that follow from the journey's highs and lows."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from cxinsight.corpus import Corpus
from cxinsight.insights._common import (
    fmt_num,
    group_columns,
    nice,
    participant_codes,
    participant_segments,
    stage_order,
)
from cxinsight.insights.stats import bootstrap_mean_ci

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
    """Mean valence per journey stage (and group), participants weighing equally.

    A light stand-in for :func:`cxinsight.journey_curve` with the same core columns, used by the
    report and :func:`opportunities` when no journey curve table is stored in the corpus.

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
        ``[by], stage, valence, ci_low, ci_high, n_participants, n_segments, emotions`` in
        journey order.
    """
    seg = _with_stage(corpus)
    order = stage_order(corpus)
    keys = ["stage"]
    if by is not None:
        if by not in corpus.participants.columns:
            raise ValueError(f"by={by!r} is not a column of corpus.participants.")
        p = corpus.participants.assign(interview_id=corpus.participants["interview_id"].astype(str))
        seg = seg.merge(p[["interview_id", by]].drop_duplicates("interview_id"), on="interview_id", how="left")
        seg = seg[seg[by].notna()]
        seg[by] = seg[by].astype(str)
        keys = [by, "stage"]
    rows = []
    for key, g in seg.groupby(keys, sort=False):
        key = key if isinstance(key, tuple) else (key,)
        per = g.groupby("interview_id")["valence"].mean()
        mean, lo, hi = bootstrap_mean_ci(per.to_numpy(), n_boot=n_boot, level=level, seed=seed)
        row = dict(zip(keys, key))
        row.update(valence=mean, ci_low=lo, ci_high=hi, n_participants=len(per),
                   n_segments=len(g), emotions=_leading(g))
        rows.append(row)
    cols = keys + ["valence", "ci_low", "ci_high", "n_participants", "n_segments", "emotions"]
    out = pd.DataFrame(rows, columns=cols)
    if out.empty:
        return out
    out["_o"] = out["stage"].map({s: i for i, s in enumerate(order)}).fillna(len(order))
    out = out.sort_values(([by] if by else []) + ["_o"], kind="mergesort").drop(columns="_o")
    return out.reset_index(drop=True)


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
        ``stages`` lists the two stages where most participants raise the theme.
    """
    corpus.require("segments", ["theme"], "cx.extract_themes(corpus)")
    corpus.require("segments", ["valence"], "cx.tag_emotions(corpus)")
    seg = participant_segments(corpus).copy()
    seg["interview_id"] = seg["interview_id"].astype(str)
    n_total = seg["interview_id"].nunique()
    seg["_t"] = pd.to_numeric(seg["theme"], errors="coerce")
    seg = seg[seg["_t"].notna() & (seg["_t"] >= 0) & seg["valence"].notna()]
    rows = []
    for t, g in seg.groupby("_t"):
        per = g.groupby("interview_id")["valence"].mean()
        mean, lo, hi = bootstrap_mean_ci(per.to_numpy(), n_boot=n_boot, level=level, seed=seed)
        label = g["theme_label"].dropna().astype(str) if "theme_label" in g.columns else pd.Series([], dtype=str)
        stages = ""
        if "stage" in g.columns and g["stage"].notna().any():
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


def _extremes(curve: pd.DataFrame, order: list[str], local: bool) -> list[tuple[str, pd.Series]]:
    c = curve[curve["valence"].notna()]
    if "n_participants" in c.columns:
        c = c[c["n_participants"] >= 2]
    if c.empty:
        return []
    c = c.assign(_o=c["stage"].astype(str).map({s: i for i, s in enumerate(order)}).fillna(len(order)))
    c = c.sort_values("_o", kind="mergesort").reset_index(drop=True)
    v = c["valence"].to_numpy(dtype=float)
    found: dict[int, str] = {int(np.argmin(v)): "trough", int(np.argmax(v)): "peak"}
    if len(v) == 1:
        found = {0: "trough" if v[0] < 0 else "peak"}
    if local and len(v) >= 3:
        centre = float(np.mean(v))
        # a local extreme must stand out: a quarter of the curve's range away from its mean
        margin = 0.25 * float(v.max() - v.min())
        for i in range(len(v)):
            nbrs = [v[j] for j in (i - 1, i + 1) if 0 <= j < len(v)]
            if all(v[i] < x for x in nbrs) and v[i] <= centre - margin:
                found.setdefault(i, "trough")
            elif all(v[i] > x for x in nbrs) and v[i] >= centre + margin:
                found.setdefault(i, "peak")
    return [(kind, c.iloc[i]) for i, kind in sorted(found.items())]


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


def _quotes(seg: pd.DataFrame, kind: str, themes: list[int], n: int, codes: dict[str, str]):
    s = seg
    if themes and "theme" in seg.columns:
        s = seg[pd.to_numeric(seg["theme"], errors="coerce").isin(themes)]
    s = s.assign(_v=s["valence"] * (-1 if kind == "trough" else 1))
    if "n_words" in s.columns:
        s = s.assign(_v=s["_v"] - 0.5 * ((s["n_words"] < 6) | (s["n_words"] > 45)))
    sid = s["segment_id"].astype(str) if "segment_id" in s.columns else s.index.astype(str)
    s = s.assign(_sid=sid).sort_values(["_v", "_sid"], ascending=[False, True], kind="mergesort")
    s = s[s["_v"] > 0].drop_duplicates("interview_id").head(n)
    quotes = []
    for text in s["text"].astype(str):
        text = " ".join(text.split())
        quotes.append(text if len(text) <= 240 else text[:237].rsplit(" ", 1)[0] + "…")
    return quotes, [codes.get(i, i) for i in s["interview_id"]]


def opportunities(
    corpus: Corpus,
    *,
    by: str | list[str] | None = "auto",
    max_drivers: int = 3,
    n_quotes: int = 2,
    n_boot: int = 1000,
    seed: int = 0,
) -> pd.DataFrame:
    """Turn the journey's lows into "mitigate" and its highs into "elevate" opportunities.

    Troughs and peaks are read from the stored journey curve (``corpus.tables["journey_curve"]``
    or, without it, :func:`stage_summary`): the lowest and highest stage, plus every stage lower
    (higher) than its neighbours and below (above) the curve's mean or zero. With ``by``, each
    group's own lowest and highest stage are added. Each opportunity names the themes driving it
    (participants and mean valence of each, in that stage and group) and quotes.

    Parameters
    ----------
    corpus : Corpus
        With ``valence`` and ``stage`` (and ideally ``theme``) on its segments.
    by : str, list of str, "auto" or None, default "auto"
        Participant columns for group-level moments. ``"auto"``: ``segment`` and ``nps_group``
        where present.
    max_drivers : int, default 3
        Themes named per opportunity.
    n_quotes : int, default 2
        Quotes per opportunity, from different participants.
    n_boot, seed
        Bootstrap of the fallback curve.

    Returns
    -------
    DataFrame
        Columns :data:`OPPORTUNITY_COLUMNS`; overall moments first, lows before highs.
    """
    seg = _with_stage(corpus)
    codes = participant_codes(corpus)
    order = stage_order(corpus)
    parts = corpus.participants.assign(interview_id=corpus.participants["interview_id"].astype(str))
    if by == "auto":
        cands = group_columns(parts, parts["interview_id"].nunique())
        by = [c for c in ("segment", "nps_group") if c in cands]
    elif isinstance(by, str):
        by = [by]
    by = list(by or [])
    rows: list[dict[str, Any]] = []
    plans: list[tuple[str | None, str | None, pd.DataFrame, bool]] = [(None, None, _curve(corpus, None, n_boot, seed), True)]
    for col in by:
        curve = _curve(corpus, col, n_boot, seed)
        for level, g in curve.groupby(col, sort=True):
            plans.append((col, str(level), g, False))
    for col, level, curve, local in plans:
        members = seg
        if col is not None:
            ids = set(parts.loc[parts[col].astype(str) == level, "interview_id"])
            members = seg[seg["interview_id"].isin(ids)]
        for kind, point in _extremes(curve, order, local):
            stage = str(point["stage"])
            here = members[members["stage"] == stage]
            drivers = _drivers(here, kind, max_drivers)
            quotes, who = _quotes(here, kind, [d["theme"] for d in drivers], n_quotes, codes)
            n_p = int(point["n_participants"]) if "n_participants" in point.index else here["interview_id"].nunique()
            row = {
                "kind": "mitigate" if kind == "trough" else "elevate", "moment": kind,
                "group_column": col, "group": level, "stage": stage,
                "valence": float(point["valence"]),
                "ci_low": float(point["ci_low"]) if "ci_low" in point.index else np.nan,
                "ci_high": float(point["ci_high"]) if "ci_high" in point.index else np.nan,
                "n_participants": n_p,
                "drivers": "; ".join(f"{d['label']} ({d['n']} participants, mean valence {fmt_num(d['valence'])})" for d in drivers),
                "driver_themes": [d["theme"] for d in drivers],
                "quotes": quotes, "quote_participants": who,
            }
            row["statement"] = _opportunity_statement(row, drivers)
            rows.append(row)
    if not rows:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in OPPORTUNITY_COLUMNS})
    out = pd.DataFrame(rows)
    out["_overall"] = out["group_column"].isna().map({True: 0, False: 1})
    out["_kind"] = out["kind"].map({"mitigate": 0, "elevate": 1})
    out["_strength"] = np.where(out["kind"] == "mitigate", out["valence"], -out["valence"])
    out = out.sort_values(["_overall", "group_column", "group", "_kind", "_strength"],
                          kind="mergesort", na_position="first")
    out["rank"] = np.arange(1, len(out) + 1)
    return out[OPPORTUNITY_COLUMNS].reset_index(drop=True)


def _opportunity_statement(row: dict[str, Any], drivers: list[dict[str, Any]]) -> str:
    who = "" if row["group"] is None else f"Among {nice(row['group'])} participants ({nice(row['group_column'])}), "
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
