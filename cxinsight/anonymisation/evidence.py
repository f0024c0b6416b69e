"""Person names from several kinds of evidence, never from a capital letter alone.

The name rules (:mod:`cxinsight.anonymisation.names`) propose candidates with the evidence
behind each one: a cue ("my name is", "spoke to", a title), the gazetteer, a study's known
names, or only a capital letter / an unknown word. The statistical named-entity recogniser
(:mod:`cxinsight.anonymisation.ner`) is a further, independent source. This module decides:

``names="evidence"`` (default, interviews)
    Cues, known names and listed first names or surnames are names. A candidate backed only by
    a capital letter or by being an unknown word is a name only when the recogniser also tags
    it PERSON. A name the recogniser finds alone is kept when it has a word that could be a
    name (a capitalised word that is not an English, product or technology word, or a listed
    name). Sentence-initial words, pronouns and product, technology and brand words are never
    names on a capital letter or the recogniser alone.
``names="strong"`` (surveys and other already-anonymous material)
    Only cues, known names, and a listed name the recogniser agrees with.
``names="capitalised"``
    The high-recall rules of cxinsight 0.1: any capitalised word that is not a common word.
``names="off"``
    No person names at all (patterns such as e-mails and phones are still found).

The recogniser runs only on the sentences that hold a candidate, so its cost stays small.
"""

from __future__ import annotations

import re

from cxinsight.anonymisation import ner as _ner
from cxinsight.anonymisation._spans import Detection
from cxinsight.anonymisation.names import (
    _CAMEL,
    _NAME_PREFIX,
    _POSSESSIVE,
    _RIGHT_CUE,
    _TOKEN,
    _fold,
    _sentence_start,
)

NAME_MODES = ("evidence", "strong", "capitalised", "off")

#: rule detectors that are evidence enough on their own
_STRONG_DETECTORS = frozenset({"name_cue", "known_name", "manual", "propagated"})
#: a listed name needs at least this rule score to stand alone (capitalised mid-sentence: 0.8;
#: a lower-case listed first name in text without capitals: 0.55)
GAZETTEER_ALONE = 0.5
#: a person pronoun right after a name: "Oluwaseun in particular, he'll jump on it"
_PRONOUN_AFTER = re.compile(r"(?:\s+[a-z]+){0,2}\s*,\s+(?:he|she)(?:['’](?:ll|s|d))?\b")
#: lower-case parts of names ("Ludwig van Beethoven", "Ibn al-Haytham")
_PARTICLES = frozenset({"van", "von", "de", "der", "den", "da", "di", "du", "la", "le", "del", "bin", "al", "ibn", "ter"})
_SENTENCE_CUT = re.compile(r"(?<=[.!?…])\s+|\n+")
#: texts up to this length go to the recogniser whole; longer ones as windows around candidates
_WHOLE_TEXT = 200
_WINDOW = 80


