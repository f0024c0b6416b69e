"""Reading: real third-party material, hostile inputs, and throughput.

Three Markdown tables:

1. **Real material** (read at run time from ``$CXINSIGHT_REAL_MATERIAL``, default
   ``/work/real_material``; skipped with a message when absent; sources and licences in its
   ``MANIFEST.csv``): every file read or reported, words kept per file, roles and red flags,
   and whether every interview with at least two speakers has participant speech that reaches
   themes (non-back-channel participant segments); survey exports: open-ended columns found.
2. **Limits**: a zip bomb (.docx inflating to 1 GB), a symlink to ``/dev/zero``, a FIFO, a
   Latin-1 file name and a 10 MB turn, each in a fresh process: it must end in a clear error or
   a listed skip within seconds and under 1 GB peak memory (time and peak RSS printed).
3. **Throughput**: MB/s and turns/s per format on a generated corpus (at least 50 MB by
   default); the bar is plain text over 5 MB/s of CPU time.

Run: ``python benchmarks/bench_ingest.py`` (or ``python benchmarks/run.py ingest``).
Options: ``--mb 50`` (generated size), ``--keep DIR``, ``--only real,limits,throughput``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
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


# ---------------------------------------------------------------------------- real material
def real_material() -> bool:
    """Read the real third-party material and print the per-file table. Returns pass/miss."""
    root = Path(os.environ.get("CXINSIGHT_REAL_MATERIAL", "/work/real_material"))
    print("## Real material (third-party, read at run time)\n")
    if not root.is_dir():
        print(f"Skipped: {root} is absent (set CXINSIGHT_REAL_MATERIAL to a folder of real "
              "transcripts and survey exports).\n")
        return True
    targets = []
    for sub in sorted(p for p in root.iterdir() if p.is_dir()):
        targets.append(sub)
    ok = True
    rows = []
    survey_rows = []
    for folder in targets:
        on_disk = sorted(p for p in folder.rglob("*") if p.is_file() or p.is_symlink())
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            c0 = time.process_time()
            corpus = cx.read(folder)
            seg = cx.segment(corpus)
            cpu = time.process_time() - c0
        files = corpus.tables["files"]
        listed = {Path(p).name for p in files["path"]}
        missing = [p.name for p in on_disk if p.name not in listed]
        ok &= not missing
        for r in files.to_dict("records"):
            iid = r["interview_id"]
            t = corpus.turns[corpus.turns["interview_id"] == iid] if r["status"] == "read" else corpus.turns.iloc[0:0]
            if r["format"] == "survey":
                info = next(f for f in corpus.meta["files"] if f["interview_id"] == iid)
                survey_rows.append((Path(r["path"]).name, info["respondents"], len(info["open_ended_columns"]),
                                    len(info["rating_columns"]), len(info["categorical_columns"]),
                                    len(info["metadata_columns"]), r["turns"], r["kept_share"]))
                continue
            n_spk = t["speaker"].nunique()
            pw = int(t.loc[t["role"] == "participant", "text"].str.split().str.len().sum()) if len(t) else 0
            s_ = seg.segments
            reach = int(((s_["interview_id"] == iid) & (s_["role"] == "participant") & ~s_["is_backchannel"]).sum())
            good = r["status"] != "read" or n_spk < 2 or (pw > 0 and reach > 0)
            ok &= good
            roles = "; ".join(x.split(" (")[0] + " (" + x.split(" (")[1] for x in str(r["roles"] or "").split("; ") if " (" in x)
            def _s(v):
                return "" if v is None or (isinstance(v, float) and v != v) else str(v)

            turns_n = int(r["turns"]) if _s(r["turns"]) else 0
            rows.append((folder.name + "/" + Path(r["path"]).name, r["status"], _s(r["format"]), n_spk,
                         turns_n, r["kept_share"], pw, reach, roles, _s(r["red_flags"]) or _s(r["reason"]),
                         "pass" if good else "miss"))
        if missing:
            print(f"Not listed in {folder.name}: {missing}")
        print(f"{folder.name}: read in {cpu:.2f} s CPU (read + segment).")
    print()
    print("| file | status | format | speakers | turns | words kept | participant words | "
          "participant segments | roles (how decided) | red flags / reason | result |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        kept = f"{100 * r[5]:.0f}%" if isinstance(r[5], float) and r[5] == r[5] else "-"
        print(f"| {r[0]} | {r[1]} | {r[2]} | {r[3]} | {r[4]} | {kept} | {r[6]:,} | {r[7]} | {r[8]} | {r[9]} | {r[10]} |")
    if survey_rows:
        print("\n| survey export | respondents with answers | open-ended | ratings | categorical | metadata | answers | words kept |")
        print("|---|---|---|---|---|---|---|---|")
        for r in survey_rows:
            kept = f"{100 * r[7]:.0f}%" if isinstance(r[7], float) else "-"
            print(f"| {r[0]} | {r[1]} | {r[2]} | {r[3]} | {r[4]} | {r[5]} | {r[6]} | {kept} |")
    print(f"\nEvery file read or reported, every interview with >= 2 speakers reaches themes: "
          f"{'pass' if ok else 'miss'}\n")
    return ok


# ---------------------------------------------------------------------------- limits
GOOD = "Interviewer: How was the box?\nParticipant: Late, and the spinach was wilted.\n"
CASES = ("zip bomb (.docx, 1 GB inflated)", "symlink to /dev/zero", "FIFO", "Latin-1 file name", "10 MB turn")


def _make_case(name: str, folder: Path) -> None:
    import zipfile

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "good.txt").write_text(GOOD)
    if name.startswith("zip bomb"):
        chunk = b"\0" * 1_000_000
        with zipfile.ZipFile(folder / "bomb.docx", "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
            zf.writestr("[Content_Types].xml", "<Types/>")
            with zf.open("word/document.xml", "w") as fh:
                for _ in range(1000):
                    fh.write(chunk)
    elif name.startswith("symlink"):
        os.symlink("/dev/zero", folder / "zero.txt")
    elif name == "FIFO":
        os.mkfifo(folder / "pipe.txt")
    elif name.startswith("Latin-1"):
        with open(os.fsencode(str(folder)) + b"/entrevista_Jos\xe9.txt", "wb") as fh:
            fh.write(GOOD.encode())
    else:
        words = ("the box came late again and the spinach was wilted so I rang them " * 80_000)[:10_000_000]
        (folder / "long.txt").write_text("Interviewer: Tell me everything?\nParticipant: " + words + "\n")


def _run_case(name: str, folder: str) -> None:
    """In a fresh process: read the folder (and segment it), print a JSON result."""
    import resource

    t, c0 = time.perf_counter(), time.process_time()
    out: dict = {"case": name}
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            corpus = cx.read(folder)
            if name == "10 MB turn":
                seg = cx.segment(corpus)
                out["segments"] = len(seg.segments)
        files = corpus.tables["files"]
        bad = files[files["status"] != "read"]
        out["outcome"] = "; ".join(f"{Path(p).name}: {s} ({r})" for p, s, r in zip(bad["path"], bad["status"], bad["reason"]))
        out["read"] = sorted(Path(p).name for p in files.loc[files["status"] == "read", "path"])
        out["warned"] = any("skipped" in str(w.message) for w in caught)
        out["error"] = None
    except Exception as err:  # the case itself reports what happened
        out["error"] = f"{type(err).__name__}: {err}"
    out["wall"] = time.perf_counter() - t
    out["cpu"] = time.process_time() - c0
    out["maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(out))


def limits() -> bool:
    print("## Limits (each case in a fresh process)\n")
    if not hasattr(os, "mkfifo"):
        print("Skipped: needs a POSIX system (FIFOs, symlinks, byte file names).\n")
        return True
    print("| case | outcome | files read | time (wall / CPU s) | peak memory | target | result |")
    print("|---|---|---|---|---|---|---|")
    ok = True
    base = Path(tempfile.mkdtemp(prefix="cx_bench_limits_"))
    try:
        for k, name in enumerate(CASES):
            folder = base / f"case{k}"
            _make_case(name, folder)
            env = {**os.environ, "OMP_NUM_THREADS": "1"}
            res = subprocess.run([sys.executable, __file__, "--case", name, str(folder)], capture_output=True,
                                 text=True, timeout=300, env=env)
            try:
                r = json.loads(res.stdout.strip().splitlines()[-1])
            except (IndexError, json.JSONDecodeError):
                r = {"error": (res.stderr or "no output")[-300:], "wall": float("nan"), "cpu": float("nan"),
                     "maxrss_mb": float("nan"), "read": []}
            outcome = r.get("error") or r.get("outcome") or ("read: " + ", ".join(r.get("read", [])))
            if name == "10 MB turn" and not r.get("error"):
                outcome = f"read and segmented ({r.get('segments', 0):,} segments); {outcome or 'no skip'}"
            good = (
                r.get("error") is None
                and "good.txt" in r.get("read", [])
                and r["wall"] < 60
                and r["maxrss_mb"] < 1024
                and (name in ("Latin-1 file name", "10 MB turn") or r.get("warned"))
            )
            if name == "Latin-1 file name":
                good = good and "entrevista_José.txt" in r.get("read", [])
            ok &= good
            print(f"| {name} | {outcome} | {len(r.get('read', []))} | {r['wall']:.2f} / {r['cpu']:.2f} | "
                  f"{r['maxrss_mb']:.0f} MB | clear skip or read, < 60 s, < 1 GB | {'pass' if good else 'miss'} |")
    finally:
        shutil.rmtree(base, ignore_errors=True)
    print()
    return ok


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--mb", type=float, default=50.0, help="total corpus size in MB (default 50)")
    ap.add_argument("--keep", type=Path, help="write the corpus here and keep it")
    ap.add_argument("--only", default="real,limits,throughput", help="comma-separated sections to run")
    ap.add_argument("--case", nargs=2, metavar=("NAME", "DIR"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.case:
        _run_case(*args.case)
        return 0
    only = set(args.only.split(","))
    ok = True
    if "real" in only:
        ok &= real_material()
    if "limits" in only:
        ok &= limits()
    if "throughput" in only:
        ok &= throughput(args) == 0
    return 0 if ok else 1


def throughput(args: argparse.Namespace) -> int:
    print("## Throughput (generated corpus)\n")
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
