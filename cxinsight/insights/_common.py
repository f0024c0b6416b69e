"""Helpers shared by the synthesis, the opportunities and the report."""

from __future__ import annotations

import math

import pandas as pd

from cxinsight.corpus import Corpus
from cxinsight.speech import group_columns as speech_group_columns
from cxinsight.speech import participant_mask

#: Stage order used when neither the segments nor a journey curve give one.
DEFAULT_STAGE_ORDER = (
    "discovery", "consideration", "purchase", "onboarding", "delivery", "everyday_use",
    "support", "renewal", "leaving",
)
#: Stage name used when the corpus has no ``stage`` column (themes counted over whole interviews).
ALL_STAGES = "all stages"
NAME_COLUMNS = ("participant_name", "name", "interviewer", "interviewer_name", "email", "phone")


def participant_segments(corpus: Corpus) -> pd.DataFrame:
    """Return the segments spoken by participants (interviewer speech and back-channels removed).

    The definition is :func:`cxinsight.speech.participant_mask`: in an interview where no
    speaker has the ``participant`` role (e.g. an unlabelled SRT file), every segment that is not
    the interviewer's counts.
    """
    seg = corpus.require("segments", ["interview_id", "text"], "cx.segment(corpus)")
    return seg.loc[participant_mask(seg)]


def participant_codes(corpus: Corpus) -> dict[str, str]:
    """Map ``interview_id`` to the code a report may show (``participant_code`` or the id)."""
    p = corpus.participants
    if "participant_code" in p.columns:
        return {
            str(i): (str(c) if pd.notna(c) else str(i))
            for i, c in zip(p["interview_id"], p["participant_code"])
        }
    return {str(i): str(i) for i in p["interview_id"]}


def stage_order(corpus: Corpus) -> list[str]:
    """Return the journey's stages in order, as best the corpus tells."""
    seg = corpus.segments
    present: list[str] = []
    if seg is not None and "stage" in seg.columns:
        col = seg["stage"]
        if isinstance(col.dtype, pd.CategoricalDtype) and col.cat.ordered:
            return [str(s) for s in col.cat.categories]
        present = [str(s) for s in pd.unique(col.dropna())]
    journey = corpus.meta.get("journey")
    if isinstance(journey, dict) and isinstance(journey.get("stages"), list):
        names = [s["name"] if isinstance(s, dict) else str(s) for s in journey["stages"]]
        return names + sorted(set(present) - set(names))
    curve = corpus.tables.get("journey_curve")
    if curve is not None and "stage" in curve.columns:
        names = [str(s) for s in pd.unique(curve["stage"].dropna())]
        return names + sorted(set(present) - set(names))
    known = [s for s in DEFAULT_STAGE_ORDER if s in present]
    return known + sorted(set(present) - set(known))


def nice(name: object) -> str:
    """Human form of an identifier: ``everyday_use`` -> ``everyday use``."""
    return str(name).replace("_", " ").strip()


def fmt_num(x: float, digits: int = 2, signed: bool = False) -> str:
    """Format a number with a true minus sign (−0.62); ``n/a`` for missing values."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    s = f"{x:+.{digits}f}" if signed else f"{x:.{digits}f}"
    return s.replace("-", "\u2212")


def fmt_p(p: float) -> str:
    """Format a p-value for a sentence (``p < 0.001``, ``p = 0.03``)."""
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return "n/a"
    if p < 0.001:
        return "< 0.001"
    if p < 0.01:
        return f"= {p:.3f}"
    return f"= {p:.2f}"


def participant_valence(seg: pd.DataFrame) -> pd.Series:
    """Mean valence per interview (participants weigh equally, however much they talk)."""
    return seg.groupby("interview_id", sort=True)["valence"].mean()


def is_numeric_kpi(series: pd.Series) -> bool:
    """True when ``series`` is a usable numeric KPI (at least 4 values, not constant)."""
    values = pd.to_numeric(series, errors="coerce")
    ok = values.dropna()
    return ok.size >= 4 and ok.nunique() > 1 and values.notna().mean() >= 0.5


def group_columns(participants: pd.DataFrame, n_participants: int | None = None) -> list[str]:
    """Participant columns that split the study into groups worth comparing.

    Kept for callers of the old signature; the definition is
    :func:`cxinsight.speech.group_columns` (``n_participants`` is no longer needed).
    """
    return speech_group_columns(participants)


def empty_like(columns: list[str]) -> pd.DataFrame:
    """An empty DataFrame with ``columns``."""
    return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})


def safe_float(x: object) -> float:
    """``float(x)`` or NaN."""
    try:
        return float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return float("nan")


__all__ = [
    "ALL_STAGES", "DEFAULT_STAGE_ORDER", "empty_like", "fmt_num", "fmt_p", "group_columns",
    "is_numeric_kpi", "nice", "participant_codes", "participant_segments", "participant_valence",
    "safe_float", "stage_order",
]
