"""Themes on a small synthetic study: contract, determinism, edits, codebook, save/load."""

from __future__ import annotations

import copy
import socket
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cxinsight as cx
from cxinsight.errors import MissingStepError, NotFittedError
from cxinsight.themes import ThemeModel, TooLittleTextError, read_codebook, theme_prevalence
from cxinsight.themes._labels import label_from_keyphrases
from cxinsight.themes._metrics import npmi_coherence, planted_recovery, topic_diversity
from cxinsight.themes._text import PhraseAnalyzer

TOPICS = {
    "delivery": [
        "The courier left my parcel outside in the rain again.",
        "My delivery arrived four hours after the promised time slot.",
        "The tracking page said out for delivery but the van never came.",
        "The driver dumped the box on the doorstep without knocking.",
        "Delivery windows are far too wide, I waited in all day for the parcel.",
        "The parcel turned up a day late and nobody told me.",
        "I never got a text from the courier about the delivery time.",
        "The box was delivered to my neighbour instead of my address.",
        "The delivery driver rang the bell at six in the morning.",
        "Tracking updates stopped halfway and the parcel vanished.",
        "They moved my delivery day without asking me first.",
        "The courier marked the parcel delivered when it was not.",
    ],
    "app": [
        "The app crashes every time I try to skip a week.",
        "I can never find the settings screen in the mobile app.",
        "The app logs me out and I have to reset my password.",
        "Choosing meals in the app is slow and the buttons freeze.",
        "After the update the app would not open on my phone.",
        "The app menu is confusing, I tapped around for ages.",
        "Skipping a week in the app took me ten confusing screens.",
        "The app notifications never load properly on my phone.",
        "The login screen of the app keeps rejecting my password.",
        "The mobile app froze while I was picking my recipes for the week.",
        "I gave up on the app and used the website on my laptop instead.",
        "The app kept spinning and never saved my meal choices.",
    ],
    "price": [
        "The price jumped after the introductory discount ended.",
        "I was charged full price for a week I had skipped.",
        "It is too expensive compared with the supermarket.",
        "The subscription cost went up twice this year without warning.",
        "The half price offer hooked me but the real price is steep.",
        "My bank statement showed a charge I did not expect.",
        "Paying sixty pounds a week is a lot for our budget.",
        "They took the money out of my account before I could cancel.",
        "The discount code only worked for the very first box.",
        "I compared the cost per meal and it is not good value.",
        "The monthly bill was higher than the price on the website.",
        "An extra delivery fee appeared on my card statement.",
    ],
    "packaging": [
        "Every single ingredient comes wrapped in its own plastic bag.",
        "The ice packs pile up in my freezer and I cannot recycle them.",
        "There is far too much plastic packaging in each box.",
        "The insulation liners fill up our recycling bin every week.",
        "I hate throwing away so many little plastic sachets.",
        "The cardboard box is huge for such a small amount of food.",
        "Our bin is full of plastic wrappers after one delivery.",
        "The ice packs leak and the packaging is not recyclable.",
        "Each carrot is in a separate plastic bag, it is wasteful.",
        "I feel guilty about all the packaging waste from the boxes.",
        "The polystyrene insulation cannot go in our council recycling.",
        "There are more plastic bags than vegetables in the box.",
    ],
}
PEOPLE = ["P1", "P2", "P3", "P4", "P5", "P6"]


def _texts_and_truth() -> tuple[list[str], list[str], list[str]]:
    texts, truth, groups = [], [], []
    for name, sentences in TOPICS.items():
        for i, s in enumerate(sentences):
            texts.append(s)
            truth.append(name)
            groups.append(PEOPLE[i % len(PEOPLE)])
    return texts, truth, groups


@pytest.fixture(scope="module")
def data():
    from cxinsight.embeddings import encode

    texts, truth, groups = _texts_and_truth()
    return texts, np.asarray(encode(texts)), truth, groups


@pytest.fixture(scope="module")
def fitted(data):
    texts, emb, _, groups = data
    return ThemeModel(random_state=7).fit(texts, emb, groups=groups)


