"""``cxinsight.read``: one file or a whole folder of transcripts into one :class:`Corpus`.

The reader for each file is chosen from its extension *and* its content (a ``.txt`` that is
really WebVTT, an Otter.ai export saved as ``.txt``). Every reader yields utterances; this
module then does the same for every format: tidy and merge speaker labels, join consecutive
utterances of one speaker into turns, assign roles, attach the manifest, and record what was
read, skipped and merged in ``corpus.meta``.
"""

from __future__ import annotations

import math
import warnings
from collections import Counter
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import Any

import pandas as pd

from cxinsight.corpus import ROLES, TURN_COLUMNS, Corpus, empty_turns
from cxinsight.errors import CxInsightWarning, InputError, OptionError, TranscriptFormatError
from cxinsight.ingest.base import Document, Utterance, count_words, label_key
from cxinsight.ingest.encoding import decode_with_confidence
from cxinsight.ingest.limits import DEFAULT_LIMITS, check_regular, read_bytes
from cxinsight.ingest.manifest import (
    INTERVIEWER_COLUMNS,
    PARTICIPANT_COLUMNS,
    find_manifest,
    load_manifest,
    match_manifest,
)
from cxinsight.ingest.report import FILE_COLUMNS, file_row, red_flags
from cxinsight.ingest.roles import (
    GENERIC_LABEL,
    assign_roles,
    assume_participants,
    canonical_labels,
    load_roles,
    merge_aliases,
)
from cxinsight.ingest.walk import Entry, display_name, walk

__all__ = ["read", "read_file", "FORMATS", "EXTENSIONS"]

#: File extensions read, and the reader family used for each.
EXTENSIONS = {
    ".txt": "text",
    ".text": "text",
    ".md": "markdown",
    ".markdown": "markdown",
    ".vtt": "vtt",
    ".srt": "srt",
    ".docx": "docx",
    ".csv": "csv",
    ".tsv": "csv",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
}
#: Values accepted by ``format=``.
FORMATS = ("text", "markdown", "otter", "vtt", "srt", "docx", "csv", "xlsx", "survey", "json", "jsonl")
_CONVERT_HINTS = {
    ".doc": "save it as .docx (Word: File > Save As > Word Document)",
    ".rtf": "save it as .docx or .txt",
    ".pdf": "export the transcript as .txt or .docx from the tool that made it",
    ".xls": "save it as .xlsx",
}
_OPTIONS = {
    "roles": None,
    "aliases": None,
    "merge_aliases": True,
    "format": None,
    "encoding": None,
    "pause": 2.0,
    "errors": "skip",
    "speaker_column": None,
    "text_column": None,
    "start_column": None,
    "end_column": None,
    "interview_column": None,
    "sheet": 0,
    "text_columns": None,
    "id_column": None,
    "max_bytes": DEFAULT_LIMITS["max_bytes"],
    "max_unzipped_bytes": DEFAULT_LIMITS["max_unzipped_bytes"],
    "max_zip_ratio": DEFAULT_LIMITS["max_zip_ratio"],
}


