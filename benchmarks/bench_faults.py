"""Faults survived by ``cxinsight analyse --out``: concurrent runs, kills, a full disk.

Every case runs the real command line in a child process on a small study (the first four
interviews of the fictional sample study, copied to a temporary folder with its manifest) and
checks that it ends either with **correct results** (the same insights and themes as a clean
reference run with the same seed) or with **a clear error** (non-zero exit, a one-line
``cxinsight: error:`` message), and in both cases with **no mixed or partial output**: ``OUT``
is absent or a complete run (``corpus/corpus.json`` loads, report and exports present), there is
no temporary folder or lock left by a run that cleaned up, and no key without its output.

Cases (each a function, ``case_*``; the coordinator may add cache-fault cases the same way):

- ``two_runs``: a second run on the same ``--out`` while the first is running;
- ``kill_random``: SIGKILL at random moments of a run that replaces an existing ``OUT``
  (``--overwrite``), then a fresh run on the same ``OUT`` (must clean up and succeed);
- ``sigterm``: SIGTERM in the middle of a run (cleans up like Ctrl-C: no output, no key);
- ``disk_full``: the output written onto a tmpfs with room for half of the reference output
  when one can be mounted (root), else a child whose file-size limit (``RLIMIT_FSIZE``) is half
  the largest output file, so that writing the results fails.

Prints a Markdown table. Run ``python benchmarks/bench_faults.py`` (``--kills 4``, ``--seed``).
Times are wall seconds of child processes on a shared 2-core machine (one torch/OMP thread).
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample_interviews"
ENV = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1",
       "TRANSFORMERS_OFFLINE": "1", "MPLBACKEND": "Agg", "TOKENIZERS_PARALLELISM": "false",
       "CXINSIGHT_CACHE_DIR": os.environ.get("CXINSIGHT_CACHE_DIR", str(ROOT / ".cache"))}


@dataclass
class Result:
    case: str
    expected: str
    outcome: str
    ok: bool
    seconds: float


def small_study(base: Path) -> Path:
    """Copy the first four sample interviews and their manifest rows to ``base/study``."""
    study = base / "study"
    study.mkdir()
    files = sorted(p for p in SAMPLE.iterdir() if p.is_file() and p.name.startswith("int"))[:4]
    for f in files:
        shutil.copy(f, study / f.name)
    lines = (SAMPLE / "manifest.csv").read_text("utf-8").splitlines()
    ids = {f.stem for f in files}
    keep = [lines[0]] + [ln for ln in lines[1:] if ln.split(",")[0] in ids]
    (study / "manifest.csv").write_text("\n".join(keep) + "\n", "utf-8")
    return study


def command(study: Path, out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "cxinsight", "analyse", str(study), "--out", str(out),
            "--manifest", str(study / "manifest.csv"), "--quiet", "--no-xlsx", *extra]


def run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, env=ENV, **kwargs)


def fingerprint(out: Path) -> tuple | None:
    """What a complete output holds (insights and theme labels), or ``None`` if incomplete."""
    sys.path.insert(0, str(ROOT))
    from cxinsight.corpus import Corpus

    try:
        c = Corpus.load(out / "corpus")
    except Exception:
        return None
    needed = ["report.html", "report.md", "exports/segments.csv", "exports/insights.csv"]
    if not all((out / n).is_file() for n in needed):
        return None
    ins = c.tables.get("insights")
    themes = c.tables.get("themes")
    return (tuple(ins["statement"]) if ins is not None else (),
            tuple(themes.iloc[:, 0].astype(str)) if themes is not None else ())


def leftovers(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.glob(f".{out.name}.*"))


def one_line_error(stderr: str) -> bool:
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    return bool(lines) and lines[-1].startswith("cxinsight: error: ")


# ---------------------------------------------------------------------------- cases
def case_reference(base: Path, study: Path) -> tuple[Result, tuple]:
    out = base / "reference"
    t0 = time.perf_counter()
    res = run(command(study, out))
    secs = time.perf_counter() - t0
    fp = fingerprint(out)
    ok = res.returncode == 0 and fp is not None and not leftovers(out)
    return Result("reference run", "exit 0, complete output", f"exit {res.returncode}, "
                  f"{'complete' if fp else 'INCOMPLETE'} output", ok, secs), fp


def case_two_runs(base: Path, study: Path, reference: tuple) -> Result:
    out = base / "two_runs"
    t0 = time.perf_counter()
    first = subprocess.Popen(command(study, out), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, env=ENV)
    lock = out.parent / f".{out.name}.lock"
    while not lock.exists() and first.poll() is None:
        time.sleep(0.05)
    second = run(command(study, out))
    first_out, first_err = first.communicate()
    secs = time.perf_counter() - t0
    fp = fingerprint(out)
    refused = second.returncode == 2 and one_line_error(second.stderr) and \
        "another cxinsight run" in second.stderr
    ok = refused and first.returncode == 0 and fp == reference and not leftovers(out)
    return Result("two runs on one --out", "second refused (exit 2), first complete",
                  f"second exit {second.returncode}{' (refused)' if refused else ''}, first exit "
                  f"{first.returncode}, output {'= reference' if fp == reference else 'DIFFERS'}",
                  ok, secs)


def case_kill_random(base: Path, study: Path, reference: tuple, kills: int, rng: random.Random,
                     full_seconds: float) -> list[Result]:
    out = base / "killed"
    shutil.copytree(base / "reference", out)  # a previous, complete output to be replaced
    results = []
    for i in range(kills):
        delay = rng.uniform(0.3, max(0.5, full_seconds * 0.95))
        t0 = time.perf_counter()
        p = subprocess.Popen(command(study, out, "--overwrite"), stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, env=ENV)
        time.sleep(delay)
        finished = p.poll() is not None
        if not finished:
            p.send_signal(signal.SIGKILL)
        p.wait()
        fp = fingerprint(out)
        ok = fp == reference  # the previous output, or a completed run: never a mix
        results.append(Result(f"SIGKILL at {delay:.1f} s ({i + 1}/{kills})",
                              "OUT = previous or new complete output",
                              ("run had finished; " if finished else "") +
                              f"output {'complete = reference' if ok else 'PARTIAL or DIFFERENT'}; "
                              f"leftovers {leftovers(out) or 'none'}", ok,
                              time.perf_counter() - t0))
    t0 = time.perf_counter()
    res = run(command(study, out, "--overwrite"))
    fp = fingerprint(out)
    ok = res.returncode == 0 and fp == reference and not leftovers(out)
    results.append(Result("fresh run after the kills", "exit 0, stale lock and temp cleaned",
                          f"exit {res.returncode}, output {'= reference' if fp == reference else 'DIFFERS'}, "
                          f"leftovers {leftovers(out) or 'none'}", ok, time.perf_counter() - t0))
    return results


def case_sigterm(base: Path, study: Path, full_seconds: float) -> Result:
    out = base / "terminated"
    key = base / "keys" / "terminated.key"
    key.parent.mkdir(exist_ok=True)
    t0 = time.perf_counter()
    p = subprocess.Popen(command(study, out, "--key", str(key)), stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, env=ENV)
    time.sleep(max(1.0, full_seconds * 0.6))
    p.send_signal(signal.SIGTERM)
    _, err = p.communicate()
    clean = not out.exists() and not key.exists() and not leftovers(out)
    ok = p.returncode != 0 and clean and "interrupted" in err
    return Result("SIGTERM mid-run", "exit 130, no output, no key, no leftovers",
                  f"exit {p.returncode}, output {'absent' if not out.exists() else 'PRESENT'}, key "
                  f"{'absent' if not key.exists() else 'PRESENT'}, leftovers {leftovers(out) or 'none'}",
                  ok, time.perf_counter() - t0)


def _mount_tmpfs(where: Path, size: str) -> bool:
    if os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    where.mkdir(parents=True, exist_ok=True)
    res = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
                         capture_output=True, text=True)
    return res.returncode == 0


def _fsize_limit(limit: int):
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def _size(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())


def case_disk_full(base: Path, study: Path, tmpfs: bool = True) -> Result:
    """A disk with room for half of the reference output (a file-size limit of half its
    largest file when no tmpfs can be mounted)."""
    disk = base / "small_disk"
    ref = base / "reference"
    room = max(64_000, _size(ref) // 2)
    largest = max(f.stat().st_size for f in ref.rglob("*") if f.is_file())
    mounted = tmpfs and _mount_tmpfs(disk, f"{room // 1024}k")
    key = base / "keys" / "disk_full.key"
    key.parent.mkdir(exist_ok=True)
    t0 = time.perf_counter()
    try:
        if mounted:
            out = disk / "out"
            how = f"{room / 1e6:.1f} MB tmpfs, half the output"
            res = run(command(study, out, "--key", str(key)))
        else:
            disk.mkdir(parents=True, exist_ok=True)
            out = disk / "out"
            how = f"RLIMIT_FSIZE {largest // 2000} kB, half the largest file"
            res = run(command(study, out, "--key", str(key)), preexec_fn=_fsize_limit(largest // 2))
        fp = fingerprint(out)
        complete = fp is not None
        clean = (complete or not out.exists()) and not leftovers(out) and (complete or not key.exists())
        ok = clean and (res.returncode == 0 and complete or res.returncode != 0 and one_line_error(res.stderr))
        last = res.stderr.strip().splitlines()[-1][:90] if res.stderr.strip() else ""
        return Result(f"disk full ({how})", "clear error, no output, no key (or complete)",
                      f"exit {res.returncode}: {last}; output {'complete' if complete else 'absent' if not out.exists() else 'PARTIAL'}"
                      f", key {'absent' if not key.exists() else 'present'}", ok,
                      time.perf_counter() - t0)
    finally:
        if mounted:
            subprocess.run(["umount", str(disk)], capture_output=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kills", type=int, default=4)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--no-tmpfs", action="store_true",
                    help="simulate the full disk with RLIMIT_FSIZE even when a tmpfs can be mounted")
    ap.add_argument("--cases", default="two_runs,kill_random,sigterm,disk_full",
                    help="comma-separated cases to run after the reference run")
    args = ap.parse_args(argv)
    rng = random.Random(args.seed)
    base = Path(tempfile.mkdtemp(prefix="cx-faults-"))
    results: list[Result] = []
    try:
        study = small_study(base)
        ref, reference = case_reference(base, study)
        results.append(ref)
        if reference is None:
            print("the reference run failed; nothing else can be checked")
        else:
            cases = set(args.cases.split(","))
            if "two_runs" in cases:
                results.append(case_two_runs(base, study, reference))
            if "kill_random" in cases:
                results.extend(case_kill_random(base, study, reference, args.kills, rng, ref.seconds))
            if "sigterm" in cases:
                results.append(case_sigterm(base, study, ref.seconds))
            if "disk_full" in cases:
                results.append(case_disk_full(base, study, tmpfs=not args.no_tmpfs))
    finally:
        shutil.rmtree(base, ignore_errors=True)
    print("\n| case | expected | outcome | ok | wall s |\n|---|---|---|---|---|")
    for r in results:
        print(f"| {r.case} | {r.expected} | {r.outcome} | {'yes' if r.ok else '**NO**'} | {r.seconds:.1f} |")
    n_ok = sum(r.ok for r in results)
    print(f"\n{n_ok}/{len(results)} cases ended with correct results or a clear error and no "
          "mixed or partial output.")
    return 0 if n_ok == len(results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
