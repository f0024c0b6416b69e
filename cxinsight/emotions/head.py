"""The shipped emotion classifier: a small network over sentence embeddings, run with numpy.

The weights live in ``cxinsight/resources/emotions/goemotions_head.npz`` as plain float32
arrays (no pickled objects), so loading is safe and fast and needs neither scikit-learn nor
torch. ``tools/train_emotions.py`` writes the file.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from cxinsight.emotions.labels import EKMAN_GROUPS, GOEMOTIONS_LABELS
from cxinsight.errors import ModelNotFoundError

#: File name of the default head inside ``cxinsight/resources/emotions``.
DEFAULT_HEAD_FILE = "goemotions_head.npz"
#: Ekman group (0..6, in :data:`EKMAN_GROUPS` order) of each GoEmotions label.
EKMAN_OF_LABEL = np.asarray(
    [next(j for j, members in enumerate(EKMAN_GROUPS.values()) if label in members)
     for label in GOEMOTIONS_LABELS]
)

#: Tokens of the bag-of-words part: runs of letters and apostrophes, and ! and ?.
TOKEN_PATTERN = r"[a-z']+|[!?]"
_TOKEN = re.compile(TOKEN_PATTERN)


#: Embeddings per block through the head: a large study's hidden layer at once took 0.6 GB.
#: Studies up to this size are computed in one product, exactly as before blocks existed.
HEAD_BLOCK = 16_384


def _forward(weights: list[np.ndarray], biases: list[np.ndarray], X: np.ndarray) -> np.ndarray:
    if len(X) > HEAD_BLOCK:
        return np.concatenate([_forward(weights, biases, X[i:i + HEAD_BLOCK])
                               for i in range(0, len(X), HEAD_BLOCK)])
    h = X
    last = len(weights) - 1
    for i, (w, b) in enumerate(zip(weights, biases)):
        h = h @ w
        h += b
        if i < last:
            np.maximum(h, 0, out=h)
    return h


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    np.exp(z, out=z)
    z /= z.sum(axis=1, keepdims=True)
    return z


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
    vocabulary : list of str, optional
        Words (and ``!``, ``?``) of a bag-of-words softmax model over the 28 labels, a second
        view of the text that sentence embeddings blur (emotion words such as "disgusting" or
        "scared"). Tokens are runs of ``[a-z']`` in the lower-cased text, counted once.
    word_weights : ndarray of shape (len(vocabulary), 28), optional
        The bag-of-words model's coefficients; ``word_bias`` (28,) its intercepts. The head's
        probabilities are ``(1 − m) · P_network + m · P_words`` with ``m = config["word_mix"]``.
    word_bias : ndarray of shape (28,), optional
    ekman_bias : ndarray of shape (7,), optional
        Per-group log offsets calibrated on a part of GoEmotions train held out from training:
        the 28 probabilities are rescaled so that their Ekman-group totals ``E`` become
        ``normalise(E · exp(−ekman_bias))``, shares within a group kept.
    """

    weights: list[np.ndarray]
    biases: list[np.ndarray]
    output: str = "softmax"
    thresholds: np.ndarray = field(default_factory=lambda: np.full(28, 0.5, np.float32))
    config: dict[str, Any] = field(default_factory=dict)
    labels: tuple[str, ...] = GOEMOTIONS_LABELS
    log_prior: np.ndarray | None = None
    vocabulary: list[str] | None = None
    word_weights: np.ndarray | None = None
    word_bias: np.ndarray | None = None
    ekman_bias: np.ndarray | None = None

    def __post_init__(self) -> None:
        self._index = None if self.vocabulary is None else {w: i for i, w in enumerate(self.vocabulary)}

    @property
    def reads_words(self) -> bool:
        """True when the head has a bag-of-words part (then :meth:`predict_proba` needs texts)."""
        return self.vocabulary is not None

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
        return self._adjust(_forward(self.weights, self.biases, h))

    def _adjust(self, z: np.ndarray) -> np.ndarray:
        power = float(self.config.get("prior_power", 0.0))
        if power and self.log_prior is not None:
            z = z - power * self.log_prior
        return z

    def predict_proba(self, X: np.ndarray, texts: Sequence[str] | None = None) -> np.ndarray:
        """Return label probabilities, shape (n, 28), float32.

        Parameters
        ----------
        X : ndarray (n, input_dim)
            Sentence embeddings.
        texts : sequence of str, optional
            The texts themselves; required when the head has a bag-of-words part
            (:attr:`reads_words`).
        """
        z = self.logits(X)
        if self.output == "sigmoid":
            return (1.0 / (1.0 + np.exp(-z))).astype(np.float32, copy=False)
        P = _softmax(z)
        if self.reads_words:
            if texts is None or len(texts) != len(P):
                raise ValueError(
                    "This emotion head also reads the words: pass texts= (one per embedding row)."
                )
            m = float(self.config.get("word_mix", 0.5))
            P = (1 - m) * P + m * self.word_proba(texts)
        if self.ekman_bias is not None and np.any(self.ekman_bias):
            P = self._ekman_rescale(P)
        return P.astype(np.float32, copy=False)

    def word_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Return the bag-of-words model's probabilities, shape (n, 28)."""
        from scipy.sparse import csr_matrix

        index = self._index
        find = _TOKEN.findall
        cols: list[int] = []
        indptr = [0]
        for text in texts:
            cols.extend({index[t] for t in find(str(text).lower()) if t in index})
            indptr.append(len(cols))
        counts = csr_matrix(
            (np.ones(len(cols), dtype=np.float32), np.asarray(cols, dtype=np.int64), np.asarray(indptr)),
            shape=(len(texts), len(self.vocabulary)),
        )
        Z = np.asarray(counts @ np.asarray(self.word_weights, dtype=np.float32)) + np.asarray(
            self.word_bias, dtype=np.float32)
        return _softmax(Z)

    def predict_ekman(self, X: np.ndarray, texts: Sequence[str] | None = None) -> np.ndarray:
        """Return Ekman 6 + neutral probabilities, shape (n, 7), in :data:`EKMAN_GROUPS` order."""
        P = self.predict_proba(X, texts)
        E = np.zeros((len(P), len(EKMAN_GROUPS)), dtype=np.float32)
        np.add.at(E.T, EKMAN_OF_LABEL, P.T)
        return E

    def _ekman_rescale(self, P: np.ndarray) -> np.ndarray:
        k = len(EKMAN_GROUPS)
        E28 = np.zeros((len(P), k), dtype=P.dtype)
        np.add.at(E28.T, EKMAN_OF_LABEL, P.T)
        E = E28 * np.exp(-np.asarray(self.ekman_bias, dtype=P.dtype))
        E = E / E.sum(1, keepdims=True)
        ratio = np.divide(E, E28, out=np.ones_like(E), where=E28 > 1e-12)
        return P * ratio[:, EKMAN_OF_LABEL]

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
        if self.vocabulary is not None:
            arrays["vocabulary"] = np.asarray(self.vocabulary)
            arrays["word_weights"] = np.asarray(self.word_weights, dtype=np.float32)
            arrays["word_bias"] = np.asarray(self.word_bias, dtype=np.float32)
        if self.ekman_bias is not None:
            arrays["ekman_bias"] = np.asarray(self.ekman_bias, dtype=np.float32)
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
            words = "vocabulary" in data.files
            head = cls(
                weights=[data[f"W{i}"] for i in range(n)],
                biases=[data[f"b{i}"] for i in range(n)],
                output=output,
                thresholds=data["thresholds"],
                config=meta,
                labels=tuple(str(x) for x in data["labels"]),
                log_prior=data["log_prior"] if "log_prior" in data.files else None,
                vocabulary=[str(w) for w in data["vocabulary"]] if words else None,
                word_weights=data["word_weights"] if words else None,
                word_bias=data["word_bias"] if words else None,
                ekman_bias=data["ekman_bias"] if "ekman_bias" in data.files else None,
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
