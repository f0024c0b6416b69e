"""A constructed study with known answers, for the insight, report and export tests.

Every column that later stages add (valence, emotion, theme, stage, ...) is set by hand, so the
expected counts, shares and test statistics are known exactly. Imported by ``tests/test_*``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxinsight.corpus import Corpus

STAGES = ["purchase", "onboarding", "everyday_use", "renewal"]
CODES = [f"P{i:02d}" for i in range(1, 11)]
SEGMENT = {c: s for c, s in zip(CODES, ["family"] * 4 + ["professional"] * 3 + ["retiree"] * 3)}
DETRACTORS = ["P01", "P02", "P05", "P06", "P08"]
PROMOTERS = ["P03", "P04", "P07", "P09", "P10"]
NPS = {"P01": 3, "P02": 4, "P05": 2, "P06": 5, "P08": 6, "P03": 9, "P04": 10, "P07": 9,
       "P09": 10, "P10": 9}

#: theme id -> (label, stage, base valence, emotion, participants)
THEMES = {
    0: ("delivery updates", "onboarding", -0.6, "frustration",
        ["P01", "P02", "P03", "P05", "P06", "P07", "P08"]),
    1: ("tasty recipes", "everyday_use", 0.7, "delight", ["P01", "P02", "P03", "P04", "P09", "P10"]),
    2: ("billing surprises", "renewal", -0.7, "disappointment", DETRACTORS),
    3: ("easy sign-up", "purchase", 0.5, "delight", ["P03", "P04", "P07", "P10"]),
    4: ("packaging", "everyday_use", -0.3, "disappointment", ["P05"]),  # one participant only
}
TEXT = {
    0: "the delivery window was vague and there was no tracking update at all that day",
    1: "the recipes are really tasty and the kids actually love cooking them with me",
    2: "they charged me the full price after the offer and I never saw it coming",
    3: "signing up took two minutes and the half price first box was a nice touch",
    4: "so much plastic packaging and ice packs that I have nowhere to put",
}


def make_study(with_stage: bool = True, with_themes: bool = True) -> Corpus:
    """Build the constructed corpus (10 participants, 4 stages, 5 themes)."""
    rows = []
    offsets = {c: (i % 3) * 0.05 for i, c in enumerate(CODES)}
    for code in CODES:
        turn = 0
        iid = f"int{code[1:]}"

        def add(role, text, theme=np.nan, label=None, stage=None, valence=0.0, emotion="neutral",
                backchannel=False, iid=iid, code=code):
            nonlocal turn
            rows.append({
                "segment_id": f"{iid}:{turn}:0", "interview_id": iid, "turn": turn, "sentence": 0,
                "speaker": code if role == "participant" else "I1", "role": role,
                "start": float(turn * 10), "end": float(turn * 10 + 8), "text": text,
                "source": f"{iid}.txt", "char_start": 0, "char_end": len(text),
                "n_words": len(text.split()), "is_backchannel": backchannel,
                "valence": valence, "emotion": emotion, "emotion_score": 0.8,
                "emotions": emotion, "theme": theme, "theme_label": label, "stage": stage,
                "stage_confidence": 0.9 if stage else 0.0,
            })
            turn += 1

        add("interviewer", "So tell me about how things went for you", stage=None)
        add("participant", "Yeah.", backchannel=True, valence=0.9, emotion="delight",
            theme=np.nan)
        for t, (label, stage, base, emo, who) in THEMES.items():
            if code not in who:
                continue
            for k in range(3):  # three segments each: participant-level counting must count once
                add("interviewer", f"What about the {stage.replace('_', ' ')} part?", stage=stage)
                add("participant", f"{TEXT[t]} and that is how it felt, time {k + 1}", theme=t,
                    label=label, stage=stage, valence=round(base + offsets[code] - 0.02 * k, 3),
                    emotion=emo)
        # an outlier sentence with strong valence, which must not become an insight
        add("participant", "The weather was lovely that week honestly", theme=-1,
            label="outliers", stage="everyday_use", valence=0.9, emotion="delight")
    seg = pd.DataFrame(rows)
    seg["theme"] = seg["theme"].astype("Int64")
    if not with_stage:
        seg = seg.drop(columns=["stage", "stage_confidence"])
    if not with_themes:
        seg = seg.drop(columns=["theme", "theme_label"])
    turns = seg[["interview_id", "turn", "speaker", "role", "start", "end", "text", "source"]].copy()
    participants = pd.DataFrame({
        "interview_id": [f"int{c[1:]}" for c in CODES],
        "participant_code": CODES,
        "segment": [SEGMENT[c] for c in CODES],
        "nps": [NPS[c] for c in CODES],
        "nps_group": ["detractor" if c in DETRACTORS else "promoter" for c in CODES],
    })
    meta = {
        "files": [{"path": f"int{c[1:]}.txt", "interview_id": f"int{c[1:]}", "format": "plain text",
                   "encoding": "utf-8", "turns": int((turns.interview_id == f"int{c[1:]}").sum())}
                  for c in CODES],
        "skipped": [{"path": "notes/empty.txt", "reason": "empty file"}],
        "anonymisation": {"counts": {"PERSON": 12, "EMAIL": 3, "PHONE": 2}, "operator": "replace"},
    }
    return Corpus(turns, participants=participants, segments=seg, meta=meta,
                  provenance=[{"step": "read", "params": {}, "versions": {}, "time": "2026-01-01"}])
