"""Training and evaluation helpers for the emotion head (used by ``tools/train_emotions.py``).

Kept in the package so that tests and benchmarks share one definition of the data loading,
the metrics and the training loop. Training needs torch (installed with
sentence-transformers); prediction does not.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from cxinsight.emotions.head import EmotionHead
from cxinsight.emotions.labels import EKMAN_GROUPS, GOEMOTIONS_LABELS, LABEL_SENTIMENT

N_LABELS = len(GOEMOTIONS_LABELS)


# ---------------------------------------------------------------------- data
def read_goemotions(folder: str | Path, split: str) -> tuple[list[str], np.ndarray]:
    """Read one GoEmotions split.

    Parameters
    ----------
    folder : str or Path
        Folder holding ``train.tsv`` / ``dev.tsv`` (text, comma-separated label ids, id).
    split : str
        ``"train"`` or ``"dev"``.

    Returns
    -------
    texts : list of str
    Y : ndarray of shape (n, 28), uint8
        Multi-hot labels in :data:`GOEMOTIONS_LABELS` order.
    """
    path = Path(folder) / f"{split}.tsv"
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} not found: point to the GoEmotions folder (train.tsv, dev.tsv, labels.txt)."
        )
    texts: list[str] = []
    rows: list[list[int]] = []
    with open(path, encoding="utf-8", newline="") as fh:
        for lineno, row in enumerate(csv.reader(fh, delimiter="\t"), start=1):
            if len(row) < 2:
                raise ValueError(f"{path}, line {lineno}: expected text<TAB>label ids<TAB>id.")
            texts.append(row[0])
            rows.append([int(x) for x in row[1].split(",") if x.strip()])
    Y = np.zeros((len(texts), N_LABELS), dtype=np.uint8)
    for i, ids in enumerate(rows):
        Y[i, ids] = 1
    return texts, Y


# ---------------------------------------------------------------------- metrics
def f1_per_class(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    """F1 of each column of two boolean matrices (0 where a class is absent and unpredicted)."""
    y_true = np.asarray(y_true, dtype=bool)
    y_pred = np.asarray(y_pred, dtype=bool)
    tp = (y_true & y_pred).sum(0).astype(float)
    fp = (~y_true & y_pred).sum(0).astype(float)
    fn = (y_true & ~y_pred).sum(0).astype(float)
    denom = 2 * tp + fp + fn
    return np.divide(2 * tp, denom, out=np.zeros_like(tp), where=denom > 0)


def macro_f1_labels(true: Sequence, pred: Sequence, classes: Sequence) -> float:
    """Macro-F1 of single-label predictions over ``classes``."""
    true = np.asarray(true)
    pred = np.asarray(pred)
    onehot_t = np.stack([true == c for c in classes], axis=1)
    onehot_p = np.stack([pred == c for c in classes], axis=1)
    return float(f1_per_class(onehot_t, onehot_p).mean())


def group_matrix(groups: Mapping[str, Sequence[str]]) -> np.ndarray:
    """Return a (28, n_groups) 0/1 matrix mapping labels to groups."""
    M = np.zeros((N_LABELS, len(groups)), dtype=np.float32)
    for j, members in enumerate(groups.values()):
        for label in members:
            M[GOEMOTIONS_LABELS.index(label), j] = 1
    return M


def ekman_eval(P: np.ndarray, Y: np.ndarray) -> dict[str, float]:
    """Ekman 6 + neutral macro-F1 on single-label examples (probabilities summed per group).

    Parameters
    ----------
    P : ndarray (n, 28)
        Label probabilities.
    Y : ndarray (n, 28)
        Multi-hot gold labels; only rows with exactly one label are scored.
    """
    single = Y.sum(1) == 1
    M = group_matrix(EKMAN_GROUPS)
    names = list(EKMAN_GROUPS)
    gold = np.asarray(names)[(Y[single] @ M).argmax(1)]
    pred = np.asarray(names)[(P[single] @ M).argmax(1)]
    return {"macro_f1": macro_f1_labels(gold, pred, names), "n": int(single.sum()),
            "accuracy": float((gold == pred).mean())}


def sentiment_gold(Y: np.ndarray) -> np.ndarray:
    """Return ``positive`` / ``negative`` / ``neutral`` per example, or ``""`` when not scored.

    An example is scored when all its labels share one sentiment of GoEmotions'
    ``sentiment_dict.json`` (neutral counts as its own); mixed and ambiguous-only examples
    (surprise, curiosity, confusion, realization) are left out.
    """
    sent = np.asarray([LABEL_SENTIMENT[label] for label in GOEMOTIONS_LABELS])
    out = np.full(len(Y), "", dtype=object)
    for i, row in enumerate(np.asarray(Y, dtype=bool)):
        kinds = set(sent[row])
        if len(kinds) == 1 and kinds <= {"positive", "negative", "neutral"}:
            out[i] = kinds.pop()
    return out


def sentiment_from_valence(valence: np.ndarray, band: float = 0.05) -> np.ndarray:
    """Map valence to ``positive`` (> band), ``negative`` (< −band) or ``neutral``."""
    v = np.asarray(valence, dtype=float)
    return np.where(v > band, "positive", np.where(v < -band, "negative", "neutral"))


def sentiment_macro_f1(valence: np.ndarray, gold: np.ndarray, band: float = 0.05) -> float:
    """Positive/negative/neutral macro-F1 of ``valence`` against :func:`sentiment_gold`."""
    keep = gold != ""
    pred = sentiment_from_valence(np.asarray(valence)[keep], band)
    return macro_f1_labels(gold[keep], pred, ["positive", "negative", "neutral"])


def tune_thresholds(P: np.ndarray, Y: np.ndarray, grid: Sequence[float] | None = None) -> np.ndarray:
    """Per-label thresholds maximising each label's F1 on (P, Y)."""
    grid = np.asarray(grid if grid is not None else np.round(np.arange(0.02, 0.9, 0.01), 2))
    Yb = np.asarray(Y, dtype=bool)
    best = np.full(P.shape[1], 0.5, dtype=np.float32)
    best_f1 = np.full(P.shape[1], -1.0)
    for t in grid:
        f1 = f1_per_class(Yb, P >= t)
        better = f1 > best_f1 + 1e-12
        best[better] = t
        best_f1[better] = f1[better]
    return best


