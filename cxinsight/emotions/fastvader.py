"""A fast lexicon valence scorer that follows VADER's published rules.

VADER (Hutto & Gilbert 2014, *VADER: A Parsimonious Rule-based Model for Sentiment Analysis of
Social Media Text*, ICWSM; MIT licence) scores a sentence from a lexicon of rated words plus a
few rules. The reference implementation (the ``vaderSentiment`` package) re-lowercases the
whole sentence for every rated word and tries every rule on every token; on 20,000 segments
that is most of the tagging time. This module is our own implementation of the same rules,
organised for speed: one ``split`` per text, a per-process memo from raw token to its
lower-cased, punctuation-stripped form, and the rules evaluated only around rated words.

Data, not code, comes from the installed ``vaderSentiment`` package at run time: the lexicon
file ``vader_lexicon.txt``, the emoji descriptions ``emoji_utf8_lexicon.txt`` and the word lists
(negations, boosters/dampeners, special cases) published as module constants. The rules:

* a rated word contributes its rating (−4 .. +4);
* an ALL-CAPS rated word in a sentence that is not all capitals gets ±0.733;
* a booster or dampener 1, 2 or 3 tokens before adds ±0.293 (× 1, 0.95, 0.9 with distance);
* a negation 1, 2 or 3 tokens before multiplies by −0.74 ("no" also negates the next word);
* "least" before a word negates it (not "at least");
* with "but", ratings before it count half and after it one and a half;
* each "!" (up to 4) adds 0.292 and 2-3 "?" add 0.18 each (0.96 for more), in the direction
  of the sum;
* the sum ``x`` becomes ``x / sqrt(x² + 15)``, rounded to 4 decimals.

``benchmarks/bench_emotions.py`` compares this scorer with ``vaderSentiment`` on GoEmotions dev.
"""

from __future__ import annotations

import math
import string
from collections.abc import Mapping
from functools import lru_cache
from importlib import resources

_PUNCT = string.punctuation
_MEMO_LIMIT = 400_000


@lru_cache(maxsize=1)
def vader_data() -> dict:
    """Read VADER's lexicon, emoji descriptions and word lists from the installed package."""
    from vaderSentiment import vaderSentiment as vs

    folder = resources.files("vaderSentiment")
    lexicon: dict[str, float] = {}
    for line in (folder / "vader_lexicon.txt").read_text("utf-8").splitlines():
        parts = line.strip().split("\t")
        if len(parts) >= 2:
            lexicon[parts[0]] = float(parts[1])
    emojis: dict[str, str] = {}
    for line in (folder / "emoji_utf8_lexicon.txt").read_text("utf-8").splitlines():
        parts = line.strip().split("\t")
        if len(parts) >= 2:
            emojis[parts[0]] = parts[1]
    return {
        "lexicon": lexicon, "emojis": emojis, "negate": frozenset(vs.NEGATE),
        "boosters": dict(vs.BOOSTER_DICT), "special": dict(vs.SPECIAL_CASES),
        "b_incr": vs.B_INCR, "c_incr": vs.C_INCR, "n_scalar": vs.N_SCALAR,
    }


