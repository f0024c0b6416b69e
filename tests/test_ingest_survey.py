"""Surveys and chat exports: columns found by themselves, questions kept, blanks missing."""

from __future__ import annotations

import json
import math
import warnings

import pandas as pd
import pytest

import cxinsight as cx
from cxinsight.errors import TranscriptFormatError
from cxinsight.ingest.survey import norm_name, profile_columns


def _export(tmp_path, name="export.csv"):
    nbsp = "\u00a0"
    df = pd.DataFrame(
        {
            "ResponseId": ["R_1", "R_2", "R_3", "R_4", "R_5", "R_6"],
            "Status": ["IP Address"] * 6,
            "StartDate": ["2024-03-01 10:00:00", "2024-03-01 11:00:00", "2024-03-02 09:00:00",
                          "2024-03-02 09:30:00", "2024-03-03 12:00:00", "2024-03-04 08:00:00"],
            "IPAddress": ["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5", "10.0.0.6"],
            "Progress": ["100"] * 6,
            f"How likely are you to recommend us?{nbsp}(0-10)": ["9", "3", "10", "", "7", "0"],
            "Plan": ["Family", "Solo", "Family", "Solo", "", "Family"],
            "What is the one thing we should improve?": [
                "version control", "Delivery windows. Nobody is home at noon.", "", "Less plastic please",
                "The app crashes when I skip a week", "refunds",
            ],
            "Anything else?": ["no", "", "I love the recipes, my kids eat everything", "", "", "Ok"],
        }
    )
    p = tmp_path / name
    df.to_csv(p, index=False)
    return p


def test_survey_columns_are_found_by_themselves(tmp_path):
    p = _export(tmp_path)
    c = cx.read(p, format="survey")
    f = c.meta["files"][0]
    assert f["format"] == "survey" and f["id_column"] == "ResponseId"
    assert f["open_ended_columns"] == ["What is the one thing we should improve?", "Anything else?"]
    assert f["rating_columns"] == ["How likely are you to recommend us?\u00a0(0-10)"]
    assert f["categorical_columns"] == ["Plan"]
    assert set(f["metadata_columns"]) == {"Status", "StartDate", "IPAddress", "Progress"}
    # short answers are kept; each answer keeps its question
    assert "version control" in c.turns["text"].tolist() and "no" in c.turns["text"].tolist()
    q = dict(zip(c.turns["text"], c.turns["question"]))
    assert q["refunds"] == "What is the one thing we should improve?"
    assert set(c.turns["role"]) == {"participant"}
    # ratings are numbers, blanks are missing (never a group called "")
    p_ = c.participants.set_index("interview_id")
    nps = p_["How likely are you to recommend us?\u00a0(0-10)"]
    assert nps["R_1"] == 9 and math.isnan(float(nps["R_4"]))
    assert p_["Plan"].isna().sum() == 1 and "" not in set(p_["Plan"].dropna())
    assert "Plan" in c.meta["survey_variables"]


def test_survey_is_detected_automatically_and_in_a_mixed_folder(tmp_path):
    _export(tmp_path)
    (tmp_path / "int01.txt").write_text("Interviewer: How was the box?\nParticipant: Late again.\n")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        c = cx.read(tmp_path)
    formats = {f["interview_id"]: f["format"] for f in c.meta["files"]}
    assert formats == {"export": "survey", "int01": "text"}
    interview = c.turns[c.turns["interview_id"] == "int01"]
    assert interview["role"].tolist() == ["interviewer", "participant"]
    assert interview["question"].isna().all()
    assert c.turns["question"].notna().sum() == 8


def test_column_names_match_after_normalisation(tmp_path):
    p = _export(tmp_path)
    c = cx.read(p, text_columns=["what is the ONE thing we should improve?"], id_column="responseid")
    assert c.turns["question"].unique().tolist() == ["What is the one thing we should improve?"]
    assert norm_name("How\u00a0likely  ") == norm_name("how likely")
    with pytest.raises(TranscriptFormatError, match="not columns"):
        cx.read(p, text_columns=["Comments"])


def test_survey_segments_carry_the_question(tmp_path):
    c = cx.segment(cx.read(_export(tmp_path), format="survey"))
    assert "question" in c.segments.columns
    assert c.segments["question"].notna().all()