def _corpus_from(texts: list[str], groups: list[str], extra_interviewer: bool = True) -> cx.Corpus:
    rows = []
    for t, g in zip(texts, groups):
        if extra_interviewer:
            rows.append({"interview_id": g, "speaker": "Interviewer", "role": "interviewer",
                         "text": "Could you tell me more about that please?"})
            rows.append({"interview_id": g, "speaker": g, "role": "participant", "text": "Yeah."})
        rows.append({"interview_id": g, "speaker": g, "role": "participant", "text": t})
    turns = pd.DataFrame(rows)
    turns["turn"] = turns.groupby("interview_id").cumcount()
    turns["start"] = np.nan
    turns["end"] = np.nan
    turns["source"] = turns["interview_id"] + ".txt"
    participants = pd.DataFrame({"interview_id": PEOPLE,
                                 "nps_group": ["promoter", "promoter", "passive", "detractor",
                                               "detractor", "detractor"]})
    return cx.embed(cx.segment(cx.Corpus(turns, participants=participants)))


# ---------------------------------------------------------------- contract
def test_fit_predict_returns_one_theme_per_text_and_finds_the_topics(data):
    texts, emb, truth, groups = data
    labels = ThemeModel(random_state=7).fit_predict(texts, emb, groups=groups)
    assert labels.shape == (len(texts),)
    assert labels.dtype.kind == "i"
    assert labels.min() >= -1
    rec = planted_recovery(labels, truth)
    assert rec["recovered"].all(), rec.to_string()


def test_themes_table_has_labels_keywords_and_quotes_from_different_participants(fitted):
    table = fitted.themes_
    assert {"theme", "label", "size", "keywords", "quotes", "quote_interviews",
            "prevalence", "n_participants"} <= set(table.columns)
    assert table["size"].sum() == (fitted.labels_ >= 0).sum()
    text = " ".join(table["label"]).lower()
    for word in ("plastic", "app", "price", "deliver"):
        assert word in text or any(word in " ".join(k) for k in table["keywords"]), (word, text)
    for quotes, who in zip(table["quotes"], table["quote_interviews"]):
        assert 1 <= len(quotes) <= 3
        assert len(set(who)) == len(who), "quotes must come from different participants"
    for label in table["label"]:
        words = label.replace(",", " ").split()
        assert 1 <= len(words) <= 9 and not {"yeah", "like", "um"} & set(words)
        assert words[0] not in {"the", "and", "a"}, label


def test_fit_is_deterministic(data, fitted):
    texts, emb, _, groups = data
    again = ThemeModel(random_state=7).fit(texts, emb, groups=groups)
    np.testing.assert_array_equal(again.labels_, fitted.labels_)
    assert again.themes_["label"].tolist() == fitted.themes_["label"].tolist()
    assert again.themes_["keywords"].tolist() == fitted.themes_["keywords"].tolist()


def test_fit_through_umap_is_deterministic(data, monkeypatch):
    from cxinsight.themes import _cluster

    monkeypatch.setattr(_cluster, "UMAP_MIN_SEGMENTS", 10)  # send the small fixture through UMAP
    texts, emb, truth, groups = data
    first = ThemeModel(random_state=3).fit_predict(texts, emb, groups=groups)
    second = ThemeModel(random_state=3).fit_predict(texts, emb, groups=groups)
    np.testing.assert_array_equal(first, second)
    assert len(set(first.tolist()) - {-1}) >= 2


def test_transform_assigns_new_texts_and_flags_off_topic_ones(fitted):
    got = fitted.transform(["So much plastic wrapping and ice packs in the box.",
                            "Quantum chromodynamics describes the strong interaction of quarks."])
    row = fitted.themes_.set_index("theme").loc[got[0]]
    words = " ".join([row["label"], *row["keywords"], *row["keyphrases"]])
    assert any(w in words for w in ("plastic", "packaging", "ice", "pack")), words
    strict = copy.deepcopy(fitted).set_params(outlier_threshold=0.5)
    assert strict.transform(["Quantum chromodynamics describes the strong interaction of quarks."])[0] == -1


def test_unfitted_model_and_bad_params_give_helpful_errors(data):
    texts, emb, _, _ = data
    with pytest.raises(NotFittedError, match="fit"):
        ThemeModel().transform(["hello there"])
    with pytest.raises(ValueError, match="clustering"):
        ThemeModel(clustering="magic").fit(texts, emb)
    with pytest.raises(ValueError, match="one row per text"):
        ThemeModel().fit(texts, emb[:10])


