"""The step contract: every step of ``cx.steps()`` on the sample study.

Each step is run on a corpus that holds only what the table says it requires, and must add
exactly what it says it assigns, leave everything else as it was, return a new Corpus, record
provenance under its name, and give what the full ``cxinsight analyse`` run of the session gave
for the same seed (tests/cx_sample_run.py).
"""

from __future__ import annotations

import fnmatch
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import SAMPLE_DIR

import cxinsight as cx
from cxinsight.corpus import Corpus
from cxinsight.segmentation import SEGMENT_COLUMNS
from cxinsight.step_table import STEPS, Context, _kwargs, check_options, run_step, step

ROOT = Path(__file__).resolve().parents[1]


# ------------------------------------------------------------------ the table itself (fast)
def test_steps_table_lists_every_step_in_order():
    table = cx.steps()
    assert list(table["step"]) == [s.name for s in STEPS]
    for col in ("function", "requires", "assigns", "seed", "model", "options", "provenance"):
        assert col in table.columns
    seeded = set(table.loc[table["seed"] != "", "step"])
    assert {"anonymise", "themes", "curve", "moments", "insights", "opportunities"} <= seeded
    assert table.set_index("step").loc["embed", "model"] == "model"


def test_docs_step_table_is_generated_from_the_code():
    from cxinsight.step_table import steps_markdown

    doc = (ROOT / "docs" / "data_model.md").read_text("utf-8")
    m = re.search(r"<!-- steps-table:start -->\n(.*?)<!-- steps-table:end -->", doc, re.S)
    assert m, "docs/data_model.md lost its generated step table markers"
    assert m.group(1) == steps_markdown(), (
        "docs/data_model.md's step table is out of date: regenerate it with "
        "`python -m cxinsight.step_table` and paste it between the markers")


@pytest.mark.parametrize("options, message", [
    ({"theme": {}}, r"unknown option\(s\) \['theme'\].*themes="),
    ({"themes": {"min_cluster_size": 8}}, r"extract_themes\(\) has no parameter\(s\) \['min_cluster_size'\]; it accepts \[.*'min_theme_size'"),
    ({"curve": {"n_boot": "many"}}, r"n_boot must be int, got str"),
    ({"insights": {"n_quotes": True}}, r"n_quotes must be int, got bool"),
    ({"segment": False}, r"cannot be skipped"),
    ({"embed": 3}, r"must be a dict of parameters"),
])
def test_options_are_checked_up_front(options, message):
    with pytest.raises(cx.OptionError, match=message):
        check_options(options)


def test_documented_theme_option_is_accepted():
    opts = check_options({"themes": {"min_theme_size": 8}})
    assert opts["themes"] == {"min_theme_size": 8}
    kwargs = _kwargs(step("themes"), None, opts["themes"], Context(seed=3))
    model = kwargs.get("model")
    assert model is not None and model.min_theme_size == 8


def _seed_given(name: str, kwargs: dict, seed: int) -> bool:
    if kwargs.get("seed") == seed or kwargs.get("random_state") == seed:
        return True
    est = kwargs.get(step(name).estimator_param or "")
    return est is not None and seed in (getattr(est, "seed", None), getattr(est, "random_state", None))


def test_seed_reaches_every_random_step():
    for s in STEPS:
        if s.seed is None:
            continue
        kwargs = _kwargs(s, None, {}, Context(seed=1234))
        assert _seed_given(s.name, kwargs, 1234), (s.name, kwargs)


def test_embedding_model_reaches_every_step_that_embeds(make_embedded):
    corpus = make_embedded("/models/chosen-once")
    for s in STEPS:
        if not s.model or s.name == "embed":
            continue
        kwargs = _kwargs(s, corpus, {}, Context())
        if s.model == "model":
            assert kwargs.get("model") == "/models/chosen-once", s.name
        else:
            est = kwargs[s.estimator_param]
            assert est.embedding_model == "/models/chosen-once", s.name


