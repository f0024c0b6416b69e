"""Matching a list of known strings (names of speakers, staff, researcher-supplied names).

The strings are compiled into one Aho–Corasick automaton (``pyahocorasick``), so that finding
every known name in a turn costs time proportional to the turn's length, however many names
the study holds (a regular expression with one alternative per name grows with both).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

import ahocorasick

from cxinsight.anonymisation._spans import Detection


def fold(text: str) -> str:
    """Lower-case, strip accents, unify apostrophes, drop a possessive ``'s``, squeeze spaces."""
    t = text.replace("’", "'").strip()
    t = re.sub(r"'s$|'$", "", t, flags=re.IGNORECASE) if len(t) > 3 else t
    t = " ".join(t.split()).lower()
    if not t.isascii():
        t = "".join(c for c in unicodedata.normalize("NFKD", t) if not unicodedata.combining(c))
    return t


#: ASCII white space (as ``str.isspace`` sees it) -> a plain space
_ASCII_SPACES = {c: " " for c in range(128) if chr(c).isspace() and c != 32}


def _surface(text: str) -> str:
    """Lower-case ``text`` keeping its length: one character in, one character out.

    Apostrophes are unified and every white-space character becomes a plain space, so that a
    known name matches across a line break or a no-break space.
    """
    if text.isascii():  # ASCII lower-casing keeps the length; no curly apostrophe to unify
        return text.lower().translate(_ASCII_SPACES)
    return _surface_by_character(text)


def _surface_by_character(text: str) -> str:
    """:func:`_surface` one character at a time (any text; the ASCII path must agree)."""
    out = []
    for ch in text:
        if ch == "’":
            out.append("'")
        elif ch.isspace():
            out.append(" ")
        else:
            low = ch.lower()
            out.append(low if len(low) == 1 else ch)
    return "".join(out)


def _is_word(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


class KnownMatcher:
    """Find every occurrence of known strings, case-insensitively, as whole words.

    Variants that are also common English words ("Will", "Grace") only match when written
    with a capital letter, so "I will" is left alone. A possessive ("Sarah's") is matched
    without its ``'s``.

    Parameters
    ----------
    variants : iterable of (str, bool)
        The strings and whether each is a common word.
    label, detector : str
        Label and detector name of the detections.
    score : float
        Score of the detections.
    """

    def __init__(self, variants: Iterable[tuple[str, bool]], label: str = "PERSON",
                 detector: str = "known_name", score: float = 0.95) -> None:
        seen: dict[str, bool] = {}
        for v, common in variants:
            v = _surface(" ".join(str(v).split()))
            if len(v) < 2:
                continue
            seen[v] = seen.get(v, False) or common
            if "'" in v:  # "O'Connor" also written "OConnor"
                bare = v.replace("'", "")
                if len(bare) >= 2:
                    seen[bare] = seen.get(bare, False) or common
        self.label, self.detector, self.score = label, detector, score
        self.size = len(seen)
        self._auto = None
        if seen:
            auto = ahocorasick.Automaton()
            for v, common in seen.items():
                auto.add_word(v, (len(v), common))
            auto.make_automaton()
            self._auto = auto

    def find(self, text: str) -> list[Detection]:
        """Return the leftmost-longest whole-word occurrences in ``text``."""
        if self._auto is None or not text:
            return []
        low = _surface(text)
        n = len(text)
        hits: list[tuple[int, int]] = []
        for end_idx, (length, common) in self._auto.iter(low):
            start, end = end_idx + 1 - length, end_idx + 1
            before = text[start - 1] if start else " "
            if _is_word(before) or before in "@.":
                continue
            after = text[end] if end < n else " "
            if _is_word(after) or after == "@":
                continue
            if after in "'’" and end + 2 < n and _is_word(text[end + 1]) and _is_word(text[end + 2]):
                continue  # "Will's" is fine, "Will'ya" is not a name
            if common:
                span = text[start:end]
                if not (span[:1].isupper() or (span.isupper() and len(span) > 1)):
                    continue
            hits.append((start, end))
        if not hits:
            return []
        hits.sort(key=lambda h: (h[0], -h[1]))
        out = []
        last_end = -1
        for start, end in hits:
            if start < last_end:
                continue
            out.append(Detection(start, end, self.label, self.score, self.detector))
            last_end = end
        return out
