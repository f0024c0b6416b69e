"""Large studies: the whole analysis at 10k and 100k segments, embedding speed, and Dask.

Studies are built from real public text read by path from ``../shared/data`` (GoEmotions train
and dev, Banking77 train, the airline tweets' dev half with ``@handles`` removed, WNUT-17
sentences): an open-ended survey export (CSV) with one respondent per row, four open questions,
an NPS score and a customer segment. The pool holds about 70,000 distinct texts, so a 100k
study repeats texts (the table says how many are distinct); answers are drawn by a seeded
shuffle of the pool, cycling when it is used up.

Each size runs in its own process (so peak memory, ``ru_maxrss`` of the process and of its
encoding workers, is per size) with an empty embedding cache, and reports for every step its
wall and CPU seconds (CPU of the process and of the worker processes it started, from
``meta["pipeline"]["engine"]["cpu_s"]``), then the growth exponent of each step between the two
sizes (``log(t2/t1) / log(n2/n1)`` on CPU seconds; target ≤ 1.05), and a projection to 1M
segments from those exponents.

Also measured:

- **embedding**: texts per CPU second in float32 and bfloat16 on 5,000 real texts (one thread,
  no cache) and the cosine between the two (target ≥ 600 texts/CPU s in bfloat16, cosine ≥
  0.9999);
- **Dask vs one process** on one size: ``analyse(engine="dask")`` on a 2-worker LocalCluster
  against ``analyse()``, both cold: identical themes / stages / valence / insights, and the
  wall-time ratio.

The machine is shared: CPU seconds are the figures to compare; the load average is printed.

Run: ``python benchmarks/bench_scale.py`` (defaults finish in about 20 min on 2 idle cores), or
``--sizes 10000,100000 --dask-size 20000 --embed-texts 5000``; ``--sizes 2000,5000`` for a
quick look.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("CXINSIGHT_SHARED_DATA", ROOT.parent / "shared" / "data"))
QUESTIONS = ["What did you like most?", "What should we improve?",
             "Tell us about the last time you contacted us.", "Anything else you want to add?"]
SEGMENTS = ["consumer", "small business", "enterprise"]
STEP_ORDER = ["read", "segment", "anonymise", "embed", "emotions", "themes", "stages", "curve",
              "moments", "insights", "opportunities", "export+report"]


# ---------------------------------------------------------------------------- real text
def text_pool() -> list[str]:
    """Distinct real texts from the shared data sets, in a fixed order."""
    texts: list[str] = []
    for split in ("train.tsv", "dev.tsv"):
        with open(DATA / "goemotions" / split, encoding="utf-8", newline="") as fh:
            texts.extend(row[0] for row in csv.reader(fh, delimiter="\t") if row)
    with open(DATA / "banking77" / "train.csv", encoding="utf-8", newline="") as fh:
        texts.extend(row["text"] for row in csv.DictReader(fh))
    with open(DATA / "airline_tweets" / "dev.csv", encoding="utf-8", newline="") as fh:
        texts.extend(re.sub(r"@\w+", "", row["text"]).strip() for row in csv.DictReader(fh))
    for split in ("train.conll", "dev.conll"):
        words: list[str] = []
        for line in (DATA / "wnut17" / split).read_text("utf-8").splitlines():
            if line.strip():
                words.append(line.split("\t")[0])
            elif words:
                texts.append(" ".join(words))
                words = []
    seen: dict[str, None] = {}
    for t in texts:
        t = " ".join(t.split())
        if len(t.split()) >= 3:
            seen.setdefault(t, None)
    return list(seen)


def write_survey(path: Path, n_answers: int, seed: int = 0) -> dict[str, int]:
    """Write a survey CSV with ``n_answers`` open answers; return counts of texts."""
    import numpy as np

    pool = text_pool()
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(pool))
    n_resp = math.ceil(n_answers / len(QUESTIONS))
    used: set[int] = set()
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["respondent_id", "segment", "nps", *QUESTIONS])
        k = 0
        for r in range(n_resp):
            answers = []
            for _ in QUESTIONS:
                i = int(order[k % len(pool)])
                used.add(i)
                answers.append(pool[i])
                k += 1
            w.writerow([f"R{r:07d}", SEGMENTS[r % 3], int(rng.integers(0, 11)), *answers])
    return {"respondents": n_resp, "answers": n_resp * len(QUESTIONS), "pool": len(pool),
            "distinct_answers": len(used)}


# ---------------------------------------------------------------------------- one size
def _own_peak_mb() -> float:
    """Highest resident memory of the calling process (also run on each Dask worker)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _peak_mb() -> float:
    """Highest resident memory of this process or of any child that has ended."""
    return max(_own_peak_mb(), resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)


