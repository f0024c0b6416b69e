"""Pseudonymisation of interview studies: detect, review, replace consistently, keep a key.

The public names are :class:`Anonymiser`, :func:`anonymise`, :func:`reidentify` and :class:`Key`
(also exported as ``cxinsight.Anonymiser`` and so on). See ``docs/anonymisation.md``.
"""

from __future__ import annotations

from cxinsight.anonymise._reidentify import reidentify
from cxinsight.anonymise._spans import LABELS, Detection
from cxinsight.anonymise.anonymiser import (
    DEFAULT_LABELS,
    DETECTION_COLUMNS,
    OPERATORS,
    REVIEW_COLUMNS,
    Anonymiser,
    anonymise,
)
from cxinsight.anonymise.key import Key

__all__ = [
    "Anonymiser", "Key", "anonymise", "reidentify", "Detection", "LABELS", "DEFAULT_LABELS",
    "OPERATORS", "DETECTION_COLUMNS", "REVIEW_COLUMNS",
]

