"""Optional named-entity backend: any installed spaCy pipeline with an ``ner`` component."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from cxinsight.anonymisation._spans import Detection
from cxinsight.errors import ModelNotFoundError

#: spaCy entity labels -> cxinsight labels (others are ignored)
SPACY_LABELS = {
    "PERSON": "PERSON", "PER": "PERSON",
    "ORG": "ORG",
    "GPE": "LOCATION", "LOC": "LOCATION", "FAC": "LOCATION",
    "DATE": "DATE",
}


@lru_cache(maxsize=4)
def _load(name: str):
    import spacy

    try:
        nlp = spacy.load(name)
    except OSError as err:
        raise ModelNotFoundError(
            f"The spaCy pipeline {name!r} is not installed or the path does not exist. cxinsight "
            "never downloads models: install the package yourself (for example "
            "`python -m spacy download en_core_web_sm` on a machine with network access), pass "
            "the path of a saved pipeline, or use ner=None for the rule-based detectors only."
        ) from err
    return nlp


def load_pipeline(ner: Any):
    """Return a loaded spaCy ``Language`` from a package name, a path, or a pipeline object."""
    if hasattr(ner, "pipe_names"):
        nlp = ner
    else:
        key = str(Path(ner).resolve()) if Path(str(ner)).exists() else str(ner)
        nlp = _load(key)
    if "ner" not in nlp.pipe_names and "entity_ruler" not in nlp.pipe_names:
        raise ValueError(
            f"The spaCy pipeline given as ner= has components {nlp.pipe_names} but no 'ner' (or "
            "'entity_ruler') component, so it cannot find names. Pass a pipeline with an entity "
            "recogniser, such as en_core_web_sm, or ner=None."
        )
    return nlp


def find_entities(nlp, text: str) -> list[Detection]:
    """Run the pipeline on ``text`` and return its entities with cxinsight labels."""
    out = []
    for ent in nlp(text).ents:
        label = SPACY_LABELS.get(ent.label_)
        if label is None:
            continue
        end = ent.end_char
        if ent.text.endswith(("'s", "’s")):
            end -= 2
        out.append(Detection(ent.start_char, end, label, 0.75, "ner"))
    return out


def pipeline_name(nlp) -> str:
    """A short, path-free name of a pipeline for the anonymisation summary."""
    meta = getattr(nlp, "meta", {}) or {}
    return f"{meta.get('lang', 'xx')}_{meta.get('name', 'pipeline')}-{meta.get('version', '?')}"
