"""Theme benchmarks: readable labels, honest counts, agreement with human labels, and speed.

Prints Markdown tables of figures (measure, value, target, pass/miss), misses included. All
times are CPU seconds of this process (``time.process_time``, one thread), so that a shared
machine does not distort them; BERTopic defaults are timed in the same run.

1. Airline complaints (``../shared/data/airline_tweets/dev.csv``, negative tweets with a
   labelled reason, @handles stripped; CC BY-NC-SA 4.0: evaluation and threshold tuning only).
   The rows are split by a hash of the text into a tuning half and a held-out half; NMI/ARI
   against the reasons for ThemeModel defaults and BERTopic defaults on each half, and a
   supervised ceiling (logistic regression on the embeddings, trained on the tuning half).
2. Banking77 (``../shared/data/banking77/train.csv``, CC BY 4.0), all 10,003 queries: NMI/ARI
   against the 77 intents for ThemeModel (number of themes estimated, and given as 77) and
   BERTopic defaults, with CPU times and the time ratio.
3. Theme counts on plain lists of answers: the real Jupyter survey's open answers
   (``$CXINSIGHT_REAL_MATERIAL/survey``, CC0) and 10,003 short texts (Banking77).
4. Labels: words per label, the share whose content words occur in their theme's segments and
   in the three quotes shown, and placeholders (none allowed).
5. Speed at 10k and 100k vectors (``--scale``): ThemeModel vs BERTopic defaults on synthetic
   clustered vectors (real text is too slow to embed at 100k on this machine).
6. The sample study (``data/sample_interviews``): planted-theme recovery, filler counted,
   NPMI coherence and topic diversity, and the codebook threshold calibration.

Run: ``python benchmarks/bench_themes.py`` (or ``python benchmarks/run.py themes``).
``--quick`` skips Banking77 and the scale runs; ``--scale`` adds the 100k-vector timing.
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("NUMBA_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = Path(os.environ.get("CXINSIGHT_SHARED_DATA", ROOT.parent / "shared" / "data"))
REAL = Path(os.environ.get("CXINSIGHT_REAL_MATERIAL", "/work/real_material"))
SAMPLE = ROOT / "data" / "sample_interviews"
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from cxinsight.embeddings import encode  # noqa: E402
from cxinsight.themes import ThemeModel, label_found_in, read_codebook, themable_mask  # noqa: E402
from cxinsight.themes._backend import bertopic_module, quiet  # noqa: E402
from cxinsight.themes._cluster import with_context  # noqa: E402
from cxinsight.themes._codebook import codebook_similarity  # noqa: E402
from cxinsight.themes._metrics import (  # noqa: E402
    npmi_coherence,
    planted_recovery,
    topic_diversity,
)
from cxinsight.themes._text import PLACEHOLDER  # noqa: E402

SEED = 42
ROWS: list[tuple[str, str, str, str]] = []
LABELS: list[tuple[str, pd.DataFrame, dict[int, list[str]]]] = []


def row(measure: str, value: float | str, target: str = "", ok: bool | None = None) -> None:
    shown = f"{value:.3f}" if isinstance(value, float) else str(value)
    status = "" if ok is None else ("pass" if ok else "miss")
    ROWS.append((measure, shown, target, status))
    print(f"  {measure}: {shown} {target} {status}", flush=True)


def cpu() -> float:
    return time.process_time()


def bertopic_defaults(docs: list[str], emb: np.ndarray):
    """Plain BERTopic with default sub-models, UMAP seeded (as in the README reference)."""
    bt = bertopic_module()
    from umap import UMAP

    umap_model = UMAP(n_neighbors=15, n_components=5, min_dist=0.0, metric="cosine",
                      random_state=SEED)
    model = bt.BERTopic(umap_model=umap_model, verbose=False)
    with quiet():
        topics, _ = model.fit_transform(docs, embeddings=emb)
    return np.asarray(topics), model


def warm_up() -> None:
    """Compile UMAP's numba code and load spaCy once, so no timing below pays for it."""
    from umap import UMAP

    from cxinsight.themes._labels import _nlp

    _nlp()
    x = np.random.RandomState(0).normal(size=(300, 384)).astype(np.float32)
    with quiet():
        UMAP(n_neighbors=15, n_components=5, metric="cosine", random_state=0).fit(x)
        UMAP(n_neighbors=15, n_components=5, metric="cosine", random_state=0,
             force_approximation_algorithm=True).fit(x).transform(x[:50])
        ThemeModel(min_segments=10).fit([f"warm up text number {i}" for i in range(320)], x[:1].repeat(320, 0)
                                        + np.random.RandomState(1).normal(size=(320, 384)).astype(np.float32))


