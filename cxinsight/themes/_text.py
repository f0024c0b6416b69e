"""Words that carry no theme: English stop words plus the fillers of spoken interviews."""

from __future__ import annotations

import re

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer

#: Fillers, hedges and contraction stubs that dominate transcribed speech but name no theme.
INTERVIEW_FILLERS = frozenset(
    """
    yeah yes yep yup yea ya nope nah ok okay oh ah uh um umm uhm er erm hmm hm mm mmm mhm huh
    like just really know think mean guess kind sort lot lots thing things stuff bit actually
    basically literally honestly probably maybe pretty quite gonna wanna gotta got get gets getting
    ve ll re don didn doesn isn wasn aren weren haven hasn hadn won wouldn couldn shouldn ain im
    ive id youre theyre thats dont didnt doesnt cant wont isnt wasnt
    say said says saying tell told going go goes went come came want wanted did does doing
    right well sure okay alright anyway anyways definitely absolutely totally exactly
    obviously certainly especially generally usually sometimes always just also
    little big good great nice bad lovely brilliant
    sort kinda sorta yknow dunno sorry thank thanks cheers hello hi bye
    """.split()
)

#: The stop-word list used by the default vectoriser.
STOP_WORDS = frozenset(ENGLISH_STOP_WORDS) | INTERVIEW_FILLERS

#: Tokens of two or more letters (no digits or underscores), so "P03" and "10am" are not keywords.
TOKEN_PATTERN = r"(?u)\b[^\W\d_][^\W\d_]+\b"


_TOKEN = re.compile(r"[^\W\d_](?:[^\W\d_]|'(?=[^\W\d_]))*|[\d_]+|[^\w\s]+|\s+")


class PhraseAnalyzer:
    """Split text into words and n-grams that never cross a stop word or punctuation.

    ``"the app crashed, sorry"`` gives ``app``, ``crashed``, ``app crashed`` but never
    ``crashed sorry`` (scikit-learn's own analyser removes stop words *before* forming
    n-grams, which joins words that were never next to each other).

    Parameters
    ----------
    ngram_range : tuple of int, default (1, 2)
    stop_words : iterable of str, optional
        Defaults to :data:`STOP_WORDS`.
    """

    def __init__(self, ngram_range: tuple[int, int] = (1, 2), stop_words=None) -> None:
        self.ngram_range = tuple(ngram_range)
        self.stop_words = frozenset(STOP_WORDS if stop_words is None else stop_words)

    def __call__(self, text: str) -> list[str]:
        lo, hi = self.ngram_range
        out: list[str] = []
        run: list[str] = []

        def flush() -> None:
            for n in range(lo, hi + 1):
                for i in range(len(run) - n + 1):
                    out.append(" ".join(run[i : i + n]))
            run.clear()

        text = PLACEHOLDER.sub(" , ", str(text))  # never a keyword, never joins its neighbours
        for match in _TOKEN.finditer(text.lower().replace("\u2019", "'")):
            tok = match.group(0)
            if tok.isspace():
                continue
            word = tok.split("'")[0]
            if len(word) >= 2 and word.isalpha() and tok not in self.stop_words \
                    and word not in self.stop_words:
                run.append(word)
            else:
                flush()
        flush()
        return out

    def __repr__(self) -> str:
        return f"PhraseAnalyzer(ngram_range={self.ngram_range})"


def default_vectorizer(ngram_range: tuple[int, int] = (1, 2)) -> CountVectorizer:
    """Return the default c-TF-IDF vectoriser.

    ``min_df=1``: BERTopic fits the vectoriser on ONE joined document per theme, so ``min_df``
    counts themes, not segments; ``min_df=2`` would drop exactly the words that make a theme
    distinctive. Stop words are English stop words plus :data:`INTERVIEW_FILLERS`,
    and n-grams never span a removed word or punctuation (:class:`PhraseAnalyzer`).

    Parameters
    ----------
    ngram_range : tuple of int, default (1, 2)

    Returns
    -------
    sklearn.feature_extraction.text.CountVectorizer
    """
    return CountVectorizer(analyzer=PhraseAnalyzer(ngram_range), min_df=1)


#: Placeholders written by pseudonymisation and transcription tools: ``[PERSON_3]``,
#: ``[P01]``, ``[inaudible]``, and the bare ``PERSON_3`` form. Never part of a label or keyword.
PLACEHOLDER = re.compile(r"\[[^\[\]\n]{1,40}\]|\b[A-Z][A-Z]+_\d+\b")

#: Small talk that says nothing about the topic ("that's a good question", "let me think").
#: Removed before a segment's content words are counted (see :func:`is_filler`).
SMALL_TALK = (
    "good question", "great question", "interesting question", "tough question",
    "hard question", "fair question", "that's a question", "let me think", "let me see",
    "how are you", "nice to meet you", "thank you", "thanks a lot", "no problem",
    "no worries", "you know what i mean", "you know", "i mean", "i guess", "i think",
    "i don't know", "i dont know", "not sure", "no idea", "can you hear me", "hear me",
    "sounds good", "makes sense", "that makes sense", "fair enough", "of course",
    "no comment", "nothing else", "nothing really", "not really", "n/a", "see above",
    "as above", "same as above", "what was the question", "say that again",
    "where was i", "anyway", "and so on", "and stuff", "or something", "or whatever",
)

#: Words that carry no topic on top of :data:`STOP_WORDS` ("question" in small talk is caught
#: by :data:`SMALL_TALK`; these never name a theme alone).
_NON_CONTENT = frozenset("""
    none nothing n a na nil everything anything something fine interesting question questions
    mhmm mmhmm uhh uhhh ummm hmmm ahh ohh aha wow cool awesome lol haha
""".split())

_SMALL_TALK_RE = re.compile(
    r"\b(?:" + "|".join(re.escape(p) for p in sorted(SMALL_TALK, key=len, reverse=True)) + r")\b")
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")


def strip_placeholders(text: str) -> str:
    """Return ``text`` with pseudonymisation placeholders (``[PERSON_3]``, ``PERSON_3``) removed."""
    return PLACEHOLDER.sub(" ", str(text))


def content_words(text: str) -> list[str]:
    """Return the words of ``text`` that can name a topic (lower case, in order).

    Placeholders, small-talk phrases (:data:`SMALL_TALK`), stop words, interview fillers and
    one-letter words are dropped.
    """
    low = strip_placeholders(text).lower().replace("\u2019", "'")
    low = _SMALL_TALK_RE.sub(" ", low)
    out = []
    for match in _WORD.finditer(low):
        word = match.group(0)
        stem = word.split("'")[0]
        if len(stem) < 2 or word in STOP_WORDS or stem in STOP_WORDS or stem in _NON_CONTENT:
            continue
        out.append(stem)
    return out


def is_filler(text: str) -> bool:
    """Tell whether a segment is filler or small talk with nothing to theme.

    A segment is filler when no content word remains once placeholders, small-talk phrases
    ("Yeah, that's a good question", "let me think"), stop words and spoken fillers ("um",
    "okay", "yeah") are removed: ``"Um, okay"``, ``"it's um, okay"`` and ``"Yeah, that's a
    good question"`` are filler; ``"It's expensive"`` is not.

    Parameters
    ----------
    text : str

    Returns
    -------
    bool
    """
    return not content_words(text)
