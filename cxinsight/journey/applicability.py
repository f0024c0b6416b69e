"""Does the study follow the journey map? The check :func:`cxinsight.assign_stages` runs first.

A journey curve only means something when the interviews walk through the journey. Real studies
often do not: a UX survey, a research interview about data curation, an oral history or a
podcast has no onboarding or renewal, yet every answer resembles *some* stage a little. The
check therefore looks for the evidence a researcher would look for, in this order:

1. **The interview guide.** Interviewer questions (sentences with a question mark; in a survey,
   the survey's questions) are compared with each stage's description and example questions.
   A question *matches* a stage when its similarity reaches :data:`MATCH_SIMILARITY` and beats
   the small-talk examples.
2. **Coverage.** A journey guide asks about several stages: at least :data:`MIN_GUIDE_STAGES`
   stages must each be matched by two or more questions, and at least :data:`MIN_MATCH_SHARE`
   of the questions must match a stage.
3. **Order.** Interview guides follow the journey: within an interview, later questions match
   later stages (Spearman rank correlation of question position and stage, weighted by the
   number of matched questions per interview, at least :data:`MIN_ORDER`).
4. **Confident assignments.** After the sequence model, at least :data:`MIN_CONFIDENT_SHARE`
   of the participant segments must have a stage with posterior >= ``min_confidence``.

The number of participants per stage is reported too (it decides whether a curve point gets
an interval, see :func:`cxinsight.journey_curve`) but does not decide applicability.

Thresholds were set on the sample study, a synthetic demo, a real survey export and a real
research interview (see ``docs/journey.md``, "Journeys only where there is one"), before the
held-out studies were scored.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

#: A question matches a stage at this (raw cosine-based) similarity or more.
MATCH_SIMILARITY = 0.35
#: At least this share of the guide's questions must match a stage.
MIN_MATCH_SHARE = 0.2
#: At least this many stages must each be matched by two or more questions.
MIN_GUIDE_STAGES = 3
#: Questions must follow the journey's order at least this much (Spearman rho).
MIN_ORDER = 0.2
#: At least this share of participant segments must get a confident stage.
MIN_CONFIDENT_SHARE = 0.5
#: A curve point needs this many participants for a confidence interval.
MIN_PARTICIPANTS = 5


def question_rows(segments: pd.DataFrame) -> np.ndarray:
    """Return the rows of ``segments`` that are interview-guide questions.

    Interviewer segments with a question mark and at least three words; when no segment has
    the interviewer role (roles unknown), any such segment.
    """
    text = segments["text"].fillna("").astype(str)
    asks = text.str.contains("?", regex=False).to_numpy() & (text.str.split().str.len() >= 3).to_numpy()
    if "is_backchannel" in segments.columns:
        asks &= ~segments["is_backchannel"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    roles = segments["role"].astype(str).str.lower().to_numpy()
    is_int = roles == "interviewer"
    if is_int.any():
        return np.flatnonzero(asks & is_int)
    if (roles == "participant").all():
        return np.zeros(0, dtype=np.int64)
    return np.flatnonzero(asks)


def survey_questions(turns: pd.DataFrame) -> list[str]:
    """The distinct survey questions (``question`` column of the turns), in order."""
    if turns is None or "question" not in turns.columns:
        return []
    return [str(q) for q in pd.unique(turns["question"].dropna()) if str(q).strip()]


def _order_correlation(interviews: np.ndarray, positions: np.ndarray,
                       stages: np.ndarray) -> float:
    """Weighted mean of per-interview Spearman rho of question position vs matched stage."""
    from scipy.stats import spearmanr

    total, weight = 0.0, 0
    codes, _ = pd.factorize(pd.Series(np.asarray(interviews)))
    order = np.argsort(codes, kind="stable")
    for m in np.split(order, np.flatnonzero(np.diff(codes[order])) + 1):
        if len(m) < 3 or len(set(stages[m].tolist())) < 2:
            continue
        rho = spearmanr(positions[m], stages[m]).statistic
        if np.isfinite(rho):
            total += float(rho) * len(m)
            weight += len(m)
    return total / weight if weight else float("nan")


def guide_evidence(
    scores: np.ndarray, interviews: Sequence[str], positions: Sequence[float], n_stages: int
) -> dict[str, Any]:
    """Evidence from the interview guide.

    Parameters
    ----------
    scores : ndarray of shape (n_questions, n_stages + 1)
        Raw similarity of each question to each stage; the last column is small talk.
    interviews, positions : sequences
        The interview of each question and its position in the interview.
    n_stages : int

    Returns
    -------
    dict
        ``guide_questions``, ``guide_match_share``, ``guide_stages`` (stages matched by two or
        more questions), ``guide_order`` (Spearman rho, NaN when it cannot be computed) and
        ``guide_matches`` (questions per stage).
    """
    n = len(scores)
    if n == 0:
        return {"guide_questions": 0, "guide_match_share": 0.0, "guide_stages": 0,
                "guide_order": float("nan"), "guide_matches": [0] * n_stages}
    best = scores[:, :n_stages].max(axis=1)
    stage = scores[:, :n_stages].argmax(axis=1)
    matched = (best >= MATCH_SIMILARITY) & (best > scores[:, n_stages])
    counts = np.bincount(stage[matched], minlength=n_stages)
    order = _order_correlation(np.asarray(interviews, dtype=object)[matched],
                               np.asarray(positions, dtype=float)[matched], stage[matched])
    return {
        "guide_questions": int(n),
        "guide_match_share": round(float(matched.mean()), 3),
        "guide_stages": int((counts >= 2).sum()),
        "guide_order": round(order, 3) if np.isfinite(order) else float("nan"),
        "guide_matches": [int(c) for c in counts],
    }


def decide(evidence: dict[str, Any], n_stages: int, guide_kind: str) -> tuple[bool, str]:
    """Return ``(applicable, reason)`` from the evidence; the reason is one plain sentence."""
    nq = evidence["guide_questions"]
    share = evidence["guide_match_share"]
    what = "survey questions" if guide_kind == "survey" else "interview questions"
    if nq == 0:
        return False, (
            "No interview guide could be found (no interviewer questions or survey questions), "
            "so there is no evidence that the study walks through the journey's stages."
        )
    if share < MIN_MATCH_SHARE:
        return False, (
            f"The study does not follow the journey map: only {share:.0%} of its {nq} {what} "
            f"are about a journey stage (a journey study has at least {MIN_MATCH_SHARE:.0%})."
        )
    if evidence["guide_stages"] < MIN_GUIDE_STAGES:
        return False, (
            f"The study does not follow the journey map: its {what} ask about "
            f"{evidence['guide_stages']} of the {n_stages} journey stages (a journey study asks "
            f"about at least {MIN_GUIDE_STAGES})."
        )
    order = evidence["guide_order"]
    if not (np.isfinite(order) and order >= MIN_ORDER):
        shown = "no clear order" if not np.isfinite(order) else f"rank correlation {order:.2f}"
        return False, (
            f"The {what} touch on journey stages but do not walk through them in the "
            f"journey's order ({shown}), so answers cannot be placed on the journey."
        )
    conf = evidence.get("confident_share")
    if conf is not None and conf < MIN_CONFIDENT_SHARE:
        return False, (
            f"Only {conf:.0%} of what participants said could be placed on a journey stage "
            "with confidence, too little for a journey curve."
        )
    return True, (
        f"The study follows the journey map: {share:.0%} of its {nq} {what} are about a "
        f"journey stage, {evidence['guide_stages']} of {n_stages} stages are asked about, in "
        f"the journey's order (rank correlation {order:.2f})."
    )
