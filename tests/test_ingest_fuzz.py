"""Fuzzing every reader (text, VTT, SRT, CSV/survey, JSON, DOCX): any input gives a Corpus or a
TranscriptFormatError."""

from __future__ import annotations

import tempfile
import warnings
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cxinsight as cx
from cxinsight.corpus import TURN_COLUMNS
from cxinsight.errors import TranscriptFormatError

_PIECES = [
    "WEBVTT", "WEBVTT\n\n", "\n", "\n\n", "\r\n", " ", "-->", " --> ", "00:00:01.000", "0:0:0.570",
    "00:00:02,500", "12", "1:02", "Jane Doe:", "JD:", "Interviewer 1:", "Interviewer1:", "I:", "Q:",
    ">>", "&gt;&gt;", "&amp;", "<v Jane Doe>", "<v>", "</v>", "<i>", "NOTE", "NOTE ", "STYLE",
    "**", "**Jane:**", "[00:01:02]", "(00:01:02)", "[", "(", ")", "]", "SUMMARY KEYWORDS",
    "Jane Doe  0:05", "Bob  1:02:03", "Transcribed by https://otter.ai", "\ufeff", "\x00", "?",
    "Yeah.", "So how was the box?", "It was late.", "#", "- ", "\t", ":", "é", "\u2019",
]

_text = st.lists(
    st.one_of(st.sampled_from(_PIECES), st.text(max_size=12)), max_size=60
).map("".join)


def _check(data: bytes, suffix: str) -> None:
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / f"fuzz{suffix}"
        p.write_bytes(data)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                corpus = cx.read(p)
        except TranscriptFormatError:
            return
        assert isinstance(corpus, cx.Corpus)
        assert list(corpus.turns.columns[: len(TURN_COLUMNS)]) == TURN_COLUMNS
        assert len(corpus.turns) >= 1
        assert corpus.turns["text"].str.len().gt(0).all()
        assert corpus.turns["turn"].tolist() == list(range(len(corpus.turns)))
        assert set(corpus.turns["role"]) <= {"interviewer", "participant", "unknown"}
        assert p.read_bytes() == data  # never modified


_SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_SETTINGS
@given(_text, st.sampled_from(["utf-8", "utf-16", "cp1252-ish"]))
def test_text_reader_fuzz(text, encoding):
    data = text.encode("utf-8") if encoding != "utf-16" else text.encode("utf-16")
    if encoding == "cp1252-ish":
        data = text.encode("utf-8", errors="replace") + b"\x93\x94\xa3"
    _check(data, ".txt")


@_SETTINGS
@given(_text)
def test_markdown_reader_fuzz(text):
    _check(text.encode("utf-8", errors="surrogatepass"), ".md")


@_SETTINGS
@given(_text, st.booleans())
def test_vtt_reader_fuzz(text, header):
    _check((("WEBVTT\n\n" if header else "") + text).encode("utf-8", errors="surrogatepass"), ".vtt")


@_SETTINGS
@given(_text)
def test_srt_reader_fuzz(text):
    _check(text.encode("utf-8", errors="surrogatepass"), ".srt")


@_SETTINGS
@given(st.binary(max_size=300), st.sampled_from([".txt", ".vtt", ".srt", ".md"]))
def test_arbitrary_bytes(data, suffix):
    _check(data, suffix)


# ---------------------------------------------------------------------------- tables, JSON, DOCX
_CELL = st.one_of(
    st.sampled_from(["", " ", "9", "10", "3.5", "Family", "Solo", "2024-03-01 10:00", "N/A", "yes",
                     "version control", "The box was late, again.", "=1+1", "\u00a0", "https://x.org",
                     "Interviewer", "Jane Doe", "?", "\n", '"', ","]),
    st.text(max_size=15),
)
_NAMES = st.one_of(
    st.sampled_from(["id", "ResponseId", "Respondent ID", "interview_id", "speaker", "text", "NPS",
                     "Status", "What did you like?", "Comments", "How\u00a0likely?", ""]),
    st.text(max_size=10),
)


def _check_path(p: Path, **kw) -> None:
    data = p.read_bytes()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            corpus = cx.read(p, **kw)
    except TranscriptFormatError:
        return
    assert isinstance(corpus, cx.Corpus)
    assert len(corpus.turns) >= 1
    assert corpus.turns["text"].str.len().gt(0).all()
    assert set(corpus.turns["role"]) <= {"interviewer", "participant", "unknown"}
    assert "files" in corpus.tables
    assert p.read_bytes() == data


_SMALL = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_SMALL
@given(st.lists(_NAMES, min_size=1, max_size=5), st.lists(st.lists(_CELL, max_size=6), max_size=8),
       st.sampled_from([None, "survey"]))
def test_csv_and_survey_reader_fuzz(header, rows, fmt):
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(header)
    for r in rows:  # ragged on purpose
        w.writerow(r)
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "fuzz.csv"
        p.write_text(buf.getvalue(), encoding="utf-8", errors="surrogatepass")
        _check_path(p, format=fmt) if fmt else _check_path(p)


_JSON = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), _CELL,
              st.sampled_from(["speaker", "role", "text", "content", "messages"])),
    lambda kids: st.one_of(
        st.lists(kids, max_size=5),
        st.dictionaries(st.sampled_from(["speaker", "role", "text", "content", "messages", "id", "start",
                                         "from", "name", "turns", "x"]), kids, max_size=5),
    ),
    max_leaves=25,
)


@_SMALL
@given(_JSON, st.booleans())
def test_json_reader_fuzz(value, as_lines):
    import json

    with tempfile.TemporaryDirectory() as d:
        if as_lines and isinstance(value, list):
            p = Path(d) / "fuzz.jsonl"
            p.write_text("\n".join(json.dumps(v) for v in value))
        else:
            p = Path(d) / "fuzz.json"
            p.write_text(json.dumps(value))
        _check_path(p)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_text, min_size=1, max_size=8), st.integers(0, 3))
def test_docx_reader_fuzz(paragraphs, damage):
    import zipfile

    import docx

    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "fuzz.docx"
        doc = docx.Document()
        for para in paragraphs:
            clean = "".join(ch for ch in para if ch in "\t\n" or (ord(ch) >= 32 and not 0xD800 <= ord(ch) <= 0xDFFF))
            doc.add_paragraph(clean)
        doc.save(p)
        if damage:
            with zipfile.ZipFile(p) as zf:
                parts = {n: zf.read(n) for n in zf.namelist()}
            if damage == 1:  # a root element that is not w:document
                parts["word/document.xml"] = parts["word/document.xml"].replace(b"w:document", b"w:documentX")
            elif damage == 2:  # truncated XML
                parts["word/document.xml"] = parts["word/document.xml"][:200]
            else:  # document part missing
                parts.pop("word/document.xml")
            with zipfile.ZipFile(p, "w") as zf:
                for n, b in parts.items():
                    zf.writestr(n, b)
        _check_path(p)
