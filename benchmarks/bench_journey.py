"""Benchmark of journey stage assignment on the sample study, with an ablation.

The sample study's ``_ground_truth/turns.csv`` gives the stage of every turn (interviewer turns
included; ``none`` for small talk). The corpus is built from those turns (without their stage),
segmented and embedded as usual, then ``cx.assign_stages`` predicts a stage per segment. Each
participant segment is compared with the stage of its turn.

Figures printed (Markdown):

- accuracy on participant segments of turns with a journey stage (``none`` turns excluded;
  a segment left without a stage counts as wrong) - the headline figure, bar 0.80;
- accuracy counting ``none`` turns too (right when the segment is left without a stage);
- accuracy on the segments that received a stage (precision) and coverage;
- turn-level accuracy (majority stage of a participant turn's segments);
- an ablation: each evidence source alone, and the full model without each source.

Run: ``python benchmarks/bench_journey.py`` (or ``python benchmarks/run.py journey``); add
``--cv`` for a two-fold tuning check (a few minutes).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("CXINSIGHT_CACHE_DIR", str(ROOT / ".cache"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

import cxinsight as cx  # noqa: E402
from cxinsight.corpus import Corpus  # noqa: E402

GROUND_TRUTH = ROOT / "data" / "sample_interviews" / "_ground_truth" / "turns.csv"
BAR = 0.80


def ground_truth_corpus(path: Path = GROUND_TRUTH) -> Corpus:
    """The sample study's turns as a corpus, the true stage kept aside in ``true_stage``."""
    gt = pd.read_csv(path, dtype={"interview_id": str}, keep_default_na=False)
    turns = pd.DataFrame({
        "interview_id": gt["interview_id"], "turn": gt["turn"].astype(int),
        "speaker": gt["speaker"], "role": gt["role"], "start": np.nan, "end": np.nan,
        "text": gt["text"], "source": gt["interview_id"] + ".txt",
        "true_stage": gt["stage"].replace("", "none"),
    })
    return Corpus(turns)


def score(segments: pd.DataFrame) -> dict[str, float]:
    """Accuracy figures of predicted ``stage`` against ``true_stage`` on participant segments."""
    part = segments[segments["role"] == "participant"]
    pred = part["stage"].astype("object").where(part["stage"].notna(), "none")
    truth = part["true_stage"]
    staged = truth != "none"
    out = {
        "acc_excl_none": float((pred[staged] == truth[staged]).mean()),
        "acc_incl_none": float((pred == truth).mean()),
        "precision": float((pred[staged & (pred != "none")] == truth[staged & (pred != "none")]).mean()),
        "coverage": float((pred[staged] != "none").mean()),
        "n_segments": int(staged.sum()),
    }
    nb = ~part["is_backchannel"].astype(bool)
    out["acc_excl_none_no_bc"] = float((pred[staged & nb] == truth[staged & nb]).mean())
    # turn level: the most frequent predicted stage of a turn's segments
    votes = part.assign(pred=pred).groupby(["interview_id", "turn"]).agg(
        pred=("pred", lambda s: s.value_counts().index[0]), truth=("true_stage", "first"))
    vs = votes[votes["truth"] != "none"]
    out["turn_acc"] = float((vs["pred"] == vs["truth"]).mean())
    out["n_turns"] = len(vs)
    return out


ABLATION = [
    ("full model (a+b+c+d)", {}),
    ("(a) question only", dict(use_similarity=False, use_sequence=False, use_keywords=False)),
    ("(b) own similarity only", dict(use_question=False, use_sequence=False, use_keywords=False)),
    ("(d) keywords only", dict(use_question=False, use_similarity=False, use_sequence=False)),
    ("(a)+(b)", dict(use_sequence=False, use_keywords=False)),
    ("(b)+(c) no question", dict(use_question=False, use_keywords=False)),
    ("full without (a) question", dict(use_question=False)),
    ("full without (b) similarity", dict(use_similarity=False)),
    ("full without (c) sequence", dict(use_sequence=False)),
    ("full without (d) keywords", dict(use_keywords=False)),
]


CV_GRID = {
    "center": [0.0, 0.5, 1.0],
    "temperature": [0.04, 0.05, 0.07, 0.1],
    "stay": [0.65, 0.75, 0.85, 0.92],
    "back_penalty": [3, 8, 20],
    "length_exponent": [0.0, 0.3, 0.5, 0.7],
    "question_carry": [0.0, 0.5, 1.0, 2.0],
    "question_weight": [0.5, 1.0, 1.5],
    "keyword_weight": [0.0, 0.5, 1.0, 2.0],
}


def cross_validate(corpus: Corpus, halves: dict[str, list[str]]) -> None:
    """Tune the settings on one half of the interviews (coordinate ascent), test on the other.

    This is how far tuning on the sample study can be trusted: the held-out figure is an
    estimate for interviews the settings never saw.
    """
    from cxinsight.journey import StageSettings

    def acc(ids, **kw):
        seg = cx.assign_stages(corpus, settings=StageSettings(**kw)).segments
        return score(seg[seg["interview_id"].isin(ids)])["acc_excl_none"]

    print("\n### Two-fold check: settings tuned on one half, tested on the other\n")
    print("| tuned on | tuned accuracy | held-out accuracy | defaults on held-out |\n|---|---|---|---|")
    names = list(halves)
    for a, b in ((names[0], names[1]), (names[1], names[0])):
        cur = dict(StageSettings().__dict__)
        best = acc(halves[a], **cur)
        for _ in range(2):
            for name, values in CV_GRID.items():
                res = {v: acc(halves[a], **{**cur, name: v}) for v in values}
                v = max(res, key=lambda x: res[x])
                if res[v] > best + 1e-9:
                    cur[name], best = v, res[v]
        print(f"| {a} | {best:.3f} | {acc(halves[b], **cur):.3f} | {acc(halves[b]):.3f} |")


