"""Names need evidence; metadata, ids and file names; handles, birth dates; alarm; survey mode."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest

import cxinsight as cx
from cxinsight.anonymisation import Anonymiser
from cxinsight.anonymisation._known import KnownMatcher
from cxinsight.corpus import Corpus


def _people(df: pd.DataFrame) -> list[str]:
    return df.loc[df["label"] == "PERSON", "text"].tolist()


@pytest.fixture(scope="module")
def anon():
    return Anonymiser()


# ----------------------------------------------------------------------------- evidence
@pytest.mark.parametrize("text", [
    "You can write Inline Markdown in Python and commit it with Git.",
    "Because the UI is slow, Jupyter crashed twice. Interactive widgets help.",
    "Ease of use matters. The Interface is fine but Debugging is hard in JupyterLab.",
    "We moved from Excel to PowerBI and Streamlit dashboards last year.",
])
def test_capital_letters_alone_are_not_names(anon, text):
    assert _people(anon.detect(text)) == []


@pytest.mark.parametrize("text, name", [
    ("I spoke to Marcus yesterday about the refund.", "Marcus"),
    ("Hi, my name is Priya and I run the team.", "Priya"),
    ("Then Dr Okonkwo called me back.", "Okonkwo"),
    ("My daughter Saoirse loves the app.", "Saoirse"),
    ("Anyway, Ffion's nine and she eats everything.", "Ffion"),
    ("The people are great. Oluwaseun in particular, he'll jump on it.", "Oluwaseun"),
])
def test_names_with_evidence_are_found(anon, text, name):
    assert name in " ".join(_people(anon.detect(text)))


def test_detect_keeps_its_output_contract(anon):
    df = anon.detect("Email sarah@example.com or ask Marcus.")
    assert list(df.columns) == ["start", "end", "label", "score", "detector", "text"]
    assert str(df["start"].dtype) == "int64" and str(df["score"].dtype) == "float64"
    for r in df.itertuples():
        assert "Email sarah@example.com or ask Marcus."[r.start:r.end] == r.text


def test_estimator_contract_settings_are_read_at_use():
    a = Anonymiser()
    text = "Call Marcus on 07700 900123 or mail marcus@example.com"
    assert {"PERSON", "PHONE", "EMAIL"} <= set(a.detect(text)["label"])
    a.labels = ["EMAIL"]
    assert set(a.detect(text)["label"]) == {"EMAIL"}
    a.set_params(labels=["PHONE"])
    assert set(a.detect(text)["label"]) == {"PHONE"}
    assert a.get_params()["labels"] == ["PHONE"]
    assert isinstance(a, cx.estimator.Estimator) if hasattr(cx, "estimator") else True


def test_iso_dates_are_never_phone_numbers(anon):
    for text in ("interview on 2026-03-04", "2026-03-04T10:30", "04/03/2026", "20260304"):
        assert "PHONE" not in set(anon.detect(text)["label"]), text
    assert "PHONE" in set(anon.detect("ring 07700 900123")["label"])


def test_handles_and_user_names(anon):
    df = anon.detect("thanks @cminh730 and cminh730, my username is jdoe; python38 and win10 are fine")
    users = df.loc[df["label"] == "USERNAME", "text"].tolist()
    assert "@cminh730" in users and "cminh730" in users and "jdoe" in users
    assert "python38" not in users and "win10" not in users


def test_dates_of_birth_and_ages_with_dates(anon):
    df = anon.detect("I was born on 12 March 1984. DOB: 03/04/1979. I was 34 in March 2019.")
    got = set(zip(df["label"], df["text"]))
    assert ("DATE_OF_BIRTH", "12 March 1984") in got
    assert ("DATE_OF_BIRTH", "03/04/1979") in got
    assert ("AGE", "34") in got
    assert anon.detect("I am 42 and I like it.").empty


def test_survey_mode_keeps_patterns_and_needs_strong_name_evidence():
    a = Anonymiser(names="strong")
    df = a.detect("Great tool, Seaborn and Vega too, Font changes. Contact me at jo@example.com or 07700 900123.")
    assert _people(df) == []
    assert {"EMAIL", "PHONE"} <= set(df["label"])
    assert "Priya" in _people(a.detect("My name is Priya."))
    assert Anonymiser(names="off").detect("My name is Priya.").empty


# ----------------------------------------------------------------------------- the known-name automaton
def test_known_matcher_whole_words_case_and_possessives():
    m = KnownMatcher([("Sarah Collins", False), ("Will", True), ("O'Connor", False)])
    text = "sarah collins said Will's idea; I will go. OConnor and o’connor too, not Sarahs."
    spans = [text[d.start:d.end] for d in m.find(text)]
    assert spans == ["sarah collins", "Will", "OConnor", "o’connor"]


def test_known_matcher_property():
    hypothesis = pytest.importorskip("hypothesis")
    st = hypothesis.strategies
    words = st.sampled_from(["Ann", "ann", "Annabel", "Bo", " ", ", ", "x", "Ann's", "\n", "é", "'"])

    @hypothesis.settings(max_examples=60, deadline=None)
    @hypothesis.given(st.lists(words, max_size=12).map("".join))
    def check(text):
        for d in KnownMatcher([("Ann", False)]).find(text):
            assert text[d.start:d.end].lower() == "ann"
            assert d.start == 0 or not text[d.start - 1].isalnum()
            assert d.end == len(text) or not text[d.end].isalnum()

    check()


# ----------------------------------------------------------------------------- study level
def _study(texts_by_interview: dict[str, list[tuple[str, str, str]]], source=None) -> Corpus:
    rows = []
    for iid, turns in texts_by_interview.items():
        for k, (speaker, role, text) in enumerate(turns):
            rows.append({"interview_id": iid, "turn": k, "speaker": speaker, "role": role, "start": np.nan,
                         "end": np.nan, "text": text, "source": (source or {}).get(iid, f"{iid}.txt")})
    return Corpus(pd.DataFrame(rows))


def test_interview_ids_and_file_names_become_codes_and_come_back():
    corpus = _study(
        {"smith_interview": [("Interviewer", "interviewer", "How was it?"),
                             ("Jo Smith", "participant", "Fine, I rang them twice.")],
         "2026-03-04 Okafor": [("Interviewer", "interviewer", "And you?"),
                               ("Dee Okafor", "participant", "Not great, honestly.")]},
        source={"smith_interview": "/home/r/study/smith_interview.docx",
                "2026-03-04 Okafor": "/home/r/study/2026-03-04 Okafor.txt"},
    )
    corpus = corpus.replace(meta={"skipped": [{"path": "/home/r/study/notes_smith.json", "reason": "'.json' is not a transcript format"}],
                                  "files": [{"path": "/home/r/study/smith_interview.docx", "format": "docx-zoom",
                                             "interview_id": "smith_interview", "role": "unknown"}]})
    pseudo, key = Anonymiser().apply(corpus)
    assert list(pd.unique(pseudo.turns["interview_id"])) == ["I01", "I02"]
    assert set(pseudo.turns["source"]) == {"I01.docx", "I02.txt"}
    blob = str(pseudo.meta) + str(pseudo.provenance) + pseudo.turns.to_csv() + pseudo.participants.to_csv()
    assert not re.search(r"smith|okafor|/home/r", blob, re.I)
    # the tool's own words are never rewritten
    assert "docx-zoom" in blob and "'unknown'" in blob and "is not a transcript format" in blob
    back = cx.reidentify(pseudo, key)
    assert back.turns["interview_id"].tolist() == corpus.turns["interview_id"].tolist()
    assert back.turns["source"].tolist() == corpus.turns["source"].tolist()
    kept, _ = Anonymiser(interview_ids="keep").apply(corpus)
    assert "2026-03-04 [P02]" in set(kept.turns["interview_id"]) or "2026-03-04" in " ".join(kept.turns["interview_id"])


def test_first_name_is_not_linked_to_another_interviews_speaker():
    corpus = _study({
        "a": [("Interviewer", "interviewer", "Hello"), ("Tom Reilly", "participant", "I'm Tom, hi.")],
        "b": [("Interviewer", "interviewer", "Hello"), ("Ann Lee", "participant", "My neighbour Tom helped me.")],
    })
    pseudo, _ = Anonymiser().apply(corpus)
    text_b = pseudo.turns["text"].iloc[3]
    assert "Tom" not in text_b and "[P01]" not in text_b, text_b
    assert "[P01]" in pseudo.turns["text"].iloc[1]


def test_names_found_anywhere_are_searched_everywhere():
    corpus = _study({
        "a": [("Interviewer", "interviewer", "Who helped?"),
              ("Participant", "participant", "My sister Niamh Brennan-Moore sorted it.")],
        "b": [("Interviewer", "interviewer", "And then?"),
              ("Participant", "participant", "Brennan-Moore's the one who rang. Niamh's great.")],
    })
    pseudo, _ = Anonymiser().apply(corpus)
    blob = " ".join(pseudo.turns["text"])
    assert "Niamh" not in blob and "Brennan" not in blob, blob


def test_replacement_alarm_names_the_allow_list_call():
    words = ["Zarnova", "Quellix", "Brimtoft"]
    turns = {}
    for i in range(40):
        w = words[i % 3]
        turns[f"r{i:02d}"] = [("Respondent", "participant", f"I met {w} at the desk, and {w} helped.")]
    corpus = _study(turns)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        Anonymiser(names="capitalised").apply(corpus)
    msgs = [str(w.message) for w in caught if "far more than interviews hold" in str(w.message)]
    assert msgs and "Anonymiser(allow_list=[" in msgs[0] and "names='strong'" in msgs[0]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        Anonymiser(names="capitalised", alarm=False).apply(corpus)
    assert not [w for w in caught if "far more than interviews hold" in str(w.message)]


def test_a_survey_only_study_is_pseudonymised_in_strong_mode(tmp_path):
    """Survey exports are already-anonymous material: ordinary capitalised words in answers
    (product and technology words) must not become names by default."""
    import cxinsight as cx

    rows = ["ResponseId,Tariff,What is difficult?"]
    answers = ["Inline plots in Markdown are hard to find.", "Python setup on Windows is slow.",
               "Git integration keeps failing when I push.", "Ease of use could be better honestly."]
    for i in range(40):
        rows.append(f"R_{i:03d},{'Fixed' if i % 2 else 'Variable'},{answers[i % 4]}")
    path = tmp_path / "export.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    corpus = cx.segment(cx.read(path, format="survey"))
    anonymised, _ = cx.anonymise(corpus)
    assert anonymised.provenance[-1]["params"]["names"] == "strong"
    text = " ".join(anonymised.segments["text"])
    for word in ("Inline", "Markdown", "Python", "Git", "Ease"):
        assert word in text