def test_too_little_text_says_what_to_do():
    with pytest.raises(TooLittleTextError, match="at least 30") as err:
        ThemeModel().fit(["The app crashed.", "Delivery was late."] * 5)
    assert "codebook" in str(err.value)


# ---------------------------------------------------------------- researcher control
def test_merge_rename_split_return_new_consistent_models(fitted):
    ids = fitted.themes_["theme"].tolist()
    a, b = ids[0], ids[1]
    merged = fitted.merge([a, b])
    assert merged is not fitted and set(fitted.themes_["theme"]) == set(ids)
    assert b not in set(merged.labels_.tolist())
    assert (merged.labels_ == a).sum() == ((fitted.labels_ == a) | (fitted.labels_ == b)).sum()
    assert merged.themes_.set_index("theme").loc[a, "size"] == (merged.labels_ == a).sum()

    renamed = merged.rename({a: "Delivery and apps"})
    assert renamed.label_of(a) == "Delivery and apps"
    assert fitted.label_of(a) != "Delivery and apps"

    split = renamed.split(a, 2)
    new_ids = sorted(set(split.labels_.tolist()) - set(renamed.labels_.tolist()))
    assert len(new_ids) == 1
    assert ((split.labels_ == a) | (split.labels_ == new_ids[0])).sum() == (renamed.labels_ == a).sum()
    assert set(split.themes_["theme"]) == set(split.labels_.tolist()) - {-1}
    with pytest.raises(KeyError, match="No theme"):
        fitted.merge([a, 999])


def test_hierarchy_nests_all_themes(fitted):
    h = fitted.hierarchy()
    n = len(fitted.themes_)
    assert len(h) == n - 1
    assert sorted(h.iloc[-1]["themes"]) == sorted(fitted.themes_["theme"])
    assert (h["distance"].diff().dropna() >= -1e-9).all()


CODEBOOK = {
    "Packaging waste": ["too much plastic", "ice packs and insulation"],
    "Price rises": "the price went up after the discount and unexpected charges",
}


def test_codebook_guides_themes_and_clusters_the_rest(data):
    texts, emb, truth, groups = data
    model = ThemeModel(codebook=CODEBOOK, random_state=7).fit(texts, emb, groups=groups)
    table = model.themes_.set_index("theme")
    assert table.loc[0, "label"] == "Packaging waste" and table.loc[0, "source"] == "codebook"
    assert table.loc[1, "label"] == "Price rises"
    truth = np.asarray(truth)
    assert np.mean(model.labels_[truth == "packaging"] == 0) >= 0.6
    assert np.mean(model.labels_[truth == "price"] == 1) >= 0.5
    assert (table["source"] == "cluster").any(), "segments outside the codebook are clustered"


def test_codebook_from_csv_and_yaml(tmp_path):
    (tmp_path / "book.csv").write_text(
        "name,description,seeds\nPackaging waste,Too much plastic,ice packs; plastic bags\n"
        "Price rises,Price went up,\n", "utf-8")
    (tmp_path / "book.yaml").write_text(
        "Packaging waste:\n  description: Too much plastic\n  seeds: [ice packs, plastic bags]\n"
        "Price rises: Price went up\n", "utf-8")
    want = {"Packaging waste": ["Too much plastic", "ice packs", "plastic bags"],
            "Price rises": ["Price went up"]}
    assert read_codebook(tmp_path / "book.csv") == want
    assert read_codebook(tmp_path / "book.yaml") == want
    with pytest.raises(ValueError, match="name"):
        read_codebook(pd.DataFrame({"x": [1]}))


def test_codebook_only_leaves_unmatched_segments_as_outliers(data):
    texts, emb, truth, groups = data
    model = ThemeModel(codebook=CODEBOOK, codebook_only=True).fit(texts, emb, groups=groups)
    assert set(model.themes_["source"]) == {"codebook"}
    assert (model.labels_[np.asarray(truth) == "app"] == -1).mean() > 0.8


