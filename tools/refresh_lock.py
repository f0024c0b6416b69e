"""Refresh ``requirements.txt``: exact versions and hashes of every dependency.

Run from the project root with the machine's Python 3.11 (Linux x86-64)::

    python3 tools/refresh_lock.py

It creates a throw-away virtual environment, installs the CPU build of ``torch==2.13.0``
and then ``cxinsight[dev]`` from ``pyproject.toml`` with the newest versions the ranges
allow, freezes the result, and asks pip (in dry-run mode) for the sha256 of every file it
would install.  The lock is written sorted, one ``name==version --hash=sha256:...`` per
line.  Both README commands install it with ``--require-hashes --no-deps``, so a fresh
machine gets exactly these files or fails loudly.  After refreshing, regenerate the
committed notebook outputs (``python tools/build_notebooks.py``) and run ``make test``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TORCH = "torch==2.13.0"


def _run(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="cxinsight-lock-") as tmp:
        venv = Path(tmp) / "venv"
        _run(sys.executable, "-m", "venv", str(venv))
        py = str(venv / "bin" / "python")
        _run(py, "-m", "pip", "install", "-q", TORCH)
        _run(py, "-m", "pip", "install", "-q", "-e", f"{ROOT}[dev]")
        frozen = [
            line
            for line in _run(py, "-m", "pip", "freeze", "--all", "--exclude-editable").splitlines()
            if line and not line.lower().startswith("cxinsight") and "==" in line
        ]
        req = Path(tmp) / "frozen.txt"
        req.write_text("\n".join(frozen) + "\n")
        report = Path(tmp) / "report.json"
        _run(py, "-m", "pip", "install", "-q", "--dry-run", "--ignore-installed", "--no-deps",
             "--report", str(report), "-r", str(req))
        lines = []
        for item in json.loads(report.read_text())["install"]:
            name = item["metadata"]["name"]
            version = item["metadata"]["version"]
            digest = item["download_info"].get("archive_info", {}).get("hashes", {}).get("sha256")
            if not digest:
                raise SystemExit(f"no sha256 for {name}=={version}: cannot lock it")
            lines.append(f"{name.lower()}=={version} --hash=sha256:{digest}")
    header = (
        "# cxinsight lock: exact versions and hashes for Python 3.11 on Linux x86-64 (CPU).\n"
        "# Applied by `make demo`, `make test` and CI with --require-hashes --no-deps.\n"
        "# Refresh with `python3 tools/refresh_lock.py` (see docs/installation.md).\n"
    )
    (ROOT / "requirements.txt").write_text(header + "\n".join(sorted(lines)) + "\n")
    print(f"requirements.txt: {len(lines)} packages")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
