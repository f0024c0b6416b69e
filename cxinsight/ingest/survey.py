"""Survey exports: one respondent per row, open-ended answers in some of the columns.

:func:`profile_columns` sorts every column of an export (Qualtrics, SurveyMonkey, Google
Forms, Typeform, a hand-made sheet) into one of

``id``
    the respondent id (``Respondent ID``, ``ResponseId``, ``id`` ... or the only column whose
    values are all distinct short codes);
``open``
    open-ended answers: free text, including short answers ("version control", "PowerBI");
``rating``
    whole numbers on a 0-10 (NPS) or 1-5/1-7 (stars, Likert) scale;
``numeric``
    other numbers;
``categorical``
    a small set of repeated values, or multiple-choice lists (``"Python 3, R"``) whose items
    recur;
``metadata``
    the survey tool's own fields (status, progress, duration, IP address, e-mail, timestamps,
    recorded/start/end dates, language, channel, location), any column of dates, and columns
    of URLs.

Column names are compared after Unicode NFKC normalisation, case folding and white-space
collapsing, so a header with no-break spaces or full-width characters still matches. Ratings
and categorical columns become participant variables (blank cells are missing, never a group);
metadata stays in ``corpus.participants`` but is not offered for grouping.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Any

import pandas as pd

from cxinsight.errors import TranscriptFormatError
from cxinsight.ingest.base import Document, Utterance, count_words

__all__ = ["norm_name", "profile_columns", "read_survey", "looks_like_survey", "find_column"]

_NON_WORD = re.compile(r"[\W_]+")
_ID_KEYS = (
    "respondentid", "responseid", "respondent", "participantid", "userid", "id", "submissionid",
    "recordid", "responsenumber", "respondentnumber", "caseid", "uuid",
)
#: survey tools' own fields (compared with the normalised name, no spaces or punctuation)
_META_KEYS = frozenset(
    "status progress duration durationinseconds finished recordeddate startdate enddate "
    "startedat submittedat completedat createdat updatedat lastmodified timestamp date time "
    "ipaddress ip email emailaddress useragent browser device operatingsystem os "
    "responsetype distributionchannel userlanguage language locationlatitude locationlongitude "
    "latitude longitude collectorid externalreference externaldatareference recipientemail "
    "recipientfirstname recipientlastname firstname lastname name fullname networkid "
    "customvariable1 customvariable2 token submitdate datesubmitted lastpage seed refurl "
    "startlanguage completed complete networkid respondentname".split()
)
_DATE = re.compile(
    r"\s*(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4})"
    r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:\s*[AP]M)?(?:\s*(?:Z|[+-]\d{2}:?\d{2}|[A-Z]{2,4}))?)?\s*\Z",
    re.IGNORECASE,
)
_URLISH = re.compile(r"\s*(?:https?://|www\.|[\w.+-]+@[\w-]+\.[\w.]+\s*\Z)", re.IGNORECASE)
_NUMBER = re.compile(r"\s*[-+]?\d+(?:[.,]\d+)?\s*\Z")
_LETTER = re.compile(r"[^\W\d_]")


def norm_name(name: Any) -> str:
    """Comparison form of a column name: NFKC, case folded, white space collapsed."""
    return " ".join(unicodedata.normalize("NFKC", str(name)).casefold().split())


def _key(name: Any) -> str:
    return _NON_WORD.sub("", norm_name(name))


def find_column(columns: list[str], wanted: str) -> str | None:
    """Return the column matching ``wanted`` after normalisation (exact first), or ``None``."""
    if wanted in columns:
        return wanted
    n = norm_name(wanted)
    hits = [c for c in columns if norm_name(c) == n]
    if len(hits) == 1:
        return hits[0]
    k = _key(wanted)
    hits = [c for c in columns if _key(c) == k]
    return hits[0] if len(hits) == 1 else None


def _items(values: list[str]) -> Counter:
    c: Counter = Counter()
    for v in values:
        for part in re.split(r"\s*[;,|]\s*", v):
            if part:
                c[part.casefold()] += 1
    return c


def _classify(name: str, values: list[str], n_rows: int) -> str:
    key = _key(name)
    filled = [v for v in values if v.strip()]
    if key in _META_KEYS or key.startswith(("ipaddress", "location", "recipient", "metadata")):
        return "metadata"
    if not filled:
        return "empty"
    n = len(filled)
    if all(_NUMBER.match(v) for v in filled):
        nums = [float(v.replace(",", ".")) for v in filled]
        if all(x.is_integer() for x in nums) and min(nums) >= 0 and max(nums) <= 10:
            return "rating"
        return "numeric"
    if sum(1 for v in filled if _DATE.match(v)) >= 0.8 * n:
        return "metadata"
    if sum(1 for v in filled if _URLISH.match(v)) >= 0.6 * n:
        return "metadata"
    if not any(_LETTER.search(v) for v in filled):
        return "metadata"
    distinct = len({v.casefold() for v in filled})
    unique_ratio = distinct / n
    mean_words = sum(len(v.split()) for v in filled) / n
    # sentences are answers, however often the same words recur (a short survey, copied
    # answers); categories and multiple-choice items are short labels
    if mean_words >= 6:
        return "open"
    # multiple choice: comma-separated items that recur across respondents
    if any("," in v or ";" in v for v in filled) and n >= 3:
        items = _items(filled)
        occurrences = sum(items.values())
        recurring = sum(c for c in items.values() if c >= 2)
        if len(items) <= 40 and recurring >= 0.7 * occurrences and occurrences > n:
            return "categorical"
    if n >= 4 and distinct <= max(12, 0.3 * n) and unique_ratio <= 0.5:
        return "categorical"
    if n >= 4 and unique_ratio <= 0.5 and mean_words < 3:
        return "categorical"
    return "open"


def profile_columns(df: pd.DataFrame, *, id_column: str | None = None) -> dict[str, Any]:
    """Sort the columns of a survey export into id, open-ended, rating, categorical, metadata.

    Parameters
    ----------
    df : DataFrame
        The export, all cells as strings (blank cells ``""``).
    id_column : str, optional
        The respondent id column, when known.

    Returns
    -------
    dict
        ``{"id": name or None, "open": [...], "rating": [...], "numeric": [...],
        "categorical": [...], "metadata": [...], "empty": [...]}``.
    """
    cols = [str(c) for c in df.columns]
    out: dict[str, Any] = {k: [] for k in ("open", "rating", "numeric", "categorical", "metadata", "empty")}
    rid = id_column
    if rid is None:
        by_key = {_key(c): c for c in cols}
        rid = next((by_key[k] for k in _ID_KEYS if k in by_key), None)
    if rid is None:
        for c in cols:
            vals = [v for v in df[c].tolist() if v.strip()]
            if (
                "id" in norm_name(c).split()
                and len(vals) == len(df)
                and len(set(vals)) == len(vals)
                and all(len(v) <= 40 and len(v.split()) == 1 for v in vals)
            ):
                rid = c
                break
    out["id"] = rid
    for c in cols:
        if c == rid:
            continue
        out[_classify(c, df[c].tolist(), len(df))].append(c)
    return out


def looks_like_survey(df: pd.DataFrame) -> dict[str, Any] | None:
    """Return the column profile when ``df`` reads as a survey export, else ``None``.

    A survey has open-ended columns and either a respondent id column, or at least two
    open-ended columns, or question-like headers (ending in ``?`` or ``:``).
    """
    prof = profile_columns(df)
    if not prof["open"]:
        return None
    questions = sum(1 for c in df.columns if str(c).strip().endswith(("?", ":", ".")) and len(str(c)) > 15)
    if prof["id"] is not None or len(prof["open"]) >= 2 or questions >= 1:
        return prof
    return None


def _variable(values: pd.Series, kind: str) -> list[Any]:
    if kind in ("rating", "numeric"):
        conv = pd.to_numeric(values.str.replace(",", ".", regex=False).replace("", None), errors="coerce")
        return [None if pd.isna(x) else (int(x) if float(x).is_integer() else float(x)) for x in conv]
    return [v if v.strip() else None for v in values.tolist()]


def read_survey(
    df: pd.DataFrame,
    path: Path,
    *,
    text_columns: list[str] | None = None,
    id_column: str | None = None,
    profile: dict[str, Any] | None = None,
) -> list[Document]:
    """One document per respondent: each non-blank open-ended answer is one turn.

    Parameters
    ----------
    df : DataFrame
        The export as strings.
    path : Path
        For messages and default ids.
    text_columns : list of str, optional
        The open-ended columns; found automatically when omitted.
    id_column : str, optional
        The respondent id column; found automatically when omitted.
    profile : dict, optional
        A ready column profile (from :func:`looks_like_survey`).

    Returns
    -------
    list of Document
        Each turn keeps its question in ``extra["question"]``; the respondent's other columns
        are in ``participant`` (blank cells are ``None``).

    Raises
    ------
    TranscriptFormatError
        A named column is missing, no open-ended column is found, or every answer is blank.
    """
    cols = [str(c) for c in df.columns]
    if id_column is not None:
        found = find_column(cols, id_column)
        if found is None:
            raise TranscriptFormatError(
                f"id_column={id_column!r} is not a column; the columns are {cols}.", path, line=1
            )
        id_column = found
    if text_columns is not None:
        resolved, missing = [], []
        for t in text_columns:
            f = find_column(cols, t)
            (resolved if f is not None else missing).append(f if f is not None else t)
        if missing:
            raise TranscriptFormatError(
                f"text_columns {missing} are not columns of the survey; the columns are {cols}.",
                path,
                line=1,
            )
        text_columns = resolved
    prof = profile if profile is not None and id_column is None else profile_columns(df, id_column=id_column)
    if text_columns is None:
        text_columns = prof["open"]
    if not text_columns:
        raise TranscriptFormatError(
            f"no open-ended (free-text) column found among {cols}. Name them with "
            "text_columns=[...] (and id_column='...').",
            path,
            line=1,
        )
    rid_col = prof["id"]
    kinds: dict[str, str] = {}
    for kind in ("rating", "numeric", "categorical", "metadata", "empty", "open"):
        for c in prof.get(kind, []):
            kinds[c] = kind
    var_cols = [c for c in cols if c not in text_columns and c != rid_col]
    variables = {c: _variable(df[c], kinds.get(c, "categorical")) for c in var_cols}
    docs: list[Document] = []
    seen: set[str] = set()
    empty = 0
    words_raw = 0
    records = df.to_dict("records")
    for i, rec in enumerate(records):
        rid = str(rec[rid_col]).strip() if rid_col else ""
        rid = rid or f"{path.stem}-{i + 1}"
        if rid in seen:
            rid = f"{rid}-{i + 1}"
        seen.add(rid)
        utts = []
        for c in text_columns:
            answer = " ".join(str(rec[c]).split())
            if answer:
                words_raw += count_words(answer)
                utts.append(Utterance(rid, answer, None, None, i + 2, extra={"question": c}))
        if not utts:
            empty += 1
            continue
        participant = {c: variables[c][i] for c in var_cols}
        docs.append(Document(utts, "survey", interview_id=rid, participant=participant))
    if not docs:
        raise TranscriptFormatError(f"every answer in {text_columns} is empty.", path, line=2)
    docs[0].info.update(
        {
            "respondents": len(docs),
            "respondents_without_answers": empty,
            "id_column": rid_col,
            "open_ended_columns": list(text_columns),
            "rating_columns": [c for c in prof.get("rating", []) if c not in text_columns],
            "categorical_columns": [c for c in prof.get("categorical", []) if c not in text_columns],
            "metadata_columns": [c for c in prof.get("metadata", []) if c not in text_columns],
            "words_raw": words_raw,
        }
    )
    return docs