@pytest.fixture
def make_embedded():
    def make(model):
        from cx_constructed import make_study

        study = make_study()
        meta = {**study.meta, "embedding": {"model_argument": model}}
        return study.replace(meta=meta)

    return make


# ------------------------------------------------------------------ the contract on the sample
def _matches(name: str, patterns: list[str]) -> bool:
    return any(fnmatch.fnmatchcase(name, p) for p in patterns)


def _spec(items: tuple[str, ...], kind: str) -> tuple[list[str], list[str]]:
    """(all patterns, required patterns) of ``kind`` ("segments", "tables", "meta", ...)."""
    every, needed = [], []
    for item in items:
        opt = item.endswith("?")
        item = item.rstrip("?")
        if item.startswith(kind + "."):
            every.append(item[len(kind) + 1:])
            if not opt:
                needed.append(item[len(kind) + 1:])
    return every, needed


def _minimal_input(full: Corpus, s) -> Corpus:
    """``full`` reduced to what step ``s`` requires (plus the turns, participants and meta)."""
    req = s.requires
    seg_cols = [c for c in full.segments.columns
                if (c in SEGMENT_COLUMNS and "segments" in req) or f"segments.{c}" in req
                or f"segments.{c}?" in req]
    tables = {k: v for k, v in full.tables.items()
              if _matches(k, [r[len("tables."):].rstrip("?") for r in req if r.startswith("tables.")])}
    assigned_meta, _ = _spec(s.assigns, "meta")
    meta = {k: v for k, v in full.meta.items() if not _matches(k, assigned_meta) or
            f"meta.{k}" in req or f"meta.{k}?" in req}
    return Corpus(full.turns, full.participants, full.segments[seg_cols],
                  full.embeddings if "embeddings" in req else None, tables, meta,
                  provenance=[p for p in full.provenance if p["step"] in ("read", "segment", "anonymise")])


def _check_contract(s, before: Corpus, after: Corpus) -> None:
    assert isinstance(after, Corpus) and after is not before
    assert after.provenance[-1]["step"] == s.provenance
    assert after.provenance[:-1] == before.provenance
    new_cols = [c for c in after.segments.columns if c not in before.segments.columns]
    every, needed = _spec(s.assigns, "segments")
    assert all(_matches(c, every) for c in new_cols), (s.name, new_cols, every)
    assert all(any(fnmatch.fnmatchcase(c, p) for c in new_cols) for p in needed), (s.name, needed)
    for c in before.segments.columns:  # what was there is left as it was
        pd.testing.assert_series_equal(after.segments[c], before.segments[c], obj=f"{s.name}: {c}")
    new_tables = sorted(set(after.tables) - set(before.tables))
    every, needed = _spec(s.assigns, "tables")
    assert all(_matches(t, every) for t in new_tables), (s.name, new_tables)
    assert all(any(fnmatch.fnmatchcase(t, p) for t in new_tables) for p in needed), (s.name, needed)
    new_meta = sorted(k for k in after.meta if k not in before.meta)
    every, needed = _spec(s.assigns, "meta")
    assert all(_matches(k, every) for k in new_meta), (s.name, new_meta)
    assert ("embeddings" in s.assigns) == (after.embeddings is not None and before.embeddings is None)
    pd.testing.assert_frame_equal(after.turns, before.turns)


def _same_outputs(s, ours: Corpus, pipeline: Corpus) -> None:
    every, _ = _spec(s.assigns, "segments")
    for c in ours.segments.columns:
        if _matches(c, every):
            pd.testing.assert_series_equal(ours.segments[c], pipeline.segments[c], obj=f"{s.name}: {c}")
    every, _ = _spec(s.assigns, "tables")
    for t in ours.tables:
        if _matches(t, every):
            pd.testing.assert_frame_equal(ours.tables[t].reset_index(drop=True),
                                          pipeline.tables[t].reset_index(drop=True), obj=f"{s.name}: {t}")
    if "embeddings" in s.assigns:
        np.testing.assert_array_equal(ours.embeddings, pipeline.embeddings)


