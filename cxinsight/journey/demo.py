"""A small synthetic study for examples and tests of the journey functions.

:func:`demo_turns` builds interviews about a fictional bike-rental subscription in which an
interviewer walks through the default journey in order. Every turn carries its true stage in
``true_stage`` (never read by :func:`cxinsight.assign_stages`), so the output can be checked.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: (question, answer) pairs per stage of the default journey. The wording differs from the
#: descriptions and examples of the default journey on purpose.
DEMO_SCRIPT: dict[str, list[tuple[str, str]]] = {
    "none": [
        ("Hi, thanks so much for joining me this morning, can you hear me all right?",
         "Yes, loud and clear, happy to help."),
    ],
    "discovery": [
        ("So going back to the very beginning, where did you first notice PedalPal?",
         "A neighbour of mine had one of their bikes outside and I asked her about it. "
         "Then I started noticing their posters at the train station."),
    ],
    "consideration": [
        ("Before committing, did you look around at other options?",
         "I checked two other rental schemes and read a lot of reviews online. "
         "I was worried it would be too expensive compared to just buying a second-hand bike."),
    ],
    "purchase": [
        ("Talk me through actually joining and paying.",
         "Joining was quick, I entered my card and picked the monthly plan. "
         "There was a voucher for the first month so it felt like a bargain."),
    ],
    "onboarding": [
        ("And when the bike was dropped off the first time, what happened?",
         "The first delivery was two days late and nobody told me. "
         "When it did arrive the lights were missing, which was really annoying."),
    ],
    "everyday_use": [
        ("These days, how do you use it in a normal week?",
         "I ride it to work most days now, it's become part of my routine. "
         "I honestly love it, it's the best part of my morning."),
    ],
    "support": [
        ("Have you ever needed help from their service team?",
         "Once the chain snapped and I phoned their helpline. "
         "The woman I spoke to was lovely and they swapped the bike the next day."),
    ],
    "renewal": [
        ("Looking ahead, are you planning to keep the subscription going?",
         "They put the price up after six months without really warning me. "
         "I tried to cancel online and it was a nightmare, so I'm still paying for now."),
    ],
}

#: Planted valence of each stage's answers.
DEMO_VALENCE = {
    "none": 0.0, "discovery": 0.3, "consideration": 0.1, "purchase": 0.7, "onboarding": -0.6,
    "everyday_use": 0.6, "support": 0.4, "renewal": -0.8,
}
DEMO_EMOTION = {
    "none": "neutral", "discovery": "neutral", "consideration": "anxiety", "purchase": "delight",
    "onboarding": "frustration", "everyday_use": "delight", "support": "gratitude",
    "renewal": "frustration",
}


def demo_turns(n_interviews: int = 3, *, closing: bool = True) -> pd.DataFrame:
    """Return a ``turns`` table of ``n_interviews`` identical scripted interviews.

    Columns are the documented turn columns plus ``true_stage`` (the scripted stage).
    """
    rows = []
    for n in range(n_interviews):
        iid = f"demo{n + 1:02d}"
        turn = 0
        stages = list(DEMO_SCRIPT)
        for stage in stages:
            for question, answer in DEMO_SCRIPT[stage]:
                for role, text in (("interviewer", question), ("participant", answer)):
                    rows.append({
                        "interview_id": iid, "turn": turn,
                        "speaker": "Interviewer" if role == "interviewer" else f"Participant {n + 1}",
                        "role": role, "start": float(turn * 30), "end": float(turn * 30 + 25),
                        "text": text, "source": f"{iid}.txt", "true_stage": stage,
                    })
                    turn += 1
        if closing:
            for role, text in (("interviewer", "That's everything from me, thank you for your time today."),
                               ("participant", "No problem at all, it was nice chatting.")):
                rows.append({
                    "interview_id": iid, "turn": turn,
                    "speaker": "Interviewer" if role == "interviewer" else f"Participant {n + 1}",
                    "role": role, "start": float(turn * 30), "end": float(turn * 30 + 25),
                    "text": text, "source": f"{iid}.txt", "true_stage": "none",
                })
                turn += 1
    return pd.DataFrame(rows)


def add_demo_emotions(segments: pd.DataFrame, stage_column: str = "true_stage",
                      noise: float = 0.0, seed: int = 0) -> pd.DataFrame:
    """Return ``segments`` with ``valence``, ``emotion`` and ``emotion_score`` set from the script.

    Stand-ins for :func:`cxinsight.tag_emotions` in examples and tests.
    """
    rng = np.random.default_rng(seed)
    out = segments.copy()
    stage = out[stage_column].fillna("none").astype(str)
    val = stage.map(DEMO_VALENCE).fillna(0.0).to_numpy(dtype=float)
    if noise:
        val = np.clip(val + rng.normal(0, noise, len(val)), -1, 1)
    out["valence"] = val
    out["emotion"] = stage.map(DEMO_EMOTION).fillna("neutral")
    out["emotion_score"] = 0.8
    return out
