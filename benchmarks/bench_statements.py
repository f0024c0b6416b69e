"""Benchmark of insight statements on real customer text: a survey-sized study without a journey.

Real customer tweets to six US airlines (``../shared/data/airline_tweets/dev.csv``, Figure
Eight 2015, CC BY-NC-SA 4.0: used here for evaluation only, nothing is trained) stand in for
the open answers of a survey of 903 respondents. To test the statements and nothing else, the
crowd's labels give each answer its theme (the complaint reason; praise for positive tweets)
and its valence (negative −0.6, neutral 0, positive +0.6). The participants table carries the
airline (a real group variable with a plural name, "US Airways"), a group variable with odd
names ("Tens of thousands", "5", "Other", blanks), and a survey tool's own fields (Status
Complete/Partial, Progress, ResponseId, RecordedDate), which must never be compared.

Figures printed (Markdown): insights and their smallest share (bar: no insight under 2% of
respondents), comparisons on survey tool fields or blank groups (bar 0), statements that break
the reading checks (a group name used bare as an adjective, "other participants … unlike other
participants", "participants" or "qualitative" in a survey, a stage in a study without a
journey; bar 0), and the CPU time of ``cx.synthesise`` (``time.process_time``).

Run: ``python benchmarks/bench_statements.py`` (or ``python benchmarks/run.py statements``).
"""

from __future__ import annotations

import os
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from cxinsight.corpus import Corpus  # noqa: E402
from cxinsight.insights import SynthesisParams, run_synthesis  # noqa: E402
from cxinsight.speech import SURVEY_TOOL_FIELDS  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "airline_tweets" / "dev.csv"
N_RESPONDENTS = 903
VALENCE = {"negative": -0.6, "neutral": 0.0, "positive": 0.6}
TOOL_FIELDS = ("Status", "Progress", "ResponseId", "RecordedDate")
_REQUEST = re.compile(r"\b(?:please|pls|wish|would be (?:great|nice|awesome)|should add)\b", re.I)


def survey_corpus(n: int = N_RESPONDENTS, seed: int = 0) -> Corpus:
    """The tweets as a survey of ``n`` respondents, one answer each, themes from the labels."""
    df = pd.read_csv(DATA).sample(n=n, random_state=seed).reset_index(drop=True)
    text = df["text"].astype(str).str.replace(r"@\w+", "", regex=True).str.strip()
    reason = df["negativereason"].where(df["airline_sentiment"] == "negative")
    reason = reason.where(reason.notna() & (reason != "Can't Tell"))
    label = reason.where(reason.notna(), np.where(df["airline_sentiment"] == "positive", "thanks and praise", None))
    names = sorted(set(label.dropna()))
    theme = label.map({name: i for i, name in enumerate(names)}).fillna(-1).astype(int)
    ids = [f"r{i:04d}" for i in range(n)]
    seg = pd.DataFrame({
        "segment_id": [f"{i}:0:0" for i in ids], "interview_id": ids, "turn": 0, "sentence": 0,
        "speaker": ids, "role": "participant", "start": np.nan, "end": np.nan, "text": text,
        "source": "survey.csv", "n_words": text.str.split().str.len(), "is_backchannel": False,
        "valence": df["airline_sentiment"].map(VALENCE).astype(float), "emotion": "neutral",
        "emotion_score": df["airline_sentiment_confidence"].astype(float),
        "theme": theme, "theme_label": label.where(label.notna(), "outliers"),
        "request": text.str.contains(_REQUEST),
    })
    rng = np.random.default_rng(seed)
    turns = seg[["interview_id", "turn", "speaker", "role", "start", "end", "text", "source"]].copy()
    parts = pd.DataFrame({
        "interview_id": ids, "participant_code": [f"R{i:04d}" for i in range(n)],
        "ResponseId": [f"R_{rng.integers(1e9):09d}" for _ in range(n)],
        "Status": rng.choice(["Complete", "Partial"], n, p=[0.8, 0.2]),
        "Progress": rng.choice(["100", "60"], n, p=[0.8, 0.2]),
        "RecordedDate": [f"2015-02-{rng.integers(1, 28):02d} 10:00:00" for _ in range(n)],
        "airline": df["airline"].to_numpy(),
        "company size": rng.choice(["Tens of thousands", "5", "Other", ""], n),
    })
    # the tool's own field must not win by chance: make Status track the complaints
    parts.loc[seg["valence"].to_numpy() < 0, "Status"] = "Complete"
    meta = {"files": [{"path": "survey.csv", "interview_id": i, "format": "survey"} for i in ids],
            "journey": {"applicable": False, "evidence": {}, "reason": "a survey without journey questions"}}
    return Corpus(turns, participants=parts, segments=seg, meta=meta)


