"""Person names without a statistical model.

Four kinds of evidence, combined per token:

1. **Cues**: "my name is", "called", "named", titles (Mr, Mrs, Dr), "spoke to", "thanks",
   "my husband", "her manager" ... followed by a capitalised word or a listed name.
2. **Gazetteer**: first and last names from Faker's locale lists (see
   ``tools/build_name_lists.py``); a listed name that is not a common English word is a person
   even in lower case ("sarah" in a sloppy auto-transcript).
3. **Capitalisation**: a capitalised word that does not start a sentence, is not a common English
   word and is not a known non-person (month, country, brand) is most likely a name.
4. Adjacent name tokens are joined ("Sarah Collins", "Liam O'Connor"); middle initials
   ("George N. Parks") and weak candidates coordinated with a name are taken along.

How much capitalisation counts depends on the text: :func:`casing_information` estimates, per
text, whether its writer uses capitals (sentence starts, "I", words that are always proper
nouns). In well-cased text a lower-case word is evidence against a name; in text without casing
information (lower-case tweets, auto-transcripts, capitals only) lower-case and all-capital words
are scored on the gazetteer and the cues alone.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from pathlib import Path

from cxinsight.anonymisation._spans import Detection

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
#: web addresses
_WEB = re.compile(r"(?:https?:/+|www\.)\S+|\b[\w.-]+\.(?:com|org|net|co|uk|ie|ly|me|it|gl|gd|io|tv)/\S*")
#: "Sarah and X", "Sarah, X", "X & Sarah": a weak candidate coordinated with a name
_COORDINATION = re.compile(r"\s*(?:,\s*(?:and\s+|&\s*)?|\s(?:and|&|or)\s+)")
_COORDINATED_FROM = 0.45
_COORDINATED_SCORE = 0.45
#: what may follow a middle initial: a full stop, a capitalised word (group 1; needed after "A"),
#: a space, punctuation or the end
_INITIAL_NEXT = re.compile(r"(?:\s?\.|\s+([A-Z][a-z])|\s|[,;:!?)]|$)")
#: the next word when capitalised: "Jan Brewer"
_NEXT_WORD = re.compile(r" ([A-Z][a-z]+(?:['’-][A-Za-z]+)*)\b")

#: where a sentence begins: text start or after . ! ? (a word must follow a space, not a URL dot)
_STARTS = re.compile(r"(?:^[^\w]*|[.!?…]\s+[\"“‘'(]*|\n[^\w\n]*)([^\W\d_])")
#: the pronoun "i" in either case, as a whole word ("i", "i'm", "I've")
_PRONOUN_I = re.compile(r"(?<![\w@#/.'’-])([iI])(?=\s|['’](?:m|ve|ll|d)\b|[,.!?]|$)")
#: words that are not prose: handles, hashtags, URLs, "RT"
_NOT_PROSE = re.compile(r"[@#]\w+|https?://\S+|www\.\S+|\bRT\b")
#: prior weight (in pseudo-observations) and prior value of the casing estimate
_CASING_PRIOR_N = 1.0
_CASING_PRIOR = 0.7
#: a proper noun's case says more about how names are written than a sentence start does
_PROPER_WEIGHT = 2.0
#: below this casing information, a text is treated as written without capitals
UNCASED_BELOW = 0.5


def casing_information(text: str, proper: tuple[int, int] = (0, 0)) -> float:
    """How much a text's capitalisation can be trusted as evidence, from 0 to 1.

    The share of sentence starts and of the pronoun "I" that are written with a capital
    (handles, hashtags, URLs and "RT" left out), shrunk toward a prior of 0.7 with the weight of one
    observation so that a short turn does not swing it. Text written in capitals only
    ("LADY GAGA IS BETTER") carries no information and scores 0.

    Parameters
    ----------
    text : str
        A turn, tweet or sentence.
    proper : (int, int)
        Further observations: how many words that are always proper nouns (unambiguous first
        names, months, countries) the text writes with a capital, out of how many it has; each
        counts twice, as a proper noun's case says more about how names are written than a
        sentence start does.

    Returns
    -------
    float
        Near 1 for well-cased prose, near 0 for text typed without capitals or in capitals only.
    """
    prose = _NOT_PROSE.sub(" ", text) if ("@" in text or "#" in text or "http" in text or "RT" in text) else text
    letters = [c for c in prose if c.isalpha()]
    if len(letters) >= 12 and sum(c.isupper() for c in letters) >= 0.8 * len(letters):
        return 0.0
    cased = seen = 0
    for m in _STARTS.finditer(prose):
        seen += 1
        cased += m.group(1).isupper()
    for m in _PRONOUN_I.finditer(prose):
        seen += 1
        cased += m.group(1) == "I"
    cased += _PROPER_WEIGHT * proper[0]
    seen += _PROPER_WEIGHT * proper[1]
    return (cased + _CASING_PRIOR_N * _CASING_PRIOR) / (seen + _CASING_PRIOR_N)


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
        #: words that are proper nouns whenever they occur: their case shows how a text is written
        self.proper = (self.not_person | (self.first - self.vocabulary)) - self.common
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
                     uncased: bool = False, prev_strong: bool = False):
        word = _POSSESSIVE.sub("", m.group())
        if len(word) < 2:
            # a middle initial after a name: "George N. Parks", "Thomas A Edison", "Deborah L"
            if prev_is_name and word.isupper() and word != "I":
                nxt = _INITIAL_NEXT.match(text, m.end())
                if nxt is not None and (word != "A" or nxt.group(1)):
                    return 0.7, "name_capitalised"
            return None
        before = text[m.start() - 1] if m.start() else " "
        if before in "@#" or (word[0] in "Ii" and word[1:2] in ("'", "’")):
            return None
        if before == "&" and text.startswith(";", m.end()):
            return None  # an HTML entity left in the text ("&amp;", "&quot;")
        fold = _fold(word)
        common = fold in self.common
        is_upper = word.isupper()
        is_cap = word[0].isupper() and not is_upper
        is_lower = not is_cap and not is_upper
        if uncased and not is_cap:
            return self._uncased_score(text, m, word, fold, common, prev_is_name, prev_strong, cues)
        if common and is_lower:
            return None  # the bulk of tokens: ordinary lower-case words
        listed = fold in self.first or fold in self.last
        not_person = fold in self.not_person
        left = text[max(0, m.start() - _LEFT_CONTEXT):m.start()]
        if not_person and not prev_is_name:
            # a first name that is also a month or a place, before a surname: "Jan Brewer",
            # "Paris Hilton", "August Alsina"
            if is_cap and fold in self.first and self._surname_follows(text, m.end()):
                return 0.7, "name_gazetteer"
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
        if prev_strong and is_cap and common and fold in self.last and fold not in _STOP:
            return 0.6, "name_gazetteer"  # a surname that is also a word: "Emily Blunt", "Mark Brown"
        if is_cap and common and fold in self.first_en and not not_person and self._surname_follows(text, m.end()):
            return 0.6, "name_gazetteer"  # a first name that is also a word: "Will Smith", "Joy Huhn"
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
            return LOW_SCORE, "name_unknown_word"
        return None

    def _uncased_score(self, text: str, m: re.Match, word: str, fold: str, common: bool,
                       prev_is_name: bool, prev_strong: bool, cues: dict):
        """Score a lower-case or all-capital word in a text whose capitals carry no information.

        Capitalisation is no evidence here, so only the gazetteer, the cues and the unknown-word
        clue count; a word that is both a common English word and a first name ("will", "mark",
        "rose") needs a cue.
        """
        listed = fold in self.first or fold in self.last
        if fold in self.not_person and not prev_is_name:
            return None
        if self.use_cues:
            cue = cues.get(m.start())
            if cue is not None:
                kind = "title" if cue.group("title") else "strong" if cue.group("strong") else "weak"
                phrase = (cue.group("strong") or cue.group("weak") or "").lower()
                if kind == "strong" and phrase in ("it's", "this is", "love", "cheers", "signed", "regards", "@"):
                    ok = listed and (not common or fold in self.first_en)
                elif kind == "weak" and phrase in _WEAK_ONLY_CAPITALISED:
                    ok = listed and not common
                else:
                    ok = listed and (not common or fold in self.first_en)
                    ok = ok or (kind != "weak" and not common and len(fold) > 1)
                if ok:
                    return 0.8, "name_cue"
        if common:
            if listed and fold in self.first_en and _RIGHT_CUE.match(text, m.end()):
                return 0.5, "name_cue"
            if prev_strong and fold in self.last and fold not in _STOP:
                return 0.6, "name_gazetteer"  # "emily blunt", "jackie chan"
            return None
        known_word = fold in self.vocabulary
        if prev_strong and (listed or not known_word or word.isupper()):
            return 0.7, ("name_gazetteer" if listed else "name_unknown_word")
        if self.use_gazetteer and listed:
            if word.isupper() and len(word) < 3:
                return LOW_SCORE, "name_gazetteer"
            return (0.55 if not known_word else 0.45), "name_gazetteer"
        if not known_word and len(fold) >= 3 and fold.isalpha() and not self._inflected(fold):
            return UNCASED_UNKNOWN_SCORE, "name_unknown_word"
        return None

    def _surname_follows(self, text: str, end: int) -> bool:
        """True when a capitalised word that can only be a surname follows position ``end``."""
        nxt = _NEXT_WORD.match(text, end)
        if nxt is None:
            return False
        fold = _fold(nxt.group(1))
        if fold in self.common or fold in self.not_person or fold in self.vocabulary and fold not in self.last:
            return False
        return True

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
        if "/" in text or "www." in text:
            # words inside web addresses are not names
            hidden = [(w.start(), w.end()) for w in _WEB.finditer(text)]
            if hidden:
                tokens = [t for t in tokens if not any(s <= t.start() < e for s, e in hidden)]
        # text written without capitals ("i think jason is..."): an unknown word is a better clue
        # text written without capitals ("i think jason is...") or in capitals only: the
        # capitalisation of a word is no evidence there (see casing_information)
        proper = self.proper
        seen = [t.group()[0].isupper() for t in tokens if t.group().lower() in proper]
        uncased = bool(tokens) and casing_information(text, (sum(seen), len(seen))) < UNCASED_BELOW

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
        first = self.first
        prev_end = -1
        cur_brand = False
        for m in tokens:
            word = m.group()
            if word in common and word.islower() and not (uncased and word in first):
                # the bulk of tokens: ordinary lower-case words are never names
                if cur:
                    close()
                prev_end = m.end()
                continue
            adjacent = bool(cur) and text[prev_end:m.start()] == " " and cur[-1][1] == prev_end
            hit = self._token_score(text, m, adjacent, headline, cues, uncased,
                                    adjacent and cur[-1][2] >= _COORDINATED_FROM)
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
        if len(out) > 1:
            self._coordinated(text, out, uncased)
        return out

    @staticmethod
    def _coordinated(text: str, found: list[Detection], uncased: bool) -> None:
        """Raise weak candidates listed next to a name: "with mariaelena, Sarah and Brittany".

        In well-cased text only capitalised candidates are raised: there a lower-case word next
        to a name is an ordinary word ("the katsu, Alfie picked ...").
        """
        strong = [d.score >= _COORDINATED_FROM for d in found]
        for i, d in enumerate(found):
            if strong[i] or d.score < LOW_SCORE or d.label != "PERSON":
                continue
            if not uncased and not text[d.start].isupper():
                continue
            left = i > 0 and strong[i - 1] and _COORDINATION.fullmatch(text, found[i - 1].end, d.start)
            right = i + 1 < len(found) and strong[i + 1] and _COORDINATION.fullmatch(text, d.end, found[i + 1].start)
            if left or right:
                found[i] = Detection(d.start, d.end, d.label, _COORDINATED_SCORE, "name_cue")
