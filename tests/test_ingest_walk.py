"""Folder walk and limits: every entry is read or listed with its reason; nothing hangs."""

from __future__ import annotations

import os
import sys
import time
import warnings
import zipfile
from pathlib import Path

import pytest

import cxinsight as cx
from cxinsight.errors import CxInsightWarning, TranscriptFormatError

TURNS = "Ann Lee: How was the first box?\nBob Ray: Late, and the spinach was wilted.\nAnn Lee: Why?\nBob Ray: No idea.\n"


def _read(path, **kw):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        c = cx.read(path, **kw)
    return c, [str(w.message) for w in caught]


def _status(c):
    files = c.tables["files"]
    return {Path(p).name: (s, r) for p, s, r in zip(files["path"], files["status"], files["reason"])}


def test_only_readme_licence_hidden_and_underscore_are_ignored_and_listed(tmp_path):
    for name in ("changelog_interview.txt", "readme_notes.txt", "LICENCE", "LICENSE.md", "README.md",
                 ".hidden.txt", "_draft.txt", "notes for int3.txt"):
        (tmp_path / name).write_text(TURNS)
    (tmp_path / "_old").mkdir()
    (tmp_path / "_old" / "x.txt").write_text(TURNS)
    c, _ = _read(tmp_path)
    st = _status(c)
    # a transcript whose name starts with another word is read
    assert st["changelog_interview.txt"][0] == "read"
    assert st["notes for int3.txt"][0] == "read"
    for name in ("readme_notes.txt", "LICENCE", "LICENSE.md", "README.md", ".hidden.txt", "_draft.txt"):
        assert st[name][0] == "ignored", name
    assert st["_old"][0] == "ignored"
    ignored = {Path(i["path"]).name for i in c.meta["ignored"]}
    assert {"README.md", "_old", ".hidden.txt"} <= ignored
    assert sorted(c.turns["interview_id"].unique()) == ["changelog_interview", "notes for int3"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_fifo_dev_zero_link_and_outside_link_are_skipped_quickly(tmp_path):
    (tmp_path / "good.txt").write_text(TURNS)
    os.mkfifo(tmp_path / "pipe.txt")
    os.symlink("/dev/zero", tmp_path / "zero.txt")
    outside = tmp_path.parent / f"{tmp_path.name}_outside.txt"
    outside.write_text(TURNS)
    os.symlink(outside, tmp_path / "outside.txt")
    os.symlink(tmp_path / "missing.txt", tmp_path / "broken.txt")
    os.symlink(tmp_path / "good.txt", tmp_path / "inside link.txt")
    t0 = time.monotonic()
    c, messages = _read(tmp_path)
    assert time.monotonic() - t0 < 10
    st = _status(c)
    assert st["pipe.txt"] == ("skipped", "a FIFO (named pipe), not a transcript file")
    assert st["zero.txt"][0] == "skipped" and "outside the study folder" in st["zero.txt"][1]
    assert st["outside.txt"][0] == "skipped"
    assert st["broken.txt"][0] == "skipped" and "broken" in st["broken.txt"][1]
    assert st["good.txt"][0] == "read" and st["inside link.txt"][0] == "read"
    assert any("pipe.txt" in m for m in messages)
    # a device given directly is refused with a clear error, not read forever
    with pytest.raises(TranscriptFormatError, match="a device"):
        cx.read("/dev/zero", format="text")


def test_unreadable_folder_is_listed_and_the_rest_is_read(tmp_path, monkeypatch):
    (tmp_path / "a.txt").write_text(TURNS)
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "b.txt").write_text(TURNS)
    real = os.scandir

    def scandir(p="."):
        if Path(p) == locked:
            raise PermissionError(13, "Permission denied")
        return real(p)

    monkeypatch.setattr(os, "scandir", scandir)
    c, messages = _read(tmp_path)
    st = _status(c)
    assert st["locked"][0] == "skipped" and "Permission denied" in st["locked"][1]
    assert c.turns["interview_id"].unique().tolist() == ["a"]
    assert any("locked" in m and "skipped" in m for m in messages)


