"""Spoken forms from speech-to-text: e-mail addresses said aloud and digits written as words.

``"sarah dot collins at gmail dot com"`` is found as an EMAIL and ``"oh seven seven double oh
nine hundred"`` as a PHONE (or an ID_NUMBER when it is short).
"""

from __future__ import annotations

import re

from cxinsight.anonymisation._spans import Detection

_NUMBER_WORD = (
    r"(?:zero|oh|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|"
    r"fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|"
    r"seventy|eighty|ninety|hundred|double|triple|\d+)\b"
)
#: between the parts of a spoken local part: "dot", "underscore", punctuation, or a space
#: before a number said aloud ("collins eighty-four")
_SEP = rf"(?:\s+(?:dot|underscore|dash|hyphen)\s+|[._-]|\s+(?={_NUMBER_WORD}))"
_DOMAIN_END = r"(?:com|co|org|net|ie|uk|io|us|de|fr|edu|gov|info|me)"
_SPOKEN_EMAIL = re.compile(
    rf"\b[A-Za-z0-9]+(?:{_SEP}[A-Za-z0-9]+)*\s+(?:at|@)\s+[A-Za-z0-9-]+"
    rf"(?:\s+dot\s+[A-Za-z0-9-]+)*\s+dot\s+{_DOMAIN_END}\b(?:\s+dot\s+(?:uk|ie|au|nz)\b)?",
    re.IGNORECASE,
)
_STOP_LOCAL = frozenset(
    "me him her them us it that this is was email mail address send sent emailed at you it's "
    "its reach contact".split()
)


def find_spoken_emails(text: str) -> list[Detection]:
    """E-mail addresses spelled out with "at" and "dot"."""
    out = []
    for m in _SPOKEN_EMAIL.finditer(text):
        start = m.start()
        first = re.match(r"[A-Za-z0-9]+", m.group()).group().lower()
        if first in _STOP_LOCAL:
            # "email me at gmail dot com" has no local part worth keeping: start after the stop word
            nxt = re.search(r"\s+", text[start:])
            if nxt is None:
                continue
            rest = text[start + nxt.end():m.end()]
            if re.match(r"(?:at|@)\b", rest, re.IGNORECASE):
                continue
            start = start + nxt.end()
        out.append(Detection(start, m.end(), "EMAIL", 0.85, "spoken_email"))
    return out


_UNITS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen".split())}
_UNITS["oh"] = 0
_TENS = {w: 10 * (i + 2) for i, w in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split())}
_NUMBER_RUN = re.compile(
    r"\b(?:(?:" + "|".join(list(_TENS) + list(_UNITS)) + r")(?:[\s-]+|\b))+", re.IGNORECASE
)


def _words_to_digits(match: re.Match) -> str:
    words = re.findall(r"[a-z]+", match.group().lower())
    out, i = [], 0
    while i < len(words):
        w = words[i]
        if w in _TENS:
            if i + 1 < len(words) and words[i + 1] in _UNITS and _UNITS[words[i + 1]] < 10:
                out.append(str(_TENS[w] + _UNITS[words[i + 1]]))
                i += 2
                continue
            out.append(str(_TENS[w]))
        else:
            out.append(str(_UNITS[w]))
        i += 1
    return "".join(out) + (" " if match.group()[-1:].isspace() else "")


def normalise_spoken_email(span: str) -> str:
    """Turn ``"sarah dot collins eighty-four at gmail dot com"`` into
    ``"sarah.collins84@gmail.com"``."""
    s = _NUMBER_RUN.sub(_words_to_digits, span.lower())
    s = re.sub(r"\s+dot\s+", ".", s)
    s = re.sub(r"\s+underscore\s+", "_", s)
    s = re.sub(r"\s+(?:dash|hyphen)\s+", "-", s)
    s = re.sub(r"\s+at\s+", "@", s)
    return re.sub(r"\s+", "", s)


_DIGIT_WORDS = {
    "zero": "0", "oh": "0", "o": "0", "nought": "0", "nil": "0", "one": "1", "two": "2",
    "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9",
}
_MULTIPLIERS = {"double": 2, "triple": 3, "treble": 3}
_TOKEN = re.compile(r"[A-Za-z]+|\d+|\+")
_GLUE = re.compile(r"^[\s,.\-]*$")


def spoken_digits(words: list[str]) -> str:
    """Digits spoken by ``words`` (``["double", "oh", "seven"]`` -> ``"007"``)."""
    out = []
    mult = 1
    for w in words:
        lw = w.lower()
        if lw in _MULTIPLIERS:
            mult = _MULTIPLIERS[lw]
            continue
        if lw == "hundred":
            out.append("00")
        elif lw == "thousand":
            out.append("000")
        elif lw == "plus":
            out.append("+")
        elif w.isdigit():
            out.append(w[0] * mult + w[1:] if mult > 1 else w)
        else:
            out.append(_DIGIT_WORDS.get(lw, "") * mult)
        mult = 1
    return "".join(out)


_DIGIT_WORD_PAIR = re.compile(
    r"\b(?:zero|oh|o|nought|one|two|three|four|five|six|seven|eight|nine|double|triple|treble)"
    r"[\s,.-]+(?:zero|oh|o|nought|one|two|three|four|five|six|seven|eight|nine|double|triple|treble)\b"
)


def has_digit_words(lower_text: str) -> bool:
    """Quick test: does the (lower-cased) text have two digit words in a row?"""
    return _DIGIT_WORD_PAIR.search(lower_text) is not None


def find_spoken_digits(text: str, min_digits: int = 6) -> list[Detection]:
    """Runs of digits said as words ("oh seven seven double oh nine ...", mixed with figures)."""
    out = []
    run: list[re.Match] = []

    def flush():
        if not run:
            return
        words = [m.group() for m in run]
        # trim leading/trailing words that carry no digit
        while words and words[0].lower() in _MULTIPLIERS:
            run.pop(0)
            words.pop(0)
        if not words:
            return
        digits = spoken_digits(words).lstrip("+")
        n_word_digits = sum(1 for w in words if w.lower() in _DIGIT_WORDS or w.lower() in _MULTIPLIERS)
        if len(digits) >= min_digits and n_word_digits >= 2:
            label = "PHONE" if len(digits) >= 9 or digits.startswith("0") or words[0].lower() == "plus" else "ID_NUMBER"
            out.append(Detection(run[0].start(), run[-1].end(), label, 0.7, "spoken_digits"))

    for m in _TOKEN.finditer(text):
        w = m.group().lower()
        is_digit_token = (
            w in _DIGIT_WORDS or w in _MULTIPLIERS or w.isdigit()
            or (w in ("hundred", "thousand") and run) or (w == "plus" and not run)
        )
        # "o" and "oh" are only digits next to other digits
        if w in ("o", "oh") and not run:
            nxt = _TOKEN.match(text, m.end() + (len(text[m.end():]) - len(text[m.end():].lstrip())))
            if not nxt or nxt.group().lower() not in _DIGIT_WORDS and nxt.group().lower() not in _MULTIPLIERS and not nxt.group().isdigit():
                is_digit_token = False
        if is_digit_token and (not run or _GLUE.match(text[run[-1].end():m.start()])):
            run.append(m)
        else:
            flush()
            run = [m] if is_digit_token else []
    flush()
    return out
