"""Person names without a statistical model.

Four kinds of evidence, combined per token:

1. **Cues**: "my name is", "called", "named", titles (Mr, Mrs, Dr), "spoke to", "thanks",
   "my husband", "her manager" ... followed by a capitalised word or a listed name.
2. **Gazetteer**: first and last names from Faker's locale lists (see
   ``tools/build_name_lists.py``); a listed name that is not a common English word is a person
   even in lower case ("sarah" in a sloppy auto-transcript).
3. **Capitalisation**: a capitalised word that does not start a sentence, is not a common English
   word and is not a known non-person (month, country, brand) is most likely a name.
4. Adjacent name tokens are joined ("Sarah Collins", "Liam O'Connor").
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from pathlib import Path

from cxinsight.anonymise._spans import Detection

_TOKEN = re.compile(r"[^\W\d_][^\W\d_]*(?:['’-][^\W\d_]+)*")
_POSSESSIVE = re.compile(r"['’]s$|['’]$", re.IGNORECASE)

_RELATIONS = (
    "husband|wife|partner|son|daughter|boy|girl|kid|kids|mum|mom|mother|dad|father|sister|"
    "brother|friend|mate|colleague|manager|boss|neighbour|neighbor|flatmate|housemate|roommate|"
    "fiancé|fiance|fiancée|fiancee|boyfriend|girlfriend|nan|nana|gran|granny|grandma|grandad|"
    "grandpa|grandson|granddaughter|aunt|auntie|uncle|cousin|niece|nephew|child|baby|carer|"
    "stepson|stepdaughter|stepmum|stepdad|other half|better half|supervisor|coworker|co-worker"
)
#: cue phrase (lower case) -> strength. "strong" cues accept any non-common word after them.
_CUE = re.compile(
    r"(?:\b(?P<strong>my\s+name\s+is|name's|name\s+is|names\s+is|i'm\s+called|i\s+am\s+called|"
    r"called|named|call\s+me|known\s+as|goes\s+by|this\s+is|it's|signed|regards|cheers|love|"
    r"@)"
    r"|\b(?P<title>mr|mrs|ms|miss|mx|dr|prof|professor|sir|dame|lady|lord|sister|father|"
    r"aunt|auntie|uncle|nurse|doctor|officer|coach|captain)\.?"
    r"|\b(?P<weak>spoke\s+to|spoke\s+with|speak\s+to|speak\s+with|speaking\s+to|speaking\s+with|"
    r"talked\s+to|talked\s+with|talking\s+to|talk\s+to|chatted\s+to|chatted\s+with|chat\s+with|"
    r"dealt\s+with|ask\s+for|asked\s+for|asked|told|thanks|thank\s+you|hi|hello|hey|dear|with|"
    r"and|from|by|meet|met|married|love\s+you|miss\s+you|"
    r"(?:my|his|her|their|our|your|the)\s+(?:" + _RELATIONS + r")(?:\s*,)?|"
    r"(?:agent|advisor|adviser|rep|representative|lady|guy|man|woman|lad|bloke|chap|fella|"
    r"gentleman|person|girl|boy|driver|courier)\s+(?:called|named|,)?))"
    r"\s+",
)
_WEAK_ONLY_CAPITALISED = frozenset({"with", "and", "from", "by", "meet", "met", "married"})
_SENTENCE_END = re.compile(r"(?:^|[.!?…:;\"“”(\[\n]|\s-\s|^\s*[-*>]+)\s*$")
_LEFT_CONTEXT = 40
_STOP = frozenset(
    "the a an and or but of to in on at for with by from is are was were be i you he she we they it my "
    "your his her our their this that these those not no so if as do does did have has had will would "
    "can could should may might must".split()
)
_RESOURCES = Path(__file__).resolve().parents[1] / "resources" / "names"


def _sentence_start(left: str) -> bool:
    """True when the text before a token ends a sentence (or is empty)."""
    stripped = left.rstrip()
    if not stripped:
        return len(left) < _LEFT_CONTEXT
    last = stripped[-1]
    if last in ".!?…:;\"“”([\n*>":
        return True
    return "\n" in left[len(stripped):] or stripped.endswith(" -")


def _fold(word: str) -> str:
    w = word.lower()
    if w.isascii():
        return w
    norm = unicodedata.normalize("NFKD", w)
    return "".join(c for c in norm if not unicodedata.combining(c)).replace("’", "'")


@cache
def word_list(name: str) -> frozenset[str]:
    """Return a shipped word list (``first_names``, ``last_names``, ``common_words``,
    ``not_person``) as a set of lower-case, accent-free words."""
    text = (_RESOURCES / f"{name}.txt").read_text("utf-8")
    return frozenset(w.strip() for w in text.splitlines() if w.strip())


_LOCATIVE = re.compile(r"\b(?:in|from|near|to|at|outside|around|visit|visiting|moved\s+to|live\s+in|lives\s+in)\s+$", re.IGNORECASE)
_HEADLINE_MIN_TOKENS = 5
#: right context that marks a person: "Dev and I", "Dev's parents", "Dev said"
_RIGHT_CUE = re.compile(r"(?:['’]s\b|\s+and\s+(?:I|me)\b|\s+(?:said|says|told|thinks|reckons|laughs|laughed)\b)")
SENTENCE_START_SCORE = 0.4
_SUFFIXES = (
    "ies", "ied", "ier", "iest", "ing", "ings", "ed", "es", "s", "ly", "er", "ers", "est", "ness",
    "ment", "ments", "ful", "less", "able", "ish", "y",
)
#: a capital letter inside a word ("GreenCrate") marks a brand, unless it follows a name prefix
_CAMEL = re.compile(r"[a-z][A-Z]")
_NAME_PREFIX = re.compile(r"^(?:Mc|Mac|De|Di|Da|Du|Le|La|Van|Von|St|Fitz)[A-Z][a-z]+$")
_LOWER_I = re.compile(r"(?:^|\s)i(?:\s|['’](?:m|ve|ll|d)\b)")
#: score of an unknown lower-case word in a text written without capitals
UNCASED_UNKNOWN_SCORE = 0.42
#: score of the weakest evidence (an unknown lower-case word, a capitalised common word)
LOW_SCORE = 0.3
#: sentence-initial words with these endings are ordinary words ("Suspiciously", "Honestly")
_NOT_NAME_SUFFIX = re.compile(r"(?:ly|ing|ed|tion|sion|ness|ment|able|ible|ous|ful|less|ise|ize|ity)$")
_HEADLINE_SHARE = 0.6


class NameRules:
    """Find person names in a string with cues, a gazetteer and capitalisation evidence.

    Parameters
    ----------
    extra_common : iterable of str
        Words (any case) never taken as names on their own (the allow-list).
    use_gazetteer, use_capitalisation, use_cues : bool
        Switch the three kinds of evidence on or off (for ablation).
    """

    def __init__(
        self,
        extra_common=(),
        *,
        use_gazetteer: bool = True,
        use_capitalisation: bool = True,
        use_cues: bool = True,
    ) -> None:
        self.first = word_list("first_names")
        self.first_en = word_list("first_names_en")
        self.last = word_list("last_names")
        never = frozenset(_fold(w) for w in extra_common)
        self.common = word_list("common_words") | never
        self.not_person = word_list("not_person") | never
        self.vocabulary = word_list("vocabulary")
        self.use_gazetteer = use_gazetteer
        self.use_capitalisation = use_capitalisation
        self.use_cues = use_cues

    # ------------------------------------------------------------------ per token
    def _cue(self, cue, word: str, fold: str, is_cap: bool, listed: bool, common: bool):
        if cue is None:
            return None
        name_like_cap = is_cap and (not common or fold in self.first_en)
        if cue.group("title"):
            return (0.85, "name_cue") if is_cap or (listed and not common) else None
        strong = cue.group("strong")
        if strong:
            strong = strong.lower()
            if strong in ("it's", "this is", "love", "cheers", "signed", "regards", "@"):
                return (0.8, "name_cue") if name_like_cap and listed else None
            if name_like_cap or (not common and len(fold) > 1):
                return 0.85, "name_cue"
            return None
        weak = cue.group("weak").lower()
        if weak in _WEAK_ONLY_CAPITALISED:
            return (0.75, "name_cue") if is_cap and listed and not common else None
        if name_like_cap or (listed and not common):
            return 0.85, "name_cue"
        return None

    def _token_score(self, text: str, m: re.Match, prev_is_name: bool, headline: bool, cues: dict,
                     unknown_score: float = LOW_SCORE):
        word = _POSSESSIVE.sub("", m.group())
        if len(word) < 2:
            return None
        before = text[m.start() - 1] if m.start() else " "
        if before in "@#" or (word[0] in "Ii" and word[1:2] in ("'", "’")):
            return None
        fold = _fold(word)
        common = fold in self.common
        is_upper = word.isupper()
        is_cap = word[0].isupper() and not is_upper
        is_lower = not is_cap and not is_upper
        if common and is_lower:
            return None  # the bulk of tokens: ordinary lower-case words
        listed = fold in self.first or fold in self.last
        not_person = fold in self.not_person
        left = text[max(0, m.start() - _LEFT_CONTEXT):m.start()]
        if not_person and not prev_is_name:
            return None
        camel = is_cap and _CAMEL.search(word) is not None and not _NAME_PREFIX.match(word)
        if self.use_cues and not not_person:
            cue = cues.get(m.start())
            # "a company called GreenCrate": brand-like words only count after a title
            if not camel or (cue is not None and cue.group("title")):
                hit = self._cue(cue, word, fold, is_cap, listed, common)
                if hit is not None:
                    return hit
        if camel:
            # "GreenCrate", "YouTube": mostly brands; weak evidence only ("PewDiePie")
            return (LOW_SCORE, "name_capitalised") if self.use_capitalisation and not common else None
        if prev_is_name and not common and not not_person and (is_cap or is_upper or fold in self.last):
            return 0.7, ("name_gazetteer" if listed else "name_capitalised")
        if not_person:
            return None
        known_word = fold in self.vocabulary
        sentence_start = _sentence_start(left)
        if self.use_gazetteer and listed:
            # short all-capital words are acronyms more often than names ("IBAN", "NHS")
            if not common and (is_cap or (is_upper and len(word) >= 5)):
                return 0.8, "name_gazetteer"
            if not common and is_upper:
                return LOW_SCORE, "name_gazetteer"
            if is_lower and not known_word:
                return (0.55 if fold in self.first else 0.5), "name_gazetteer"
            if is_lower and not common and fold in self.first:
                return 0.45, "name_gazetteer"
            if is_cap and not sentence_start and fold in self.first_en and not headline:
                return 0.5, "name_gazetteer"
            if is_cap and fold in self.first and _RIGHT_CUE.match(text, m.end()):
                return 0.6, "name_cue"
        if sentence_start and _NOT_NAME_SUFFIX.search(fold):
            return None
        if self.use_capitalisation and is_cap and not common:
            if _LOCATIVE.search(left) and fold not in self.first:
                return 0.45, "place_cue"
            if headline:
                return LOW_SCORE, "name_capitalised"
            return (0.4 if not sentence_start else SENTENCE_START_SCORE), "name_capitalised"
        # weak evidence, below the default min_score: kept only in a high-recall setting
        if self.use_capitalisation and is_cap and common and not sentence_start and fold not in _STOP:
            return LOW_SCORE, "name_capitalised"
        if is_lower and not known_word and len(fold) >= 3 and fold.isalpha() and not self._inflected(fold):
            return unknown_score, "name_unknown_word"
        return None

    def _inflected(self, fold: str) -> bool:
        """True when ``fold`` is an inflection of a known word ("chopping", "kits", "binned")."""
        vocab = self.vocabulary
        for suffix in _SUFFIXES:
            if fold.endswith(suffix) and len(fold) - len(suffix) >= 3:
                stem = fold[: -len(suffix)]
                if stem in vocab or stem + "e" in vocab or (stem[-1:] == stem[-2:-1] and stem[:-1] in vocab):
                    return True
                if suffix in ("ies", "ied", "ier", "iest") and stem + "y" in vocab:
                    return True
        return False

    # ------------------------------------------------------------------ public
    def find(self, text: str) -> list[Detection]:
        """Return PERSON (and LOCATION) detections; adjacent name tokens are joined and a
        possessive ``'s`` is left out of the span."""
        out: list[Detection] = []
        cur: list[tuple[int, int, float, str]] = []
        tokens = list(_TOKEN.finditer(text))
        caps = sum(1 for t in tokens if t.group()[0].isupper())
        headline = len(tokens) >= _HEADLINE_MIN_TOKENS and caps / len(tokens) >= _HEADLINE_SHARE
        # text written without capitals ("i think jason is..."): an unknown word is a better clue
        uncased = bool(tokens) and (tokens[0].group()[0].islower() or _LOWER_I.search(text) is not None)
        unknown_score = UNCASED_UNKNOWN_SCORE if uncased else LOW_SCORE

        def close():
            if cur:
                best = max(cur, key=lambda c: c[2])
                label = "LOCATION" if all(c[3] == "place_cue" for c in cur) else "PERSON"
                out.append(Detection(cur[0][0], cur[-1][1], label, best[2], best[3]))
                cur.clear()

        cues = {}
        if self.use_cues:
            lower = text.lower()
            if len(lower) != len(text):  # rare characters whose lower case is longer
                lower = "".join(ch.lower() if len(ch.lower()) == 1 else ch for ch in text)
            cues = {c.end(): c for c in _CUE.finditer(lower)}
        common = self.common
        prev_end = -1
        cur_brand = False
        for m in tokens:
            word = m.group()
            if word in common and word.islower():
                # the bulk of tokens: ordinary lower-case words are never names
                if cur:
                    close()
                prev_end = m.end()
                continue
            adjacent = bool(cur) and text[prev_end:m.start()] == " " and cur[-1][1] == prev_end
            hit = self._token_score(text, m, adjacent, headline, cues, unknown_score)
            if hit is None:
                if cur:
                    close()
            else:
                # a brand-like word ("GreenCrate") is never joined to a name, either side
                brand = _CAMEL.search(word) is not None and not _NAME_PREFIX.match(word)
                if cur and (not adjacent or brand or cur_brand):
                    close()
                cur_brand = brand
                cur.append((m.start(), m.start() + len(_POSSESSIVE.sub("", word)), hit[0], hit[1]))
            prev_end = m.end()
        close()
        return out