def _check_options(options: Mapping[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(options) - set(_OPTIONS))
    if unknown:
        raise OptionError(
            f"read() got unknown option(s) {unknown}; valid options are {sorted(_OPTIONS)}."
        )
    opts = {**_OPTIONS, **options}
    if opts["format"] is not None and opts["format"] not in FORMATS:
        raise InputError(f"format={opts['format']!r} is not known; use one of {list(FORMATS)}.")
    if opts["errors"] not in ("skip", "raise"):
        raise InputError(f"errors={opts['errors']!r}: use 'skip' (warn and go on) or 'raise'.")
    if opts["roles"] is not None:
        if isinstance(opts["roles"], (str, Path)):
            opts["roles"] = load_roles(opts["roles"])
        if not isinstance(opts["roles"], Mapping):
            raise OptionError(
                'roles must be a dict such as {"Jane Doe": "interviewer"} or '
                '{"int03": {"Speaker 1": "interviewer"}}, or the path of a CSV/YAML roles file.'
            )
        flat = {}
        for k, v in opts["roles"].items():
            if isinstance(v, Mapping):  # {interview_id: {speaker: role}}
                flat.update({f"{k}/{kk}": vv for kk, vv in v.items()})
            else:
                flat[k] = v
        flat = {k: (v.casefold() if isinstance(v, str) else v) for k, v in flat.items()}
        opts["roles"] = {
            k: ({kk: (vv.casefold() if isinstance(vv, str) else vv) for kk, vv in v.items()} if isinstance(v, Mapping)
                else (v.casefold() if isinstance(v, str) else v))
            for k, v in opts["roles"].items()
        }
        bad = {k: v for k, v in flat.items() if v not in ROLES}
        if bad:
            raise InputError(f"roles has values {sorted(set(bad.values()))}; allowed roles are {list(ROLES)}.")
    if opts["aliases"] is not None and not isinstance(opts["aliases"], Mapping):
        raise OptionError('aliases must be a dict such as {"JD": "Jane Doe"}.')
    try:
        opts["pause"] = float(opts["pause"])
    except (TypeError, ValueError) as err:
        raise OptionError("pause must be a number of seconds, e.g. pause=2.0.") from err
    if opts["text_columns"] is not None:
        if isinstance(opts["text_columns"], str):
            opts["text_columns"] = [opts["text_columns"]]
        opts["text_columns"] = list(opts["text_columns"])
        if not opts["text_columns"]:
            raise InputError("text_columns is empty; name the free-text answer columns to read.")
    for k in ("max_bytes", "max_unzipped_bytes", "max_zip_ratio"):
        try:
            opts[k] = float(opts[k]) if k == "max_zip_ratio" else int(opts[k])
        except (TypeError, ValueError) as err:
            raise OptionError(f"{k} must be a number, got {opts[k]!r}.") from err
        if opts[k] <= 0:
            raise InputError(f"{k} must be positive, got {opts[k]!r}.")
    return opts


# ---------------------------------------------------------------------------- one file
def _sniff_text_family(text: str, suffix: str) -> str:
    from cxinsight.ingest.srt import is_srt
    from cxinsight.ingest.vtt import is_vtt

    if is_vtt(text) or suffix == ".vtt":
        return "vtt"  # a .vtt without header raises a helpful error
    if is_srt(text) or suffix == ".srt":
        return "srt"
    return "markdown" if suffix in (".md", ".markdown") else "text"


def read_file(path: str | Path, **options: Any) -> tuple[list[Document], str | None]:
    """Parse one transcript file into documents (one per interview; several for surveys).

    Parameters
    ----------
    path : str or Path
        The file; opened read-only.
    **options
        The options of :func:`cxinsight.read`.

    Returns
    -------
    documents : list of Document
    encoding : str or None
        The text encoding used (``None`` for DOCX/XLSX).

    Raises
    ------
    TranscriptFormatError
        When the file cannot be parsed.
    """
    opts = _check_options(options)
    path = Path(path)
    suffix = path.suffix.lower()
    forced = opts["format"]
    if forced == "survey" and EXTENSIONS.get(suffix) not in (None, "csv", "xlsx"):
        # format="survey" on a folder applies to its tables; transcripts beside them are read as usual
        forced = None
        opts = {**opts, "format": None}
    family = forced or EXTENSIONS.get(suffix)
    if opts["text_columns"] is not None and family in ("csv", "xlsx", None) and suffix in (".csv", ".tsv", ".xlsx", ".xlsm"):
        family = "survey"
    if family is None:
        hint = _CONVERT_HINTS.get(suffix, "pass format='text' (or 'vtt', 'srt', ...) if it is a transcript")
        raise TranscriptFormatError(
            f"'{suffix or 'no extension'}' is not a transcript format cxinsight reads; {hint}. "
            f"Supported: {', '.join(sorted(EXTENSIONS))}.",
            path,
        )
    if family == "docx":
        from cxinsight.ingest.docx import parse_docx

        return [parse_docx(path, opts)], None
    if family in ("csv", "xlsx", "survey"):
        from cxinsight.ingest.tabular import read_table

        check_regular(path)
        return read_table(path, opts)
    data = read_bytes(path, opts["max_bytes"])
    if not data.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
        raise TranscriptFormatError("the file is empty.", path)
    text, encoding, confidence = decode_with_confidence(data, encoding=opts["encoding"], path=path)
    docs = _parse_text_family(text, path, suffix, family, forced)
    docs[0].info["encoding_confidence"] = confidence
    docs[0].info.setdefault("words_raw", count_words(text) - (1 if docs[0].format.startswith("vtt") else 0))
    return docs, encoding


def _parse_text_family(text: str, path: Path, suffix: str, family: str, forced: str | None) -> list[Document]:
    if family in ("json", "jsonl"):
        from cxinsight.ingest.chat import parse_chat

        return parse_chat(text, path=path, lines=family == "jsonl")
    if not forced or forced in ("text", "markdown"):
        sniffed = _sniff_text_family(text, suffix)
        if not forced or sniffed in ("vtt", "srt"):
            family = sniffed
    if family == "vtt":
        from cxinsight.ingest.vtt import parse_vtt

        return [parse_vtt(text, path=path)]
    if family == "srt":
        from cxinsight.ingest.srt import parse_srt

        return [parse_srt(text, path=path)]
    from cxinsight.ingest.text import parse_text

    return [parse_text(text, path=path, markdown=family == "markdown")]


# ---------------------------------------------------------------------------- turns
def _nan(x: float | None) -> float:
    return math.nan if x is None else float(x)


def _role_overrides(roles: Mapping[str, Any] | None, interview_id: str) -> dict[str, str]:
    """Overrides for one interview: global ``{speaker: role}`` plus ``{interview_id: {...}}``."""
    if not roles:
        return {}
    out = {k: v for k, v in roles.items() if not isinstance(v, Mapping)}
    per = roles.get(interview_id)
    if isinstance(per, Mapping):
        out.update(per)
    return out


def _build_turns(
    doc: Document, interview_id: str, opts: dict[str, Any]
) -> tuple[list[dict[str, Any]], dict[str, dict[str, float]], list[dict[str, Any]], int]:
    """Merge the labels and utterances of one interview into turns (roles come later).

    Returns the turns, per-speaker statistics, the alias merges and the number of label words
    (speaker labels are words of the file that are kept as the speaker, not lost).
    """
    utts: list[Utterance] = doc.utterances
    # 1. resolve continuation: speaker None -> previous speaker
    labels: list[str] = []
    prev = "unknown"
    label_counts: Counter = Counter()
    for u in utts:
        lab = u.speaker if u.speaker else prev
        if u.speaker:
            label_counts[u.speaker] += 1
        labels.append(lab)
        prev = lab
    label_words = 0
    if doc.format != "survey":
        label_words = sum(n * count_words(lab) for lab, n in label_counts.items())
    # 2. user aliases, canonical spelling, alias merging
    if opts["aliases"]:
        amap = {label_key(k): v for k, v in opts["aliases"].items()}
        labels = [amap.get(label_key(lab), lab) for lab in labels]
    if doc.format != "survey":  # survey speakers are respondent ids: kept as they are
        canon = canonical_labels(labels)
        labels = [canon[lab] for lab in labels]
    alias_rows: list[dict[str, Any]] = []
    if opts["merge_aliases"] and doc.format != "survey":
        merges = merge_aliases(set(labels) - {"unknown"})
        if merges:
            labels = [merges.get(lab, lab) for lab in labels]
            alias_rows = [
                {"interview_id": interview_id, "alias": a, "merged_into": b} for a, b in sorted(merges.items())
            ]
    # 3. join consecutive utterances of one speaker
    pause = opts["pause"]
    turns: list[dict[str, Any]] = []
    cur: dict[str, Any] | None = None
    for u, lab in zip(utts, labels):
        text = u.text.strip()
        if not text:
            continue
        new = cur is None or lab != cur["speaker"] or u.new_turn or u.extra is not None
        if not new and lab == "unknown" and u.speaker is None and cur is not None:
            gap_from = cur["end"] if cur["end"] is not None else cur["start"]
            if u.start is not None and gap_from is not None and u.start - gap_from >= pause:
                new = True
        if new:
            cur = {"speaker": lab, "start": u.start, "end": u.end, "parts": [text], "extra": u.extra}
            turns.append(cur)
        else:
            cur["parts"].append(text)
            if u.end is not None:
                cur["end"] = u.end
            if cur["start"] is None:
                cur["start"] = u.start
    stats: dict[str, dict[str, float]] = {}
    for t in turns:
        t["text"] = " ".join(t.pop("parts"))
        st = stats.setdefault(t["speaker"], {"turns": 0, "questions": 0, "words": 0, "longest": 0})
        n = t["text"].count(" ") + 1
        st["turns"] += 1
        st["questions"] += "?" in t["text"]
        st["words"] += n
        if n > st["longest"]:
            st["longest"] = n
    return turns, stats, alias_rows, label_words


def _first_roles(
    doc: Document,
    interview_id: str,
    stats: dict[str, dict[str, float]],
    opts: dict[str, Any],
    manifest_row: Mapping[str, Any] | None,
) -> dict[str, tuple[str, str]]:
    """Roles from the option, labels, manifest and the file's own evidence (may be unknown)."""
    if doc.format == "survey":
        return {s: ("participant", "survey") for s in stats}
    interviewers: list[str] = []
    participants: list[str] = []
    if manifest_row:
        low = {str(k).lower(): v for k, v in manifest_row.items()}
        interviewers = [low[c] for c in INTERVIEWER_COLUMNS if c in low and isinstance(low[c], str)]
        participants = [low[c] for c in PARTICIPANT_COLUMNS if c in low and isinstance(low[c], str)]
    return assign_roles(
        stats,
        overrides=_role_overrides(opts["roles"], interview_id),
        interviewers=interviewers,
        participants=participants,
    )


def _cross_file_roles(items: list[dict[str, Any]]) -> None:
    """Decide still-unknown roles with the whole study in view, then assume participants.

    A speaker who is the interviewer in another file, or (with three or more interviews) the
    one named speaker present in at least half of them, is the interviewer where the file
    itself gave no interviewer. Any role still unknown becomes ``participant`` (``assumed``).
    """
    interviews = [it for it in items if it["doc"].format != "survey"]
    asked_elsewhere: dict[str, set[int]] = {}
    presence: Counter = Counter()
    for k, it in enumerate(interviews):
        seen = set()
        for spk, (role, why) in it["roles"].items():
            key = label_key(spk)
            if not key or GENERIC_LABEL.fullmatch(spk.strip()):
                continue
            seen.add(key)
            if role == "interviewer" and why != "assumed":
                asked_elsewhere.setdefault(key, set()).add(k)
        presence.update(seen)
    n = len(interviews)
    for k, it in enumerate(interviews):
        roles = it["roles"]
        if any(r == "interviewer" for r, _ in roles.values()):
            continue
        unknown = [s for s, (r, _) in roles.items() if r == "unknown" and not GENERIC_LABEL.fullmatch(s.strip())]
        chosen, why = None, ""
        cands = [s for s in unknown if asked_elsewhere.get(label_key(s), set()) - {k}]
        if len(cands) == 1:
            chosen, why = cands[0], "other files"
        elif n >= 3:
            rec = [s for s in unknown if presence[label_key(s)] >= max(2, n / 2)]
            if len(rec) == 1:
                chosen, why = rec[0], "recurs across files"
        if chosen is not None:
            roles[chosen] = ("interviewer", why)
            for s, (r, _) in list(roles.items()):
                if r == "unknown":
                    roles[s] = ("participant", "others")
    for it in items:
        it["roles"] = assume_participants(it["roles"])


def _turns_frame(rows: list[tuple]) -> pd.DataFrame:
    """Build the ``turns`` table from ``(*TURN_COLUMNS, extra)`` rows."""
    if not rows:
        return empty_turns()
    turns = pd.DataFrame([r[:-1] for r in rows], columns=TURN_COLUMNS)
    extras = [r[-1] for r in rows]
    if any(extras):
        extra_df = pd.DataFrame([e or {} for e in extras])
        for col in extra_df.columns:
            if col not in turns.columns:
                turns[col] = extra_df[col].to_numpy()
    turns["turn"] = turns["turn"].astype("int64")
    turns["start"] = turns["start"].astype("float64")
    turns["end"] = turns["end"].astype("float64")
    return turns


# ---------------------------------------------------------------------------- read
def read(path: str | Path, *, manifest: str | Path | pd.DataFrame | bool | None = None, **options: Any) -> Corpus:
    """Read a transcript file or a folder of transcripts into a :class:`~cxinsight.Corpus`.

    Parameters
    ----------
    path : str or Path
        A file, or a folder read recursively in sorted order. Only hidden entries, names
        starting with ``_`` (files and folders), ``README*``, ``LICENSE*`` and ``LICENCE*`` are
        ignored, and they are listed in ``meta["ignored"]``. Everything else is read, or
        skipped with its reason in ``meta["skipped"]`` (unsupported or damaged files, folders
        that cannot be opened, FIFOs and devices, links pointing outside the folder, files over
        the limits). Files are opened read-only and never changed.
    manifest : str, Path, DataFrame or False, optional
        One row per interview keyed by ``interview_id`` (file path relative to the folder,
        without extension) or ``file``. Its columns become ``corpus.participants``. By default
        a ``manifest.csv``/``manifest.xlsx`` at the folder root is used; ``False`` uses none.
    **options
        roles : dict, str or Path
            ``{"Jane Doe": "interviewer"}``, or per interview
            ``{"int03": {"Speaker 1": "interviewer"}}``, or a CSV (``speaker, role`` and
            optionally ``interview_id``) or YAML file; overrides every other evidence.
        aliases : dict
            ``{"JD": "Jane Doe"}``: labels to merge before automatic alias merging.
        merge_aliases : bool, default True
            Merge ``JD``/``Jane`` into ``Jane Doe`` when the evidence is clear.
        format : str
            Force a reader: one of :data:`FORMATS`. ``"survey"`` reads a CSV/XLSX export and
            finds the respondent id and every open-ended column itself.
        encoding : str
            Force a text encoding (guessed by default: UTF-8/BOM, UTF-16, then legacy
            encodings with charset-normalizer; an unsure guess is warned about).
        pause : float, default 2.0
            Seconds of silence that split turns of subtitles without speaker labels.
        errors : {"skip", "raise"}, default "skip"
            In a folder, skip unreadable files with a warning, or raise.
        speaker_column, text_column, start_column, end_column, interview_column, sheet
            Columns (and sheet) of one-turn-per-row CSV/XLSX files; guessed when omitted.
        text_columns, id_column
            Survey mode: each row is a respondent and each named column an answer turn
            (names matched after Unicode normalisation and case folding).
        max_bytes, max_unzipped_bytes, max_zip_ratio
            Limits per file (see :mod:`cxinsight.ingest.limits`): 200 MB read, 200 MB or 100
            times inflated for DOCX/XLSX.

    Returns
    -------
    Corpus
        ``turns`` (columns ``interview_id, turn, speaker, role, start, end, text, source``),
        ``participants`` (manifest columns, survey variables), ``tables["files"]`` (the
        reading report: one row per entry found, see :mod:`cxinsight.ingest.report`), and
        ``meta`` keys ``files``, ``skipped``, ``ignored``, ``aliases``, ``speakers`` and
        ``manifest``. Survey answers carry their question in a ``question`` column.

    Raises
    ------
    FileNotFoundError
        ``path`` does not exist.
    TranscriptFormatError
        A single file that cannot be parsed (in a folder such files are skipped and listed
        in ``meta["skipped"]``, unless ``errors="raise"``).

    Examples
    --------
    >>> import cxinsight as cx
    >>> corpus = cx.read("data/sample_interviews")            # doctest: +SKIP
    >>> corpus = cx.read("int01.vtt", roles={"Tom": "interviewer"})  # doctest: +SKIP
    """
    opts = _check_options(options)
    path = Path(path).expanduser()
    if not path.exists() and not path.is_symlink():
        raise FileNotFoundError(f"{path} does not exist; pass a transcript file or a folder of transcripts.")
    single = not path.is_dir()
    root = path.parent if single else path
    root_shown = display_name(str(root))

    manifest_path: Path | None = None
    manifest_df = None
    manifest_where = None
    manifest_key = None
    if manifest is None and not single:
        manifest_path = find_manifest(path)
        if manifest_path is not None:
            manifest = manifest_path
    if manifest is not None and manifest is not False:
        if not isinstance(manifest, pd.DataFrame):
            manifest_path = Path(manifest)
        manifest_df, manifest_where, manifest_key = load_manifest(manifest)

    if single:
        entries = [Entry(path, display_name(path.name), "read")]
    else:
        # the folder's own manifest file is never read as a transcript, even with manifest=False
        entries = walk(path, manifest_path or find_manifest(path), opts["max_bytes"])
    skipped: list[dict[str, str]] = []
    ignored: list[dict[str, str]] = []
    listed_rows: list[dict[str, Any]] = []
    parsed: list[tuple[Path, str, str, str, list[Document], str | None]] = []
    used_ids: set[str] = set()

    def skip(source: str, reason: str) -> None:
        skipped.append({"path": source, "reason": reason})
        listed_rows.append(file_row(source, "skipped", reason))
        warnings.warn(f"cxinsight.read skipped {source}: {reason}", CxInsightWarning, stacklevel=3)

    for e in entries:
        source = display_name(str(e.path)) if single else f"{root_shown}/{e.rel}"
        if e.status == "ignored":
            ignored.append({"path": source, "reason": e.reason})
            listed_rows.append(file_row(source, "ignored", e.reason))
            continue
        if e.status == "manifest":
            listed_rows.append(file_row(source, "manifest", e.reason))
            continue
        if e.status == "skipped":
            skip(source, e.reason)
            continue
        f = e.path
        rel = e.rel
        iid = str(PurePosixPath(rel).with_suffix("")) if not single else display_name(f.stem)
        try:
            docs, enc = read_file(f, **opts)
        except Exception as err:  # one bad file never stops the others
            if isinstance(err, TranscriptFormatError):
                reason = err.reason
                if err.line is not None:
                    reason = f"line {err.line}: {reason}"
            elif isinstance(err, (OSError, UnicodeError)):
                reason = f"{type(err).__name__}: {getattr(err, 'strerror', None) or err}"
            else:
                reason = f"could not be read ({type(err).__name__}: {err})"
            if single or opts["errors"] == "raise":
                if isinstance(err, TranscriptFormatError):
                    if source != str(f):
                        raise TranscriptFormatError(err.reason, source, err.line, err.column) from err
                    raise
                if isinstance(err, OSError) and not single:
                    raise
                if isinstance(err, OSError):
                    raise
                raise TranscriptFormatError(reason, source) from err
            skip(source, reason)
            continue
        if iid in used_ids:
            new_iid = rel
            warnings.warn(
                f"two files give the interview id {iid!r}; {source} is read as {new_iid!r}.",
                CxInsightWarning,
                stacklevel=2,
            )
            iid = new_iid
        used_ids.add(iid)
        parsed.append((f, rel, iid, source, docs, enc))

    manifest_rows: dict[str, dict[str, Any]] = {}
    unmatched: list[dict[str, str]] = []
    if manifest_df is not None:
        keyed = []
        for _, rel, iid, _, docs, _ in parsed:
            if docs and docs[0].interview_id is None:
                keyed.append((iid, rel))
            else:  # several interviews in one table: match on their own ids
                keyed.extend((d.interview_id, d.interview_id) for d in docs if d.format != "survey")
        manifest_rows, unmatched = match_manifest(manifest_df, manifest_key, keyed)
        if single:  # a study manifest used for one file: the other rows are expected
            unmatched = [u for u in unmatched if u["kind"] == "file"]
        if unmatched:
            rows_n = sum(1 for u in unmatched if u["kind"] == "row")
            files_n = len(unmatched) - rows_n
            warnings.warn(
                f"manifest: {rows_n} row(s) match no transcript and {files_n} transcript(s) have no "
                "manifest row; see corpus.meta['manifest']['unmatched'].",
                CxInsightWarning,
                stacklevel=2,
            )

    # pass 1: turns and first roles of every interview
    items: list[dict[str, Any]] = []
    for fi, (_f, _rel, iid, source, docs, _enc) in enumerate(parsed):
        for doc in docs:
            doc_id = doc.interview_id if doc.interview_id is not None else iid
            mrow = manifest_rows.get(doc_id)
            turns, stats, aliases, label_words = _build_turns(doc, doc_id, opts)
            roles = _first_roles(doc, doc_id, stats, opts, mrow) if turns else {}
            items.append({"file": fi, "doc": doc, "id": doc_id, "source": source, "turns": turns,
                          "stats": stats, "aliases": aliases, "label_words": label_words,
                          "roles": roles, "manifest": mrow})
    # pass 2: roles with the whole study in view; nobody is left without a role
    _cross_file_roles(items)

    all_rows: list[tuple] = []
    file_meta: list[dict[str, Any]] = []
    speakers_meta: list[dict[str, Any]] = []
    alias_meta: list[dict[str, Any]] = []
    participant_rows: list[dict[str, Any]] = []
    read_rows: list[dict[str, Any]] = []
    assumed_files: list[str] = []
    unsure_encodings: list[str] = []
    by_file: dict[int, list[dict[str, Any]]] = {}
    for it in items:
        by_file.setdefault(it["file"], []).append(it)
    for fi, (_f, _rel, iid, source, docs, enc) in enumerate(parsed):
        n_turns = 0
        words_kept = 0
        speaker_words: Counter = Counter()
        longest = 0
        roles_shown: dict[str, tuple[str, str]] = {}
        n_interviews = 0
        for it in by_file.get(fi, []):
            doc, doc_id, turns = it["doc"], it["id"], it["turns"]
            if not turns:
                continue
            decided = it["roles"]
            rows = [
                (doc_id, i, t["speaker"], decided[t["speaker"]][0], _nan(t["start"]), _nan(t["end"]),
                 t["text"], source, t["extra"])
                for i, t in enumerate(turns)
            ]
            all_rows.extend(rows)
            n_interviews += 1
            speakers_meta.extend(
                {"interview_id": doc_id, "speaker": spk, "role": decided[spk][0], "role_from": decided[spk][1],
                 "turns": int(st["turns"])}
                for spk, st in it["stats"].items()
            )
            alias_meta.extend(it["aliases"])
            n_turns += len(rows)
            words_kept += count_words("\n".join(t["text"] for t in turns)) + it["label_words"]
            for spk, st in it["stats"].items():
                speaker_words[spk] += int(st["words"])
                longest = max(longest, int(st["longest"]))
            if doc.format != "survey":
                roles_shown.update(decided)
            prow: dict[str, Any] = {"interview_id": doc_id}
            if it["manifest"]:
                prow.update({k: v for k, v in it["manifest"].items() if k != "interview_id"})
            if doc.participant:
                prow.update({k: v for k, v in doc.participant.items() if k != "interview_id"})
            participant_rows.append(prow)
        fmt = docs[0].format if docs else "unknown"
        info = dict(docs[0].info) if docs else {}
        entry: dict[str, Any] = {
            "path": source,
            "interview_id": iid,
            "format": fmt,
            "encoding": enc,
            "turns": n_turns,
        }
        if len(docs) > 1 or (docs and docs[0].interview_id is not None):
            entry["interviews"] = len(docs)
        entry.update({k: v for k, v in info.items() if k not in entry and k != "words_raw"})
        if n_turns == 0:
            reason = "no turns with text"
            if single or opts["errors"] == "raise":
                raise TranscriptFormatError(f"{reason}; nothing to read.", source)
            skip(source, reason)
            continue
        file_meta.append(entry)
        words_raw = info.get("words_raw")
        conf = info.get("encoding_confidence")
        flags = red_flags(
            fmt=fmt, speaker_words=dict(speaker_words), roles=roles_shown, longest_turn=longest,
            encoding=enc, confidence=conf, words_raw=words_raw, words_kept=words_kept, info=info,
        )
        if any(why == "assumed" for _, why in roles_shown.values()):
            assumed_files.append(iid)
        if enc and conf is not None and conf < 0.8 and not str(enc).startswith("utf"):
            unsure_encodings.append(f"{source} ({enc}, confidence {conf:.2f})")
        if fmt == "survey":
            speakers_txt = f"{n_interviews} respondents"
            roles_txt = "participant (survey)"
        else:
            speakers_txt = "; ".join(roles_shown)
            roles_txt = "; ".join(f"{s}: {r} ({why})" for s, (r, why) in roles_shown.items())
        read_rows.append(file_row(
            source, "read", "", interview_id=iid, format=fmt, encoding=enc, encoding_confidence=conf,
            interviews=n_interviews, speakers=speakers_txt, roles=roles_txt, turns=n_turns,
            words_raw=words_raw, words_kept=words_kept,
            kept_share=round(min(words_kept / words_raw, 1.0), 3) if words_raw else None,
            red_flags="; ".join(flags),
        ))

    if alias_meta:
        # names are personal data: the warning gives counts, the details are in meta
        per_file: dict[str, int] = {}
        for a in alias_meta:
            per_file[a["interview_id"]] = per_file.get(a["interview_id"], 0) + 1
        where = ", ".join(f"{iid} ({n})" for iid, n in per_file.items())
        warnings.warn(
            f"merged speaker labels that name the same speaker in: {where}. See "
            "corpus.meta['aliases']; pass merge_aliases=False to keep them apart.",
            CxInsightWarning,
            stacklevel=2,
        )
    if assumed_files:
        warnings.warn(
            f"roles could not be decided in {len(assumed_files)} interview(s) ({', '.join(assumed_files[:10])}"
            f"{', ...' if len(assumed_files) > 10 else ''}): their speakers are counted as participants. "
            "Name the interviewer with roles={'Name': 'interviewer'} (or --roles FILE); see "
            "corpus.tables['files'].",
            CxInsightWarning,
            stacklevel=2,
        )
    for where in unsure_encodings:
        warnings.warn(
            f"the text encoding of {where} was guessed and may be wrong; check names and accents, "
            "or pass encoding='...'.",
            CxInsightWarning,
            stacklevel=2,
        )

    turns = _turns_frame(all_rows)
    if turns.empty and not single:
        warnings.warn(
            f"no transcript could be read from {path} ({len(skipped)} file(s) skipped).",
            CxInsightWarning,
            stacklevel=2,
        )
    participants = pd.DataFrame(participant_rows) if participant_rows else pd.DataFrame({"interview_id": []})
    files_table = pd.DataFrame(read_rows + listed_rows, columns=FILE_COLUMNS)
    meta: dict[str, Any] = {
        "files": file_meta,
        "skipped": skipped,
        "ignored": ignored,
        "aliases": alias_meta,
        "speakers": speakers_meta,
    }
    variables = sorted({c for e in file_meta for k in ("rating_columns", "categorical_columns") for c in e.get(k, [])})
    if variables:
        meta["survey_variables"] = variables
    if manifest_df is not None:
        meta["manifest"] = {
            "path": manifest_where,
            "key": manifest_key,
            "columns": [str(c) for c in manifest_df.columns],
            "unmatched": unmatched,
        }
    params = {
        "path": display_name(str(path)),
        "manifest": manifest_where if manifest_df is not None else None,
        **{k: v for k, v in opts.items() if v != _OPTIONS[k] and k not in ("roles", "aliases")},
    }
    if opts["roles"]:
        params["roles"] = f"{len(opts['roles'])} speaker(s) set by the user"
    if opts["aliases"]:
        params["aliases"] = f"{len(opts['aliases'])} alias(es) set by the user"
    corpus = Corpus(turns, participants, meta=meta, tables={"files": files_table})
    return corpus.with_step("read", params)
