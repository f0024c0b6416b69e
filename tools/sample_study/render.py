"""Render the GreenCrate sample study from its YAML source into real transcript formats.

The single source of the sample study is ``tools/sample_study/interviews/*.yaml`` (one file per
interview), ``participants.yaml`` and ``themes.yaml``. This script

* ``--check``: validates every interview YAML against the schema (see
  ``data/sample_interviews/README.md``) and prints one line per problem
  (``file: turn N: problem``); exit status 1 when anything is wrong;
* default: validates, then rewrites ``data/sample_interviews/`` completely: one transcript per
  interview in its real-world format, ``manifest.csv``, ``_ground_truth/`` and ``README.md``.

Rendering is deterministic and idempotent: the same YAML always gives byte-identical files, so
``tests/test_sample_study.py`` can check that nobody hand-edited the rendered output.

Usage::

    python tools/sample_study/render.py --check [FILE.yaml ...]
    python tools/sample_study/render.py [--out DIR]
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import re
import shutil
import sys
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
DEFAULT_OUT = ROOT / "data" / "sample_interviews"
INTERVIEW_DIR = HERE / "interviews"

STAGES = [
    "none",
    "discovery",
    "consideration",
    "purchase",
    "onboarding",
    "everyday_use",
    "support",
    "renewal",
]
JOURNEY_STAGES = STAGES[1:]
EMOTIONS = [
    "frustration",
    "disappointment",
    "anxiety",
    "confusion",
    "delight",
    "gratitude",
    "relief",
    "trust",
    "surprise",
    "neutral",
]
PII_TYPES = ["PERSON", "EMAIL", "PHONE", "ADDRESS", "POSTCODE", "ID_NUMBER", "CARD", "URL"]
ROLES = ["interviewer", "participant"]
MIN_WORDS, MAX_WORDS = 1500, 4000
MIN_LABELS = 11
MIN_NON_NAME_PII = 3
WORDS_PER_SECOND = 2.5

# Output format of each interview (by interview id); the extension is part of the file name.
FORMATS = {
    "int01": ("plain_name", ".txt"),
    "int02": ("otter_txt", ".txt"),
    "int03": ("zoom_vtt", ".vtt"),
    "int04": ("teams_docx", ".docx"),
    "int05": ("markdown", ".md"),
    "int06": ("teams_vtt", ".vtt"),
    "int07": ("csv_rows", ".csv"),
    "int08": ("upper_bracket_ts", ".txt"),
    "int09": ("srt", ".srt"),
    "int10": ("otter_docx", ".docx"),
    "int11": ("drifting_labels", ".txt"),
    "int12": ("stream_vtt", ".vtt"),
    "int13": ("leading_ts", ".txt"),
    "int14 final": ("utf16_crlf", ".txt"),
}
FORMAT_DESCRIPTIONS = {
    "plain_name": "Plain text, `Full Name: text`, blank line between turns, extra paragraphs of a "
    "turn on unlabelled continuation lines.",
    "otter_txt": "Otter.ai text export: leading blank lines, `SUMMARY KEYWORDS` and `SPEAKERS` "
    "header, then `Name  M:SS` on its own line and the turn's text on the following line(s).",
    "zoom_vtt": "Zoom WebVTT: numbered cues, `Name: text` inside cues; long turns are split over "
    "several cues, some continuation cues carry no speaker name.",
    "teams_docx": "Word document in the Microsoft Teams layout: title and date paragraphs, then "
    "for each turn a paragraph `Name   M:SS` followed by the text paragraph.",
    "markdown": "Markdown: a title and a metadata list, then `**Name:** text` paragraphs; extra "
    "paragraphs of a turn follow unlabelled.",
    "teams_vtt": "Microsoft Teams WebVTT: cue identifiers, unpadded timestamps such as "
    "`0:0:0.570`, `<v Name>text</v>` voice tags; long turns split over several cues.",
    "csv_rows": "CSV, one turn per row, columns `speaker,text,timestamp`; timestamps only on some "
    "rows; at least one text field with an embedded newline; UTF-8 with BOM, CRLF rows.",
    "upper_bracket_ts": "Plain text with upper-case labels and an inline timestamp: "
    "`NAME: [00:01:02] text`.",
    "srt": "SubRip subtitles: `Name: text` in every subtitle, subtitle text wrapped over two "
    "lines, long turns split over several subtitles; no final newline.",
    "otter_docx": "Word document in the Otter.ai layout: title paragraph, then for each turn a "
    "paragraph `Name  M:SS` and the text paragraph(s).",
    "drifting_labels": "Plain text whose interviewer label drifts (`Interviewer 1:`, "
    "`Interviewer1:`, ` Interviewer:`); the participant is labelled with the full name first "
    "and with initials (`CM:`) from a given turn on.",
    "stream_vtt": "Stream-style WebVTT: `NOTE` blocks, speaker marked only when it changes "
    "(`>> Name:`), sometimes HTML-escaped (`&gt;&gt; Name:`).",
    "leading_ts": "Plain text, each turn on one line: `00:01:02 Name: text`.",
    "utf16_crlf": "Plain text `Name: text`, encoded UTF-16 (little-endian, with BOM), CRLF line "
    "endings; the file name contains a space.",
}

GENERIC_LABEL = re.compile(r"^\s*(interview(er|ee)|moderator|participant|respondent)\s*\d*\s*$",
                           re.IGNORECASE)
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"'(A-Z0-9])")


# --------------------------------------------------------------------------------------------
# Loading and checking
# --------------------------------------------------------------------------------------------


_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available: much faster


def load_yaml(path: Path):
    with open(path, encoding="utf-8") as fh:
        return yaml.load(fh, Loader=_LOADER)  # a safe loader (C or pure Python)


def load_participants() -> tuple[dict, list]:
    data = load_yaml(HERE / "participants.yaml")
    return {p["id"]: p for p in data["participants"]}, data["interviewers"]


def load_themes() -> list[dict]:
    return load_yaml(HERE / "themes.yaml")["themes"]


def paragraphs(text: str) -> list[str]:
    """Split a turn's text into paragraphs (on newlines), whitespace normalised."""
    return [" ".join(p.split()) for p in str(text).split("\n") if p.strip()]


