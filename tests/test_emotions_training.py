"""The training helpers, the head file format and the shipped weights' record."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest
from conftest import shared_data

from cxinsight.emotions import GOEMOTIONS_LABELS, EmotionHead, default_head_path
from cxinsight.emotions.training import (
    ekman_eval,
    f1_per_class,
    read_goemotions,
    sentiment_from_valence,
    sentiment_gold,
    sentiment_macro_f1,
    train_head,
    tune_thresholds,
)
from cxinsight.errors import ModelNotFoundError

L = GOEMOTIONS_LABELS.index


def synthetic(n=600, d=16, seed=0):
    """Embeddings drawn around one centre per label, for a handful of labels."""
    rng = np.random.default_rng(seed)
    labels = [L("joy"), L("anger"), L("neutral"), L("fear")]
    centres = rng.normal(size=(len(labels), d)) * 3
    which = rng.integers(0, len(labels), size=n)
    X = (centres[which] + rng.normal(size=(n, d))).astype(np.float32)
    Y = np.zeros((n, 28), dtype=np.uint8)
    Y[np.arange(n), np.asarray(labels)[which]] = 1
    return X, Y


@pytest.mark.parametrize("hidden,output", [(0, "softmax"), (8, "softmax"), (0, "sigmoid")])
def test_training_is_deterministic_and_learns(hidden, output):
    X, Y = synthetic()
    kw = {"hidden": hidden, "output": output, "epochs": 8, "lr": 0.05, "batch_size": 64}
    a, hist = train_head(X, Y, seed=3, X_dev=X[:100], Y_dev=Y[:100], **kw)
    b, _ = train_head(X, Y, seed=3, X_dev=X[:100], Y_dev=Y[:100], **kw)
    for wa, wb in zip(a.weights + a.biases, b.weights + b.biases):
        np.testing.assert_array_equal(wa, wb)
    c, _ = train_head(X, Y, seed=4, **kw)
    assert not np.array_equal(a.weights[0], c.weights[0])
    P = a.predict_proba(X)
    assert (P.argmax(1) == Y.argmax(1)).mean() > 0.95
    assert len(hist) == 8 and "dev_loss" in hist[0]
    assert len(a.weights) == (2 if hidden else 1)


def test_head_round_trip(tmp_path):
    X, Y = synthetic(n=200)
    head, _ = train_head(X, Y, hidden=4, epochs=2, seed=0)
    head.config = {"valence_weights": {"classifier": 1.5, "lexicon": 0.5}, "family_threshold": 0.25}
    path = head.save(tmp_path / "h.npz")
    back = EmotionHead.load(path)
    np.testing.assert_array_equal(back.predict_proba(X), head.predict_proba(X))
    assert back.config == head.config and back.output == head.output
    with np.load(path, allow_pickle=False) as data:  # plain arrays, no pickles
        assert set(data.files) >= {"W0", "b0", "W1", "b1", "thresholds", "labels", "config"}


def test_missing_head_file(tmp_path):
    with pytest.raises(ModelNotFoundError, match="train_emotions.py"):
        EmotionHead.load(tmp_path / "none.npz")


def test_wrong_embedding_size_is_explained():
    X, Y = synthetic(n=50, d=16)
    head, _ = train_head(X, Y, epochs=1)
    with pytest.raises(ValueError, match=r"expects \(n, 16\)"):
        head.predict_proba(np.zeros((2, 384), dtype=np.float32))


def test_shipped_head_matches_its_card():
    path = default_head_path()
    card = json.loads(path.with_suffix(".json").read_text("utf-8"))
    assert card["sha1"] == hashlib.sha1(path.read_bytes()).hexdigest()
    assert path.stat().st_size < 5_000_000
    assert card["training_data"]["licence"] == "Apache-2.0"
    assert "Demszky" in card["training_data"]["citation"]
    head = EmotionHead.load(path)
    assert head.labels == GOEMOTIONS_LABELS and head.input_dim == 384
    assert head.config["valence_weights"] == card["valence_weights"]
    assert 0 < card["dev_metrics"]["ekman_neutral_macro_f1"] <= 1


def test_metrics_helpers():
    Y = np.zeros((4, 28), dtype=np.uint8)
    Y[0, L("joy")] = 1
    Y[1, L("anger")] = 1
    Y[2, L("neutral")] = 1
    Y[3, [L("joy"), L("anger")]] = 1  # mixed: not scored for sentiment nor Ekman
    assert list(sentiment_gold(Y)) == ["positive", "negative", "neutral", ""]
    assert ekman_eval(Y.astype(float), Y)["macro_f1"] == pytest.approx(3 / 7)  # 3 of 7 groups present
    assert ekman_eval(Y.astype(float), Y)["accuracy"] == 1.0
    assert sentiment_macro_f1(np.array([0.9, -0.9, 0.0, 0.5]), sentiment_gold(Y)) == 1.0
    assert list(sentiment_from_valence([0.06, -0.06, 0.04])) == ["positive", "negative", "neutral"]
    assert f1_per_class(np.array([[1, 0]]), np.array([[1, 1]])).tolist() == [1.0, 0.0]
    thr = tune_thresholds(np.array([[0.9], [0.2], [0.6]]), np.array([[1], [0], [1]]))
    assert 0.2 < thr[0] <= 0.6


def test_read_goemotions_dev():
    folder = shared_data("goemotions")
    texts, Y = read_goemotions(folder, "dev")
    assert len(texts) == 5426 and Y.shape == (5426, 28)
    assert (Y.sum(1) >= 1).all()
    assert Y[:, L("neutral")].sum() > 1000


def test_read_goemotions_bad_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="GoEmotions folder"):
        read_goemotions(tmp_path, "train")


def test_word_model_and_ekman_offsets_round_trip(tmp_path):
    rng = np.random.default_rng(0)
    W = [rng.normal(size=(8, 28)).astype(np.float32)]
    b = [np.zeros(28, np.float32)]
    vocab = ["awful", "love", "!"]
    coef = np.zeros((3, 28), np.float32)
    coef[0, L("disgust")] = 6.0
    coef[1, L("love")] = 6.0
    offsets = np.zeros(7, np.float32)
    offsets[0] = 0.5
    head = EmotionHead(weights=W, biases=b, vocabulary=vocab, word_weights=coef,
                       word_bias=np.zeros(28, np.float32), ekman_bias=offsets,
                       config={"word_mix": 0.5})
    X = rng.normal(size=(3, 8)).astype(np.float32)
    texts = ["Awful, just awful!", "I love it", "nothing here"]
    with pytest.raises(ValueError, match="texts="):
        head.predict_proba(X)
    P = head.predict_proba(X, texts)
    np.testing.assert_allclose(P.sum(1), 1.0, atol=1e-5)
    assert P[0, L("disgust")] > P[2, L("disgust")]  # the word counts
    assert P[1, L("love")] > P[2, L("love")]
    words = head.word_proba(texts)
    assert words[0, L("disgust")] > 0.5 and words[1, L("love")] > 0.5
    E = head.predict_ekman(X, texts)
    np.testing.assert_allclose(E.sum(1), 1.0, atol=1e-5)
    path = head.save(tmp_path / "h.npz")
    back = EmotionHead.load(path)
    assert back.vocabulary == vocab and back.reads_words
    np.testing.assert_allclose(back.predict_proba(X, texts), P, atol=1e-6)
    np.testing.assert_array_equal(back.ekman_bias, offsets)
