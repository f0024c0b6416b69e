"""The manifest: one row per interview with whatever the researcher knows about it.

A manifest is a CSV or XLSX file (or a DataFrame) keyed by ``interview_id`` (the file's path
relative to the folder read, without extension, e.g. ``int14 final``) or by a ``file`` column
(the file name, with or without extension). All its columns end up in ``corpus.participants``.
A ``manifest.csv`` or ``manifest.xlsx`` at the root of a folder is used automatically.

An ``interviewer`` column naming the interviewer (several names separated by ``;``) and a
``participant_name`` column help :mod:`cxinsight.ingest.roles` decide who is who.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path, PurePosixPath
from typing import Any

import pandas as pd

from cxinsight.errors import TranscriptFormatError
from cxinsight.ingest.encoding import read_text

__all__ = ["load_manifest", "match_manifest", "find_manifest", "INTERVIEWER_COLUMNS", "PARTICIPANT_COLUMNS"]

_ID_COLUMNS = ("interview_id", "interview", "transcript_id")
_FILE_COLUMNS = ("file", "filename", "file_name", "path", "transcript", "transcript_file")
#: Manifest columns that name the interviewer(s) of each interview.
INTERVIEWER_COLUMNS = ("interviewer", "interviewers", "interviewer_name", "moderator", "researcher")
#: Manifest columns that name the participant of each interview.
PARTICIPANT_COLUMNS = ("participant_name", "name", "respondent_name", "interviewee", "customer_name")


def find_manifest(folder: Path) -> Path | None:
    """Return ``folder/manifest.csv`` or ``folder/manifest.xlsx`` if one exists."""
    for name in ("manifest.csv", "manifest.xlsx", "Manifest.csv", "Manifest.xlsx", "MANIFEST.csv"):
        p = folder / name
        if p.is_file():
            return p
    return None


def load_manifest(manifest: str | Path | pd.DataFrame) -> tuple[pd.DataFrame, str | None, str]:
    """Read a manifest and find its key column.

    Parameters
    ----------
    manifest : str, Path or DataFrame
        A ``.csv``/``.tsv``/``.xlsx`` file or a DataFrame.

    Returns
    -------
    table : DataFrame
    path : str or None
        The file read (``None`` for a DataFrame).
    key : str
        The key column (``interview_id`` or a file column).

    Raises
    ------
    TranscriptFormatError
        When the file cannot be read or has no key column.
    """
    if isinstance(manifest, pd.DataFrame):
        df, where = manifest.copy(), None
    else:
        p = Path(manifest)
        where = str(p)
        if not p.is_file():
            raise FileNotFoundError(f"manifest {p} does not exist; pass manifest=None to read without one.")
        try:
            # key columns are read as text so that "01" stays "01"
            if p.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
                head = pd.read_excel(p, nrows=0)
                df = pd.read_excel(p, dtype=_text_keys(head.columns))
            else:
                text, _ = read_text(p)
                sep = "\t" if p.suffix.lower() == ".tsv" else None
                engine = "python" if sep is None else "c"
                head = pd.read_csv(io.StringIO(text), sep=sep, engine=engine, nrows=0)
                df = pd.read_csv(io.StringIO(text), sep=sep, engine=engine, dtype=_text_keys(head.columns))
        except TranscriptFormatError:
            raise
        except Exception as err:  # pandas raises many kinds
            raise TranscriptFormatError(
                f"could not read the manifest ({type(err).__name__}). Save it as CSV (UTF-8) or "
                "XLSX with one header row.",
                p,
            ) from err
    df.columns = [str(c).strip() for c in df.columns]
    lower = {c.lower(): c for c in df.columns}
    key = next((lower[c] for c in _ID_COLUMNS if c in lower), None)
    if key is None:
        key = next((lower[c] for c in _FILE_COLUMNS if c in lower), None)
    if key is None:
        raise TranscriptFormatError(
            f"the manifest has no 'interview_id' or 'file' column (columns: {list(df.columns)}). "
            "Add an 'interview_id' column holding each transcript's file name without extension.",
            where,
            line=1,
        )
    return df, where, key


def _text_keys(columns) -> dict:
    keys = set(_ID_COLUMNS) | set(_FILE_COLUMNS)
    out = {}
    for c in columns:
        low = str(c).strip().lower()
        if low in keys or low == "id" or low.endswith(("_id", " id", "_code", " code")):
            out[c] = str
    return out


def _norm(s: str) -> str:
    return " ".join(str(s).strip().replace("\\", "/").split()).casefold()


def match_manifest(
    df: pd.DataFrame, key: str, files: Sequence[tuple[str, str]]
) -> tuple[dict[str, dict[str, Any]], list[dict[str, str]]]:
    """Match manifest rows to the interviews read.

    Parameters
    ----------
    df : DataFrame
        The manifest.
    key : str
        Its key column.
    files : sequence of (interview_id, relative path with extension)
        The interviews read.

    Returns
    -------
    rows : dict
        ``{interview_id: {column: value}}`` for matched interviews.
    unmatched : list of dict
        ``{"kind": "row", "key": ...}`` for manifest rows without a file and
        ``{"kind": "file", "interview_id": ...}`` for files without a row.
    """
    lookup: dict[str, str] = {}
    for iid, rel in files:
        rel_p = PurePosixPath(rel)
        for cand in (iid, rel, rel_p.name, rel_p.stem, str(rel_p.with_suffix(""))):
            lookup.setdefault(_norm(cand), iid)
    rows: dict[str, dict[str, Any]] = {}
    unmatched: list[dict[str, str]] = []
    for rec in df.to_dict("records"):
        raw = rec.get(key)
        if raw is None or (isinstance(raw, float) and raw != raw):
            continue
        k = _norm(raw)
        iid = lookup.get(k) or lookup.get(_norm(PurePosixPath(str(raw).replace("\\", "/")).stem))
        if iid is None or iid in rows:
            unmatched.append({"kind": "row", "key": str(raw)})
            continue
        rows[iid] = rec
    for iid, _ in files:
        if iid not in rows:
            unmatched.append({"kind": "file", "interview_id": iid})
    return rows, unmatched
