"""Timed cues shared by the WebVTT and SRT readers.

Both formats are blocks separated by blank lines: an optional cue id, a timing line
``start --> end``, then the cue's text. This module splits the blocks, parses the timings
(padded or not: ``00:00:01.000``, ``0:0:0.570``, ``00:00:01,000``) and finds the speaker of
every piece of text: a ``<v Name>`` voice tag (Teams), a ``>> Name:`` change marker (Stream,
also HTML-escaped as ``&gt;&gt;``) or a ``Name:`` label at the start of a line (Zoom).
Text without a speaker continues the previous speaker.

Only the cue tags the WebVTT specification defines are removed (``<v>``, ``<c>``, ``<i>``,
``<b>``, ``<u>``, ``<ruby>``, ``<rt>``, ``<lang>`` and ``<00:01.000>`` timestamps, plus SRT's
``<font>``); any other ``<...>`` is text (``vector<int>``, ``<3 stars>``). A block without a
timing line (a cue whose ``-->`` line was lost) is kept as text of the previous speaker and
reported in ``info["malformed_cues"]`` with the line of the first one.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from pathlib import Path

from cxinsight.errors import TranscriptFormatError
from cxinsight.ingest.base import Utterance, parse_timestamp, split_label
from cxinsight.ingest.roles import accept_label

__all__ = ["Cue", "split_cues", "cue_utterances"]

_BLANK_LINES = re.compile(r"(\n(?:[ \t]*\n)+)")
_TAG = re.compile(
    r"</?(?:v|c|i|b|u|ruby|rt|lang|font)(?:[.\s][^<>\n]*)?>"
    r"|<(?:\d{1,3}:)?\d{2}:\d{2}\.\d{3}>",
    re.IGNORECASE,
)
_VOICE = re.compile(r"<v(?:\.[^\s<>]*)?(?:[ \t]+([^<>\n]*))?>")


class Cue:
    """One timed block: ``line`` (1-based line of the timing), ``start``, ``end``, ``text``."""

    __slots__ = ("line", "start", "end", "text")

    def __init__(self, line: int, start: float | None, end: float | None, text: str) -> None:
        self.line, self.start, self.end, self.text = line, start, end, text


def _timing(line: str, path: str | Path | None, line_no: int, example: str) -> tuple[float, float]:
    left, _, right = line.partition("-->")
    start = parse_timestamp(left.strip())
    right_parts = right.split()
    end = parse_timestamp(right_parts[0]) if right_parts else None
    if start is None or end is None:
        raise TranscriptFormatError(
            f"could not read the cue timing: expected '{example}' (hours optional). "
            "Fix or delete this cue, or re-export the subtitles.",
            path,
            line=line_no,
        )
    return start, end


def split_cues(text: str, *, path: str | Path | None = None, kind: str = "vtt") -> tuple[list[Cue], dict]:
    """Split a WebVTT or SRT file into cues.

    Parameters
    ----------
    text : str
        Decoded file content.
    path : str or Path, optional
        For error messages.
    kind : {"vtt", "srt"}
        ``vtt`` requires the ``WEBVTT`` header and skips ``NOTE``/``STYLE``/``REGION`` blocks.

    Returns
    -------
    cues : list of Cue
    info : dict
        ``notes`` (number of NOTE blocks) and ``ignored_blocks``.

    Raises
    ------
    TranscriptFormatError
        Missing ``WEBVTT`` header, an unreadable timing line, or no cue at all.
    """
    example = "00:01:02.500 --> 00:01:05.000" if kind == "vtt" else "00:01:02,500 --> 00:01:05,000"
    lead = len(text) - len(text.lstrip("\ufeff \t\n"))
    line_no = 1 + text.count("\n", 0, lead)
    body = text[lead:]
    if kind == "vtt" and not body.startswith("WEBVTT"):
        raise TranscriptFormatError(
            "expected the header 'WEBVTT' on the first line of a WebVTT file. If this is an "
            "SRT file, rename it to .srt; otherwise re-export the captions as WebVTT.",
            path,
            line=line_no,
        )
    cues: list[Cue] = []
    notes = ignored = 0
    malformed: list[int] = []
    header_block = kind == "vtt"
    parts = _BLANK_LINES.split(body)
    for idx in range(0, len(parts), 2):
        chunk = parts[idx]
        start_line = line_no
        line_no += chunk.count("\n") + (parts[idx + 1].count("\n") if idx + 1 < len(parts) else 0)
        if not chunk.strip():
            continue
        block = chunk.split("\n")
        if header_block:
            header_block = False
            if "-->" not in chunk:
                continue
            # header glued to the first cue without a blank line
            while block and "-->" not in block[0] and (len(block) < 2 or "-->" not in block[1]):
                block = block[1:]
                start_line += 1
            if not block:
                continue
        first = block[0].strip()
        if kind == "vtt" and (first == "NOTE" or first.startswith(("NOTE ", "NOTE\t"))):
            notes += 1
            continue
        if kind == "vtt" and first in ("STYLE", "REGION"):
            continue
        if "-->" in block[0]:
            j = 0
        elif len(block) > 1 and "-->" in block[1]:
            j = 1
        elif len(block) > 2 and "-->" in block[2]:
            j = 2
        else:
            # no timing line: keep the words (they continue the previous cue) and report it
            lines_kept = [x.strip() for x in block]
            if len(lines_kept) > 1 and lines_kept[0].isdigit():
                lines_kept = lines_kept[1:]
            if cues and any(lines_kept):
                malformed.append(start_line)
                cues.append(Cue(start_line, None, None, "\n".join(lines_kept)))
            else:
                ignored += 1
            continue
        start, end = _timing(block[j], path, start_line + j, example)
        payload = "\n".join(s.strip() for s in block[j + 1 :])
        cues.append(Cue(start_line + j, start, end, payload))
    if not cues:
        raise TranscriptFormatError(
            f"no timed cues found: expected blocks with a timing line like '{example}' "
            "followed by the cue's text.",
            path,
            line=1,
        )
    info = {"notes": notes, "ignored_blocks": ignored}
    if malformed:
        info["malformed_cues"] = len(malformed)
        info["malformed_cue_line"] = malformed[0]
    return cues, info


def _clean(s: str) -> str:
    if "<" in s:
        s = _TAG.sub("", s)
    if "&" in s:
        s = html.unescape(s)
    return " ".join(s.split())


def cue_utterances(cues: list[Cue]) -> tuple[list[Utterance], str]:
    """Find speakers in cues and return utterances plus the style found.

    Returns
    -------
    utterances : list of Utterance
        ``speaker`` is ``None`` for text that continues the previous speaker.
    style : str
        ``teams`` (voice tags), ``stream`` (``>>`` markers), ``zoom`` (``Name:`` labels) or
        ``none`` (no speaker information).
    """
    # pieces: (cue, kind, speaker/label, text) kind in voice|marker|label|plain
    pieces: list[tuple[Cue, str, str | None, str, str]] = []
    label_counts: Counter = Counter()
    n_voice = n_marker = 0
    for cue in cues:
        payload = cue.text
        if "<v" in payload and _VOICE.search(payload):
            matches = list(_VOICE.finditer(payload))
            before = _clean(payload[: matches[0].start()])
            if before:
                pieces.append((cue, "plain", None, before, before))
            for k, m in enumerate(matches):
                stop = matches[k + 1].start() if k + 1 < len(matches) else len(payload)
                name = _clean(m.group(1) or "") or None
                body = _clean(payload[m.end() : stop])
                pieces.append((cue, "voice", name, body, body))
                n_voice += 1
            continue
        flat = payload
        if "<" in flat:
            flat = _TAG.sub("", flat)
        if "&" in flat:
            flat = html.unescape(flat)
        if ">>" in flat:
            segs = flat.split(">>")
            head = " ".join(segs[0].split())
            if head:
                pieces.append((cue, "plain", None, head, head))
            for seg in segs[1:]:
                seg = " ".join(seg.split())
                n_marker += 1
                lab = split_label(seg)
                if lab is not None and accept_label(lab[0], 2):
                    pieces.append((cue, "marker", lab[0], lab[1], seg))
                else:
                    pieces.append((cue, "marker", None, seg, seg))
            continue
        for line in flat.split("\n"):
            s = " ".join(line.split())
            if not s:
                continue
            lab = split_label(s)
            if lab is not None:
                label_counts[lab[0]] += 1
                pieces.append((cue, "label", lab[0], lab[1], s))
            else:
                pieces.append((cue, "plain", None, s, s))
    accepted = {lab for lab, c in label_counts.items() if accept_label(lab, c)}
    utts: list[Utterance] = []
    prev: Utterance | None = None
    for cue, kind, spk, body, raw in pieces:
        if kind == "voice" or (kind == "label" and spk in accepted):
            u = Utterance(spk, body, cue.start, cue.end, cue.line)
        elif kind == "marker":
            # ">> Name:" names the speaker; a bare ">>" says only that someone else speaks
            u = Utterance(spk or "unknown", body, cue.start, cue.end, cue.line, new_turn=spk is None)
        else:
            text = raw
            if prev is not None and prev.line == cue.line:
                prev.text = f"{prev.text} {text}".strip()
                continue
            u = Utterance(None, text, cue.start, cue.end, cue.line)
        utts.append(u)
        prev = u
    if n_voice:
        style = "teams"
    elif n_marker:
        style = "stream"
    elif accepted:
        style = "zoom"
    else:
        style = "none"
    return utts, style
