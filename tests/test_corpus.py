"""The Corpus object: construction checks, copying, provenance, persistence, display."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import cxinsight as cx
from cxinsight.corpus import TURN_COLUMNS, Corpus
from cxinsight.errors import MissingStepError


def make_turns() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "interview_id": ["a", "a", "b", "b"],
            "turn": [0, 1, 0, 1],
            "speaker": ["Tom", "Sarah", "Tom", "Ann"],
            "role": ["interviewer", "participant", "interviewer", "participant"],
            "start": [0.0, 4.0, np.nan, np.nan],
            "end": [4.0, 30.0, np.nan, np.nan],
            "text": [
                "How was your first box?",
                "It came late. The herbs were wilted and nobody told me anything.",
                "And the app?",
                "The app is lovely, honestly. Skipping a week takes two taps.",
            ],
            "source": ["a.txt", "a.txt", "b.vtt", "b.vtt"],
        }
    )


def test_missing_columns_are_named():
    with pytest.raises(ValueError, match=r"missing the columns \['text'"):
        Corpus(make_turns().drop(columns=["text", "source"]))


def test_unknown_role_is_rejected():
    t = make_turns()
    t.loc[0, "role"] = "moderator"
    with pytest.raises(ValueError, match="moderator"):
        Corpus(t)


def test_participants_default_to_one_row_per_interview():
    c = Corpus(make_turns())
    assert c.participants["interview_id"].tolist() == ["a", "b"]


def test_with_step_returns_new_corpus_and_records_provenance():
    c = Corpus(make_turns())
    t2 = c.turns.assign(text="changed")
    c2 = c.with_step("edit", {"why": "test"}, turns=t2)
    assert c.turns["text"].iloc[0] == "How was your first box?"
    assert (c2.turns["text"] == "changed").all()
    assert c.steps == [] and c2.steps == ["edit"]
    entry = c2.provenance[0]
    assert entry["params"] == {"why": "test"}
    assert "pandas" in entry["versions"] and "python" in entry["versions"]


def test_replace_copies_tables_so_edits_do_not_leak_back():
    c = Corpus(make_turns(), tables={"x": pd.DataFrame({"v": [1]})})
    c2 = c.copy()
    c2.turns.loc[0, "text"] = "edited"
    c2.tables["x"].loc[0, "v"] = 99
    assert c.turns.loc[0, "text"] == "How was your first box?"
    assert c.tables["x"].loc[0, "v"] == 1


def test_require_names_the_fix():
    c = Corpus(make_turns())
    with pytest.raises(MissingStepError, match=r"Run `cx.segment\(corpus\)` first"):
        c.require("segments", ["text"], "cx.segment(corpus)")
    with pytest.raises(MissingStepError, match="valence"):
        cx.segment(c).require("segments", ["valence"], "cx.tag_emotions(corpus)")


def test_embeddings_must_align_with_segments():
    c = cx.segment(Corpus(make_turns()))
    with pytest.raises(ValueError, match="one row per segment"):
        c.replace(embeddings=np.zeros((1, 3)))


def test_save_load_roundtrip(tmp_path):
    c = cx.segment(Corpus(make_turns(), meta={"files": [{"interview_id": "a", "format": "text"}]}))
    emb = np.arange(len(c.segments) * 3, dtype=np.float32).reshape(-1, 3)
    c = c.replace(embeddings=emb, tables={"themes": pd.DataFrame({"theme": [0], "label": ["x"]})})
    out = c.save(tmp_path / "study")
    d = Corpus.load(out)
    pd.testing.assert_frame_equal(d.turns, c.turns)
    pd.testing.assert_frame_equal(d.segments, c.segments)
    np.testing.assert_array_equal(d.embeddings, emb)
    assert d.tables["themes"]["label"].tolist() == ["x"]
    assert d.steps == ["segment"]
    doc = json.loads((out / "corpus.json").read_text())
    assert doc["format_version"] == 1


def test_save_refuses_to_overwrite(tmp_path):
    c = Corpus(make_turns())
    c.save(tmp_path / "s")
    with pytest.raises(FileExistsError, match="overwrite=True"):
        c.save(tmp_path / "s")
    c.save(tmp_path / "s", overwrite=True)


def test_load_of_a_non_corpus_folder_says_what_to_do(tmp_path):
    with pytest.raises(FileNotFoundError, match="corpus.save"):
        Corpus.load(tmp_path)


def test_repr_and_html_summary():
    c = Corpus(make_turns(), meta={"files": [{"interview_id": "a", "format": "text"},
                                             {"interview_id": "b", "format": "vtt-zoom"}],
                                   "skipped": [{"path": "x.pdf", "reason": "unknown format"}]})
    r = repr(c)
    assert "2 interviews" in r and "4 turns" in r and "text (1)" in r and "skipped files: 1" in r
    h = c._repr_html_()
    assert "<table>" in h and "vtt-zoom (1)" in h


def test_summary_per_interview():
    s = Corpus(make_turns()).summary()
    assert list(s.columns) == ["interview_id", "format", "speakers", "turns", "words",
                               "participant_words", "duration_min"]
    a = s.set_index("interview_id").loc["a"]
    assert a["turns"] == 2 and a["participant_words"] == 12 and a["duration_min"] == 0.5


def test_turn_columns_constant_matches_docs():
    assert TURN_COLUMNS == ["interview_id", "turn", "speaker", "role", "start", "end", "text", "source"]


def test_save_is_atomic_and_replaces_whole(tmp_path, monkeypatch):
    import cxinsight.corpus as corpus_mod

    c = Corpus(make_turns())
    target = tmp_path / "saved"
    c.with_step("first", tables={"extra": pd.DataFrame({"a": [1]})}).save(target)
    assert (target / "tables" / "extra.parquet").exists()
    # a save that fails half-way leaves the previous corpus whole and no temporary folder
    real = corpus_mod._write_parquet

    def failing(df, path):
        if path.name == "participants.parquet":
            raise OSError(28, "No space left on device")
        real(df, path)

    monkeypatch.setattr(corpus_mod, "_write_parquet", failing)
    with pytest.raises(OSError, match="No space"):
        c.save(target, overwrite=True)
    monkeypatch.setattr(corpus_mod, "_write_parquet", real)
    assert Corpus.load(target).steps == ["first"]
    assert [p.name for p in tmp_path.iterdir()] == ["saved"]
    # overwrite replaces the folder whole: the old table does not survive
    c.save(target, overwrite=True)
    assert not (target / "tables").exists() and Corpus.load(target).steps == []


def test_save_refuses_a_folder_that_is_not_a_corpus(tmp_path):
    (tmp_path / "notes.txt").write_text("mine", "utf-8")
    with pytest.raises(FileExistsError, match="not a saved corpus"):
        Corpus(make_turns()).save(tmp_path, overwrite=True)
    assert (tmp_path / "notes.txt").read_text("utf-8") == "mine"


def test_load_detects_a_damaged_corpus(tmp_path):
    Corpus(make_turns()).save(tmp_path / "c")
    with open(tmp_path / "c" / "turns.parquet", "r+b") as fh:
        fh.truncate(100)
    with pytest.raises(cx.InputError, match="damaged: turns.parquet"):
        Corpus.load(tmp_path / "c")
    (tmp_path / "half").mkdir()
    (tmp_path / "half" / "turns.parquet").write_bytes(b"x")  # a save killed before corpus.json
    with pytest.raises(FileNotFoundError, match="no corpus.json"):
        Corpus.load(tmp_path / "half")
