"""Journeys only where there is one: the applicability check and the curve's reliability rules."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

import cxinsight as cx
from cxinsight.corpus import Corpus
from cxinsight.errors import CxInsightError, JourneyNotApplicableError
from cxinsight.journey.demo import add_demo_emotions, demo_turns

#: A research interview about something other than a customer journey (invented for the test):
#: a librarian talks about how her team documents research data.
CURATION = [
    ("interviewer", "Thanks for joining. Could you tell me what kinds of data your team works with?"),
    ("participant", "Mostly survey data and field notes from the social sciences, some sensor data."),
    ("interviewer", "How do you decide which metadata a dataset needs before it is archived?"),
    ("participant", "We start from the discipline's standard and add whatever a reuser would need."),
    ("interviewer", "What happens when researchers don't document their methods well enough?"),
    ("participant", "We write back with questions, and sometimes we hold the deposit until they answer."),
    ("interviewer", "How do you handle informed consent for interview transcripts that get shared?"),
    ("participant", "The consent form has to mention sharing, otherwise we keep the files restricted."),
    ("interviewer", "Which tools does your team use to check files for personal information?"),
    ("participant", "A few scripts and a lot of careful reading, honestly, nothing automatic."),
    ("interviewer", "Who owns the intellectual property of a dataset built from social media posts?"),
    ("participant", "That is still unclear to us; the platform terms and copyright both play a part."),
    ("interviewer", "What would help you most with data quality problems like missing values?"),
    ("participant", "Clear codebooks from the start, and time to read them before publication."),
]

#: A UX survey's questions and answers (invented for the test); no interviewer.
SURVEY_QUESTIONS = [
    "Which programming languages do you use most?",
    "What hinders you from using the tool more often?",
    "Which features would you like us to add?",
    "Any other comments about collaboration?",
]
SURVEY_ANSWERS = [
    "Python and R, sometimes Julia.",
    "Version control of notebooks is painful.",
    "Better debugging and a variable inspector.",
    "Sharing outputs with colleagues is clunky.",
]


def _interviews(script, n: int = 4) -> Corpus:
    rows = []
    for i in range(n):
        for t, (role, text) in enumerate(script):
            rows.append({"interview_id": f"r{i}", "turn": t, "speaker": f"{role}{i}", "role": role,
                         "start": np.nan, "end": np.nan, "text": text, "source": f"r{i}.txt"})
    return Corpus(pd.DataFrame(rows))


@pytest.fixture(scope="module")
def curation_embedded():
    return cx.embed(cx.segment(_interviews(CURATION)))


@pytest.fixture(scope="module")
def survey_embedded():
    rows = []
    for r in range(6):
        for q, (question, answer) in enumerate(zip(SURVEY_QUESTIONS, SURVEY_ANSWERS)):
            rows.append({"interview_id": f"resp{r}", "turn": q, "speaker": f"resp{r}",
                         "role": "participant", "start": np.nan, "end": np.nan, "text": answer,
                         "source": "survey.csv", "question": question})
    return cx.embed(cx.segment(Corpus(pd.DataFrame(rows))))


@pytest.fixture(scope="module")
def demo_embedded():
    return cx.embed(cx.segment(Corpus(demo_turns(3))))


def test_journey_interviews_are_applicable(demo_embedded):
    staged = cx.assign_stages(demo_embedded)
    info = staged.meta["journey"]
    assert info["applicable"] is True and info["forced"] is False
    assert info["reason"].startswith("The study follows the journey map")
    ev = info["evidence"]
    assert ev["guide_questions"] >= 10 and ev["guide_stages"] >= 3 and ev["guide_order"] > 0.5
    assert set(ev["participants_per_stage"]) == set(cx.JourneyMap.default().names)
    assert info["stages"] == cx.JourneyMap.default().names
    assert staged.segments["stage"].notna().mean() > 0.8


def test_research_interview_is_not_a_journey(curation_embedded):
    staged = cx.assign_stages(curation_embedded)
    info = staged.meta["journey"]
    assert info["applicable"] is False and info["forced"] is False
    assert "does not follow the journey map" in info["reason"]
    assert info["reason"].count(".") == 1 and info["reason"].endswith(".")  # one sentence
    assert info["evidence"]["guide_questions"] == 4 * 7
    assert info["evidence"]["guide_match_share"] < 0.2
    seg = staged.segments
    assert seg["stage"].isna().all() and seg["stage_confidence"].isna().all()
    # curves and moments refuse, naming the way to force them
    corpus = staged.replace(segments=seg.assign(valence=0.1, emotion="neutral"))
    for fn in (cx.journey_curve, cx.moments, cx.plot_journey_curve):
        with pytest.raises(JourneyNotApplicableError, match=r"cx\.assign_stages\(corpus, force=True\)"):
            fn(corpus)
    assert issubclass(JourneyNotApplicableError, CxInsightError)


def test_forcing_or_giving_a_journey_assigns_stages(curation_embedded):
    forced = cx.assign_stages(curation_embedded, force=True)
    info = forced.meta["journey"]
    assert info["applicable"] is True and info["forced"] is True
    assert info["reason"].startswith("Stages were assigned because force=True")
    # the model ran: every participant segment has a confidence (its stage may still be
    # <NA> when small talk or low confidence wins)
    part = forced.segments[forced.segments["role"] == "participant"]
    assert part["stage_confidence"].notna().all()
    journey = {"stages": [
        {"name": "collection", "description": "Collecting data: surveys, field notes, sensors."},
        {"name": "curation", "description": "Documenting, checking and archiving datasets."},
    ]}
    custom = cx.assign_stages(curation_embedded, journey)
    assert custom.meta["journey"]["applicable"] is True
    assert "a journey map was given" in custom.meta["journey"]["reason"]
    assert set(custom.segments["stage"].dropna()) <= {"collection", "curation"}
    assert custom.segments["stage"].notna().any()
    # a forced corpus draws its curve
    curve = cx.journey_curve(custom.replace(segments=custom.segments.assign(valence=0.2)))
    assert list(curve["stage"]) == ["collection", "curation"]
    assert curve["n_participants"].sum() > 0


def test_survey_is_not_a_journey(survey_embedded):
    staged = cx.assign_stages(survey_embedded)
    info = staged.meta["journey"]
    assert info["applicable"] is False
    assert "survey questions" in info["reason"]
    assert info["evidence"]["guide_questions"] == len(SURVEY_QUESTIONS)
    assert staged.segments["stage"].isna().all()


def test_applicability_is_deterministic(curation_embedded):
    a = cx.assign_stages(curation_embedded).meta["journey"]
    b = cx.assign_stages(curation_embedded).meta["journey"]
    assert a == b or (a["reason"] == b["reason"] and a["applicable"] == b["applicable"])


# ---------------------------------------------------------------------- reliability of points
def _small_groups_corpus() -> Corpus:
    rows = []
    for i in range(7):
        for k, stage in enumerate(("purchase", "onboarding", "renewal")):
            if stage == "onboarding" and i >= 3:  # only three people talk about onboarding
                continue
            val = {"purchase": 0.6, "onboarding": -0.5, "renewal": -0.2}[stage] + 0.05 * i
            rows.append({"segment_id": f"p{i}:{k}:0", "interview_id": f"p{i}", "turn": k,
                         "sentence": 0, "speaker": f"p{i}", "role": "participant",
                         "text": f"Participant {i} says something about {stage} here.",
                         "n_words": 7, "is_backchannel": False, "stage": stage, "valence": val,
                         "emotion": "neutral"})
    seg = pd.DataFrame(rows)
    turns = seg[["interview_id", "turn", "speaker", "role", "text"]].assign(
        start=np.nan, end=np.nan, source="x.txt")
    return Corpus(turns, segments=seg)


def test_points_on_fewer_than_five_participants_get_no_interval():
    corpus = _small_groups_corpus()
    curve = cx.journey_curve(corpus).set_index("stage")
    assert curve.at["purchase", "reliable"] and curve.at["purchase", "n_participants"] == 7
    assert np.isfinite(curve.at["purchase", "ci_low"]) and np.isfinite(curve.at["purchase", "ci_high"])
    assert not curve.at["onboarding", "reliable"] and curve.at["onboarding", "n_participants"] == 3
    assert np.isnan(curve.at["onboarding", "ci_low"]) and np.isnan(curve.at["onboarding", "ci_high"])
    assert np.isfinite(curve.at["onboarding", "valence"])  # the value is still shown
    # onboarding (three people) is the lowest point but not a moment
    m = cx.moments(corpus)
    assert "onboarding" not in set(m["stage"])
    with pytest.raises(ValueError, match="min_participants"):
        cx.journey_curve(corpus, min_participants=1)


def test_unreliable_points_are_hollow_with_their_n():
    fig = cx.plot_journey_curve(_small_groups_corpus())
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    hollow = [c for c in ax.collections if (c.get_gid() or "").startswith("journey-curve-unreliable")]
    assert len(hollow) == 1
    offsets = hollow[0].get_offsets()
    assert offsets.shape == (1, 2) and offsets[0][0] == 3  # onboarding is stage 3
    assert np.allclose(hollow[0].get_facecolors()[0][:3], 1.0)  # white inside
    assert any(t.get_text() == "n=3" for t in ax.texts)
    assert ax.get_ylim() == (-1.0, 1.0)
    # the lowest annotated point is one that rests on enough people
    low = [t.get_text() for t in ax.texts if t.get_gid() == "journey-low"]
    assert low and "Onboarding" not in low[0]
    auto = cx.plot_journey_curve(_small_groups_corpus(), ylim=None).axes[0].get_ylim()
    assert auto[0] == -auto[1]


def test_demo_curve_small_study_has_no_intervals(demo_embedded):
    staged = cx.assign_stages(demo_embedded)
    corpus = staged.replace(segments=add_demo_emotions(staged.segments, "stage"))
    curve = cx.journey_curve(corpus)
    assert (curve["n_participants"] <= 3).all() and not curve["reliable"].any()
    assert curve["ci_low"].isna().all()


def test_adaptation_to_the_study_is_optional_and_deterministic(demo_embedded):
    base = cx.assign_stages(demo_embedded)
    adapted = cx.assign_stages(demo_embedded, settings={"adapt_rounds": 1, "adapt_weight": 0.5})
    again = cx.assign_stages(demo_embedded, settings={"adapt_rounds": 1, "adapt_weight": 0.5})
    pd.testing.assert_frame_equal(adapted.segments, again.segments)
    seg, ref = adapted.segments, base.segments
    part = seg["role"] == "participant"
    # on a clean demo the study's own words agree with the stage descriptions
    assert (seg.loc[part, "stage"].fillna("-") == ref.loc[part, "stage"].fillna("-")).mean() >= 0.9
    assert adapted.provenance[-1]["params"]["settings"]["adapt_rounds"] == 1
