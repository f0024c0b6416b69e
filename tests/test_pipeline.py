"""``cx.analyse``: option routing and validation, continuing a corpus, and the full sample run."""

from __future__ import annotations

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
    lows = set(curve.nsmallest(2).index)
    assert lows == {"onboarding", "renewal"}, curve.round(3).to_dict()
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
    assert ((pro["share_a"] >= 0.6) & (pro["share_a"] > 2 * pro["share_b"])).any(), pro.to_string()
    # retirees: helpful (phone) staff at support, their strongest difference there
    ret = raised_more("retiree", "support").iloc[0]
    assert ret["share_a"] >= 0.75 and ret["share_a"] > 2 * ret["share_b"]


def test_key_path_without_anonymisation_is_an_error(tmp_path):
    with pytest.raises(cx.OptionError, match="no key to save"):
        cx.analyse(make_study(), anonymise=False, key_path=tmp_path / "k.key")
