"""Anonymisation with a spaCy NER backend built by the test, and the leak test on the sample study."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

import cxinsight as cx
from cxinsight.anonymisation import Anonymiser

SAMPLE_DIR = Path(__file__).resolve().parents[1] / "data" / "sample_interviews"
GROUND_TRUTH = SAMPLE_DIR / "_ground_truth"

BRANDS = ["GreenCrate", "CrateCare", "Crate Plus", "Family Crate", "Solo Crate", "GreenCrate app"]


def _tiny_pipeline():
    spacy = pytest.importorskip("spacy")
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns([
        {"label": "PERSON", "pattern": "vornak"},
        {"label": "PERSON", "pattern": [{"LOWER": "trelby"}, {"LOWER": "quandish"}]},
        {"label": "ORG", "pattern": "Acme Foods"},
        {"label": "GPE", "pattern": "Ballymore"},
        {"label": "NORP", "pattern": "Martians"},
    ])
    return nlp


def test_ner_backend_object_and_path(tmp_path):
    nlp = _tiny_pipeline()
    text = "So vornak and trelby quandish from Acme Foods moved to Ballymore with the Martians"
    # the rules alone miss the lower-case names that are in no list
    rules = Anonymiser(labels=["PERSON", "ORG", "LOCATION"]).detect(text)
    assert "vornak" not in rules["text"].tolist()
    for ner in (nlp, str(tmp_path / "pipe")):
        if isinstance(ner, str):
            nlp.to_disk(ner)
        df = Anonymiser(ner=ner, labels=["PERSON", "ORG", "LOCATION"]).detect(text)
        got = dict(zip(df["text"], zip(df["label"], df["detector"])))
        assert got["vornak"] == ("PERSON", "ner")
        assert got["trelby quandish"] == ("PERSON", "ner")
        assert got["Acme Foods"][0] == "ORG"
        assert got["Ballymore"][0] == "LOCATION"
        assert got.get("Martians", ("", ""))[1] != "ner"  # NORP is not mapped


def test_ner_backend_respects_labels_and_allow_list():
    nlp = _tiny_pipeline()
    df = Anonymiser(ner=nlp, labels=["PERSON"], allow_list=["vornak"]).detect("vornak met Acme Foods")
    assert "vornak" not in df["text"].tolist()
    assert not (df["detector"] == "ner").any()


def test_ner_pipeline_without_ner_component_is_refused():
    spacy = pytest.importorskip("spacy")
    with pytest.raises(ValueError, match="no 'ner'"):
        Anonymiser(ner=spacy.blank("en")).detect("Sarah")


def test_ner_summary_has_no_path(tmp_path):
    nlp = _tiny_pipeline()
    nlp.to_disk(tmp_path / "secret_folder_name")
    a = Anonymiser(ner=str(tmp_path / "secret_folder_name"))
    assert "secret_folder_name" not in str(a._cfg.summary())


# ----------------------------------------------------------------------------- sample study
def _pii():
    path = GROUND_TRUTH / "pii.csv"
    if not path.exists():
        pytest.skip("the sample study's _ground_truth/pii.csv is not available")
    return pd.read_csv(path)


def _present(value: str, blob: str) -> bool:
    return re.search(r"(?<!\w)" + re.escape(value) + r"(?!\w)", blob, re.IGNORECASE) is not None


@pytest.fixture(scope="module")
def sample_result(sample_corpus):
    return cx.anonymise(sample_corpus, allow_list=BRANDS)


def test_sample_leak(sample_corpus, sample_result, tmp_path):
    pii = _pii()
    pseudo, key = sample_result
    blob = "\n".join([
        pseudo.turns.astype(str).to_csv(), pseudo.segments.astype(str).to_csv(),
        pseudo.participants.astype(str).to_csv(), str(pseudo.meta), str(pseudo.provenance),
        repr(pseudo), repr(key),
    ])
    folder = pseudo.save(tmp_path / "saved")
    for f in folder.rglob("*"):
        if f.suffix == ".parquet":
            blob += pd.read_parquet(f).astype(str).to_csv()
        elif f.is_file() and f.suffix != ".npy":
            blob += f.read_text("utf-8", errors="ignore")
    # every planted string was in the original study...
    original = "\n".join(sample_corpus.turns["text"]) + "\n".join(sample_corpus.turns["speaker"])
    assert sum(_present(v, original) for v in pii["value"]) >= 0.9 * len(pii)
    # ...and none is left
    leaks = [(r.interview_id, r.type) for r in pii.itertuples() if _present(r.value, blob)]
    assert leaks == []


def test_sample_brands_kept_and_exact_reidentify(sample_corpus, sample_result):
    pseudo, key = sample_result
    for brand in BRANDS:
        assert pseudo.turns["text"].str.count(brand).sum() == sample_corpus.turns["text"].str.count(brand).sum()
    back = cx.reidentify(pseudo, key)
    assert back.turns["text"].tolist() == sample_corpus.turns["text"].tolist()
    assert back.segments["text"].tolist() == sample_corpus.segments["text"].tolist()
    assert back.turns["speaker"].tolist() == sample_corpus.turns["speaker"].tolist()


def test_sample_codes(sample_corpus, sample_result):
    pseudo, _ = sample_result
    parts = pseudo.participants
    expected = (sample_corpus.participants["participant_id"].tolist() if "participant_id" in sample_corpus.participants
                else [f"P{i + 1:02d}" for i in range(len(parts))])
    assert parts["participant_code"].tolist() == expected
    for iid, code in zip(parts["interview_id"], parts["participant_code"]):
        t = pseudo.turns[(pseudo.turns.interview_id == iid) & (pseudo.turns.role == "participant")]
        assert set(t["speaker"]) == {code}
    assert "participant_name" not in parts
    assert set(pseudo.turns.loc[pseudo.turns.role == "interviewer", "speaker"]) <= {"I1", "I2", "I3"}
    assert SAMPLE_DIR.exists()


def test_sample_without_allow_list_keeps_brands_and_manifest_values(sample_corpus):
    pii = _pii()
    pseudo, _ = cx.anonymise(sample_corpus)
    for brand in BRANDS:
        assert pseudo.turns["text"].str.count(brand).sum() == sample_corpus.turns["text"].str.count(brand).sum()
    blob = pseudo.turns["text"].str.cat(sep="\n")
    assert [r.type for r in pii.itertuples() if _present(r.value, blob)] == []