def test_profile_tells_categories_multi_choice_and_urls_from_free_text():
    df = pd.DataFrame(
        {
            "Languages": ["Python 3, R", "Python 3", "R, Julia", "Python 3, Julia", "Python 3, R", "R"],
            "Homepage": ["https://a.org", "https://b.org", "", "http://c.io", "www.d.com", ""],
            "Size": ["10 - 25", "10 - 25", "Less than 10", "100 - 250", "10 - 25", "Less than 10"],
            "Pain points": ["Grading is slow", "Installation", "Nothing really", "The kernel dies a lot",
                            "Slides", "Git diffs of notebooks"],
        }
    ).astype(str)
    prof = profile_columns(df)
    assert prof["categorical"] == ["Languages", "Size"]
    assert prof["metadata"] == ["Homepage"]
    assert prof["open"] == ["Pain points"]


def test_turn_tables_are_not_mistaken_for_surveys(tmp_path):
    p = tmp_path / "turns.csv"
    p.write_text("speaker,text\nAnn,How was it?\nBob,Late.\n")
    c = cx.read(p)
    assert c.meta["files"][0]["format"] == "csv-turns"


@pytest.mark.parametrize(
    "payload, suffix",
    [
        ([{"speaker": "Agent", "text": "How can I help?"}, {"speaker": "Sam", "text": "My box is late."}], ".json"),
        ({"messages": [{"role": "interviewer", "content": "What happened?"},
                       {"role": "participant", "content": [{"type": "text", "text": "It never came."}]}]}, ".json"),
    ],
)
def test_chat_json(tmp_path, payload, suffix):
    p = tmp_path / f"chat{suffix}"
    p.write_text(json.dumps(payload))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        c = cx.read(p)
    assert len(c.turns) == 2 and c.meta["files"][0]["format"] == "json"
    assert c.turns["text"].iloc[1] in ("My box is late.", "It never came.")


def test_chat_jsonl_and_several_conversations(tmp_path):
    p = tmp_path / "chats.jsonl"
    p.write_text('{"from": "Interviewer", "text": "Why did you cancel?", "timestamp": "00:00:05"}\n'
                 '{"from": "Participant", "text": "Too expensive."}\n')
    c = cx.read(p)
    assert c.turns["role"].tolist() == ["interviewer", "participant"] and c.turns["start"].iloc[0] == 5
    many = tmp_path / "many.json"
    many.write_text(json.dumps([
        {"id": "c1", "messages": [{"speaker": "Interviewer", "text": "Hi?"}, {"speaker": "Participant", "text": "Hello."}]},
        {"id": "c2", "messages": [{"speaker": "Interviewer", "text": "Why?"}, {"speaker": "Participant", "text": "Price."}]},
    ]))
    c = cx.read(many)
    assert sorted(c.turns["interview_id"].unique()) == ["c1", "c2"]


@pytest.mark.parametrize("text, match", [
    ('{"a": [1, 2', "not valid JSON"),
    ('{"title": "no messages here"}', "no chat messages found"),
    ("[" * 100000 + "]" * 100000, "nested too deeply|not valid JSON|no chat messages"),
])
def test_bad_json_is_explained(tmp_path, text, match):
    p = tmp_path / "bad.json"
    p.write_text(text)
    with pytest.raises(TranscriptFormatError, match=match):
        cx.read(p)


def test_survey_format_on_a_mixed_folder_reads_transcripts_as_usual(tmp_path):
    _export(tmp_path)
    (tmp_path / "int01.txt").write_text("Interviewer: How was the box?\nParticipant: Late again.\n")
    c = cx.read(tmp_path, format="survey")
    assert {f["format"] for f in c.meta["files"]} == {"survey", "text"}


def test_repeated_sentence_answers_are_still_open_ended():
    """A short survey where many respondents gave the same sentence is still free text:
    long answers are never categories, however often they recur."""
    from cxinsight.ingest.survey import profile_columns

    answers = ["The app logs me out every few days and it is annoying.",
               "Finding how to change my tariff is really hard in the menus.",
               "Nothing really, it works fine for what I need every month."] * 20
    df = pd.DataFrame({"ResponseId": [f"R_{i:03d}" for i in range(60)],
                       "Tariff": ["Fixed", "Variable", "EV"] * 20,
                       "What is difficult?": answers})
    prof = profile_columns(df.astype(str))
    assert "What is difficult?" in prof["open"]
    assert "Tariff" in prof["categorical"]
