"""The Dask engine: ``analyse(engine="dask")`` gives the single-process result."""

from __future__ import annotations

import shutil
import sys

import numpy as np
import pandas as pd
import pytest
from conftest import SAMPLE_DIR as SAMPLE

import cxinsight as cx
from cxinsight import distributed as D
from cxinsight.step_table import Context, step

distributed = pytest.importorskip("distributed", reason="dask[distributed] is not installed")


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                       dashboard_address=None)
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


@pytest.fixture(scope="module")
def small_study(tmp_path_factory):
    folder = tmp_path_factory.mktemp("small_study")
    for name in ("int01.txt", "int05.md"):
        shutil.copy(SAMPLE / name, folder / name)
    return folder


# ---------------------------------------------------------------- options, before any work
def test_unknown_engine_is_refused():
    with pytest.raises(cx.OptionError, match=r"engine='spark'.*'local', 'dask'"):
        cx.analyse(SAMPLE, engine="spark")


def test_scheduler_needs_the_dask_engine():
    with pytest.raises(cx.OptionError, match="engine='dask'"):
        cx.analyse(SAMPLE, scheduler="tcp://127.0.0.1:8786")


def test_bad_scheduler_and_partitions():
    with pytest.raises(cx.OptionError, match="scheduler=3"):
        D.engine_for("dask", 3)
    with pytest.raises(cx.OptionError, match="partitions=0"):
        D.engine_for("dask", None, partitions=0)


def test_missing_dask_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(cx.errors.OptionalDependencyError, match=r"cxinsight\[dask\]"):
        D.engine_for("dask")


def test_cli_refuses_a_scheduler_without_the_dask_engine(tmp_path, capsys):
    from cxinsight.cli import main

    code = main(["analyse", str(SAMPLE), "--out", str(tmp_path / "out"), "--quiet",
                 "--scheduler", "tcp://127.0.0.1:1"])
    assert code == 2
    assert "engine='dask'" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_local_engine_starts_no_cluster():
    engine = D.engine_for("local")
    assert engine.info == {"engine": "local", "cpu_s": {}, "peak_mb": {}}
    from cxinsight import embeddings

    assert embeddings._WORKERS.holders == 1  # the run's encoding pool is held ...
    engine.close()
    engine.close()
    assert embeddings._WORKERS.holders == 0  # ... and released once


# ---------------------------------------------------------------- partitions
def test_partitions_keep_interviews_whole():
    turns = pd.DataFrame({"interview_id": list("aaabbbbbccddddde") + ["f"] * 9})
    parts = D.partition_interviews(turns, 3)
    assert [iid for part in parts for iid in part] == list("abcdef")  # order, each once
    assert len(parts) == 3 and all(parts)
    assert D.partition_interviews(turns, 50) == [[i] for i in "abcdef"]  # at most one each
    assert D.partition_interviews(turns, 1) == [list("abcdef")]


def test_meta_counts_add_up():
    merged = D._merge_values([{"segments": 3, "kinds": {"a": 1}, "model": "m"},
                              {"segments": 4, "kinds": {"a": 2, "b": 1}, "model": "m"}])
    assert merged == {"segments": 7, "kinds": {"a": 3, "b": 1}, "model": "m"}


# ---------------------------------------------------------------- equality with one process
def test_dask_embedding_computes_the_same_vectors(client, sample_corpus):
    corpus = sample_corpus.replace(segments=sample_corpus.segments.head(12))
    engine = D.DaskEngine(client, partitions=2)
    opts = {"cache": False}
    remote, _ = engine.execute(step("embed"), corpus, opts, Context())
    local = cx.embed(corpus, cache=False)
    assert engine.info["steps_on_workers"] == ["embed"]
    assert remote.embeddings.shape == (12, local.embeddings.shape[1])
    assert np.array_equal(remote.embeddings, local.embeddings)
    assert remote.provenance[-1]["params"] == local.provenance[-1]["params"]


def test_segments_come_back_in_turn_order_when_interviews_interleave(client):
    from cxinsight.corpus import Corpus

    turns = pd.DataFrame({
        "interview_id": ["b", "a", "b", "a", "c", "a"], "turn": [0, 0, 1, 1, 0, 2],
        "speaker": "P", "role": "participant", "start": np.nan, "end": np.nan, "source": "x",
        "text": ["First answer here. Second sentence follows.", "Another one from a.",
                 "Back to b again now.", "And a speaks again.", "C says only this much.",
                 "Last words from a. Really the end now."]})
    corpus = Corpus(turns)
    engine = D.DaskEngine(client, partitions=3)
    remote, _ = engine.execute(step("segment"), corpus, {}, Context())
    local = cx.segment(corpus)
    pd.testing.assert_frame_equal(remote.segments, local.segments)
    assert remote.meta["segmentation"] == local.meta["segmentation"]
    assert engine.info["partitions"] == 3


