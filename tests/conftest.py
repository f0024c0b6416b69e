"""Shared fixtures: paths to the sample study and the shared data, and cached corpora."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_DIR = ROOT / "data" / "sample_interviews"
GROUND_TRUTH = SAMPLE_DIR / "_ground_truth"
SHARED_DATA = Path(os.environ.get("CXINSIGHT_SHARED_DATA", ROOT.parent / "shared" / "data"))
FIXTURES = Path(__file__).resolve().parent / "fixtures"

# Keep the test run's embedding cache inside the checkout (git-ignored) and never reach a hub.
os.environ.setdefault("CXINSIGHT_CACHE_DIR", str(ROOT / ".cache"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("MPLBACKEND", "Agg")


def shared_data(name: str) -> Path:
    """Return ``../shared/data/<name>``, skipping the test with a clear message when absent."""
    path = SHARED_DATA / name
    if not path.exists():
        pytest.skip(f"shared data {path} is not available (set CXINSIGHT_SHARED_DATA to its folder)")
    return path


@pytest.fixture(scope="session")
def sample_corpus():
    """The sample study, read and segmented once per test session."""
    import cxinsight as cx

    return cx.segment(cx.read(SAMPLE_DIR))


@pytest.fixture(scope="session")
def embedded_sample(sample_corpus):
    """The sample study with embeddings (cached on disk across runs)."""
    import cxinsight as cx

    return cx.embed(sample_corpus)


@pytest.fixture(scope="session")
def analysed_sample_run(tmp_path_factory):
    """`cxinsight analyse` of the sample study, once per session, network blocked (cx_sample_run.py)."""
    from cx_sample_run import run_sample_study

    return run_sample_study(tmp_path_factory)
