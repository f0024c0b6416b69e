"""Fuzzing the text, VTT and SRT readers: any input gives a Corpus or a TranscriptFormatError."""

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