def test_dask_run_equals_single_process_run(client, small_study, tmp_path, monkeypatch):
    from cxinsight.embeddings import EmbeddingCache

    # both cold, each with its own cache: the Dask run embeds segments and the stages' whole
    # turns on its workers, the local run everything in this process
    monkeypatch.setenv("CXINSIGHT_CACHE_DIR", str(tmp_path / "dask"))
    EmbeddingCache.clear_memory()
    sent = []
    submit = D.DaskEngine._submit_encoding

    def counted(self, texts, *args, **kwargs):
        sent.append(len(texts))
        return submit(self, texts, *args, **kwargs)

    monkeypatch.setattr(D.DaskEngine, "_submit_encoding", counted)
    # the anonymisation's detection goes to the workers too (thresholds lowered for the test)
    from cxinsight.anonymisation import _parallel

    monkeypatch.setattr(_parallel, "PARALLEL_FROM", 1)
    monkeypatch.setattr(_parallel, "BLOCK_TURNS", 9)
    # the driver compiles the themes step's UMAP code while the workers embed (threshold lowered)
    warmed = []
    monkeypatch.setattr(D, "WARM_UP_FROM", 1)
    monkeypatch.setattr(D, "_warm_up_themes", lambda: warmed.append(len(sent)))
    dask = cx.analyse(small_study, seed=3, engine="dask", scheduler=client)
    assert len(sent) == 2  # the segments, then the stages' turns: each sent once
    assert warmed == [1]  # once, after the segments were sent
    monkeypatch.setenv("CXINSIGHT_CACHE_DIR", str(tmp_path / "local"))
    EmbeddingCache.clear_memory()
    local = cx.analyse(small_study, seed=3)
    info = dask.meta["pipeline"]["engine"]
    assert info["steps_on_workers"] == ["segment", "anonymise (detection)", "embed",
                                        "stages (whole turns embedded)"]
    assert info["partitions"] == 2 and info["workers"] == 2
    # same segments, pseudonyms, emotions, themes and stages, row by row
    pd.testing.assert_frame_equal(local.segments, dask.segments)
    assert np.array_equal(local.embeddings, dask.embeddings)
    assert dask.segments["theme"].nunique() > 1 and dask.segments["stage"].notna().any()
    # the same study-wide tables: themes, curves, insights
    assert set(local.tables) == set(dask.tables) and "insights" in dask.tables
    for name in local.tables:
        pd.testing.assert_frame_equal(local.tables[name], dask.tables[name], obj=name)
    for key in ("segmentation", "emotions", "stages", "themes", "anonymisation"):
        assert local.meta.get(key) == dask.meta.get(key), key
    assert [p["step"] for p in local.provenance] == [p["step"] for p in dask.provenance]
    assert local.meta["pipeline"]["engine"]["engine"] == "local"
    assert set(local.meta["pipeline"]["engine"]["cpu_s"]) >= {"segment", "themes", "insights"}
    peaks = list(local.meta["pipeline"]["engine"]["peak_mb"].values())  # a high-water mark
    assert peaks and peaks[0] > 0 and peaks == sorted(peaks)
    assert client.status == "running"  # a client given by the caller is left open


# ---------------------------------------------------------------- exports at scale
def _tiny_corpus():
    from cxinsight.corpus import Corpus

    texts = ["=HYPERLINK(\"http://x\")", "hello\x07 there", "fine thanks", "+1 from me", "ok then"]
    turns = pd.DataFrame({"interview_id": "a", "turn": range(5), "speaker": "P",
                          "role": "participant", "start": np.nan, "end": np.nan, "text": texts,
                          "source": "x"})
    corpus = cx.segment(Corpus(turns))
    return corpus.replace(tables={"themes": pd.DataFrame({"theme": [1], "quotes": [["a", "b"]]})})


