"""Real third-party transcripts and survey exports (outside the repository), when present.

Set ``CXINSIGHT_REAL_MATERIAL`` to a folder laid out like ``/work/real_material`` (see its
README.md and MANIFEST.csv for sources and licences); skipped when absent.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import pytest

import cxinsight as cx

REAL = Path(os.environ.get("CXINSIGHT_REAL_MATERIAL", "/work/real_material"))
pytestmark = pytest.mark.skipif(not (REAL / "interviews").is_dir(), reason=f"no real material at {REAL}")


def _read(path, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return cx.read(path, **kw)


def test_every_real_interview_is_read_with_participant_speech():
    c = _read(REAL / "interviews")
    files = c.tables["files"]
    on_disk = {p.name for p in (REAL / "interviews").iterdir()}
    assert on_disk == {Path(p).name for p in files["path"]}
    for iid, g in c.turns.groupby("interview_id"):
        if g["speaker"].nunique() >= 2:
            assert (g["role"] == "participant").any(), iid
    assert (files.loc[files["status"] == "read", "kept_share"] >= 0.9).all()


def test_real_survey_exports_find_their_open_ended_columns():
    for p in sorted((REAL / "survey").glob("*.csv")):
        c = _read(p)
        f = c.meta["files"][0]
        assert f["format"] == "survey", p.name
        assert len(f["open_ended_columns"]) >= 5
        assert c.turns["question"].notna().all()