def _sentences(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Short pieces of ``text`` around ``spans``: the sentence of each span, cut to a window of
    about :data:`_WINDOW` characters either side (the recogniser's cost grows with its input)."""
    if len(text) <= _WHOLE_TEXT:
        return [(0, len(text))]
    bounds = []
    pos = 0
    for m in _SENTENCE_CUT.finditer(text):
        bounds.append((pos, m.start()))
        pos = m.end()
    bounds.append((pos, len(text)))
    pieces: list[tuple[int, int]] = []
    for s, e in sorted(spans):
        for a, b in bounds:
            if s < b and a < e:
                break
        else:
            a, b = 0, len(text)
        a2, b2 = max(a, s - _WINDOW), min(b, e + _WINDOW)
        if a2 > a:
            sp = text.find(" ", a2, s)
            a2 = sp + 1 if sp >= 0 else a2
        if b2 < b:
            sp = text.rfind(" ", e, b2)
            b2 = sp if sp >= 0 else b2
        if pieces and a2 <= pieces[-1][1]:
            pieces[-1] = (pieces[-1][0], max(b2, pieces[-1][1]))
        else:
            pieces.append((a2, b2))
    return pieces


class NameEvidence:
    """Combine rule candidates with the recogniser's PERSON entities (see the module notes).

    Parameters
    ----------
    rules : NameRules
        The rule detector (its word lists are reused).
    nlp : spacy.Language or None
        The recogniser; ``None`` means rules only (weak candidates are then dropped in the
        ``evidence`` and ``strong`` modes).
    mode : str
        One of :data:`NAME_MODES`.
    technology : frozenset of str
        Product, technology and brand words (lower case).
    """

    def __init__(self, rules, nlp, mode: str, technology: frozenset[str]) -> None:
        self.rules = rules
        self.nlp = nlp
        self.mode = mode
        self.technology = technology

    # ------------------------------------------------------------------ word tests
    def _name_word(self, word: str, fold: str) -> bool:
        """Could this token be (part of) a name on its own merits?"""
        r = self.rules
        if fold in self.technology or fold in r.not_person:
            return False
        if _CAMEL.search(word) and not _NAME_PREFIX.match(word):
            return False  # "GreenCrate", "YouTube": brands
        if word.isupper() and len(word) <= 4 and fold not in r.first:
            return False  # "NLP", "DSW": acronyms
        if fold in r.first or fold in r.last:
            return fold not in r.common or word[:1].isupper()
        return word[:1].isupper() and fold not in r.common and fold not in r.vocabulary

    def _tokens(self, text: str, start: int, end: int) -> list[tuple[str, str, int]]:
        return [(m.group(), _fold(_POSSESSIVE.sub("", m.group())), m.start())
                for m in _TOKEN.finditer(text, start, end)]

    def _strong(self, text: str, d: Detection) -> bool:
        if d.detector in _STRONG_DETECTORS:
            return d.detector != "name_cue" or d.score >= 0.45
        if d.detector == "name_gazetteer" and d.score >= GAZETTEER_ALONE:
            # a listed name that is not also an ordinary word ("Font", "Power" are surnames
            # too): English first names count whatever else they are
            r = self.rules
            return any((f in r.first or f in r.last) and (f not in r.vocabulary or f in r.first_en)
                       for _, f, _ in self._tokens(text, d.start, d.end))
        return False

    def _product(self, text: str, d: Detection) -> bool:
        """Every word of the span is a product, technology, brand or place word."""
        toks = self._tokens(text, d.start, d.end)
        return bool(toks) and all(f in self.technology or f in self.rules.not_person for _, f, _ in toks)

    # ------------------------------------------------------------------ public
    def find(self, text: str, candidates: list[Detection]) -> list[Detection]:
        """Return the PERSON detections of ``text`` from the rule ``candidates`` (all scores).

        Non-person rule detections (``place_cue``) pass through unchanged.
        """
        if self.mode == "off":
            return []
        if self.mode == "capitalised":
            return candidates
        people = [d for d in candidates if d.label == "PERSON"
                  and not (d.detector not in ("known_name", "manual", "propagated") and self._product(text, d))]
        # a place after "in"/"from" needs more than a capital letter too ("in Python")
        others = [d for d in candidates if d.label != "PERSON" and self.mode != "strong"
                  and any(self._name_word(w, f) for w, f, _ in self._tokens(text, d.start, d.end))]
        strong = [d for d in people if self._strong(text, d)]
        weak = [d for d in people if not self._strong(text, d)]
        if self.mode == "strong":
            # no weak cues ("and", "with"): a title, "my name is", "spoke to" ...
            strong = [d for d in strong if d.detector != "name_cue" or d.score >= 0.8]
            # a listed first name (surname lists hold too many words) that the recogniser confirms
            strong = [d for d in strong if d.detector != "name_gazetteer" or (d.score >= 0.8 and any(
                f in self.rules.first and f not in self.rules.vocabulary for _, f, _ in self._tokens(text, d.start, d.end)))]
        if self.mode == "evidence":
            # a capitalised word that acts as a person ("Ffion's nine", "Ffion said") is one
            cued = [d for d in weak if self._acts_as_person(text, d)]
            strong += [Detection(d.start, d.end, "PERSON", max(d.score, 0.6), "name_cue") for d in cued]
            weak = [d for d in weak if d not in cued]
        # only candidates that could be names go to the recogniser (not "You", "Because",
        # "Python", a lone sentence-initial word): most turns then need no recogniser at all
        weak = [d for d in weak if self._weak_ok(text, d)]
        if self.nlp is None or not (weak or (self.mode == "strong" and strong)):
            if self.mode == "strong":
                strong = [d for d in strong if d.detector != "name_gazetteer"]
            return strong + others
        spans = _ner_people(self.nlp, text, [(d.start, d.end) for d in (strong if self.mode == "strong" else weak)])
        if self.mode == "strong":
            keep = []
            for d in strong:
                if d.detector != "name_gazetteer" or any(s < d.end and d.start < e for s, e in spans):
                    keep.append(d)
            return keep + others
        out = list(strong)
        for d in weak:
            if not any(s < d.end and d.start < e for s, e in spans):
                continue
            out.append(Detection(d.start, d.end, "PERSON", max(d.score, 0.75), "ner"))
        # names the recogniser found where the rules saw only a lower-score candidate nearby
        taken = [(d.start, d.end) for d in out + others]
        for s, e in spans:
            if any(a < e and s < b for a, b in taken):
                continue
            toks = self._tokens(text, s, e)
            if not toks or not all(self._name_word(w, f) or f in _PARTICLES for w, f, _ in toks):
                continue
            if len(toks) == 1 and _sentence_start(text[max(0, s - 40):s]):
                continue
            out.append(Detection(s, e, "PERSON", 0.7, "ner"))
        return out + others

    def _acts_as_person(self, text: str, d: Detection) -> bool:
        """A capitalised candidate followed by a possessive or by "said", "told", "and I" (not
        at a sentence start), or by "he"/"she" after a comma (as in: Oluwaseun in particular, he'll ...)."""
        if not text[d.start:d.start + 1].isupper():
            return False
        right = _RIGHT_CUE.match(text, d.end) is not None
        pronoun = _PRONOUN_AFTER.match(text, d.end) is not None
        if not (right or pronoun):
            return False
        if right and _sentence_start(text[max(0, d.start - 40):d.start]):
            return False
        if pronoun and (d.end - d.start < 3 or self._tokens(text, d.start, d.end)[0][1] in self.rules.vocabulary):
            return False
        return all(self._name_word(w, f) for w, f, _ in self._tokens(text, d.start, d.end))

    def _weak_ok(self, text: str, d: Detection) -> bool:
        """A weak candidate the recogniser agrees with: refuse technology words and a lone
        sentence-initial word."""
        toks = self._tokens(text, d.start, d.end)
        if not toks or not all(self._name_word(w, f) or f in _PARTICLES for w, f, _ in toks):
            return False
        if len(toks) == 1:
            word, fold, pos = toks[0]
            if fold in self.rules.common and fold not in self.rules.first:
                return False
            if (_sentence_start(text[max(0, pos - 40):pos]) and fold not in self.rules.first
                    and fold not in self.rules.last and fold in self.rules.vocabulary):
                return False
        return True


def _ner_people(nlp, text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out = []
    for a, b in _sentences(text, spans):
        piece = text[a:b]
        for s, e, lab in _ner.entities(nlp, piece):
            if lab in ("PERSON", "PER"):
                m = re.search(r"\s*['’]s?$", piece[s:e])
                if m is not None and m.start() > 0:
                    e = s + m.start()
                out.append((a + s, a + e))
    return out
