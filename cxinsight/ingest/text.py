"""Plain-text, Markdown and Otter.ai transcripts.

Recognised, in any mix within one file:

* ``Name: text``, ``NAME: text``, ``Interviewer 1:`` / ``Interviewer1:`` / `` Interviewee:``
  (spacing and case drift), ``I:`` / ``Q:`` / ``R:``;
* Markdown ``**Name:** text``, ``**Name**: text``, ``- **Name:** text``; headings and rules are
  skipped;
* timestamps ``[00:11:50.18] Name: text``, ``(00:01:02) Name: text``, ``00:01:02 Name: text``,
  ``Name [00:01:02]: text``; other bracketed timestamps inside the text are removed;
* Otter.ai exports: an optional ``SUMMARY KEYWORDS`` / ``SPEAKERS`` header, then ``Name  MM:SS``
  (or ``H:MM:SS``) on its own line and the turn's text on the following lines; the
  ``Transcribed by https://otter.ai`` footer is dropped;
* ``Name<TAB>text`` (a name recurring before a tab);
* labels without a colon when they recur: ``**Name** text`` / ``**Name** [0:32] text``
  (podcast Markdown) and ``[Speaker 1] [00:17] text`` (diarisation exports); bracketed
  suffixes are dropped (``Jane Doe (JD): text`` is ``Jane Doe``); Markdown-escaped brackets
  (``\\[00:05:53.18\\]``) are read as timestamps;
* ``[SPEAKER_00]: text`` from diarisation tools; subtitle blocks pasted into a document
  (``0:0:0.0 --> 0:0:5.220``, the speaker's name on its own line, then the text);
* unlabelled lines continue the previous turn; lines before the first turn (a title, a date)
  are left out and counted in ``meta["files"][i]["preamble_lines"]``.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from cxinsight.errors import TranscriptFormatError
from cxinsight.ingest.base import (
    TIME,
    Document,
    Utterance,
    label_key,
    looks_like_name,
    parse_timestamp,
    split_label,
    strip_suffix,
    tidy_label,
)
from cxinsight.ingest.roles import (
    GENERIC_LABEL,
    NOT_SPEAKERS,
    SENTENCE_STARTERS,
    accept_label,
    role_from_label,
)

__all__ = ["parse_text"]

_LEAD_TS = re.compile(r"[\[(]\s*(" + TIME + r")\s*[\])]\s*|(" + TIME + r")(?:\s+|\Z)")
_BRACKET_TS = re.compile(r"[\[(]\s*(" + TIME + r")\s*[\])]")
_TIME_ONLY = re.compile(TIME + r"\Z")
_OTTER_FOOTER = re.compile(r"transcribed by https?://otter\.ai", re.IGNORECASE)
_MD_RULES = frozenset({"---", "***", "___", "- - -", "* * *"})
_SOFT_BOLD = re.compile(r"(\*\*|__)([^*_\n]{1,45}?)\1\s+(\S.*)\Z")
_BRACKET_THEN_TIME = re.compile(r"\[[^\[\]\n]{1,45}\]\s*[\[(]?\s*\d{1,2}:\d{2}")
_SOFT_BRACKET = re.compile(r"\[([^\[\]\n]{1,45})\]\s+(\S.*)\Z")
#: bracketed words that annotate a recording, never a speaker
_ANNOTATIONS = frozenset(
    "laughter laughs laughing inaudible unintelligible crosstalk music applause silence pause "
    "noise background overlapping sic cough coughs sighs break end start intro outro".split()
)


def _soft_label(rest: str) -> tuple[str, str, bool] | None:
    """``**Name** text`` or ``[Name] text`` (no colon) -> (label, text, bold)."""
    if rest[:2] in ("**", "__"):
        m = _SOFT_BOLD.match(rest)
        if m is not None:
            return m.group(2).strip(), m.group(3).strip(), True
    elif rest[:1] == "[":
        m = _SOFT_BRACKET.match(rest)
        if m is not None:
            return m.group(1).strip(), m.group(2).strip(), False
    return None


def _soft_ok(label: str, count: int) -> bool:
    words = label.split()
    return (
        (count >= 2 or GENERIC_LABEL.fullmatch(label) is not None)
        and 0 < len(words) <= 4
        and looks_like_name(label)
        and label[0].isalpha()
        and words[0].casefold() not in NOT_SPEAKERS
        and words[0].casefold() not in _ANNOTATIONS
        and words[0].casefold() not in SENTENCE_STARTERS
    )


def _header_name(s: str) -> tuple[str, float | None] | None:
    """``"Jane Doe  0:05"`` or ``"0:05 Jane Doe"`` on a line of its own -> (name, seconds)."""
    parts = s.rsplit(None, 1)
    if len(parts) == 2 and _TIME_ONLY.match(parts[1]):
        name = parts[0].strip()
    else:
        parts = s.split(None, 1)
        if len(parts) == 2 and _TIME_ONLY.match(parts[0]):
            name = parts[1].strip()
            parts = [parts[1], parts[0]]
        else:
            return None
    name = strip_suffix(name.strip("*_").strip()).strip("[]()").strip()
    if not name or ":" in name or not looks_like_name(name) or not name[0].isalpha():
        return None
    return name, parse_timestamp(parts[1])


def parse_text(
    text: str,
    *,
    path: str | Path | None = None,
    markdown: bool = False,
    layout: str | None = None,
) -> Document:
    """Parse a plain-text, Markdown or Otter.ai transcript.

    Parameters
    ----------
    text : str
        The decoded file content (``\\n`` line endings).
    path : str or Path, optional
        For error messages.
    markdown : bool, default False
        Skip Markdown headings, rules and list/quote markers.
    layout : str, optional
        Format name to report instead of the detected one (used by the DOCX reader).

    Returns
    -------
    Document

    Raises
    ------
    TranscriptFormatError
        When no speaker turn can be found.
    """
    if markdown and "\\[" in text:
        text = text.replace("\\[", "[").replace("\\]", "]")
    lines = text.split("\n")
    # pass 1: what each line could be
    kinds: list[tuple] = []
    label_counts: Counter = Counter()
    header_counts: Counter = Counter()
    vname_counts: Counter = Counter()
    tab_counts: Counter = Counter()
    soft_counts: Counter = Counter()
    md_labels = 0
    for raw in lines:
        s = raw.strip()
        if not s:
            kinds.append(("blank",))
            continue
        if markdown:
            if s[0] == "#" or s in _MD_RULES:
                kinds.append(("skip",))
                continue
            if s[:2] in ("- ", "* ", "> ", "+ "):
                s = s[2:].lstrip()
        if "otter.ai" in s and _OTTER_FOOTER.search(s):
            kinds.append(("skip",))
            continue
        ts = None
        rest = s
        first_br = None
        if "-->" in s:
            timing = _timing_line(s)
            if timing is not None:
                kinds.append(("timing", *timing))
                continue
        if ":" in s:
            m = _LEAD_TS.match(s) if (s[0] in "[(" or s[0].isdigit()) else None
            if m is not None and (m.group(1) is not None or _confident_time(m.group(2))):
                ts = parse_timestamp(m.group(1) or m.group(2))
                rest = s[m.end() :]
                if not rest.strip():
                    kinds.append(("time", ts))
                    continue
            if "[" in rest or "(" in rest:
                mb = _BRACKET_TS.search(rest)
                if mb is not None:
                    first_br = (mb.start(), parse_timestamp(mb.group(1)))
                    rest = " ".join(_BRACKET_TS.sub(" ", rest).split())
                    if not rest:
                        kinds.append(("time", first_br[1]))
                        continue
            lab = split_label(rest)
            if lab is not None:
                label, body = lab
                if ts is None and first_br is not None and first_br[0] <= len(label) + 6:
                    ts = first_br[1]
                bold = rest[:2] in ("**", "__")
                md_labels += bold
                label_counts[label] += 1
                kinds.append(("label", label, body, ts, rest, bold))
                continue
            hdr = _header_name(s)
            if hdr is not None:
                header_counts[hdr[0]] += 1
                kinds.append(("header", hdr[0], hdr[1], s))
                continue
        if rest[:1] in "*_[" and (soft := _soft_label(rest)) is not None and (
            soft[2] or _BRACKET_THEN_TIME.match(s) or GENERIC_LABEL.fullmatch(soft[0])
        ):
            # "[Company X] said ..." (a redaction) is text; "[Speaker 1] [00:17] ..." a label
            soft_counts[soft[0]] += 1
            soft_ts = ts if ts is not None else (first_br[1] if first_br is not None else None)
            kinds.append(("soft", soft[0], soft[1], soft_ts, rest, soft[2]))
            continue
        if "\t" in rest:
            head, _, body = rest.partition("\t")
            head = head.strip().rstrip(":").strip()
            if body.strip() and _bare_name(head):
                tab_counts[head] += 1
                kinds.append(("tab", head, body.strip(), rest))
                continue
        if _after_timing(kinds) and _bare_name(rest):
            vname_counts[rest] += 1
            kinds.append(("vname", rest))
            continue
        kinds.append(("text", rest))

    accepted = {lab for lab, c in label_counts.items() if accept_label(lab, c)}
    # one label style per file: when speaker labels are bold (Markdown), plain "Key: value"
    # lines are text or metadata, not turns
    n_accepted = sum(c for lab, c in label_counts.items() if lab in accepted)
    bold_only = md_labels >= 3 and md_labels >= 0.8 * n_accepted
    # labels seen once, before the first line of a recurring speaker, are header metadata
    # ("Interviewer: Megan Ford" above the transcript)
    key_counts: Counter = Counter()
    for lab in accepted:
        key_counts[label_key(tidy_label(lab))] += label_counts[lab]
    main_keys = {k for k, c in key_counts.items() if c >= 2}
    first_main = next(
        (
            i
            for i, k in enumerate(kinds)
            if k[0] == "label" and k[1] in accepted and label_key(tidy_label(k[1])) in main_keys
            and (k[5] or not bold_only)
        ),
        None,
    )
    n_headers = sum(header_counts.values())
    headers_ok = {
        name
        for name, c in header_counts.items()
        if n_headers >= 2
        and name.split()[0].casefold() not in NOT_SPEAKERS
        and not (c == 1 and name.split()[0].casefold() in SENTENCE_STARTERS)
    }

    # pass 2: build utterances
    utts: list[Utterance] = []
    cur: Utterance | None = None
    parts: list[str] = []
    pending_ts: float | None = None
    pending_end: float | None = None
    preamble = 0
    from_headers = from_labels = 0

    def close() -> None:
        if cur is not None:
            cur.text = " ".join(" ".join(parts).split())

    for i, k in enumerate(kinds):
        kind = k[0]
        if kind in ("blank", "skip"):
            continue
        if kind == "time":
            pending_ts = k[1]
            continue
        if kind == "timing":
            pending_ts, pending_end = k[1], k[2]
            continue
        if kind == "tab" and (tab_counts[k[1]] >= 2 or role_from_label(k[1]) is not None):
            close()
            cur = Utterance(k[1], "", pending_ts, pending_end, i + 1)
            utts.append(cur)
            parts = [k[2]]
            pending_ts = pending_end = None
            from_labels += 1
            continue
        if kind == "vname" and vname_counts[k[1]] >= 2:
            close()
            cur = Utterance(k[1], "", pending_ts, pending_end, i + 1)
            utts.append(cur)
            parts = []
            pending_ts = pending_end = None
            from_labels += 1
            continue
        if (
            kind == "label"
            and k[1] in accepted
            and (k[5] or not bold_only)
            and not (
                len(main_keys) >= 2
                and first_main is not None
                and i < first_main
                and label_key(tidy_label(k[1])) not in main_keys
            )
        ):
            close()
            ts = k[3] if k[3] is not None else pending_ts
            cur = Utterance(k[1], "", ts, pending_end if k[3] is None else None, i + 1)
            utts.append(cur)
            parts = [k[2]] if k[2] else []
            pending_ts = pending_end = None
            from_labels += 1
            continue
        if kind == "soft" and _soft_ok(k[1], soft_counts[k[1]]):
            close()
            cur = Utterance(k[1], "", k[3] if k[3] is not None else pending_ts, None, i + 1)
            utts.append(cur)
            parts = [k[2]] if k[2] else []
            pending_ts = pending_end = None
            from_labels += 1
            md_labels += k[5]
            continue
        if kind == "header" and k[1] in headers_ok:
            close()
            cur = Utterance(k[1], "", k[2] if k[2] is not None else pending_ts, None, i + 1)
            utts.append(cur)
            parts = []
            pending_ts = None
            from_headers += 1
            continue
        body = k[4] if kind in ("label", "soft") else (k[3] if kind in ("header", "tab") else k[1])
        if cur is not None and pending_end is not None:
            cur.end = pending_end  # a timed block continuing the same speaker
            pending_ts = pending_end = None
        if cur is None:
            preamble += 1
            continue
        parts.append(body)
    close()
    utts = [u for u in utts if u.text]
    if not utts:
        raise TranscriptFormatError(
            "no speaker turns found. Expected lines such as 'Name: text', '**Name:** text', "
            "'[00:01:02] Name: text', or an Otter.ai export ('Name  0:05' on one line, the text "
            "on the next). Add speaker labels, or read a subtitle file (.vtt/.srt) instead.",
            path,
            line=1,
        )
    if from_headers > from_labels:
        fmt = "otter"
    elif markdown or md_labels > from_labels / 2:
        fmt = "markdown"
    else:
        fmt = "text"
    doc = Document(utts, layout or fmt)
    if preamble:
        doc.info["preamble_lines"] = preamble
    return doc


def _confident_time(value: str) -> bool:
    """A bare time at the start of a line is a timestamp if it is ``H:MM:SS`` or zero-padded."""
    return value.count(":") >= 2 or value.startswith("0")


def _timing_line(s: str) -> tuple[float, float] | None:
    """``00:00:01.000 --> 00:00:04.000`` (a subtitle timing pasted into a document)."""
    left, _, right = s.partition("-->")
    start = parse_timestamp(left.strip()) if ":" in left else None
    parts = right.split()
    end = parse_timestamp(parts[0]) if parts and ":" in parts[0] else None
    if start is None or end is None:
        return None
    return start, end


def _bare_name(s: str) -> bool:
    """A line holding only a name (``Jane Doe``): the speaker line of a Teams block."""
    return (
        0 < len(s) <= 40
        and s[-1] not in ".?!,;:"
        and len(s.split()) <= 4
        and looks_like_name(s)
        and s[0].isalpha()
    )


def _after_timing(kinds: list[tuple]) -> bool:
    """True when the last non-blank line was a subtitle timing line."""
    for k in reversed(kinds[-3:]):
        if k[0] != "blank":
            return k[0] == "timing"
    return False
