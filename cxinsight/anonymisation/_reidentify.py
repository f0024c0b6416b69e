"""Reverse pseudonymisation with the study's key."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pandas as pd

from cxinsight.anonymisation._spans import splice
from cxinsight.anonymisation.key import Key, turns_fingerprint
from cxinsight.corpus import Corpus
from cxinsight.errors import KeyMismatchError, OptionError


def reidentify(corpus: Corpus, key: Key) -> Corpus:
    """Reverse pseudonymisation exactly, using the study's key.

    Parameters
    ----------
    corpus : Corpus
        A corpus returned by :func:`anonymise` (later steps may have added columns/tables).
    key : Key
        The key returned with it (or ``Key.load(path)``).

    Returns
    -------
    Corpus
        Turns, speakers, segments, participants and interview ids as they were before
        pseudonymisation. Result tables of later steps keep their pseudonymised text.

    Raises
    ------
    KeyMismatchError
        When the key belongs to another study, or the turns were edited after pseudonymisation.
    """
    if not isinstance(key, Key):
        raise OptionError(f"key must be a cxinsight Key (Key.load(path)), got {type(key).__name__}.")
    if not isinstance(corpus, Corpus):
        raise OptionError(f"expected a cxinsight Corpus, got {type(corpus).__name__}.")
    if turns_fingerprint(corpus.turns) != key.fingerprint:
        raise KeyMismatchError(
            "This key does not belong to this corpus: it was made for another study, or the "
            "corpus's turns were changed after pseudonymisation. Load the key saved with this "
            "study (Key.load(path)) and pass the corpus returned by cx.anonymise."
        )
    st = key._state
    turns = corpus.turns.copy()
    texts = turns["text"].fillna("").astype(str).tolist()
    by_row: dict[int, list] = defaultdict(list)
    for ed in st["edits"]:
        by_row[ed["row"]].append((ed["s"], ed["e"], ed["o"]))
    for row, edits in by_row.items():
        texts[row] = splice(texts[row], sorted(edits))
    turns["text"] = texts
    turns["speaker"] = st["speakers"]
    ids = st["interview_ids"]
    srcs = st["sources"]
    turns["interview_id"] = turns["interview_id"].astype(str).map(lambda v: ids.get(v, v))
    turns["source"] = turns["source"].map(lambda v: srcs.get(v, v) if isinstance(v, str) else v)
    if turns_fingerprint(turns) != key.source_fingerprint:  # pragma: no cover - defensive
        raise KeyMismatchError("Re-identification did not reproduce the original turns; the key is damaged.")
    segments = corpus.segments
    if segments is not None and st.get("segments"):
        segments = segments.copy()
        sst = st["segments"]
        text_by_key = {(str(i), int(t)): x for i, t, x in zip(turns["interview_id"], turns["turn"], texts)}
        seg_text = segments["text"].astype(str).tolist()
        cs = segments["char_start"].astype("int64").tolist()
        ce = segments["char_end"].astype("int64").tolist()
        seg_ids = [sst["segment_ids"].get(s, s) for s in segments["segment_id"].astype(str)]
        seg_iids = [ids.get(v, v) for v in segments["interview_id"].astype(str)]
        for i, a, b, original in sst["rows"]:
            cs[i], ce[i] = a, b
            seg_text[i] = original if original is not None else text_by_key[(seg_iids[i], int(segments["turn"].iloc[i]))][a:b]
        segments["segment_id"] = seg_ids
        segments["interview_id"] = seg_iids
        segments["text"] = seg_text
        segments["char_start"] = np.asarray(cs, dtype="int64")
        segments["char_end"] = np.asarray(ce, dtype="int64")
        segments["speaker"] = sst["speakers"]
        if "n_words" in segments:
            segments["n_words"] = [len(t.split()) for t in seg_text]
        if "source" in segments:
            segments["source"] = segments["source"].map(lambda v: srcs.get(v, v) if isinstance(v, str) else v)
    p = st["participants"]["original"]
    original_parts = pd.DataFrame(p["data"], columns=p["columns"])
    participants = original_parts
    now = corpus.participants
    if "interview_id" in now and "interview_id" in original_parts and len(now) == len(original_parts):
        added = [c for c in now.columns if c not in original_parts.columns and c != "participant_code"]
        for c in added:
            participants[c] = now[c].values
    meta = dict(st["meta"])
    for k, v in corpus.meta.items():
        if k not in meta and k != "anonymisation":
            meta[k] = v
    provenance = corpus.provenance
    if "provenance" in st:  # paths in the steps before pseudonymisation
        provenance = list(st["provenance"]) + list(corpus.provenance[len(st["provenance"]):])
    return corpus.replace(provenance=provenance).with_step(
        "reidentify", {"key_fingerprint": key.fingerprint[:16]}, turns=turns, segments=segments,
        participants=participants, meta=meta,
    )
