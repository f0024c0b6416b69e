"""The shipped emotion classifier: a small network over sentence embeddings, run with numpy.

The weights live in ``cxinsight/resources/emotions/goemotions_head.npz`` as plain float32
arrays (no pickled objects), so loading is safe and fast and needs neither scikit-learn nor
torch. ``tools/train_emotions.py`` writes the file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from cxinsight.emotions.labels import GOEMOTIONS_LABELS
from cxinsight.errors import ModelNotFoundError

#: File name of the default head inside ``cxinsight/resources/emotions``.
DEFAULT_HEAD_FILE = "goemotions_head.npz"


@dataclass
class EmotionHead:
    """A feed-forward head mapping an embedding to 28 GoEmotions probabilities.

    Parameters
    ----------
    weights : list of ndarray
        Weight matrices, input to output; hidden layers use ReLU.
    biases : list of ndarray
        One bias vector per weight matrix.
    output : {"softmax", "sigmoid"}
        Softmax gives a distribution over the 28 labels (sums to 1); sigmoid gives
        independent per-label probabilities.
    thresholds : ndarray of shape (28,)
        Per-label decision thresholds tuned on GoEmotions dev.
    config : dict
        Everything else the tagger needs (valence weights, family threshold, embedding model,
        training record). JSON-safe.
    labels : tuple of str
        Output order (the GoEmotions order).
    log_prior : ndarray of shape (28,), optional
        Log label frequencies in the training data. With ``config["prior_power"] = t > 0``,
        ``t * log_prior`` is subtracted from the logits (logit adjustment), so rare emotions
        are not drowned by ``neutral``; ``t`` is tuned on GoEmotions dev.
    """

    weights: list[np.ndarray]
    biases: list[np.ndarray]
    output: str = "softmax"
    thresholds: np.ndarray = field(default_factory=lambda: np.full(28, 0.5, np.float32))
    config: dict[str, Any] = field(default_factory=dict)
    labels: tuple[str, ...] = GOEMOTIONS_LABELS
    log_prior: np.ndarray | None = None

    @property
    def input_dim(self) -> int:
        """Dimension of the embeddings the head expects."""
        return int(self.weights[0].shape[0])

    def logits(self, X: np.ndarray) -> np.ndarray:
        """Return the raw output scores for embeddings ``X`` (n, input_dim)."""
        h = np.asarray(X, dtype=np.float32)
        if h.ndim != 2 or h.shape[1] != self.input_dim:
            raise ValueError(
                f"embeddings have shape {h.shape}; this emotion head expects (n, {self.input_dim}) "
                f"vectors from {self.config.get('embedding_model', 'its embedding model')}. "
                "Embed with the same model (cx.embed(corpus)) or train a head for yours "
                "with tools/train_emotions.py."
            )
        last = len(self.weights) - 1
        for i, (w, b) in enumerate(zip(self.weights, self.biases)):
            h = h @ w + b
            if i < last:
                np.maximum(h, 0, out=h)
        power = float(self.config.get("prior_power", 0.0))
        if power and self.log_prior is not None:
            h = h - power * self.log_prior
        return h

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Return label probabilities, shape (n, 28), float32."""
        z = self.logits(X)
        if self.output == "sigmoid":
            return (1.0 / (1.0 + np.exp(-z))).astype(np.float32, copy=False)
        z = z - z.max(axis=1, keepdims=True)
        np.exp(z, out=z)
        z /= z.sum(axis=1, keepdims=True)
        return z.astype(np.float32, copy=False)

    # ------------------------------------------------------------------ files
    def save(self, path: str | Path) -> Path:
        """Write the head to an ``.npz`` file (arrays and a JSON string only)."""
        path = Path(path)
        arrays: dict[str, np.ndarray] = {}
        for i, (w, b) in enumerate(zip(self.weights, self.biases)):
            arrays[f"W{i}"] = np.asarray(w, dtype=np.float32)
            arrays[f"b{i}"] = np.asarray(b, dtype=np.float32)
        arrays["thresholds"] = np.asarray(self.thresholds, dtype=np.float32)
        arrays["labels"] = np.asarray(self.labels)
        if self.log_prior is not None:
            arrays["log_prior"] = np.asarray(self.log_prior, dtype=np.float32)
        meta = {"output": self.output, "n_layers": len(self.weights), **self.config}
        arrays["config"] = np.asarray(json.dumps(meta, sort_keys=True))
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as fh:
            np.savez_compressed(fh, **arrays)
        return path

    @classmethod
    def load(cls, path: str | Path) -> EmotionHead:
        """Read a head written by :meth:`save`."""
        path = Path(path)
        if not path.is_file():
            raise ModelNotFoundError(
                f"No emotion head at {path}. Use the shipped default (leave head unset) or "
                "write one with `python tools/train_emotions.py --out <folder>`."
            )
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["config"]))
            n = int(meta.pop("n_layers"))
            output = meta.pop("output")
            head = cls(
                weights=[data[f"W{i}"] for i in range(n)],
                biases=[data[f"b{i}"] for i in range(n)],
                output=output,
                thresholds=data["thresholds"],
                config=meta,
                labels=tuple(str(x) for x in data["labels"]),
                log_prior=data["log_prior"] if "log_prior" in data.files else None,
            )
        if head.labels != GOEMOTIONS_LABELS:
            raise ValueError(f"{path} does not predict the 28 GoEmotions labels in order.")
        return head


def default_head_path() -> Path:
    """Return the path of the shipped head file."""
    return Path(str(resources.files("cxinsight") / "resources" / "emotions" / DEFAULT_HEAD_FILE))


@lru_cache(maxsize=1)
def load_default_head() -> EmotionHead:
    """Load the shipped head once per process."""
    return EmotionHead.load(default_head_path())