# ---------------------------------------------------------------- persistence
def test_save_and_load_work_offline(fitted, tmp_path, monkeypatch):
    fitted.save(tmp_path / "themes")

    def no_network(*args, **kwargs):
        raise AssertionError("network access during ThemeModel.load/transform")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    loaded = ThemeModel.load(tmp_path / "themes")
    np.testing.assert_array_equal(loaded.labels_, fitted.labels_)
    assert loaded.themes_["label"].tolist() == fitted.themes_["label"].tolist()
    probe = ["The courier never came with my parcel.", "Too many plastic bags in the box."]
    from cxinsight.embeddings import encode

    emb = encode(probe)
    np.testing.assert_array_equal(loaded.transform(probe, emb), fitted.transform(probe, emb))
    assert loaded.rename({int(loaded.themes_["theme"].iloc[0]): "X"}).themes_["label"].iloc[0] == "X"
    with pytest.raises(FileExistsError):
        fitted.save(tmp_path / "themes")


# ---------------------------------------------------------------- corpus step
@pytest.fixture(scope="module")
def themed_corpus(data):
    texts, _, _, groups = data
    corpus = _corpus_from(texts, groups)
    return corpus, cx.extract_themes(corpus, ThemeModel(random_state=7))


def test_extract_themes_adds_columns_only_to_participant_speech(themed_corpus):
    corpus, out = themed_corpus
    seg = out.segments
    assert corpus.segments is not out.segments and "theme" not in corpus.segments
    assert str(seg["theme"].dtype) == "Int64"
    interviewer = seg["role"] == "interviewer"
    assert seg.loc[interviewer, "theme"].isna().all()
    assert seg.loc[seg["is_backchannel"], "theme"].isna().all()
    themed = seg["theme"].notna()
    assert themed.sum() == sum(len(v) for v in TOPICS.values())
    assert seg.loc[themed, "theme_label"].notna().all()
    excluded = out.meta["themes"]["excluded"]
    assert excluded["interviewer"] == interviewer.sum()
    assert excluded["backchannel"] == sum(len(v) for v in TOPICS.values())
    assert "themes" in out.tables and out.provenance[-1]["step"] == "extract_themes"


def test_extract_themes_needs_embeddings(data):
    texts, _, _, groups = data
    corpus = cx.segment(_corpus_from(texts, groups).replace(embeddings=None, segments=None))
    with pytest.raises(MissingStepError, match=r"cx\.embed\(corpus\)"):
        cx.extract_themes(corpus)


def test_prevalence_counts_participants_not_sentences(data):
    from cxinsight.embeddings import encode

    texts, _, truth, _ = data
    # P1 talks about packaging twelve times; everyone else mentions it at most never
    groups = ["P1" if t == "packaging" else PEOPLE[1 + i % 5] for i, t in enumerate(truth)]
    corpus = _corpus_from(texts, groups, extra_interviewer=False)
    assert len(corpus.segments) == len(texts)
    encode(texts)
    out = cx.extract_themes(corpus, ThemeModel(random_state=7))
    overall = theme_prevalence(out)
    pack_theme = out.segments.loc[out.segments["text"].str.contains("plastic"), "theme"].mode()[0]
    row = overall.set_index("theme").loc[int(pack_theme)]
    assert row["n_participants"] == 1 and row["n_segments"] >= 8
    assert row["share"] == pytest.approx(1 / 6)

    by_group = theme_prevalence(out, by="nps_group").set_index(["nps_group", "theme"])
    assert by_group.loc[("promoter", int(pack_theme)), "n_participants"] == 1
    assert by_group.loc[("detractor", int(pack_theme)), "n_participants"] == 0
    assert by_group.loc[("detractor", int(pack_theme)), "group_size"] == 3

    per_interview = theme_prevalence(out, by="interview_id")
    p1 = per_interview[(per_interview["interview_id"] == "P1") & (per_interview["theme"] == pack_theme)]
    assert bool(p1["mentioned"].iloc[0])
    with pytest.raises(KeyError, match="manifest"):
        theme_prevalence(out, by="shoe_size")


def test_no_warning_filters_leak(data):
    texts, emb, _, groups = data
    before = list(warnings.filters)
    ThemeModel(random_state=1, n_themes=4).fit(texts, emb, groups=groups)
    assert list(warnings.filters) == before


# ---------------------------------------------------------------- helpers
def test_phrases_never_span_removed_words():
    got = PhraseAnalyzer()("The app crashed, sorry. Ice packs everywhere!")
    assert "app crashed" in got and "ice packs" in got
    assert "crashed sorry" not in got and "crashed ice" not in got


