"""Sentence segmentation and back-channel flags."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cxinsight as cx
from cxinsight.corpus import Corpus
from cxinsight.segmentation import SEGMENT_COLUMNS, is_backchannel


def corpus_of(texts, start=None, end=None, extra=None):
    n = len(texts)
    df = pd.DataFrame({
        "interview_id": ["i1"] * n, "turn": list(range(n)), "speaker": ["P"] * n,
        "role": ["participant"] * n,
        "start": start if start is not None else [np.nan] * n,
        "end": end if end is not None else [np.nan] * n,
        "text": texts, "source": ["i1.txt"] * n,
    })
    for k, v in (extra or {}).items():
        df[k] = v
    return Corpus(df)


def test_sentences_split_and_offsets_cut_out_the_text():
    texts = ["The box came late. The herbs were wilted! Would I order again? Probably not."]
    seg = cx.segment(corpus_of(texts)).segments
    assert list(seg.columns) == SEGMENT_COLUMNS
    assert seg["text"].tolist() == [
        "The box came late.", "The herbs were wilted!", "Would I order again? Probably not.",
    ]
    for _, s in seg.iterrows():
        assert texts[0][s.char_start:s.char_end] == s.text
    assert seg["segment_id"].tolist() == ["i1:0:0", "i1:0:1", "i1:0:2"]


def test_short_leading_fragment_merges_forward():
    seg = cx.segment(corpus_of(["Yeah. So the parcel never came at all."])).segments
    assert seg["text"].tolist() == ["Yeah. So the parcel never came at all."]
    assert not seg["is_backchannel"].iloc[0]


@pytest.mark.parametrize("text", ["Yeah.", "Mm-hmm.", "Yeah, yeah.", "I don't know.", "Okay, thanks!",
                                  "Right, right.", "Oh really?"])
def test_backchannels_are_flagged(text):
    assert is_backchannel(text)
    seg = cx.segment(corpus_of([text])).segments
    assert len(seg) == 1 and seg["is_backchannel"].iloc[0]


@pytest.mark.parametrize("text", ["Yeah the delivery was late.", "No, I cancelled in March.",
                                  "Great recipes, honestly."])
def test_content_is_not_a_backchannel(text):
    assert not is_backchannel(text)


def test_times_are_interpolated_within_the_turn():
    seg = cx.segment(corpus_of(["First sentence is here. Second sentence is here too."],
                               start=[10.0], end=[20.0])).segments
    assert seg["start"].iloc[0] == pytest.approx(10.0)
    assert seg["end"].iloc[1] == pytest.approx(20.0)
    assert seg["end"].iloc[0] <= seg["start"].iloc[1]


def test_extra_turn_columns_are_carried_and_empty_turns_dropped():
    c = corpus_of(["Delivery was fine this week.", "   "], extra={"stage": ["onboarding", None]})
    seg = cx.segment(c).segments
    assert seg["stage"].tolist() == ["onboarding"]


def test_segment_is_deterministic_and_records_provenance():
    c = corpus_of(["One thing I love is the recipes. Another is the price."])
    a, b = cx.segment(c), cx.segment(c)
    pd.testing.assert_frame_equal(a.segments, b.segments)
    assert a.steps == ["segment"] and a.meta["segmentation"]["segments"] == 2
    assert c.segments is None


def test_bad_min_words():
    with pytest.raises(ValueError, match="min_words"):
        cx.segment(corpus_of(["x"]), min_words=0)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(min_size=0, max_size=120), min_size=1, max_size=4))
def test_any_text_segments_into_covering_offsets(texts):
    seg = cx.segment(corpus_of(texts)).segments
    for _, s in seg.iterrows():
        assert texts[s.turn][s.char_start:s.char_end] == s.text
        assert s.text.strip() == s.text and s.text
