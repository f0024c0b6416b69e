"""Themes: what participants talk about, named, quoted and counted by participant.

``ThemeModel`` is a scikit-learn style estimator around BERTopic; ``extract_themes`` adds
``theme`` and ``theme_label`` to a corpus's participant segments; ``theme_prevalence`` counts
the participants who mention each theme. See ``docs/themes.md``.
"""

from __future__ import annotations

from cxinsight.themes._codebook import DEFAULT_CODEBOOK_THRESHOLD, read_codebook
from cxinsight.themes._corpus import extract_themes, theme_prevalence
from cxinsight.themes._labels import label_found_in, phrase_labels
from cxinsight.themes._model import MIN_SEGMENTS, ThemeModel, TooLittleTextError, themable_mask
from cxinsight.themes._text import (
    INTERVIEW_FILLERS,
    SMALL_TALK,
    STOP_WORDS,
    default_vectorizer,
    is_filler,
    strip_placeholders,
)

__all__ = [
    "DEFAULT_CODEBOOK_THRESHOLD",
    "INTERVIEW_FILLERS",
    "MIN_SEGMENTS",
    "SMALL_TALK",
    "STOP_WORDS",
    "ThemeModel",
    "TooLittleTextError",
    "default_vectorizer",
    "extract_themes",
    "is_filler",
    "label_found_in",
    "phrase_labels",
    "read_codebook",
    "strip_placeholders",
    "themable_mask",
    "theme_prevalence",
]
