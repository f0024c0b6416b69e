"""Matching a list of known strings (names of speakers, staff, researcher-supplied names)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from cxinsight.anonymisation._spans import Detection


def fold(text: str) -> str:
    """Lower-case, strip accents, unify apostrophes, drop a possessive ``'s``, squeeze spaces."""
    t = text.replace("’", "'").strip()
    t = re.sub(r"'s$|'$", "", t, flags=re.IGNORECASE) if len(t) > 3 else t
    t = " ".join(t.split()).lower()
    if not t.isascii():
        t = "".join(c for c in unicodedata.normalize("NFKD", t) if not unicodedata.combining(c))
    return t


def _variant_pattern(variant: str) -> str:
    parts = []
    for ch in variant:
        if ch in "'’":
            parts.append("['’]?")
        elif ch.isspace():
            parts.append(r"\s+")
        else:
            parts.append(re.escape(ch))
    return "".join(parts)


class KnownMatcher:
    """Find every occurrence of known strings, case-insensitively, as whole words.

    Variants that are also common English words ("Will", "Grace") only match when written
    with a capital letter, so "I will" is left alone.

    Parameters
    ----------
    variants : iterable of (str, bool)
        The strings and whether each is a common word.
    """

    def __init__(self, variants: Iterable[tuple[str, bool]], label: str = "PERSON",
                 detector: str = "known_name", score: float = 0.95) -> None:
        seen: dict[str, bool] = {}
        for v, common in variants:
            v = " ".join(str(v).split())
            if len(v) < 2:
                continue
            seen[v] = seen.get(v, False) or common
        ci = sorted((v for v, c in seen.items() if not c), key=len, reverse=True)
        cs = sorted((v for v, c in seen.items() if c), key=len, reverse=True)
        self.label, self.detector, self.score = label, detector, score
        self._ci = (
            re.compile(r"(?<![\w@.])(?:" + "|".join(_variant_pattern(v) for v in ci) + r")(?![\w@]|['’]\w\w)", re.IGNORECASE)
            if ci else None
        )
        cs_patterns = []
        for v in cs:
            cap = v[:1].upper() + v[1:]
            cs_patterns += [_variant_pattern(cap), _variant_pattern(v.upper())]
        self._cs = re.compile(r"(?<![\w@.])(?:" + "|".join(cs_patterns) + r")(?![\w@])") if cs else None
        self.size = len(seen)

    def find(self, text: str) -> list[Detection]:
        out = []
        for rx in (self._ci, self._cs):
            if rx is None:
                continue
            for m in rx.finditer(text):
                out.append(Detection(m.start(), m.end(), self.label, self.score, self.detector))
        return out
