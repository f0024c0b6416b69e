"""SRT subtitles, as written by speech-to-text tools.

Cues are ``index``, ``00:00:01,000 --> 00:00:04,000``, then text. Speaker labels
(``Name: text`` or ``>> Name:``) are used when present. Without any, the file has one
``unknown`` speaker and turns are split where the pause between cues is at least ``pause``
seconds (an option of :func:`cxinsight.read`, 2 s by default). A missing final newline, a
missing cue index and CRLF line endings are all fine.
"""

from __future__ import annotations

import re
from pathlib import Path

from cxinsight.ingest.base import Document
from cxinsight.ingest.cues import cue_utterances, split_cues

__all__ = ["parse_srt", "is_srt"]

_SRT_START = re.compile(r"\s*(?:\d+\s*\n\s*)?\d{1,3}:\d{1,2}:\d{1,2}[,.]\d{1,3}\s*-->")


def is_srt(text: str) -> bool:
    """True when ``text`` starts with an SRT cue (optional index, then a timing line)."""
    return _SRT_START.match(text.lstrip("\ufeff")[:200]) is not None


def parse_srt(text: str, *, path: str | Path | None = None) -> Document:
    """Parse an SRT file into utterances.

    Parameters
    ----------
    text : str
        Decoded file content.
    path : str or Path, optional
        For error messages.

    Returns
    -------
    Document
        Format ``srt``; ``info["speaker_labels"]`` tells whether labels were found.

    Raises
    ------
    TranscriptFormatError
        A bad timing line, or no cues.
    """
    cues, info = split_cues(text, path=path, kind="srt")
    utts, style = cue_utterances(cues)
    doc = Document(utts, "srt", info={"cues": len(cues), "speaker_labels": style != "none"})
    for k in ("ignored_blocks", "malformed_cues", "malformed_cue_line"):
        if info.get(k):
            doc.info[k] = info[k]
    return doc
