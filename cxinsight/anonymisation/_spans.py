"""Detections, overlap resolution and text splicing shared by every detector."""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from typing import NamedTuple

#: Every label a detector may emit.
LABELS = (
    "PERSON", "EMAIL", "PHONE", "URL", "ADDRESS", "POSTCODE", "CARD", "IBAN", "IP",
    "ID_NUMBER", "ORG", "LOCATION", "DATE", "USERNAME", "DATE_OF_BIRTH", "AGE",
)

#: Higher wins when two detections overlap (before length and score).
DETECTOR_PRIORITY = {
    "manual": 100,
    "known_name": 90,
    "email": 80, "url": 78, "iban": 76, "card": 75, "ip": 74, "spoken_email": 73,
    "address": 72, "phone": 70, "spoken_digits": 68, "postcode": 66, "id_number": 64,
    "birth_date": 62, "age_with_date": 61, "handle": 77, "username": 63,
    "date": 60,
    "name_cue": 50, "ner": 45, "name_gazetteer": 40, "place_cue": 35, "name_capitalised": 30,
    "name_unknown_word": 20, "propagated": 55,
}


class Detection(NamedTuple):
    """One detected span of personal data in a string (``text[start:end]``)."""

    start: int
    end: int
    label: str
    score: float
    detector: str


def resolve(detections: Iterable[Detection]) -> list[Detection]:
    """Return non-overlapping detections, sorted by ``start``.

    When spans overlap, a researcher's manual entry wins, then any detection other than a
    rule-found person name (a pattern match or a known name), then the longer span, then the
    higher score, then the detector's priority.
    """
    ranked = sorted(
        detections,
        key=lambda d: (
            d.detector != "manual",
            d.label == "PERSON" and d.detector != "known_name",
            -(d.end - d.start),
            -round(d.score, 2),
            -DETECTOR_PRIORITY.get(d.detector, 0),
            d.start,
        ),
    )
    taken: list[tuple[int, int]] = []  # sorted, non-overlapping
    chosen: list[Detection] = []
    for d in ranked:
        if d.end <= d.start:
            continue
        i = bisect.bisect_left(taken, (d.start, d.start))
        if i > 0 and taken[i - 1][1] > d.start:
            continue
        if i < len(taken) and taken[i][0] < d.end:
            continue
        taken.insert(i, (d.start, d.end))
        chosen.append(d)
    return sorted(chosen, key=lambda d: d.start)


def splice(text: str, edits: Sequence[tuple[int, int, str]]) -> str:
    """Replace ``text[start:end]`` by each replacement (edits sorted, non-overlapping)."""
    out = []
    pos = 0
    for start, end, new in edits:
        out.append(text[pos:start])
        out.append(new)
        pos = end
    out.append(text[pos:])
    return "".join(out)


def offset_mapper(edits: Sequence[tuple[int, int, str]]):
    """Return a function mapping an offset in the old text to the offset in the spliced text.

    An offset inside a replaced span maps to the start of its replacement; an offset at a
    span's end maps to the end of the replacement.
    """
    starts = [e[0] for e in edits]
    shifts = []
    total = 0
    for start, end, new in edits:
        total += len(new) - (end - start)
        shifts.append(total)

    def mapper(offset: int) -> int:
        i = bisect.bisect_right(starts, offset) - 1
        if i < 0:
            return offset
        start, end, _ = edits[i]
        if offset < end:  # at or inside a replaced span: the start of its replacement
            return start + (shifts[i - 1] if i > 0 else 0)
        return offset + shifts[i]

    return mapper
