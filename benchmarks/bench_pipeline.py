"""End-to-end speed: ``cxinsight analyse`` on the sample study (cold and warm) and at 10× size.

Measures, each in its own process so that the figures do not leak into one another:

1. **cold**: ``cxinsight analyse data/sample_interviews --out TMP`` with a fresh, empty
   ``CXINSIGHT_CACHE_DIR`` (every segment embedded); target ≤ 60 s on 2 cores;
2. **warm**: the same command again with that cache; target ≤ 20 s;
3. **scaling**: ``cx.analyse`` on the sample corpus (read once) and on a synthetic study N× its
   size (default 10: every interview replicated with new ids and lightly perturbed wording so
   that nothing is served from the embedding cache), both cold, with wall time and peak memory
   (``ru_maxrss``) of each; the time ratio per interview shows whether cost grows no worse than
   linearly (target: time ratio ≤ N, i.e. per-interview cost of N× ≤ 1×).

Prints a Markdown table. Run: ``python benchmarks/bench_pipeline.py`` (or
``python benchmarks/run.py pipeline``). Options: ``--scale 10``, ``--skip-scaling``.
The machine's load is printed with the figures: the targets assume 2 idle cores.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample_interviews"
OPENERS = ["Well,", "So,", "Honestly,", "I mean,", "Right,", "Okay so", "Yeah,", "Look,", "Funnily enough,",
           "To be fair,", "Actually,", "You see,"]


def _env(cache: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(CXINSIGHT_CACHE_DIR=str(cache), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1",
               MPLBACKEND="Agg", PYTHONWARNINGS="ignore", TQDM_DISABLE="1")
    return env


def step_times(out: Path) -> dict[str, float]:
    """Seconds per pipeline step of a finished ``cxinsight analyse`` run (from its corpus)."""
    doc = out / "corpus" / "corpus.json"
    if not doc.exists():
        return {}
    return json.loads(doc.read_text("utf-8"))["meta"].get("pipeline", {}).get("timings_s", {})


def run_cli(out: Path, cache: Path) -> tuple[float, int]:
    """Wall seconds and exit status of one ``cxinsight analyse`` run."""
    cmd = [sys.executable, "-m", "cxinsight", "analyse", str(SAMPLE), "--out", str(out), "--quiet",
           "--overwrite"]
    t0 = time.perf_counter()
    res = subprocess.run(cmd, env=_env(cache), capture_output=True, text=True)
    secs = time.perf_counter() - t0
    if res.returncode != 0:
        print(res.stderr[-2000:], file=sys.stderr)
    return secs, res.returncode


def replicate(corpus, scale: int):
    """A corpus ``scale`` times larger: new interview ids, wording perturbed per copy."""
    import pandas as pd

    from cxinsight.corpus import Corpus

    turns, parts = [], []
    for r in range(scale):
        t = corpus.turns.copy()
        t["interview_id"] = t["interview_id"].astype(str) + ("" if r == 0 else f"-r{r}")
        if r:
            t["text"] = [f"{OPENERS[(r + i) % len(OPENERS)]} {txt}" if role == "participant" else txt
                         for i, (txt, role) in enumerate(zip(t["text"].astype(str), t["role"]))]
        turns.append(t)
        p = corpus.participants.copy()
        p["interview_id"] = p["interview_id"].astype(str) + ("" if r == 0 else f"-r{r}")
        parts.append(p)
    return Corpus(pd.concat(turns, ignore_index=True), participants=pd.concat(parts, ignore_index=True),
                  meta=corpus.meta)


def child_scaling(scale: int) -> None:
    """Run inside a fresh process: analyse the sample at ``scale`` and print JSON figures."""
    import warnings

    warnings.simplefilter("ignore")
    sys.path.insert(0, str(ROOT))
    import cxinsight as cx

    base = cx.read(SAMPLE, manifest=SAMPLE / "manifest.csv") if (SAMPLE / "manifest.csv").exists() else cx.read(SAMPLE)
    corpus = replicate(base, scale)
    t0 = time.perf_counter()
    out = cx.analyse(corpus)
    secs = time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"scale": scale, "seconds": secs, "peak_mb": peak_mb,
                      "interviews": out.n_interviews, "segments": len(out.segments),
                      "timings": out.meta.get("pipeline", {}).get("timings_s", {})}))


def run_scaling(scale: int, cache: Path) -> dict:
    res = subprocess.run([sys.executable, __file__, "--child", str(scale)], env=_env(cache),
                         capture_output=True, text=True)
    if res.returncode != 0:
        print(res.stderr[-3000:], file=sys.stderr)
        raise SystemExit(f"scaling run ×{scale} failed")
    return json.loads(res.stdout.strip().splitlines()[-1])


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scale", type=int, default=10)
    ap.add_argument("--skip-scaling", action="store_true")
    ap.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        child_scaling(args.child)
        return 0
    if not SAMPLE.exists():
        print("data/sample_interviews is missing")
        return 1
    rows = []
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="cx-bench-") as tmp:
        tmp = Path(tmp)
        cache = tmp / "cache"
        cold, code1 = run_cli(tmp / "out-cold", cache)
        warm, code2 = run_cli(tmp / "out-warm", cache)
        rows.append(("`cxinsight analyse` sample study, cold cache (s)", f"{cold:.1f}", "≤ 60",
                     "pass" if cold <= 60 and code1 == 0 else "miss"))
        rows.append(("`cxinsight analyse` sample study, warm cache (s)", f"{warm:.1f}", "≤ 20",
                     "pass" if warm <= 20 and code2 == 0 else "miss"))
        cli_steps = {"cold": step_times(tmp / "out-cold"), "warm": step_times(tmp / "out-warm")}
        cli_total = {"cold": cold, "warm": warm}
        if not args.skip_scaling:
            one = run_scaling(1, tmp / "cache-1x")
            big = run_scaling(args.scale, tmp / f"cache-{args.scale}x")
            ratio = big["seconds"] / one["seconds"]
            per1 = one["seconds"] / one["interviews"]
            perN = big["seconds"] / big["interviews"]
            rows += [
                ("1× study: interviews / segments", f"{one['interviews']} / {one['segments']:,}", "", ""),
                ("1× study: cold `cx.analyse` time (s)", f"{one['seconds']:.1f}", "", ""),
                ("1× study: peak memory (MB)", f"{one['peak_mb']:.0f}", "", ""),
                (f"{args.scale}× study: interviews / segments", f"{big['interviews']} / {big['segments']:,}", "", ""),
                (f"{args.scale}× study: cold `cx.analyse` time (s)", f"{big['seconds']:.1f}", "", ""),
                (f"{args.scale}× study: peak memory (MB)", f"{big['peak_mb']:.0f}", "", ""),
                (f"time ratio {args.scale}× / 1×", f"{ratio:.2f}", f"≤ {args.scale} (linear)",
                 "pass" if ratio <= args.scale else "miss"),
                (f"seconds per interview, 1× → {args.scale}×", f"{per1:.2f} → {perN:.2f}", "no increase",
                 "pass" if perN <= per1 * 1.05 else "miss"),
                (f"memory ratio {args.scale}× / 1×", f"{big['peak_mb'] / one['peak_mb']:.2f}", f"≤ {args.scale}",
                 "pass" if big["peak_mb"] <= one["peak_mb"] * args.scale else "miss"),
            ]
            steps = sorted(set(one["timings"]) | set(big["timings"]))
            detail = ", ".join(f"{s} {one['timings'].get(s, 0):.1f}→{big['timings'].get(s, 0):.1f}" for s in steps)
    print(f"\nMachine: {os.cpu_count()} cores, load average {load:.1f} at start "
          "(targets assume 2 idle cores).\n")
    print("| measure | value | target | result |\n|---|---|---|---|")
    for r in rows:
        print("| " + " | ".join(r) + " |")
    for name, steps in cli_steps.items():
        if steps:
            rest = cli_total[name] - sum(steps.values())
            print(f"\n`cxinsight analyse` {name} run, seconds per step: "
                  + ", ".join(f"{k} {v:.1f}" for k, v in steps.items())
                  + f"; start-up, report and exports {rest:.1f}")
    if not args.skip_scaling:
        print(f"\nStep seconds 1× → {args.scale}×: {detail}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
