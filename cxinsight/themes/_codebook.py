"""A researcher's codebook: named themes with descriptions or seed phrases.

A codebook can be a dict (``{"Delivery delays": "parcel late, courier missed"}`` or
``{"Delivery delays": ["parcel late", "courier never came"]}``), a CSV file with a ``name``
column and a ``description`` and/or ``seeds`` column (seeds separated by ``;``), or a YAML file
mapping names to a description string, a list of seed phrases, or
``{description: ..., seeds: [...]}``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

CodebookLike = Mapping[str, Any] | str | os.PathLike | pd.DataFrame

#: Cosine similarity (all-MiniLM-L6-v2) at or above which a segment is given a codebook theme.
#: Measured on the sample study (themes.csv descriptions as codebook, segments with turn context):
#: precision 0.79 at coverage 0.34; 0.45 gives 0.81 at 0.22 (see docs/themes.md).
DEFAULT_CODEBOOK_THRESHOLD = 0.40


def _phrases(value: Any, where: str) -> list[str]:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return []
    if isinstance(value, str):
        return [value.strip()] if value.strip() else []
    if isinstance(value, Mapping):
        out = _phrases(value.get("description"), where)
        out += _phrases(value.get("seeds", value.get("seed_phrases")), where)
        unknown = set(value) - {"description", "seeds", "seed_phrases"}
        if unknown:
            raise ValueError(
                f"Codebook entry {where!r} has unknown keys {sorted(unknown)}; "
                "use 'description' and/or 'seeds'."
            )
        return out
    if isinstance(value, Sequence):
        return [str(v).strip() for v in value if str(v).strip()]
    raise ValueError(
        f"Codebook entry {where!r} must be a description string, a list of seed phrases or "
        f"{{description, seeds}}; got {type(value).__name__}."
    )


def read_codebook(codebook: CodebookLike) -> dict[str, list[str]]:
    """Normalise a codebook to ``{theme name: [description and seed phrases]}``.

    Parameters
    ----------
    codebook : dict, DataFrame, or path to a ``.csv`` / ``.yaml`` / ``.yml`` file

    Returns
    -------
    dict of str to list of str
        Insertion order of the codebook is kept. A theme with no description or seeds is
        described by its name alone.

    Raises
    ------
    ValueError
        When the codebook is empty or malformed; the message says what to fix.
    FileNotFoundError
        When a path does not exist.
    """
    if isinstance(codebook, (str, os.PathLike)):
        path = Path(codebook)
        if not path.exists():
            raise FileNotFoundError(f"Codebook file {path} does not exist.")
        suffix = path.suffix.lower()
        if suffix in {".yaml", ".yml"}:
            import yaml

            data = yaml.safe_load(path.read_text("utf-8"))
            if not isinstance(data, Mapping):
                raise ValueError(
                    f"{path}: a YAML codebook must map theme names to descriptions or seed lists."
                )
            return read_codebook(dict(data))
        if suffix in {".csv", ".tsv"}:
            frame = pd.read_csv(path, sep="\t" if suffix == ".tsv" else ",", dtype=str)
            return _from_frame(frame, str(path))
        raise ValueError(f"{path}: codebooks are read from .csv, .tsv, .yaml or .yml files.")
    if isinstance(codebook, pd.DataFrame):
        return _from_frame(codebook, "codebook DataFrame")
    if not isinstance(codebook, Mapping):
        raise ValueError(
            "codebook must be a dict {name: description or [seed phrases]}, a DataFrame, or a "
            f"path to a CSV/YAML file; got {type(codebook).__name__}."
        )
    out: dict[str, list[str]] = {}
    for name, value in codebook.items():
        name = str(name).strip()
        if not name:
            raise ValueError("Codebook theme names must not be empty.")
        out[name] = _phrases(value, name) or [name]
    if not out:
        raise ValueError("The codebook is empty: give at least one theme name.")
    return out


def _from_frame(frame: pd.DataFrame, where: str) -> dict[str, list[str]]:
    cols = {c.lower().strip(): c for c in frame.columns}
    name_col = cols.get("name") or cols.get("theme")
    if name_col is None:
        raise ValueError(
            f"{where}: a codebook table needs a 'name' (or 'theme') column plus 'description' "
            f"and/or 'seeds' (';'-separated); found columns {list(frame.columns)}."
        )
    out: dict[str, list[str]] = {}
    for _, row in frame.iterrows():
        name = str(row[name_col]).strip()
        if not name or name == "nan":
            continue
        phrases: list[str] = []
        if "description" in cols:
            phrases += _phrases(row[cols["description"]], name)
        if "seeds" in cols and isinstance(row[cols["seeds"]], str):
            phrases += [s.strip() for s in row[cols["seeds"]].split(";") if s.strip()]
        out.setdefault(name, []).extend(phrases or [name])
    if not out:
        raise ValueError(f"{where}: the codebook has no theme names.")
    return out


def codebook_similarity(
    embeddings: np.ndarray, codebook: dict[str, list[str]], embedding_model: Any = None
) -> np.ndarray:
    """Cosine similarity of each segment to each codebook theme.

    A theme is as close as its closest phrase (its name, description or any seed phrase), so
    seed phrases can cover different facets of one theme.

    Parameters
    ----------
    embeddings : ndarray (n, dim)
        L2-normalised segment embeddings.
    codebook : dict of str to list of str
        As returned by :func:`read_codebook`.
    embedding_model : str or path-like, optional

    Returns
    -------
    ndarray (n, n_themes)
    """
    from cxinsight.embeddings import encode

    texts: list[str] = []
    owner: list[int] = []
    for i, (name, phrases) in enumerate(codebook.items()):
        for text in dict.fromkeys([name, *phrases]):
            texts.append(text)
            owner.append(i)
    vectors = np.asarray(encode(texts, embedding_model, show_progress=False), dtype=np.float32)
    sims = np.asarray(embeddings, dtype=np.float32) @ vectors.T
    owner_arr = np.asarray(owner)
    out = np.full((len(embeddings), len(codebook)), -1.0, dtype=np.float32)
    for i in range(len(codebook)):
        out[:, i] = sims[:, owner_arr == i].max(axis=1)
    return out