def _analyse_timed(csv_path: Path, engine: str, workers: int):
    """``cx.analyse`` of the survey with ``engine`` (``"dask"``: on a fresh LocalCluster of
    ``workers`` single-thread workers, closed afterwards).

    Returns the corpus, the start's wall and CPU clocks, the wall seconds of the analysis,
    the CPU seconds the Dask workers used (0 for the local engine) and the highest resident
    memory of any Dask worker in MB (0 for the local engine)."""
    import cxinsight as cx

    scheduler = cluster = None
    if engine == "dask":
        import distributed

        cluster = distributed.LocalCluster(n_workers=workers, threads_per_worker=1,
                                           processes=True, dashboard_address=None)
        scheduler = distributed.Client(cluster)
        before = sum(scheduler.run(time.process_time).values())
    t0, c0 = time.perf_counter(), time.process_time()
    corpus = cx.analyse(csv_path, seed=0, engine=engine, scheduler=scheduler,
                        read={"format": "survey"})
    wall = time.perf_counter() - t0
    worker_cpu = worker_peak = 0.0
    if scheduler is not None:
        worker_cpu = sum(scheduler.run(time.process_time).values()) - before
        worker_peak = max(scheduler.run(_own_peak_mb).values())
        scheduler.close()
        cluster.close()
    return corpus, t0, c0, wall, worker_cpu, worker_peak