def keep_labels(name: str, model: ThemeModel) -> None:
    """Remember a fitted model's labels and members for the label statistics."""
    members = {int(t): [model.documents_[i] for i in np.flatnonzero(model.labels_ == t)]
               for t in model.themes_["theme"]}
    LABELS.append((name, model.themes_.copy(), members))


def airline() -> None:
    path = SHARED / "airline_tweets" / "dev.csv"
    if not path.exists():
        print(f"SKIP airline complaints: {path} not found (set CXINSIGHT_SHARED_DATA)")
        return
    print("\n## Airline complaints (negative tweets with a reason; tuning and held-out halves)", flush=True)
    df = pd.read_csv(path)
    df = df[(df["airline_sentiment"] == "negative") & df["negativereason"].notna()]
    docs = [" ".join(re.sub(r"@\w+", " ", str(t)).split()) for t in df["text"]]
    reasons = df["negativereason"].astype(str).to_numpy()
    half = np.array([int(hashlib.sha1(d.encode("utf-8")).hexdigest(), 16) % 2 for d in docs])
    emb = encode(docs, show_progress=False)
    from sklearn.linear_model import LogisticRegression

    for h, name in ((0, "tuning half"), (1, "held-out half")):
        m = half == h
        d, e, y = [x for x, k in zip(docs, m) if k], emb[m], reasons[m]
        t0 = cpu()
        model = ThemeModel(random_state=SEED)
        labels = model.fit_predict(d, e)
        secs = cpu() - t0
        keep_labels(f"airline {name}", model)
        nmi = normalized_mutual_info_score(y, labels)
        row(f"airline {name} ({m.sum()} tweets, {len(set(y))} reasons): ThemeModel NMI", nmi,
            ">= 0.40", nmi >= 0.40)
        row(f"airline {name}: ThemeModel ARI", adjusted_rand_score(y, labels))
        row(f"airline {name}: ThemeModel themes / outlier share / filler",
            f"{len(model.themes_)} / {np.mean(labels == -1):.2f} / {model.n_filler_}")
        row(f"airline {name}: ThemeModel CPU s", secs)
        for k in (10, 20):
            lab = ThemeModel(n_themes=k, random_state=SEED).fit_predict(d, e)
            row(f"airline {name}: ThemeModel n_themes={k} NMI / ARI",
                f"{normalized_mutual_info_score(y, lab):.3f} / {adjusted_rand_score(y, lab):.3f}")
        bt, _ = bertopic_defaults(d, e)
        row(f"airline {name}: BERTopic defaults NMI / ARI / themes",
            f"{normalized_mutual_info_score(y, bt):.3f} / {adjusted_rand_score(y, bt):.3f} / "
            f"{len(set(bt) - {-1})}")
        if name == "tuning half":
            print("  themes:", "; ".join(model.themes_["label"].head(12)))
    clf = LogisticRegression(max_iter=2000).fit(emb[half == 0], reasons[half == 0])
    pred = clf.predict(emb[half == 1])
    row("airline held-out: supervised ceiling (logistic regression on the embeddings, trained on "
        "the tuning half) NMI / ARI",
        f"{normalized_mutual_info_score(reasons[half == 1], pred):.3f} / "
        f"{adjusted_rand_score(reasons[half == 1], pred):.3f}")


