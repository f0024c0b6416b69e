"""WebVTT captions from Zoom, Microsoft Teams and Stream-style exports.

* Zoom: numbered cues with ``Name: text`` inside; cues without a name continue the previous
  speaker.
* Teams: ``<v Name>text</v>`` voice tags and unpadded timestamps (``0:0:0.570``).
* Stream-style: ``NOTE`` blocks, the speaker marked only when it changes (``>> Name:``),
  sometimes HTML-escaped (``&gt;&gt;``).

Consecutive cues of one speaker are merged into one turn later, keeping the start of the first
cue and the end of the last.
"""

from __future__ import annotations

from pathlib import Path

from cxinsight.ingest.base import Document
from cxinsight.ingest.cues import cue_utterances, split_cues

__all__ = ["parse_vtt", "is_vtt"]


def is_vtt(text: str) -> bool:
    """True when ``text`` starts with the ``WEBVTT`` header."""
    return text.lstrip("\ufeff \t\n").startswith("WEBVTT")


def parse_vtt(text: str, *, path: str | Path | None = None) -> Document:
    """Parse a WebVTT file into utterances.

    Parameters
    ----------
    text : str
        Decoded file content.
    path : str or Path, optional
        For error messages.

    Returns
    -------
    Document
        Format ``vtt-teams``, ``vtt-stream``, ``vtt-zoom`` or ``vtt`` (no speakers).

    Raises
    ------
    TranscriptFormatError
        No ``WEBVTT`` header, a bad timing line, or no cues.
    """
    cues, info = split_cues(text, path=path, kind="vtt")
    utts, style = cue_utterances(cues)
    if style == "none" and info["notes"]:
        style = "stream"
    fmt = "vtt" if style == "none" else f"vtt-{style}"
    doc = Document(utts, fmt, info={k: v for k, v in info.items() if v})
    doc.info["cues"] = len(cues)
    return doc