def norm_text(text: str) -> str:
    """The turn's text as one line (what a reader should produce, whitespace normalised)."""
    return " ".join(paragraphs(text))


def word_count(text: str) -> int:
    return len(str(text).split())


@dataclass
class Turn:
    index: int
    who: str
    stage: str
    themes: list[str]
    paras: list[str]
    labels: list[dict]

    @property
    def text(self) -> str:
        return " ".join(self.paras)


@dataclass
class Interview:
    path: Path
    interview_id: str
    participant: dict
    interviewer: str
    date: str
    label_interviewer: str
    label_participant: str
    alias: str | None
    alias_from: int | None
    pii: list[dict]
    turns: list[Turn] = field(default_factory=list)

    @property
    def keep(self) -> list[str]:
        """Planted PII strings with spaces: renderers never split them across cues or lines."""
        return [p["value"] for p in self.pii if " " in p["value"]]

    def label_for(self, turn: Turn) -> str:
        """The canonical speaker label of a turn (alias merged into the participant's label)."""
        return self.label_interviewer if turn.who == "interviewer" else self.label_participant

    def file_label_for(self, turn: Turn) -> str:
        """The label as written in the file for this turn (alias used from ``alias_from``)."""
        if turn.who == "participant" and self.alias and self.alias_from is not None:
            if turn.index >= self.alias_from:
                return self.alias
        return self.label_for(turn)


def check_interview(path: Path, participants: dict, interviewers: list, theme_ids: set) -> list[str]:
    """Return a list of problems (empty when the file is valid)."""
    errs: list[str] = []
    name = path.name

    def err(msg: str, turn: int | None = None) -> None:
        where = f"{name}: turn {turn}: " if turn is not None else f"{name}: "
        errs.append(where + msg)

    try:
        data = load_yaml(path)
    except yaml.YAMLError as exc:
        return [f"{name}: YAML does not parse: {exc}"]
    if not isinstance(data, dict):
        return [f"{name}: expected a mapping at the top level, got {type(data).__name__}"]

    for key in ["interview_id", "participant", "interviewer", "date", "labels", "pii", "turns"]:
        if key not in data:
            err(f"missing required key '{key}'")
    if errs:
        return errs

    iid = data["interview_id"]
    if iid not in FORMATS:
        err(f"interview_id '{iid}' is not one of {sorted(FORMATS)}")
    if path.stem != iid.split(" ")[0]:
        err(f"file name should be {iid.split(' ')[0]}.yaml for interview_id '{iid}'")
    pid = data["participant"]
    part = participants.get(pid)
    if part is None:
        err(f"participant '{pid}' is not in participants.yaml")
    else:
        if part["interview_id"] != iid:
            err(f"participant {pid} belongs to interview '{part['interview_id']}', not '{iid}'")
        if part["interviewer"] != data["interviewer"]:
            err(f"interviewer should be '{part['interviewer']}' (participants.yaml), "
                f"got '{data['interviewer']}'")
    if data["interviewer"] not in {i["name"] for i in interviewers}:
        err(f"interviewer '{data['interviewer']}' is not one of the study's interviewers")
    try:
        date.fromisoformat(str(data["date"]))
    except ValueError:
        err(f"date '{data['date']}' is not an ISO date (YYYY-MM-DD)")

    labels = data["labels"]
    if not isinstance(labels, dict) or not labels.get("interviewer") or not labels.get("participant"):
        err("labels needs 'interviewer' and 'participant' (the speaker labels as in the file)")
        labels = {"interviewer": "?", "participant": "?"}
    if ("participant_alias" in labels) != ("alias_from_turn" in labels):
        err("labels: participant_alias and alias_from_turn go together")
    for key in labels:
        if key not in {"interviewer", "participant", "participant_alias", "alias_from_turn"}:
            err(f"labels: unknown key '{key}'")
    for key in ("interviewer", "participant", "participant_alias"):
        value = labels.get(key)
        if value is not None and (":" in str(value) or "\n" in str(value)):
            err(f"labels.{key} '{value}' must not contain ':' or a newline")

    turns = data["turns"]
    if not isinstance(turns, list) or not turns:
        err("turns must be a non-empty list")
        return errs

    all_text: list[str] = []
    n_labels = 0
    valences = set()
    stages_seen: set[str] = set()
    questions: dict[str, int] = {s: 0 for s in JOURNEY_STAGES}
    prev_who = None
    for i, t in enumerate(turns):
        if not isinstance(t, dict):
            err("turn must be a mapping with who/stage/text", i)
            continue
        for key in t:
            if key not in {"who", "stage", "themes", "text", "labels"}:
                err(f"unknown key '{key}'", i)
        who = t.get("who")
        if who not in ROLES:
            err(f"who must be interviewer or participant, got {who!r}", i)
        if who == prev_who:
            err(f"two consecutive {who} turns: merge them into one turn (a reader merges them)", i)
        prev_who = who
        stage = t.get("stage")
        if stage not in STAGES:
            err(f"stage {stage!r} is not one of {STAGES}", i)
        else:
            stages_seen.add(stage)
        text = t.get("text")
        if not isinstance(text, str) or not text.strip():
            err("text is missing or empty", i)
            continue
        for bad in ("-->", "\t", "\u2028"):
            if bad in text:
                err(f"text contains {bad!r}, which breaks the subtitle formats", i)
        all_text.append(text)
        paras = paragraphs(text)
        if who == "interviewer" and stage in questions and "?" in text:
            questions[stage] += 1
        if who == "participant" and "themes" not in t:
            err("participant turn needs 'themes' (use [] for small talk)", i)
        themes = t.get("themes") or []
        if not isinstance(themes, list):
            err(f"themes must be a list, got {themes!r}", i)
            themes = []
        for th in themes:
            if th not in theme_ids:
                err(f"unknown theme id '{th}' (see themes.yaml: {sorted(theme_ids)})", i)
        for j, lab in enumerate(t.get("labels") or []):
            if not isinstance(lab, dict) or set(lab) != {"text", "valence", "emotion"}:
                err(f"label {j} must have exactly text, valence, emotion: {lab!r}", i)
                continue
            n_labels += 1
            ltext = " ".join(str(lab["text"]).split())
            if not any(ltext in p for p in paras):
                err(f"label {j} text is not an exact substring of the turn's text: "
                    f"{lab['text']!r}", i)
            if lab["valence"] not in (-1, 0, 1):
                err(f"label {j} valence must be -1, 0 or 1, got {lab['valence']!r}", i)
            else:
                valences.add(lab["valence"])
            if lab["emotion"] not in EMOTIONS:
                err(f"label {j} emotion {lab['emotion']!r} is not one of {EMOTIONS}", i)

    if labels.get("alias_from_turn") is not None:
        k = labels["alias_from_turn"]
        if not isinstance(k, int) or not 0 < k < len(turns):
            err(f"labels.alias_from_turn {k!r} must be a turn index inside the interview")

    words = sum(word_count(x) for x in all_text)
    if not MIN_WORDS <= words <= MAX_WORDS:
        err(f"word count {words} outside {MIN_WORDS}-{MAX_WORDS}")
    missing = [s for s in JOURNEY_STAGES if s not in stages_seen]
    if missing:
        err(f"stages not covered: {missing}")
    few = [s for s, n in questions.items() if n < 2]
    if few:
        err(f"stages with fewer than 2 interviewer questions (turns with '?'): {few}")
    if n_labels < MIN_LABELS:
        err(f"only {n_labels} sentence labels, need at least {MIN_LABELS}")
    if valences and valences != {-1, 0, 1}:
        err(f"labels should cover positive, negative and neutral valence; got {sorted(valences)}")

    haystack = "\n".join(norm_text(x) for x in all_text) + "\n" + "\n".join(
        str(labels.get(k, "")) for k in ("interviewer", "participant", "participant_alias"))
    pii = data["pii"] or []
    non_name = 0
    for j, item in enumerate(pii):
        if not isinstance(item, dict) or set(item) != {"value", "type"}:
            err(f"pii {j} must have exactly value and type: {item!r}")
            continue
        if item["type"] not in PII_TYPES:
            err(f"pii {j} type {item['type']!r} is not one of {PII_TYPES}")
        elif item["type"] != "PERSON":
            non_name += 1
        if " ".join(str(item["value"]).split()) not in haystack:
            err(f"pii {j} value {item['value']!r} does not occur in the interview text or labels")
    if non_name < MIN_NON_NAME_PII:
        err(f"only {non_name} PII strings besides names, need at least {MIN_NON_NAME_PII}")
    return errs


