"""The GoEmotions label set and the customer-experience families built from it.

GoEmotions (Demszky et al. 2020, Apache-2.0) labels Reddit comments with 27 emotions and
``neutral``. Customer-experience research talks in coarser terms (frustration, delight,
anxiety, ...), so each family below groups the GoEmotions labels that a researcher would read
as that feeling in an interview. A researcher can pass their own grouping to
:class:`cxinsight.EmotionTagger` as ``families={...}``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

#: The 28 GoEmotions labels, in the order of the data set's ``labels.txt``.
GOEMOTIONS_LABELS: tuple[str, ...] = (
    "admiration", "amusement", "anger", "annoyance", "approval", "caring", "confusion",
    "curiosity", "desire", "disappointment", "disapproval", "disgust", "embarrassment",
    "excitement", "fear", "gratitude", "grief", "joy", "love", "nervousness", "optimism",
    "pride", "realization", "relief", "remorse", "sadness", "surprise", "neutral",
)

#: Sentiment of each label, as in GoEmotions' ``sentiment_dict.json`` (``neutral`` added).
LABEL_SENTIMENT: dict[str, str] = {
    **{k: "positive" for k in (
        "amusement", "excitement", "joy", "love", "desire", "optimism", "caring", "pride",
        "admiration", "gratitude", "relief", "approval")},
    **{k: "negative" for k in (
        "fear", "nervousness", "remorse", "embarrassment", "disappointment", "sadness", "grief",
        "disgust", "anger", "annoyance", "disapproval")},
    **{k: "ambiguous" for k in ("realization", "surprise", "curiosity", "confusion")},
    "neutral": "neutral",
}

#: Ekman's six basic emotions as grouped in GoEmotions' ``ekman_mapping.json`` (plus neutral).
EKMAN_GROUPS: dict[str, tuple[str, ...]] = {
    "anger": ("anger", "annoyance", "disapproval"),
    "disgust": ("disgust",),
    "fear": ("fear", "nervousness"),
    "joy": ("joy", "amusement", "approval", "excitement", "gratitude", "love", "optimism",
            "relief", "pride", "admiration", "desire", "caring"),
    "sadness": ("sadness", "disappointment", "embarrassment", "grief", "remorse"),
    "surprise": ("surprise", "realization", "confusion", "curiosity"),
    "neutral": ("neutral",),
}

#: Default customer-experience families and their GoEmotions members. Every label belongs to
#: exactly one family. The order is the tie-break order.
CX_FAMILIES: dict[str, tuple[str, ...]] = {
    "frustration": ("anger", "annoyance", "disapproval", "disgust"),
    "disappointment": ("disappointment", "sadness", "grief", "remorse", "embarrassment"),
    "anxiety": ("fear", "nervousness"),
    "confusion": ("confusion", "curiosity"),
    "delight": ("joy", "amusement", "excitement", "admiration", "love", "desire", "pride"),
    "gratitude": ("gratitude",),
    "relief": ("relief",),
    "trust": ("approval", "caring", "optimism"),
    "surprise": ("surprise", "realization"),
    "neutral": ("neutral",),
}

#: Valence sign of each default family (used in documentation and checks).
FAMILY_VALENCE: dict[str, int] = {
    "frustration": -1, "disappointment": -1, "anxiety": -1, "confusion": -1,
    "delight": 1, "gratitude": 1, "relief": 1, "trust": 1, "surprise": 0, "neutral": 0,
}


def validate_families(families: Mapping[str, Sequence[str]]) -> dict[str, tuple[str, ...]]:
    """Check a family grouping and return it with tuple members.

    Parameters
    ----------
    families : mapping of str to sequence of str
        Family name -> GoEmotions labels. Labels may be left out (they then count towards no
        family) but may not appear twice or be unknown.

    Returns
    -------
    dict of str to tuple of str

    Raises
    ------
    ValueError
        When a label is unknown or belongs to two families, or a family is empty.
    """
    if not isinstance(families, Mapping) or not families:
        raise ValueError(
            "families must be a non-empty dict of family name -> list of GoEmotions labels, "
            "e.g. {'frustration': ['anger', 'annoyance'], 'neutral': ['neutral']}."
        )
    seen: dict[str, str] = {}
    out: dict[str, tuple[str, ...]] = {}
    for name, members in families.items():
        if isinstance(members, str):
            members = [members]
        members = tuple(members)
        if not members:
            raise ValueError(f"family {name!r} has no GoEmotions labels.")
        for label in members:
            if label not in GOEMOTIONS_LABELS:
                raise ValueError(
                    f"family {name!r} names {label!r}, which is not a GoEmotions label. "
                    f"Known labels: {', '.join(GOEMOTIONS_LABELS)}."
                )
            if label in seen:
                raise ValueError(
                    f"label {label!r} is in both families {seen[label]!r} and {name!r}; "
                    "give each label to one family."
                )
            seen[label] = str(name)
        out[str(name)] = members
    return out
