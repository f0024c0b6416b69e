"""The sample study read end to end and compared with its ground truth, turn by turn."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest
from conftest import GROUND_TRUTH, SAMPLE_DIR

import cxinsight as cx

pytestmark = pytest.mark.skipif(
    not (GROUND_TRUTH / "turns.csv").exists(),
    reason="data/sample_interviews/_ground_truth/turns.csv is not there yet",
)


@pytest.fixture(scope="module")
def read_sample():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        corpus = cx.read(SAMPLE_DIR)
    return corpus, caught


@pytest.fixture(scope="module")
def truth():
    return pd.read_csv(GROUND_TRUTH / "turns.csv", keep_default_na=False)


def _squash(s: str) -> str:
    return " ".join(str(s).split())


def test_every_interview_is_read(read_sample, truth):
    corpus, _ = read_sample
    assert sorted(corpus.turns["interview_id"].unique()) == sorted(truth["interview_id"].unique())
    assert corpus.meta["skipped"] == []
    manifest = pd.read_csv(SAMPLE_DIR / "manifest.csv")
    assert corpus.meta["manifest"]["unmatched"] == []
    assert len(corpus.participants) == len(manifest)


@pytest.mark.parametrize("column", ["speaker", "role", "text"])
def test_turns_match_ground_truth(read_sample, truth, column):
    corpus, _ = read_sample
    problems = []
    for iid, gt in truth.groupby("interview_id", sort=True):
        got = corpus.turns[corpus.turns["interview_id"] == iid]
        if len(got) != len(gt):
            problems.append(f"{iid}: {len(got)} turns read, {len(gt)} expected")
            continue
        want = gt[column].map(_squash).tolist()
        have = got[column].map(_squash).tolist()
        bad = [i for i, (a, b) in enumerate(zip(want, have)) if a != b]
        if bad:
            problems.append(f"{iid}: {column} differs at turns {bad[:5]}")
    assert not problems, "\n".join(problems)


def test_turn_numbers_and_formats(read_sample, truth):
    corpus, _ = read_sample
    for _iid, g in corpus.turns.groupby("interview_id"):
        assert g["turn"].tolist() == list(range(len(g)))
    formats = {f["format"] for f in corpus.meta["files"]}
    assert len(formats) >= 4


def test_participants_carry_the_manifest(read_sample):
    corpus, _ = read_sample
    p = corpus.participants
    for col in ("segment", "nps", "nps_group", "interviewer"):
        assert col in p.columns
    assert p["segment"].notna().all()


def test_roles_by_evidence_alone_match_ground_truth(truth):
    """Without the manifest, who asks the questions decides the roles; all must still match."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        corpus = cx.read(SAMPLE_DIR, manifest=False)
    merged = corpus.turns.merge(truth, on=["interview_id", "turn"], suffixes=("", "_gt"))
    assert len(merged) == len(truth)
    assert (merged["role"] == merged["role_gt"]).all()


def test_alias_drift_is_reported(read_sample):
    corpus, caught = read_sample
    aliases = {(a["alias"], a["merged_into"]) for a in corpus.meta["aliases"]}
    assert aliases, "the sample has a file whose participant label changes to initials"
    assert any("merged speaker labels" in str(w.message) for w in caught)