def run_one(n: int, engine: str, xlsx: bool, workers: int) -> dict:
    """Analyse a study of about ``n`` answers in this process (a fresh cache is set by caller)."""
    import warnings

    warnings.simplefilter("ignore")
    from cxinsight.pipeline import write_results

    with tempfile.TemporaryDirectory() as tmp:
        csv_path = Path(tmp) / "survey.csv"
        counts = write_survey(csv_path, n)
        corpus, t0, c0, wall, worker_cpu, worker_peak = _analyse_timed(csv_path, engine, workers)
        info = corpus.meta["pipeline"]
        peaks = info["engine"].get("peak_mb", {})
        steps = {k: {"wall": v, "cpu": info["engine"]["cpu_s"].get(k, v), "peak_mb": peaks.get(k)}
                 for k, v in info["timings_s"].items()}
        def cpu_with_children() -> float:  # a large workbook is written by a child process
            return sum(r.ru_utime + r.ru_stime for r in (
                resource.getrusage(resource.RUSAGE_SELF),
                resource.getrusage(resource.RUSAGE_CHILDREN)))

        t1, c1 = time.perf_counter(), cpu_with_children()
        write_results(corpus, Path(tmp) / "out", xlsx=xlsx)
        steps["export+report"] = {"wall": time.perf_counter() - t1,
                                  "cpu": cpu_with_children() - c1,
                                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
        wall_total = time.perf_counter() - t0
        seg = corpus.segments
        result = {
            "n_target": n, "segments": len(seg), "engine": engine,
            "distinct_segment_texts": int(seg["text"].nunique()), **counts,
            "steps": steps, "wall_analyse": wall, "wall_total": wall_total,
            "cpu_driver": time.process_time() - c0, "cpu_workers": worker_cpu,
            "worker_peak_mb": worker_peak,
            "peak_mb": _peak_mb(), "precision": corpus.meta.get("embedding", {}).get("precision"),
            "themes": int(seg["theme"].nunique()),
        }
        if os.environ.get("CX_BENCH_KEEP"):
            keep = Path(os.environ["CX_BENCH_KEEP"])
            corpus.save(keep, overwrite=True)
        return result


def run_compare(n: int, workers: int) -> dict:
    """Analyse one study with both engines in this process (the same code), each cold."""
    import warnings

    warnings.simplefilter("ignore")


    out: dict = {}
    corpora = {}
    with tempfile.TemporaryDirectory() as tmp:
        csv_path = Path(tmp) / "survey.csv"
        write_survey(csv_path, n)
        for engine in ("local", "dask"):
            os.environ["CXINSIGHT_CACHE_DIR"] = str(Path(tmp) / f"cache-{engine}")
            corpus, _, c0, wall, worker_cpu, _ = _analyse_timed(csv_path, engine, workers)
            cpu = time.process_time() - c0
            corpora[engine] = corpus
            out[engine] = {"segments": len(corpus.segments), "wall_analyse": wall,
                           "cpu_driver": cpu, "cpu_workers": worker_cpu,
                           "themes": int(corpus.segments["theme"].nunique())}
        a, b = Path(tmp) / "a", Path(tmp) / "b"
        corpora["local"].save(a)
        corpora["dask"].save(b)
        out["same"] = compare(a, b)
    return out


def in_subprocess(n: int, engine: str, xlsx: bool, workers: int, keep: Path | None = None) -> dict:
    """Run :func:`run_one` in a new process with an empty embedding cache."""
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, CXINSIGHT_CACHE_DIR=cache, HF_HUB_OFFLINE="1",
                   TRANSFORMERS_OFFLINE="1", MPLBACKEND="Agg", TQDM_DISABLE="1",
                   OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", PYTHONWARNINGS="ignore",
                   CXINSIGHT_WORKERS=str(workers))
        if keep is not None:
            env["CX_BENCH_KEEP"] = str(keep)
        cmd = [sys.executable, __file__, "--one", str(n), "--engine", engine,
               "--workers", str(workers)] + ([] if xlsx else ["--no-xlsx"])
        res = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=ROOT)
        if res.returncode != 0:
            raise RuntimeError(f"size {n} ({engine}) failed:\n{res.stderr[-3000:]}")
        return json.loads(res.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------------------- embedding
def embedding_speed(n_texts: int) -> dict:
    """Texts per CPU second in float32 and bfloat16, and their cosine, on real texts."""
    import numpy as np

    from cxinsight.embeddings import bfloat16_supported, encode_batch_independent, load_encoder

    with open(DATA / "goemotions" / "dev.tsv", encoding="utf-8", newline="") as fh:
        texts = list(dict.fromkeys(row[0] for row in csv.reader(fh, delimiter="\t") if row))
    texts = texts[:n_texts]
    enc = load_encoder()
    encode_batch_independent(enc, texts[:64])  # warm-up
    out = {"texts": len(texts), "bf16_native": bfloat16_supported()}
    vecs = {}
    for precision in ("float32", "bfloat16"):
        c = time.process_time()
        vecs[precision] = encode_batch_independent(enc, texts, 64, precision)
        out[f"{precision}_per_cpu_s"] = len(texts) / (time.process_time() - c)
    cos = np.sum(vecs["float32"] * vecs["bfloat16"], axis=1)
    out["cos_mean"], out["cos_min"] = float(cos.mean()), float(cos.min())
    return out


# ---------------------------------------------------------------------------- report
def _exponent(a: float, b: float, n1: int, n2: int) -> float | None:
    if a <= 0.05 or b <= 0:
        return None
    return math.log(b / a) / math.log(n2 / n1)


def print_sizes(results: list[dict]) -> None:
    print("\n### Whole analysis per size (cold embedding cache, one process + encoding workers)\n")
    head = "| step | " + " | ".join(
        f"{r['segments']:,} seg: wall s | CPU s" for r in results) + " |"
    if len(results) >= 2:
        head += " exponent (CPU) | projected 1M CPU s |"
    print(head)
    print("|---|" + "---|---|" * len(results) + ("---|---|" if len(results) >= 2 else ""))
    for step in STEP_ORDER:
        cells = []
        for r in results:
            s = r["steps"].get(step)
            cells += [f"{s['wall']:.1f}", f"{s['cpu']:.1f}"] if s else ["-", "-"]
        line = f"| {step} | " + " | ".join(cells) + " |"
        if len(results) >= 2:
            a, b = results[0]["steps"].get(step), results[-1]["steps"].get(step)
            e = _exponent(a["cpu"], b["cpu"], results[0]["segments"], results[-1]["segments"]) \
                if a and b else None
            proj = b["cpu"] * (1_000_000 / results[-1]["segments"]) ** max(e or 1.0, 1.0) if b else None
            line += f" {'-' if e is None else f'{e:.2f}'} | {'-' if proj is None else f'{proj:,.0f}'} |"
        print(line)
    tot = []
    for r in results:
        cpu = sum(s["cpu"] for s in r["steps"].values())
        tot += [f"**{r['wall_total']:.0f}**", f"**{cpu:.0f}**"]
    print("| **whole run** | " + " | ".join(tot) + " |" + (" | |" if len(results) >= 2 else ""))
    print("\nHighest resident memory of the analysing process at the end of each step (MB; the "
          "first step to show the final figure raised the peak):\n")
    print("| size | " + " | ".join(STEP_ORDER) + " |")
    print("|---|" + "---|" * len(STEP_ORDER))
    for r in results:
        cells = [f"{r['steps'][k]['peak_mb']:,.0f}" if r["steps"].get(k, {}).get("peak_mb") else "-"
                 for k in STEP_ORDER]
        print(f"| {r['n_target']:,} | " + " | ".join(cells) + " |")
    print("\n| size | segments | distinct segment texts | answers drawn / distinct in pool | "
          "precision | themes | peak memory MB | wall ≤ 240 s | peak ≤ 2048 MB |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in results:
        print(f"| {r['n_target']:,} | {r['segments']:,} | {r['distinct_segment_texts']:,} | "
              f"{r['answers']:,} / {r['pool']:,} | {r['precision']} | {r['themes']} | "
              f"{r['peak_mb']:,.0f} | {'met' if r['wall_total'] <= 240 else 'missed'} | "
              f"{'met' if r['peak_mb'] <= 2048 else 'missed'} |")


def print_dask_sizes(results: list[dict]) -> None:
    """Dask runs by size: wall seconds per step, growth exponents, the projection to 1M
    segments, and the memory of the driver and of the busiest worker."""
    print("\n### engine=\"dask\" by size (LocalCluster of single-thread workers, cold cache)\n")
    two = len(results) >= 2
    print("| step | " + " | ".join(f"{r['segments']:,} seg: wall s" for r in results) + " |"
          + (" exponent (wall) | projected 1M wall s |" if two else ""))
    print("|---|" + "---|" * len(results) + ("---|---|" if two else ""))
    projected = 0.0
    for step in STEP_ORDER:
        walls = [r["steps"].get(step, {}).get("wall") for r in results]
        line = f"| {step} | " + " | ".join("-" if w is None else f"{w:.1f}" for w in walls) + " |"
        if two and walls[0] and walls[-1]:
            e = _exponent(walls[0], walls[-1], results[0]["segments"], results[-1]["segments"])
            proj = walls[-1] * (1_000_000 / results[-1]["segments"]) ** max(e or 1.0, 1.0)
            if step == "embed":
                # the text pool repeats in large studies, so embedding (one computation per
                # distinct text) is projected per distinct text, with every 1M segment distinct
                proj = walls[-1] / results[-1]["distinct_segment_texts"] * 1_000_000
            projected += proj
            line += f" {e:.2f} | {proj:,.0f}{' (per distinct text)' if step == 'embed' else ''} |"
        elif two:
            line += " - | - |"
        print(line)
    print("| **whole run** | " + " | ".join(f"**{r['wall_total']:.0f}**" for r in results) + " |"
          + (f" | **{projected:,.0f}** ({projected / 60:.0f} min; target ≤ 40 min: "
             f"{'met' if projected <= 2400 else 'missed'}) |" if two else ""))
    print("\n| size | segments | driver CPU s | workers' CPU s | driver peak MB | busiest worker "
          "peak MB | worker ≤ 8 GB |")
    print("|---|---|---|---|---|---|---|")
    for r in results:
        print(f"| {r['n_target']:,} | {r['segments']:,} | {r['cpu_driver']:.0f} | "
              f"{r['cpu_workers']:.0f} | {r['peak_mb']:,.0f} | {r['worker_peak_mb']:,.0f} | "
              f"{'met' if r['worker_peak_mb'] <= 8192 else 'missed'} |")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="10000,100000",
                    help="Answers per study, comma-separated (default 10000,100000).")
    ap.add_argument("--dask-size", type=int, default=10000,
                    help="Study size for Dask vs one process (0: skip).")
    ap.add_argument("--dask-sizes", default="",
                    help="Answers per study for whole runs with engine='dask' (e.g. "
                         "100000,250000): per-step exponents, the projection to 1M segments "
                         "and per-worker memory.")
    ap.add_argument("--embed-texts", type=int, default=5000,
                    help="Real texts for the embedding speed/cosine check (0: skip).")
    ap.add_argument("--workers", type=int, default=2, help="Processes / Dask workers.")
    ap.add_argument("--no-xlsx", action="store_true", help="Skip the Excel export.")
    ap.add_argument("--save", metavar="FILE",
                    help="Append each finished measurement (JSON lines) to FILE as it ends.")
    ap.add_argument("--tables-from", metavar="FILE",
                    help="Only print the tables of measurements saved with --save.")
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--engine", default="local", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.one and args.engine == "compare":
        print(json.dumps(run_compare(args.one, args.workers)))
        return 0
    if args.one:
        print(json.dumps(run_one(args.one, args.engine, not args.no_xlsx, args.workers)))
        return 0
    if args.tables_from:
        return print_saved(Path(args.tables_from))
    if not DATA.exists():
        print(f"shared data {DATA} is not available (set CXINSIGHT_SHARED_DATA); skipped.")
        return 0
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    import torch

    torch.set_num_threads(1)
    print(f"Machine: {os.cpu_count()} cores, load average at start "
          f"{', '.join(f'{x:.1f}' for x in os.getloadavg())} (shared with other jobs: "
          "compare CPU seconds).")
    print(f"Text pool: {len(text_pool()):,} distinct real texts (GoEmotions train+dev, Banking77 "
          "train, airline tweets dev, WNUT-17); larger studies repeat texts.")
    if args.embed_texts:
        e = embedding_speed(args.embed_texts)
        print("\n### Embedding (one thread, no cache, real GoEmotions dev texts)\n")
        print("| texts | float32 texts/CPU s | bfloat16 texts/CPU s | speed-up | cosine mean | "
              "cosine min | ≥ 600/s | cosine ≥ 0.9999 |")
        print("|---|---|---|---|---|---|---|---|")
        print(f"| {e['texts']:,} | {e['float32_per_cpu_s']:.0f} | {e['bfloat16_per_cpu_s']:.0f} | "
              f"{e['bfloat16_per_cpu_s'] / e['float32_per_cpu_s']:.2f}× | {e['cos_mean']:.6f} | "
              f"{e['cos_min']:.6f} | {'met' if e['bfloat16_per_cpu_s'] >= 600 else 'missed'} | "
              f"{'met' if e['cos_min'] >= 0.9999 else 'missed (min); mean ' + ('met' if e['cos_mean'] >= 0.9999 else 'missed')} |")
        if not e["bf16_native"]:
            print("\nThis CPU has no native bfloat16: precision='auto' stays float32 here.")
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    results = []
    for n in sizes:
        results.append(in_subprocess(n, "local", not args.no_xlsx, args.workers))
        _save(args.save, {"kind": "size", **results[-1]})
        print(f"  size {n:,}: {results[-1]['wall_total']:.0f} s wall, load "
              f"{os.getloadavg()[0]:.1f}", flush=True)
    if results:
        print_sizes(results)
    dask_results = []
    for n in [int(x) for x in args.dask_sizes.split(",") if x.strip()]:
        dask_results.append(in_subprocess(n, "dask", False, args.workers))
        _save(args.save, {"kind": "dask-size", **dask_results[-1]})
        print(f"  dask size {n:,}: {dask_results[-1]['wall_total']:.0f} s wall, load "
              f"{os.getloadavg()[0]:.1f}", flush=True)
    if dask_results:
        print_dask_sizes(dask_results)
    if args.dask_size:
        # both engines in one process, so both run the same code
        both = in_subprocess(args.dask_size, "compare", False, args.workers)
        a, b, same = both["local"], both["dask"], both["same"]
        _save(args.save, {"kind": "dask", "local": a, "dask": b, "same": same,
                          "workers": args.workers})
        print_dask(a, b, same, args.workers)
    return 0


def _save(path: str | None, record: dict) -> None:
    if path:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(record) + "\n")


