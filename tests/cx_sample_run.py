"""Run ``cxinsight analyse`` on the sample study once, with the network blocked.

Used by the session fixture ``analysed_sample_run`` (tests/conftest.py). The run happens in this
process with ``socket.socket.connect``/``connect_ex`` and ``socket.create_connection`` replaced by
functions that record the attempt and raise, so any reach for a model hub fails the run and is
listed in ``attempts``.
"""

from __future__ import annotations

import contextlib
import io
import socket
import time
import warnings
from pathlib import Path
from types import SimpleNamespace

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_DIR = ROOT / "data" / "sample_interviews"
_INET = (socket.AF_INET, socket.AF_INET6)


@contextlib.contextmanager
def network_blocked():
    """Refuse every internet connection made in this process; yield the list of attempts."""
    attempts: list[str] = []
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex

    def connect(self, address, *args):
        if self.family in _INET:
            attempts.append(repr(address))
            raise OSError(f"network access blocked by the test: connect to {address!r}")
        return real_connect(self, address, *args)

    def connect_ex(self, address, *args):
        if self.family in _INET:
            attempts.append(repr(address))
            raise OSError(f"network access blocked by the test: connect to {address!r}")
        return real_connect_ex(self, address, *args)

    def create_connection(address, *args, **kwargs):
        attempts.append(repr(address))
        raise OSError(f"network access blocked by the test: create_connection({address!r})")

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(socket.socket, "connect", connect)
        mp.setattr(socket.socket, "connect_ex", connect_ex)
        mp.setattr(socket, "create_connection", create_connection)
        yield attempts


def run_sample_study(tmp_path_factory) -> SimpleNamespace:
    """``cxinsight analyse data/sample_interviews --out OUT --key KEY`` in-process."""
    if not (SAMPLE_DIR / "manifest.csv").exists():
        pytest.skip("the sample study (data/sample_interviews) is not available")
    from cxinsight import cli
    from cxinsight.corpus import Corpus

    base = tmp_path_factory.mktemp("sample_study")
    out, key = base / "out", base / "keys" / "study.key"
    key.parent.mkdir()
    stdout, stderr = io.StringIO(), io.StringIO()
    t0 = time.perf_counter()
    with network_blocked() as attempts, warnings.catch_warnings():
        warnings.simplefilter("default")
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            code = cli.main(["analyse", str(SAMPLE_DIR), "--out", str(out), "--key", str(key),
                             "--quiet", "--debug"])
    seconds = time.perf_counter() - t0
    corpus = Corpus.load(out / "corpus")
    return SimpleNamespace(out=out, key=key, code=code, attempts=attempts, seconds=seconds,
                           stdout=stdout.getvalue(), stderr=stderr.getvalue(), corpus=corpus)
