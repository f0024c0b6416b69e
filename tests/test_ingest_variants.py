"""Small inline variants of real exports that the fixture files do not cover."""

from __future__ import annotations

import warnings

import pytest

import cxinsight as cx
from cxinsight.errors import TranscriptFormatError


def _read(tmp_path, name, text, **kw):
    p = tmp_path / name
    p.write_bytes(text.encode("utf-8"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return cx.read(p, **kw)


def test_rev_style_label_with_timestamp_then_text_on_next_line(tmp_path):
    c = _read(
        tmp_path, "rev.txt",
        "Jane Doe (00:00:05):\nHow did the box arrive?\n\nBob Ray (00:00:09):\nLate, and warm.\n"
        "Jane Doe (00:00:15):\nOh no. What then?\n",
    )
    assert c.turns["speaker"].tolist() == ["Jane Doe", "Bob Ray", "Jane Doe"]
    assert c.turns["start"].tolist() == [5.0, 9.0, 15.0]
    assert c.turns["text"].tolist() == ["How did the box arrive?", "Late, and warm.", "Oh no. What then?"]


def test_timestamp_lines_before_labels(tmp_path):
    c = _read(tmp_path, "ts.txt", "[00:00:03]\nJane: Hello?\n\n[00:00:07]\nBob: Hi there.\n")
    assert c.turns["start"].tolist() == [3.0, 7.0]
    assert c.turns["text"].tolist() == ["Hello?", "Hi there."]


def test_prose_colons_and_times_stay_in_the_text(tmp_path):
    c = _read(
        tmp_path, "prose.txt",
        "Jane Doe: What went wrong?\nBob Ray: Two things.\nSo the main problem: the price.\n"
        "10:30 is when it finally came.\nNote: they never apologised.\nJane Doe: Right?\n",
    )
    assert c.turns["speaker"].tolist() == ["Jane Doe", "Bob Ray", "Jane Doe"]
    assert c.turns["text"].iloc[1] == (
        "Two things. So the main problem: the price. 10:30 is when it finally came. "
        "Note: they never apologised."
    )


def test_vtt_cue_settings_styling_and_inline_tags(tmp_path):
    c = _read(
        tmp_path, "styled.vtt",
        "WEBVTT Kind: captions\n\nSTYLE\n::cue { color: yellow }\n\n"
        "00:00:01.000 --> 00:00:03.000 align:start position:10%\n<c.yellow>Jane Doe:</c> <i>Really</i> late?\n\n"
        "00:03.500 --> 00:05.000\nBob Ray: Two <00:00:04.000>days late.\n",
    )
    assert c.turns["speaker"].tolist() == ["Jane Doe", "Bob Ray"]
    assert c.turns["text"].tolist() == ["Really late?", "Two days late."]
    assert c.turns["start"].tolist() == [1.0, 3.5] and c.turns["end"].tolist() == [3.0, 5.0]


def test_teams_cue_with_two_voices(tmp_path):
    c = _read(
        tmp_path, "two.vtt",
        "WEBVTT\n\n00:00:01.000 --> 00:00:04.000\n<v Ann Lee>Was it late?</v>\n<v Bob Ray>Very.</v>\n\n"
        "00:00:04.000 --> 00:00:06.000\n<v Bob Ray>Two days.</v>\n",
    )
    assert c.turns["speaker"].tolist() == ["Ann Lee", "Bob Ray"]
    assert c.turns["text"].tolist() == ["Was it late?", "Very. Two days."]
    assert c.meta["files"][0]["format"] == "vtt-teams"


def test_vtt_without_speakers_splits_on_pauses(tmp_path):
    c = _read(
        tmp_path, "plain.vtt",
        "WEBVTT\n\n00:00:00.000 --> 00:00:02.000\nhello\n\n00:00:02.100 --> 00:00:03.000\nthere\n\n"
        "00:00:09.000 --> 00:00:10.000\nnew bit\n",
    )
    assert c.meta["files"][0]["format"] == "vtt"
    assert c.turns["text"].tolist() == ["hello there", "new bit"]
    assert set(c.turns["role"]) == {"participant"}  # undecided roles count as participants (flagged)


def test_stream_marker_without_name_starts_a_new_turn(tmp_path):
    c = _read(
        tmp_path, "s.vtt",
        "WEBVTT\n\n00:00:00.000 --> 00:00:02.000\n&gt;&gt; How was it?\n\n"
        "00:00:02.000 --> 00:00:04.000\n&gt;&gt; Fine, thanks.\n",
    )
    assert c.turns["text"].tolist() == ["How was it?", "Fine, thanks."]
    assert c.turns["speaker"].tolist() == ["unknown", "unknown"]


def test_srt_with_missing_index_and_crlf(tmp_path):
    c = _read(
        tmp_path, "x.srt",
        "00:00:01,000 --> 00:00:02,000\r\nAnn Lee: Hi?\r\n\r\n2\r\n00:00:02,500 --> 00:00:04,000\r\nBob Ray: Hello.",
    )
    assert c.turns["speaker"].tolist() == ["Ann Lee", "Bob Ray"]
    assert c.turns["text"].tolist() == ["Hi?", "Hello."]


def test_format_option_forces_a_reader(tmp_path):
    c = _read(tmp_path, "notes.log", "Ann Lee: Hi?\nBob Ray: Hello.\n", format="text")
    assert c.turns["speaker"].tolist() == ["Ann Lee", "Bob Ray"]
    with pytest.raises(TranscriptFormatError, match="not a transcript format"):
        _read(tmp_path, "notes2.log", "Ann Lee: Hi?\n")


def test_explicit_aliases_and_first_name_merge(tmp_path):
    text = "Jane Doe: Hello, how was it?\nBob Ray: Late.\nJane: Oh no?\nBoss: Interrupting!\n"
    c = _read(tmp_path, "a.txt", text, aliases={"Boss": "Bob Ray"})
    assert c.turns["speaker"].tolist() == ["Jane Doe", "Bob Ray", "Jane Doe", "Bob Ray"]
    merged = {(a["alias"], a["merged_into"]) for a in c.meta["aliases"]}
    assert merged == {("Jane", "Jane Doe")}


def test_interviewer_then_participants_focus_group(tmp_path):
    c = _read(
        tmp_path, "fg.txt",
        "Moderator: What do you all think of the app?\nAnn: It's fine.\nBob: It crashes.\n"
        "Moderator: When?\nBob: On the skip screen.\n",
    )
    assert c.turns["role"].tolist() == ["interviewer", "participant", "participant", "interviewer", "participant"]


def test_csv_semicolon_delimiter_and_seconds(tmp_path):
    c = _read(tmp_path, "t.csv", "Speaker;Start;End;Utterance\nAnn;0;2.5;Hi?\nBob;3;5;Hello.\n")
    assert c.turns["speaker"].tolist() == ["Ann", "Bob"]
    assert c.turns["end"].tolist() == [2.5, 5.0]


def test_csv_without_speaker_column_gives_unknown_speaker_turns(tmp_path):
    c = _read(tmp_path, "t.csv", "timestamp,transcript\n00:00:01,first thing said\n00:00:04,second thing\n")
    assert c.turns["speaker"].tolist() == ["unknown", "unknown"]
    assert c.turns["text"].tolist() == ["first thing said", "second thing"]


def test_docx_with_pasted_subtitle_blocks(tmp_path):
    """Older Teams .docx: a timing line, the speaker's name, then the text."""
    import docx

    d = docx.Document()
    d.add_paragraph("Meeting transcript")
    for timing, name, text in [
        ("0:0:0.0 --> 0:0:5.220", "Jane Doe", "Thanks for coming. How was the box?"),
        ("0:0:5.500 --> 0:0:9.000", "Bob Ray", "It was late."),
        ("0:0:9.000 --> 0:0:12.000", "Bob Ray", "Two days late."),
        ("0:0:12.500 --> 0:0:14.000", "Jane Doe", "Oh no. Why?"),
    ]:
        d.add_paragraph(timing)
        d.add_paragraph(name)
        d.add_paragraph(text)
    p = tmp_path / "old teams.docx"
    d.save(p)
    c = cx.read(p)
    assert c.turns["speaker"].tolist() == ["Jane Doe", "Bob Ray", "Jane Doe"]
    assert c.turns["text"].iloc[1] == "It was late. Two days late."
    assert c.turns["start"].tolist() == [0.0, 5.5, 12.5]
    assert c.turns["end"].tolist() == [5.22, 12.0, 14.0]


def test_diarised_speaker_ids_in_brackets(tmp_path):
    c = _read(
        tmp_path, "whisper.srt",
        "1\n00:00:00,000 --> 00:00:02,000\n[SPEAKER_00]: How did you hear about us?\n\n"
        "2\n00:00:02,500 --> 00:00:06,000\n[SPEAKER_01]: A friend told me about it, ages ago now.\n\n"
        "3\n00:00:06,500 --> 00:00:08,000\n[SPEAKER_00]: And then?\n",
        roles={"SPEAKER_00": "interviewer", "SPEAKER_01": "participant"},
    )
    assert c.turns["speaker"].tolist() == ["SPEAKER_00", "SPEAKER_01", "SPEAKER_00"]
    assert c.turns["role"].tolist() == ["interviewer", "participant", "interviewer"]
    assert c.turns["text"].iloc[1] == "A friend told me about it, ages ago now."


def test_csv_with_several_interviews_and_manifest(tmp_path):
    import pandas as pd

    p = tmp_path / "all.csv"
    p.write_text(
        "interview_id,speaker,text\nA1,Ann,How was it?\nA1,Bob,Late.\n"
        "B2,Cat,What happened?\nB2,Dan,It was fine.\nB2,Dan,Really.\n"
    )
    manifest = pd.DataFrame({"interview_id": ["A1", "B2"], "interviewer": ["Ann", "Cat"], "nps": [3, 9]})
    c = cx.read(p, manifest=manifest)
    assert c.turns["interview_id"].tolist() == ["A1", "A1", "B2", "B2"]
    assert c.turns["role"].tolist() == ["interviewer", "participant"] * 2
    assert c.turns["text"].iloc[3] == "It was fine. Really."
    assert c.participants.set_index("interview_id")["nps"].to_dict() == {"A1": 3, "B2": 9}
    assert c.meta["manifest"]["unmatched"] == []
    assert c.meta["files"][0]["interviews"] == 2


def test_xlsx_survey_with_star_ratings(tmp_path):
    import pandas as pd

    p = tmp_path / "reviews.xlsx"
    pd.DataFrame(
        {
            "Response ID": [101, 102],
            "Stars": [2, 5],
            "Comment": ["Box arrived warm and the app crashed.", "Lovely recipes!"],
        }
    ).to_excel(p, index=False)
    c = cx.read(p, text_columns=["Comment"], id_column="Response ID")
    assert c.turns["interview_id"].tolist() == ["101", "102"]
    assert c.turns["question"].tolist() == ["Comment", "Comment"]
    assert c.participants.set_index("interview_id")["Stars"].to_dict() == {"101": 2, "102": 5}


def test_docx_bold_speaker_names_without_colons(tmp_path):
    import docx

    d = docx.Document()
    d.add_paragraph("Interview 7, notes typed during the call")
    for name, text in [
        ("Megan Ford", "How did you find the first box?"),
        ("Emily Tran", "Honestly? Clunky app, lovely food."),
        ("Megan Ford", "Say more about the app."),
    ]:
        para = d.add_paragraph()
        para.add_run(name).bold = True
        para.add_run("  " + text)
    emph = d.add_paragraph()
    emph.add_run("Never").bold = True
    emph.add_run(" again, she said, about the ice packs.")
    p = tmp_path / "bold.docx"
    d.save(p)
    c = cx.read(p)
    assert c.turns["speaker"].tolist() == ["Megan Ford", "Emily Tran", "Megan Ford"]
    # a bold word used once is emphasis, not a speaker: the line continues the last turn
    assert c.turns["text"].iloc[2] == "Say more about the app. Never again, she said, about the ice packs."
    assert c.turns["text"].iloc[1] == "Honestly? Clunky app, lovely food."


def test_tab_separated_speaker_names(tmp_path):
    c = _read(
        tmp_path, "tabs.txt",
        "Interviewer\tHow was the first box?\nSarah Collins\tLate, and warm.\n\tIt sat on the step all day.\n"
        "Interviewer\tOh no. And then?\nSarah Collins\tI rang them.\n",
    )
    assert c.turns["speaker"].tolist() == ["Interviewer", "Sarah Collins"] * 2
    assert c.turns["text"].iloc[1] == "Late, and warm. It sat on the step all day."
    assert c.turns["role"].tolist() == ["interviewer", "participant"] * 2


def test_stream_marker_repeated_for_same_speaker_merges(tmp_path):
    c = _read(
        tmp_path, "rep.vtt",
        "WEBVTT\n\n00:00:00.000 --> 00:00:02.000\n>> Ann Lee: How was it?\n\n"
        "00:00:02.000 --> 00:00:04.000\n>> Ann Lee: Honestly?\n\n"
        "00:00:04.500 --> 00:00:06.000\n>> Bob Ray: Fine.\n",
    )
    assert c.turns["speaker"].tolist() == ["Ann Lee", "Bob Ray"]
    assert c.turns["text"].iloc[0] == "How was it? Honestly?"
    assert c.turns["end"].iloc[0] == 4.0
