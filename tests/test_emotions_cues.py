"""Question-aware valence, requests, politeness and failure events (issue 13)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from cx_event_sentences import (
    CX_FAILURE_SENTENCES,
    CX_POLITE_COMPLAINTS,
    CX_QUESTION_ANSWERS,
    CX_QUESTION_KINDS,
    CX_REQUEST_SENTENCES,
)
from hypothesis import given, settings
from hypothesis import strategies as st

import cxinsight as cx
from cxinsight import embeddings as E
from cxinsight.emotions import EmotionTagger
from cxinsight.emotions.cues import (
    ask_kinds,
    no_problem_flags,
    politeness_flags,
    preceding_questions,
    question_kind,
    request_flags,
)
from cxinsight.estimator import Estimator


@pytest.fixture(scope="module")
def tagger():
    return EmotionTagger()


def _predict(tagger, texts, questions=None):
    return tagger.predict(texts, embeddings=E.encode(texts), questions=questions)


@pytest.mark.parametrize(("question", "kind"), CX_QUESTION_KINDS)
def test_question_kind(question, kind):
    assert question_kind(question) == kind


def test_question_kind_reads_the_question_sentence():
    assert question_kind("That's great to hear. What was hard about setting it up?") == "problem"
    assert question_kind(None) == "none"
    assert question_kind(float("nan")) == "none"


@given(st.text(max_size=200))
@settings(max_examples=200, deadline=None)
def test_cue_functions_never_fail(text):
    assert question_kind(text) in {"problem", "positive", "neutral", "none"}
    for flags in (request_flags([text]), politeness_flags([text]), no_problem_flags([text])):
        assert flags.dtype == bool and flags.shape == (1,)
    assert ask_kinds([text])[0] in {"", "info", "complaint"}


def test_request_flags():
    assert request_flags(CX_REQUEST_SENTENCES).all()
    assert not request_flags(CX_FAILURE_SENTENCES).any()
    assert not request_flags(["I love the recipes.", "It works well.", "Thanks a lot!"]).any()


def test_failures_without_emotion_words_are_negative(tagger):
    out = _predict(tagger, CX_FAILURE_SENTENCES)
    bad = [t for t, v in zip(CX_FAILURE_SENTENCES, out["valence"]) if v >= -0.05]
    assert not bad, f"failure events not read as negative: {bad}"
    assert (out["kind"] == "complaint").all()


def test_requests_are_their_own_kind_never_delight(tagger):
    out = _predict(tagger, CX_REQUEST_SENTENCES)
    assert out["request"].all()
    assert (out["kind"] == "request").all()
    assert (out["emotion"] == "request").all()
    assert (out["valence"] <= 0).all()
    assert not out["emotions"].str.contains("delight").any()


def test_politeness_does_not_make_a_complaint_positive(tagger):
    out = _predict(tagger, CX_POLITE_COMPLAINTS)
    assert (out["valence"] < -0.05).all(), out["valence"].tolist()
    # politeness alone still reads positive
    thanks = _predict(tagger, ["Thank you so much, she sorted it out in five minutes."])
    assert thanks["valence"][0] > 0.05


def test_question_aware_valence(tagger):
    questions = [q for q, _, _ in CX_QUESTION_ANSWERS]
    answers = [a for _, a, _ in CX_QUESTION_ANSWERS]
    signs = np.array([s for _, _, s in CX_QUESTION_ANSWERS])
    with_q = _predict(tagger, answers, questions)
    assert (np.sign(with_q["valence"].round(2)) == signs).all(), with_q["valence"].tolist()
    kinds = with_q["question_kind"].tolist()
    assert kinds == [question_kind(q) for q in questions]
    without = _predict(tagger, answers)
    assert (without["question_kind"] == "none").all()
    # the same words read lower as an answer to a problem question than on their own
    problem = with_q["question_kind"].to_numpy() == "problem"
    no_problem = no_problem_flags(answers)
    keep = problem & ~no_problem
    assert (with_q["valence"][keep] < without["valence"][keep]).all()
    # the family shows the words' own feeling: plain answers are not "confusion" or "delight"
    assert set(with_q["emotion"][keep]) <= {"neutral", "frustration", "disappointment", "confusion"}
    assert with_q["valence"].between(-1, 1).all()


def test_questions_must_align(tagger):
    with pytest.raises(ValueError, match="one question"):
        tagger.predict(["a b c", "d e f"], embeddings=E.encode(["a b c", "d e f"]), questions=["q?"])


def test_preceding_questions_from_interviewer_turns():
    segments = pd.DataFrame({
        "interview_id": ["A", "A", "A", "A", "B", "B"],
        "turn": [0, 1, 1, 2, 0, 1],
        "role": ["interviewer", "participant", "participant", "participant", "participant", "interviewer"],
        "text": ["What was hard about it?", "The setup.", "It took ages.", "Also the price.",
                 "Hello there.", "What do you like?"],
    })
    q = preceding_questions(segments)
    assert q.tolist() == [None, "What was hard about it?", "What was hard about it?",
                          "What was hard about it?", None, None]
    survey = segments.assign(question=["Q1", None, "Q2", "", "Q3", None])
    q2 = preceding_questions(survey)
    assert q2.tolist()[:3] == ["Q1", "What was hard about it?", "Q2"]


def test_tag_emotions_reads_survey_questions():
    turns = pd.DataFrame({
        "interview_id": ["r1", "r1", "r2", "r2"],
        "turn": [0, 1, 0, 1],
        "speaker": ["respondent"] * 4,
        "role": ["participant"] * 4,
        "start": [np.nan] * 4, "end": [np.nan] * 4,
        "text": ["The export to spreadsheets.", "The recipes and the portion sizes.",
                 "Sharing notebooks with colleagues.", "Being able to skip a week."],
        "source": ["survey.csv"] * 4,
        "question": ["What hinders you from using it more?", "What do you like most?"] * 2,
    })
    out = cx.tag_emotions(cx.embed(cx.segment(cx.Corpus(turns))))
    seg = out.segments
    assert seg["question_kind"].tolist() == ["problem", "positive", "problem", "positive"]
    by_kind = seg.groupby("question_kind")["valence"].mean()
    assert by_kind["problem"] < -0.05 < 0.05 < by_kind["positive"]
    assert out.meta["emotions"]["question_kinds"] == {"problem": 2, "positive": 2}


def test_estimator_contract():
    t = EmotionTagger(valence_weights={"problem_question": 0.2})
    assert isinstance(t, Estimator)
    assert t.get_params()["valence_weights"] == {"problem_question": 0.2}
    bad = EmotionTagger(valence_weights={"nope": 1})  # stored as given, validated at use
    with pytest.raises(ValueError, match="nope"):
        bad.predict(["a b c"], embeddings=E.encode(["a b c"]))
    t.set_params(valence_weights={"problem_question": 0.9})
    out = t.predict(["The export."], embeddings=E.encode(["The export."]), questions=["What hinders you?"])
    assert out["valence"][0] < -0.5
