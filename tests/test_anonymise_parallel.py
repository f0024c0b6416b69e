"""Per-turn detection on worker processes gives the single-process result; settings fixed per pass."""

from __future__ import annotations

import multiprocessing
import pickle
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxinsight.anonymisation import Anonymiser, _known, _parallel


@pytest.fixture(scope="module")
def pool():
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as ex:
        yield ex


@pytest.fixture()
def small_blocks(monkeypatch):
    # the sample study has a few hundred turns: send blocks of 7 turns from the first turn
    monkeypatch.setattr(_parallel, "PARALLEL_FROM", 1)
    monkeypatch.setattr(_parallel, "BLOCK_TURNS", 7)


@pytest.mark.parametrize("options", [{}, {"names": "strong", "operator": "surrogate"}])
def test_workers_find_what_one_process_finds(sample_corpus, pool, small_blocks, options):
    alone_table = Anonymiser(**options).review(sample_corpus)
    alone, alone_key = Anonymiser(**options).apply(sample_corpus)
    calls = []

    def submit(fn, *args):
        calls.append(len(args[-1]))
        return pool.submit(fn, *args)

    with _parallel.detection_workers(submit):
        table = Anonymiser(**options).review(sample_corpus)
        pseudo, key = Anonymiser(**options).apply(sample_corpus)
    # every turn went to a worker, in blocks of 7, once for review and once for apply
    assert sum(calls) == 2 * len(sample_corpus.turns) and max(calls) == 7
    assert len(table) > 50  # the sample study holds many names, e-mails, phone numbers
    pd.testing.assert_frame_equal(table, alone_table)
    pd.testing.assert_frame_equal(pseudo.turns, alone.turns)
    pd.testing.assert_frame_equal(pseudo.segments, alone.segments)
    pd.testing.assert_frame_equal(key.table(), alone_key.table())


def test_small_studies_and_sent_pipelines_stay_in_process(sample_corpus, monkeypatch):
    from cxinsight.anonymisation import ner

    def submit(fn, *args):  # pragma: no cover - must not be called
        raise AssertionError("sent to a worker")

    with _parallel.detection_workers(submit):
        # below PARALLEL_FROM turns
        Anonymiser().review(sample_corpus)
        # a loaded pipeline object given as ner= is not pickled to workers, however large the study
        monkeypatch.setattr(_parallel, "PARALLEL_FROM", 1)
        nlp = ner.default_pipeline()
        assert nlp is not None and not isinstance(nlp, str)
        assert len(Anonymiser(ner=nlp).review(sample_corpus)) > 50


def test_a_broken_pool_falls_back_to_this_process(sample_corpus, small_blocks):
    alone = Anonymiser().review(sample_corpus)

    def submit(fn, *args):
        f: Future = Future()
        f.set_exception(BrokenProcessPool("a worker died"))
        return f

    with _parallel.detection_workers(submit):
        table = Anonymiser().review(sample_corpus)
    pd.testing.assert_frame_equal(table, alone)


def test_a_worker_error_is_raised(sample_corpus, small_blocks):
    def submit(fn, *args):
        f: Future = Future()
        f.set_exception(ValueError("bad block"))
        return f

    with _parallel.detection_workers(submit), pytest.raises(ValueError, match="bad block"):
        Anonymiser().review(sample_corpus)


def test_pickled_anonymiser_rebuilds_its_settings():
    anon = Anonymiser(allow_list=["GreenCrate"], known_names=["Ffion Hale"])
    before = anon.detect("Ffion Hale emailed ffion@example.org about GreenCrate.")
    anon._cfg  # noqa: B018 - builds the cached settings (a loaded pipeline)
    copy = pickle.loads(pickle.dumps(anon))
    assert "_cfg_cache" not in copy.__dict__
    pd.testing.assert_frame_equal(copy.detect("Ffion Hale emailed ffion@example.org about GreenCrate."), before)
    assert set(before["label"]) == {"PERSON", "EMAIL"}


def test_fixed_settings_last_one_pass_only():
    anon = Anonymiser()
    text = "Call Sarah on 07700 900412 or sarah@example.org"
    with anon._fixed_settings() as cfg:
        with anon._fixed_settings() as inner:
            assert inner is cfg
        assert anon._cfg is cfg  # the inner pass did not undo the outer one
    anon.labels = ["EMAIL"]  # read at the next call (the estimator contract)
    assert set(anon.detect(text)["label"]) == {"EMAIL"}
    assert "_cfg_fixed" not in anon.__dict__ or anon.__dict__["_cfg_fixed"] is None


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=0x17F) | st.sampled_from("’\u00a0\u2028İ\t\x1c\x0b")))
def test_surface_keeps_length_and_matches_the_character_rule(text):
    got = _known._surface(text)
    assert len(got) == len(text)
    assert got == _known._surface_by_character(text)


def test_local_engine_lends_the_held_pool_to_anonymisation(monkeypatch, sample_corpus):
    """The run's engine lends the held encoding pool to the anonymise step, and to no other."""
    from cxinsight import distributed, embeddings
    from cxinsight.step_table import Context, step

    class FakePool:
        def submit(self, fn, *args):  # pragma: no cover - the sample study is below PARALLEL_FROM
            raise AssertionError

    fake = FakePool()
    seen = {}
    real = _parallel.detect_turns

    def spy(anon, texts, known, allow):
        seen["submit"] = _parallel._SUBMIT.get()
        return real(anon, texts, known, allow)

    monkeypatch.setattr(_parallel, "detect_turns", spy)
    monkeypatch.setattr(embeddings, "held_submit", lambda: fake.submit)
    engine = distributed.LocalEngine()
    try:
        engine.execute(step("anonymise"), sample_corpus, {}, Context())
    finally:
        engine.close()
    assert seen["submit"] == fake.submit
    assert _parallel._SUBMIT.get() is None  # lent for the step only
    from cxinsight.anonymisation import ner

    # the workers hold the recogniser in a large run: this process lets its copy go
    assert ner._load.cache_info().currsize == 0 and ner._ents.cache_info().currsize == 0
    assert Anonymiser().detect("I spoke to Ffion Hale yesterday.")["label"].tolist() == ["PERSON"]