def print_saved(path: Path) -> int:
    """Print the tables of the measurements saved in ``path`` (JSON lines)."""
    records = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    sizes = sorted((r for r in records if r["kind"] == "size"), key=lambda r: r["segments"])
    if sizes:
        print_sizes(sizes)
    dask_sizes = sorted((r for r in records if r["kind"] == "dask-size"), key=lambda r: r["segments"])
    if dask_sizes:
        print_dask_sizes(dask_sizes)
    for r in records:
        if r["kind"] == "dask":
            print_dask(r["local"], r["dask"], r["same"], r["workers"])
    return 0


def print_dask(a: dict, b: dict, same: str, workers: int) -> None:
    """The Dask vs one-process table."""
    print(f"\n### Dask (LocalCluster, {workers} single-thread workers) vs one process, "
          f"{a['segments']:,} segments, both cold\n")
    print("| engine | wall s (analysis) | CPU s driver | CPU s workers | themes | "
          "identical segments, themes, stages, valence, insights |")
    print("|---|---|---|---|---|---|")
    print(f"| local | {a['wall_analyse']:.1f} | {a['cpu_driver']:.0f} | - | {a['themes']} | |")
    print(f"| dask | {b['wall_analyse']:.1f} | {b['cpu_driver']:.0f} | {b['cpu_workers']:.0f} | "
          f"{b['themes']} | {same} |")
    print(f"\nWall-time ratio dask / local: {b['wall_analyse'] / a['wall_analyse']:.2f}")


def compare(local_dir: Path, dask_dir: Path) -> str:
    """Whether two saved corpora hold the same analysis (``"yes"`` or what differs)."""
    import numpy as np
    import pandas as pd

    from cxinsight.corpus import Corpus

    a, b = Corpus.load(local_dir), Corpus.load(dask_dir)
    diffs = []
    for col in ("text", "theme", "theme_label", "stage", "valence", "emotion"):
        if col in a.segments and not a.segments[col].equals(b.segments[col]):
            diffs.append(col)
    if not np.array_equal(a.embeddings, b.embeddings):
        diffs.append("embeddings")
    for name in ("themes", "insights", "journey_curve"):
        if name in a.tables:
            try:
                pd.testing.assert_frame_equal(a.tables[name], b.tables[name])
            except AssertionError:
                diffs.append(name)
    return "yes" if not diffs else "no: " + ", ".join(diffs)


if __name__ == "__main__":
    raise SystemExit(main())
