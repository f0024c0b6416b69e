"""Measures of theme quality: NPMI coherence, topic diversity and recovery of known themes."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations

import numpy as np
import pandas as pd

from cxinsight.themes._text import PhraseAnalyzer


def topic_diversity(keywords: Sequence[Sequence[str]], top_k: int = 10) -> float:
    """Share of unique words among the top ``top_k`` words of all themes (1.0 = no overlap).

    Multi-word keyphrases are split into words first, as in the BERTopic paper's measure.

    Parameters
    ----------
    keywords : sequence of sequences of str
        Ranked keywords per theme.
    top_k : int, default 10

    Returns
    -------
    float
    """
    tops = [_top_words(kw, top_k) for kw in keywords]
    total = sum(len(t) for t in tops)
    return len({w for t in tops for w in t}) / total if total else 0.0


def _top_words(keywords: Sequence[str], top_k: int) -> list[str]:
    out: list[str] = []
    for phrase in keywords:
        for w in str(phrase).split():
            if w not in out:
                out.append(w)
        if len(out) >= top_k:
            break
    return out[:top_k]


def npmi_coherence(keywords: Sequence[Sequence[str]], texts: Sequence[str], top_k: int = 10) -> float:
    """Mean normalised PMI of each theme's top words, co-occurring within a segment.

    Pairs that never co-occur score -1; the result lies in [-1, 1] (higher is more coherent).

    Parameters
    ----------
    keywords : sequence of sequences of str
    texts : sequence of str
        The reference segments (usually the segments that were themed).
    top_k : int, default 10

    Returns
    -------
    float
    """
    analyse = PhraseAnalyzer((1, 1), stop_words=())
    docs = [set(analyse(t)) for t in texts]
    n = len(docs)
    if n == 0:
        return float("nan")
    index: dict[str, set[int]] = {}
    for i, words in enumerate(docs):
        for w in words:
            index.setdefault(w, set()).add(i)
    scores = []
    for kw in keywords:
        words = [w for w in _top_words(kw, top_k) if w in index]
        pair_scores = []
        for a, b in combinations(words, 2):
            pa, pb = len(index[a]) / n, len(index[b]) / n
            pab = len(index[a] & index[b]) / n
            if pab == 0:
                pair_scores.append(-1.0)
            elif pab == 1:
                pair_scores.append(1.0)
            else:
                pair_scores.append(float(np.log(pab / (pa * pb)) / -np.log(pab)))
        if pair_scores:
            scores.append(float(np.mean(pair_scores)))
    return float(np.mean(scores)) if scores else float("nan")


def planted_recovery(found: Sequence[int], planted: Sequence[str | None]) -> pd.DataFrame:
    """For each known theme, is it recovered as a found theme?

    A known theme X is *recovered* when the found theme most common among X's segments (its
    "home") has X as its own most common known theme. Segments without a known theme
    (``None``/``""``) and outliers (``-1``) are ignored.

    Parameters
    ----------
    found : sequence of int
        Found theme per segment.
    planted : sequence of str or None
        Known theme per segment.

    Returns
    -------
    DataFrame
        One row per known theme: ``planted``, ``segments``, ``home_theme``, ``share_in_home``
        (share of X's segments in its home theme), ``home_purity`` (share of the home theme's
        labelled segments that are X), ``recovered``.
    """
    frame = pd.DataFrame({"found": np.asarray(found, dtype=int), "planted": list(planted)})
    frame = frame[frame["planted"].notna() & (frame["planted"] != "") & (frame["found"] >= 0)]
    rows = []
    for name, part in frame.groupby("planted", sort=True):
        counts = part["found"].value_counts()
        home = int(counts.index[0])
        in_home = frame[frame["found"] == home]["planted"].value_counts()
        rows.append({
            "planted": name,
            "segments": int(len(part)),
            "home_theme": home,
            "share_in_home": float(counts.iloc[0] / len(part)),
            "home_purity": float(in_home.get(name, 0) / in_home.sum()),
            "recovered": bool(in_home.index[0] == name),
        })
    return pd.DataFrame(rows, columns=["planted", "segments", "home_theme", "share_in_home",
                                       "home_purity", "recovered"])
