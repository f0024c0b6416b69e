"""Emotion tagging benchmark: GoEmotions dev figures, sample-study valence, speed.

Prints a Markdown table (measure, value, target, pass/miss). GoEmotions (Demszky et al. 2020,
Apache-2.0) is read from ``../shared/data/goemotions``; its embeddings come from the on-disk
cache that ``tools/train_emotions.py`` filled (computed once otherwise).

    python benchmarks/bench_emotions.py          # or: python benchmarks/run.py emotions
"""

from __future__ import annotations

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
from cxinsight.emotions.training import (  # noqa: E402
    ekman_eval,
    read_goemotions,
    sentiment_gold,
    sentiment_macro_f1,
)

DATA = ROOT.parent / "shared" / "data" / "goemotions"
SAMPLE = ROOT / "data" / "sample_interviews"
ROWS: list[tuple[str, str, str, str]] = []


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
    vader = sentiment_macro_f1(lexicon_valence(texts, cx_words=False), gold)
    row("  same, VADER alone (anchor 0.59)", vader)
    row("  same, VADER + CX lexicon", sentiment_macro_f1(lexicon_valence(texts), gold))
    clf = EmotionTagger(lexicon=False).predict(texts, embeddings=X)["valence"].to_numpy()
    row("  same, classifier alone (lexicon=False)", sentiment_macro_f1(clf, gold))

    # speed, given embeddings: distinct texts so no cache helps
    train_texts, _ = read_goemotions(DATA, "train")
    n_speed = 20_000
    sub = train_texts[:n_speed]
    Xs = encode(sub, batch_size=128)
    fresh = EmotionTagger()
    fresh.predict(sub[:10], embeddings=Xs[:10])  # load once
    t0 = time.perf_counter()
    fresh.predict(sub, embeddings=Xs)
    rate = n_speed / (time.perf_counter() - t0)
    row("tagging speed given embeddings, segments/s (head + VADER)", rate, ">= 20,000",
        rate >= 20_000, ",.0f")
    t0 = time.perf_counter()
    fresh.predict(sub, embeddings=Xs)
    row("  same texts again (lexicon scores remembered in the process), segments/s",
        n_speed / (time.perf_counter() - t0), fmt=",.0f")
    t0 = time.perf_counter()
    fresh.predict_proba(sub, embeddings=Xs)
    row("  head only (probabilities), segments/s", n_speed / (time.perf_counter() - t0), fmt=",.0f")
    t0 = time.perf_counter()
    EmotionTagger(lexicon=False).predict(sub, embeddings=Xs)
    row("  full predict with lexicon=False, segments/s", n_speed / (time.perf_counter() - t0),
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
                         "emotion_gold": rec.emotion})
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
    m = match_labels(tagged.segments, truth)
    row("sample labelled sentences matched to segments", f"{len(m)}/{len(truth)}")
    polar = m[m["gold"] != 0]
    agree = float((np.sign(polar["pred"]) == polar["gold"]).mean()) if len(polar) else float("nan")
    row(f"sample valence sign agreement (n={len(polar)} non-neutral labels)", agree, ">= 0.85",
        agree >= 0.85)
    band = np.where(m["pred"] > 0.05, 1, np.where(m["pred"] < -0.05, -1, 0))
    row(f"  3-way agreement with ±0.05 band (n={len(m)}, incl. neutral)", float((band == m["gold"]).mean()))


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
    misses = [r[0] for r in ROWS if r[3] == "MISS"]
    if misses:
        print(f"\nMisses: {'; '.join(misses)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
