"""Theme benchmarks: Banking77 clustering against intents, and the sample study's planted themes.

Prints Markdown tables of figures (measure, value, target, pass/miss), misses included:

1. Banking77 (``../shared/data/banking77/train.csv``, CC BY 4.0): a fixed seeded sample of 3,000
   queries and all 10,003. NMI and ARI against the 77 intents for ``ThemeModel`` (number of
   themes estimated, and given as 77) and plain BERTopic defaults (seeded UMAP) on the same
   cached all-MiniLM-L6-v2 embeddings, with fit times and the time ratio.
2. The sample study (``data/sample_interviews``): fit time with cached embeddings, NPMI
   coherence and topic diversity (ThemeModel and BERTopic defaults), planted-theme recovery,
   purity and NMI against the planted themes, and the codebook threshold calibration.

Run: ``python benchmarks/bench_themes.py`` (or ``python benchmarks/run.py themes``).
``--quick`` runs the 3,000-query sample only.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = Path(os.environ.get("CXINSIGHT_SHARED_DATA", ROOT.parent / "shared" / "data"))
SAMPLE = ROOT / "data" / "sample_interviews"
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from cxinsight.embeddings import encode  # noqa: E402
from cxinsight.themes import ThemeModel, read_codebook, themable_mask  # noqa: E402
from cxinsight.themes._backend import bertopic_module, quiet  # noqa: E402
from cxinsight.themes._cluster import with_context  # noqa: E402
from cxinsight.themes._codebook import codebook_similarity  # noqa: E402
from cxinsight.themes._metrics import (  # noqa: E402
    npmi_coherence,
    planted_recovery,
    topic_diversity,
)

SEED = 42
ROWS: list[tuple[str, str, str, str]] = []


def row(measure: str, value: float | str, target: str = "", ok: bool | None = None) -> None:
    shown = f"{value:.3f}" if isinstance(value, float) else str(value)
    status = "" if ok is None else ("pass" if ok else "miss")
    ROWS.append((measure, shown, target, status))
    print(f"  {measure}: {shown} {target} {status}", flush=True)


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
    """Compile UMAP's numba code once, so that neither pipeline's timing pays for it."""
    from umap import UMAP

    x = np.random.RandomState(0).normal(size=(300, 384)).astype(np.float32)
    with quiet():
        UMAP(n_neighbors=15, n_components=5, metric="cosine", random_state=0).fit(x)
        UMAP(n_neighbors=15, n_components=5, metric="cosine", random_state=0,
             force_approximation_algorithm=True).fit(x)
        ThemeModel(min_segments=10).fit([f"warm up text number {i}" for i in range(320)], x[:1].repeat(320, 0)
                                        + np.random.RandomState(1).normal(size=(320, 384)).astype(np.float32))


def banking77(n: int | None) -> None:
    path = SHARED / "banking77" / "train.csv"
    if not path.exists():
        print(f"SKIP Banking77: {path} not found (set CXINSIGHT_SHARED_DATA)")
        return
    df = pd.read_csv(path)
    if n is not None and n < len(df):
        df = df.sample(n=n, random_state=0).sort_index()
    name = f"Banking77 {'sample ' if n else ''}{len(df):,}"
    print(f"\n## {name}", flush=True)
    docs = df["text"].astype(str).tolist()
    y = df["category"].astype("category").cat.codes.to_numpy()
    emb = encode(docs)

    t0 = time.perf_counter()
    bt_labels, _ = bertopic_defaults(docs, emb)
    bt_time = time.perf_counter() - t0
    row(f"{name}: BERTopic defaults NMI", normalized_mutual_info_score(y, bt_labels))
    row(f"{name}: BERTopic defaults ARI", adjusted_rand_score(y, bt_labels))
    row(f"{name}: BERTopic defaults themes / outlier share",
        f"{len(set(bt_labels) - {-1})} / {np.mean(bt_labels == -1):.2f}")
    row(f"{name}: BERTopic defaults fit seconds", bt_time)

    for label, params in (("k estimated", {}), ("k given (77)", {"n_themes": 77})):
        t0 = time.perf_counter()
        model = ThemeModel(random_state=SEED, **params)
        labels = model.fit_predict(docs, emb)
        secs = time.perf_counter() - t0
        nmi = normalized_mutual_info_score(y, labels)
        ari = adjusted_rand_score(y, labels)
        row(f"{name}: ThemeModel ({label}) NMI", nmi, ">= 0.85", nmi >= 0.85)
        row(f"{name}: ThemeModel ({label}) ARI", ari, ">= 0.60", ari >= 0.60)
        row(f"{name}: ThemeModel ({label}) themes / outlier share",
            f"{len(model.themes_)} / {np.mean(labels == -1):.2f}")
        row(f"{name}: ThemeModel ({label}) fit seconds", secs)
        row(f"{name}: time ratio ThemeModel ({label}) / BERTopic defaults", secs / bt_time,
            "<= 1.0", secs / bt_time <= 1.0)


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

    t0 = time.perf_counter()
    themed = cx.extract_themes(corpus)
    secs = time.perf_counter() - t0
    table = themed.tables["themes"]
    labels = themed.segments.loc[mask, "theme"].astype(int).to_numpy()
    row("sample: extract_themes seconds (cached embeddings)", secs, "a few seconds", secs <= 10)
    row("sample: themed segments / themes / outliers",
        f"{int(mask.sum())} / {len(table)} / {int((labels == -1).sum())}")
    row("sample: excluded (interviewer, back-channel, short)",
        str(themed.meta["themes"]["excluded"]))
    row("sample: ThemeModel NPMI (keywords, participant turns as reference)",
        npmi_coherence(table["keywords"], turns))
    row("sample: ThemeModel topic diversity (top 10)", topic_diversity(table["keywords"]))

    t0 = time.perf_counter()
    bt_labels, bt = bertopic_defaults(texts, corpus.embeddings[mask])
    bt_secs = time.perf_counter() - t0
    bt_words = [[w for w, _ in bt.get_topic(t)] for t in sorted(set(bt_labels) - {-1})]
    row("sample: BERTopic defaults fit seconds", bt_secs)
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
    print(f"numba warm-up: {time.perf_counter() - t0:.1f} s (not counted in any fit time)")
    if "--sample-only" not in argv:
        banking77(3000)
        if not quick:
            banking77(None)
    sample_study()
    print("\n| measure | value | target | status |\n|---|---|---|---|")
    for measure, value, target, status in ROWS:
        print(f"| {measure} | {value} | {target} | {status} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