def banking77() -> None:
    path = SHARED / "banking77" / "train.csv"
    if not path.exists():
        print(f"SKIP Banking77: {path} not found (set CXINSIGHT_SHARED_DATA)")
        return
    df = pd.read_csv(path)
    name = f"Banking77 {len(df):,}"
    print(f"\n## {name}", flush=True)
    docs = df["text"].astype(str).tolist()
    y = df["category"].astype("category").cat.codes.to_numpy()
    emb = encode(docs, show_progress=False)

    t0 = cpu()
    bt_labels, _ = bertopic_defaults(docs, emb)
    bt_time = cpu() - t0
    row(f"{name}: BERTopic defaults NMI / ARI",
        f"{normalized_mutual_info_score(y, bt_labels):.3f} / {adjusted_rand_score(y, bt_labels):.3f}")
    row(f"{name}: BERTopic defaults themes / outlier share",
        f"{len(set(bt_labels) - {-1})} / {np.mean(bt_labels == -1):.2f}")
    row(f"{name}: BERTopic defaults CPU s", bt_time)

    for label, params in (("k given (77)", {"n_themes": 77}), ("defaults, k estimated", {})):
        t0 = cpu()
        model = ThemeModel(random_state=SEED, **params)
        labels = model.fit_predict(docs, emb)
        secs = cpu() - t0
        nmi = normalized_mutual_info_score(y, labels)
        ari = adjusted_rand_score(y, labels)
        given = "n_themes" in params
        row(f"{name}: ThemeModel ({label}) NMI", nmi, ">= 0.85" if given else "",
            nmi >= 0.85 if given else None)
        row(f"{name}: ThemeModel ({label}) ARI", ari, ">= 0.60" if given else "",
            ari >= 0.60 if given else None)
        row(f"{name}: ThemeModel ({label}) themes / outlier share",
            f"{len(model.themes_)} / {np.mean(labels == -1):.2f}", "5-30" if not given else "",
            (5 <= len(model.themes_) <= 30) if not given else None)
        row(f"{name}: ThemeModel ({label}) CPU s", secs)
        row(f"{name}: CPU time ratio ThemeModel ({label}) / BERTopic defaults", secs / bt_time,
            "<= 1.0", secs / bt_time <= 1.0)
        keep_labels(f"Banking77 ({label})", model)


def survey() -> None:
    path = REAL / "survey" / "jupyter_2020_text_fields.csv"
    if not path.exists():
        print(f"SKIP survey: {path} not found (set CXINSIGHT_REAL_MATERIAL)")
        return
    print("\n## A plain list of real survey answers (Jupyter survey 2020, CC0)", flush=True)
    table = pd.read_csv(path, dtype=str)
    answers = [str(v).strip() for col in table.columns[1:] for v in table[col].dropna()
               if str(v).strip()]
    emb = encode(answers, show_progress=False)
    t0 = cpu()
    model = ThemeModel(random_state=SEED, min_segments=20).fit(answers, emb)
    row(f"survey ({len(answers)} answers): themes / filler answers / outlier share",
        f"{len(model.themes_)} / {model.n_filler_} / {np.mean(model.labels_ == -1):.2f}",
        "5-30 themes", 5 <= len(model.themes_) <= 30)
    row("survey: CPU s", cpu() - t0)
    keep_labels("survey", model)
    for r in model.themes_.itertuples():
        print(f"  {r.theme:>3} {r.size:>4}  {r.label}  |  {', '.join(r.keywords[:5])}")


