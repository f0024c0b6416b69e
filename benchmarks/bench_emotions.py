"""Emotion tagging benchmark: GoEmotions dev figures, sample-study valence, speed.

Prints a Markdown table (measure, value, target, pass/miss). GoEmotions (Demszky et al. 2020,
Apache-2.0) is read from ``../shared/data/goemotions``; its embeddings come from the on-disk
cache that ``tools/train_emotions.py`` filled (computed once otherwise).

    python benchmarks/bench_emotions.py          # or: python benchmarks/run.py emotions
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import cxinsight as cx  # noqa: E402
from cxinsight.embeddings import EmbeddingCache, encode  # noqa: E402
from cxinsight.emotions import EmotionTagger, lexicon_valence  # noqa: E402
from cxinsight.emotions.lexicon import reference_vader  # noqa: E402
from cxinsight.emotions.training import (  # noqa: E402
    ekman_eval,
    read_goemotions,
    sentiment_gold,
    sentiment_macro_f1,
)

DATA = ROOT.parent / "shared" / "data" / "goemotions"
SAMPLE = ROOT / "data" / "sample_interviews"
ROWS: list[tuple[str, str, str, str]] = []
CURVE: list[str] = []
STAGES = ["discovery", "consideration", "purchase", "onboarding", "everyday_use", "support", "renewal"]


def row(measure: str, value: float | str, target: str = "", ok: bool | None = None, fmt: str = ".3f"):
    text = value if isinstance(value, str) else format(value, fmt)
    ROWS.append((measure, text, target, "" if ok is None else ("pass" if ok else "MISS")))


def goemotions(tagger: EmotionTagger) -> None:
    if not DATA.is_dir():
        row("GoEmotions figures", "skipped: ../shared/data/goemotions absent")
        return
    texts, Y = read_goemotions(DATA, "dev")
    X = encode(texts, batch_size=128)
    out = tagger.predict(texts, embeddings=X)
    P = out[list(cx.emotions.GOEMOTIONS_LABELS)].to_numpy()
    ek = ekman_eval(P, Y)
    row(f"GoEmotions dev Ekman 6 + neutral macro-F1 (n={ek['n']} single-label)", ek["macro_f1"],
        ">= 0.55", ek["macro_f1"] >= 0.55)
    gold = sentiment_gold(Y)
    n = int((gold != "").sum())
    f1 = sentiment_macro_f1(out["valence"].to_numpy(), gold)
    row(f"GoEmotions dev pos/neg/neu macro-F1 from valence (n={n})", f1, ">= 0.68", f1 >= 0.68)
    ref = reference_vader(texts, cx_words=False)
    row("  same, VADER alone (vaderSentiment package; anchor 0.59)", sentiment_macro_f1(ref, gold))
    row("  same, VADER + CX lexicon", sentiment_macro_f1(lexicon_valence(texts), gold))
    clf = EmotionTagger(lexicon=False).predict(texts, embeddings=X)["valence"].to_numpy()
    row("  same, classifier alone (lexicon=False)", sentiment_macro_f1(clf, gold))
    no_events = EmotionTagger(valence_weights={"events": 0}).predict(texts, embeddings=X)["valence"]
    row("  same, without the CX event lexicon", sentiment_macro_f1(no_events.to_numpy(), gold))
    fast = lexicon_valence(texts, cx_words=False)
    diff = np.abs(fast - ref)
    row(f"our VADER-rule scorer vs vaderSentiment, dev (n={len(texts)}): share with |diff| < 0.001",
        float((diff < 1e-3).mean()), ">= 0.95", float((diff < 1e-3).mean()) >= 0.95)
    row("  correlation / mean absolute difference",
        f"{np.corrcoef(fast, ref)[0, 1]:.4f} / {diff.mean():.5f}")

    # speed, given embeddings: distinct texts so no cache helps
    train_texts, _ = read_goemotions(DATA, "train")
    n_speed = 20_000
    sub = train_texts[:n_speed]
    Xs = encode(sub, batch_size=128)
    fresh = EmotionTagger()
    fresh.predict(sub[:10], embeddings=Xs[:10])  # load once
    load = os.getloadavg()[0]
    t0, c0 = time.perf_counter(), time.process_time()
    fresh.predict(sub, embeddings=Xs)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    row(f"tagging speed given embeddings, segments/s of process CPU time (head + lexicon + events; "
        f"{n_speed:,} distinct texts)", n_speed / cpu, ">= 20,000", n_speed / cpu >= 20_000, ",.0f")
    row(f"  same, wall clock (shared 2-core machine, load average {load:.1f})", n_speed / wall,
        fmt=",.0f")
    c0 = time.process_time()
    fresh.predict_proba(sub, embeddings=Xs)
    row("  head only (probabilities), segments/s CPU", n_speed / (time.process_time() - c0), fmt=",.0f")
    other = train_texts[n_speed:2 * n_speed]
    c0 = time.process_time()
    lexicon_valence(other)
    row("  lexicon scorer only (our VADER rules + CX words), segments/s CPU",
        len(other) / (time.process_time() - c0), fmt=",.0f")
    c0 = time.process_time()
    reference_vader(other[:5000])
    row("  vaderSentiment package, same texts, segments/s CPU", 5000 / (time.process_time() - c0),
        fmt=",.0f")


def match_labels(segments: pd.DataFrame, truth: pd.DataFrame) -> pd.DataFrame:
    """Attach to each labelled sentence the valence of the segment(s) holding it."""
    by_turn = {k: g for k, g in segments.groupby(["interview_id", "turn"])}
    rows = []
    for rec in truth.itertuples(index=False):
        g = by_turn.get((str(rec.interview_id), int(rec.turn)))
        if g is None:
            continue
        target = " ".join(str(rec.text).split())
        hits = [v for t, v in zip(g["text"], g["valence"])
                if target in " ".join(str(t).split()) or " ".join(str(t).split()) in target]
        if hits:
            rows.append({"gold": int(rec.valence), "pred": float(np.mean(hits)),
                         "emotion_gold": rec.emotion, "interview_id": str(rec.interview_id),
                         "stage": getattr(rec, "stage", "none")})
    return pd.DataFrame(rows)


def sample_study() -> None:
    truth_path = SAMPLE / "_ground_truth" / "segments.csv"
    if not truth_path.is_file():
        row("sample study", "skipped: data/sample_interviews not there yet")
        return
    corpus = cx.segment(cx.read(SAMPLE))
    t0 = time.perf_counter()
    embedded = cx.embed(corpus)
    cold = time.perf_counter() - t0
    misses = embedded.meta["embedding"]["cache_misses"]
    if misses:
        row(f"embedding speed, segments/s ({misses} segments computed)", misses / cold, fmt=",.0f")
    EmbeddingCache.clear_memory()  # as in a new process: read the cache from disk
    t0 = time.perf_counter()
    again = cx.embed(corpus)
    warm = time.perf_counter() - t0
    row(f"warm re-run of embed on the sample study ({len(corpus.segments)} segments), s", warm,
        "< 1", warm < 1 and again.meta["embedding"]["cache_misses"] == 0)
    tagged = cx.tag_emotions(embedded)
    truth = pd.read_csv(truth_path)
    turns = pd.read_csv(SAMPLE / "_ground_truth" / "turns.csv")
    stage_of = {(str(r.interview_id), int(r.turn)): r.stage for r in turns.itertuples()}
    truth["stage"] = [stage_of.get((str(i), int(t)), "none") for i, t in zip(truth.interview_id, truth.turn)]
    m = match_labels(tagged.segments, truth)
    row("sample labelled sentences matched to segments", f"{len(m)}/{len(truth)}")
    polar = m[m["gold"] != 0]
    agree = float((np.sign(polar["pred"]) == polar["gold"]).mean()) if len(polar) else float("nan")
    row(f"sample valence sign agreement (n={len(polar)} non-neutral labels)", agree, ">= 0.85",
        agree >= 0.85)
    plain = cx.tag_emotions(embedded, EmotionTagger(valence_weights={"events": 0}))
    m0 = match_labels(plain.segments, truth)
    p0 = m0[m0["gold"] != 0]
    row("  same, without the CX event lexicon", float((np.sign(p0["pred"]) == p0["gold"]).mean()))
    band = np.where(m["pred"] > 0.05, 1, np.where(m["pred"] < -0.05, -1, 0))
    row(f"  3-way agreement with ±0.05 band (n={len(m)}, incl. neutral)", float((band == m["gold"]).mean()))
    stage_curve(tagged.segments, plain.segments, m, m0, stage_of)


def _stage_means(frame: pd.DataFrame, col: str) -> pd.Series:
    """Per-stage mean of ``col``, each interview (participant) weighted equally."""
    return frame.groupby(["stage", "interview_id"])[col].mean().groupby("stage").mean()


def stage_curve(seg: pd.DataFrame, seg0: pd.DataFrame, m: pd.DataFrame, m0: pd.DataFrame,
                stage_of: dict) -> None:
    """Journey emotion curve with the ground-truth stage of each turn: tagger vs hand labels."""
    def participant(frame):
        keep = (frame["role"] == "participant") & ~frame["is_backchannel"].astype(bool)
        frame = frame[keep].copy()
        frame["stage"] = [stage_of.get((str(i), int(t)), "none")
                          for i, t in zip(frame["interview_id"], frame["turn"])]
        return frame

    hand = _stage_means(m.assign(v=m["gold"].astype(float)), "v")
    lab = _stage_means(m.assign(v=m["pred"]), "v")
    lab0 = _stage_means(m0.assign(v=m0["pred"]), "v")
    allseg = _stage_means(participant(seg).rename(columns={"valence": "v"}), "v")
    allseg0 = _stage_means(participant(seg0).rename(columns={"valence": "v"}), "v")
    CURVE.append("| stage | hand labels | tagger, labelled sentences | same, no events | "
                 "tagger, all participant segments | same, no events |")
    CURVE.append("|---|---|---|---|---|---|")
    for st in STAGES:
        vals = [hand.get(st, np.nan), lab.get(st, np.nan), lab0.get(st, np.nan),
                allseg.get(st, np.nan), allseg0.get(st, np.nan)]
        CURVE.append(f"| {st} | " + " | ".join(f"{v:+.2f}" for v in vals) + " |")
    order = [st for st in STAGES if st in hand.index and st in allseg.index]
    rho = pd.Series([hand[s] for s in order]).corr(pd.Series([allseg[s] for s in order]), method="spearman")
    rho0 = pd.Series([hand[s] for s in order]).corr(pd.Series([allseg0[s] for s in order]), method="spearman")
    row("sample journey curve: rank correlation of stage means with hand labels (all segments)",
        f"{rho:.3f} (no events {rho0:.3f})")


def embedding_speed() -> None:
    texts = [f"Sample sentence {i}: the delivery came on {i % 7} days late, so I rang support."
             for i in range(256)]
    encode(texts[:4], cache=False)  # load the model
    t0 = time.perf_counter()
    encode(texts, cache=False, batch_size=64)
    row("embedding speed, uncached, segments/s (256 short sentences)",
        len(texts) / (time.perf_counter() - t0), fmt=",.1f")


def main() -> int:
    tagger = EmotionTagger()
    goemotions(tagger)
    sample_study()
    embedding_speed()
    print("| measure | value | target | status |\n|---|---|---|---|")
    for r in ROWS:
        print("| " + " | ".join(r) + " |")
    if CURVE:
        print("\nJourney emotion curve on the sample study (ground-truth stage of each turn; "
              "per-stage mean valence, interviews weighted equally):\n")
        print("\n".join(CURVE))
    misses = [r[0] for r in ROWS if r[3] == "MISS"]
    if misses:
        print(f"\nMisses: {'; '.join(misses)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
