"""Themes on the sample study: planted themes recovered, participants counted, quotes spread."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import GROUND_TRUTH, SAMPLE_DIR

import cxinsight as cx
from cxinsight.themes import theme_prevalence
from cxinsight.themes._metrics import planted_recovery

pytestmark = pytest.mark.skipif(
    not (GROUND_TRUTH / "turns.csv").exists() or not (SAMPLE_DIR / "manifest.csv").exists(),
    reason="the sample study (data/sample_interviews) is not available",
)


@pytest.fixture(scope="module")
def themed(embedded_sample):
    return cx.extract_themes(embedded_sample)


def _planted(segments: pd.DataFrame) -> list[str | None]:
    truth = pd.read_csv(GROUND_TRUTH / "turns.csv", dtype={"interview_id": str})
    truth = truth[truth["themes"].notna()]
    key = {(r.interview_id, int(r.turn)): r.themes for r in truth.itertuples()}
    out = []
    for iid, turn in zip(segments["interview_id"], segments["turn"]):
        themes = key.get((str(iid), int(turn)))
        out.append(themes if themes and ";" not in themes else None)
    return out


def test_each_planted_theme_is_the_majority_of_its_segments_home_theme(themed):
    seg = themed.segments[themed.segments["theme"].notna()]
    rec = planted_recovery(seg["theme"].astype(int).to_numpy(), _planted(seg))
    assert len(rec) == len(pd.read_csv(GROUND_TRUTH / "themes.csv"))
    assert rec["recovered"].all(), rec.to_string()


def test_only_participant_speech_is_themed_and_exclusions_are_reported(themed):
    seg = themed.segments
    assert seg.loc[seg["role"] == "interviewer", "theme"].isna().all()
    assert seg.loc[seg["is_backchannel"], "theme"].isna().all()
    excluded = themed.meta["themes"]["excluded"]
    assert excluded["interviewer"] == int((seg["role"] == "interviewer").sum())
    assert themed.meta["themes"]["themed_segments"] == int(seg["theme"].notna().sum())


def test_theme_table_is_readable_and_quoted_across_participants(themed):
    table = themed.tables["themes"]
    assert 5 <= len(table) <= 80
    for label in table["label"]:
        assert label and label != "(unlabelled)" and len(label) <= 60
    multi = table[table["n_participants"] >= 3]
    assert len(multi) >= len(table) // 2
    for who in multi["quote_interviews"]:
        assert len(set(who)) == len(who) == 3


def test_prevalence_by_nps_group_counts_participants(themed):
    by = theme_prevalence(themed, by="nps_group")
    sizes = themed.participants.groupby("nps_group")["interview_id"].nunique()
    for group, size in sizes.items():
        part = by[by["nps_group"] == group]
        assert (part["group_size"] == size).all()
        assert (part["n_participants"] <= size).all()
    overall = theme_prevalence(themed)
    seg = themed.segments[themed.segments["theme"].fillna(-1) >= 0]
    for row in overall.itertuples():
        ppl = seg.loc[seg["theme"] == row.theme, "interview_id"].nunique()
        assert row.n_participants == ppl
    assert np.all(overall["share"] <= 1.0)
