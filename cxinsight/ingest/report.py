"""The per-file reading report: what was read from each file, how, and what looks wrong.

:func:`cxinsight.read` puts it in ``corpus.tables["files"]`` (one row per entry found,
including ignored and skipped ones) and ``cxinsight read`` prints it. Red flags:

* ``one speaker holds N% of words`` (over 80%: a missed speaker change, or a monologue);
* ``a turn of N words`` (over 2,000: labels were not recognised and turns ran together);
* ``no participant found`` (no speaker could be given a role; every non-interviewer speaker
  was counted as a participant) and ``no interviewer found``;
* ``encoding guessed: NAME (confidence C)`` (a legacy encoding was detected; check names and
  accents);
* ``N% of words not kept`` (text outside any turn: headers, notes, unlabelled preamble);
* ``N malformed cue(s)`` (subtitle blocks without a timing line, kept as text).
"""

from __future__ import annotations

from typing import Any

__all__ = ["FILE_COLUMNS", "file_row", "red_flags", "LONG_TURN_WORDS", "DOMINANT_SHARE"]

#: Columns of ``corpus.tables["files"]``.
FILE_COLUMNS = [
    "path", "status", "reason", "interview_id", "format", "encoding", "encoding_confidence",
    "interviews", "speakers", "roles", "turns", "words_raw", "words_kept", "kept_share",
    "red_flags",
]
#: A turn longer than this many words is flagged.
LONG_TURN_WORDS = 2000
#: One speaker holding more than this share of the words is flagged.
DOMINANT_SHARE = 0.8


def red_flags(
    *,
    fmt: str,
    speaker_words: dict[str, int],
    roles: dict[str, tuple[str, str]],
    longest_turn: int,
    encoding: str | None,
    confidence: float | None,
    words_raw: int | None,
    words_kept: int,
    info: dict[str, Any],
) -> list[str]:
    """Return the red flags of one file (see the module docstring)."""
    flags: list[str] = []
    if fmt != "survey":
        total = sum(speaker_words.values())
        if total and len(speaker_words) >= 1:
            top = max(speaker_words.values())
            if top / total > DOMINANT_SHARE:
                flags.append(f"one speaker holds {100 * top / total:.0f}% of words")
        if longest_turn > LONG_TURN_WORDS:
            flags.append(f"a turn of {longest_turn:,} words")
        reasons = [why for _, why in roles.values()]
        role_set = {r for r, _ in roles.values()}
        if "assumed" in reasons:
            flags.append("no participant found (roles unknown): speakers counted as participants")
        elif "participant" not in role_set:
            flags.append("no participant found")
        elif "interviewer" not in role_set:
            flags.append("no interviewer found")
    if encoding and confidence is not None and confidence < 1.0 and not encoding.startswith("utf-16"):
        flags.append(f"encoding guessed: {encoding} (confidence {confidence:.2f})")
    if words_raw:
        lost = 1 - words_kept / words_raw
        if lost > 0.1:
            flags.append(f"{100 * lost:.0f}% of words not kept")
    if info.get("malformed_cues"):
        flags.append(
            f"{info['malformed_cues']} malformed cue(s), first at line {info.get('malformed_cue_line')}: kept as text"
        )
    return flags


def file_row(path: str, status: str, reason: str = "", **fields: Any) -> dict[str, Any]:
    """One row of the files table (missing fields are empty)."""
    row: dict[str, Any] = {c: None for c in FILE_COLUMNS}
    row.update({"path": path, "status": status, "reason": reason})
    row.update({k: v for k, v in fields.items() if k in row})
    return row
