"""Split speaker turns into sentence-level segments.

Segments are the unit that themes, emotions and journey stages are computed on. They come from
spaCy's blank English pipeline with a rule-based sentencizer (no model download), with very short
fragments merged into their neighbour so that "Yeah. So the parcel never came." stays one unit.
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np
import pandas as pd

from cxinsight.corpus import Corpus
from cxinsight.errors import InputError

#: Words that, alone or together, make an utterance a back-channel ("yeah, right").
_BACKCHANNEL_WORDS = frozenset(
    "yeah yes yep yup yea ya no nope nah ok okay right sure mm mmm mhm mm-hmm mmhmm hmm hm "
    "uh-huh uh huh um uhm er ah oh ooh wow cool great nice good fine totally exactly absolutely "
    "definitely true indeed alright gotcha really thanks cheers perfect lovely brilliant "
    "interesting".split()
)
_PHRASES = frozenset(
    p.strip()
    for p in (
        "all right", "got it", "i see", "sure thing", "of course", "fair enough", "makes sense",
        "that makes sense", "i know", "i don't know", "i dont know", "i dunno", "not sure",
        "i'm not sure", "im not sure", "no idea", "thank you", "thank you so much", "that's right",
        "thats right", "that's true", "i think so", "i guess", "i guess so", "sounds good",
        "go on", "you know", "i mean",
    )
)
_STRIP = re.compile(r"[^\w\s'-]+")

SEGMENT_COLUMNS = [
    "segment_id", "interview_id", "turn", "sentence", "speaker", "role", "start", "end",
    "text", "source", "char_start", "char_end", "n_words", "is_backchannel",
]


def is_backchannel(text: str, max_words: int = 6) -> bool:
    """Return True when ``text`` is a back-channel utterance ("yeah", "mm-hmm", "I don't know").

    Parameters
    ----------
    text : str
        One utterance or sentence.
    max_words : int, default 6
        Longer utterances are never back-channels.

    Returns
    -------
    bool
    """
    norm = _STRIP.sub(" ", str(text).lower().replace("\u2019", "'")).split()
    if not norm or len(norm) > max_words:
        return not norm
    joined = " ".join(norm)
    if joined in _PHRASES:
        return True
    # strip known phrases, then every remaining word must be a filler word
    rest = f" {joined} "
    for phrase in sorted(_PHRASES, key=len, reverse=True):
        rest = rest.replace(f" {phrase} ", " ")
    return all(w in _BACKCHANNEL_WORDS for w in rest.split())


#: Longest piece of text handed to spaCy at once; longer turns are cut at white space first.
#: spaCy refuses texts over ``nlp.max_length`` (1,000,000 characters) with error E088.
MAX_CHUNK_CHARS = 100_000


def _chunks(text: str, size: int = MAX_CHUNK_CHARS) -> list[tuple[int, str]]:
    """Cut ``text`` into pieces of at most ``size`` characters, at a sentence end or white
    space when one is near; returns ``(offset, piece)`` pairs that cover the text exactly."""
    if len(text) <= size:
        return [(0, text)]
    out = []
    pos = 0
    n = len(text)
    while pos < n:
        end = min(pos + size, n)
        if end < n:
            window = text[pos + size // 2 : end]
            cut = max(window.rfind(". "), window.rfind("? "), window.rfind("! "))
            if cut >= 0:
                end = pos + size // 2 + cut + 2
            else:
                ws = max(window.rfind(" "), window.rfind("\n"))
                if ws >= 0:
                    end = pos + size // 2 + ws + 1
        out.append((pos, text[pos:end]))
        pos = end
    return out


#: Longest segment kept whole; a longer "sentence" (no punctuation) is cut at white space.
MAX_SEGMENT_CHARS = 5_000


def _cap(text: str, spans: list[tuple[int, int]], size: int = MAX_SEGMENT_CHARS) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for s, e in spans:
        if e - s <= size:
            out.append((s, e))
            continue
        for off, piece in _chunks(text[s:e], size):
            a, b = s + off, s + off + len(piece)
            while a < b and text[a].isspace():
                a += 1
            while b > a and text[b - 1].isspace():
                b -= 1
            if b > a:
                out.append((a, b))
    return out


def _sentence_spans_long(nlp, text: str) -> list[tuple[int, int]]:
    """Sentence spans of a text of any length (pieces of at most ``MAX_CHUNK_CHARS``)."""
    spans: list[tuple[int, int]] = []
    for offset, piece in _chunks(text):
        spans.extend((offset + s, offset + e) for s, e in _sentence_spans(nlp(piece)))
    return spans


@lru_cache(maxsize=1)
def _sentencizer():
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    return nlp


def _sentence_spans(doc) -> list[tuple[int, int]]:
    """Return ``(start, end)`` offsets of the sentences of a spaCy ``doc``, white space trimmed."""
    text = doc.text
    spans = []
    for sent in doc.sents:
        s, e = sent.start_char, sent.end_char
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            spans.append((s, e))
    return spans


def _merge_short(text: str, spans: list[tuple[int, int]], min_words: int) -> list[tuple[int, int]]:
    """Merge spans shorter than ``min_words`` words into a neighbour within the same turn."""
    merged: list[tuple[int, int]] = []
    pending_start: int | None = None
    for s, e in spans:
        if pending_start is not None:
            s, pending_start = pending_start, None
        if len(text[s:e].split()) < min_words:
            if merged:
                merged[-1] = (merged[-1][0], e)
            else:
                pending_start = s  # glue onto the next sentence
            continue
        merged.append((s, e))
    if pending_start is not None:
        if merged:
            merged[-1] = (merged[-1][0], spans[-1][1])
        else:
            merged.append((pending_start, spans[-1][1]))
    return merged


def segment(corpus: Corpus, *, min_words: int = 3, max_backchannel_words: int = 6) -> Corpus:
    """Add ``corpus.segments``: sentence-level units of every turn.

    Parameters
    ----------
    corpus : Corpus
        A corpus with a ``turns`` table (from :func:`cxinsight.read`).
    min_words : int, default 3
        Sentences with fewer words are merged into a neighbouring sentence of the same turn.
    max_backchannel_words : int, default 6
        Longest utterance that can be flagged as a back-channel.

    Returns
    -------
    Corpus
        A new corpus whose ``segments`` table has the columns in ``SEGMENT_COLUMNS`` plus any
        extra columns of ``turns`` (such as a manual ``stage``). ``segment_id`` is
        ``"{interview_id}:{turn}:{sentence}"`` and is stable for the same input.

    Notes
    -----
    ``start``/``end`` of a segment are interpolated from its turn's times by character
    position. Turns longer than ``MAX_CHUNK_CHARS`` characters (a transcript whose labels
    were not recognised, a pasted document) are cut at sentence ends or white space before
    spaCy sees them, so no turn length can make spaCy fail (its error E088); their number is
    in ``meta["segmentation"]["long_turns_split"]``. Extra columns of ``turns`` (such as a
    survey answer's ``question``) are carried onto every segment. A whole turn that is a back-channel ("Yeah, yeah.") yields one segment flagged
    ``is_backchannel``.
    """
    if not isinstance(min_words, int) or min_words < 1:
        raise InputError(f"min_words must be a positive integer, got {min_words!r}.")
    turns = corpus.require("turns", ["interview_id", "turn", "text"], "cx.read(path)")
    extra = [c for c in turns.columns if c not in SEGMENT_COLUMNS]
    texts = turns["text"].fillna("").astype(str).tolist()
    nlp = _sentencizer()
    long_turns = [i for i, x in enumerate(texts) if len(x) > MAX_CHUNK_CHARS]
    short_texts = ["" if len(x) > MAX_CHUNK_CHARS else x for x in texts]
    rows = []
    # plain dicts, not iterrows' Series per turn (a third of this step's time on large surveys)
    records = turns[[c for c in dict.fromkeys(
        ["interview_id", "turn", "speaker", "role", "start", "end", "source", *extra])]].to_dict("records")
    for k_turn, (t, doc) in enumerate(zip(records, nlp.pipe(short_texts, batch_size=256))):
        text = texts[k_turn]
        if not text.strip():
            continue
        if len(text) > MAX_CHUNK_CHARS:
            spans = _sentence_spans_long(nlp, text)
        else:
            spans = _sentence_spans(doc)
        if not spans:
            continue
        turn_is_bc = is_backchannel(text, max_backchannel_words)
        spans = [(spans[0][0], spans[-1][1])] if turn_is_bc else _merge_short(text, spans, min_words)
        if len(text) > MAX_SEGMENT_CHARS:
            spans = _cap(text, spans)
        n = max(len(text), 1)
        for k, (s, e) in enumerate(spans):
            seg_text = text[s:e]
            start = end = np.nan
            if pd.notna(t["start"]) and pd.notna(t["end"]):
                dur = float(t["end"]) - float(t["start"])
                start = float(t["start"]) + dur * s / n
                end = float(t["start"]) + dur * e / n
            elif pd.notna(t["start"]) and k == 0:
                start = float(t["start"])
            row = {
                "segment_id": f"{t['interview_id']}:{t['turn']}:{k}",
                "interview_id": t["interview_id"],
                "turn": t["turn"],
                "sentence": k,
                "speaker": t["speaker"],
                "role": t["role"],
                "start": start,
                "end": end,
                "text": seg_text,
                "source": t["source"],
                "char_start": s,
                "char_end": e,
                "n_words": len(seg_text.split()),
                "is_backchannel": turn_is_bc or is_backchannel(seg_text, max_backchannel_words),
            }
            for c in extra:
                row[c] = t[c]
            rows.append(row)
    segments = pd.DataFrame(rows, columns=SEGMENT_COLUMNS + extra)
    segments = segments.astype({"turn": "int64", "sentence": "int64", "char_start": "int64",
                                "char_end": "int64", "n_words": "int64", "is_backchannel": "bool"})
    params = {"min_words": min_words, "max_backchannel_words": max_backchannel_words,
              "sentencizer": "spacy.blank('en') + sentencizer"}
    meta = dict(corpus.meta)
    meta["segmentation"] = {
        "segments": len(segments),
        "backchannels": int(segments["is_backchannel"].sum()),
    }
    if long_turns:
        meta["segmentation"]["long_turns_split"] = len(long_turns)
    # embeddings belong to the old segments: drop them
    return corpus.with_step("segment", params, segments=segments, embeddings=None, meta=meta)
