"""Chat exports as JSON or JSON Lines: a list of messages with a speaker and a text.

Accepted shapes (keys compared case-insensitively):

* a list of messages ``[{"speaker": "Jane", "text": "..."}, ...]``;
* an object holding such a list under ``messages``, ``turns``, ``utterances``,
  ``conversation``, ``transcript``, ``dialogue``, ``segments``, ``chat`` or ``items``;
* a list of such objects, one conversation each (its ``id``/``conversation_id`` names it);
* JSON Lines (``.jsonl``/``.ndjson``): one message per line.

The speaker is taken from ``speaker``, ``name``, ``author``, ``from``, ``sender``, ``user``
(a string or an object with a ``name``), else ``role``; the text from ``text``, ``content``,
``message``, ``body``, ``utterance`` or ``value`` (a list of parts ``{"type": "text", "text":
...}`` is joined); times from ``start``/``timestamp``/``time`` (seconds or ``00:01:02``) and
``end``. A message with no text is left out and counted.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cxinsight.errors import TranscriptFormatError
from cxinsight.ingest.base import Document, Utterance, count_words, parse_timestamp

__all__ = ["parse_chat"]

_LIST_KEYS = ("messages", "turns", "utterances", "conversation", "transcript", "dialogue", "segments", "chat", "items")
_SPEAKER_KEYS = ("speaker", "name", "author", "from", "sender", "user", "speaker_name", "participant")
_ROLE_KEYS = ("role", "speaker_role", "type")
_TEXT_KEYS = ("text", "content", "message", "body", "utterance", "value", "transcript")
_START_KEYS = ("start", "starttime", "start_time", "timestamp", "time", "created_at", "ts")
_END_KEYS = ("end", "endtime", "end_time")
_ID_KEYS = ("id", "conversation_id", "interview_id", "session_id", "chat_id", "title")


def _get(d: dict, keys: tuple[str, ...]) -> Any:
    low = {str(k).casefold(): v for k, v in d.items()}
    for k in keys:
        if k in low and low[k] not in (None, ""):
            return low[k]
    return None


def _text_of(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, str):
        return " ".join(v.split())
    if isinstance(v, list):
        return " ".join(t for t in (_text_of(p) for p in v) if t)
    if isinstance(v, dict):
        return _text_of(_get(v, ("text", "value", "content")))
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return str(v)
    return ""


def _speaker_of(m: dict) -> str | None:
    v = _get(m, _SPEAKER_KEYS)
    if isinstance(v, dict):
        v = _get(v, ("name", "display_name", "username", "id"))
    if isinstance(v, (str, int)) and str(v).strip():
        return " ".join(str(v).split())[:60]
    r = _get(m, _ROLE_KEYS)
    if isinstance(r, str) and r.strip():
        return " ".join(r.split())[:60]
    return None


def _time(v: Any) -> float | None:
    if isinstance(v, bool) or v is None:
        return None
    if isinstance(v, (int, float)):
        return float(v) if v == v and 0 <= v < 1e7 else None
    if isinstance(v, str):
        return parse_timestamp(v)
    return None


def _messages(obj: Any) -> list[dict] | None:
    if isinstance(obj, list) and obj and all(isinstance(m, dict) for m in obj):
        if any(_get(m, _TEXT_KEYS) is not None for m in obj):
            return obj
    if isinstance(obj, dict):
        inner = _get(obj, _LIST_KEYS)
        if isinstance(inner, list):
            return _messages(inner)
    return None


def _conversation(msgs: list[dict], fmt: str) -> Document:
    utts = []
    dropped = 0
    for i, m in enumerate(msgs, start=1):
        text = _text_of(_get(m, _TEXT_KEYS))
        if not text:
            dropped += 1
            continue
        utts.append(Utterance(_speaker_of(m) or "unknown", text, _time(_get(m, _START_KEYS)),
                              _time(_get(m, _END_KEYS)), i, new_turn=_speaker_of(m) is None))
    doc = Document(utts, fmt, info={"messages": len(msgs)})
    if dropped:
        doc.info["messages_without_text"] = dropped
    doc.info["words_raw"] = sum(count_words(u.text) + count_words(u.speaker or "") for u in utts)
    return doc


def parse_chat(text: str, *, path: str | Path | None = None, lines: bool = False) -> list[Document]:
    """Parse a JSON or JSON Lines chat export.

    Parameters
    ----------
    text : str
        Decoded file content.
    path : str or Path, optional
        For error messages.
    lines : bool, default False
        JSON Lines: one message (or one conversation) per line.

    Returns
    -------
    list of Document
        One per conversation (format ``json`` or ``jsonl``).

    Raises
    ------
    TranscriptFormatError
        Invalid JSON (with its line), nesting too deep, or no list of messages with text.
    """
    fmt = "jsonl" if lines else "json"
    try:
        if lines:
            obj = []
            for n, line in enumerate(text.split("\n"), start=1):
                if line.strip():
                    try:
                        obj.append(json.loads(line))
                    except json.JSONDecodeError as err:
                        raise TranscriptFormatError(
                            f"line is not valid JSON ({err.msg}); every line of a .jsonl file "
                            "must be one JSON object.",
                            path,
                            line=n,
                            column=err.colno,
                        ) from err
        else:
            obj = json.loads(text)
    except json.JSONDecodeError as err:
        raise TranscriptFormatError(f"not valid JSON ({err.msg}).", path, line=err.lineno, column=err.colno) from err
    except RecursionError as err:
        raise TranscriptFormatError("the JSON is nested too deeply to be a chat export.", path) from err
    docs: list[Document] = []
    msgs = _messages(obj)
    if msgs is not None:
        docs.append(_conversation(msgs, fmt))
    elif isinstance(obj, list) and obj and all(isinstance(c, dict) for c in obj):
        for k, conv in enumerate(obj, start=1):
            inner = _messages(conv)
            if inner is None:
                continue
            doc = _conversation(inner, fmt)
            cid = _get(conv, _ID_KEYS)
            doc.interview_id = " ".join(str(cid).split())[:80] if isinstance(cid, (str, int)) else f"{Path(str(path or 'chat')).stem}-{k}"
            docs.append(doc)
    docs = [d for d in docs if d.utterances]
    if not docs:
        raise TranscriptFormatError(
            "no chat messages found: expected a list of objects with a speaker (or role) and a "
            "text (or content), e.g. [{\"speaker\": \"Jane\", \"text\": \"Hello\"}], or an object "
            "with such a list under 'messages'.",
            path,
            line=1,
        )
    if len(docs) > 1:
        seen: set[str] = set()
        for k, d in enumerate(docs, start=1):
            if d.interview_id in seen:
                d.interview_id = f"{d.interview_id}-{k}"
            seen.add(d.interview_id)
    return docs