def main() -> int:
    if not GROUND_TRUTH.exists():
        print(f"Sample study ground truth not found at {GROUND_TRUTH}; nothing to measure.")
        return 0
    t0 = time.perf_counter()
    corpus = cx.embed(cx.segment(ground_truth_corpus()))
    t_embed = time.perf_counter() - t0
    n_int = corpus.n_interviews
    rows = []
    timings = {}
    for name, opts in ABLATION:
        t1 = time.perf_counter()
        staged = cx.assign_stages(corpus, **opts)
        timings[name] = time.perf_counter() - t1
        sc = score(staged.segments)
        sc["acc_no_threshold"] = score(
            cx.assign_stages(corpus, min_confidence=0.0, **opts).segments)["acc_excl_none"]
        rows.append((name, sc))
    full = rows[0][1]

    print(f"## Journey stages: sample study ({n_int} interviews, {full['n_segments']} participant "
          f"segments in {full['n_turns']} participant turns with a journey stage)\n")
    print("| measure | value | target | result |\n|---|---|---|---|")
    print(f"| stage accuracy, participant segments, `none` turns excluded | {full['acc_excl_none']:.3f} "
          f"| >= {BAR:.2f} | {'pass' if full['acc_excl_none'] >= BAR else 'miss'} |")
    print(f"| stage accuracy, participant segments, `none` turns counted | {full['acc_incl_none']:.3f} | - | info |")
    print(f"| same, back-channel segments left out | {full['acc_excl_none_no_bc']:.3f} | - | info |")
    print(f"| turn-level accuracy (majority of a turn's segments) | {full['turn_acc']:.3f} | - | info |")
    print(f"| precision on segments given a stage | {full['precision']:.3f} | - | info |")
    print(f"| coverage (segments given a stage) | {full['coverage']:.3f} | - | info |")
    print(f"| assign_stages time (embeddings cached) | {timings[rows[0][0]]:.2f} s | - | info |")
    print(f"| segment + embed time | {t_embed:.1f} s | - | info |")

    print("\n### Ablation: contribution of each evidence source\n")
    print("(a) interviewer's question, (b) segment's own similarity, (c) HMM sequence over the "
          "interview, (d) keyword rules.\n")
    print("| evidence | accuracy excl. `none` | accuracy incl. `none` | turn accuracy | coverage "
          "| accuracy with min_confidence=0 |")
    print("|---|---|---|---|---|---|")
    for name, s in rows:
        print(f"| {name} | {s['acc_excl_none']:.3f} | {s['acc_incl_none']:.3f} | "
              f"{s['turn_acc']:.3f} | {s['coverage']:.3f} | {s['acc_no_threshold']:.3f} |")

    print("\n### Low-confidence threshold (`min_confidence`; default 0.5)\n")
    print("| min_confidence | accuracy excl. `none` | precision | coverage |\n|---|---|---|---|")
    for mc in (0.0, 0.3, 0.5, 0.7, 0.9):
        sc = score(cx.assign_stages(corpus, min_confidence=mc).segments)
        print(f"| {mc:.1f} | {sc['acc_excl_none']:.3f} | {sc['precision']:.3f} | {sc['coverage']:.3f} |")

    ints = sorted(corpus.segments["interview_id"].unique())
    halves = {"odd interviews": ints[::2], "even interviews": ints[1::2]}
    staged = cx.assign_stages(corpus)
    print("\n### Spread across interviews (default settings)\n")
    print("| interviews | accuracy excl. `none` |\n|---|---|")
    for name, ids in halves.items():
        sc = score(staged.segments[staged.segments["interview_id"].isin(ids)])
        print(f"| {name} ({', '.join(ids)}) | {sc['acc_excl_none']:.3f} |")
    per = [score(staged.segments[staged.segments["interview_id"] == i])["acc_excl_none"] for i in ints]
    print(f"| worst / median / best single interview | {min(per):.3f} / {np.median(per):.3f} / {max(per):.3f} |")
    if "--cv" in sys.argv:
        cross_validate(corpus, halves)

    # per-stage recall of the full model
    part = staged.segments[staged.segments["role"] == "participant"]
    pred = part["stage"].astype("object").where(part["stage"].notna(), "none")
    print("\n### Per-stage recall (full model)\n")
    print("| true stage | segments | recall | most common error |\n|---|---|---|---|")
    for st in ["none", *cx.JourneyMap.default().names]:
        m = part["true_stage"] == st
        if not m.any():
            continue
        wrong = pred[m][pred[m] != st]
        err = wrong.value_counts().index[0] if len(wrong) else "-"
        print(f"| {st} | {int(m.sum())} | {(pred[m] == st).mean():.3f} | {err} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
