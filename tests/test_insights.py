"""Insight synthesis and opportunities on a constructed study with known answers."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from cx_constructed import DETRACTORS, make_study
from scipy import stats

import cxinsight as cx
from cxinsight.errors import MissingStepError
from cxinsight.insights import INSIGHT_COLUMNS, opportunities, segment_contrasts, theme_summary


@pytest.fixture(scope="module")
def study():
    return make_study()


@pytest.fixture(scope="module")
def insights(study):
    return cx.synthesise(study)


def row(insights, label):
    r = insights[insights["theme_label"] == label]
    assert len(r) == 1, f"expected one insight for {label}"
    return r.iloc[0]


def test_columns_and_ranking(insights):
    assert list(insights.columns) == INSIGHT_COLUMNS
    assert insights["rank"].tolist() == list(range(1, len(insights) + 1))
    assert insights["impact"].abs().is_monotonic_decreasing


def test_participant_level_counting(insights):
    # every participant speaks to a theme three times; each counts once
    delivery = row(insights, "delivery updates")
    assert delivery["n_participants"] == 7 and delivery["n_total"] == 10
    assert delivery["share"] == pytest.approx(0.7)
    assert delivery["n_segments"] == 21
    assert delivery["stage"] == "onboarding"
    assert delivery["type"] == "pain point"
    assert delivery["leading_emotion"] == "frustration"
    # impact = share x participant-weighted mean valence
    assert delivery["impact"] == pytest.approx(0.7 * delivery["valence_mean"])
    assert delivery["valence_ci_low"] <= delivery["valence_mean"] <= delivery["valence_ci_high"]


def test_excluded_cells(insights):
    labels = set(insights["theme_label"])
    assert "packaging" not in labels  # a single participant is below min_participants
    assert "outliers" not in labels and -1 not in set(insights["theme"])
    assert set(insights["type"]) <= {"pain point", "delight", "mixed", "neutral"}
    assert row(insights, "tasty recipes")["type"] == "delight"


def test_detractor_contrast_matches_fisher(insights, study):
    billing = row(insights, "billing surprises")
    assert billing["contrast"] == "detractors vs promoters"
    assert (billing["contrast_count_a"], billing["contrast_n_a"]) == (5, 5)
    assert (billing["contrast_count_b"], billing["contrast_n_b"]) == (0, 5)
    assert math.isinf(billing["contrast_ratio"])
    assert billing["contrast_p"] == pytest.approx(stats.fisher_exact([[5, 0], [0, 5]])[1])
    assert billing["contrast_p_adj"] >= billing["contrast_p"]
    s = billing["statement"]
    assert s.startswith("5 of 10 participants (50%) describe “billing surprises” negatively at the renewal stage")
    assert "detractors raise it and promoters do not (5 of 5 vs 0 of 5" in s
    assert "mostly disappointment" in s


def test_bh_family_and_adjusted_values(study):
    con = segment_contrasts(study)
    testable = con[con["testable"]]
    assert testable["p_adj"].notna().all() and con.loc[~con["testable"], "p_adj"].isna().all()
    expected = stats.false_discovery_control(testable["p_value"].to_numpy(), method="bh")
    assert testable["p_adj"].to_numpy() == pytest.approx(expected)
    # Tarone screen: a comparison whose best split cannot reach 0.05 is left out of the family
    assert (con.loc[~con["testable"], "min_attainable_p"] > 0.05).all()


def test_kpi_link_sign(insights):
    billing = row(insights, "billing surprises")
    assert billing["kpi"] == "nps"
    assert billing["kpi_rho"] < -0.8 and billing["kpi_p"] < 0.01
    assert "participants who raise it give lower NPS scores" in billing["statement"]
    assert row(insights, "easy sign-up")["kpi_rho"] > 0


def test_quotes_from_different_participants(insights):
    for _, r in insights.iterrows():
        assert 2 <= len(r["quotes"]) <= 3
        assert len(set(r["quote_participants"])) == len(r["quote_participants"])
        assert all(p.startswith("P") for p in r["quote_participants"])
    billing = row(insights, "billing surprises")
    assert set(billing["quote_participants"]) <= set(DETRACTORS)


def test_small_n_caveat(insights):
    signup = row(insights, "easy sign-up")
    assert signup["n_participants"] == 4
    assert "only 4 participants" in signup["caveats"]
    assert "Caveat: only 4 participants" in signup["statement"]


def test_every_number_in_statement_comes_from_row(insights):
    r = row(insights, "delivery updates")
    assert f"{r['n_participants']} of {r['n_total']}" in r["statement"]
    assert f"{r['valence_mean']:.2f}".replace("-", "−") in r["statement"]


def test_deterministic(study):
    a = cx.synthesise(study, seed=3)
    b = cx.synthesise(study, seed=3)
    pd.testing.assert_frame_equal(a, b)


def test_without_stage_counts_whole_interviews():
    ins = cx.synthesise(make_study(with_stage=False))
    assert set(ins["stage"]) == {"all stages"}
    assert "at the" not in ins.iloc[0]["statement"]


def test_missing_steps_name_the_fix():
    c = make_study(with_themes=False)
    with pytest.raises(MissingStepError, match=r"cx.extract_themes\(corpus\)"):
        cx.synthesise(c)
    bare = c.replace(segments=c.segments.drop(columns=["valence"]))
    with pytest.raises(MissingStepError, match=r"cx.tag_emotions\(corpus\)"):
        cx.synthesise(bare)


def test_bad_parameters(study):
    with pytest.raises(ValueError, match="min_participants"):
        cx.synthesise(study, min_participants=0)
    with pytest.raises(ValueError, match="not columns of corpus.participants"):
        cx.synthesise(study, groups=["plan"])
    with pytest.raises(ValueError, match="kpi"):
        cx.synthesise(study, kpi="segment")


def test_input_not_mutated(study):
    before = study.segments.copy()
    cx.synthesise(study)
    pd.testing.assert_frame_equal(before, study.segments)


def test_opportunities(study):
    opp = opportunities(study)
    overall = opp[opp["group_column"].isna()]
    lows = overall[overall["kind"] == "mitigate"]
    highs = overall[overall["kind"] == "elevate"]
    assert lows.iloc[0]["stage"] == "renewal"  # the lowest point comes first
    assert set(lows["stage"]) == {"renewal", "onboarding"}
    # purchase is a high of the curve but rests on 4 participants: no recommendation there
    assert set(highs["stage"]) == {"everyday_use"}
    renewal = lows.iloc[0]
    assert "billing surprises (5 participants" in renewal["drivers"]
    assert renewal["statement"].startswith("Mitigate the low at the renewal stage")
    # the moment's own quotes (cx.moments drops repeated texts, and this study repeats them)
    assert 1 <= len(renewal["quotes"]) <= 2
    assert len(set(renewal["quote_participants"])) == len(renewal["quote_participants"])
    assert set(renewal["quote_participants"]) <= set(DETRACTORS)
    assert (opp["n_participants"] >= 5).all()  # no stage-level recommendation on fewer than 5
    assert not (opp["group"] == "family").any()  # the family segment has 4 participants
    small = opportunities(study, min_participants=2)
    family = small[(small["group"] == "family") & (small["kind"] == "elevate")].iloc[0]
    assert family["stage"] == "everyday_use" and "tasty recipes" in family["drivers"]
    assert family["statement"].startswith("Among participants in the family segment, elevate the high")


def test_theme_summary(study):
    t = theme_summary(study)
    assert t.iloc[0]["theme_label"] == "delivery updates" and t.iloc[0]["n_participants"] == 7
    assert t.set_index("theme_label").loc["tasty recipes", "tone"] == "positive"
