"""Stage keyword counting: the word pre-check never changes a count."""

from __future__ import annotations

import re

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from cxinsight.journey.maps import JourneyMap
from cxinsight.journey.stages import _keyword_hits, _keyword_patterns, _required_words

_PATTERNS = _keyword_patterns(JourneyMap.default(), {
    "support": [r"r[ae]fund", r"(?i:HELP)\s+desk", r"k.?lvin", r"\d+ days?"],
    "renewal": [r"(?:cancel|stop)+ my plan", r"[st]tay", r"pause|ſkip", r"skip(ped)? a (week|box)"]})
_WORDS = ["heard", "about", "ads", "ad", "review", "REVIEWS", "Sign", "up", "signup",
          "day-to-day", "day to day", "refund", "rafund", "help  desk", "kelvin", "Kelvin",
          "K", "ı", "İ", "ſkip", "skip", "ſkipped a box", "skipped a week", "stay", "tay", "cancel", "cancelcancel my plan",
          "3 days", "customer care", "rang them", "first order", "é", "\n", ",", "it was worth",
          "whether", "chat", "live"]


def _plain(texts, patterns):
    hits = np.zeros((len(texts), len(patterns)))
    for i, text in enumerate(texts):
        for k, pats in enumerate(patterns):
            hits[i, k] = min(sum(1 for p in pats if p.search(text)), 2)
    return hits


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(st.sampled_from(_WORDS), max_size=8).map(" ".join), min_size=1,
                max_size=12)
       | st.lists(st.text(max_size=30), min_size=1, max_size=6))
def test_counts_equal_a_search_of_every_pattern(texts):
    texts = texts + texts[:1]  # a repeated text is counted from the first
    assert np.array_equal(_keyword_hits(texts, _PATTERNS), _plain(texts, _PATTERNS))


def test_required_words_are_read_from_the_pattern():
    words = {p.pattern: _required_words(p) for pats in _PATTERNS for p in pats}
    assert words[r"(?<!\w)(?:reviews?)(?!\w)"] == {"review"}
    assert words[r"(?<!\w)(?:social media|instagram|facebook|tiktok|youtube|podcast)(?!\w)"] \
        == {"social media", "instagram", "facebook", "tiktok", "youtube", "podcast"}
    assert words[r"(?<!\w)(?:\bads?\b)(?!\w)"] == {"ad"}
    assert words[r"(?<!\w)(?:[st]tay)(?!\w)"] == {"tay"}
    assert words[r"(?<!\w)(?:pause|ſkip)(?!\w)"] is None  # a non-ASCII word: always searched
    assert _required_words(re.compile(r"(live )?chat")) == {"chat"}
    assert _required_words(re.compile(r"x*")) is None