def label_stats() -> None:
    print("\n## Labels", flush=True)
    for name, table, members in LABELS:
        words = [len(str(lab).split()) for lab in table["label"]]
        in_segments = [label_found_in(lab, members[int(t)]) for t, lab in zip(table["theme"], table["label"])]
        in_quotes = [label_found_in(lab, q) for lab, q in zip(table["label"], table["quotes"])]
        placeholders = sum(bool(PLACEHOLDER.search(str(lab)) or re.search(r"[A-Z]+_\d", str(lab)))
                           for lab in table["label"])
        row(f"labels, {name}: words per label (median / max)",
            f"{np.median(words):.0f} / {max(words) if words else 0}", "short (<= 8)",
            bool(words) and max(words) <= 8)
        row(f"labels, {name}: share whose content words occur in the theme's segments",
            float(np.mean(in_segments)) if in_segments else 0.0, "1.0",
            bool(in_segments) and all(in_segments))
        row(f"labels, {name}: share found in the 3 quotes shown", float(np.mean(in_quotes)) if in_quotes else 0.0)
        row(f"labels, {name}: labels with a placeholder", str(placeholders), "0", placeholders == 0)


def synthetic(n: int, dim: int = 384, k: int = 60, seed: int = 0) -> tuple[list[str], np.ndarray]:
    """``n`` unit vectors around ``k`` centres, with short texts drawn from per-centre words."""
    rng = np.random.RandomState(seed)
    centres = rng.normal(size=(k, dim))
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    which = rng.randint(0, k, size=n)
    vec = centres[which] + rng.normal(scale=0.045, size=(n, dim))
    vec = (vec / np.linalg.norm(vec, axis=1, keepdims=True)).astype(np.float32)
    vocab = [f"topic{c}word{j}" for c in range(k) for j in range(8)]
    docs = [" ".join(vocab[c * 8 + j] for j in rng.randint(0, 8, size=5)) for c in which]
    return docs, vec


def scale(sizes: tuple[int, ...]) -> None:
    print("\n## Speed on synthetic vectors (CPU s, one thread)", flush=True)
    for n in sizes:
        docs, vec = synthetic(n)
        t0 = cpu()
        bertopic_defaults(docs, vec)
        bt = cpu() - t0
        t0 = cpu()
        model = ThemeModel(random_state=SEED).fit(docs, vec)
        ours = cpu() - t0
        row(f"{n:,} vectors: BERTopic defaults CPU s", bt)
        row(f"{n:,} vectors: ThemeModel CPU s ({len(model.themes_)} themes)", ours)
        row(f"{n:,} vectors: CPU time ratio ThemeModel / BERTopic defaults", ours / bt, "<= 1.0",
            ours / bt <= 1.0)


