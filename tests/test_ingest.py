"""Readers: one realistic fixture per transcript variant, exact speakers, roles, texts, times."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

import cxinsight as cx
from cxinsight.errors import CxInsightWarning, TranscriptFormatError

TRANSCRIPTS = Path(__file__).resolve().parent / "fixtures" / "transcripts"
FMT = TRANSCRIPTS / "formats"
BAD = TRANSCRIPTS / "bad"


def _read(name: str, **kw):
    return cx.read(FMT / name, **kw)


def _rows(corpus):
    t = corpus.turns
    return list(zip(t["speaker"], t["role"], t["text"]))


def _times(corpus):
    t = corpus.turns
    return [
        (None if math.isnan(s) else round(s, 3), None if math.isnan(e) else round(e, 3))
        for s, e in zip(t["start"], t["end"])
    ]


# ---------------------------------------------------------------------------- plain text
def test_plain_names_continuations_preamble_and_redaction_markers():
    c = _read("plain names.txt")
    assert c.turns["interview_id"].tolist() == ["plain names"] * 6
    assert c.turns["turn"].tolist() == list(range(6))
    assert _rows(c) == [
        ("Tom Reilly", "interviewer", "Thanks for joining. How did you first hear about GreenCrate?"),
        ("Sarah Collins", "participant",
         "Honestly it was an Instagram ad. My sister had been on at me about it too. "
         "She said the recipes were dead easy."),
        ("Tom Reilly", "interviewer", "And what made you actually sign up?"),
        ("Sarah Collins", "participant",
         "The first box was half price, so I thought, why not. And [Company X] had put their "
         "prices up, so the timing was right."),
        ("Tom Reilly", "interviewer", "Mm-hmm. Was there anything you nearly didn't like?"),
        ("Sarah Collins", "participant", "The price after the offer: that was a shock."),
    ]
    f = c.meta["files"][0]
    assert f["format"] == "text" and f["encoding"] == "utf-8" and f["turns"] == 6
    assert f["preamble_lines"] == 3  # title, "Date:" and "Interviewer:" header lines are not turns
    assert f["interview_id"] == "plain names"
    assert c.turns["source"].iloc[0].endswith("plain names.txt")
    assert c.turns["start"].isna().all()
    # roles decided by who asks the questions
    assert {s["speaker"]: s["role_from"] for s in c.meta["speakers"]} == {
        "Tom Reilly": "evidence", "Sarah Collins": "others"}


def test_upper_case_labels_with_bracket_timestamps():
    c = _read("upper_timestamps.txt")
    assert [s for s, _, _ in _rows(c)] == ["TOM REILLY", "LIAM O'CONNOR"] * 2
    assert c.turns["text"].tolist()[1] == "A leaflet in the door, would you believe. It was the week we moved house."
    # inline timestamp removed from the text, turn start kept
    assert c.turns["text"].tolist()[3] == "Grand, mostly. The spinach was wilted though."
    assert c.turns["start"].tolist() == [0.0, 8.0, 21.0, 27.0]
    assert c.turns["role"].tolist() == ["interviewer", "participant"] * 2


def test_numbered_label_drift_and_alias_merge():
    with pytest.warns(cx.CxInsightWarning, match=r"merged speaker labels .* label_drift \(1\)"):
        c = cx.read(FMT / "label_drift.txt")
    assert c.turns["speaker"].tolist() == ["Interviewer 1", "Chloe Martin"] * 4
    assert c.turns["role"].tolist() == ["interviewer", "participant"] * 4
    assert c.meta["aliases"] == [
        {"interview_id": "label_drift", "alias": "CM", "merged_into": "Chloe Martin"}
    ]
    assert c.turns["text"].iloc[7] == "Probably, yeah. The recipes are the best bit."


def test_alias_merge_can_be_switched_off():
    c = cx.read(FMT / "label_drift.txt", merge_aliases=False)
    assert c.turns["speaker"].tolist()[-2:] == ["Interviewer 1", "CM"]
    assert c.meta["aliases"] == []


def test_short_role_labels():
    c = _read("iq_labels.txt")
    assert [(s, r) for s, r, _ in _rows(c)] == [
        ("I", "interviewer"), ("R", "participant"), ("I", "interviewer"), ("R", "participant"),
        ("Q", "interviewer"), ("A", "participant"),
    ]
    assert {s["role_from"] for s in c.meta["speakers"]} == {"label"}


def test_parenthesised_and_inline_timestamps():
    c = _read("paren_timestamps.txt")
    assert c.turns["start"].tolist() == [5.0, 9.0, 15.0, 20.0]
    assert c.turns["text"].iloc[3] == "Nearly three years now. Since my husband passed, really."
    assert c.turns["speaker"].tolist() == ["Megan Ford", "Patricia Nolan"] * 2


def test_bare_leading_timestamps_merge_same_speaker():
    c = _read("bare_timestamps.txt")
    assert c.turns["speaker"].tolist() == ["Megan Ford", "Patricia Nolan", "Megan Ford", "Patricia Nolan"]
    assert c.turns["start"].tolist() == [62.0, 69.0, 91.0, 96.0]
    assert c.turns["text"].iloc[1] == (
        "Oh, they're wonderful. A lovely lad called Marcus sorted it all. He rang me back the same day."
    )


def test_markdown_bold_labels():
    c = _read("markdown.md")
    assert c.meta["files"][0]["format"] == "markdown"
    # the "- Interviewer: ..." metadata list above the transcript is not a turn
    assert c.meta["files"][0]["preamble_lines"] == 4
    assert _rows(c) == [
        ("Megan Ford", "interviewer", "Could you walk me through a normal week with GreenCrate?"),
        ("Priyanka Shah", "participant",
         "Sure! Monday is the box, and the kids pick two recipes each. They love the fajitas."),
        ("Megan Ford", "interviewer", "And how does the app fit in?"),
        ("Priyanka Shah", "participant", "It's fine for choosing meals, but skipping a week is buried."),
    ]


def test_otter_text_export():
    c = _read("otter_export.txt")
    f = c.meta["files"][0]
    assert f["format"] == "otter"
    assert c.turns["speaker"].tolist() == ["Aisha Khan", "David Okafor", "Aisha Khan", "David Okafor", "Aisha Khan"]
    assert c.turns["start"].tolist() == [0.0, 7.0, 12.0, 18.0, 3735.0]  # MM:SS and H:MM:SS
    assert c.turns["text"].iloc[3] == (
        "A podcast ad, I think. Yeah, one of those true crime ones. The code gave me sixty percent off."
    )
    # header block and footer are not text
    assert not c.turns["text"].str.contains("SUMMARY|SPEAKERS|otter.ai").any()
    assert c.turns["role"].tolist() == ["interviewer", "participant"] * 2 + ["interviewer"]


# ---------------------------------------------------------------------------- encodings
@pytest.mark.parametrize(
    "name, encoding",
    [
        ("utf16 le.txt", "utf-16-le"),
        ("utf16be.txt", "utf-16-be"),
        ("utf8 bom.txt", "utf-8-sig"),
    ],
)
def test_unicode_encodings(name, encoding):
    c = cx.read(FMT / name)
    assert c.meta["files"][0]["encoding"] == encoding
    assert c.turns["speaker"].tolist() == ["Tom Reilly", "Owen Pryce"] * 2
    assert c.turns["text"].iloc[3] == "My partner\u2019s work did a deal \u2014 twenty percent off."
    assert not c.turns["text"].str.contains("\r|\ufeff").any()


def test_cp1252_with_crlf():
    c = cx.read(FMT / "cp1252.txt")
    assert c.meta["files"][0]["encoding"] == "cp1252"
    assert c.turns["text"].iloc[1] == "\u00a334.99 a week is a lot. It\u2019s \u201cpremium\u201d pricing, isn\u2019t it?"
    assert c.turns["text"].iloc[3] == "Those I liked. The cr\u00e8me fra\u00eeche one especially."


def test_forced_encoding_that_does_not_fit_is_explained():
    with pytest.raises(TranscriptFormatError, match="could not decode the file as 'ascii'"):
        cx.read(FMT / "cp1252.txt", encoding="ascii")


# ---------------------------------------------------------------------------- subtitles
def test_zoom_vtt_merges_cues_and_continues_speaker():
    c = cx.read(FMT / "zoom.vtt")
    assert c.meta["files"][0]["format"] == "vtt-zoom"
    assert _rows(c) == [
        ("Tom Reilly", "interviewer", "So, Margaret, how did you first hear about GreenCrate?"),
        ("Margaret Doyle", "participant",
         "My daughter set it up for me, for my birthday. She thought I wasn't eating properly."),
        ("Tom Reilly", "interviewer", "And were you?"),
        ("Margaret Doyle", "participant", "Well, toast counts, doesn't it?"),
    ]
    assert _times(c) == [(0.0, 4.2), (4.9, 12.4), (13.0, 15.25), (15.8, 19.0)]


def test_teams_vtt_voice_tags_unpadded_times_crlf():
    c = cx.read(FMT / "teams.vtt")
    assert c.meta["files"][0]["format"] == "vtt-teams"
    assert c.turns["speaker"].tolist() == ["Megan Ford", "Robert Hale", "Megan Ford"]
    assert _times(c) == [(0.57, 6.9), (7.5, 14.1), (14.8, 62.3)]
    assert c.turns["text"].iloc[0] == "Hi Robert, can you hear me alright? Thanks for making the time this morning."
    assert c.turns["text"].iloc[2] == "Ha, noted. So how long have you had GreenCrate & the app?"


def test_stream_vtt_notes_change_markers_and_escaped_markers():
    c = cx.read(FMT / "stream.vtt")
    f = c.meta["files"][0]
    assert f["format"] == "vtt-stream" and f["notes"] == 2
    assert _rows(c) == [
        ("Aisha Khan", "interviewer",
         "Okay, we're recording. Thanks for joining, Ahmed. Could you start with how you found GreenCrate?"),
        ("Ahmed Rahman", "participant",
         "A friend at work. She got a referral credit. Which, to be fair, I only found out later."),
        ("Aisha Khan", "interviewer", "Right. And the first box?"),
        ("Ahmed Rahman", "participant", "Late. Two days late & no tracking."),
    ]
    assert _times(c) == [(1.0, 6.5), (7.0, 14.0), (14.5, 16.0), (16.5, 20.0)]
    assert not c.turns["text"].str.contains("NOTE|confidence|>>").any()


def test_txt_that_is_really_vtt_is_sniffed():
    c = cx.read(FMT / "vtt_saved_as.txt")
    assert c.meta["files"][0]["format"] == "vtt-zoom"
    assert len(c.turns) == 4


def test_srt_with_speaker_labels():
    c = cx.read(FMT / "labelled.srt")
    assert c.meta["files"][0]["format"] == "srt"
    assert _rows(c) == [
        ("Megan Ford", "interviewer",
         "okay I think the captions are running now. thanks hannah I know it's your lunch break."),
        ("Hannah Becker", "participant", "Hi, yeah, no worries. I'm eating a sad desk salad."),
        ("Megan Ford", "interviewer", "Ha. Could you tell me about your first box?"),
    ]
    assert _times(c) == [(0.623, 8.46), (9.1, 14.34), (15.0, 18.2)]


def test_srt_without_labels_splits_on_pauses_no_final_newline():
    assert not (FMT / "unlabelled.srt").read_bytes().endswith(b"\n")
    c = cx.read(FMT / "unlabelled.srt")
    assert c.meta["files"][0]["speaker_labels"] is False
    assert c.turns["speaker"].tolist() == ["unknown", "unknown"]
    # roles could not be decided: the speech is still analysed, as a participant's, and flagged
    assert c.turns["role"].tolist() == ["participant", "participant"]
    assert {s["role_from"] for s in c.meta["speakers"]} == {"assumed"}
    assert "no participant found" in c.tables["files"]["red_flags"].iloc[0]
    assert _times(c) == [(0.0, 6.0), (9.0, 17.8)]
    assert c.turns["text"].iloc[1] == "and did the offer make a difference yeah definitely the half price box that's what got me"
    # a longer pause threshold keeps it one turn
    assert len(cx.read(FMT / "unlabelled.srt", pause=5).turns) == 1


# ---------------------------------------------------------------------------- docx
def test_docx_teams_layout():
    c = cx.read(FMT / "teams transcript.docx")
    f = c.meta["files"][0]
    assert f["format"] == "docx" and f["layout"] == "speaker-timestamp" and f["encoding"] is None
    assert c.turns["speaker"].tolist() == ["Aisha Khan", "James Whitfield"] * 2
    assert c.turns["start"].tolist() == [3.0, 8.0, 15.0, 21.0]
    assert c.turns["text"].iloc[1] == "Yes, fine. I've got about half an hour. Sorry, go ahead."
    assert c.turns["interview_id"].iloc[0] == "teams transcript"


def test_docx_otter_layout():
    c = cx.read(FMT / "otter.docx")
    assert c.turns["speaker"].tolist() == ["Aisha Khan", "George Mensah"] * 2
    assert c.turns["start"].tolist() == [0.0, 5.0, 11.0, 16.0]
    assert c.turns["text"].iloc[3] == "Marvellous. A young woman called Dee rang me back within the hour."
    assert not c.turns["text"].str.contains("otter.ai").any()


def test_docx_word_labels():
    c = cx.read(FMT / "word labels.docx")
    assert c.meta["files"][0]["layout"] == "labels"
    assert _rows(c) == [
        ("Interviewer", "interviewer", "What made you cancel?"),
        ("Participant", "participant",
         "The billing. They charged me for a week I had skipped. I only noticed on my bank statement."),
        ("Interviewer", "interviewer", "Did you get it back?"),
        ("Participant", "participant", "Eventually, after three emails."),
    ]


def test_docx_table_layout():
    c = cx.read(FMT / "table.docx")
    assert c.meta["files"][0]["layout"] == "table"
    assert c.turns["speaker"].tolist() == ["Megan Ford", "Emily Tran", "Megan Ford"]
    assert c.turns["start"].tolist() == [2.0, 7.0, 15.0]
    assert c.turns["text"].iloc[1] == "Clunky. Skipping a week took me five taps."


# ---------------------------------------------------------------------------- tables
def test_csv_turns_bom_crlf_embedded_newline_sparse_times():
    c = cx.read(FMT / "turns.csv")
    f = c.meta["files"][0]
    assert f["format"] == "csv-turns" and f["encoding"] == "utf-8-sig"
    assert c.turns["speaker"].tolist() == ["Megan Ford", "Emily Tran", "Megan Ford", "Emily Tran", "Megan Ford"]
    # an empty speaker cell continues the previous speaker; the embedded newline is a space
    assert c.turns["text"].iloc[3] == "Sure. I'm a UX designer. I have opinions about apps. Which is, um, maybe relevant later."
    starts = c.turns["start"].tolist()
    assert starts[0] == 0.0 and math.isnan(starts[1]) and starts[2:] == [31.0, 36.0, 70.0]


def test_xlsx_turns_guessed_columns():
    c = cx.read(FMT / "turns.xlsx")
    f = c.meta["files"][0]
    assert f["format"] == "xlsx-turns"
    assert f["columns"] == {"speaker": "Speaker", "text": "Utterance", "start": "Start"}
    assert _rows(c) == [
        ("Tom Reilly", "interviewer", "What's your favourite recipe so far?"),
        ("Liam O'Connor", "participant", "The katsu curry, no contest. The kids fight over it."),
        ("Tom Reilly", "interviewer", "Ha. And anything you'd change?"),
    ]


def test_csv_columns_can_be_named():
    c = cx.read(FMT / "turns.xlsx", speaker_column="Speaker", text_column="Utterance", start_column="Start")
    assert len(c.turns) == 3
    with pytest.raises(TranscriptFormatError, match="text_column='Words' is not a column"):
        cx.read(FMT / "turns.xlsx", text_column="Words")


def test_survey_mode():
    c = cx.read(
        FMT / "survey.csv",
        text_columns=["What did you like most?", "What should we improve?"],
        id_column="respondent_id",
    )
    assert c.meta["files"][0]["format"] == "survey"
    assert c.turns["interview_id"].tolist() == ["R001", "R001", "R002", "R003"]
    assert c.turns["role"].unique().tolist() == ["participant"]
    assert c.turns["question"].tolist() == [
        "What did you like most?", "What should we improve?", "What should we improve?", "What did you like most?"
    ]
    assert c.turns["text"].iloc[2] == "Delivery windows. I'm never home and there's no tracking."
    p = c.participants.set_index("interview_id")
    assert p.loc["R002", "nps"] == 3 and p.loc["R003", "stars"] == 5
    assert p.loc["R001", "segment"] == "family"
    assert c.meta["files"][0]["respondents_without_answers"] == 1


def test_survey_unknown_column_is_explained():
    with pytest.raises(TranscriptFormatError, match=r"text_columns \['Comments'\] are not columns"):
        cx.read(FMT / "survey.csv", text_columns=["Comments"])


# ---------------------------------------------------------------------------- roles
def test_roles_option_overrides_everything():
    c = cx.read(FMT / "zoom.vtt", roles={"margaret doyle": "interviewer", "Tom Reilly": "participant"})
    assert c.turns["role"].tolist() == ["participant", "interviewer"] * 2
    assert {s["role_from"] for s in c.meta["speakers"]} == {"option"}


def test_roles_option_per_interview():
    c = cx.read(FMT / "unlabelled.srt", roles={"unlabelled": {"unknown": "participant"}, "other": {"unknown": "interviewer"}})
    assert c.turns["role"].tolist() == ["participant", "participant"]


def test_roles_option_rejects_unknown_role():
    with pytest.raises(ValueError, match="allowed roles"):
        cx.read(FMT / "zoom.vtt", roles={"Tom Reilly": "host"})


def test_manifest_names_the_interviewer(tmp_path):
    # no questions asked at all: only the manifest can tell
    p = tmp_path / "x.txt"
    p.write_text("Ann Lee: Tell me about the box.\nBob Ray: It was late.\nAnn Lee: Go on.\nBob Ray: No tracking.\n")
    import pandas as pd

    c = cx.read(p, manifest=pd.DataFrame({"interview_id": ["x"], "interviewer": ["Ann Lee"], "nps": [7]}))
    assert c.turns["role"].tolist() == ["interviewer", "participant"] * 2
    assert c.participants.to_dict("records") == [{"interview_id": "x", "interviewer": "Ann Lee", "nps": 7}]
    with pytest.warns(CxInsightWarning, match="roles could not be decided"):
        no_manifest = cx.read(p)
    # no clear evidence: not guessed, but nobody is excluded either
    assert set(no_manifest.turns["role"]) == {"participant"}
    assert {s["role_from"] for s in no_manifest.meta["speakers"]} == {"assumed"}


def test_unknown_option_is_a_type_error():
    with pytest.raises(TypeError, match="unknown option"):
        cx.read(FMT / "zoom.vtt", speakers={"a": "b"})


# ---------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    "name, line, message",
    [
        ("no_header.vtt", 1, "expected the header 'WEBVTT'"),
        ("empty.txt", None, "the file is empty"),
        ("no_speakers.txt", 1, "no speaker turns found"),
        ("no_text_column.csv", 1, "no column holds the turns' text"),
        ("bad_timing.srt", 2, "could not read the cue timing"),
        ("not_a_zip.docx", None, "could not open the Word file"),
    ],
)
def test_bad_single_files_raise_with_file_and_line(name, line, message):
    with pytest.raises(TranscriptFormatError, match=message) as info:
        cx.read(BAD / name)
    err = info.value
    assert isinstance(err, ValueError)
    assert err.path.endswith(name) and name in str(err)
    assert err.line == line


def test_unsupported_extension_is_explained(tmp_path):
    p = tmp_path / "interview.doc"
    p.write_bytes(b"\xd0\xcf\x11\xe0 old word")
    with pytest.raises(TranscriptFormatError, match="save it as .docx"):
        cx.read(p)


def test_missing_path():
    with pytest.raises(FileNotFoundError, match="does not exist"):
        cx.read(FMT / "nope.txt")


def test_raw_files_are_never_modified():
    before = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in FMT.iterdir()}
    with pytest.warns(cx.CxInsightWarning):
        cx.read(FMT)
    after = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in FMT.iterdir()}
    assert before == after
