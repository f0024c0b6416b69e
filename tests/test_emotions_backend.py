"""The optional transformers backend, tested with a tiny random BERT built here (no download)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import cxinsight as cx
from cxinsight.emotions import GOEMOTIONS_LABELS, EmotionTagger
from cxinsight.errors import CxInsightWarning, ModelNotFoundError

transformers = pytest.importorskip("transformers")
torch = pytest.importorskip("torch")

WORDS = (
    "the delivery was late and food great app crashed support helpful i love it not happy "
    "box recipes cancel nightmare thanks"
).split()


def build_tiny_model(folder, labels, problem_type=None):
    """Save a randomly initialised 1-layer BERT classifier with a WordPiece tokenizer."""
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizerFast

    folder.mkdir(parents=True, exist_ok=True)
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *WORDS, ".", ","]
    (folder / "vocab.txt").write_text("\n".join(vocab) + "\n", "utf-8")
    tokenizer = BertTokenizerFast(vocab_file=str(folder / "vocab.txt"), do_lower_case=True)
    config = BertConfig(
        vocab_size=len(vocab), hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
        intermediate_size=37, max_position_embeddings=64,
        id2label=dict(enumerate(labels)), label2id={x: i for i, x in enumerate(labels)},
        problem_type=problem_type,
    )
    torch.manual_seed(0)
    model = BertForSequenceClassification(config)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    return build_tiny_model(tmp_path_factory.mktemp("tiny") / "m", ["joy", "Anger", "neutral", "meh"])


TEXTS = ["The delivery was late.", "I love the recipes, thanks!", "Support was helpful."]


def test_backend_fills_the_28_columns(tiny_model):
    with pytest.warns(CxInsightWarning, match="meh"):
        tagger = EmotionTagger(transformers_model=tiny_model, lexicon=False)
        out = tagger.predict(TEXTS)
    assert list(out.columns[:28]) == list(GOEMOTIONS_LABELS)
    assert len(out) == 3
    mapped = ["joy", "anger", "neutral"]
    others = [c for c in GOEMOTIONS_LABELS if c not in mapped]
    assert (out[others].to_numpy() == 0).all()
    assert (out[mapped].to_numpy() > 0).all()
    # softmax over 4 model labels, one of them ignored: the mapped mass is below 1
    assert (out[mapped].sum(axis=1) < 1).all()
    assert tagger.unmapped_labels_ == ["meh"]
    assert out["valence"].between(-1, 1).all()
    assert set(out["emotion"]) <= {"delight", "frustration", "neutral"}


def test_backend_matches_the_model_itself(tiny_model):
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    tagger = EmotionTagger(transformers_model=tiny_model, label_map={"meh": "neutral"})
    with_map = tagger.predict_proba(TEXTS)
    tok = AutoTokenizer.from_pretrained(tiny_model)
    model = AutoModelForSequenceClassification.from_pretrained(tiny_model).eval()
    with torch.no_grad():
        ref = torch.softmax(model(**tok(TEXTS, padding=True, return_tensors="pt")).logits, -1).numpy()
    j = GOEMOTIONS_LABELS.index
    np.testing.assert_allclose(with_map[:, j("joy")], ref[:, 0], atol=1e-5)
    np.testing.assert_allclose(with_map[:, j("anger")], ref[:, 1], atol=1e-5)
    np.testing.assert_allclose(with_map[:, j("neutral")], ref[:, 2] + ref[:, 3], atol=1e-5)
    assert tagger.unmapped_labels_ == []


def test_multi_label_model_gives_independent_probabilities(tmp_path):
    folder = build_tiny_model(tmp_path / "ml", ["joy", "anger", "neutral"],
                              problem_type="multi_label_classification")
    tagger = EmotionTagger(transformers_model=folder)
    P = tagger.predict_proba(TEXTS)
    assert tagger.output_ == "sigmoid"
    assert ((P >= 0) & (P <= 1)).all()


def test_tag_emotions_with_backend_needs_no_embeddings(tiny_model):
    turns = pd.DataFrame({
        "interview_id": ["a", "a"], "turn": [0, 1], "speaker": ["I", "P"],
        "role": ["interviewer", "participant"], "start": [np.nan] * 2, "end": [np.nan] * 2,
        "text": ["How was the box?", "The delivery was late and the food was great."],
        "source": ["a.txt"] * 2,
    })
    corpus = cx.segment(cx.Corpus(turns))
    with pytest.warns(CxInsightWarning):
        tagger = EmotionTagger(transformers_model=tiny_model)
        out = cx.tag_emotions(corpus, tagger)
    assert "p_joy" in out.segments and "valence" in out.segments
    assert out.provenance[-1]["params"]["transformers_model"] == "m"
    assert out.provenance[-1]["params"]["unmapped_labels"] == ["meh"]


def test_missing_model_folder(tmp_path):
    with pytest.raises(ModelNotFoundError, match="never downloads"):
        EmotionTagger(transformers_model=tmp_path / "nothing").predict(["hi"])


def test_model_with_no_goemotions_labels(tmp_path):
    folder = build_tiny_model(tmp_path / "nolabels", ["LABEL_0", "LABEL_1"])
    with pytest.raises(ValueError, match="label_map"):
        EmotionTagger(transformers_model=folder).predict(["hi"])
    tagger = EmotionTagger(transformers_model=folder, label_map={"LABEL_0": "joy", "LABEL_1": "anger"})
    assert tagger.predict(["hi there"]).shape[0] == 1


def test_head_and_backend_together_is_an_error(tiny_model):
    with pytest.raises(ValueError, match="not both"):
        EmotionTagger(head="x.npz", transformers_model=tiny_model).predict(["hi"])