def reading_problems(statement: str, levels: list[str]) -> list[str]:
    """The reading checks one statement fails."""
    out = []
    if re.search(r"\b(\w+) (participants|respondents) do not raise it, unlike \1 (participants|respondents)", statement):
        out.append("same group twice")
    for lv in levels:
        if re.search(rf"(?<!than )(?<!of )\b{re.escape(lv)} (participants|respondents)\b", statement):
            out.append(f"bare group name {lv!r}")
    if re.search(r"\bparticipants\b", statement):
        out.append("'participants' in a survey")
    if "qualitative" in statement:
        out.append("'qualitative' in a survey")
    if re.search(r" stage\b", statement):
        out.append("a stage without a journey")
    if re.search(r"\b(Complete|Partial)\b", statement):
        out.append("survey tool field")
    return out


def main() -> int:
    if not DATA.exists():
        print(f"SKIP: {DATA} is absent (the shared data folder is not mounted).")
        return 0
    corpus = survey_corpus()
    t0 = time.process_time()
    syn = run_synthesis(corpus, SynthesisParams(kpi=None))
    cpu = time.process_time() - t0
    ins, con = syn.insights, syn.contrasts
    levels = sorted(set(corpus.participants["airline"]) | {"Tens of thousands", "5", "Other"})
    problems = {s: reading_problems(s, levels) for s in ins["statement"]}
    bad = {s: p for s, p in problems.items() if p}
    tool = con[con["column"].map(lambda c: re.sub(r"[^a-z0-9#]", "", str(c).lower()) in SURVEY_TOOL_FIELDS)] \
        if len(con) else con
    blank = con[(con["group_a"].astype(str).str.strip() == "") | con["group_a"].isna()] if len(con) else con
    rows = [
        ("respondents", syn.params["n_participants"], ""),
        ("group variables chosen (auto)", ", ".join(syn.params["groups"]) or "none", "airline, company size"),
        ("insights", len(ins), ""),
        ("rows split by stage", int((ins["stage"] != "all stages").sum()), "0"),
        ("smallest insight share", f"{ins['share'].min():.1%}" if len(ins) else "n/a", "≥ 2.0%"),
        ("candidate rows held back (below the minimum)", syn.params["n_below_minimum"], ""),
        ("requests (type)", int((ins["type"] == "request").sum()), ""),
        ("comparisons on survey tool fields", len(tool), "0"),
        ("comparisons with a blank group", len(blank), "0"),
        ("statements failing a reading check", f"{len(bad)} of {len(ins)}", "0"),
        ("CPU seconds, synthesise", f"{cpu:.2f}", ""),
    ]
    print("## Statements on a survey of 903 real customer answers (airline tweets, labels as themes)\n")
    print("| figure | value | bar |\n|---|---|---|")
    for name, value, bar in rows:
        print(f"| {name} | {value} | {bar} |")
    print("\nExample statements:\n")
    shown = list(ins["statement"].head(3))
    shown += [s for s in ins.loc[ins["contrast"].notna(), "statement"].head(4) if s not in shown][:2]
    for s in shown:
        print(f"- {s}")
    for s, p in list(bad.items())[:5]:
        print(f"\nFAILED {p}: {s}")
    ok = (not bad and len(tool) == 0 and len(blank) == 0
          and (ins.empty or ins["share"].min() >= 0.02) and (ins["stage"] == "all stages").all())
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
