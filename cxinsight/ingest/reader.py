"""``cxinsight.read``: one file or a whole folder of transcripts into one :class:`Corpus`.

The reader for each file is chosen from its extension *and* its content (a ``.txt`` that is
really WebVTT, an Otter.ai export saved as ``.txt``). Every reader yields utterances; this
module then does the same for every format: tidy and merge speaker labels, join consecutive
utterances of one speaker into turns, assign roles, attach the manifest, and record what was
read, skipped and merged in ``corpus.meta``.
"""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import Any

import pandas as pd

from cxinsight.corpus import ROLES, TURN_COLUMNS, Corpus, empty_turns
from cxinsight.errors import CxInsightWarning, TranscriptFormatError
from cxinsight.ingest.base import Document, Utterance, label_key
from cxinsight.ingest.encoding import decode
from cxinsight.ingest.manifest import (
    INTERVIEWER_COLUMNS,
    PARTICIPANT_COLUMNS,
    find_manifest,
    load_manifest,
    match_manifest,
)
from cxinsight.ingest.roles import assign_roles, canonical_labels, merge_aliases

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
}
#: Values accepted by ``format=``.
FORMATS = ("text", "markdown", "otter", "vtt", "srt", "docx", "csv", "xlsx", "survey")
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
}


def _check_options(options: Mapping[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(options) - set(_OPTIONS))
    if unknown:
        raise TypeError(
            f"read() got unknown option(s) {unknown}; valid options are {sorted(_OPTIONS)}."
        )
    opts = {**_OPTIONS, **options}
    if opts["format"] is not None and opts["format"] not in FORMATS:
        raise ValueError(f"format={opts['format']!r} is not known; use one of {list(FORMATS)}.")
    if opts["errors"] not in ("skip", "raise"):
        raise ValueError(f"errors={opts['errors']!r}: use 'skip' (warn and go on) or 'raise'.")
    if opts["roles"] is not None:
        if not isinstance(opts["roles"], Mapping):
            raise TypeError(
                'roles must be a dict such as {"Jane Doe": "interviewer"} or '
                '{"int03": {"Speaker 1": "interviewer"}}.'
            )
        flat = {}
        for k, v in opts["roles"].items():
            if isinstance(v, Mapping):  # {interview_id: {speaker: role}}
                flat.update({f"{k}/{kk}": vv for kk, vv in v.items()})
            else:
                flat[k] = v
        bad = {k: v for k, v in flat.items() if v not in ROLES}
        if bad:
            raise ValueError(f"roles has values {sorted(set(bad.values()))}; allowed roles are {list(ROLES)}.")
    if opts["aliases"] is not None and not isinstance(opts["aliases"], Mapping):
        raise TypeError('aliases must be a dict such as {"JD": "Jane Doe"}.')
    try:
        opts["pause"] = float(opts["pause"])
    except (TypeError, ValueError) as err:
        raise TypeError("pause must be a number of seconds, e.g. pause=2.0.") from err
    if opts["text_columns"] is not None:
        if isinstance(opts["text_columns"], str):
            opts["text_columns"] = [opts["text_columns"]]
        opts["text_columns"] = list(opts["text_columns"])
        if not opts["text_columns"]:
            raise ValueError("text_columns is empty; name the free-text answer columns to read.")
    return opts


# ---------------------------------------------------------------------------- discovery
def _ignored(name: str) -> bool:
    if name.startswith(("_", ".", "~$")):
        return True
    up = name.upper()
    return up.startswith(("README", "LICENSE", "LICENCE", "CHANGELOG"))


def _discover(root: Path, manifest_path: Path | None) -> list[Path]:
    found: list[tuple[str, Path]] = []
    skip = manifest_path.resolve() if manifest_path is not None else None
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if not _ignored(d)]
        for name in filenames:
            if _ignored(name):
                continue
            p = Path(dirpath) / name
            if skip is not None and p.resolve() == skip:
                continue
            found.append((p.relative_to(root).as_posix(), p))
    found.sort(key=lambda t: t[0])
    return [p for _, p in found]


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

        return [parse_docx(path)], None
    if family in ("csv", "xlsx", "survey"):
        from cxinsight.ingest.tabular import read_table

        return read_table(path, opts)
    with open(path, "rb") as fh:
        data = fh.read()
    if not data.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
        raise TranscriptFormatError("the file is empty.", path)
    text, encoding = decode(data, encoding=opts["encoding"], path=path)
    if not forced or forced in ("text", "markdown"):
        sniffed = _sniff_text_family(text, suffix)
        if not forced or sniffed in ("vtt", "srt"):
            family = sniffed
    if family == "vtt":
        from cxinsight.ingest.vtt import parse_vtt

        return [parse_vtt(text, path=path)], encoding
    if family == "srt":
        from cxinsight.ingest.srt import parse_srt

        return [parse_srt(text, path=path)], encoding
    from cxinsight.ingest.text import parse_text

    return [parse_text(text, path=path, markdown=family == "markdown")], encoding


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
    doc: Document,
    interview_id: str,
    source: str,
    opts: dict[str, Any],
    manifest_row: Mapping[str, Any] | None,
) -> tuple[list[tuple], list[dict[str, Any]], list[dict[str, Any]]]:
    """Merge labels and utterances of one interview into turns with roles.

    Returns rows ``(*TURN_COLUMNS, extra)``, the speakers' roles and the alias merges.
    """
    utts: list[Utterance] = doc.utterances
    # 1. resolve continuation: speaker None -> previous speaker
    labels: list[str] = []
    prev = "unknown"
    for u in utts:
        lab = u.speaker if u.speaker else prev
        labels.append(lab)
        prev = lab
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
    # 4. roles
    stats: dict[str, dict[str, float]] = {}
    for t in turns:
        t["text"] = " ".join(t.pop("parts"))
        st = stats.setdefault(t["speaker"], {"turns": 0, "questions": 0, "words": 0})
        st["turns"] += 1
        st["questions"] += "?" in t["text"]
        st["words"] += len(t["text"].split())
    interviewers: list[str] = []
    participants: list[str] = []
    if manifest_row:
        low = {str(k).lower(): v for k, v in manifest_row.items()}
        interviewers = [low[c] for c in INTERVIEWER_COLUMNS if c in low and isinstance(low[c], str)]
        participants = [low[c] for c in PARTICIPANT_COLUMNS if c in low and isinstance(low[c], str)]
    if doc.format == "survey":
        decided = {s: ("participant", "survey") for s in stats}
    else:
        decided = assign_roles(
            stats,
            overrides=_role_overrides(opts["roles"], interview_id),
            interviewers=interviewers,
            participants=participants,
        )
    rows = [
        (
            interview_id,
            i,
            t["speaker"],
            decided[t["speaker"]][0],
            _nan(t["start"]),
            _nan(t["end"]),
            t["text"],
            source,
            t["extra"],
        )
        for i, t in enumerate(turns)
    ]
    speakers = [
        {
            "interview_id": interview_id,
            "speaker": s,
            "role": decided[s][0],
            "role_from": decided[s][1],
            "turns": int(st["turns"]),
        }
        for s, st in stats.items()
    ]
    return rows, speakers, alias_rows


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
        A file, or a folder read recursively in sorted order. Hidden files, anything whose
        name starts with ``_`` or ``.`` (files and folders), ``README*`` and ``LICENSE*`` are
        ignored. Files are opened read-only and never changed.
    manifest : str, Path, DataFrame or False, optional
        One row per interview keyed by ``interview_id`` (file path relative to the folder,
        without extension) or ``file``. Its columns become ``corpus.participants``. By default
        a ``manifest.csv``/``manifest.xlsx`` at the folder root is used; ``False`` uses none.
    **options
        roles : dict
            ``{"Jane Doe": "interviewer"}``, or per interview
            ``{"int03": {"Speaker 1": "interviewer"}}``; overrides every other evidence.
        aliases : dict
            ``{"JD": "Jane Doe"}``: labels to merge before automatic alias merging.
        merge_aliases : bool, default True
            Merge ``JD``/``Jane`` into ``Jane Doe`` when the evidence is clear.
        format : str
            Force a reader: one of :data:`FORMATS`.
        encoding : str
            Force a text encoding (guessed by default: UTF-8/BOM, UTF-16, cp1252).
        pause : float, default 2.0
            Seconds of silence that split turns of subtitles without speaker labels.
        errors : {"skip", "raise"}, default "skip"
            In a folder, skip unreadable files with a warning, or raise.
        speaker_column, text_column, start_column, end_column, interview_column, sheet
            Columns (and sheet) of one-turn-per-row CSV/XLSX files; guessed when omitted.
        text_columns, id_column
            Survey mode: each row is a respondent and each named column an answer turn.

    Returns
    -------
    Corpus
        ``turns`` (columns ``interview_id, turn, speaker, role, start, end, text, source``),
        ``participants`` (manifest columns), and ``meta`` keys ``files``, ``skipped``,
        ``aliases``, ``speakers`` and ``manifest``.

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
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist; pass a transcript file or a folder of transcripts.")
    single = not path.is_dir()
    root = path.parent if single else path

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

    files = [path] if single else _discover(path, manifest_path)
    skipped: list[dict[str, str]] = []
    parsed: list[tuple[Path, str, str, list[Document], str | None]] = []
    used_ids: set[str] = set()
    for f in files:
        rel = f.name if single else f.relative_to(root).as_posix()
        iid = str(PurePosixPath(rel).with_suffix("")) if not single else f.stem
        source = str(f)
        try:
            docs, enc = read_file(f, **opts)
        except (TranscriptFormatError, OSError, UnicodeError) as err:
            if single or opts["errors"] == "raise":
                if isinstance(err, (TranscriptFormatError, OSError)):
                    raise
                raise TranscriptFormatError(str(err), f) from err
            reason = err.reason if isinstance(err, TranscriptFormatError) else f"{type(err).__name__}: {err}"
            if isinstance(err, TranscriptFormatError) and err.line is not None:
                reason = f"line {err.line}: {reason}"
            skipped.append({"path": source, "reason": reason})
            warnings.warn(f"cxinsight.read skipped {source}: {reason}", CxInsightWarning, stacklevel=2)
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
        parsed.append((f, rel, iid, docs, enc))

    manifest_rows: dict[str, dict[str, Any]] = {}
    unmatched: list[dict[str, str]] = []
    if manifest_df is not None:
        keyed = []
        for _, rel, iid, docs, _ in parsed:
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

    all_rows: list[tuple] = []
    file_meta: list[dict[str, Any]] = []
    speakers_meta: list[dict[str, Any]] = []
    alias_meta: list[dict[str, Any]] = []
    participant_rows: list[dict[str, Any]] = []
    for f, _rel, iid, docs, enc in parsed:
        n_turns = 0
        source = str(f)
        for doc in docs:
            doc_id = doc.interview_id if doc.interview_id is not None else iid
            mrow = manifest_rows.get(doc_id)
            rows, spk, aliases = _build_turns(doc, doc_id, source, opts, mrow)
            if not rows:
                continue
            all_rows.extend(rows)
            speakers_meta.extend(spk)
            alias_meta.extend(aliases)
            n_turns += len(rows)
            prow: dict[str, Any] = {"interview_id": doc_id}
            if mrow:
                prow.update({k: v for k, v in mrow.items() if k != "interview_id"})
            if doc.participant:
                prow.update({k: v for k, v in doc.participant.items() if k != "interview_id"})
            participant_rows.append(prow)
        entry: dict[str, Any] = {
            "path": source,
            "interview_id": iid,
            "format": docs[0].format if docs else "unknown",
            "encoding": enc,
            "turns": n_turns,
        }
        if len(docs) > 1 or (docs and docs[0].interview_id is not None):
            entry["interviews"] = len(docs)
        if docs:
            entry.update({k: v for k, v in docs[0].info.items() if k not in entry})
        file_meta.append(entry)
        if n_turns == 0:
            reason = "no turns with text"
            if single or opts["errors"] == "raise":
                raise TranscriptFormatError(f"{reason}; nothing to read.", f)
            skipped.append({"path": source, "reason": reason})
            file_meta.pop()
            warnings.warn(f"cxinsight.read skipped {source}: {reason}", CxInsightWarning, stacklevel=2)

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

    turns = _turns_frame(all_rows)
    if turns.empty and not single:
        warnings.warn(
            f"no transcript could be read from {path} ({len(skipped)} file(s) skipped).",
            CxInsightWarning,
            stacklevel=2,
        )
    participants = pd.DataFrame(participant_rows) if participant_rows else pd.DataFrame({"interview_id": []})
    meta: dict[str, Any] = {
        "files": file_meta,
        "skipped": skipped,
        "aliases": alias_meta,
        "speakers": speakers_meta,
    }
    if manifest_df is not None:
        meta["manifest"] = {
            "path": manifest_where,
            "key": manifest_key,
            "columns": [str(c) for c in manifest_df.columns],
            "unmatched": unmatched,
        }
    params = {
        "path": str(path),
        "manifest": manifest_where if manifest_df is not None else None,
        **{k: v for k, v in opts.items() if v != _OPTIONS[k] and k not in ("roles", "aliases")},
    }
    if opts["roles"]:
        params["roles"] = f"{len(opts['roles'])} speaker(s) set by the user"
    if opts["aliases"]:
        params["aliases"] = f"{len(opts['aliases'])} alias(es) set by the user"
    return Corpus(turns, participants, meta=meta).with_step("read", params)
