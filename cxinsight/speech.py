"""What counts as participant speech, and which participant variables make comparable groups.

One definition used by every step (themes, journey curves, insights, plots, report), so that
they all count the same people and the same segments.

Public functions
----------------
participant_mask
    Which segments are participant speech.
group_columns
    Which participant variables split a study into groups worth comparing.
group_values
    A participant variable's cleaned group labels (blanks become missing).
is_survey_tool_field
    Whether a column name is one of the survey tool's own bookkeeping fields.
"""

from __future__ import annotations

import re
from typing import Literal

import numpy as np
import pandas as pd

from cxinsight.errors import InputError

#: Roles whose speech is never participant speech.
NON_PARTICIPANT_ROLES = ("interviewer",)

#: Columns that identify a participant or a file rather than describe them.
ID_COLUMNS = (
    "interview_id", "participant_code", "participant", "respondent", "speaker", "source", "file",
    "path", "filename", "file_name", "date", "time", "timestamp", "email", "phone", "name",
    "participant_name", "interviewer", "interviewer_name", "first_name", "last_name",
    "full_name", "address", "ip", "url", "notes", "comment", "comments", "transcript",
)

#: Bookkeeping fields written by survey tools (Qualtrics, SurveyMonkey, Google Forms,
#: Typeform, Microsoft Forms, LimeSurvey, Alchemer), compared after :func:`_norm`.
SURVEY_TOOL_FIELDS = frozenset(
    re.sub(r"[^a-z0-9]", "", name.lower())
    for name in (
        # Qualtrics
        "StartDate", "EndDate", "Status", "IPAddress", "Progress", "Duration (in seconds)",
        "Duration", "Finished", "RecordedDate", "ResponseId", "RecipientLastName",
        "RecipientFirstName", "RecipientEmail", "ExternalReference", "ExternalDataReference",
        "LocationLatitude", "LocationLongitude", "DistributionChannel", "UserLanguage",
        "Q_RecaptchaScore", "Q_RelevantIDDuplicate", "Q_RelevantIDDuplicateScore",
        "Q_RelevantIDFraudScore", "Q_RelevantIDLastStartDate", "Q_BallotBoxStuffing",
        "Q_TotalDuration", "Q_DuplicateRespondent",
        # SurveyMonkey
        "Respondent ID", "Collector ID", "Start Date", "End Date", "IP Address", "Email Address",
        "First Name", "Last Name", "Custom Data 1", "Custom Data", "Collector",
        # Google Forms / Microsoft Forms
        "Timestamp", "Completion time", "Start time", "Id", "Email", "Name", "Last modified time",
        # Typeform
        "#", "Network ID", "Submit Date (UTC)", "Start Date (UTC)", "Response Type", "Tags",
        # LimeSurvey / Alchemer
        "id", "submitdate", "lastpage", "startlanguage", "seed", "startdate", "datestamp",
        "ipaddr", "refurl", "Response ID", "Time Started", "Date Submitted", "Language",
        "Referer", "SessionID", "User Agent", "Longitude", "Latitude", "Postal",
        "Response Status", "Completion Status", "Interview Status",
    )
)

#: Values that mean "no answer" and never form a group.
BLANK_VALUES = frozenset({
    "", "nan", "none", "null", "na", "n/a", "n.a.", "-", "--", "\u2014", "\u2013", "?",
    "missing", "not answered", "no answer", "no response", "prefer not to say", "unknown", "<na>",
    "nat",
})

#: Group labels that mark a survey response's completion state (``Complete``, ``Partial``):
#: a column holding only these is the tool's status field whatever its name.
STATUS_VALUES = frozenset({
    "complete", "completed", "partial", "incomplete", "finished", "unfinished", "in progress",
    "screened out", "disqualified", "over quota", "survey preview", "survey test", "spam",
    "imported", "ip address", "true", "false",
})

_ID_SUFFIXES = ("_id", "_name", "_date", "_time", "_at", "_email", "_phone", "_code",
                "_path", "_file", "_url", "_ip")


def _norm(name: object) -> str:
    return re.sub(r"[^a-z0-9#]", "", str(name).lower())


def participant_mask(
    segments: pd.DataFrame,
    *,
    backchannels: Literal["exclude", "include"] = "exclude",
    by: str = "interview_id",
) -> np.ndarray:
    """Return which segments are participant speech.

    A segment is participant speech when its ``role`` is ``participant``. An interview (rows
    sharing ``by``) in which no segment has that role (a subtitle file or a transcript without
    speaker roles) counts every segment not spoken by the interviewer. Without a ``role``
    column every segment counts; without a ``by`` column the whole table is one interview.

    Parameters
    ----------
    segments : DataFrame
        A ``segments`` (or ``turns``) table.
    backchannels : {"exclude", "include"}, default "exclude"
        Whether back-channels ("yeah", "mm-hmm"; ``is_backchannel``) count as speech.
    by : str, default "interview_id"
        The column that says which interview a segment belongs to.

    Returns
    -------
    ndarray of bool
        One entry per row of ``segments``, in order.

    Raises
    ------
    ValueError
        If ``backchannels`` is not ``"exclude"`` or ``"include"``.
    """
    if backchannels not in ("exclude", "include"):
        raise InputError(f"backchannels={backchannels!r}; use 'exclude' or 'include'.")
    n = len(segments)
    if "role" not in segments.columns:
        mask = np.ones(n, dtype=bool)
    else:
        role = segments["role"].astype("string").str.strip().str.lower().fillna("unknown")
        is_part = (role == "participant").to_numpy()
        not_interviewer = (~role.isin(NON_PARTICIPANT_ROLES)).to_numpy()
        if by in segments.columns:
            keys = segments[by].astype("string").fillna("<missing>")
            has_part = pd.Series(is_part, index=segments.index).groupby(keys.to_numpy()).transform("any")
            labelled = has_part.to_numpy(dtype=bool)
        else:
            labelled = np.full(n, bool(is_part.any()))
        mask = np.where(labelled, is_part, not_interviewer)
    if backchannels == "exclude" and "is_backchannel" in segments.columns:
        bc = segments["is_backchannel"].astype("boolean").fillna(False).to_numpy(dtype=bool)
        mask = mask & ~bc
    return np.asarray(mask, dtype=bool)


