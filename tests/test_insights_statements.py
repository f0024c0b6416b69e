"""Statements a board can read: constructed studies with odd group names, surveys without a
journey, requests, and large studies with small insights."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from cx_constructed import CODES, DETRACTORS, PROMOTERS, make_study

import cxinsight as cx
from cxinsight.corpus import Corpus
from cxinsight.insights import opportunities, segment_contrasts
from cxinsight.insights.synthesis import group_phrase

ALL_IDS = [f"int{c[1:]}" for c in CODES]


def _with_participants(study: Corpus, **columns) -> Corpus:
    p = study.participants.drop(columns=["segment", "nps", "nps_group"])
    for name, values in columns.items():
        p[name] = [values[c] for c in CODES]
    return study.replace(participants=p)


def _billing(ins: pd.DataFrame) -> pd.Series:
    return ins[ins["theme_label"] == "billing surprises"].iloc[0]


def _grammar_ok(statement: str) -> None:
    # every group named once per comparison, no bare group names used as adjectives
    assert "other participants do not raise it, unlike other participants" not in statement
    assert not re.search(r"(?<!than )\b(Tens of thousands|5|Other|Complete|Partial) participants\b", statement)
    assert "  " not in statement and not statement.endswith("..")


def test_plural_and_numeric_group_names_read_as_english():
    size = {c: ("Tens of thousands" if c in DETRACTORS else "5") for c in CODES}
    study = _with_participants(make_study(), **{"company size": size})
    s = _billing(cx.synthesise(study, kpi=None))["statement"]
    assert ("participants whose company size is “Tens of thousands” raise it and participants "
            "whose company size is “5” do not (5 of 5 vs 0 of 5") in s
    _grammar_ok(s)


def test_other_level_and_blank_answers():
    # family = the five detractors, two "Other", two solo, one blank
    plan = dict.fromkeys(DETRACTORS, "family")
    plan.update(dict(zip(PROMOTERS, ["Other", "Other", "solo", "solo", ""])))
    study = _with_participants(make_study(), plan=plan)
    ins = cx.synthesise(study, kpi=None)
    s = _billing(ins)["statement"]
    assert ("participants on the family plan raise it and participants with a different plan do "
            "not (5 of 5 vs 0 of 4, of the 9 participants who gave their plan") in s
    _grammar_ok(s)
    con = segment_contrasts(study, kpi=None)
    # the blank answer is never a group, and comparisons count only those who answered
    assert "" not in set(con["group_a"]) and "nan" not in set(con["group_a"].astype(str))
    assert ((con["n_a"] + con["n_b"]) == 9).all()
    assert set(con["group_a"]) == {"family", "Other", "solo"}


def test_group_phrase_forms():
    assert group_phrase("plan", "family") == "participants on the family plan"
    assert group_phrase("segment", "Other") == "participants whose segment is “Other”"
    assert group_phrase("segment", "retiree", "respondents") == "respondents in the retiree segment"
    assert group_phrase("nps_group", "detractor") == "detractors"
    assert group_phrase("company size", "5") == "participants whose company size is “5”"
    assert group_phrase("plan", "") == "participants with a different plan"


def test_survey_tool_status_is_never_compared():
    status = {c: ("Complete" if c in DETRACTORS else "Partial") for c in CODES}
    study = _with_participants(make_study(), Status=status, Progress={c: "100" for c in CODES})
    syn = cx.insights.run_synthesis(study, cx.insights.SynthesisParams(kpi=None))
    assert syn.params["groups"] == []
    assert syn.contrasts.empty
    assert not any("Complete" in s or "Partial" in s for s in syn.insights["statement"])


def _as_survey(study: Corpus, reason: str = "the answers do not follow the journey stages") -> Corpus:
    meta = dict(study.meta)
    meta["files"] = [dict(f, format="survey") for f in meta["files"]]
    meta["journey"] = {"applicable": False, "evidence": {"coverage": 0.2}, "reason": reason}
    return study.replace(meta=meta)


def test_survey_without_journey_has_no_stage_insights_or_recommendations():
    study = _as_survey(make_study())
    ins = cx.synthesise(study)
    assert set(ins["stage"]) == {"all stages"}
    assert ins["theme"].is_unique  # one row per theme
    assert all(" stage" not in s for s in ins["statement"])
    assert all(re.match(r"\d+ of 10 respondents \(\d+%\)", s) for s in ins["statement"])
    opp = opportunities(study)
    assert opp.empty and "journey" in opp.attrs["reason"]


def test_stage_column_all_missing_means_no_stage_split():
    study = make_study()
    seg = study.segments.assign(stage=None)
    ins = cx.synthesise(study.replace(segments=seg))
    assert set(ins["stage"]) == {"all stages"}
    assert opportunities(study.replace(segments=seg)).empty


def test_themes_ranked_first_with_their_stages_beneath():
    study = make_study()
    seg = study.segments.copy()
    # "tasty recipes" is now raised at two stages: everyday use and renewal
    mask = (seg["theme_label"] == "tasty recipes") & seg["text"].str.endswith("time 3")
    seg.loc[mask, "stage"] = "renewal"
    ins = cx.synthesise(study.replace(segments=seg))
    tasty = ins[ins["theme_label"] == "tasty recipes"]
    assert set(tasty["stage"]) == {"everyday_use", "renewal"}
    assert tasty["theme_rank"].nunique() == 1
    assert np.diff(tasty["rank"].to_numpy()).max() == 1  # adjacent rows under their theme
    assert (tasty["theme_n_participants"] == 6).all()
    theme_impact = ins.groupby("theme_rank")["theme_share"].first()
    assert theme_impact.index.tolist() == sorted(theme_impact.index)
    assert ins["theme_rank"].is_monotonic_increasing


def test_requests_are_not_delight():
    study = make_study()
    seg = study.segments.copy()
    seg["request"] = seg["theme_label"].eq("tasty recipes")
    ins = cx.synthesise(study.replace(segments=seg))
    tasty = ins[ins["theme_label"] == "tasty recipes"].iloc[0]
    assert tasty["type"] == "request" and tasty["share_requests"] == 1.0
    assert "ask for changes to “tasty recipes”" in tasty["statement"]
    assert "delight" not in set(ins.loc[ins["theme_label"] == "tasty recipes", "type"])


def _large_survey(n: int = 150) -> Corpus:
    ids = [f"r{i:03d}" for i in range(n)]
    rows = []
    for i, iid in enumerate(ids):
        theme, label, val = (0, "slow checkout", -0.6) if i < 60 else (1, "friendly staff", 0.6)
        if i >= n - 4:
            theme, label, val = 2, "parking fees", -0.8  # 4 of 150: too few to report
        for k in range(2):
            text = f"{label} answer {k} from respondent {i}"
            rows.append({"segment_id": f"{iid}:{k}", "interview_id": iid, "turn": k, "speaker": iid,
                         "role": "participant", "start": np.nan, "end": np.nan, "text": text,
                         "source": "survey.csv", "n_words": len(text.split()), "is_backchannel": False,
                         "valence": val, "emotion": "neutral", "emotion_score": 0.5,
                         "theme": theme, "theme_label": label})
    seg = pd.DataFrame(rows)
    turns = seg[["interview_id", "turn", "speaker", "role", "start", "end", "text", "source"]].copy()
    parts = pd.DataFrame({"interview_id": ids, "participant_code": [f"R{i:03d}" for i in range(n)]})
    meta = {"files": [{"path": "survey.csv", "interview_id": i, "format": "survey"} for i in ids],
            "journey": {"applicable": False, "evidence": {}, "reason": "a survey without journey questions"}}
    return Corpus(turns, participants=parts, segments=seg, meta=meta)


def test_large_study_small_insights_are_suppressed_and_wording_fits():
    syn = cx.insights.run_synthesis(_large_survey(), cx.insights.SynthesisParams())
    ins = syn.insights
    assert set(ins["theme_label"]) == {"slow checkout", "friendly staff"}
    assert syn.params["min_participants_applied"] == 5  # max(5, 2% of 150)
    assert syn.params["n_below_minimum"] >= 1
    top = ins.iloc[0]
    assert top["statement"].startswith("86 of 150 respondents (57%)")
    assert "qualitative" not in " ".join(ins["statement"])
    big = cx.insights.run_synthesis(_large_survey(400), cx.insights.SynthesisParams())
    assert big.params["min_participants_applied"] == 8  # 2% of 400
    forced = cx.synthesise(_large_survey(), min_share=0.0, min_participants=2)
    parking = forced[forced["theme_label"] == "parking fees"].iloc[0]
    assert "only 4 respondents" in parking["caveats"]


@pytest.mark.parametrize("bad", [-0.1, 1.0, "often"])
def test_min_share_is_validated(bad):
    with pytest.raises(ValueError, match="min_share"):
        cx.synthesise(make_study(), min_share=bad)


def test_contrast_clause_when_the_named_group_raises_it_less():
    from cxinsight.insights.synthesis import _contrast_clause

    row = {"contrast": "respondents whose airline is “US Airways” vs respondents with a different airline",
           "contrast_count_a": 0, "contrast_n_a": 12, "contrast_count_b": 30, "contrast_n_b": 88,
           "contrast_column": "airline", "contrast_ratio": 0.0, "n_total": 100}
    text = _contrast_clause(row, "respondents", {"airline": 100})
    assert text.startswith("none of the 12 respondents whose airline is “US Airways” raise it, "
                           "against 30 of 88 respondents with a different airline (0 of 12 vs 30 of 88")
    row.update(contrast_count_a=2, contrast_ratio=(2 / 12) / (30 / 88))
    text = _contrast_clause(row, "respondents", {"airline": 90})
    assert text.startswith("respondents whose airline is “US Airways” raise it less often than "
                           "respondents with a different airline (2 of 12 vs 30 of 88, of the 90 "
                           "respondents who gave their airline")
