"""Emotions: GoEmotions probabilities, valence and customer-experience families per segment.

>>> import cxinsight as cx                                       # doctest: +SKIP
>>> corpus = cx.tag_emotions(cx.embed(cx.segment(cx.read("interviews/"))))  # doctest: +SKIP
>>> corpus.segments[["text", "valence", "emotion", "emotions"]]  # doctest: +SKIP

See ``docs/emotions.md`` for the method, the families and measured figures.
"""

from cxinsight.emotions.events import CX_EVENTS, event_valence
from cxinsight.emotions.head import EmotionHead, default_head_path
from cxinsight.emotions.labels import (
    CX_FAMILIES,
    EKMAN_GROUPS,
    FAMILY_VALENCE,
    GOEMOTIONS_LABELS,
    LABEL_SENTIMENT,
)
from cxinsight.emotions.lexicon import CX_LEXICON, lexicon_valence
from cxinsight.emotions.tagger import EmotionTagger, tag_emotions

__all__ = [
    "CX_EVENTS",
    "CX_FAMILIES",
    "CX_LEXICON",
    "EKMAN_GROUPS",
    "FAMILY_VALENCE",
    "GOEMOTIONS_LABELS",
    "LABEL_SENTIMENT",
    "EmotionHead",
    "EmotionTagger",
    "default_head_path",
    "event_valence",
    "lexicon_valence",
    "tag_emotions",
]
