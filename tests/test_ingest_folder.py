"""Reading folders: discovery, ignore rules, manifest, skipped files, determinism."""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest

import cxinsight as cx
from cxinsight.errors import TranscriptFormatError

STUDY = Path(__file__).resolve().parent / "fixtures" / "transcripts" / "study"


@pytest.fixture(scope="module")
def study():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        corpus = cx.read(STUDY)
    return corpus, [str(w.message) for w in caught if issubclass(w.category, cx.CxInsightWarning)]


def test_folder_reads_recursively_in_sorted_order(study):
    c, _ = study
    assert c.turns["interview_id"].unique().tolist() == ["p01", "p03", "p04", "wave2/p02 final"]
    assert [f["format"] for f in c.meta["files"]] == ["text", "vtt-stream", "markdown", "vtt-zoom"]
    for _iid, g in c.turns.groupby("interview_id"):
        assert g["turn"].tolist() == list(range(len(g)))
    assert c.turns.loc[c.turns["interview_id"] == "wave2/p02 final", "source"].iloc[0] == str(
        STUDY / "wave2" / "p02 final.vtt"
    )


def test_ignored_files_are_not_read(study):
    c, _ = study
    paths = [f["path"] for f in c.meta["files"]] + [s["path"] for s in c.meta["skipped"]]
    for name in ("README.md", "_drafts", ".hidden.txt", "_ignore me.txt", "manifest.csv"):
        assert not any(name in p for p in paths), name


def test_empty_and_unsupported_files_are_skipped_loudly(study):
    c, messages = study
    skipped = {Path(s["path"]).name: s["reason"] for s in c.meta["skipped"]}
    assert set(skipped) == {"empty.txt", "audio.m4a"}
    assert "empty" in skipped["empty.txt"]
    assert "not a transcript format" in skipped["audio.m4a"]
    assert any("skipped" in m and "empty.txt" in m for m in messages)
    assert "skipped files: 2" in repr(c)


def test_manifest_used_automatically(study):
    c, messages = study
    m = c.meta["manifest"]
    assert m["path"] == str(STUDY / "manifest.csv") and m["key"] == "interview_id"
    assert {"kind": "row", "key": "p99"} in m["unmatched"]
    assert {"kind": "file", "interview_id": "p04"} in m["unmatched"]
    assert any("manifest" in msg for msg in messages)
    p = c.participants.set_index("interview_id")
    assert p.loc["wave2/p02 final", "segment"] == "retiree"
    assert p.loc["p03", "nps"] == 2
    assert pd.isna(p.loc["p04", "nps"])
    assert list(c.participants["interview_id"]) == ["p01", "p03", "p04", "wave2/p02 final"]


def test_manifest_interviewer_column_gives_roles(study):
    c, _ = study
    p03 = c.turns[c.turns["interview_id"] == "p03"]
    assert p03["role"].tolist() == ["interviewer", "participant"] * 2
    roles = {(s["interview_id"], s["speaker"]): s["role_from"] for s in c.meta["speakers"]}
    assert roles[("p03", "Aisha Khan")] == "manifest"
    assert roles[("p03", "Ahmed Rahman")] == "manifest" or roles[("p03", "Ahmed Rahman")] == "others"


def test_manifest_false_and_explicit_manifest(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        c = cx.read(STUDY, manifest=False)
        assert "manifest" not in c.meta
        assert list(c.participants.columns) == ["interview_id"]
        m = tmp_path / "m.csv"
        m.write_text("file,site\np01.txt,Leeds\np02 final.vtt,Dublin\n")
        c2 = cx.read(STUDY, manifest=m)
    p = c2.participants.set_index("interview_id")
    assert p.loc["p01", "site"] == "Leeds" and p.loc["wave2/p02 final", "site"] == "Dublin"
    assert c2.meta["manifest"]["key"] == "file"


def test_manifest_without_key_column_is_explained(tmp_path):
    m = tmp_path / "m.csv"
    m.write_text("name,nps\nA,1\n")
    with pytest.raises(TranscriptFormatError, match="no 'interview_id' or 'file' column"):
        cx.read(STUDY, manifest=m)


def test_errors_raise_option_stops_at_first_bad_file():
    with pytest.raises(TranscriptFormatError, match="audio.m4a"):
        cx.read(STUDY, errors="raise")


def test_reading_twice_gives_identical_corpora(study):
    c, _ = study
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        again = cx.read(STUDY)
    pd.testing.assert_frame_equal(c.turns, again.turns)
    assert c.meta == again.meta
    assert c.provenance[0]["step"] == "read"


def test_duplicate_interview_ids_are_made_unique(tmp_path):
    (tmp_path / "a.txt").write_text("Ann: Hello?\nBob: Hi.\n")
    (tmp_path / "a.md").write_text("**Ann:** Hello again?\n**Bob:** Hi.\n")
    with pytest.warns(cx.CxInsightWarning, match="two files give the interview id 'a'"):
        c = cx.read(tmp_path)
    assert c.turns["interview_id"].unique().tolist() == ["a", "a.txt"]


def test_empty_folder_gives_empty_corpus_with_warning(tmp_path):
    (tmp_path / "notes.pdf").write_bytes(b"%PDF")
    with pytest.warns(cx.CxInsightWarning):
        c = cx.read(tmp_path)
    assert len(c.turns) == 0 and c.meta["skipped"][0]["reason"].startswith("'.pdf' is not")


def test_read_corpus_survives_save_and_load(study, tmp_path):
    c, _ = study
    c.save(tmp_path / "saved")
    back = cx.Corpus.load(tmp_path / "saved")
    pd.testing.assert_frame_equal(back.turns, c.turns, check_dtype=False)
    assert back.meta["files"] == c.meta["files"]
    assert back.meta["skipped"] == c.meta["skipped"]


def test_manifest_keys_with_leading_zeros(tmp_path):
    (tmp_path / "01.txt").write_text("Ann Lee: How was it?\nBob Ray: Late.\n")
    (tmp_path / "manifest.csv").write_text("interview_id,nps,participant_id\n01,7,007\n")
    c = cx.read(tmp_path)
    assert c.meta["manifest"]["unmatched"] == []
    assert c.participants.to_dict("records") == [{"interview_id": "01", "nps": 7, "participant_id": "007"}]


def test_single_file_with_study_manifest():
    c = cx.read(STUDY / "p03.vtt", manifest=STUDY / "manifest.csv")
    assert c.meta["manifest"]["unmatched"] == []
    assert c.participants.set_index("interview_id").loc["p03", "segment"] == "professional"
    assert c.turns["role"].tolist() == ["interviewer", "participant"] * 2
