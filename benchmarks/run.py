"""Run every benchmark script in this folder and print a summary table.

Each ``bench_*.py`` prints its own table of figures; this runner executes them one after the
other (so they do not compete for the two cores), then prints how long each took and whether it
finished. ``python benchmarks/run.py ingest themes`` runs only the named ones.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    scripts = sorted(HERE.glob("bench_*.py"))
    if argv:
        scripts = [s for s in scripts if any(a in s.stem for a in argv)]
    results = []
    for script in scripts:
        print(f"\n=== {script.stem} " + "=" * max(0, 60 - len(script.stem)), flush=True)
        t0 = time.perf_counter()
        code = subprocess.call([sys.executable, str(script)], cwd=HERE.parent)
        results.append((script.stem, code, time.perf_counter() - t0))
    print("\n| benchmark | status | seconds |\n|---|---|---|")
    for name, code, secs in results:
        print(f"| {name} | {'ok' if code == 0 else f'failed ({code})'} | {secs:.1f} |")
    return 0 if all(code == 0 for _, code, _ in results) else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