def test_label_skips_redundant_and_stop_words():
    assert label_from_keyphrases(["card arrival", "card", "the", "arrival", "delivery"]) == \
        "card arrival, delivery"
    assert label_from_keyphrases(["the", "and"]) == "(unlabelled)"


def test_quality_measures_behave():
    kws = [["ice", "packs", "plastic"], ["app", "crash", "login"]]
    assert topic_diversity(kws, 3) == 1.0
    assert topic_diversity([["a", "b"], ["a", "b"]], 2) == 0.5
    texts = ["ice packs plastic", "plastic ice packs", "app crash login", "login app crash"]
    assert npmi_coherence(kws, texts, 3) > 0.5
    assert npmi_coherence([["ice", "login"]], texts, 2) == -1.0


def test_small_themes_merge_into_their_nearest_theme():
    from cxinsight.themes._cluster import merge_small_themes

    rng = np.random.RandomState(0)
    centres = np.array([[5.0, 0], [0, 5.0], [-5.0, 0], [4.5, 1.0]])  # theme 3 sits by theme 0
    sizes = [40, 40, 40, 6]
    points = np.vstack([c + rng.normal(scale=0.3, size=(s, 2)) for c, s in zip(centres, sizes)])
    labels = np.repeat(np.arange(4), sizes)
    merged = merge_small_themes(points, labels, min_size=10)
    assert sorted(set(merged.tolist())) == [0, 1, 2]
    assert (merged[labels == 3] == 0).all() and (merged[labels != 3] == labels[labels != 3]).all()
    assert (labels == np.repeat(np.arange(4), sizes)).all()  # input untouched
    assert len(set(merge_small_themes(points, labels, min_size=1000).tolist())) == 2  # floor


def test_min_theme_share_is_validated():
    with pytest.raises(ValueError, match="min_theme_share"):
        ThemeModel(min_theme_share=0.9).fit(["a text here"] * 40)


def test_extract_themes_seed_reaches_the_model_and_is_reproducible(themed_corpus):
    corpus, _ = themed_corpus
    one = cx.extract_themes(corpus, seed=1)
    again = cx.extract_themes(corpus, seed=1)
    params = one.provenance[-1]["params"]
    assert params["random_state"] == 1 and params["seed"] == 1
    assert one.segments["theme"].equals(again.segments["theme"])
    assert cx.extract_themes(corpus, seed=2).provenance[-1]["params"]["random_state"] == 2


def _with_context_reference(emb, contexts, weight):
    """Context blending written plainly (all rows at once, float64): the blocked version
    must give the same bits."""
    _, codes = np.unique(np.asarray(contexts, dtype=object).astype(str), return_inverse=True)
    means = np.zeros((codes.max() + 1, emb.shape[1]), dtype=np.float64)
    np.add.at(means, codes, emb)
    means /= np.maximum(np.linalg.norm(means, axis=1, keepdims=True), 1e-12)
    out = emb + weight * means[codes]
    out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
    return out.astype(np.float32)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 400), st.integers(1, 60), st.integers(1, 7), st.integers(0, 2**31 - 1))
def test_context_blending_in_blocks_equals_the_plain_computation(n, n_contexts, block, seed):
    from cxinsight.themes import _cluster

    rng = np.random.default_rng(seed)
    emb = rng.normal(size=(n, 8)).astype(np.float32)
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    contexts = [f"i{c % 5}\x1f{c}" for c in rng.integers(0, n_contexts, size=n)]  # unsorted
    old = _cluster.CONTEXT_BLOCK
    _cluster.CONTEXT_BLOCK = block
    try:
        got = _cluster.with_context(emb, contexts, 0.3)
    finally:
        _cluster.CONTEXT_BLOCK = old
    np.testing.assert_array_equal(got, _with_context_reference(emb, contexts, 0.3))
    assert _cluster.with_context(emb, None, 0.3) is emb


def test_umap_compiled_code_is_kept_between_processes():
    """Every numba function of UMAP and pynndescent gets numba's on-disk cache (most are
    compiled again in each process otherwise: ~20 CPU s of a fresh process's first themes)."""
    import sys

    from numba.core.caching import NullCache
    from numba.core.dispatcher import Dispatcher

    from cxinsight.themes import _jit_cache

    _jit_cache.enable()
    assert _jit_cache.enable() == 0  # once per process
    functions = [obj for name, mod in list(sys.modules.items())
                 if mod is not None and name.split(".")[0] in _jit_cache.PACKAGES
                 for obj in vars(mod).values() if isinstance(obj, Dispatcher)]
    assert len(functions) > 100
    assert not [f for f in functions if isinstance(f._cache, NullCache)]


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 300), st.integers(1, 40), st.integers(1, 7), st.sampled_from([8, 384]),
       st.floats(0.0, 1.0), st.integers(0, 2**31 - 1))