@pytest.mark.slow
@pytest.mark.parametrize("name", [s.name for s in STEPS if s.name not in ("read", "segment", "anonymise")])
def test_step_contract_on_the_sample(name, analysed_sample_run):
    """Reads only what it requires, adds exactly what it assigns, and gives the pipeline's result."""
    full = analysed_sample_run.corpus
    s = step(name)
    before = _minimal_input(full, s)
    snapshot = before.copy()
    after = run_step(before, name, seed=0)
    _check_contract(s, before, after)
    pd.testing.assert_frame_equal(before.segments, snapshot.segments)  # the input is unchanged
    assert sorted(before.tables) == sorted(snapshot.tables)
    _same_outputs(s, after, full)  # deterministic: the same as the full run with seed 0


@pytest.mark.slow
def test_read_segment_anonymise_contract(sample_corpus):
    read = run_step(SAMPLE_DIR, "read")
    assert isinstance(read, Corpus) and read.steps == ["read"] and read.segments is None
    pd.testing.assert_frame_equal(read.turns, sample_corpus.turns)
    seg = run_step(read, "segment")
    _, needed = _spec(step("segment").assigns, "meta")
    assert seg.steps == ["read", "segment"] and set(needed) <= set(seg.meta)
    pd.testing.assert_frame_equal(seg.segments, sample_corpus.segments)
    a1 = run_step(sample_corpus, "anonymise", seed=5, operator="surrogate")
    a2 = run_step(sample_corpus, "anonymise", seed=5, operator="surrogate")
    a3 = run_step(sample_corpus, "anonymise", seed=6, operator="surrogate")
    assert a1.steps[-1] == "anonymise" and "anonymisation" in a1.meta
    pd.testing.assert_frame_equal(a1.turns, a2.turns)  # reproducible for one seed
    assert not a1.turns["text"].equals(a3.turns["text"])  # the seed reaches the surrogates
    assert not sample_corpus.turns["text"].equals(a1.turns["text"])


def test_analyse_embeds_everything_with_the_model_chosen_once(sample_corpus, monkeypatch):
    """``embed={"model": ...}`` reaches every text embedded by the run (segments, stage
    prototypes, theme phrases, codebook), not only the segments."""
    import cxinsight.embeddings as E

    folder = E.resolve_model(None).location  # the default model, named by its folder
    ids = sorted(sample_corpus.turns["interview_id"].unique())[:3]
    small = sample_corpus.replace(
        turns=sample_corpus.turns[sample_corpus.turns["interview_id"].isin(ids)],
        participants=sample_corpus.participants[sample_corpus.participants["interview_id"].isin(ids)],
        segments=sample_corpus.segments[sample_corpus.segments["interview_id"].isin(ids)])
    calls = []
    real = E.encode

    def spy(texts, model=None, *args, **kwargs):
        calls.append(None if model is None else str(model))
        return real(texts, model, *args, **kwargs)

    monkeypatch.setattr(E, "encode", spy)
    out = cx.analyse(small, anonymise=False, embed={"model": folder}, stages=True, curve=False,
                     moments=False, insights=False, opportunities=False)
    assert {"embed", "tag_emotions", "extract_themes", "assign_stages"} <= set(out.steps)
    assert len(calls) >= 2, calls  # the segments, and at least the stage prototypes
    assert set(calls) == {str(folder)}, calls


def test_no_public_function_shares_a_name_with_a_module():
    import importlib.util

    clash = [n for n in cx.__all__ if not n.startswith("_")
             and importlib.util.find_spec(f"cxinsight.{n}") is not None]
    assert clash == [], f"cx.{clash[0]} would become the module once it is imported"
    import cxinsight.step_table  # noqa: F401 - importing the module keeps cx.steps the function

    assert callable(cx.steps) and isinstance(cx.steps(), pd.DataFrame)
