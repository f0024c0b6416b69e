"""Emotion tagging benchmark: GoEmotions dev, customer tweets, a real survey, held-out studies.

Prints a Markdown table (measure, value, target, pass/miss). Data is read by path, never copied:

* GoEmotions (Demszky et al. 2020, Apache-2.0), ``../shared/data/goemotions``: Ekman 6 + neutral
  and positive / negative / neutral macro-F1 on dev; its embeddings come from the on-disk cache
  that ``tools/train_emotions.py`` filled (computed once otherwise);
* Twitter US Airline Sentiment (Figure Eight 2015, CC BY-NC-SA 4.0; used for evaluation and for
  tuning rules and thresholds only), ``../shared/data/airline_tweets/dev.csv``: 3-class
  macro-F1 and complaint recall on the half the cue weights were tuned on, on the other
  (held-out) half, and on all of it, with VADER as the baseline. Halves are split by a hash
  of the text (``sha1(text) % 2``; 0 = tuning half);
* a real open-ended survey export (``$CXINSIGHT_REAL_MATERIAL``, default ``/work/real_material``;
  Jupyter survey 2020, CC0): mean valence per question kind and the AUC separating answers to
  problem questions from the others;
* labelled held-out interview studies, ``benchmarks/studies/*/_ground_truth/turns.csv``
  (never tuned on): valence sign agreement and request detection per study.

    python benchmarks/bench_emotions.py          # or: python benchmarks/run.py emotions
"""

from __future__ import annotations

import hashlib
import os
import re
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
    macro_f1_labels,
    read_goemotions,
    sentiment_gold,
    sentiment_macro_f1,
)

DATA = ROOT.parent / "shared" / "data" / "goemotions"
AIRLINE = ROOT.parent / "shared" / "data" / "airline_tweets" / "dev.csv"
REAL = Path(os.environ.get("CXINSIGHT_REAL_MATERIAL", "/work/real_material"))
STUDIES = ROOT / "benchmarks" / "studies"
HANDLE = re.compile(r"@\w+")
#: Valence weights that switch off every customer cue and the event lexicon (for comparison).
NO_CUES = {"problem_question": 0.0, "positive_question": 0.0, "request": 0.0, "politeness": 0.0,
           "polite_lift": 1.0, "soft_positive": 1.0, "confusion": 0.0, "complaint_ask": 0.0,
           "info_ask": 0.0, "failures_first": 0.0, "events": 0.0}
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
    row(f"GoEmotions dev pos/neg/neu macro-F1 from valence, customer cues on (n={n})", f1, ">= 0.70",
        f1 >= 0.70)
    ref = reference_vader(texts, cx_words=False)
    row("  same, VADER alone (vaderSentiment package; anchor 0.59)", sentiment_macro_f1(ref, gold))
    row("  same, VADER + CX lexicon", sentiment_macro_f1(lexicon_valence(texts), gold))
    clf = EmotionTagger(lexicon=False).predict(texts, embeddings=X)["valence"].to_numpy()
    row("  same, classifier alone (lexicon=False)", sentiment_macro_f1(clf, gold))
    no_events = EmotionTagger(valence_weights={"events": 0}).predict(texts, embeddings=X)["valence"]
    row("  same, without the CX event lexicon", sentiment_macro_f1(no_events.to_numpy(), gold))
    plain = EmotionTagger(valence_weights=NO_CUES).predict(texts, embeddings=X)["valence"]
    row("  same, without the customer cues and events (head + lexicon formula only)",
        sentiment_macro_f1(plain.to_numpy(), gold))
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


def three_class(valence: np.ndarray, band: float = 0.05) -> np.ndarray:
    v = np.asarray(valence, dtype=float)
    return np.where(v > band, "positive", np.where(v < -band, "negative", "neutral"))


