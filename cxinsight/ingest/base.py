"""Building blocks shared by the readers: utterances, timestamps and speaker labels.

Every reader turns a file into a list of :class:`Utterance` (a speaker label or ``None`` for
"same speaker as before", times, text, the line it came from). :mod:`cxinsight.ingest.reader`
then merges aliases, joins consecutive utterances of one speaker into turns and assigns roles,
the same way for every format.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

__all__ = [
    "Utterance",
    "Document",
    "parse_timestamp",
    "split_label",
    "looks_like_name",
    "label_key",
    "strip_suffix",
    "count_words",
]


_NOT_LETTERS = str.maketrans(
    "", "", "0123456789!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~\u2013\u2014\u2018\u2019\u201c\u201d\u2026\u2022\u00b7\u00ab\u00bb"
)


def count_words(text: str) -> int:
    """Count the words of ``text``: white-space separated tokens holding at least one letter
    (timestamps, cue numbers and punctuation are not words). Digits and punctuation are
    deleted, so tokens made only of them disappear before the split."""
    if not text:
        return 0
    return len(text.translate(_NOT_LETTERS).split())


@dataclass
class Utterance:
    """One piece of speech as found in a file, before turns are merged.

    Attributes
    ----------
    speaker : str or None
        The label as written, or ``None`` when the piece continues the previous speaker.
    text : str
        The words, timestamps and markup removed.
    start, end : float or None
        Seconds from the start of the recording.
    line : int
        1-based line (or row, or paragraph) number in the file.
    new_turn : bool
        Start a new turn even if the speaker is unchanged (``>>`` with no name).
    extra : dict, optional
        Extra columns for the turns table (``question`` in survey mode).
    """

    speaker: str | None
    text: str
    start: float | None = None
    end: float | None = None
    line: int = 0
    new_turn: bool = False
    extra: dict[str, Any] | None = None


@dataclass
class Document:
    """The utterances of one interview read from a file.

    Attributes
    ----------
    utterances : list of Utterance
    format : str
        Format name reported in ``meta["files"]`` (``text``, ``vtt-zoom``, ...).
    interview_id : str, optional
        Set by readers that hold several interviews per file (survey rows); otherwise the
        interview id comes from the file path.
    participant : dict, optional
        Metadata of the interview found in the file itself (survey ratings).
    info : dict
        Extra facts about the file for ``meta["files"]`` (layout, preamble lines, ...).
    """

    utterances: list[Utterance]
    format: str
    interview_id: str | None = None
    participant: dict[str, Any] | None = None
    info: dict[str, Any] = field(default_factory=dict)


# ---------------------------------------------------------------------------- timestamps
#: ``H:MM:SS.fff``, ``MM:SS``, ``0:0:0.570`` (Teams), ``00:00:01,000`` (SRT). No nested
#: quantifiers, so matching is linear.
TIME = r"\d{1,3}:\d{1,2}(?::\d{1,2})?(?:[.,]\d{1,6})?"
_TIME_PARTS = re.compile(r"(\d{1,3}):(\d{1,2})(?::(\d{1,2}))?(?:[.,](\d{1,6}))?\Z")


def parse_timestamp(value: str) -> float | None:
    """Return seconds for ``H:MM:SS(.fff)``, ``MM:SS`` or plain seconds; ``None`` if not a time.

    Parameters
    ----------
    value : str
        ``"00:01:02"``, ``"1:02"``, ``"0:0:0.570"``, ``"00:00:01,500"``, ``"62.5"``.

    Returns
    -------
    float or None
    """
    s = value.strip()
    if not s:
        return None
    if ":" not in s:
        try:
            f = float(s.replace(",", "."))
        except ValueError:
            return None
        return f if f == f and f >= 0 and f != float("inf") else None
    m = _TIME_PARTS.match(s)
    if m is None:
        return None
    h, mi, se, frac = m.groups()
    if se is None:  # MM:SS(.fff)
        secs = int(h) * 60 + int(mi)
    else:
        secs = int(h) * 3600 + int(mi) * 60 + int(se)
    return secs + (float("0." + frac) if frac else 0.0)


# ---------------------------------------------------------------------------- labels
_LABEL_CHARS = re.compile(r"[^\W\d_][\w.'\u2019()\[\]\- ]{0,44}\Z")
_WORD_NUMBER = re.compile(r"([^\W\d_]{4,})(\d{1,2})\Z")
_NON_ALNUM = re.compile(r"[\W_]+")
_PARTICLES = frozenset("de da di du del della der den van von la le bin ibn al el st mc mac".split())


def split_label(line: str) -> tuple[str, str] | None:
    """Split ``"Name: text"`` (also ``**Name:** text``, ``**Name**: text``) into label and text.

    Only the shape is checked here (a short label starting with a letter, then a colon and a
    space or the end of the line); whether the label is a speaker is decided with the whole
    file in view (:func:`looks_like_name`, role words, counts).

    Parameters
    ----------
    line : str
        One line, leading timestamps already removed.

    Returns
    -------
    (label, text) or None
    """
    if line[:1] == "[":
        # "[SPEAKER_00]: text" (WhisperX and other diarisation tools)
        j = line.find("]:", 1, 62)
        if j > 1 and _head_ok(line[1:j].strip()):
            return strip_suffix(line[1:j].strip()), line[j + 2 :].strip()
        return None
    i = line.find(":")
    if i <= 0 or i > 60:
        return None
    nxt = line[i + 1 : i + 2]
    if nxt and not nxt.isspace() and nxt not in "*_":
        return None
    head = line[:i].strip().strip("*_").strip()
    if not _head_ok(head):
        return None
    rest = line[i + 1 :]
    if rest[:1] in ("*", "_"):
        rest = rest.lstrip("*_")
    return strip_suffix(head), rest.strip()


_SUFFIX = re.compile(r"\s*[(\[][^()\[\]]{1,24}[)\]]\Z")


def strip_suffix(label: str) -> str:
    """Drop a bracketed suffix from a speaker label: ``Jane Doe (JD)`` -> ``Jane Doe``,
    ``Tom [host]`` -> ``Tom``, ``Speaker 1 (Zoom)`` -> ``Speaker 1``. A label that is only a
    bracket is kept."""
    if label[-1:] not in ")]":
        return label
    out = _SUFFIX.sub("", label)
    return out if out and out[0].isalnum() else label


@lru_cache(maxsize=4096)
def _head_ok(head: str) -> bool:
    return bool(head) and _LABEL_CHARS.match(head) is not None and head.count(" ") <= 4


@lru_cache(maxsize=4096)
def label_key(label: str) -> str:
    """Return the comparison key of a label: case and spacing ignored (``Interviewer1`` ==
    ``interviewer 1``)."""
    return _NON_ALNUM.sub("", label.casefold())


def tidy_label(label: str) -> str:
    """Collapse spaces and separate a trailing number (``Interviewer1`` -> ``Interviewer 1``)."""
    s = " ".join(label.split())
    if s and s[-1].isdigit() and " " not in s:
        m = _WORD_NUMBER.match(s)
        if m is not None:
            s = f"{m.group(1)} {m.group(2)}"
    return s


def looks_like_name(label: str) -> bool:
    """True when every word of ``label`` starts with a capital or a digit (``Jane Doe``,
    ``Speaker 2``, ``O'Connor``, ``van Dijk``, ``LIAM``)."""
    words = label.split()
    if not words or len(words) > 5:
        return False
    for w in words:
        c = w[0]
        if c.isupper() or c.isdigit():
            continue
        if w.casefold() in _PARTICLES:
            continue
        return False
    return True


def initials(label: str) -> str:
    """``"Jane Doe"`` -> ``"jd"`` (lower case)."""
    return "".join(w[0] for w in label.split() if w[:1].isalpha()).casefold()
