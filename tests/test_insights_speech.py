"""The single definition of participant speech and of comparison groups (cxinsight.speech)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cxinsight.speech import group_columns, group_values, is_survey_tool_field, participant_mask


def _segments() -> pd.DataFrame:
    return pd.DataFrame({
        "interview_id": ["a", "a", "a", "b", "b", "c"],
        "role": ["interviewer", "participant", "participant", "unknown", "interviewer", "unknown"],
        "is_backchannel": [False, False, True, False, False, None],
    })


def test_participant_role_counts_and_backchannels_are_an_option():
    seg = _segments()
    assert participant_mask(seg).tolist() == [False, True, False, True, False, True]
    assert participant_mask(seg, backchannels="include").tolist() == [False, True, True, True, False, True]
    with pytest.raises(ValueError, match="backchannels"):
        participant_mask(seg, backchannels="maybe")


def test_interview_without_participant_role_counts_every_non_interviewer():
    # interview b has no participant role, but interview a does: b must still count
    seg = _segments()
    mask = participant_mask(seg)
    assert mask[3] and not mask[4]
    no_roles = seg.drop(columns="role")
    assert participant_mask(no_roles).tolist() == [True, True, False, True, True, True]
    assert participant_mask(seg.iloc[0:0]).shape == (0,)


def _participants() -> pd.DataFrame:
    n = 8
    return pd.DataFrame({
        "interview_id": [f"i{k}" for k in range(n)],
        "participant_code": [f"P{k:02d}" for k in range(n)],
        "ResponseId": [f"R_{k}" for k in range(n)],
        "Status": ["Complete", "Partial"] * 4,
        "Response Status": ["Complete", "Partial"] * 4,
        "completion": ["Complete", "Partial"] * 4,  # a status field under another name
        "Progress": [100, 50] * 4,
        "Finished": [True, False] * 4,
        "Duration (in seconds)": ["120", "300"] * 4,
        "RecordedDate": [f"2024-01-0{k + 1} 10:00:00" for k in range(n)],
        "IPAddress": ["1.2.3.4", "5.6.7.8"] * 4,
        "signup": ["2024-01-01", "2024-02-01"] * 4,
        "plan": ["family", "family", "solo", "solo", "Other", "Other", "", None],
        "company size": ["Tens of thousands"] * 4 + ["5"] * 4,
        "comment": [f"I think thing {k} is fine" for k in range(n)],
        "age": [31, 45, 52, 38, 29, 61, 44, 35],
        "only blanks": ["", "n/a", None, "-", "", "", "N/A", None],
        "one group": ["x"] * 7 + ["y"],
    })


def test_group_columns_exclude_ids_tool_fields_dates_text_and_blanks():
    found = group_columns(_participants())
    assert found == ["plan", "company size"]
    for name in ("Status", "Progress", "Finished", "RecordedDate", "IPAddress", "ResponseId",
                 "Duration (in seconds)", "Response Status", "StartDate"):
        assert is_survey_tool_field(name), name
    assert not is_survey_tool_field("plan")


def test_blanks_never_form_a_group():
    vals = group_values(_participants(), "plan")
    assert vals.tolist()[:6] == ["family", "family", "solo", "solo", "Other", "Other"]
    assert vals.iloc[6:].isna().all()
    assert set(vals.dropna()) == {"family", "solo", "Other"}
    assert np.all(group_values(_participants(), "only blanks").isna())


def test_unlabelled_roles_count_the_same_people_everywhere():
    # issue 14: without labelled roles synthesise found insights while journey_curve saw nobody
    from cx_constructed import make_study

    import cxinsight as cx
    from cxinsight.insights import theme_summary

    study = make_study()
    seg = study.segments.assign(role=study.segments["role"].replace({"participant": "unknown"}))
    unlabelled = study.replace(segments=seg)
    ins = cx.synthesise(unlabelled)
    curve = cx.journey_curve(unlabelled)
    assert set(ins["n_total"]) == {10}
    assert int(curve["n_participants"].max()) == 10
    assert theme_summary(unlabelled)["n_participants"].max() == 7
    assert participant_mask(seg).sum() == participant_mask(study.segments).sum()
