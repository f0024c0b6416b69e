"""Lexical valence: our VADER-rule scorer against vaderSentiment, and the CX event phrases."""

from __future__ import annotations

import numpy as np
import pytest
from cx_event_sentences import CX_EVENT_SENTENCES, CX_NEUTRAL_SENTENCES

from cxinsight import embeddings as E
from cxinsight.emotions import CX_EVENTS, EmotionTagger, event_valence, lexicon_valence
from cxinsight.emotions.events import EventScorer
from cxinsight.emotions.fastvader import FastVader
from cxinsight.emotions.lexicon import reference_vader

# each line exercises one of VADER's rules
RULES = [
    "The food is good.",
    "The food is not good.",                      # negation right before
    "The food isn't really that good.",           # n't two or three words before
    "The food is very good.",                     # booster
    "The food is slightly good.",                 # dampener
    "The food is VERY GOOD, the driver was not.",  # capitals in a mixed-case sentence
    "THE FOOD IS GOOD",                           # all capitals: no emphasis
    "The food is good!!!",                        # exclamation marks
    "Is the food good??",                         # question marks
    "The food is good but the delivery is awful.",  # but: after counts more
    "No problems at all with the app.",           # "no" negates the next rated word
    "It was kind of good.",                       # kind of
    "At least it was cheap, the least helpful service ever.",
    "I have never been so happy.",                # never so: emphasis, not negation
    "Without doubt the best box.",
    "That recipe is the bomb.",                   # special cases
    "",
    "   ",
    "The box was great 😀 but the app 😡",        # emojis become words
    "Cancelling was a nightmare, not a hassle-free process at all.",
]


@pytest.mark.parametrize("cx_words", [False, True])
def test_scorer_matches_vader_rule_by_rule(cx_words):
    ours = lexicon_valence(RULES, cx_words=cx_words)
    ref = reference_vader(RULES, cx_words=cx_words)
    np.testing.assert_allclose(ours, ref, atol=1e-4)
    assert ours[1] < 0 < ours[0] < ours[3]
    assert ours[9] < 0  # the clause after "but" wins


def test_extra_words_and_cx_words():
    text = ["The app is clunky but the crate is spiffing."]
    base = lexicon_valence(text)[0]
    assert lexicon_valence(text, cx_words=False)[0] == 0.0  # neither word is in VADER
    assert base < 0  # clunky is in the CX lexicon
    assert lexicon_valence(text, {"spiffing": 3.0})[0] > base
    assert FastVader({"crate": 2.0}).score("Lovely CRATE!") > FastVader().score("Lovely CRATE!")


def test_event_phrases_read_as_events():
    texts = [t for t, _ in CX_EVENT_SENTENCES]
    signs = np.array([y for _, y in CX_EVENT_SENTENCES])
    ev = event_valence(texts)
    fired = ev != 0
    assert fired.mean() > 0.8
    assert (np.sign(ev[fired]) == signs[fired]).all(), [t for t, v, y in zip(texts, ev, signs) if v and np.sign(v) != y]
    assert not event_valence(CX_NEUTRAL_SENTENCES).any()


def test_event_negation_and_overlap():
    late, not_late, charged, not_charged, both = event_valence([
        "The box came two days late.", "The box was not late.",
        "They charged me twice.", "They never charged me twice.",
        "The box came two days late and the herbs were missing.",
    ])
    assert late < 0 and not_late == 0  # a filler word is never a negation
    assert charged < 0 < not_charged
    assert both < late  # two events count more than one
    # "two days late" and "came ... late" overlap: counted once
    scorer = EventScorer()
    assert scorer.raw("the box came two days late") == pytest.approx(-1.8)


def test_custom_events_and_bad_events():
    mine = [("crate", r"crate (?:was|is) empty", -2.5)]
    assert event_valence(["The crate was empty."], mine)[0] < 0
    assert event_valence(["The crate was empty."])[0] == 0
    with pytest.raises(ValueError, match="anchor words, pattern, rating"):
        EventScorer([("late", -1.0)])
    with pytest.raises(ValueError, match="not a valid regular expression"):
        EventScorer([("late", r"late(", -1.0)])
    assert len(CX_EVENTS) > 40


@pytest.fixture(scope="module")
def cx_tagged():
    texts = [t for t, _ in CX_EVENT_SENTENCES]
    X = E.encode(texts)
    with_events = EmotionTagger().predict(texts, embeddings=X)["valence"].to_numpy()
    without = EmotionTagger(valence_weights={"events": 0}).predict(texts, embeddings=X)["valence"].to_numpy()
    return with_events, without, np.array([y for _, y in CX_EVENT_SENTENCES])


def test_events_carry_valence_in_the_tagger(cx_tagged):
    with_events, without, signs = cx_tagged
    assert (np.sign(with_events) == signs).mean() >= 0.95
    assert (np.sign(with_events) == signs).mean() > (np.sign(without) == signs).mean()
    # event descriptions leave the neutral band, not just lean
    assert (with_events * signs > 0.05).mean() >= 0.85
    assert EmotionTagger().describe()["valence_weights"]["events"] > 0