def parse_interview(path: Path, participants: dict) -> Interview:
    data = load_yaml(path)
    labels = data["labels"]
    iv = Interview(
        path=path,
        interview_id=data["interview_id"],
        participant=participants[data["participant"]],
        interviewer=data["interviewer"],
        date=str(data["date"]),
        label_interviewer=labels["interviewer"],
        label_participant=labels["participant"],
        alias=labels.get("participant_alias"),
        alias_from=labels.get("alias_from_turn"),
        pii=[{"value": " ".join(str(p["value"]).split()), "type": p["type"]}
             for p in data["pii"] or []],
    )
    for i, t in enumerate(data["turns"]):
        flat = norm_text(t["text"])
        iv.turns.append(Turn(
            index=i,
            who=t["who"],
            stage=t["stage"],
            themes=list(t.get("themes") or []),
            paras=paragraphs(t["text"]),
            labels=sorted(
                ({"text": " ".join(str(lab["text"]).split()), "valence": lab["valence"],
                  "emotion": lab["emotion"]} for lab in t.get("labels") or []),
                key=lambda lab, flat=flat: flat.find(lab["text"])),
        ))
    return iv


def check_all(paths: list[Path]) -> list[str]:
    participants, interviewers = load_participants()
    theme_ids = {t["id"] for t in load_themes()}
    problems: list[str] = []
    ids: dict[str, Path] = {}
    for path in paths:
        problems += check_interview(path, participants, interviewers, theme_ids)
        try:
            iid = load_yaml(path).get("interview_id")
        except Exception:  # noqa: BLE001 - already reported by check_interview
            continue
        if iid in ids:
            problems.append(f"{path.name}: interview_id '{iid}' also used by {ids[iid].name}")
        ids[iid] = path
    return problems


# --------------------------------------------------------------------------------------------
# Timing
# --------------------------------------------------------------------------------------------


def turn_times(iv: Interview) -> list[tuple[float, float]]:
    """Deterministic start/end seconds per turn from word counts (~2.5 words per second)."""
    seed = int(hashlib.sha1(iv.interview_id.encode()).hexdigest()[:6], 16)
    t = 0.57 + (seed % 300) / 1000.0
    out = []
    for turn in iv.turns:
        words = word_count(turn.text)
        dur = max(1.1, words / WORDS_PER_SECOND + 0.3)
        start, end = round(t, 3), round(t + dur, 3)
        out.append((start, end))
        gap = 0.35 + 0.17 * ((turn.index * 7 + seed) % 5)
        t = end + gap
    return out


GLUE = "\ue000"  # private-use character that joins the words of a protected string


def protect(text: str, keep: list[str]) -> str:
    """Glue the words of each string in ``keep`` so that cue splitting never cuts through it."""
    for value in sorted(keep, key=len, reverse=True):
        if " " in value:
            text = text.replace(value, value.replace(" ", GLUE))
    return text


