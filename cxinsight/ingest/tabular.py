"""Spreadsheets: one turn per row (CSV/TSV/XLSX), or one survey respondent per row.

Turn tables
    A speaker column, a text column and optional start/end columns, guessed from their
    names (``speaker``/``name``/``who``; ``text``/``utterance``/``transcript``/``response``;
    ``timestamp``/``start``/``time``; ``end``) or given with ``speaker_column=``,
    ``text_column=``, ``start_column=``, ``end_column=``. A table holding several interviews
    has an ``interview_id`` (or ``interview``) column, or names it with ``interview_column=``;
    each value becomes one interview. Timestamps may be sparse
    (``00:01:02``, ``1:02``, seconds). A row with an empty speaker continues the previous
    speaker. Byte-order marks, Windows line endings and quoted fields with embedded newlines
    are fine.

Surveys
    ``read(path, format="survey")`` finds the respondent id and the open-ended columns itself
    (:mod:`cxinsight.ingest.survey`); ``text_columns=[...]`` and ``id_column=`` name them. A
    table without speaker/text columns whose columns read as a survey is read as one
    automatically. Each row is a respondent (one interview), each non-blank answer one turn
    with its ``question``; every other column is kept in ``corpus.participants``.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pandas as pd

from cxinsight.errors import TranscriptFormatError
from cxinsight.ingest.base import Document, Utterance, count_words, parse_timestamp
from cxinsight.ingest.encoding import decode_with_confidence
from cxinsight.ingest.survey import find_column, looks_like_survey, read_survey

__all__ = ["read_table", "load_table", "guess_columns"]

_NORM = re.compile(r"[\W_]+")
_SPEAKER_NAMES = ("speaker", "speakername", "speakerlabel", "who", "name", "person", "author", "interlocutor")
_TEXT_NAMES = (
    "text", "utterance", "transcript", "transcription", "content", "message", "turntext", "turn",
    "dialogue", "speech", "words", "statement", "verbatim", "response", "answer", "comment",
    "comments", "body",
)
_START_NAMES = ("start", "starttime", "timestamp", "time", "begin", "starttimestamp", "timecode", "offset", "tc", "from")
_END_NAMES = ("end", "endtime", "stop", "finish", "to", "endtimestamp")
_INTERVIEW_NAMES = ("interviewid", "interview", "transcriptid", "sessionid")
_ID_NAMES = ("respondentid", "responseid", "respondent", "id", "participantid", "userid")


def _key(col: str) -> str:
    return _NORM.sub("", str(col).casefold())


def _first_long_row(text: str, sep: str, width: int) -> int | None:
    """1-based line of the first CSV row with more fields than the header."""
    import csv

    reader = csv.reader(io.StringIO(text), delimiter=sep)
    try:
        for row in reader:
            if len(row) > width:
                return reader.line_num
    except csv.Error:
        return None
    return None


def load_table(path: Path, opts: dict[str, Any]) -> tuple[pd.DataFrame, str | None]:
    """Read a CSV/TSV/XLSX file as a table of strings (empty cells are ``""``).

    Returns
    -------
    table : DataFrame
    encoding : str or None
        The text encoding of a CSV (``None`` for XLSX).

    Raises
    ------
    TranscriptFormatError
        Unreadable, too large (see :mod:`cxinsight.ingest.limits`), or a CSV row with more
        fields than the header (named by line).
    """
    from cxinsight.ingest.limits import check_zip, read_bytes

    suffix = path.suffix.lower()
    opts.setdefault("_info", {})
    try:
        if suffix in (".xlsx", ".xlsm"):
            check_zip(path, opts.get("max_unzipped_bytes"), opts.get("max_zip_ratio"))
            df = pd.read_excel(path, sheet_name=opts.get("sheet", 0), dtype=object)
            enc = None
        else:
            data = read_bytes(path, opts.get("max_bytes"))
            text, enc, conf = decode_with_confidence(data, encoding=opts.get("encoding"), path=path)
            opts["_info"]["encoding_confidence"] = conf
            if not text.strip():
                raise TranscriptFormatError("the file is empty.", path)
            header = text.split("\n", 1)[0]
            if suffix == ".tsv":
                sep = "\t"
            else:
                counts = {s: header.count(s) for s in (",", ";", "\t", "|")}
                sep = max(counts, key=lambda s: counts[s]) if max(counts.values()) else ","
            df = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, skip_blank_lines=True)
            if not isinstance(df.index, pd.RangeIndex):
                line = _first_long_row(text, sep, len(df.columns))
                raise TranscriptFormatError(
                    f"a row has more fields than the header ({len(df.columns)} columns); "
                    "quote cells that contain the separator, or fix the row.",
                    path,
                    line=line,
                )
    except TranscriptFormatError:
        raise
    except pd.errors.ParserError as err:
        m = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(err))
        if m is None:
            raise TranscriptFormatError(
                f"could not read the table ({str(err).strip()}). Save it as CSV (UTF-8) with one header row.", path
            ) from err
        raise TranscriptFormatError(
            f"a row has more fields than the header ({m.group(3)} instead of {m.group(1)}); quote "
            "cells that contain the separator, or fix the row.",
            path,
            line=int(m.group(2)),
        ) from err
    except Exception as err:  # pandas/openpyxl raise many kinds
        raise TranscriptFormatError(
            f"could not read the table ({type(err).__name__}: {err}). Save it as CSV (UTF-8) or "
            "XLSX with one header row.",
            path,
        ) from err
    df.columns = [str(c).strip() for c in df.columns]
    df = df.map(_cell) if hasattr(df, "map") else df.applymap(_cell)
    return df, enc


def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        if v != v:
            return ""
        if v.is_integer():
            return str(int(v))
    return str(v).strip()


def _pick(df: pd.DataFrame, given: str | None, names: tuple[str, ...], what: str, path: Path) -> str | None:
    if given is not None:
        found = find_column([str(c) for c in df.columns], given)
        if found is not None:
            return found
        if given not in df.columns:
            raise TranscriptFormatError(
                f"{what}={given!r} is not a column; the columns are {list(df.columns)}.", path, line=1
            )
        return given
    by_key = {_key(c): c for c in df.columns}
    for n in names:
        if n in by_key:
            return by_key[n]
    return None


def guess_columns(df: pd.DataFrame, opts: dict[str, Any], path: Path) -> dict[str, str | None]:
    """Find the speaker, text, start and end columns of a turn table.

    Raises
    ------
    TranscriptFormatError
        When no text-like column is found.
    """
    speaker = _pick(df, opts.get("speaker_column"), _SPEAKER_NAMES, "speaker_column", path)
    text = _pick(df, opts.get("text_column"), _TEXT_NAMES, "text_column", path)
    start = _pick(df, opts.get("start_column"), _START_NAMES, "start_column", path)
    end = _pick(df, opts.get("end_column"), _END_NAMES, "end_column", path)
    if text is None:
        best, best_len = None, 0.0
        for c in df.columns:
            if c in (speaker, start, end):
                continue
            col = df[c]
            if not len(col):
                continue
            vals = col[col != ""]
            if not len(vals) or vals.str.fullmatch(r"[\d.,:\s+-]*").mean() > 0.5:
                continue
            mean_len = vals.str.len().mean()
            if mean_len > best_len:
                best, best_len = c, mean_len
        if best is not None and best_len >= 20:
            text = best
    if text is None:
        raise TranscriptFormatError(
            f"no column holds the turns' text (columns: {list(df.columns)}). Name it with "
            "text_column='...' (and speaker_column='...'), or for a survey export pass "
            "text_columns=[...] and id_column='...'.",
            path,
            line=1,
        )
    return {"speaker": speaker, "text": text, "start": start, "end": end}


def _turn_tables(df: pd.DataFrame, path: Path, opts: dict[str, Any], fmt: str) -> list[Document]:
    """One document per interview: the whole table, or one per value of the interview column."""
    col = _pick(df, opts.get("interview_column"), _INTERVIEW_NAMES, "interview_column", path)
    if col is None:
        return [_turn_table(df, path, opts, fmt)]
    docs = []
    for value, part in df.groupby(col, sort=False):
        if not str(value).strip():
            continue
        doc = _turn_table(part, path, opts, fmt, rows=part.index.tolist())
        doc.interview_id = str(value).strip()
        docs.append(doc)
    if not docs:
        raise TranscriptFormatError(f"the interview column {col!r} is empty in every row.", path, line=2)
    docs[0].info["interview_column"] = col
    return docs


def _turn_table(
    df: pd.DataFrame, path: Path, opts: dict[str, Any], fmt: str, rows: list[int] | None = None
) -> Document:
    cols = guess_columns(df, opts, path)
    sc, tc, st, en = cols["speaker"], cols["text"], cols["start"], cols["end"]
    utts: list[Utterance] = []
    texts = df[tc].tolist()
    speakers = df[sc].tolist() if sc else [""] * len(df)
    starts = df[st].tolist() if st else [""] * len(df)
    ends = df[en].tolist() if en else [""] * len(df)
    row_numbers = rows if rows is not None else range(len(df))
    for i, spk, txt, s, e in zip(row_numbers, speakers, texts, starts, ends):
        txt = " ".join(txt.split())
        if not txt:
            continue
        spk = " ".join(spk.split())
        u = Utterance(spk or None, txt, parse_timestamp(s) if s else None, parse_timestamp(e) if e else None, i + 2)
        if sc is None:
            u.speaker = "unknown"
            u.new_turn = True
        utts.append(u)
    if not utts:
        raise TranscriptFormatError(f"the text column {tc!r} is empty in every row.", path, line=2)
    return Document(utts, fmt, info={"columns": {k: v for k, v in cols.items() if v}})


def read_table(path: Path, opts: dict[str, Any]) -> tuple[list[Document], str | None]:
    """Read a CSV/XLSX transcript or survey into documents.

    Parameters
    ----------
    path : Path
        The file.
    opts : dict
        The options of :func:`cxinsight.read`.

    Returns
    -------
    documents : list of Document
    encoding : str or None
    """
    df, enc = load_table(path, opts)
    if df.empty or not len(df.columns):
        raise TranscriptFormatError("the table has no rows.", path, line=1)
    if opts.get("text_columns") or opts.get("format") == "survey":
        docs = read_survey(df, path, text_columns=opts.get("text_columns"), id_column=opts.get("id_column"))
        return _with_info(docs, opts), enc
    named = any(opts.get(k) for k in ("speaker_column", "text_column", "interview_column"))
    if not named and opts.get("format") is None:
        turn_like = _pick(df, None, _TEXT_NAMES, "text_column", path) is not None and (
            _pick(df, None, _SPEAKER_NAMES, "speaker_column", path) is not None
            or _pick(df, None, _INTERVIEW_NAMES, "interview_column", path) is not None
        )
        if not turn_like:
            prof = looks_like_survey(df)
            if prof is not None:
                docs = read_survey(df, path, profile=prof)
                docs[0].info["detected"] = "survey columns found automatically"
                return _with_info(docs, opts), enc
    fmt = "xlsx-turns" if path.suffix.lower() in (".xlsx", ".xlsm") else "csv-turns"
    docs = _turn_tables(df, path, opts, fmt)
    raw = 0
    for d in docs:
        raw += sum(count_words(u.text) + count_words(u.speaker or "") for u in d.utterances)
    docs[0].info["words_raw"] = raw
    return _with_info(docs, opts), enc


def _with_info(docs: list[Document], opts: dict[str, Any]) -> list[Document]:
    info = opts.pop("_info", None) or {}
    if docs:
        docs[0].info.update(info)
    return docs