def test_blended_rows_taken_on_demand_equal_the_whole_blend(n, n_contexts, block, dim, share, seed):
    """UMAP's sample and the rest, taken from BlendedRows, are the rows of with_context (bits)."""
    from cxinsight.themes import _cluster

    rng = np.random.default_rng(seed)
    emb = rng.normal(size=(n, dim)).astype(np.float32)
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    contexts = [f"i{c % 5}\x1f{c}" for c in rng.integers(0, n_contexts, size=n)]
    wanted = rng.permutation(n)[: max(1, int(share * n))]  # any subset, in any order
    old = _cluster.CONTEXT_BLOCK
    _cluster.CONTEXT_BLOCK = block
    try:
        whole = _cluster.with_context(emb, contexts, 0.3)
        source = _cluster.BlendedRows(emb, contexts, 0.3)
        np.testing.assert_array_equal(source.rows_at(wanted), whole[wanted])
        np.testing.assert_array_equal(_cluster.rows_of(source, None), whole)
    finally:
        _cluster.CONTEXT_BLOCK = old
    plain = _cluster.BlendedRows(emb, None, 0.3)
    np.testing.assert_array_equal(plain.rows_at(wanted), emb[wanted])


def test_large_study_reduction_is_unchanged_by_blending_on_demand():
    """reduce() on a BlendedRows source (fit sample + transform of the rest) gives the
    coordinates it gives on the blended matrix."""
    from cxinsight.themes import _cluster

    rng = np.random.default_rng(3)
    centres = rng.normal(size=(6, 24))
    emb = (centres[rng.integers(0, 6, 5200)] + 0.3 * rng.normal(size=(5200, 24))).astype(np.float32)
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    contexts = [f"t{i // 2}" for i in range(len(emb))]
    rows = np.flatnonzero(rng.random(len(emb)) > 0.05)
    whole = _cluster.with_context(emb, contexts, 0.3)
    a = _cluster.reduce(whole, 5, 15, 0, max_fit=4200, rows=rows)
    b = _cluster.reduce(_cluster.BlendedRows(emb, contexts, 0.3), 5, 15, 0, max_fit=4200, rows=rows)
    np.testing.assert_array_equal(a, b)


def test_fitting_on_rows_of_the_corpus_matrix_equals_fitting_on_their_copy(embedded_sample):
    """extract_themes hands the model its rows of the corpus matrix (copied after UMAP):
    the fitted model is the one a copy gives, and a non-normalised matrix is still normalised."""
    from cxinsight.themes import _cluster
    from cxinsight.themes._model import themable_mask

    seg = embedded_sample.segments
    mask, _ = themable_mask(seg)
    rows = np.flatnonzero(mask)
    texts = seg["text"].astype(str).to_numpy()[rows].tolist()
    contexts = (seg["interview_id"].astype(str) + "\x1f" + seg["turn"].astype(str)).to_numpy()[rows].tolist()
    groups = seg["interview_id"].astype(str).to_numpy()[rows].tolist()
    for base in (embedded_sample.embeddings, embedded_sample.embeddings * 2.0):
        lazy = _cluster.RowsOf(base, rows)
        assert len(lazy) == len(rows) and lazy.shape == (len(rows), base.shape[1])
        a = cx.ThemeModel(random_state=0).fit(texts, embeddings=base[rows], groups=groups, contexts=contexts)
        b = cx.ThemeModel(random_state=0).fit(texts, embeddings=lazy, groups=groups, contexts=contexts)
        np.testing.assert_array_equal(a.labels_, b.labels_)
        np.testing.assert_array_equal(a.embeddings_, b.embeddings_)
        assert isinstance(b.embeddings_, np.ndarray)
        pd.testing.assert_frame_equal(a.themes_, b.themes_)
    np.testing.assert_allclose(np.linalg.norm(b.embeddings_, axis=1), 1.0, atol=1e-5)