def split_chunks(text: str, max_words: int = 16, keep: list[str] = ()) -> list[str]:
    """Split text into caption-sized chunks: sentences, long sentences cut every ~max_words.

    Strings in ``keep`` (planted PII such as phone numbers) are never split across chunks.
    """
    text = protect(text, list(keep))
    chunks: list[str] = []
    for sent in SENTENCE_END.split(text):
        words = sent.split()
        if not words:
            continue
        # Merge very short sentences into the previous chunk when it has room.
        if chunks and len(words) <= 4 and len(chunks[-1].split()) + len(words) <= max_words:
            chunks[-1] += " " + sent
            continue
        n = max(1, -(-len(words) // max_words))
        size = -(-len(words) // n)
        for k in range(0, len(words), size):
            chunks.append(" ".join(words[k:k + size]))
    return [c.replace(GLUE, " ") for c in chunks]


def chunk_times(start: float, end: float, chunks: list[str]) -> list[tuple[float, float]]:
    total = sum(word_count(c) for c in chunks) or 1
    out, t = [], start
    for c in chunks:
        d = (end - start) * word_count(c) / total
        out.append((round(t, 3), round(t + d, 3)))
        t += d
    return out


def hms(seconds: float, sep: str = ".", ms: bool = True) -> str:
    total_ms = int(round(seconds * 1000))
    h, rem = divmod(total_ms, 3_600_000)
    m, rem = divmod(rem, 60_000)
    s, milli = divmod(rem, 1000)
    base = f"{h:02d}:{m:02d}:{s:02d}"
    return f"{base}{sep}{milli:03d}" if ms else base


def teams_ts(seconds: float) -> str:
    total_ms = int(round(seconds * 1000))
    h, rem = divmod(total_ms, 3_600_000)
    m, rem = divmod(rem, 60_000)
    s, milli = divmod(rem, 1000)
    return f"{h}:{m}:{s}.{milli:03d}"


def otter_ts(seconds: float) -> str:
    s = int(seconds)
    h, rem = divmod(s, 3600)
    m, sec = divmod(rem, 60)
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m}:{sec:02d}"


def wrap_two_lines(text: str, width: int = 42, keep: list[str] = ()) -> str:
    """Wrap subtitle text onto at most two lines, near the middle when it is long."""
    if len(text) <= width:
        return text
    words = [w.replace(GLUE, " ") for w in protect(text, list(keep)).split()]
    best, best_diff = 1, None
    for k in range(1, len(words)):
        a, b = " ".join(words[:k]), " ".join(words[k:])
        diff = abs(len(a) - len(b))
        if best_diff is None or diff < best_diff:
            best, best_diff = k, diff
    return " ".join(words[:best]) + "\n" + " ".join(words[best:])


def stable_hex(*parts: str, n: int = 8) -> str:
    return hashlib.sha1("|".join(parts).encode()).hexdigest()[:n]


# --------------------------------------------------------------------------------------------
# Renderers (each returns bytes)
# --------------------------------------------------------------------------------------------


def render_plain_name(iv: Interview) -> bytes:
    lines = []
    for turn in iv.turns:
        lines.append(f"{iv.file_label_for(turn)}: {turn.paras[0]}")
        lines.extend(turn.paras[1:])
        lines.append("")
    return "\n".join(lines).encode("utf-8")


def theme_keywords(iv: Interview) -> str:
    counts: dict[str, int] = {}
    for turn in iv.turns:
        for th in turn.themes:
            counts[th] = counts.get(th, 0) + 1
    words = {
        "easy_signup": "offer", "delivery_updates": "delivery", "ingredient_freshness": "ingredients",
        "recipe_quality": "recipes", "app_usability": "app", "helpful_staff": "cratecare",
        "billing_surprises": "price", "packaging_waste": "packaging",
        "cancellation_difficulty": "cancel",
    }
    ordered = sorted(counts, key=lambda k: (-counts[k], k))
    kws = ["box", "week"] + [words[k] for k in ordered] + ["greencrate", "meals"]
    return ", ".join(dict.fromkeys(kws))


def render_otter_txt(iv: Interview) -> bytes:
    times = turn_times(iv)
    out = ["", "", "SUMMARY KEYWORDS", theme_keywords(iv), "", "SPEAKERS",
           f"{iv.label_interviewer}, {iv.label_participant}", "", ""]
    for turn, (start, _end) in zip(iv.turns, times):
        out.append(f"{iv.file_label_for(turn)}  {otter_ts(start)}")
        out.extend(turn.paras)
        out.append("")
    out.append("")
    out.append("Transcribed by https://otter.ai")
    return ("\n".join(out) + "\n").encode("utf-8")


def vtt_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def render_zoom_vtt(iv: Interview) -> bytes:
    times = turn_times(iv)
    out = ["WEBVTT", ""]
    n = 0
    for turn, (start, end) in zip(iv.turns, times):
        chunks = split_chunks(turn.text, keep=iv.keep)
        for k, (chunk, (a, b)) in enumerate(zip(chunks, chunk_times(start, end, chunks))):
            n += 1
            label = iv.file_label_for(turn)
            # Zoom repeats the name on most cues; some continuation cues have none.
            text = vtt_escape(chunk) if (k % 3 == 2) else f"{label}: {vtt_escape(chunk)}"
            out += [str(n), f"{hms(a)} --> {hms(b)}", text, ""]
    return "\n".join(out).encode("utf-8")


def render_teams_vtt(iv: Interview) -> bytes:
    times = turn_times(iv)
    out = ["WEBVTT", ""]
    for ti, (turn, (start, end)) in enumerate(zip(iv.turns, times)):
        chunks = split_chunks(turn.text, max_words=20, keep=iv.keep)
        uid = stable_hex(iv.interview_id, str(ti), n=32)
        uid = f"{uid[:8]}-{uid[8:12]}-{uid[12:16]}-{uid[16:20]}-{uid[20:]}"
        for k, (chunk, (a, b)) in enumerate(zip(chunks, chunk_times(start, end, chunks))):
            label = iv.file_label_for(turn)
            out += [f"{uid}/{ti * 7 + 11}-{k}", f"{teams_ts(a)} --> {teams_ts(b)}",
                    f"<v {label}>{vtt_escape(chunk)}</v>", ""]
    return "\n".join(out).encode("utf-8")


def render_stream_vtt(iv: Interview) -> bytes:
    times = turn_times(iv)
    total = times[-1][1] if times else 0.0
    out = ["WEBVTT", "",
           "NOTE", "This transcript was generated automatically. It may contain errors.", "",
           f'NOTE duration:"{hms(total)}0000"', "",
           "NOTE language:en-gb", "",
           "NOTE Confidence: 0.9021837", ""]
    prev = None
    changes = 0
    for ti, (turn, (start, end)) in enumerate(zip(iv.turns, times)):
        chunks = split_chunks(turn.text, max_words=18, keep=iv.keep)
        label = iv.file_label_for(turn)
        for k, (chunk, (a, b)) in enumerate(zip(chunks, chunk_times(start, end, chunks))):
            text = vtt_escape(chunk)
            if k == 0 and label != prev:
                changes += 1
                marker = "&gt;&gt;" if changes % 4 == 3 else ">>"
                text = f"{marker} {label}: {text}"
            if ti and ti % 9 == 0 and k == 0:
                conf = 800000 + int(stable_hex(iv.interview_id, str(ti), n=6), 16) % 190000
                out += [f"NOTE Confidence: 0.{conf}", ""]
            out += [stable_hex(iv.interview_id, str(ti), str(k), n=8) + f"-{ti}-{k}",
                    f"{hms(a)} --> {hms(b)}", text, ""]
        prev = label
    return "\n".join(out).encode("utf-8")


def render_srt(iv: Interview) -> bytes:
    times = turn_times(iv)
    blocks = []
    n = 0
    for turn, (start, end) in zip(iv.turns, times):
        chunks = split_chunks(turn.text, max_words=14, keep=iv.keep)
        for chunk, (a, b) in zip(chunks, chunk_times(start, end, chunks)):
            n += 1
            text = wrap_two_lines(f"{iv.file_label_for(turn)}: {chunk}", keep=iv.keep)
            blocks.append(f"{n}\n{hms(a, ',')} --> {hms(b, ',')}\n{text}")
    return "\n\n".join(blocks).encode("utf-8")  # no final newline, as many tools write it


def render_markdown(iv: Interview) -> bytes:
    p = iv.participant
    out = [f"# GreenCrate customer interview {iv.interview_id}", "",
           f"- Date: {iv.date}", f"- Interviewer: {iv.interviewer}",
           f"- Participant: {p['id']} ({p['plan']}, {p['region']})", "", "## Transcript", ""]
    for turn in iv.turns:
        out.append(f"**{iv.file_label_for(turn)}:** {turn.paras[0]}")
        out.append("")
        for para in turn.paras[1:]:
            out += [para, ""]
    return "\n".join(out).encode("utf-8")


def render_csv_rows(iv: Interview) -> bytes:
    times = turn_times(iv)
    # Guarantee at least one field with an embedded newline: break the longest one-paragraph
    # participant turn at a sentence boundary near its middle.
    paras = {t.index: list(t.paras) for t in iv.turns}
    if not any(len(p) > 1 for p in paras.values()):
        longest = max((t for t in iv.turns if t.who == "participant"),
                      key=lambda t: word_count(t.text))
        sents = SENTENCE_END.split(longest.text)
        if len(sents) > 1:
            mid = len(sents) // 2
            paras[longest.index] = [" ".join(sents[:mid]), " ".join(sents[mid:])]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(["speaker", "text", "timestamp"])
    for turn, (start, _end) in zip(iv.turns, times):
        stamp = hms(start, ms=False) if turn.index % 4 == 0 else ""
        writer.writerow([iv.file_label_for(turn), "\n".join(paras[turn.index]), stamp])
    return b"\xef\xbb\xbf" + buf.getvalue().encode("utf-8")


def render_upper_bracket_ts(iv: Interview) -> bytes:
    times = turn_times(iv)
    out = []
    for turn, (start, _end) in zip(iv.turns, times):
        out.append(f"{iv.file_label_for(turn)}: [{hms(start, ms=False)}] {turn.paras[0]}")
        out.extend(turn.paras[1:])
        out.append("")
    return "\n".join(out).encode("utf-8")


def render_drifting_labels(iv: Interview) -> bytes:
    out = []
    q = 0
    for turn in iv.turns:
        label = iv.file_label_for(turn)
        if turn.who == "interviewer":
            q += 1
            if q % 7 == 5:
                label = " " + re.sub(r"\s*\d+$", "", label)
            elif q % 4 == 3:
                label = label.replace(" ", "")
        out.append(f"{label}: {turn.paras[0]}")
        out.extend(turn.paras[1:])
        out.append("")
    return "\n".join(out).encode("utf-8")


def render_leading_ts(iv: Interview) -> bytes:
    times = turn_times(iv)
    out = []
    for turn, (start, _end) in zip(iv.turns, times):
        out.append(f"{hms(start, ms=False)} {iv.file_label_for(turn)}: {turn.text}")
    return ("\n".join(out) + "\n").encode("utf-8")


def render_utf16_crlf(iv: Interview) -> bytes:
    lines = []
    for turn in iv.turns:
        lines.append(f"{iv.file_label_for(turn)}: {turn.paras[0]}")
        lines.extend(turn.paras[1:])
        lines.append("")
    return b"\xff\xfe" + "\r\n".join(lines).encode("utf-16-le")


def _docx_bytes(iv: Interview, header: list[str], label_line) -> bytes:
    import docx  # python-docx
    from docx.shared import Pt

    doc = docx.Document()
    cp = doc.core_properties
    when = datetime.fromisoformat(iv.date + "T10:00:00")
    cp.author = "cxinsight sample study"
    cp.last_modified_by = "cxinsight sample study"
    cp.title = f"GreenCrate interview {iv.interview_id}"
    cp.created = when
    cp.modified = when
    cp.revision = 1
    for k, line in enumerate(header):
        para = doc.add_paragraph(line)
        if k == 0:
            para.runs[0].bold = True
            para.runs[0].font.size = Pt(14)
    times = turn_times(iv)
    for turn, (start, _end) in zip(iv.turns, times):
        head = doc.add_paragraph()
        run = head.add_run(label_line(iv.file_label_for(turn), start))
        run.font.size = Pt(9)
        for para in turn.paras:
            doc.add_paragraph(para)
    raw = io.BytesIO()
    doc.save(raw)
    return _normalise_zip(raw.getvalue())


def _normalise_zip(data: bytes) -> bytes:
    """Rewrite a zip with fixed timestamps and order so DOCX output is byte-stable."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        names = src.namelist()
        first = [n for n in names if n == "[Content_Types].xml"]
        for name in first + sorted(n for n in names if n not in first):
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            dst.writestr(info, src.read(name))
    return out.getvalue()


def render_teams_docx(iv: Interview) -> bytes:
    d = date.fromisoformat(iv.date)
    times = turn_times(iv)
    total = int(times[-1][1])
    header = [f"GreenCrate customer interview ({iv.interview_id})",
              f"{d.strftime('%B')} {d.day}, {d.year}, 10:02AM",
              f"{total // 60}m {total % 60}s"]
    return _docx_bytes(iv, header, lambda label, t: f"{label}   {otter_ts(t)}")


def render_otter_docx(iv: Interview) -> bytes:
    header = [f"GreenCrate interview {iv.interview_id}"]
    return _docx_bytes(iv, header, lambda label, t: f"{label}  {otter_ts(t)}")


RENDERERS = {
    "plain_name": render_plain_name,
    "otter_txt": render_otter_txt,
    "zoom_vtt": render_zoom_vtt,
    "teams_docx": render_teams_docx,
    "markdown": render_markdown,
    "teams_vtt": render_teams_vtt,
    "csv_rows": render_csv_rows,
    "upper_bracket_ts": render_upper_bracket_ts,
    "srt": render_srt,
    "otter_docx": render_otter_docx,
    "drifting_labels": render_drifting_labels,
    "stream_vtt": render_stream_vtt,
    "leading_ts": render_leading_ts,
    "utf16_crlf": render_utf16_crlf,
}


# --------------------------------------------------------------------------------------------
# Manifest, ground truth, README
# --------------------------------------------------------------------------------------------


def csv_bytes(header: list[str], rows: list[list]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8")


def manifest_rows(interviews: list[Interview]) -> list[list]:
    rows = []
    for iv in interviews:
        p = iv.participant
        rows.append([iv.interview_id, p["id"], p["name"], p["segment"], p["plan"], p["nps"],
                     p["nps_group"], p["region"], p["tenure_months"], iv.date, iv.interviewer])
    return rows


MANIFEST_HEADER = ["interview_id", "participant_id", "participant_name", "segment", "plan", "nps",
                   "nps_group", "region", "tenure_months", "interview_date", "interviewer"]


def pii_rows(iv: Interview) -> list[list]:
    rows: list[list] = []
    seen = set()

    def add(kind: str, value: str) -> None:
        if value and (kind, value) not in seen:
            seen.add((kind, value))
            rows.append([iv.interview_id, kind, value])

    for label in (iv.label_interviewer, iv.label_participant, iv.alias):
        if label and not GENERIC_LABEL.match(label):
            add("PERSON", label)
    add("PERSON", iv.participant["name"])
    add("PERSON", iv.interviewer)
    for item in iv.pii:
        add(item["type"], item["value"])
    # Parts of the speakers' names used on their own in the text ("Thanks, Aisha"), also in
    # lower case and possessive form, are planted PII too even when the YAML forgot them.
    text = " ".join(t.text for t in iv.turns)
    for full in (iv.participant["name"], iv.interviewer):
        for part in full.split():
            for form in (part, part.lower(), part + "'s"):
                if re.search(r"(?<![\w'])" + re.escape(form) + r"(?![\w'])", text):
                    add("PERSON", form)
    return rows


def story_figures(interviews: list[Interview]) -> str:
    """Markdown tables measured on the ground truth: label valence by stage, theme mentions."""
    groups = {"segment": ["family", "professional", "retiree"],
              "nps_group": ["promoter", "passive", "detractor"]}
    val: dict[tuple[str, str], list[int]] = {}
    mentions: dict[tuple[str, str], list[str]] = {}
    for iv in interviews:
        for turn in iv.turns:
            for lab in turn.labels:
                for key in ("all", iv.participant["segment"]):
                    val.setdefault((key, turn.stage), []).append(lab["valence"])
            for th in turn.themes:
                for key in ("segment", "nps_group"):
                    mentions.setdefault((th, iv.participant[key]), []).append(iv.interview_id)
    lines = ["## Measured on the ground truth", "",
             "Mean valence of the labelled sentences (segments.csv) by the stage of their turn "
             "(n = number of labels):", "",
             "| stage | all | " + " | ".join(groups["segment"]) + " |",
             "|---|---|" + "---|" * len(groups["segment"])]
    for stage in JOURNEY_STAGES:
        cells = []
        for key in ["all"] + groups["segment"]:
            v = val.get((key, stage), [])
            cells.append(f"{sum(v) / len(v):+.2f} (n={len(v)})" if v else "-")
        lines.append(f"| {stage} | " + " | ".join(cells) + " |")
    for key, names in groups.items():
        sizes = {n: sum(iv.participant[key] == n for iv in interviews) for n in names}
        lines += ["", f"Theme mentions by {key}: participant turns tagged with the theme per "
                  "interview (mean), and in brackets how many interviews mention it at all:", "",
                  "| theme | " + " | ".join(f"{n} ({sizes[n]} interviews)" for n in names) + " |",
                  "|---|" + "---|" * len(names)]
        for th in load_themes():
            cells = []
            for n in names:
                hits = mentions.get((th["id"], n), [])
                cells.append(f"{len(hits) / sizes[n]:.1f} ({len(set(hits))})" if sizes[n] else "-")
            lines.append(f"| {th['id']} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def story_md(interviews: list[Interview]) -> str:
    return STORY + "\n" + story_figures(interviews)


STORY = """# Expected findings (the planted story)

The interviews were written to contain this story. An analysis of the sample study should find
it; the ground-truth files in this folder let tests check that it does.

## Journey emotion curve (all participants)

| stage | expected feeling | why |
|---|---|---|
| discovery | positive | curiosity, recommendations, ads that looked good |
| consideration | positive | comparing kits, liking the menus and the intro offer |
| purchase | **high** | easy sign-up, half-price first box / intro offer (`easy_signup`) |
| onboarding | **low** | first box late, no tracking, missing or wilted items (`delivery_updates`, `ingredient_freshness`) |
| everyday_use | recovering, positive | recipes loved (`recipe_quality`); mild complaints about packaging and the app |
| support | positive | CrateCare staff sort things out (`helpful_staff`), despite the problem that made people call |
| renewal | **lowest** | price rises after the offer, charges for skipped weeks, hard to pause or cancel (`billing_surprises`, `cancellation_difficulty`) |

## Segments

- **family** households love the recipes: `recipe_quality` is their strongest positive theme and
  everyday_use is clearly their high point.
- **professional** participants (young professionals, out at work) are the most negative about
  `delivery_updates`: they cannot be at home, and there is no tracking.
- **retiree** participants struggle with the GreenCrate app (`app_usability`, strongly
  negative) but are the most positive about `helpful_staff` (phone support).

## NPS groups

- Detractors raise `billing_surprises` and `cancellation_difficulty` far more often than
  promoters: all 5 detractors mention billing surprises; at most 1 promoter does.
- Promoters dwell on recipes, the easy sign-up and helpful staff.
"""


def readme_md(interviews: list[Interview], themes: list[dict], counts: dict) -> str:
    lines = [
        "# GreenCrate sample study",
        "",
        "A realistic, **fictional** customer-interview study used by the cxinsight notebooks, demo",
        "and tests. GreenCrate is an invented meal-kit subscription (weekly boxes of recipes and",
        "ingredients) with customers in the UK, Ireland and the US; its plans are *Family Crate*,",
        "*Solo Crate* and *Crate Plus*, its support team is *CrateCare* and it has the",
        "*GreenCrate app*. These brand and product words are not personal data and must never be",
        "anonymised.",
        "",
        "Research question: *where in the customer journey do customers feel good or bad, why, and",
        "how does this differ by segment and NPS group?*",
        "",
        f"- {counts['interviews']} semi-structured interviews, {counts['words']:,} words, "
        f"{counts['turns']} speaker turns",
        f"- {counts['segments']} sentence-level emotion labels, {counts['pii']} planted PII strings",
        "- three segments (family, professional, retiree), NPS 0-10 with promoter / passive /",
        "  detractor groups, three interviewers",
        "",
        "Each interviewer follows the journey in order: discovery, consideration, purchase,",
        "onboarding (first box and delivery), everyday use, support, renewal (renewing, pausing,",
        "cancelling or leaving).",
        "",
        "**Do not edit these files by hand.** They are rendered from the YAML source in",
        "`tools/sample_study/` by `python tools/sample_study/render.py`, and",
        "`tests/test_sample_study.py` fails when the rendered files differ from the source.",
        "",
        "## Files and their formats",
        "",
        "The transcripts use the formats researchers really receive (file name = `interview_id`",
        "plus extension).",
        "",
        "| file | format | participant | segment | NPS |",
        "|---|---|---|---|---|",
    ]
    for iv in interviews:
        kind, ext = FORMATS[iv.interview_id]
        p = iv.participant
        lines.append(f"| `{iv.interview_id}{ext}` | {FORMAT_DESCRIPTIONS[kind]} | {p['id']} | "
                     f"{p['segment']} | {p['nps']} ({p['nps_group']}) |")
    lines += [
        "",
        "Timestamps are synthetic (about 2.5 words per second) and deterministic.",
        "",
        "## manifest.csv",
        "",
        "One row per interview (UTF-8, comma-separated):",
        "",
        "| column | meaning |",
        "|---|---|",
        "| interview_id | file name without extension (`int14 final` contains a space) |",
        "| participant_id | P01 to P14 |",
        "| participant_name | the participant's full name (personal data) |",
        "| segment | family, professional or retiree |",
        "| plan | Family Crate, Solo Crate or Crate Plus |",
        "| nps | likelihood to recommend, 0-10 |",
        "| nps_group | promoter (9-10), passive (7-8), detractor (0-6) |",
        "| region | city and country |",
        "| tenure_months | months as a customer |",
        "| interview_date | ISO date of the interview |",
        "| interviewer | the interviewer's full name (personal data) |",
        "",
        "## Ground truth: `_ground_truth/`",
        "",
        "All files are UTF-8 CSV with a header row (Markdown for the story). Texts are whitespace",
        "normalised: compare after collapsing runs of whitespace to one space, because formats",
        "that split turns into cues or paragraphs join them back with a space.",
        "",
        "### turns.csv: one row per speaker turn, as a reader should produce it",
        "",
        "| column | meaning |",
        "|---|---|",
        "| interview_id | as in the manifest |",
        "| turn | 0-based turn index within the interview (consecutive cues or subtitles of one "
        "speaker form one turn) |",
        "| speaker | the canonical speaker label as written in the file (upper case in `int08`; "
        "`Interviewer 1` in `int11`, whose drifting variants `Interviewer1` and `Interviewer` "
        "are the same person; in `int11` the alias `CM` is merged into `Chloe Martin`) |",
        "| role | `interviewer` or `participant` |",
        "| stage | journey stage the turn is about: none, discovery, consideration, purchase, "
        "onboarding, everyday_use, support, renewal (interviewer turns have one too) |",
        "| themes | planted theme ids joined with `;` (empty for none; interviewer turns are "
        "empty) |",
        "| text | the turn's text, whitespace normalised, HTML entities decoded |",
        "",
        "### segments.csv: sentence-level emotion labels",
        "",
        "| column | meaning |",
        "|---|---|",
        "| interview_id, turn | the turn the sentence belongs to (joins turns.csv) |",
        "| text | the labelled sentence, an exact substring of the turn's text |",
        "| valence | -1 negative, 0 neutral, 1 positive |",
        "| emotion | one of " + ", ".join(EMOTIONS) + " |",
        "",
        "### pii.csv: every planted personal-data string",
        "",
        "| column | meaning |",
        "|---|---|",
        "| interview_id | the interview whose file contains it (names also occur in "
        "manifest.csv) |",
        "| type | " + ", ".join(PII_TYPES) + " |",
        "| value | the exact string as it occurs (speaker labels included; lower-case and "
        "possessive forms are listed where they were planted) |",
        "",
        "A correct anonymisation leaves none of these values in any output (case-sensitive match",
        "of the listed strings; word boundaries for short labels such as `CM`).",
        "",
        "### themes.csv",
        "",
        "`theme, label, description`: the planted themes:",
        "",
        "| theme | label |",
        "|---|---|",
    ]
    for th in themes:
        lines.append(f"| {th['id']} | {th['label']} |")
    lines += [
        "",
        "### story.md",
        "",
        "The expected findings (journey curve, segment and NPS differences), summarised below.",
        "",
    ]
    story = story_md(interviews).split("\n", 2)[2].strip("\n")
    lines += [("##" + line) if line.startswith("#") else line for line in story.split("\n")]
    lines += [
        "",
        "## Changing the study",
        "",
        "Edit the YAML source (`tools/sample_study/interviews/intNN.yaml`, `participants.yaml`,",
        "`themes.yaml`), then run `python tools/sample_study/render.py --check` (validates every",
        "interview: keys, stage and theme ids, labels that are exact substrings of their turn,",
        "planted PII present, 1,500-4,000 words, all seven stages, at least 11 labels) and",
        "`python tools/sample_study/render.py` (rewrites this folder), and commit both.",
        "",
        "## Licence and provenance",
        "",
        "All people, companies, addresses, phone numbers, order and card numbers in this folder are",
        "fictional and were written by the cxinsight developers; any resemblance to real people is",
        "coincidental. Phone numbers use ranges reserved for drama where they exist. The data is",
        "released under the same licence as the project, Apache-2.0.",
        "",
    ]
    return "\n".join(lines)


def render_all(out: Path, paths: list[Path]) -> dict:
    participants, _ = load_participants()
    themes = load_themes()
    interviews = sorted((parse_interview(p, participants) for p in paths),
                        key=lambda iv: iv.interview_id)
    files: dict[str, bytes] = {}
    turns_rows, seg_rows, pii_all = [], [], []
    words = 0
    for iv in interviews:
        kind, ext = FORMATS[iv.interview_id]
        files[iv.interview_id + ext] = RENDERERS[kind](iv)
        for turn in iv.turns:
            words += word_count(turn.text)
            turns_rows.append([iv.interview_id, turn.index, iv.label_for(turn), turn.who,
                               turn.stage, ";".join(turn.themes), turn.text])
            for lab in turn.labels:
                seg_rows.append([iv.interview_id, turn.index, lab["text"], lab["valence"],
                                 lab["emotion"]])
        pii_all += pii_rows(iv)
    files["manifest.csv"] = csv_bytes(MANIFEST_HEADER, manifest_rows(interviews))
    gt = "_ground_truth/"
    files[gt + "turns.csv"] = csv_bytes(
        ["interview_id", "turn", "speaker", "role", "stage", "themes", "text"], turns_rows)
    files[gt + "segments.csv"] = csv_bytes(
        ["interview_id", "turn", "text", "valence", "emotion"], seg_rows)
    files[gt + "pii.csv"] = csv_bytes(["interview_id", "type", "value"], pii_all)
    files[gt + "themes.csv"] = csv_bytes(
        ["theme", "label", "description"], [[t["id"], t["label"], t["description"]] for t in themes])
    files[gt + "story.md"] = story_md(interviews).encode("utf-8")
    counts = {"interviews": len(interviews), "words": words, "turns": len(turns_rows),
              "segments": len(seg_rows), "pii": len(pii_all)}
    files["README.md"] = readme_md(interviews, themes, counts).encode("utf-8")

    if out.exists():
        shutil.rmtree(out)
    for rel, data in sorted(files.items()):
        target = out / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return counts


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="only validate the interview YAML files")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder (rewritten)")
    ap.add_argument("files", nargs="*", type=Path, help="interview YAML files (default: all)")
    args = ap.parse_args(argv)
    paths = args.files or sorted(INTERVIEW_DIR.glob("*.yaml"))
    if not paths:
        print(f"no interview YAML files in {INTERVIEW_DIR}", file=sys.stderr)
        return 1
    problems = check_all(paths)
    for line in problems:
        print(line, file=sys.stderr)
    if problems:
        print(f"{len(problems)} problem(s) in {len(paths)} file(s)", file=sys.stderr)
        return 1
    if args.check:
        print(f"ok: {len(paths)} interview file(s) valid")
        return 0
    counts = render_all(args.out, paths)
    print(f"rendered {counts['interviews']} interviews, {counts['turns']} turns, "
          f"{counts['segments']} labelled segments, {counts['pii']} PII rows -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
