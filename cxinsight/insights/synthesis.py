"""Ranked insights: themes first, split by journey stage where the journey applies.

The unit of evidence is the participant. A theme becomes an insight when enough participants
speak to it; where the study follows a journey (:func:`journey_status`), each theme is split into
its (theme × stage) cells with enough participants, listed under the theme. A row's figures are

* ``n_participants`` and ``share``: participants mentioning it, of all participants who spoke;
* ``valence_mean`` with a bootstrap confidence interval over participants (each participant's
  own mean valence first, so talkative participants do not dominate);
* ``type``: ``pain point`` (mean valence ≤ −band), ``delight`` (≥ +band), ``mixed`` (in the band
  but with at least a quarter of the segments on each side) or ``neutral``;
* ``impact`` = ``share × valence_mean``: prevalence times emotional weight, negative for pain
  points and positive for delights; insights are ranked by ``|impact|``;
* segment contrasts (Fisher's exact test per comparison, Benjamini–Hochberg across all of them)
  and a rank correlation with a numeric KPI such as NPS;
* two or three quotes from different participants, and a plain-language ``statement`` that is
  built only from these figures.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from cxinsight.corpus import Corpus
from cxinsight.errors import InputError
from cxinsight.insights._common import (
    ALL_STAGES,
    fmt_num,
    fmt_p,
    group_columns,
    is_numeric_kpi,
    journey_status,
    nice,
    participant_codes,
    participant_segments,
    people_noun,
    request_mask,
    stage_order,
)
from cxinsight.insights.stats import (
    benjamini_hochberg,
    bootstrap_mean_ci,
    fisher_exact,
    min_attainable_p,
    spearman,
)
from cxinsight.speech import group_values

#: Columns of the table returned by :func:`synthesise`, in order.
INSIGHT_COLUMNS = [
    "rank", "theme_rank", "theme", "theme_label", "stage", "type", "n_participants", "n_total",
    "share", "theme_n_participants", "theme_share", "n_segments", "valence_mean",
    "valence_ci_low", "valence_ci_high", "share_negative", "share_positive", "share_requests",
    "leading_emotion", "leading_emotions", "impact",
    "contrast_column", "contrast", "contrast_count_a", "contrast_n_a", "contrast_count_b",
    "contrast_n_b", "contrast_ratio", "contrast_p", "contrast_p_adj",
    "kpi", "kpi_rho", "kpi_p", "kpi_n", "kpi_valence_rho", "kpi_valence_p", "kpi_valence_n",
    "quotes", "quote_participants", "quote_segments", "caveats", "statement",
]
#: Columns of the table returned by :func:`segment_contrasts`.
CONTRAST_COLUMNS = [
    "theme", "theme_label", "stage", "column", "group_a", "group_b", "count_a", "n_a",
    "count_b", "n_b", "share_a", "share_b", "ratio", "odds_ratio", "p_value",
    "min_attainable_p", "testable", "p_adj", "significant",
]
_NPS_WORDS = {"detractor": "detractors", "promoter": "promoters", "passive": "passives"}
_TYPE_VERBS = {
    "pain point": "describe {label} negatively",
    "delight": "describe {label} positively",
    "mixed": "have mixed feelings about {label}",
    "neutral": "mention {label}",
    "request": "ask for changes to {label}",
}
#: Group columns whose levels read "participants in the <level> <column>".
_IN_COLUMNS = ("segment", "persona", "cohort", "group", "team", "region", "tier", "market")
#: Group columns whose levels read "participants on the <level> <column>".
_ON_COLUMNS = ("plan", "subscription", "tariff", "package", "contract")
#: Share of segments flagged as requests from which a row is a ``request``, not a feeling.
REQUEST_SHARE = 0.5


@dataclass
class SynthesisParams:
    """Validated parameters of :func:`synthesise` (see its docstring)."""

    min_participants: int | str = "auto"
    min_segments: int = 2
    min_share: float | str = "auto"
    groups: list[str] | str | None = "auto"
    kpi: str | None = "auto"
    neutral_band: float | str = "auto"
    n_quotes: int = 3
    n_boot: int = 1000
    level: float = 0.95
    alpha: float = 0.05
    seed: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def validate(self) -> None:
        if self.min_participants != "auto" and (
                not isinstance(self.min_participants, int) or self.min_participants < 1):
            raise InputError(f"min_participants must be a positive integer or 'auto', got {self.min_participants!r}.")
        if not isinstance(self.min_segments, int) or self.min_segments < 1:
            raise InputError(f"min_segments must be a positive integer, got {self.min_segments!r}.")
        if self.min_share != "auto" and not (
                isinstance(self.min_share, (int, float)) and 0 <= self.min_share < 1):
            raise InputError(f"min_share must be 'auto' or lie in [0, 1), got {self.min_share!r}.")
        if self.neutral_band != "auto" and not (
                isinstance(self.neutral_band, (int, float)) and 0 <= self.neutral_band < 1):
            raise InputError(f"neutral_band must be 'auto' or lie in [0, 1), got {self.neutral_band!r}.")
        if not isinstance(self.n_quotes, int) or self.n_quotes < 0:
            raise InputError(f"n_quotes must be a non-negative integer, got {self.n_quotes!r}.")
        if not isinstance(self.n_boot, int) or self.n_boot < 100:
            raise InputError(f"n_boot must be an integer of at least 100, got {self.n_boot!r}.")
        if not 0.5 <= float(self.level) < 1:
            raise InputError(f"level must lie in [0.5, 1), e.g. 0.95; got {self.level!r}.")
        if not 0 < float(self.alpha) < 1:
            raise InputError(f"alpha must lie in (0, 1), e.g. 0.05; got {self.alpha!r}.")
        if isinstance(self.groups, str) and self.groups != "auto":
            self.groups = [self.groups]


@dataclass
class Synthesis:
    """Everything :func:`synthesise` computes: the insights and the full contrast table."""

    insights: pd.DataFrame
    contrasts: pd.DataFrame
    params: dict[str, Any]


def synthesise(
    corpus: Corpus,
    *,
    min_participants: int | str = "auto",
    min_segments: int = 2,
    min_share: float | str = "auto",
    groups: list[str] | str | None = "auto",
    kpi: str | None = "auto",
    neutral_band: float | str = "auto",
    n_quotes: int = 3,
    n_boot: int = 1000,
    level: float = 0.95,
    alpha: float = 0.05,
    seed: int = 0,
) -> pd.DataFrame:
    """Return ranked insights: themes first, split by journey stage where the journey applies.

    Parameters
    ----------
    corpus : Corpus
        A corpus with ``valence``/``emotion`` (:func:`cxinsight.tag_emotions`) and ``theme``/
        ``theme_label`` (:func:`cxinsight.extract_themes`). With ``stage``
        (:func:`cxinsight.assign_stages`) and a journey that applies (``corpus.meta["journey"]
        ["applicable"]`` not ``False``), each theme is split into its (theme × stage) cells;
        otherwise each theme is one row over whole interviews, with ``stage`` ``"all stages"``.
    min_participants : int or "auto", default "auto"
        Fewest participants who must speak to a row for it to become an insight. ``"auto"``:
        a fifth of the participants, at least 2 and at most 5 (3 of 14, 2 of 10).
    min_segments : int, default 2
        Fewest segments a row needs.
    min_share : float or "auto", default "auto"
        Smallest share of all participants a row needs, on top of ``min_participants``.
        ``"auto"``: 2% in studies of 100 participants or more (19 of 903 survey respondents),
        none below that.
    groups : list of str, "auto" or None, default "auto"
        Participant columns to compare (e.g. ``["segment", "nps_group"]``). ``"auto"``: the
        columns named ``segment``, ``nps_group``, ``group``, ``cohort`` or ``persona`` when
        present, else every comparison variable :func:`cxinsight.speech.group_columns` finds
        (no identifiers, survey tool fields, dates or free text). ``None``: no contrasts.
        Blank answers never form a group: comparisons count only participants who answered.
        A column holding ``detractor`` and ``promoter`` is compared detractors vs promoters; a
        two-level column level vs level; others each level vs everyone else who answered.
    kpi : str or None, default "auto"
        Numeric participant column to correlate with (Spearman). ``"auto"`` picks ``nps``,
        ``kpi``, ``csat``, ``score`` or ``rating`` when present; ``None`` switches it off.
    neutral_band : float or "auto", default "auto"
        Mean valence within ±band is not called a pain point or a delight. ``"auto"``: 0.1, or
        half the standard deviation of participant segment valence when that is smaller (at
        least 0.02), so that a tagger with a compressed valence scale still separates feelings.
    n_quotes : int, default 3
        Evidence quotes per insight, each from a different participant.
    n_boot : int, default 1000
        Bootstrap resamples (over participants) for the valence interval.
    level : float, default 0.95
        Confidence level of the interval.
    alpha : float, default 0.05
        Significance level for contrasts (after Benjamini–Hochberg) and the KPI link.
    seed : int, default 0
        Seed of the bootstrap.

    Returns
    -------
    DataFrame
        Columns :data:`INSIGHT_COLUMNS`. Themes are ranked by ``|impact|`` over the whole study
        (``theme_rank``); a theme's stage rows follow it, strongest first; ``rank`` numbers the
        rows in that order. ``quotes``, ``quote_participants`` and ``quote_segments`` hold lists.
        Segments flagged as requests (a ``request`` column, or ``kind``/``emotion`` equal to
        ``request``) never count as delight: a row where at least half the segments are
        requests has ``type`` ``request``.

    Raises
    ------
    MissingStepError
        When emotions or themes have not been computed; the message names the call.

    See Also
    --------
    segment_contrasts : every group comparison behind the ``contrast_*`` columns.
    opportunities : "mitigate the lows, elevate the highs" from the journey curve.
    """
    params = SynthesisParams(
        min_participants=min_participants, min_segments=min_segments, min_share=min_share,
        groups=groups, kpi=kpi, neutral_band=neutral_band, n_quotes=n_quotes, n_boot=n_boot,
        level=level, alpha=alpha, seed=seed,
    )
    return run_synthesis(corpus, params).insights


def segment_contrasts(corpus: Corpus, **params: Any) -> pd.DataFrame:
    """Return every group comparison tested by :func:`synthesise` (same parameters).

    Returns
    -------
    DataFrame
        Columns :data:`CONTRAST_COLUMNS`: one row per (theme, stage, column, comparison) with
        counts, shares, ``ratio`` of shares, Fisher's exact ``p_value``, the smallest p-value
        the margins allow (``min_attainable_p``), whether the test entered the correction
        family (``testable``) and the Benjamini–Hochberg ``p_adj``. ``group_b`` is ``""`` when
        a level is compared with everyone else who answered.
    """
    return run_synthesis(corpus, SynthesisParams(**params)).contrasts


# ---------------------------------------------------------------------------------------------
def run_synthesis(corpus: Corpus, params: SynthesisParams) -> Synthesis:
    """Compute insights and contrasts together (used by :func:`cxinsight.analyse`)."""
    params.validate()
    corpus.require("segments", ["valence"], "cx.tag_emotions(corpus)")
    corpus.require("segments", ["theme"], "cx.extract_themes(corpus)")
    seg = participant_segments(corpus).copy()
    seg["interview_id"] = seg["interview_id"].astype(str)
    everyone = sorted(seg["interview_id"].unique())
    n_total = len(everyone)
    seg["_request"] = request_mask(seg).to_numpy()
    seg["_theme"] = pd.to_numeric(seg["theme"], errors="coerce")
    seg = seg[seg["_theme"].notna() & (seg["_theme"] >= 0) & seg["valence"].notna()]
    by_stage, why_not = journey_status(corpus)
    by_stage = by_stage and "stage" in seg.columns
    if by_stage:
        seg["_stage"] = seg["stage"].astype(object).where(seg["stage"].notna(), None)
        seg["_stage"] = seg["_stage"].map(lambda v: None if v is None else str(v))
    else:
        seg["_stage"] = None
    seg["_theme"] = seg["_theme"].astype(int)
    keep = ["interview_id", "_theme", "_stage", "_request", "valence", "emotion", "emotion_score",
            "text", "n_words", "segment_id", "theme_label"]
    seg = seg[[c for c in keep if c in seg.columns]].copy()
    for col in ("interview_id", "text", "emotion", "segment_id", "theme_label"):
        if col in seg.columns:  # plain objects: Arrow-backed strings are slow to slice repeatedly
            seg[col] = seg[col].astype(object).where(seg[col].notna(), None)
    seg["valence"] = seg["valence"].astype(float)
    if params.min_participants == "auto":
        params.min_participants = max(2, min(5, math.ceil(0.2 * n_total)))
    if params.min_share == "auto":
        params.min_share = 0.02 if n_total >= 100 else 0.0
    floor = max(int(params.min_participants), math.ceil(float(params.min_share) * n_total - 1e-9))
    if params.neutral_band == "auto":
        spread = float(seg["valence"].astype(float).std()) if len(seg) > 1 else float("nan")
        params.neutral_band = 0.1 if math.isnan(spread) else round(max(0.02, min(0.1, spread / 2)), 3)
    labels = _theme_labels(corpus, seg)
    codes = participant_codes(corpus)
    parts = _participants(corpus, everyone)
    group_cols = _resolve_groups(params.groups, parts, n_total)
    kpi_col = _resolve_kpi(params.kpi, parts)
    order = {s: i for i, s in enumerate(stage_order(corpus))}
    comparisons = [(col, *cmp) for col in group_cols for cmp in _comparisons(col, parts)]
    noun = people_noun(corpus)
    answered = {col: int(group_values(parts, col).notna().sum()) for col in group_cols}

    rows: list[dict[str, Any]] = []
    tests: list[dict[str, Any]] = []
    below = 0

    def add(cell: pd.DataFrame, theme: int, stage: str) -> dict[str, Any] | None:
        nonlocal below
        ids = sorted(cell["interview_id"].unique())
        if len(ids) < floor or len(cell) < params.min_segments:
            below += int(len(ids) >= 2)
            return None
        row = _describe_cell(cell, theme, stage, labels, ids, n_total, params, codes)
        row["_order"] = order.get(stage, len(order)) if stage != ALL_STAGES else -1
        row["_tests"] = _contrasts(set(ids), comparisons, params.alpha)
        for t in row["_tests"]:
            t.update(theme=theme, theme_label=row["theme_label"], stage=stage)
            tests.append(t)
        row.update(_kpi_link(cell, set(ids), parts, kpi_col))
        return row

    for theme, tcell in seg.groupby("_theme", sort=True):
        theme = int(theme)
        whole = add(tcell, theme, ALL_STAGES)
        if whole is None:
            continue
        stage_rows = []
        if by_stage:
            staged = tcell[tcell["_stage"].notna()]
            for stage, cell in staged.groupby("_stage", sort=False):
                r = add(cell, theme, str(stage))
                if r is not None:
                    stage_rows.append(r)
        if stage_rows:
            tests[:] = [t for t in tests if not (t["theme"] == theme and t["stage"] == ALL_STAGES)]
        chosen = stage_rows or [whole]
        for r in chosen:
            r["_theme_impact"] = whole["impact"]
            r["theme_n_participants"] = whole["n_participants"]
            r["theme_share"] = whole["share"]
        rows += chosen

    contrasts = _adjust(tests, params.alpha)
    for row in rows:
        _attach_best_contrast(row, params.alpha, noun)
        row["caveats"] = _caveats(row, params.alpha, noun)
        row["statement"] = _statement(row, params, noun, answered)
    if not rows:
        insights = pd.DataFrame({c: pd.Series(dtype="object") for c in INSIGHT_COLUMNS})
    else:
        insights = pd.DataFrame(rows)
        insights["_tabs"] = insights["_theme_impact"].abs()
        insights["_abs"] = insights["impact"].abs()
        insights = insights.sort_values(
            ["_tabs", "theme_n_participants", "theme", "_abs", "n_participants", "_order"],
            ascending=[False, False, True, False, False, True], kind="mergesort",
        )
        insights["theme_rank"] = pd.factorize(insights["theme"])[0] + 1
        insights["rank"] = np.arange(1, len(insights) + 1)
        insights = insights[INSIGHT_COLUMNS].reset_index(drop=True)
    record = {k: v for k, v in params.__dict__.items() if k != "extra"}
    record.update(groups=group_cols, kpi=kpi_col, n_participants=n_total,
                  n_tests=int(contrasts["testable"].sum()) if len(contrasts) else 0,
                  by_stage=bool(by_stage), min_participants_applied=floor, n_below_minimum=below)
    if not by_stage:
        record["why_not_by_stage"] = why_not
    return Synthesis(insights, contrasts, record)


def _theme_labels(corpus: Corpus, seg: pd.DataFrame) -> dict[int, str]:
    labels: dict[int, str] = {}
    themes = corpus.tables.get("themes")
    if themes is not None:
        id_col = next((c for c in ("theme", "id", "theme_id") if c in themes.columns), None)
        lab_col = next((c for c in ("label", "theme_label", "name") if c in themes.columns), None)
        if id_col and lab_col:
            for i, lab in zip(themes[id_col], themes[lab_col]):
                if pd.notna(i) and pd.notna(lab):
                    labels[int(i)] = str(lab)
    if "theme_label" in seg.columns:
        for t, g in seg.groupby("_theme"):
            lab = g["theme_label"].dropna()
            if int(t) not in labels and not lab.empty:
                labels[int(t)] = str(lab.mode().iloc[0])
    return labels


def _participants(corpus: Corpus, everyone: list[str]) -> pd.DataFrame:
    p = corpus.participants.copy()
    p["interview_id"] = p["interview_id"].astype(str)
    p = p.drop_duplicates("interview_id").set_index("interview_id")
    return p.reindex(everyone)


_PREFERRED_GROUPS = ("segment", "nps_group", "group", "cohort", "persona")


def _resolve_groups(groups: list[str] | str | None, parts: pd.DataFrame, n_total: int) -> list[str]:
    if groups is None:
        return []
    if groups == "auto":
        found = group_columns(parts.reset_index(), n_total)
        preferred = [c for c in found if c.lower() in _PREFERRED_GROUPS]
        return preferred or found
    missing = [g for g in groups if g not in parts.columns]
    if missing:
        raise InputError(
            f"groups {missing} are not columns of corpus.participants "
            f"(available: {sorted(parts.columns)}). Add them with cx.read(path, manifest=...)."
        )
    return list(groups)


def _resolve_kpi(kpi: str | None, parts: pd.DataFrame) -> str | None:
    if kpi is None:
        return None
    if kpi == "auto":
        lower = {c.lower(): c for c in parts.columns}
        for name in ("nps", "kpi", "csat", "score", "rating", "nps_score"):
            col = lower.get(name)
            if col is not None and is_numeric_kpi(parts[col]):
                return col
        return None
    if kpi not in parts.columns:
        raise InputError(
            f"kpi={kpi!r} is not a column of corpus.participants (available: {sorted(parts.columns)})."
        )
    if not is_numeric_kpi(parts[kpi]):
        raise InputError(f"kpi column {kpi!r} needs at least 4 numeric, non-constant values.")
    return kpi


def _leading_emotions(cell: pd.DataFrame, top: int = 2) -> tuple[str, str]:
    if "emotion" not in cell.columns:
        return "", ""
    emo = cell["emotion"].dropna().astype(str)
    emo = emo[emo.str.lower() != "neutral"]
    if emo.empty:
        return "neutral", "neutral"
    counts = emo.value_counts()
    counts = counts.sort_values(ascending=False, kind="mergesort")
    parts = [f"{name} ({n / len(cell):.0%})" for name, n in counts.head(top).items()]
    return str(counts.index[0]), ", ".join(parts)


def _pick_quotes(
    cell: pd.DataFrame, kind: str, n: int, codes: dict[str, str]
) -> tuple[list[str], list[str], list[str]]:
    if n == 0:
        return [], [], []
    c = cell.copy()
    v = c["valence"].astype(float)
    strength = {"pain point": -v, "delight": v}.get(kind, v.abs())
    if "_request" in c.columns:
        is_req = c["_request"].astype(bool).astype(float)
        strength = strength + (is_req if kind == "request" else -is_req)
    words = c["n_words"] if "n_words" in c.columns else c["text"].astype(str).str.split().str.len()
    length_penalty = ((words < 6) | (words > 45)).astype(float) * 0.5
    score = strength - length_penalty
    if "emotion_score" in c.columns:
        score = score + 0.1 * c["emotion_score"].fillna(0).astype(float)
    c["_score"] = score
    sid = c["segment_id"] if "segment_id" in c.columns else pd.Series(c.index.astype(str), index=c.index)
    c["_sid"] = sid.astype(str)
    c = c.sort_values(["_score", "_sid"], ascending=[False, True], kind="mergesort")
    quotes, who, ids = [], [], []
    top = c.drop_duplicates("interview_id").head(n)
    for text, iid, sid in zip(top["text"], top["interview_id"], top["_sid"]):
        text = " ".join(str(text).split())
        if len(text) > 240:
            text = text[:237].rsplit(" ", 1)[0] + "…"
        quotes.append(text)
        who.append(codes.get(str(iid), str(iid)))
        ids.append(str(sid))
    return quotes, who, ids


def _describe_cell(
    cell: pd.DataFrame, theme: int, stage: str, labels: dict[int, str], ids: list[str],
    n_total: int, params: SynthesisParams, codes: dict[str, str],
) -> dict[str, Any]:
    per_person = cell.groupby("interview_id")["valence"].mean()
    mean, lo, hi = bootstrap_mean_ci(per_person.to_numpy(), n_boot=params.n_boot,
                                     level=params.level, seed=params.seed)
    v = cell["valence"].astype(float)
    share_neg, share_pos = float((v < -0.05).mean()), float((v > 0.05).mean())
    req = cell["_request"].astype(bool) if "_request" in cell.columns else pd.Series(False, cell.index)
    share_req = float(req.mean()) if len(cell) else 0.0
    # the feeling is read from what is not a request: a wish is an unmet need, never delight
    feeling = cell.loc[~req]
    felt = float(feeling.groupby("interview_id")["valence"].mean().mean()) if len(feeling) else mean
    band = float(params.neutral_band)
    if share_req >= REQUEST_SHARE:
        kind = "request"
    elif mean <= -band:
        kind = "pain point"
    elif mean >= band and felt >= band:
        kind = "delight"
    elif share_neg >= 0.25 and share_pos >= 0.25:
        kind = "mixed"
    else:
        kind = "neutral"
    leading, leading_all = _leading_emotions(cell)
    quotes, who, qids = _pick_quotes(cell, kind, params.n_quotes, codes)
    share = len(ids) / n_total if n_total else float("nan")
    return {
        "theme": theme,
        "theme_label": labels.get(theme, f"theme {theme}"),
        "stage": stage,
        "type": kind,
        "n_participants": len(ids),
        "n_total": n_total,
        "share": share,
        "n_segments": len(cell),
        "valence_mean": mean,
        "valence_ci_low": lo,
        "valence_ci_high": hi,
        "share_negative": share_neg,
        "share_positive": share_pos,
        "share_requests": share_req,
        "leading_emotion": leading,
        "leading_emotions": leading_all,
        "impact": share * mean,
        "quotes": quotes,
        "quote_participants": who,
        "quote_segments": qids,
    }


def _comparisons(col: str, parts: pd.DataFrame) -> list[tuple[str, set[str], str, set[str]]]:
    """The comparisons a group column allows, among participants who answered it."""
    values = group_values(parts, col).dropna().astype(str)
    levels = sorted(values.unique())
    by_level = {lv: set(values.index[values == lv]) for lv in levels}
    lower = {lv.strip().lower().rstrip("s"): lv for lv in levels}
    if "detractor" in lower and "promoter" in lower:
        a, b = lower["detractor"], lower["promoter"]
        return [(a, by_level[a], b, by_level[b])]
    if len(levels) == 2:
        a, b = levels
        return [(a, by_level[a], b, by_level[b])]
    answered = set(values.index)
    return [(lv, by_level[lv], "", answered - by_level[lv]) for lv in levels]


def _contrasts(mentions: set[str], comparisons: list[tuple], alpha: float) -> list[dict]:
    out = []
    for col, name_a, ids_a, name_b, ids_b in comparisons:
        if True:
            n_a, n_b = len(ids_a), len(ids_b)
            if n_a < 2 or n_b < 2:
                continue
            a, b = len(mentions & ids_a), len(mentions & ids_b)
            odds, p = fisher_exact(a, n_a, b, n_b)
            share_a, share_b = a / n_a, b / n_b
            if share_b > 0:
                ratio = share_a / share_b
            else:
                ratio = math.inf if share_a > 0 else float("nan")
            minp = min_attainable_p(n_a, n_b, a + b)
            out.append({
                "column": col, "group_a": name_a, "group_b": name_b, "count_a": a, "n_a": n_a,
                "count_b": b, "n_b": n_b, "share_a": share_a, "share_b": share_b, "ratio": ratio,
                "odds_ratio": odds, "p_value": p, "min_attainable_p": minp,
                "testable": bool(minp <= alpha),
            })
    return out


def _adjust(tests: list[dict[str, Any]], alpha: float) -> pd.DataFrame:
    if not tests:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in CONTRAST_COLUMNS})
    testable = [t for t in tests if t["testable"]]
    adj = benjamini_hochberg([t["p_value"] for t in testable])
    for t, q in zip(testable, adj):
        t["p_adj"] = float(q)
    for t in tests:
        t.setdefault("p_adj", float("nan"))
        t["significant"] = bool(t["p_adj"] < alpha) if not math.isnan(t["p_adj"]) else False
    return pd.DataFrame(tests)[CONTRAST_COLUMNS]


def _attach_best_contrast(row: dict[str, Any], alpha: float, noun: str = "participants") -> None:
    tests = [t for t in row.pop("_tests") if t["testable"]]
    row.update(contrast_column=None, contrast=None, contrast_count_a=np.nan, contrast_n_a=np.nan,
               contrast_count_b=np.nan, contrast_n_b=np.nan, contrast_ratio=np.nan,
               contrast_p=np.nan, contrast_p_adj=np.nan)
    if not tests:
        return

    def key(t: dict[str, Any]) -> tuple[float, float]:
        r = t["ratio"]
        spread = abs(math.log(r)) if r and not math.isnan(r) and not math.isinf(r) else 99.0
        return (t["p_adj"], -spread)

    best = min(tests, key=key)
    a, na, b, nb = best["count_a"], best["n_a"], best["count_b"], best["n_b"]
    col = best["column"]
    name_a = group_phrase(col, best["group_a"], noun)
    name_b = group_phrase(col, best["group_b"], noun, other_than=best["group_a"])
    # the group that raises it more often comes first; a level compared with everyone else who
    # answered stays first, since it is the group the sentence is about
    if best["group_b"] != "" and best["share_b"] > best["share_a"]:
        a, na, b, nb = b, nb, a, na
        name_a, name_b = name_b, name_a
    ratio = (a / na) / (b / nb) if b > 0 else (math.inf if a > 0 else float("nan"))
    row.update(
        contrast_column=col, contrast=f"{name_a} vs {name_b}",
        contrast_count_a=a, contrast_n_a=na, contrast_count_b=b, contrast_n_b=nb,
        contrast_ratio=ratio, contrast_p=best["p_value"], contrast_p_adj=best["p_adj"],
    )


def _plain_level(level: str) -> bool:
    """A level that reads well inside "in the <level> segment": words, not numbers or codes."""
    words = level.split()
    return 1 <= len(words) <= 3 and all(w.isalpha() for w in words) and level.lower() != "other"


def group_phrase(column: str, level: str, noun: str = "participants", *, other_than: str = "") -> str:
    """Name the people in one group of a comparison, as a plural noun phrase.

    The phrase names the variable, so it reads correctly whatever the group is called:
    ``group_phrase("plan", "family")`` is "participants on the family plan",
    ``group_phrase("company size", "5")`` "participants whose company size is “5”",
    ``group_phrase("segment", "Other")`` "participants whose segment is “Other”", and NPS
    groups are "detractors", "promoters", "passives". ``level=""`` is everyone else who
    answered: "participants with a different plan" (or "… whose plan is not <other_than>"
    when there are only two groups).

    Parameters
    ----------
    column : str
        The participant variable.
    level : str
        The group's value; ``""`` for the rest of those who answered.
    noun : str, default "participants"
        ``participants`` or ``respondents``.
    other_than : str, optional
        The level the rest is compared with.

    Returns
    -------
    str
    """
    var = nice(column).lower()
    if level == "":
        return f"{noun} with a different {var}"
    key = str(level).strip().lower().rstrip("s")
    if key in _NPS_WORDS:
        return _NPS_WORDS[key]
    shown = nice(level)
    base = var.split()[-1] if var else var
    if _plain_level(shown):
        if base in _ON_COLUMNS:
            return f"{noun} on the {shown} {var}"
        if base in _IN_COLUMNS:
            return f"{noun} in the {shown} {var}"
    return f"{noun} whose {var} is \u201c{shown}\u201d"


def _kpi_link(cell: pd.DataFrame, mentions: set[str], parts: pd.DataFrame, kpi: str | None) -> dict:
    out: dict[str, Any] = {"kpi": kpi, "kpi_rho": np.nan, "kpi_p": np.nan, "kpi_n": 0,
                           "kpi_valence_rho": np.nan, "kpi_valence_p": np.nan, "kpi_valence_n": 0}
    if kpi is None:
        return out
    values = pd.to_numeric(parts[kpi], errors="coerce")
    mention = np.array([1.0 if i in mentions else 0.0 for i in values.index])
    out["kpi_rho"], out["kpi_p"], out["kpi_n"] = spearman(mention, values.to_numpy(dtype=float))
    per_person = cell.groupby("interview_id")["valence"].mean()
    kv = values.reindex(per_person.index)
    out["kpi_valence_rho"], out["kpi_valence_p"], out["kpi_valence_n"] = spearman(
        per_person.to_numpy(dtype=float), kv.to_numpy(dtype=float))
    return out


def _caveats(row: dict[str, Any], alpha: float, noun: str = "participants") -> str:
    notes = []
    k = row["n_participants"]
    if k < 5:
        notes.append(f"only {k} {noun}: treat as a lead to explore, not a finding")
    elif row["n_total"] >= 50 and row["share"] < 0.05:
        notes.append(f"raised by only {row['share']:.1%} of {noun}")
    lo, hi = row["valence_ci_low"], row["valence_ci_high"]
    if not (math.isnan(lo) or math.isnan(hi)) and row["type"] in ("pain point", "delight") and lo < 0 < hi:
        notes.append("the valence interval includes zero")
    if _cites_contrast(row, alpha) and min(row["contrast_n_a"], row["contrast_n_b"]) < 5:
        notes.append(f"the group comparison rests on groups of fewer than 5 {noun}")
    return "; ".join(notes)


def _cites_contrast(row: dict[str, Any], alpha: float) -> bool:
    p = row.get("contrast_p")
    return bool(row.get("contrast")) and p is not None and not math.isnan(p) and p < alpha


def _contrast_clause(row: dict[str, Any], noun: str, answered: dict[str, int]) -> str:
    name_a, name_b = row["contrast"].split(" vs ")
    a, na = int(row["contrast_count_a"]), int(row["contrast_n_a"])
    b, nb = int(row["contrast_count_b"]), int(row["contrast_n_b"])
    counts = f"{a} of {na} vs {b} of {nb}"
    col = row["contrast_column"]
    n_ans = answered.get(col, na + nb)
    if n_ans < row["n_total"]:
        counts += f", of the {n_ans} {noun} who gave their {nice(col).lower()}"
    ratio = row["contrast_ratio"]
    if a > 0 and b == 0:
        return f"{name_a} raise it and {name_b} do not ({counts}"
    if a == 0 and b == 0:
        return f"neither group raises it ({counts}"
    if a == 0:
        return f"none of the {na} {name_a} raise it, against {b} of {nb} {name_b} ({counts}"
    if ratio < 1:
        return f"{name_a} raise it less often than {name_b} ({counts}"
    return f"{name_a} raise it {ratio:.1f}× as often as {name_b} ({counts}"


def _statement(
    row: dict[str, Any], params: SynthesisParams, noun: str = "participants",
    answered: dict[str, int] | None = None,
) -> str:
    label = f"“{row['theme_label']}”"
    verb = _TYPE_VERBS[row["type"]].format(label=label)
    where = "" if row["stage"] == ALL_STAGES else f" at the {nice(row['stage'])} stage"
    level = f"{params.level:.0%}"
    emo = row["leading_emotion"]
    feel = f"; mostly {emo}" if emo and emo not in ("neutral", "request") else ""
    ci = ""
    if not math.isnan(row["valence_ci_low"]):
        ci = (f", {level} CI {fmt_num(row['valence_ci_low'])} to "
              f"{fmt_num(row['valence_ci_high'])}")
    text = (
        f"{row['n_participants']} of {row['n_total']} {noun} ({row['share']:.0%}) {verb}"
        f"{where} (mean valence {fmt_num(row['valence_mean'])}{ci}{feel})"
    )
    if _cites_contrast(row, params.alpha):
        how = _contrast_clause(row, noun, answered or {})
        if row["contrast_p_adj"] < params.alpha:
            text += f"; {how}, adjusted p {fmt_p(row['contrast_p_adj'])})"
        else:
            text += (f"; {how}, p {fmt_p(row['contrast_p'])}, but adjusted p "
                     f"{fmt_p(row['contrast_p_adj'])} after correcting for multiple comparisons)")
    if row["kpi"] and not math.isnan(row["kpi_p"]) and row["kpi_p"] < params.alpha:
        kname = row["kpi"].upper() if len(row["kpi"]) <= 4 else nice(row["kpi"])
        direction = "lower" if row["kpi_rho"] < 0 else "higher"
        text += (f"; {noun} who raise it give {direction} {kname} scores "
                 f"(Spearman ρ = {fmt_num(row['kpi_rho'])}, p {fmt_p(row['kpi_p'])})")
    text += "."
    if row["caveats"]:
        text += f" Caveat: {row['caveats']}."
    return text