def test_long_tables_are_split_over_sheets_and_said_so(tmp_path, monkeypatch):
    from openpyxl import load_workbook

    from cxinsight import exports as X

    monkeypatch.setattr(X, "XLSX_MAX_ROWS", 2)
    corpus = _tiny_corpus()
    plan = {e["table"]: e for e in X.xlsx_plan(corpus)}
    assert plan["segments"]["sheets"] == ["segments", "segments_2", "segments_3"]
    assert "5 rows split over 3 sheets" in plan["segments"]["note"] and not plan["themes"]["note"]
    written = X.export(corpus, tmp_path, parquet=True, transcripts=False)
    book = load_workbook(written["xlsx"])
    assert book.sheetnames == ["participants", "segments", "segments_2", "segments_3", "themes",
                               "about"]
    rows = [[c.value for c in r] for name in ("segments", "segments_2", "segments_3")
            for r in list(book[name].iter_rows())[1:]]
    text_col = [c.value for c in book["segments"][1]].index("text")
    assert [r[text_col] for r in rows] == ["'=HYPERLINK(\"http://x\")", "hello there",
                                           "fine thanks", "'+1 from me", "ok then"]
    assert all(c.data_type == "s" for r in book["segments"].iter_rows() for c in r
               if isinstance(c.value, str))
    assert "segments.csv holds them all" in book["about"]["D2"].value
    # CSV and Parquet keep every row, neutralised the same way
    csv = pd.read_csv(written["segments"])
    assert len(csv) == 5 and csv["text"].iloc[0].startswith("'=")
    parquet = pd.read_parquet(written["segments.parquet"])
    assert parquet["text"].tolist() == csv["text"].tolist()


def test_csv_is_written_in_blocks(tmp_path, monkeypatch):
    from cxinsight import exports as X

    monkeypatch.setattr(X, "ROWS_PER_BLOCK", 2)
    corpus = _tiny_corpus()
    written = X.export(corpus, tmp_path, xlsx=False, transcripts=False)
    lines = written["segments"].read_text("utf-8").splitlines()
    assert len(lines) == 6 and lines[0].startswith("segment_id,")  # one header, five rows
    assert pd.read_csv(written["themes"])["quotes"].tolist() == ["a | b"]


def test_a_large_workbook_is_written_by_a_second_process_with_the_same_cells(tmp_path, monkeypatch):
    """From XLSX_BACKGROUND_FROM rows the workbook is written by a spawned process while the
    CSV files are written; its sheets and cells must equal the one written in-process."""
    from openpyxl import load_workbook

    from cxinsight import exports as X

    started = []

    class Recorded(X._WorkbookJob):
        def __init__(self, *args):
            started.append(args[-1])
            super().__init__(*args)

    monkeypatch.setattr(X, "_WorkbookJob", Recorded)
    monkeypatch.setattr(X, "XLSX_MAX_ROWS", 2)  # the split is decided here, not in the child
    corpus = _tiny_corpus()

    def cells(path):
        book = load_workbook(path)
        return {name: [[(c.value, c.data_type) for c in row] for row in book[name].iter_rows()]
                for name in book.sheetnames}

    monkeypatch.setattr(X, "XLSX_BACKGROUND_FROM", 10**9)
    here = X.export(corpus, tmp_path / "here", transcripts=False)
    assert started == []
    monkeypatch.setattr(X, "XLSX_BACKGROUND_FROM", 1)
    written, finish = X.start_export(corpus, tmp_path / "there", transcripts=False)
    assert started == [written["xlsx"]]
    assert written["segments"].exists()  # the CSV files did not wait for the workbook
    finish()
    assert cells(written["xlsx"]) == cells(here["xlsx"])
    assert "segments_3" in cells(written["xlsx"])


def test_a_failing_workbook_process_raises_its_error(tmp_path):
    from cxinsight import exports as X

    job = X._WorkbookJob({}, [], tmp_path)  # a folder, not a file: the writer fails
    with pytest.raises(OSError):
        job.wait()


def test_dask_workers_memory_trimming_is_relaxed_once(monkeypatch):
    """Dask's nanny sets MALLOC_TRIM_THRESHOLD_, which doubled the CPU of embedding on a worker;
    tasks relax it once per worker process (glibc only), and never without the variable."""
    from cxinsight import distributed as D

    monkeypatch.setattr(D, "_MALLOC_RELAXED", False)
    monkeypatch.delenv("MALLOC_TRIM_THRESHOLD_", raising=False)
    assert D._relax_malloc() is False and D._MALLOC_RELAXED is False
    monkeypatch.setenv("MALLOC_TRIM_THRESHOLD_", "65536")
    import platform

    first = D._relax_malloc()
    assert first is (platform.libc_ver()[0] == "glibc")
    assert D._relax_malloc() is False  # once per process


def test_heap_trim_returns_freed_memory_on_glibc():
    """After a large array of small objects is freed, trimming lowers resident memory (glibc)."""
    import platform

    from cxinsight import _malloc

    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        pytest.skip("malloc_trim is glibc's")

    def rss_mb() -> float:
        with open("/proc/self/status") as fh:
            return next(int(line.split()[1]) for line in fh if line.startswith("VmRSS")) / 1024

    _malloc.trim()
    blocks = [bytearray(64 * 1024) for _ in range(4_000)]  # 256 MB of heap (below the mmap threshold)
    del blocks[::2]
    before = rss_mb()
    assert _malloc.trim() is True
    assert rss_mb() < before - 50  # half the pages were free, scattered through the heap
