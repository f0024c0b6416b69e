"""Ingestion throughput: MB/s and turns/s per transcript format on a generated corpus.

Generates (deterministically, in a temporary folder) at least 50 MB of interviews in every
format family that :func:`cxinsight.read` supports, reads each format's folder once, and
prints a Markdown table. The bar: plain text well over 5 MB/s; every format is reported.

Run: ``python benchmarks/bench_ingest.py`` (or ``python benchmarks/run.py ingest``).
Options: ``--mb 50`` (total size), ``--keep DIR`` (write the corpus there and keep it).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import cxinsight as cx  # noqa: E402

WORDS = (
    "the box came late again and the spinach was wilted but honestly the recipes are lovely "
    "we skip weeks when we travel and the app makes that hard to find I rang CrateCare and a "
    "lovely lad sorted it out the price went up after the offer which was a shock my kids love "
    "the fajitas there is far too much plastic and the ice packs pile up tracking would help "
    "because I am never home during the delivery window so it sits on the step um you know"
).split()
QUESTIONS = [
    "How did you first hear about GreenCrate?",
    "What made you sign up in the end?",
    "How did the first delivery go?",
    "What is a normal week with the box like?",
    "Have you ever contacted CrateCare?",
    "Have you thought about pausing or cancelling?",
]
NAMES = [("Tom Reilly", "Sarah Collins"), ("Aisha Khan", "David Okafor"), ("Megan Ford", "Robert Hale")]

#: share of the total size per format (file size on disk)
SHARES = {
    "text": 0.22,
    "markdown": 0.08,
    "otter": 0.12,
    "vtt-zoom": 0.11,
    "vtt-teams": 0.11,
    "vtt-stream": 0.08,
    "srt": 0.11,
    "csv-turns": 0.09,
    "docx": 0.04,
    "xlsx-turns": 0.04,
}
EXT = {
    "text": ".txt", "markdown": ".md", "otter": ".txt", "vtt-zoom": ".vtt", "vtt-teams": ".vtt",
    "vtt-stream": ".vtt", "srt": ".srt", "csv-turns": ".csv", "docx": ".docx", "xlsx-turns": ".xlsx",
}
#: target bytes per generated file (binary formats compress, so fewer turns per MB there)
FILE_BYTES = {"docx": 400_000, "xlsx-turns": 400_000}


def _turns(rng: random.Random, n: int):
    iv, pt = NAMES[rng.randrange(len(NAMES))]
    t = 0.0
    for i in range(n):
        if i % 2 == 0:
            text = rng.choice(QUESTIONS)
            who = iv
        else:
            k = rng.randint(8, 90)
            text = " ".join(rng.choice(WORDS) for _ in range(k)).capitalize() + "."
            who = pt
        dur = 1.0 + len(text) / 15
        yield who, t, t + dur, text
        t += dur + rng.random() * 1.5


def _ts(s: float, sep: str = ".", pad: bool = True) -> str:
    h, rem = divmod(s, 3600)
    m, sec = divmod(rem, 60)
    ms = int(round((sec - int(sec)) * 1000)) % 1000
    if pad:
        return f"{int(h):02d}:{int(m):02d}:{int(sec):02d}{sep}{ms:03d}"
    return f"{int(h)}:{int(m)}:{int(sec)}{sep}{ms}"


def _mmss(s: float) -> str:
    m, sec = divmod(int(s), 60)
    return f"{m}:{sec:02d}"


def _cues(text: str, start: float, end: float, size: int = 12):
    words = text.split()
    chunks = [" ".join(words[i : i + size]) for i in range(0, len(words), size)] or [text]
    step = (end - start) / len(chunks)
    for k, c in enumerate(chunks):
        yield start + k * step, start + (k + 1) * step, c


def render(fmt: str, rng: random.Random, n_turns: int) -> str:
    out: list[str] = []
    if fmt == "text":
        stamped = rng.random() < 0.5  # half the files carry [HH:MM:SS] timestamps
        for who, s, _e, text in _turns(rng, n_turns):
            out.append(f"[{_ts(s)[:8]}] {who}: {text}\n" if stamped else f"{who}: {text}\n")
    elif fmt == "markdown":
        out.append("# Interview\n\n")
        for who, _s, _e, text in _turns(rng, n_turns):
            out.append(f"**{who}:** {text}\n\n")
    elif fmt == "otter":
        out.append("SUMMARY KEYWORDS\nbox, delivery, app\n\nSPEAKERS\nA, B\n\n")
        for who, s, _e, text in _turns(rng, n_turns):
            out.append(f"{who}  {_mmss(s)}\n{text}\n\n")
        out.append("Transcribed by https://otter.ai\n")
    elif fmt.startswith("vtt") or fmt == "srt":
        out.append("WEBVTT\n\n" if fmt != "srt" else "")
        if fmt == "vtt-stream":
            out.append("NOTE\nautomatic transcript\n\n")
        k = 0
        for who, s, e, text in _turns(rng, n_turns):
            for j, (cs, ce, chunk) in enumerate(_cues(text, s, e)):
                k += 1
                if fmt == "vtt-zoom":
                    out.append(f"{k}\n{_ts(cs)} --> {_ts(ce)}\n{who}: {chunk}\n\n")
                elif fmt == "vtt-teams":
                    out.append(f"{k:x}-{j}\n{_ts(cs, pad=False)} --> {_ts(ce, pad=False)}\n<v {who}>{chunk}</v>\n\n")
                elif fmt == "vtt-stream":
                    mark = f"&gt;&gt; {who}: " if j == 0 else ""
                    out.append(f"{_ts(cs)} --> {_ts(ce)}\n{mark}{chunk}\n\n")
                else:
                    out.append(f"{k}\n{_ts(cs, ',')} --> {_ts(ce, ',')}\n{who}: {chunk}\n\n")
    elif fmt == "csv-turns":
        out.append("speaker,text,timestamp\r\n")
        for who, s, _e, text in _turns(rng, n_turns):
            out.append(f'{who},"{text}",{_ts(s)[:8]}\r\n')
    return "".join(out)


def write_format(folder: Path, fmt: str, target: int, seed: int) -> int:
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    total, i = 0, 0
    per_file = FILE_BYTES.get(fmt, 1_000_000)
    while total < target:
        path = folder / f"interview {i:03d}{EXT[fmt]}"
        if fmt == "docx":
            import docx

            d = docx.Document()
            for who, s, _e, text in _turns(rng, 2600):
                d.add_paragraph(f"{who}  {_mmss(s)}")
                d.add_paragraph(text)
            d.save(path)
        elif fmt == "xlsx-turns":
            import pandas as pd

            rows = [(w, _ts(s)[:8], t) for w, s, _e, t in _turns(rng, 5000)]
            pd.DataFrame(rows, columns=["Speaker", "Start", "Text"]).to_excel(path, index=False)
        else:
            # estimate turns per file from a probe
            n = max(50, int(per_file / 260))
            path.write_text(render(fmt, rng, n), encoding="utf-8", newline="")
        total += path.stat().st_size
        i += 1
    return total


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--mb", type=float, default=50.0, help="total corpus size in MB (default 50)")
    ap.add_argument("--keep", type=Path, help="write the corpus here and keep it")
    args = ap.parse_args(argv)
    base = args.keep or Path(tempfile.mkdtemp(prefix="cx_bench_ingest_"))
    try:
        t0 = time.perf_counter()
        sizes = {}
        for k, (fmt, share) in enumerate(SHARES.items()):
            sizes[fmt] = write_format(base / fmt, fmt, int(args.mb * 1e6 * share), seed=1000 + k)
        gen_s = time.perf_counter() - t0
        rows = []
        tot_b = tot_t = tot_s = tot_w = 0.0
        for fmt in SHARES:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                t, c0 = time.perf_counter(), time.process_time()
                corpus = cx.read(base / fmt)
                wall, secs = time.perf_counter() - t, time.process_time() - c0
            got = {f["format"] for f in corpus.meta["files"]}
            n_files = len(corpus.meta["files"])
            turns = len(corpus.turns)
            mb = sizes[fmt] / 1e6
            rows.append((fmt, n_files, mb, turns, secs, wall, got, len(corpus.meta["skipped"])))
            tot_b += mb
            tot_t += turns
            tot_s += secs
            tot_w += wall
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        print(
            f"Generated {tot_b:.1f} MB in {gen_s:.0f} s (not timed). MB/s and turns/s use the "
            f"process's CPU time; wall-clock MB/s is shown too (1-min load average {load:.1f} on "
            f"{os.cpu_count()} cores).\n"
        )
        print("| format | files | MB | turns | CPU s | MB/s | turns/s | wall MB/s | target | result |")
        print("|---|---|---|---|---|---|---|---|---|---|")
        ok = True
        for fmt, n_files, mb, turns, secs, wall, got, skipped in rows:
            target = "> 5 MB/s" if fmt in ("text", "markdown", "otter") else "reported"
            good = got == {fmt} and skipped == 0 and (target == "reported" or mb / secs > 5)
            ok &= good
            print(
                f"| {fmt} | {n_files} | {mb:.1f} | {turns:,} | {secs:.2f} | {mb / secs:.1f} | "
                f"{turns / secs:,.0f} | {mb / wall:.1f} | {target} | {'pass' if good else 'miss'} |"
            )
        size_ok = tot_b >= 50 or args.mb < 50
        print(
            f"| **overall** | {sum(r[1] for r in rows)} | {tot_b:.1f} | {int(tot_t):,} | {tot_s:.2f} | "
            f"{tot_b / tot_s:.1f} | {tot_t / tot_s:,.0f} | {tot_b / tot_w:.1f} | >= 50 MB read | "
            f"{'pass' if size_ok else 'miss'} |"
        )
        return 0 if ok and size_ok else 1
    finally:
        if args.keep is None:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