def is_survey_tool_field(name: object) -> bool:
    """True when ``name`` is a survey tool's own field (``Status``, ``Progress``, ``ResponseId``…)."""
    return _norm(name) in SURVEY_TOOL_FIELDS


def _is_identifier(name: object) -> bool:
    raw = str(name).strip()
    low = raw.lower()
    if low in ID_COLUMNS or _norm(raw) in {_norm(c) for c in ID_COLUMNS}:
        return True
    snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", raw).lower().replace(" ", "_")
    return snake.endswith(_ID_SUFFIXES)


def group_values(participants: pd.DataFrame, column: str) -> pd.Series:
    """A participant variable as group labels: stripped strings, blanks as missing.

    Parameters
    ----------
    participants : DataFrame
        ``corpus.participants``.
    column : str
        The variable.

    Returns
    -------
    Series of object
        Same index as ``participants``; ``NaN`` where the participant gave no answer.
    """
    if column not in participants.columns:
        raise KeyError(f"{column!r} is not a column of the participants table.")
    s = participants[column]
    out = pd.Series(np.nan, index=s.index, dtype="object")
    ok = s.notna()
    text = s[ok].map(_as_label)
    keep = ~text.str.lower().isin(BLANK_VALUES)
    out.loc[text.index[keep]] = text[keep]
    return out


def _as_label(v: object) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return " ".join(str(v).split())


_DATE_RE = re.compile(
    r"^\d{4}-\d{1,2}-\d{1,2}([ T]\d{1,2}:\d{2}(:\d{2})?.*)?$|^\d{1,2}[/.]\d{1,2}[/.]\d{2,4}( .*)?$"
    r"|^\d{1,2}:\d{2}(:\d{2})?$"
)


def _looks_like_dates(values: pd.Series) -> bool:
    return bool(values.map(lambda v: bool(_DATE_RE.match(v))).mean() >= 0.8)


def group_columns(
    participants: pd.DataFrame,
    *,
    max_groups: int = 8,
    min_group_size: int = 2,
    max_label_words: int = 6,
) -> list[str]:
    """Participant variables that split the study into groups worth comparing.

    A variable qualifies when, after blanks are removed (:data:`BLANK_VALUES` never form a
    group), it has 2 to ``max_groups`` distinct values, at least two of which hold
    ``min_group_size`` or more participants, and it is none of: an identifier or name
    (``interview_id``, ``participant_code``, ``*_id``, ``email``…), a survey tool's own field
    (``Status``, ``Progress``, ``Finished``, ``RecordedDate``, ``IPAddress``, ``ResponseId``,
    ``Duration``…, or any column holding only completion states such as
    ``Complete``/``Partial``), a date or time, a number or a yes/no flag stored as numbers, or
    free text (every value different, or labels longer than ``max_label_words`` words).

    Parameters
    ----------
    participants : DataFrame
        ``corpus.participants``.
    max_groups : int, default 8
        Most groups a comparison variable may have.
    min_group_size : int, default 2
        Participants a group needs to count towards the "two groups" rule.
    max_label_words : int, default 6
        Longer labels mark a free-text column.

    Returns
    -------
    list of str
        Column names, in the table's order.
    """
    out: list[str] = []
    for col in participants.columns:
        if _is_identifier(col) or is_survey_tool_field(col):
            continue
        s = participants[col]
        if pd.api.types.is_bool_dtype(s) or pd.api.types.is_numeric_dtype(s):
            continue
        if pd.api.types.is_datetime64_any_dtype(s) or isinstance(s.dtype, pd.PeriodDtype):
            continue
        vals = group_values(participants, col).dropna()
        if vals.empty:
            continue
        counts = vals.value_counts()
        if not 2 <= len(counts) <= max_groups or int((counts >= min_group_size).sum()) < 2:
            continue
        if len(counts) == len(vals):
            continue
        labels = pd.Series(counts.index.astype(str))
        if set(labels.str.lower()) <= STATUS_VALUES:
            continue
        if _looks_like_dates(labels) or labels.str.split().str.len().max() > max_label_words:
            continue
        out.append(col)
    return out


__all__ = [
    "BLANK_VALUES", "ID_COLUMNS", "NON_PARTICIPANT_ROLES", "STATUS_VALUES", "SURVEY_TOOL_FIELDS",
    "group_columns", "group_values", "is_survey_tool_field", "participant_mask",
]
