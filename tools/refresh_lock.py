"""Refresh ``pylock.toml`` (PEP 751): exact versions and hashes of every dependency.

Run from the project root with the machine's Python 3.11 (Linux x86-64)::

    python3 tools/refresh_lock.py

It creates a throw-away virtual environment, installs the CPU build of ``torch==2.13.0``
and then ``cxinsight[dev]`` from ``pyproject.toml`` with the newest versions the ranges
allow, freezes the result, asks pip (in dry-run mode) for the sha256 of every file it would
install, and has pip's ``lock`` command write those exact files to ``pylock.toml`` (PyPI
addresses, and the machine's ``/opt/wheels`` file for torch).  Both README commands install
it with the pip of ``tools/installer.txt``, so a fresh machine gets exactly these files or
fails loudly.  After refreshing, regenerate the
committed notebook outputs (``python tools/build_notebooks.py``) and run ``make test``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TORCH = "torch==2.13.0"
INSTALLER = ROOT / "tools" / "installer.txt"


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
        pinned = Path(tmp) / "pinned.txt"
        pinned.write_text("\n".join(sorted(lines)) + "\n")
        _run(py, "-m", "pip", "install", "-q", "--require-hashes", "-r", str(INSTALLER))
        # PyPI's addresses only (not a local mirror a machine's pip configuration may name)
        env = {**os.environ, "PIP_CONFIG_FILE": os.devnull}
        subprocess.run([py, "-m", "pip", "lock", "-q", "--no-deps", "-r", str(pinned),
                        "--find-links", "/opt/wheels", "-o", str(ROOT / "pylock.toml")],
                       check=True, env=env)
    print(f"pylock.toml: {len(lines)} packages")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