# ---------------------------------------------------------------------- training
def train_head(
    X: np.ndarray,
    Y: np.ndarray,
    *,
    hidden: int = 0,
    output: str = "softmax",
    class_weight_power: float = 0.0,
    weight_decay: float = 1e-4,
    epochs: int = 20,
    lr: float = 1e-3,
    batch_size: int = 256,
    dropout: float = 0.1,
    seed: int = 0,
    X_dev: np.ndarray | None = None,
    Y_dev: np.ndarray | None = None,
) -> tuple[EmotionHead, list[dict]]:
    """Train a linear (``hidden=0``) or one-hidden-layer head with torch, deterministically.

    Parameters
    ----------
    X, Y : ndarray
        Embeddings (n, d) and multi-hot labels (n, 28).
    hidden : int, default 0
        Width of the ReLU hidden layer; 0 for a linear (logistic-regression) head.
    output : {"softmax", "sigmoid"}
        Softmax: cross-entropy against the example's labels spread evenly (a distribution over
        labels). Sigmoid: one binary cross-entropy per label (one-vs-rest).
    class_weight_power : float, default 0
        Weight each label by ``(freq_max / freq) ** power`` (0 = unweighted).
    weight_decay, epochs, lr, batch_size, dropout, seed
        Optimiser settings (AdamW); the seed fixes initialisation and shuffling.
    X_dev, Y_dev : ndarray, optional
        When given, the epoch with the lowest dev loss is kept (early stopping).

    Returns
    -------
    head : EmotionHead
    history : list of dict
        Per-epoch train and dev loss.
    """
    import torch

    if output not in ("softmax", "sigmoid"):
        raise ValueError(f"output must be 'softmax' or 'sigmoid', got {output!r}")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # one thread: the same sums in the same order on every machine
    try:
        return _train(torch, X, Y, hidden, output, class_weight_power, weight_decay, epochs, lr,
                      batch_size, dropout, seed, X_dev, Y_dev)
    finally:
        torch.set_num_threads(threads)


def _train(torch, X, Y, hidden, output, class_weight_power, weight_decay, epochs, lr, batch_size,
           dropout, seed, X_dev, Y_dev):
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    Xt = torch.as_tensor(np.asarray(X, dtype=np.float32))
    Yt = torch.as_tensor(np.asarray(Y, dtype=np.float32))
    d = Xt.shape[1]
    freq = Yt.sum(0).clamp(min=1)
    cw = (freq.max() / freq) ** class_weight_power
    cw = cw / (cw * freq).sum() * freq.sum()  # keep the average weight at 1
    if hidden:
        model = torch.nn.Sequential(
            torch.nn.Dropout(dropout), torch.nn.Linear(d, hidden), torch.nn.ReLU(),
            torch.nn.Dropout(dropout), torch.nn.Linear(hidden, Yt.shape[1]),
        )
    else:
        model = torch.nn.Sequential(torch.nn.Linear(d, Yt.shape[1]))
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)

    def loss_fn(logits, target):
        if output == "softmax":
            dist = target / target.sum(1, keepdim=True).clamp(min=1)
            per = -(dist * torch.log_softmax(logits, 1) * cw).sum(1)
            return per.mean()
        bce = torch.nn.functional.binary_cross_entropy_with_logits(logits, target, reduction="none")
        return (bce * cw).sum(1).mean()

    history: list[dict] = []
    best_state, best_loss = None, np.inf
    Xd = None if X_dev is None else torch.as_tensor(np.asarray(X_dev, dtype=np.float32))
    Yd = None if Y_dev is None else torch.as_tensor(np.asarray(Y_dev, dtype=np.float32))
    n = len(Xt)
    for epoch in range(epochs):
        model.train()
        order = torch.randperm(n, generator=gen)
        total = 0.0
        for start in range(0, n, batch_size):
            idx = order[start:start + batch_size]
            opt.zero_grad()
            loss = loss_fn(model(Xt[idx]), Yt[idx])
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        rec = {"epoch": epoch + 1, "train_loss": total / n}
        if Xd is not None:
            model.eval()
            with torch.no_grad():
                dev_loss = float(loss_fn(model(Xd), Yd))
            rec["dev_loss"] = dev_loss
            if dev_loss < best_loss:
                best_loss = dev_loss
                best_state = {k: v.clone() for k, v in model.state_dict().items()}
        history.append(rec)
    if best_state is not None:
        model.load_state_dict(best_state)
    linears = [m for m in model if isinstance(m, torch.nn.Linear)]
    label_freq = Yt.sum(0).numpy() / len(Yt)
    head = EmotionHead(
        weights=[m.weight.detach().numpy().T.copy() for m in linears],
        biases=[m.bias.detach().numpy().copy() for m in linears],
        output=output,
        log_prior=np.log(np.clip(label_freq, 1e-4, None)).astype(np.float32),
    )
    return head, history