@pytest.mark.skipif(sys.platform != "linux", reason="undecodable file names are a POSIX thing")
def test_latin1_file_name_is_read_and_named(tmp_path):
    raw = os.fsencode(str(tmp_path)) + b"/entrevista_Jos\xe9.txt"
    with open(raw, "wb") as fh:
        fh.write(TURNS.encode())
    (tmp_path / "other.txt").write_text(TURNS)
    c, _ = _read(tmp_path)
    ids = sorted(c.turns["interview_id"].unique())
    assert ids == ["entrevista_José", "other"]
    assert any(p.endswith("entrevista_José.txt") for p in c.tables["files"]["path"])
    c.turns["source"].str.encode("utf-8")  # printable everywhere: no surrogate escapes


def test_one_broken_file_never_stops_the_others(tmp_path, monkeypatch):
    (tmp_path / "a.txt").write_text(TURNS)
    (tmp_path / "b.txt").write_text(TURNS)
    import cxinsight.ingest.text as text_mod

    real = text_mod.parse_text

    def flaky(text, **kw):
        if "b.txt" in str(kw.get("path")):
            raise RuntimeError("boom")
        return real(text, **kw)

    monkeypatch.setattr(text_mod, "parse_text", flaky)
    c, _ = _read(tmp_path)
    assert c.turns["interview_id"].unique().tolist() == ["a"]
    assert "RuntimeError" in c.meta["skipped"][0]["reason"]


def test_max_bytes_limit(tmp_path):
    (tmp_path / "big.txt").write_text(TURNS * 100)
    (tmp_path / "small.txt").write_text(TURNS)
    c, _ = _read(tmp_path, max_bytes=1000)
    st = _status(c)
    assert st["big.txt"][0] == "skipped" and "max_bytes" in st["big.txt"][1]
    with pytest.raises(TranscriptFormatError, match="over the limit"):
        cx.read(tmp_path / "big.txt", max_bytes=1000)


def _bomb(path: Path, mb: int) -> None:
    chunk = b"\0" * 1_000_000
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        with zf.open("word/document.xml", "w") as fh:
            for _ in range(mb):
                fh.write(chunk)


@pytest.mark.parametrize("suffix", [".docx", ".xlsx"])
def test_zip_bomb_is_refused_before_unpacking(tmp_path, suffix):
    p = tmp_path / f"bomb{suffix}"
    _bomb(p, 60)
    t0 = time.process_time()
    with pytest.raises(TranscriptFormatError, match="zip bomb"):
        cx.read(p)
    assert time.process_time() - t0 < 0.5
    with pytest.raises(TranscriptFormatError, match="max_unzipped_bytes"):
        cx.read(p, max_unzipped_bytes=10_000_000)


def test_damaged_docx_root_is_a_clear_error(tmp_path):
    p = tmp_path / "damaged.docx"
    import docx

    d = docx.Document()
    d.add_paragraph("Ann: hello")
    d.save(p)
    with zipfile.ZipFile(p) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    parts["word/document.xml"] = b'<?xml version="1.0"?><w:notdocument xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"/>'
    with zipfile.ZipFile(p, "w") as zf:
        for n, b in parts.items():
            zf.writestr(n, b)
    with pytest.raises(TranscriptFormatError, match="Word file"):
        cx.read(p)


def test_ragged_csv_with_interview_column_is_a_clear_error(tmp_path):
    p = tmp_path / "turns.csv"
    p.write_text("interview_id,speaker,text\nA1,Ann,Hello there\nA1,Bob,Hi,extra,fields\n")
    with pytest.raises(TranscriptFormatError, match=r"line 3: a row has more fields"):
        cx.read(p)
    # extra fields on the first row used to become an index and fail with a TypeError
    p.write_text("interview_id,speaker,text\nA1,Ann,Hello,extra\nA1,Bob,Hi\n")
    with pytest.raises(TranscriptFormatError, match=r"line 2: a row has more fields"):
        cx.read(p)


def test_warnings_name_files_not_people(tmp_path):
    (tmp_path / "int1.txt").write_text("Jane Roe: It was fine.\nJohn Poe: Ok.\n")
    with pytest.warns(CxInsightWarning, match="int1"):
        c = cx.read(tmp_path)
    assert "Jane Roe: participant (assumed)" in c.tables["files"]["roles"].iloc[0]
