"""Casing-aware name evidence: how much a text's capitals say, and what changes when they say little."""

from __future__ import annotations

import pytest

from cxinsight.anonymisation import Anonymiser
from cxinsight.anonymisation.names import UNCASED_BELOW, NameRules, casing_information


@pytest.fixture(scope="module")
def anon():
    return Anonymiser(labels=["PERSON"])


def persons(anon, text):
    df = anon.detect(text)
    return df[df["label"] == "PERSON"]["text"].tolist()


@pytest.mark.parametrize(
    "text, cased",
    [
        ("I spoke to the driver. He was nice. I said thanks.", True),
        ("Yeah.", True),
        ("i think it was fine tbh. i was there", False),
        ("omg went to the game with sarah and brittany lol", False),  # names written in lower case
        ("LADY GAGA IS BETTER THE 5TH TIME OH BABY", False),  # capitals only carry nothing
        ("RT @SomeOne : lol i cant even http://bit.ly/AbCdEf", False),  # RT, handles, URLs ignored
        ("Football tonight with Sarah and Brittany! So excited.", True),
    ],
)
def test_casing_information(text, cased):
    rules = NameRules()
    tokens = text.split()
    seen = [w[0].isupper() for w in tokens if w.lower().strip("!.,") in rules.proper]
    value = casing_information(text, (sum(seen), len(seen)))
    assert 0.0 <= value <= 1.0
    assert (value >= UNCASED_BELOW) is cased, value


def test_all_capitals_carry_no_information():
    assert casing_information("WHY IS NOBODY ANSWERING THE PHONE AT ALL") == 0.0


@pytest.mark.parametrize(
    "text, found",
    [
        # lower-case tweets: gazetteer and cues stand in for capitals
        ("omg went to the game with mariaelena , sarah and brittany lol", "mariaelena"),
        ("omg went to the game with mariaelena , sarah and brittany lol", "brittany"),
        ("lol i told mark it was fine", "mark"),
        ("ugh my boyfriend jamal forgot again", "jamal"),
        # capitals only: a listed name after a cue
        ("SO EXCITED TO SEE THE SHOW WITH JAKE TONIGHT", "JAKE"),
        # middle initials and first names that are also months or words
        ("George N. Parks died on Saturday.", "George N"),
        ("We met Deborah L at the clinic.", "Deborah L"),
        ("Jan Brewer spoke today.", "Jan Brewer"),
        ("Don Mattingly will replace him.", "Don Mattingly"),
    ],
)
def test_uncased_and_special_names_found(anon, text, found):
    assert found in persons(anon, text), anon.detect(text).values.tolist()


@pytest.mark.parametrize(
    "text, word",
    [
        # a well-cased transcript: a lower-case word is evidence against a name
        ("We spoke last week. Will you mark it as urgent, please? I will.", "mark"),
        ("We spoke last week. Will you mark it as urgent, please? I will.", "Will"),
        ("I did. Maisie picked the katsu, Alfie picked sausages.", "katsu"),
        ("And anything with too much coriander, Niamh thinks it tastes like soap.", "coriander"),
        ("This is my bugbear, Tom. The app logs me out.", "bugbear"),
        ("A box turned up on Boxing Day and sat there.", "Day"),
        # without capitals, a word that is also a common word still needs a cue
        ("i will mark it later and may ring you", "mark"),
        ("i will mark it later and may ring you", "may"),
        # web addresses and HTML entities are not names
        ("check this out http://bit.ly/aKHoZc so good &amp; funny", "aKHoZc"),
        ("check this out http://bit.ly/aKHoZc so good &amp; funny", "amp"),
    ],
)
def test_ordinary_words_not_taken_for_names(anon, text, word):
    hits = persons(anon, text)
    assert not any(word in h.split() for h in hits), hits
