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
    if isinstance(journey, dict) and isinstance(journey.get("map"), dict):
        journey = journey["map"]  # {"applicable", "evidence", "reason", "map"} from assign_stages
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


def journey_status(corpus: Corpus) -> tuple[bool, str]:
    """Whether stage-based findings apply to this study, and why not when they do not.

    Stage-based insights, curves and opportunities need a ``stage`` column with at least one
    value, and a journey that was not judged inapplicable (``corpus.meta["journey"]
    ["applicable"]`` is ``False`` when the study does not follow the journey map).

    Returns
    -------
    applicable : bool
    reason : str
        Empty when applicable; otherwise one sentence for the reader.
    """
    info = corpus.meta.get("journey")
    if isinstance(info, dict) and info.get("applicable") is False:
        reason = str(info.get("reason") or "the study does not follow the journey map").strip()
        return False, reason
    seg = corpus.segments
    if seg is None or "stage" not in seg.columns:
        return False, "no journey stages were assigned"
    if not seg["stage"].notna().any():
        return False, "no segment has a journey stage"
    return True, ""


def journey_applies(corpus: Corpus) -> bool:
    """True when stage-based findings apply (see :func:`journey_status`)."""
    return journey_status(corpus)[0]


def study_kind(corpus: Corpus) -> str:
    """``"survey"`` when most of the study's files are survey exports, else ``"interviews"``."""
    files = corpus.meta.get("files", []) or []
    formats = [str(f.get("format", "")).lower() for f in files if isinstance(f, dict)]
    n_survey = sum(fmt == "survey" for fmt in formats)
    if formats and n_survey * 2 >= len(formats):
        return "survey"
    if corpus.meta.get("study_kind") == "survey":
        return "survey"
    return "interviews"


def people_noun(corpus: Corpus) -> str:
    """How the report calls the people in the study: ``respondents`` or ``participants``."""
    return "respondents" if study_kind(corpus) == "survey" else "participants"


def request_mask(seg: pd.DataFrame) -> pd.Series:
    """Which segments are requests or wishes ("please add…", "I wish…"), not feelings.

    Read from a boolean ``request`` (or ``is_request``) column, or ``kind``/``emotion`` equal
    to ``request``, as the emotion tagger writes them; all ``False`` when none is present.
    """
    out = pd.Series(False, index=seg.index)
    for col in ("request", "is_request"):
        if col in seg.columns:
            out |= seg[col].astype("boolean").fillna(False).astype(bool)
    for col in ("kind", "emotion"):
        if col in seg.columns:
            out |= seg[col].astype(str).str.lower().eq("request")
    return out


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
    "is_numeric_kpi", "journey_applies", "journey_status", "nice", "participant_codes",
    "participant_segments", "participant_valence", "people_noun", "request_mask", "safe_float",
    "stage_order", "study_kind",
]