def airline_scores(valence: np.ndarray, gold: np.ndarray, mask: np.ndarray) -> tuple[float, float]:
    """3-class macro-F1 and complaint recall (negatives read negative) on ``mask``."""
    pred = three_class(valence)
    f1 = macro_f1_labels(gold[mask], pred[mask], ["positive", "negative", "neutral"])
    neg = mask & (gold == "negative")
    return f1, float((pred[neg] == "negative").mean())


def airline() -> None:
    if not AIRLINE.is_file():
        row("airline tweets", "skipped: ../shared/data/airline_tweets/dev.csv absent")
        return
    frame = pd.read_csv(AIRLINE)
    texts = [" ".join(HANDLE.sub(" ", str(t)).split()) for t in frame["text"]]
    gold = frame["airline_sentiment"].to_numpy()
    half = np.array([int(hashlib.sha1(t.encode("utf-8")).hexdigest(), 16) % 2 for t in texts])
    parts = {"tuning half": half == 0, "held-out half": half == 1, "all": half >= 0}
    X = encode(texts, batch_size=128)
    tagger = EmotionTagger()
    out = tagger.predict(texts, embeddings=X)
    v = out["valence"].to_numpy()
    plain = EmotionTagger(valence_weights=NO_CUES)
    v0 = plain.predict(texts, embeddings=X)["valence"].to_numpy()
    vader = lexicon_valence(texts, cx_words=False)
    for name, mask in parts.items():
        f1, rec = airline_scores(v, gold, mask)
        held = name == "held-out half"
        row(f"airline tweets, {name} (n={int(mask.sum())}): 3-class macro-F1", f1,
            ">= 0.70" if held else "", f1 >= 0.70 if held else None)
        row(f"  complaint recall (negatives read negative, n={int((mask & (gold == 'negative')).sum())})",
            rec, ">= 0.75" if held else "", rec >= 0.75 if held else None)
        f0, r0 = airline_scores(v0, gold, mask)
        fv, rv = airline_scores(vader, gold, mask)
        row("  without the cues and events (classifier + lexicon only): macro-F1 / recall", f"{f0:.3f} / {r0:.3f}")
        row("  VADER alone: macro-F1 / recall", f"{fv:.3f} / {rv:.3f}")
    pred = three_class(v)
    neg = gold == "negative"
    reasons = frame["negativereason"].fillna("")
    per = {r: float((pred[neg & (reasons == r)] == "negative").mean())
           for r in reasons[neg].value_counts().index[:6]}
    row("  complaint recall by labelled reason (all)", "; ".join(f"{k} {x:.2f}" for k, x in per.items()))
    row("  share of tweets flagged as requests", float(out["request"].mean()))


def survey_answers() -> pd.DataFrame:
    """Answers of the real survey: one row per non-empty cell, with its column as the question."""
    path = REAL / "survey" / "jupyter_2020_text_fields.csv"
    frame = pd.read_csv(path, dtype=str)
    rows = []
    for col in frame.columns[1:]:
        for rid, text in zip(frame.iloc[:, 0], frame[col]):
            if isinstance(text, str) and text.strip():
                rows.append({"respondent": rid, "question": col, "text": " ".join(text.split())})
    return pd.DataFrame(rows)


def auc(pos: np.ndarray, neg: np.ndarray) -> float:
    """Probability that a random ``neg`` value is below a random ``pos`` value (ties half)."""
    pos, neg = np.asarray(pos, float), np.asarray(neg, float)
    if not len(pos) or not len(neg):
        return float("nan")
    greater = (pos[:, None] > neg[None, :]).mean()
    ties = (pos[:, None] == neg[None, :]).mean()
    return float(greater + ties / 2)


