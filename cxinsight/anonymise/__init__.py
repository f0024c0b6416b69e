"""Pseudonymisation of interview studies: detect, review, replace consistently, keep a key.

The public names are :class:`Anonymiser`, :func:`anonymise`, :func:`reidentify` and :class:`Key`
(also exported as ``cxinsight.Anonymiser`` and so on). See ``docs/anonymisation.md``.
"""

from __future__ import annotations

import sys as _sys
import types as _types

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


class _CallableModule(_types.ModuleType):
    """Lets ``cx.anonymise(corpus)`` work even when this package was imported first.

    Importing ``cxinsight.anonymise`` makes the package an attribute of ``cxinsight`` with the
    same name as the function :func:`anonymise`; calling the package calls the function.
    """

    def __call__(self, corpus, **options):
        return anonymise(corpus, **options)


_sys.modules[__name__].__class__ = _CallableModule
#: ``inspect.signature(cx.anonymise)`` shows the function's parameters either way
__wrapped__ = anonymise
