"""Tests for journey maps, stage assignment, journey curves and moments."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import cxinsight as cx
from cxinsight.corpus import Corpus
from cxinsight.errors import MissingStepError
from cxinsight.journey import JourneyError, StageSettings
from cxinsight.journey.demo import add_demo_emotions, demo_turns

STAGES = ["discovery", "consideration", "purchase", "onboarding", "everyday_use", "support",
          "renewal"]


# ---------------------------------------------------------------------- helpers
def staged_corpus(rows: list[tuple[str, str, float]], participants: pd.DataFrame | None = None,
                  extra: dict | None = None) -> Corpus:
    """A corpus whose segments are given directly: (interview_id, stage or None, valence)."""
    seg = pd.DataFrame(
        [
            {"segment_id": f"{iid}:{k}:0", "interview_id": iid, "turn": k, "sentence": 0,
             "speaker": iid, "role": "participant", "text": f"Something said number {k} here.",
             "n_words": 5, "is_backchannel": False, "stage": stage, "valence": val,
             "emotion": "delight" if val > 0 else ("frustration" if val < 0 else "neutral")}
            for k, (iid, stage, val) in enumerate(rows)
        ]
    )
    for col, values in (extra or {}).items():
        seg[col] = values
    turns = seg[["interview_id", "turn", "speaker", "role", "text"]].assign(
        start=np.nan, end=np.nan, source="x.txt")
    return Corpus(turns, participants=participants, segments=seg)


@pytest.fixture(scope="module")
def demo_embedded():
    return cx.embed(cx.segment(Corpus(demo_turns(3))))


@pytest.fixture(scope="module")
def demo_staged(demo_embedded):
    return cx.assign_stages(demo_embedded)


# ---------------------------------------------------------------------- JourneyMap
def test_default_journey_has_the_documented_stages():
    j = cx.JourneyMap.default()
    assert j.names == STAGES
    assert j.label("everyday_use") == "Everyday use"
    assert all(s.description and len(s.examples) >= 3 for s in j)
    # generic: no product words of the sample study leak into the default journey
    text = str(j.to_dict()).lower()
    for word in ("greencrate", "cratecare", "meals?", "recipes?", "ingredients?", "box(es)?"):
        assert not re.search(rf"\b{word}\b", text), word


def test_custom_journey_from_dict_list_and_yaml(tmp_path):
    spec = {"name": "hotel", "stages": [
        {"name": "booking", "description": "Finding and booking a room.", "examples": ["I booked online."]},
        {"name": "stay", "label": "The stay", "description": "Check-in, the room and the staff.",
         "keywords": ["check-?in", "room"]},
        {"name": "checkout", "description": "Paying the bill and leaving."},
    ]}
    j = cx.JourneyMap.from_dict(spec)
    assert j.names == ["booking", "stay", "checkout"]
    assert j.label("booking") == "Booking" and j.label("stay") == "The stay"
    assert cx.JourneyMap.from_dict(spec["stages"]).names == j.names
    path = j.to_yaml(tmp_path / "hotel.yaml")
    again = cx.JourneyMap.from_yaml(path)
    assert again == j and again.name == "hotel"
    assert cx.JourneyMap.coerce(str(path)) == j


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"stages": [{"name": "a", "description": "x"}]}, "at least two stages"),
        ({"stages": [{"name": "a", "description": "x"}, {"name": "a", "description": "y"}]}, "unique"),
        ({"stages": [{"name": "Bad Name", "description": "x"}, {"name": "b", "description": "y"}]},
         "lower-case identifier"),
        ({"stages": [{"name": "a"}, {"name": "b", "description": "y"}]}, "'description' is required"),
        ({"stages": [{"name": "a", "description": "x", "keywords": ["(unclosed"]},
                     {"name": "b", "description": "y"}]}, "not a valid regular expression"),
        ({"stages": [{"name": "a", "description": "x", "colour": "red"},
                     {"name": "b", "description": "y"}]}, "unknown field"),
        ({"stages": [{"name": "none", "description": "x"}, {"name": "b", "description": "y"}]},
         "cannot be a stage name"),
        ({"name": "no stages"}, "no 'stages' list"),
    ],
)
def test_invalid_journeys_raise_clear_errors(spec, message):
    with pytest.raises(JourneyError, match=message):
        cx.JourneyMap.from_dict(spec)


def test_yaml_errors_name_the_file(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("stages:\n  - name: only\n    description: one stage\n", encoding="utf-8")
    with pytest.raises(JourneyError, match=r"bad\.yaml.*at least two"):
        cx.JourneyMap.from_yaml(bad)
    with pytest.raises(FileNotFoundError):
        cx.JourneyMap.from_yaml(tmp_path / "missing.yaml")


# ---------------------------------------------------------------------- assign_stages
def test_assign_stages_recovers_scripted_stages(demo_embedded, demo_staged):
    seg = demo_staged.segments
    assert {"stage", "stage_confidence", "stage_source"} <= set(seg.columns)
    assert "stage" not in demo_embedded.segments.columns  # input not mutated
    part = seg[(seg["role"] == "participant") & (seg["true_stage"] != "none")]
    assert (part["stage"] == part["true_stage"]).mean() >= 0.9
    # small talk at the start and end belongs to no stage
    talk = seg[seg["true_stage"] == "none"]
    assert talk["stage"].isna().all()
    assert seg["stage_confidence"].between(0, 1).all()
    assert set(seg["stage"].dropna()) <= set(STAGES)
    assert demo_staged.steps[-1] == "assign_stages"
    assert demo_staged.meta["journey"]["name"] == "customer"


def test_assign_stages_needs_embeddings():
    corpus = cx.segment(Corpus(demo_turns(1)))
    with pytest.raises(MissingStepError, match=r"cx\.embed\(corpus\)"):
        cx.assign_stages(corpus)


def test_backchannels_belong_to_no_stage(demo_embedded):
    turns = demo_embedded.turns.copy()
    row = turns[turns["true_stage"] == "purchase"].iloc[[0]].copy()
    turns = pd.concat([turns, row.assign(turn=999, role="participant", text="Yeah.")])
    turns = turns.sort_values(["interview_id", "turn"]).reset_index(drop=True)
    staged = cx.assign_stages(cx.embed(cx.segment(Corpus(turns))))
    seg = staged.segments
    bc = seg[seg["text"] == "Yeah."]
    assert len(bc) and bc["is_backchannel"].all() and bc["stage"].isna().all()


def test_manual_stage_always_wins(demo_embedded):
    turns = demo_embedded.turns.copy()
    turns["stage"] = None
    target = turns.index[(turns["interview_id"] == "demo01") & (turns["true_stage"] == "purchase")
                         & (turns["role"] == "participant")][0]
    turns.loc[target, "stage"] = "Renewal"  # wrong on purpose, and capitalised
    small = turns.index[(turns["interview_id"] == "demo01") & (turns["true_stage"] == "everyday_use")
                        & (turns["role"] == "participant")][0]
    turns.loc[small, "stage"] = "none"
    corpus = cx.embed(cx.segment(demo_embedded.replace(turns=turns)))
    seg = cx.assign_stages(corpus).segments
    forced = seg[(seg["interview_id"] == "demo01") & (seg["turn"] == turns.at[target, "turn"])]
    assert (forced["stage"] == "renewal").all()
    assert (forced["stage_confidence"] == 1.0).all() and (forced["stage_source"] == "manual").all()
    nostage = seg[(seg["interview_id"] == "demo01") & (seg["turn"] == turns.at[small, "turn"])]
    assert nostage["stage"].isna().all() and (nostage["stage_source"] == "manual").all()
    others = seg[seg["stage_source"] == "model"]
    assert len(others) > 0


def test_manual_stage_added_to_turns_after_segmenting(demo_embedded):
    turns = demo_embedded.turns.copy()
    turns["stage"] = np.where(turns["true_stage"] == "discovery", "support", None)
    corpus = demo_embedded.replace(turns=turns)  # segments have no stage column
    seg = cx.assign_stages(corpus).segments
    assert (seg.loc[seg["true_stage"] == "discovery", "stage"] == "support").all()


def test_rerun_keeps_manual_but_recomputes_model_stages(demo_embedded):
    turns = demo_embedded.turns.copy()
    turns["stage"] = np.where(turns["turn"] == 3, "support", None)
    once = cx.assign_stages(cx.embed(cx.segment(demo_embedded.replace(turns=turns))))
    twice = cx.assign_stages(once, min_confidence=0.999)
    assert (twice.segments.loc[twice.segments["turn"] == 3, "stage"] == "support").all()
    # model stages were recomputed (stricter threshold leaves more without a stage)
    assert twice.segments["stage"].isna().sum() >= once.segments["stage"].isna().sum()
    assert (twice.segments["stage_source"] == "manual").sum() == (once.segments["stage_source"] == "manual").sum()


def test_unknown_manual_stage_is_an_error(demo_embedded):
    turns = demo_embedded.turns.copy()
    turns["stage"] = np.where(turns["turn"] == 3, "checkout", None)
    corpus = cx.embed(cx.segment(demo_embedded.replace(turns=turns)))
    with pytest.raises(JourneyError, match="checkout"):
        cx.assign_stages(corpus)


def test_custom_journey_and_keyword_rules(demo_embedded, tmp_path):
    journey = {"name": "bike", "stages": [
        {"name": "joining", "description": "Hearing about the service, comparing it and signing up."},
        {"name": "riding", "description": "Getting the bike, riding it every day, repairs."},
        {"name": "leaving", "description": "Price rises, cancelling, leaving the subscription."},
    ]}
    staged = cx.assign_stages(demo_embedded, journey)
    assert set(staged.segments["stage"].dropna()) <= {"joining", "riding", "leaving"}
    assert staged.meta["journey"]["name"] == "bike"
    seg = staged.segments
    assert (seg.loc[seg["true_stage"] == "purchase", "stage"] == "joining").all()
    assert (seg.loc[seg["true_stage"] == "renewal", "stage"] == "leaving").all()
    # the same journey from a YAML file gives the same stages, and curves follow its order
    path = cx.JourneyMap.from_dict(journey).to_yaml(tmp_path / "bike.yaml")
    from_yaml = cx.assign_stages(demo_embedded, str(path))
    pd.testing.assert_series_equal(from_yaml.segments["stage"], seg["stage"])
    emotions = from_yaml.replace(segments=add_demo_emotions(from_yaml.segments))
    curve = cx.journey_curve(emotions)
    assert list(curve["stage"]) == ["joining", "riding", "leaving"]
    assert list(curve["stage_label"]) == ["Joining", "Riding", "Leaving"]
    # a researcher's keyword rule moves a segment that nothing else points to
    plain = dict(use_question=False, use_sequence=False)
    text = "Then I started noticing their posters at the train station."
    before = cx.assign_stages(demo_embedded, **plain).segments
    after = cx.assign_stages(demo_embedded, keywords={"support": ["posters?"]},
                             settings=StageSettings(keyword_weight=10.0), **plain).segments
    assert (before.loc[before["text"] == text, "stage"] != "support").all()
    assert (after.loc[after["text"] == text, "stage"] == "support").all()
    with pytest.raises(JourneyError, match="not in the journey"):
        cx.assign_stages(demo_embedded, keywords={"payment": ["card"]})


def test_low_confidence_is_marked_not_forced(demo_embedded):
    strict = cx.assign_stages(demo_embedded, min_confidence=0.99, use_sequence=False).segments
    loose = cx.assign_stages(demo_embedded, min_confidence=0.0, use_sequence=False).segments
    assert strict["stage"].isna().sum() > loose["stage"].isna().sum()
    marked = strict["stage"].isna() & loose["stage"].notna()
    assert (strict.loc[marked, "stage_confidence"] < 0.99).all()
    assert (strict.loc[~strict["stage"].isna(), "stage_confidence"] >= 0.99).all()


def test_assign_stages_is_deterministic(demo_embedded, demo_staged):
    again = cx.assign_stages(demo_embedded)
    pd.testing.assert_frame_equal(again.segments, demo_staged.segments)


# ---------------------------------------------------------------------- journey_curve
def test_curve_on_demo(demo_staged):
    corpus = demo_staged.replace(segments=add_demo_emotions(demo_staged.segments, "stage"))
    curve = cx.journey_curve(corpus)
    assert list(curve["stage"]) == STAGES
    assert curve.loc[curve["stage"] == "renewal", "valence"].item() == pytest.approx(-0.8)
    assert (curve["n_participants"] == 3).all()
    assert curve.loc[curve["stage"] == "onboarding", "leading_emotions"].item().startswith("frustration")


def test_curve_requires_valence_and_stage(demo_staged):
    with pytest.raises(MissingStepError, match=r"Run `cx\.tag_emotions\(corpus\)` first"):
        cx.journey_curve(demo_staged)
    corpus = staged_corpus([("a", "purchase", 0.5)])
    corpus.segments = corpus.segments.drop(columns="stage")
    with pytest.raises(MissingStepError, match=r"cx\.assign_stages\(corpus\)"):
        cx.journey_curve(corpus)


def test_stage_without_data_is_a_gap_not_a_zero():
    corpus = staged_corpus([("a", "purchase", 0.5), ("b", "purchase", 0.3), ("a", "renewal", -0.4),
                            ("b", None, 0.9)])
    curve = cx.journey_curve(corpus).set_index("stage")
    assert np.isnan(curve.at["support", "valence"]) and curve.at["support", "n_participants"] == 0
    assert curve.at["support", "n_segments"] == 0 and np.isnan(curve.at["support", "ci_low"])
    assert curve.at["purchase", "valence"] == pytest.approx(0.4)
    # the segment with no stage counts nowhere
    assert curve["n_segments"].sum() == 3


def test_one_participant_only():
    corpus = staged_corpus([("solo", "purchase", 0.5), ("solo", "purchase", 0.1),
                            ("solo", "renewal", -0.6)])
    curve = cx.journey_curve(corpus).set_index("stage")
    assert curve.at["purchase", "valence"] == pytest.approx(0.3)
    assert curve.at["purchase", "n_participants"] == 1 and curve.at["purchase", "n_segments"] == 2
    assert np.isnan(curve.at["purchase", "ci_low"]) and np.isnan(curve.at["purchase", "ci_high"])
    assert not curve["reliable"].any()
    # one person's stage means are no highs and lows of a study
    assert cx.moments(corpus).empty


def test_participants_weigh_equally():
    # a talkative promoter (20 segments at +1) and two quiet detractors (1 segment at -1 each)
    rows = [("talker", "support", 1.0)] * 20 + [("quiet1", "support", -1.0), ("quiet2", "support", -1.0)]
    curve = cx.journey_curve(staged_corpus(rows), min_participants=3).set_index("stage")
    assert curve.at["support", "valence"] == pytest.approx(-1 / 3)  # a segment mean would be +0.82
    assert curve.at["support", "n_segments"] == 22 and curve.at["support", "n_participants"] == 3
    # bootstrap over participants: intervals are bounded by the participant means
    assert -1.0 <= curve.at["support", "ci_low"] <= -1 / 3 <= curve.at["support", "ci_high"] <= 1.0


def test_bootstrap_is_deterministic_and_seeded():
    rng = np.random.default_rng(1)
    rows = [(f"p{i}", STAGES[k % 7], float(rng.uniform(-1, 1))) for i in range(8) for k in range(14)]
    corpus = staged_corpus(rows)
    a = cx.journey_curve(corpus, seed=3)
    b = cx.journey_curve(corpus, seed=3)
    c = cx.journey_curve(corpus, seed=4)
    pd.testing.assert_frame_equal(a, b)
    assert not np.allclose(a["ci_low"], c["ci_low"])
    assert (a["ci_low"] <= a["valence"]).all() and (a["valence"] <= a["ci_high"]).all()


def test_curve_by_participant_group():
    parts = pd.DataFrame({"interview_id": ["a", "b", "c"],
                          "nps_group": ["promoter", "detractor", "promoter"]})
    corpus = staged_corpus([("a", "renewal", 0.5), ("b", "renewal", -0.9), ("c", "renewal", 0.1),
                            ("b", "purchase", 0.2)], participants=parts)
    curve = cx.journey_curve(corpus, by="nps_group")
    assert list(pd.unique(curve["group"])) == ["promoter", "detractor"]
    assert curve.attrs["by"] == "nps_group"
    r = curve.set_index(["group", "stage"])
    assert r.at[("promoter", "renewal"), "valence"] == pytest.approx(0.3)
    assert r.at[("detractor", "renewal"), "valence"] == pytest.approx(-0.9)
    assert r.at[("promoter", "purchase"), "n_participants"] == 0
    with pytest.raises(KeyError, match="not a column of corpus.participants"):
        cx.journey_curve(corpus, by="segment")


# ---------------------------------------------------------------------- moments
def test_moments_rank_highs_and_lows_with_themes_and_quotes():
    rows, labels = [], []
    plan = {"discovery": 0.2, "purchase": 0.8, "onboarding": -0.7, "everyday_use": 0.5,
            "renewal": -0.9}
    for p in ("a", "b", "c"):
        for stage, val in plan.items():
            rows.append((p, stage, val))
            labels.append({"purchase": "Easy sign-up", "onboarding": "Late delivery",
                           "renewal": "Billing surprises"}.get(stage))
    corpus = staged_corpus(rows, extra={"theme_label": labels,
                                        "theme": [0 if x else -1 for x in labels]})
    corpus.segments["text"] = [f"Participant {r[0]} felt this way about the {r[1]} stage of it."
                               for r in rows]
    corpus.segments["n_words"] = corpus.segments["text"].str.split().str.len()
    assert cx.moments(corpus).empty  # three participants: no point is reliable by default
    m = cx.moments(corpus, min_participants=2)
    assert list(m["rank"]) == list(range(1, len(m) + 1))
    top = m.iloc[0]
    assert top["stage"] == "renewal" and top["kind"] == "low" and top["action"] == "mitigate"
    assert top["themes"] == "Billing surprises (3)"
    assert len(top["quotes"]) == 3 and len(top["segment_ids"]) == 3
    assert set(m.loc[m["kind"] == "high", "stage"]) == {"purchase", "everyday_use"}
    assert set(m.loc[m["kind"] == "low", "stage"]) == {"onboarding", "renewal"}
    assert top["quotes"][0].endswith("(a)")
    # quotes name the pseudonymous participant code when there is one
    coded = corpus.replace(participants=pd.DataFrame(
        {"interview_id": ["a", "b", "c"], "participant_code": ["P01", "P02", "P03"]}))
    assert all(q[-5:] in {"(P01)", "(P02)", "(P03)"}
               for q in cx.moments(coded, min_participants=2).iloc[0]["quotes"])
    # moments per group: each group's own curve
    grouped = corpus.replace(participants=pd.DataFrame(
        {"interview_id": ["a", "b", "c"], "segment": ["family", "family", "retiree"]}))
    mg = cx.moments(grouped, by="segment", min_participants=2)
    # the retiree group is one person: no moments of its own
    assert set(mg["group"]) == {"family"}
    assert ((mg["group"] == "family") & (mg["stage"] == "renewal") & (mg["kind"] == "low")).any()
    # without themes the column is there but empty
    corpus.segments = corpus.segments.drop(columns=["theme_label", "theme"])
    assert cx.moments(corpus, min_participants=2)["themes"].isna().all()


def test_repeating_a_participant_does_not_change_the_curve():
    rng = np.random.default_rng(7)
    rows = [(f"p{i}", STAGES[k % 7], float(rng.uniform(-1, 1))) for i in range(5) for k in range(10)]
    base = cx.journey_curve(staged_corpus(rows), n_boot=0)
    # p0 says everything five times over: stage means, and so the curve, stay the same
    louder = rows + [r for r in rows if r[0] == "p0"] * 4
    again = cx.journey_curve(staged_corpus(louder), n_boot=0)
    np.testing.assert_allclose(again["valence"], base["valence"])
    assert (again["n_segments"] > base["n_segments"]).any()
    assert (again["n_participants"] == base["n_participants"]).all()


@settings(max_examples=300, deadline=None)
@given(hnp.arrays(np.float64, hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=9),
                  elements=st.one_of(st.floats(-1e6, 1e6), st.sampled_from([0.0, -1e6, 3.5]))),
       st.sampled_from([0, 1]), st.booleans())
def test_stage_logsumexp_is_bit_identical_to_scipy(a, axis, keepdims):
    """The decoder's own log-sum-exp (faster on small matrices) gives scipy's exact bits,
    ties of the largest term included, so stage posteriors do not move."""
    from scipy.special import logsumexp

    from cxinsight.journey.stages import _logsumexp

    np.testing.assert_array_equal(_logsumexp(a, axis, keepdims),
                                  logsumexp(a, axis=axis, keepdims=keepdims))


def test_prefetched_turns_are_the_turns_stages_embed(demo_embedded, monkeypatch):
    """analyse starts embedding the whole turns early (prefetch_turns); they must be exactly
    the texts assign_stages then asks for, or the early work would be wasted."""
    import cxinsight.embeddings as E
    from cxinsight.journey import stages

    sent: list[list[str]] = []
    monkeypatch.setattr(E, "prefetch", lambda texts, model=None, **kw: sent.append(list(texts)) or 0)
    assert stages.prefetch_turns(demo_embedded) == 0
    asked: list[list[str]] = []
    real = E.encode

    def spy(texts, *args, **kwargs):
        asked.append([str(t) for t in texts])
        return real(texts, *args, **kwargs)

    monkeypatch.setattr(E, "encode", spy)
    cx.assign_stages(demo_embedded)
    assert len(sent) == 1 and len(sent[0]) > 10
    assert sent[0] in asked
    participant = demo_embedded.segments[demo_embedded.segments["role"] != "interviewer"]
    assert len(sent[0]) == participant.groupby(["interview_id", "turn"]).ngroups
    sent.clear()
    stages.prefetch_turns(demo_embedded, settings={"turn_weight": 0.0})
    stages.prefetch_turns(demo_embedded, use_similarity=False)
    assert sent == []  # no whole-turn evidence: nothing to start