def real_survey() -> None:
    if not (REAL / "survey" / "jupyter_2020_text_fields.csv").is_file():
        row("real survey", f"skipped: {REAL}/survey/jupyter_2020_text_fields.csv absent")
        return
    answers = survey_answers()
    texts = answers["text"].tolist()
    X = encode(texts, batch_size=64)
    with_q = EmotionTagger().predict(texts, embeddings=X, questions=answers["question"].tolist())
    alone = EmotionTagger().predict(texts, embeddings=X)
    kinds = with_q["question_kind"].to_numpy()
    counts = pd.Series(kinds).value_counts()
    row(f"real survey (Jupyter 2020, {len(texts)} answers to {answers['question'].nunique()} "
        "questions): answers per question kind", "; ".join(f"{k} {n}" for k, n in counts.items()))
    for kind in ("problem", "positive", "neutral"):
        m = kinds == kind
        if m.any():
            row(f"  mean valence, answers to {kind} questions (n={int(m.sum())}), question-aware / words alone",
                f"{with_q['valence'][m].mean():+.3f} / {alone['valence'][m].mean():+.3f}")
    problem = kinds == "problem"
    if (kinds == "positive").any():
        other, label = kinds == "positive", "pleasant"
    else:
        other, label = ~problem, "all other (the survey asks no pleasant question)"
    a = auc(-with_q["valence"][problem].to_numpy(), -with_q["valence"][other].to_numpy())
    a0 = auc(-alone["valence"][problem].to_numpy(), -alone["valence"][other].to_numpy())
    row(f"  AUC: answers to problem questions read lower than answers to {label} questions, "
        "question-aware / words alone", f"{a:.3f} / {a0:.3f}")
    m = problem
    share = float((with_q["valence"][m] < -0.05).mean())
    row("  share of answers to problem questions read as negative (question-aware)", share)
    row("  answers flagged as requests", int(with_q["request"].sum()))


def studies() -> None:
    folders = sorted(p.parent.parent for p in STUDIES.glob("*/_ground_truth/turns.csv"))
    if not folders:
        row("held-out studies", f"skipped: no {STUDIES}/*/_ground_truth/turns.csv yet")
        return
    for folder in folders:
        truth = pd.read_csv(folder / "_ground_truth" / "turns.csv")
        try:
            corpus = cx.tag_emotions(cx.embed(cx.segment(cx.read(folder))))
        except Exception as err:  # a study the reader cannot take yet: say so, go on
            row(f"study {folder.name}", f"not read: {type(err).__name__}: {str(err)[:80]}")
            continue
        seg = corpus.segments
        by_turn = seg.groupby(["interview_id", "turn"]).agg(
            valence=("valence", "mean"), request=("request", "any"))
        part = truth[truth["role"].astype(str) == "participant"]
        rows = []
        for rec in part.itertuples(index=False):
            key = (str(rec.interview_id), int(rec.turn))
            if key in by_turn.index:
                got = by_turn.loc[key]
                rows.append((int(rec.valence), float(got["valence"]), str(getattr(rec, "kind", "")),
                             bool(got["request"])))
        if not rows:
            row(f"study {folder.name}", f"no labelled participant turn matched ({len(part)} labelled)")
            continue
        m = pd.DataFrame(rows, columns=["gold", "pred", "kind", "request"])
        polar = m[m["gold"] != 0]
        agree = int((np.sign(polar["pred"]) == polar["gold"]).sum())
        row(f"study {folder.name}: valence sign agreement, labelled non-neutral participant turns",
            f"{agree}/{len(polar)} = {agree / max(len(polar), 1):.3f}")
        band = np.where(m["pred"] > 0.05, 1, np.where(m["pred"] < -0.05, -1, 0))
        row(f"  3-way agreement with the ±0.05 band (n={len(m)})", float((band == m["gold"]).mean()))
        req = m["kind"] == "request"
        if req.any():
            found = int((m["request"] & req).sum())
            flagged = int(m["request"].sum())
            row(f"  requests: recall {found}/{int(req.sum())}, precision {found}/{flagged}",
                f"{found / req.sum():.2f} / {found / max(flagged, 1):.2f}")
        comp = m["kind"] == "complaint"
        if comp.any():
            row(f"  complaints read negative (n={int(comp.sum())})", float((m["pred"][comp] < -0.05).mean()))


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
    airline()
    real_survey()
    studies()
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