class FastVader:
    """Score texts like VADER's ``compound``, quickly.

    Parameters
    ----------
    extra : mapping of str to float, optional
        Words to add to (or re-rate in) VADER's lexicon, on its −4..+4 scale.
    """

    def __init__(self, extra: Mapping[str, float] | None = None) -> None:
        data = vader_data()
        self.lexicon = {**data["lexicon"], **{k.lower(): float(v) for k, v in (extra or {}).items()}}
        self.emojis = data["emojis"]
        self.negate = data["negate"]
        self.boosters = data["boosters"]
        self.special = data["special"]
        self.b_incr, self.c_incr, self.n = data["b_incr"], data["c_incr"], data["n_scalar"]
        self._rated = self.lexicon.keys()
        self._emoji_chars = frozenset(self.emojis)
        # every special phrase and multi-word booster holds one of these (its longest word):
        # the idiom checks run only when one of them is near the rated word
        phrases = [*self.special, *(k for k in self.boosters if " " in k)]
        self._idiom_words = frozenset(max(p.split(), key=len) for p in phrases if " " in p)
        self._memo: dict[str, str] = {}

    # ------------------------------------------------------------------ tokens
    def _token(self, raw: str) -> str:
        """Lower-cased form (outer punctuation stripped unless that leaves ≤ 2 characters)."""
        stripped = raw.strip(_PUNCT)
        if len(self._memo) > _MEMO_LIMIT:
            self._memo.clear()
        low = self._memo[raw] = (raw if len(stripped) <= 2 else stripped).lower()
        return low

    def _demoji(self, text: str) -> str:
        """Replace emojis by their descriptions, as VADER does (only called on non-ASCII text)."""
        emojis = self.emojis
        if self._emoji_chars.isdisjoint(text):
            return text
        out, prev_space = [], True
        for ch in text:
            desc = emojis.get(ch)
            if desc is not None:
                if not prev_space:
                    out.append(" ")
                out.append(desc)
                prev_space = False
            else:
                out.append(ch)
                prev_space = ch == " "
        return "".join(out).strip()

    # ------------------------------------------------------------------ scoring
    def score(self, text: str) -> float:
        """Return the compound score of one text, in [−1, 1]."""
        if not text.isascii():
            text = self._demoji(text)
        raws = text.split()
        if not raws:
            return 0.0
        try:
            lows = list(map(self._memo.__getitem__, raws))
        except KeyError:
            lows = [self._memo.get(w) or self._token(w) for w in raws]
        lex = self.lexicon
        if self._rated.isdisjoint(lows):
            return 0.0
        hits = [i for i, low in enumerate(lows) if low in lex]
        n_words = len(lows)
        cap_diff = None  # computed only when an upper-case word matters
        boosters = self.boosters
        N = self.n
        values: list[tuple[int, float]] = []
        for i in hits:
            low = lows[i]
            if low in boosters:
                continue
            if low == "kind" and i + 1 < n_words and lows[i + 1] == "of":
                continue
            rating = lex[low]
            valence = rating
            if low == "no" and i + 1 < n_words and lows[i + 1] in lex:
                valence = 0.0
            if (i > 0 and lows[i - 1] == "no") or (i > 1 and lows[i - 2] == "no") or (
                i > 2 and lows[i - 3] == "no" and lows[i - 1] in ("or", "nor")
            ):
                valence = rating * N
            if raws[i].isupper():
                if cap_diff is None:
                    cap_diff = 0 < n_words - sum(map(str.isupper, raws)) < n_words
                if cap_diff:
                    valence += self.c_incr if valence > 0 else -self.c_incr
            for d in (1, 2, 3):
                if i < d:
                    break
                prev = lows[i - d]
                if prev in lex:
                    continue
                if prev in boosters:
                    upper = raws[i - d].isupper()
                    if upper and cap_diff is None:
                        cap_diff = 0 < n_words - sum(map(str.isupper, raws)) < n_words
                    valence += self._boost(prev, upper and cap_diff, valence, d)
                valence = self._negation(valence, lows, i, d)
                if d == 3 and not self._idiom_words.isdisjoint(lows[i - 3:i + 3]):
                    valence = self._idioms(valence, lows, i)
            if i > 0 and lows[i - 1] == "least" and "least" not in lex:
                if i == 1 or lows[i - 2] not in ("at", "very"):
                    valence *= N
            values.append((i, valence))
        if "but" in lows:
            bi = lows.index("but")
            total = sum(v * (0.5 if i < bi else 1.5 if i > bi else 1.0) for i, v in values)
        else:
            total = sum(v for _, v in values)
        if total == 0:
            return 0.0
        bangs = text.count("!")
        emph = min(bangs, 4) * 0.292
        qm = text.count("?")
        if qm > 1:
            emph += qm * 0.18 if qm <= 3 else 0.96
        total = total + emph if total > 0 else total - emph
        return round(max(-1.0, min(1.0, total / math.sqrt(total * total + 15))), 4)

    def _boost(self, word: str, emphasised: bool, valence: float, d: int) -> float:
        scalar = self.boosters[word]
        if valence < 0:
            scalar = -scalar
        if emphasised:
            scalar += self.c_incr if valence > 0 else -self.c_incr
        return scalar * (1.0, 0.95, 0.9)[d - 1]

    def _negation(self, valence: float, lows: list[str], i: int, d: int) -> float:
        prev = lows[i - d]
        if d == 2:
            if lows[i - 2] == "never" and lows[i - 1] in ("so", "this"):
                return valence * 1.25
            if lows[i - 2] == "without" and lows[i - 1] == "doubt":
                return valence
        elif d == 3:
            if (lows[i - 3] == "never" and lows[i - 2] in ("so", "this")) or lows[i - 1] in ("so", "this"):
                return valence * 1.25
            if lows[i - 3] == "without" and "doubt" in (lows[i - 2], lows[i - 1]):
                return valence
        if prev in self.negate or "n't" in prev:
            return valence * self.n
        return valence

    def _idioms(self, valence: float, lows: list[str], i: int) -> float:
        special = self.special
        w0, w1, w2, w3 = lows[i], lows[i - 1], lows[i - 2], lows[i - 3]
        for seq in (f"{w1} {w0}", f"{w2} {w1} {w0}", f"{w2} {w1}", f"{w3} {w2} {w1}", f"{w3} {w2}"):
            if seq in special:
                valence = special[seq]
                break
        if len(lows) - 1 > i:
            seq = f"{w0} {lows[i + 1]}"
            if seq in special:
                valence = special[seq]
        if len(lows) - 1 > i + 1:
            seq = f"{w0} {lows[i + 1]} {lows[i + 2]}"
            if seq in special:
                valence = special[seq]
        for seq in (f"{w3} {w2} {w1}", f"{w3} {w2}", f"{w2} {w1}"):
            if seq in self.boosters:
                valence += self.boosters[seq]
        return valence