def sample_study() -> None:
    if not (SAMPLE / "manifest.csv").exists():
        print(f"SKIP sample study: {SAMPLE} not found")
        return
    import cxinsight as cx

    print("\n## Sample study", flush=True)
    corpus = cx.embed(cx.segment(cx.read(SAMPLE)))  # embeddings cached on disk
    mask, _ = themable_mask(corpus.segments)
    seg = corpus.segments[mask].reset_index(drop=True)
    texts = seg["text"].astype(str).tolist()
    turns = (corpus.turns[corpus.turns["role"] == "participant"]["text"].astype(str).tolist())

    t0 = cpu()
    themed = cx.extract_themes(corpus)
    secs = cpu() - t0
    table = themed.tables["themes"]
    labels = themed.segments.loc[mask, "theme"].astype(int).to_numpy()
    row("sample: extract_themes CPU s (cached embeddings)", secs, "a few seconds", secs <= 15)
    row("sample: filler / small-talk segments not themed", str(themed.meta["themes"]["excluded"].get("filler")))
    members = {int(t): seg.loc[labels == t, "text"].astype(str).tolist() for t in table["theme"]}
    LABELS.append(("sample study", table.copy(), members))
    row("sample: themed segments / themes / outliers",
        f"{int(mask.sum())} / {len(table)} / {int((labels == -1).sum())}")
    row("sample: excluded (interviewer, back-channel, short)",
        str(themed.meta["themes"]["excluded"]))
    row("sample: ThemeModel NPMI (keywords, participant turns as reference)",
        npmi_coherence(table["keywords"], turns))
    row("sample: ThemeModel topic diversity (top 10)", topic_diversity(table["keywords"]))

    t0 = cpu()
    bt_labels, bt = bertopic_defaults(texts, corpus.embeddings[mask])
    bt_secs = cpu() - t0
    bt_words = [[w for w, _ in bt.get_topic(t)] for t in sorted(set(bt_labels) - {-1})]
    row("sample: BERTopic defaults CPU s", bt_secs)
    row("sample: BERTopic defaults themes / outlier share",
        f"{len(bt_words)} / {np.mean(bt_labels == -1):.2f}")
    row("sample: BERTopic defaults NPMI", npmi_coherence(bt_words, turns))
    row("sample: BERTopic defaults topic diversity", topic_diversity(bt_words))

    truth = pd.read_csv(SAMPLE / "_ground_truth" / "turns.csv", dtype={"interview_id": str})
    truth = truth[truth["themes"].notna()]
    key = {(r.interview_id, int(r.turn)): r.themes for r in truth.itertuples()}
    planted = [key.get((i, int(t))) for i, t in zip(seg["interview_id"], seg["turn"])]
    single = [p if p and ";" not in p else None for p in planted]
    for who, found in (("ThemeModel", labels), ("BERTopic defaults", bt_labels)):
        rec = planted_recovery(found, single)
        ok = bool(rec["recovered"].all())
        row(f"sample: {who} planted themes recovered", f"{int(rec['recovered'].sum())}/{len(rec)}",
            "all", ok if who == "ThemeModel" else None)
        keep = np.array([p is not None for p in single]) & (np.asarray(found) >= 0)
        p_arr = np.array([p or "" for p in single])[keep]
        f_arr = np.asarray(found)[keep]
        purity = pd.crosstab(f_arr, p_arr).max(axis=1).sum() / len(f_arr)
        row(f"sample: {who} NMI vs planted (single-theme turns)",
            normalized_mutual_info_score(p_arr, f_arr))
        row(f"sample: {who} purity vs planted", float(purity))
        if who == "ThemeModel":
            print(rec.to_string(index=False))
    print("\nThemeModel themes on the sample study:")
    for r in table.itertuples():
        print(f"  {r.theme:>3} {r.size:>4} seg {r.n_participants:>2} ppl  {r.label}  |  "
              f"{', '.join(r.keywords[:6])}")

    # codebook threshold calibration: themes.csv descriptions as a researcher codebook
    book_df = pd.read_csv(SAMPLE / "_ground_truth" / "themes.csv")
    book = read_codebook({r.label: [r.description] for r in book_df.itertuples()})
    key_of = dict(zip(book_df["label"], book_df["theme"]))
    ctx = (seg["interview_id"].astype(str) + "|" + seg["turn"].astype(str)).tolist()
    sims = codebook_similarity(with_context(corpus.embeddings[mask], ctx, 1.0), book)
    best = np.array([key_of[k] for k in book])[sims.argmax(axis=1)]
    top = sims.max(axis=1)
    has = np.array([p is not None for p in planted])
    right = np.array([p is not None and b in p.split(";") for p, b in zip(planted, best)])
    print("\nCodebook threshold (all-MiniLM-L6-v2, turn context): coverage / precision of "
          "themed segments, share of unthemed segments assigned")
    for thr in (0.30, 0.35, 0.40, 0.45, 0.50):
        m = top >= thr
        print(f"  {thr:.2f}: coverage {m[has].mean():.3f}  precision {right[m & has].mean():.3f}  "
              f"unthemed assigned {m[~has].mean():.3f}")


def main(argv: list[str]) -> int:
    quick = "--quick" in argv
    t0 = time.perf_counter()
    warm_up()
    print(f"warm-up (numba, spaCy): {time.perf_counter() - t0:.1f} s (not counted in any time)")
    if "--sample-only" not in argv:
        airline()
        survey()
        if not quick:
            banking77()
        if "--scale" in argv:
            scale((10_000, 100_000))
    sample_study()
    label_stats()
    print("\n| measure | value | target | status |\n|---|---|---|---|")
    for measure, value, target, status in ROWS:
        print(f"| {measure} | {value} | {target} | {status} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
