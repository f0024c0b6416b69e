"""Readable theme labels and representative quotes."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from cxinsight.themes._text import STOP_WORDS


def label_from_keyphrases(phrases: Sequence[str], max_terms: int = 3, max_chars: int = 48) -> str:
    """Build a short label from ranked keyphrases.

    Phrases are taken best first; a phrase is skipped when all its words already appear in the
    label or when it is made of stop words only, so ``["card arrival", "card", "arrive"]`` gives
    ``"card arrival, arrive"`` rather than ``"card arrival, card, arrive"``.

    Parameters
    ----------
    phrases : sequence of str
        Keyphrases ranked best first.
    max_terms : int, default 3
    max_chars : int, default 48

    Returns
    -------
    str
        The label, or ``"(unlabelled)"`` when no usable phrase remains.
    """
    chosen: list[str] = []
    seen: set[str] = set()
    for phrase in phrases:
        words = [w for w in str(phrase).lower().split() if w]
        content = [w for w in words if w not in STOP_WORDS]
        if not content or set(content) <= seen:
            continue
        stems = {w[:5] for w in content}
        if stems <= {w[:5] for w in seen}:
            continue  # "delivery" after "deliver"
        candidate = ", ".join(chosen + [" ".join(words)])
        if chosen and len(candidate) > max_chars:
            break
        chosen.append(" ".join(words))
        seen.update(content)
        if len(chosen) >= max_terms:
            break
    return ", ".join(chosen) if chosen else "(unlabelled)"


def central_quotes(
    embeddings: np.ndarray,
    centroid: np.ndarray,
    groups: Sequence[str],
    n: int = 3,
) -> list[int]:
    """Pick the indices of the segments closest to ``centroid``, one per group.

    Parameters
    ----------
    embeddings : ndarray (n_segments, dim)
        L2-normalised embeddings of the theme's segments.
    centroid : ndarray (dim,)
    groups : sequence of str
        The participant (interview) of each segment; at most one quote per group.
    n : int, default 3

    Returns
    -------
    list of int
        Positions into ``embeddings``, most central first. Fewer than ``n`` when the theme has
        fewer groups; falls back to repeated groups only when there is a single group.
    """
    if len(embeddings) == 0:
        return []
    sims = embeddings @ centroid
    order = np.lexsort((np.arange(len(sims)), -sims))  # most central first, ties by position
    picked: list[int] = []
    used: set[str] = set()
    for i in order:
        g = str(groups[i])
        if g in used:
            continue
        picked.append(int(i))
        used.add(g)
        if len(picked) == n:
            return picked
    if len(used) == 1:  # one participant only: still show a few quotes
        for i in order:
            if int(i) not in picked:
                picked.append(int(i))
            if len(picked) == n:
                break
    return picked
