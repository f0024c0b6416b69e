"""Optional backend: a local transformers text-classification model mapped to GoEmotions.

Switched on with ``EmotionTagger(transformers_model="/path/to/model")``. The model is read from
local files only (never downloaded); its ``id2label`` names are matched to the 28 GoEmotions
labels (case-insensitive, or through ``label_map``), and labels with no match are ignored and
reported.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from cxinsight.emotions.labels import GOEMOTIONS_LABELS
from cxinsight.errors import CxInsightWarning, ModelNotFoundError


class TransformersEmotionModel:
    """Wrap a local ``AutoModelForSequenceClassification`` so it yields 28 GoEmotions columns.

    Parameters
    ----------
    path : str or Path
        Folder written by ``save_pretrained`` (config, weights, tokenizer files).
    label_map : dict, optional
        Model label -> GoEmotions label for names that differ.
    batch_size : int, default 32
    max_length : int, default 128
        Longer texts are truncated.

    Attributes
    ----------
    columns : dict of int to int
        Model output index -> GoEmotions column index.
    unmapped_labels : list of str
        Model labels that match no GoEmotions label (ignored).
    output : {"softmax", "sigmoid"}
        ``sigmoid`` when the model was trained multi-label (``problem_type``).
    """

    def __init__(
        self,
        path: str | os.PathLike,
        label_map: Mapping[str, str] | None = None,
        batch_size: int = 32,
        max_length: int = 128,
    ) -> None:
        folder = Path(path).expanduser()
        if not folder.is_dir() or not (folder / "config.json").is_file():
            raise ModelNotFoundError(
                f"No transformers model at {folder} (expected a folder with config.json, weights "
                "and tokenizer files, as written by save_pretrained). cxinsight never downloads "
                "models: download it yourself and pass the folder."
            )
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        try:
            self.tokenizer = AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
            self.model = AutoModelForSequenceClassification.from_pretrained(
                str(folder), local_files_only=True
            )
        except OSError as err:
            raise ModelNotFoundError(f"Could not load the transformers model in {folder}: {err}") from err
        self.model.eval()
        self.batch_size = batch_size
        self.max_length = max_length
        lookup = {k.lower(): v for k, v in (label_map or {}).items()}
        unknown_targets = sorted(set(lookup.values()) - set(GOEMOTIONS_LABELS))
        if unknown_targets:
            raise ValueError(
                f"label_map maps to {unknown_targets}, which are not GoEmotions labels; "
                f"use one of: {', '.join(GOEMOTIONS_LABELS)}."
            )
        self.columns: dict[int, int] = {}
        self.unmapped_labels: list[str] = []
        for idx, name in sorted(self.model.config.id2label.items()):
            key = str(name).strip().lower()
            target = lookup.get(key, key)
            if target in GOEMOTIONS_LABELS:
                self.columns[int(idx)] = GOEMOTIONS_LABELS.index(target)
            else:
                self.unmapped_labels.append(str(name))
        if not self.columns:
            raise ValueError(
                f"None of the model's labels {list(self.model.config.id2label.values())} is a "
                "GoEmotions label; pass label_map={'model label': 'goemotions label', ...}."
            )
        if self.unmapped_labels:
            warnings.warn(
                f"The transformers model's labels {self.unmapped_labels} match no GoEmotions "
                "label and are ignored; map them with label_map= if they should count.",
                CxInsightWarning,
                stacklevel=3,
            )
        multi = getattr(self.model.config, "problem_type", None) == "multi_label_classification"
        self.output = "sigmoid" if multi else "softmax"

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Return (n, 28) probabilities; GoEmotions labels the model lacks are 0."""
        import torch

        out = np.zeros((len(texts), len(GOEMOTIONS_LABELS)), dtype=np.float32)
        src = np.fromiter(self.columns.keys(), dtype=int)
        dst = np.fromiter(self.columns.values(), dtype=int)
        with torch.no_grad():
            for start in range(0, len(texts), self.batch_size):
                batch = list(texts[start:start + self.batch_size])
                enc = self.tokenizer(batch, padding=True, truncation=True,
                                     max_length=self.max_length, return_tensors="pt")
                logits = self.model(**enc).logits
                probs = torch.sigmoid(logits) if self.output == "sigmoid" else torch.softmax(logits, -1)
                block = out[start:start + len(batch)]
                np.add.at(block.T, dst, probs.numpy()[:, src].T)
        return np.clip(out, 0.0, 1.0)
