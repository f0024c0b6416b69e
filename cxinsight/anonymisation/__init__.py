"""Pseudonymisation of interview studies: detect, review, replace consistently, keep a key.

The public names are :class:`Anonymiser`, :func:`anonymise`, :func:`reidentify` and :class:`Key`
(also exported as ``cxinsight.Anonymiser`` and so on). See ``docs/anonymisation.md``.
"""

from __future__ import annotations

from cxinsight.anonymisation._reidentify import reidentify
from cxinsight.anonymisation._spans import LABELS, Detection
from cxinsight.anonymisation.anonymiser import (
    DEFAULT_LABELS,
    DETECTION_COLUMNS,
    OPERATORS,
    REVIEW_COLUMNS,
    Anonymiser,
    anonymise,
)
from cxinsight.anonymisation.key import Key

__all__ = [
    "Anonymiser", "Key", "anonymise", "reidentify", "Detection", "LABELS", "DEFAULT_LABELS",
    "OPERATORS", "DETECTION_COLUMNS", "REVIEW_COLUMNS",
]

