"""Journey stages and curves on the sample study: accuracy and the planted highs and lows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import GROUND_TRUTH

import cxinsight as cx

pytestmark = pytest.mark.slow

STAGES = cx.JourneyMap.default().names


def _ground_truth(name: str) -> pd.DataFrame:
    path = GROUND_TRUTH / name
    if not path.exists():
        pytest.skip(f"sample study ground truth {path} not available yet")
    return pd.read_csv(path, dtype={"interview_id": str}, keep_default_na=False)


@pytest.fixture(scope="module")
def staged_sample(embedded_sample):
    truth = _ground_truth("turns.csv")[["interview_id", "turn", "stage"]]
    staged = cx.assign_stages(embedded_sample)
    seg = staged.segments.merge(truth.rename(columns={"stage": "true_stage"}),
                                on=["interview_id", "turn"], how="left", validate="many_to_one")
    assert seg["true_stage"].notna().all(), "turns of the sample no longer match the ground truth"
    return staged.replace(segments=seg)


@pytest.fixture(scope="module")
def labelled_sample(staged_sample):
    """Predicted stages with the ground-truth sentence valence (independent of the tagger)."""
    labels = _ground_truth("segments.csv")
    seg = staged_sample.segments.copy()
    seg["valence"] = np.nan
    seg["emotion"] = None
    by_turn: dict = {}
    for r in labels.itertuples():
        by_turn.setdefault((r.interview_id, int(r.turn)), []).append(r)
    for i, row in seg.iterrows():
        for r in by_turn.get((row["interview_id"], int(row["turn"])), []):
            if r.text in row["text"] or row["text"] in r.text:
                seg.at[i, "valence"] = float(r.valence)
                seg.at[i, "emotion"] = r.emotion
                break
    assert seg["valence"].notna().sum() >= 0.95 * len(labels)
    return staged_sample.replace(segments=seg)


def test_stage_accuracy_on_sample_study(staged_sample):
    info = staged_sample.meta["journey"]
    assert info["applicable"] and not info["forced"], info["reason"]
    assert info["evidence"]["guide_stages"] == 7 and info["evidence"]["stages_with_interval"] == 7
    seg = staged_sample.segments
    part = seg[(seg["role"] == "participant") & (seg["true_stage"] != "none")]
    pred = part["stage"].astype("object").where(part["stage"].notna(), "none")
    accuracy = (pred == part["true_stage"]).mean()
    assert accuracy >= 0.80, f"stage accuracy {accuracy:.3f} < 0.80"
    # small talk is left without a stage
    talk = seg[(seg["role"] == "participant") & (seg["true_stage"] == "none")]
    assert talk["stage"].isna().mean() >= 0.9


def test_curve_shows_planted_highs_and_lows(labelled_sample):
    curve = cx.journey_curve(labelled_sample).set_index("stage")["valence"]
    assert curve.idxmax() == "purchase"
    assert curve.idxmin() == "renewal"
    assert curve["onboarding"] < 0 < curve["everyday_use"]
    assert curve["support"] > 0.3 and curve["discovery"] > 0
    # local shape: a dip at onboarding, recovery, then the fall at renewal
    assert curve["purchase"] > curve["onboarding"] < curve["everyday_use"]
    assert curve["support"] > curve["renewal"]
    by_segment = cx.journey_curve(labelled_sample, by="segment").set_index(["group", "stage"])["valence"]
    # families love everyday use (the recipes) more than the other segments do
    assert by_segment["family", "everyday_use"] > max(by_segment["professional", "everyday_use"],
                                                      by_segment["retiree", "everyday_use"])
    # retirees are the most positive about support, professionals the least
    assert by_segment["retiree", "support"] > by_segment["professional", "support"]
    moments = cx.moments(labelled_sample)
    assert set(moments.loc[moments["kind"] == "low", "stage"]) >= {"onboarding", "renewal"}
    assert "purchase" in set(moments.loc[moments["kind"] == "high", "stage"])
    assert moments.iloc[0]["stage"] in {"purchase", "renewal"}


def test_curve_with_tagged_emotions(staged_sample):
    try:
        tagged = cx.tag_emotions(staged_sample)
    except (ImportError, AttributeError, FileNotFoundError) as err:  # pragma: no cover
        pytest.skip(f"cx.tag_emotions is not available yet: {err}")
    curve = cx.journey_curve(tagged).set_index("stage")["valence"]
    mean = curve.mean()
    assert curve["purchase"] > curve["onboarding"] and curve["purchase"] > curve["renewal"]
    assert curve["everyday_use"] > curve["onboarding"]
    assert curve["support"] > curve["renewal"]
    assert curve["onboarding"] < mean and curve["renewal"] < mean
    assert curve["purchase"] > mean
